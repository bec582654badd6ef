#!/usr/bin/env bash
# The scale benchmark: `aigate audit` of a generated history of one million commits (target:
# completes with peak RssAnon within the 256 MiB budget), beside the plain-git pipeline of
# bench/pipeline.sh in the same run, and a check that the audit reports exactly the markers
# the generator planted (same commits, same rules): the benchmark proves correctness at scale.
#
#   bench/million.sh                  # 1,000,000 commits, a marker every 997 commits
#   COMMITS=200000 bench/million.sh   # a smaller history
#   AIGATE=path/to/aigate bench/million.sh   (default target/release/aigate, built if missing)
#
# The history comes from bench/gen-million.py (about a minute for a million commits), then
# `git repack -a -d -f` (fast-import's deltas run from old to new, the wrong way for a reader
# going newest first; a clone or `git gc --aggressive` packs the other way) and
# `git commit-graph write --reachable` (as `git gc` does). It is cached under
# ${BENCH_CACHE:-/tmp/aigate-bench}/million-<commits>-<every>-<generator hash>, so a re-run skips
# the generation.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
commits=${COMMITS:-1000000}
every=${EVERY:-997}
cache=${BENCH_CACHE:-/tmp/aigate-bench}
aigate=${AIGATE:-$root/target/release/aigate}
[ -x "$aigate" ] || (cd "$root" && cargo build --release --quiet)
export AIGATE=$aigate

unset GIT_DIR GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_INDEX_FILE GIT_WORK_TREE
unset AIGATE_CONFIG
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C

gen_hash=$(sha1sum "$here/gen-million.py" | cut -c1-8)
repo=$cache/million-$commits-$every-$gen_hash
if ! [ -f "$repo/planted.json" ]; then
    mkdir -p "$cache"
    rm -rf "$repo.tmp"
    echo "generating $repo (once) ..." >&2
    start=$(date +%s)
    python3 "$here/gen-million.py" "$repo.tmp" --commits "$commits" --every "$every" >&2
    git -C "$repo.tmp" repack -q -a -d -f
    git -C "$repo.tmp" commit-graph write --reachable
    mv "$repo.tmp" "$repo"
    echo "generated in $(($(date +%s) - start)) s" >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "repository: $repo ($(git -C "$repo" rev-list --all --count) commits," \
    "$(git -C "$repo" for-each-ref | wc -l) refs, $(du -sm "$repo/.git/objects" | cut -f1) MiB of objects)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# (Assignments, not `read < <(...)`: a failing command stops the script.)
line=$("$here/pipeline.sh" "$repo")
read -r p_time p_kib p_text p_path <<<"$line"
line=$(python3 "$here/peak.py" --stdout "$work/report.json" \
    "$aigate" audit -C "$repo" --format json --no-progress)
read -r a_time a_anon a_res <<<"$line"

# The findings against the planted markers: same (commit, rule) pairs, nothing else.
check=$(python3 - "$work/report.json" "$repo/planted.json" <<'EOF'
import json, sys
found = sorted((f["commit"], f["rule"]) for f in json.load(open(sys.argv[1]))["findings"])
planted = sorted((p["commit"], p["rule"]) for p in json.load(open(sys.argv[2])))
missing = len(set(planted) - set(found))
extra = len(set(found) - set(planted))
verdict = "exact" if found == planted else f"MISMATCH: {missing} missing, {extra} unexpected"
print(f"{len(found)} {len(planted)} {verdict}")
EOF
)
read -r n_found n_planted verdict <<<"$check"

printf '%-10s %8s s  largest process %6d MiB resident  (%s message/identity lines, %s path lines matched)\n' \
    pipeline "$p_time" $((p_kib / 1024)) "$p_text" "$p_path"
printf '%-10s %8s s  peak RssAnon %6d MiB, resident %6d MiB  (%s findings, %s planted: %s)\n' \
    aigate "$a_time" $((a_anon / 1024)) $((a_res / 1024)) "$n_found" "$n_planted" "$verdict"
awk "BEGIN{printf \"ratio aigate/pipeline: %.2f; RssAnon %d MiB (budget 256 MiB: %s)\n\", \
    $a_time / $p_time, $a_anon / 1024, ($a_anon <= 256 * 1024) ? \"met\" : \"MISSED\"}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$verdict" = exact ]
