#!/usr/bin/env bash
# Every benchmark of docs/performance.md from one command, each against plain git in the
# same run: the full audit (with peak RssAnon and resident memory), pre-commit on indexes
# of 5,000, 40,000 and 400,000 entries, pre-receive for a 5,500-commit push and the first
# push of a 75,000-commit history.
#
#   bench/all.sh [REPO]     REPO: the history to audit (git.git for the published figures;
#                           default a generated one, see bench/audit.sh)
#   RUNS=1 bench/all.sh     fewer repetitions (default 3 for the audit and the pushes)
#   BIG=1 bench/all.sh      also the two long ones (minutes each, plus a one-time set-up of
#                           a few minutes, cached under /tmp/aigate-bench): REPO (default the
#                           git.git mirror) with 600 MiB more of packed blobs (bench/bigblobs.sh),
#                           and a generated history of one million commits (bench/million.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
(cd "$root" && cargo build --release --quiet)
export AIGATE=$root/target/release/aigate

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(git --version)"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== audit (target: 0.2x the pipeline, RssAnon <= 256 MiB)"
"$here/audit.sh" "$@"
for entries in 5000 40000 400000; do
    echo
    echo "== pre-commit, $entries index entries (target: <= 2x git diff --cached)"
    runs=50
    [ "$entries" -ge 400000 ] && runs=10
    "$here/hooks.sh" "$entries" "$runs"
done
echo
echo "== pre-receive, a 5,500-commit push (target: <= 0.4 s)"
"$here/receive.sh" 5500
echo
echo "== pre-receive, first push of 75,000 commits into an empty repository (target: <= 1.5 s)"
FIRST=1 "$here/receive.sh" 75000
if [ -n "${BIG:-}" ]; then
    echo
    echo "== the same history with 600 MiB more of packed blobs (target: <= 0.25x, same RssAnon)"
    "$here/bigblobs.sh" "$@"
    echo
    echo "== a generated history of one million commits (target: RssAnon <= 256 MiB)"
    "$here/million.sh"
fi
