#!/usr/bin/env python3
"""Generates a large synthetic git history for the audit benchmark, with `git fast-import`.

    bench/gen-history.py DIR [--commits N] [--files N] [--seed N]

Makes a new repository in DIR (which must not exist): a `main` branch of N commits over a tree
of about --files files in nested directories, with topic branches merged back every few dozen
commits, some left unmerged under refs/heads/topic-*, a tag every 1,000 commits, and a few
assistant markers: marker files (CLAUDE.md, .cursorrules, .claude/settings.json,
.github/copilot-instructions.md, AGENTS.md in subdirectories) added, modified and deleted,
`Co-Authored-By:` trailers and "Generated with Claude Code" footers, and bot identities as
author or committer. The same seed gives the same repository (same commit ids).
"""

import argparse
import os
import random
import subprocess
import sys

WORDS = (
    "fix add remove update refactor parser cache index tree walk commit report test docs "
    "build config flag option error path message identity merge branch tag speed memory"
).split()

MARKER_FILES = [
    "CLAUDE.md",
    ".cursorrules",
    ".claude/settings.json",
    ".github/copilot-instructions.md",
    "AGENTS.md",
    "GEMINI.md",
    ".windsurfrules",
]

TRAILERS = [
    "Co-Authored-By: Claude <noreply@anthropic.com>",
    "\U0001F916 Generated with [Claude Code](https://claude.com/claude-code)",
    "Co-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>",
    "Made-with: Cursor",
    "Co-authored-by: aider (gpt-4o) <noreply@aider.chat>",
]

BOTS = [
    ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
    ("Cursor Agent", "cursoragent@cursor.com"),
    ("devin-ai-integration[bot]", "158243242+devin-ai-integration[bot]@users.noreply.github.com"),
    ("Claude", "noreply@anthropic.com"),
]

HUMANS = [
    ("Ada Lovelace", "ada@example.org"),
    ("Grace Hopper", "grace@example.org"),
    ("Claude Shannon", "claude@example.org"),  # a human named like a tool: never a finding
    ("Linus Torvalds", "linus@example.org"),
    ("Margaret Hamilton", "margaret@example.org"),
]


class Gen:
    def __init__(self, out, rng, nfiles):
        self.out = out
        self.rng = rng
        self.mark = 0
        self.time = 1_500_000_000
        self.files = self.layout(nfiles)

    def layout(self, nfiles):
        dirs = [""]
        for a in range(12):
            dirs.append(f"pkg{a}/")
            for b in range(6):
                dirs.append(f"pkg{a}/mod{b}/")
                for c in range(3):
                    dirs.append(f"pkg{a}/mod{b}/sub{c}/")
        exts = [".rs", ".py", ".c", ".h", ".md", ".txt", ".json", ".toml"]
        return [
            f"{self.rng.choice(dirs)}file{i}{self.rng.choice(exts)}" for i in range(nfiles)
        ]

    def w(self, s):
        self.out.write(s.encode() if isinstance(s, str) else s)

    def next_mark(self):
        self.mark += 1
        return self.mark

    def blob(self, text):
        m = self.next_mark()
        data = text.encode()
        self.w(f"blob\nmark :{m}\ndata {len(data)}\n")
        self.w(data)
        self.w("\n")
        return m

    def message(self, marked):
        r = self.rng
        subject = " ".join(r.choice(WORDS) for _ in range(r.randint(3, 8))).capitalize()
        body = "\n".join(
            " ".join(r.choice(WORDS) for _ in range(r.randint(6, 12))) for _ in range(r.randint(0, 4))
        )
        msg = subject + "\n"
        if body:
            msg += "\n" + body + "\n"
        trailers = [f"Signed-off-by: {n} <{e}>" for n, e in r.sample(HUMANS, r.randint(0, 2))]
        if marked:
            trailers.append(r.choice(TRAILERS))
        if trailers:
            msg += "\n" + "\n".join(trailers) + "\n"
        return msg

    def commit(self, ref, parents, changes, marked_msg=False, bot=None, bot_committer=False):
        """`changes`: list of (path, blob mark or None for a deletion)."""
        r = self.rng
        self.time += r.randint(60, 7200)
        m = self.next_mark()
        author = bot if bot and not bot_committer else r.choice(HUMANS)
        committer = bot if bot and bot_committer else r.choice(HUMANS)
        data = self.message(marked_msg).encode()
        self.w(f"commit {ref}\nmark :{m}\n")
        self.w(f"author {author[0]} <{author[1]}> {self.time} +0000\n")
        self.w(f"committer {committer[0]} <{committer[1]}> {self.time} +0000\n")
        self.w(f"data {len(data)}\n")
        self.w(data)
        self.w("\n")
        for i, p in enumerate(parents):
            self.w(f"{'from' if i == 0 else 'merge'} :{p}\n")
        for path, blob in changes:
            if blob is None:
                self.w(f"D {path}\n")
            else:
                self.w(f"M 100644 :{blob} {path}\n")
        self.w("\n")
        return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--commits", type=int, default=40_000)
    ap.add_argument("--files", type=int, default=4_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if os.path.exists(args.dir):
        sys.exit(f"{args.dir} already exists")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")
    subprocess.run(["git", "init", "-q", "-b", "main", args.dir], check=True, env=env)
    fi = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=args.dir, stdin=subprocess.PIPE, env=env
    )
    rng = random.Random(args.seed)
    g = Gen(fi.stdin, rng, args.files)

    # The first commit holds every file.
    tree = {}
    for i, path in enumerate(g.files):
        tree[path] = g.blob(f"{path}\nversion 0\n" + "x" * (i % 200) + "\n")
    head = g.commit("refs/heads/main", [], list(tree.items()))
    present_markers = set()
    done = 1
    topic_no = 0
    version = 0

    def edits(state, count):
        nonlocal version
        out = []
        for path in rng.sample(g.files, count):
            version += 1
            b = g.blob(f"{path}\nversion {version}\n")
            state[path] = b
            out.append((path, b))
        return out

    def marker_change(state, present):
        """Adds, modifies or deletes one marker file somewhere in the tree."""
        nonlocal version
        version += 1
        if present and rng.random() < 0.5:
            path = rng.choice(sorted(present))
            if rng.random() < 0.5:
                present.discard(path)
                state.pop(path, None)
                return [(path, None)]
        else:
            d = rng.choice(["", "", "pkg3/", "pkg7/mod2/", "pkg1/mod0/sub1/"])
            path = d + rng.choice(MARKER_FILES)
            present.add(path)
        b = g.blob(f"assistant notes {version}\n")
        state[path] = b
        return [(path, b)]

    while done < args.commits:
        # Every 40 commits or so a topic branch of 2-5 commits, merged back after some more
        # commits on main (one in eight is left unmerged, as a branch of its own).
        if rng.random() < 1 / 40 and done + 12 < args.commits:
            topic_no += 1
            ref = f"refs/heads/topic-{topic_no}"
            topic_tip = head
            topic_changes = {}
            topic_state = dict(tree)
            for _ in range(rng.randint(2, 5)):
                ch = edits(topic_state, rng.randint(1, 4))
                if rng.random() < 0.1:
                    ch += marker_change(topic_state, set(present_markers))
                for p, b in ch:
                    topic_changes[p] = b
                topic_tip = g.commit(ref, [topic_tip], ch, marked_msg=rng.random() < 0.02)
                done += 1
            if rng.random() < 1 / 8:
                continue  # left unmerged
            for _ in range(rng.randint(1, 4)):
                head = g.commit("refs/heads/main", [head], edits(tree, rng.randint(1, 3)))
                done += 1
            # The merge takes the topic's version of every path it touched.
            merge = []
            for p, b in topic_changes.items():
                if b is None or p not in topic_state:
                    if p in tree:
                        del tree[p]
                        merge.append((p, None))
                else:
                    tree[p] = topic_state[p]
                    merge.append((p, topic_state[p]))
            for p in topic_changes:
                if p in present_markers and p not in topic_state:
                    present_markers.discard(p)
                elif p not in present_markers and p in topic_state and p not in g.files:
                    present_markers.add(p)
            if rng.random() < 0.05:  # an evil merge adds a marker neither parent had
                merge += marker_change(tree, present_markers)
            head = g.commit("refs/heads/main", [head, topic_tip], merge)
            g.w(f"reset {ref}\nfrom :{topic_tip}\n\n")
            done += 1
            continue
        ch = edits(tree, rng.randint(1, 5))
        if rng.random() < 0.005:
            ch += marker_change(tree, present_markers)
        bot = rng.choice(BOTS) if rng.random() < 0.003 else None
        head = g.commit(
            "refs/heads/main",
            [head],
            ch,
            marked_msg=rng.random() < 0.004,
            bot=bot,
            bot_committer=rng.random() < 0.3,
        )
        done += 1
        if done % 1000 == 0:
            g.w(f"reset refs/tags/v{done // 1000}.0\nfrom :{head}\n\n")
    g.w("done\n")
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", args.dir, "gc", "-q"], check=True, env=env)
    print(f"{args.dir}: {done} commits, {len(g.files)} files, {topic_no} topic branches")


if __name__ == "__main__":
    main()
