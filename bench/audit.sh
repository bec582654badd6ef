#!/usr/bin/env bash
# The audit benchmark: `aigate audit` against the plain-git pipeline a careful user would
# script for the same answer, side by side in one run on the same repository.
#
#   bench/audit.sh                  # a synthetic history (bench/gen-history.py), made once
#   bench/audit.sh /path/to/repo    # a real repository
#   RUNS=5 bench/audit.sh           # best of 5 instead of 3
#
# The pipeline (every ref, default catalogue):
#   git log --all --format='%an <%ae>%n%cn <%ce>%n%B' | grep -E -i -f <identity and message rules>
#   git log --all --no-renames --name-status --diff-merges=first-parent --format=%H \
#       | grep -v '^D' | grep -E -i -f <path rules as regular expressions>
# (`--no-renames`: rename detection needs blobs and fails in partial clones) against
# `aigate audit --format json` (release build). Prints the best wall time of each, the ratio
# aigate / pipeline, aigate's peak anonymous memory (RssAnon, the budget: heap and stacks)
# and resident memory (with the shared, reclaimable pages of memory-mapped packs), sampled
# by bench/peak.py, and the pipeline's largest process (GNU time).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${RUNS:-3}

if ! [ -x /usr/bin/time ]; then
    echo "bench/audit.sh needs GNU time: apt-get install -y time" >&2
    exit 2
fi

repo=${1:-}
if [ -z "$repo" ]; then
    repo=${BENCH_REPO:-$root/target/bench-history}
    if ! [ -d "$repo" ]; then
        echo "generating $repo (once) ..." >&2
        python3 "$here/gen-history.py" "$repo" >&2
    fi
fi
repo=$(cd "$repo" && pwd)

aigate=${AIGATE:-$root/target/release/aigate}
[ -n "${AIGATE:-}" ] || (cd "$root" && cargo build --release --quiet)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The plain-git pipeline is bench/pipeline.sh (shared with bigblobs.sh and million.sh).
export AIGATE=$aigate

commits=$(git -C "$repo" rev-list --all --count)
refs=$(git -C "$repo" for-each-ref | wc -l)
echo "repository: $repo ($commits commits, $refs refs)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "best of $runs runs"

best_p=; best_a=; mem_p=0; anon_a=0; res_a=0
for _ in $(seq "$runs"); do
    read -r t m text_hits path_hits < <("$here/pipeline.sh" "$repo")
    if [ -z "$best_p" ] || awk "BEGIN{exit !($t < $best_p)}"; then best_p=$t; fi
    [ "$m" -gt "$mem_p" ] && mem_p=$m
    read -r t anon res < <(python3 "$here/peak.py" "$aigate" audit -C "$repo" --format json --no-progress)
    if [ -z "$best_a" ] || awk "BEGIN{exit !($t < $best_a)}"; then best_a=$t; fi
    [ "$anon" -gt "$anon_a" ] && anon_a=$anon
    [ "$res" -gt "$res_a" ] && res_a=$res
done

"$aigate" audit -C "$repo" --format json >"$work/report.json" || true
findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/report.json")
printf '%-10s %8s s  largest process %6d MiB resident  (%s message/identity lines, %s path lines matched)\n' \
    pipeline "$best_p" $((mem_p / 1024)) "$text_hits" "$path_hits"
printf '%-10s %8s s  peak RssAnon %6d MiB, resident %6d MiB  (%s findings)\n' \
    aigate "$best_a" $((anon_a / 1024)) $((res_a / 1024)) "$findings"
awk "BEGIN{printf \"ratio aigate/pipeline: %.2f (target 0.2)\n\", $best_a / $best_p}"
