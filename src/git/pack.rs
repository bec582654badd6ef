//! A minimal reader of git pack files, for the one hot loop of an audit: reading hundreds of
//! thousands of tree objects. libgit2 spends most of that time per object (a zlib stream set
//! up and torn down, a cache, allocations, a binary search through `memcmp` calls); this
//! reader keeps the `.idx` and `.pack` files in memory, reuses one inflater and keeps the
//! delta bases it has built. Anything it does not handle (loose objects, alternates,
//! packs over [`MAX_PACK_BYTES`], a malformed entry) it declines, and the caller asks libgit2.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use flate2::{Decompress, FlushDecompress, Status};

use crate::git::paths::OidHasher;

/// Packs are read whole into memory up to this total; beyond it libgit2 reads everything.
pub const MAX_PACK_BYTES: u64 = 512 << 20;

/// Delta bases kept per reader (bytes), in two generations: when the newer one fills half of
/// this, it becomes the older one and the older one is dropped; a base found in the older
/// generation is moved back to the newer.
const BASE_CACHE_BYTES: usize = 32 << 20;

struct Pack {
    idx: Vec<u8>,
    data: Vec<u8>,
    count: usize,
    /// An open-addressing table from the first eight bytes of each id to its position in
    /// the index: one or two cache misses per lookup where bisection takes a dozen.
    table: Vec<(u64, u32)>,
    bits: u32,
}

const EMPTY: u32 = u32::MAX;

/// The packs of one object directory, shared by the audit's threads.
#[derive(Clone, Default)]
pub struct Packs {
    packs: Arc<Vec<Pack>>,
}

impl Packs {
    /// Loads `objects/pack/*.idx` and their packs; none when they are too large or unreadable.
    pub fn open(objects: &Path) -> Packs {
        let dir = objects.join("pack");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Packs::default();
        };
        let mut total = 0;
        let mut packs = Vec::new();
        for e in entries.flatten() {
            let path = e.path();
            if path.extension() != Some(std::ffi::OsStr::new("idx")) {
                continue;
            }
            let pack_path = path.with_extension("pack");
            total += std::fs::metadata(&pack_path).map_or(0, |m| m.len());
            if total > MAX_PACK_BYTES {
                return Packs::default();
            }
            let (Ok(idx), Ok(data)) = (std::fs::read(&path), read_whole(&pack_path)) else {
                continue;
            };
            if idx.len() < 8 + 1024 || idx[..8] != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
                continue;
            }
            let count = be32(&idx, 8 + 255 * 4) as usize;
            if idx.len() < 8 + 1024 + count * 28 || data.len() < 12 || &data[..4] != b"PACK" {
                continue;
            }
            let mut pack = Pack {
                idx,
                data,
                count,
                table: Vec::new(),
                bits: 0,
            };
            pack.build_table();
            packs.push(pack);
        }
        Packs {
            packs: Arc::new(packs),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }
}

/// Reads a file whole; a large one in two halves on two threads, as copying hundreds of
/// megabytes out of the page cache (and faulting in the pages to hold them) is the audit's
/// first and otherwise single-threaded step.
fn read_whole(path: &Path) -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::File::open(path)?;
        let len = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
        if len >= 64 << 20 && len <= MAX_PACK_BYTES as usize {
            let mut buf = vec![0u8; len];
            let half = len / 2;
            let (a, b) = buf.split_at_mut(half);
            let file = &file;
            let done = std::thread::scope(|scope| {
                let other = std::thread::Builder::new()
                    .spawn_scoped(scope, move || file.read_exact_at(b, half as u64));
                let first = file.read_exact_at(a, 0);
                let second = match other {
                    Ok(h) => h
                        .join()
                        .unwrap_or_else(|_| Err(std::io::ErrorKind::Other.into())),
                    Err(e) => Err(e),
                };
                first.and(second)
            });
            // A file that changed under us, or no second thread: read it the plain way.
            if done.is_ok() && file.metadata()?.len() == len as u64 {
                return Ok(buf);
            }
        }
    }
    std::fs::read(path)
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl Pack {
    fn head(&self, i: usize) -> u64 {
        let at = 8 + 1024 + i * 20;
        u64::from_be_bytes(self.idx[at..at + 8].try_into().unwrap_or_default())
    }

    fn build_table(&mut self) {
        if self.count >= EMPTY as usize {
            return; // bisection only
        }
        let bits = (self.count * 2).max(2).next_power_of_two().trailing_zeros();
        let mask = (1usize << bits) - 1;
        let mut table = vec![(0u64, EMPTY); 1 << bits];
        for i in 0..self.count {
            let h = self.head(i);
            let mut slot = (h >> (64 - bits)) as usize;
            while table[slot].1 != EMPTY {
                slot = (slot + 1) & mask;
            }
            table[slot] = (h, i as u32);
        }
        self.table = table;
        self.bits = bits;
    }

    /// The position of `id` in the index.
    fn position(&self, id: &[u8]) -> Option<usize> {
        let want = u64::from_be_bytes(id.get(..8)?.try_into().ok()?);
        let ids = 8 + 1024;
        if !self.table.is_empty() {
            let mask = self.table.len() - 1;
            let mut slot = (want >> (64 - self.bits)) as usize;
            loop {
                let (h, pos) = self.table[slot];
                if pos == EMPTY {
                    return None;
                }
                let at = ids + pos as usize * 20;
                if h == want && self.idx[at + 8..at + 20] == id[8..20] {
                    return Some(pos as usize);
                }
                slot = (slot + 1) & mask;
            }
        }
        let first = usize::from(id[0]);
        let lo = if first == 0 {
            0
        } else {
            be32(&self.idx, 8 + (first - 1) * 4) as usize
        };
        let hi = (be32(&self.idx, 8 + first * 4) as usize).min(self.count);
        let (mut lo, mut hi) = (lo, hi);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = ids + mid * 20;
            match self
                .head(mid)
                .cmp(&want)
                .then_with(|| self.idx[at + 8..at + 20].cmp(&id[8..20]))
            {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The offset of `id` in this pack.
    fn find(&self, id: &[u8]) -> Option<usize> {
        if id.len() != 20 {
            return None;
        }
        let pos = self.position(id)?;
        let offs = 8 + 1024 + self.count * 24;
        let o = be32(&self.idx, offs + pos * 4);
        if o & 0x8000_0000 == 0 {
            return Some(o as usize);
        }
        let large = offs + self.count * 4 + (o & 0x7fff_ffff) as usize * 8;
        let b = self.idx.get(large..large + 8)?;
        usize::try_from(u64::from_be_bytes(b.try_into().ok()?)).ok()
    }
}

/// Delta bases by (pack, offset): their type and contents.
type BaseCache = HashMap<(usize, usize), (u8, Rc<Vec<u8>>), BuildHasherDefault<OidHasher>>;

/// One thread's reader: an inflater, scratch space and a cache of delta bases.
pub struct Reader {
    packs: Packs,
    inflater: Decompress,
    bases: BaseCache,
    older: BaseCache,
    base_bytes: usize,
}

/// Object types in a pack entry header.
const COMMIT: u8 = 1;
const TREE: u8 = 2;
const OFS_DELTA: u8 = 6;
const REF_DELTA: u8 = 7;

impl Reader {
    pub fn new(packs: Packs) -> Reader {
        Reader {
            packs,
            inflater: Decompress::new(true),
            bases: HashMap::default(),
            older: HashMap::default(),
            base_bytes: 0,
        }
    }

    /// The contents of tree `id`, or `None` when this reader cannot tell (the caller then
    /// asks libgit2, which also reports a missing or corrupt object properly).
    pub fn tree(&mut self, id: &[u8; 20]) -> Option<Vec<u8>> {
        self.object(id, TREE)
    }

    /// The raw contents of commit `id` (headers, blank line, message), or `None` as above.
    pub fn commit(&mut self, id: &[u8; 20]) -> Option<Vec<u8>> {
        self.object(id, COMMIT)
    }

    fn object(&mut self, id: &[u8; 20], want: u8) -> Option<Vec<u8>> {
        let packs = self.packs.packs.clone();
        for (p, pack) in packs.iter().enumerate() {
            if let Some(offset) = pack.find(id) {
                let (kind, data) = self.read_at(pack, p, offset, 0)?;
                return (kind == want).then_some(data);
            }
        }
        None
    }

    /// The type and contents of the entry at `offset`, resolving deltas.
    fn read_at(
        &mut self,
        pack: &Pack,
        p: usize,
        offset: usize,
        depth: usize,
    ) -> Option<(u8, Vec<u8>)> {
        if depth > 10_000 {
            return None;
        }
        let d = &pack.data;
        let mut at = offset;
        let mut c = *d.get(at)?;
        at += 1;
        let kind = (c >> 4) & 7;
        let mut size = usize::from(c & 0x0f);
        let mut shift = 4;
        while c & 0x80 != 0 {
            c = *d.get(at)?;
            at += 1;
            size |= usize::from(c & 0x7f).checked_shl(shift)?;
            shift += 7;
        }
        match kind {
            1..=4 => {
                let data = self.inflate(d.get(at..)?, size)?;
                Some((kind, data))
            }
            OFS_DELTA | REF_DELTA => {
                let base_offset = if kind == OFS_DELTA {
                    let mut c = *d.get(at)?;
                    at += 1;
                    let mut off = usize::from(c & 0x7f);
                    while c & 0x80 != 0 {
                        c = *d.get(at)?;
                        at += 1;
                        off = off.checked_add(1)?.checked_shl(7)? | usize::from(c & 0x7f);
                    }
                    offset.checked_sub(off)?
                } else {
                    let base = d.get(at..at + 20)?;
                    at += 20;
                    pack.find(base)?
                };
                let delta = self.inflate(d.get(at..)?, size)?;
                let cached = match self.bases.get(&(p, base_offset)) {
                    Some(hit) => Some(hit.clone()),
                    None => self.older.remove(&(p, base_offset)).inspect(|(k, b)| {
                        self.keep(p, base_offset, *k, b.clone());
                    }),
                };
                let (base_kind, base) = match cached {
                    Some(hit) => hit,
                    None => {
                        let (k, b) = self.read_at(pack, p, base_offset, depth + 1)?;
                        let b = Rc::new(b);
                        self.keep(p, base_offset, k, b.clone());
                        (k, b)
                    }
                };
                Some((base_kind, apply_delta(&base, &delta)?))
            }
            _ => None,
        }
    }

    fn keep(&mut self, p: usize, offset: usize, kind: u8, data: Rc<Vec<u8>>) {
        if self.base_bytes + data.len() > BASE_CACHE_BYTES / 2 {
            self.older = std::mem::take(&mut self.bases);
            self.base_bytes = 0;
        }
        self.base_bytes += data.len();
        self.bases.insert((p, offset), (kind, data));
    }

    fn inflate(&mut self, input: &[u8], size: usize) -> Option<Vec<u8>> {
        // `size` comes from the pack: a corrupt one may claim any size, and deflate cannot
        // expand more than about 1032:1. Past that, decline (libgit2 then reports it).
        if size / 1032 > input.len() {
            return None;
        }
        self.inflater.reset(true);
        let mut out = Vec::with_capacity(size);
        match self
            .inflater
            .decompress_vec(input, &mut out, FlushDecompress::Finish)
        {
            Ok(Status::StreamEnd) if out.len() == size => Some(out),
            _ => None,
        }
    }
}

/// The tree and first parent named in a raw commit's headers.
pub fn commit_tree_and_parent(raw: &[u8]) -> Option<([u8; 20], Option<[u8; 20]>)> {
    let mut lines = raw.split(|&b| b == b'\n');
    let tree = hex20(lines.next()?.strip_prefix(b"tree ")?)?;
    let parent = match lines.next()?.strip_prefix(b"parent ") {
        Some(hex) => Some(hex20(hex)?),
        None => None,
    };
    Some((tree, parent))
}

fn hex20(hex: &[u8]) -> Option<[u8; 20]> {
    if hex.len() != 40 {
        return None;
    }
    let mut out = [0u8; 20];
    for (i, pair) in hex.chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(out)
}

/// Applies a git delta to `base`.
fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    let varint = |at: &mut usize| -> Option<usize> {
        let (mut v, mut shift) = (0usize, 0u32);
        loop {
            let c = *delta.get(*at)?;
            *at += 1;
            v |= usize::from(c & 0x7f).checked_shl(shift)?;
            shift += 7;
            if c & 0x80 == 0 {
                return Some(v);
            }
        }
    };
    let src = varint(&mut at)?;
    let dst = varint(&mut at)?;
    // Each delta byte copies at most 64 KiB: a larger declared size is a corrupt delta, and
    // must not become an allocation.
    if src != base.len() || dst / 0x10000 > delta.len() {
        return None;
    }
    let mut out = Vec::with_capacity(dst);
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut off = 0usize;
            let mut len = 0usize;
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    off |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    len |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(off..off.checked_add(len)?)?);
        } else if op != 0 {
            let n = usize::from(op);
            out.extend_from_slice(delta.get(at..at + n)?);
            at += n;
        } else {
            return None;
        }
    }
    (out.len() == dst).then_some(out)
}
