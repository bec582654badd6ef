//! What the local hooks and `aigate install` need of git: the staged marker paths of the
//! commit being made, the identities it will carry, config values, the commits a push would
//! send, and where hooks live. On gitoxide, so SHA-256 repositories work as SHA-1 ones do.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;

use crate::engine::matcher::Matcher;
use crate::error::{Error, Result};
use crate::git::repo::{RefTip, Repo};
use crate::git::Oid;

/// A path staged for the commit being made, as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    pub path: String,
}

/// The marker paths the index adds or changes against `HEAD` (every staged marker path on an
/// unborn branch): additions, modifications, renames into and type changes, never deletions.
///
/// The index is the one git's environment names (`GIT_INDEX_FILE`, set by `git commit -a` and
/// `git commit -- <paths>` to a temporary index), because the repository was opened from the
/// environment. Intent-to-add entries (`git add -N`) are not part of the commit; entries in
/// conflict (stages 1 to 3) cannot be committed, so only stage 0 counts.
///
/// Rather than diffing the whole index against the tree, only index entries that a path rule
/// matches are looked up in `HEAD`'s tree: matching globs over the paths is cheaper than
/// reading every tree of the work tree.
pub fn staged_marker_paths(repo: &Repo, matcher: &Matcher) -> Result<Vec<Staged>> {
    let git = repo.gix();
    // Read as git reads it, without checking the checksum at its end (git checks it only in
    // `git fsck`): hashing the whole file was half the time of reading a large index.
    let index = gix::index::File::at_or_default(
        git.index_path(),
        git.object_hash(),
        true,
        gix::index::decode::Options::default(),
    )
    .map_err(|e| Error::git("reading the index", e))?;
    let head = git.head().map_err(|e| Error::git("resolving `HEAD`", e))?;
    // Unborn branch (no commit yet): compare with the empty tree.
    let head_tree = match head.id() {
        Some(id) => {
            let tip = repo.peel(id.detach(), "`HEAD`")?;
            let commit = tip
                .commit
                .ok_or_else(|| Error::input("`HEAD`", format!("{} is not a commit", tip.target)))?;
            Some(repo.commit(commit)?.tree)
        }
        None => None,
    };
    // Directories git's cache-tree shows unchanged against HEAD are skipped whole.
    let mut skip: HashMap<Vec<u8>, u32> = HashMap::new();
    if let (Some(cache), Some(tree)) = (index.tree(), head_tree) {
        unchanged_dirs(repo, cache, tree, &mut Vec::new(), 0, &mut skip)?;
        if skip.contains_key(&b""[..]) {
            return Ok(Vec::new()); // the index is HEAD's tree
        }
    }
    let entries = index.entries();
    let mut out = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let entry = &entries[i];
        if let Some(n) = skippable(&skip, entries, i, &index) {
            i += n;
            continue;
        }
        i += 1;
        if entry.stage_raw() != 0
            || entry
                .flags
                .contains(gix::index::entry::Flags::INTENT_TO_ADD)
        {
            continue;
        }
        let raw = entry.path(&index);
        let path = String::from_utf8_lossy(raw).into_owned();
        if !matcher.is_marker_path(&path) {
            continue;
        }
        let unchanged = match head_tree {
            Some(tree) => repo.tree_entry(tree, raw)?.is_some_and(|(id, mode)| {
                id == entry.id && normal_mode(mode) == normal_mode(entry.mode.bits())
            }),
            None => false,
        };
        if !unchanged {
            out.push(Staged { path });
        }
    }
    Ok(out)
}

/// Collects the directories (`a/b/`) whose cache-tree id is valid and equals HEAD's tree
/// there: their index entries are HEAD's, unchanged. Only the trees along changed paths are
/// read. Below [`crate::git::paths::MAX_DEPTH`] levels nothing more is skipped (skipping
/// only saves time), so the recursion stays within the main thread's stack.
fn unchanged_dirs(
    repo: &Repo,
    cache: &gix::index::extension::Tree,
    head_tree: Oid,
    prefix: &mut Vec<u8>,
    depth: usize,
    out: &mut HashMap<Vec<u8>, u32>,
) -> Result<()> {
    if let Some(n) = cache.num_entries {
        if cache.id == head_tree {
            out.insert(prefix.clone(), n);
            return Ok(());
        }
    }
    if cache.children.is_empty() || depth > crate::git::paths::MAX_DEPTH {
        return Ok(());
    }
    // HEAD's tree here read once for all the children (the first entry of a name counts).
    let mut head: HashMap<&[u8], (Oid, u32)> = HashMap::new();
    let entries = repo.tree_entries(head_tree)?;
    for (name, id, mode) in &entries {
        head.entry(&name[..]).or_insert((*id, *mode));
    }
    for child in &cache.children {
        let Some(&(id, mode)) = head.get(&child.name[..]) else {
            continue;
        };
        if mode & 0o170000 != 0o040000 {
            continue;
        }
        let len = prefix.len();
        prefix.extend_from_slice(&child.name);
        prefix.push(b'/');
        unchanged_dirs(repo, child, id, prefix, depth + 1, out)?;
        prefix.truncate(len);
    }
    Ok(())
}

/// How many entries from `i` on belong to an unchanged directory, when entry `i` is the
/// first of one. The count is checked against the entries themselves (git documents it as
/// not to be trusted): a mismatch skips nothing.
fn skippable(
    skip: &HashMap<Vec<u8>, u32>,
    entries: &[gix::index::Entry],
    i: usize,
    index: &gix::index::State,
) -> Option<usize> {
    if skip.is_empty() {
        return None;
    }
    let path: &[u8] = entries[i].path(index);
    for (pos, _) in path.iter().enumerate().filter(|(_, &b)| b == b'/') {
        let dir = &path[..=pos];
        let Some(&n) = skip.get(dir) else { continue };
        let n = n as usize;
        let last = entries.get(i + n.checked_sub(1)?)?;
        let inside = |e: &gix::index::Entry| e.path(index).starts_with(dir);
        let first = i == 0 || !inside(&entries[i - 1]);
        if n > 0 && first && inside(last) && entries.get(i + n).is_none_or(|e| !inside(e)) {
            return Some(n);
        }
        return None;
    }
    None
}

/// Index modes may carry permission bits git ignores (`100664`): fold to what trees store.
fn normal_mode(mode: u32) -> u32 {
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
    let lower = role.to_ascii_lowercase();
    let get = |key: &str| -> Option<String> { config_string(repo, key).filter(|v| !v.is_empty()) };
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

/// Whether a rebase is under way (its picks recreate commits that already exist).
pub fn rebasing(repo: &Repo) -> bool {
    use gix::state::InProgress as S;
    matches!(
        repo.gix().state(),
        Some(S::Rebase | S::RebaseInteractive | S::ApplyMailboxRebase)
    )
}

/// A string config value of the repository (`None` when unset).
pub fn config_string(repo: &Repo, key: &str) -> Option<String> {
    repo.gix()
        .config_snapshot()
        .string(key)
        .map(|v| v.to_str_lossy().into_owned())
}

/// An object id known to this repository, or `None` (malformed, of the other hash, or absent
/// locally).
pub fn known_object(repo: &Repo, hex: &str) -> Option<Oid> {
    let oid = repo.parse_id(hex).ok()?;
    repo.has_object(&oid).ok()?.then_some(oid)
}

/// Follows annotated tags from `oid` down to a commit (a tag of a tree or blob has none);
/// every tag object on the way is listed.
pub fn peel(repo: &Repo, oid: Oid) -> Result<RefTip> {
    repo.peel(oid, &format!("pushed object {oid}"))
}

/// The commits reachable from `tips` but not from `hide`, nor, when `remote` is given, from
/// its remote-tracking branches (`--not --remotes=<remote>`). Commits shared by several tips
/// come out once. Newest first, children before parents.
pub fn new_commits(
    repo: &Repo,
    tips: &[Oid],
    hide: &[Oid],
    remote: Option<&str>,
) -> Result<Vec<Oid>> {
    let mut hidden = hide.to_vec();
    if let Some(remote) = remote {
        // `--remotes=<name>` implies `/*` when the name holds no glob character.
        let glob = if remote.contains(['*', '?', '[']) {
            format!("refs/remotes/{remote}")
        } else {
            format!("refs/remotes/{remote}/*")
        };
        hidden.extend(repo.tips_matching(&glob)?);
    }
    let ids = repo.reachable(tips, &hidden)?;
    repo.ordered(&ids)
}

/// The object a ref name (or revision) resolves to, for the pre-commit framework's variables.
pub fn resolve(repo: &Repo, spec: &str) -> Result<Oid> {
    repo.resolve(spec)
}

/// The directory git runs this repository's hooks from: `core.hooksPath` when set (relative
/// to the work tree root, or to the git directory of a bare repository), else `hooks/` in the
/// common git directory, which linked worktrees share.
pub fn hooks_dir(repo: &Repo) -> Result<PathBuf> {
    if let Some(path) = config_path(repo, "core.hooksPath")? {
        if !path.as_os_str().is_empty() {
            if path.is_absolute() {
                return Ok(path);
            }
            let base = repo.work_tree().unwrap_or_else(|| repo.git_dir());
            return Ok(base.join(path));
        }
    }
    Ok(repo.common_dir().join("hooks"))
}

/// A path-valued config setting (`~/` expanded), `None` when unset.
pub fn config_path(repo: &Repo, key: &str) -> Result<Option<PathBuf>> {
    repo.gix()
        .config_snapshot()
        .trusted_path(key)
        .map_err(|e| Error::git(format!("reading `{key}` from the git config"), e))
}

/// A path-valued setting from the global and system git config and, with `git_dir`, that
/// repository's own `config` file (most specific last), read without opening the repository.
pub fn config_path_without_repo(git_dir: Option<&Path>, key: &str) -> Result<Option<PathBuf>> {
    let fail = |e: gix::Error| Error::git("reading git config", e);
    let mut config = gix::config::File::from_globals().map_err(fail)?;
    if let Some(dir) = git_dir {
        let local = dir.join("config");
        if local.is_file() {
            let file = gix::config::File::from_path_no_includes(local, gix::config::Source::Local)
                .map_err(fail)?;
            config.append(file).map_err(fail)?;
        }
    }
    let Some(value) = config.path(key) else {
        return Ok(None);
    };
    let home = gix::path::env::home_dir();
    value
        .interpolate(gix::config::path::interpolate::Context {
            home_dir: home.as_deref(),
            ..Default::default()
        })
        .map(Some)
        .map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_modes_fold_to_tree_modes() {
        assert_eq!(normal_mode(0o100664), 0o100644);
        assert_eq!(normal_mode(0o100775), 0o100755);
        assert_eq!(normal_mode(0o120000), 0o120000);
        assert_eq!(normal_mode(0o160000), 0o160000);
    }
}
