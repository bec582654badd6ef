//! Disclosure instead of a ban: the verdicts for the findings of assistants a policy allows
//! when their use is disclosed (`[policy] disclose`).
//!
//! Pure: the findings of one commit (or tag, or message) and its message in, the findings
//! that still stand out, each with its reason and the fix. For a disclosed assistant:
//! - a disclosure trailer (`Assisted-by: Claude Code`) passes (unless the project's form is
//!   not met);
//! - the assistant credited as co-author is refused, with the disclosure line to write
//!   instead (which `[disclosure] fix = true` lets the commit-msg hook write itself);
//! - the assistant in `Signed-off-by:` is refused: only a person certifies the DCO;
//! - any other evidence of use (a session trailer, a generated-with footer, an identity, a
//!   commit made inside an agent session) passes when the message discloses, else is refused
//!   and names the trailer to add;
//! - path markers are reported at the level `[disclosure] paths` chooses (default: allowed).
//!
//! Findings of assistants not under `disclose` are returned unchanged.

use std::collections::BTreeSet;

use regex::Regex;

use crate::catalogue::Kind;
use crate::engine::finding::Finding;
use crate::engine::matcher::Role;
use crate::engine::message;
use crate::engine::Severity;

/// Keys that credit a co-author (the assistant may not be one).
const CO_AUTHOR_KEYS: &[&str] = &["co-authored-by", "co-developed-by"];
/// The key that certifies the Developer Certificate of Origin (only a person may).
const SIGN_OFF_KEY: &str = "signed-off-by";
/// Values of a disclosure key that say no AI was used.
const NEGATIVE: &[&str] = &["none", "no", "n/a", "na", "-"];

/// Where a project wants AI use disclosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In a trailer of the commit message (`Assisted-by: ...`).
    Message,
    /// In the pull or merge request; commits carry no AI trailer at all (Kubernetes).
    PullRequest,
}

/// What a commit authored (or committed) by a disclosed assistant's identity gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorRule {
    /// Evidence like any other: passes when the message discloses.
    Disclose,
    /// Refused: the author of a commit must be a person.
    Deny,
}

/// The `[disclosure]` table, checked.
#[derive(Debug, Clone)]
pub struct Disclosure {
    /// The key to write, as the project spells it (`Assisted-by`).
    pub trailer: String,
    /// Every key accepted as a disclosure, lower case (`trailer` and `[disclosure] accept`).
    pub keys: Vec<String>,
    /// The form a disclosure's value must have, when the project prescribes one.
    pub form: Option<Regex>,
    /// That form for people (`AGENT:MODEL [TOOLS]`), shown when a value does not match.
    pub form_help: Option<String>,
    /// The value the fix writes: `{agent}` is the assistant's name, `{model}` the model the
    /// co-author line named.
    pub value: String,
    /// The value when the co-author line names no model.
    pub value_without_model: String,
    /// The level of path markers of disclosed assistants (`None`: allowed).
    pub paths: Option<Severity>,
    pub author: AuthorRule,
    pub place: Place,
    /// The commit-msg hook rewrites a co-author line into the disclosure line.
    pub fix: bool,
}

impl Default for Disclosure {
    fn default() -> Self {
        Disclosure {
            trailer: "Assisted-by".to_owned(),
            keys: vec!["assisted-by".to_owned()],
            form: None,
            form_help: None,
            value: "{agent} ({model})".to_owned(),
            value_without_model: "{agent}".to_owned(),
            paths: None,
            author: AuthorRule::Disclose,
            place: Place::Message,
            fix: false,
        }
    }
}

/// A co-author line the fix replaces with a disclosure line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The line as written in the message.
    pub from: String,
    /// The disclosure line to write instead.
    pub to: String,
}

/// What the policy needs to say about one assistant: whether it is disclosed, and its name.
pub trait Assistants {
    fn is_disclosed(&self, assistant: &str) -> bool;
    fn name<'a>(&'a self, assistant: &'a str) -> &'a str;
}

/// The verdicts for one commit's findings. `message` is the commit's (or tag's) message, or
/// `None` before it exists (the pre-commit hook): then evidence of use is left to the hooks
/// and checks that see the message.
pub fn judge(
    d: &Disclosure,
    who: &dyn Assistants,
    message: Option<&str>,
    findings: Vec<Finding>,
) -> Vec<Finding> {
    if !findings.iter().any(|f| who.is_disclosed(&f.assistant)) {
        return findings;
    }
    let disclosed = message.is_some_and(|m| discloses(d, m));
    let malformed = message.is_some_and(|m| !disclosed && has_malformed(d, m));
    let mut out = Vec::with_capacity(findings.len());
    for mut f in findings {
        if !who.is_disclosed(&f.assistant) {
            out.push(f);
            continue;
        }
        let name = who.name(&f.assistant).to_owned();
        let state = State {
            has_message: message.is_some(),
            disclosed,
            malformed,
        };
        match verdict(d, &f, &name, state) {
            Verdict::Pass => {}
            Verdict::Level(severity) => {
                f.severity = severity;
                f.hint = format!(
                    "{} (the policy reports configuration files of disclosed assistants as `{}`: `[disclosure] paths`)",
                    f.hint,
                    severity.as_str()
                );
                out.push(f);
            }
            Verdict::Refuse(hint) => {
                f.severity = Severity::Deny;
                f.hint = hint;
                out.push(f);
            }
        }
    }
    out
}

/// The co-author lines of disclosed assistants that the fix would rewrite, one per line.
pub fn rewrites(d: &Disclosure, who: &dyn Assistants, findings: &[Finding]) -> Vec<Rewrite> {
    let mut out: Vec<Rewrite> = Vec::new();
    if d.place != Place::Message {
        return out;
    }
    for f in findings {
        let Some(line) = &f.line else { continue };
        if !who.is_disclosed(&f.assistant) || !is_co_author(f) {
            continue;
        }
        if out.iter().any(|r| &r.from == line) {
            continue;
        }
        out.push(Rewrite {
            from: line.clone(),
            to: disclosure_line(d, who.name(&f.assistant), line),
        });
    }
    out
}

/// `message` with each rewrite applied (a line already present is not written twice).
pub fn apply(message: &str, rewrites: &[Rewrite]) -> String {
    let mut out = String::with_capacity(message.len());
    let mut written: BTreeSet<&str> = message.lines().map(|l| l.trim_end_matches('\r')).collect();
    for line in message.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        match rewrites.iter().find(|r| r.from == body) {
            Some(r) => {
                if written.insert(r.to.as_str()) {
                    out.push_str(&r.to);
                    out.push_str(&line[body.len()..]);
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

/// What the message says, for the verdicts on evidence.
#[derive(Clone, Copy)]
struct State {
    has_message: bool,
    disclosed: bool,
    /// A disclosure line is there, but not in the project's form.
    malformed: bool,
}

enum Verdict {
    Pass,
    Level(Severity),
    Refuse(String),
}

fn verdict(d: &Disclosure, f: &Finding, name: &str, state: State) -> Verdict {
    if f.kind == Kind::Path {
        return match d.paths {
            None => Verdict::Pass,
            Some(s) => Verdict::Level(s),
        };
    }
    let line_to_add = format!("{}: {}", d.trailer, value_for(d, name, None));
    if let Some(line) = &f.line {
        let key = f.trailer_key.as_deref();
        if d.place == Place::PullRequest {
            return Verdict::Refuse(format!(
                "this project takes AI disclosure in the pull request, not in commits: delete that line from the message{}",
                amend_hint(f)
            ));
        }
        if key.is_some_and(|k| d.keys.iter().any(|x| x == k)) {
            if form_ok(d, line) {
                return Verdict::Pass;
            }
            return Verdict::Refuse(format!(
                "write the disclosure in the project's form{}: `{}`",
                d.form_help
                    .as_deref()
                    .map(|h| format!(" (`{}: {h}`)", d.trailer))
                    .unwrap_or_default(),
                line_to_add
            ));
        }
        if key == Some(SIGN_OFF_KEY) {
            return Verdict::Refuse(format!(
                "only a person can certify the Developer Certificate of Origin: delete that `Signed-off-by:` line, sign off yourself (`git commit -s`) and add the trailer `{line_to_add}` if it is not there{}",
                amend_hint(f)
            ));
        }
        if is_co_author(f) {
            return Verdict::Refuse(format!(
                "{name} may be disclosed but not credited as co-author: replace that line with `{}`{}",
                disclosure_line(d, name, line),
                if !f.commit.is_empty() {
                    amend_hint(f)
                } else if d.fix {
                    String::new()
                } else {
                    " (`[disclosure] fix = true` lets the commit-msg hook do it)".to_owned()
                }
            ));
        }
    }
    if d.author == AuthorRule::Deny && matches!(f.field, Some(Role::Author | Role::Committer)) {
        // The finding's own hint says how to change the identity, for this commit or the
        // one being made.
        let how = f
            .hint
            .strip_prefix("commit as yourself: ")
            .unwrap_or(&f.hint);
        return Verdict::Refuse(format!(
            "the author of a commit must be a person: commit as yourself ({how}), and disclose {name} with `{line_to_add}`"
        ));
    }
    if d.place == Place::PullRequest || !state.has_message || state.disclosed {
        return Verdict::Pass;
    }
    if state.malformed {
        return Verdict::Refuse(format!(
            "{name} is allowed when disclosed, and the message's disclosure is not in the project's form: {}",
            wrong_form(d, &line_to_add)
        ));
    }
    Verdict::Refuse(format!(
        "{name} is allowed when disclosed, and this message does not disclose it: add the trailer `{line_to_add}` at the end of the message{}",
        amend_hint(f)
    ))
}

fn wrong_form(d: &Disclosure, line_to_add: &str) -> String {
    format!(
        "write the disclosure in the project's form{}: `{line_to_add}`",
        d.form_help
            .as_deref()
            .map(|h| format!(" (`{}: {h}`)", d.trailer))
            .unwrap_or_default()
    )
}

/// Whether `message` has a disclosure line (a disclosure key, a value that is not a
/// negative) whose value is not in the project's form.
fn has_malformed(d: &Disclosure, message: &str) -> bool {
    d.form.is_some()
        && trailers(message)
            .iter()
            .any(|(key, line)| d.keys.contains(key) && !is_negative(line) && !form_ok(d, line))
}

/// The `Key: value` lines of a message as the message reader reads them (the key that
/// [`Finding::trailer_key`] carries, a folded trailer's lines joined): `(key, line)`.
fn trailers(message: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    message::groups(message, |g| {
        if let Some(key) = g.key() {
            out.push((key.to_owned(), g.raw.clone()));
        }
    });
    out
}

fn is_negative(line: &str) -> bool {
    let v = trailer_value(line)
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    v.is_empty() || NEGATIVE.contains(&v.as_str())
}

/// How to change the message of the commit (or tag) a finding is about: the rewrite the
/// finding's own hint gives for deleting a line, which knows root commits and merges.
fn amend_hint(f: &Finding) -> String {
    if f.commit.is_empty() {
        return String::new();
    }
    for prefix in [
        "delete that line from the message: ",
        "recreate the tag without that line: ",
    ] {
        if let Some(how) = f.hint.strip_prefix(prefix) {
            return format!(" (to edit the message: {how})");
        }
    }
    String::new()
}

/// Whether `message` carries a disclosure: a disclosure key with a value that is not a
/// negative (`none`) and meets the project's form.
pub fn discloses(d: &Disclosure, message: &str) -> bool {
    d.place == Place::Message
        && trailers(message)
            .iter()
            .any(|(key, line)| d.keys.contains(key) && !is_negative(line) && form_ok(d, line))
}

fn form_ok(d: &Disclosure, line: &str) -> bool {
    match &d.form {
        None => true,
        Some(re) => re.is_match(trailer_value(line).unwrap_or_default().trim()),
    }
}

fn is_co_author(f: &Finding) -> bool {
    f.trailer_key
        .as_deref()
        .is_some_and(|k| CO_AUTHOR_KEYS.contains(&k))
}

/// The disclosure line for `name`, with the model a co-author line names (`Claude Opus 4.5`
/// in `Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>`).
fn disclosure_line(d: &Disclosure, name: &str, co_author: &str) -> String {
    format!(
        "{}: {}",
        d.trailer,
        value_for(d, name, model_of(co_author).as_deref())
    )
}

fn value_for(d: &Disclosure, name: &str, model: Option<&str>) -> String {
    match model {
        Some(m) => d.value.replace("{agent}", name).replace("{model}", m),
        None => d.value_without_model.replace("{agent}", name),
    }
}

/// The name in `Key: Name <address>` when it names a model: it has a digit (`Claude Opus
/// 4.5`, `GPT-5`); a bare product name (`Claude`, `Copilot`) names none.
fn model_of(line: &str) -> Option<String> {
    let value = trailer_value(line)?;
    let name = value.split('<').next().unwrap_or_default().trim();
    let name = name
        .split_whitespace()
        .filter(|w| !w.contains('@'))
        .collect::<Vec<_>>()
        .join(" ");
    let plain = name
        .chars()
        .all(|c| c.is_alphanumeric() || " .-_()".contains(c));
    (plain && name.chars().any(|c| c.is_ascii_digit())).then_some(name)
}

/// The value of a `Key: value` line, as written.
fn trailer_value(line: &str) -> Option<&str> {
    let body = strip_prefixes(line);
    body.split_once(':').map(|(_, v)| v.trim())
}

fn strip_prefixes(line: &str) -> &str {
    let mut s = line.trim_start();
    while let Some(rest) = s
        .strip_prefix("- ")
        .or_else(|| s.strip_prefix("* "))
        .or_else(|| s.strip_prefix('>'))
    {
        s = rest.trim_start();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    struct All;
    impl Assistants for All {
        fn is_disclosed(&self, a: &str) -> bool {
            a != "banned"
        }
        fn name<'a>(&'a self, a: &'a str) -> &'a str {
            if a == "claude-code" {
                "Claude Code"
            } else {
                a
            }
        }
    }

    fn finding(line: Option<&str>, kind: Kind, assistant: &str) -> Finding {
        Finding {
            repository: None,
            commit: String::new(),
            tag: None,
            subject: String::new(),
            rule: "r".to_owned(),
            assistant: assistant.to_owned(),
            kind,
            severity: Severity::Deny,
            path: (kind == Kind::Path).then(|| "CLAUDE.md".to_owned()),
            line: line.map(str::to_owned),
            trailer_key: line.and_then(message::trailer_key),
            identity: None,
            field: None,
            reference: None,
            variable: None,
            author: String::new(),
            date: 0,
            hint: "h".to_owned(),
            parents: 1,
        }
    }

    #[test]
    fn keys_are_the_message_readers() {
        let key = message::trailer_key;
        assert_eq!(key("Co-Authored-By: x").as_deref(), Some("co-authored-by"));
        assert_eq!(
            key("  > - Co_Authored_By : x").as_deref(),
            Some("co-authored-by")
        );
        assert_eq!(
            key("Signed-off-by: A <a@b>").as_deref(),
            Some("signed-off-by")
        );
        assert_eq!(key("🤖 Generated with [Claude Code](https://x)"), None);
        assert_eq!(key("https://claude.ai/code"), None);
    }

    #[test]
    fn a_co_author_with_a_model_becomes_that_disclosure() {
        let d = Disclosure::default();
        let f = finding(
            Some("Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"),
            Kind::Message,
            "claude-code",
        );
        let r = rewrites(&d, &All, &[f]);
        assert_eq!(r[0].to, "Assisted-by: Claude Code (Claude Opus 4.5)");
        let f = finding(
            Some("Co-Authored-By: Claude <noreply@anthropic.com>"),
            Kind::Message,
            "claude-code",
        );
        assert_eq!(rewrites(&d, &All, &[f])[0].to, "Assisted-by: Claude Code");
    }

    #[test]
    fn apply_does_not_write_a_line_twice() {
        let r = [Rewrite {
            from: "Co-Authored-By: Claude <noreply@anthropic.com>".to_owned(),
            to: "Assisted-by: Claude Code".to_owned(),
        }];
        assert_eq!(
            apply(
                "S\n\nCo-Authored-By: Claude <noreply@anthropic.com>\r\n",
                &r
            ),
            "S\n\nAssisted-by: Claude Code\r\n"
        );
        assert_eq!(
            apply(
                "S\n\nAssisted-by: Claude Code\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
                &r
            ),
            "S\n\nAssisted-by: Claude Code\n"
        );
    }

    #[test]
    fn each_outcome_of_a_disclosed_assistant() {
        let d = Disclosure::default();
        let session = "Claude-Session: https://claude.ai/code/session_1";
        let judged = |msg: &str, line: &str| {
            judge(
                &d,
                &All,
                Some(msg),
                vec![finding(Some(line), Kind::Message, "claude-code")],
            )
        };
        // Disclosure passes; so does evidence beside it.
        assert!(judged(
            "S\n\nAssisted-by: Claude Code\n",
            "Assisted-by: Claude Code"
        )
        .is_empty());
        assert!(judged(&format!("S\n\n{session}\nAssisted-by: LLM\n"), session).is_empty());
        // Evidence alone, or with a negative disclosure, is refused and names the trailer.
        for msg in [
            format!("S\n\n{session}\n"),
            format!("S\n\n{session}\nAssisted-by: none\n"),
        ] {
            let out = judged(&msg, session);
            assert_eq!(out.len(), 1);
            assert!(
                out[0]
                    .hint
                    .contains("add the trailer `Assisted-by: Claude Code`"),
                "{}",
                out[0].hint
            );
        }
        let sob = "Signed-off-by: Claude <noreply@anthropic.com>";
        let out = judged(&format!("S\n\nAssisted-by: Claude Code\n{sob}\n"), sob);
        assert!(
            out[0].hint.starts_with("only a person can certify"),
            "{}",
            out[0].hint
        );
        // Path markers are allowed by default, or reported at the chosen level.
        assert!(judge(
            &d,
            &All,
            None,
            vec![finding(None, Kind::Path, "claude-code")]
        )
        .is_empty());
        let warn = Disclosure {
            paths: Some(Severity::Warn),
            ..Disclosure::default()
        };
        let out = judge(
            &warn,
            &All,
            None,
            vec![finding(None, Kind::Path, "claude-code")],
        );
        assert_eq!(out[0].severity, Severity::Warn);
        // Not disclosed: unchanged.
        let f = finding(Some(session), Kind::Message, "banned");
        assert_eq!(judge(&d, &All, Some("S"), vec![f.clone()]), vec![f]);
    }

    #[test]
    fn a_form_is_checked_where_the_policy_gives_one() {
        let d = Disclosure {
            form: Some(Regex::new(r"^LLM\b").unwrap()),
            form_help: Some("LLM [TOOL...]".to_owned()),
            value: "LLM".to_owned(),
            value_without_model: "LLM".to_owned(),
            ..Disclosure::default()
        };
        assert!(discloses(&d, "S\n\nAssisted-by: LLM coccinelle\n"));
        assert!(!discloses(&d, "S\n\nAssisted-by: Claude Code\n"));
        let line = "Assisted-by: Claude Code";
        let out = judge(
            &d,
            &All,
            Some(line),
            vec![finding(Some(line), Kind::Message, "claude-code")],
        );
        assert!(
            out[0].hint.contains("`Assisted-by: LLM [TOOL...]`"),
            "{}",
            out[0].hint
        );
    }
}
