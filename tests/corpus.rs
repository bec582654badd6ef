//! Audits look-alike copies of three real repositories (rebuilt from `shared/corpus/` by
//! `common::import_corpus`) and checks that exactly the commits carrying assistant markers are
//! flagged, for the reasons expected.
//!
//! The expected tables were worked out by hand from the corpus data, not from aigate's code:
//! candidate commits were listed with scripts (message lines naming tool addresses, session
//! links and "Generated with" footers; author and committer identities; first-parent changes to
//! marker paths with a status other than `D`), then each candidate was read and decided against
//! the principles of `shared/markers.md`. Each row is
//! `(original commit id prefix, reasons, assistant ids)`, where the reasons are `path`,
//! `message`, and `author` / `committer` for an identity finding on that field.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::{import_corpus, load_corpus, CorpusCommit};

/// Whether the corpus is there; if not, says that `test` is skipped. The corpus lives outside
/// the repository (`shared/corpus/`), so a fresh clone runs without it.
fn corpus_present(test: &str) -> bool {
    let present = common::corpus_dir().is_some_and(|d| d.is_dir());
    if !present {
        common::skipped(
            test,
            &format!(
                "no corpus (set {} to the directory of the corpus files, or put shared/corpus beside the crate)",
                common::CORPUS_DIR_VAR
            ),
        );
    }
    present
}
use serde_json::Value;

/// One expected flagged commit: id prefix, reasons, assistant ids (both space-separated).
type Row = (&'static str, &'static str, &'static str);

/// What the audit said about one commit, in the vocabulary of the tables.
#[derive(Debug, Default, PartialEq, Eq)]
struct Verdict {
    reasons: BTreeSet<String>,
    assistants: BTreeSet<String>,
}

impl Verdict {
    fn from_row(reasons: &str, assistants: &str) -> Self {
        Self {
            reasons: reasons.split_whitespace().map(str::to_owned).collect(),
            assistants: assistants.split_whitespace().map(str::to_owned).collect(),
        }
    }
}

/// Full original id for each table prefix; panics on a prefix that is short, unknown or
/// ambiguous, so a typo in a table cannot silently match nothing.
#[track_caller]
fn resolve(commits: &[CorpusCommit], rows: &[Row]) -> BTreeMap<String, Verdict> {
    let mut expected = BTreeMap::new();
    for &(prefix, reasons, assistants) in rows {
        assert!(prefix.len() >= 12, "prefix `{prefix}` is shorter than 12");
        let matches: Vec<&CorpusCommit> = commits
            .iter()
            .filter(|c| c.commit.starts_with(prefix))
            .collect();
        assert_eq!(
            matches.len(),
            1,
            "prefix `{prefix}` matches {} commits",
            matches.len()
        );
        let old = expected.insert(
            matches[0].commit.clone(),
            Verdict::from_row(reasons, assistants),
        );
        assert!(old.is_none(), "prefix `{prefix}` is listed twice");
    }
    expected
}

#[track_caller]
fn str_field<'a>(finding: &'a Value, key: &str) -> &'a str {
    finding[key]
        .as_str()
        .unwrap_or_else(|| panic!("finding without a string `{key}`: {finding}"))
}

/// Imports the corpus, audits every ref with the built-in catalogue and default policy, checks
/// each finding against the commit it names, and compares the verdicts with `rows`.
/// `not_flagged` lists look-alikes that must stay clean, with the reason why.
#[track_caller]
fn check_corpus(name: &str, rows: &[Row], not_flagged: &[(&str, &str)]) {
    let commits = load_corpus(name);
    let by_id: HashMap<&str, &CorpusCommit> =
        commits.iter().map(|c| (c.commit.as_str(), c)).collect();
    let expected = resolve(&commits, rows);
    for &(prefix, why) in not_flagged {
        let hit = expected.keys().find(|id| id.starts_with(prefix));
        assert!(
            hit.is_none(),
            "{prefix} ({why}) is both expected and not expected"
        );
        assert!(
            commits.iter().any(|c| c.commit.starts_with(prefix)),
            "{prefix} ({why}) is not in corpus `{name}`"
        );
    }

    let (repo, ids) = import_corpus(name);
    let original: HashMap<&str, &str> = ids
        .iter()
        .map(|(old, new)| (new.as_str(), old.as_str()))
        .collect();
    let dir = repo.path().to_str().expect("UTF-8 temp path");
    let (code, report) =
        common::aigate_json(repo.path(), &["audit", "-C", dir, "--format", "json"]);
    let findings = report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("report without a `findings` array: {report}"));

    let mut actual: BTreeMap<String, Verdict> = BTreeMap::new();
    for finding in findings {
        let new_id = str_field(finding, "commit");
        let Some(&old_id) = original.get(new_id) else {
            panic!("finding names a commit that is not in the corpus: {finding}");
        };
        let commit = by_id[old_id];
        assert_eq!(
            str_field(finding, "severity"),
            "deny",
            "default policy denies all: {finding}"
        );
        assert!(
            !str_field(finding, "rule").is_empty(),
            "empty rule id: {finding}"
        );
        str_field(finding, "hint");
        let reason = match str_field(finding, "kind") {
            "path" => {
                // Deleting a marker is remediation: a path finding must name a path the
                // commit adds, modifies or type-changes against its first parent.
                let path = str_field(finding, "path");
                assert!(
                    commit
                        .changes
                        .iter()
                        .any(|c| c.path == path && !c.is_deletion()),
                    "path finding for a path {old_id} does not add or modify: {finding}"
                );
                "path".to_owned()
            }
            "message" => {
                let line = str_field(finding, "line").trim().to_lowercase();
                assert!(
                    !line.is_empty() && commit.message.to_lowercase().contains(&line),
                    "message finding quotes a line {old_id} does not have: {finding}"
                );
                "message".to_owned()
            }
            "identity" => {
                let field = str_field(finding, "field");
                let person = match field {
                    "author" => &commit.author,
                    "committer" => &commit.committer,
                    other => panic!("identity finding on field `{other}`: {finding}"),
                };
                assert_eq!(
                    str_field(finding, "identity"),
                    person.identity(),
                    "identity finding does not quote the {field} of {old_id}"
                );
                field.to_owned()
            }
            other => panic!("unknown finding kind `{other}`: {finding}"),
        };
        let verdict = actual.entry(old_id.to_owned()).or_default();
        verdict.reasons.insert(reason);
        verdict
            .assistants
            .insert(str_field(finding, "assistant").to_owned());
    }

    let subject = |id: &str| by_id[id].message.lines().next().unwrap_or("").to_owned();
    let missed: Vec<String> = expected
        .keys()
        .filter(|id| !actual.contains_key(*id))
        .map(|id| format!("  {id} {}", subject(id)))
        .collect();
    let extra: Vec<String> = actual
        .iter()
        .filter(|(id, _)| !expected.contains_key(*id))
        .map(|(id, got)| {
            format!(
                "  {id} {:?} {:?} {}",
                got.reasons,
                got.assistants,
                subject(id)
            )
        })
        .collect();
    assert!(
        missed.is_empty() && extra.is_empty(),
        "corpus `{name}`: {} flagged, {} expected\nnot flagged but expected:\n{}\n\
         flagged but not expected:\n{}",
        actual.len(),
        expected.len(),
        missed.join("\n"),
        extra.join("\n")
    );
    for (id, want) in &expected {
        assert_eq!(
            &actual[id], want,
            "corpus `{name}`, commit {id}: reasons and assistants"
        );
    }
    assert_eq!(
        code, 1,
        "deny findings exist, so the exit status is 1: {report}"
    );
}

/// Counts of table rows with each reason, so an edit that drops or adds a row shows up here
/// as well as in the comparison with aigate.
#[track_caller]
fn assert_row_counts(rows: &[Row], total: usize, counts: &[(&str, usize)]) {
    assert_eq!(rows.len(), total, "rows in the table");
    for &(reason, count) in counts {
        let actual = rows
            .iter()
            .filter(|(_, reasons, _)| reasons.split_whitespace().any(|r| r == reason))
            .count();
        assert_eq!(actual, count, "rows with reason `{reason}`");
    }
}

/// Claude Code on the web and locally, plus the Happy client.
/// - `path`: the first-parent changes add or modify `CLAUDE.md` or `.claude/launch.json`
///   (8 commits, two of them GitHub merge commits whose first-parent diff brings the file in).
/// - `message`: a `Co-Authored-By: <model> <noreply@anthropic.com>` line (either key case, in
///   the last paragraph or not), a bare `https://claude.ai/code/session_...` line, or Happy's
///   `Generated with [Claude Code](https://claude.ai/code)` footer, which has no robot emoji
///   (114 commits).
/// - `author` / `committer`: `Claude <noreply@anthropic.com>`, always in both fields
///   (28 commits, 10 of them merges that carry no other marker).
const CLAUDE_USAGE: &[Row] = &[
    ("ca94c3ab0656", "path", "claude-code"),         // Release
    ("a10ad307d1f2", "message", "claude-code"), // Add time range filter, platform install docs, footer fixes
    ("d3b7985ae792", "message", "claude-code"), // Clarify tool works for Pro/Max subscribers, not just API use
    ("bfa892076fef", "message", "claude-code"), // Add --projects-dir option to scan and dashboard commands
    ("3ced1af7b287", "message", "claude-code"), // Add Xcode support by scanning its Claude projects directory
    ("1cc77abaade9", "message", "claude-code"), // Make server host and port configurable via env vars
    ("1869979aae55", "message", "claude-code"), // docs: document HOST and PORT env vars in README
    ("a95088e6d74d", "message", "claude-code"), // Add sortable "Top Projects by Cost" table to dashboard
    ("23ec17337079", "message", "claude-code"), // Fix API pricing to match current Anthropic published rates
    ("048e9c420a34", "message", "claude-code"), // Fix incremental scan not updating session token totals
    ("d2db394acdb6", "message", "claude-code"), // Add project drilldown page with per-project cost breakdown
    ("3854e1b0411d", "message", "claude-code"), // fix: escape external strings in dashboard template literals
    ("c41d772abd16", "message", "claude-code"), // fix: deduplicate streaming records by message ID
    ("fed5f0a6eb2d", "message", "claude-code"), // fix: cross-file dedup, session consistency, and cli pricing
    ("57c5d7e8c9cd", "path message", "claude-code"), // feat: cost breakdown modal, session drill-down, and pricing
    ("67e97f8fc2cd", "message author committer", "claude-code"), // fix: update README pricing table to match corrected Anthropi
    ("0b08a3482888", "message author committer", "claude-code"), // ci: add test suite and GitHub Actions workflow
    ("bb05641b8e55", "message author committer", "claude-code"), // fix: align CLI and dashboard pricing lookup with substring m
    ("1e1b14030d29", "message author committer", "claude-code"), // fix: non-Anthropic models should cost $0, not default to Son
    ("4b0923266e26", "message author committer", "claude-code"), // feat: add Xcode support by scanning its Claude projects dire
    ("c1182ca4df94", "message author committer", "claude-code"), // docs: add --projects-dir and Xcode scanning to README
    ("6ef00aa9700e", "message author committer", "claude-code"), // fix: eliminate double file read in incremental scan
    ("0d276f41e634", "message author committer", "claude-code"), // fix: deduplicate streaming records by message ID
    ("467e2fc3e300", "message author committer", "claude-code"), // feat: add rescan button to dashboard
    ("9206472e00bb", "message author committer", "claude-code"), // feat: add sortable column headers to Cost by Model table
    ("570c192c64d0", "message author committer", "claude-code"), // feat: add Cost by Project table with sortable columns
    ("7c262d213a66", "message author committer", "claude-code"), // fix: limit Cost by Project table to top 20
    ("ceb98aa34800", "message author committer", "claude-code"), // feat: reorder tables and add CSV export for sessions and pro
    ("f93e10c72a6b", "message author committer", "claude-code"), // fix: recompute session totals from turns to prevent inflatio
    ("dc103916e3ca", "message author committer", "claude-code"), // fix: compute CLI stats from turns table instead of sessions
    ("dd994bdda897", "message author committer", "claude-code"), // docs: add CHANGELOG.md
    ("af507cd42447", "message", "claude-code"),                  // docs: add CHANGELOG.md (#36)
    ("2bee70b9f15a", "message", "claude-code"), // Add custom date range filter and port prompt on startup
    ("9490fad17948", "message", "claude-code"), // Remove default port — prompt user to enter one explicitly
    ("b9f6a8c51860", "message", "claude-code"), // fix: correct Opus pricing constants (were 1/3 of actual API
    ("0f5ea8bc91b6", "message", "claude-code"), // docs: add time-lens and task attribution design spec
    ("e36127b456a3", "message", "claude-code"), // docs: add implementation plan for time-lens and task attribu
    ("2fb20ef609e2", "message", "claude-code"), // chore: ignore .worktrees directory
    ("d4f822aaed9e", "message", "claude-code"), // feat(scanner): add title and original_cwd columns to session
    ("ae50b4b69e6d", "message", "claude-code"), // feat(scanner): add read_desktop_metadata for Windows Claude
    ("84e43111f91d", "message", "claude-code"), // fix(scanner): guard DESKTOP_METADATA_DIR against unset APPDA
    ("052157f8ba1e", "message", "claude-code"), // feat(scanner): add enrich_sessions_with_desktop_metadata
    ("4b5d3994909b", "message", "claude-code"), // fix(scanner): preserve existing title when metadata field is
    ("eff6cc5202c2", "message", "claude-code"), // feat(scanner): wire desktop metadata enrichment into scan()
    ("48915fa66b03", "message", "claude-code"), // feat(dashboard): add to_local_hour() for UTC → Chicago conve
    ("9429cfc0ab8d", "message", "claude-code"), // fix(dashboard): lazy-init Chicago timezone for Windows compa
    ("1bb8f40b78e0", "message", "claude-code"), // feat(dashboard): add peak-hours.json config and loader
    ("5845ad40c0cd", "message", "claude-code"), // fix(dashboard): tighten peak-hours.json validation
    ("a5ec8d87acf1", "message", "claude-code"), // feat(dashboard): add hourly aggregation to /api/data
    ("6c93665d1338", "message", "claude-code"), // feat(dashboard): expose session title with project_name fall
    ("e267c5b04f4c", "message", "claude-code"), // feat(dashboard): add custom date range picker
    ("02ffde8c3c72", "message", "claude-code"), // fix(dashboard): document UTC/local day mismatch and prevent
    ("bc7e95826013", "message", "claude-code"), // feat(dashboard): add hour-of-day histogram chart
    ("da04c81b4147", "message", "claude-code"), // feat(dashboard): add hourly timeline chart
    ("8b8498f048e6", "message", "claude-code"), // feat(dashboard): add peak-hour overlay Chart.js plugin
    ("3b9195eb21b9", "message", "claude-code"), // feat(dashboard): show title in sessions table with raw cwd t
    ("23ac9d3d5eaa", "message", "claude-code"), // fix(dashboard): self-heal schema in get_dashboard_data
    ("35c1a502c200", "message", "claude-code"), // feat(dashboard): show title in sessions table with raw cwd t
    ("c109719ce2da", "message", "claude-code"), // docs: update README and CHANGELOG for time-lens features
    ("83815c9a516d", "message", "claude-code"), // fix(dashboard): avoid TypeError when selectedRange is 'custo
    ("68564ed55511", "path message", "claude-code"), // feat: session drill-down, chart click-through, threaded serv
    ("827af7aa3bac", "message", "claude-code"), // fix(dashboard): lock body scroll when drill-down modal is op
    ("b1a0624a08b6", "message", "claude-code"), // fix(dashboard): bucket daily chart and sessions by Chicago l
    ("cb91dce64f35", "path message", "claude-code"), // docs: add subscription budget gauge design spec and CLAUDE.m
    ("e322a4c262b6", "message", "claude-code"), // docs: add subscription budget gauge implementation plan
    ("96396b96947b", "message", "claude-code"), // feat: add subscription.json config for weekly budget gauge
    ("ff370cd09712", "message", "claude-code"), // feat: add subscription module with week boundary and pace ra
    ("e3e43cbbb39a", "message", "claude-code"), // feat: add /api/subscription endpoint for weekly budget data
    ("4795b11ee5d8", "message", "claude-code"), // feat: add SVG budget gauge card with pace-aware coloring to
    ("859288fbba9d", "path message", "claude-code"), // test: add gauge template tests and update CLAUDE.md docs
    ("8cc8db625afc", "path", "claude-code"), // Merge 859288fbba9d7e9c6870fe953d3650163894802a into af507cd4
    ("affab19edd54", "message", "claude-code"), // task-07104b: PR 1 — Claude+Codex dual-provider dashboard wit
    ("e6da9b7d2fc8", "message", "claude-code"), // task-07104b: review loop 1 fixes (P1-A through P2-C)
    ("4b77a5997368", "message", "claude-code"), // task-07104b: review loop 2 — remove gpt-5.3-codex alias from
    ("e6f4eae85eb2", "message", "claude-code"), // feat: add session detail view with turn history, tool usage,
    ("9f41f3af1cb2", "message", "claude-code"), // feat: add 24h hourly view to dashboard
    ("769503cdcaa7", "message", "claude-code"), // test: add tests for 24h hourly view
    ("c8fc277ba131", "message", "claude-code"), // feat: security hardening + umbrella-dir project labels
    ("d8b83bc77456", "message", "claude-code"), // feat: add usage gate widget and cookie auth
    ("bf71ffccf375", "message", "claude-code"), // fix: resolve persistent "Usage data delayed" banner
    ("85ff5e47d8cd", "message", "claude-code"), // fix: correct extra_usage credits display and add reset count
    ("3e360e5288b1", "message", "claude-code"), // fix: rename Usage Gate to Usage Limits and round gauge perce
    ("dc286d63fb04", "message", "claude-code"), // fix: clarify 7-day gauge labels (All models / Sonnet)
    ("2665cfc1a970", "message", "claude-code"), // fix: show 0% when resets_at is in the past (stale cache afte
    ("fab619d8f0f8", "message", "claude-code"), // chore: gitignore .claude/ directory
    ("367a74840365", "message", "claude-code"), // Add theme switcher, Apple design system, and per-theme chart
    ("bdbbedb86852", "message", "claude-code"), // ci: add CI/CD pipelines and Dockerfile
    ("40d289c566bb", "message", "claude-code"), // fix: prevent subagent model from overriding session primary
    ("a37661baa509", "author committer", "claude-code"), // Merge PR #47: prevent subagent model from overriding session
    ("9ce13dc675e1", "message", "claude-code"), // fix: add Opus 4.7 to pricing tables (#61)
    ("6880d6d4e224", "author committer", "claude-code"), // Merge PR #68: add Opus 4.7 to pricing tables (#61)
    ("d4d4102debfe", "message", "claude-code"), // feat: add --host and --port CLI flags for dashboard command
    ("c9c916ac47ab", "author committer", "claude-code"), // Merge PR #41: add --host and --port CLI flags for dashboard
    ("8aa19094c6d1", "author committer", "claude-code"), // Merge PR #42: use dual Y-axis for daily token chart so input
    ("9405d9246f07", "message", "claude-code"), // feat: add Cost by Project & Branch table with CSV export
    ("57cf4eb9970f", "message", "claude-code"), // fix: order Cost by Project & Branch table by project name
    ("8c434880f1bb", "author committer", "claude-code"), // Merge PR #48: add Cost by Project & Branch table with CSV ex
    ("784bc9b5c150", "message", "claude-code"), // fix: use explicit cache pricing in CLI PRICING dict
    ("1dc585ecf5e8", "author committer", "claude-code"), // Merge PR #40: use explicit cache pricing rates in CLI to mat
    ("883155f4fedf", "author committer", "claude-code"), // Merge PR #64: add week command showing rolling 7-day usage s
    ("26fc3c11550f", "author committer", "claude-code"), // Merge PR #43: add This Week, This Month, and Previous Month
    ("4bde6617b4f1", "message", "claude-code"), // feat: hourly activity distribution chart with peak-hour high
    ("a14b2efdb09b", "author committer", "claude-code"), // Merge PR #72: hourly activity distribution chart with peak-h
    ("45bac570607e", "author committer", "claude-code"), // Merge pull request #40 from sjhddh/fix/explicit-cache-pricin
    ("b5d1e15ab4e7", "author committer", "claude-code"), // fix: create ~/.claude parent dir before opening sqlite DB
    ("8ae266409065", "author committer", "claude-code"), // fix: isolate /api/rescan test from user's real DB + projects
    ("10096435a24c", "message", "claude-code"), // fix: replace undefined `cutoff` with `start` in hourly filte
    ("4401850ee5e8", "message", "claude-code"), // fix: replace undefined `cutoff` variable in hourly filter wi
    ("f9652bbdac22", "message", "claude-code"), // fix: use INSERT OR REPLACE so streaming dedup survives incre
    ("b64f88d44ecd", "message", "claude-code"), // fix(dashboard): query-string handling, hourly filter, server
    ("4f97fdde89e8", "message", "claude-code"), // feat: add hourly activity distribution chart with peak hours
    ("41d69b0a4073", "message", "claude-code"), // fix(dashboard): replace undefined `cutoff` var in hourly fil
    ("fdbaa08a9b3e", "message", "claude-code"), // feat: add Usage Analyzer — AI-powered token-saving suggestio
    ("575f02848f09", "message", "claude-code"), // fix: add --verbose flag and fix stream-json event parsing fo
    ("572de478e1a9", "message", "claude-code"), // fix: render markdown in analyzer panel + fix UTF-8 encoding
    ("39e0dbcc265b", "message", "claude-code"), // fix: deep dive uses PowerShell here-string + CREATE_NEW_CONS
    ("e72aff7083e4", "message", "claude-code"), // fix: drop deep dive, fix markdown rendering, fix subprocess
    ("34db592ff50b", "message", "claude-code"), // feat: add session alerting infrastructure
    ("2c201b395535", "message", "claude-code"), // feat: add live pacing/session cards, settings UI, and monito
    ("a3d59651e86e", "message", "claude-code"), // fix: accurate active session detection via JSONL mtime + tai
    ("afccdc0dac77", "message", "claude-code"), // feat: add Usage Analyzer — AI-powered token-saving suggestio
    ("01e62093a22d", "message", "claude-code"), // fix: add --verbose flag and fix stream-json event parsing fo
    ("4ab2a9bd5b5b", "message", "claude-code"), // fix: render markdown in analyzer panel + fix UTF-8 encoding
    ("beca099c9dd4", "message", "claude-code"), // fix: deep dive uses PowerShell here-string + CREATE_NEW_CONS
    ("e05d372fd8e0", "message", "claude-code"), // fix: drop deep dive, fix markdown rendering, fix subprocess
    ("c3471247919f", "message", "claude-code"), // merge: integrate upstream main — preserve analyzer, alerting
    ("909a02c0028a", "path", "claude-code"), // fix: resolve ReferenceError in hourly filter due to undefine
    ("239216348425", "path", "claude-code"), // Merge 909a02c0028aa49a5526c3c38b59c5f7b93dbed1 into 8ae26640
    ("950f153f7ca2", "message", "claude-code"), // fix: show all data when no billable model names exist in DB
    ("c2c0075d40dc", "message", "claude-code"), // fix: hourly chart now respects start/end date range
];

const CLAUDE_USAGE_CLEAN: &[(&str, &str)] = &[
    (
        "d7bc23b591b4",
        "committer `GitHub <noreply@github.com>` is the web UI, not an assistant",
    ),
    (
        "b6543c089f3e",
        "squash merge of a Claude PR: the web UI dropped the markers",
    ),
    (
        "586c8ea9fad5",
        "prose about `CLAUDE.md` and `~/.claude/` in the message body",
    ),
    (
        "a38e594c31b3",
        "adds `Formula/claude-usage.rb`: `claude` in a name is not a marker",
    ),
    (
        "4e21452d3962",
        "revert of a marked commit: git's revert message has no trailer",
    ),
    (
        "b68949afaac0",
        "`Claude+Codex` in the subject is a word, not a marker",
    ),
    ("2c0b43e73bb7", "`Signed-off-by:` a human"),
];

/// Aider and Copilot review suggestions.
/// - `message`: `Co-authored-by: aider (gemini/gemini-2.5-pro) <aider@aider.chat>` (45 commits)
///   and `Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>` (2 commits; in
///   90ff49347018 also in the middle of a squashed body).
/// - `author` / `committer`: Aider's `Dan Connolly (aider)` display name (once as author,
///   three times as committer) with the human's own e-mail.
const AWESOME_OCAP: &[Row] = &[
    ("cf5139391695", "author", "aider"), // feat: add GitHub Action to generate Atom feed from README
    ("325f3f2bde10", "message", "copilot"), // Update README.md
    ("90ff49347018", "message", "copilot"), // Add Java section with capnproto-java (#68)
    ("355fbe3c4b3f", "message", "aider"), // feat: Add VirtualBox raw disk VM setup and documentation for
    ("2914e5948039", "message", "aider"), // chore: Update TARGET_DISK to Samsung 860 QVO SSD
    ("cb3217162177", "message", "aider"), // build: Remove default 'all' target from Makefile
    ("b3bb778ca0f4", "message", "aider"), // refactor: Make config overrideable via env vars and show def
    ("1f87b2b337df", "message", "aider"), // build: Validate TARGET_DISK existence in help target
    ("3303088effd9", "message", "aider"), // refactor: Extract disk partition layout to sfdisk file
    ("c8737cc0a9f6", "message", "aider"), // feat: add non-destructive target to check disk partitioning
    ("9508029939fd", "message", "aider"), // refactor: Make partition-disk idempotent
    ("f1d012887828", "message", "aider"), // docs: Suggest stable disk paths for osdev TARGET_DISK
    ("0b9342785d18", "message", "aider"), // docs: Standardize hazard messages to 'WARNING'
    ("58947d09893c", "message", "aider"), // docs: Clarify osdev README jargon with conceptual links
    ("28cf74f2b978", "message", "aider"), // feat: Automate VirtualBox VM setup with `create-vm` Makefile
    ("7c9831170f12", "message", "aider"), // docs: Add LVM/btrfs storage consideration to README TODO
    ("1f95ac5ac8a2", "message", "aider"), // docs: Acknowledge source for VirtualBox raw disk approach in
    ("da8a4d657d79", "message", "aider"), // fix: Use sectors for sfdisk partition table to support older
    ("ddb5ca0c43c0", "message", "aider"), // fix: Remove unsupported name attributes from sfdisk script
    ("ae30d347d3b9", "message", "aider"), // fix: Make partition checks idempotent using sfdisk --json an
    ("30db37991b44", "message", "aider"), // fix: Remove backslashes from jq script in Makefile targets
    ("bdb0b076d86a", "message", "aider"), // fix: Externalize jq partition check logic
    ("35fcd77b0bfd", "message", "aider"), // feat: Add check-formatting target; make format-disk idempote
    ("cf74a773dd56", "message", "aider"), // feat: Improve VM creation robustness and add VM destruction
    ("55bcab6c095a", "message", "aider"), // build: Add `clean` target to remove build artifacts
    ("95bb912e5c86", "message", "aider"), // refactor: Simplify physical.vmdk and deduplicate format-disk
    ("36d27e89a3d4", "message", "aider"), // feat: Allow overriding external tool paths in Makefile and r
    ("b6598280f97a", "message", "aider"), // refactor: Simplify check-formatting logic in Makefile
    ("89539013c59b", "committer", "aider"), // style: Adjust indentation in check-formatting target
    ("359e9f44e959", "message", "aider"), // fix: Quote realpath output in Makefile to handle paths with
    ("3c51f8805e4e", "message", "aider"), // refactor: Consolidate .PHONY declarations in Makefile
    ("4d7958c7c894", "message", "aider"), // fix: Quote device paths for blkid in check-formatting target
    ("3af67f5257d1", "message", "aider"), // feat: Introduce `provision-disk` target and update help outp
    ("5a3aa3aecaeb", "message", "aider"), // docs: Add TODO for Guix OS installation to resolve UEFI shel
    ("c8ee81bd71c7", "committer", "aider"), // build: Add provision-disk target to streamline disk setup
    ("1c8b86420720", "message", "aider"),   // feat: Add GRUB bootloader installation target
    ("c07dcbcbb274", "message", "aider"),   // fix: Reorder mount commands for target partitions
    ("f644951ec7e3", "committer", "aider"), // refactor: Simplify GRUB installation target in Makefile
    ("6ee0df8199cb", "message", "aider"), // feat: Configure multi-OS partition layout with Guix, Genode,
    ("57e73a3a6f4f", "message", "aider"), // refactor: Switch disk partitioning to sgdisk and lsblk
    ("f59697627805", "message", "aider"), // fix: Fix disk provisioning failures with partprobe and robus
    ("5e003472d082", "message", "aider"), // fix: Correct @ usage in Makefile shell command blocks
    ("2472ce820001", "message", "aider"), // fix: Show detailed diff for incorrect partition layout
    ("30236ff7c56b", "message", "aider"), // fix: Prevent jq error when lsblk output has no children
    ("7222849c5c7f", "message", "aider"), // fix: Support flat lsblk partition output format
    ("d0dc004552d4", "message", "aider"), // feat: Add minimal Guix system installation and configuration
    ("6fe2a306b5ea", "message", "aider"), // fix: Import (gnu services base) to resolve unbound variable
    ("21be62437d8e", "message", "aider"), // fix: Use mingetty-service-type for TTY1
    ("e5c511dbc21f", "message", "aider"), // fix: Remove redundant mingetty service for tty1
    ("d1b5d971a8f8", "message", "aider"), // fix: Add btrfs GRUB module to resolve kernel loading
    ("b6075e0c9473", "message", "aider"), // fix: Reconfigure GRUB modules for EFI bootloader
];

const AWESOME_OCAP_CLEAN: &[(&str, &str)] = &[
    (
        "fdf287795ae8",
        "`openClaw <openclaw@...local>`: no catalogued address or name shape",
    ),
    (
        "41673f5b1392",
        "merges a `codex/` branch: branch names are off by default",
    ),
    (
        "af7fefe481d8",
        "\"AI agents\" in prose; committer is the GitHub web UI",
    ),
    (
        "7bda839ddc30",
        "CRLF body quoting a mail header with a human address",
    ),
];

/// Configuration files only, no trailers or assistant identities.
/// - `path`: the first-parent changes add or modify (not only delete) a path under `.claude/`
///   (`settings.json`, `launch.json`, `skills/*` files and symlinks) or `CLAUDE.md`
///   (`claude-code`), or under `.agents/skills/` (`agents-md`). c7aae32df541 and its merge
///   e7ef1e2875fc delete every `.agents/skills/` file and every `.claude/skills/<name>`
///   symlink and add real `.claude/skills/` directories: `claude-code` only, never
///   `agents-md`.
const REACT_CALL: &[Row] = &[
    ("2b9e7585cd15", "path", "agents-md claude-code"), // Add agent skills and setup docs
    ("c48dea1d97e3", "path", "claude-code"),           // Add apps/vite playground for HMR debugging
    ("4bbeb60abae2", "path", "agents-md"), // Fix unterminated fence in triage skill's OUT-OF-SCOPE.md
    ("dc628cc7aba4", "path", "agents-md claude-code"), // Merge PR #76: react-call 2.0 — refactor, plugin, deprecation
    ("bfd4cfc44486", "path", "claude-code"), // Add apps/nextjs playground to verify issue #39 against react
    ("6b6ecb3c512d", "path", "claude-code"), // Merge PR #79: apps/nextjs playground + SSR fix (2.0.0-next.2
    ("9ee7b963b49f", "path", "claude-code"), // chore(claude): add empty attribution config
    ("7e41c5a84bbb", "path", "agents-md claude-code"), // chore(skills): add crafting-effective-readmes from softawork
    ("39d1b094aa6b", "path", "agents-md claude-code"), // Merge pull request #82 from desko27/feat/mutation-flow
    ("77c719ed62f8", "path", "claude-code"), // feat(web): scaffold Astro site with dogfooded landing hero
    ("34cb98086711", "path", "claude-code"), // Merge pull request #91 from desko27/feat/website
    ("c7aae32df541", "path", "claude-code"), // chore(skills): migrate mattpocock/skills to v1.1.0
    ("7e9e90fdb20b", "path", "claude-code"), // docs(agents): resync repo config with the v1.1.0 skill set
    ("e7ef1e2875fc", "path", "claude-code"), // Merge pull request #118 from desko27/claude/update-matt-poco
];

const REACT_CALL_CLEAN: &[(&str, &str)] = &[
    (
        "8e863d49e78f",
        "dependabot author and trailer: a bot, not an AI assistant",
    ),
    (
        "6f6f0591fec1",
        "adds `skills/react-call/SKILL.md`, a skill the library ships to its users",
    ),
    (
        "0de0ef3499c5",
        "merges a `claude/` branch: branch names are off by default",
    ),
];

#[test]
fn claude_usage_corpus_flags_exactly_the_marked_commits() {
    if !corpus_present("claude_usage_corpus_flags_exactly_the_marked_commits") {
        return;
    }
    assert_row_counts(
        CLAUDE_USAGE,
        130,
        &[
            ("path", 8),
            ("message", 114),
            ("author", 28),
            ("committer", 28),
        ],
    );
    check_corpus("claude-usage", CLAUDE_USAGE, CLAUDE_USAGE_CLEAN);
}

#[test]
fn awesome_ocap_corpus_flags_aider_and_copilot_commits() {
    if !corpus_present("awesome_ocap_corpus_flags_aider_and_copilot_commits") {
        return;
    }
    assert_row_counts(
        AWESOME_OCAP,
        51,
        &[
            ("path", 0),
            ("message", 47),
            ("author", 1),
            ("committer", 3),
        ],
    );
    check_corpus("awesome-ocap", AWESOME_OCAP, AWESOME_OCAP_CLEAN);
}

#[test]
fn react_call_corpus_flags_added_config_files_but_not_deletions() {
    if !corpus_present("react_call_corpus_flags_added_config_files_but_not_deletions") {
        return;
    }
    assert_row_counts(
        REACT_CALL,
        14,
        &[
            ("path", 14),
            ("message", 0),
            ("author", 0),
            ("committer", 0),
        ],
    );
    check_corpus("react-call", REACT_CALL, REACT_CALL_CLEAN);
}

/// The rebuilt repositories are only evidence if they have the corpus's graph, identities,
/// messages and first-parent changes; this checks the harness, not aigate.
#[test]
fn corpus_import_reproduces_graph_metadata_and_first_parent_changes() {
    if !corpus_present("corpus_import_reproduces_graph_metadata_and_first_parent_changes") {
        return;
    }
    for name in ["claude-usage", "awesome-ocap", "react-call"] {
        let commits = load_corpus(name);
        let (repo, ids) = import_corpus(name);
        let original: HashMap<&str, &str> = ids
            .iter()
            .map(|(old, new)| (new.as_str(), old.as_str()))
            .collect();

        let mut expected_changes = BTreeMap::new();
        for commit in &commits {
            let changes: BTreeSet<String> = commit
                .changes
                .iter()
                .map(|c| {
                    format!(
                        "{} {} {} {}",
                        &c.status[..1],
                        c.old_mode,
                        c.new_mode,
                        c.path
                    )
                })
                .collect();
            expected_changes.insert(commit.commit.clone(), changes);
        }
        let log = repo.git(&[
            "-c",
            "core.quotePath=false",
            "log",
            "--all",
            "--no-renames",
            "--diff-merges=first-parent",
            "--raw",
            "--format=commit %H",
        ]);
        let mut actual_changes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut current = None;
        for line in log.lines() {
            if let Some(id) = line.strip_prefix("commit ") {
                let old = original[id].to_owned();
                actual_changes.entry(old.clone()).or_default();
                current = Some(old);
            } else if let Some(raw) = line.strip_prefix(':') {
                // `:old_mode new_mode old_id new_id status<TAB>path`
                let (meta, path) = raw.split_once('\t').expect("raw diff line has a path");
                let fields: Vec<&str> = meta.split(' ').collect();
                let entry = format!("{} {} {} {path}", fields[4], fields[0], fields[1]);
                let id = current.as_ref().expect("raw line after a commit line");
                actual_changes.get_mut(id).unwrap().insert(entry);
            }
        }
        assert_eq!(
            actual_changes.len(),
            commits.len(),
            "{name}: commits reachable from refs"
        );
        for (id, want) in &expected_changes {
            assert_eq!(
                &actual_changes[id], want,
                "{name}: first-parent changes of {id}"
            );
        }

        let by_old: HashMap<&str, &CorpusCommit> =
            commits.iter().map(|c| (c.commit.as_str(), c)).collect();
        let mut batch = String::new();
        for commit in &commits {
            batch.push_str(&ids[&commit.commit]);
            batch.push('\n');
        }
        let raw = cat_file_batch(&repo, &batch);
        let mut rest = raw.as_slice();
        while !rest.is_empty() {
            let header_end = rest.iter().position(|&b| b == b'\n').expect("batch header");
            let header = std::str::from_utf8(&rest[..header_end]).unwrap();
            let mut parts = header.split(' ');
            let new_id = parts.next().unwrap();
            assert_eq!(parts.next(), Some("commit"), "{header}");
            let size: usize = parts.next().unwrap().parse().unwrap();
            let body = &rest[header_end + 1..header_end + 1 + size];
            rest = &rest[header_end + 1 + size + 1..];

            let commit = by_old[original[new_id]];
            let text = std::str::from_utf8(body).expect("UTF-8 commit");
            let (headers, message) = text.split_once("\n\n").expect("commit has a message");
            assert_eq!(
                message, commit.message,
                "{name}: message of {}",
                commit.commit
            );
            let parents: Vec<&str> = headers
                .lines()
                .filter_map(|l| l.strip_prefix("parent "))
                .map(|p| original[p])
                .collect();
            assert_eq!(
                parents, commit.parents,
                "{name}: parents of {}",
                commit.commit
            );
            for (role, person) in [("author", &commit.author), ("committer", &commit.committer)] {
                let line = format!("{role} {} {}", person.identity(), person.date);
                assert!(
                    headers.lines().any(|l| l == line),
                    "{name}: {} has no `{line}` header:\n{headers}",
                    commit.commit
                );
            }
        }
    }
}

/// `git cat-file --batch` over the ids in `input`, one per line.
fn cat_file_batch(repo: &common::TestRepo, input: &str) -> Vec<u8> {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = common::git_command(repo.path())
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start git cat-file");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("git cat-file");
    writer.join().unwrap().expect("write to git cat-file");
    assert!(output.status.success(), "git cat-file failed");
    output.stdout
}
