//! The fast way of finding a commit's changed marker paths (a per-tree cache, no diffs,
//! several threads) must say exactly what the straightforward libgit2 tree diff says. These
//! tests generate random histories with `git fast-import` (merges, an evil merge adding
//! CLAUDE.md, renames, symlinks, type changes, deletions, gitlinks, whole subtrees moved
//! between directories) and compare the two `--format json` reports byte for byte.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::Stdio;

use common::{describe, git_command, TestRepo};

/// A small deterministic generator (xorshift), so a failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const DIRS: &[&str] = &[
    "", "src/", "src/a/", "docs/", "pkg/x/y/", ".github/", "tools/",
];
const NAMES: &[&str] = &[
    "main.rs",
    "lib.c",
    "README",
    "notes.txt",
    "mod.py",
    "x.json",
];
const MARKERS: &[&str] = &[
    "CLAUDE.md",
    "claude.md",
    ".claude/settings.json",
    ".cursorrules",
    ".github/copilot-instructions.md",
    "AGENTS.md",
    ".cursor/rules/a.mdc",
    ".roorules-code",
    ".github/prompts/fix.prompt.md",
];

/// A tree as a map from path to (mode, content).
type Tree = BTreeMap<String, (&'static str, String)>;

fn conflicts(tree: &Tree, path: &str) -> bool {
    let dir_prefix = format!("{path}/");
    tree.keys().any(|k| {
        k.starts_with(&dir_prefix)
            || (path.starts_with(k.as_str()) && path[k.len()..].starts_with('/'))
    })
}

/// Emits `M`/`D` commands turning `from` into `to`.
fn ops(from: &Tree, to: &Tree, out: &mut String) {
    for path in from.keys() {
        if !to.contains_key(path) {
            writeln!(out, "D {path}").unwrap();
        }
    }
    for (path, (mode, content)) in to {
        if from.get(path) != Some(&(mode, content.clone())) {
            if *mode == "160000" {
                writeln!(out, "M 160000 {content} {path}").unwrap();
            } else {
                writeln!(
                    out,
                    "M {mode} inline {path}\ndata {}\n{content}",
                    content.len()
                )
                .unwrap();
            }
        }
    }
}

/// One random change to `tree`.
fn mutate(rng: &mut Rng, tree: &mut Tree, serial: &mut u64) {
    *serial += 1;
    let s = *serial;
    let paths: Vec<String> = tree.keys().cloned().collect();
    match rng.below(12) {
        // add or modify an ordinary file
        0..=3 => {
            let path = format!("{}{}", rng.pick(DIRS), rng.pick(NAMES));
            if !conflicts(tree, &path) {
                tree.insert(path, ("100644", format!("content {s}\n")));
            }
        }
        // add or modify a marker, somewhere
        4 => {
            let path = format!("{}{}", rng.pick(DIRS), rng.pick(MARKERS));
            if !conflicts(tree, &path) {
                let mode = if rng.chance(20) { "100755" } else { "100644" };
                tree.insert(path, (mode, format!("assistant {s}\n")));
            }
        }
        // delete a path
        5 if !paths.is_empty() => {
            tree.remove(rng.pick(&paths));
        }
        // rename a path (same content)
        6 if !paths.is_empty() => {
            let old = rng.pick(&paths).clone();
            let new = format!(
                "{}{}",
                rng.pick(DIRS),
                rng.pick(
                    MARKERS
                        .iter()
                        .chain(NAMES)
                        .copied()
                        .collect::<Vec<_>>()
                        .as_slice()
                )
            );
            if !conflicts(tree, &new) && !tree.contains_key(&new) {
                let v = tree.remove(&old).unwrap();
                tree.insert(new, v);
            }
        }
        // a symlink, possibly named like a marker
        7 => {
            let path = format!(
                "{}{}",
                rng.pick(DIRS),
                rng.pick(&["CLAUDE.md", "link", ".cursorrules"])
            );
            if !conflicts(tree, &path) {
                tree.insert(path, ("120000", format!("target-{s}")));
            }
        }
        // a type change: file <-> symlink at the same path
        8 if !paths.is_empty() => {
            let path = rng.pick(&paths).clone();
            let (mode, _) = tree[&path];
            let new_mode = match mode {
                "120000" => "100644",
                "160000" => "120000",
                _ => "120000",
            };
            tree.insert(path, (new_mode, format!("changed {s}")));
        }
        // move a whole directory somewhere else
        9 => {
            let dirs: Vec<&str> = DIRS.iter().copied().filter(|d| !d.is_empty()).collect();
            let from = *rng.pick(&dirs);
            let to = format!("moved{s}/{from}");
            let moving: Vec<String> = paths
                .iter()
                .filter(|p| p.starts_with(from))
                .cloned()
                .collect();
            for p in moving {
                let v = tree.remove(&p).unwrap();
                tree.insert(format!("{to}{}", &p[from.len()..]), v);
            }
        }
        // a gitlink (submodule), sometimes named like a marker directory
        10 => {
            let path = format!(
                "{}{}",
                rng.pick(DIRS),
                rng.pick(&["vendor", ".cursor", ".claude"])
            );
            if !conflicts(tree, &path) {
                tree.insert(path, ("160000", format!("{:040x}", s)));
            }
        }
        // replace a marker directory by a file of the same name, or back
        _ => {
            let path = format!("{}.claude", rng.pick(DIRS));
            if tree.contains_key(&path) {
                tree.remove(&path);
                tree.insert(
                    format!("{path}/settings.json"),
                    ("100644", format!("{s}\n")),
                );
            } else {
                let under = format!("{path}/");
                tree.retain(|k, _| !k.starts_with(&under));
                if !conflicts(tree, &path) {
                    tree.insert(path, ("100644", format!("file {s}\n")));
                }
            }
        }
    }
}

/// Builds a random history of about `commits` commits on three branches, with merges.
fn generate(seed: u64, commits: usize) -> TestRepo {
    let mut rng = Rng(seed);
    let mut serial = 0;
    let mut stream = String::new();
    let mut mark = 0usize;
    // (branch, head mark, tree)
    let mut branches: Vec<(String, usize, Tree)> = Vec::new();
    let mut time = 1_700_000_000u64;
    let mut commit =
        |stream: &mut String, branch: &str, parents: &[usize], msg: &str, body: &str| {
            mark += 1;
            time += 60;
            writeln!(stream, "commit refs/heads/{branch}\nmark :{mark}").unwrap();
            writeln!(stream, "author A <a@example.com> {time} +0000").unwrap();
            writeln!(stream, "committer A <a@example.com> {time} +0000").unwrap();
            writeln!(stream, "data {}\n{msg}", msg.len()).unwrap();
            for (i, p) in parents.iter().enumerate() {
                writeln!(stream, "{} :{p}", if i == 0 { "from" } else { "merge" }).unwrap();
            }
            stream.push_str(body);
            stream.push('\n');
            mark
        };
    let mut tree = Tree::new();
    for _ in 0..8 {
        mutate(&mut rng, &mut tree, &mut serial);
    }
    let mut body = String::new();
    ops(&Tree::new(), &tree, &mut body);
    let root = commit(&mut stream, "main", &[], "root\n", &body);
    for name in ["main", "topic", "side"] {
        branches.push((name.to_owned(), root, tree.clone()));
    }
    for n in 0..commits {
        let b = rng.below(branches.len());
        if rng.chance(12) {
            // merge another branch into this one: its tree takes some of the other's paths
            let o = (b + 1 + rng.below(branches.len() - 1)) % branches.len();
            let (mine, theirs) = (branches[b].2.clone(), branches[o].2.clone());
            let mut merged = mine.clone();
            for (p, v) in &theirs {
                if rng.chance(60) && !conflicts(&merged, p) {
                    merged.insert(p.clone(), v.clone());
                }
            }
            if rng.chance(25) {
                // an evil merge: a marker neither parent had
                let p = format!("{}CLAUDE.md", rng.pick(DIRS));
                if !conflicts(&merged, &p) {
                    merged.insert(p, ("100644", format!("evil {n}\n")));
                }
            }
            let mut body = String::new();
            ops(&mine, &merged, &mut body);
            let parents = [branches[b].1, branches[o].1];
            let m = commit(
                &mut stream,
                &branches[b].0.clone(),
                &parents,
                "merge\n",
                &body,
            );
            branches[b].1 = m;
            branches[b].2 = merged;
            continue;
        }
        let before = branches[b].2.clone();
        let mut after = before.clone();
        for _ in 0..1 + rng.below(3) {
            mutate(&mut rng, &mut after, &mut serial);
        }
        let mut body = String::new();
        ops(&before, &after, &mut body);
        let parent = [branches[b].1];
        let m = commit(
            &mut stream,
            &branches[b].0.clone(),
            &parent,
            &format!("change {n}\n"),
            &body,
        );
        branches[b].1 = m;
        branches[b].2 = after;
    }
    stream.push_str("done\n");

    let repo = TestRepo::init();
    let mut child = git_command(repo.path())
        .args(["fast-import", "--quiet", "--done"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start git fast-import");
    let written = child.stdin.take().unwrap().write_all(stream.as_bytes());
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success() && written.is_ok(),
        "fast-import (seed {seed}) failed: {}",
        describe(&output)
    );
    repo
}

#[track_caller]
fn assert_methods_agree(repo: &TestRepo, extra: &[&str]) -> usize {
    let run = |method: &str| {
        let mut args = vec!["audit", "--format", "json", "--path-method", method];
        args.extend_from_slice(extra);
        let out = common::aigate(repo.path(), &args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{method}: {}",
            describe(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let (index, diff) = (run("index"), run("diff"));
    assert_eq!(index, diff, "index and diff methods disagree");
    let report: serde_json::Value = serde_json::from_str(&index).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "path")
        .count()
}

#[test]
fn fast_path_matches_tree_diff_on_random_histories() {
    let mut path_findings = 0;
    for seed in [1, 7, 42, 1234, 99_991] {
        let repo = generate(seed, 300);
        path_findings += assert_methods_agree(&repo, &[]);
    }
    assert!(
        path_findings > 50,
        "the histories exercise markers ({path_findings} path findings)"
    );
}

#[test]
fn fast_path_with_worker_threads_matches_tree_diff() {
    // Each thread takes a contiguous range of the commits with a cache of its own.
    let repo = generate(2024, 600);
    let found = assert_methods_agree(&repo, &["--threads", "3"]);
    assert!(found > 20, "{found} path findings");
}

#[test]
fn evil_merge_adding_claude_md_is_flagged_by_both_methods() {
    let repo = TestRepo::init();
    repo.write("a.txt", "a\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("b.txt", "b\n");
    repo.commit_all("topic");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("c.txt", "c\n");
    repo.commit_all("main");
    repo.git(&["merge", "-q", "--no-commit", "topic"]);
    repo.write("sub/CLAUDE.md", "evil\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "merge topic"]);
    assert_eq!(assert_methods_agree(&repo, &[]), 1);
}

#[test]
fn fast_path_reads_deep_delta_chains_like_libgit2() {
    // `git gc --aggressive` packs trees as long delta chains (offset deltas) for the fast
    // path's own pack reader; `repack -a -d --window=250 --depth=250` makes them longer still.
    let repo = generate(31_337, 400);
    repo.git(&["gc", "-q", "--aggressive"]);
    let found = assert_methods_agree(&repo, &["--threads", "2"]);
    repo.git(&[
        "repack",
        "-q",
        "-a",
        "-d",
        "-f",
        "--window=250",
        "--depth=250",
    ]);
    assert_eq!(assert_methods_agree(&repo, &["--threads", "2"]), found);
    assert!(found > 10, "{found} path findings");
}
