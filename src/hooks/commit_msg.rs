//! `aigate hook commit-msg FILE` and `aigate hook prepare-commit-msg FILE [SOURCE [SHA]]`:
//! the message of the commit being made. commit-msg sees it as the user left it;
//! prepare-commit-msg sees the message given with `-m`/`-F`/`-C`, a merge's or a template
//! before the editor opens, and git runs it even under `--no-verify`, which skips the others.
//!
//! The hook runs before git cleans the message up, so the file may hold comment lines and,
//! after `git commit -v`, a scissors line followed by the diff (whose `+` lines can carry any
//! trailer). Neither reaches the commit; both are dropped here the way git will drop them.

use std::path::Path;

use crate::engine::disclosure::{self, Rewrite};
use crate::engine::finding::{Context, Finding, Stage};
use crate::engine::matcher::Role;
use crate::error::{Error, Result};
use crate::git::local::{config_string, future_ident};
use crate::git::repo::Repo;
use crate::policy::Policy;

/// The text of git's scissors line, after the comment character and a space.
const CUT_LINE: &str = "------------------------ >8 ------------------------";

/// The characters `core.commentChar=auto` chooses from, in git's order.
const AUTO_CANDIDATES: &str = "#;@!$%^&|:";

/// The findings of the message in `file`, as the policy judges them. Under
/// `[disclosure] fix = true` the co-author lines of disclosed assistants are first rewritten
/// in `file` into disclosure lines; the rewrites are returned so the hook can say so.
pub fn check(
    repo: &Repo,
    policy: &Policy,
    file: &Path,
    vars: &crate::Vars,
) -> Result<(Vec<Finding>, Vec<Rewrite>)> {
    let raw = std::fs::read(file).map_err(|source| Error::Read {
        path: file.to_owned(),
        source,
    })?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let cleanup = Cleanup::from_git(repo, &raw, vars);
    // The commit's identities matter to a disclosure policy, which judges them with the
    // message (the pre-commit hook, which has no message yet, leaves them to this one).
    let idents = if policy.disclose.is_empty() {
        Vec::new()
    } else {
        let author = future_ident(repo, "AUTHOR", vars);
        let committer = future_ident(repo, "COMMITTER", vars);
        let mut v = vec![(Role::Author, author.name.clone(), author.email.clone())];
        if committer != author {
            v.push((Role::Committer, committer.name, committer.email));
        }
        v
    };
    let found = findings(policy, &cleanup.apply(&raw), &idents, Some(vars));
    let rewrites = if policy.disclosure.fix {
        disclosure::rewrites(&policy.disclosure, policy, &found)
    } else {
        Vec::new()
    };
    if rewrites.is_empty() {
        return Ok((judge(policy, &cleanup.apply(&raw), found), rewrites));
    }
    let fixed = disclosure::apply(&raw, &rewrites);
    std::fs::write(file, &fixed).map_err(|source| Error::Write {
        path: file.to_owned(),
        source,
    })?;
    let message = cleanup.apply(&fixed);
    let found = findings(policy, &message, &idents, Some(vars));
    Ok((judge(policy, &message, found), rewrites))
}

/// `aigate check-message`: the findings of one message, judged as the commit-msg hook
/// judges them. Comment lines and a scissors line are dropped as git drops them by default
/// (or as the repository's config says, when there is one).
pub fn check_text(
    repo: Option<&Repo>,
    policy: &Policy,
    raw: &str,
    vars: &crate::Vars,
) -> Vec<Finding> {
    let message = match repo {
        Some(repo) => Cleanup::from_git(repo, raw, vars).apply(raw),
        None => message_body(raw, Some("#"), Some("#")),
    };
    let found = findings(policy, &message, &[], None);
    judge(policy, &message, found)
}

/// [`check_text`] after the fix: the co-author lines of disclosed assistants rewritten into
/// disclosure lines. Returns the rewritten text, the rewrites and the findings that remain.
pub fn fix_text(
    repo: Option<&Repo>,
    policy: &Policy,
    raw: &str,
    vars: &crate::Vars,
) -> (String, Vec<Rewrite>, Vec<Finding>) {
    let message = match repo {
        Some(repo) => Cleanup::from_git(repo, raw, vars).apply(raw),
        None => message_body(raw, Some("#"), Some("#")),
    };
    let found = findings(policy, &message, &[], None);
    let rewrites = disclosure::rewrites(&policy.disclosure, policy, &found);
    let fixed = disclosure::apply(raw, &rewrites);
    let remaining = check_text(repo, policy, &fixed, vars);
    (fixed, rewrites, remaining)
}

fn judge(policy: &Policy, message: &str, found: Vec<Finding>) -> Vec<Finding> {
    policy.judge(Some(message), found)
}

/// The findings of a message; for assistants under `disclose` only, of the identities the
/// commit will be made under (the pre-commit hook reports the others); and, in a hook
/// (`session`: its variables), of the assistant session the commit is made in, which a
/// disclosure policy judges with the message as evidence of use.
fn findings(
    policy: &Policy,
    message: &str,
    idents: &[(Role, String, String)],
    session: Option<&crate::Vars>,
) -> Vec<Finding> {
    let m = policy.matcher();
    let mut found = Vec::new();
    m.check_message(message, &mut found);
    if let Some(vars) = session {
        m.check_environment(vars, &mut found);
    }
    for (role, name, email) in idents {
        let mut mine = Vec::new();
        m.check_identity(*role, name, email, &mut mine);
        found.extend(
            mine.into_iter()
                .filter(|f| policy.disclose.contains(&m.rules[f.rule].assistant)),
        );
    }
    let cx = Context {
        commit: String::new(),
        tag: None,
        subject: message.lines().next().unwrap_or(""),
        author: "",
        date: crate::report::now(),
        stage: Stage::CommitMsg,
        parents: 0,
    };
    found
        .into_iter()
        .map(|f| Finding::new(&m, f, &cx))
        .collect()
}

/// Whether git opens an editor on the message after the hook (it tells hooks `GIT_EDITOR=:`
/// when it does not).
pub fn editor_follows(vars: &crate::Vars) -> bool {
    vars.get("GIT_EDITOR") != Some(":")
}

/// Whether a rebase is under way (its picks recreate commits that already exist).
pub fn rewriting(repo: &Repo) -> bool {
    crate::git::local::rebasing(repo)
}

/// What is refused: the message, the session it is written in, or both.
pub fn header(findings: &[Finding]) -> String {
    let session = findings.iter().any(|f| f.variable.is_some());
    let message = findings.iter().any(|f| f.variable.is_none());
    match (message, session) {
        (true, true) => {
            "commit refused: its message, and the AI assistant's session it is made in,".to_owned()
        }
        (false, true) => "commit refused: the AI assistant's session it is made in".to_owned(),
        _ => "commit refused: its message".to_owned(),
    }
}

/// Where the refused message was kept, and how to reuse it (nothing when only the session
/// was refused: the message is fine).
pub fn footer(file: &Path, findings: &[Finding]) -> Vec<String> {
    if findings.iter().all(|f| f.variable.is_some()) {
        return Vec::new();
    }
    let shown = super::shown(file);
    vec![format!(
        "the message is kept in {shown}: edit it and commit again with `git commit -e -v -F {}` (`-v` drops a diff left below the scissors line)",
        crate::sanitize::shell_quote(&crate::sanitize::for_terminal(&file.display().to_string()))
    )]
}

/// What git will remove from the message file before committing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleanup {
    /// The comment string in force (`#` unless `core.commentChar` says otherwise).
    pub comment: String,
    /// Lines starting with [`Cleanup::comment`] are dropped.
    pub strip_comments: bool,
    /// Everything from the scissors line on is dropped.
    pub cut_at_scissors: bool,
}

impl Cleanup {
    /// Decides as git does from `commit.cleanup` and whether an editor was used (git tells
    /// its hooks `GIT_EDITOR=:` when none is). With the default mode an edited message loses
    /// its comments; `git commit -m` keeps `#` lines. `--cleanup=<mode>` on the command line
    /// is not visible to hooks; only the config is.
    pub fn from_git(repo: &Repo, raw: &str, vars: &crate::Vars) -> Cleanup {
        let edited = editor_follows(vars);
        let mode = config_string(repo, "commit.cleanup").unwrap_or_default();
        let configured = config_string(repo, "core.commentString")
            .or_else(|| config_string(repo, "core.commentChar"))
            .filter(|c| !c.is_empty());
        let comment = match configured.as_deref() {
            None => "#".to_owned(),
            Some("auto") => auto_comment_char(raw).to_owned(),
            Some(c) => c.to_owned(),
        };
        Cleanup {
            comment,
            strip_comments: match mode.as_str() {
                "strip" => true,
                "verbatim" | "whitespace" | "scissors" => false,
                _ => edited,
            },
            // `git commit -v` cuts at the scissors line whatever the mode; only a message
            // given to an editor can hold one.
            cut_at_scissors: edited || mode == "scissors",
        }
    }

    /// The message git will commit (before whitespace clean-up, which matters to no rule).
    pub fn apply(&self, raw: &str) -> String {
        message_body(
            raw,
            self.strip_comments.then_some(self.comment.as_str()),
            self.cut_at_scissors.then_some(self.comment.as_str()),
        )
    }
}

/// `raw` without the comment lines (when `comment` is given) and without everything from the
/// scissors line on (when `cut` names its comment character).
pub fn message_body(raw: &str, comment: Option<&str>, cut: Option<&str>) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if let Some(c) = cut {
            if bare.strip_prefix(c).and_then(|r| r.strip_prefix(' ')) == Some(CUT_LINE) {
                break;
            }
        }
        if comment.is_some_and(|c| bare.starts_with(c)) {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// The comment character `core.commentChar=auto` chose for this file. git picks the first
/// candidate that starts no line of the message it was given, then writes its comments (and
/// the scissors line) with it; the file no longer shows which it was, so: the character of a
/// scissors line, else that of the last non-empty line (git's comment block comes last),
/// else `#`.
fn auto_comment_char(raw: &str) -> &str {
    for line in raw.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(c) = line.chars().next() {
            if AUTO_CANDIDATES.contains(c)
                && line[c.len_utf8()..].strip_prefix(' ') == Some(CUT_LINE)
            {
                return &line[..c.len_utf8()];
            }
        }
    }
    let last = raw.lines().rev().map(str::trim_end).find(|l| !l.is_empty());
    match last.and_then(|l| l.chars().next()) {
        Some(c) if AUTO_CANDIDATES.contains(c) => {
            let l = last.unwrap_or_default();
            &l[..c.len_utf8()]
        }
        _ => "#",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUT: &str = "# ------------------------ >8 ------------------------";

    #[test]
    fn comments_and_everything_below_the_scissors_are_dropped() {
        let raw = format!(
            "Subject\n\nBody\n# Please enter the commit message\n{CUT}\n# Do not modify\ndiff --git a/x b/x\n+Co-Authored-By: Claude <noreply@anthropic.com>\n"
        );
        assert_eq!(
            message_body(&raw, Some("#"), Some("#")),
            "Subject\n\nBody\n"
        );
    }

    #[test]
    fn kept_comments_stay_but_the_cut_still_applies() {
        let raw = format!("Subject\n# kept\n{CUT}\n+x\n");
        assert_eq!(message_body(&raw, None, Some("#")), "Subject\n# kept\n");
        assert_eq!(message_body(&raw, None, None), raw);
    }

    #[test]
    fn a_scissors_line_needs_the_comment_char_in_force() {
        let raw = format!("Subject\n{CUT}\nafter\n");
        assert_eq!(message_body(&raw, Some(";"), Some(";")), raw);
        let semi = raw.replace("# -", "; -");
        assert_eq!(message_body(&semi, Some(";"), Some(";")), "Subject\n");
    }

    #[test]
    fn crlf_lines_are_recognised() {
        let raw =
            "Subject\r\n# c\r\n# ------------------------ >8 ------------------------\r\n+x\r\n";
        assert_eq!(message_body(raw, Some("#"), Some("#")), "Subject\r\n");
    }

    #[test]
    fn auto_comment_char_is_read_from_the_file() {
        assert_eq!(auto_comment_char("#1 fix\n\n; Please enter\n;\n"), ";");
        let cut = format!("x\n{}\n+diff\n", CUT.replacen('#', "@", 1));
        assert_eq!(auto_comment_char(&cut), "@");
        assert_eq!(auto_comment_char("Plain message\n"), "#");
    }
}
