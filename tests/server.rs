//! End-to-end tests of the server side: `aigate install --server` writes the pre-receive hook
//! of a bare repository, and the real `git push` (over `file://` and to a `git daemon` on
//! 127.0.0.1) is accepted or refused by it.

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{aigate, describe, git_command, TestRepo};
use serde_json::Value;

const CLAUDE_TRAILER: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";

/// A bare repository `srv.git` inside its own temporary directory (the base path a
/// `git daemon` exports), with aigate's pre-receive hook installed.
struct Server {
    root: tempfile::TempDir,
}

impl Server {
    /// A bare repository with the hook and a policy whose `[server]` table is
    /// `log = "decisions.jsonl"` followed by `server_body` (then `extra`, for other tables).
    #[track_caller]
    fn with_policy(server_body: &str, extra: &str) -> Server {
        let server = Server::bare(&[]);
        let policy = format!("{extra}\n[server]\nlog = \"decisions.jsonl\"\n{server_body}\n");
        std::fs::write(server.policy_path(), policy).unwrap();
        server.install(&["--config", server.policy_path().to_str().unwrap()]);
        server
    }

    /// The default policy (everything denied), decisions logged.
    #[track_caller]
    fn new() -> Server {
        Server::with_policy("", "")
    }

    /// A bare repository without a hook.
    #[track_caller]
    fn bare(init_args: &[&str]) -> Server {
        let root = tempfile::Builder::new()
            .prefix("aigate-server-")
            .tempdir()
            .unwrap();
        let out = git_command(root.path())
            .args(["init", "-q", "--bare", "-b", "main"])
            .args(init_args)
            .arg("srv.git")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", describe(&out));
        let server = Server { root };
        server.git(&["config", "receive.advertisePushOptions", "true"]);
        server
    }

    #[track_caller]
    fn install(&self, args: &[&str]) {
        let dir = self.git_dir();
        let mut all = vec!["install", "--server", "-C", dir.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = aigate(self.root.path(), &all);
        assert!(out.status.success(), "{}", describe(&out));
    }

    fn git_dir(&self) -> PathBuf {
        self.root.path().join("srv.git")
    }

    fn url(&self) -> String {
        format!("file://{}", self.git_dir().display())
    }

    fn policy_path(&self) -> PathBuf {
        self.root.path().join("policy.toml")
    }

    fn log_path(&self) -> PathBuf {
        self.root.path().join("decisions.jsonl")
    }

    /// Every line of the decision log, parsed; panics on a line that is not JSON.
    #[track_caller]
    fn decisions(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad log line ({e}): {l}")))
            .collect()
    }

    #[track_caller]
    fn last_decision(&self) -> Value {
        self.decisions().pop().expect("a decision was logged")
    }

    #[track_caller]
    fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args);
        assert!(out.status.success(), "git {args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    fn git_output(&self, args: &[&str]) -> Output {
        git_command(&self.git_dir()).args(args).output().unwrap()
    }

    /// The id a ref points to, or `None`.
    fn rev(&self, refname: &str) -> Option<String> {
        let out = self.git_output(&["rev-parse", "-q", "--verify", refname]);
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).unwrap().trim().to_owned())
    }

    fn has_object(&self, id: &str) -> bool {
        self.git_output(&["cat-file", "-e", id]).status.success()
    }

    /// Nothing of a refused push remains: `git fsck` is clean and no quarantine is left.
    ///
    /// Over `git daemon` the client's `git push` may return while the server's receive-pack
    /// is still removing its quarantine directory, so the check waits (up to a bounded
    /// deadline) for that clean-up to finish instead of looking once.
    #[track_caller]
    fn assert_intact(&self, refused: &[&str]) {
        let leftovers = self.wait_for_no_quarantine(Duration::from_secs(30));
        assert!(
            leftovers.is_empty(),
            "quarantine left behind: {leftovers:?}"
        );
        let fsck = self.git_output(&["fsck", "--strict"]);
        assert!(fsck.status.success(), "fsck: {}", describe(&fsck));
        for id in refused {
            assert!(!self.has_object(id), "object {id} of a refused push landed");
        }
    }

    /// Polls `objects/` until no `tmp_objdir-*` quarantine is there or `limit` has passed;
    /// returns what is left.
    fn wait_for_no_quarantine(&self, limit: Duration) -> Vec<PathBuf> {
        let deadline = Instant::now() + limit;
        loop {
            let leftovers: Vec<PathBuf> = std::fs::read_dir(self.git_dir().join("objects"))
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with("tmp_objdir"))
                .map(|e| e.path())
                .collect();
            if leftovers.is_empty() || Instant::now() >= deadline {
                return leftovers;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A client repository with one clean commit on `main`.
#[track_caller]
fn client() -> TestRepo {
    let repo = TestRepo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("Initial commit");
    repo
}

/// `git push <url> <args>` from `repo`, with `env` added to the clean environment.
fn push(repo: &TestRepo, url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    // Under a burst of connections `git daemon` may reset one before it reaches
    // receive-pack (no hook ran, nothing was decided); a client retries that, and so does
    // the test. A refusal by the hook is never retried.
    for attempt in 0.. {
        let mut cmd = git_command(repo.path());
        cmd.arg("push").arg(url).args(args).stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let transport = out.status.code() == Some(128)
            && !stderr.contains("remote:")
            && (stderr.contains("Connection reset") || stderr.contains("Connection refused"));
        if !transport || attempt == 5 {
            return out;
        }
        std::thread::sleep(std::time::Duration::from_millis(100 << attempt));
    }
    unreachable!()
}

#[track_caller]
fn assert_pushed(out: &Output) {
    assert!(out.status.success(), "push was refused: {}", describe(out));
}

#[track_caller]
fn assert_refused(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "push was accepted: {}",
        describe(out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("pre-receive hook declined"), "{stderr}");
    stderr
}

/// The `remote: ` lines of a push, without git's trailing padding.
fn remote_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("remote: "))
        .map(|l| l.trim_end().to_owned())
        .collect()
}

#[track_caller]
fn assert_line(lines: &[String], expected: &str) {
    assert!(
        lines.iter().any(|l| l == expected),
        "no remote line `{expected}` in:\n{}",
        lines.join("\n")
    );
}

/// Adds `CLAUDE.md` in a new commit; returns its id.
#[track_caller]
fn commit_claude_md(repo: &TestRepo) -> String {
    repo.write("CLAUDE.md", "# memory\n");
    repo.commit_all("Add project memory")
}

/// A `git daemon` serving `base` with receive-pack on 127.0.0.1, killed when dropped.
struct Daemon {
    child: Child,
    port: u16,
}

impl Daemon {
    #[track_caller]
    fn start(base: &Path) -> Daemon {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // `git daemon` would run `git-daemon` as its child, which killing `git` leaves
        // behind: start the daemon itself, so the guard below stops what listens.
        let exec_path = git_command(base).arg("--exec-path").output().unwrap();
        let exec_path = String::from_utf8(exec_path.stdout).unwrap();
        let mut cmd = Command::new(Path::new(exec_path.trim()).join("git-daemon"));
        let child = git_command_env(&mut cmd, base)
            .env_remove("GIT_DIR")
            // git-daemon's default limit is 32 clients, past which it kills one of its
            // children, a push mid-hook among them: the fifty-push test needs more.
            .args([
                "--reuseaddr",
                "--max-connections=128",
                "--enable=receive-pack",
                "--export-all",
                "--listen=127.0.0.1",
                &format!("--port={port}"),
                &format!("--base-path={}", base.display()),
                &base.display().to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start git daemon");
        let daemon = Daemon { child, port };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "git daemon did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        daemon
    }

    fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn flagged_push_over_file_url_is_refused_and_nothing_lands() {
    let server = Server::new();
    let repo = client();
    assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
    let before = server.rev("refs/heads/main");
    let flagged = commit_claude_md(&repo);

    let out = push(&repo, &server.url(), &["main"], &[]);
    let stderr = assert_refused(&out);
    assert!(stderr.contains("! [remote rejected] main -> main (pre-receive hook declined)"));
    let lines = remote_lines(&out);
    assert_line(
        &lines,
        &format!(
            "aigate: commit {} 2026-01-01 Add project memory",
            &flagged[..12]
        ),
    );
    assert_line(
        &lines,
        "aigate:   deny: path `CLAUDE.md` - Claude Code (claude-code) [claude-code-memory-file]",
    );
    assert_line(
        &lines,
        "aigate: push rejected: 1 commit(s) carry markers of AI assistants the server's policy denies",
    );
    assert!(
        lines.iter().any(|l| l.contains("git rebase -i")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("git commit --amend")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("git rm -r --")),
        "{lines:?}"
    );

    assert_eq!(server.rev("refs/heads/main"), before);
    server.assert_intact(&[&flagged]);
    let d = server.last_decision();
    assert_eq!(d["verdict"], "reject");
    assert_eq!(d["commits_checked"], 1);
    assert_eq!(d["findings"][0]["rule"], "claude-code-memory-file");
}

#[test]
fn clean_push_lands_and_is_logged() {
    let server = Server::new();
    let repo = client();
    repo.write("src/lib.rs", "fn main() {}\n");
    let tip = repo.commit_all("Add code");
    let out = push(&repo, &server.url(), &["main"], &[]);
    assert_pushed(&out);
    assert!(remote_lines(&out).is_empty(), "{}", describe(&out));
    assert_eq!(server.rev("refs/heads/main").as_deref(), Some(tip.as_str()));
    let d = server.last_decision();
    assert_eq!(d["verdict"], "accept");
    assert_eq!(d["commits_checked"], 2);
    assert_eq!(d["hook"], "pre-receive");
    assert_eq!(d["refs"][0]["ref"], "refs/heads/main");
    assert_eq!(d["refs"][0]["old"], "0".repeat(40));
    assert!(d["time"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn git_daemon_push_is_refused_when_flagged_and_lands_when_clean() {
    let server = Server::new();
    let daemon = Daemon::start(server.root.path());
    let url = daemon.url("srv.git");
    let repo = client();
    let clean = repo.commit_empty("Clean change");
    assert_pushed(&push(&repo, &url, &["main"], &[]));
    assert_eq!(
        server.rev("refs/heads/main").as_deref(),
        Some(clean.as_str())
    );

    let flagged = repo.commit_empty(&format!("Refactor\n\n{CLAUDE_TRAILER}"));
    let out = push(&repo, &url, &["main"], &[]);
    assert_refused(&out);
    let lines = remote_lines(&out);
    assert_line(
        &lines,
        &format!("aigate: commit {} 2026-01-01 Refactor", &flagged[..12]),
    );
    assert_line(
        &lines,
        &format!("aigate:   deny: message line `{CLAUDE_TRAILER}` - Claude Code (claude-code) [claude-code-identity]"),
    );
    assert_eq!(
        server.rev("refs/heads/main").as_deref(),
        Some(clean.as_str())
    );
    server.assert_intact(&[&flagged]);
}

#[test]
fn a_permissive_aigate_toml_in_the_pushed_tree_does_not_relax_the_server_policy() {
    let server = Server::new();
    let repo = client();
    assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
    repo.write(".aigate.toml", "[policy]\ndeny = []\n");
    repo.write("CLAUDE.md", "# memory\n");
    let flagged = repo.commit_all("Allow everything");
    let out = push(&repo, &server.url(), &["main"], &[]);
    assert_refused(&out);
    assert_line(
        &remote_lines(&out),
        "aigate:   deny: path `CLAUDE.md` - Claude Code (claude-code) [claude-code-memory-file]",
    );
    server.assert_intact(&[&flagged]);
}

#[test]
fn an_existing_commit_pushed_to_a_new_branch_is_not_rechecked() {
    // The flagged commit arrived before the hook was installed.
    let server = Server::bare(&[]);
    let repo = client();
    commit_claude_md(&repo);
    assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
    std::fs::write(
        server.policy_path(),
        "[server]\nlog = \"decisions.jsonl\"\n",
    )
    .unwrap();
    server.install(&["--config", server.policy_path().to_str().unwrap()]);

    assert_pushed(&push(&repo, &server.url(), &["main:refs/heads/copy"], &[]));
    assert_eq!(server.last_decision()["commits_checked"], 0);
    // A new commit on top of it is checked, and only it.
    repo.commit_empty("Follow-up");
    assert_pushed(&push(&repo, &server.url(), &["main:refs/heads/copy"], &[]));
    assert_eq!(server.last_decision()["commits_checked"], 1);
}

#[test]
fn two_refs_sharing_commits_are_checked_once() {
    let server = Server::new();
    let repo = client();
    repo.commit_empty("Second");
    repo.commit_empty("Third");
    repo.git(&["branch", "feature"]);
    repo.git(&["tag", "light"]);
    let out = push(&repo, &server.url(), &["main", "feature", "light"], &[]);
    assert_pushed(&out);
    let d = server.last_decision();
    assert_eq!(d["commits_checked"], 3, "{d}");
    assert_eq!(d["refs"].as_array().unwrap().len(), 3);
}

#[test]
fn a_force_push_checks_only_the_rewritten_commits() {
    let server = Server::new();
    let repo = client();
    repo.commit_empty("Second");
    assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let flagged = repo.commit_empty(&format!("Rewritten\n\n{CLAUDE_TRAILER}"));
    let out = push(&repo, &server.url(), &["--force", "main"], &[]);
    assert_refused(&out);
    server.assert_intact(&[&flagged]);
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.commit_empty("Rewritten cleanly");
    assert_pushed(&push(&repo, &server.url(), &["--force", "main"], &[]));
    assert_eq!(server.last_decision()["commits_checked"], 1);
}

#[test]
fn deleting_a_ref_passes() {
    let server = Server::new();
    let repo = client();
    assert_pushed(&push(
        &repo,
        &server.url(),
        &["main", "main:refs/heads/old"],
        &[],
    ));
    assert_pushed(&push(&repo, &server.url(), &[":refs/heads/old"], &[]));
    assert_eq!(server.rev("refs/heads/old"), None);
    let d = server.last_decision();
    assert_eq!(d["verdict"], "accept");
    assert_eq!(d["refs"][0]["new"], "0".repeat(40));
}

#[test]
fn per_ref_scope_enforces_warns_and_ignores() {
    let server = Server::with_policy(
        "enforce = [\"refs/heads/main\", \"refs/heads/release/*\", \"refs/tags/*\"]\nwarn = [\"refs/heads/wip/*\"]\nignore = [\"*\"]\n",
        "",
    );
    let repo = client();
    assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
    let flagged = commit_claude_md(&repo);

    // Personal branches are not checked at all.
    let out = push(&repo, &server.url(), &["main:refs/heads/alice/topic"], &[]);
    assert_pushed(&out);
    assert!(remote_lines(&out).is_empty(), "{}", describe(&out));
    assert_eq!(server.last_decision()["commits_checked"], 0);
    assert!(server.has_object(&flagged));

    // Work-in-progress branches are checked and warned about, though an ignored branch
    // already brought the commit.
    let out = push(&repo, &server.url(), &["main:refs/heads/wip/x"], &[]);
    assert_pushed(&out);
    let lines = remote_lines(&out);
    assert_line(
        &lines,
        "aigate:   warn: path `CLAUDE.md` - Claude Code (claude-code) [claude-code-memory-file]",
    );
    assert_line(
        &lines,
        "aigate: push accepted: the findings above are warnings",
    );
    assert_eq!(server.last_decision()["commits_checked"], 1);

    // Enforced refs check it again: neither the ignored nor the warned branch vouches for it.
    for target in ["main", "refs/heads/release/1.x", "refs/tags/v1"] {
        let out = push(&repo, &server.url(), &[&format!("main:{target}")], &[]);
        assert_refused(&out);
        assert_ne!(
            server.rev(target).as_deref(),
            Some(flagged.as_str()),
            "{target}"
        );
    }
}

#[test]
fn a_bypass_by_an_allowed_pusher_passes_and_is_logged() {
    let server = Server::with_policy("[server.bypass]\npushers = [\"alice\"]\n", "");
    let repo = client();
    let flagged = commit_claude_md(&repo);
    let out = push(
        &repo,
        &server.url(),
        &["-o", "aigate.bypass=hotfix INC-42", "main"],
        &[("GL_USERNAME", "alice")],
    );
    assert_pushed(&out);
    let lines = remote_lines(&out);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("aigate: BYPASS: push accepted")
                && l.contains("`alice` (from GL_USERNAME)")
                && l.contains("\"hotfix INC-42\"")),
        "{lines:?}"
    );
    assert_line(
        &lines,
        "aigate:   deny: path `CLAUDE.md` - Claude Code (claude-code) [claude-code-memory-file]",
    );
    assert_eq!(
        server.rev("refs/heads/main").as_deref(),
        Some(flagged.as_str())
    );
    let d = server.last_decision();
    assert_eq!(d["verdict"], "accept");
    assert_eq!(d["pusher"], "alice");
    assert_eq!(d["pusher_source"], "GL_USERNAME");
    assert_eq!(d["bypass"]["reason"], "hotfix INC-42");
    assert_eq!(d["bypass"]["applied"], true);
    assert_eq!(d["findings"][0]["severity"], "deny");
}

#[test]
fn a_bypass_by_another_pusher_or_without_a_reason_is_refused() {
    let server = Server::with_policy("[server.bypass]\npushers = [\"alice\"]\n", "");
    let repo = client();
    let flagged = commit_claude_md(&repo);
    let out = push(
        &repo,
        &server.url(),
        &["-o", "aigate.bypass=because", "main"],
        &[("GL_USERNAME", "mallory")],
    );
    assert_refused(&out);
    assert_line(
        &remote_lines(&out),
        "aigate: bypass refused: pusher `mallory` (from GL_USERNAME) may not bypass (not in the server policy's `[server.bypass] pushers`)",
    );
    let d = server.last_decision();
    assert_eq!(d["verdict"], "reject");
    assert_eq!(d["bypass"]["applied"], false);

    let out = push(
        &repo,
        &server.url(),
        &["-o", "aigate.bypass", "main"],
        &[("GL_USERNAME", "alice")],
    );
    assert_refused(&out);
    server.assert_intact(&[&flagged]);
}

#[test]
fn an_unreadable_policy_named_in_git_config_rejects_every_push() {
    let server = Server::bare(&[]);
    server.install(&[]);
    let missing = server.root.path().join("no-such-policy.toml");
    server.git(&["config", "aigate.policy", missing.to_str().unwrap()]);
    let repo = client();
    let out = push(&repo, &server.url(), &["main"], &[]);
    assert_refused(&out);
    let lines = remote_lines(&out);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("aigate: error: cannot read policy file")
                && l.contains("no-such-policy.toml")),
        "{lines:?}"
    );
    assert_line(
        &lines,
        "aigate: push rejected: the server's aigate policy cannot be read (fail closed)",
    );
    assert_eq!(server.rev("refs/heads/main"), None);

    // The same key naming a readable policy is obeyed: this one allows everything.
    std::fs::write(&missing, "[policy]\ndeny = []\n").unwrap();
    commit_claude_md(&repo);
    assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
}

/// Runs `aigate hook pre-receive` by hand in the server repository, as git would.
fn run_hook(server: &Server, stdin: &[u8], config: &Path) -> Output {
    use std::io::Write as _;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aigate"));
    let mut child = git_command_env(&mut cmd, &server.git_dir())
        .args(["hook", "pre-receive", "--config", config.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The hook may stop reading early (oversized input): a closed pipe is not a test failure.
    let mut pipe = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&stdin);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// The clean environment of `git_command`, applied to another program, plus `GIT_DIR`.
fn git_command_env<'a>(cmd: &'a mut Command, dir: &Path) -> &'a mut Command {
    let template = git_command(dir);
    cmd.current_dir(dir).env_clear();
    for (k, v) in template.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    for (k, v) in std::env::vars_os() {
        let name = k.to_string_lossy();
        if name == "PATH" || name == "USER" {
            cmd.env(&k, v);
        }
    }
    cmd.env("GIT_DIR", ".")
}

#[test]
fn malformed_stdin_fails_closed_unless_on_error_allows() {
    let server = Server::new();
    let out = run_hook(&server, b"garbage\n", &server.policy_path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("aigate: error: hook input: line 1: expected `<old-id> <new-id> <ref>`"),
        "{stderr}"
    );
    assert!(stderr.contains("push rejected: aigate could not check it (fail closed)"));
    let d = server.last_decision();
    assert_eq!(d["verdict"], "reject");
    assert!(d["error"].as_str().unwrap().contains("hook input"));

    // A commit id the repository does not have is an internal error too.
    let line = format!("{} {} refs/heads/main\n", "0".repeat(40), "1".repeat(40));
    let out = run_hook(&server, line.as_bytes(), &server.policy_path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));

    let allow = server.root.path().join("allow.toml");
    std::fs::write(
        &allow,
        "[server]\non-error = \"allow\"\nlog = \"decisions.jsonl\"\n",
    )
    .unwrap();
    let out = run_hook(&server, b"garbage\n", &allow);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("aigate: warning: hook input: line 1"),
        "{stderr}"
    );
    assert!(stderr.contains("on-error = \"allow\""), "{stderr}");
    assert_eq!(server.last_decision()["verdict"], "accept");
}

#[test]
fn gitlab_sees_rejection_lines_with_gl_hook_err_prefix() {
    let server = Server::new();
    let repo = client();
    commit_claude_md(&repo);
    let out = push(&repo, &server.url(), &["main"], &[("GL_ID", "user-1")]);
    assert_refused(&out);
    let lines = remote_lines(&out);
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l.starts_with("GL-HOOK-ERR: aigate: ")),
        "{lines:?}"
    );
    assert_line(
        &lines,
        "GL-HOOK-ERR: aigate:   deny: path `CLAUDE.md` - Claude Code (claude-code) [claude-code-memory-file]",
    );
}

#[test]
fn an_annotated_tag_with_a_claude_trailer_is_refused() {
    let server = Server::new();
    let repo = client();
    assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
    repo.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        &format!("Release 1.0\n\n{CLAUDE_TRAILER}"),
    ]);
    let tag = repo.git(&["rev-parse", "v1.0"]).trim().to_owned();
    let out = push(&repo, &server.url(), &["v1.0"], &[]);
    assert_refused(&out);
    let lines = remote_lines(&out);
    assert_line(
        &lines,
        &format!(
            "aigate: tag refs/tags/v1.0 {} 2026-01-01 Release 1.0",
            &tag[..12]
        ),
    );
    assert_eq!(server.rev("refs/tags/v1.0"), None);
    let d = server.last_decision();
    assert_eq!(d["tags_checked"], 1);
    assert_eq!(d["commits_checked"], 0);
    server.assert_intact(&[&tag]);

    // The same commit under a clean annotated tag passes.
    repo.git(&["tag", "-a", "v1.1", "-m", "Release 1.1"]);
    assert_pushed(&push(&repo, &server.url(), &["v1.1"], &[]));
}

#[test]
fn control_characters_from_the_pusher_are_escaped() {
    let server = Server::new();
    let repo = client();
    repo.write("CLAUDE.md", "x\n");
    repo.commit_all("Sneaky \u{1b}[2J\u{1b}]0;owned\u{7} subject");
    let out = push(&repo, &server.url(), &["main"], &[]);
    assert_refused(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains('\u{1b}'),
        "raw escape reached the pusher: {stderr:?}"
    );
    assert!(
        stderr.contains("Sneaky \\e[2J\\e]0;owned\\u{7} subject"),
        "{stderr}"
    );
}

#[test]
fn the_per_ref_update_hook_refuses_flagged_commits() {
    let server = Server::bare(&[]);
    let hook = server.git_dir().join("hooks").join("update");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' hook update \"$@\"\n",
            env!("CARGO_BIN_EXE_aigate")
        ),
    )
    .unwrap();
    make_executable(&hook);
    let repo = client();
    assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
    let flagged = commit_claude_md(&repo);
    let out = push(&repo, &server.url(), &["main"], &[]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hook declined"));
    assert_line(
        &remote_lines(&out),
        "aigate:   deny: path `CLAUDE.md` - Claude Code (claude-code) [claude-code-memory-file]",
    );
    assert_ne!(
        server.rev("refs/heads/main").as_deref(),
        Some(flagged.as_str())
    );
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_missing_aigate_binary_rejects_the_push() {
    let server = Server::bare(&[]);
    let bin_dir = tempfile::tempdir().unwrap();
    let copy = bin_dir.path().join("aigate");
    std::fs::copy(env!("CARGO_BIN_EXE_aigate"), &copy).unwrap();
    make_executable(&copy);
    let out = Command::new(&copy)
        .args([
            "install",
            "--server",
            "-C",
            server.git_dir().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    drop(bin_dir);
    let repo = client();
    let out = push(&repo, &server.url(), &["main"], &[]);
    assert_refused(&out);
    assert!(
        remote_lines(&out)
            .iter()
            .any(|l| l.contains("is missing or not executable: push rejected (fail closed)")),
        "{}",
        describe(&out)
    );
    assert_eq!(server.rev("refs/heads/main"), None);
}

#[test]
fn install_refuses_to_replace_a_foreign_hook_and_writes_into_pre_receive_d() {
    let server = Server::bare(&[]);
    let hook = server.git_dir().join("hooks").join("pre-receive");
    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    let dir = server.git_dir();
    let out = aigate(
        server.root.path(),
        &["install", "--server", "-C", dir.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("was not written by aigate"));

    let d = server.git_dir().join("custom_hooks").join("pre-receive.d");
    let d_str = d.to_str().unwrap();
    let out = aigate(
        server.root.path(),
        &["install", "--server", "--hooks-dir", d_str],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let script = std::fs::read_to_string(d.join("aigate")).unwrap();
    assert!(
        script.contains("exec \"$aigate\" hook pre-receive"),
        "{script}"
    );

    // A broken policy is refused at install time, not at the first push.
    let bad = server.root.path().join("bad.toml");
    std::fs::write(&bad, "[server]\non-error = \"maybe\"\n").unwrap();
    let out = aigate(
        server.root.path(),
        &[
            "install",
            "--server",
            "--hooks-dir",
            d_str,
            "--config",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
}

#[test]
fn the_installed_script_passes_shellcheck() {
    let server = Server::new();
    let script = server.git_dir().join("hooks").join("pre-receive");
    match Command::new("shellcheck").arg(&script).output() {
        Ok(out) => assert!(out.status.success(), "{}", describe(&out)),
        // Without shellcheck on the machine there is nothing to run (CI installs it).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("shellcheck: {e}"),
    }
}

#[test]
fn a_clean_push_to_a_sha256_repository_lands_and_a_flagged_one_is_refused() {
    // SHA-256 in every hook mode is covered in tests/sha256.rs; this one goes through the
    // server installer and `git daemon` like the other tests here.
    let server = Server::bare(&["--object-format=sha256"]);
    let hooks = server.git_dir().join("hooks");
    let hooks = hooks.to_str().unwrap();
    let out = aigate(
        server.root.path(),
        &["install", "--server", "--hooks-dir", hooks],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let repo = TestRepo::init();
    // A SHA-256 client to push from.
    let repo_dir = repo.path().to_owned();
    std::fs::remove_dir_all(repo_dir.join(".git")).unwrap();
    repo.git(&["init", "-q", "-b", "main", "--object-format=sha256"]);
    let clean = repo.commit_empty("Clean");
    assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
    assert_eq!(
        server.rev("refs/heads/main").as_deref(),
        Some(clean.as_str())
    );
    commit_claude_md(&repo);
    assert_refused(&push(&repo, &server.url(), &["main"], &[]));
    assert_eq!(
        server.rev("refs/heads/main").as_deref(),
        Some(clean.as_str())
    );
}

#[test]
fn twenty_concurrent_pushes_each_get_their_verdict_and_one_log_line() {
    concurrent_pushes(20);
}

/// The load test of the hardening issue: fifty at once, every verdict right, the log one
/// well-formed line per push, and `git fsck` clean (checked by `assert_intact`).
#[test]
fn fifty_concurrent_pushes_keep_every_verdict_the_log_and_the_repository_intact() {
    concurrent_pushes(50);
}

#[track_caller]
fn concurrent_pushes(n: usize) {
    let server = Server::new();
    let daemon = Daemon::start(server.root.path());
    let url = daemon.url("srv.git");
    let repo = client();
    assert_pushed(&push(&repo, &url, &["main"], &[]));
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let mut tips = Vec::new();
    for i in 0..n {
        repo.git(&["checkout", "-q", "-B", &format!("b{i}"), &base]);
        let flagged = i % 2 == 0;
        let tip = if flagged {
            repo.commit_empty(&format!("Change {i}\n\n{CLAUDE_TRAILER}"))
        } else {
            repo.commit_empty(&format!("Change {i}"))
        };
        tips.push((format!("b{i}"), tip, flagged));
    }
    let results: Vec<(String, String, bool, Output)> = std::thread::scope(|s| {
        let handles: Vec<_> = tips
            .iter()
            .map(|(branch, tip, flagged)| {
                let (repo, url) = (&repo, &url);
                s.spawn(move || {
                    let spec = format!("{branch}:refs/heads/{branch}");
                    let out = push(repo, url, &[&spec], &[]);
                    (branch.clone(), tip.clone(), *flagged, out)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (branch, tip, flagged, out) in &results {
        let landed = server.rev(&format!("refs/heads/{branch}"));
        if *flagged {
            assert!(
                !out.status.success(),
                "{branch} accepted: {}",
                describe(out)
            );
            assert_eq!(landed, None, "{branch}");
        } else {
            assert!(out.status.success(), "{branch} refused: {}", describe(out));
            assert_eq!(landed.as_deref(), Some(tip.as_str()), "{branch}");
        }
    }
    let decisions = server.decisions();
    // One line for the first push of main, then one per concurrent push.
    assert_eq!(decisions.len(), n + 1, "{decisions:?}");
    for (branch, _, flagged, _) in &results {
        let name = format!("refs/heads/{branch}");
        let mine: Vec<_> = decisions
            .iter()
            .filter(|d| d["refs"][0]["ref"] == name.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "{name}");
        assert_eq!(
            mine[0]["verdict"],
            if *flagged { "reject" } else { "accept" }
        );
        assert_eq!(mine[0]["commits_checked"], 1);
    }
    server.assert_intact(&[]);
}

#[test]
fn commits_only_hidden_refs_reach_are_checked_unless_known_refs_trusts_them() {
    // A flagged commit the server got through a hidden ref (as a platform writes
    // refs/pull/*), not through the hook.
    let setup = |server: &Server| {
        let repo = client();
        assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
        let flagged = commit_claude_md(&repo);
        let bare = Server::bare(&[]);
        assert_pushed(&push(&repo, &bare.url(), &["main:refs/pull/1/head"], &[]));
        server.git(&[
            "fetch",
            "-q",
            bare.git_dir().to_str().unwrap(),
            "refs/pull/1/head:refs/pull/1/head",
        ]);
        (repo, flagged)
    };
    // The default fails closed: only branches and tags vouch for their commits.
    let strict = Server::new();
    let (repo, flagged) = setup(&strict);
    assert_refused(&push(&repo, &strict.url(), &["main"], &[]));
    assert_ne!(
        strict.rev("refs/heads/main").as_deref(),
        Some(flagged.as_str())
    );

    let trusting = Server::with_policy("known-refs = [\"*\"]\n", "");
    let (repo, _) = setup(&trusting);
    assert_pushed(&push(&repo, &trusting.url(), &["main"], &[]));
    assert_eq!(trusting.last_decision()["commits_checked"], 0);
}

#[test]
fn an_unwritable_decision_log_rejects_the_push() {
    let server = Server::bare(&[]);
    // `install --server` refuses a log it cannot write: install first, then break the log.
    std::fs::write(
        server.policy_path(),
        "[server.bypass]\npushers = [\"alice\"]\n",
    )
    .unwrap();
    server.install(&["--config", server.policy_path().to_str().unwrap()]);
    std::fs::write(
        server.policy_path(),
        "[server]\nlog = \"no-such-dir/decisions.jsonl\"\n[server.bypass]\npushers = [\"alice\"]\n",
    )
    .unwrap();
    let repo = client();
    let out = push(&repo, &server.url(), &["main"], &[]);
    assert_refused(&out);
    let lines = remote_lines(&out);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("aigate: error: cannot write")
                && l.contains("no-such-dir/decisions.jsonl")),
        "{lines:?}"
    );
    assert_line(
        &lines,
        "aigate: push rejected: the decision log cannot be written (fail closed)",
    );
    assert_eq!(server.rev("refs/heads/main"), None);

    // Above all, a bypass that cannot be logged does not pass.
    commit_claude_md(&repo);
    let out = push(
        &repo,
        &server.url(),
        &["-o", "aigate.bypass=urgent", "main"],
        &[("GL_USERNAME", "alice")],
    );
    assert_refused(&out);
    let lines = remote_lines(&out);
    assert!(!lines.iter().any(|l| l.contains("BYPASS")), "{lines:?}");
    assert_line(
        &lines,
        "aigate: push rejected: the decision log cannot be written (fail closed)",
    );
    assert_eq!(server.rev("refs/heads/main"), None);
}

// ---- Faults (the hardening issue): nothing of the repository is damaged, and the push is
// refused unless the policy says otherwise.

#[test]
fn a_full_disk_for_the_decision_log_rejects_the_push_unless_on_error_allows() {
    let server = Server::bare(&[]);
    std::fs::write(server.policy_path(), "[server]\nlog = \"/dev/full\"\n").unwrap();
    server.install(&["--config", server.policy_path().to_str().unwrap()]);
    let repo = client();
    let out = push(&repo, &server.url(), &["main"], &[]);
    let stderr = assert_refused(&out);
    assert!(
        stderr.contains("/dev/full") && stderr.contains("No space left on device"),
        "{stderr}"
    );
    assert_eq!(server.rev("refs/heads/main"), None);
    server.assert_intact(&[]);

    std::fs::write(
        server.policy_path(),
        "[server]\nlog = \"/dev/full\"\non-error = \"allow\"\n",
    )
    .unwrap();
    let out = push(&repo, &server.url(), &["main"], &[]);
    assert_pushed(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No space left on device"),
        "{}",
        describe(&out)
    );
}

#[test]
fn a_hook_killed_mid_run_rejects_the_push_and_damages_nothing() {
    let server = Server::new();
    let hook = server.git_dir().join("hooks/pre-receive");
    std::fs::rename(&hook, hook.with_extension("real")).unwrap();
    // Runs the real hook on the push's stdin and kills it while it checks commits: once its
    // walk and worker threads are up (three threads or more), not after a fixed delay that a
    // faster build could outrun.
    std::fs::write(
        &hook,
        r#"#!/bin/sh
exec 3<&0
"$0.real" <&3 &
pid=$!
n=0
while [ "$n" -lt 5000 ]; do
    threads=$(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
    if grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null || [ -z "$threads" ]; then
        break
    fi
    [ "$threads" -ge 3 ] && break
    n=$((n + 1))
    sleep 0.001
done
kill -9 "$pid" 2>/dev/null
wait "$pid"
status=$?
echo "wrapper: hook exited $status" >&2
exit $status
"#,
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();

    // A clean history long enough that the hook is still checking it when it is killed.
    let repo = client();
    let mut stream = String::new();
    for i in 0..20_000 {
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter C <c@example.com> {} +0000\ndata 8\nwork {:03}\nM 100644 inline f{}.txt\ndata 2\n{}\n\n",
            1_700_000_000 + i,
            i % 1000,
            i % 500,
            i % 10
        ));
        if i == 0 {
            stream = stream.replace(
                "data 8\nwork 000\n",
                "data 8\nwork 000\nfrom refs/heads/main^0\n",
            );
        }
    }
    let mut child = git_command(repo.path())
        .args(["fast-import", "--quiet", "--force"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), stream.as_bytes()).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());

    let out = push(&repo, &server.url(), &["main"], &[]);
    let stderr = assert_refused(&out);
    assert!(
        stderr.contains("wrapper: hook exited 137"),
        "the hook finished before it was killed: {stderr}"
    );
    assert_eq!(server.rev("refs/heads/main"), None);
    server.assert_intact(&[]);
    // The log has only whole lines (parsing every line would fail on a torn one).
    let _ = server.decisions();
}

#[test]
fn oversized_hook_input_is_refused_with_a_clear_message() {
    let server = Server::new();
    let line = format!("{} {} refs/heads/x\n", "0".repeat(40), "1".repeat(40));
    let input = line.repeat((65 << 20) / line.len() + 1);
    let out = run_hook(&server, input.as_bytes(), &server.policy_path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("hook input: more than 64 MiB on stdin"),
        "{stderr}"
    );
    assert!(stderr.len() < 4_000, "the error does not echo the input");
}

#[test]
fn a_marker_added_and_removed_again_inside_one_push_is_refused() {
    let server = Server::new();
    let repo = client();
    assert_pushed(&push(&repo, &server.url(), &["main"], &[]));
    let added = commit_claude_md(&repo);
    repo.git(&["rm", "-q", "CLAUDE.md"]);
    let removed = repo.commit_all("Remove project memory");
    let out = push(&repo, &server.url(), &["main"], &[]);
    let stderr = assert_refused(&out);
    assert!(
        stderr.contains(&added[..10]) && stderr.contains("path `CLAUDE.md`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&removed[..10]),
        "the removal itself is not a finding: {stderr}"
    );
    server.assert_intact(&[&added, &removed]);
}

#[test]
fn an_agent_branch_name_is_refused_once_the_policy_turns_its_rule_on() {
    // The built-in branch rules are opt-in: the default policy lets `claude/...` through.
    let server = Server::new();
    let repo = client();
    assert_pushed(&push(
        &repo,
        &server.url(),
        &["main:refs/heads/claude/fix"],
        &[],
    ));
    // A policy rule of kind `ref` (the way to switch branch names on until `enable`).
    let rule = "[[rule]]\nid = \"srv-claude-branch\"\nassistant = \"claude-code\"\nkind = \"ref\"\nrefs = [\"refs/heads/claude/**\"]\n";
    let server = Server::with_policy("", rule);
    let out = push(&repo, &server.url(), &["main:refs/heads/claude/fix"], &[]);
    let stderr = assert_refused(&out);
    assert!(stderr.contains("ref `refs/heads/claude/fix`"), "{stderr}");
    assert!(stderr.contains("srv-claude-branch"), "{stderr}");
    assert_eq!(server.rev("refs/heads/claude/fix"), None);
    assert_pushed(&push(&repo, &server.url(), &["main:refs/heads/fix"], &[]));
}
