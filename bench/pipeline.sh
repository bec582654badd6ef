#!/usr/bin/env bash
# The plain-git reference pipeline of the audit benchmarks, run once on REPO; prints
# `<seconds> <largest process KiB resident> <message/identity lines matched> <path lines matched>`.
#
#   bench/pipeline.sh REPO      (AIGATE: the binary whose `rules --format json` gives the rules)
#
# The same pipeline as bench/audit.sh (every ref, the default catalogue as grep patterns):
#   git log --all --format='%an <%ae>%n%cn <%ce>%n%B' | grep -E -i -f <identity and message rules>
#   git log --all --no-renames --name-status --diff-merges=first-parent --format=%H \
#       | grep -v '^D' | grep -E -i -f <path rules as regular expressions>
# timed as a whole by GNU time (`%M`: the largest process of the two pipelines).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
repo=$(cd "$1" && pwd)
aigate=${AIGATE:-$root/target/release/aigate}

if ! [ -x /usr/bin/time ]; then
    echo "bench/pipeline.sh needs GNU time: apt-get install -y time" >&2
    exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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

/usr/bin/time -f '%e %M' -o "$work/time" bash "$work/pipeline.sh" >/dev/null
read -r seconds kib < <(tail -n 1 "$work/time")
echo "$seconds $kib $(wc -l <"$work/text.hits") $(wc -l <"$work/path.hits")"
