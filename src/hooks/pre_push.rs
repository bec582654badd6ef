//! `aigate hook pre-push [REMOTE [URL]]`: every commit the push would send, with message,
//! identity and path checks, and the message and tagger of every annotated tag pushed. The
//! local backstop for commits made with `--no-verify` (how Aider commits by default).
//!
//! git writes one line per ref on stdin: `<local-ref> SP <local-oid> SP <remote-ref> SP
//! <remote-oid>`. A deletion (all-zero local id) sends nothing. The commits sent are those
//! reachable from the local ids and not from the remote ids; when the remote id is all zeros
//! (a new branch) or unknown here (someone else pushed), from none of the remote's
//! remote-tracking branches (`--not --remotes=<remote>`) instead. All refs share one walk, so
//! a commit is checked once. The pre-commit framework consumes stdin itself and passes
//! `PRE_COMMIT_FROM_REF`, `PRE_COMMIT_TO_REF`, `PRE_COMMIT_REMOTE_NAME`, ... instead.

use std::collections::BTreeSet;
use std::io::BufRead;

use crate::audit::{Checker, PathMethod};
use crate::engine::finding::{Finding, Stage};
use crate::error::{Error, Result};
use crate::git::local::{known_object, new_commits, peel, resolve};
use crate::git::repo::Repo;
use crate::git::{is_zero as is_zero_id, Oid};
use crate::policy::Policy;

/// One ref the push updates, as git describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub local_ref: String,
    /// Hex id, or a revision when it came from the pre-commit framework.
    pub local: String,
    pub remote_ref: String,
    pub remote: String,
}

/// What the hook was told about the push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The remote's name (or its URL when the push named no configured remote).
    pub remote: Option<String>,
    pub updates: Vec<Update>,
}

impl Input {
    /// From the pre-commit framework's variables when it set them, else from git's stdin.
    pub fn gather(
        remote: Option<String>,
        _url: Option<String>,
        vars: &crate::Vars,
        stdin: &mut dyn BufRead,
    ) -> Result<Input> {
        let var = |k: &str| vars.get(k).map(str::to_owned);
        if let Some(name) = var("PRE_COMMIT_REMOTE_NAME") {
            let local_ref = var("PRE_COMMIT_LOCAL_BRANCH").unwrap_or_default();
            let remote_ref = var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_default();
            let updates = match (var("PRE_COMMIT_TO_REF"), var("PRE_COMMIT_FROM_REF")) {
                (Some(to), from) => vec![Update {
                    local_ref: if local_ref.is_empty() {
                        to.clone()
                    } else {
                        local_ref
                    },
                    local: to,
                    remote_ref,
                    remote: from.unwrap_or_default(),
                }],
                // pre-commit passes no range when the branch brings its root commit.
                (None, _) if !local_ref.is_empty() => vec![Update {
                    local: local_ref.clone(),
                    local_ref,
                    remote_ref,
                    remote: String::new(),
                }],
                (None, _) => Vec::new(),
            };
            return Ok(Input {
                remote: Some(name),
                updates,
            });
        }
        Ok(Input {
            remote,
            updates: parse_updates(stdin)?,
        })
    }
}

/// Parses git's pre-push stdin.
pub fn parse_updates(stdin: &mut dyn BufRead) -> Result<Vec<Update>> {
    parse_update_bytes(&crate::read_input(stdin, "pre-push input")?)
}

/// Parses pre-push lines `<local-ref> SP <local-oid> SP <remote-ref> SP <remote-oid>`; ids
/// are 40 or 64 hex digits. Anything else is an error that quotes (an excerpt of) the line.
pub fn parse_update_bytes(bytes: &[u8]) -> Result<Vec<Update>> {
    let mut updates = Vec::new();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let what = || format!("pre-push input line {}", n + 1);
        let line = std::str::from_utf8(line).map_err(|e| {
            Error::input(
                what(),
                format!("not UTF-8 (invalid byte at column {})", e.valid_up_to() + 1),
            )
        })?;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(' ').collect();
        let [local_ref, local, remote_ref, remote] = fields[..] else {
            return Err(Error::input(
                what(),
                format!(
                    "expected `<local-ref> <local-oid> <remote-ref> <remote-oid>`, got `{}`",
                    crate::sanitize::excerpt(line, 200)
                ),
            ));
        };
        for id in [local, remote] {
            let hex =
                (id.len() == 40 || id.len() == 64) && id.bytes().all(|b| b.is_ascii_hexdigit());
            if !hex {
                return Err(Error::input(
                    what(),
                    format!(
                        "`{}` is not an object id (40 or 64 hex digits)",
                        crate::sanitize::excerpt(id, 80)
                    ),
                ));
            }
        }
        updates.push(Update {
            local_ref: local_ref.to_owned(),
            local: local.to_owned(),
            remote_ref: remote_ref.to_owned(),
            remote: remote.to_owned(),
        });
    }
    Ok(updates)
}

/// The findings of a push and how much it sends.
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub commits: usize,
}

impl Outcome {
    /// What is refused: what the push sends, or (when no commit or tag is at fault) the
    /// session it is made from or the names it writes.
    pub fn header(&self) -> String {
        let in_objects = self.findings.iter().any(|f| !f.commit.is_empty());
        if !in_objects && self.findings.iter().any(|f| f.variable.is_some()) {
            return "push refused: the AI assistant's session it is made from".to_owned();
        }
        if !in_objects && self.findings.iter().any(|f| f.reference.is_some()) {
            return "push refused: the names of the refs it writes".to_owned();
        }
        let s = if self.commits == 1 { "" } else { "s" };
        format!(
            "push refused: what it would send ({} commit{s})",
            self.commits
        )
    }
}

/// Checks every commit and annotated tag the push would send.
pub fn check(repo: &Repo, policy: &Policy, input: &Input) -> Result<Outcome> {
    let mut tips = Vec::new();
    let mut hide = Vec::new();
    let mut tags: BTreeSet<(Oid, String)> = BTreeSet::new();
    let mut use_remotes = false;
    for u in &input.updates {
        if u.local.is_empty() || is_zero_id(&u.local) {
            continue; // a deletion sends nothing
        }
        let local = match repo.parse_id(&u.local) {
            Ok(oid) => oid,
            _ => resolve(repo, &u.local)?,
        };
        let peeled = peel(repo, local)?;
        for t in peeled.tags {
            tags.insert((t, u.local_ref.clone()));
        }
        let Some(commit) = peeled.commit else {
            continue; // a tag of a tree or blob: only the tag itself is checked
        };
        tips.push(commit);
        let known_remote = if is_zero_id(&u.remote) || u.remote.is_empty() {
            None
        } else {
            known_object(repo, &u.remote)
                .map(|oid| peel(repo, oid))
                .transpose()?
                .and_then(|p| p.commit)
        };
        match known_remote {
            Some(r) => hide.push(r),
            None => use_remotes = true,
        }
    }
    if tips.is_empty() && tags.is_empty() {
        return Ok(Outcome {
            findings: Vec::new(),
            commits: 0,
        });
    }
    let remote = if use_remotes {
        input.remote.as_deref()
    } else {
        None
    };
    let commits = new_commits(repo, &tips, &hide, remote)?;
    let mut checker = Checker::new(repo, policy, PathMethod::Index)?;
    let mut findings = Vec::new();
    for oid in &commits {
        findings.extend(checker.commit(&repo.commit(*oid)?, Stage::Push)?);
    }
    for (id, name) in &tags {
        if let Some(info) = repo.tag(*id, name)? {
            findings.extend(checker.tag(&info, Stage::Push));
        }
    }
    Ok(Outcome {
        findings,
        commits: commits.len(),
    })
}

/// Findings of the opt-in ref rules over the names the push writes on the remote (deletions
/// write nothing and are not findings).
pub fn ref_findings(policy: &Policy, input: &Input) -> Vec<Finding> {
    let names = input
        .updates
        .iter()
        .filter(|u| !u.local.is_empty() && !is_zero_id(&u.local))
        .map(|u| u.remote_ref.as_str());
    super::session::ref_findings(policy, names, Stage::Push)
}

/// The closing lines of a refused push (about commits only when some finding is in one).
pub fn footer(findings: &[Finding]) -> Vec<String> {
    if findings.iter().all(|f| f.commit.is_empty()) {
        return Vec::new();
    }
    vec![
        "these commits were made without the local hooks (`--no-verify`, another clone, a tool): rewrite them before pushing".to_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gits_pre_push_lines() {
        let z = "0".repeat(40);
        let text = format!("refs/heads/a 1111111111111111111111111111111111111111 refs/heads/a {z}\n(delete) {z} refs/heads/b 2222222222222222222222222222222222222222\n");
        let updates = parse_updates(&mut text.as_bytes()).unwrap();
        assert_eq!(updates.len(), 2);
        assert_eq!(updates[0].local_ref, "refs/heads/a");
        assert!(is_zero_id(&updates[0].remote));
        assert_eq!(updates[1].local_ref, "(delete)");
        assert!(is_zero_id(&updates[1].local));
    }

    #[test]
    fn rejects_a_malformed_line_with_its_number() {
        let err = parse_updates(&mut "refs/heads/a 11\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("pre-push input line 1: expected"), "{err}");
    }
}
