#!/usr/bin/env python3
"""Runs a command and prints `<seconds> <peak RssAnon KiB> <peak resident KiB>`.

Anonymous memory (heap and stacks, `RssAnon` in /proc/<pid>/status) is sampled every
2 ms: it is the budget, because memory-mapped pack pages are shared and reclaimable.
The resident peak is the largest `VmHWM` (the kernel's own high-water mark) or `VmRSS`
sampled. Exit status 0 and 1 are both success (1 is aigate's "found something"); anything
else is reported and passed on.

Usage: bench/peak.py [--stdout FILE] COMMAND [ARG...]
(stdout of the command goes to FILE, by default /dev/null)
"""
import subprocess
import sys
import time


def status(pid):
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("RssAnon", "VmHWM", "VmRSS"):
                    fields[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return fields


def main():
    args = sys.argv[1:]
    out = subprocess.DEVNULL
    if args[:1] == ["--stdout"]:
        out = open(args[1], "wb")
        args = args[2:]
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE)
    anon = hwm = 0
    while proc.poll() is None:
        s = status(proc.pid)
        anon = max(anon, s.get("RssAnon", 0))
        hwm = max(hwm, s.get("VmHWM", 0), s.get("VmRSS", 0))
        time.sleep(0.002)
    elapsed = time.monotonic() - start
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode not in (0, 1):
        sys.stderr.write(err)
        sys.exit(proc.returncode)
    print(f"{elapsed:.3f} {anon} {hwm}")


main()
