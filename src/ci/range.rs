//! The commits a request brings, and making sure the checkout holds all of them. CI checkouts
//! are often shallow (`actions/checkout` fetches one commit, GitLab twenty): a shallow history
//! could hide commits of the request or make earlier history look new. With a remote, the
//! real `git` fetches the rest (aigate speaks no network protocol); without one, or
//! with `--no-fetch`, the error says how to check out the whole history.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ci::event::Base;
use crate::engine::finding::short_id;
use crate::error::{Error, Result};
use crate::git::repo::Repo;
use crate::git::Oid;

/// How to get a complete history in each CI system, for the error messages.
pub const ADVICE: &str = "check out the whole history: `fetch-depth: 0` with actions/checkout, `GIT_DEPTH: 0` on GitLab, `git fetch --unshallow` elsewhere";

/// What is missing from the checkout.
#[derive(Debug, Default, PartialEq, Eq)]
struct Gaps {
    shallow: bool,
    /// Revisions that do not resolve to an object here.
    missing: Vec<String>,
    /// A branch that is neither a local nor a remote-tracking branch here.
    branch: Option<String>,
}

impl Gaps {
    fn any(&self) -> bool {
        self.shallow || !self.missing.is_empty() || self.branch.is_some()
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.shallow {
            parts.push("the checkout is shallow".to_owned());
        }
        for m in &self.missing {
            // Full commit ids are shortened; names are shown as given.
            let shown = if is_full_id(m) { short_id(m) } else { m };
            parts.push(format!("commit `{shown}` is not in the checkout"));
        }
        if let Some(b) = &self.branch {
            parts.push(format!("branch `{b}` is not in the checkout"));
        }
        parts.join(" and ")
    }
}

/// The commits [`commits`] walks, in git's revision syntax (for the report).
pub fn describe(base: &Base, head: &str) -> Vec<String> {
    match base {
        Base::Rev(b) | Base::Push { before: b, .. } => vec![format!("{b}..{head}")],
        Base::NewRef { own, .. } => {
            let mut refs = vec![head.to_owned(), "--not".to_owned()];
            if let Some(own) = own {
                refs.push(format!("--exclude={own}"));
            }
            refs.push("--branches".to_owned());
            if let Some(own) = own {
                refs.push(format!("--exclude=*/{own}"));
            }
            refs.push("--remotes".to_owned());
            refs
        }
    }
}

fn gaps(repo: &Repo, base: &Base, head: &str) -> Gaps {
    let mut missing = Vec::new();
    let mut revs = vec![head];
    match base {
        Base::Rev(b) | Base::Push { before: b, .. } => revs.push(b),
        Base::NewRef { .. } => {}
    }
    for rev in revs {
        if !repo.resolves(rev) {
            missing.push(rev.to_owned());
        }
    }
    let branch = match base {
        Base::NewRef {
            default: Some(b), ..
        } if !has_branch(repo, b) => Some(b.clone()),
        _ => None,
    };
    Gaps {
        shallow: repo.is_shallow(),
        missing,
        branch,
    }
}

/// Whether `name` is a local branch or a remote-tracking branch of any remote.
fn has_branch(repo: &Repo, name: &str) -> bool {
    repo.has_ref(&format!("refs/heads/{name}"))
        || repo
            .remote_names()
            .iter()
            .any(|r| repo.has_ref(&format!("refs/remotes/{r}/{name}")))
}

/// When all that is missing is the old value of a pushed ref (gone with a force push), the
/// base to use instead: the commits on no other branch.
fn fallback(base: &Base, gaps: &Gaps, log: &mut dyn Write) -> Option<Base> {
    let Base::Push {
        before,
        own,
        default,
    } = base
    else {
        return None;
    };
    if gaps.shallow || gaps.branch.is_some() || gaps.missing != [before.clone()] {
        return None;
    }
    let _ = writeln!(
        log,
        "aigate: the push's old commit `{}` is gone (a force push?): checking the commits on no other branch",
        short_id(before)
    );
    Some(Base::NewRef {
        own: own.clone(),
        default: default.clone(),
    })
}

/// Opens the repository at `dir` with the whole request in it, fetching what is missing
/// from its remote when `fetch` allows; returns it with the base to walk from (a push's
/// base may fall back, see [`Base::Push`]). Says on `log` what it fetches.
pub fn complete(
    dir: &Path,
    base: &Base,
    head: &str,
    fetch: bool,
    log: &mut dyn Write,
) -> Result<(Repo, Base)> {
    let repo = Repo::open(Some(dir))?;
    let found = gaps(&repo, base, head);
    if !found.any() {
        return Ok((repo, base.clone()));
    }
    if !fetch {
        if let Some(other) = fallback(base, &found, log) {
            return complete(dir, &other, head, fetch, log);
        }
        return Err(Error::Usage(format!(
            "{} (and `--no-fetch` was given): {ADVICE}",
            found.describe()
        )));
    }
    let Some(remote) = pick_remote(&repo) else {
        if let Some(other) = fallback(base, &found, log) {
            return complete(dir, &other, head, fetch, log);
        }
        return Err(Error::Usage(format!(
            "{} and the repository has no remote to fetch it from: {ADVICE}",
            found.describe()
        )));
    };
    let work = repo
        .work_tree()
        .map_or_else(|| repo.git_dir().to_owned(), Path::to_owned);
    if found.shallow {
        let _ = writeln!(
            log,
            "aigate: the checkout is shallow: fetching the whole history from `{remote}`"
        );
        git(&work, &["fetch", "--quiet", "--unshallow", &remote])?;
    }
    for rev in &found.missing {
        // A remote-tracking branch (the base branch named by `GITHUB_BASE_REF` or GitLab's
        // target branch) is fetched as that branch; other names cannot be fetched.
        if let Some((r, b)) = rev
            .strip_prefix("refs/remotes/")
            .and_then(|rest| rest.split_once('/'))
        {
            let _ = writeln!(log, "aigate: fetching branch `{b}` from `{r}`");
            let spec = format!("+refs/heads/{b}:refs/remotes/{r}/{b}");
            git(&work, &["fetch", "--quiet", r, &spec])?;
        } else if is_full_id(rev) {
            let _ = writeln!(
                log,
                "aigate: fetching commit {} from `{remote}`",
                short_id(rev)
            );
            let fetched = git(&work, &["fetch", "--quiet", &remote, rev]);
            // A push's old commit may be gone from the server too: see `fallback`.
            let before = matches!(base, Base::Push { before, .. } if before == rev);
            if !before {
                fetched?;
            }
        }
    }
    if let Some(b) = &found.branch {
        let _ = writeln!(log, "aigate: fetching branch `{b}` from `{remote}`");
        let spec = format!("+refs/heads/{b}:refs/remotes/{remote}/{b}");
        git(&work, &["fetch", "--quiet", &remote, &spec])?;
    }
    // Reopen: the shallow file and the packs are read when a repository is opened.
    let repo = Repo::open(Some(dir))?;
    let left = gaps(&repo, base, head);
    if !left.any() {
        return Ok((repo, base.clone()));
    }
    if let Some(other) = fallback(base, &left, log) {
        return complete(dir, &other, head, fetch, log);
    }
    Err(Error::Usage(format!(
        "{} even after fetching from `{remote}`: {ADVICE}",
        left.describe()
    )))
}

/// `origin` when there is one, else the first remote.
fn pick_remote(repo: &Repo) -> Option<String> {
    let names = repo.remote_names();
    names
        .iter()
        .find(|n| *n == "origin")
        .or_else(|| names.first())
        .cloned()
}

/// Runs the real `git` in `dir`; an error quotes the end of its stderr.
fn git(dir: &PathBuf, args: &[&str]) -> Result<()> {
    let what = format!("`git {}`", args.join(" "));
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::input(format!("running {what}"), e.to_string()))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.trim().lines().last().unwrap_or("no message");
    Err(Error::Usage(format!(
        "{what} failed ({}): {}; {ADVICE}",
        output.status,
        crate::sanitize::excerpt(last, 300)
    )))
}

/// The commits `head` brings over `base`, newest first, merges included.
pub fn commits(repo: &Repo, base: &Base, head: &str) -> Result<Vec<Oid>> {
    let head = repo.resolve_commit(head)?;
    let hidden = match base {
        Base::Rev(b) | Base::Push { before: b, .. } => vec![repo.resolve_commit(b)?],
        Base::NewRef { own, .. } => other_branches(repo, own.as_deref())?,
    };
    repo.commits_between(&[head], &hidden)
}

/// The tips of every local and remote-tracking branch except those named `own`.
fn other_branches(repo: &Repo, own: Option<&str>) -> Result<Vec<Oid>> {
    let mut out = Vec::new();
    for r in repo.readable_refs()? {
        let name = r.name.as_str();
        let short = if let Some(b) = name.strip_prefix("refs/heads/") {
            b
        } else if let Some(rest) = name.strip_prefix("refs/remotes/") {
            match rest.split_once('/') {
                Some((_, b)) => b,
                None => continue,
            }
        } else {
            continue;
        };
        if short == "HEAD" || own == Some(short) {
            continue;
        }
        out.extend(r.commit);
    }
    Ok(out)
}

/// Whether `rev` is a full commit id (SHA-1 or SHA-256).
fn is_full_id(rev: &str) -> bool {
    (rev.len() == 40 || rev.len() == 64) && rev.bytes().all(|b| b.is_ascii_hexdigit())
}
