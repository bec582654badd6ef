//! The audit's commit walk: each commit reachable from the tips read once (its tree, parents
//! and committer date kept, its raw object handed on for the metadata checks), then ordered
//! newest first with every commit before its parents, as `git log --date-order` does.
//!
//! What is kept per commit is compact, because a walk may hold millions of them: commits are
//! numbered as the walk meets them, and [`Nodes`] keeps flat arrays indexed by number (id,
//! tree, date, first parent as a number) plus a hash table of numbers only, so a million
//! commits take about 90 MB instead of the 300 MB (and twice that while growing) of a map
//! of full records.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::error::{Error, Result};
use crate::git::objects::{Node, Reader};
use crate::git::paths::OidHasher;
use crate::git::Oid;

pub struct Walk {
    /// The commits' numbers in [`Walk::nodes`], newest first (4 bytes a commit, not the 33
    /// of an id: [`Nodes::id`] turns a number into its id where one is needed).
    pub order: Vec<u32>,
    pub nodes: Nodes,
}

impl Walk {
    /// The ids of the commits, in order.
    pub fn ids(&self) -> Vec<Oid> {
        self.order.iter().map(|&n| self.nodes.id(n)).collect()
    }
}

/// First-parent markers of [`Nodes::first`] (real numbers are below them).
const NO_PARENT: u32 = u32::MAX;
/// The first parent is not in the walk (hidden by a range): its id is in [`Nodes::outside`].
const OUTSIDE: u32 = u32::MAX - 1;
/// Numbered (met as a parent) but not read yet.
const UNREAD: u32 = u32::MAX - 2;

/// The commits of a walk, numbered in the order the walk met them.
pub struct Nodes {
    /// Numbers, found by the id they number in `ids` (the ids are not stored twice).
    table: HashTable<u32>,
    hasher: std::hash::BuildHasherDefault<OidHasher>,
    ids: Packed,
    trees: Packed,
    /// Committer dates, seconds since the epoch.
    times: Vec<i64>,
    /// The first parent's number, or [`NO_PARENT`], [`OUTSIDE`], [`UNREAD`].
    first: Vec<u32>,
    /// (child, first parent) for first parents outside the walk, by child.
    outside: Vec<(u32, Oid)>,
    /// (child, parent) for the other parents of merges within the walk, by child once
    /// [`Nodes::finish`] ran.
    more: Vec<(u32, u32)>,
    /// Some merge has a parent other than its first outside the walk (not recorded).
    more_outside: bool,
    /// Whether commit `n` has parents in `more` (set by [`Nodes::finish`]): most commits
    /// are not merges, and skip the search.
    merge: Vec<bool>,
}

/// Object ids of one hash, their bytes back to back: a SHA-1 id takes 20 bytes here, not the
/// 33 of an [`Oid`] (which has room for SHA-256).
struct Packed {
    /// The length of an id, set by the first one.
    len: usize,
    bytes: Vec<u8>,
    /// Room reserved, in ids, before the first one tells their length.
    reserve: usize,
}

impl Packed {
    fn with_capacity(n: usize) -> Self {
        Packed {
            len: 0,
            bytes: Vec::new(),
            reserve: n,
        }
    }

    /// Appends `id` (of the length of those before it: [`Nodes::number`] checks).
    fn push(&mut self, id: &Oid) {
        if self.len == 0 {
            self.len = id.as_bytes().len();
            self.bytes.reserve(self.reserve * self.len);
        }
        self.bytes.extend_from_slice(id.as_bytes());
    }

    fn range(&self, n: u32) -> std::ops::Range<usize> {
        let at = n as usize * self.len;
        at..at + self.len
    }

    fn get(&self, n: u32) -> Oid {
        Oid::from_bytes_or_panic(&self.bytes[self.range(n)])
    }

    fn is(&self, n: u32, id: &Oid) -> bool {
        self.bytes[self.range(n)] == *id.as_bytes()
    }

    fn set(&mut self, n: u32, id: &Oid) {
        let range = self.range(n);
        self.bytes[range].copy_from_slice(id.as_bytes());
    }
}

/// What a walk knows of one of its commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeRef {
    pub tree: Oid,
    /// The first parent, in the walk or not; `None` for a root commit or a shallow boundary.
    pub parent: Option<Oid>,
    /// Committer date, seconds since the epoch.
    pub time: i64,
}

impl Default for Nodes {
    fn default() -> Self {
        Nodes::with_capacity(0)
    }
}

impl Nodes {
    fn with_capacity(n: usize) -> Self {
        Nodes {
            table: HashTable::with_capacity(n),
            hasher: Default::default(),
            ids: Packed::with_capacity(n),
            trees: Packed::with_capacity(n),
            times: Vec::with_capacity(n),
            first: Vec::with_capacity(n),
            outside: Vec::new(),
            more: Vec::new(),
            more_outside: false,
            merge: Vec::new(),
        }
    }

    /// How many commits the walk holds.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// The number of `id`, if the walk has met it.
    pub(super) fn find(&self, id: &Oid) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.table.find(hash, |&n| self.ids.is(n, id)).copied()
    }

    /// The number of `id`, given a new one (unread) when the walk meets it first.
    fn number(&mut self, id: Oid) -> Result<u32> {
        let hash = self.hasher.hash_one(id);
        let (ids, hasher) = (&self.ids, &self.hasher);
        let entry = self
            .table
            .entry(hash, |&n| ids.is(n, &id), |&n| hasher.hash_one(ids.get(n)));
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => Ok(*e.get()),
            hashbrown::hash_table::Entry::Vacant(e) => {
                let n = u32::try_from(self.times.len())
                    .ok()
                    .filter(|&n| n < UNREAD)
                    .ok_or_else(|| {
                        Error::input("the commit walk", "more than 4 billion commits")
                    })?;
                if self.ids.len > 0 && self.ids.len != id.as_bytes().len() {
                    return Err(Error::input(
                        format!("commit {id}"),
                        "an id of another hash than the walk's",
                    ));
                }
                e.insert(n);
                self.ids.push(&id);
                self.trees.push(&Oid::null(id.kind()));
                self.times.push(0);
                self.first.push(UNREAD);
                Ok(n)
            }
        }
    }

    fn is_read(&self, n: u32) -> bool {
        self.first[n as usize] != UNREAD
    }

    /// Records what was read of commit `n`: `first` is its first parent's number (or marker),
    /// `outside` its id when it is not in the walk; `more` the numbers of its other parents
    /// in the walk.
    fn set(&mut self, n: u32, node: &Node, first: u32, more: impl IntoIterator<Item = u32>) {
        let i = n as usize;
        self.trees.set(n, &node.tree);
        self.times[i] = node.time;
        self.first[i] = first;
        if first == OUTSIDE {
            if let Some(p) = node.parent {
                self.outside.push((n, p));
            }
        }
        self.more.extend(more.into_iter().map(|m| (n, m)));
    }

    /// [`Nodes::set`] for a walk numbered up front: parents not numbered are outside it.
    fn record(&mut self, n: u32, node: &Node) {
        let first = match node.parent {
            Some(p) => self.find(&p).unwrap_or(OUTSIDE),
            None => NO_PARENT,
        };
        let more: smallvec::SmallVec<[u32; 2]> =
            node.more.iter().filter_map(|p| self.find(p)).collect();
        self.more_outside |= more.len() < node.more.len();
        self.set(n, node, first, more);
    }

    /// Sorts the side tables by child, for lookups.
    fn finish(&mut self) {
        self.outside.sort_unstable_by_key(|(c, _)| *c);
        self.more.sort_unstable();
        self.merge = vec![false; self.first.len()];
        for &(c, _) in &self.more {
            self.merge[c as usize] = true;
        }
    }

    /// The id numbered `n`.
    pub fn id(&self, n: u32) -> Oid {
        self.ids.get(n)
    }

    /// Frees all but the ids: [`Nodes::id`] still answers, [`Nodes::get`] answers `None` (for
    /// the ids of a walk whose trees and parents were used already).
    pub fn keep_ids_only(&mut self) {
        self.table = HashTable::new();
        self.trees = Packed::with_capacity(0);
        self.times = Vec::new();
        self.first = Vec::new();
        self.outside = Vec::new();
        self.more = Vec::new();
        self.merge = Vec::new();
    }

    /// Frees the trees and dates, keeping ids and parents (for [`super::ancestry`]);
    /// [`Nodes::get`] answers `None` from then on.
    pub fn keep_ancestry(&mut self) {
        self.trees = Packed::with_capacity(0);
        self.times = Vec::new();
    }

    /// How many commits are numbered (read or not; unlike [`Nodes::len`], still known
    /// after [`Nodes::keep_ancestry`]).
    pub(super) fn numbered(&self) -> usize {
        self.first.len()
    }

    /// Whether every parent of `n` is known: `n` was read and no parent is outside the walk.
    pub(super) fn parents_complete(&self, n: u32) -> bool {
        let first = self.first[n as usize];
        first != UNREAD && first != OUTSIDE && !self.more_outside
    }

    /// What the walk knows of `id`, or `None` when it is not one of its commits.
    pub fn get(&self, id: &Oid) -> Option<NodeRef> {
        let n = self.find(id)?;
        ((n as usize) < self.times.len() && self.is_read(n)).then(|| self.at(n))
    }

    fn at(&self, n: u32) -> NodeRef {
        let i = n as usize;
        let parent = match self.first[i] {
            NO_PARENT | UNREAD => None,
            OUTSIDE => self
                .outside
                .binary_search_by_key(&n, |(c, _)| *c)
                .ok()
                .map(|k| self.outside[k].1),
            p => Some(self.ids.get(p)),
        };
        NodeRef {
            tree: self.trees.get(n),
            parent,
            time: self.times[i],
        }
    }

    /// The numbers of the parents of `n` within the walk, first parent first.
    pub(super) fn parents_in(&self, n: u32) -> impl Iterator<Item = u32> + '_ {
        let first = Some(self.first[n as usize]).filter(|&p| p < UNREAD);
        let (start, end) = match self.merge.get(n as usize) {
            Some(false) => (0, 0),
            _ => (
                self.more.partition_point(|&(c, _)| c < n),
                self.more.partition_point(|&(c, _)| c <= n),
            ),
        };
        first
            .into_iter()
            .chain(self.more[start..end].iter().map(|&(_, p)| p))
    }

    /// Kahn's algorithm over the commits (parents outside the walk are ignored): a commit is
    /// ready once all its children are out; the newest ready commit goes first (ties by id,
    /// so the order never depends on hashing or on the walk's order).
    fn order(&self) -> Vec<u32> {
        let len = self.len();
        let mut children = vec![0u32; len];
        for n in 0..len as u32 {
            for p in self.parents_in(n) {
                children[p as usize] += 1;
            }
        }
        let key = |n: u32| (self.times[n as usize], Reverse(self.ids.get(n)), n);
        let mut ready: BinaryHeap<(i64, Reverse<Oid>, u32)> = (0..len as u32)
            .filter(|&n| children[n as usize] == 0)
            .map(key)
            .collect();
        let mut order = Vec::with_capacity(len);
        while let Some((_, _, n)) = ready.pop() {
            for p in self.parents_in(n) {
                // A parent listed twice counts once per listing in `children`.
                let c = &mut children[p as usize];
                *c -= 1;
                if *c == 0 {
                    ready.push(key(p));
                }
            }
            order.push(n);
        }
        order
    }
}

/// A commit whose first parent's tree is known: what the path check of a commit needs.
#[derive(Debug, Clone, Copy)]
pub struct Ready {
    pub commit: Oid,
    pub tree: Oid,
    /// `None` for a root commit (or a shallow boundary).
    pub parent_tree: Option<Oid>,
}

/// Tells when a commit of a walk becomes [`Ready`]: as soon as it and its first parent have
/// both been read, so that path checks can start while the walk goes on.
#[derive(Default)]
struct Readiness {
    /// Commits read whose first parent (in the walk) is not yet, by parent.
    waiting: HashMap<u32, Vec<u32>>,
}

impl Readiness {
    /// Commit `n` was read; a commit whose first parent is outside the walk is left to the
    /// caller.
    fn read(&mut self, n: u32, nodes: &Nodes, on_ready: &mut dyn FnMut(Ready)) {
        let i = n as usize;
        let ready = |child: u32, parent_tree| Ready {
            commit: nodes.ids.get(child),
            tree: nodes.trees.get(child),
            parent_tree,
        };
        match nodes.first[i] {
            NO_PARENT => on_ready(ready(n, None)),
            OUTSIDE => {}
            p if nodes.is_read(p) => on_ready(ready(n, Some(nodes.trees.get(p)))),
            p => self.waiting.entry(p).or_default().push(n),
        }
        if self.waiting.is_empty() {
            return;
        }
        for child in self.waiting.remove(&n).unwrap_or_default() {
            on_ready(ready(child, Some(nodes.trees.get(n))));
        }
    }
}

/// Every commit reachable from `tips`, ordered. `on_commit` is handed each commit's raw
/// object as it is read.
pub fn walk(
    reader: &mut Reader,
    tips: &[Oid],
    on_commit: &mut dyn FnMut(Oid, &[u8]),
) -> Result<Walk> {
    walk_ready(reader, tips, on_commit, &mut |_| {})
}

/// [`walk`], also handing each commit to `on_ready` once its first parent's tree is known
/// (every commit of the walk is handed over exactly once, before this returns).
pub fn walk_ready(
    reader: &mut Reader,
    tips: &[Oid],
    on_commit: &mut dyn FnMut(Oid, &[u8]),
    on_ready: &mut dyn FnMut(Ready),
) -> Result<Walk> {
    let mut nodes = Nodes::with_capacity(0);
    let mut readiness = Readiness::default();
    let mut stack: Vec<u32> = Vec::with_capacity(tips.len());
    for &tip in tips {
        stack.push(nodes.number(tip)?);
    }
    let mut more = Vec::new();
    while let Some(n) = stack.pop() {
        if nodes.is_read(n) {
            continue;
        }
        let id = nodes.ids.get(n);
        let (node, raw) = reader.node_and_raw(id)?;
        on_commit(id, raw);
        // Every parent is followed: the first parent is never outside the walk.
        let first = match node.parent {
            Some(p) => nodes.number(p)?,
            None => NO_PARENT,
        };
        more.clear();
        for &p in &node.more {
            more.push(nodes.number(p)?);
        }
        // Parents go on the stack in their order, the last one read next.
        stack.extend((first < UNREAD).then_some(first));
        stack.extend(&more);
        nodes.set(n, &node, first, more.iter().copied());
        readiness.read(n, &nodes, on_ready);
    }
    // Every parent was walked, so nothing waits (a first parent is always followed).
    debug_assert!(readiness.waiting.is_empty());
    nodes.finish();
    let order = nodes.order();
    Ok(Walk { order, nodes })
}

/// The nodes of `ids` (a walk computed elsewhere), numbered in their order and read one by
/// one; each read commit is handed to `on_commit`, and to `on_ready` once its first parent's
/// tree is known (a first parent outside `ids`, hidden by a range, is read at the end for
/// its tree).
pub fn nodes_ready(
    reader: &mut Reader,
    ids: &[Oid],
    on_commit: &mut dyn FnMut(Oid, &[u8]),
    on_ready: &mut dyn FnMut(Ready),
) -> Result<Walk> {
    let mut nodes = Nodes::with_capacity(ids.len());
    for &id in ids {
        nodes.number(id)?;
    }
    let mut readiness = Readiness::default();
    for n in 0..nodes.len() as u32 {
        let id = nodes.ids.get(n);
        let (node, raw) = reader.node_and_raw(id)?;
        on_commit(id, raw);
        nodes.record(n, &node);
        readiness.read(n, &nodes, on_ready);
    }
    nodes.finish();
    // Each first parent outside the walk is read once, in id order.
    let mut outside = nodes.outside.clone();
    outside.sort_by_key(|(_, p)| *p);
    let mut k = 0;
    while k < outside.len() {
        let parent = outside[k].1;
        let tree = reader.node(parent)?.tree;
        while let Some(&(child, _)) = outside.get(k).filter(|(_, p)| *p == parent) {
            on_ready(Ready {
                commit: nodes.ids.get(child),
                tree: nodes.trees.get(child),
                parent_tree: Some(tree),
            });
            k += 1;
        }
    }
    let order = nodes.order();
    Ok(Walk { order, nodes })
}

/// The nodes of `ids`, read one by one, then ordered (for walks computed elsewhere).
pub fn nodes_of(reader: &mut Reader, ids: &[Oid]) -> Result<Walk> {
    let mut nodes = Nodes::with_capacity(ids.len());
    for &id in ids {
        nodes.number(id)?;
    }
    for n in 0..nodes.len() as u32 {
        let node = reader.node(nodes.ids.get(n))?;
        nodes.record(n, &node);
    }
    nodes.finish();
    let order = nodes.order();
    Ok(Walk { order, nodes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha256(k: u8) -> Oid {
        let mut b = [k; 32];
        b[0] = 0xa0;
        Oid::Sha256(b)
    }

    fn node(tree: Oid, parents: &[Oid], time: i64) -> Node {
        Node {
            tree,
            parent: parents.first().copied(),
            more: parents.iter().skip(1).copied().collect(),
            time,
        }
    }

    /// Builds the nodes of `commits` (id, parents, time) as `nodes_of` does, trees derived
    /// from the ids.
    fn nodes(commits: &[(Oid, &[Oid], i64)]) -> Nodes {
        let mut nodes = Nodes::with_capacity(commits.len());
        for (id, _, _) in commits {
            nodes.number(*id).unwrap();
        }
        for (id, parents, time) in commits {
            let n = nodes.find(id).unwrap();
            nodes.record(n, &node(tree_of(*id), parents, *time));
        }
        nodes.finish();
        nodes
    }

    /// The ids of `nodes` in the walk's order.
    fn ordered(nodes: &Nodes) -> Vec<Oid> {
        nodes.order().into_iter().map(|n| nodes.id(n)).collect()
    }

    #[test]
    fn keeps_the_ids_of_their_numbers_once_the_rest_is_freed() {
        let [a, b, c] = [1, 2, 3].map(sha256);
        let mut nodes = nodes(&[(c, &[b], 3), (b, &[a], 2), (a, &[], 1)]);
        let order = nodes.order();
        nodes.keep_ids_only();
        let ids: Vec<Oid> = order.iter().map(|&n| nodes.id(n)).collect();
        assert_eq!(ids, [c, b, a]);
        assert_eq!(nodes.get(&c), None, "nothing but the ids is kept");
    }

    fn tree_of(id: Oid) -> Oid {
        let mut bytes = id.as_bytes().to_vec();
        bytes[0] ^= 0xff;
        Oid::from_bytes_or_panic(&bytes)
    }

    #[test]
    fn keeps_merges_and_parents_outside_the_walk_for_sha256_ids() {
        let [a, b, c, d, e, f, g, x] = [1, 2, 3, 4, 5, 6, 7, 8].map(sha256);
        // `d` is an octopus merge of `b`, `c` and `e` (outside); `g`'s parent `x` is outside.
        let nodes = nodes(&[
            (g, &[x], 6),
            (f, &[d], 5),
            (d, &[b, c, e], 4),
            (c, &[a], 10),
            (b, &[a], 2),
            (a, &[], 1),
            (f, &[d], 5),
        ]);
        assert_eq!(nodes.len(), 7 - 1, "a repeated id is one commit");
        assert_eq!(
            nodes.get(&f),
            Some(NodeRef {
                tree: tree_of(f),
                parent: Some(d),
                time: 5
            })
        );
        assert_eq!(nodes.get(&d).unwrap().parent, Some(b));
        assert_eq!(nodes.get(&a).unwrap().parent, None);
        // A parent outside the walk is known by id, not as a commit of the walk.
        assert_eq!(nodes.get(&g).unwrap().parent, Some(x));
        assert_eq!(nodes.get(&x), None);
        assert_eq!(nodes.get(&e), None);
        let n = |id| nodes.find(&id).unwrap();
        let parents: Vec<u32> = nodes.parents_in(n(d)).collect();
        assert_eq!(parents, [n(b), n(c)], "parents in the walk, in order");
        // `c` is the newest commit but comes after its child `d`.
        assert_eq!(ordered(&nodes), [g, f, d, c, b, a]);
    }

    #[test]
    fn orders_commits_of_equal_dates_by_id_whatever_the_walk_order() {
        let ids: Vec<Oid> = [9u8, 3, 7, 1].iter().map(|&k| Oid::Sha1([k; 20])).collect();
        let root = Oid::Sha1([0; 20]);
        let to_root = [root];
        let mut commits: Vec<(Oid, &[Oid], i64)> =
            ids.iter().map(|&id| (id, &to_root[..], 7)).collect();
        commits.push((root, &[], 1));
        let forward = ordered(&nodes(&commits));
        commits.reverse();
        let backward = ordered(&nodes(&commits));
        let mut expected = ids.clone();
        expected.sort();
        expected.push(root);
        assert_eq!(forward, expected);
        assert_eq!(backward, expected);
    }

    #[test]
    fn counts_a_parent_listed_twice_once_per_listing() {
        let [a, b, c] = [1, 2, 3].map(sha256);
        let nodes = nodes(&[(c, &[b, a, b], 3), (b, &[a], 2), (a, &[], 1)]);
        assert_eq!(ordered(&nodes), [c, b, a]);
    }

    #[test]
    fn refuses_an_id_of_another_hash_than_the_walks() {
        let mut nodes = Nodes::with_capacity(2);
        nodes.number(Oid::Sha1([1; 20])).unwrap();
        let err = nodes.number(sha256(2)).unwrap_err().to_string();
        assert!(err.contains("another hash"), "{err}");
        assert_eq!(nodes.len(), 1);
        assert_eq!(nodes.find(&Oid::Sha1([1; 20])), Some(0));
    }
}
