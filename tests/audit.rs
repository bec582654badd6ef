//! `aigate audit` end to end: repositories made with the real `git`, covering each kind of
//! marker for several assistants, the evasions the normaliser undoes, renames, symlinks,
//! merges and deletions, the precision cases that must stay silent, and the policy file.

mod common;

use common::{aigate, aigate_json, describe, TestRepo};
use serde_json::Value;

/// `(commit, rule, kind, where)` of every finding, sorted, with `where` the path, line or
/// identity.
#[track_caller]
fn findings(repo: &TestRepo, args: &[&str]) -> (i32, Vec<(String, String, String, String)>) {
    let mut full = vec!["audit", "--format", "json"];
    full.extend_from_slice(args);
    let (code, json) = aigate_json(repo.path(), &full);
    let mut out: Vec<_> = json["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let place = ["path", "line", "identity"]
                .iter()
                .find_map(|k| f[*k].as_str())
                .unwrap_or_default()
                .to_owned();
            (
                f["commit"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
                f["kind"].as_str().unwrap().to_owned(),
                place,
            )
        })
        .collect();
    out.sort();
    (code, out)
}

fn rules_of(found: &[(String, String, String, String)], commit: &str) -> Vec<String> {
    let mut r: Vec<String> = found
        .iter()
        .filter(|f| f.0 == commit)
        .map(|f| f.1.clone())
        .collect();
    r.sort();
    r.dedup();
    r
}

fn repo_with_base() -> TestRepo {
    let repo = TestRepo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("Initial commit");
    repo
}

#[test]
fn finds_marker_files_of_several_assistants_at_any_depth() {
    let repo = repo_with_base();
    repo.write("CLAUDE.md", "guidance\n");
    let claude = repo.commit_all("Add project notes");
    repo.write("apps/web/.cursor/rules/style.mdc", "rules\n");
    let cursor = repo.commit_all("Style rules");
    repo.write(".github/copilot-instructions.md", "x\n");
    let copilot = repo.commit_all("Contributor notes");
    repo.write("services/api/Agents.md", "x\n");
    let agents = repo.commit_all("Docs");

    let (code, found) = findings(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(rules_of(&found, &claude), ["claude-code-memory-file"]);
    assert_eq!(rules_of(&found, &cursor), ["cursor-config-dir"]);
    assert_eq!(rules_of(&found, &copilot), ["copilot-instructions"]);
    assert_eq!(
        rules_of(&found, &agents),
        ["agents-md-file"],
        "basenames match case-insensitively"
    );
    assert_eq!(found.len(), 4, "{found:#?}");
}

#[test]
fn finds_message_markers_anywhere_in_the_body() {
    let repo = repo_with_base();
    repo.write("a.txt", "1\n");
    let footer = repo
        .commit_all("Add a\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n");
    repo.write("a.txt", "2\n");
    // The trailer is in the middle paragraph, not the last one: git's trailer parser would
    // miss it.
    let middle = repo.commit_all("Change a\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n\nMore words after it.\n");
    repo.write("a.txt", "3\n");
    let aider = repo.commit_all(
        "Fix a\n\nCo-authored-by: aider (anthropic/claude-sonnet-4) <aider@aider.chat>\n",
    );
    repo.write("a.txt", "4\n");
    let crlf = repo.commit_all("Edit a\r\n\r\nMade-with: Cursor\r\n");

    let (code, found) = findings(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(rules_of(&found, &footer), ["claude-code-generated-footer"]);
    assert_eq!(rules_of(&found, &middle), ["cursor-identity"]);
    assert_eq!(rules_of(&found, &aider), ["aider-identity"]);
    assert_eq!(rules_of(&found, &crlf), ["cursor-made-with"]);
    assert!(found.iter().all(|f| f.2 == "message"), "{found:#?}");
}

#[test]
fn finds_bot_and_tool_identities_not_display_names() {
    let repo = repo_with_base();
    repo.write("b.txt", "1\n");
    let swe = repo.commit_with(
        "Implement feature",
        &[
            ("GIT_AUTHOR_NAME", "copilot-swe-agent[bot]"),
            (
                "GIT_AUTHOR_EMAIL",
                "198982749+Copilot@users.noreply.github.com",
            ),
        ],
    );
    repo.write("b.txt", "2\n");
    let aider_name = repo.commit_with(
        "Refactor",
        &[
            ("GIT_COMMITTER_NAME", "Jane Doe (aider)"),
            ("GIT_COMMITTER_EMAIL", "jane@example.com"),
        ],
    );
    repo.write("b.txt", "3\n");
    let jules = repo.commit_with(
        "Update deps",
        &[
            ("GIT_AUTHOR_NAME", "google-labs-jules[bot]"),
            (
                "GIT_AUTHOR_EMAIL",
                "161369871+google-labs-jules[bot]@users.noreply.github.com",
            ),
        ],
    );
    repo.write("b.txt", "4\n");
    let web = repo.commit_with(
        "Claude on the web",
        &[
            ("GIT_AUTHOR_NAME", "Claude"),
            ("GIT_AUTHOR_EMAIL", "noreply@anthropic.com"),
            ("GIT_COMMITTER_NAME", "Claude"),
            ("GIT_COMMITTER_EMAIL", "noreply@anthropic.com"),
        ],
    );

    let (_, found) = findings(&repo, &[]);
    assert_eq!(rules_of(&found, &swe), ["copilot-identity"]);
    assert_eq!(rules_of(&found, &aider_name), ["aider-identity"]);
    assert_eq!(rules_of(&found, &jules), ["jules-identity"]);
    let web_places: Vec<_> = found
        .iter()
        .filter(|f| f.0 == web)
        .map(|f| f.3.as_str())
        .collect();
    assert_eq!(
        web_places, ["Claude <noreply@anthropic.com>"; 2],
        "author and committer"
    );
}

#[test]
fn lookalike_letters_zero_width_and_full_width_forms_do_not_hide_a_trailer() {
    let repo = repo_with_base();
    repo.write("c.txt", "1\n");
    // Cyrillic С and о.
    let cyrillic =
        repo.commit_all("One\n\nCo-Authored-By: \u{0421}laude <noreply@anthr\u{043e}pic.com>\n");
    repo.write("c.txt", "2\n");
    let zero_width =
        repo.commit_all("Two\n\nCo-Authored-By: Cla\u{200b}ude <nore\u{200b}ply@anthropic.com>\n");
    repo.write("c.txt", "3\n");
    let full_width = repo.commit_all("Three\n\nＭａｄｅ-ｗｉｔｈ: Ｃｕｒｓｏｒ\n");

    let (_, found) = findings(&repo, &[]);
    assert_eq!(rules_of(&found, &cyrillic), ["claude-code-identity"]);
    assert_eq!(rules_of(&found, &zero_width), ["claude-code-identity"]);
    assert_eq!(rules_of(&found, &full_width), ["cursor-made-with"]);
    let line = &found.iter().find(|f| f.0 == cyrillic).unwrap().3;
    assert!(
        line.contains('\u{0421}'),
        "the line is reported as written: {line:?}"
    );
}

#[test]
fn renames_and_symlinks_into_a_marker_path_count_and_deletions_do_not() {
    let repo = repo_with_base();
    repo.write("notes.md", "notes\n");
    let notes = repo.commit_all("Notes");
    repo.git(&["mv", "notes.md", "CLAUDE.md"]);
    let rename = repo.commit_all("Rename notes");
    repo.git(&["rm", "-q", "CLAUDE.md"]);
    let delete = repo.commit_all("Remove the assistant notes");
    std::os::unix::fs::symlink("README.md", repo.path().join("AGENTS.md")).unwrap();
    let symlink = repo.commit_all("Link agents file");
    // A symlinked directory named like a marker directory.
    std::fs::create_dir(repo.path().join("tooling")).unwrap();
    repo.write("tooling/settings.json", "{}\n");
    std::os::unix::fs::symlink("tooling", repo.path().join(".claude")).unwrap();
    let dir_link = repo.commit_all("Tooling");
    // A file that becomes a symlink at the same path: a type change.
    repo.write("GEMINI.md", "x\n");
    let gemini = repo.commit_all("Gemini notes");
    std::fs::remove_file(repo.path().join("GEMINI.md")).unwrap();
    std::os::unix::fs::symlink("README.md", repo.path().join("GEMINI.md")).unwrap();
    let typechange = repo.commit_all("Link gemini notes");

    let (_, found) = findings(&repo, &[]);
    assert!(rules_of(&found, &notes).is_empty());
    assert_eq!(rules_of(&found, &rename), ["claude-code-memory-file"]);
    assert!(
        rules_of(&found, &delete).is_empty(),
        "deleting a marker is the fix: {found:#?}"
    );
    assert_eq!(rules_of(&found, &symlink), ["agents-md-file"]);
    assert_eq!(rules_of(&found, &dir_link), ["claude-code-config-dir"]);
    assert_eq!(rules_of(&found, &gemini), ["gemini-memory-file"]);
    assert_eq!(rules_of(&found, &typechange), ["gemini-memory-file"]);
}

#[test]
fn an_evil_merge_that_adds_a_marker_is_flagged() {
    let repo = repo_with_base();
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("topic.txt", "t\n");
    repo.commit_all("Topic work");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", "m\n");
    repo.commit_all("Main work");
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "topic"]);
    // Neither parent has CLAUDE.md: the merge itself adds it.
    repo.write("CLAUDE.md", "x\n");
    repo.git(&["add", "CLAUDE.md"]);
    repo.git(&["commit", "-q", "-m", "Merge branch 'topic'"]);
    let merge = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();

    let (code, found) = findings(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, merge);
    assert_eq!(found[0].3, "CLAUDE.md");
}

#[test]
fn a_merge_bringing_a_marker_from_its_second_parent_is_flagged_with_the_commit_that_added_it() {
    let repo = repo_with_base();
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(".cursorrules", "x\n");
    let added = repo.commit_all("Cursor rules");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", "m\n");
    repo.commit_all("Main work");
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge topic", "topic"]);
    let merge = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();

    let (_, found) = findings(&repo, &[]);
    let commits: Vec<_> = found.iter().map(|f| f.0.as_str()).collect();
    // Compared with its first parent, the merge adds .cursorrules to main.
    assert_eq!(commits.len(), 2, "{found:#?}");
    assert!(commits.contains(&added.as_str()) && commits.contains(&merge.as_str()));
}

#[test]
fn precision_humans_words_and_lookalike_paths_are_not_findings() {
    let repo = repo_with_base();
    repo.write("src/claude.rs", "// the cursor moves\n");
    repo.commit_with(
        "Add claude.rs: move the cursor, continue with codex and amp\n\nSee CLAUDE.md and AGENTS.md in the docs for the gemini:// protocol.\nAssisted-by: Jay Satiro\n",
        &[("GIT_AUTHOR_NAME", "Claude Paroz"), ("GIT_AUTHOR_EMAIL", "claude@2xlibre.net")],
    );
    repo.write("docs/cursor.md", "x\n");
    repo.commit_with(
        "Cody's docs",
        &[
            ("GIT_AUTHOR_NAME", "Devin Doucette"),
            ("GIT_AUTHOR_EMAIL", "devin@doucette.cc"),
        ],
    );
    repo.write("gemini/protocol.txt", "x\n");
    repo.commit_with(
        "Gemini protocol support",
        &[
            ("GIT_AUTHOR_NAME", "claude"),
            ("GIT_AUTHOR_EMAIL", "81847+claude@users.noreply.github.com"),
        ],
    );
    repo.write("x.txt", "x\n");
    repo.commit_with(
        "Staff commit",
        &[
            ("GIT_AUTHOR_NAME", "Anthropic Staff"),
            ("GIT_AUTHOR_EMAIL", "someone@anthropic.com"),
        ],
    );

    let (code, found) = findings(&repo, &[]);
    assert_eq!(found, Vec::new());
    assert_eq!(code, 0);
}

#[test]
fn annotated_tag_messages_and_taggers_are_checked() {
    let repo = repo_with_base();
    repo.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        "Release 1.0\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    ]);
    let (code, json) = aigate_json(repo.path(), &["audit", "--format", "json"]);
    assert_eq!(code, 1);
    let f = &json["findings"][0];
    assert_eq!(f["tag"], "refs/tags/v1.0");
    assert_eq!(f["rule"], "claude-code-identity");
}

#[test]
fn the_minimal_policy_denies_only_what_it_names() {
    let repo = repo_with_base();
    repo.write(".aigate.toml", "[policy]\ndeny = [\"claude-code\"]\n");
    repo.write("d.txt", "1\n");
    let copilot = repo.commit_all("Copilot work\n\nCo-authored-by: Copilot <copilot@github.com>\n");
    let (code, found) = findings(&repo, &[]);
    assert_eq!(
        (code, found),
        (0, Vec::new()),
        "a Copilot trailer passes a claude-code ban"
    );

    repo.write("d.txt", "2\n");
    let claude = repo.commit_all("Claude work\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
    let (code, found) = findings(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(rules_of(&found, &claude), ["claude-code-identity"]);
    assert!(rules_of(&found, &copilot).is_empty());
}

#[test]
fn warnings_are_reported_but_pass_and_allow_carves_out() {
    let repo = repo_with_base();
    repo.write("AGENTS.md", "x\n");
    repo.write(".github/copilot-instructions.md", "x\n");
    repo.commit_all("Shared agent notes");
    let policy = repo.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[policy]\ndeny = [\"*\"]\nallow = [\"copilot\"]\nwarn = [\"agents-md\"]\n",
    )
    .unwrap();
    let (code, json) = aigate_json(
        repo.path(),
        &[
            "audit",
            "--format",
            "json",
            "--config",
            policy.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json:#}");
    assert_eq!(findings[0]["severity"], "warn");
    assert_eq!(findings[0]["assistant"], "agents-md");
    assert_eq!(json["summary"]["warned"], 1);
}

#[test]
fn exemptions_cover_paths_commits_and_identities() {
    let repo = repo_with_base();
    repo.write("docs/examples/CLAUDE.md", "example\n");
    repo.commit_all("Document the marker files");
    repo.write("e.txt", "1\n");
    let old = repo.commit_all("Old one\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
    repo.write("e.txt", "2\n");
    repo.commit_with(
        "Sanctioned bot",
        &[
            ("GIT_AUTHOR_NAME", "Devin AI"),
            (
                "GIT_AUTHOR_EMAIL",
                "158243242+devin-ai-integration[bot]@users.noreply.github.com",
            ),
        ],
    );
    let (code, found) = findings(&repo, &[]);
    assert_eq!((code, found.len()), (1, 3), "{found:#?}");

    repo.write(
        ".aigate.toml",
        format!(
            "[exempt]\npaths = [\"docs/examples/**\"]\ncommits = [\"{old}\"]\nidentities = [\"*devin-ai-integration*\"]\n",
        ),
    );
    let (code, found) = findings(&repo, &[]);
    assert_eq!((code, found), (0, Vec::new()));
}

#[test]
fn revisions_and_ranges_limit_the_audit() {
    let repo = repo_with_base();
    repo.write("CLAUDE.md", "x\n");
    let marked = repo.commit_all("Marked");
    repo.git(&["tag", "before"]);
    repo.write("f.txt", "x\n");
    repo.commit_all("Clean");
    let (code, found) = findings(&repo, &["before..main"]);
    assert_eq!((code, found), (0, Vec::new()));
    let (code, found) = findings(&repo, &["main"]);
    assert_eq!(code, 1);
    assert_eq!(found[0].0, marked);
    let out = aigate(repo.path(), &["audit", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot resolve revision `no-such-branch`"),
        "{err}"
    );
}

#[test]
fn every_ref_is_audited_by_default_and_c_selects_the_repository() {
    let repo = repo_with_base();
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write(".windsurfrules", "x\n");
    repo.commit_all("Side work");
    repo.git(&["checkout", "-q", "main"]);
    let elsewhere = tempfile::tempdir().unwrap();
    let out = aigate(
        elsewhere.path(),
        &["audit", "-C", repo.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("deny: path `.windsurfrules` - Windsurf (windsurf) [windsurf-rules-file]"),
        "{text}"
    );
    assert!(text.contains("fix: "), "{text}");
}

#[test]
fn a_broken_policy_is_a_located_error_with_status_2() {
    let repo = repo_with_base();
    for (text, expected) in [
        (
            "[policy]\ndeny = [\"claud-code\"]\n",
            ".aigate.toml:2:9: unknown assistant `claud-code`",
        ),
        (
            "[policy]\ndenny = []\n",
            ".aigate.toml:2:1: unknown field `denny`",
        ),
        ("[policy\n", ".aigate.toml:1:8:"),
        (
            "[[rule]]\nid = \"x-y\"\nassistant = \"cursor\"\nkind = \"path\"\npaths = [\"[z\"]\n",
            ".aigate.toml:5:10: invalid glob",
        ),
    ] {
        repo.write(".aigate.toml", text);
        let out = aigate(repo.path(), &["audit"]);
        assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("aigate: error: ") && first.contains(expected),
            "{text:?} -> {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn not_a_repository_is_an_error_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = aigate(dir.path(), &["audit"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("aigate: error: cannot open a git repository at"));
}

#[test]
fn rules_lists_the_catalogue_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = aigate(dir.path(), &["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(rows.len() > 50);
    let claude = rows
        .iter()
        .find(|r| r["rule"] == "claude-code-memory-file")
        .unwrap();
    assert_eq!(claude["assistant"], "claude-code");
    assert_eq!(claude["kind"], "path");
    assert_eq!(claude["patterns"][0], "CLAUDE.md");
}

#[test]
fn hostile_policy_files_get_one_clear_error_or_work() {
    let repo = repo_with_base();
    repo.write("CLAUDE.md", "x\n");
    repo.commit_all("marker");
    let run = |bytes: &[u8]| {
        std::fs::write(repo.path().join(".aigate.toml"), bytes).unwrap();
        let out = aigate(repo.path(), &["audit"]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!err.contains("panicked"), "{}", describe(&out));
        (out.status.code(), err)
    };
    // Empty: the default policy, every assistant denied.
    assert_eq!(run(b"").0, Some(1));
    // Not TOML at all.
    let (code, err) = run(b"\x7fELF\x02\x01\x01 binary garbage");
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("aigate: error: ") && err.contains(".aigate.toml:1:1: invalid key"),
        "{err}"
    );
    // Not UTF-8.
    let (code, err) = run(b"[policy]\ndeny = [\"\xff\"]\n");
    assert_eq!(code, Some(2));
    assert!(err.contains(".aigate.toml:2:10: not UTF-8"), "{err}");
    // A regex too large to compile is located, not a crash.
    let (code, err) = run(b"[[rule]]\nid = \"big\"\nassistant = \"cursor\"\nkind = \"message\"\npatterns = ['(a{1000}){1000}']\n");
    assert_eq!(code, Some(2));
    assert!(
        err.contains(".aigate.toml:5:13: invalid regular expression"),
        "{err}"
    );
    // Huge but valid: 20,000 exemptions and a megabyte of comments.
    let mut big = String::from("[exempt]\npaths = [\n");
    for i in 0..20_000 {
        big.push_str(&format!("  \"generated/{i}/**\",\n"));
    }
    big.push_str("]\n");
    big.push_str(&"# padding padding padding padding padding padding padding\n".repeat(20_000));
    assert_eq!(run(big.as_bytes()).0, Some(1));
}

#[test]
fn agent_branches_and_provenance_notes_are_findings_only_when_switched_on() {
    let repo = repo_with_base();
    let tip = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["branch", "claude/fix-login"]);
    repo.git(&[
        "notes",
        "--ref=ai",
        "add",
        "-m",
        "{\"schema_version\":\"authorship/3.0.0\"}",
    ]);
    repo.git(&[
        "update-ref",
        "refs/entire/checkpoints/ab/01JD7Y9K3M",
        "HEAD",
    ]);
    let (code, found) = findings(&repo, &[]);
    assert_eq!(
        (code, found),
        (0, Vec::new()),
        "opt-in rules are off by default"
    );

    // Switched on as policy rules of kind `ref` (until `enable = [...]` names built-in ids).
    repo.write(
        ".aigate.toml",
        "[[rule]]\nid = \"team-branches\"\nassistant = \"claude-code\"\nkind = \"ref\"\nrefs = [\"refs/heads/claude/**\"]\n\
         [[rule]]\nid = \"team-notes\"\nassistant = \"ai-provenance\"\nkind = \"ref\"\nrefs = [\"refs/notes/ai\", \"refs/entire/checkpoints\"]\n",
    );
    let (code, json) = aigate_json(repo.path(), &["audit", "--format", "json"]);
    assert_eq!(code, 1, "{json}");
    let mut refs: Vec<(String, String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["kind"], "ref", "{f}");
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["ref"].as_str().unwrap().to_owned(),
                f["commit"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    refs.sort();
    assert_eq!(refs.len(), 3, "{refs:?}");
    assert_eq!(
        (refs[0].0.as_str(), refs[0].1.as_str(), refs[0].2.as_str()),
        ("team-branches", "refs/heads/claude/fix-login", tip.as_str())
    );
    assert_eq!(refs[1].1, "refs/entire/checkpoints/ab/01JD7Y9K3M");
    assert_eq!(refs[2].1, "refs/notes/ai");
    // `--branches` limits the refs whose names are checked too.
    let (_, json) = aigate_json(
        repo.path(),
        &["audit", "--format", "json", "--branches=main"],
    );
    assert_eq!(json["findings"].as_array().unwrap().len(), 0, "{json}");
}

#[test]
fn generic_file_names_are_markers_only_at_the_root_and_tool_dirs_at_any_depth() {
    let repo = repo_with_base();
    // Generic words below the root: pages and data about other things.
    repo.write("docs/install/replit.md", "How to deploy on Replit\n");
    repo.write("deploy/agent.yaml", "kind: Agent\n");
    repo.write("data/units/kilo.json", "{}\n");
    repo.write("app/src/main/assets/firebender.json", "{}\n");
    repo.write("themes/.vibe/colors.json", "{}\n");
    let clean = repo.commit_all("Docs and data");
    // The same names at the root, and tools' own directories deep in a tree.
    repo.write("replit.md", "# Agent memory\n");
    let replit = repo.commit_all("Agent memory");
    repo.write("firebender.json", "{}\n");
    let firebender = repo.commit_all("Firebender");
    repo.write("services/api/.entire/settings.json", "{}\n");
    let entire = repo.commit_all("Entire");
    repo.write("pkg/.rovodev/config.yml", "x\n");
    let rovo = repo.commit_all("Rovo");

    let (code, found) = findings(&repo, &[]);
    assert_eq!(code, 1);
    assert!(rules_of(&found, &clean).is_empty(), "{found:#?}");
    assert_eq!(rules_of(&found, &replit), ["replit-agent-memory-file"]);
    assert_eq!(rules_of(&found, &firebender), ["firebender-config"]);
    assert_eq!(rules_of(&found, &entire), ["entire-config-dir"]);
    assert_eq!(rules_of(&found, &rovo), ["rovo-dev-config-dir"]);
    assert_eq!(found.len(), 4, "{found:#?}");
}

#[test]
fn new_session_trailers_and_co_authors_are_found() {
    let repo = repo_with_base();
    let duo = repo.commit_empty(
        "Fix pipeline\n\nDuo-Session: https://gitlab.com/g/p/-/automate/agent-sessions/12\nCo-authored-by: GitLab Duo <duo@gitlab.com>\n",
    );
    let entire = repo.commit_empty("Refactor\n\nEntire-Checkpoint: 01JD7Y9K3M2N4P5Q6R7S8T9V0W\n");
    let letta = repo.commit_empty(
        "Add tests\n\n👾 Generated with [Letta Code](https://letta.com)\n\nCo-Authored-By: Letta Code <noreply@letta.com>\n",
    );
    let human = repo.commit_empty("Entire rewrite of the Duo session page\n");
    let (_, found) = findings(&repo, &[]);
    assert_eq!(
        rules_of(&found, &duo),
        ["gitlab-duo-identity", "gitlab-duo-session"]
    );
    assert_eq!(rules_of(&found, &entire), ["entire-trailer"]);
    assert_eq!(
        rules_of(&found, &letta),
        ["letta-code-generated-footer", "letta-code-identity"]
    );
    assert!(rules_of(&found, &human).is_empty(), "{found:#?}");
}
