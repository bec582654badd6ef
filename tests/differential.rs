//! Differential test on public-style data: a look-alike history made up here, commit by commit,
//! from the shapes real histories hold (anchors.md 3 and 4, markers.md): thousands of bot
//! co-author trailers by id and by login, trailers behind bullets and quotes and folded onto
//! continuation lines, footers in every markup, session links, attribution keys naming
//! products, kernel shapes, persons and `none`, and clean human commits full of traps.
//!
//! The expected verdict of each commit is written down by the generator as it builds the
//! commit (which assistant's marker it put in, or none), never by asking aigate. The history
//! is imported with `git fast-import` and audited with `aigate audit --format json`; a sample
//! of the messages also goes through the real commit-msg hook.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::Stdio;

use common::{
    aigate, aigate_json, git_command, import_commits, path_with_aigate, CorpusChange, CorpusCommit,
    CorpusPerson, TestRepo,
};

/// A small deterministic generator (xorshift64*), so every run builds the same history.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::new();
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(len);
        s
    }
}

/// GitHub bot accounts of the catalogue: numeric id, login, assistant.
const BOTS: &[(u64, &str, &str)] = &[
    (161369871, "google-labs-jules[bot]", "jules"),
    (138933559, "factory-droid[bot]", "factory"),
    (199175422, "chatgpt-codex-connector[bot]", "codex"),
    (209825114, "claude[bot]", "claude-code"),
    (158243242, "devin-ai-integration[bot]", "devin"),
    (206951365, "cursor[bot]", "cursor"),
    (198982749, "Copilot", "copilot"),
];

/// Tool addresses of the catalogue: display name, address, assistant.
const TOOL_ADDRESSES: &[(&str, &str, &str)] = &[
    ("Claude", "noreply@anthropic.com", "claude-code"),
    (
        "Claude Opus 4.6 (1M context)",
        "noreply@anthropic.com",
        "claude-code",
    ),
    ("Cursor Agent", "cursoragent@cursor.com", "cursor"),
    ("OpenHands-GPT-5", "openhands@all-hands.dev", "openhands"),
];

/// Product names as messages write them, with their assistant.
const PRODUCTS: &[(&str, &str)] = &[
    ("Claude Code", "claude-code"),
    ("GitHub Copilot", "copilot"),
    ("Cursor", "cursor"),
    ("Devin", "devin"),
    ("Crush", "crush"),
    ("opencode", "opencode"),
    ("Windsurf", "windsurf"),
    ("OpenHands", "openhands"),
];

const KEYS: &[&str] = &[
    "Co-authored-by",
    "Co-Authored-By",
    "co-authored-by",
    "CO-AUTHORED-BY",
    "Co-authored-by ",
];

const FIRST: &[&str] = &["Claude", "Devin", "Cody", "Jules", "Ana", "Jay", "Daniel"];
const LAST: &[&str] = &[
    "Paroz", "Doucette", "Satiro", "Stenberg", "Nguyen", "García",
];
const SUBJECTS: &[&str] = &[
    "Fix the parser on empty input",
    "Add retry to the fetch loop",
    "Refactor the cursor handling in the editor",
    "Update dependencies",
    "docs: explain the release process",
    "Speed up the index build",
];

/// One commit as generated, with the assistants its marker names.
struct Made {
    message: String,
    author: (String, String),
    changes: Vec<(char, String)>,
    /// Assistants the message names (a finding of the commit-msg hook).
    from_message: BTreeSet<&'static str>,
    /// Assistants the paths or identities name.
    from_rest: BTreeSet<&'static str>,
}

impl Made {
    fn new(message: String, from_message: &[&'static str]) -> Made {
        Made {
            message,
            author: ("Ana Nguyen".into(), "ana@example.org".into()),
            changes: Vec::new(),
            from_message: from_message.iter().copied().collect(),
            from_rest: BTreeSet::new(),
        }
    }
}

fn person(rng: &mut Rng) -> (String, String) {
    let (f, l) = (*rng.pick(FIRST), *rng.pick(LAST));
    let local = format!("{}.{}", f.to_lowercase(), l.to_lowercase()).replace('í', "i");
    (format!("{f} {l}"), format!("{local}@example.org"))
}

fn message(rng: &mut Rng, trailer_block: &str) -> String {
    let subject = rng.pick(SUBJECTS);
    let signer = person(rng);
    match rng.below(3) {
        0 => format!("{subject}\n\nExplain why.\n\n{trailer_block}\n"),
        1 => format!(
            "{subject}\n\nExplain why.\n\n{trailer_block}\nSigned-off-by: {} <{}>\n",
            signer.0, signer.1
        ),
        // Not in the last paragraph.
        _ => format!("{subject}\n\n{trailer_block}\n\nMore text after the trailer.\n"),
    }
}

/// A `Key: Name <address>` line in one of the shapes people and tools write.
fn trailer(rng: &mut Rng, name: &str, addr: &str) -> String {
    let key = rng.pick(KEYS);
    match rng.below(8) {
        0 => format!("{key}: {name} <{addr}>"),
        1 => format!("- {key}: {name} <{addr}>"),
        2 => format!("* {key}: {name} <{addr}>"),
        3 => format!("> {key}: {name} <{addr}>"),
        4 => format!("{key}: {name}\n    <{addr}>"),
        5 => format!("{key}: {name} {addr}"),
        6 => format!("> - {key}: {name} <{addr}>"),
        _ => format!("{key}:\n\t{name} <{addr}>"),
    }
}

fn bot_trailer(rng: &mut Rng, n: usize) -> (String, &'static str) {
    let &(id, login, assistant) = rng.pick(BOTS);
    let addr = match rng.below(3) {
        0 => format!("{id}+{login}@users.noreply.github.com"),
        1 => format!("{login}@users.noreply.github.com"),
        _ => format!("{id}+renamed-{n}@users.noreply.github.com"),
    };
    (trailer(rng, login, &addr), assistant)
}

fn footer(rng: &mut Rng, n: usize) -> (String, &'static str) {
    let &(p, assistant) = rng.pick(PRODUCTS);
    let line = match rng.below(8) {
        0 => format!("🤖 Generated with [{p}](https://example.com/{n})"),
        1 => format!("Generated with **{p}**"),
        2 => format!("_Generated by {p}_"),
        3 => format!("Generated using {}", p.replace(' ', "-")),
        4 => format!("- Generated with {p}"),
        5 => format!("ðŸ¤– Generated with [{p}](https://example.com)"),
        6 => format!("> Generated with [*{p}*](https://example.com)"),
        _ => format!("Generated by {p} {}.{}", n % 3, n % 7),
    };
    (line, assistant)
}

fn link(rng: &mut Rng) -> (String, &'static str) {
    let h = rng.hex(16);
    let d = rng.next() % 1_000_000_000;
    let links = [
        (
            format!("Transcript: https://claude.ai/code/session_{h}"),
            "claude-code",
        ),
        (
            format!("See https://app.devin.ai/sessions/{h} for the run"),
            "devin",
        ),
        (
            format!("Open in Cursor: https://cursor.com/agents?id=bc-{h}"),
            "cursor",
        ),
        (
            format!("Amp-Thread-ID: https://ampcode.com/threads/T-{h}"),
            "amp",
        ),
        (
            format!("PR for task (https://jules.google.com/task/{d})"),
            "jules",
        ),
        (
            format!("Codex Task: https://chatgpt.com/codex/tasks/task_e_{h}"),
            "codex",
        ),
        (
            format!("- https://chatgpt.com/codex/cloud/tasks/task_e_{h}"),
            "codex",
        ),
    ];
    links[rng.below(links.len())].clone()
}

/// An attribution line and the assistant it names (`None`: a person, `none`, a non-AI tool).
fn attribution(rng: &mut Rng, n: usize) -> (String, Option<&'static str>) {
    let (name, email) = person(rng);
    let lines = [
        ("Assisted-by: Claude Code".to_owned(), Some("claude-code")),
        ("Generated-by: GitHub Copilot".to_owned(), Some("copilot")),
        ("AI-agent: Cursor".to_owned(), Some("cursor")),
        (
            "Assisted-by: GitHub Copilot:Claude Opus 4.6".to_owned(),
            Some("copilot"),
        ),
        (
            "Assisted-by: Claude Code (claude-opus-5)".to_owned(),
            Some("claude-code"),
        ),
        ("Co-developed-by: Devin".to_owned(), Some("devin")),
        (
            "Assisted-by: LLM [sparse] [coccinelle]".to_owned(),
            Some("assisted-by"),
        ),
        (
            format!("Assisted-by: My Cool Agent:v1.2.{n}"),
            Some("assisted-by"),
        ),
        ("AI-assisted-by: yes".to_owned(), Some("assisted-by")),
        (format!("Assisted-by: {name}"), None),
        (format!("Assisted-by: {name} <{email}>"), None),
        ("Assisted-by: none".to_owned(), None),
        (format!("Generated-by: StageFreight {n}"), None),
        (format!("Co-developed-by: {name} <{email}>"), None),
    ];
    lines[rng.below(lines.len())].clone()
}

/// Clean commits that look like markers to a careless matcher.
fn trap(rng: &mut Rng, n: usize) -> Made {
    let lines = [
        "Co-authored-by: Claude Paroz <claude@2xlibre.net>",
        "Signed-off-by: Devin Doucette <devin@doucette.cc>",
        "Reviewed-by: Cody Smith <cody@example.org>",
        "Helped-by: Jules Verne <jules@example.org>",
        "Strip the Generated with Claude Code footer from imported commits",
        "The old template added Co-authored-by: Claude <noreply@anthropic.com>; drop it",
        "Move the cursor to the end, continue with codex in gemini://",
        "See https://claude.ai/code for the web version",
        "Fix session handling for claude.ai/code/session_ URLs",
        "Generated with care by Devin Doucette",
        "Made with cursor keys in mind",
        "Note: we mailed noreply@anthropic.com about the outage",
    ];
    let line = lines[rng.below(lines.len())];
    let mut made = Made::new(message(rng, line), &[]);
    match n % 5 {
        0 => made.changes.push(('M', "src/cursor/mod.rs".into())),
        1 => made.changes.push(('A', format!("src/claude_{n}.rs"))),
        2 => made.author = ("Claude Paroz".into(), "claude@2xlibre.net".into()),
        3 => {
            made.author = (
                "Cody".into(),
                "81847+claude@users.noreply.github.com".into(),
            )
        }
        _ => {
            made.message = format!("docs: mention noreply@anthropic.com in the FAQ\n\nBody {n}.\n")
        }
    }
    made
}

/// The whole made-up history, oldest first.
fn history() -> Vec<Made> {
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut out = Vec::new();
    for n in 0..2400 {
        let (line, assistant) = bot_trailer(&mut rng, n);
        let mut made = Made::new(String::new(), &[assistant]);
        let mut block = line;
        if n % 10 == 0 {
            // Two bots in one commit.
            let (second, other) = bot_trailer(&mut rng, n);
            block = format!("{block}\n{second}");
            made.from_message.insert(other);
        }
        made.message = message(&mut rng, &block);
        out.push(made);
    }
    for n in 0..300 {
        let &(name, addr, assistant) = rng.pick(TOOL_ADDRESSES);
        let addr = if n % 3 == 0 && addr.starts_with("noreply@") {
            addr.replacen("noreply@", &format!("noreply+{n}@"), 1)
        } else {
            addr.to_owned()
        };
        let line = trailer(&mut rng, name, &addr);
        out.push(Made::new(message(&mut rng, &line), &[assistant]));
    }
    for n in 0..500 {
        let (line, assistant) = footer(&mut rng, n);
        out.push(Made::new(message(&mut rng, &line), &[assistant]));
    }
    for _ in 0..250 {
        let (line, assistant) = link(&mut rng);
        out.push(Made::new(message(&mut rng, &line), &[assistant]));
    }
    for n in 0..500 {
        let (line, assistant) = attribution(&mut rng, n);
        let names: Vec<&'static str> = assistant.into_iter().collect();
        out.push(Made::new(message(&mut rng, &line), &names));
    }
    for n in 0..900 {
        out.push(trap(&mut rng, n));
    }
    // A marker file added (a finding) and deleted later (remediation, no finding).
    let mut add = Made::new("Add agent notes\n".into(), &[]);
    add.changes.push(('A', "CLAUDE.md".into()));
    add.from_rest.insert("claude-code");
    out.push(add);
    let mut delete = Made::new("Remove agent notes\n".into(), &[]);
    delete.changes.push(('D', "CLAUDE.md".into()));
    out.push(delete);
    // Shuffle so that shapes are interleaved as in a real history (Fisher-Yates).
    for i in (1..out.len() - 2).rev() {
        let j = rng.below(i + 1);
        out.swap(i, j);
    }
    out
}

fn corpus(made: &[Made]) -> Vec<CorpusCommit> {
    let mut commits: Vec<CorpusCommit> = Vec::new();
    for (n, m) in made.iter().enumerate() {
        let date = format!("{} +0000", 1_760_000_000 + n as u64 * 60);
        let mut changes: Vec<CorpusChange> = m
            .changes
            .iter()
            .map(|(status, path)| CorpusChange {
                status: status.to_string(),
                old_mode: "100644".into(),
                new_mode: if *status == 'D' { "000000" } else { "100644" }.into(),
                path: path.clone(),
            })
            .collect();
        if changes.is_empty() {
            changes.push(CorpusChange {
                status: "M".into(),
                old_mode: "100644".into(),
                new_mode: "100644".into(),
                path: format!("src/file_{}.rs", n % 40),
            });
        }
        commits.push(CorpusCommit {
            commit: format!("generated-{n:06}"),
            parents: commits
                .last()
                .map(|c| c.commit.clone())
                .into_iter()
                .collect(),
            author: CorpusPerson {
                name: m.author.0.clone(),
                email: m.author.1.clone(),
                date: date.clone(),
            },
            committer: CorpusPerson {
                name: "Ana Nguyen".into(),
                email: "ana@example.org".into(),
                date,
            },
            message: m.message.clone(),
            changes,
        });
    }
    commits
}

#[test]
fn audit_flags_exactly_the_generated_markers() {
    let made = history();
    assert!(made.len() > 4000);
    let commits = corpus(&made);
    let (repo, ids) = import_commits("differential", &commits);
    let original: HashMap<&str, usize> = ids
        .iter()
        .map(|(old, new)| {
            let n: usize = old["generated-".len()..].parse().unwrap();
            (new.as_str(), n)
        })
        .collect();

    let dir = repo.path().to_str().expect("UTF-8 temp path");
    let (code, report) = aigate_json(repo.path(), &["audit", "-C", dir, "--format", "json"]);
    assert_eq!(code, 1, "findings make the audit fail");
    let mut actual: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for f in report["findings"].as_array().expect("findings") {
        let n = original[f["commit"].as_str().expect("commit")];
        actual
            .entry(n)
            .or_default()
            .insert(f["assistant"].as_str().expect("assistant").to_owned());
        // Trailers say which key carried them: the policy tells co-authors from sign-offs.
        if made[n].message.to_lowercase().contains("co-authored-by")
            && f["kind"] == "message"
            && f["rule"].as_str().is_some_and(|r| r.ends_with("-identity"))
        {
            assert_eq!(f["trailer_key"], "co-authored-by", "{f}");
        }
    }
    let expected: BTreeMap<usize, BTreeSet<String>> = made
        .iter()
        .enumerate()
        .filter(|(_, m)| !m.from_message.is_empty() || !m.from_rest.is_empty())
        .map(|(n, m)| {
            let all = m.from_message.iter().chain(&m.from_rest);
            (n, all.map(|a| a.to_string()).collect())
        })
        .collect();

    let show = |n: &usize| format!("#{n}: {:?}", made[*n].message);
    let missed: Vec<String> = expected
        .keys()
        .filter(|n| !actual.contains_key(n))
        .map(show)
        .collect();
    let extra: Vec<String> = actual
        .keys()
        .filter(|n| !expected.contains_key(n))
        .map(|n| format!("{} {:?}", show(n), actual[n]))
        .collect();
    let wrong: Vec<String> = expected
        .iter()
        .filter(|(n, want)| actual.get(n).is_some_and(|got| got != *want))
        .map(|(n, want)| format!("{} want {want:?} got {:?}", show(n), actual[n]))
        .collect();
    assert!(
        missed.is_empty() && extra.is_empty() && wrong.is_empty(),
        "{} commits, {} expected flagged, {} flagged\nmissed ({}):\n{}\nflagged clean ({}):\n{}\n\
         wrong assistants ({}):\n{}",
        made.len(),
        expected.len(),
        actual.len(),
        missed.len(),
        missed
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        extra.len(),
        extra
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        wrong.len(),
        wrong
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
    );
    // The history really holds what the test says: thousands of bot trailers, many clean.
    let bots = made
        .iter()
        .filter(|m| m.message.contains("@users.noreply.github.com"))
        .count();
    assert!(bots >= 2400, "{bots} bot trailers");
    assert!(made.len() - expected.len() > 1000);
}

#[test]
fn commit_msg_hook_agrees_with_the_generator() {
    let made = history();
    // Every 60th message: about eighty commits, every shape among them. Each `git commit`
    // runs three hooks, so the sample is split between two repositories committing at once
    // (the rest of this binary is one short test: a core would otherwise sit idle).
    let sample: Vec<&Made> = made.iter().step_by(60).collect();
    let halves: Vec<Vec<&Made>> = (0..2)
        .map(|half| sample.iter().skip(half).step_by(2).copied().collect())
        .collect();
    let refused: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = halves
            .iter()
            .map(|half| scope.spawn(move || commit_through_the_hooks(half)))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .sum()
    });
    assert!(refused > 20, "the sample holds markers ({refused})");
}

/// Commits each message in a fresh repository with aigate's hooks installed, asserting that
/// exactly the marked ones are refused and that the refusal names their assistants; returns
/// how many were refused.
#[track_caller]
fn commit_through_the_hooks(sample: &[&Made]) -> usize {
    let repo = TestRepo::init();
    let install = aigate(repo.path(), &["install"]);
    assert!(install.status.success(), "{}", common::describe(&install));
    let mut refused = 0;
    for m in sample {
        let output = git_command(repo.path())
            .env("PATH", path_with_aigate())
            .args(["commit", "-q", "--allow-empty", "-m", &m.message])
            .stdin(Stdio::null())
            .output()
            .expect("run git commit");
        let stderr = String::from_utf8_lossy(&output.stderr);
        if m.from_message.is_empty() {
            assert!(
                output.status.success(),
                "refused a clean message {:?}: {stderr}",
                m.message
            );
        } else {
            refused += 1;
            assert!(!output.status.success(), "accepted {:?}", m.message);
            assert!(stderr.contains("aigate: error:"), "{stderr}");
            for a in &m.from_message {
                assert!(
                    stderr.contains(a),
                    "{a} not named for {:?}: {stderr}",
                    m.message
                );
            }
        }
    }
    refused
}
