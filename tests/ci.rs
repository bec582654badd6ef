//! `aigate ci` against real repositories made with git: recorded GitHub event payloads (their
//! commit ids replaced by the repository's), GitLab's variables, Forgejo's, an explicit
//! range, shallow clones of a local "remote", and the forge output formats parsed back.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{aigate_command, describe, TestRepo};
use serde_json::Value;

const TRAILER: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";
const FOOTER: &str = "🤖 Generated with [Claude Code](https://claude.ai/code)";

/// A base branch `main` with a marker committed before the request, and a request branch
/// `topic` with a clean commit, a marked commit and a merge of later `main` work whose
/// message carries a trailer.
struct Fixture {
    repo: TestRepo,
    /// `main`'s tip, the request's base.
    base: String,
    clean: String,
    marked: String,
    merge: String,
    /// The commit that put `CLAUDE.md` on `main` before the request.
    old_marker: String,
}

fn fixture() -> Fixture {
    // One fast-import instead of some twenty `git` processes (thirty tests build this): the
    // commits `git commit` and `git merge --no-ff` make at the helpers' fixed date and
    // identities, byte for byte (the same commit ids), then `topic` checked out.
    let repo = TestRepo::init();
    let mut stream = String::new();
    let mut commit = |mark: u32, branch: &str, parents: &[u32], message: &str, file: [&str; 2]| {
        let message = format!("{message}\n");
        let when = "1767225600 +0000";
        stream.push_str(&format!(
            "commit refs/heads/{branch}\nmark :{mark}\n\
             author Test Author <author@example.com> {when}\n\
             committer Test Committer <committer@example.com> {when}\n\
             data {}\n{message}\n",
            message.len()
        ));
        for (position, parent) in parents.iter().enumerate() {
            let command = if position == 0 { "from" } else { "merge" };
            stream.push_str(&format!("{command} :{parent}\n"));
        }
        let [path, content] = file;
        stream.push_str(&format!(
            "M 100644 inline {path}\ndata {}\n{content}\n\n",
            content.len()
        ));
    };
    commit(1, "main", &[], "init", ["README", "hello\n"]);
    commit(
        2,
        "main",
        &[1],
        &format!("Add notes\n\n{TRAILER}"),
        ["CLAUDE.md", "notes\n"],
    );
    commit(
        3,
        "topic",
        &[2],
        "Parser: accept trailing commas",
        ["src.txt", "one\n"],
    );
    commit(
        4,
        "topic",
        &[3],
        &format!("Parser: tests\n\n{TRAILER}"),
        ["src.txt", "two\n"],
    );
    commit(
        5,
        "main",
        &[2],
        "Later work on main",
        ["later.txt", "later\n"],
    );
    let merge_message = format!("Merge main into topic\n\n{TRAILER}");
    commit(
        6,
        "topic",
        &[4, 5],
        &merge_message,
        ["later.txt", "later\n"],
    );
    stream.push_str("done\n");
    let marks = repo.path().join(".git/fixture-marks");
    let export = format!("--export-marks={}", marks.display());
    common::fast_import(repo.path(), &[&export], stream.as_bytes(), "the ci fixture");
    repo.git(&["checkout", "-q", "-f", "topic"]);
    let marks_file = marks;
    let marks = std::fs::read_to_string(&marks_file).expect("read fast-import marks");
    std::fs::remove_file(&marks_file).expect("remove fast-import marks");
    let id = |mark: &str| -> String {
        marks
            .lines()
            .find_map(|line| line.strip_prefix(mark)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no mark {mark}"))
            .to_owned()
    };
    Fixture {
        base: id(":5"),
        clean: id(":3"),
        marked: id(":4"),
        merge: id(":6"),
        old_marker: id(":2"),
        repo,
    }
}

fn events_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/events"))
}

/// The recorded payload `name`, with the values at `pointers` replaced, written to `dir`.
#[track_caller]
fn event(dir: &Path, name: &str, edits: &[(&str, Value)]) -> PathBuf {
    let text = std::fs::read_to_string(events_dir().join(name)).expect("read recorded event");
    let mut value: Value = serde_json::from_str(&text).expect("recorded event is JSON");
    for (pointer, new) in edits {
        *value
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{name} has no {pointer}")) = new.clone();
    }
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    path
}

/// Runs `aigate ci ARGS` in `dir` with only `vars` as CI environment.
#[track_caller]
fn ci(dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = aigate_command(dir);
    // The test itself may run in CI: none of the runner's variables may leak in.
    for (key, _) in std::env::vars_os() {
        if let Some(k) = key.to_str() {
            if ["GITHUB_", "GITLAB_", "CI_", "GITEA_", "FORGEJO_", "RUNNER_"]
                .iter()
                .any(|p| k.starts_with(p))
                || k == "CI"
            {
                cmd.env_remove(k);
            }
        }
    }
    cmd.arg("ci").args(args).stdin(Stdio::null());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("run aigate ci")
}

#[track_caller]
fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", describe(output)))
}

fn finding_commits(report: &Value) -> Vec<String> {
    let mut c: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["commit"].as_str().unwrap().to_owned())
        .collect();
    c.sort();
    c.dedup();
    c
}

fn github_vars<'a>(event_name: &'a str, path: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", event_name),
        ("GITHUB_EVENT_PATH", path),
    ]
}

#[test]
fn pull_request_event_checks_exactly_the_requests_commits_merges_included() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = event(
        tmp.path(),
        "pull_request.json",
        &[
            ("/pull_request/base/sha", fx.base.clone().into()),
            ("/pull_request/head/sha", fx.merge.clone().into()),
        ],
    );
    let path = path.to_str().unwrap();
    let out = ci(
        fx.repo.path(),
        &github_vars("pull_request", path),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report = json(&out);
    assert_eq!(report["summary"]["commits_scanned"], 3, "{report}");
    let mut expected = vec![fx.marked.clone(), fx.merge.clone()];
    expected.sort();
    assert_eq!(finding_commits(&report), expected);
    assert!(!finding_commits(&report).contains(&fx.old_marker));
    assert!(!finding_commits(&report).contains(&fx.clean));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pull request #42: 3 commits and its title and description"),
        "{stderr}"
    );
}

#[test]
fn clean_pull_request_passes_though_the_base_carries_a_marker() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = event(
        tmp.path(),
        "pull_request.json",
        &[
            ("/pull_request/base/sha", fx.old_marker.clone().into()),
            ("/pull_request/head/sha", fx.clean.clone().into()),
        ],
    );
    let out = ci(
        fx.repo.path(),
        &github_vars("pull_request", path.to_str().unwrap()),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(json(&out)["summary"]["commits_scanned"], 1);
}

#[test]
fn pull_request_description_is_checked_as_a_message() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = event(
        tmp.path(),
        "pull_request.json",
        &[
            ("/pull_request/base/sha", fx.old_marker.clone().into()),
            ("/pull_request/head/sha", fx.clean.clone().into()),
            (
                "/pull_request/body",
                format!("Accept trailing commas.\r\n\r\n{FOOTER}").into(),
            ),
        ],
    );
    let out = ci(
        fx.repo.path(),
        &github_vars("pull_request", path.to_str().unwrap()),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report}");
    let f = &findings[0];
    assert_eq!(f["kind"], "message");
    assert_eq!(
        f["subject"],
        "title and description of the pull request #42"
    );
    assert!(f["hint"].as_str().unwrap().contains("squash merge"), "{f}");
}

/// The account that opened a pull request is checked like an author: the Copilot coding
/// agent opens its pull requests as `Copilot` (id 198982749). Gitea and Forgejo number their
/// own users, so the same payload there is not read as GitHub's.
#[test]
fn pull_request_opened_by_an_assistant_account_fails_on_github_only() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = event(
        tmp.path(),
        "pull_request.json",
        &[
            ("/pull_request/base/sha", fx.old_marker.clone().into()),
            ("/pull_request/head/sha", fx.clean.clone().into()),
            ("/pull_request/user/login", "Copilot".into()),
            ("/pull_request/user/id", 198_982_749.into()),
        ],
    );
    let path = path.to_str().unwrap();
    let out = ci(
        fx.repo.path(),
        &github_vars("pull_request", path),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report}");
    let f = &findings[0];
    assert_eq!(f["kind"], "identity", "{f}");
    assert_eq!(f["assistant"], "copilot", "{f}");
    assert_eq!(f["subject"], "the account that opened the pull request #42");
    assert!(
        f["identity"]
            .as_str()
            .unwrap()
            .starts_with("Copilot <198982749+Copilot@"),
        "{f}"
    );

    let gitea = [
        ("GITEA_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", path),
    ];
    let out = ci(fx.repo.path(), &gitea, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
}

#[test]
fn pull_request_title_with_a_trailer_fails_and_command_line_title_overrides_it() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = event(
        tmp.path(),
        "pull_request.json",
        &[
            ("/pull_request/base/sha", fx.old_marker.clone().into()),
            ("/pull_request/head/sha", fx.clean.clone().into()),
            ("/pull_request/title", TRAILER.into()),
        ],
    );
    let vars = github_vars("pull_request", path.to_str().unwrap());
    let out = ci(fx.repo.path(), &vars, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let out = ci(
        fx.repo.path(),
        &vars,
        &["--format", "json", "--title", "Plain title"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
}

#[test]
fn push_event_checks_before_to_after() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    // A push that brought only the clean commit passes; one that brought the marked one fails.
    let pass = event(
        tmp.path(),
        "push.json",
        &[
            ("/before", fx.old_marker.clone().into()),
            ("/after", fx.clean.clone().into()),
        ],
    );
    let out = ci(
        fx.repo.path(),
        &github_vars("push", pass.to_str().unwrap()),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(json(&out)["summary"]["commits_scanned"], 1);
    let fail = event(
        tmp.path(),
        "push.json",
        &[
            ("/before", fx.clean.clone().into()),
            ("/after", fx.marked.clone().into()),
        ],
    );
    let out = ci(
        fx.repo.path(),
        &github_vars("push", fail.to_str().unwrap()),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(finding_commits(&json(&out)), vec![fx.marked.clone()]);
}

#[test]
fn push_of_a_new_branch_checks_the_commits_on_no_other_branch() {
    let fx = fixture();
    fx.repo
        .git(&["checkout", "-q", "-b", "feature", fx.marked.as_str()]);
    // `topic` holds the marked commit too: only `main` may hide commits of `feature`.
    fx.repo.git(&["branch", "-q", "-D", "topic"]);
    let tmp = tempfile::tempdir().unwrap();
    let path = event(
        tmp.path(),
        "push_new_branch.json",
        &[("/after", fx.marked.clone().into())],
    );
    let out = ci(
        fx.repo.path(),
        &github_vars("push", path.to_str().unwrap()),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report = json(&out);
    // `clean` and `marked` are on `feature` only; `init` and the old marker are on `main`.
    assert_eq!(report["summary"]["commits_scanned"], 2, "{report}");
    assert_eq!(finding_commits(&report), vec![fx.marked.clone()]);
}

#[test]
fn push_that_deletes_a_branch_checks_nothing() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = event(tmp.path(), "push_delete.json", &[]);
    let out = ci(
        fx.repo.path(),
        &github_vars("push", path.to_str().unwrap()),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(json(&out)["summary"]["commits_scanned"], 0);
}

#[test]
fn event_that_names_no_commits_is_a_usage_error() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("schedule.json");
    std::fs::write(&path, r#"{"schedule": "0 3 * * *"}"#).unwrap();
    let out = ci(
        fx.repo.path(),
        &github_vars("schedule", path.to_str().unwrap()),
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`schedule`") && stderr.contains("--base"),
        "{stderr}"
    );
}

#[test]
fn unreadable_event_payload_is_an_error_naming_it() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("event.json");
    std::fs::write(&path, "{ not json").unwrap();
    let out = ci(
        fx.repo.path(),
        &github_vars("pull_request", path.to_str().unwrap()),
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("event.json") && stderr.contains("not JSON"),
        "{stderr}"
    );
}

#[test]
fn no_ci_environment_asks_for_base_and_head() {
    let fx = fixture();
    let out = ci(fx.repo.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--base"));
}

#[test]
fn explicit_base_and_head_work_anywhere() {
    let fx = fixture();
    let out = ci(
        fx.repo.path(),
        &[],
        &["--base", "main", "--head", "topic", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(json(&out)["summary"]["commits_scanned"], 3);
    let out = ci(
        fx.repo.path(),
        &[],
        &[
            "--base",
            &fx.old_marker,
            "--head",
            &fx.clean,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
}

#[test]
fn gitlab_merge_request_variables_give_range_title_and_description() {
    let fx = fixture();
    let mut vars = vec![
        ("GITLAB_CI", "true"),
        ("CI", "true"),
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "7"),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", fx.old_marker.as_str()),
        ("CI_COMMIT_SHA", fx.clean.as_str()),
        (
            "CI_COMMIT_BEFORE_SHA",
            "0000000000000000000000000000000000000000",
        ),
        ("CI_MERGE_REQUEST_TITLE", "Parser: accept trailing commas"),
        ("CI_MERGE_REQUEST_DESCRIPTION", "Plain description."),
    ];
    let out = ci(fx.repo.path(), &vars, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(json(&out)["summary"]["commits_scanned"], 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("merge request !7"));

    vars.retain(|(k, _)| *k != "CI_MERGE_REQUEST_DESCRIPTION");
    vars.push(("CI_MERGE_REQUEST_DESCRIPTION", FOOTER));
    let out = ci(fx.repo.path(), &vars, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report = json(&out);
    assert_eq!(
        report["findings"][0]["subject"],
        "title and description of the merge request !7"
    );
}

#[test]
fn gitlab_merged_results_pipeline_checks_the_source_branch_head() {
    let fx = fixture();
    // CI_COMMIT_SHA is GitLab's trial merge; the request's own head has its own variable.
    let vars = [
        ("GITLAB_CI", "true"),
        ("CI_MERGE_REQUEST_IID", "8"),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", fx.old_marker.as_str()),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", fx.clean.as_str()),
        ("CI_COMMIT_SHA", fx.merge.as_str()),
    ];
    let out = ci(fx.repo.path(), &vars, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(json(&out)["summary"]["commits_scanned"], 1);
}

#[test]
fn gitlab_branch_pipeline_checks_before_to_commit() {
    let fx = fixture();
    let vars = [
        ("GITLAB_CI", "true"),
        ("CI_COMMIT_REF_NAME", "topic"),
        ("CI_COMMIT_BEFORE_SHA", fx.clean.as_str()),
        ("CI_COMMIT_SHA", fx.marked.as_str()),
    ];
    let out = ci(fx.repo.path(), &vars, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report = json(&out);
    assert_eq!(report["summary"]["commits_scanned"], 1);
    assert_eq!(finding_commits(&report), vec![fx.marked.clone()]);
}

#[test]
fn forgejo_variables_alone_are_read_and_annotations_are_the_default() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = event(
        tmp.path(),
        "pull_request.json",
        &[
            ("/pull_request/base/sha", fx.clean.clone().into()),
            ("/pull_request/head/sha", fx.marked.clone().into()),
        ],
    );
    let vars = [
        ("FORGEJO_ACTIONS", "true"),
        ("FORGEJO_EVENT_NAME", "pull_request"),
        ("FORGEJO_EVENT_PATH", path.to_str().unwrap()),
    ];
    let out = ci(fx.repo.path(), &vars, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("::error title=aigate%3A Claude Code")),
        "{stdout}"
    );
}

#[test]
fn gitea_sets_github_variables_and_is_recognised() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = event(
        tmp.path(),
        "push.json",
        &[
            ("/before", fx.old_marker.clone().into()),
            ("/after", fx.clean.clone().into()),
        ],
    );
    let summary = tmp.path().join("summary.md");
    let vars = [
        ("GITEA_ACTIONS", "true"),
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_EVENT_PATH", path.to_str().unwrap()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    let out = ci(fx.repo.path(), &vars, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let md = std::fs::read_to_string(&summary).expect("step summary written");
    assert!(
        md.contains("### aigate ci: push to main (1 commit)"),
        "{md}"
    );
}

/// A request whose commit subject, path and message try to break out of workflow commands.
fn hostile_fixture() -> (TestRepo, String, String) {
    let repo = TestRepo::init();
    repo.write("README", "hello\n");
    let base = repo.commit_all("init");
    repo.write("odd,dir:x/CLAUDE.md", "notes\n");
    repo.commit_all("100% done\n\n::add-mask::secret");
    repo.write("b.txt", "b\n");
    let head = repo.commit_all(&format!(
        "::set-output name=x::y\n\n{TRAILER}\nCo-Authored-By: Claude::evil <noreply@anthropic.com>\n"
    ));
    (repo, base, head)
}

#[test]
fn github_annotations_escape_percent_newlines_and_colons() {
    let (repo, base, head) = hostile_fixture();
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let vars = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    let out = ci(
        repo.path(),
        &vars,
        &["--base", &base, "--head", &head, "--format", "github"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    // The human report sits between `::stop-commands::TOKEN` and `::TOKEN::`.
    let token = lines[0]
        .strip_prefix("::stop-commands::")
        .unwrap_or_else(|| panic!("first line: {}", lines[0]));
    assert!(token.len() >= 16, "{token}");
    let end = lines
        .iter()
        .position(|l| *l == format!("::{token}::"))
        .expect("commands resumed");
    for l in &lines[1..end] {
        assert!(!l.contains(token), "{l}");
    }
    let annotations: Vec<&str> = lines[end + 1..].to_vec();
    assert!(!annotations.is_empty());
    for a in &annotations {
        // `::error PROPS::DATA`: the properties hold no `::` and the data no raw newline.
        let rest = a
            .strip_prefix("::error ")
            .unwrap_or_else(|| panic!("not an error command: {a}"));
        let (props, data) = rest.split_once("::").expect("command has data");
        for p in props.split(',') {
            let (key, value) = p.split_once('=').expect("key=value");
            assert!(["title", "file"].contains(&key), "{p}");
            assert!(!value.contains(':') && !value.contains(','), "{p}");
        }
        assert!(!data.contains('\r'));
        let unescaped = data
            .replace("%0A", "\n")
            .replace("%0D", "\r")
            .replace("%25", "%");
        assert!(unescaped.contains("\nfix: "), "{a}");
    }
    let path_note = annotations
        .iter()
        .find(|a| a.contains("file="))
        .expect("a path annotation");
    assert!(
        path_note.contains("file=odd%2Cdir%3Ax/CLAUDE.md"),
        "{path_note}"
    );
    let percent = annotations
        .iter()
        .find(|a| a.contains("100%25 done"))
        .expect("the subject's percent sign escaped");
    assert!(!percent.contains("100% done"));
    let colons = annotations
        .iter()
        .find(|a| a.contains("Claude::evil"))
        .expect("a message line with `::` kept in the data");
    assert!(colons.starts_with("::error title="), "{colons}");
    // The step summary is appended to, not overwritten.
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n### aigate ci: request"),
        "{md}"
    );
}

#[test]
fn codequality_report_is_gitlabs_format() {
    let (repo, base, head) = hostile_fixture();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("gl-code-quality.json");
    let run = || {
        ci(
            repo.path(),
            &[("GITLAB_CI", "true")],
            &[
                "--base",
                &base,
                "--head",
                &head,
                "--codequality",
                file.to_str().unwrap(),
            ],
        )
    };
    let out = run();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    // GitLab's default is the human report on stdout.
    assert!(String::from_utf8_lossy(&out.stdout).contains("Claude Code"));
    let issues: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let issues = issues.as_array().expect("an array");
    assert!(issues.len() >= 3, "{issues:?}");
    let mut prints = std::collections::BTreeSet::new();
    for i in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(i[key].as_str().is_some_and(|s| !s.is_empty()), "{key}: {i}");
        }
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&i["severity"].as_str().unwrap()));
        assert!(i["location"]["path"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
        assert_eq!(i["location"]["lines"]["begin"], 1);
        assert!(prints.insert(i["fingerprint"].as_str().unwrap().to_owned()));
    }
    assert!(issues
        .iter()
        .any(|i| i["location"]["path"] == "odd,dir:x/CLAUDE.md"));
    // The same findings keep their fingerprints from one pipeline to the next.
    run();
    let again: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let again: std::collections::BTreeSet<String> = again
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(prints, again);
}

#[test]
fn sarif_file_is_written_beside_the_report() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let sarif = tmp.path().join("aigate.sarif");
    let out = ci(
        fx.repo.path(),
        &[],
        &[
            "--base",
            &fx.clean,
            "--head",
            &fx.marked,
            "--sarif",
            sarif.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 1);
}

/// A bare "remote" holding the fixture's branches, and a clone of it made with `args`
/// (`git clone -q ARGS URL DIR`); the remote is returned to keep it alive.
fn clone_through_remote(fx: &Fixture, args: &[&str]) -> (TestRepo, TestRepo) {
    let remote = TestRepo::init_bare();
    fx.repo.git(&[
        "push",
        "-q",
        remote.path().to_str().unwrap(),
        "main",
        "topic",
    ]);
    let url = format!("file://{}", remote.path().display());
    let dir = tempfile::Builder::new()
        .prefix("aigate-clone-")
        .tempdir()
        .unwrap();
    let out = Command::new("git")
        .args(["clone", "-q"])
        .args(args)
        .arg(&url)
        .arg(dir.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    (remote, TestRepo { dir })
}

/// A depth-1 clone of `topic` (with the other branches' tips).
fn shallow_clone(fx: &Fixture) -> (TestRepo, TestRepo) {
    clone_through_remote(fx, &["--depth", "1", "--no-single-branch"])
}

/// A full clone of the `topic` branch alone (`--single-branch`).
fn topic_only_clone(fx: &Fixture) -> (TestRepo, TestRepo) {
    clone_through_remote(fx, &["--single-branch", "--branch", "topic"])
}

#[test]
fn shallow_checkout_is_deepened_from_its_remote() {
    let fx = fixture();
    let (_remote, clone) = shallow_clone(&fx);
    assert!(clone.path().join(".git/shallow").exists());
    let out = ci(
        clone.path(),
        &[],
        &["--base", &fx.base, "--head", &fx.merge, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("shallow: fetching the whole history"),
        "{stderr}"
    );
    assert!(!clone.path().join(".git/shallow").exists());
    let report = json(&out);
    assert_eq!(report["summary"]["commits_scanned"], 3);
    let mut expected = vec![fx.marked.clone(), fx.merge.clone()];
    expected.sort();
    assert_eq!(finding_commits(&report), expected);
}

#[test]
fn shallow_checkout_without_fetching_fails_saying_how_to_fix_it() {
    let fx = fixture();
    let (_remote, clone) = shallow_clone(&fx);
    let out = ci(
        clone.path(),
        &[],
        &["--base", &fx.base, "--head", &fx.merge, "--no-fetch"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("shallow") && stderr.contains("fetch-depth: 0"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn shallow_checkout_without_a_remote_fails_saying_how_to_fix_it() {
    let fx = fixture();
    let (_remote, clone) = shallow_clone(&fx);
    clone.git(&["remote", "remove", "origin"]);
    let out = ci(
        clone.path(),
        &[],
        &["--base", &fx.base, "--head", &fx.merge],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no remote") && stderr.contains("fetch-depth: 0"),
        "{stderr}"
    );
}

#[test]
fn missing_base_commit_is_fetched_or_reported() {
    let fx = fixture();
    // A full clone of `topic` alone lacks `main`'s later commit, the request's base.
    let (_remote, clone) = topic_only_clone(&fx);
    // The merge brought `main`'s commit in: drop the merge so the base is truly absent.
    clone.git(&["reset", "-q", "--hard", &fx.marked]);
    clone.git(&["reflog", "expire", "--expire=now", "--all"]);
    let _ = std::fs::remove_file(clone.path().join(".git/ORIG_HEAD"));
    clone.git(&["update-ref", "-d", "refs/remotes/origin/topic"]);
    clone.git(&["gc", "-q", "--prune=now"]);
    let missing = clone.git_output(&["cat-file", "-e", &fx.base]);
    assert!(!missing.status.success(), "the base should be absent");

    let out = ci(
        clone.path(),
        &[],
        &["--base", &fx.base, "--head", &fx.marked, "--no-fetch"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "commit `{}` is not in the checkout",
            &fx.base[..12]
        )),
        "{stderr}"
    );

    let out = ci(
        clone.path(),
        &[],
        &["--base", &fx.base, "--head", &fx.marked, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fetching commit"));
    assert_eq!(json(&out)["summary"]["commits_scanned"], 2);
}

/// The `run:` scripts of action.yml (steps that `use` another action have none), read with
/// Python's YAML parser (the crate has none).
fn action_scripts() -> Option<Vec<String>> {
    let action = concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml");
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; d = yaml.safe_load(open(sys.argv[1])); \
             print(json.dumps([s['run'] for s in d['runs']['steps'] if 'run' in s]))",
            action,
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

#[test]
fn action_runs_aigate_ci_with_its_inputs() {
    let Some(scripts) = action_scripts() else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "SKIPPED action_runs_aigate_ci_with_its_inputs: python3 with the yaml module is needed to read action.yml"
            );
        }
        return;
    };
    assert_eq!(scripts.len(), 3, "cache key, install, then check");
    assert!(
        scripts[1].contains("cargo install --locked")
            && scripts[1].contains("--path \"$GITHUB_ACTION_PATH\"")
    );
    // The cache key: the same sources give the same key, a changed rule file another.
    let key_of = |action_path: &std::path::Path| {
        let tmp = tempfile::tempdir().unwrap();
        let output = tmp.path().join("output");
        let out = Command::new("bash")
            .arg("-ec")
            .arg(&scripts[0])
            .env("GITHUB_ACTION_PATH", action_path)
            .env("GITHUB_OUTPUT", &output)
            .env("RUNNER_OS", "Linux")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", describe(&out));
        std::fs::read_to_string(&output).unwrap()
    };
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let key = key_of(here);
    assert!(key.starts_with("key=aigate-Linux-"), "{key}");
    let copy = tempfile::tempdir().unwrap();
    for entry in ["Cargo.lock", "Cargo.toml", "build.rs", "src", "rules"] {
        let status = Command::new("cp")
            .arg("-R")
            .arg(here.join(entry))
            .arg(copy.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    assert_eq!(key_of(copy.path()), key, "a copy of the same sources");
    let rule = copy.path().join("rules/claude-code.toml");
    let text = std::fs::read_to_string(&rule).unwrap();
    std::fs::write(&rule, format!("{text}\n# changed\n")).unwrap();
    assert_ne!(key_of(copy.path()), key, "a changed rule file");
    // The check step, run as the runner would, with the built binary where the install
    // step puts it.
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("aigate/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_aigate"), bin.join("aigate")).unwrap();
    let script = tmp.path().join("step.sh");
    std::fs::write(&script, &scripts[2]).unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "[policy]\nwarn = [\"claude-code\"]\n").unwrap();
    let run = |config: &str| {
        // The same clean environment as every aigate the tests run.
        let cmd = aigate_command(fx.repo.path());
        let mut bash = Command::new("bash");
        bash.current_dir(fx.repo.path());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => bash.env(k, v),
                None => bash.env_remove(k),
            };
        }
        bash.arg("-e")
            .arg(&script)
            .env("RUNNER_TEMP", tmp.path())
            .env("INPUT_CONFIG", config)
            .env("INPUT_FORMAT", "json")
            .env(
                "INPUT_ARGS",
                format!("--base {} --head {}", fx.clean, fx.marked),
            )
            .output()
            .unwrap()
    };
    let out = run("");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(json(&out)["summary"]["denied"], 1);
    let out = run(policy.to_str().unwrap());
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(json(&out)["summary"]["warned"], 1);
    if Command::new("shellcheck").arg("--version").output().is_ok() {
        for s in &scripts {
            std::fs::write(&script, format!("#!/bin/bash\n{s}")).unwrap();
            let out = Command::new("shellcheck").arg(&script).output().unwrap();
            assert!(out.status.success(), "{}", describe(&out));
        }
    }
}

#[test]
fn annotations_beyond_what_github_shows_are_counted_in_a_notice() {
    let repo = TestRepo::init();
    repo.write("README", "hello\n");
    let base = repo.commit_all("init");
    for i in 0..12 {
        repo.write("n.txt", format!("{i}\n"));
        repo.commit_all(&format!("change {i}\n\n{TRAILER}\n"));
    }
    let out = ci(
        repo.path(),
        &[("GITHUB_ACTIONS", "true")],
        &["--base", &base, "--head", "HEAD"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let errors = stdout.lines().filter(|l| l.starts_with("::error ")).count();
    assert_eq!(errors, 10, "{stdout}");
    let notice = stdout
        .lines()
        .find(|l| l.starts_with("::notice "))
        .expect("a notice for the rest");
    assert!(notice.contains("2 more findings not annotated"), "{notice}");
}

#[test]
fn gitlab_new_branch_pipeline_fetches_the_default_branch_it_lacks() {
    let fx = fixture();
    // GitLab's default refspecs fetch the pipeline's own branch only.
    let (_remote, clone) = topic_only_clone(&fx);
    let zeros = "0".repeat(40);
    let vars = [
        ("GITLAB_CI", "true"),
        ("CI_COMMIT_REF_NAME", "topic"),
        ("CI_COMMIT_BEFORE_SHA", zeros.as_str()),
        ("CI_COMMIT_SHA", fx.merge.as_str()),
        ("CI_DEFAULT_BRANCH", "main"),
    ];
    let out = ci(clone.path(), &vars, &["--format", "json", "--no-fetch"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("branch `main` is not in the checkout"),
        "{}",
        describe(&out)
    );
    let out = ci(clone.path(), &vars, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fetching branch `main`"));
    let report = json(&out);
    // The request's three commits; `main`'s history (and its old marker) is hidden.
    assert_eq!(report["summary"]["commits_scanned"], 3, "{report}");
    assert!(!finding_commits(&report).contains(&fx.old_marker));
}

#[test]
fn force_push_whose_old_commit_is_gone_checks_the_commits_on_no_other_branch() {
    let fx = fixture();
    let tmp = tempfile::tempdir().unwrap();
    // `before` names a commit no repository has: the branch was rewritten.
    let path = event(
        tmp.path(),
        "push.json",
        &[
            ("/ref", "refs/heads/topic".into()),
            ("/before", "1234567890123456789012345678901234567890".into()),
            ("/after", fx.merge.clone().into()),
            ("/forced", true.into()),
        ],
    );
    let out = ci(
        fx.repo.path(),
        &github_vars("push", path.to_str().unwrap()),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is gone (a force push?)"));
    let report = json(&out);
    assert_eq!(report["summary"]["commits_scanned"], 3, "{report}");
    assert!(!finding_commits(&report).contains(&fx.old_marker));
}

#[test]
fn github_without_a_payload_compares_with_the_base_branch_fetching_it() {
    let fx = fixture();
    let (_remote, clone) = topic_only_clone(&fx);
    let vars = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_BASE_REF", "main"),
        ("GITHUB_SHA", fx.marked.as_str()),
    ];
    let out = ci(clone.path(), &vars, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fetching branch `main` from `origin`"));
    let report = json(&out);
    assert_eq!(report["summary"]["commits_scanned"], 2, "{report}");
    assert_eq!(finding_commits(&report), vec![fx.marked.clone()]);
}

#[test]
fn pushed_annotated_tag_message_is_checked() {
    let fx = fixture();
    fx.repo.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        &format!("Release 1.0\n\n{TRAILER}\n"),
        fx.clean.as_str(),
    ]);
    let tag = fx.repo.git(&["rev-parse", "v1.0"]).trim().to_owned();
    let tmp = tempfile::tempdir().unwrap();
    let path = event(
        tmp.path(),
        "push_new_branch.json",
        &[("/ref", "refs/tags/v1.0".into()), ("/after", tag.into())],
    );
    let out = ci(
        fx.repo.path(),
        &github_vars("push", path.to_str().unwrap()),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["tag"] == "v1.0"),
        "the tag's own message: {report}"
    );
    // `clean` is on `topic` too: the tag brings no new commit.
    assert_eq!(report["summary"]["commits_scanned"], 0, "{report}");
}
