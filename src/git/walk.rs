//! The audit's own commit walk over every ref: each commit read once from the packs (libgit2
//! for the rest), its tree, first parent and committer date kept, then ordered newest first
//! with every commit before its parents, as `git log --date-order` does. `Repo::walk`
//! (libgit2) serves ranges and revisions.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use git2::{Oid, Repository};

use crate::error::{Error, Result};
use crate::git::pack::{commit_tree_and_parent, Packs, Reader};
use crate::git::paths::{key, OidMap};

/// What the audit needs of a commit.
#[derive(Debug, Clone)]
pub struct Node {
    pub tree: Oid,
    pub parent: Option<Oid>,
    /// The other parents (merges).
    pub more: Vec<Oid>,
    /// Committer date, seconds since the epoch.
    pub time: i64,
}

pub struct Walk {
    pub order: Vec<Oid>,
    pub nodes: OidMap<Node>,
}

/// Every commit reachable from `tips`, ordered. `on_commit` is handed each commit as it is
/// read: its raw contents, or `None` when libgit2 read it.
pub fn walk(
    git: &Repository,
    packs: &Packs,
    tips: &[Oid],
    on_commit: &mut dyn FnMut(Oid, Option<Vec<u8>>),
) -> Result<Walk> {
    let mut reader = Reader::new(packs.clone());
    let mut nodes: OidMap<Node> = OidMap::default();
    let mut stack: Vec<Oid> = tips.to_vec();
    while let Some(id) = stack.pop() {
        if nodes.contains_key(&id) {
            continue;
        }
        let raw = reader.commit(&key(id));
        let parsed = raw.as_deref().and_then(parse);
        let node = match parsed {
            Some(n) => {
                on_commit(id, raw);
                n
            }
            None => {
                on_commit(id, None);
                let c = git
                    .find_commit(id)
                    .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
                let mut parents = c.parent_ids();
                Node {
                    tree: c.tree_id(),
                    parent: parents.next(),
                    more: parents.collect(),
                    time: c.time().seconds(),
                }
            }
        };
        stack.extend(node.parent.iter().chain(&node.more).copied());
        nodes.insert(id, node);
    }

    // Kahn's algorithm: a commit is ready once all its children are out; the newest ready
    // commit goes first (ties by id, so the order never depends on hashing).
    let mut children: OidMap<u32> = OidMap::default();
    for node in nodes.values() {
        for p in node.parent.iter().chain(&node.more) {
            *children.entry(*p).or_default() += 1;
        }
    }
    let mut ready: BinaryHeap<(i64, Reverse<[u8; 20]>)> = nodes
        .iter()
        .filter(|(id, _)| !children.contains_key(*id))
        .map(|(id, n)| (n.time, Reverse(key(*id))))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some((_, Reverse(raw))) = ready.pop() {
        let id = Oid::from_bytes(&raw).map_err(|e| Error::git("ordering commits", e))?;
        let node = &nodes[&id];
        let mut parents: Vec<Oid> = node.parent.iter().chain(&node.more).copied().collect();
        parents.sort();
        parents.dedup();
        for p in parents {
            // A parent listed twice counts once per listing in `children`.
            let listed = node
                .parent
                .iter()
                .chain(&node.more)
                .filter(|x| **x == p)
                .count() as u32;
            if let Some(n) = children.get_mut(&p) {
                *n -= listed.min(*n);
                if *n == 0 {
                    ready.push((nodes[&p].time, Reverse(key(p))));
                }
            }
        }
        order.push(id);
    }
    Ok(Walk { order, nodes })
}

/// Tree, parents and committer date from a raw commit; `None` for anything unusual (the
/// caller then asks libgit2).
fn parse(raw: &[u8]) -> Option<Node> {
    let (tree, _) = commit_tree_and_parent(raw)?;
    let mut parents = Vec::new();
    let mut time = None;
    for line in raw.split(|&b| b == b'\n').skip(1) {
        if line.is_empty() {
            break;
        }
        if let Some(hex) = line.strip_prefix(b"parent ") {
            parents.push(Oid::from_str(std::str::from_utf8(hex).ok()?).ok()?);
        } else if let Some(rest) = line.strip_prefix(b"committer ") {
            let after = rest.iter().rposition(|&b| b == b'>')? + 1;
            let text = std::str::from_utf8(&rest[after..]).ok()?;
            time = Some(text.split_whitespace().next()?.parse::<i64>().ok()?);
        }
    }
    let mut parents = parents.into_iter();
    Some(Node {
        tree: Oid::from_bytes(&tree).ok()?,
        parent: parents.next(),
        more: parents.collect(),
        time: time?,
    })
}
