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

# The rules of the default catalogue as grep -E patterns, from `aigate rules --format json`.
"$aigate" rules --format json | python3 -c '
import json, re, sys
rules = json.load(sys.stdin)
text, paths = [], []
def glob_re(g):
    anchored = g.startswith("/")
    g = g.strip("/")
    out, i = "", 0
    while i < len(g):
        if g.startswith("**/", i):
            out += "(.*/)?"; i += 3
        elif g[i] == "*":
            out += "[^/]*"; i += 1
        else:
            out += re.escape(g[i]) if g[i] not in "-" else g[i]; i += 1
    return ("\t" if anchored else "\t(.*/)?") + out + "(/|$)"
for r in rules:
    for p in r["patterns"]:
        if r["kind"] == "path":
            paths.append(glob_re(p))
        elif r["kind"] == "message":
            p = p.removeprefix("subject:").replace(r"\d", "[0-9]")
            text.append(p)
        elif p.startswith("github:"):
            ident, login = p[len("github:"):].split("+", 1)
            text.append(re.escape(f"{ident}+{login}@users.noreply.github.com"))
            text.append(re.escape(f"{login}@users.noreply.github.com"))
        elif p.startswith("name:"):
            text.append(p[len("name:"):].lstrip("^"))
        else:
            text.append(re.escape(p))
open(sys.argv[1], "w").write("\n".join(text) + "\n")
open(sys.argv[2], "w").write("\n".join(paths) + "\n")
' "$work/text.re" "$work/paths.re"

cat >"$work/pipeline.sh" <<EOF
set -o pipefail
git -C '$repo' log --all --format='%an <%ae>%n%cn <%ce>%n%B' | grep -E -i -f '$work/text.re' >'$work/text.hits' || true
git -C '$repo' log --all --no-renames --name-status --diff-merges=first-parent --format=%H | grep -v '^D' | grep -E -i -f '$work/paths.re' >'$work/path.hits' || true
EOF

# Runs a command under GNU time; prints "seconds max-rss-KiB".
measure() {
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
        status=$?
        if [ "$status" -ne 1 ]; then # 1 is aigate's "found something"
            cat "$work/stderr" >&2
            exit "$status"
        fi
    }
    tail -n 1 "$work/time"
}

commits=$(git -C "$repo" rev-list --all --count)
refs=$(git -C "$repo" for-each-ref | wc -l)
echo "repository: $repo ($commits commits, $refs refs)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "best of $runs runs"

best_p=; best_a=; mem_p=0; anon_a=0; res_a=0
for _ in $(seq "$runs"); do
    read -r t m < <(measure bash "$work/pipeline.sh")
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
    pipeline "$best_p" $((mem_p / 1024)) "$(wc -l <"$work/text.hits")" "$(wc -l <"$work/path.hits")"
printf '%-10s %8s s  peak RssAnon %6d MiB, resident %6d MiB  (%s findings)\n' \
    aigate "$best_a" $((anon_a / 1024)) $((res_a / 1024)) "$findings"
awk "BEGIN{printf \"ratio aigate/pipeline: %.2f (target 0.2)\n\", $best_a / $best_p}"
