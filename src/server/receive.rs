//! The receive core shared by `hook pre-receive` and `hook update`: which commits a push
//! brings that the repository did not have, and their findings.
//!
//! The new tips of all checked refs go into one commit walk that hides every existing ref
//! (`<new>... --not --all`), so two refs sharing commits are checked once, an existing commit
//! pushed to a new branch is not re-checked, and a force push checks only the rewritten
//! commits. An annotated tag's own object (message, tagger) is checked too. Nothing here
//! writes to the repository.

use std::collections::HashSet;

use crate::engine::finding::{Finding, Stage};
use crate::error::{Error, Result};
use crate::git::repo::Repo;
use crate::git::{is_zero, Oid};
use crate::policy::server::Scope;
use crate::policy::{Policy, Severity};

/// One line of pre-receive's stdin (or update's arguments): `<old> <new> <ref>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub old: String,
    pub new: String,
    pub name: String,
}

impl RefUpdate {
    pub fn is_delete(&self) -> bool {
        is_zero(&self.new)
    }

    pub fn is_create(&self) -> bool {
        is_zero(&self.old)
    }
}

/// Checks one object id as git writes it: 40 or 64 lower- or upper-case hex digits.
fn object_id(field: &str, what: &str, line_no: usize) -> Result<String> {
    if (field.len() == 40 || field.len() == 64) && field.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(field.to_ascii_lowercase())
    } else {
        Err(Error::input(
            "hook input",
            format!(
                "line {line_no}: the {what} id `{}` is not 40 or 64 hex digits",
                crate::sanitize::excerpt(field, 80)
            ),
        ))
    }
}

/// Builds a ref update from its three parts, checking each.
pub fn ref_update(old: &str, new: &str, name: &str, line_no: usize) -> Result<RefUpdate> {
    let old = object_id(old, "old", line_no)?;
    let new = object_id(new, "new", line_no)?;
    if old.len() != new.len() {
        return Err(Error::input(
            "hook input",
            format!("line {line_no}: the old and new ids differ in length"),
        ));
    }
    if name.is_empty() || name.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err(Error::input(
            "hook input",
            format!(
                "line {line_no}: `{}` is not a ref name",
                crate::sanitize::excerpt(name, 200)
            ),
        ));
    }
    Ok(RefUpdate {
        old,
        new,
        name: name.to_owned(),
    })
}

/// Parses pre-receive's stdin: one `<old> SP <new> SP <ref> LF` line per ref. Anything else
/// (a missing field, a bad id, a non-UTF-8 ref name) is an error: the hook fails closed.
pub fn parse_stdin(input: &[u8]) -> Result<Vec<RefUpdate>> {
    let text = std::str::from_utf8(input).map_err(|e| {
        Error::input(
            "hook input",
            format!("not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )
    })?;
    let mut updates = Vec::new();
    for (i, line) in text.split_terminator('\n').enumerate() {
        let line_no = i + 1;
        let mut parts = line.splitn(3, ' ');
        let (Some(old), Some(new), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::input(
                "hook input",
                format!(
                    "line {line_no}: expected `<old-id> <new-id> <ref>`, got `{}`",
                    crate::sanitize::excerpt(line, 200)
                ),
            ));
        };
        updates.push(ref_update(old, new, name, line_no)?);
    }
    Ok(updates)
}

/// A ref of the push, with the scope the policy gives it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RefReport {
    #[serde(rename = "ref")]
    pub name: String,
    pub old: String,
    pub new: String,
    pub scope: Scope,
}

/// What the check found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub refs: Vec<RefReport>,
    /// Commits checked (each once), plus annotated tag objects.
    pub commits: usize,
    pub tags: usize,
    /// Findings; those of refs in `warn` scope are downgraded to warnings.
    pub findings: Vec<Finding>,
}

/// Checks every commit and tag object the updates bring that the repository did not have.
pub fn check(repo: &Repo, policy: &Policy, updates: &[RefUpdate]) -> Result<Outcome> {
    let server = &policy.server;
    let mut outcome = Outcome::default();

    // What the repository already has: for each ref the policy counts as known, the commit
    // it reaches and the tag objects on the way, with the ref's own scope. A commit counts
    // as checked for a scope only if a ref at least as strict reaches it: a commit that
    // arrived through an ignored personal branch is checked when it reaches `main`.
    let known: Vec<(Scope, crate::git::repo::RefTip)> = repo
        .readable_refs()?
        .into_iter()
        .filter(|t| t.name != "HEAD" && server.is_known_ref(&t.name))
        .map(|t| (server.scope(&t.name), t))
        .collect();

    let checker = crate::audit::Checker::new(repo, policy, crate::audit::PathMethod::Index)?;
    // Tips already walked by a stricter scope are hidden from the next walk.
    let mut walked_tips: Vec<Oid> = Vec::new();
    for scope in [Scope::Enforce, Scope::Warn] {
        let known_tags: HashSet<Oid> = known
            .iter()
            .filter(|(s, _)| *s >= scope)
            .flat_map(|(_, t)| t.tags.iter().copied())
            .collect();
        let mut tips = Vec::new();
        for u in updates {
            if server.scope(&u.name) != scope || u.is_delete() {
                continue;
            }
            let id = repo.parse_id(&u.new)?;
            // Every tag object of a chain (a tag of a tag...) is checked, unless known.
            let tip = repo.peel(id, &format!("the new tip of `{}`", u.name))?;
            for tag in &tip.tags {
                if known_tags.contains(tag) {
                    continue;
                }
                if let Some(info) = repo.tag(*tag, &u.name)? {
                    let found = checker.tag(&info, Stage::Push);
                    outcome.tags += 1;
                    outcome.findings.extend(downgrade(found, scope));
                }
            }
            tips.extend(tip.commit);
        }
        if tips.is_empty() {
            continue;
        }
        let hidden: Vec<Oid> = known
            .iter()
            .filter(|(s, _)| *s >= scope)
            .filter_map(|(_, t)| t.commit)
            .chain(walked_tips.iter().copied())
            .collect();
        let (checked, found) =
            crate::audit::check_commits(repo, policy, &tips, &hidden, Stage::Push)?;
        outcome.commits += checked;
        outcome.findings.extend(downgrade(found, scope));
        walked_tips.extend(tips);
    }

    outcome.findings.extend(ref_name_findings(policy, updates));
    outcome.refs = updates
        .iter()
        .map(|u| RefReport {
            name: u.name.clone(),
            old: u.old.clone(),
            new: u.new.clone(),
            scope: if u.is_delete() {
                Scope::Ignore
            } else {
                server.scope(&u.name)
            },
        })
        .collect();
    Ok(outcome)
}

/// Findings of the opt-in ref rules over the names the push creates or updates, in the
/// scope of each ref (deletions and ignored refs are not checked).
fn ref_name_findings(policy: &Policy, updates: &[RefUpdate]) -> Vec<Finding> {
    let server = &policy.server;
    let mut out = Vec::new();
    for u in updates {
        let scope = server.scope(&u.name);
        if u.is_delete() || scope == Scope::Ignore {
            continue;
        }
        let found = crate::hooks::session::ref_findings(policy, [u.name.as_str()], Stage::Push);
        out.extend(downgrade(found, scope));
    }
    out
}

fn downgrade(found: Vec<Finding>, scope: Scope) -> impl Iterator<Item = Finding> {
    found.into_iter().map(move |mut f| {
        if scope == Scope::Warn {
            f.severity = Severity::Warn;
        }
        f
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const Z40: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn stdin_lines_parse_into_updates() {
        let input = format!("{Z40} {A} refs/heads/main\n{A} {Z40} refs/heads/old\n");
        let u = parse_stdin(input.as_bytes()).unwrap();
        assert_eq!(u.len(), 2);
        assert!(u[0].is_create() && !u[0].is_delete());
        assert!(u[1].is_delete());
        assert_eq!(u[1].name, "refs/heads/old");
    }

    #[test]
    fn sha256_ids_are_recognised() {
        let new = "a".repeat(64);
        let u =
            parse_stdin(format!("{} {new} refs/heads/main\n", "0".repeat(64)).as_bytes()).unwrap();
        assert!(u[0].is_create());
        assert_eq!(u[0].new.len(), 64);
    }

    #[test]
    fn malformed_lines_are_errors() {
        for bad in [
            "garbage\n".to_owned(),
            format!("{A} {A}\n"),
            format!("{A} xyz refs/heads/main\n"),
            format!("{Z40} {} refs/heads/main\n", "a".repeat(64)),
            format!("{A} {A} refs/heads/a b\n"),
            format!("{A} {A} \n"),
        ] {
            assert!(parse_stdin(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(parse_stdin(b"\xff\xfe").is_err());
    }

    #[test]
    fn empty_input_is_no_update() {
        assert!(parse_stdin(b"").unwrap().is_empty());
    }
}
