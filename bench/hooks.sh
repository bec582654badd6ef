#!/usr/bin/env bash
# Times `aigate hook pre-commit` against `git diff --cached --name-status` (the cost of the
# cheapest thing git itself does with the staged changes) on a generated work tree.
#
#   bench/hooks.sh [FILES] [RUNS]      default 5000 index entries, 50 runs of each command
#
# Uses target/release/aigate (built if missing) or $AIGATE. Prints the mean wall time per run
# of each command (the two alternate in rounds of ten runs) and the ratio, and the mean CPU time (user + system, from GNU time when
# installed), steadier than wall time on a busy machine. Not a test: timings depend on the
# machine.
set -euo pipefail
cd "$(dirname "$0")/.."

files=${1:-5000}
runs=${2:-50}
aigate=${AIGATE:-$PWD/target/release/aigate}
if [ ! -x "$aigate" ]; then
    cargo build --release --quiet
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/aigate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$work"
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE AIGATE_CONFIG

repo="$work/repo"
git init -q -b main "$repo"
cd "$repo"
# An index shaped like a real project: 50 directories of nested files, a few dot-directories.
# Built with `git update-index --index-info` (the work tree is not needed: both commands
# compare the index with HEAD), so 400,000 entries take seconds.
blob=$(echo "file" | git hash-object -w --stdin)
awk -v n="$files" -v b="$blob" 'BEGIN {
    for (i = 0; i < n; i++) printf "100644 %s 0\tsrc/mod%d/sub%d/file%d.txt\n", b, i % 50, i % 7, i
    printf "100644 %s 0\t.github/ci.yml\n", b
}' | git update-index --index-info
git commit -q -m "generated tree"
# Staged changes for the commit being measured: a few modified files and a new one.
changed=$(echo "changed" | git hash-object -w --stdin)
for n in 1 2 3 4 5; do
    git update-index --cacheinfo "100644,$changed,src/mod$n/sub$n/file$n.txt"
done
git update-index --add --cacheinfo "100644,$changed,docs/new.md"
tracked=$(git ls-files | wc -l)

# Nanoseconds taken by `n` runs of the command given after it (wall time).
time_n() {
    local n=$1 start end
    shift
    start=$(date +%s%N)
    for _ in $(seq "$n"); do
        "$@" >/dev/null 2>&1
    done
    end=$(date +%s%N)
    echo $((end - start))
}

# Mean microseconds per run of git and of aigate, measured in alternating rounds of ten
# runs each, so that a machine whose speed drifts during the benchmark slows both alike.
git diff --cached --name-status >/dev/null 2>&1 # warm the caches
"$aigate" hook pre-commit >/dev/null 2>&1
git_ns=0
aigate_ns=0
left=$runs
while [ "$left" -gt 0 ]; do
    n=$((left < 10 ? left : 10))
    git_ns=$((git_ns + $(time_n "$n" git diff --cached --name-status)))
    aigate_ns=$((aigate_ns + $(time_n "$n" "$aigate" hook pre-commit)))
    left=$((left - n))
done
git_us=$((git_ns / runs / 1000))
aigate_us=$((aigate_ns / runs / 1000))

# Mean CPU microseconds per run (user + system of the runs), or nothing without GNU time.
cpu_it() {
    [ -x /usr/bin/time ] || return 0
    local out
    # shellcheck disable=SC2016 # the loop is expanded by the inner bash
    out=$(/usr/bin/time -f '%U %S' bash -c 'for _ in $(seq "$0"); do "${@}" >/dev/null 2>&1; done' \
        "$runs" "$@" 2>&1 >/dev/null | tail -1)
    awk -v o="$out" -v n="$runs" 'BEGIN { split(o, t, " "); printf "%d", (t[1] + t[2]) * 1e6 / n }'
}

git_cpu=$(cpu_it git diff --cached --name-status)
aigate_cpu=$(cpu_it "$aigate" hook pre-commit)
version=$("$aigate" --version)

printf 'work tree: %d tracked files, 6 staged changes; %d runs each; %s cores\n' \
    "$tracked" "$runs" "$(nproc)"
awk -v g="$git_us" -v a="$aigate_us" -v v="$version" -v gc="$git_cpu" -v ac="$aigate_cpu" 'BEGIN {
    printf "%-36s %8.2f ms\n", "git diff --cached --name-status", g / 1000
    printf "%-36s %8.2f ms\n", v " hook pre-commit", a / 1000
    printf "ratio: %.2f\n", a / g
    if (gc != "" && ac != "" && gc > 0)
        printf "cpu (user + system): git %.2f ms, aigate %.2f ms, ratio %.2f\n", gc / 1000, ac / 1000, ac / gc
}'
