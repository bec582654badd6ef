//! The audit reports: SARIF checked against the SARIF 2.1.0 schema, the human and Markdown
//! reports against snapshots (`BLESS=1 cargo test --test reports` rewrites them), the summary
//! and its coverage facts, shallow clones, baselines, several repositories in one run, one
//! wording for findings in audits and hooks, sanitised terminal text, and the options that
//! narrow an audit.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{aigate, aigate_command, aigate_json, describe, git_command, TestRepo};
use serde_json::Value;

/// `aigate`, whose reports show the fixed date `common::REPORT_EPOCH` (2026-04-07).
#[track_caller]
fn run(dir: &Path, args: &[&str]) -> Output {
    assert_eq!(common::REPORT_EPOCH, "1775520000");
    aigate(dir, args)
}

/// A report with the parts that change from machine to machine replaced: the repository's
/// temporary path and the version.
fn normalised(text: &str, repos: &[&Path]) -> String {
    let mut text = text.replace(env!("CARGO_PKG_VERSION"), "<version>");
    for (i, r) in repos.iter().enumerate() {
        text = text.replace(r.to_str().unwrap(), &format!("<repo{i}>"));
    }
    text
}

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
    let out = run(repo.path(), &["audit"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.is_empty(),
        "no progress bar off a terminal: {}",
        describe(&out)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "no colour in a pipe");
    assert_snapshot("audit-human.txt", &normalised(&text, &[repo.path()]));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let repo = marked_repo();
    let (_, always) = stdout(repo.path(), &["audit", "--color", "always"]);
    assert!(always.contains("\x1b[1;31mdeny\x1b[0m: path"), "{always}");
    let (_, never) = stdout(repo.path(), &["audit", "--color", "never"]);
    assert!(!never.contains('\x1b'));
}

#[test]
fn markdown_report_matches_snapshot_and_escapes_subjects() {
    let repo = marked_repo();
    let out = run(repo.path(), &["audit", "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(r"Pipes \| \*stars\* \<b\>html\</b\> \[link\](http://x)"),
        "{text}"
    );
    assert_snapshot("audit.md", &normalised(&text, &[repo.path()]));
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

/// The lines of `text` that report findings (`deny: ...`, `warn: ...`), trimmed, with any
/// `remote: aigate: ` prefix removed.
fn finding_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            l.trim_start_matches("remote: ")
                .trim_start_matches("aigate: ")
                .trim()
        })
        .filter(|l| l.starts_with("deny: ") || l.starts_with("warn: "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn one_commit_with_many_marker_paths_gets_one_header_and_one_fix() {
    let repo = TestRepo::init();
    repo.write("README", "x\n");
    repo.commit_all("init");
    for i in 0..29 {
        repo.write(&format!("pkg{i:02}/CLAUDE.md"), "notes\n");
    }
    let id = repo.commit_all("Vendor notes");
    let out = run(repo.path(), &["audit"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let header = format!("commit {} 2026-01-01 Vendor notes", &id[..12]);
    assert_eq!(text.matches(&header).count(), 1, "{text}");
    assert_eq!(finding_lines(&text).len(), 29, "{text}");
    let fixes: Vec<&str> = text
        .lines()
        .filter(|l| l.trim().starts_with("fix: "))
        .collect();
    assert_eq!(fixes.len(), 1, "{text}");
    assert!(
        fixes[0].contains("`git rm -r -- pkg00/CLAUDE.md pkg01/CLAUDE.md")
            && fixes[0].contains("pkg28/CLAUDE.md && git commit --amend")
            && fixes[0].contains("remove them from that commit"),
        "{}",
        fixes[0]
    );
}

#[test]
fn a_merge_that_only_brings_in_its_branch_says_so_in_one_line() {
    let repo = TestRepo::init();
    repo.write("README", "x\n");
    repo.commit_all("init");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("CLAUDE.md", "notes\n");
    repo.write("a/GEMINI.md", "notes\n");
    let branch = repo.commit_all("Add notes");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("other", "y\n");
    repo.commit_all("Other work");
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge topic", "topic"]);
    let merge = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();

    let out = run(repo.path(), &["audit"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = format!(
        "merge {} 2026-01-01 Merge topic: brings in only what 1 commit of its branch already carries ({})",
        &merge[..12],
        &branch[..12]
    );
    assert!(text.lines().any(|l| l == line), "{text}");
    // The branch commit's two findings are listed once, under it; the merge's are not.
    assert_eq!(finding_lines(&text).len(), 2, "{text}");
    // Only the branch commit needs rewriting.
    assert!(
        text.contains("rewrite the 1 commit with denied findings"),
        "{text}"
    );
    // JSON keeps every finding and names the merge.
    let (_, json) = aigate_json(repo.path(), &["audit", "--format", "json"]);
    assert_eq!(json["findings"].as_array().unwrap().len(), 4, "{json}");
    assert_eq!(json["carried_merges"][0]["commit"], merge.as_str());
    assert_eq!(json["carried_merges"][0]["from"][0], branch.as_str());
    // A range is walked apart from the audit's walk of every ref: the same answer.
    let (_, json) = aigate_json(repo.path(), &["audit", "--format", "json", "main~2..main"]);
    assert_eq!(json["findings"].as_array().unwrap().len(), 4, "{json}");
    assert_eq!(
        json["carried_merges"][0]["commit"],
        merge.as_str(),
        "{json}"
    );
    assert_eq!(json["carried_merges"][0]["from"][0], branch.as_str());

    // A merge that adds a marker of its own (an "evil merge") is shown in full.
    repo.git(&["checkout", "-q", "-b", "side", "HEAD~1"]);
    repo.write("side.txt", "s\n");
    repo.commit_all("Side");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    repo.write("AGENTS.md", "evil\n");
    repo.git(&["add", "AGENTS.md"]);
    repo.git(&["commit", "-q", "-m", "Merge side"]);
    let evil = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let text = String::from_utf8(run(repo.path(), &["audit"]).stdout).unwrap();
    assert!(
        text.contains(&format!("commit {} 2026-01-01 Merge side", &evil[..12])),
        "{text}"
    );
    assert!(text.contains("deny: path `AGENTS.md`"), "{text}");
}

#[test]
fn summary_comes_first_and_summary_flag_prints_only_it() {
    let repo = marked_repo();
    let out = run(repo.path(), &["audit"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let repo_path = repo.path().to_str().unwrap();
    let expected_head = [
        "aigate audit".to_owned(),
        format!("  repository:   {repo_path}"),
        "  refs:         every ref".to_owned(),
        "  policy:       built-in default (every known assistant denied)".to_owned(),
        format!(
            "  aigate:       {}, 2026-04-07T00:00:00Z",
            env!("CARGO_PKG_VERSION")
        ),
        "  commits:      5 audited".to_owned(),
        "  history:      complete".to_owned(),
        "  found:        4 findings (4 denied, 0 warnings) in 4 of 5 commits".to_owned(),
    ];
    let head: Vec<&str> = text.lines().take(expected_head.len()).collect();
    assert_eq!(head, expected_head, "{text}");
    assert!(text
        .lines()
        .nth(8)
        .unwrap()
        .starts_with("  to do:        rewrite the 4 commits"));

    let out = run(repo.path(), &["audit", "--summary"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the verdict is the same: {}",
        describe(&out)
    );
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(&summary), "{summary}\n---\n{text}");
    assert!(summary.contains("By assistant"), "{summary}");
    assert!(finding_lines(&summary).is_empty(), "{summary}");
    assert!(!summary.contains("fix: "), "{summary}");

    // A policy file is named; a clean history has nothing to do.
    let clean = TestRepo::init();
    clean.write(".aigate.toml", "");
    clean.commit_all("init");
    let out = run(clean.path(), &["audit", "--summary", "main"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("  refs:         main\n"), "{text}");
    assert!(text.contains(".aigate.toml`"), "{text}");
    assert!(text.contains("  to do:        nothing to do\n"), "{text}");

    let out = run(repo.path(), &["audit", "--summary", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
}

#[test]
fn json_and_markdown_carry_the_same_coverage_facts() {
    let repo = marked_repo();
    let out = run(
        repo.path(),
        &["audit", "--format", "json", "--branches=main"],
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &json["summary"];
    assert_eq!(s["complete"], true);
    assert_eq!(s["refs"], serde_json::json!(["--branches=main"]));
    assert_eq!(
        s["policy"],
        serde_json::json!({"file": null, "preset": null})
    );
    assert_eq!(s["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(s["date"], "2026-04-07T00:00:00Z");
    assert_eq!(s["repository"], repo.path().to_str().unwrap());
    assert_eq!(s["repositories"], 1);

    let out = run(
        repo.path(),
        &["audit", "--format", "markdown", "--branches=main"],
    );
    let md = String::from_utf8(out.stdout).unwrap();
    for row in [
        format!("| Repository | `{}` |", repo.path().display()),
        "| Refs | --branches=main |".to_owned(),
        "| Policy | built-in default (every known assistant denied) |".to_owned(),
        format!("| aigate | {} |", env!("CARGO_PKG_VERSION")),
        "| Date | 2026-04-07T00:00:00Z |".to_owned(),
        "| Commits | 5 |".to_owned(),
        "| History | complete |".to_owned(),
    ] {
        assert!(md.contains(&row), "missing {row}: {md}");
    }

    // `--summary` leaves the findings out of both.
    let out = run(repo.path(), &["audit", "--format", "json", "--summary"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.get("findings").is_none(), "{json}");
    assert_eq!(json["summary"]["findings"], 4);
    let out = run(repo.path(), &["audit", "--format", "markdown", "--summary"]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("| Assistant |") && !md.contains("### Claude Code"),
        "{md}"
    );
}

/// `git clone --depth 1 file://...` of `source`.
fn shallow_clone(source: &TestRepo) -> TestRepo {
    let clone = TestRepo::init();
    std::fs::remove_dir_all(clone.path().join(".git")).unwrap();
    let url = format!("file://{}", source.path().display());
    let out = git_command(clone.path())
        .args(["clone", "-q", "--depth", "1", &url, "."])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        clone.git(&["rev-parse", "--is-shallow-repository"]).trim(),
        "true"
    );
    clone
}

#[test]
fn a_shallow_clone_is_reported_incomplete_in_every_format() {
    let source = marked_repo();
    let clone = shallow_clone(&source);

    let out = run(clone.path(), &["audit"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  history:      incomplete: a shallow clone")
            && text.contains("`git fetch --unshallow`")
            && text.contains("`fetch-depth: 0`"),
        "{text}"
    );
    assert!(
        text.contains("  to do:        fetch the full history first"),
        "{text}"
    );

    let (_, json) = aigate_json(clone.path(), &["audit", "--format", "json"]);
    assert_eq!(json["summary"]["complete"], false, "{json}");
    assert_eq!(json["summary"]["commits_scanned"], 1);

    let out = run(clone.path(), &["audit", "--format", "markdown"]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("| History | **incomplete: a shallow clone"),
        "{md}"
    );

    let out = run(clone.path(), &["audit", "--format", "sarif"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let file = clone.path().join("shallow.sarif");
    std::fs::write(&file, &text).unwrap();
    validate_sarif(&file);
    let log: Value = serde_json::from_str(&text).unwrap();
    let run0 = &log["runs"][0];
    assert_eq!(run0["properties"]["complete"], false);
    let note = &run0["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "warning");
    assert!(note["message"]["text"]
        .as_str()
        .unwrap()
        .contains("git fetch --unshallow"));

    // The full clone says complete.
    let (_, json) = aigate_json(source.path(), &["audit", "--format", "json"]);
    assert_eq!(json["summary"]["complete"], true);
}

#[test]
fn require_complete_turns_a_shallow_clone_into_exit_2() {
    let source = marked_repo();
    let clone = shallow_clone(&source);
    let out = run(clone.path(), &["audit", "--require-complete"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--require-complete") && err.contains("git fetch --unshallow"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no report without a verdict");
    // A complete history passes the requirement.
    let out = run(source.path(), &["audit", "--require-complete"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    // With several repositories the shallow one is reported as not audited.
    let out = run(
        source.path(),
        &[
            "audit",
            "--format",
            "json",
            "--require-complete",
            "-C",
            ".",
            "-C",
            clone.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["repositories"], 1);
    assert_eq!(json["summary"]["not_audited"], 1);
}

#[test]
fn write_baseline_says_what_it_wrote() {
    let repo = marked_repo();
    let base = repo.path().join("known.json");
    let out = run(
        repo.path(),
        &["audit", "--write-baseline", base.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim_end(),
        format!(
            "aigate: wrote baseline `{}`: 4 findings in 4 commits; pass it to `--baseline` to report only new findings",
            base.display()
        ),
        "{err}"
    );
    assert!(base.exists());
}

#[test]
fn several_repositories_get_a_breakdown_and_a_failed_one_is_not_counted() {
    let a = marked_repo();
    let b = TestRepo::init();
    b.write("AGENTS.md", "x\n");
    b.commit_all("agents");
    let (pa, pb) = (a.path().to_str().unwrap(), b.path().to_str().unwrap());
    let out = run(
        a.path(),
        &[
            "audit",
            "--format",
            "json",
            "-C",
            pa,
            "-C",
            pb,
            "-C",
            "/nonexistent/repo",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &json["summary"];
    assert_eq!(s["repositories"], 2, "{s}");
    assert_eq!(s["not_audited"], 1, "{s}");
    assert_eq!(s["commits_scanned"], 6);
    assert_eq!(
        s["complete"], false,
        "an unaudited repository leaves the run incomplete"
    );
    assert!(s.get("repository").is_none());
    let rows = s["by_repository"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["path"], pa);
    assert_eq!(rows[0]["findings"], 4);
    assert_eq!(rows[0]["commits_scanned"], 5);
    assert_eq!(rows[1]["path"], pb);
    assert_eq!(rows[1]["findings"], 1);
    assert_eq!(rows[2]["audited"], false);
    assert!(rows[2]["error"]
        .as_str()
        .unwrap()
        .contains("cannot open a git repository"));

    let out = run(
        a.path(),
        &["audit", "-C", pa, "-C", pb, "-C", "/nonexistent/repo"],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  repositories: 2 audited, 1 could not be audited"),
        "{text}"
    );
    assert!(
        text.contains(&format!("  {pa}: 5 commits, 4 findings (4 denied)")),
        "{text}"
    );
    assert!(
        text.contains("  /nonexistent/repo: not audited: cannot open"),
        "{text}"
    );
    assert!(
        text.contains(&format!("repository {pb}\n\ncommit "))
            || text.contains(&format!("repository {pb}\ncommit ")),
        "{text}"
    );

    let out = run(
        a.path(),
        &[
            "audit",
            "--format",
            "markdown",
            "-C",
            pa,
            "-C",
            pb,
            "-C",
            "/nonexistent/repo",
        ],
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("| Repositories | 2 audited, 1 not audited |"),
        "{md}"
    );
    assert!(
        md.contains(&format!("| `{pa}` | 5 | 4 | 4 | complete |")),
        "{md}"
    );
    assert!(
        md.contains("| `/nonexistent/repo` | - | - | - | not audited: cannot open"),
        "{md}"
    );
}

#[test]
fn terminal_text_is_sanitised_of_every_invisible_character() {
    let repo = TestRepo::init();
    repo.write("README", "x\n");
    repo.commit_all("init");
    // A path hiding a bidi override, a subject hiding tag characters and a Hangul filler,
    // an author name with a zero-width joiner.
    repo.write("docs\u{202E}dm.EDUALC/CLAUDE.md", "x\n");
    repo.commit_with(
        "Harmless\u{E0041}\u{E0042} change\u{3164}",
        &[("GIT_AUTHOR_NAME", "Ali\u{200D}ce")],
    );
    let out = run(repo.path(), &["audit"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    for c in text.chars() {
        assert!(
            c == '\n'
                || !(c.is_control()
                    || ('\u{200B}'..='\u{206F}').contains(&c)
                    || ('\u{E0000}'..='\u{E0FFF}').contains(&c)
                    || c == '\u{3164}'),
            "{c:?} reached the terminal: {text}"
        );
    }
    assert!(
        text.contains("Harmless\\u{e0041}\\u{e0042} change\\u{3164}"),
        "{text}"
    );
    assert!(
        text.contains("path `docs\\u{202e}dm.EDUALC/CLAUDE.md`"),
        "{text}"
    );
    assert!(text.contains("Ali\\u{200d}ce"), "{text}");
}

/// Pushes `repo`'s `main` to `url` with the hooks it has; returns the push's output.
fn push(repo: &TestRepo, url: &str) -> Output {
    git_command(repo.path())
        .args(["push", "-q", url, "main"])
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn audit_local_hooks_and_server_word_a_finding_alike() {
    let repo = TestRepo::init();
    repo.write("README", "x\n");
    repo.commit_all("init");
    repo.write("CLAUDE.md", "notes\n");
    repo.write("sub/AGENTS.md", "notes\n");
    let id = repo.commit_all("Add notes\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
    let audit = String::from_utf8(run(repo.path(), &["audit"]).stdout).unwrap();
    let expected = finding_lines(&audit);
    assert_eq!(expected.len(), 3, "{audit}");
    let header = format!("commit {} 2026-01-01 Add notes", &id[..12]);
    assert!(audit.contains(&header), "{audit}");

    // SARIF results say the same.
    let sarif: Value =
        serde_json::from_slice(&run(repo.path(), &["audit", "--format", "sarif"]).stdout).unwrap();
    for r in sarif["runs"][0]["results"].as_array().unwrap() {
        let text = r["message"]["text"].as_str().unwrap();
        assert!(text.starts_with(&format!("{header}: ")), "{text}");
        assert!(expected.iter().any(|l| text.contains(l.as_str())), "{text}");
    }

    // The server's pre-receive hook.
    let server = TestRepo::init_bare();
    let out = aigate(
        server.path(),
        &["install", "--server", "-C", server.path().to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let url = format!("file://{}", server.path().display());
    let out = push(&repo, &url);
    assert!(!out.status.success(), "{}", describe(&out));
    let remote = String::from_utf8_lossy(&out.stderr);
    let mut got = finding_lines(&remote);
    got.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(got, want, "{remote}");
    assert!(
        remote.contains(&header),
        "the same header and id length: {remote}"
    );
    assert!(remote.matches(&header).count() == 1, "{remote}");

    // The local pre-push hook, fed as git feeds it.
    let zero = "0".repeat(40);
    let mut child = aigate_command(repo.path())
        .args(["hook", "pre-push", "origin", &url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("refs/heads/main {id} refs/heads/main {zero}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let local = String::from_utf8_lossy(&out.stderr);
    let mut got = finding_lines(&local);
    got.sort();
    assert_eq!(got, want, "{local}");
    assert!(local.contains(&header), "{local}");
}

/// The top-level modules of `src/` and the ones each names as `crate::<module>`.
fn module_graph() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = std::collections::BTreeMap::new();
    let mut stack = vec![src.clone()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let tops: std::collections::BTreeSet<String> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(&src).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_str()
                .unwrap();
            first.trim_end_matches(".rs").to_owned()
        })
        .collect();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let top = top.trim_end_matches(".rs").to_owned();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        // Unit tests may reach anywhere; the library's own code may not.
        let code = text.split("#[cfg(test)]").next().unwrap();
        let deps: &mut std::collections::BTreeSet<String> = graph.entry(top.clone()).or_default();
        for part in code.split("crate::").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name != top && tops.contains(&name) {
                deps.insert(name);
            }
        }
    }
    graph
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let graph = module_graph();
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        g: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_owned());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_owned());
        for d in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    for m in graph.keys() {
        if let Some(cycle) = visit(m, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
    // The check sees real edges.
    assert!(graph["report"].contains("engine"), "{graph:?}");
}

/// Every `.rs` file under `src/` but `main.rs`, with its unit tests cut off.
fn library_code() -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") && p != src.join("main.rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap().to_owned();
                out.push((p, code));
            }
        }
    }
    out
}

#[test]
fn the_library_reads_no_environment_itself() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (f, code) in library_code() {
        let rel = f.strip_prefix(&src).unwrap().to_str().unwrap().to_owned();
        for banned in [
            "std::env::var",
            "is_terminal()",
            "std::io::stdin",
            "stdout()",
        ] {
            assert!(!code.contains(banned), "{rel} uses {banned}");
        }
        // The one exception: opening the repository a hook runs in is libgit2's
        // `open_from_env`, which reads `GIT_DIR` and friends itself; its error names the
        // current directory.
        if code.contains("std::env::") {
            assert_eq!(rel, "git/repo.rs", "{rel} reads the environment");
        }
    }
}

#[test]
fn one_function_for_one_job() {
    let code = library_code();
    let count = |needle: &str| -> Vec<String> {
        code.iter()
            .filter(|(_, c)| c.contains(needle))
            .map(|(p, c)| format!("{} ({}x)", p.display(), c.matches(needle).count()))
            .collect()
    };
    for (needle, why) in [
        ("SystemTime::now", "one clock"),
        ("MAX_STDIN: u64", "one bound on stdin"),
        ("fn now(", "one clock"),
        (r#"r"'\''""#, "one shell quoting"),
        ("fn date_time(", "one timestamp format"),
        ("const SHORT_ID", "one commit-id length"),
    ] {
        let found = count(needle);
        assert!(
            found.len() == 1 && found[0].ends_with("(1x)"),
            "{why}: `{needle}` in {found:?}"
        );
    }
}
