//! Policies people write, end to end through the real git: disclosure instead of a ban (each
//! outcome, in the hooks, the audit and a push), the rewrite of a co-author line, the
//! presets, `disable` and `enable`, `aigate rules` under the policy in force, `aigate
//! explain` and `aigate check-message`.

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{
    aigate, aigate_command, aigate_json, assert_ok, describe, git_command, path_with_aigate,
    stderr, stdout, TestRepo,
};

const CLAUDE_CO_AUTHOR: &str = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>";
const COPILOT_CO_AUTHOR: &str = "Co-authored-by: Copilot <copilot@github.com>";
const CLAUDE_SESSION: &str = "Claude-Session: https://claude.ai/code/session_01abc";
const CLAUDE_FOOTER: &str = "🤖 Generated with [Claude Code](https://claude.com/claude-code)";
const DISCLOSE_ALL: &str = "[policy]\ndisclose = [\"*\"]\n";

fn git(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd: Command = git_command(dir);
    cmd.env("PATH", path_with_aigate())
        .stdin(Stdio::null())
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run git")
}

/// A repository with `policy` as its `.aigate.toml`, aigate's hooks installed, one commit.
#[track_caller]
fn hooked(policy: &str) -> TestRepo {
    let repo = TestRepo::init();
    repo.write(".aigate.toml", policy);
    let o = aigate(repo.path(), &["install"]);
    assert!(o.status.success(), "{}", describe(&o));
    let o = git(repo.path(), &["add", ".aigate.toml"], &[]);
    assert!(o.status.success(), "{}", describe(&o));
    let o = git(repo.path(), &["commit", "-q", "-m", "policy"], &[]);
    assert!(o.status.success(), "{}", describe(&o));
    repo
}

/// `git commit --allow-empty -m message` through the hooks.
fn commit(repo: &TestRepo, message: &str, env: &[(&str, &str)]) -> Output {
    git(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", message],
        env,
    )
}

#[track_caller]
fn assert_refused(o: &Output, needles: &[&str]) {
    assert_eq!(
        o.status.code(),
        Some(1),
        "expected a refusal: {}",
        describe(o)
    );
    for n in needles {
        assert!(stderr(o).contains(n), "stderr lacks `{n}`: {}", describe(o));
    }
}

fn head_message(repo: &TestRepo) -> String {
    repo.git(&["log", "-1", "--format=%B"])
}

/// `aigate <args>` with `stdin` fed to it.
fn aigate_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = aigate_command(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start aigate");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait for aigate")
}

/// The audit's findings as `(rule, severity, hint)`, with its exit status.
fn audit(repo: &TestRepo, args: &[&str]) -> (i32, Vec<(String, String, String)>) {
    let mut full = vec!["audit", "--format", "json", "--no-progress"];
    full.extend_from_slice(args);
    let (code, json) = aigate_json(repo.path(), &full);
    let found = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["hint"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (code, found)
}

// ------------------------------------------------------------------ disclosure, commit-msg

#[test]
fn disclosed_use_passes_the_commit_msg_hook() {
    let repo = hooked(DISCLOSE_ALL);
    let o = commit(
        &repo,
        &format!("Fix parser\n\n{CLAUDE_SESSION}\nAssisted-by: Claude Code (claude-opus-4-5)\n"),
        &[],
    );
    assert_ok(&o);
    assert!(stderr(&o).is_empty(), "{}", describe(&o));
}

#[test]
fn an_assistant_credited_as_co_author_is_refused_with_the_line_to_write() {
    let repo = hooked(DISCLOSE_ALL);
    let before = repo.git(&["rev-parse", "HEAD"]);
    let o = commit(&repo, &format!("Fix parser\n\n{CLAUDE_CO_AUTHOR}\n"), &[]);
    assert_refused(
        &o,
        &[
            "Claude Code may be disclosed but not credited as co-author",
            "replace that line with `Assisted-by: Claude Code (Claude Opus 4.5)`",
        ],
    );
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), before);
}

#[test]
fn an_assistant_in_signed_off_by_is_refused_even_when_disclosed() {
    let repo = hooked(DISCLOSE_ALL);
    let o = commit(
        &repo,
        "Fix parser\n\nAssisted-by: Claude Code\nSigned-off-by: Claude <noreply@anthropic.com>\n",
        &[],
    );
    assert_refused(
        &o,
        &["only a person can certify the Developer Certificate of Origin"],
    );
}

#[test]
fn evidence_of_use_without_disclosure_is_refused_and_names_the_trailer() {
    let repo = hooked(DISCLOSE_ALL);
    for evidence in [CLAUDE_SESSION, CLAUDE_FOOTER] {
        let o = commit(&repo, &format!("Fix parser\n\n{evidence}\n"), &[]);
        assert_refused(
            &o,
            &[
                "Claude Code is allowed when disclosed",
                "add the trailer `Assisted-by: Claude Code`",
            ],
        );
        // A negative disclosure is none.
        let o = commit(
            &repo,
            &format!("Fix parser\n\n{evidence}\nAssisted-by: none\n"),
            &[],
        );
        assert_refused(&o, &["add the trailer `Assisted-by: Claude Code`"]);
        let o = commit(
            &repo,
            &format!("Fix parser\n\n{evidence}\nAssisted-by: Claude Code\n"),
            &[],
        );
        assert_ok(&o);
    }
}

#[test]
fn an_assistant_identity_needs_the_disclosure_in_the_message() {
    let repo = hooked(DISCLOSE_ALL);
    let claude = [
        ("GIT_AUTHOR_NAME", "Claude"),
        ("GIT_AUTHOR_EMAIL", "noreply@anthropic.com"),
    ];
    let o = commit(&repo, "Fix parser\n", &claude);
    assert_refused(
        &o,
        &[
            "author `Claude <noreply@anthropic.com>`",
            "Assisted-by: Claude Code",
        ],
    );
    assert_ok(&commit(
        &repo,
        "Fix parser\n\nAssisted-by: Claude Code\n",
        &claude,
    ));
}

#[test]
fn path_markers_are_allowed_by_default_and_reported_at_the_chosen_level() {
    let repo = hooked(DISCLOSE_ALL);
    repo.write("CLAUDE.md", "notes\n");
    assert_ok(&git(repo.path(), &["add", "CLAUDE.md"], &[]));
    assert_ok(&commit(&repo, "Add notes\n", &[]));

    let repo = hooked("[policy]\ndisclose = [\"*\"]\n[disclosure]\npaths = \"warn\"\n");
    repo.write("CLAUDE.md", "notes\n");
    assert_ok(&git(repo.path(), &["add", "CLAUDE.md"], &[]));
    let o = commit(&repo, "Add notes\n", &[]);
    assert_ok(&o);
    assert!(
        stderr(&o).contains("warn: path `CLAUDE.md`"),
        "{}",
        describe(&o)
    );

    let repo = hooked("[policy]\ndisclose = [\"*\"]\n[disclosure]\npaths = \"deny\"\n");
    repo.write("CLAUDE.md", "notes\n");
    assert_ok(&git(repo.path(), &["add", "CLAUDE.md"], &[]));
    assert_refused(
        &commit(&repo, "Add notes\n", &[]),
        &["deny: path `CLAUDE.md`"],
    );
}

#[test]
fn deny_still_wins_for_the_assistants_it_lists() {
    let repo = hooked("[policy]\ndisclose = [\"*\"]\ndeny = [\"claude-code\"]\n");
    let o = commit(
        &repo,
        &format!("Fix\n\n{CLAUDE_SESSION}\nAssisted-by: Claude Code\n"),
        &[],
    );
    assert_refused(&o, &["delete that line from the commit message"]);
    let o = commit(&repo, &format!("Fix\n\n{COPILOT_CO_AUTHOR}\n"), &[]);
    assert_refused(
        &o,
        &["replace that line with `Assisted-by: GitHub Copilot`"],
    );
}

#[test]
fn under_deny_a_disclosure_changes_nothing() {
    let repo = hooked("[policy]\ndeny = [\"claude-code\"]\n");
    let o = commit(
        &repo,
        &format!("Fix\n\n{CLAUDE_SESSION}\nAssisted-by: Claude Code\n"),
        &[],
    );
    assert_refused(&o, &["delete that line from the commit message"]);
}

#[test]
fn fix_rewrites_the_co_author_line_and_the_commit_goes_on() {
    let repo = hooked("[policy]\ndisclose = [\"*\"]\n[disclosure]\nfix = true\n");
    let o = commit(
        &repo,
        &format!("Fix parser\n\nBody.\n\n{CLAUDE_CO_AUTHOR}\nSigned-off-by: Test Author <author@example.com>\n"),
        &[],
    );
    assert_ok(&o);
    assert!(
        stderr(&o).contains(&format!(
            "aigate: rewrote `{CLAUDE_CO_AUTHOR}` as `Assisted-by: Claude Code (Claude Opus 4.5)`"
        )),
        "{}",
        describe(&o)
    );
    assert_eq!(
        head_message(&repo),
        "Fix parser\n\nBody.\n\nAssisted-by: Claude Code (Claude Opus 4.5)\nSigned-off-by: Test Author <author@example.com>\n\n"
    );
    // What the fix cannot mend is still refused.
    let o = commit(
        &repo,
        &format!("Fix\n\n{CLAUDE_CO_AUTHOR}\nSigned-off-by: Claude <noreply@anthropic.com>\n"),
        &[],
    );
    assert_refused(&o, &["aigate: rewrote", "only a person can certify"]);
}

// ------------------------------------------------------------------ disclosure, history

#[test]
fn the_audit_and_a_push_judge_history_by_the_same_rules() {
    let repo = TestRepo::init();
    repo.write(".aigate.toml", DISCLOSE_ALL);
    repo.commit_all("policy");
    repo.commit_empty(&format!(
        "Disclosed\n\n{CLAUDE_SESSION}\nAssisted-by: Claude Code\n"
    ));
    repo.write("CLAUDE.md", "notes\n");
    repo.commit_all("Notes (allowed under disclose)");
    let (code, found) = audit(&repo, &[]);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");

    let bad = repo.commit_empty(&format!("Credited\n\n{CLAUDE_CO_AUTHOR}\n"));
    let (code, found) = audit(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "deny");
    assert!(
        found[0]
            .2
            .contains("`Assisted-by: Claude Code (Claude Opus 4.5)`"),
        "{found:?}"
    );

    // The pre-push hook checks what a push sends with the same verdicts.
    let remote = TestRepo::init_bare();
    assert!(aigate(repo.path(), &["install"]).status.success());
    let url = remote.path().display().to_string();
    let o = git(
        repo.path(),
        &["push", "-q", &url, &format!("{bad}~1:refs/heads/main")],
        &[],
    );
    assert_ok(&o);
    let o = git(repo.path(), &["push", "-q", &url, "main"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(
        stderr(&o).contains("may be disclosed but not credited as co-author"),
        "{}",
        describe(&o)
    );
}

// ------------------------------------------------------------------ presets

/// Each preset, as published: what it refuses and what it lets through, checked by the
/// audit of commits made with the real git.
#[test]
fn each_preset_applies_its_projects_published_rules() {
    // (preset, a disclosure that passes, whether it is a ban)
    let cases = [
        ("linux-kernel", "Assisted-by: LLM coccinelle", false),
        ("mesa", "Generated-by: Claude Code", false),
        ("llvm", "Assisted-by: Claude Code (claude-opus-4-5)", false),
        ("fedora", "Assisted-by: Claude Code", false),
        ("asf", "Generated-by: Claude Code", false),
        ("openinfra", "Generated-By: Claude Code", false),
        ("gentoo", "Assisted-by: Claude Code", true),
        ("netbsd", "Assisted-by: Claude Code", true),
        ("qemu", "Assisted-by: Claude Code", true),
    ];
    for (preset, disclosure, ban) in cases {
        let repo = TestRepo::init();
        repo.write(".aigate.toml", format!("[policy]\npreset = \"{preset}\"\n"));
        repo.commit_all("policy");
        let disclosed = repo.commit_empty(&format!("Fix\n\n{CLAUDE_SESSION}\n{disclosure}\n"));
        let credited = repo.commit_empty(&format!("Fix\n\n{CLAUDE_CO_AUTHOR}\n"));
        repo.write("CLAUDE.md", "notes\n");
        let config = repo.commit_all("Notes");
        let (code, found) = audit(&repo, &[&disclosed, "-n", "1"]);
        assert_eq!(
            (code, found.is_empty()),
            (i32::from(ban), !ban),
            "{preset}: {found:?}"
        );
        let (code, found) = audit(&repo, &[&credited, "-n", "1"]);
        assert_eq!(code, 1, "{preset}: co-author");
        assert_eq!(
            found[0].2.contains("not credited as co-author"),
            !ban,
            "{preset}: {found:?}"
        );
        let (code, _) = audit(&repo, &[&config, "-n", "1"]);
        assert_eq!(code, i32::from(ban), "{preset}: CLAUDE.md");
        let o = aigate(repo.path(), &["rules", "--preset", preset]);
        assert!(o.status.success(), "{}", describe(&o));
        assert!(
            stdout(&o).contains("source: https://"),
            "{preset}: {}",
            stdout(&o)
        );
    }
}

#[test]
fn the_kernel_preset_checks_the_form_and_the_author() {
    let repo = hooked("[policy]\npreset = \"linux-kernel\"\n");
    let o = commit(
        &repo,
        &format!("Fix\n\n{CLAUDE_SESSION}\nAssisted-by: Claude Code\n"),
        &[],
    );
    assert_refused(&o, &["the project's form", "`Assisted-by: LLM`"]);
    assert_ok(&commit(
        &repo,
        &format!("Fix\n\n{CLAUDE_SESSION}\nAssisted-by: GitHub Copilot:Claude Opus 4.6 sparse\n"),
        &[],
    ));
    let o = commit(
        &repo,
        "Fix\n\nAssisted-by: LLM\n",
        &[
            ("GIT_AUTHOR_NAME", "Claude"),
            ("GIT_AUTHOR_EMAIL", "noreply@anthropic.com"),
        ],
    );
    assert_refused(&o, &["the author of a commit must be a person"]);
}

#[test]
fn the_kubernetes_preset_takes_disclosure_in_the_pull_request() {
    let repo = hooked("[policy]\npreset = \"kubernetes\"\n");
    let o = commit(
        &repo,
        &format!("Fix\n\n{CLAUDE_SESSION}\nAssisted-by: Claude Code\n"),
        &[],
    );
    assert_refused(&o, &["disclosure in the pull request, not in commits"]);
    repo.write("CLAUDE.md", "notes\n");
    assert_ok(&git(repo.path(), &["add", "CLAUDE.md"], &[]));
    assert_ok(&commit(&repo, "Notes\n", &[]));
}

#[test]
fn a_preset_is_extended_and_overridden_in_the_same_file() {
    let repo = hooked(
        "[policy]\npreset = \"linux-kernel\"\ndeny = [\"claude-code\"]\n[disclosure]\npaths = \"warn\"\n",
    );
    let o = commit(
        &repo,
        &format!("Fix\n\n{CLAUDE_SESSION}\nAssisted-by: LLM\n"),
        &[],
    );
    assert_refused(&o, &["delete that line from the commit message"]);
    let o = commit(&repo, &format!("Fix\n\n{COPILOT_CO_AUTHOR}\n"), &[]);
    assert_refused(&o, &["replace that line with `Assisted-by: LLM`"]);
    repo.write(".cursorrules", "x\n");
    assert_ok(&git(repo.path(), &["add", ".cursorrules"], &[]));
    let o = commit(&repo, "Rules\n", &[]);
    assert_ok(&o);
    assert!(
        stderr(&o).contains("warn: path `.cursorrules`"),
        "{}",
        describe(&o)
    );
    let o = aigate(repo.path(), &["rules", "claude-code"]);
    assert!(
        stdout(&o).contains("preset: Linux kernel"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("  deny  "), "{}", stdout(&o));
}

#[test]
fn the_audit_summary_names_the_preset_of_the_policy() {
    let repo = hooked("[policy]\npreset = \"mesa\"\n");
    let o = aigate(repo.path(), &["audit", "--no-progress"]);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    let text = stdout(&o);
    let line = text.lines().find(|l| l.trim_start().starts_with("preset:"));
    assert!(
        line.is_some_and(|l| l.trim_end().ends_with(" mesa")),
        "{text}"
    );
    repo.write(".aigate.toml", DISCLOSE_ALL);
    let o = aigate(repo.path(), &["audit", "--no-progress"]);
    assert!(
        !stdout(&o)
            .lines()
            .any(|l| l.trim_start().starts_with("preset:")),
        "no preset line without a preset: {}",
        stdout(&o)
    );
}

#[test]
fn an_unknown_preset_is_an_error_with_a_suggestion() {
    let repo = TestRepo::init();
    repo.write(".aigate.toml", "[policy]\npreset = \"linux-kernal\"\n");
    let o = aigate(repo.path(), &["audit"]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    assert!(
        stderr(&o).contains(
            ".aigate.toml:2:10: unknown preset `linux-kernal` (did you mean `linux-kernel`?)"
        ),
        "{}",
        describe(&o)
    );
    let o = aigate(repo.path(), &["rules", "--preset", "mesaa"]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    assert!(
        stderr(&o).contains("did you mean `mesa`?"),
        "{}",
        describe(&o)
    );
}

// ------------------------------------------------------------------ disable and enable

#[test]
fn disable_switches_a_built_in_rule_off_by_id() {
    let repo = TestRepo::init();
    repo.write(
        ".aigate.toml",
        "[policy]\ndisable = [\"claude-code-memory-file\"]\n",
    );
    repo.write("CLAUDE.md", "notes\n");
    repo.commit_all("Notes");
    let (code, found) = audit(&repo, &[]);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
    repo.write(".claude/settings.json", "{}\n");
    repo.commit_all("Settings");
    let (code, found) = audit(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(found[0].0, "claude-code-config-dir");
    let o = aigate(repo.path(), &["rules", "claude-code"]);
    let line = stdout(&o)
        .lines()
        .find(|l| l.contains("claude-code-memory-file"))
        .map(str::to_owned)
        .unwrap_or_default();
    assert!(line.contains("  off  "), "{}", stdout(&o));
}

#[test]
fn an_unknown_rule_id_is_an_error_with_a_suggestion() {
    let repo = TestRepo::init();
    for key in ["disable", "enable"] {
        repo.write(
            ".aigate.toml",
            format!("[policy]\n{key} = [\"claude-code-memory-fil\"]\n"),
        );
        let o = aigate(repo.path(), &["audit"]);
        assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
        let needle = format!(
            ".aigate.toml:2:{}: unknown rule `claude-code-memory-fil` (did you mean `claude-code-memory-file`?",
            key.len() + 5
        );
        assert!(stderr(&o).contains(&needle), "{}", describe(&o));
    }
}

#[test]
fn enable_switches_on_an_opt_in_rule() {
    let rule = "[[rule]]\nid = \"agent-branch-note\"\nassistant = \"codex\"\nkind = \"message\"\nopt-in = true\npatterns = ['^codex-branch:']\n";
    let repo = TestRepo::init();
    repo.write(".aigate.toml", rule);
    repo.commit_all("policy");
    repo.commit_empty("Work\n\nCodex-Branch: codex/fix\n");
    let (code, found) = audit(&repo, &[]);
    assert_eq!(
        (code, found.len()),
        (0, 0),
        "an opt-in rule is off: {found:?}"
    );
    let o = aigate(repo.path(), &["explain", "agent-branch-note"]);
    assert!(stdout(&o).contains("off: an opt-in rule"), "{}", stdout(&o));
    repo.write(
        ".aigate.toml",
        format!("[policy]\nenable = [\"agent-branch-note\"]\n{rule}"),
    );
    let (code, found) = audit(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(found[0].0, "agent-branch-note");
}

// ------------------------------------------------------------------ rules, explain

#[test]
fn rules_shows_the_policy_of_the_repository_and_of_aigate_config() {
    let repo = TestRepo::init();
    repo.write(".aigate.toml", "[policy]\ndeny = [\"claude-code\"]\n");
    let o = aigate(repo.path(), &["rules", "copilot"]);
    assert!(o.status.success(), "{}", describe(&o));
    assert!(
        stdout(&o).lines().all(|l| l.starts_with("copilot ")),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("  allow  "), "{}", stdout(&o));
    let other = repo.path().join("other.toml");
    std::fs::write(&other, "[policy]\ndeny = []\nwarn = [\"*\"]\n").unwrap();
    let o = aigate_command(repo.path())
        .env("AIGATE_CONFIG", &other)
        .args(["rules", "copilot", "--format", "json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Every rule warns but the opt-in ones (the ref rules), which the policy leaves off.
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["policy"] == "warn" || (r["kind"] == "ref" && r["policy"] == "off")),
        "{rows}"
    );
    let o = aigate(repo.path(), &["rules", "claude-cod"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `claude-code`?"),
        "{}",
        describe(&o)
    );
}

#[test]
fn explain_an_assistant_shows_its_rules_sources_and_what_the_policy_does() {
    let repo = TestRepo::init();
    repo.write(".aigate.toml", DISCLOSE_ALL);
    let o = aigate(repo.path(), &["explain", "claude-code"]);
    assert!(o.status.success(), "{}", describe(&o));
    let out = stdout(&o);
    for needle in [
        "Claude Code (assistant `claude-code`)",
        "policy: disclose: allowed with a `Assisted-by:` trailer",
        "claude-code-memory-file  path",
        "source: ",
    ] {
        assert!(out.contains(needle), "lacks `{needle}`: {out}");
    }
}

#[test]
fn explain_a_rule_shows_examples_counter_examples_and_the_fix() {
    let repo = TestRepo::init();
    let o = aigate(repo.path(), &["explain", "assisted-by-trailer"]);
    assert!(o.status.success(), "{}", describe(&o));
    let out = stdout(&o);
    for needle in [
        "rule `assisted-by-trailer`: a message rule",
        "state: in force",
        "policy: deny",
        "examples (found):",
        "counter-examples (not found):\n  Assisted-by: Jay Satiro",
        "source: ",
        "fix: delete the line from the message",
    ] {
        assert!(out.contains(needle), "lacks `{needle}`: {out}");
    }
    let o = aigate(repo.path(), &["explain", "linux-kernel"]);
    assert!(
        stdout(&o).contains("coding-assistants.html"),
        "{}",
        describe(&o)
    );
    let o = aigate(repo.path(), &["explain", "claude-cod"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `claude-code`?"),
        "{}",
        describe(&o)
    );
}

// ------------------------------------------------------------------ check-message

#[test]
fn check_message_gives_the_verdict_and_status_of_the_commit_msg_hook() {
    let repo = TestRepo::init();
    let refused = format!("Fix\n\n{CLAUDE_CO_AUTHOR}\n");
    repo.write("msg", &refused);
    let o = aigate(repo.path(), &["check-message", "msg"]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(stderr(&o).contains("delete that line"), "{}", describe(&o));
    let o = aigate_stdin(repo.path(), &["check-message", "-"], &refused);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    // Comment lines are dropped as git drops them.
    let o = aigate_stdin(
        repo.path(),
        &["check-message"],
        &format!("Fix\n# {CLAUDE_CO_AUTHOR}\n"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    // Under the repository's disclosure policy, the verdicts of that policy.
    repo.write(".aigate.toml", DISCLOSE_ALL);
    let o = aigate(repo.path(), &["check-message", "msg"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`Assisted-by: Claude Code (Claude Opus 4.5)`"),
        "{}",
        describe(&o)
    );
    let o = aigate_stdin(
        repo.path(),
        &["check-message"],
        &format!("Fix\n\n{CLAUDE_SESSION}\nAssisted-by: Claude Code\n"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    let o = aigate(repo.path(), &["check-message", "no-such-file"]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
}

#[test]
fn check_message_fix_rewrites_a_file_or_prints_the_fixed_stdin() {
    let repo = TestRepo::init();
    repo.write(".aigate.toml", DISCLOSE_ALL);
    let msg = format!("Fix\n\n{CLAUDE_CO_AUTHOR}\n");
    repo.write("msg", &msg);
    let o = aigate(repo.path(), &["check-message", "--fix", "msg"]);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    assert!(stderr(&o).contains("aigate: rewrote"), "{}", describe(&o));
    let fixed = "Fix\n\nAssisted-by: Claude Code (Claude Opus 4.5)\n";
    assert_eq!(
        std::fs::read_to_string(repo.path().join("msg")).unwrap(),
        fixed
    );
    let o = aigate_stdin(repo.path(), &["check-message", "--fix"], &msg);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    assert_eq!(stdout(&o), fixed);
    // Under a ban nothing is rewritten and the verdict stands.
    repo.write(".aigate.toml", "[policy]\ndeny = [\"*\"]\n");
    let o = aigate_stdin(repo.path(), &["check-message", "--fix"], &msg);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert_eq!(stdout(&o), msg);
}

// ------------------------------------------------------------------ exemptions

#[test]
fn an_abbreviated_exempt_commit_is_a_policy_error_and_a_full_one_works() {
    let repo = TestRepo::init();
    repo.write("CLAUDE.md", "x\n");
    let id = repo.commit_all("Notes");
    repo.write(
        ".aigate.toml",
        format!("[exempt]\ncommits = [\"{}\"]\n", &id[..7]),
    );
    let o = aigate(repo.path(), &["audit"]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    assert!(
        stderr(&o).contains("is an abbreviated commit id"),
        "{}",
        describe(&o)
    );
    repo.write(".aigate.toml", format!("[exempt]\ncommits = [\"{id}\"]\n"));
    let (code, found) = audit(&repo, &[]);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
}

// ------------------------------------------------------------------ server

/// The server hook judges pushed commits under its own policy (here a preset), as the audit
/// does: a disclosed commit lands, one crediting the assistant as co-author is rejected with
/// the line to write.
#[test]
fn the_server_hook_enforces_a_disclosure_preset() {
    let root = tempfile::tempdir().unwrap();
    let bare = root.path().join("srv.git");
    let o = git(
        root.path(),
        &["init", "-q", "--bare", "-b", "main", "srv.git"],
        &[],
    );
    assert_ok(&o);
    let policy = root.path().join("policy.toml");
    std::fs::write(&policy, "[policy]\npreset = \"fedora\"\n").unwrap();
    let o = aigate(
        root.path(),
        &[
            "install",
            "--server",
            "-C",
            bare.to_str().unwrap(),
            "--config",
            policy.to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    let url = format!("file://{}", bare.display());

    let repo = TestRepo::init();
    repo.write("a.txt", "a\n");
    repo.commit_all("Base");
    repo.write("b.txt", "b\n");
    repo.commit_all(&format!(
        "Disclosed\n\n{CLAUDE_SESSION}\nAssisted-by: Claude Code\n"
    ));
    assert_ok(&git(repo.path(), &["push", "-q", &url, "main"], &[]));

    repo.write("c.txt", "c\n");
    let bad = repo.commit_all(&format!("Credited\n\n{CLAUDE_CO_AUTHOR}\n"));
    let o = git(repo.path(), &["push", "-q", &url, "main"], &[]);
    assert!(!o.status.success(), "{}", describe(&o));
    assert!(
        stderr(&o).contains("replace that line with `Assisted-by: Claude Code`"),
        "{}",
        describe(&o)
    );
    let o = git(&bare, &["rev-parse", "main"], &[]);
    assert_ne!(stdout(&o).trim(), bad, "the rejected commit did not land");
}

#[test]
fn a_commit_inside_a_disclosed_agent_session_needs_the_disclosure() {
    let repo = hooked(DISCLOSE_ALL);
    let session = [("CLAUDECODE", "1")];
    let before = repo.git(&["rev-parse", "HEAD"]);
    // No disclosure: refused at commit-msg (and under --no-verify at prepare-commit-msg),
    // naming the trailer to add.
    for extra in [&[][..], &["--no-verify"][..]] {
        let mut args = vec!["commit", "-q", "--allow-empty", "-m", "Plain"];
        args.extend_from_slice(extra);
        let o = git(repo.path(), &args, &session);
        assert_refused(
            &o,
            &[
                "environment `CLAUDECODE=1`",
                "add the trailer `Assisted-by: Claude Code`",
            ],
        );
        assert_eq!(repo.git(&["rev-parse", "HEAD"]), before, "{extra:?}");
    }
    // Disclosed: the session is evidence the message accounts for.
    let o = commit(&repo, "Plain\n\nAssisted-by: Claude Code\n", &session);
    assert_ok(&o);
    assert!(stderr(&o).is_empty(), "{}", describe(&o));
    // Under a ban the same commit is refused whatever the message says.
    let banned = hooked("[policy]\ndeny = [\"claude-code\"]\n");
    let o = commit(&banned, "Plain\n\nAssisted-by: Claude Code\n", &session);
    assert_refused(&o, &["environment `CLAUDECODE=1`"]);
}
