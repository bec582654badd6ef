//! The ancestry a complete commit walk leaves behind (ids and parents, no trees or dates),
//! kept after an audit to answer "which commits did this merge bring in" without reading a
//! commit again: the report's merge summary asks it for every merge with path findings, and
//! a walk through the object database took seconds per merge of a long-lived branch.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::git::paths::OidSet;
use crate::git::walk::Nodes;
use crate::git::Oid;

/// The parents of every commit of a walk that followed every parent (an audit of refs, not
/// of a range), and each commit's place in the walk's order.
pub struct Ancestry {
    nodes: Nodes,
    /// `rank[n]`: where commit `n` stands in the walk's order, in which every commit comes
    /// before its parents. A commit's ancestors all rank after it.
    rank: Vec<u32>,
}

impl std::fmt::Debug for Ancestry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ancestry({} commits)", self.rank.len())
    }
}

/// What [`Ancestry::branch`] knows of the commits a merge brought in.
#[derive(Debug, PartialEq, Eq)]
pub enum Branch {
    /// The commits reachable from a later parent and not from the first.
    Commits(OidSet),
    /// More than the limit.
    TooMany,
    /// The merge, or one of the commits to walk, is not in the ancestry (or has a parent
    /// outside it): ask the repository.
    Unknown,
}

impl Ancestry {
    /// The ancestry of `nodes`, whose walk's order is `order` (every commit once, each
    /// before its parents). Trees and dates are freed.
    pub fn new(mut nodes: Nodes, order: &[u32]) -> Self {
        let len = nodes.numbered();
        let mut rank = vec![u32::MAX; len];
        for (at, &n) in order.iter().enumerate() {
            rank[n as usize] = at as u32;
        }
        nodes.keep_ancestry();
        Ancestry { nodes, rank }
    }

    /// The numbers of `n`'s parents, or `None` when one of them is outside the walk or
    /// `n` was never read (its parents are then not all known).
    fn parents(&self, n: u32) -> Option<impl Iterator<Item = u32> + '_> {
        if !self.nodes.parents_complete(n) || self.rank[n as usize] == u32::MAX {
            return None;
        }
        Some(self.nodes.parents_in(n))
    }

    /// The parents of `id`, first parent first (the order of the others is not kept), or
    /// `None` when the ancestry does not know them all (for the tests: the merge summary
    /// asks [`Ancestry::branch`], which answers for a commit of one parent too).
    #[cfg(test)]
    pub fn parents_of(&self, id: &Oid) -> Option<Vec<Oid>> {
        let n = self.nodes.find(id)?;
        Some(self.parents(n)?.map(|p| self.nodes.id(p)).collect())
    }

    /// The commits the merge `merge` brought in: reachable from its later parents, not
    /// from its first (`git rev-list merge^2... --not merge^1`); [`Branch::TooMany`] past
    /// `limit` of them.
    ///
    /// Both sides are painted down together, the commit of the lowest rank first: a commit
    /// is popped only after every commit above it, so its paint is final when it is popped
    /// (exact even when dates are skewed), and the walk stops once every commit queued is
    /// painted by the first parent's side.
    pub fn branch(&self, merge: &Oid, limit: usize) -> Branch {
        const MINE: u8 = 1; // reachable from a later parent
        const HIDDEN: u8 = 2; // reachable from the first parent
        const QUEUED: u8 = 4;
        let Some(n) = self.nodes.find(merge) else {
            return Branch::Unknown;
        };
        let Some(mut parents) = self.parents(n) else {
            return Branch::Unknown;
        };
        let Some(first) = parents.next() else {
            return Branch::Commits(OidSet::default());
        };
        let later: Vec<u32> = parents.collect();
        // One byte of paint per commit of the walk: a merge of a long-lived branch paints
        // tens of thousands, and a map of them cost more than the painting.
        let mut paint = vec![0u8; self.rank.len()];
        let mut queue: BinaryHeap<Reverse<(u32, u32)>> = BinaryHeap::new();
        // Commits queued and painted by a later parent's side only: while there are any,
        // the branch may still grow.
        let mut open = 0usize;
        let mark = |n: u32,
                    colour: u8,
                    paint: &mut [u8],
                    queue: &mut BinaryHeap<Reverse<(u32, u32)>>,
                    open: &mut usize| {
            let p = &mut paint[n as usize];
            let old = *p;
            if old & colour == colour {
                return;
            }
            if old == 0 {
                *p = colour | QUEUED;
                queue.push(Reverse((self.rank[n as usize], n)));
                if colour == MINE {
                    *open += 1;
                }
            } else {
                *p = old | colour;
                if old == MINE | QUEUED {
                    *open -= 1;
                }
            }
        };
        mark(first, HIDDEN, &mut paint, &mut queue, &mut open);
        for &p in &later {
            mark(p, MINE, &mut paint, &mut queue, &mut open);
        }
        let mut out = OidSet::default();
        while open > 0 {
            let Some(Reverse((_, n))) = queue.pop() else {
                break;
            };
            let colour = paint[n as usize] & !QUEUED;
            paint[n as usize] = colour;
            if colour == MINE {
                open -= 1;
                if out.len() == limit {
                    return Branch::TooMany;
                }
                out.insert(self.nodes.id(n));
            }
            let Some(parents) = self.parents(n) else {
                return Branch::Unknown;
            };
            for p in parents {
                mark(p, colour, &mut paint, &mut queue, &mut open);
            }
        }
        Branch::Commits(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn git(dir: &std::path::Path, args: &[&str], stdin: Option<&[u8]>) -> String {
        crate::git::testgit::git(dir, args, stdin.unwrap_or_default())
    }

    /// A random history of `count` commits with merges of two and three parents, several
    /// roots and committer dates that ignore the topology (children older than parents),
    /// every commit on a branch of its own; returns the repository and the commits' ids.
    fn random_history(format: &str, seed: u64, count: usize) -> (tempfile::TempDir, Vec<Oid>) {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "--object-format", format], None);
        let mut state = seed;
        let mut next = |below: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as usize) % below.max(1)
        };
        let mut stream = Vec::new();
        for i in 1..=count {
            let time = 1_000_000 + next(100_000);
            write!(
                stream,
                "commit refs/heads/c{i}\nmark :{i}\ncommitter A <a@example.com> {time} +0000\n\
                 data 2\nc\n"
            )
            .unwrap();
            // Most commits have one parent, about one in four is a merge, a few are roots.
            let parents = match (i, next(20)) {
                (1, _) | (_, 0) => 0,
                (_, 1..=3) if i > 3 => 3,
                (_, 4..=7) if i > 2 => 2,
                _ => 1,
            };
            let mut chosen: Vec<usize> = Vec::new();
            while chosen.len() < parents {
                // Mostly a recent commit, sometimes one far back.
                let back = if next(4) == 0 {
                    next(i - 1)
                } else {
                    next(6.min(i - 1))
                };
                let p = i - 1 - back;
                if !chosen.contains(&p) {
                    chosen.push(p);
                }
            }
            for (k, p) in chosen.iter().enumerate() {
                let word = if k == 0 { "from" } else { "merge" };
                writeln!(stream, "{word} :{p}").unwrap();
            }
            if parents == 0 && i > 1 {
                // Without a reset, fast-import would give a root the branch's tip.
                stream.splice(0..0, format!("reset refs/heads/c{i}\n").into_bytes());
            }
        }
        stream.extend_from_slice(b"done\n");
        git(d, &["fast-import", "--quiet", "--done"], Some(&stream));
        let ids = (1..=count)
            .map(|i| {
                let hex = git(d, &["rev-parse", &format!("c{i}")], None);
                Oid::from_hex(hex.trim().as_bytes()).unwrap()
            })
            .collect();
        (dir, ids)
    }

    fn ancestry_of(d: &std::path::Path, ids: &[Oid]) -> Ancestry {
        let repo = crate::git::repo::Repo::open(Some(d)).unwrap();
        let mut reader = repo.shared().reader();
        let walk = crate::git::walk::walk(&mut reader, ids, &mut |_, _| {}).unwrap();
        Ancestry::new(walk.nodes, &walk.order)
    }

    /// Every merge's branch is what git lists as reachable from its later parents and not
    /// from its first, whatever the dates say, in SHA-1 and SHA-256 repositories.
    #[test]
    fn a_merge_brings_in_what_git_lists() {
        for (format, seed) in [("sha1", 7), ("sha1", 99), ("sha256", 3)] {
            let (dir, ids) = random_history(format, seed, 150);
            let d = dir.path();
            let ancestry = ancestry_of(d, &ids);
            let mut merges = 0;
            for id in &ids {
                let hex = id.to_string();
                let listed = git(d, &["rev-list", "--parents", "-n1", &hex], None);
                let parents: Vec<&str> = listed.split_whitespace().skip(1).collect();
                let known = ancestry.parents_of(id).unwrap();
                assert_eq!(known.len(), parents.len(), "{hex}");
                if let Some(first) = parents.first() {
                    let first = Oid::from_hex(first.as_bytes()).unwrap();
                    assert_eq!(known[0], first, "the first parent of {hex}");
                }
                if parents.len() < 2 {
                    continue;
                }
                merges += 1;
                // Each side listed in full, then one taken from the other: `git rev-list
                // merge^2 --not merge^1` stops early by the dates and is wrong when they are
                // skewed, as here.
                let all = |tips: &[&str]| -> OidSet {
                    let mut args = vec!["rev-list"];
                    args.extend(tips);
                    git(d, &args, None)
                        .lines()
                        .map(|l| Oid::from_hex(l.as_bytes()).unwrap())
                        .collect()
                };
                let hidden = all(&parents[..1]);
                let expected: OidSet = all(&parents[1..])
                    .into_iter()
                    .filter(|c| !hidden.contains(c))
                    .collect();
                assert_eq!(
                    ancestry.branch(id, usize::MAX),
                    Branch::Commits(expected.clone()),
                    "merge {hex} ({format}, seed {seed})"
                );
                if !expected.is_empty() {
                    let limit = expected.len() - 1;
                    assert_eq!(ancestry.branch(id, limit), Branch::TooMany, "{hex}");
                    assert_eq!(
                        ancestry.branch(id, expected.len()),
                        Branch::Commits(expected),
                        "{hex}: exactly the limit"
                    );
                }
            }
            assert!(merges > 20, "{merges} merges ({format}, seed {seed})");
        }
    }

    /// A commit the walk did not meet, or one whose parents were not all walked, is left
    /// to the repository.
    #[test]
    fn what_the_walk_did_not_see_is_unknown() {
        let (dir, ids) = random_history("sha1", 11, 40);
        // Walk from the oldest commits only: the newer ones are unknown.
        let ancestry = ancestry_of(dir.path(), &ids[..5]);
        assert_eq!(ancestry.branch(&ids[39], 10), Branch::Unknown);
        assert_eq!(ancestry.parents_of(&ids[39]), None);
        assert_eq!(ancestry.branch(&Oid::Sha1([7; 20]), 10), Branch::Unknown);
    }
}
