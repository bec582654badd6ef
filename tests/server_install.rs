//! `aigate install --server` refuses to leave a hook that would reject every push: the account
//! the server runs hooks as (`--user`, default the owner of the repository) must be able to run
//! the binary, read the policy and write the decision log.
//!
//! The tests use the `nobody` account as "the server's account" and a copy of the built binary
//! in a directory whose modes they set; parts that need `chown` run only as root (CI is root).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{describe, git_command};

/// A bare repository, a copy of aigate in `bin/` and a policy, all in one temp directory.
struct Setup {
    root: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let root = tempfile::tempdir().unwrap();
        chmod(root.path(), 0o755);
        let out = git_command(root.path())
            .args(["init", "-q", "--bare", "srv.git"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", describe(&out));
        let bin = root.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_aigate"), bin.join("aigate")).unwrap();
        chmod(&bin.join("aigate"), 0o755);
        Setup { root }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// The copy's `install --server -C srv.git` with `args`.
    fn install(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(self.path("bin/aigate"));
        cmd.current_dir(self.root.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_DIR")
            .args(["install", "--server", "-C", "srv.git"])
            .args(args)
            .stdin(Stdio::null());
        // A test thread that forks while this copy was still open for writing keeps a
        // writable descriptor to it until its child execs, and exec then fails with
        // ETXTBSY (26 on Linux): retry that, a bounded number of times.
        for _ in 0..100 {
            match cmd.output() {
                Err(e) if e.raw_os_error() == Some(26) => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                result => return result.unwrap(),
            }
        }
        panic!("the copy of aigate stayed busy (ETXTBSY) for 2 s");
    }

    fn hook(&self) -> PathBuf {
        self.path("srv.git/hooks/pre-receive")
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn has_nobody() -> bool {
    let ok = Command::new("getent")
        .args(["passwd", "nobody"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        common::skipped("server_install", "no `nobody` account on this machine");
    }
    ok
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[track_caller]
fn refused(out: &Output, needles: &[&str]) {
    assert_eq!(out.status.code(), Some(2), "{}", describe(out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "no `{needle}` in: {stderr}");
    }
}

#[test]
fn a_binary_the_account_cannot_reach_is_refused_and_no_hook_is_written() {
    if !has_nobody() {
        return;
    }
    let s = Setup::new();
    // As under /root/.cargo/bin: the directory is private to its owner.
    chmod(&s.path("bin"), 0o700);
    let out = s.install(&["--user", "nobody"]);
    refused(
        &out,
        &[
            "not installed: the hook would reject every push: `nobody` (given by --user) cannot run",
            "(it cannot enter `",
            "/bin`)",
            "install -m 755",
        ],
    );
    assert!(!s.hook().exists(), "a hook was written");

    chmod(&s.path("bin"), 0o755);
    chmod(&s.path("bin/aigate"), 0o700);
    refused(&s.install(&["--user", "nobody"]), &["mode 700"]);

    chmod(&s.path("bin/aigate"), 0o755);
    let out = s.install(&["--user", "nobody"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(s.hook().exists());
}

#[test]
fn a_policy_or_decision_log_the_account_cannot_use_is_refused() {
    if !has_nobody() {
        return;
    }
    let s = Setup::new();
    let policy = s.path("policy.toml");
    std::fs::write(&policy, "[server]\nlog = \"logs/decisions.jsonl\"\n").unwrap();
    let config = policy.to_str().unwrap();

    chmod(&policy, 0o600);
    refused(
        &s.install(&["--user", "nobody", "--config", config]),
        &["cannot read the policy", "policy.toml"],
    );
    chmod(&policy, 0o644);

    // The log's directory does not exist.
    refused(
        &s.install(&["--user", "nobody", "--config", config]),
        &["cannot write the decision log", "does not exist"],
    );
    // It exists but only its owner may write in it.
    std::fs::create_dir(s.path("logs")).unwrap();
    chmod(&s.path("logs"), 0o755);
    refused(
        &s.install(&["--user", "nobody", "--config", config]),
        &[
            "cannot write the decision log",
            "logs/decisions.jsonl",
            "&& chown nobody ",
        ],
    );
    assert!(!s.hook().exists(), "a hook was written");
    // A log file the account may write passes (group- or world-writable here, so that the
    // test runs without root; an admin would chown it).
    std::fs::write(s.path("logs/decisions.jsonl"), "").unwrap();
    chmod(&s.path("logs/decisions.jsonl"), 0o666);
    let out = s.install(&["--user", "nobody", "--config", config]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(s.hook().exists());
}

#[test]
fn the_account_defaults_to_the_owner_of_the_repository() {
    if !has_nobody() {
        return;
    }
    if !is_root() {
        common::skipped(
            "the_account_defaults_to_the_owner_of_the_repository",
            "needs root to chown the repository",
        );
        return;
    }
    let s = Setup::new();
    chmod(&s.path("bin"), 0o700);
    // Owned by the one running the install: it can run its own binary.
    let out = s.install(&[]);
    assert!(out.status.success(), "{}", describe(&out));
    // A repository owned by the server's account (here `nobody`) names that account.
    let chown = Command::new("chown")
        .args(["-R", "nobody", s.path("srv.git").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(chown.status.success(), "{}", describe(&chown));
    refused(
        &s.install(&[]),
        &[
            "`nobody` (the owner of `srv.git`, whom the server runs hooks as; another account: --user NAME) cannot run",
        ],
    );
}

#[test]
fn an_unknown_account_is_a_usage_error() {
    let s = Setup::new();
    refused(
        &s.install(&["--user", "no-such-account-aigate"]),
        &["--user: no account named `no-such-account-aigate`"],
    );
    assert!(!s.hook().exists());
}
