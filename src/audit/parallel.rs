//! Several audits at once (`aigate audit --jobs N`), the report keeping the order the
//! repositories were given in.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

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
