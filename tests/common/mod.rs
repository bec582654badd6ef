//! Shared helpers for the integration tests: throwaway repositories made by the real `git`
//! in temporary directories, the built `aigate` binary, and look-alike repositories rebuilt
//! from the commit metadata in `shared/corpus/`.
//!
//! Every process gets the same clean, fixed environment (see [`clean_env`]): a test run from
//! inside a git hook, or on a machine with its own git configuration, must not read the wrong
//! repository or pick up the developer's name, signing key or `aigate` settings.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde::Deserialize;

/// The fixed date of every commit the helpers make, so commit ids are reproducible.
pub const FIXED_DATE: &str = "2026-01-01T00:00:00Z";

/// `SOURCE_DATE_EPOCH` for aigate: its reports show 2026-04-07T00:00:00Z as their date.
pub const REPORT_EPOCH: &str = "1775520000";

/// Removes the variables that change what git or `aigate` does and sets a fixed identity.
fn clean_env(cmd: &mut Command, home: &Path) {
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        // GIT_DIR, GIT_INDEX_FILE, GIT_OBJECT_DIRECTORY, ... are set inside hooks and would
        // point the test's git (and aigate's open_from_env) at the outer repository.
        // AIGATE_* and the hook-manager variables would change aigate's inputs or policy.
        if key.starts_with("GIT_") || key.starts_with("AIGATE_") || key.starts_with("PRE_COMMIT_") {
            cmd.env_remove(key);
        }
    }
    // An assistant's shell (Claude Code, Codex, ...) would make every local hook refuse.
    for key in agent_variables() {
        cmd.env_remove(key);
    }
    for key in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "XDG_CONFIG_HOME",
        "EMAIL",
    ] {
        cmd.env_remove(key);
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", home)
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_AUTHOR_DATE", FIXED_DATE)
        .env("GIT_COMMITTER_DATE", FIXED_DATE)
        // The date aigate's reports show: fixed, so that two runs print the same report.
        .env("SOURCE_DATE_EPOCH", REPORT_EPOCH)
        .env("LC_ALL", "C");
}

/// Every variable an `environment` rule of the built-in catalogue names, read from `rules/`.
pub fn agent_variables() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut names = Vec::new();
        for entry in fs::read_dir(&dir).expect("rules/ is readable") {
            let path = entry.expect("rules/ entry").path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text = fs::read_to_string(&path).expect("rule file is readable");
            let file: toml::Value = toml::from_str(&text).expect("rule file is TOML");
            let rules = file.get("rule").and_then(|r| r.as_array());
            for rule in rules.into_iter().flatten() {
                let vars = rule.get("variables").and_then(|v| v.as_array());
                for v in vars.into_iter().flatten().filter_map(|v| v.as_str()) {
                    names.push(v.to_owned());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    })
}

/// The real `git`, run in `dir` with a clean, fixed environment.
pub fn git_command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir);
    clean_env(&mut cmd, dir);
    cmd
}

/// The built `aigate`, to run in `dir` with the same clean environment as [`git_command`].
pub fn aigate_command(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aigate"));
    cmd.current_dir(dir);
    clean_env(&mut cmd, dir);
    cmd
}

/// Runs the built `aigate` in `dir` with the same clean environment as [`git_command`].
#[track_caller]
pub fn aigate(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aigate"));
    cmd.current_dir(dir).args(args).stdin(Stdio::null());
    clean_env(&mut cmd, dir);
    match cmd.output() {
        Ok(output) => output,
        Err(err) => panic!("cannot run aigate {args:?}: {err}"),
    }
}

/// Runs `aigate` (the caller passes `--format json`) and parses its stdout as one JSON value.
/// Returns the exit code and the value; panics, showing both streams, if either is missing.
#[track_caller]
pub fn aigate_json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let output = aigate(dir, args);
    let Some(code) = output.status.code() else {
        panic!(
            "aigate {args:?} was killed by a signal: {}",
            describe(&output)
        );
    };
    match serde_json::from_slice(&output.stdout) {
        Ok(value) => (code, value),
        Err(err) => panic!(
            "aigate {args:?} (exit {code}) did not print JSON ({err}): {}",
            describe(&output)
        ),
    }
}

/// Both output streams of a finished process, for failure messages.
pub fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A command's standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A command's standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Panics, with the command's output, unless it succeeded.
#[track_caller]
pub fn assert_ok(o: &Output) {
    assert!(o.status.success(), "expected success: {}", describe(o));
}

/// A repository in a temporary directory, removed when dropped.
pub struct TestRepo {
    pub dir: tempfile::TempDir,
}

impl TestRepo {
    /// `git init` with `main` as the initial branch and commit signing off.
    #[track_caller]
    pub fn init() -> Self {
        let repo = Self::empty_dir();
        repo.git(&["init", "-q", "-b", "main"]);
        // What `git config commit.gpgsign false` writes, without a second process.
        let config = repo.path().join(".git/config");
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(&config)
            .unwrap_or_else(|err| panic!("open {}: {err}", config.display()));
        file.write_all(b"[commit]\n\tgpgsign = false\n")
            .unwrap_or_else(|err| panic!("write {}: {err}", config.display()));
        repo
    }

    /// `git init --bare`, for a push target.
    #[track_caller]
    pub fn init_bare() -> Self {
        let repo = Self::empty_dir();
        repo.git(&["init", "-q", "--bare", "-b", "main"]);
        repo
    }

    #[track_caller]
    fn empty_dir() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("aigate-test-")
            .tempdir()
            .expect("create a temporary directory");
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git in the repository; panics with its stderr on failure, returns its stdout.
    #[track_caller]
    pub fn git(&self, args: &[&str]) -> String {
        let output = self.git_output(args);
        if !output.status.success() {
            panic!("git {args:?} failed: {}", describe(&output));
        }
        String::from_utf8(output.stdout).expect("git printed UTF-8")
    }

    /// Runs git in the repository and returns whatever happened.
    #[track_caller]
    pub fn git_output(&self, args: &[&str]) -> Output {
        git_command(self.path())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|err| panic!("cannot run git {args:?}: {err}"))
    }

    /// Writes `contents` to `rel_path` in the work tree, creating parent directories.
    #[track_caller]
    pub fn write(&self, rel_path: &str, contents: impl AsRef<[u8]>) {
        let path = self.path().join(rel_path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .unwrap_or_else(|err| panic!("create {}: {err}", parent.display()));
        }
        fs::write(&path, contents).unwrap_or_else(|err| panic!("write {}: {err}", path.display()));
    }

    /// Stages everything and commits it with the fixed identity; returns the full commit id.
    #[track_caller]
    pub fn commit_all(&self, message: &str) -> String {
        self.commit_with(message, &[])
    }

    /// Stages everything and commits it, with `extra_env` (e.g. `GIT_AUTHOR_NAME`,
    /// `GIT_COMMITTER_EMAIL`) overriding the fixed identity; returns the full commit id.
    #[track_caller]
    pub fn commit_with(&self, message: &str, extra_env: &[(&str, &str)]) -> String {
        self.git(&["add", "-A"]);
        self.commit_args(&["commit", "-q", "-m", message], extra_env)
    }

    /// Commits nothing but `message` (`--allow-empty`); returns the full commit id.
    #[track_caller]
    pub fn commit_empty(&self, message: &str) -> String {
        self.commit_args(&["commit", "-q", "--allow-empty", "-m", message], &[])
    }

    #[track_caller]
    fn commit_args(&self, args: &[&str], extra_env: &[(&str, &str)]) -> String {
        let mut cmd = git_command(self.path());
        cmd.args(args).stdin(Stdio::null());
        for (key, value) in extra_env {
            cmd.env(key, value);
        }
        let output = cmd
            .output()
            .unwrap_or_else(|err| panic!("cannot run git {args:?}: {err}"));
        if !output.status.success() {
            panic!("git {args:?} failed: {}", describe(&output));
        }
        self.head_id()
    }

    /// The id `HEAD` points at: read from the loose ref `git commit` just wrote (one process
    /// fewer per commit), else from `git rev-parse HEAD`.
    #[track_caller]
    pub fn head_id(&self) -> String {
        let git_dir = self.path().join(".git");
        let loose = fs::read_to_string(git_dir.join("HEAD"))
            .ok()
            .and_then(|head| match head.trim().strip_prefix("ref: ") {
                Some(name) => fs::read_to_string(git_dir.join(name)).ok(),
                None => Some(head),
            })
            .map(|id| id.trim().to_owned())
            .filter(|id| matches!(id.len(), 40 | 64) && id.bytes().all(|b| b.is_ascii_hexdigit()));
        loose.unwrap_or_else(|| self.git(&["rev-parse", "HEAD"]).trim().to_owned())
    }
}

/// One line of `shared/corpus/<name>.jsonl`: a commit's metadata and its raw first-parent
/// changes (no file contents).
#[derive(Debug, Clone, Deserialize)]
pub struct CorpusCommit {
    pub commit: String,
    pub parents: Vec<String>,
    pub author: CorpusPerson,
    pub committer: CorpusPerson,
    pub message: String,
    pub changes: Vec<CorpusChange>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CorpusPerson {
    pub name: String,
    pub email: String,
    /// `<unix seconds> <zone>`, git's raw date format.
    pub date: String,
}

impl CorpusPerson {
    /// `Name <email>`, the way git and aigate's reports write an identity.
    pub fn identity(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CorpusChange {
    /// A, M, D, T, or R/C with a score (R100); only the first letter matters here.
    pub status: String,
    pub old_mode: String,
    pub new_mode: String,
    pub path: String,
}

impl CorpusChange {
    pub fn is_deletion(&self) -> bool {
        self.status.starts_with('D')
    }
}

/// The variable naming the directory of the corpus files (`.ci/run` sets it).
pub const CORPUS_DIR_VAR: &str = "AIGATE_CORPUS_DIR";

/// The directory holding the corpus files, when there is one: `$AIGATE_CORPUS_DIR`, else
/// `shared/corpus` beside the crate (a CI clone has `shared/` next to it). A fresh clone has
/// neither, and the tests that need the corpus skip.
pub fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CORPUS_DIR_VAR).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let beside = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/"));
    beside.is_dir().then_some(beside)
}

/// Says on the test's stderr, past the harness's capture, that `test` did not run and why.
/// Tests that need something outside the repository call this and return.
pub fn skipped(test: &str, why: &str) {
    // Written to the stream itself: `eprintln!` output is captured and shown only on failure.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Reads `shared/corpus/<name>.jsonl`, in file order.
#[track_caller]
pub fn load_corpus(name: &str) -> Vec<CorpusCommit> {
    let dir = corpus_dir().unwrap_or_else(|| {
        panic!("no corpus directory: set {CORPUS_DIR_VAR} or put shared/corpus beside the crate")
    });
    let path = dir.join(format!("{name}.jsonl"));
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("read corpus {}: {err}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).unwrap_or_else(|err| {
                panic!(
                    "{}:{}: not a corpus commit: {err}",
                    path.display(),
                    index + 1
                )
            })
        })
        .collect()
}

/// Rebuilds a look-alike of the corpus repository `name` with `git fast-import`: the same
/// graph, identities, dates and messages, and trees whose first-parent changes are the
/// recorded ones, filled with placeholder contents. Every commit that is nobody's parent gets
/// a branch (`main` for the last such commit in file order, `tip-<n>` for the others).
/// Returns the repository and the map from each original commit id to its new id.
#[track_caller]
pub fn import_corpus(name: &str) -> (TestRepo, HashMap<String, String>) {
    import_commits(name, &load_corpus(name))
}

/// [`import_corpus`] for commits made up by a test; `name` is for error messages. Original
/// ids are only keys: any distinct strings do.
#[track_caller]
pub fn import_commits(name: &str, commits: &[CorpusCommit]) -> (TestRepo, HashMap<String, String>) {
    let order = parents_first(commits);
    let mark_of: HashMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(index, commit)| (commit.commit.as_str(), index + 1))
        .collect();

    let mut stream = Vec::new();
    let mut gitlinks = 0u64;
    for &index in &order {
        let commit = &commits[index];
        if commit.parents.is_empty() {
            // Without a reset, fast-import would give the root the branch's previous tip as
            // its parent.
            stream.extend_from_slice(b"reset refs/heads/import\n\n");
        }
        stream.extend_from_slice(b"commit refs/heads/import\n");
        writeln!(stream, "mark :{}", index + 1).unwrap();
        write_person(&mut stream, "author", &commit.author);
        write_person(&mut stream, "committer", &commit.committer);
        write_data(&mut stream, commit.message.as_bytes());
        for (position, parent) in commit.parents.iter().enumerate() {
            let mark = mark_of[parent.as_str()];
            let command = if position == 0 { "from" } else { "merge" };
            writeln!(stream, "{command} :{mark}").unwrap();
        }
        // Deletions first: a symlink `a` replaced by a directory `a/` arrives as `D a` plus
        // `A a/x`, and the order of the recorded changes need not put the deletion first.
        for change in commit.changes.iter().filter(|c| c.is_deletion()) {
            writeln!(stream, "D {}", quote_path(&change.path)).unwrap();
        }
        for change in commit.changes.iter().filter(|c| !c.is_deletion()) {
            let path = quote_path(&change.path);
            match change.new_mode.as_str() {
                "160000" => {
                    gitlinks += 1;
                    writeln!(stream, "M 160000 {gitlinks:040x} {path}").unwrap();
                }
                mode => {
                    writeln!(stream, "M {mode} inline {path}").unwrap();
                    let data = if mode == "120000" {
                        let base = change.path.rsplit('/').next().unwrap_or(&change.path);
                        format!("target-of-{base}-{}", &commit.commit[..12])
                    } else {
                        format!("placeholder {} {}\n", commit.commit, change.path)
                    };
                    write_data(&mut stream, data.as_bytes());
                }
            }
        }
        stream.push(b'\n');
    }

    let parents: HashSet<&str> = commits
        .iter()
        .flat_map(|c| c.parents.iter().map(String::as_str))
        .collect();
    let tips: Vec<usize> = (0..commits.len())
        .filter(|&index| !parents.contains(commits[index].commit.as_str()))
        .collect();
    for (position, &index) in tips.iter().enumerate() {
        let branch = if position + 1 == tips.len() {
            "main".to_owned()
        } else {
            format!("tip-{position}")
        };
        writeln!(stream, "reset refs/heads/{branch}\nfrom :{}\n", index + 1).unwrap();
    }
    stream.extend_from_slice(b"done\n");

    let repo = TestRepo::init();
    let marks_file = repo.path().join(".git").join("aigate-test-marks");
    let marks_arg = format!("--export-marks={}", marks_file.display());
    fast_import(
        repo.path(),
        &[&marks_arg],
        &stream,
        &format!("corpus `{name}`"),
    );
    repo.git(&["update-ref", "-d", "refs/heads/import"]);

    let marks = fs::read_to_string(&marks_file).expect("read fast-import marks");
    fs::remove_file(&marks_file).expect("remove fast-import marks");
    let new_of_mark: HashMap<usize, String> = marks
        .lines()
        .filter_map(|line| {
            let (mark, id) = line.strip_prefix(':')?.split_once(' ')?;
            Some((mark.parse().ok()?, id.to_owned()))
        })
        .collect();
    let ids = commits
        .iter()
        .enumerate()
        .map(|(index, commit)| {
            let new = new_of_mark
                .get(&(index + 1))
                .unwrap_or_else(|| panic!("no mark for corpus commit {}", commit.commit));
            (commit.commit.clone(), new.clone())
        })
        .collect();
    (repo, ids)
}

/// Runs `git fast-import --quiet --done [args]` in the repository at `dir` on `stream` (which
/// ends with `done`); panics with fast-import's stderr, naming `what`, if it fails. One process
/// for a whole history, where `git commit` takes three per commit.
#[track_caller]
pub fn fast_import(dir: &Path, args: &[&str], stream: &[u8], what: &str) {
    let mut child = git_command(dir)
        .args(["fast-import", "--quiet", "--done"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start git fast-import");
    // If fast-import stops early the write fails; its stderr below says why.
    let written = child.stdin.take().expect("stdin").write_all(stream);
    let output = child.wait_with_output().expect("wait for git fast-import");
    if !output.status.success() || written.is_err() {
        panic!("git fast-import of {what} failed: {}", describe(&output));
    }
}

/// Indices of `commits` in an order where every parent comes before its children
/// (depth-first, so the file order is kept where it already is one).
#[track_caller]
fn parents_first(commits: &[CorpusCommit]) -> Vec<usize> {
    let index_of: HashMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(index, commit)| (commit.commit.as_str(), index))
        .collect();
    // 0 = not yet visited, 1 = on the stack, 2 = emitted.
    let mut state = vec![0u8; commits.len()];
    let mut order = Vec::with_capacity(commits.len());
    for start in 0..commits.len() {
        // Iterative: corpus histories are deep enough to overflow a recursive walk.
        let mut stack = vec![(start, 0usize)];
        while let Some(top) = stack.last_mut() {
            let (index, next_parent) = *top;
            if next_parent == 0 && state[index] != 0 {
                stack.pop();
                continue;
            }
            state[index] = 1;
            let commit = &commits[index];
            if let Some(parent) = commit.parents.get(next_parent) {
                top.1 += 1;
                let &parent_index = index_of.get(parent.as_str()).unwrap_or_else(|| {
                    panic!("parent {parent} of {} is not in the corpus", commit.commit)
                });
                match state[parent_index] {
                    0 => stack.push((parent_index, 0)),
                    1 => panic!("the corpus has a cycle through {parent}"),
                    _ => {}
                }
            } else {
                state[index] = 2;
                order.push(index);
                stack.pop();
            }
        }
    }
    order
}

fn write_person(stream: &mut Vec<u8>, role: &str, person: &CorpusPerson) {
    writeln!(
        stream,
        "{role} {} <{}> {}",
        person.name, person.email, person.date
    )
    .unwrap();
}

fn write_data(stream: &mut Vec<u8>, data: &[u8]) {
    writeln!(stream, "data {}", data.len()).unwrap();
    stream.extend_from_slice(data);
    stream.push(b'\n');
}

/// A path as fast-import reads it: C-style quoted when it starts with `"` or holds a space,
/// a backslash or a control character, otherwise as is.
pub fn quote_path(path: &str) -> String {
    let needs_quotes = path.starts_with('"')
        || path
            .chars()
            .any(|c| c == ' ' || c == '"' || c == '\\' || c.is_control());
    if !needs_quotes {
        return path.to_owned();
    }
    let mut quoted = String::with_capacity(path.len() + 2);
    quoted.push('"');
    for c in path.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    write!(quoted, "\\{byte:03o}").unwrap();
                }
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// `PATH` with the directory of the built `aigate` first, so hook scripts run this build and
/// never another `aigate` installed on the machine.
pub fn path_with_aigate() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_aigate"))
        .parent()
        .expect("binary directory")
        .to_owned();
    let mut dirs = vec![bin];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("join PATH")
}
