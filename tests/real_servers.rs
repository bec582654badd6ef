//! The server hook behind real servers, started on 127.0.0.1 by the tests themselves:
//! lighttpd with `git http-backend` (smart HTTP, basic authentication), OpenSSH's `sshd` on a
//! high port with throwaway keys, and gitolite3 behind that sshd. Clean, marked and new-branch
//! pushes get their verdicts, twenty concurrent HTTP pushes each get theirs, and after each
//! test `git fsck` is clean and no quarantine directory is left.
//!
//! These need Debian packages (lighttpd, openssh-server, openssh-client, gitolite3) and take a
//! while, so they run only with `AIGATE_REAL_SERVERS=1`, which `.ci/run` sets after installing
//! the packages; otherwise each test prints SKIPPED and returns. Every server is stopped by a
//! guard when the test ends, whatever happens.

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{aigate, describe, git_command, TestRepo};
use serde_json::Value;

const CLAUDE_TRAILER: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";

/// The variable that turns these tests on.
const ENABLE: &str = "AIGATE_REAL_SERVERS";

/// Whether the real-server tests run; if not, says so for `test`. With the variable set, a
/// missing program is a failure (the caller promised the packages are installed).
fn enabled(test: &str, programs: &[&str]) -> bool {
    if std::env::var(ENABLE).as_deref() != Ok("1") {
        common::skipped(
            test,
            &format!("real servers run only with {ENABLE}=1 (.ci/run sets it after installing lighttpd, openssh-server and gitolite3)"),
        );
        return false;
    }
    for program in programs {
        assert!(
            find_program(program).is_some(),
            "{ENABLE}=1 but `{program}` is not installed (apt-get install lighttpd openssh-server openssh-client gitolite3)"
        );
    }
    true
}

/// `program` on PATH or in the sbin directories (where `sshd` lives).
fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn write_file(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The name of the account running the tests (what sshd logs in as).
fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// A server process on 127.0.0.1, killed and reaped when dropped.
struct Service {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Service {
    /// Starts `cmd` (its output to `log`) and waits, at most 20 s, until `port` accepts.
    #[track_caller]
    fn start(name: &'static str, mut cmd: Command, port: u16, log: PathBuf) -> Service {
        let out = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let mut service = Service { name, child, log };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = service.child.try_wait() {
                panic!("{name} exited ({status}): {}", service.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not listen on {port}: {}",
                service.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        service
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self.name;
    }
}

/// A bare repository with aigate's hook and a policy logging every decision.
struct Repo {
    git_dir: PathBuf,
    log: PathBuf,
}

impl Repo {
    /// `git init --bare <dir>`, then `aigate install --server` with a policy in `policy_dir`
    /// logging to `decisions.jsonl` beside it.
    #[track_caller]
    fn create(git_dir: &Path, policy_dir: &Path) -> Repo {
        let out = git_command(git_dir.parent().unwrap())
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(git_dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", describe(&out));
        let repo = Repo::with_policy(git_dir, policy_dir);
        install(&[
            "-C",
            git_dir.to_str().unwrap(),
            "--config",
            policy_dir.join("policy.toml").to_str().unwrap(),
        ]);
        repo
    }

    /// Writes `policy.toml` in `policy_dir` (decisions to `decisions.jsonl` there) for the
    /// repository at `git_dir`, which someone else creates and hooks.
    fn with_policy(git_dir: &Path, policy_dir: &Path) -> Repo {
        let log = policy_dir.join("decisions.jsonl");
        write_file(
            &policy_dir.join("policy.toml"),
            "[server]\nlog = \"decisions.jsonl\"\n",
            0o644,
        );
        write_file(&log, "", 0o666);
        Repo {
            git_dir: git_dir.to_owned(),
            log,
        }
    }

    #[track_caller]
    fn git(&self, args: &[&str]) -> Output {
        git_command(&self.git_dir).args(args).output().unwrap()
    }

    fn rev(&self, refname: &str) -> Option<String> {
        let out = self.git(&["rev-parse", "-q", "--verify", refname]);
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).unwrap().trim().to_owned())
    }

    #[track_caller]
    fn decisions(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad log line ({e}): {l}")))
            .collect()
    }

    /// `git fsck` is clean, the refused objects did not land, and no quarantine is left once
    /// receive-pack has finished (waited for, up to a bounded deadline: the client may see
    /// its answer before the server's receive-pack has removed the directory).
    #[track_caller]
    fn assert_intact(&self, refused: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let leftovers = loop {
            let left: Vec<PathBuf> = std::fs::read_dir(self.git_dir.join("objects"))
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with("tmp_objdir"))
                .map(|e| e.path())
                .collect();
            if left.is_empty() || Instant::now() >= deadline {
                break left;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(leftovers.is_empty(), "quarantine left: {leftovers:?}");
        let fsck = self.git(&["fsck", "--strict"]);
        assert!(fsck.status.success(), "fsck: {}", describe(&fsck));
        for id in refused {
            let out = self.git(&["cat-file", "-e", id]);
            assert!(
                !out.status.success(),
                "object {id} of a refused push landed"
            );
        }
    }
}

/// `aigate install --server <args>`, which must succeed.
#[track_caller]
fn install(args: &[&str]) {
    let mut all = vec!["install", "--server"];
    all.extend_from_slice(args);
    let out = aigate(Path::new("/"), &all);
    assert!(out.status.success(), "{}", describe(&out));
}

/// A client with one clean commit on `main`.
fn client() -> TestRepo {
    let repo = TestRepo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("Initial commit");
    repo
}

/// `git push <url> <args>` from `repo` with `env` added.
fn push(repo: &TestRepo, url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = git_command(repo.path());
    cmd.arg("push").arg(url).args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[track_caller]
fn assert_pushed(out: &Output) {
    assert!(out.status.success(), "push was refused: {}", describe(out));
}

#[track_caller]
fn assert_refused_by_aigate(out: &Output) {
    assert!(
        !out.status.success(),
        "push was accepted: {}",
        describe(out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pre-receive hook declined"),
        "{}",
        describe(out)
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("remote: aigate:   deny: ")
                && l.contains("Claude Code (claude-code)")),
        "{}",
        describe(out)
    );
}

/// Pushes clean `main`, a marked commit on `main`, a clean new branch and a marked new
/// branch through `url`; checks each verdict, the server's refs and the decision log.
#[track_caller]
fn clean_marked_and_new_branch_pushes(repo: &Repo, url: &str, env: &[(&str, &str)]) -> TestRepo {
    let client = client();
    let clean = client.commit_empty("Clean change");
    assert_pushed(&push(&client, url, &["main"], env));
    assert_eq!(repo.rev("refs/heads/main").as_deref(), Some(clean.as_str()));

    let marked = client.commit_empty(&format!("Refactor\n\n{CLAUDE_TRAILER}"));
    assert_refused_by_aigate(&push(&client, url, &["main"], env));
    assert_eq!(repo.rev("refs/heads/main").as_deref(), Some(clean.as_str()));

    client.git(&["checkout", "-q", "-b", "feature", &clean]);
    let feature = client.commit_empty("Feature");
    assert_pushed(&push(&client, url, &["feature"], env));
    assert_eq!(
        repo.rev("refs/heads/feature").as_deref(),
        Some(feature.as_str())
    );

    client.git(&["checkout", "-q", "-b", "ai", &clean]);
    client.write("CLAUDE.md", "# memory\n");
    let ai = client.commit_all("Add project memory");
    assert_refused_by_aigate(&push(&client, url, &["ai"], env));
    assert_eq!(repo.rev("refs/heads/ai"), None);

    let verdicts: Vec<String> = repo
        .decisions()
        .iter()
        .map(|d| d["verdict"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(verdicts, ["accept", "reject", "accept", "reject"]);
    repo.assert_intact(&[&marked, &ai]);
    client
}

// ---- lighttpd + git http-backend

/// lighttpd serving every repository under `root/repos` through `git http-backend` at
/// `/git/`, with basic authentication from a plain user file (alice:secret).
struct Http {
    _service: Service,
    port: u16,
}

impl Http {
    #[track_caller]
    fn start(root: &Path) -> Http {
        let port = free_port();
        let exec_path = git_command(root).arg("--exec-path").output().unwrap();
        let backend =
            Path::new(String::from_utf8(exec_path.stdout).unwrap().trim()).join("git-http-backend");
        std::fs::create_dir_all(root.join("www")).unwrap();
        write_file(&root.join("users"), "alice:secret\n", 0o644);
        // The backend's environment is the CGI one lighttpd builds: give git a fixed config.
        let conf = format!(
            r#"server.bind = "127.0.0.1"
server.port = {port}
server.document-root = "{root}/www"
server.errorlog = "{root}/lighttpd-error.log"
server.max-connections = 256
server.modules = ("mod_alias", "mod_auth", "mod_authn_file", "mod_cgi", "mod_setenv")
auth.backend = "plain"
auth.backend.plain.userfile = "{root}/users"
auth.require = ("/git/" => ("method" => "basic", "realm" => "git", "require" => "valid-user"))
alias.url = ("/git" => "{backend}")
$HTTP["url"] =~ "^/git" {{
    cgi.assign = ("" => "")
    setenv.set-environment = (
        "GIT_PROJECT_ROOT" => "{root}/repos",
        "GIT_HTTP_EXPORT_ALL" => "1",
        "GIT_CONFIG_NOSYSTEM" => "1",
        "GIT_CONFIG_GLOBAL" => "/dev/null",
        "PATH" => "/usr/local/bin:/usr/bin:/bin"
    )
}}
"#,
            root = root.display(),
            backend = backend.display(),
        );
        write_file(&root.join("lighttpd.conf"), &conf, 0o644);
        let lighttpd = find_program("lighttpd").unwrap();
        let mut cmd = Command::new(lighttpd);
        cmd.arg("-D").arg("-f").arg(root.join("lighttpd.conf"));
        let service = Service::start("lighttpd", cmd, port, root.join("lighttpd.out"));
        Http {
            _service: service,
            port,
        }
    }

    fn url(&self, repo: &str) -> String {
        format!("http://alice:secret@127.0.0.1:{}/git/{repo}", self.port)
    }
}

/// The root of an HTTP test: `repos/srv.git` with the hook, receive-pack enabled.
fn http_repo(root: &Path) -> Repo {
    std::fs::create_dir_all(root.join("repos")).unwrap();
    let repo = Repo::create(&root.join("repos/srv.git"), root);
    let out = repo.git(&["config", "http.receivepack", "true"]);
    assert!(out.status.success(), "{}", describe(&out));
    repo
}

#[test]
fn http_backend_behind_lighttpd_refuses_marked_pushes_and_logs_the_authenticated_pusher() {
    let test =
        "http_backend_behind_lighttpd_refuses_marked_pushes_and_logs_the_authenticated_pusher";
    if !enabled(test, &["lighttpd"]) {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let repo = http_repo(root.path());
    let http = Http::start(root.path());
    clean_marked_and_new_branch_pushes(&repo, &http.url("srv.git"), &[]);
    for d in repo.decisions() {
        assert_eq!(d["pusher"], "alice", "{d}");
        assert_eq!(d["pusher_source"], "REMOTE_USER", "{d}");
    }
    // Without credentials lighttpd refuses before git runs: nothing is logged.
    let client = client();
    let anonymous = format!("http://127.0.0.1:{}/git/srv.git", http.port);
    let out = push(
        &client,
        &anonymous,
        &["main:refs/heads/anon"],
        &[("GIT_TERMINAL_PROMPT", "0")],
    );
    assert!(!out.status.success(), "{}", describe(&out));
    assert_eq!(repo.decisions().len(), 4);
    assert_eq!(repo.rev("refs/heads/anon"), None);
}

#[test]
fn twenty_concurrent_http_pushes_each_get_their_verdict() {
    if !enabled(
        "twenty_concurrent_http_pushes_each_get_their_verdict",
        &["lighttpd"],
    ) {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let repo = http_repo(root.path());
    let http = Http::start(root.path());
    let url = http.url("srv.git");
    let client = client();
    assert_pushed(&push(&client, &url, &["main"], &[]));
    let base = client.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let mut tips = Vec::new();
    for i in 0..20 {
        client.git(&["checkout", "-q", "-B", &format!("b{i}"), &base]);
        let marked = i % 2 == 0;
        let message = if marked {
            format!("Change {i}\n\n{CLAUDE_TRAILER}")
        } else {
            format!("Change {i}")
        };
        tips.push((format!("b{i}"), client.commit_empty(&message), marked));
    }
    let results: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = tips
            .iter()
            .map(|(branch, _, _)| {
                let (client, url) = (&client, &url);
                s.spawn(move || {
                    push(
                        client,
                        url,
                        &[&format!("{branch}:refs/heads/{branch}")],
                        &[],
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut refused = Vec::new();
    for ((branch, tip, marked), out) in tips.iter().zip(&results) {
        let landed = repo.rev(&format!("refs/heads/{branch}"));
        if *marked {
            assert_refused_by_aigate(out);
            assert_eq!(landed, None, "{branch}");
            refused.push(tip.as_str());
        } else {
            assert_pushed(out);
            assert_eq!(landed.as_deref(), Some(tip.as_str()), "{branch}");
        }
    }
    let decisions = repo.decisions();
    assert_eq!(decisions.len(), 21, "one line per push");
    for (branch, _, marked) in &tips {
        let name = format!("refs/heads/{branch}");
        let mine: Vec<_> = decisions
            .iter()
            .filter(|d| d["refs"][0]["ref"] == name.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "{name}");
        assert_eq!(
            mine[0]["verdict"],
            if *marked { "reject" } else { "accept" }
        );
    }
    repo.assert_intact(&refused);
}

// ---- OpenSSH

/// sshd on 127.0.0.1 with a throwaway host key, letting in the keys of `authorized_keys`
/// (a file the test writes) as the account running the tests.
struct Sshd {
    _service: Service,
    port: u16,
}

/// A throwaway ed25519 key pair `dir/name` (and `.pub`).
#[track_caller]
fn keygen(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    key
}

fn public_key(key: &Path) -> String {
    std::fs::read_to_string(key.with_extension("pub"))
        .unwrap()
        .trim()
        .to_owned()
}

impl Sshd {
    #[track_caller]
    fn start(dir: &Path, authorized_keys: &str) -> Sshd {
        let port = free_port();
        let host_key = keygen(dir, "host_key");
        write_file(&dir.join("authorized_keys"), authorized_keys, 0o600);
        let conf = format!(
            "ListenAddress 127.0.0.1:{port}\n\
             HostKey {host}\n\
             AuthorizedKeysFile {dir}/authorized_keys\n\
             PidFile none\n\
             StrictModes no\n\
             UsePAM no\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\n\
             AllowTcpForwarding no\n\
             X11Forwarding no\n\
             LogLevel ERROR\n",
            host = host_key.display(),
            dir = dir.display(),
        );
        write_file(&dir.join("sshd_config"), &conf, 0o644);
        if is_root() {
            // sshd's privilege separation wants its empty directory.
            std::fs::create_dir_all("/run/sshd").unwrap();
        }
        // sshd must be started by its absolute path.
        let mut cmd = Command::new(find_program("sshd").unwrap());
        cmd.args(["-D", "-e", "-f"]).arg(dir.join("sshd_config"));
        let service = Service::start("sshd", cmd, port, dir.join("sshd.log"));
        Sshd {
            _service: service,
            port,
        }
    }

    /// `GIT_SSH_COMMAND` for `key`: no user config, no known-hosts file, never a prompt.
    fn ssh_command(key: &Path) -> String {
        format!(
            "ssh -F /dev/null -i {} -o IdentitiesOnly=yes -o BatchMode=yes \
             -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
            key.display()
        )
    }

    fn url(&self, path: &str) -> String {
        format!("ssh://{}@127.0.0.1:{}{path}", whoami(), self.port)
    }
}

#[test]
fn pushes_over_openssh_get_their_verdicts() {
    if !enabled(
        "pushes_over_openssh_get_their_verdicts",
        &["sshd", "ssh", "ssh-keygen"],
    ) {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let repo = Repo::create(&root.path().join("srv.git"), root.path());
    let key = keygen(root.path(), "user_key");
    let sshd = Sshd::start(root.path(), &format!("{}\n", public_key(&key)));
    let url = sshd.url(&root.path().join("srv.git").display().to_string());
    let ssh = Sshd::ssh_command(&key);
    clean_marked_and_new_branch_pushes(&repo, &url, &[("GIT_SSH_COMMAND", &ssh)]);
    // One account per person: the pusher is the ssh login.
    for d in repo.decisions() {
        assert_eq!(d["pusher"], whoami().as_str(), "{d}");
        assert_eq!(d["pusher_source"], "USER", "{d}");
    }
}

// ---- gitolite3 behind sshd

/// A gitolite installation in a temporary HOME (the gitolite account's home), with aigate's
/// pre-receive as a `LOCAL_CODE` common hook, served through [`Sshd`].
struct Gitolite {
    home: PathBuf,
}

impl Gitolite {
    fn gitolite(&self, args: &[&str]) -> Output {
        Command::new(find_program("gitolite").unwrap())
            .args(args)
            .current_dir(&self.home)
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("USER", whoami())
            .env("LC_ALL", "C")
            .output()
            .unwrap()
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) {
        let out = self.gitolite(args);
        assert!(
            out.status.success(),
            "gitolite {args:?}: {}",
            describe(&out)
        );
    }
}

#[test]
fn gitolite_runs_aigate_as_a_common_hook_keeps_its_own_update_hook_and_names_gl_user() {
    let test = "gitolite_runs_aigate_as_a_common_hook_keeps_its_own_update_hook_and_names_gl_user";
    if !enabled(test, &["gitolite", "sshd", "ssh", "ssh-keygen"]) {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("gitolite-home");
    std::fs::create_dir(&home).unwrap();
    let gl = Gitolite { home: home.clone() };
    let admin = keygen(root.path(), "admin");
    let alice = keygen(root.path(), "alice");
    let bob = keygen(root.path(), "bob");
    gl.ok(&[
        "setup",
        "-pk",
        admin.with_extension("pub").to_str().unwrap(),
    ]);

    // LOCAL_CODE on, aigate's hook in local/hooks/common, one repository with branch rules:
    // alice may push anywhere, bob only to bob/*.
    let rc = home.join(".gitolite.rc");
    let text = std::fs::read_to_string(&rc).unwrap();
    let uncommented = text.replacen(
        "# LOCAL_CODE                =>  \"$rc{GL_ADMIN_BASE}/local\"",
        "LOCAL_CODE                =>  \"$rc{GL_ADMIN_BASE}/local\"",
        1,
    );
    assert_ne!(
        text, uncommented,
        "no LOCAL_CODE line in the shipped .gitolite.rc"
    );
    write_file(&rc, &uncommented, 0o644);
    let common_hooks = home.join(".gitolite/local/hooks/common");
    std::fs::create_dir_all(&common_hooks).unwrap();
    let repo = Repo::with_policy(&home.join("repositories/srv.git"), root.path());
    install(&[
        "-C",
        home.to_str().unwrap(),
        "--hooks-dir",
        common_hooks.to_str().unwrap(),
        "--config",
        root.path().join("policy.toml").to_str().unwrap(),
    ]);
    write_file(
        &home.join(".gitolite/conf/gitolite.conf"),
        "repo gitolite-admin\n    RW+ = admin\n\nrepo srv\n    RW+ = alice\n    RW+ bob/ = bob\n",
        0o644,
    );
    gl.ok(&["setup"]);
    gl.ok(&["setup", "--hooks-only"]);
    assert!(
        repo.git_dir.join("hooks/pre-receive").exists(),
        "gitolite setup --hooks-only did not link the common pre-receive"
    );

    // sshd hands each key to gitolite-shell with the key owner's name, as gitolite's own
    // authorized_keys lines do (HOME set, since the account here is the test runner's).
    let shell = [
        "/usr/share/gitolite3/gitolite-shell",
        "/usr/share/gitolite/gitolite-shell",
    ]
    .into_iter()
    .find(|p| Path::new(p).is_file())
    .expect("gitolite-shell");
    let line = |user: &str, key: &Path| {
        format!(
            "command=\"env HOME={} {shell} {user}\",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty {}\n",
            home.display(),
            public_key(key)
        )
    };
    let sshd = Sshd::start(
        root.path(),
        &format!("{}{}", line("alice", &alice), line("bob", &bob)),
    );
    let url = sshd.url("/srv");
    let as_alice = Sshd::ssh_command(&alice);
    clean_marked_and_new_branch_pushes(&repo, &url, &[("GIT_SSH_COMMAND", &as_alice)]);
    for d in repo.decisions() {
        assert_eq!(d["pusher"], "alice", "{d}");
        assert_eq!(d["pusher_source"], "GL_USER", "{d}");
    }

    // gitolite's own update hook still enforces its branch rules: bob may not push main,
    // even a clean commit aigate accepts, but may push bob/x.
    let as_bob = Sshd::ssh_command(&bob);
    let client = client();
    client.git(&["fetch", "-q", repo.git_dir.to_str().unwrap(), "main"]);
    client.git(&["reset", "-q", "--hard", "FETCH_HEAD"]);
    let clean = client.commit_empty("Bob's change");
    let out = push(&client, &url, &["main"], &[("GIT_SSH_COMMAND", &as_bob)]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("DENIED"),
        "not refused by gitolite: {}",
        describe(&out)
    );
    assert_ne!(repo.rev("refs/heads/main").as_deref(), Some(clean.as_str()));
    assert_pushed(&push(
        &client,
        &url,
        &["main:refs/heads/bob/x"],
        &[("GIT_SSH_COMMAND", &as_bob)],
    ));
    let last = repo.decisions().pop().unwrap();
    assert_eq!(last["pusher"], "bob", "{last}");
    repo.assert_intact(&[]);

    // The pitfall docs/server.md warns of: `core.hooksPath` pointed at a directory holding
    // only aigate's hook replaces the repository's hooks, gitolite's `update` among them,
    // and bob's push to main, which gitolite refused above, now lands.
    let only_aigate = root.path().join("only-aigate");
    install(&[
        "-C",
        repo.git_dir.to_str().unwrap(),
        "--hooks-dir",
        only_aigate.to_str().unwrap(),
    ]);
    let out = repo.git(&["config", "core.hooksPath", only_aigate.to_str().unwrap()]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_pushed(&push(
        &client,
        &url,
        &["main"],
        &[("GIT_SSH_COMMAND", &as_bob)],
    ));
    assert_eq!(repo.rev("refs/heads/main").as_deref(), Some(clean.as_str()));
}
