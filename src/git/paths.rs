//! Which marker paths a commit adds or changes, compared with its first parent.
//!
//! The fast method never diffs trees. For each tree (at a given directory) it computes, once,
//! the marker paths inside it with their blob ids and modes; trees are content-addressed, so
//! the answer holds wherever the same tree recurs at the same place, and from one commit to
//! the next only the trees that changed are read. A commit's changed marker paths are then
//! the entries of its tree's list that its first parent's list lacks or has with another id
//! or mode: additions, modifications, renames into and type changes, never deletions.
//!
//! The cache of each worker has a memory budget: past it, the lists are dropped and computed
//! again as needed, so memory does not grow with the history.
//!
//! [`diff_paths`] is the straightforward method (both trees listed in full and compared
//! path by path), kept to check the fast one against.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use gix::objs::TreeRefIter;

use crate::engine::matcher::Matcher;
use crate::error::{Error, Result};
use crate::git::objects::Reader;
use crate::git::treescan::{Listing, TreeTable};
use crate::git::Oid;

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
pub type OidSet = std::collections::HashSet<Oid, BuildHasherDefault<OidHasher>>;

/// How much memory one worker's tree cache may hold (an estimate of its heap use).
pub const CACHE_BUDGET_BYTES: usize = 64 << 20;

/// The per-tree cache of marker paths.
pub struct MarkerIndex {
    reader: Reader,
    cache: TreeCache,
}

/// Keyed by tree id, then by the directory the tree stands in.
struct TreeCache {
    /// Almost every tree stands in one directory only: one placement inline.
    map: OidMap<smallvec::SmallVec<[Placed; 1]>>,
    /// Each directory's name once, shared by every tree placed there.
    dirs: HashMap<Vec<u8>, Rc<[u8]>>,
    /// The estimated heap use of `map` and of `bases`.
    bytes: usize,
    budget: usize,
    /// The most trees `map` holds (its table is made that large at the start).
    capacity: usize,
    empty: Rc<[Entry]>,
    /// The last tree computed at each directory, entry by entry: the next tree computed there
    /// (usually a close relative) reuses the contributions of its byte-identical entries.
    bases: HashMap<Vec<u8>, Base>,
    /// The packed trees listed up front, when an audit of every ref made the list.
    table: Option<Arc<TreeTable>>,
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

/// A tree entry decoded from the start of `data`, with the length of its encoding.
pub(crate) struct RawEntry<'a> {
    pub name: &'a [u8],
    pub mode: u32,
    pub id: &'a gix::hash::oid,
    pub len: usize,
}

pub(crate) fn parse_entry(data: &[u8], hash: gix::hash::Kind) -> Option<RawEntry<'_>> {
    let mut it = TreeRefIter::from_bytes(data, hash);
    let e = it.next()?.ok()?;
    Some(RawEntry {
        name: e.filename,
        mode: u32::from(e.mode.value()),
        id: e.oid,
        len: it.offset_to_next_entry(data),
    })
}

/// How many leading bytes `a` and `b` share. Word by word in place: a large tree against
/// its predecessor is mostly one long equal run, and a `memcmp` call per small chunk cost
/// more than the comparison itself.
pub(crate) fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
    let n = a.len().min(b.len());
    let mut i = 0;
    // Four words at a time while they are equal, then the word, then the byte that differs.
    while i + 32 <= n {
        let diff = (0..4).fold(0, |d, k| d | (word(a, i + 8 * k) ^ word(b, i + 8 * k)));
        if diff != 0 {
            break;
        }
        i += 32;
    }
    while i + 8 <= n {
        let diff = word(a, i) ^ word(b, i);
        if diff != 0 {
            return i + (diff.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Git's tree order: names compared bytewise, a tree's name as if followed by `/`.
pub(crate) fn tree_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
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

impl MarkerIndex {
    pub fn new(reader: Reader) -> Self {
        Self::with_budget(reader, CACHE_BUDGET_BYTES)
    }

    /// An index whose cache holds about `budget` bytes at most.
    pub fn with_budget(reader: Reader, budget: usize) -> Self {
        MarkerIndex {
            reader,
            cache: TreeCache {
                map: OidMap::default(),
                dirs: HashMap::new(),
                bytes: table_bytes(tree_capacity(budget)),
                budget,
                capacity: tree_capacity(budget),
                empty: Rc::from(Vec::new()),
                bases: HashMap::new(),
                table: None,
            },
        }
    }

    /// Reads the trees `table` lists from it instead of the object database.
    pub fn set_table(&mut self, table: Arc<TreeTable>) {
        self.cache.table = Some(table);
    }

    /// The reader the index reads trees with.
    pub fn reader(&mut self) -> &mut Reader {
        &mut self.reader
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
        let mine = self
            .cache
            .markers(&mut self.reader, matcher, tree, &mut path, false, 0)?;
        let Some(parent_tree) = parent_tree else {
            return Ok(mine.iter().map(|e| e.path.to_string()).collect());
        };
        if mine.is_empty() {
            return Ok(Vec::new());
        }
        path.clear();
        let theirs =
            self.cache
                .markers(&mut self.reader, matcher, parent_tree, &mut path, false, 0)?;
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
    fn cached(&self, key: &Oid, prefix: &[u8]) -> Option<Rc<[Entry]>> {
        let list = self.map.get(key)?;
        list.iter()
            .find(|(p, _)| **p == *prefix)
            .map(|(_, entries)| entries.clone())
    }

    /// The marker paths inside `tree`, which stands at directory `prefix` (empty or ending
    /// with `/`), sorted by path. `inside` is true beneath a directory whose name may make
    /// everything below it a marker (see [`crate::engine::namefilter`]). `prefix` is restored before
    /// returning.
    fn markers(
        &mut self,
        reader: &mut Reader,
        matcher: &Matcher,
        tree: Oid,
        prefix: &mut Vec<u8>,
        inside: bool,
        depth: usize,
    ) -> Result<Rc<[Entry]>> {
        if let Some(entries) = self.cached(&tree, prefix) {
            return Ok(entries);
        }
        let hash = tree.kind();
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
        if !inside {
            if let Some(table) = self.table.clone() {
                if let Some(listing) = table.listing(&tree) {
                    return self
                        .markers_listed(reader, matcher, &table, tree, listing, prefix, depth);
                }
            }
        }
        let object = reader.take_tree_at(&tree, &|| show(prefix))?;
        let bad = |p: &[u8]| {
            Error::input(
                format!("tree {tree} at `{}`", show(p)),
                "malformed tree object",
            )
        };
        let filter = &matcher.name_filter;
        let base_key = prefix.clone();
        let base = self.bases.remove(&base_key);
        if let Some(b) = &base {
            self.bytes = self.bytes.saturating_sub(b.cost());
        }
        let base = base.filter(|b| b.inside == inside && b.depth == depth);
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
            let entry = parse_entry(data, hash).ok_or_else(|| bad(prefix))?;
            let id_end = entry.len;
            let (name, mode) = (entry.name, entry.mode);
            let whole = &data[..id_end];
            let is_tree = mode & 0o170000 == 0o040000;
            // Skip the base's entries that sort before this one; reuse an identical one.
            let mut reused = false;
            if let Some(b) = base.as_ref().filter(|_| keep) {
                while j < b.ends.len() {
                    let from = if j == 0 { 0 } else { b.ends[j - 1] as usize };
                    let theirs = &b.raw[from..b.ends[j] as usize];
                    let Some(b_entry) = parse_entry(theirs, hash) else {
                        break;
                    };
                    let b_tree = b_entry.mode & 0o170000 == 0o040000;
                    match tree_order(b_entry.name, b_tree, name, is_tree) {
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
                let id = entry.id.to_owned();
                prefix.extend_from_slice(name);
                prefix.push(b'/');
                let sub = match self.cached(&id, prefix) {
                    Some(sub) => Ok(sub),
                    None => {
                        let below = inside || filter.dir_may_match(name);
                        self.markers(reader, matcher, id, prefix, below, depth + 1)
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
                            id: entry.id.to_owned(),
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
        if let Some(b) = base {
            reader.give_back(b.raw);
        }
        if keep {
            let base = Base {
                inside,
                depth,
                raw: object,
                ends,
                contrib,
            };
            self.bytes += base.cost();
            self.bases.insert(base_key, base);
        }
        self.remember(tree, prefix, &entries);
        Ok(entries)
    }

    /// Keeps `entries`, the marker paths of `tree` at directory `prefix`, within the budget.
    fn remember(&mut self, tree: Oid, prefix: &[u8], entries: &Rc<[Entry]>) {
        // Each path listed (the empty list is shared) and each new directory; the map's
        // table is counted at its largest from the start (see `tree_capacity`).
        let mut cost = 0;
        if !Rc::ptr_eq(entries, &self.empty) {
            cost += entries.iter().map(|e| e.path.len() + 80).sum::<usize>();
        }
        let dir = match self.dirs.get(prefix) {
            Some(d) => d.clone(),
            None => {
                cost += 2 * prefix.len() + 64;
                let d: Rc<[u8]> = Rc::from(prefix);
                self.dirs.insert(prefix.to_vec(), d.clone());
                d
            }
        };
        if self.map.len() >= self.capacity && !self.map.contains_key(&tree) {
            // Full: start again (in the table as it is) rather than let it grow.
            self.map.clear();
            self.dirs = HashMap::new();
            self.bases = HashMap::new();
            self.bytes = table_bytes(self.capacity);
        }
        self.map
            .entry(tree)
            .or_default()
            .push((dir, entries.clone()));
        self.bytes += cost;
        if self.bytes > self.budget {
            // Over budget: start again; the lists are recomputed as they are needed.
            self.map.clear();
            self.dirs = HashMap::new();
            self.bases = HashMap::new();
            self.bytes = table_bytes(self.capacity);
        }
    }

    /// [`TreeCache::markers`] for a tree the table lists: its subtrees and candidate files
    /// are known without reading it.
    #[allow(clippy::too_many_arguments)]
    fn markers_listed(
        &mut self,
        reader: &mut Reader,
        matcher: &Matcher,
        table: &TreeTable,
        tree: Oid,
        listing: &Listing,
        prefix: &mut Vec<u8>,
        depth: usize,
    ) -> Result<Rc<[Entry]>> {
        let filter = &matcher.name_filter;
        let base_len = prefix.len();
        let mut found: Vec<Entry> = Vec::new();
        for &(number, name) in listing.subtrees.iter() {
            let name = table.name(name);
            let id = table.id(number);
            prefix.extend_from_slice(name);
            prefix.push(b'/');
            let sub = match self.cached(&id, prefix) {
                Some(sub) => Ok(sub),
                None => {
                    let below = filter.dir_may_match(name);
                    // Listed too (known by its number, not looked up again by id), unless
                    // below a marker directory or too deep: `markers` then says why.
                    match table.listing_at(number) {
                        Some(listing) if !below && depth < MAX_DEPTH => self.markers_listed(
                            reader,
                            matcher,
                            table,
                            id,
                            listing,
                            prefix,
                            depth + 1,
                        ),
                        _ => self.markers(reader, matcher, id, prefix, below, depth + 1),
                    }
                }
            };
            prefix.truncate(base_len);
            found.extend(sub?.iter().cloned());
        }
        for (name, id, mode) in listing.files.iter() {
            prefix.extend_from_slice(table.name(*name));
            let path = String::from_utf8_lossy(prefix);
            if matcher.is_marker_path(&path) {
                found.push(Entry {
                    path: Rc::from(&*path),
                    id: *id,
                    mode: *mode,
                });
            }
            prefix.truncate(base_len);
        }
        let entries: Rc<[Entry]> = if found.is_empty() {
            self.empty.clone()
        } else {
            found.sort();
            Rc::from(found)
        };
        self.remember(tree, prefix, &entries);
        Ok(entries)
    }
}

/// How many trees a cache of `budget` bytes holds: as many as a table of three quarters of
/// the budget has room for. The table grows up to that size, then is emptied when full and
/// reused: past it a table would double, with the old one alive while it moves, which an
/// estimate per entry did not see (a 64 MiB budget held 120 MiB at its peak).
fn tree_capacity(budget: usize) -> usize {
    let most = budget / 4 * 3 / slot_bytes();
    // The largest power of two of buckets within it, seven entries for eight buckets.
    let buckets = if most == 0 { 0 } else { 1 << most.ilog2() };
    buckets / 8 * 7
}

/// The memory of a tree map's table with room for `capacity` entries.
fn table_bytes(capacity: usize) -> usize {
    capacity / 7 * 8 * slot_bytes()
}

/// A slot of the tree map and its control byte.
fn slot_bytes() -> usize {
    std::mem::size_of::<(Oid, smallvec::SmallVec<[Placed; 1]>)>() + 1
}

impl Base {
    fn cost(&self) -> usize {
        self.raw.len()
            + self.ends.len() * 4
            + self
                .contrib
                .iter()
                .map(|(_, e)| e.path.len() + 64)
                .sum::<usize>()
            + 128
    }
}

/// The straightforward method: both trees listed in full (every path with its id and mode)
/// and compared path by path; a path of the new tree that the old one lacks or has with
/// another id or mode is added, modified, renamed into or type-changed. Filtered by the path
/// rules.
pub fn diff_paths(
    reader: &mut Reader,
    matcher: &Matcher,
    tree: Oid,
    parent_tree: Option<Oid>,
) -> Result<Vec<String>> {
    let mut new = std::collections::BTreeMap::new();
    list_tree(reader, tree, &mut Vec::new(), &mut new, 0)?;
    let mut old = std::collections::BTreeMap::new();
    if let Some(p) = parent_tree {
        list_tree(reader, p, &mut Vec::new(), &mut old, 0)?;
    }
    let mut out = Vec::new();
    for (path, entry) in &new {
        if old.get(path) != Some(entry) {
            let path = String::from_utf8_lossy(path).into_owned();
            if matcher.is_marker_path(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Every non-tree entry below `tree`, by full path.
fn list_tree(
    reader: &mut Reader,
    tree: Oid,
    prefix: &mut Vec<u8>,
    out: &mut std::collections::BTreeMap<Vec<u8>, (Oid, u32)>,
    depth: usize,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::input(
            format!("tree {tree}"),
            format!("nested more than {MAX_DEPTH} levels deep"),
        ));
    }
    let raw = reader.tree(&tree)?.to_vec();
    for entry in TreeRefIter::from_bytes(&raw, tree.kind()) {
        let entry = entry.map_err(|e| {
            Error::input(
                format!("tree {tree}"),
                format!("malformed tree object: {}", crate::error::chain(&e)),
            )
        })?;
        let len = prefix.len();
        prefix.extend_from_slice(entry.filename);
        if entry.mode.is_tree() {
            prefix.push(b'/');
            list_tree(reader, entry.oid.to_owned(), prefix, out, depth + 1)?;
        } else {
            out.insert(
                prefix.clone(),
                (entry.oid.to_owned(), u32::from(entry.mode.value())),
            );
        }
        prefix.truncate(len);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &std::path::Path, args: &[&str]) -> String {
        crate::git::testgit::git(dir, args, b"")
    }

    /// The word-by-word comparison finds the first difference wherever it lies: in the
    /// four-word stride, the single-word stride or the byte tail, or nowhere.
    #[test]
    fn common_prefix_finds_the_first_difference_at_every_offset() {
        let a: Vec<u8> = (0..100u8).collect();
        for len in [0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 100] {
            assert_eq!(common_prefix(&a[..len], &a), len, "equal, length {len}");
            for at in 0..len {
                let mut b = a[..len].to_vec();
                b[at] ^= 0x80;
                assert_eq!(common_prefix(&a[..len], &b), at, "length {len}, at {at}");
                assert_eq!(common_prefix(&b, &a), at, "swapped, length {len}, at {at}");
            }
        }
    }

    /// A cache over its budget starts again and still gives the same answers.
    #[test]
    fn a_cache_over_its_budget_gives_the_same_answers() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        let mut commits = Vec::new();
        for i in 0..12 {
            let sub = d.join(format!("dir{}/sub{}", i % 3, i % 4));
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(sub.join(format!("f{i}.txt")), "x").unwrap();
            if i % 4 == 1 {
                std::fs::write(sub.join("CLAUDE.md"), format!("{i}")).unwrap();
            }
            git(d, &["add", "-A"]);
            git(d, &["commit", "-q", "-m", &format!("c{i}")]);
            commits.push(git(d, &["rev-parse", "HEAD"]).trim().to_owned());
        }
        let repo = crate::git::repo::Repo::open(Some(d)).unwrap();
        let matcher = crate::policy::Policy::builtin().unwrap().matcher();
        let mut roomy = MarkerIndex::new(repo.shared().reader());
        let mut tiny = MarkerIndex::with_budget(repo.shared().reader(), 1);
        let mut found = 0;
        for hex in &commits {
            let info = repo.commit(repo.parse_id(hex).unwrap()).unwrap();
            let parent = info.parents.first().map(|p| repo.commit(*p).unwrap().tree);
            let a = roomy.changed(&matcher, info.tree, parent).unwrap();
            let b = tiny.changed(&matcher, info.tree, parent).unwrap();
            assert_eq!(a, b, "commit {hex}");
            found += a.len();
        }
        assert_eq!(found, 3, "each CLAUDE.md added once");
        assert!(tiny.cache.map.len() <= 1, "the tiny cache was emptied");
    }
}
