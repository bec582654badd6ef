//! Org-wide audits: a repository list cut into stable shares (`--shard K/N`), so that a CI
//! matrix or a Kubernetes indexed job can split thousands of repositories between jobs, and
//! several repositories audited at once (`--jobs N`) with the report in the list's order.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::cli::Shard;
use crate::error::{Error, Result};

/// The share (0-based) an entry of a repository list belongs to out of `count`: the first
/// eight hex digits of the entry's git blob id (`printf %s ENTRY | git hash-object --stdin`),
/// as a number, modulo `count`. The entry is the line as written, trimmed, so the share does
/// not depend on where the list lives, on its order, or on the other entries.
pub fn share_of(entry: &str, count: u32) -> u32 {
    let id = git2::Oid::hash_object(git2::ObjectType::Blob, entry.as_bytes())
        .map(|o| {
            let b = o.as_bytes();
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        })
        .unwrap_or(0);
    id % count
}

/// The repositories listed in `path`, one per line (`#` comments and blank lines ignored,
/// relative paths relative to the list's directory), only those of `shard` when given.
pub fn repo_list(path: &Path, shard: Option<Shard>) -> Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| shard.map_or(true, |s| share_of(l, s.count) == s.index - 1))
        .map(|l| base.join(l))
        .collect())
}

/// `work` applied to every item on up to `jobs` threads (each with aigate's large stack);
/// the results come back in the items' order, whichever finishes first.
pub fn map_ordered<T, R, F>(items: &[T], jobs: usize, work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(usize, &T) -> R + Sync,
{
    let jobs = jobs.clamp(1, items.len().max(1));
    if jobs == 1 {
        return items.iter().enumerate().map(|(i, t)| work(i, t)).collect();
    }
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for _ in 0..jobs {
            let (work, slots, next) = (&work, &slots, &next);
            let spawned = crate::big_stack().spawn_scoped(scope, move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = work(i, item);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            });
            // A thread that cannot start leaves its share to the others.
            if let Ok(h) = spawned {
                handles.push(h);
            }
        }
        // No thread at all: do the work here.
        if handles.is_empty() {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(work(i, item));
                }
            }
        }
    });
    slots
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            s.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| work(i, &items[i]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_match_git_hash_object() {
        // `printf %s repos/a | git hash-object --stdin` starts with these eight digits.
        let id = git2::Oid::hash_object(git2::ObjectType::Blob, b"repos/a").unwrap();
        let n = u32::from_str_radix(&id.to_string()[..8], 16).unwrap();
        assert_eq!(share_of("repos/a", 7), n % 7);
        assert_eq!(share_of("repos/a", 1), 0);
    }

    #[test]
    fn ordered_map_keeps_order() {
        let items: Vec<u64> = (0..50).collect();
        let out = map_ordered(&items, 4, |i, x| {
            // Later items finish first.
            std::thread::sleep(std::time::Duration::from_micros(50 * (50 - *x)));
            (i, x * 2)
        });
        assert_eq!(
            out,
            (0..50).map(|i| (i as usize, i * 2)).collect::<Vec<_>>()
        );
    }
}
