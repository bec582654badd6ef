//! SHA-256 repositories (`git init --object-format=sha256`), made by the real git, in every
//! mode: audit (packed and loose objects, tags of tags), the local hooks installed by
//! `aigate install` (pre-commit, commit-msg, pre-push) and the server hooks (pre-receive,
//! update) through real pushes.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use common::{aigate, aigate_json, describe, git_command, path_with_aigate, stderr};

const CLAUDE_TRAILER: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";

/// A SHA-256 repository in a temporary directory (bare or with a work tree).
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    #[track_caller]
    fn init(bare: bool) -> Repo {
        let dir = tempfile::Builder::new()
            .prefix("aigate-sha256-")
            .tempdir()
            .unwrap();
        let repo = Repo { dir };
        let mut args = vec!["init", "-q", "-b", "main", "--object-format=sha256"];
        if bare {
            args.push("--bare");
        }
        repo.git(&args);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// git in the repository with aigate on `PATH`.
    fn run(&self, args: &[&str]) -> Output {
        git_command(self.path())
            .env("PATH", path_with_aigate())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    #[track_caller]
    fn git(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "git {args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    fn write(&self, path: &str, text: &str) {
        let file = self.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }

    /// Commits everything with `--no-verify` (no hook involved); returns the id.
    #[track_caller]
    fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--no-verify", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim().to_owned()
    }
}

/// The `(commit, rule)` pairs of a JSON report.
fn findings(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["commit"].as_str().unwrap_or_default().to_owned(),
                f["rule"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn audit_reads_a_sha256_history_packed_and_loose_with_tags_of_tags() {
    let repo = Repo::init(false);
    repo.write("README.md", "hello\n");
    let clean = repo.commit("Initial commit");
    assert_eq!(clean.len(), 64, "git made a SHA-256 repository");
    repo.write("src/CLAUDE.md", "# memory\n");
    let memory = repo.commit("Add notes");
    repo.git(&[
        "tag",
        "-a",
        "inner",
        "-m",
        &format!("Release\n\n{CLAUDE_TRAILER}"),
    ]);
    repo.git(&["tag", "-a", "outer", "inner", "-m", "Wrap the release tag"]);
    let inner = repo.git(&["rev-parse", "inner"]).trim().to_owned();
    // The inner tag object is now reachable only through the outer one.
    repo.git(&["tag", "-d", "inner"]);
    // Packed, then more loose objects on top.
    repo.git(&["gc", "-q"]);
    repo.write("lib.rs", "fn main() {}\n");
    let trailer = repo.commit(&format!("Add lib\n\n{CLAUDE_TRAILER}"));

    let (code, index) = aigate_json(repo.path(), &["audit", "--format", "json"]);
    assert_eq!(code, 1, "{index}");
    assert_eq!(index["summary"]["commits_scanned"], 3, "{index}");
    let found = findings(&index);
    assert!(found.iter().any(|(c, _)| c == &memory), "{found:?}");
    assert!(found.iter().any(|(c, _)| c == &trailer), "{found:?}");
    // The inner tag object (a tag of a tag is checked link by link) carries the trailer.
    assert!(found.iter().any(|(c, _)| c == &inner), "{found:?}");
    assert!(!found.iter().any(|(c, _)| c == &clean), "{found:?}");

    let (code, diff) = aigate_json(
        repo.path(),
        &["audit", "--format", "json", "--path-method", "diff"],
    );
    assert_eq!(code, 1);
    assert_eq!(findings(&diff), found, "both path methods agree");

    // A range in SHA-256 ids.
    let (code, range) = aigate_json(
        repo.path(),
        &["audit", "--format", "json", &format!("{memory}..HEAD")],
    );
    assert_eq!(code, 1, "{range}");
    assert_eq!(range["summary"]["commits_scanned"], 1, "{range}");
}

#[test]
fn local_hooks_refuse_markers_in_a_sha256_repository() {
    let repo = Repo::init(false);
    let out = aigate(repo.path(), &["install"]);
    assert!(out.status.success(), "{}", describe(&out));
    repo.write("README.md", "hello\n");
    repo.git(&["add", "README.md"]);
    // The first commit of an unborn branch, through every hook.
    repo.git(&["commit", "-q", "-m", "init"]);

    // pre-commit: a staged marker file.
    repo.write("CLAUDE.md", "# memory\n");
    repo.git(&["add", "CLAUDE.md"]);
    let out = repo.run(&["commit", "-q", "-m", "add memory"]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(stderr(&out).contains("CLAUDE.md"), "{}", describe(&out));
    repo.git(&["rm", "-q", "--cached", "CLAUDE.md"]);
    std::fs::remove_file(repo.path().join("CLAUDE.md")).unwrap();

    // prepare-commit-msg: a trailer in a `-m` message, refused even under `--no-verify`
    // (which skips pre-commit and commit-msg).
    repo.write("a.txt", "a\n");
    repo.git(&["add", "a.txt"]);
    let message = format!("Add a\n\n{CLAUDE_TRAILER}");
    let out = repo.run(&["commit", "-q", "--no-verify", "-m", &message]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(stderr(&out).contains("Claude"), "{}", describe(&out));

    // commit-msg: the same trailer written in the editor, which prepare-commit-msg does not
    // see (it runs before the editor).
    let editor = format!("sh -c 'printf \"Add a\\n\\n{CLAUDE_TRAILER}\\n\" > \"$1\"' editor");
    let out = repo.run(&["-c", &format!("core.editor={editor}"), "commit", "-q"]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("commit refused: its message carries markers"),
        "{}",
        describe(&out)
    );
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "1");

    // A clean commit goes through.
    repo.git(&["commit", "-q", "-m", "Add a"]);
    assert_eq!(repo.git(&["log", "--format=%s", "-1"]).trim(), "Add a");
}

#[test]
fn pre_push_refuses_a_flagged_commit_bound_for_a_sha256_remote() {
    let remote = Repo::init(true);
    let repo = Repo::init(false);
    let out = aigate(repo.path(), &["install"]);
    assert!(out.status.success(), "{}", describe(&out));
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    repo.write("README.md", "hello\n");
    repo.commit("init");
    repo.git(&["push", "-q", "origin", "main"]);
    repo.write("CLAUDE.md", "# memory\n");
    let flagged = repo.commit("Add notes");
    let out = repo.run(&["push", "origin", "main"]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(stderr(&out).contains("CLAUDE.md"), "{}", describe(&out));
    let theirs = git_command(remote.path())
        .args(["rev-parse", "main"])
        .output()
        .unwrap();
    assert_ne!(String::from_utf8_lossy(&theirs.stdout).trim(), flagged);
}

/// A SHA-256 bare repository with aigate's `hook` script installed as `name`.
fn server_with(name: &str) -> (Repo, PathBuf) {
    let server = Repo::init(true);
    let policy = server.path().join("policy.toml");
    std::fs::write(&policy, "").unwrap();
    if name == "pre-receive" {
        let out = aigate(
            server.path(),
            &[
                "install",
                "--server",
                "-C",
                server.path().to_str().unwrap(),
                "--config",
                policy.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", describe(&out));
    } else {
        let hook = server.path().join("hooks").join(name);
        std::fs::write(
            &hook,
            format!(
                "#!/bin/sh\nexec '{}' hook {name} --config '{}' \"$@\"\n",
                env!("CARGO_BIN_EXE_aigate"),
                policy.display()
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    (server, policy)
}

#[test]
fn pre_receive_and_update_check_pushes_to_a_sha256_server() {
    for hook in ["pre-receive", "update"] {
        let (server, _policy) = server_with(hook);
        let url = server.path().to_str().unwrap().to_owned();
        let repo = Repo::init(false);
        repo.write("README.md", "hello\n");
        let first = repo.commit("init");
        let out = repo.run(&["push", &url, "main"]);
        assert!(out.status.success(), "{hook}: {}", describe(&out));

        repo.write("docs/CLAUDE.md", "# memory\n");
        repo.commit("Add notes");
        let out = repo.run(&["push", &url, "main"]);
        assert!(!out.status.success(), "{hook}: {}", describe(&out));
        assert!(
            stderr(&out).contains("docs/CLAUDE.md"),
            "{hook}: {}",
            describe(&out)
        );
        let theirs = git_command(server.path())
            .args(["rev-parse", "main"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&theirs.stdout).trim(), first);

        // A tag of a tag whose inner tag carries a trailer is refused too.
        repo.git(&["reset", "-q", "--hard", &first]);
        repo.git(&[
            "tag",
            "-a",
            "inner",
            "-m",
            &format!("Release\n\n{CLAUDE_TRAILER}"),
        ]);
        repo.git(&["tag", "-a", "outer", "inner", "-m", "Wrap"]);
        let out = repo.run(&["push", &url, "refs/tags/outer"]);
        assert!(!out.status.success(), "{hook}: {}", describe(&out));

        // A clean commit lands.
        repo.write("src/lib.rs", "fn main() {}\n");
        let clean = repo.commit("Add lib");
        let out = repo.run(&["push", &url, "main"]);
        assert!(out.status.success(), "{hook}: {}", describe(&out));
        let theirs = git_command(server.path())
            .args(["rev-parse", "main"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&theirs.stdout).trim(), clean);
    }
}
