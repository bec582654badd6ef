//! A finding: one rule matching one commit (or tag) at one place, with everything a person
//! needs to understand and fix it. Every report format is rendered from this struct.

use serde::{Deserialize, Serialize};

use crate::catalogue::Kind;
use crate::engine::matcher::{Location, Match, Matcher, Role};
use crate::engine::Severity;
use crate::sanitize::shell_quote;

/// Deserialize reads findings back from JSON reports (`aigate report merge`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Finding {
    /// The repository, when several are audited in one run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The commit (or, for a tag finding, the tag object) id, full hex.
    pub commit: String,
    /// The tag name, for findings in an annotated tag's message or tagger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    pub subject: String,
    pub rule: String,
    pub assistant: String,
    /// Where the marker was found: `path`, `message` or `identity`.
    pub kind: Kind,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// `Name <address>`, for identity findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// `author`, `committer` or `tagger`, for identity findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Role>,
    pub author: String,
    /// Author date, seconds since the epoch.
    pub date: i64,
    pub hint: String,
}

/// Where a finding is reported, which decides how it is best fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A whole history (`aigate audit`).
    Audit,
    /// Staged changes, not yet committed.
    PreCommit,
    /// The message of the commit being made.
    CommitMsg,
    /// Commits about to be pushed, or being received by the server.
    Push,
}

/// What a finding is about, apart from the rule.
pub struct Context<'a> {
    pub commit: String,
    pub tag: Option<String>,
    pub subject: &'a str,
    pub author: &'a str,
    pub date: i64,
    pub stage: Stage,
}

/// How many hex digits of a commit or tag id every message and report shows.
pub const SHORT_ID: usize = 12;

/// The first [`SHORT_ID`] digits of `id` (all of it when shorter).
pub fn short_id(id: &str) -> &str {
    id.get(..SHORT_ID).unwrap_or(id)
}

/// How to fix marker paths: staged ones are unstaged; committed ones (in commit `short`) are
/// removed and the commits rewritten. One wording for one path or several.
pub fn path_hint(paths: &[&str], short: &str, staged: bool) -> String {
    let (it, them) = if paths.len() == 1 {
        ("it", "the path")
    } else {
        ("them", "the paths")
    };
    let quoted: Vec<String> = paths.iter().map(|p| shell_quote(p)).collect();
    let quoted = quoted.join(" ");
    if staged {
        format!("unstage {it} with `git rm --cached -r -- {quoted}` and add {it} to .gitignore")
    } else {
        format!("remove {it} (`git rm --cached -r -- {quoted}`) and rewrite the commits that added {it} (`git rebase -i {short}^`), or exempt {them} in the policy")
    }
}

impl Finding {
    pub fn new(matcher: &Matcher, m: Match, cx: &Context<'_>) -> Finding {
        let rule = &matcher.rules[m.rule];
        let (kind, path, line, identity, field) = match m.location {
            Location::Path(p) => (Kind::Path, Some(p), None, None, None),
            Location::Line(l) => (Kind::Message, None, Some(l), None, None),
            Location::Identity { role, name, email } => (
                Kind::Identity,
                None,
                None,
                Some(format!("{name} <{email}>")),
                Some(role),
            ),
        };
        let short = short_id(&cx.commit);
        let hint = match (kind, cx.stage) {
            (Kind::Path, stage) => {
                path_hint(&[path.as_deref().unwrap_or_default()], short, stage == Stage::PreCommit)
            }
            (Kind::Message, Stage::CommitMsg) => "delete that line from the commit message".to_owned(),
            (Kind::Message, _) if cx.tag.is_some() => "recreate the tag without that line (`git tag -f -a`)".to_owned(),
            (Kind::Message, _) => format!(
                "delete that line from the message: `git commit --amend` for the last commit, `git rebase -i {short}^` (reword) for older ones"
            ),
            (Kind::Identity, Stage::PreCommit | Stage::CommitMsg) => "commit as yourself: set `git config user.name` and `user.email` to your own, and drop any `--author` or `GIT_AUTHOR_*`/`GIT_COMMITTER_*` override".to_owned(),
            (Kind::Identity, _) => format!(
                "commit as yourself: `git commit --amend --reset-author` for the last commit, `git rebase -i {short}^ --exec 'git commit --amend --no-edit --reset-author'` for a range"
            ),
        };
        Finding {
            repository: None,
            commit: cx.commit.clone(),
            tag: cx.tag.clone(),
            subject: cx.subject.to_owned(),
            rule: rule.id.clone(),
            assistant: rule.assistant.clone(),
            kind,
            severity: rule.severity,
            path,
            line,
            identity,
            field,
            author: cx.author.to_owned(),
            date: cx.date,
            hint,
        }
    }

    /// What was found, in one line: `path `CLAUDE.md``, `line `...``, `author `...``.
    pub fn what(&self) -> String {
        let s = crate::sanitize::for_terminal;
        if let Some(p) = &self.path {
            format!("path `{}`", s(p))
        } else if let Some(l) = &self.line {
            format!("message line `{}`", s(l.trim()))
        } else {
            let field = self.field.map_or("identity", Role::as_str);
            format!(
                "{field} `{}`",
                s(self.identity.as_deref().unwrap_or_default())
            )
        }
    }
}
