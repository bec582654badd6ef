//! Org-wide audits with real repositories: `--jobs` keeps the report's order, `--shard K/N`
//! splits a `--repos-from` list into stable shares that cover it exactly once, and
//! `aigate report merge` puts the shards' JSON reports back together with the same totals
//! as one audit of the whole list.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{aigate, aigate_json, describe, git_command, TestRepo};
use serde_json::Value;

/// Eight repositories under one directory, every third one with a marker, and a list file.
struct Org {
    root: tempfile::TempDir,
    names: Vec<String>,
}

fn org() -> Org {
    let root = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for i in 0..8 {
        let name = format!("repo-{i}");
        let dir = root.path().join(&name);
        std::fs::create_dir(&dir).unwrap();
        let out = git_command(&dir)
            .args(["init", "-q", "-b", "main"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", describe(&out));
        // One fast-import per repository (three `git` processes a commit took most of the
        // test's time): an init commit, `i` changes, and every third repository a commit
        // adding CLAUDE.md with a Claude trailer.
        let mut stream = String::new();
        // The commits `git commit -m` made here before, byte for byte (the same ids).
        let mut commit = |message: &str, path: &str, content: &str| {
            let message = format!("{message}\n");
            let who = "1767225600 +0000";
            stream.push_str(&format!(
                "commit refs/heads/main\nauthor Test Author <author@example.com> {who}\n\
                 committer Test Committer <committer@example.com> {who}\n\
                 data {}\n{message}\nM 100644 inline {path}\ndata {}\n{content}\n\n",
                message.len(),
                content.len()
            ));
        };
        commit("init", "README", &format!("repo {i}\n"));
        for c in 0..i {
            commit(&format!("change {c}"), "n.txt", &format!("{c}\n"));
        }
        if i % 3 == 0 {
            commit(
                "notes\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
                "CLAUDE.md",
                "notes\n",
            );
        }
        stream.push_str("done\n");
        common::fast_import(&dir, &[], stream.as_bytes(), &name);
        names.push(name);
    }
    let list: String = std::iter::once("# the org\n".to_owned())
        .chain(names.iter().map(|n| format!("{n}\n")))
        .collect();
    std::fs::write(root.path().join("repos.txt"), list).unwrap();
    Org { root, names }
}

impl Org {
    fn path(&self) -> &Path {
        self.root.path()
    }
}

fn audit_json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "audit",
        "--repos-from",
        "repos.txt",
        "--format",
        "json",
        "--no-progress",
    ];
    args.extend_from_slice(extra);
    aigate_json(dir, &args)
}

fn repositories(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let r = f["repository"].as_str().unwrap();
            r.trim_end_matches('/').to_owned()
        })
        .collect()
}

#[test]
fn parallel_audits_report_in_list_order_as_one_job_does() {
    let o = org();
    let (code1, one) = audit_json(o.path(), &["--jobs", "1"]);
    let (code4, four) = audit_json(o.path(), &["--jobs", "4"]);
    assert_eq!((code1, code4), (1, 1));
    assert_eq!(one, four);
    assert_eq!(one["summary"]["repositories"], 8);
    // 8 inits + 0+1+...+7 changes + 3 marked commits.
    assert_eq!(one["summary"]["commits_scanned"], 8 + 28 + 3);
    let repos = repositories(&one);
    let mut sorted = repos.clone();
    sorted.sort();
    assert_eq!(repos, sorted, "findings follow the list's order");
    for name in ["repo-0", "repo-3", "repo-6"] {
        assert!(repos.iter().any(|r| r.ends_with(name)), "{name}: {repos:?}");
    }
}

#[test]
fn a_repository_that_fails_does_not_stop_the_others_in_parallel() {
    let o = org();
    let mut list = std::fs::read_to_string(o.path().join("repos.txt")).unwrap();
    list.push_str("missing-repo\n");
    std::fs::write(o.path().join("repos.txt"), list).unwrap();
    let out = aigate(
        o.path(),
        &[
            "audit",
            "--repos-from",
            "repos.txt",
            "--jobs",
            "3",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing-repo"));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(repositories(&report).len(), 6, "{report}");
}

/// `printf %s ENTRY | git hash-object --stdin`, first eight hex digits, modulo `n`.
fn share_by_git(dir: &Path, entry: &str, n: u32) -> u32 {
    let file = dir.join(".entry");
    std::fs::write(&file, entry).unwrap();
    let out = git_command(dir)
        .args(["hash-object", "--no-filters"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let hex = String::from_utf8(out.stdout).unwrap();
    u32::from_str_radix(&hex[..8], 16).unwrap() % n
}

#[test]
fn shards_cover_the_list_once_as_documented_whatever_its_order() {
    let o = org();
    let n = 3;
    let mut seen = Vec::new();
    for k in 1..=n {
        let shard = format!("{k}/{n}");
        let (_, report) = audit_json(o.path(), &["--shard", &shard]);
        let count = report["summary"]["repositories"].as_u64().unwrap() as usize;
        // Which repositories the shard audited: those its findings or the documented hash name.
        let expected: Vec<&String> = o
            .names
            .iter()
            .filter(|name| share_by_git(o.path(), name, n) == k - 1)
            .collect();
        assert_eq!(count, expected.len(), "shard {shard}");
        for r in repositories(&report) {
            assert!(
                expected.iter().any(|e| r.ends_with(e.as_str())),
                "{r} in shard {shard}"
            );
        }
        seen.extend(expected.into_iter().cloned());
    }
    seen.sort();
    assert_eq!(seen, o.names, "every repository in exactly one shard");

    // Reversed list, same shares.
    let (_, before) = audit_json(o.path(), &["--shard", "2/3"]);
    let reversed: String = o.names.iter().rev().map(|n| format!("{n}\n")).collect();
    std::fs::write(o.path().join("repos.txt"), reversed).unwrap();
    let (_, after) = audit_json(o.path(), &["--shard", "2/3"]);
    // The same summary, but for the rows per repository, which follow the list's order.
    let sorted_rows = |report: &Value| -> (Value, Vec<String>) {
        let mut summary = report["summary"].clone();
        let rows = summary
            .as_object_mut()
            .unwrap()
            .remove("by_repository")
            .unwrap_or_default();
        let mut rows: Vec<String> = rows
            .as_array()
            .map(|r| r.iter().map(Value::to_string).collect())
            .unwrap_or_default();
        rows.sort();
        (summary, rows)
    };
    assert_eq!(sorted_rows(&before), sorted_rows(&after));
}

#[test]
fn a_shard_that_holds_no_entry_audits_nothing() {
    let o = org();
    std::fs::write(o.path().join("repos.txt"), "repo-0\n").unwrap();
    let other = if share_by_git(o.path(), "repo-0", 2) == 0 {
        "2/2"
    } else {
        "1/2"
    };
    // Run from inside a repository with a marker: it must not be audited instead.
    let (code, report) = aigate_json(
        &o.path().join("repo-0"),
        &[
            "audit",
            "--repos-from",
            "../repos.txt",
            "--shard",
            other,
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["repositories"], 0, "{report}");
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn shard_needs_a_list_and_a_valid_k_of_n() {
    let o = org();
    let out = aigate(o.path(), &["audit", "--shard", "1/2", "-C", "repo-0"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    for bad in ["0/3", "4/3", "x"] {
        let out = aigate(
            o.path(),
            &["audit", "--repos-from", "repos.txt", "--shard", bad],
        );
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", describe(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("K/N"));
    }
}

#[test]
fn merged_shard_reports_total_as_one_audit_of_the_list() {
    let o = org();
    let (_, whole) = audit_json(o.path(), &[]);
    let mut files = Vec::new();
    for k in 1..=3 {
        let (_, part) = audit_json(o.path(), &["--shard", &format!("{k}/3"), "--jobs", "2"]);
        let file = o.path().join(format!("shard-{k}.json"));
        std::fs::write(&file, serde_json::to_vec(&part).unwrap()).unwrap();
        files.push(file.to_str().unwrap().to_owned());
    }
    let mut args = vec!["report", "merge"];
    args.extend(files.iter().map(String::as_str));
    let (code, merged) = aigate_json(o.path(), &args);
    assert_eq!(code, 1, "a denied finding fails the merged report too");
    for key in [
        "repositories",
        "commits_scanned",
        "commits_flagged",
        "findings",
        "denied",
        "warned",
    ] {
        assert_eq!(merged["summary"][key], whole["summary"][key], "{key}");
    }
    assert_eq!(
        merged["summary"]["assistants"],
        whole["summary"]["assistants"]
    );
    let rows = |v: &Value| -> BTreeSet<String> {
        v["summary"]["by_repository"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.to_string())
            .collect()
    };
    assert_eq!(rows(&merged).len(), 8, "{merged}");
    assert_eq!(rows(&merged), rows(&whole));
    let set = |v: &Value| -> BTreeSet<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.to_string())
            .collect()
    };
    assert_eq!(set(&merged), set(&whole));
}

#[test]
fn merging_single_repository_reports_keeps_their_commits_apart() {
    let a = TestRepo::init();
    a.write("CLAUDE.md", "x\n");
    a.commit_all("notes");
    let b = TestRepo::init();
    b.write("CLAUDE.md", "x\n");
    b.commit_all("notes");
    let dir = tempfile::tempdir().unwrap();
    for (name, repo) in [("a.json", &a), ("b.json", &b)] {
        let (_, report) = aigate_json(repo.path(), &["audit", "--format", "json"]);
        std::fs::write(dir.path().join(name), report.to_string()).unwrap();
    }
    // Same fixed dates and identity: both repositories' commits have the same id.
    let (code, merged) = aigate_json(dir.path(), &["report", "merge", "a.json", "b.json"]);
    assert_eq!(code, 1);
    assert_eq!(merged["summary"]["repositories"], 2);
    assert_eq!(merged["summary"]["commits_flagged"], 2, "{merged}");
    assert_eq!(merged["findings"][0]["repository"], "a.json");
}

#[test]
fn merging_something_else_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sarif.json"), r#"{"version": "2.1.0"}"#).unwrap();
    let out = aigate(dir.path(), &["report", "merge", "sarif.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sarif.json") && stderr.contains("not an"),
        "{stderr}"
    );
    let out = aigate(dir.path(), &["report", "merge", "absent.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.json"));
}

#[test]
fn merge_names_a_policys_own_assistants_with_its_config() {
    let repo = TestRepo::init();
    repo.write("README", "x\n");
    repo.commit_all("init\n\ngenerated-by: acme-agent");
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[[assistant]]\nid = \"acme-bot\"\nname = \"ACME internal agent\"\n\n[[rule]]\nid = \"acme-generated-by\"\nassistant = \"acme-bot\"\nkind = \"message\"\npatterns = ['^generated-by:\\s*acme-agent']\n",
    )
    .unwrap();
    let policy = policy.to_str().unwrap();
    let (code, report) = aigate_json(
        repo.path(),
        &["audit", "--config", policy, "--format", "json"],
    );
    assert_eq!(code, 1, "{report}");
    std::fs::write(dir.path().join("a.json"), report.to_string()).unwrap();
    let (_, plain) = aigate_json(dir.path(), &["report", "merge", "a.json"]);
    assert_eq!(
        plain["summary"]["assistants"]["acme-bot"]["name"],
        "acme-bot"
    );
    let (code, named) = aigate_json(
        dir.path(),
        &["report", "merge", "--config", policy, "a.json"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        named["summary"]["assistants"]["acme-bot"]["name"],
        "ACME internal agent"
    );
}
