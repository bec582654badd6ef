#!/bin/sh
# Benchmark of the server hook: a push of thousands of new commits checked by
# `aigate hook pre-receive`, against a plain shell hook doing `git rev-list <new> --not --all`
# plus `git log` greps over messages, identities and changed paths, in the same run.
#
# The history is generated with `git fast-import`: a base commit with a tree of FILES files,
# then COMMITS commits each changing a few files (some in new directories), all imported into
# a bare repository whose `main` is then put back on the base commit. The new commits are
# present but unreferenced, as in the quarantine of a real push, and both hooks get the
# same stdin line `<base> <tip> refs/heads/main`.
#
# The objects are repacked as `git pack-objects` packs a push (see below; PACKED=fast-import
# keeps fast-import's pack). With FIRST=1 the repository is left without any ref (the first push of a whole history
# into an empty repository: every commit is new, the base one included).
#
# Usage: bench/receive.sh [COMMITS [FILES]]   (defaults 5000 and 3000)
#        AIGATE=path/to/aigate bench/receive.sh   (default: target/release/aigate, built if missing)
set -eu

commits=${1:-5000}
files=${2:-3000}
runs=${RUNS:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
aigate=${AIGATE:-$here/target/release/aigate}
if [ ! -x "$aigate" ]; then
	(cd "$here" && cargo build --release --quiet)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/aigate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# A fixed, clean environment: nothing from the caller's git configuration or hooks.
unset GIT_DIR GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_INDEX_FILE GIT_WORK_TREE
unset AIGATE_CONFIG
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C

git init -q --bare -b main "$work/bench.git"

# The fast-import stream: one base commit, then the pushed commits.
awk -v commits="$commits" -v files="$files" 'BEGIN {
	t = 1767225600
	print "commit refs/heads/main"
	print "mark :1"
	printf "author Dev <dev@example.com> %d +0000\n", t
	printf "committer Dev <dev@example.com> %d +0000\n", t
	msg = "Base\n"
	printf "data %d\n%s\n", length(msg), msg
	for (f = 0; f < files; f++) {
		body = sprintf("file %d\n", f)
		printf "M 100644 inline src/d%d/f%d.txt\ndata %d\n%s\n", f % 100, f, length(body), body
	}
	print ""
	for (i = 1; i <= commits; i++) {
		print "commit refs/heads/main"
		printf "mark :%d\n", i + 1
		printf "author Dev%d <dev%d@example.com> %d +0000\n", i % 17, i % 17, t + i * 60
		printf "committer Dev <dev@example.com> %d +0000\n", t + i * 60
		msg = sprintf("Change %d: adjust module %d\n\nLonger explanation of change %d.\n\nSigned-off-by: Dev <dev@example.com>\n", i, i % 100, i)
		printf "data %d\n%s\n", length(msg), msg
		for (k = 0; k < 3; k++) {
			f = (i * 7 + k * 131) % files
			body = sprintf("file %d changed by %d\n", f, i)
			printf "M 100644 inline src/d%d/f%d.txt\ndata %d\n%s\n", f % 100, f, length(body), body
		}
		if (i % 50 == 0) {
			body = sprintf("new %d\n", i)
			printf "M 100644 inline src/new%d/readme.md\ndata %d\n%s\n", i, length(body), body
		}
		print ""
	}
}' | git --git-dir="$work/bench.git" fast-import --quiet

tip=$(git --git-dir="$work/bench.git" rev-parse main)
# A real push's objects arrive in a pack made by the client's `git pack-objects`, whose deltas
# run from newer to older objects as in `git gc`; fast-import's own pack deltas the other
# way, the worst case for gitoxide's delta-base cache (it keeps only the objects asked for).
# Repack like a push (PACKED=fast-import keeps fast-import's pack).
if [ "${PACKED:-push}" != fast-import ]; then
	git --git-dir="$work/bench.git" repack -q -a -d -f
fi
base=$(git --git-dir="$work/bench.git" rev-list --max-parents=0 main)
if [ "${FIRST:-0}" = 1 ]; then
	git --git-dir="$work/bench.git" update-ref -d refs/heads/main
	printf '%s %s refs/heads/main\n' 0000000000000000000000000000000000000000 "$tip" >"$work/stdin"
else
	git --git-dir="$work/bench.git" update-ref refs/heads/main "$base"
	printf '%s %s refs/heads/main\n' "$base" "$tip" >"$work/stdin"
fi

# The plain hook: new commits by rev-list, then messages and identities, then changed paths.
cat >"$work/plain-hook" <<'EOF'
#!/bin/sh
status=0
while read -r old new ref; do
	case $new in *[!0]*) ;; *) continue ;; esac
	git rev-list "$new" --not --all >"$TMP_LIST"
	if git log --no-walk --stdin --format='%B%n%ae%n%ce' <"$TMP_LIST" |
		grep -Eiq '^(co-authored-by|assisted-by):.*(claude|anthropic|copilot|cursor|aider|codex)|generated with \[?claude code|noreply@anthropic\.com|cursoragent@cursor\.com|aider@aider\.chat'; then
		echo "rejected: AI assistant marker in a message of $ref" >&2
		status=1
	fi
	if git log --no-walk --stdin --format= --name-only <"$TMP_LIST" |
		grep -Eiq '(^|/)(CLAUDE\.md|CLAUDE\.local\.md|\.claude|AGENTS\.md|GEMINI\.md|\.cursorrules|\.cursor|\.windsurfrules|\.clinerules|\.aider[^/]*|\.github/copilot-instructions\.md)(/|$)'; then
		echo "rejected: AI assistant marker file in $ref" >&2
		status=1
	fi
done
exit "$status"
EOF
chmod +x "$work/plain-hook"

now_ms() { date +%s%N | cut -c1-13; }

# Runs a hook with the stdin line inside the repository, as receive-pack would; prints the
# best wall-clock time of $runs runs in milliseconds.
best_ms() {
	best=
	n=0
	while [ "$n" -lt "$runs" ]; do
		start=$(now_ms)
		(cd "$work/bench.git" && GIT_DIR=. TMP_LIST="$work/list" "$@" <"$work/stdin" >/dev/null 2>"$work/stderr") ||
			{ echo "hook failed:" >&2; cat "$work/stderr" >&2; exit 1; }
		end=$(now_ms)
		ms=$((end - start))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
		n=$((n + 1))
	done
	echo "$best"
}

checked=$(git --git-dir="$work/bench.git" rev-list "$tip" --not --all | wc -l | tr -d ' ')
aigate_ms=$(best_ms "$aigate" hook pre-receive)
plain_ms=$(best_ms "$work/plain-hook")

echo "machine:  $(nproc) cores, $(uname -sm), $(git --version)"
echo "history:  $checked new commits on a base tree of $files files (best of $runs runs)"
echo "aigate hook pre-receive: ${aigate_ms} ms"
echo "plain shell hook:        ${plain_ms} ms"
awk -v a="$aigate_ms" -v p="$plain_ms" 'BEGIN {
	if (p > 0) printf "ratio aigate/plain:      %.2f\n", a / p
}'
