#!/usr/bin/env bash
# Times `aigate hook pre-commit` against `git diff --cached --name-status` (the cost of the
# cheapest thing git itself does with the staged changes) on a generated work tree.
#
#   bench/hooks.sh [FILES] [RUNS]      default 5000 index entries, 50 runs of each command
#
# Uses target/release/aigate (built if missing) or $AIGATE. Prints the mean time per run of
# each command and the ratio. Not a test: timings depend on the machine.
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

# Mean milliseconds per run of the command given as arguments.
time_it() {
    local start end
    "$@" >/dev/null 2>&1 # warm the caches
    start=$(date +%s%N)
    for _ in $(seq "$runs"); do
        "$@" >/dev/null 2>&1
    done
    end=$(date +%s%N)
    echo $(((end - start) / runs / 1000)) # microseconds
}

git_us=$(time_it git diff --cached --name-status)
aigate_us=$(time_it "$aigate" hook pre-commit)
version=$("$aigate" --version)

printf 'work tree: %d tracked files, 6 staged changes; %d runs each; %s cores\n' \
    "$tracked" "$runs" "$(nproc)"
awk -v g="$git_us" -v a="$aigate_us" -v v="$version" 'BEGIN {
    printf "%-36s %8.2f ms\n", "git diff --cached --name-status", g / 1000
    printf "%-36s %8.2f ms\n", v " hook pre-commit", a / 1000
    printf "ratio: %.2f\n", a / g
}'
