//! The audit reports: SARIF checked against the SARIF 2.1.0 schema, the human and Markdown
//! reports against snapshots (`BLESS=1 cargo test --test reports` rewrites them), baselines,
//! several repositories in one run, and the options that narrow an audit.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{aigate, aigate_json, describe, TestRepo};
use serde_json::Value;

/// A repository with one finding of each kind and a subject that tries Markdown injection.
fn marked_repo() -> TestRepo {
    let repo = TestRepo::init();
    repo.write("README", "hello\n");
    repo.commit_all("init");
    repo.write("CLAUDE.md", "notes\n");
    repo.commit_all("Add notes");
    repo.write("a.txt", "a\n");
    repo.commit_all("Fix parser\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
    repo.write("b.txt", "b\n");
    repo.commit_with(
        "Bot change",
        &[
            ("GIT_AUTHOR_NAME", "Copilot"),
            (
                "GIT_AUTHOR_EMAIL",
                "198982749+Copilot@users.noreply.github.com",
            ),
        ],
    );
    repo.write("sub/.cursorrules", "rules\n");
    repo.commit_all("Pipes | *stars* <b>html</b> [link](http://x)");
    repo
}

fn snapshot_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"))
}

#[track_caller]
fn assert_snapshot(name: &str, actual: &str) {
    let path = snapshot_dir().join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::create_dir_all(snapshot_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with BLESS=1 to create it)", path.display()));
    assert_eq!(
        actual,
        expected,
        "{} differs (BLESS=1 rewrites it)",
        path.display()
    );
}

#[track_caller]
fn stdout(repo: &Path, args: &[&str]) -> (i32, String) {
    let out = aigate(repo, args);
    let code = out.status.code().expect("exit code");
    assert!(
        code == 0 || code == 1,
        "aigate {args:?}: {}",
        describe(&out)
    );
    (code, String::from_utf8(out.stdout).expect("UTF-8 report"))
}

#[test]
fn human_report_matches_snapshot_without_colour_off_a_terminal() {
    let repo = marked_repo();
    let out = aigate(repo.path(), &["audit"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.is_empty(),
        "no progress bar off a terminal: {}",
        describe(&out)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "no colour in a pipe");
    assert_snapshot("audit-human.txt", &text);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let repo = marked_repo();
    let (_, always) = stdout(repo.path(), &["audit", "--color", "always"]);
    assert!(always.contains("\x1b[1;31mdenied\x1b[0m"), "{always}");
    let (_, never) = stdout(repo.path(), &["audit", "--color", "never"]);
    assert!(!never.contains('\x1b'));
}

#[test]
fn markdown_report_matches_snapshot_and_escapes_subjects() {
    let repo = marked_repo();
    let (code, text) = stdout(repo.path(), &["audit", "--format", "markdown"]);
    assert_eq!(code, 1);
    assert!(
        text.contains(r"Pipes \| \*stars\* \<b\>html\</b\> \[link\](http://x)"),
        "{text}"
    );
    assert_snapshot("audit.md", &text);
}

#[test]
fn json_report_keeps_its_shape_and_adds_the_summary() {
    let repo = marked_repo();
    let (code, report) = aigate_json(repo.path(), &["audit", "--format", "json"]);
    assert_eq!(code, 1);
    let findings = report["findings"].as_array().unwrap();
    let kinds: Vec<&str> = findings
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "path").count(),
        2,
        "{report}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "message").count(),
        1,
        "{report}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "identity").count(),
        1,
        "{report}"
    );
    assert_eq!(report["summary"]["commits_scanned"], 5);
    assert_eq!(report["summary"]["commits_flagged"], 4);
    let claude = &report["summary"]["assistants"]["claude-code"];
    assert_eq!(claude["commits"], 2);
    assert_eq!(claude["first"], "2026-01-01");
    assert!(findings.iter().all(|f| f.get("repository").is_none()));
}

/// Validates with Python's `jsonschema` against the vendored SARIF 2.1.0 schema (Draft 4).
#[track_caller]
fn validate_sarif(path: &Path) {
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    );
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        log = json.load(open(sys.argv[2]))\n\
        errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)\n\
        for e in errors: print(list(e.absolute_path), e.message)\n\
        sys.exit(1 if errors else 0)\n";
    let out = Command::new("python3")
        .args(["-c", script, schema])
        .arg(path)
        .output()
        .expect("python3 is needed to validate SARIF (with `pip install jsonschema`)");
    assert!(
        out.status.success(),
        "SARIF does not validate (is Python's jsonschema installed? `pip install jsonschema`): {}",
        describe(&out)
    );
}

#[test]
fn sarif_validates_against_the_2_1_0_schema_and_locates_findings() {
    let repo = marked_repo();
    let (code, text) = stdout(repo.path(), &["audit", "--format", "sarif"]);
    assert_eq!(code, 1);
    let file = repo.path().join("report.sarif");
    std::fs::write(&file, &text).unwrap();
    validate_sarif(&file);

    let log: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "one rule per id, sorted");
    for r in rules {
        assert!(r["fullDescription"]["text"].as_str().unwrap().len() > 10);
        assert!(r["defaultConfiguration"]["level"] == "error");
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for r in results {
        let rule = r["ruleId"].as_str().unwrap();
        assert_eq!(ids[r["ruleIndex"].as_u64().unwrap() as usize], rule);
        assert_eq!(
            r["partialFingerprints"]["aigateFinding/v1"]
                .as_str()
                .unwrap()
                .len(),
            40
        );
        assert_eq!(r["properties"]["commit"].as_str().unwrap().len(), 40);
        let loc = &r["locations"][0];
        if r["properties"]["kind"] == "path" {
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(uri == "CLAUDE.md" || uri == "sub/.cursorrules", "{uri}");
        } else {
            assert!(loc.get("physicalLocation").is_none());
            let logical = &loc["logicalLocations"][0];
            assert_eq!(logical["name"], r["properties"]["commit"]);
        }
    }
    // Fingerprints are stable from run to run.
    let (_, again) = stdout(repo.path(), &["audit", "--format", "sarif"]);
    assert_eq!(text, again);
}

#[test]
fn sarif_of_a_clean_repository_validates() {
    let repo = TestRepo::init();
    repo.write("README", "x\n");
    repo.commit_all("init");
    let (code, text) = stdout(repo.path(), &["audit", "--format", "sarif"]);
    assert_eq!(code, 0);
    let file = repo.path().join("clean.sarif");
    std::fs::write(&file, &text).unwrap();
    validate_sarif(&file);
}

#[test]
fn baseline_round_trip_reports_only_new_findings() {
    let repo = marked_repo();
    let base = repo.path().join("baseline.json");
    let base_arg = base.to_str().unwrap();
    // Writing a baseline accepts what is there: exit 0.
    let (code, all) = aigate_json(
        repo.path(),
        &["audit", "--format", "json", "--write-baseline", base_arg],
    );
    assert_eq!(code, 0);
    assert_eq!(all["findings"].as_array().unwrap().len(), 4);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    assert_eq!(written["findings"].as_array().unwrap().len(), 4);
    assert!(written["findings"][0]["location"].is_string());

    let (code, none) = aigate_json(
        repo.path(),
        &["audit", "--format", "json", "--baseline", base_arg],
    );
    assert_eq!(code, 0, "{none}");
    assert_eq!(none["findings"].as_array().unwrap().len(), 0);
    assert_eq!(none["summary"]["baselined"], 4);

    repo.write("GEMINI.md", "new\n");
    let new = repo.commit_all("New marker");
    let (code, one) = aigate_json(
        repo.path(),
        &["audit", "--format", "json", "--baseline", base_arg],
    );
    assert_eq!(code, 1);
    let findings = one["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{one}");
    assert_eq!(findings[0]["commit"], new.as_str());
    assert_eq!(findings[0]["path"], "GEMINI.md");
}

#[test]
fn several_repositories_make_one_report_naming_each() {
    let a = marked_repo();
    let b = TestRepo::init();
    b.write("AGENTS.md", "x\n");
    b.commit_all("agents");
    let c = TestRepo::init();
    c.write("README", "clean\n");
    c.commit_all("clean");
    let (pa, pb) = (a.path().to_str().unwrap(), b.path().to_str().unwrap());
    let (code, report) = aigate_json(
        c.path(),
        &["audit", "--format", "json", "-C", pa, "-C", pb, "-C", "."],
    );
    assert_eq!(code, 1);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 5);
    assert!(findings.iter().all(|f| f["repository"].is_string()));
    assert_eq!(report["summary"]["repositories"], 3);
    assert_eq!(report["summary"]["commits_scanned"], 7);

    // The same from a list file, with a path that is not a repository: reported on stderr,
    // the others still audited, exit 2.
    let list = c.path().join("repos.txt");
    std::fs::write(
        &list,
        format!("# audited\n{pa}\n\n{pb}\n/nonexistent/repo\n"),
    )
    .unwrap();
    let out = aigate(
        c.path(),
        &[
            "audit",
            "--format",
            "json",
            "--repos-from",
            list.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 5);
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/repo"));
}

#[test]
fn options_narrow_the_audit() {
    let repo = marked_repo();
    let count = |args: &[&str]| -> (usize, u64) {
        let mut full = vec!["audit", "--format", "json"];
        full.extend_from_slice(args);
        let (_, r) = aigate_json(repo.path(), &full);
        (
            r["findings"].as_array().unwrap().len(),
            r["summary"]["commits_scanned"].as_u64().unwrap(),
        )
    };
    assert_eq!(count(&[]), (4, 5));
    assert_eq!(count(&["--no-paths"]), (2, 5));
    assert_eq!(count(&["--no-messages"]), (3, 5));
    assert_eq!(count(&["--no-identities"]), (3, 5));
    assert_eq!(
        count(&["--no-paths", "--no-messages", "--no-identities"]),
        (0, 5)
    );
    assert_eq!(count(&["--max-count", "1"]), (1, 1));
    assert_eq!(count(&["-n", "2"]), (2, 2));
    assert_eq!(count(&["--since", "2026-01-02"]), (0, 0));
    assert_eq!(count(&["--until", "2026-01-01"]), (4, 5));
    assert_eq!(count(&["--since", "2026-01-01T00:00:00Z"]), (4, 5));
    assert_eq!(count(&["--until", "2025-12-31"]), (0, 0));

    repo.git(&["checkout", "-q", "-b", "topic", "HEAD~3"]);
    repo.write("QWEN.md", "q\n");
    repo.commit_all("qwen");
    repo.git(&["checkout", "-q", "main"]);
    assert_eq!(count(&["--branches=topic"]), (2, 3));
    assert_eq!(count(&["--branches"]), (5, 6));
    assert_eq!(count(&["--branches=main"]), (4, 5));

    // Ranges go through libgit2's walk: the same findings for the same commits.
    assert_eq!(count(&["main~2..main"]), (2, 2));
    assert_eq!(count(&["main"]), (4, 5));

    // An annotated tag's message is checked with every ref, or with `--tags`.
    repo.git(&[
        "tag",
        "-a",
        "v1",
        "-m",
        "Release\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    ]);
    assert_eq!(count(&[]), (6, 6));
    assert_eq!(count(&["--tags=v*"]), (5, 5));
    assert_eq!(count(&["--tags=nothing*"]), (0, 0));

    let out = aigate(repo.path(), &["audit", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a date"));
}

#[test]
fn an_impossible_date_is_an_error_and_offsets_shift_the_bound() {
    let repo = marked_repo();
    for bad in ["2025-11-31", "2026-02-29"] {
        let out = aigate(repo.path(), &["audit", "--since", bad]);
        assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("`{bad}` is not a date")), "{err}");
    }
    let count = |since: &str| -> usize {
        let (_, r) = aigate_json(
            repo.path(),
            &["audit", "--format", "json", "--since", since],
        );
        r["findings"].as_array().unwrap().len()
    };
    // Every commit is dated 2026-01-01T00:00:00Z. 01:00 at +02:00 is an hour before them,
    // 23:00 at -02:00 on the day before is an hour after: read as UTC, both would flip.
    assert_eq!(count("2026-01-01T01:00:00+02:00"), 4);
    assert_eq!(count("2025-12-31T23:00:00-02:00"), 0);
}
