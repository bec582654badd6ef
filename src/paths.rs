//! Which marker paths a commit adds or changes, compared with its first parent.
//!
//! The fast method never diffs trees. For each tree (at a given directory) it computes, once,
//! the marker paths inside it with their blob ids and modes; trees are content-addressed, so
//! the answer holds wherever the same tree recurs at the same place, and from one commit to
//! the next only the trees that changed are read. A commit's changed marker paths are then
//! the entries of its tree's list that its first parent's list lacks or has with another id
//! or mode: additions, modifications, renames into and type changes, never deletions.
//!
//! [`diff_paths`] is the straightforward method (a libgit2 tree diff against the first
//! parent), kept to check the fast one against.

use std::collections::HashMap;
use std::rc::Rc;

use git2::{Oid, Repository};

use crate::error::{Error, Result};
use crate::matcher::Matcher;

/// A marker path inside a tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub path: Rc<str>,
    pub id: Oid,
    pub mode: i32,
}

/// Trees deeper than this are refused rather than walked (git itself limits depth, and a
/// hostile tree must not exhaust the stack).
pub const MAX_DEPTH: usize = 4096;

/// The marker paths of a tree standing in one directory (the directory, then the list).
type Placed = (Rc<str>, Rc<[Entry]>);

/// The per-tree cache of marker paths.
pub struct MarkerIndex<'r> {
    repo: &'r Repository,
    /// Keyed by tree id, then by the directory the tree stands in.
    cache: HashMap<Oid, Vec<Placed>>,
    empty: Rc<[Entry]>,
}

impl<'r> MarkerIndex<'r> {
    pub fn new(repo: &'r Repository) -> Self {
        MarkerIndex {
            repo,
            cache: HashMap::new(),
            empty: Rc::from(Vec::new()),
        }
    }

    /// The marker paths a commit with tree `tree` adds or changes against `parent_tree`
    /// (`None` for a root commit).
    pub fn changed(
        &mut self,
        matcher: &Matcher,
        tree: Oid,
        parent_tree: Option<Oid>,
    ) -> Result<Vec<String>> {
        let mine = self.markers(matcher, tree, "", 0)?;
        let Some(parent_tree) = parent_tree else {
            return Ok(mine.iter().map(|e| e.path.to_string()).collect());
        };
        if parent_tree == tree || mine.is_empty() {
            return Ok(Vec::new());
        }
        let theirs = self.markers(matcher, parent_tree, "", 0)?;
        // Both lists are sorted by path: one merge-like pass.
        let mut out = Vec::new();
        let mut j = 0;
        for e in mine.iter() {
            while j < theirs.len() && theirs[j].path < e.path {
                j += 1;
            }
            let same = j < theirs.len()
                && theirs[j].path == e.path
                && theirs[j].id == e.id
                && theirs[j].mode == e.mode;
            if !same {
                out.push(e.path.to_string());
            }
        }
        Ok(out)
    }

    /// The marker paths inside `tree`, which stands at directory `prefix` (empty or ending
    /// with `/`), sorted by path.
    fn markers(
        &mut self,
        matcher: &Matcher,
        tree: Oid,
        prefix: &str,
        depth: usize,
    ) -> Result<Rc<[Entry]>> {
        if let Some(list) = self.cache.get(&tree) {
            if let Some((_, entries)) = list.iter().find(|(p, _)| &**p == prefix) {
                return Ok(entries.clone());
            }
        }
        if depth > MAX_DEPTH {
            return Err(Error::input(
                format!("tree {tree}"),
                format!("nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        let t = self.repo.find_tree(tree).map_err(|e| {
            let place = if prefix.is_empty() {
                "/".to_owned()
            } else {
                crate::sanitize::for_terminal(prefix).into_owned()
            };
            Error::git(format!("reading tree {tree} at `{place}`"), e)
        })?;
        let mut found: Vec<Entry> = Vec::new();
        let mut path = String::with_capacity(prefix.len() + 64);
        for entry in t.iter() {
            path.clear();
            path.push_str(prefix);
            path.push_str(&String::from_utf8_lossy(entry.name_bytes()));
            if entry.kind() == Some(git2::ObjectType::Tree) {
                path.push('/');
                let sub = self.markers(matcher, entry.id(), &path, depth + 1)?;
                found.extend(sub.iter().cloned());
            } else if matcher.is_marker_path(&path) {
                found.push(Entry {
                    path: Rc::from(path.as_str()),
                    id: entry.id(),
                    mode: entry.filemode_raw(),
                });
            }
        }
        found.sort();
        let entries: Rc<[Entry]> = if found.is_empty() {
            self.empty.clone()
        } else {
            Rc::from(found)
        };
        self.cache
            .entry(tree)
            .or_default()
            .push((Rc::from(prefix), entries.clone()));
        Ok(entries)
    }
}

/// The straightforward method: every path a libgit2 tree diff against the first parent shows
/// as added, modified, renamed, copied or type-changed, filtered by the path rules.
pub fn diff_paths(
    repo: &Repository,
    matcher: &Matcher,
    tree: Oid,
    parent_tree: Option<Oid>,
) -> Result<Vec<String>> {
    let fail = |e| Error::git(format!("diffing tree {tree}"), e);
    let new = repo.find_tree(tree).map_err(fail)?;
    let old = match parent_tree {
        Some(p) => Some(repo.find_tree(p).map_err(fail)?),
        None => None, // a root commit adds every file of its tree
    };
    let mut opts = git2::DiffOptions::new();
    opts.include_typechange(true).skip_binary_check(true);
    let diff = repo
        .diff_tree_to_tree(old.as_ref(), Some(&new), Some(&mut opts))
        .map_err(fail)?;
    let mut out = Vec::new();
    for delta in diff.deltas() {
        if delta.status() == git2::Delta::Deleted {
            continue;
        }
        if let Some(p) = delta.new_file().path_bytes() {
            let path = String::from_utf8_lossy(p).into_owned();
            if matcher.is_marker_path(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}
