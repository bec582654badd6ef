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
    /// The trailer key of that line, lower case with `-` between words (`co-authored-by`,
    /// `signed-off-by`, `assisted-by`), when the line is a `Key: value` line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailer_key: Option<String>,
    /// `Name <address>`, for identity findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// `author`, `committer` or `tagger`, for identity findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Role>,
    /// The full ref name, for ref findings.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `NAME=value`, for environment findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable: Option<String>,
    pub author: String,
    /// Author date, seconds since the epoch.
    pub date: i64,
    pub hint: String,
    /// How many parents the commit has (see [`Context::parents`]), for the shared renderer
    /// to word one fix for several paths; not part of the report formats.
    #[serde(skip)]
    pub parents: usize,
}

/// The name `git tag` takes: `v1` for `refs/tags/v1`.
fn tag_name(tag: &str) -> &str {
    tag.strip_prefix("refs/tags/").unwrap_or(tag)
}

/// What a rebase does at the commit of a finding.
#[derive(Clone, Copy)]
enum Edit {
    /// Stop after it, to amend it.
    Stop,
    /// Edit its message.
    Reword,
}

/// How to start rewriting commit `short` and what to change in the rebase's todo list.
/// `--rebase-merges` keeps any merge the rebase replays (without it, merges above the
/// commit are flattened and may stop on conflicts); a root commit has no parent to rebase
/// onto, so `--root`; a merge is a `merge -C` line in the todo list, not a `pick`.
fn rewrite(short: &str, parents: usize, edit: Edit) -> String {
    let base = if parents == 0 {
        "--root".to_owned()
    } else {
        format!("{short}^")
    };
    let change = match (parents > 1, edit) {
        (false, Edit::Stop) => format!("change `pick` to `edit` on the line of commit {short}"),
        (false, Edit::Reword) => {
            format!("change `pick` to `reword` on the line of commit {short}")
        }
        (true, Edit::Stop) => {
            format!("add a line `break` after the `merge -C` line of commit {short}")
        }
        (true, Edit::Reword) => {
            format!("change `merge -C` to `merge -c` on the line of commit {short}")
        }
    };
    format!("run `git rebase -i --rebase-merges {base}` and {change}")
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
    /// How many parents the commit has (0: a root commit, 2 or more: a merge), which
    /// decides how it is rewritten. 0 where there is no commit yet, or for a tag.
    pub parents: usize,
}

/// How many hex digits of a commit or tag id every message and report shows.
pub const SHORT_ID: usize = 12;

/// The first [`SHORT_ID`] digits of `id` (all of it when shorter).
pub fn short_id(id: &str) -> &str {
    id.get(..SHORT_ID).unwrap_or(id)
}

/// How to fix marker paths: staged ones are unstaged; committed ones are removed from commit
/// `short` (which has `parents` parents) by rewriting it. One wording for one path or several.
pub fn path_hint(paths: &[&str], short: &str, parents: usize, staged: bool) -> String {
    let (it, them, file) = if paths.len() == 1 {
        ("it", "the path", "the file")
    } else {
        ("them", "the paths", "the files")
    };
    let quoted: Vec<String> = paths.iter().map(|p| shell_quote(p)).collect();
    let quoted = quoted.join(" ");
    if staged {
        format!("unstage {it} with `git rm --cached -r -- {quoted}` and add {it} to .gitignore")
    } else {
        // `git rm` without `--cached`: a copy left untracked in the work tree would stop the
        // rebase at the next commit that has the file.
        format!(
            "remove {it} from that commit: {}, then `git rm -r -- {quoted} && git commit --amend --no-edit --allow-empty && git rebase --continue` (copy {file} elsewhere first if you still need {it}); or exempt {them} in the policy",
            rewrite(short, parents, Edit::Stop)
        )
    }
}

impl Finding {
    pub fn new(matcher: &Matcher, m: Match, cx: &Context<'_>) -> Finding {
        let rule = &matcher.rules[m.rule];
        let mut trailer_key = None;
        let (mut reference, mut variable) = (None, None);
        let (kind, path, line, identity, field) = match m.location {
            Location::Path(p) => (Kind::Path, Some(p), None, None, None),
            Location::Line { text, key } => {
                trailer_key = key;
                (Kind::Message, None, Some(text), None, None)
            }
            Location::Identity { role, name, email } => (
                Kind::Identity,
                None,
                None,
                Some(format!("{name} <{email}>")),
                Some(role),
            ),
            Location::Ref(name) => {
                reference = Some(name);
                (Kind::Ref, None, None, None, None)
            }
            Location::Variable { name, value } => {
                variable = Some(format!("{name}={value}"));
                (Kind::Environment, None, None, None, None)
            }
        };
        let short = short_id(&cx.commit);
        let hint = match (kind, cx.stage) {
            (Kind::Path, stage) => path_hint(
                &[path.as_deref().unwrap_or_default()],
                short,
                cx.parents,
                stage == Stage::PreCommit,
            ),
            (Kind::Message, Stage::CommitMsg) => "delete that line from the commit message".to_owned(),
            (Kind::Identity, Stage::PreCommit | Stage::CommitMsg) => "commit as yourself: set `git config user.name` and `user.email` to your own, and drop any `--author` or `GIT_AUTHOR_*`/`GIT_COMMITTER_*` override".to_owned(),
            (Kind::Message, _) if cx.tag.is_some() => {
                let t = shell_quote(tag_name(cx.tag.as_deref().unwrap_or_default()));
                format!("recreate the tag without that line: `git tag -f -a {t} {t}^{{}}` (and push it again with `--force`)")
            }
            (Kind::Identity, _) if cx.tag.is_some() => {
                let t = shell_quote(tag_name(cx.tag.as_deref().unwrap_or_default()));
                format!("recreate the tag as yourself: `git tag -f -a {t} {t}^{{}}` with your own `user.name` and `user.email`")
            }
            (Kind::Message, _) => format!(
                "delete that line from the message: `git commit --amend` if it is the last commit, else {}",
                rewrite(short, cx.parents, Edit::Reword)
            ),
            (Kind::Identity, _) => format!(
                "commit as yourself: `git commit --amend --no-edit --reset-author` if it is the last commit, else {}, then `git commit --amend --no-edit --reset-author && git rebase --continue`",
                rewrite(short, cx.parents, Edit::Stop)
            ),
            (Kind::Ref, Stage::Push) => "push under another ref name (`git push <remote> <branch>:refs/heads/<new-name>`), or switch the rule off in the policy".to_owned(),
            (Kind::Ref, _) => "rename the branch (`git branch -m <old> <new>`) or delete the ref (`git update-ref -d <ref>`), or switch the rule off in the policy".to_owned(),
            (Kind::Environment, _) => {
                let name = variable.as_deref().and_then(|v| v.split_once('=')).map_or("", |(n, _)| n);
                format!("this runs inside an AI assistant's session (`{name}` is set): commit and push from your own shell, not the assistant's")
            }
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
            trailer_key,
            identity,
            field,
            reference,
            variable,
            author: cx.author.to_owned(),
            date: cx.date,
            hint,
            parents: cx.parents,
        }
    }

    /// What was found, in one line: `path `CLAUDE.md``, `line `...``, `author `...``.
    pub fn what(&self) -> String {
        let s = crate::sanitize::for_terminal;
        if let Some(p) = &self.path {
            format!("path `{}`", s(p))
        } else if let Some(l) = &self.line {
            format!("message line `{}`", s(l.trim()))
        } else if let Some(r) = &self.reference {
            format!("ref `{}`", s(r))
        } else if let Some(v) = &self.variable {
            format!("environment `{}`", s(v))
        } else {
            let field = self.field.map_or("identity", Role::as_str);
            format!(
                "{field} `{}`",
                s(self.identity.as_deref().unwrap_or_default())
            )
        }
    }
}
