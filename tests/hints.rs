//! Fix hints that work when followed: for each kind of hint, a repository made with the real
//! git, the hint taken from `aigate audit --format json`, run as written on a throwaway copy
//! (the editors git opens are scripts doing what the hint asks: mark the commit in the todo
//! list, delete the line from the message), then the copy audited clean. Merges must
//! survive the rewrite.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{aigate_json, describe, git_command, TestRepo};

const TRAILER: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";

/// One finding of the audit: commit, the line (for message findings) and the hint.
#[derive(Debug, Clone)]
struct Found {
    commit: String,
    tag: Option<String>,
    line: Option<String>,
    hint: String,
}

fn audit(dir: &Path) -> Vec<Found> {
    let (code, json) = aigate_json(dir, &["audit", "--format", "json", "--no-progress"]);
    let found: Vec<Found> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| Found {
            commit: f["commit"].as_str().unwrap().to_owned(),
            tag: f["tag"].as_str().map(str::to_owned),
            line: f["line"].as_str().map(str::to_owned),
            hint: f["hint"].as_str().unwrap().to_owned(),
        })
        .collect();
    assert_eq!(code, i32::from(!found.is_empty()), "{found:?}");
    found
}

/// The commands of a hint, in the order written (the text between backticks).
fn commands(hint: &str) -> Vec<String> {
    hint.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn sh(dir: &Path, script: &str, env: &[(&str, String)]) -> Output {
    // The clean environment of the helpers' git, for the shell that runs the hint.
    let clean: Command = git_command(dir);
    let mut cmd = Command::new("sh");
    cmd.current_dir(dir)
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null());
    for (k, v) in clean.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run sh")
}

#[track_caller]
fn ok(o: &Output, what: &str) {
    assert!(o.status.success(), "{what}: {}", describe(o));
}

fn write_script(path: &Path, body: &str) -> String {
    std::fs::write(path, format!("#!/bin/sh\nset -e\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path.display().to_string()
}

/// The todo-list edit the hint asks for, as a `GIT_SEQUENCE_EDITOR` script: the line of the
/// commit is found by its abbreviated id, which the hint's id starts with.
fn sequence_editor(dir: &Path, hint: &str) -> String {
    let (mode, short) = if let Some(rest) = hint
        .split("change `pick` to `edit` on the line of commit ")
        .nth(1)
    {
        ("edit", rest)
    } else if let Some(rest) = hint
        .split("change `pick` to `reword` on the line of commit ")
        .nth(1)
    {
        ("reword", rest)
    } else if let Some(rest) = hint
        .split("add a line `break` after the `merge -C` line of commit ")
        .nth(1)
    {
        ("break", rest)
    } else if let Some(rest) = hint
        .split("change `merge -C` to `merge -c` on the line of commit ")
        .nth(1)
    {
        ("merge-c", rest)
    } else {
        panic!("the hint says no todo-list edit: {hint}");
    };
    let short: String = short.chars().take_while(char::is_ascii_hexdigit).collect();
    let awk = r#"
{
  printed = 0
  if (mode == "edit" || mode == "reword") {
    if ($1 == "pick" && index(short, $2) == 1) { $1 = mode; hit++ }
  } else if ($1 == "merge" && $2 == "-C" && index(short, $3) == 1) {
    if (mode == "merge-c") { $2 = "-c"; hit++ } else { print; print "break"; printed = 1; hit++ }
  }
  if (!printed) print
}
END { if (hit != 1) { print "commit " short " found " hit " times in the todo list" > "/dev/stderr"; exit 1 } }"#;
    let script = format!(
        "awk -v mode={mode} -v short={short} '{awk}' \"$1\" > \"$1.new\"\nmv \"$1.new\" \"$1\""
    );
    write_script(&dir.join(".git/seq-editor.sh"), &script)
}

/// The message edit the hint asks for: the line of the finding deleted, or replaced by the
/// line the hint gives (`replace that line with `...``), and a trailer the hint names added
/// at the end (`add the trailer `...``). A message left empty gets a subject, as a person
/// would write one.
fn message_editor(dir: &Path, line: Option<&str>, hint: &str) -> String {
    let after = |marker: &str| {
        hint.split(marker)
            .nth(1)
            .and_then(|r| r.split('`').next())
            .unwrap_or("")
            .to_owned()
    };
    let replace = after("replace that line with `");
    let append = after("add the trailer `");
    std::fs::write(dir.join(".git/drop-line"), line.unwrap_or("\u{1}none\u{1}")).unwrap();
    std::fs::write(dir.join(".git/new-line"), &replace).unwrap();
    std::fs::write(dir.join(".git/add-line"), &append).unwrap();
    let awk = r#"
BEGIN { getline drop < (d "/drop-line"); getline put < (d "/new-line"); getline add < (d "/add-line") }
$0 == drop { if (put != "") print put; next }
{ print }
END { if (add != "") print add }"#;
    write_script(
        &dir.join(".git/msg-editor.sh"),
        &format!(
            "d=\"$(dirname \"$0\")\"\nawk -v d=\"$d\" '{awk}' \"$1\" > \"$1.new\"\nmv \"$1.new\" \"$1\"\ngrep -q '^[^#]' \"$1\" || echo Release > \"$1\""
        ),
    )
}

/// Follows one hint on `dir`, as written.
fn follow(dir: &Path, f: &Found) {
    let cmds = commands(&f.hint);
    let env = vec![
        ("GIT_SEQUENCE_EDITOR", String::new()),
        (
            "GIT_EDITOR",
            message_editor(dir, f.line.as_deref(), &f.hint),
        ),
    ];
    let head = sh(dir, "git rev-parse HEAD", &[]);
    let is_head = String::from_utf8_lossy(&head.stdout).trim() == f.commit;
    if f.tag.is_some() {
        // `git tag -f -a NAME NAME^{}`
        let tag = cmds
            .iter()
            .find(|c| c.starts_with("git tag -f -a"))
            .unwrap();
        ok(&sh(dir, tag, &env), &f.hint);
        return;
    }
    // "... `git commit --amend` if it is the last commit, else run `git rebase ...` ..."
    if is_head && f.hint.contains("if it is the last commit") {
        let amend = cmds
            .iter()
            .find(|c| c.starts_with("git commit --amend"))
            .unwrap();
        ok(&sh(dir, amend, &env), &f.hint);
        return;
    }
    let rebase = cmds
        .iter()
        .find(|c| c.starts_with("git rebase -i"))
        .unwrap_or_else(|| panic!("no rebase in the hint: {}", f.hint));
    let mut env = env;
    env[0].1 = sequence_editor(dir, &f.hint);
    ok(&sh(dir, rebase, &env), rebase);
    // What to run where the rebase stops.
    if let Some(then) = f.hint.split(", then `").nth(1) {
        let then = then.split('`').next().unwrap();
        ok(&sh(dir, then, &env), then);
    }
    let state = sh(dir, "test ! -d .git/rebase-merge", &[]);
    assert!(
        state.status.success(),
        "the rebase did not finish: {}",
        f.hint
    );
}

fn merges(dir: &Path) -> usize {
    let o = sh(dir, "git rev-list --merges --all | wc -l", &[]);
    String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
}

/// Audits `repo`, checks `check` on the hints, then on a copy follows the hint of the first
/// finding until none is left; the copy must keep its merges.
#[track_caller]
fn follow_until_clean(repo: &TestRepo, check: impl Fn(&[Found])) {
    let found = audit(repo.path());
    assert!(!found.is_empty(), "the scenario has a finding");
    check(&found);
    let copy = tempfile::tempdir().unwrap();
    let dst = copy.path().join("repo");
    ok(
        &Command::new("cp")
            .arg("-a")
            .arg(repo.path())
            .arg(&dst)
            .output()
            .unwrap(),
        "cp -a",
    );
    let before = merges(&dst);
    let mut left = found;
    for _ in 0..6 {
        if left.is_empty() {
            break;
        }
        let n = left.len();
        follow(&dst, &left[0]);
        left = audit(&dst);
        assert!(left.len() < n, "following a hint left {left:?}");
    }
    assert!(
        left.is_empty(),
        "still found after following the hints: {left:?}"
    );
    assert_eq!(merges(&dst), before, "the rewrite kept every merge");
}

fn has(found: &[Found], needle: &str) -> bool {
    found.iter().any(|f| f.hint.contains(needle))
}

fn commit_on(repo: &TestRepo, file: &str, message: &str) -> String {
    repo.write(file, format!("{message}\n"));
    repo.commit_all(message)
}

/// main: base, feature merged in with a merge commit (the merged branch then deleted, as
/// after a pull request: a rebase rewrites the current branch only), then one more commit.
fn merge_branch(repo: &TestRepo, side: impl Fn(&TestRepo)) {
    repo.git(&["checkout", "-q", "-b", "side"]);
    side(repo);
    repo.git(&["checkout", "-q", "main"]);
    commit_on(repo, "main.txt", "Main work");
    repo.git(&["merge", "-q", "--no-ff", "--no-edit", "side"]);
    repo.git(&["branch", "-q", "-d", "side"]);
    commit_on(repo, "after.txt", "After the merge");
}

#[test]
fn a_path_in_a_middle_commit_is_removed_by_following_its_hint() {
    let repo = TestRepo::init();
    commit_on(&repo, "a.txt", "Base");
    repo.write("CLAUDE.md", "notes\n");
    repo.commit_all("Add notes");
    commit_on(&repo, "b.txt", "Later");
    follow_until_clean(&repo, |f| {
        assert!(has(f, "change `pick` to `edit`"), "{f:?}")
    });
}

#[test]
fn a_path_in_the_root_commit_needs_rebase_root() {
    let repo = TestRepo::init();
    repo.write("CLAUDE.md", "notes\n");
    repo.commit_all("Root with notes");
    commit_on(&repo, "b.txt", "Later");
    follow_until_clean(&repo, |f| {
        assert!(has(f, "`git rebase -i --rebase-merges --root`"), "{f:?}")
    });
}

#[test]
fn a_path_below_a_merge_keeps_the_merge() {
    let repo = TestRepo::init();
    commit_on(&repo, "a.txt", "Base");
    merge_branch(&repo, |r| {
        r.write("CLAUDE.md", "notes\n");
        r.commit_all("Side adds notes");
    });
    follow_until_clean(&repo, |f| assert!(has(f, "--rebase-merges"), "{f:?}"));
}

#[test]
fn a_path_added_by_a_merge_itself_is_removed_at_a_break() {
    let repo = TestRepo::init();
    commit_on(&repo, "a.txt", "Base");
    repo.git(&["checkout", "-q", "-b", "side"]);
    commit_on(&repo, "s.txt", "Side work");
    repo.git(&["checkout", "-q", "main"]);
    commit_on(&repo, "m.txt", "Main work");
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    repo.write("CLAUDE.md", "notes\n");
    repo.git(&["add", "CLAUDE.md"]);
    repo.git(&["commit", "-q", "--no-edit"]);
    repo.git(&["branch", "-q", "-d", "side"]);
    commit_on(&repo, "after.txt", "After");
    follow_until_clean(&repo, |f| {
        assert!(
            has(f, "add a line `break` after the `merge -C` line"),
            "{f:?}"
        )
    });
}

#[test]
fn a_trailer_in_the_last_commit_goes_with_amend() {
    let repo = TestRepo::init();
    commit_on(&repo, "a.txt", "Base");
    commit_on(&repo, "fix.txt", &format!("Fix\n\n{TRAILER}\n"));
    follow_until_clean(&repo, |f| {
        assert!(
            has(f, "`git commit --amend` if it is the last commit"),
            "{f:?}"
        )
    });
}

#[test]
fn a_trailer_in_an_older_commit_below_a_merge_is_reworded() {
    let repo = TestRepo::init();
    commit_on(&repo, "a.txt", "Base");
    commit_on(&repo, "fix.txt", &format!("Fix\n\n{TRAILER}\n"));
    merge_branch(&repo, |r| {
        commit_on(r, "s.txt", "Side work");
    });
    follow_until_clean(&repo, |f| {
        assert!(has(f, "change `pick` to `reword`"), "{f:?}");
        assert!(has(f, "--rebase-merges"), "{f:?}");
    });
}

#[test]
fn a_trailer_in_the_root_commit_is_reworded_with_rebase_root() {
    let repo = TestRepo::init();
    commit_on(&repo, "root.txt", &format!("Root\n\n{TRAILER}\n"));
    commit_on(&repo, "a.txt", "Later");
    follow_until_clean(&repo, |f| assert!(has(f, "--root"), "{f:?}"));
}

#[test]
fn a_trailer_in_a_merge_message_is_reworded_with_merge_c() {
    let repo = TestRepo::init();
    commit_on(&repo, "a.txt", "Base");
    repo.git(&["checkout", "-q", "-b", "side"]);
    commit_on(&repo, "s.txt", "Side work");
    repo.git(&["checkout", "-q", "main"]);
    commit_on(&repo, "m.txt", "Main work");
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "-m",
        &format!("Merge side\n\n{TRAILER}"),
        "side",
    ]);
    commit_on(&repo, "after.txt", "After");
    follow_until_clean(&repo, |f| {
        assert!(has(f, "change `merge -C` to `merge -c`"), "{f:?}")
    });
}

#[test]
fn an_assistant_author_is_reset_by_following_its_hint() {
    let repo = TestRepo::init();
    commit_on(&repo, "a.txt", "Base");
    repo.write("b.txt", "b\n");
    repo.commit_with(
        "By the bot",
        &[
            ("GIT_AUTHOR_NAME", "Claude"),
            ("GIT_AUTHOR_EMAIL", "noreply@anthropic.com"),
        ],
    );
    commit_on(&repo, "c.txt", "Later");
    follow_until_clean(&repo, |f| {
        assert!(has(f, "--reset-author && git rebase --continue"), "{f:?}")
    });
}

#[test]
fn a_tag_message_and_tagger_are_fixed_by_recreating_the_tag() {
    let repo = TestRepo::init();
    commit_on(&repo, "a.txt", "Base");
    let o = git_command(repo.path())
        .args(["tag", "-a", "v1", "-m", &format!("Release\n\n{TRAILER}")])
        .env("GIT_COMMITTER_NAME", "Claude")
        .env("GIT_COMMITTER_EMAIL", "noreply@anthropic.com")
        .output()
        .unwrap();
    ok(&o, "git tag");
    follow_until_clean(&repo, |f| {
        assert!(has(f, "`git tag -f -a v1 v1^{}`"), "{f:?}")
    });
}

/// The hooks' own hints, followed as written: the pre-commit hook's for a staged marker, the
/// commit-msg hook's for a message line (with the footer's command to commit again).
#[test]
fn the_hints_of_the_local_hooks_work_when_followed() {
    let repo = TestRepo::init();
    commit_on(&repo, "a.txt", "Base");
    let o = common::aigate(repo.path(), &["install"]);
    ok(&o, "install");
    let path = [("PATH", common::path_with_aigate().into_string().unwrap())];
    repo.write("CLAUDE.md", "notes\n");
    ok(&sh(repo.path(), "git add CLAUDE.md", &[]), "add");
    let o = sh(repo.path(), "git commit -q -m notes", &path);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let hint = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("fix: "))
        .unwrap_or_else(|| panic!("no hint: {err}"));
    // "unstage it with `git rm --cached -r -- CLAUDE.md` and add it to .gitignore"
    ok(&sh(repo.path(), &commands(hint)[0], &[]), hint);
    assert!(hint.ends_with("and add it to .gitignore"), "{hint}");
    ok(
        &sh(
            repo.path(),
            "echo CLAUDE.md >> .gitignore && git add .gitignore",
            &[],
        ),
        "ignore",
    );
    ok(
        &sh(repo.path(), "git commit -q -m 'Ignore notes'", &path),
        "commit after the hint",
    );

    repo.write("fix.txt", "fix\n");
    let o = sh(
        repo.path(),
        &format!("git add fix.txt && git commit -q -m 'Fix\n\n{TRAILER}'"),
        &path,
    );
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        err.contains("fix: delete that line from the commit message"),
        "{err}"
    );
    let again = err
        .lines()
        .find(|l| l.contains("commit again with"))
        .and_then(|l| {
            commands(l)
                .into_iter()
                .find(|c| c.starts_with("git commit"))
        })
        .unwrap_or_else(|| panic!("no command to commit again: {err}"));
    let mut env = path.to_vec();
    env.push(("GIT_EDITOR", message_editor(repo.path(), Some(TRAILER), "")));
    ok(&sh(repo.path(), &again, &env), &again);
    assert!(audit(repo.path()).is_empty());
}

/// The disclosure policy's hints: a co-author line replaced by the line the hint gives, a
/// missing disclosure added, each in an older commit below a merge and in the last commit.
#[test]
fn the_disclosure_hints_work_when_followed() {
    let repo = TestRepo::init();
    repo.write(".aigate.toml", "[policy]\ndisclose = [\"*\"]\n");
    repo.commit_all("Policy");
    commit_on(&repo, "fix.txt", &format!("Fix\n\n{TRAILER}\n"));
    commit_on(
        &repo,
        "gen.txt",
        "Generated\n\nClaude-Session: https://claude.ai/code/session_01abc\n",
    );
    commit_on(
        &repo,
        "sob.txt",
        "Signed\n\nAssisted-by: Claude Code\nSigned-off-by: Claude <noreply@anthropic.com>\n",
    );
    merge_branch(&repo, |r| {
        commit_on(r, "s.txt", "Side work");
    });
    commit_on(
        &repo,
        "last.txt",
        "Last\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
    );
    follow_until_clean(&repo, |f| {
        assert!(
            has(f, "replace that line with `Assisted-by: Claude Code`"),
            "{f:?}"
        );
        assert!(
            has(f, "add the trailer `Assisted-by: Claude Code`"),
            "{f:?}"
        );
        assert!(
            has(
                f,
                "(to edit the message: `git commit --amend` if it is the last commit"
            ),
            "{f:?}"
        );
        assert!(has(f, "delete that `Signed-off-by:` line"), "{f:?}");
    });
}

/// A preset that wants a person as author (the kernel's): the hint resets the author of an
/// older commit.
#[test]
fn the_author_hint_of_the_kernel_preset_works_when_followed() {
    let repo = TestRepo::init();
    repo.write(".aigate.toml", "[policy]\npreset = \"linux-kernel\"\n");
    repo.commit_all("Policy");
    repo.write("b.txt", "b\n");
    repo.commit_with(
        "By the bot\n\nAssisted-by: LLM",
        &[
            ("GIT_AUTHOR_NAME", "Claude"),
            ("GIT_AUTHOR_EMAIL", "noreply@anthropic.com"),
        ],
    );
    commit_on(&repo, "c.txt", "Later");
    follow_until_clean(&repo, |f| {
        assert!(
            has(
                f,
                "the author of a commit must be a person: commit as yourself"
            ),
            "{f:?}"
        )
    });
}
