//! The fast way of finding a commit's changed marker paths (a per-tree cache, no diffs,
//! several threads) must say exactly what the straightforward method says (both trees listed
//! in full and compared), and both what git's own `git log --name-status` says. These tests
//! generate random histories with `git fast-import` (merges, an evil merge adding CLAUDE.md,
//! renames, symlinks, type changes, deletions, gitlinks, whole subtrees moved between
//! directories), in SHA-1 and SHA-256 repositories, stored as several packs plus loose
//! objects, with a multi-pack-index, through alternates, under grafts and replace refs, in
//! packs as a push leaves them (thin, completed, with deltas by id), and compare the
//! `--format json` reports byte for byte. `aigate hook pre-receive` must find what the audit
//! finds, on a first push and on a push onto a base.

mod common;

use std::collections::{BTreeMap, BTreeSet};
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
    generate_in(seed, commits, "sha1")
}

/// [`generate`] in a repository of the given object format (`sha1` or `sha256`).
fn generate_in(seed: u64, commits: usize, format: &str) -> TestRepo {
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
    if format == "sha256" {
        // Gitlinks name commits of the repository's hash: 64 hex digits.
        stream = stream
            .split_inclusive('\n')
            .map(|line| match line.strip_prefix("M 160000 ") {
                Some(rest) => format!("M 160000 {}{rest}", "0".repeat(24)),
                None => line.to_owned(),
            })
            .collect();
    }

    let repo = TestRepo::init();
    if format != "sha1" {
        std::fs::remove_dir_all(repo.path().join(".git")).unwrap();
        repo.git(&[
            "init",
            "-q",
            "-b",
            "main",
            &format!("--object-format={format}"),
        ]);
    }
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
    if extra.is_empty() {
        assert_git_agrees(repo, &report);
    }
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "path")
        .count()
}

/// The (commit, path) pairs of a report's path findings.
fn path_pairs(report: &serde_json::Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "path")
        .map(|f| {
            (
                f["commit"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// git's own answer: `git log --all --no-renames --name-status --diff-merges=first-parent`
/// (without replace refs), every added, modified or type-changed path of a marker. The
/// markers are the paths the report flags anywhere (path rules look at the path alone) and
/// every `CLAUDE.md`.
#[track_caller]
fn assert_git_agrees(repo: &TestRepo, report: &serde_json::Value) {
    let ours = path_pairs(report);
    let mut markers: BTreeSet<String> = ours.iter().map(|(_, p)| p.clone()).collect();
    let log = repo.git(&[
        "--no-replace-objects",
        "log",
        "--all",
        "--no-renames",
        "--name-status",
        "--diff-merges=first-parent",
        "--format=%x01%H",
    ]);
    let mut changed = Vec::new();
    let mut commit = String::new();
    for line in log.lines() {
        if let Some(id) = line.strip_prefix('\u{1}') {
            commit = id.to_owned();
        } else if let Some((status, path)) = line.split_once('\t') {
            if status != "D" {
                changed.push((commit.clone(), path.to_owned()));
            }
        }
    }
    markers.extend(
        changed
            .iter()
            .filter(|(_, p)| p.ends_with("CLAUDE.md"))
            .map(|(_, p)| p.clone()),
    );
    let theirs: BTreeSet<(String, String)> = changed
        .into_iter()
        .filter(|(_, p)| markers.contains(p))
        .collect();
    assert_eq!(ours, theirs, "aigate and git log disagree");
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
fn fast_path_reads_deep_delta_chains() {
    // `git gc --aggressive` packs trees as long delta chains (offset deltas);
    // `repack -a -d --window=250 --depth=250` makes them longer still.
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

#[test]
fn fast_path_matches_tree_diff_and_git_in_sha256_repositories() {
    let mut found = 0;
    for seed in [5, 77] {
        let repo = generate_in(seed, 250, "sha256");
        let id = repo.git(&["rev-parse", "main"]);
        assert_eq!(id.trim().len(), 64, "a SHA-256 repository");
        found += assert_methods_agree(&repo, &[]);
        found += assert_methods_agree(&repo, &["--threads", "2"]);
    }
    assert!(found > 20, "{found} path findings");
}

/// Adds a few commits through the work tree (loose objects) on `main`.
fn add_loose_commits(repo: &TestRepo, tag: &str) {
    repo.git(&["checkout", "-q", "-f", "main"]);
    for i in 0..3 {
        repo.write(&format!("loose/{tag}{i}.txt"), format!("{tag} {i}\n"));
        if i == 1 {
            repo.write(&format!("loose/{tag}/CLAUDE.md"), format!("{tag}\n"));
        }
        repo.commit_all(&format!("loose {tag} {i}"));
    }
}

/// How many packs the directory `pack_dir` holds.
fn count_packs(pack_dir: &std::path::Path) -> usize {
    std::fs::read_dir(pack_dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pack")
        })
        .count()
}

#[test]
fn fast_path_reads_several_packs_loose_objects_a_multi_pack_index_and_alternates() {
    let repo = generate(8_086, 300);
    add_loose_commits(&repo, "a");
    repo.git(&["repack", "-q", "-d"]); // a second pack of the loose objects
    add_loose_commits(&repo, "b");
    let packs = count_packs(&repo.path().join(".git/objects/pack"));
    assert!(packs >= 2, "{packs} packs");
    let found = assert_methods_agree(&repo, &[]);
    assert!(found > 10, "{found} path findings");

    repo.git(&["multi-pack-index", "write"]);
    assert!(repo
        .path()
        .join(".git/objects/pack/multi-pack-index")
        .exists());
    assert_eq!(assert_methods_agree(&repo, &[]), found);

    // A clone that borrows every object through `objects/info/alternates`.
    let dir = tempfile::tempdir().unwrap();
    let out = git_command(dir.path())
        .args(["clone", "-q", "--shared", "--mirror"])
        .arg(repo.path())
        .arg("borrowed.git")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let borrowed = dir.path().join("borrowed.git");
    assert!(borrowed.join("objects/info/alternates").exists());
    let run = |dir: &std::path::Path| {
        let out = common::aigate(dir, &["audit", "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        path_pairs(&report)
    };
    assert_eq!(run(&borrowed), run(repo.path()));
}

#[test]
fn grafts_and_replace_refs_change_nothing_the_objects_hold() {
    let repo = generate(4_242, 200);
    let before = {
        let out = common::aigate(repo.path(), &["audit", "--format", "json"]);
        String::from_utf8(out.stdout).unwrap()
    };
    // Cut the history short with a graft on a commit in the middle of `main`.
    let middle = repo.git(&["rev-parse", "main~5"]);
    std::fs::write(repo.path().join(".git/info/grafts"), middle.as_bytes()).unwrap();
    assert_methods_agree(&repo, &["--threads", "2"]);
    let grafted = {
        let out = common::aigate(repo.path(), &["audit", "--format", "json"]);
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(grafted, before, "a graft changes nothing");
    std::fs::remove_file(repo.path().join(".git/info/grafts")).unwrap();

    // Replace a commit by its first parent: the stored commits are all still checked.
    let victim = repo.git(&["rev-parse", "main~3"]);
    let parent = repo.git(&["rev-parse", "main~4"]);
    repo.git(&["replace", victim.trim(), parent.trim()]);
    assert_methods_agree(&repo, &["--threads", "2"]);
    let replaced: serde_json::Value =
        serde_json::from_slice(&common::aigate(repo.path(), &["audit", "--format", "json"]).stdout)
            .unwrap();
    let before: serde_json::Value = serde_json::from_str(&before).unwrap();
    assert!(path_pairs(&before).is_subset(&path_pairs(&replaced)));
    assert_eq!(
        replaced["summary"]["commits_scanned"],
        before["summary"]["commits_scanned"]
    );
}

/// The (commit, path) pairs of the path findings `aigate hook pre-receive` logs for one push
/// of `new` onto `old` (all zeros for a new ref) to `main` of the bare repository `server`:
/// run as receive-pack runs it, from the repository with `GIT_DIR` set.
#[track_caller]
fn pre_receive_pairs(server: &std::path::Path, old: &str, new: &str) -> BTreeSet<(String, String)> {
    let log = server.join("decisions.jsonl");
    let _ = std::fs::remove_file(&log);
    let policy = server.join("policy.toml");
    std::fs::write(&policy, format!("[server]\nlog = \"{}\"\n", log.display())).unwrap();
    let mut child = common::aigate_command(server)
        .args(["hook", "pre-receive", "--config"])
        .arg(&policy)
        .env("GIT_DIR", ".")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = format!("{old} {new} refs/heads/main\n");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(line.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "pre-receive: {}",
        describe(&out)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let decision: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert!(decision["error"].is_null(), "{decision}");
    path_pairs(&decision)
}

/// The path findings of `aigate audit <range>` by the straightforward method.
#[track_caller]
fn audit_pairs(repo: &TestRepo, range: &str) -> BTreeSet<(String, String)> {
    let out = common::aigate(
        repo.path(),
        &["audit", "--format", "json", "--path-method", "diff", range],
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        describe(&out)
    );
    path_pairs(&serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn pre_receive_finds_what_the_audit_finds_on_a_first_push_and_on_a_push_onto_a_base() {
    // Long enough for the receive pipeline to hand out several batches to its workers.
    let repo = generate(6_502, 700);
    let dir = tempfile::tempdir().unwrap();
    let server = dir.path().join("srv.git");
    let out = git_command(dir.path())
        .args(["clone", "-q", "--bare"])
        .arg(repo.path())
        .arg(&server)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    // The pushed objects are all there, as in a push's quarantine, but no ref reaches them.
    let refs = git_command(&server)
        .args(["for-each-ref", "--format=delete %(refname)"])
        .output()
        .unwrap();
    let mut update = git_command(&server)
        .args(["update-ref", "--stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    update
        .stdin
        .take()
        .unwrap()
        .write_all(&refs.stdout)
        .unwrap();
    assert!(update.wait().unwrap().success());
    let tip = repo.git(&["rev-parse", "main"]).trim().to_owned();
    let zero = "0".repeat(40);

    let first = pre_receive_pairs(&server, &zero, &tip);
    assert_eq!(first, audit_pairs(&repo, "main"), "first push");
    assert!(first.len() > 20, "{} path findings", first.len());

    // A push onto a base in the middle of the history: only the commits above it.
    let line = repo.git(&["rev-list", "--first-parent", "main"]);
    let line: Vec<&str> = line.lines().collect();
    let base = line[line.len() / 2].to_owned();
    let out = git_command(&server)
        .args(["update-ref", "refs/heads/main", &base])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let onto = pre_receive_pairs(&server, &base, &tip);
    assert_eq!(
        onto,
        audit_pairs(&repo, &format!("{base}..main")),
        "push onto a base"
    );
    assert!(!onto.is_empty() && onto.len() < first.len());
}

#[test]
fn fast_path_reads_packs_as_a_push_leaves_them() {
    // With `receive.unpackLimit = 1` the server keeps each pushed pack: the second push's
    // pack is thin (its deltas may have bases only the server has), completed by
    // `index-pack --fix-thin` with those bases appended and the deltas against them stored
    // by id (REF_DELTA) rather than by offset.
    let repo = generate(9_001, 400);
    let server = TestRepo::init_bare();
    server.git(&["config", "receive.unpackLimit", "1"]);
    let url = server.path().to_str().unwrap().to_owned();
    let line = repo.git(&["rev-list", "--first-parent", "main"]);
    let line: Vec<&str> = line.lines().collect();
    let base = line[line.len() / 2].to_owned();
    repo.git(&["push", "-q", &url, &format!("{base}:refs/heads/main")]);
    repo.git(&["push", "-q", &url, "main:refs/heads/main"]);
    let packs = count_packs(&server.path().join("objects/pack"));
    assert_eq!(packs, 2, "each push kept as a pack");
    let found = assert_methods_agree(&server, &[]);
    assert!(found > 10, "{found} path findings");
    assert_eq!(
        audit_pairs(&server, "main"),
        audit_pairs(&repo, "main"),
        "the server's objects say what the client's do"
    );
}
