#!/usr/bin/env python3
"""Generates a long, narrow history for the scale benchmark, with `git fast-import`.

    bench/gen-million.py DIR [--commits N] [--every N] [--seed N]

A `main` branch of N commits (default one million) over a small tree (20 directories of 10
files), each commit changing one file to one of 256 pooled contents, so the history is long
but cheap to make: three new objects per commit (the commit, the root tree and one directory
tree). Every 5,000 commits a two-commit side branch is merged back (the merges bring no
marker), and every 10,000 commits a tag points at `main`.

Every --every commits (default 997) one marker is planted, in turn:
  - a `Co-Authored-By: Claude <noreply@anthropic.com>` trailer (rule claude-code-identity),
  - a `CLAUDE.md` added in one of the directories, deleted again ten commits later
    (rule claude-code-memory-file; the deletion is no finding),
  - a `copilot-swe-agent[bot]` author (rule copilot-identity),
each of which the default policy reports as exactly one finding. DIR/planted.json (outside
the repository's objects, beside `.git`) lists them as `{"commit", "rule"}` so a benchmark can
check that the audit finds those and nothing else. The same arguments give the same commit ids.
"""

import argparse
import json
import os
import random
import subprocess
import sys

DIRS = [f"dir{d:02}" for d in range(20)]
FILES = [f"{d}/file{f}.txt" for d in DIRS for f in range(10)]
HUMANS = [
    ("Ada Lovelace", "ada@example.org"),
    ("Grace Hopper", "grace@example.org"),
    ("Claude Shannon", "claude@example.org"),  # a human named like a tool: never a finding
]
BOT = ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com")
TRAILER = "Co-Authored-By: Claude <noreply@anthropic.com>"
SUBJECTS = [f"Change {w} in the {o}" for w in ("parser", "cache", "walk", "report") for o in (
    "tree", "index", "docs", "tests")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--commits", type=int, default=1_000_000)
    ap.add_argument("--every", type=int, default=997)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if os.path.exists(args.dir):
        sys.exit(f"{args.dir} already exists")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")
    subprocess.run(["git", "init", "-q", "-b", "main", args.dir], check=True, env=env)
    marks_file = os.path.join(args.dir, ".git", "gen-marks")
    fi = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done", f"--export-marks={marks_file}"],
        cwd=args.dir,
        stdin=subprocess.PIPE,
        env=env,
    )
    rng = random.Random(args.seed)
    out = []  # chunks, flushed every few thousand commits
    mark = 0
    now = 1_500_000_000

    def flush():
        fi.stdin.write("".join(out).encode())
        out.clear()

    def data(text):
        out.append(f"data {len(text.encode())}\n{text}\n")

    pool = []
    for i in range(256):
        mark += 1
        pool.append(mark)
        out.append(f"blob\nmark :{mark}\n")
        data(f"content {i}\n" + "line\n" * (i % 40))
    planted = []  # (mark, rule)
    pending_deletes = {}  # commit number -> path

    def commit(ref, parents, changes, message, author=None):
        nonlocal mark, now
        mark += 1
        now += rng.randint(30, 600)
        a = author or rng.choice(HUMANS)
        c = rng.choice(HUMANS)
        out.append(f"commit {ref}\nmark :{mark}\n")
        out.append(f"author {a[0]} <{a[1]}> {now} +0000\ncommitter {c[0]} <{c[1]}> {now} +0000\n")
        data(message)
        for i, p in enumerate(parents):
            out.append(f"{'merge' if i else 'from'} :{p}\n")
        out.extend(changes)
        out.append("\n")
        return mark

    def edit():
        return f"M 100644 :{rng.choice(pool)} {rng.choice(FILES)}\n"

    head = commit("refs/heads/main", [], [f"M 100644 :{pool[i % 256]} {p}\n" for i, p in enumerate(FILES)],
                  "Initial tree\n")
    done, kind, side_no = 1, 0, 0
    while done < args.commits:
        if done % 5000 == 0 and done + 3 <= args.commits:
            side_no += 1
            ref = f"refs/heads/side-{side_no}"
            tip = head
            side_changes = []
            for _ in range(2):
                ch = edit()
                side_changes.append(ch)
                tip = commit(ref, [tip], [ch], rng.choice(SUBJECTS) + " (side)\n")
            head = commit("refs/heads/main", [head, tip], side_changes, f"Merge side {side_no}\n")
            out.append(f"reset {ref}\nfrom :{tip}\n\n")
            done += 3
            continue
        changes = [edit()]
        message = rng.choice(SUBJECTS) + "\n"
        author = None
        rule = None
        if done in pending_deletes:
            changes.append(f"D {pending_deletes.pop(done)}\n")
        elif done % args.every == 0:
            kind = (kind + 1) % 3
            if kind == 0:
                message += f"\n{TRAILER}\n"
                rule = "claude-code-identity"
            elif kind == 1:
                path = f"{rng.choice(DIRS)}/CLAUDE.md"
                mark += 1
                out.append(f"blob\nmark :{mark}\n")
                data(f"assistant notes {done}\n")
                changes.append(f"M 100644 :{mark} {path}\n")
                pending_deletes[done + 10] = path
                rule = "claude-code-memory-file"
            else:
                author = BOT
                rule = "copilot-identity"
        head = commit("refs/heads/main", [head], changes, message, author)
        if rule:
            planted.append((head, rule))
        done += 1
        if done % 10000 == 0:
            out.append(f"reset refs/tags/v{done // 10000}\nfrom :{head}\n\n")
        if len(out) > 50000:
            flush()
    out.append("done\n")
    flush()
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    ids = {}
    with open(marks_file) as f:
        for line in f:
            m, oid = line.split()
            ids[int(m[1:])] = oid
    os.remove(marks_file)
    with open(os.path.join(args.dir, "planted.json"), "w") as f:
        json.dump([{"commit": ids[m], "rule": r} for m, r in planted], f, indent=0)
    print(f"{args.dir}: {done} commits, {side_no} merges, {len(planted)} planted markers")


if __name__ == "__main__":
    main()
