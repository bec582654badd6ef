//! The git2 access the local hooks and `aigate install` need, kept apart from the rest like
//! `repo.rs`: the staged marker paths of the commit being made, the identities it will carry,
//! config values, the commits a push would send, and where hooks live.

use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository};

use crate::engine::matcher::Matcher;
use crate::error::{Error, Result};
use crate::git::repo::Repo;

/// A path staged for the commit being made, as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    pub path: String,
}

/// The marker paths the index adds or changes against `HEAD` (every staged marker path on an
/// unborn branch): additions, modifications, renames into and type changes, never deletions.
///
/// The index is the one git's environment names (`GIT_INDEX_FILE`, set by `git commit -a` and
/// `git commit -- <paths>` to a temporary index), because the repository was opened with
/// `open_from_env`. Intent-to-add entries (`git add -N`) are not part of the commit; entries
/// in conflict (stages 1 to 3) cannot be committed, so only stage 0 counts.
///
/// Rather than diffing the whole index against the tree, only index entries that a path rule
/// matches are looked up in `HEAD`'s tree: matching globs over a few thousand paths is cheaper
/// than reading every tree of the work tree.
pub fn staged_marker_paths(repo: &Repo, matcher: &Matcher) -> Result<Vec<Staged>> {
    let git = &repo.git;
    let index = git
        .index()
        .map_err(|e| Error::git("reading the index", e))?;
    let head_tree = match git.head() {
        Ok(head) => Some(
            head.peel_to_tree()
                .map_err(|e| Error::git("reading the tree of `HEAD`", e))?,
        ),
        // Unborn branch (no commit yet): compare with the empty tree.
        Err(e)
            if matches!(
                e.code(),
                git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
            ) =>
        {
            None
        }
        Err(e) => return Err(Error::git("resolving `HEAD`", e)),
    };
    let mut out = Vec::new();
    for entry in index.iter() {
        let stage = (entry.flags >> 12) & 0x3;
        if stage != 0
            || git2::IndexEntryExtendedFlag::from_bits_truncate(entry.flags_extended)
                .is_intent_to_add()
        {
            continue;
        }
        let path = String::from_utf8_lossy(&entry.path).into_owned();
        if !matcher.is_marker_path(&path) {
            continue;
        }
        let unchanged = head_tree.as_ref().is_some_and(|tree| {
            tree.get_path(&raw_path(&entry.path)).is_ok_and(|old| {
                old.id() == entry.id
                    && normal_mode(old.filemode()) == normal_mode(entry.mode as i32)
            })
        });
        if !unchanged {
            out.push(Staged { path });
        }
    }
    Ok(out)
}

/// The index's path bytes as a `Path`, exactly (a lossy conversion would miss the tree entry
/// of a path that is not UTF-8).
fn raw_path(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Path::new(std::ffi::OsStr::from_bytes(bytes)).to_owned()
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Index modes may carry permission bits git ignores (`100664`): fold to what trees store.
fn normal_mode(mode: i32) -> i32 {
    match mode & 0o170000 {
        0o100000 if mode & 0o111 != 0 => 0o100755,
        0o100000 => 0o100644,
        m => m,
    }
}

/// An identity the commit being made will carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub email: String,
}

/// Who git will record as author or committer (`role` is `AUTHOR` or `COMMITTER`), resolved
/// the way git does: `GIT_<ROLE>_NAME`/`_EMAIL`, then `<role>.name`/`.email`, then
/// `user.name`/`user.email`, then `EMAIL`. Empty strings where nothing is set.
pub fn future_ident(repo: &Repo, role: &str, vars: &crate::Vars) -> Ident {
    let config = repo.git.config().ok();
    let lower = role.to_ascii_lowercase();
    let get = |key: &str| -> Option<String> {
        config
            .as_ref()
            .and_then(|c| c.get_string(key).ok())
            .filter(|v| !v.is_empty())
    };
    let env = |key: String| vars.get(&key).map(str::to_owned);
    let name = env(format!("GIT_{role}_NAME"))
        .or_else(|| get(&format!("{lower}.name")))
        .or_else(|| get("user.name"))
        .unwrap_or_default();
    let email = env(format!("GIT_{role}_EMAIL"))
        .or_else(|| get(&format!("{lower}.email")))
        .or_else(|| get("user.email"))
        .or_else(|| env("EMAIL".to_owned()))
        .unwrap_or_default();
    Ident { name, email }
}

/// A string config value of the repository (`None` when unset or unreadable).
pub fn config_string(repo: &Repo, key: &str) -> Option<String> {
    repo.git.config().ok()?.get_string(key).ok()
}

/// Whether `hex` is an all-zeros object id (of any length: SHA-1 or SHA-256).
pub fn is_zero_id(hex: &str) -> bool {
    !hex.is_empty() && hex.bytes().all(|b| b == b'0')
}

/// An object id known to this repository, or `None` (malformed or absent locally).
pub fn known_object(repo: &Repo, hex: &str) -> Option<Oid> {
    let oid = Oid::from_str(hex).ok()?;
    repo.git.find_object(oid, None).ok().map(|o| o.id())
}

/// What a pushed object is: a commit (directly or through tags), and the annotated tags met
/// on the way.
pub struct Peeled {
    pub commit: Option<Oid>,
    pub tags: Vec<Oid>,
}

/// Follows annotated tags from `oid` down to a commit (a tag of a tree or blob has none).
pub fn peel(repo: &Repo, oid: Oid) -> Result<Peeled> {
    let mut tags = Vec::new();
    let mut object = repo
        .git
        .find_object(oid, None)
        .map_err(|e| Error::git(format!("reading pushed object {oid}"), e))?;
    // Bounded: a tag chain is a few links at most; a cycle is impossible with hashes.
    for _ in 0..64 {
        match object.kind() {
            Some(ObjectType::Commit) => {
                return Ok(Peeled {
                    commit: Some(object.id()),
                    tags,
                })
            }
            Some(ObjectType::Tag) => {
                let tag = object
                    .as_tag()
                    .ok_or_else(|| Error::input("pushed object", format!("{oid} is not a tag")))?;
                tags.push(tag.id());
                object = tag
                    .target()
                    .map_err(|e| Error::git(format!("peeling tag {}", tag.id()), e))?;
            }
            _ => break,
        }
    }
    Ok(Peeled { commit: None, tags })
}

/// The commits reachable from `tips` but not from `hide`, nor, when `remote` is given, from
/// its remote-tracking branches (`--not --remotes=<remote>`). One walk: commits shared by
/// several tips come out once. Newest first.
pub fn new_commits(
    repo: &Repo,
    tips: &[Oid],
    hide: &[Oid],
    remote: Option<&str>,
) -> Result<Vec<Oid>> {
    let fail = |e| Error::git("walking the commits to push", e);
    let mut walk = repo.git.revwalk().map_err(fail)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
        .map_err(fail)?;
    for tip in tips {
        walk.push(*tip).map_err(fail)?;
    }
    for h in hide {
        walk.hide(*h).map_err(fail)?;
    }
    if let Some(remote) = remote {
        // `--remotes=<name>` implies `/*` when the name holds no glob character.
        let glob = if remote.contains(['*', '?', '[']) {
            format!("refs/remotes/{remote}")
        } else {
            format!("refs/remotes/{remote}/*")
        };
        walk.hide_glob(&glob).map_err(fail)?;
    }
    walk.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(fail)
}

/// The object a ref name (or revision) resolves to, for the pre-commit framework's variables.
pub fn resolve(repo: &Repo, spec: &str) -> Result<Oid> {
    repo.git
        .revparse_single(spec)
        .map(|o| o.id())
        .map_err(|source| Error::Revision {
            spec: spec.to_owned(),
            source: source.into(),
        })
}

/// The directory git runs this repository's hooks from: `core.hooksPath` when set (relative
/// to the work tree root, or to the git directory of a bare repository), else `hooks/` in the
/// common git directory, which linked worktrees share.
pub fn hooks_dir(repo: &Repo) -> Result<PathBuf> {
    let git: &Repository = &repo.git;
    let config = git
        .config()
        .map_err(|e| Error::git("reading the git config", e))?;
    if let Ok(path) = config.get_path("core.hooksPath") {
        if !path.as_os_str().is_empty() {
            if path.is_absolute() {
                return Ok(path);
            }
            let base = git.workdir().unwrap_or_else(|| git.path());
            return Ok(base.join(path));
        }
    }
    Ok(git.commondir().join("hooks"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_ids_of_any_hash_length() {
        assert!(is_zero_id(&"0".repeat(40)));
        assert!(is_zero_id(&"0".repeat(64)));
        assert!(!is_zero_id(""));
        assert!(!is_zero_id(&format!("{}1", "0".repeat(39))));
    }

    #[test]
    fn index_modes_fold_to_tree_modes() {
        assert_eq!(normal_mode(0o100664), 0o100644);
        assert_eq!(normal_mode(0o100775), 0o100755);
        assert_eq!(normal_mode(0o120000), 0o120000);
        assert_eq!(normal_mode(0o160000), 0o160000);
    }
}
