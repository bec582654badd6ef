//! The lefthook and husky recipes of `docs/hooks.md`, run as written against the real tools:
//! a commit adding `CLAUDE.md` is refused in pre-commit, a merge bringing it in pre-merge-commit,
//! a message with an assistant trailer in commit-msg, and a push of such a commit in pre-push.
//! Each test prints SKIPPED when its tool is not installed (`.ci/run` installs both:
//! `pip install lefthook`, `npm install -g husky`).
//!
//! The recipes also wire `prepare-commit-msg` to `aigate hook prepare-commit-msg`; with an
//! aigate that has no such hook the test drops that one line and says so, so that the other
//! four hooks are still tested through the manager.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{aigate, describe, git_command, path_with_aigate, TestRepo};

const CLAUDE_TRAILER: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";

/// The first fenced block of `lang` after the line starting with `after` in docs/hooks.md.
fn recipe(after: &str, lang: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/hooks.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let from = text
        .lines()
        .position(|l| l.starts_with(after))
        .unwrap_or_else(|| panic!("no line starting with `{after}` in docs/hooks.md"));
    let mut lines = text.lines().skip(from);
    let fence = format!("```{lang}");
    lines.find(|l| l.trim() == fence).expect("opening fence");
    let block: Vec<&str> = lines.take_while(|l| l.trim() != "```").collect();
    block.join("\n") + "\n"
}

/// Whether this aigate has `hook prepare-commit-msg` (added separately).
fn has_prepare_commit_msg() -> bool {
    let dir = tempfile::tempdir().unwrap();
    aigate(dir.path(), &["hook", "prepare-commit-msg", "--help"])
        .status
        .success()
}

/// The directory of `program` on PATH, or `None` after saying the test is skipped.
fn tool(test: &str, program: &str, install: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).find(|d| d.join(program).is_file());
    if found.is_none() {
        common::skipped(test, &format!("`{program}` is not installed ({install})"));
    }
    found
}

/// `cmd` with the clean test environment, the built aigate first on PATH and no manager
/// switches from the caller's environment.
fn prepare(mut cmd: Command) -> Command {
    cmd.env("PATH", path_with_aigate())
        .env_remove("HUSKY")
        .env_remove("LEFTHOOK")
        .env_remove("LEFTHOOK_EXCLUDE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

fn git(dir: &Path, args: &[&str]) -> Output {
    prepare(git_command(dir)).args(args).output().unwrap()
}

#[track_caller]
fn ok(o: Output) -> Output {
    assert!(o.status.success(), "expected success: {}", describe(&o));
    o
}

#[track_caller]
fn refused(o: &Output, needle: &str) {
    assert!(!o.status.success(), "expected a refusal: {}", describe(o));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains(needle),
        "output lacks `{needle}`: {}",
        describe(o)
    );
}

fn rev(dir: &Path, spec: &str) -> String {
    let o = git(dir, &["rev-parse", "--verify", "-q", spec]);
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

/// With the manager's hooks in place in `repo`: pre-commit, pre-merge-commit, commit-msg and
/// pre-push each refuse what they must, and let clean work through.
#[track_caller]
fn refuses_through_the_manager(repo: &TestRepo) {
    let dir = repo.path();
    ok(git(dir, &["add", "-A"]));
    ok(git(dir, &["commit", "-q", "-m", "use a hook manager"]));

    // pre-commit.
    repo.write("CLAUDE.md", "x\n");
    ok(git(dir, &["add", "CLAUDE.md"]));
    let before = rev(dir, "HEAD");
    refused(
        &git(dir, &["commit", "-q", "-m", "notes"]),
        "path `CLAUDE.md`",
    );
    assert_eq!(rev(dir, "HEAD"), before);

    // pre-merge-commit: the same file arrives through `git merge`.
    ok(git(dir, &["checkout", "-q", "-b", "side"]));
    ok(git(dir, &["commit", "-q", "--no-verify", "-m", "notes"]));
    ok(git(dir, &["checkout", "-q", "main"]));
    ok(git(
        dir,
        &["commit", "-q", "--allow-empty", "-m", "main moves on"],
    ));
    let before = rev(dir, "HEAD");
    refused(
        &git(dir, &["merge", "--no-ff", "-q", "-m", "merge side", "side"]),
        "path `CLAUDE.md`",
    );
    assert_eq!(rev(dir, "HEAD"), before);
    ok(git(dir, &["merge", "--abort"]));

    // commit-msg: the message file reaches aigate.
    let msg = format!("Fix\n\n{CLAUDE_TRAILER}\n");
    refused(
        &git(dir, &["commit", "-q", "--allow-empty", "-m", &msg]),
        CLAUDE_TRAILER,
    );
    assert_eq!(rev(dir, "HEAD"), before);
    ok(git(dir, &["commit", "-q", "--allow-empty", "-m", "clean"]));

    // pre-push: the refs on stdin reach aigate.
    let bare = TestRepo::init_bare();
    let url = bare.path().display().to_string();
    ok(git(dir, &["remote", "add", "origin", &url]));
    ok(git(dir, &["push", "-q", "origin", "main"]));
    let pushed = rev(dir, "HEAD");
    assert_eq!(rev(bare.path(), "main"), pushed);
    if has_prepare_commit_msg() {
        // prepare-commit-msg runs under --no-verify too, through the manager.
        refused(
            &git(
                dir,
                &["commit", "-q", "--no-verify", "--allow-empty", "-m", &msg],
            ),
            CLAUDE_TRAILER,
        );
    }
    // A commit made past every local hook (a web editor, another clone): pre-push stops it.
    ok(git(
        dir,
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &msg,
        ],
    ));
    refused(&git(dir, &["push", "-q", "origin", "main"]), CLAUDE_TRAILER);
    assert_eq!(rev(bare.path(), "main"), pushed);
}

/// Drops the `prepare-commit-msg` part of a recipe when this aigate lacks that hook.
fn without_prepare_commit_msg(test: &str, text: &str, is_yaml: bool) -> String {
    if has_prepare_commit_msg() {
        return text.to_owned();
    }
    common::skipped(
        &format!("{test} (prepare-commit-msg only)"),
        "this aigate has no `hook prepare-commit-msg`",
    );
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if is_yaml {
            let top_level = !line.starts_with(' ') && !line.is_empty();
            if top_level {
                skipping = line.starts_with("prepare-commit-msg:");
            }
        } else {
            skipping = line.contains("prepare-commit-msg");
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert_ne!(out, text, "the recipe has no prepare-commit-msg part");
    out
}

#[test]
fn the_lefthook_recipe_refuses_through_lefthook() {
    let test = "the_lefthook_recipe_refuses_through_lefthook";
    if tool(test, "lefthook", "pip install lefthook, or npm").is_none() {
        return;
    }
    let recipe = recipe("[lefthook]", "yaml");
    for hook in [
        "pre-merge-commit:",
        "prepare-commit-msg:",
        "use_stdin: true",
    ] {
        assert!(recipe.contains(hook), "the lefthook recipe lacks `{hook}`");
    }
    let repo = TestRepo::init();
    repo.write(
        "lefthook.yml",
        without_prepare_commit_msg(test, &recipe, true),
    );
    ok(prepare(Command::new("lefthook"))
        .current_dir(repo.path())
        .args(["install"])
        .output()
        .unwrap());
    for hook in ["pre-commit", "pre-merge-commit", "commit-msg", "pre-push"] {
        assert!(
            repo.path().join(".git/hooks").join(hook).is_file(),
            "lefthook did not install {hook}"
        );
    }
    refuses_through_the_manager(&repo);
}

#[test]
fn the_husky_recipe_refuses_through_husky() {
    let test = "the_husky_recipe_refuses_through_husky";
    if tool(test, "husky", "npm install -g husky").is_none() {
        return;
    }
    let recipe = recipe("[husky]", "sh");
    for hook in [".husky/pre-merge-commit", ".husky/prepare-commit-msg"] {
        assert!(recipe.contains(hook), "the husky recipe lacks `{hook}`");
    }
    let repo = TestRepo::init();
    ok(prepare(Command::new("husky"))
        .current_dir(repo.path())
        .output()
        .unwrap());
    assert_eq!(
        rev_config(repo.path(), "core.hooksPath"),
        ".husky/_",
        "husky did not set core.hooksPath"
    );
    ok(prepare(Command::new("sh"))
        .current_dir(repo.path())
        .args(["-ec", &without_prepare_commit_msg(test, &recipe, false)])
        .output()
        .unwrap());
    refuses_through_the_manager(&repo);
}

fn rev_config(dir: &Path, key: &str) -> String {
    let o = git(dir, &["config", key]);
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}
