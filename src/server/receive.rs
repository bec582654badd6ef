//! The receive core shared by `hook pre-receive` and `hook update`: which commits a push
//! brings that the repository did not have, and their findings.
//!
//! The new tips of all checked refs go into one commit walk that hides every existing ref
//! (`<new>... --not --all`), so two refs sharing commits are checked once, an existing commit
//! pushed to a new branch is not re-checked, and a force push checks only the rewritten
//! commits. An annotated tag's own object (message, tagger) is checked too. Nothing here
//! writes to the repository.

use std::collections::HashSet;

use git2::{ObjectType, Oid, Sort};

use crate::engine::finding::{Finding, Stage};
use crate::error::{Error, Result};
use crate::git::repo::Repo;
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

/// The all-zeros id of any length (40 hex digits for SHA-1, 64 for SHA-256).
pub fn is_zero(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b == b'0')
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

/// Whether any id is a SHA-256 one, which this build of libgit2 cannot read.
pub fn is_sha256(updates: &[RefUpdate]) -> bool {
    updates.iter().any(|u| u.new.len() == 64)
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
    let git = &repo.git;
    let mut outcome = Outcome::default();
    // receive-pack computed the id of every pushed object from its content (index-pack,
    // unpack-objects), as it did for every object already stored: hashing each object again
    // on read proves nothing new and costs a quarter of the time. (A process-wide libgit2
    // setting; a hook process checks one push and exits.)
    git2::opts::strict_hash_verification(false);

    // What the repository already has: for each ref the policy counts as known, the commit
    // it reaches and the tag object it points to, with the ref's own scope. A commit counts
    // as checked for a scope only if a ref at least as strict reaches it: a commit that
    // arrived through an ignored personal branch is checked when it reaches `main`.
    let mut known: Vec<(Scope, Option<Oid>, Option<Oid>)> = Vec::new();
    let refs = git
        .references()
        .map_err(|e| Error::git("listing refs", e))?;
    for r in refs {
        let r = r.map_err(|e| Error::git("listing refs", e))?;
        let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
        if !server.is_known_ref(&name) {
            continue;
        }
        // Refs to trees or blobs cannot be hidden (libgit2 would skip them silently anyway).
        let commit = r.peel(ObjectType::Commit).ok().map(|c| c.id());
        known.push((server.scope(&name), commit, r.target()));
    }

    let mut checker = crate::audit::Checker::new(repo, policy, crate::audit::PathMethod::Index)?;
    // Tips already walked by a stricter scope are hidden from the next walk.
    let mut walked_tips: Vec<Oid> = Vec::new();
    for scope in [Scope::Enforce, Scope::Warn] {
        let known_tags: HashSet<Oid> = known
            .iter()
            .filter(|(s, _, _)| *s >= scope)
            .filter_map(|(_, _, t)| *t)
            .collect();
        let mut tips = Vec::new();
        for u in updates {
            if server.scope(&u.name) != scope || u.is_delete() {
                continue;
            }
            let id = oid(&u.new)?;
            // Peel annotated tags one level at a time, checking each new tag object.
            let mut object = git
                .find_object(id, None)
                .map_err(|e| Error::git(format!("reading the new tip of `{}`", u.name), e))?;
            while let Some(tag) = object.as_tag() {
                if !known_tags.contains(&tag.id()) {
                    if let Some(info) = repo.tag(tag.id(), &u.name)? {
                        let found = checker.tag(&info, Stage::Push);
                        outcome.tags += 1;
                        outcome.findings.extend(downgrade(found, scope));
                    }
                }
                object = tag.target().map_err(|e| {
                    Error::git(format!("reading the target of tag `{}`", u.name), e)
                })?;
            }
            if object.kind() == Some(ObjectType::Commit) {
                tips.push(object.id());
            }
        }
        if tips.is_empty() {
            continue;
        }
        let fail = |e| Error::git("walking the pushed commits", e);
        let mut walk = git.revwalk().map_err(fail)?;
        walk.set_sorting(Sort::TOPOLOGICAL).map_err(fail)?;
        let known_commits = known
            .iter()
            .filter(|(s, _, _)| *s >= scope)
            .filter_map(|(_, c, _)| *c);
        for id in known_commits.chain(walked_tips.iter().copied()) {
            walk.hide(id).map_err(fail)?;
        }
        for id in &tips {
            walk.push(*id).map_err(fail)?;
        }
        for id in walk {
            let info = repo.commit(id.map_err(fail)?)?;
            let found = checker.commit(&info, Stage::Push)?;
            outcome.commits += 1;
            outcome.findings.extend(downgrade(found, scope));
        }
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

fn oid(hex: &str) -> Result<Oid> {
    Oid::from_str(hex).map_err(|e| Error::git(format!("parsing object id `{hex}`"), e))
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
    fn zero_ids_of_either_length_are_zero() {
        assert!(is_zero(Z40));
        assert!(is_zero(&"0".repeat(64)));
        assert!(!is_zero(A));
        assert!(!is_zero(""));
    }

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
        assert!(is_sha256(&u));
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
