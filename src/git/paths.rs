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
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use git2::{Odb, Oid, Repository};

use crate::engine::matcher::Matcher;
use crate::error::{Error, Result};
use crate::git::pack::{Packs, Reader};

/// A marker path inside a tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub path: Rc<str>,
    pub id: Oid,
    pub mode: u32,
}

/// Trees deeper than this are refused rather than walked (git itself limits depth, and a
/// hostile tree must not exhaust the stack).
pub const MAX_DEPTH: usize = 4096;

/// The marker paths of a tree standing in one directory (the directory, then the list).
type Placed = (Rc<[u8]>, Rc<[Entry]>);

/// Object ids are already uniformly distributed: their first bytes are a good hash, and
/// SipHash over 20 bytes is measurable when a history has hundreds of thousands of trees.
#[derive(Default)]
pub struct OidHasher(u64);

impl Hasher for OidHasher {
    fn finish(&self) -> u64 {
        // One multiply spreads small keys (pack offsets) over the high bits hashbrown uses.
        self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
    fn write(&mut self, bytes: &[u8]) {
        if let Some(head) = bytes.get(..8) {
            self.0 ^= u64::from_le_bytes(head.try_into().unwrap_or_default());
        } else {
            for &b in bytes {
                self.0 = self.0.rotate_left(8) ^ u64::from(b);
            }
        }
    }
}

pub type OidMap<V> = HashMap<Oid, V, BuildHasherDefault<OidHasher>>;

/// The per-tree cache of marker paths.
pub struct MarkerIndex<'r> {
    odb: Odb<'r>,
    /// Reads trees from the packs directly when it can (see [`crate::git::pack`]).
    packs: Option<Reader>,
    cache: TreeCache,
}

/// Keyed by tree id, then by the directory the tree stands in.
struct TreeCache {
    /// Keyed by the raw id: comparing 20 bytes inline beats libgit2's `git_oid_equal`.
    map: HashMap<[u8; 20], Vec<Placed>, BuildHasherDefault<OidHasher>>,
    empty: Rc<[Entry]>,
    /// The last tree computed at each directory, entry by entry: the next tree computed there
    /// (usually a close relative) reuses the contributions of its byte-identical entries.
    bases: HashMap<Vec<u8>, Base>,
}

/// A computed tree: its raw object, where each entry ends and what each contributed.
struct Base {
    inside: bool,
    depth: usize,
    raw: Vec<u8>,
    /// The end of each entry in `raw` (the next one starts there).
    ends: Vec<u32>,
    /// The marker paths of every entry with the entry's index, in entry order (unsorted).
    contrib: Vec<(u32, Entry)>,
}

/// One tree entry `<octal mode> <name>\0<20-byte id>` at the start of `data`: the offsets of
/// the space and the NUL, and the mode.
fn parse_entry(data: &[u8]) -> Option<(usize, usize, u32)> {
    let space = data.iter().position(|&b| b == b' ')?;
    let nul = space + data[space..].iter().position(|&b| b == 0)?;
    if data.len() < nul + 21 {
        return None;
    }
    Some((space, nul, parse_mode(&data[..space])?))
}

/// How many leading bytes `a` and `b` share.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 32;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + CHUNK <= n && a[i..i + CHUNK] == b[i..i + CHUNK] {
        i += CHUNK;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Git's tree order: names compared bytewise, a tree's name as if followed by `/`.
fn tree_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        std::cmp::Ordering::Equal => {}
        other => return other,
    }
    let next = |s: &[u8], tree: bool| match s.get(n) {
        Some(&c) => u16::from(c) + 1,
        None if tree => u16::from(b'/') + 1,
        None => 0,
    };
    next(a, a_tree).cmp(&next(b, b_tree))
}

impl<'r> MarkerIndex<'r> {
    pub fn new(repo: &'r Repository) -> Result<Self> {
        Self::with_packs(repo, None)
    }

    /// An index that reads trees from `packs` first, libgit2 second.
    pub fn with_packs(repo: &'r Repository, packs: Option<Packs>) -> Result<Self> {
        Ok(MarkerIndex {
            packs: packs.filter(|p| !p.is_empty()).map(Reader::new),
            odb: repo
                .odb()
                .map_err(|e| Error::git("opening the object database", e))?,
            cache: TreeCache {
                map: HashMap::default(),
                empty: Rc::from(Vec::new()),
                bases: HashMap::new(),
            },
        })
    }

    /// Gives up the cache without freeing it entry by entry (see `audit`).
    pub fn leak(self) {
        std::mem::forget(self.cache);
    }

    /// The marker paths a commit with tree `tree` adds or changes against `parent_tree`
    /// (`None` for a root commit).
    pub fn changed(
        &mut self,
        matcher: &Matcher,
        tree: Oid,
        parent_tree: Option<Oid>,
    ) -> Result<Vec<String>> {
        if parent_tree == Some(tree) {
            return Ok(Vec::new());
        }
        let mut path = Vec::with_capacity(256);
        let mine = self.cache.markers(
            &self.odb,
            self.packs.as_mut(),
            matcher,
            key(tree),
            &mut path,
            false,
            0,
        )?;
        let Some(parent_tree) = parent_tree else {
            return Ok(mine.iter().map(|e| e.path.to_string()).collect());
        };
        if mine.is_empty() {
            return Ok(Vec::new());
        }
        path.clear();
        let theirs = self.cache.markers(
            &self.odb,
            self.packs.as_mut(),
            matcher,
            key(parent_tree),
            &mut path,
            false,
            0,
        )?;
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
}

impl TreeCache {
    fn cached(&self, key: &[u8; 20], prefix: &[u8]) -> Option<Rc<[Entry]>> {
        let list = self.map.get(key)?;
        list.iter()
            .find(|(p, _)| **p == *prefix)
            .map(|(_, entries)| entries.clone())
    }

    /// The marker paths inside `tree`, which stands at directory `prefix` (empty or ending
    /// with `/`), sorted by path. `inside` is true beneath a directory whose name may make
    /// everything below it a marker (see [`crate::engine::namefilter`]). `prefix` is restored before
    /// returning.
    // The recursion carries its sources and its place; a struct for them would only move
    // the same eight names one level down.
    #[allow(clippy::too_many_arguments)]
    fn markers(
        &mut self,
        odb: &Odb<'_>,
        mut packs: Option<&mut Reader>,
        matcher: &Matcher,
        key: [u8; 20],
        prefix: &mut Vec<u8>,
        inside: bool,
        depth: usize,
    ) -> Result<Rc<[Entry]>> {
        if let Some(entries) = self.cached(&key, prefix) {
            return Ok(entries);
        }
        let tree = Oid::from_bytes(&key).map_err(|e| Error::git("reading a tree id", e))?;
        // The directory, for errors: the root as `/`, pusher-chosen names escaped.
        let show = |p: &[u8]| {
            if p.is_empty() {
                "/".to_owned()
            } else {
                crate::sanitize::bytes_for_terminal(p)
            }
        };
        if depth > MAX_DEPTH {
            return Err(Error::input(
                format!("tree {tree}"),
                format!("nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        let object = match packs.as_deref_mut().and_then(|p| p.tree(&key)) {
            Some(data) => data,
            None => odb
                .read(tree)
                .map(|o| o.data().to_vec())
                .map_err(|e| Error::git(format!("reading tree {tree} at `{}`", show(prefix)), e))?,
        };
        let bad = |p: &[u8]| {
            Error::input(
                format!("tree {tree} at `{}`", show(p)),
                "malformed tree object",
            )
        };
        let filter = &matcher.name_filter;
        let base_key = prefix.clone();
        let base = self
            .bases
            .remove(&base_key)
            .filter(|b| b.inside == inside && b.depth == depth);
        let keep = u32::try_from(object.len()).is_ok();
        let mut ends: Vec<u32> = Vec::with_capacity(base.as_ref().map_or(8, |b| b.ends.len() + 4));
        let mut contrib: Vec<(u32, Entry)> = Vec::new();
        let mut j = 0; // the base's entry at the same place in the order
        let base_len = prefix.len();
        let mut pos = 0;
        let total = object.len();
        while pos < total {
            let idx = ends.len() as u32;
            if let Some(b) = base.as_ref().filter(|_| keep) {
                // A run of entries identical to the base's, byte for byte, in one comparison:
                // the same entries contribute the same marker paths.
                if j < b.ends.len() {
                    let from = if j == 0 { 0 } else { b.ends[j - 1] as usize };
                    let limit = from + common_prefix(&object[pos..], &b.raw[from..]);
                    let run = b.ends[j..].partition_point(|&e| e as usize <= limit);
                    if run > 0 {
                        ends.extend(
                            b.ends[j..j + run]
                                .iter()
                                .map(|&e| (e as usize - from + pos) as u32),
                        );
                        let c0 = b.contrib.partition_point(|c| (c.0 as usize) < j);
                        let c1 = b.contrib[c0..].partition_point(|c| (c.0 as usize) < j + run);
                        contrib.extend(
                            b.contrib[c0..c0 + c1]
                                .iter()
                                .map(|(k, e)| (k - j as u32 + idx, e.clone())),
                        );
                        pos += b.ends[j + run - 1] as usize - from;
                        j += run;
                        continue;
                    }
                }
            }
            let data = &object[pos..];
            let (space, nul, mode) = parse_entry(data).ok_or_else(|| bad(prefix))?;
            let id_end = nul + 21;
            let raw_id = &data[nul + 1..id_end];
            let name = &data[space + 1..nul];
            let whole = &data[..id_end];
            let is_tree = mode & 0o170000 == 0o040000;
            // Skip the base's entries that sort before this one; reuse an identical one.
            let mut reused = false;
            if let Some(b) = base.as_ref().filter(|_| keep) {
                while j < b.ends.len() {
                    let from = if j == 0 { 0 } else { b.ends[j - 1] as usize };
                    let theirs = &b.raw[from..b.ends[j] as usize];
                    let Some((bs, bn, bm)) = parse_entry(theirs) else {
                        break;
                    };
                    let b_tree = bm & 0o170000 == 0o040000;
                    match tree_order(&theirs[bs + 1..bn], b_tree, name, is_tree) {
                        std::cmp::Ordering::Less => j += 1,
                        std::cmp::Ordering::Equal => {
                            if theirs == whole {
                                let c0 = b.contrib.partition_point(|c| (c.0 as usize) < j);
                                let c1 = b.contrib[c0..].partition_point(|c| c.0 as usize == j);
                                contrib.extend(
                                    b.contrib[c0..c0 + c1].iter().map(|(_, e)| (idx, e.clone())),
                                );
                                reused = true;
                            }
                            j += 1;
                            break;
                        }
                        std::cmp::Ordering::Greater => break,
                    }
                }
            }
            if reused {
            } else if is_tree {
                let id: [u8; 20] = raw_id.try_into().map_err(|_| bad(prefix))?;
                prefix.extend_from_slice(name);
                prefix.push(b'/');
                let sub = match self.cached(&id, prefix) {
                    Some(sub) => Ok(sub),
                    None => {
                        let below = inside || filter.dir_may_match(name);
                        self.markers(
                            odb,
                            packs.as_deref_mut(),
                            matcher,
                            id,
                            prefix,
                            below,
                            depth + 1,
                        )
                    }
                };
                prefix.truncate(base_len);
                contrib.extend(sub?.iter().map(|e| (idx, e.clone())));
            } else if inside || filter.file_may_match(name) {
                prefix.extend_from_slice(name);
                let path = String::from_utf8_lossy(prefix);
                if matcher.is_marker_path(&path) {
                    contrib.push((
                        idx,
                        Entry {
                            path: Rc::from(&*path),
                            id: Oid::from_bytes(raw_id).map_err(|_| bad(&[]))?,
                            mode,
                        },
                    ));
                }
                prefix.truncate(base_len);
            }
            pos += id_end;
            ends.push(pos as u32);
        }
        let entries: Rc<[Entry]> = if contrib.is_empty() {
            self.empty.clone()
        } else {
            let mut found: Vec<Entry> = contrib.iter().map(|(_, e)| e.clone()).collect();
            found.sort();
            Rc::from(found)
        };
        if keep {
            self.bases.insert(
                base_key,
                Base {
                    inside,
                    depth,
                    raw: object,
                    ends,
                    contrib,
                },
            );
        }
        self.map
            .entry(key)
            .or_default()
            .push((Rc::from(&prefix[..]), entries.clone()));
        Ok(entries)
    }
}

/// The raw bytes of a SHA-1 id.
pub fn key(id: Oid) -> [u8; 20] {
    let mut k = [0; 20];
    let b = id.as_bytes();
    k[..b.len().min(20)].copy_from_slice(&b[..b.len().min(20)]);
    k
}

fn parse_mode(octal: &[u8]) -> Option<u32> {
    if octal.is_empty() || octal.len() > 7 {
        return None;
    }
    octal.iter().try_fold(0u32, |acc, &c| match c {
        b'0'..=b'7' => Some(acc * 8 + u32::from(c - b'0')),
        _ => None,
    })
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
