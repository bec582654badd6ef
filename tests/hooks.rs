//! The local hooks end to end: `aigate install` into fresh repositories, then the real `git`
//! commits, merges and pushes (to a bare repository) through them. Every test asserts on
//! git's exit status, on what aigate printed, and on the refs and commits left behind.

mod common;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{
    aigate_command, assert_ok, describe, git_command, path_with_aigate, stderr, stdout, TestRepo,
};

const CLAUDE_TRAILER: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";
const COPILOT_TRAILER: &str = "Co-authored-by: Copilot <copilot@github.com>";

/// The real `git` in `dir`, clean environment, aigate on PATH, no stdin.
fn git_cmd(dir: &Path) -> Command {
    let mut cmd = git_command(dir);
    cmd.env("PATH", path_with_aigate()).stdin(Stdio::null());
    cmd
}

#[track_caller]
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = git_cmd(dir);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run git {args:?}: {e}"))
}

/// `aigate <args>` in `dir` (clean environment), with `stdin` fed to it.
#[track_caller]
fn aigate_with(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut aigate = aigate_command(dir);
    aigate
        .env("PATH", path_with_aigate())
        .args(args)
        .stdin(Stdio::piped());
    for (k, v) in env {
        aigate.env(k, v);
    }
    let mut child = aigate
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

/// The command failed and aigate's report says each of `needles`.
#[track_caller]
fn assert_refused(o: &Output, needles: &[&str]) {
    assert!(!o.status.success(), "expected a refusal: {}", describe(o));
    let err = stderr(o);
    assert!(
        err.contains("aigate: error:"),
        "no aigate report: {}",
        describe(o)
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks `{n}`: {}", describe(o));
    }
}

/// `aigate install [args]` in the repository; panics unless it succeeds.
#[track_caller]
fn install(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["install"];
    all.extend_from_slice(args);
    let o = aigate_with(dir, &all, &[], "");
    assert_ok(&o);
    o
}

/// A fresh repository with one clean commit and aigate's hooks installed. The commit is made
/// before the install: the tests below check commits through the hooks, clean ones included,
/// and three hook runs for each of the thirty-odd fixtures added nothing to that.
#[track_caller]
fn hooked() -> TestRepo {
    let repo = TestRepo::init();
    repo.write("README.md", "hello\n");
    assert_ok(&run(repo.path(), &["add", "README.md"], &[]));
    assert_ok(&run(repo.path(), &["commit", "-q", "-m", "init"], &[]));
    install(repo.path(), &[]);
    repo
}

fn head(repo: &Path) -> String {
    let o = run(repo, &["rev-parse", "--verify", "-q", "HEAD"], &[]);
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

fn rev(repo: &Path, spec: &str) -> String {
    let o = run(repo, &["rev-parse", "--verify", "-q", spec], &[]);
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

fn message(repo: &Path, spec: &str) -> String {
    let o = run(repo, &["log", "-1", "--format=%B", spec], &[]);
    assert_ok(&o);
    stdout(&o)
}

fn tree_has(repo: &Path, spec: &str, path: &str) -> bool {
    run(repo, &["cat-file", "-e", &format!("{spec}:{path}")], &[])
        .status
        .success()
}

/// Writes an editor script into the git directory and returns its path for `GIT_EDITOR`.
/// `body` is shell run with the message file as `$1`.
fn editor(repo: &TestRepo, body: &str) -> String {
    let path = repo.path().join(".git").join("test-editor.sh");
    fs::write(&path, format!("#!/bin/sh\nset -e\n{body}\n")).expect("write editor");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod editor");
    }
    path.display().to_string()
}

fn write_hook(dir: &Path, name: &str, body: &str) -> PathBuf {
    fs::create_dir_all(dir).expect("hooks dir");
    let path = dir.join(name);
    fs::write(&path, body).expect("write hook");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod hook");
    }
    path
}

// ---------------------------------------------------------------- pre-commit

#[test]
fn refuses_a_commit_staging_claude_md() {
    let repo = hooked();
    let before = head(repo.path());
    repo.write("CLAUDE.md", "This file provides guidance to Claude Code\n");
    assert_ok(&run(repo.path(), &["add", "CLAUDE.md"], &[]));
    let o = run(repo.path(), &["commit", "-q", "-m", "add notes"], &[]);
    assert_refused(
        &o,
        &[
            "path `CLAUDE.md`",
            "Claude Code (claude-code)",
            "[claude-code-memory-file]",
            "git rm --cached -r -- CLAUDE.md",
        ],
    );
    assert_eq!(head(repo.path()), before, "no commit was made");
}

#[test]
fn refuses_a_marker_in_the_first_commit_of_an_unborn_branch() {
    let repo = TestRepo::init();
    install(repo.path(), &[]);
    repo.write("app/.claude/settings.json", "{}\n");
    repo.write("main.c", "int main;\n");
    assert_ok(&run(repo.path(), &["add", "-A"], &[]));
    let o = run(repo.path(), &["commit", "-q", "-m", "first"], &[]);
    assert_refused(&o, &["path `app/.claude/settings.json`"]);
    assert_eq!(head(repo.path()), "", "the branch is still unborn");
}

#[test]
fn an_escape_sequence_in_a_staged_path_is_shown_not_obeyed() {
    let repo = hooked();
    repo.write("evil\u{1b}[2J/CLAUDE.md", "x\n");
    assert_ok(&run(repo.path(), &["add", "-A"], &[]));
    let o = run(repo.path(), &["commit", "-q", "-m", "x"], &[]);
    assert_refused(&o, &["path `evil\\e[2J/CLAUDE.md`"]);
    assert!(
        !o.stderr.contains(&0x1b),
        "raw escape printed: {}",
        describe(&o)
    );
}

/// Regression: the index path was looked up in `HEAD` after a lossy UTF-8 conversion, so an
/// unchanged marker under a Latin-1 directory name counted as staged on every commit.
#[cfg(unix)]
#[test]
fn an_unchanged_marker_under_a_non_utf8_path_is_not_staged_again() {
    use std::os::unix::ffi::OsStrExt;
    let repo = hooked();
    let dir = repo.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("CLAUDE.md"), "x\n").unwrap();
    assert_ok(&run(repo.path(), &["add", "-A"], &[]));
    let o = run(repo.path(), &["commit", "-q", "-m", "x"], &[]);
    assert_refused(&o, &["CLAUDE.md"]);
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--no-verify", "-m", "x"],
        &[],
    ));
    repo.write("other.txt", "y\n");
    assert_ok(&run(repo.path(), &["add", "other.txt"], &[]));
    assert_ok(&run(repo.path(), &["commit", "-q", "-m", "other"], &[]));
}

#[test]
fn accepts_an_intent_to_add_marker_beside_a_staged_file() {
    let repo = hooked();
    repo.write("CLAUDE.md", "notes\n");
    repo.write("src.txt", "code\n");
    assert_ok(&run(repo.path(), &["add", "-N", "CLAUDE.md"], &[]));
    assert_ok(&run(repo.path(), &["add", "src.txt"], &[]));
    let o = run(repo.path(), &["commit", "-q", "-m", "add src"], &[]);
    assert_ok(&o);
    assert!(tree_has(repo.path(), "HEAD", "src.txt"));
    assert!(!tree_has(repo.path(), "HEAD", "CLAUDE.md"));
}

/// A repository whose history already holds `CLAUDE.md` (committed with `--no-verify`),
/// then the file and `a.txt` modified in the work tree.
fn repo_with_tracked_marker() -> TestRepo {
    let repo = hooked();
    repo.write("CLAUDE.md", "v1\n");
    repo.write("a.txt", "v1\n");
    assert_ok(&run(repo.path(), &["add", "-A"], &[]));
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--no-verify", "-m", "old"],
        &[],
    ));
    repo.write("CLAUDE.md", "v2\n");
    repo.write("a.txt", "v2\n");
    repo
}

#[test]
fn commit_all_is_checked_against_the_index_it_builds() {
    let repo = repo_with_tracked_marker();
    // Only a.txt staged: the CLAUDE.md change stays out of the commit.
    assert_ok(&run(repo.path(), &["add", "a.txt"], &[]));
    assert_ok(&run(repo.path(), &["commit", "-q", "-m", "a only"], &[]));
    // `-a` stages CLAUDE.md into `.git/index.lock`, which the hook must read.
    repo.write("a.txt", "v3\n");
    let before = head(repo.path());
    let o = run(
        repo.path(),
        &["commit", "-q", "-a", "-m", "everything"],
        &[],
    );
    assert_refused(&o, &["path `CLAUDE.md`"]);
    assert_eq!(head(repo.path()), before);
}

#[test]
fn commit_with_paths_is_checked_against_its_temporary_index() {
    let repo = repo_with_tracked_marker();
    // CLAUDE.md staged in `.git/index`, but `-- a.txt` commits a.txt alone.
    assert_ok(&run(repo.path(), &["add", "CLAUDE.md"], &[]));
    let o = run(
        repo.path(),
        &["commit", "-q", "-m", "a only", "--", "a.txt"],
        &[],
    );
    assert_ok(&o);
    assert_eq!(
        stdout(&run(repo.path(), &["show", "HEAD:CLAUDE.md"], &[])),
        "v1\n",
        "CLAUDE.md was not committed"
    );
    // `-- CLAUDE.md` commits it.
    let before = head(repo.path());
    let o = run(
        repo.path(),
        &["commit", "-q", "-m", "notes", "--", "CLAUDE.md"],
        &[],
    );
    assert_refused(&o, &["path `CLAUDE.md`"]);
    assert_eq!(head(repo.path()), before);
}

#[test]
fn refuses_a_commit_authored_as_claude() {
    let repo = hooked();
    repo.write("x.txt", "x\n");
    assert_ok(&run(repo.path(), &["add", "x.txt"], &[]));
    let before = head(repo.path());
    let o = run(
        repo.path(),
        &[
            "commit",
            "-q",
            "-m",
            "x",
            "--author=Claude <noreply@anthropic.com>",
        ],
        &[],
    );
    assert_refused(
        &o,
        &["author `Claude <noreply@anthropic.com>`", "user.email"],
    );
    assert_eq!(head(repo.path()), before);
}

#[test]
fn hooks_work_in_a_linked_worktree() {
    let repo = hooked();
    let parent = tempfile::tempdir().expect("tempdir");
    let wt = parent.path().join("wt");
    let wt_arg = wt.display().to_string();
    assert_ok(&run(
        repo.path(),
        &["worktree", "add", "-q", "-b", "side", &wt_arg],
        &[],
    ));
    fs::write(wt.join("CLAUDE.md"), "x\n").unwrap();
    assert_ok(&run(&wt, &["add", "CLAUDE.md"], &[]));
    let o = run(&wt, &["commit", "-q", "-m", "notes"], &[]);
    assert_refused(&o, &["path `CLAUDE.md`"]);
    assert_eq!(rev(repo.path(), "side"), rev(repo.path(), "main"));
    // The linked worktree's own index is read: unstage there, commit something clean.
    assert_ok(&run(&wt, &["rm", "-q", "--cached", "CLAUDE.md"], &[]));
    fs::write(wt.join("ok.txt"), "ok\n").unwrap();
    assert_ok(&run(&wt, &["add", "ok.txt"], &[]));
    assert_ok(&run(&wt, &["commit", "-q", "-m", "ok"], &[]));
    assert!(tree_has(repo.path(), "side", "ok.txt"));
    assert!(!tree_has(repo.path(), "side", "CLAUDE.md"));
}

#[test]
fn pre_merge_commit_refuses_a_merge_bringing_claude_md() {
    let repo = hooked();
    assert_ok(&run(repo.path(), &["checkout", "-q", "-b", "side"], &[]));
    repo.write("CLAUDE.md", "x\n");
    assert_ok(&run(repo.path(), &["add", "CLAUDE.md"], &[]));
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--no-verify", "-m", "n"],
        &[],
    ));
    assert_ok(&run(repo.path(), &["checkout", "-q", "main"], &[]));
    let before = head(repo.path());
    let o = run(
        repo.path(),
        &["merge", "-q", "--no-ff", "--no-edit", "side"],
        &[],
    );
    assert_refused(&o, &["merge refused", "path `CLAUDE.md`"]);
    assert_eq!(head(repo.path()), before, "no merge commit was made");
}

#[test]
fn a_conflicted_merge_finished_with_git_commit_is_checked_by_pre_commit() {
    let repo = hooked();
    assert_ok(&run(repo.path(), &["checkout", "-q", "-b", "side"], &[]));
    repo.write("README.md", "side\n");
    repo.write(".claude/settings.json", "{}\n");
    assert_ok(&run(repo.path(), &["add", "-A"], &[]));
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--no-verify", "-m", "s"],
        &[],
    ));
    assert_ok(&run(repo.path(), &["checkout", "-q", "main"], &[]));
    repo.write("README.md", "main\n");
    assert_ok(&run(repo.path(), &["commit", "-q", "-am", "m"], &[]));
    let o = run(repo.path(), &["merge", "-q", "side"], &[]);
    assert!(
        !o.status.success(),
        "the merge should conflict: {}",
        describe(&o)
    );
    repo.write("README.md", "both\n");
    assert_ok(&run(repo.path(), &["add", "README.md"], &[]));
    let before = head(repo.path());
    let o = run(repo.path(), &["commit", "-q", "--no-edit"], &[]);
    assert_refused(&o, &["path `.claude/settings.json`"]);
    assert_eq!(head(repo.path()), before);
}

#[test]
fn hook_scripts_fall_back_to_the_installing_binary_and_fail_closed_without_one() {
    let repo = hooked();
    repo.write("CLAUDE.md", "x\n");
    assert_ok(&run(repo.path(), &["add", "CLAUDE.md"], &[]));
    // aigate is not on this PATH: the script runs the binary that installed it.
    let o = run(
        repo.path(),
        &["commit", "-q", "-m", "x"],
        &[("PATH", "/usr/local/bin:/usr/bin:/bin")],
    );
    assert_refused(&o, &["path `CLAUDE.md`"]);
    // Neither on PATH nor where it was installed from: the commit stops and says why.
    let script = repo.path().join(".git/hooks/pre-commit");
    let text = fs::read_to_string(&script).unwrap();
    let recorded = env!("CARGO_BIN_EXE_aigate");
    // Quoted only when the path needs it.
    assert!(
        text.contains(&format!("aigate_recorded={recorded}\n"))
            || text.contains(&format!("aigate_recorded='{recorded}'")),
        "{text}"
    );
    fs::write(&script, text.replace(recorded, "/nonexistent/aigate")).unwrap();
    let o = run(
        repo.path(),
        &["commit", "-q", "-m", "x"],
        &[("PATH", "/usr/local/bin:/usr/bin:/bin")],
    );
    assert!(!o.status.success(), "{}", describe(&o));
    assert!(
        stderr(&o).contains("cannot find the aigate binary"),
        "{}",
        describe(&o)
    );
}

#[test]
fn a_hook_takes_an_explicit_policy_file() {
    let repo = hooked();
    let policy = repo.path().join(".git/team-policy.toml");
    fs::write(&policy, "[policy]\ndeny = [\"cursor\"]\n").unwrap();
    repo.write("CLAUDE.md", "x\n");
    assert_ok(&run(repo.path(), &["add", "CLAUDE.md"], &[]));
    let config = policy.display().to_string();
    let o = aigate_with(
        repo.path(),
        &["hook", "pre-commit", "--config", &config],
        &[],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    let o = aigate_with(repo.path(), &["hook", "pre-commit"], &[], "");
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(stderr(&o).contains("path `CLAUDE.md`"), "{}", describe(&o));
}

/// The cache-tree walk reads HEAD's tree once per directory and looks each child up in it
/// (regression guard for that change): a marker beside many unchanged directories is found.
#[test]
fn finds_a_marker_staged_beside_many_unchanged_directories() {
    let repo = TestRepo::init();
    for d in 0..12 {
        repo.write(&format!("src/m{d}/lib.rs"), "x\n");
    }
    assert_ok(&run(repo.path(), &["add", "-A"], &[]));
    assert_ok(&run(repo.path(), &["commit", "-q", "-m", "base"], &[]));
    repo.write("src/m7/.claude/settings.json", "{}\n");
    repo.write("src/m3/lib.rs", "y\n");
    assert_ok(&run(repo.path(), &["add", "-A"], &[]));
    // Writes the cache-tree of the unchanged directories, as `git commit` would.
    assert_ok(&run(repo.path(), &["write-tree"], &[]));
    let o = aigate_with(repo.path(), &["hook", "pre-commit"], &[], "");
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(
        stderr(&o).contains("path `src/m7/.claude/settings.json`"),
        "{}",
        describe(&o)
    );
}

/// The index is read without checking its checksum, as git reads it: a file that is not an
/// index at all is still a one-line error, never a crash or a pass.
#[test]
fn a_garbage_index_is_a_one_line_error() {
    let repo = TestRepo::init();
    repo.write("a.txt", "x\n");
    assert_ok(&run(repo.path(), &["add", "a.txt"], &[]));
    assert_ok(&run(repo.path(), &["commit", "-q", "-m", "base"], &[]));
    fs::write(repo.path().join(".git/index"), "not an index\n").unwrap();
    let o = aigate_with(repo.path(), &["hook", "pre-commit"], &[], "");
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    let err = stderr(&o);
    assert!(err.contains("reading the index"), "{}", describe(&o));
    assert!(!err.contains("panicked"), "{}", describe(&o));
}

// ---------------------------------------------------------------- commit-msg

#[test]
fn refuses_a_claude_trailer_in_a_dash_m_message() {
    let repo = hooked();
    let before = head(repo.path());
    let msg = format!("Fix parser\n\n{CLAUDE_TRAILER}\n");
    let o = run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", &msg],
        &[],
    );
    assert_refused(
        &o,
        &[
            &format!("message line `{CLAUDE_TRAILER}`"),
            "delete that line",
            "git commit -e -v -F .git/COMMIT_EDITMSG",
        ],
    );
    assert_eq!(head(repo.path()), before);
}

#[test]
fn accepts_a_verbose_commit_whose_diff_below_the_scissors_holds_a_trailer() {
    let repo = hooked();
    repo.write(
        "CONTRIBUTING.md",
        // Both lines reach the editor as `+` lines of the diff; the second matches a rule even
        // there (the `generated with` rule allows leading punctuation).
        format!(
            "Never write:\n{CLAUDE_TRAILER}\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n"
        ),
    );
    assert_ok(&run(repo.path(), &["add", "CONTRIBUTING.md"], &[]));
    let ed = editor(
        &repo,
        r#"grep -q '^# ------------------------ >8 ------------------------$' "$1"
grep -q '^+Co-Authored-By: Claude <noreply@anthropic.com>$' "$1"
{ echo 'Document trailers'; cat "$1"; } > "$1.new"; mv "$1.new" "$1""#,
    );
    let o = run(repo.path(), &["commit", "-q", "-v"], &[("GIT_EDITOR", &ed)]);
    assert_ok(&o);
    assert_eq!(message(repo.path(), "HEAD"), "Document trailers\n\n");
    assert!(tree_has(repo.path(), "HEAD", "CONTRIBUTING.md"));
}

#[test]
fn refuses_a_verbose_commit_whose_message_above_the_scissors_holds_a_trailer() {
    let repo = hooked();
    repo.write("b.txt", "b\n");
    assert_ok(&run(repo.path(), &["add", "b.txt"], &[]));
    let ed = editor(
        &repo,
        &format!(
            r#"{{ printf 'Add b\n\n{CLAUDE_TRAILER}\n'; cat "$1"; }} > "$1.new"; mv "$1.new" "$1""#
        ),
    );
    let before = head(repo.path());
    let o = run(repo.path(), &["commit", "-q", "-v"], &[("GIT_EDITOR", &ed)]);
    assert_refused(&o, &[&format!("message line `{CLAUDE_TRAILER}`")]);
    assert_eq!(head(repo.path()), before);
}

#[test]
fn the_suggested_fix_for_a_refused_verbose_message_works() {
    let repo = hooked();
    repo.write("b.txt", "b\n");
    assert_ok(&run(repo.path(), &["add", "b.txt"], &[]));
    let ed = editor(
        &repo,
        &format!(
            r#"{{ printf 'Add b\n\n{CLAUDE_TRAILER}\n'; cat "$1"; }} > "$1.new"; mv "$1.new" "$1""#
        ),
    );
    let o = run(repo.path(), &["commit", "-q", "-v"], &[("GIT_EDITOR", &ed)]);
    assert_refused(&o, &["git commit -e -v -F .git/COMMIT_EDITMSG"]);
    // What the report says to do: edit the kept message, commit again with it.
    let ed = editor(&repo, r#"sed -i '/^Co-Authored-By/d' "$1""#);
    let o = run(
        repo.path(),
        &["commit", "-q", "-e", "-v", "-F", ".git/COMMIT_EDITMSG"],
        &[("GIT_EDITOR", &ed)],
    );
    assert_ok(&o);
    assert_eq!(message(repo.path(), "HEAD"), "Add b\n\n");
    assert!(tree_has(repo.path(), "HEAD", "b.txt"));
}

#[test]
fn comment_lines_are_dropped_with_the_configured_comment_char() {
    let repo = hooked();
    assert_ok(&run(repo.path(), &["config", "core.commentChar", ";"], &[]));
    // `;` lines are comments git drops: not part of the message.
    let ed = editor(
        &repo,
        r#"printf 'Add c\n; Generated with [Claude Code](https://claude.com/claude-code)\n' > "$1""#,
    );
    let o = run(
        repo.path(),
        &["commit", "-q", "--allow-empty"],
        &[("GIT_EDITOR", &ed)],
    );
    assert_ok(&o);
    assert_eq!(message(repo.path(), "HEAD"), "Add c\n\n");
    // A `#` line is not a comment when the comment char is `;`: git keeps it.
    let ed = editor(
        &repo,
        r#"printf 'Add d\n# Generated with [Claude Code](https://claude.com/claude-code)\n' > "$1""#,
    );
    let before = head(repo.path());
    let o = run(
        repo.path(),
        &["commit", "-q", "--allow-empty"],
        &[("GIT_EDITOR", &ed)],
    );
    assert_refused(&o, &["Generated with [Claude Code]"]);
    assert_eq!(head(repo.path()), before);
}

#[test]
fn default_comment_lines_are_not_part_of_an_edited_message() {
    let repo = hooked();
    let ed = editor(
        &repo,
        r#"printf 'Add e\n# Generated with [Claude Code](https://claude.com/claude-code)\n' > "$1""#,
    );
    let o = run(
        repo.path(),
        &["commit", "-q", "--allow-empty"],
        &[("GIT_EDITOR", &ed)],
    );
    assert_ok(&o);
    assert_eq!(message(repo.path(), "HEAD"), "Add e\n\n");
}

#[test]
fn auto_comment_char_keeps_a_hash_line_git_keeps() {
    let repo = hooked();
    assert_ok(&run(
        repo.path(),
        &["config", "core.commentChar", "auto"],
        &[],
    ));
    // The message starts with `#`, so git comments with another character and keeps it.
    let msg = "# Generated with Claude Code";
    let before = head(repo.path());
    let o = run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-e", "-m", msg],
        &[("GIT_EDITOR", "true")],
    );
    assert_refused(&o, &["Generated with Claude Code"]);
    assert_eq!(head(repo.path()), before);
    // And the comments it wrote with that character are still dropped.
    let o = run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-e", "-m", "#42 fixed"],
        &[("GIT_EDITOR", "true")],
    );
    assert_ok(&o);
    assert_eq!(message(repo.path(), "HEAD"), "#42 fixed\n\n");
}

#[test]
fn a_policy_denying_claude_code_lets_a_copilot_trailer_through() {
    let repo = hooked();
    repo.write(".aigate.toml", "[policy]\ndeny = [\"claude-code\"]\n");
    assert_ok(&run(repo.path(), &["add", ".aigate.toml"], &[]));
    assert_ok(&run(repo.path(), &["commit", "-q", "-m", "policy"], &[]));
    let msg = format!("Tidy\n\n{COPILOT_TRAILER}\n");
    let o = run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", &msg],
        &[],
    );
    assert_ok(&o);
    assert!(message(repo.path(), "HEAD").contains(COPILOT_TRAILER));
    let msg = format!("Tidy\n\n{CLAUDE_TRAILER}\n");
    let before = head(repo.path());
    let o = run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", &msg],
        &[],
    );
    assert_refused(&o, &["Claude Code (claude-code)", "policy: `"]);
    assert_eq!(head(repo.path()), before);
}

#[test]
fn a_warned_assistant_is_reported_and_the_commit_goes_through() {
    let repo = hooked();
    repo.write(
        ".aigate.toml",
        "[policy]\ndeny = []\nwarn = [\"claude-code\"]\n",
    );
    repo.write("CLAUDE.md", "x\n");
    assert_ok(&run(repo.path(), &["add", "-A"], &[]));
    let o = run(repo.path(), &["commit", "-q", "-m", "notes"], &[]);
    assert_ok(&o);
    let err = stderr(&o);
    assert!(err.contains("aigate: warning:"), "{err}");
    assert!(err.contains("warn: path `CLAUDE.md`"), "{err}");
    assert!(tree_has(repo.path(), "HEAD", "CLAUDE.md"));
}

#[test]
fn a_broken_policy_is_an_error_with_status_2() {
    let repo = hooked();
    repo.write(".aigate.toml", "[policy]\ndeny = [\"claud-code\"]\n");
    let o = aigate_with(repo.path(), &["hook", "pre-commit"], &[], "");
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    assert!(
        stderr(&o).starts_with("aigate: error: "),
        "{}",
        describe(&o)
    );
    assert!(stderr(&o).contains("unknown assistant `claud-code`"));
}

#[test]
fn a_missing_message_file_is_a_one_line_error_with_status_2() {
    let repo = hooked();
    let o = aigate_with(
        repo.path(),
        &["hook", "commit-msg", "no/such/COMMIT_EDITMSG"],
        &[],
        "",
    );
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", describe(&o));
    assert!(
        stderr(&o).starts_with("aigate: error: cannot read `no/such/COMMIT_EDITMSG`"),
        "{}",
        describe(&o)
    );
}

// ---------------------------------------------------------------- install

#[test]
fn core_hooks_path_is_honoured() {
    let repo = TestRepo::init();
    assert_ok(&run(
        repo.path(),
        &["config", "core.hooksPath", "tools/hooks"],
        &[],
    ));
    let o = install(repo.path(), &[]);
    assert!(stdout(&o).contains("tools/hooks"), "{}", describe(&o));
    assert!(repo.path().join("tools/hooks/pre-commit").is_file());
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
    repo.write("CLAUDE.md", "x\n");
    assert_ok(&run(repo.path(), &["add", "CLAUDE.md"], &[]));
    let o = run(repo.path(), &["commit", "-q", "-m", "x"], &[]);
    assert_refused(&o, &["path `CLAUDE.md`"]);
}

#[test]
fn an_existing_hook_still_runs_after_install_and_its_refusal_stands() {
    let repo = TestRepo::init();
    let hooks = repo.path().join(".git/hooks");
    let ran = repo.path().join(".git/existing-ran");
    write_hook(
        &hooks,
        "pre-commit",
        &format!(
            "#!/bin/sh\necho ran >> '{}'\n[ ! -e block ]\n",
            ran.display()
        ),
    );
    let o = install(repo.path(), &[]);
    assert!(
        stdout(&o).contains("pre-commit.aigate-chained"),
        "{}",
        describe(&o)
    );
    repo.write("a.txt", "a\n");
    assert_ok(&run(repo.path(), &["add", "a.txt"], &[]));
    assert_ok(&run(repo.path(), &["commit", "-q", "-m", "a"], &[]));
    assert_eq!(fs::read_to_string(&ran).unwrap(), "ran\n");
    // aigate still checks after the existing hook passed...
    repo.write("CLAUDE.md", "x\n");
    assert_ok(&run(repo.path(), &["add", "CLAUDE.md"], &[]));
    assert_refused(
        &run(repo.path(), &["commit", "-q", "-m", "x"], &[]),
        &["CLAUDE.md"],
    );
    assert_eq!(fs::read_to_string(&ran).unwrap(), "ran\nran\n");
    // ...and a refusal of the existing hook stops the commit before aigate runs.
    assert_ok(&run(
        repo.path(),
        &["rm", "-q", "--cached", "CLAUDE.md"],
        &[],
    ));
    repo.write("block", "");
    let before = head(repo.path());
    let o = run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "y"],
        &[],
    );
    assert!(!o.status.success(), "{}", describe(&o));
    assert_eq!(head(repo.path()), before);
}

#[test]
fn installing_twice_changes_nothing() {
    let repo = TestRepo::init();
    write_hook(
        &repo.path().join(".git/hooks"),
        "commit-msg",
        "#!/bin/sh\nexit 0\n",
    );
    install(repo.path(), &[]);
    let snapshot = |dir: &Path| {
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let hooks = repo.path().join(".git/hooks");
    let first = snapshot(&hooks);
    let o = install(repo.path(), &[]);
    assert_eq!(snapshot(&hooks), first);
    assert_eq!(
        stdout(&o).matches("already installed").count(),
        5,
        "{}",
        describe(&o)
    );
}

#[test]
fn uninstall_removes_what_install_added_and_restores_a_chained_hook() {
    let repo = TestRepo::init();
    let hooks = repo.path().join(".git/hooks");
    let list = |dir: &Path| {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let original = "#!/bin/sh\n# another tool\nexit 0\n";
    write_hook(&hooks, "pre-push", original);
    let before = list(&hooks);
    install(repo.path(), &[]);
    assert!(fs::read_to_string(hooks.join("pre-push"))
        .unwrap()
        .contains("aigate-managed-hook"));
    let o = aigate_with(repo.path(), &["uninstall"], &[], "");
    assert_ok(&o);
    assert_eq!(list(&hooks), before);
    assert_eq!(
        fs::read_to_string(hooks.join("pre-push")).unwrap(),
        original
    );
}

#[test]
fn install_picks_hooks_and_refuses_two_foreign_hooks_unless_forced() {
    let repo = TestRepo::init();
    let hooks = repo.path().join(".git/hooks");
    install(repo.path(), &["--hooks", "commit-msg"]);
    assert!(hooks.join("commit-msg").is_file());
    assert!(!hooks.join("pre-commit").exists());

    write_hook(&hooks, "pre-commit", "#!/bin/sh\n# new tool\n");
    write_hook(
        &hooks,
        "pre-commit.aigate-chained",
        "#!/bin/sh\n# old tool\n",
    );
    let o = aigate_with(repo.path(), &["install", "--hooks", "pre-commit"], &[], "");
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    assert!(stderr(&o).contains("--force"), "{}", describe(&o));
    assert_eq!(
        fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        "#!/bin/sh\n# new tool\n"
    );

    install(repo.path(), &["--hooks", "pre-commit", "--force"]);
    assert_eq!(
        fs::read_to_string(hooks.join("pre-commit.aigate-chained")).unwrap(),
        "#!/bin/sh\n# new tool\n"
    );
    assert!(fs::read_to_string(hooks.join("pre-commit"))
        .unwrap()
        .contains("aigate-managed-hook"));
}

// ---------------------------------------------------------------- pre-push

/// A hooked repository with a bare `origin` holding its first commit.
fn with_origin() -> (TestRepo, TestRepo) {
    let repo = hooked();
    let bare = TestRepo::init_bare();
    let url = bare.path().display().to_string();
    assert_ok(&run(repo.path(), &["remote", "add", "origin", &url], &[]));
    assert_ok(&run(repo.path(), &["push", "-q", "origin", "main"], &[]));
    (repo, bare)
}

#[test]
fn refuses_a_push_of_a_commit_made_past_the_local_hooks() {
    let (repo, bare) = with_origin();
    // `--no-verify` no longer gets a marked message past prepare-commit-msg: the commit is
    // made with no hooks at all, as another clone or a tool would make it.
    let pushed = rev(bare.path(), "main");
    let msg = format!("Refactor\n\n{CLAUDE_TRAILER}\n");
    assert_ok(&run(
        repo.path(),
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &msg,
        ],
        &[],
    ));
    let bad = head(repo.path());
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "later"],
        &[],
    ));
    let o = run(repo.path(), &["push", "-q", "origin", "main"], &[]);
    assert_refused(
        &o,
        &[
            "push refused: what it would send (2 commits)",
            &format!("commit {} 2026-01-01 Refactor", &bad[..12]),
            CLAUDE_TRAILER,
            "git rebase -i",
        ],
    );
    assert_eq!(rev(bare.path(), "main"), pushed, "the remote did not move");
}

#[test]
fn a_clean_push_goes_through_and_only_new_commits_are_checked() {
    let (repo, bare) = with_origin();
    // An old marker commit already on the remote is not re-checked.
    repo.write("CLAUDE.md", "x\n");
    assert_ok(&run(repo.path(), &["add", "CLAUDE.md"], &[]));
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--no-verify", "-m", "old"],
        &[],
    ));
    assert_ok(&run(
        repo.path(),
        &["push", "-q", "--no-verify", "origin", "main"],
        &[],
    ));
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "clean"],
        &[],
    ));
    let o = run(repo.path(), &["push", "-q", "origin", "main"], &[]);
    assert_ok(&o);
    assert!(stderr(&o).is_empty(), "{}", describe(&o));
    assert_eq!(rev(bare.path(), "main"), head(repo.path()));
    // A new branch is checked against the remote's branches, not its whole history.
    assert_ok(&run(repo.path(), &["checkout", "-q", "-b", "topic"], &[]));
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "t"],
        &[],
    ));
    assert_ok(&run(repo.path(), &["push", "-q", "origin", "topic"], &[]));
    assert_eq!(rev(bare.path(), "topic"), head(repo.path()));
}

#[test]
fn refuses_a_new_branch_bringing_a_marker_file() {
    let (repo, bare) = with_origin();
    assert_ok(&run(repo.path(), &["checkout", "-q", "-b", "agent"], &[]));
    repo.write(".cursorrules", "be brief\n");
    assert_ok(&run(repo.path(), &["add", ".cursorrules"], &[]));
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--no-verify", "-m", "rules"],
        &[],
    ));
    let o = run(repo.path(), &["push", "-q", "origin", "agent"], &[]);
    assert_refused(&o, &["path `.cursorrules`", "(1 commit)"]);
    assert_eq!(rev(bare.path(), "agent"), "", "the branch was not created");
}

#[test]
fn refuses_a_pushed_annotated_tag_whose_message_carries_a_trailer() {
    let (repo, bare) = with_origin();
    let msg = format!("Release 1.0\n\n{CLAUDE_TRAILER}\n");
    assert_ok(&run(repo.path(), &["tag", "-a", "v1.0", "-m", &msg], &[]));
    let o = run(repo.path(), &["push", "-q", "origin", "v1.0"], &[]);
    assert_refused(&o, &["tag refs/tags/v1.0", CLAUDE_TRAILER]);
    assert_eq!(rev(bare.path(), "v1.0"), "");
    // A clean annotated tag on the same commit is peeled and goes through.
    assert_ok(&run(
        repo.path(),
        &["tag", "-a", "v1.1", "-m", "Release 1.1"],
        &[],
    ));
    assert_ok(&run(repo.path(), &["push", "-q", "origin", "v1.1"], &[]));
    assert_eq!(rev(bare.path(), "v1.1"), rev(repo.path(), "v1.1"));
}

#[test]
fn deleting_a_remote_branch_passes() {
    let (repo, bare) = with_origin();
    assert_ok(&run(repo.path(), &["checkout", "-q", "-b", "bad"], &[]));
    let msg = format!("x\n\n{CLAUDE_TRAILER}\n");
    assert_ok(&run(
        repo.path(),
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &msg,
        ],
        &[],
    ));
    assert_ok(&run(
        repo.path(),
        &["push", "-q", "--no-verify", "origin", "bad"],
        &[],
    ));
    let o = run(
        repo.path(),
        &["push", "-q", "origin", "--delete", "bad"],
        &[],
    );
    assert_ok(&o);
    assert_eq!(rev(bare.path(), "bad"), "");
}

#[test]
fn pre_push_input_edge_cases() {
    let (repo, _bare) = with_origin();
    let msg = format!("x\n\n{CLAUDE_TRAILER}\n");
    assert_ok(&run(
        repo.path(),
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &msg,
        ],
        &[],
    ));
    let bad = head(repo.path());
    let z40 = "0".repeat(40);
    let z64 = "0".repeat(64);
    let hook = |stdin: &str| {
        aigate_with(
            repo.path(),
            &["hook", "pre-push", "origin", "url"],
            &[],
            stdin,
        )
    };

    // A deletion with a 64-digit zero id (SHA-256 repositories) sends nothing.
    let o = hook(&format!("(delete) {z64} refs/heads/x {bad}\n"));
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));

    // A remote id unknown here falls back to the remote-tracking branches: one commit.
    let unknown = "1234567890123456789012345678901234567890";
    let o = hook(&format!(
        "refs/heads/main {bad} refs/heads/main {unknown}\n"
    ));
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(stderr(&o).contains("(1 commit)"), "{}", describe(&o));

    // Two refs sharing the commit: one walk, one finding.
    let o = hook(&format!(
        "refs/heads/main {bad} refs/heads/main {z40}\nrefs/heads/main {bad} refs/heads/copy {z40}\n"
    ));
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert_eq!(
        stderr(&o).matches(CLAUDE_TRAILER).count(),
        1,
        "{}",
        describe(&o)
    );

    // The pre-commit framework's variables replace stdin.
    let base = rev(repo.path(), "HEAD^");
    let o = aigate_with(
        repo.path(),
        &["hook", "pre-push"],
        &[
            ("PRE_COMMIT_REMOTE_NAME", "origin"),
            ("PRE_COMMIT_FROM_REF", &base),
            ("PRE_COMMIT_TO_REF", &bad),
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(stderr(&o).contains(&bad[..12]), "{}", describe(&o));

    // pre-commit's variables for a branch that brings its root commit: no range, the branch.
    let o = aigate_with(
        repo.path(),
        &["hook", "pre-push"],
        &[
            ("PRE_COMMIT_REMOTE_NAME", "origin"),
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main"),
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(stderr(&o).contains("(1 commit)"), "{}", describe(&o));

    // Malformed input is an error, not a pass.
    let o = hook("garbage\n");
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
}

#[test]
fn an_existing_pre_push_hook_gets_the_same_stdin_as_aigate() {
    let repo = hooked();
    let bare = TestRepo::init_bare();
    let url = bare.path().display().to_string();
    assert_ok(&run(repo.path(), &["remote", "add", "origin", &url], &[]));
    let seen = repo.path().join(".git/existing-stdin");
    // Installed over an existing hook: uninstall, add a foreign hook, install again.
    assert_ok(&aigate_with(repo.path(), &["uninstall"], &[], ""));
    write_hook(
        &repo.path().join(".git/hooks"),
        "pre-push",
        &format!("#!/bin/sh\ncat > '{}'\n", seen.display()),
    );
    install(repo.path(), &[]);
    let msg = format!("x\n\n{CLAUDE_TRAILER}\n");
    assert_ok(&run(
        repo.path(),
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &msg,
        ],
        &[],
    ));
    let o = run(repo.path(), &["push", "-q", "origin", "main"], &[]);
    assert_refused(&o, &[CLAUDE_TRAILER]);
    let got = fs::read_to_string(&seen).unwrap();
    assert!(
        got.starts_with(&format!(
            "refs/heads/main {} refs/heads/main ",
            head(repo.path())
        )),
        "{got:?}"
    );
    assert_eq!(rev(bare.path(), "main"), "");
}

// ------------------------------------------------- prepare-commit-msg and agent sessions

#[test]
fn no_verify_does_not_get_a_marked_dash_m_message_past_prepare_commit_msg() {
    let repo = hooked();
    let before = head(repo.path());
    let msg = format!("Refactor\n\n{CLAUDE_TRAILER}\n");
    for extra in [&[][..], &["--no-verify"][..]] {
        let mut args = vec!["commit", "-q", "--allow-empty", "-m", &msg];
        args.extend_from_slice(extra);
        let o = run(repo.path(), &args, &[]);
        assert_refused(&o, &["commit refused: its message", CLAUDE_TRAILER]);
        assert_eq!(head(repo.path()), before, "no commit was made ({extra:?})");
    }
    // The same through `-F`.
    let file = repo.path().join(".git/msg.txt");
    fs::write(&file, &msg).unwrap();
    let f = file.display().to_string();
    let o = run(
        repo.path(),
        &["commit", "-q", "--no-verify", "--allow-empty", "-F", &f],
        &[],
    );
    assert_refused(&o, &[CLAUDE_TRAILER]);
    assert_eq!(head(repo.path()), before);
}

#[test]
fn no_verify_with_a_clean_message_still_commits() {
    let repo = hooked();
    let o = run(
        repo.path(),
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            "Plain",
        ],
        &[],
    );
    assert_ok(&o);
    assert_eq!(message(repo.path(), "HEAD").trim_end(), "Plain");
}

#[test]
fn a_merge_under_no_verify_is_checked_by_prepare_commit_msg() {
    let repo = hooked();
    assert_ok(&run(repo.path(), &["checkout", "-q", "-b", "topic"], &[]));
    repo.write("t.txt", "t\n");
    assert_ok(&run(repo.path(), &["add", "t.txt"], &[]));
    assert_ok(&run(repo.path(), &["commit", "-q", "-m", "topic"], &[]));
    assert_ok(&run(repo.path(), &["checkout", "-q", "main"], &[]));
    repo.write("m.txt", "m\n");
    assert_ok(&run(repo.path(), &["add", "m.txt"], &[]));
    assert_ok(&run(repo.path(), &["commit", "-q", "-m", "main"], &[]));
    let before = head(repo.path());
    let msg = format!("Merge topic\n\n{CLAUDE_TRAILER}\n");
    let o = run(
        repo.path(),
        &["merge", "-q", "--no-verify", "--no-ff", "-m", &msg, "topic"],
        &[],
    );
    assert_refused(&o, &[CLAUDE_TRAILER]);
    assert_eq!(head(repo.path()), before);
}

#[test]
fn a_commit_inside_a_claude_code_session_is_refused_with_and_without_no_verify() {
    let repo = hooked();
    let before = head(repo.path());
    let session = [("CLAUDECODE", "1")];
    for args in [
        &["commit", "-q", "--allow-empty", "-m", "Plain"][..],
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            "Plain",
        ][..],
    ] {
        let o = run(repo.path(), args, &session);
        assert_refused(
            &o,
            &[
                "the AI assistant's session it is made in",
                "environment `CLAUDECODE=1`",
                "claude-code-session-env",
                "commit and push from your own shell",
            ],
        );
        assert_eq!(head(repo.path()), before, "no commit was made ({args:?})");
    }
    // The newer variable alone, under --no-verify, is refused too.
    let o = run(
        repo.path(),
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            "Plain",
        ],
        &[("CLAUDE_CODE_CHILD_SESSION", "1")],
    );
    assert_refused(&o, &["environment `CLAUDE_CODE_CHILD_SESSION=1`"]);
    // Unset, or set to a false-like value, the same commits go through.
    for env in [&[][..], &[("CLAUDECODE", "0")][..]] {
        let o = run(
            repo.path(),
            &[
                "commit",
                "-q",
                "--no-verify",
                "--allow-empty",
                "-m",
                "Plain",
            ],
            env,
        );
        assert_ok(&o);
    }
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "Plain again"],
        &[],
    ));
}

#[test]
fn sessions_of_other_assistants_are_recognised_by_their_variables() {
    let repo = hooked();
    for (name, value, rule) in [
        ("CODEX_SANDBOX_NETWORK_DISABLED", "1", "codex-session-env"),
        ("CURSOR_AGENT", "1", "cursor-session-env"),
        ("GEMINI_CLI", "1", "gemini-cli-session-env"),
        ("OPENCODE", "1", "opencode-session-env"),
        ("AI_AGENT", "some-agent", "ai-agent-session-env"),
    ] {
        let o = run(
            repo.path(),
            &[
                "commit",
                "-q",
                "--no-verify",
                "--allow-empty",
                "-m",
                "Plain",
            ],
            &[(name, value)],
        );
        assert_refused(&o, &[&format!("environment `{name}={value}`"), rule]);
    }
}

#[test]
fn a_policy_allowing_the_assistant_lets_its_session_commit() {
    let repo = hooked();
    repo.write(".aigate.toml", "[policy]\nallow = [\"claude-code\"]\n");
    let o = run(
        repo.path(),
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            "Plain",
        ],
        &[("CLAUDECODE", "1")],
    );
    assert_ok(&o);
}

#[test]
fn a_push_from_inside_a_session_is_refused() {
    let (repo, bare) = with_origin();
    let pushed = rev(bare.path(), "main");
    assert_ok(&run(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "Plain"],
        &[],
    ));
    let o = run(
        repo.path(),
        &["push", "-q", "origin", "main"],
        &[("CURSOR_AGENT", "1")],
    );
    assert_refused(
        &o,
        &[
            "push refused: the AI assistant's session it is made from",
            "environment `CURSOR_AGENT=1`",
        ],
    );
    assert!(
        !stderr(&o).contains("made without the local hooks"),
        "no commit is at fault: {}",
        describe(&o)
    );
    assert_eq!(rev(bare.path(), "main"), pushed);
    assert_ok(&run(repo.path(), &["push", "-q", "origin", "main"], &[]));
}

/// A policy switching on the opt-in ref rules the way a team would before `enable = [...]`
/// exists: the same globs as custom rules of the assistants.
const BRANCH_POLICY: &str = "[[rule]]\nid = \"team-claude-branch\"\nassistant = \"claude-code\"\nkind = \"ref\"\nrefs = [\"refs/heads/claude/**\"]\n";

#[test]
fn agent_branch_names_are_off_by_default_and_refused_once_enabled() {
    let (repo, bare) = with_origin();
    assert_ok(&run(
        repo.path(),
        &["push", "-q", "origin", "main:refs/heads/claude/fix-login"],
        &[],
    ));
    assert_eq!(
        rev(bare.path(), "claude/fix-login"),
        rev(bare.path(), "main")
    );
    repo.write(".aigate.toml", BRANCH_POLICY);
    assert_ok(&run(repo.path(), &["add", ".aigate.toml"], &[]));
    assert_ok(&run(repo.path(), &["commit", "-q", "-m", "policy"], &[]));
    let o = run(
        repo.path(),
        &["push", "-q", "origin", "main:refs/heads/claude/other"],
        &[],
    );
    assert_refused(
        &o,
        &[
            "push refused: the names of the refs it writes",
            "ref `refs/heads/claude/other`",
            "team-claude-branch",
            "push under another ref name",
        ],
    );
    assert_eq!(rev(bare.path(), "claude/other"), "");
    // Deleting such a branch writes no name and passes.
    let o = run(
        repo.path(),
        &["push", "-q", "origin", "--delete", "claude/fix-login"],
        &[],
    );
    assert_ok(&o);
    assert_ok(&run(repo.path(), &["push", "-q", "origin", "main"], &[]));
}

#[test]
fn rewording_marked_commits_in_an_interactive_rebase_goes_through() {
    let repo = hooked();
    for name in ["a", "b"] {
        repo.write(name, "x\n");
        assert_ok(&run(repo.path(), &["add", name], &[]));
        let msg = format!("Add {name}\n\n{CLAUDE_TRAILER}\n");
        // Made past every hook, as history from before the hooks was.
        assert_ok(&run(
            repo.path(),
            &["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", &msg],
            &[],
        ));
    }
    // A cherry-pick of a marked commit makes a new one: refused.
    assert_ok(&run(
        repo.path(),
        &["checkout", "-q", "-b", "side", "HEAD~2"],
        &[],
    ));
    let o = run(repo.path(), &["cherry-pick", "main"], &[]);
    assert_refused(&o, &[CLAUDE_TRAILER]);
    assert_ok(&run(repo.path(), &["cherry-pick", "--abort"], &[]));
    assert_ok(&run(repo.path(), &["checkout", "-q", "main"], &[]));
    // The documented fix: reword both, deleting the line in the editor.
    let ed = editor(&repo, r#"sed -i '/^Co-Authored-By/d' "$1""#);
    let o = run(
        repo.path(),
        &["rebase", "-q", "-i", "HEAD~2"],
        &[
            ("GIT_SEQUENCE_EDITOR", "sed -i s/^pick/reword/"),
            ("GIT_EDITOR", &ed),
        ],
    );
    assert_ok(&o);
    let log = run(repo.path(), &["log", "--format=%B", "-2"], &[]);
    assert!(!stdout(&log).contains("Co-Authored-By"), "{}", stdout(&log));
}
