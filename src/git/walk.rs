//! The audit's commit walk: each commit reachable from the tips read once (its tree, parents
//! and committer date kept, its raw object handed on for the metadata checks), then ordered
//! newest first with every commit before its parents, as `git log --date-order` does.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::error::Result;
use crate::git::objects::{Node, Reader};
use crate::git::paths::OidMap;
use crate::git::Oid;

pub struct Walk {
    pub order: Vec<Oid>,
    pub nodes: OidMap<Node>,
}

/// Every commit reachable from `tips`, ordered. `on_commit` is handed each commit's raw
/// object as it is read.
pub fn walk(
    reader: &mut Reader,
    tips: &[Oid],
    on_commit: &mut dyn FnMut(Oid, &[u8]),
) -> Result<Walk> {
    let mut nodes: OidMap<Node> = OidMap::default();
    let mut stack: Vec<Oid> = tips.to_vec();
    while let Some(id) = stack.pop() {
        if nodes.contains_key(&id) {
            continue;
        }
        let (node, raw) = reader.node_and_raw(id)?;
        on_commit(id, raw);
        stack.extend(node.parents().copied());
        nodes.insert(id, node);
    }
    let order = order(&nodes);
    Ok(Walk { order, nodes })
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
    /// Commits read whose first parent is not yet: (child, its tree) by parent.
    waiting: OidMap<Vec<(Oid, Oid)>>,
}

impl Readiness {
    fn read(&mut self, id: Oid, nodes: &OidMap<Node>, on_ready: &mut dyn FnMut(Ready)) {
        let node = &nodes[&id];
        match node.parent {
            None => on_ready(Ready {
                commit: id,
                tree: node.tree,
                parent_tree: None,
            }),
            Some(p) => match nodes.get(&p) {
                Some(parent) => on_ready(Ready {
                    commit: id,
                    tree: node.tree,
                    parent_tree: Some(parent.tree),
                }),
                None => self.waiting.entry(p).or_default().push((id, node.tree)),
            },
        }
        for (child, tree) in self.waiting.remove(&id).unwrap_or_default() {
            on_ready(Ready {
                commit: child,
                tree,
                parent_tree: Some(node.tree),
            });
        }
    }
}

/// [`walk`], also handing each commit to `on_ready` once its first parent's tree is known
/// (every commit of the walk is handed over exactly once, before this returns).
pub fn walk_ready(
    reader: &mut Reader,
    tips: &[Oid],
    on_commit: &mut dyn FnMut(Oid, &[u8]),
    on_ready: &mut dyn FnMut(Ready),
) -> Result<Walk> {
    let mut nodes: OidMap<Node> = OidMap::default();
    let mut readiness = Readiness::default();
    let mut stack: Vec<Oid> = tips.to_vec();
    while let Some(id) = stack.pop() {
        if nodes.contains_key(&id) {
            continue;
        }
        let (node, raw) = reader.node_and_raw(id)?;
        on_commit(id, raw);
        stack.extend(node.parents().copied());
        nodes.insert(id, node);
        readiness.read(id, &nodes, on_ready);
    }
    // Every parent was walked, so nothing waits (a first parent is always followed).
    debug_assert!(readiness.waiting.is_empty());
    let order = order(&nodes);
    Ok(Walk { order, nodes })
}

/// [`nodes_of`] with the commits handed to `on_commit` and `on_ready` as in [`walk_ready`];
/// a first parent outside `ids` (hidden by a range) is read at the end for its tree.
pub fn nodes_ready(
    reader: &mut Reader,
    ids: &[Oid],
    on_commit: &mut dyn FnMut(Oid, &[u8]),
    on_ready: &mut dyn FnMut(Ready),
) -> Result<Walk> {
    let mut nodes: OidMap<Node> = OidMap::default();
    let mut readiness = Readiness::default();
    for &id in ids {
        if nodes.contains_key(&id) {
            continue;
        }
        let (node, raw) = reader.node_and_raw(id)?;
        on_commit(id, raw);
        nodes.insert(id, node);
        readiness.read(id, &nodes, on_ready);
    }
    let mut outside: Vec<_> = readiness.waiting.drain().collect();
    outside.sort_unstable_by_key(|(p, _)| *p);
    for (parent, children) in outside {
        let tree = reader.node(parent)?.tree;
        for (child, child_tree) in children {
            on_ready(Ready {
                commit: child,
                tree: child_tree,
                parent_tree: Some(tree),
            });
        }
    }
    let order = order(&nodes);
    Ok(Walk { order, nodes })
}

/// The nodes of `ids`, read one by one, then ordered (for walks computed elsewhere).
pub fn nodes_of(reader: &mut Reader, ids: &[Oid]) -> Result<Walk> {
    let mut nodes: OidMap<Node> = OidMap::default();
    for &id in ids {
        nodes.insert(id, reader.node(id)?);
    }
    let order = order(&nodes);
    Ok(Walk { order, nodes })
}

/// Kahn's algorithm over the commits of `nodes` (parents outside it are ignored): a commit
/// is ready once all its children are out; the newest ready commit goes first (ties by id, so
/// the order never depends on hashing).
pub fn order(nodes: &OidMap<Node>) -> Vec<Oid> {
    let mut children: OidMap<u32> = OidMap::default();
    for node in nodes.values() {
        for p in node.parents() {
            if nodes.contains_key(p) {
                *children.entry(*p).or_default() += 1;
            }
        }
    }
    let mut ready: BinaryHeap<(i64, Reverse<Oid>)> = nodes
        .iter()
        .filter(|(id, _)| !children.contains_key(*id))
        .map(|(id, n)| (n.time, Reverse(*id)))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some((_, Reverse(id))) = ready.pop() {
        let node = &nodes[&id];
        for p in node.parents() {
            // A parent listed twice counts once per listing in `children`.
            if let Some(n) = children.get_mut(p) {
                *n -= 1;
                if *n == 0 {
                    ready.push((nodes[p].time, Reverse(*p)));
                }
            }
        }
        order.push(id);
    }
    order
}
