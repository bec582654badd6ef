//! Hostile and broken repositories under `aigate audit`: histories crafted with
//! `git fast-import` and `git hash-object` to carry what a normal commit cannot (non-UTF-8
//! messages and paths, control characters, huge and deep trees, huge messages), and damaged
//! ones (missing objects, shallow clones). Each gets a correct verdict or a clear one-line
//! error, never a panic, and untrusted text never reaches the terminal raw.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{aigate, describe, git_command, TestRepo};

/// Feeds a fast-import stream to a new repository; the commits land on `refs/heads/main`.
#[track_caller]
fn import(stream: &[u8]) -> TestRepo {
    let repo = TestRepo::init();
    let mut child = git_command(repo.path())
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stream).unwrap();
    assert!(child.wait().unwrap().success(), "fast-import failed");
    repo
}

/// A fast-import commit with the given message bytes and file changes (`M` lines).
fn commit(mark: u32, from: Option<u32>, message: &[u8], changes: &[u8]) -> Vec<u8> {
    let mut s = format!("commit refs/heads/main\nmark :{mark}\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\ndata {}\n", message.len()).into_bytes();
    s.extend_from_slice(message);
    s.push(b'\n');
    if let Some(from) = from {
        s.extend_from_slice(format!("from :{from}\n").as_bytes());
    }
    s.extend_from_slice(changes);
    s.push(b'\n');
    s
}

fn inline(path: &[u8], data: &str) -> Vec<u8> {
    let mut s = b"M 100644 inline ".to_vec();
    s.extend_from_slice(path);
    s.extend_from_slice(format!("\ndata {}\n{data}\n", data.len()).as_bytes());
    s
}

#[track_caller]
fn audit(repo: &TestRepo) -> (i32, String, String) {
    let out = aigate(repo.path(), &["audit"]);
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{}", describe(&out));
    (code, stdout, stderr)
}

#[test]
fn a_non_utf8_message_with_an_encoding_header_is_still_checked() {
    let repo = TestRepo::init();
    repo.write("a.txt", "a\n");
    repo.git(&["add", "a.txt"]);
    let tree = repo.git(&["write-tree"]).trim().to_owned();
    // Latin-1 "Café", then a Claude trailer.
    let mut raw = format!("tree {tree}\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\nencoding ISO-8859-1\n\nCaf").into_bytes();
    raw.extend_from_slice(b"\xe9 au lait\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
    std::fs::write(repo.path().join("raw"), &raw).unwrap();
    let id = repo
        .git(&["hash-object", "-t", "commit", "-w", "raw"])
        .trim()
        .to_owned();
    repo.git(&["update-ref", "refs/heads/main", &id]);
    let (code, out, _) = audit(&repo);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("claude-code-identity") && out.contains("Caf\u{fffd} au lait"),
        "{out}"
    );
}

#[test]
fn escape_sequences_in_messages_and_paths_are_neutralised_in_human_output() {
    let mut s = commit(
        1,
        None,
        b"\x1b[2J\x1b[31mInnocent\rsubject\xe2\x80\xae\n\nCo-Authored-By: Claude <noreply@anthropic.com> \x1b]0;title\x07\n",
        &inline(b"\"dir\\033[31m/CLAUDE.md\"", "x"),
    );
    s.extend(commit(
        2,
        Some(1),
        b"second",
        &inline(b"\"new\\nline/AGENTS.md\"", "y"),
    ));
    let repo = import(&s);
    let (code, out, _) = audit(&repo);
    assert_eq!(code, 1);
    assert!(
        !out.contains('\u{1b}')
            && !out.contains('\r')
            && !out.contains('\u{7}')
            && !out.contains('\u{202e}'),
        "{out:?}"
    );
    assert!(
        out.contains("\\e[2J\\e[31mInnocent\\rsubject\\u{202e}"),
        "{out}"
    );
    assert!(out.contains("path `dir\\e[31m/CLAUDE.md`"), "{out}");
    assert!(out.contains("path `new\\nline/AGENTS.md`"), "{out}");
}

#[test]
fn invalid_utf8_in_a_path_does_not_hide_the_marker_below_it() {
    let repo = import(&commit(
        1,
        None,
        b"bytes",
        &inline(b"\"caf\\351/.cursor/rules/a.mdc\"", "x"),
    ));
    let (code, out, _) = audit(&repo);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("caf\u{fffd}/.cursor/rules/a.mdc"), "{out}");
}

#[test]
fn a_commit_touching_100000_files_is_audited() {
    let mut changes = Vec::new();
    for i in 0..100_000 {
        changes.extend(inline(format!("d{}/f{i}.txt", i % 100).as_bytes(), ""));
    }
    changes.extend(inline(b"d7/CLAUDE.md", "x"));
    let repo = import(&commit(1, None, b"huge", &changes));
    let (code, out, _) = audit(&repo);
    assert_eq!(code, 1);
    assert!(out.contains("path `d7/CLAUDE.md`"), "{out}");
}

#[test]
fn a_tree_1000_levels_deep_is_audited() {
    let deep: String = (0..1000).map(|i| format!("d{}/", i % 10)).collect();
    let path = format!("{deep}CLAUDE.md");
    let repo = import(&commit(1, None, b"deep", &inline(path.as_bytes(), "x")));
    let (code, out, err) = audit(&repo);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("/d9/CLAUDE.md`"), "{out}");
}

#[test]
fn a_message_of_several_megabytes_is_audited() {
    let mut message = "Big\n\n".to_owned();
    for i in 0..200_000 {
        message.push_str(&format!("line {i} of a long generated changelog entry\n"));
    }
    message.push_str("Co-authored-by: Codex <noreply@openai.com>\n");
    assert!(message.len() > 8_000_000);
    let repo = import(&commit(1, None, message.as_bytes(), &inline(b"a.txt", "x")));
    let (code, out, _) = audit(&repo);
    assert_eq!(code, 1);
    assert!(out.contains("codex-identity"), "{out}");
}

#[test]
fn a_missing_object_is_a_one_line_error_with_status_2() {
    let repo = TestRepo::init();
    repo.write("sub/a.txt", "a\n");
    repo.commit_all("one");
    repo.write("b.txt", "b\n");
    repo.commit_all("two");
    let tree = repo.git(&["rev-parse", "HEAD~1:sub"]).trim().to_owned();
    std::fs::remove_file(
        repo.path()
            .join(".git/objects")
            .join(&tree[..2])
            .join(&tree[2..]),
    )
    .unwrap();
    let (code, _, err) = audit(&repo);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "aigate: error: tree {tree} at `sub/`: object not found in the repository"
        )),
        "{err}"
    );
}

#[test]
fn a_shallow_clone_treats_its_boundary_as_a_root() {
    let origin = TestRepo::init();
    origin.write("CLAUDE.md", "x\n");
    origin.commit_all("old marker");
    for i in 0..3 {
        origin.write("f.txt", format!("{i}\n"));
        origin.commit_all("work");
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    let out = git_command(dir.path())
        .args(["clone", "-q", "--depth", "2", &url, "c"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let out = aigate(&dir.path().join("c"), &["audit", "--format", "json"]);
    // The boundary commit's parent is missing: like `git log`, it counts as a root commit,
    // so the CLAUDE.md in its tree is reported rather than the audit failing.
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["commits_scanned"], 2);
    assert_eq!(json["findings"][0]["path"], "CLAUDE.md");
}

#[test]
fn an_empty_repository_and_an_unborn_head_are_clean() {
    let repo = TestRepo::init();
    let (code, out, _) = audit(&repo);
    assert_eq!(code, 0);
    assert!(out.contains("no findings in 0 commits"), "{out}");
}

#[test]
fn trees_nested_to_the_depth_limit_are_audited_and_deeper_ones_are_a_clear_error() {
    // Single-letter directories keep the path short enough for git.
    let path = |depth: usize| format!("{}CLAUDE.md", "d/".repeat(depth));
    let deep = import(&commit(
        1,
        None,
        b"deep",
        &inline(path(4_000).as_bytes(), "x"),
    ));
    let (code, out, err) = audit(&deep);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("/d/CLAUDE.md`"), "{out}");

    let deeper = import(&commit(
        1,
        None,
        b"deeper",
        &inline(path(5_000).as_bytes(), "x"),
    ));
    let (code, _, err) = audit(&deeper);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nested more than 4096 levels deep"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // The server hook walks the same trees on its own stack. git refuses to send a tree
    // deeper than its core.maxTreeDepth ("exceeded maximum allowed tree depth" at 4,000
    // levels with git 2.47), so a push brings 2,000 levels here.
    let deep = import(&commit(
        1,
        None,
        b"deep",
        &inline(path(2_000).as_bytes(), "x"),
    ));
    let server = TestRepo::init_bare();
    let out = aigate(server.path(), &["install", "--server"]);
    assert!(out.status.success(), "{}", describe(&out));
    let url = format!("file://{}", server.path().display());
    let out = git_command(deep.path())
        .args(["push", "-q", &url, "main"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "accepted");
    assert!(
        stderr.contains("pre-receive hook declined") && stderr.contains("/d/CLAUDE.md`"),
        "{}",
        &stderr[..stderr.len().min(2_000)]
    );
}

/// The hooks of `git commit` run on the main thread (its stack is not aigate's own): a
/// marker staged 2,000 directories deep, below a cache-tree invalid all along the way, is
/// found with no overflow. An index entry of 4,095 bytes or more (its length then not
/// stored) is a one-line error: gix does not read such an index.
#[test]
fn a_marker_staged_2000_levels_deep_is_found_by_pre_commit() {
    for (depth, found) in [(2_000, true), (2_100, false)] {
        let dir = "d/".repeat(depth);
        let repo = import(&commit(
            1,
            None,
            b"deep",
            &inline(format!("{dir}README").as_bytes(), "x"),
        ));
        // git may refuse deep trees past its core.maxTreeDepth: raised for the test.
        repo.git(&["-c", "core.maxTreeDepth=100000", "read-tree", "HEAD"]);
        let blob = repo.git(&["hash-object", "-w", "--stdin"]);
        let info = format!("100644,{},{dir}CLAUDE.md", blob.trim());
        repo.git(&["update-index", "--add", "--cacheinfo", &info]);
        let out = aigate(repo.path(), &["hook", "pre-commit"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let shown = &stderr[..stderr.len().min(2_000)];
        if found {
            assert_eq!(out.status.code(), Some(1), "{shown}");
            assert!(stderr.contains("/d/CLAUDE.md"), "{shown}");
        } else {
            assert_eq!(out.status.code(), Some(2), "{shown}");
            assert!(stderr.contains("reading the index"), "{shown}");
            assert_eq!(stderr.lines().count(), 1, "{shown}");
        }
    }
}

#[test]
fn a_corrupt_pack_gives_a_verdict_or_a_one_line_error_never_a_crash() {
    let origin = TestRepo::init();
    for i in 0..30 {
        origin.write(
            &format!("dir{}/file{i}.txt", i % 4),
            format!("content {i}\n").repeat(20),
        );
        if i % 7 == 0 {
            origin.write("CLAUDE.md", format!("{i}\n"));
        }
        origin.commit_all(&format!("commit {i}"));
    }
    origin.git(&["gc", "-q", "--aggressive"]);
    let pack_dir = origin.path().join(".git/objects/pack");
    let pack = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("a pack");
    let pristine = std::fs::read(&pack).unwrap();
    // Bytes all over the pack, headers and compressed data alike, each flipped in turn.
    for k in 1..60 {
        let at = 12 + (pristine.len() - 32) * k / 60;
        let mut bytes = pristine.clone();
        bytes[at] ^= 0xff;
        let mut perms = std::fs::metadata(&pack).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&pack, perms).unwrap();
        std::fs::write(&pack, &bytes).unwrap();
        let out = aigate(origin.path(), &["audit", "--format", "json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        assert!(matches!(code, Some(0..=2)), "byte {at}: {}", describe(&out));
        assert!(
            !stderr.contains("panicked") && !stderr.contains("overflow"),
            "byte {at}: {stderr}"
        );
        if code == Some(2) {
            assert_eq!(stderr.lines().count(), 1, "byte {at}: {stderr}");
        }
    }
}

/// A repository whose `main` has a clean commit, then a commit adding `CLAUDE.md`, then a
/// clean one; returns the repository and the three ids, oldest first.
fn three_commits() -> (TestRepo, [String; 3]) {
    let repo = TestRepo::init();
    repo.write("a.txt", "a\n");
    let a = repo.commit_all("one");
    repo.write("CLAUDE.md", "# memory\n");
    let b = repo.commit_all("two");
    repo.write("c.txt", "c\n");
    let c = repo.commit_all("three");
    (repo, [a, b, c])
}

#[test]
fn a_ref_to_a_missing_commit_is_an_error_naming_the_ref() {
    let (repo, _) = three_commits();
    let missing = "1234567890123456789012345678901234567890";
    std::fs::write(
        repo.path().join(".git/refs/heads/dangling"),
        format!("{missing}\n"),
    )
    .unwrap();
    let (code, _, err) = audit(&repo);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("refs/heads/dangling") && err.contains(missing),
        "{err}"
    );
}

#[test]
fn a_ref_to_a_corrupt_commit_is_an_error_naming_the_ref() {
    let (repo, [_, _, c]) = three_commits();
    repo.git(&["branch", "side", &c]);
    // Replace the loose object of the tip with garbage that still inflates.
    let path = repo.path().join(".git/objects").join(&c[..2]).join(&c[2..]);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"not a zlib stream").unwrap();
    let (code, _, err) = audit(&repo);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("refs/heads/"), "{err}");
}

#[test]
fn grafts_do_not_hide_commits_from_the_audit() {
    let (repo, [_, b, c]) = three_commits();
    // Graft the tip onto nothing: `git log` now shows one commit, the objects hold three.
    std::fs::create_dir_all(repo.path().join(".git/info")).unwrap();
    std::fs::write(repo.path().join(".git/info/grafts"), format!("{c}\n")).unwrap();
    let out = aigate(repo.path(), &["audit", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["commits_scanned"], 3, "{json}");
    assert_eq!(json["findings"][0]["commit"], b.as_str(), "{json}");
}

#[test]
fn replace_refs_do_not_hide_commits_from_the_audit() {
    let repo = TestRepo::init();
    repo.write("a.txt", "a\n");
    repo.commit_all("one");
    repo.write("b.txt", "b\n");
    let flagged = repo.commit_all("two\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    repo.write("c.txt", "c\n");
    repo.commit_all("three");
    // A copy of the flagged commit without the trailer, put in its place by a replace ref.
    let raw = repo.git(&["cat-file", "commit", &flagged]);
    let clean_raw = raw.replace("Co-Authored-By: Claude <noreply@anthropic.com>", "");
    let mut child = git_command(repo.path())
        .args(["hash-object", "-t", "commit", "-w", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(clean_raw.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let clean = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    repo.git(&["replace", &flagged, &clean]);
    let log = repo.git(&["log", "--all", "--format=%B"]);
    assert!(
        !log.contains("Claude"),
        "git applies the replacement: {log}"
    );

    let out = aigate(repo.path(), &["audit", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The three commits of `main` as stored, plus the replacement (reached from its ref).
    assert_eq!(json["summary"]["commits_scanned"], 4, "{json}");
    assert_eq!(json["findings"][0]["commit"], flagged.as_str(), "{json}");
}

#[test]
fn every_tag_object_of_a_tag_chain_is_audited() {
    let (repo, _) = three_commits();
    repo.git(&[
        "tag",
        "-a",
        "inner",
        "-m",
        "Release\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    ]);
    repo.git(&["tag", "-a", "outer", "inner", "-m", "Wrap the release"]);
    let inner = repo.git(&["rev-parse", "inner"]).trim().to_owned();
    // Reachable only through the outer tag now.
    repo.git(&["tag", "-d", "inner"]);
    let out = aigate(repo.path(), &["audit", "--format", "json", "--no-paths"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tagged: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["commit"].as_str())
        .collect();
    assert_eq!(tagged, [inner.as_str()], "{json}");
}
