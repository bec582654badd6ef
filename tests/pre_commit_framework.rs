//! The `.pre-commit-hooks.yaml` manifest, driven by the real `pre-commit` tool: a consumer
//! repository uses the three hook ids, `pre-commit install`s them, and the real `git` commits
//! and pushes through them. Skipped, saying so, when `pre-commit` is not installed (CI installs
//! it: see `.ci/run`).
//!
//! The consumer's config overrides `language: rust` with `language: system`, so the test uses
//! the `aigate` just built (first on PATH) instead of a `cargo install` of the whole crate;
//! everything else (ids, entries, stages, how file names are passed) comes from the manifest.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{describe, git_command, path_with_aigate, TestRepo};

const CLAUDE_TRAILER: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";

/// `cmd` with the clean test environment, aigate on PATH and a private pre-commit cache.
fn prepare(mut cmd: Command, cache: &Path) -> Command {
    cmd.env("PATH", path_with_aigate())
        .env("PRE_COMMIT_HOME", cache)
        .env("PRE_COMMIT_COLOR", "never")
        .stdin(Stdio::null());
    cmd
}

#[track_caller]
fn git(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    prepare(git_command(dir), cache)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run git {args:?}: {e}"))
}

#[track_caller]
fn ok(o: Output) -> Output {
    assert!(o.status.success(), "expected success: {}", describe(&o));
    o
}

#[track_caller]
fn refused(o: &Output, hook_id: &str, needle: &str) {
    assert!(!o.status.success(), "expected a refusal: {}", describe(o));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains(&format!("- hook id: {hook_id}")),
        "not refused by `{hook_id}`: {}",
        describe(o)
    );
    assert!(
        text.contains(needle),
        "output lacks `{needle}`: {}",
        describe(o)
    );
}

fn rev(dir: &Path, cache: &Path, spec: &str) -> String {
    let o = git(dir, cache, &["rev-parse", "--verify", "-q", spec]);
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

#[test]
fn the_manifest_hooks_refuse_through_the_pre_commit_tool() {
    let cache = tempfile::tempdir().expect("tempdir");
    let cache = cache.path();
    let probe = prepare(Command::new("pre-commit"), cache)
        .arg("--version")
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        common::skipped(
            "the_manifest_hooks_refuse_through_the_pre_commit_tool",
            "`pre-commit` is not installed (pip install pre-commit)",
        );
        return;
    }

    // The hook repository: the manifest as shipped, committed.
    let hooks_repo = TestRepo::init();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    fs::copy(&manifest, hooks_repo.path().join(".pre-commit-hooks.yaml")).expect("copy manifest");
    let rev_of_hooks = hooks_repo.commit_all("hooks");

    // The consumer, with the three ids installed by pre-commit.
    let repo = TestRepo::init();
    let dir = repo.path();
    repo.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {rev_of_hooks}\n    hooks:\n      - id: aigate\n        language: system\n      - id: aigate-commit-msg\n        language: system\n      - id: aigate-pre-push\n        language: system\n",
            hooks_repo.path().display()
        ),
    );
    ok(prepare(Command::new("pre-commit"), cache)
        .current_dir(dir)
        .args([
            "install",
            "--hook-type",
            "pre-commit",
            "--hook-type",
            "pre-merge-commit",
            "--hook-type",
            "commit-msg",
            "--hook-type",
            "pre-push",
        ])
        .output()
        .expect("run pre-commit install"));
    ok(git(dir, cache, &["add", ".pre-commit-config.yaml"]));
    ok(git(dir, cache, &["commit", "-q", "-m", "use aigate"]));

    // pre-commit stage.
    repo.write("CLAUDE.md", "x\n");
    ok(git(dir, cache, &["add", "CLAUDE.md"]));
    let before = rev(dir, cache, "HEAD");
    let o = git(dir, cache, &["commit", "-q", "-m", "notes"]);
    refused(&o, "aigate", "path `CLAUDE.md`");
    assert_eq!(rev(dir, cache, "HEAD"), before);

    // pre-merge-commit stage: the same file arriving through `git merge`.
    ok(git(dir, cache, &["checkout", "-q", "-b", "side"]));
    ok(git(
        dir,
        cache,
        &["commit", "-q", "--no-verify", "-m", "notes"],
    ));
    ok(git(dir, cache, &["checkout", "-q", "main"]));
    ok(git(
        dir,
        cache,
        &["commit", "-q", "--allow-empty", "-m", "main moves on"],
    ));
    let before = rev(dir, cache, "HEAD");
    let o = git(
        dir,
        cache,
        &["merge", "--no-ff", "-q", "-m", "merge side", "side"],
    );
    refused(&o, "aigate", "path `CLAUDE.md`");
    assert_eq!(rev(dir, cache, "HEAD"), before);
    ok(git(dir, cache, &["merge", "--abort"]));

    // commit-msg stage: the message file is passed as the argument.
    let msg = format!("Fix\n\n{CLAUDE_TRAILER}\n");
    let o = git(dir, cache, &["commit", "-q", "--allow-empty", "-m", &msg]);
    refused(&o, "aigate-commit-msg", CLAUDE_TRAILER);
    assert_eq!(rev(dir, cache, "HEAD"), before);
    ok(git(
        dir,
        cache,
        &["commit", "-q", "--allow-empty", "-m", "clean"],
    ));

    // pre-push stage: pre-commit reads stdin itself and passes PRE_COMMIT_* variables.
    let bare = TestRepo::init_bare();
    let url = bare.path().display().to_string();
    ok(git(dir, cache, &["remote", "add", "origin", &url]));
    ok(git(dir, cache, &["push", "-q", "origin", "main"]));
    assert_eq!(rev(bare.path(), cache, "main"), rev(dir, cache, "HEAD"));
    let pushed = rev(dir, cache, "HEAD");
    ok(git(
        dir,
        cache,
        &["commit", "-q", "--no-verify", "--allow-empty", "-m", &msg],
    ));
    let o = git(dir, cache, &["push", "-q", "origin", "main"]);
    refused(&o, "aigate-pre-push", CLAUDE_TRAILER);
    assert_eq!(rev(bare.path(), cache, "main"), pushed);
}
