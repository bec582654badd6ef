//! `aigate hook pre-commit` and `aigate hook pre-merge-commit`: the commit about to be made,
//! before its message exists. Checks the marker paths the index adds or changes against
//! `HEAD` (see [`crate::git::local::staged_marker_paths`]) and the author and committer
//! identities git will record.

use crate::catalogue::Kind;
use crate::engine::finding::{Context, Finding, Stage};
use crate::engine::matcher::Role;
use crate::error::Result;
use crate::git::local::{future_ident, staged_marker_paths};
use crate::git::repo::Repo;
use crate::policy::Policy;

/// The findings of the staged changes and of the identities of the commit being made.
pub fn check(repo: &Repo, policy: &Policy, vars: &crate::Vars) -> Result<Vec<Finding>> {
    let m = policy.matcher();
    let mut found = Vec::new();
    if m.has_kind(Kind::Path) {
        for staged in staged_marker_paths(repo, &m)? {
            m.check_path(&staged.path, &mut found);
        }
    }
    // git exports the author (including `--author`) to the hook; the committer comes from
    // the environment or the config, as git will resolve it.
    let author = future_ident(repo, "AUTHOR", vars);
    let committer = future_ident(repo, "COMMITTER", vars);
    m.check_identity(Role::Author, &author.name, &author.email, &mut found);
    if committer != author {
        m.check_identity(
            Role::Committer,
            &committer.name,
            &committer.email,
            &mut found,
        );
    }
    let who = format!("{} <{}>", author.name, author.email);
    let cx = Context {
        commit: String::new(),
        tag: None,
        subject: "",
        author: &who,
        date: crate::report::now(),
        stage: Stage::PreCommit,
        parents: 0,
    };
    let findings = found
        .into_iter()
        .map(|f| Finding::new(&m, f, &cx))
        .collect();
    // No message yet: disclosure is judged by the commit-msg hook.
    Ok(policy.judge(None, findings))
}

/// The opening of the report: what is refused (`what` is `commit` or `merge`).
pub fn header(findings: &[Finding], what: &str) -> String {
    let staged = findings.iter().any(|f| f.path.is_some());
    let ident = findings.iter().any(|f| f.identity.is_some());
    let session = findings.iter().any(|f| f.variable.is_some());
    let mut parts = Vec::new();
    if staged {
        parts.push("what is staged".to_owned());
    }
    if ident {
        parts.push(format!("who makes the {what}"));
    }
    if session {
        parts.push("the AI assistant's session it is made in".to_owned());
    }
    match parts.len() {
        0 => format!("{what} refused: what is staged"),
        1 if ident => format!("{what} refused: the identity it would be made under"),
        1 => format!("{what} refused: {}", parts[0]),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("{what} refused: {}, and {last},", parts.join(", "))
        }
    }
}
