//! Every tree of the repository's packs listed once, in the packs' own delta order, before
//! an audit of every ref: what the marker search needs of each tree (its subtrees and the
//! few entries whose name may be a marker), kept by number.
//!
//! Read commit by commit, a tree is decoded through its delta chain, and the chain's base
//! again and again as the cache lets it go: on git.git that is 6 GB of trees rebuilt from
//! 127 MB of packed data, most of an audit's time. Here gix's delta-tree traversal (the
//! one `gix verify` uses, resolving a pack as `git index-pack` does) decodes each packed
//! tree once, from its base in memory, on every core; and the entries a tree shares byte
//! for byte with its delta base are taken from the base's listing, not parsed again.
//!
//! A tree this table does not hold (a loose one, one in another object directory, one in
//! a pack that cannot be read this way, one whose listing is incomplete) is read the
//! ordinary way, which says what is wrong with it if anything is.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use gix::odb::pack;

use crate::engine::namefilter::NameFilter;
use crate::git::paths::{common_prefix, parse_entry, tree_order, OidMap};
use crate::git::Oid;

/// A tree as the table holds it.
pub struct Listing {
    /// Its subtrees (number in the table, name), in the tree's order.
    pub subtrees: Box<[(u32, u32)]>,
    /// Its other entries whose name may be a marker's: (name, id, mode).
    pub files: Box<[(u32, Oid, u32)]>,
}

/// The packed trees of a repository, numbered.
#[derive(Default)]
pub struct TreeTable {
    numbers: OidMap<u32>,
    ids: Vec<Oid>,
    /// By number; `None` for a tree listed by no pack, or not whole (a subtree the table
    /// does not know, an entry that does not parse).
    listings: Vec<Option<Listing>>,
    names: Vec<Box<[u8]>>,
}

impl TreeTable {
    /// The listing of the tree `id`, when the table has it whole.
    pub fn listing(&self, id: &Oid) -> Option<&Listing> {
        let n = *self.numbers.get(id)?;
        self.listings[n as usize].as_ref()
    }

    /// The listing of the tree numbered `number`, when the table has it whole.
    pub fn listing_at(&self, number: u32) -> Option<&Listing> {
        self.listings.get(number as usize)?.as_ref()
    }

    pub fn id(&self, number: u32) -> Oid {
        self.ids[number as usize]
    }

    pub fn name(&self, name: u32) -> &[u8] {
        &self.names[name as usize]
    }

    /// How many trees are listed whole.
    pub fn len(&self) -> usize {
        self.listings.iter().filter(|l| l.is_some()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lists the trees of every pack in `objects` (an objects directory), `threads` at a
    /// time. A pack that cannot be read this way is left out, whole: its trees are then
    /// read the ordinary way, which reports what is wrong with them if it matters.
    pub fn scan(
        objects: &Path,
        hash: gix::hash::Kind,
        filter: &NameFilter,
        threads: usize,
    ) -> Self {
        let mut table = TreeTable::default();
        let opened = crate::git::packed::open_packs(objects, hash);
        // Past four objects a tree (git.git has one in two), not worth sorting them out.
        let objects: usize = opened.iter().map(|(i, _)| i.num_objects() as usize).sum();
        if objects > 4 * MAX_TREES {
            return table;
        }
        // Every pack's trees are numbered first: a tree's subtree may sit in another pack.
        let mut packs = Vec::new();
        for (index, data) in opened {
            let Some(trees) = packed_trees(&index, &data) else {
                continue;
            };
            if table.ids.len() + trees.len() > MAX_TREES {
                // Too many to keep in memory: every tree is read the ordinary way.
                return TreeTable::default();
            }
            // gix reads the headers of the items from the pack's first entry on, and skips
            // only between items: the first entry leads, whatever it is (it is not listed).
            let first = (0..index.num_objects())
                .map(|i| index.pack_offset_at_index(i))
                .min();
            let lead = first
                .filter(|&f| trees.first().is_none_or(|t| t.0 != f))
                .map(|offset| Item {
                    offset,
                    base: NO_BASE,
                    is_base: false,
                    number: NOT_MINE,
                    listing: None,
                });
            let owned: Vec<Item> = lead
                .into_iter()
                .chain(trees.into_iter().map(|(offset, id, base, is_base)| {
                    let number = match table.numbers.get(&id) {
                        // Listed by an earlier pack already.
                        Some(_) => NOT_MINE,
                        None => {
                            let n = table.ids.len() as u32;
                            table.numbers.insert(id, n);
                            table.ids.push(id);
                            n
                        }
                    };
                    Item {
                        offset,
                        base,
                        is_base,
                        number,
                        listing: None,
                    }
                }))
                .collect();
            packs.push((index, data, owned));
        }
        table.listings = (0..table.ids.len()).map(|_| None).collect();
        let names = Mutex::new(Interner::default());
        for (index, data, items) in packs {
            let listed = list_pack(
                &index,
                &data,
                items,
                &table.numbers,
                &names,
                filter,
                threads,
            );
            for item in listed.into_iter().flatten() {
                if item.number != NOT_MINE {
                    table.listings[item.number as usize] = item.listing;
                }
            }
        }
        table.names = names.into_inner().map(|i| i.names).unwrap_or_default();
        table
    }
}

const NO_BASE: u64 = u64::MAX;

/// The most packed trees listed: a listing takes about 300 bytes (git.git's 382,000 trees
/// and their 7 million subtree links take some 120 MB), and an audit's anonymous memory
/// stays within 256 MiB. A history with more trees (a generated one of a million commits
/// has two million) is read tree by tree, as before the table: slower, in bounded memory.
pub const MAX_TREES: usize = 500_000;

/// The number of a packed tree whose listing another pack gives.
const NOT_MINE: u32 = u32::MAX;

/// A tree of a pack, as the traversal carries it.
struct Item {
    offset: u64,
    /// The offset of its delta base, or [`NO_BASE`].
    base: u64,
    /// Some tree of the pack is a delta of this one.
    is_base: bool,
    number: u32,
    listing: Option<Listing>,
}

#[derive(Default)]
struct Interner {
    ids: HashMap<Box<[u8]>, u32>,
    names: Vec<Box<[u8]>>,
}

impl Interner {
    fn id(&mut self, name: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }
}

/// The trees of a pack, (offset, id, delta base's offset or [`NO_BASE`], whether some
/// entry is a delta of it) by offset; `None` when a delta's base cannot be placed.
/// A delta's kind is its base's: bases are found by offset, or by id in this pack.
fn packed_trees(
    index: &pack::index::File,
    data: &pack::data::File,
) -> Option<Vec<(u64, Oid, u64, bool)>> {
    let mut entries: Vec<(u64, u32)> = (0..index.num_objects())
        .map(|i| (index.pack_offset_at_index(i), i))
        .collect();
    entries.sort_unstable_by_key(|e| e.0);
    // The entry at `offset`, searched for first among the entries just before `near` (an
    // offset delta's base mostly sits a few entries before it), then further back by
    // doubling steps: a binary search over a million offsets is mostly cache misses.
    let at = |offset: u64, near: usize| -> Option<usize> {
        let (mut hi, mut step) = (near.min(entries.len()), 1);
        let lo = loop {
            let lo = hi.saturating_sub(step);
            if lo == 0 || entries[lo].0 <= offset {
                break lo;
            }
            hi = lo;
            step *= 2;
        };
        let k = lo
            + entries[lo..hi]
                .binary_search_by_key(&offset, |e| e.0)
                .ok()?;
        Some(k)
    };
    const UNKNOWN: u8 = 0;
    const TREE: u8 = 1;
    const OTHER: u8 = 2;
    let mut kinds = vec![UNKNOWN; entries.len()];
    let mut bases = vec![NO_BASE; entries.len()];
    let mut is_base = vec![false; entries.len()];
    // A base by id may come later in the pack: a second round settles those.
    for _round in 0..2 {
        let mut unsettled = false;
        for (k, &(offset, _)) in entries.iter().enumerate() {
            if kinds[k] != UNKNOWN {
                continue;
            }
            use pack::data::entry::Header;
            let base = match data.entry(offset).ok()?.header {
                Header::Tree => {
                    kinds[k] = TREE;
                    continue;
                }
                Header::OfsDelta { base_distance } => at(offset.checked_sub(base_distance)?, k)?,
                Header::RefDelta { base_id } => at(
                    index.pack_offset_at_index(index.lookup(base_id)?),
                    entries.len(),
                )?,
                _ => {
                    kinds[k] = OTHER;
                    continue;
                }
            };
            bases[k] = entries[base].0;
            is_base[base] = true;
            kinds[k] = kinds[base];
            unsettled |= kinds[k] == UNKNOWN;
        }
        if !unsettled {
            return Some(
                entries
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| kinds[*k] == TREE)
                    .map(|(k, &(offset, i))| {
                        (
                            offset,
                            index.oid_at_index(i).to_owned(),
                            bases[k],
                            is_base[k],
                        )
                    })
                    .collect(),
            );
        }
    }
    None
}

/// Decodes every tree of a pack once and lists it; `None` when the pack cannot be traversed.
fn list_pack(
    index: &pack::index::File,
    data: &pack::data::File,
    items: Vec<Item>,
    numbers: &OidMap<u32>,
    names: &Mutex<Interner>,
    filter: &NameFilter,
    threads: usize,
) -> Option<Vec<Item>> {
    let hash = index.object_hash();
    let stop = AtomicBool::new(false);
    let tree = pack::cache::delta::Tree::from_offsets_in_pack(
        data.path(),
        items.into_iter(),
        &|i: &Item| i.offset,
        &|id| Ok(index.lookup(id).map(|i| index.pack_offset_at_index(i))),
        &mut gix::progress::Discard,
        &stop,
        hash,
    )
    .ok()?;
    let mut lister = Lister {
        hash,
        numbers,
        filter,
        names,
        seen: HashMap::default(),
        recent: std::collections::VecDeque::new(),
        recent_bytes: 0,
        scratch: Parsed::default(),
    };
    let outcome = tree
        .traverse(
            |slice, pack: &pack::data::File| pack.entry_slice(slice),
            data,
            data.pack_end() as u64,
            move |item: &mut Item, _, ctx| {
                // (The traversal hands over entries with the kind of their chain, not
                // their delta header: the base was noted when the pack was read.)
                if item.number == NOT_MINE && !item.is_base {
                    return Ok(());
                }
                let base = (item.base != NO_BASE).then_some(item.base);
                let listing = lister.list(item.offset, base, item.is_base, ctx.decompressed);
                if item.number != NOT_MINE {
                    item.listing = listing;
                }
                Ok(())
            },
            pack::cache::delta::traverse::Options {
                object_progress: Box::new(gix::progress::Discard),
                size_progress: &mut gix::progress::Discard,
                thread_limit: Some(threads.max(1)),
                should_interrupt: &stop,
                object_hash: hash,
                alloc_limit_bytes: None,
            },
        )
        .ok()?;
    Some(
        outcome
            .roots
            .into_iter()
            .chain(outcome.children)
            .map(|i| i.data)
            .collect(),
    )
}

/// What a tree entry is to the marker search.
#[derive(Clone, Copy)]
enum Kind {
    /// A subtree: its number, its name.
    Subtree(u32, u32),
    /// A file whose name may be a marker's: name, id, mode.
    File(u32, Oid, u32),
}

/// A tree listed on this thread, kept while the trees made from it by delta come next.
#[derive(Default, Clone)]
struct Parsed {
    offset: u64,
    raw: Vec<u8>,
    /// Where each entry ends.
    ends: Vec<u32>,
    /// The entries that matter, with their index, in order.
    kinds: Vec<(u32, Kind)>,
}

/// Lists trees on one thread of the traversal. Most trees are a few entries away from
/// their delta base, listed just before on the same thread: the bytes they share with it
/// at the start and at the end are not parsed again.
#[derive(Clone)]
struct Lister<'a> {
    hash: gix::hash::Kind,
    numbers: &'a OidMap<u32>,
    filter: &'a NameFilter,
    names: &'a Mutex<Interner>,
    /// Names met by this thread, in front of the shared interner.
    seen: HashMap<Box<[u8]>, u32, BuildHasherDefault<NameHasher>>,
    /// The trees last listed here (the chain being descended), and their size in bytes.
    recent: std::collections::VecDeque<std::sync::Arc<Parsed>>,
    recent_bytes: usize,
    /// The parse of a tree no other is a delta of, kept for the next one's.
    scratch: Parsed,
}

/// How many listed trees a thread keeps as bases (the traversal goes depth first, and git
/// makes delta chains 50 deep by default), and how many bytes of them at most (a directory
/// of 100,000 files makes trees of 4 MB).
const RECENT: usize = 64;
const RECENT_BYTES: usize = 32 << 20;

impl Parsed {
    fn bytes(&self) -> usize {
        self.raw.len() + 4 * self.ends.len() + std::mem::size_of::<(u32, Kind)>() * self.kinds.len()
    }
}

impl Lister<'_> {
    /// The listing of the tree at `offset`, decoded as `raw`, whose delta base (if any) is
    /// at `base` (`is_base`: some tree is a delta of this one); `None` when an entry does
    /// not parse or a subtree is not numbered.
    fn list(
        &mut self,
        offset: u64,
        base: Option<u64>,
        is_base: bool,
        raw: &[u8],
    ) -> Option<Listing> {
        let base = base.and_then(|b| self.recent.iter().find(|p| p.offset == b).cloned());
        // A tree no other is a delta of is parsed into the buffers of the last one.
        let mut parsed = match is_base {
            true => Parsed::default(),
            false => std::mem::take(&mut self.scratch),
        };
        self.parse(&mut parsed, offset, raw, base.as_deref())?;
        // Sized exactly: the boxed slices below then take the vectors as they are.
        let n_subtrees = parsed
            .kinds
            .iter()
            .filter(|(_, k)| matches!(k, Kind::Subtree(..)))
            .count();
        let mut subtrees = Vec::with_capacity(n_subtrees);
        let mut files = Vec::with_capacity(parsed.kinds.len() - n_subtrees);
        for (_, kind) in &parsed.kinds {
            match *kind {
                Kind::Subtree(number, name) => subtrees.push((number, name)),
                Kind::File(name, id, mode) => files.push((name, id, mode)),
            }
        }
        // Kept only when some tree is a delta of this one.
        if !is_base {
            self.scratch = parsed;
        } else {
            parsed.raw = raw.to_vec();
            self.recent_bytes += parsed.bytes();
            self.recent.push_back(std::sync::Arc::new(parsed));
            while self.recent.len() > RECENT || self.recent_bytes > RECENT_BYTES {
                match self.recent.pop_front() {
                    Some(old) => self.recent_bytes -= old.bytes(),
                    None => break,
                }
            }
        }
        Some(Listing {
            subtrees: subtrees.into_boxed_slice(),
            files: files.into_boxed_slice(),
        })
    }

    /// Lists `raw` entry by entry, except for runs of entries byte for byte the same as
    /// the base's at the same place in the order: those are taken as the base listed them.
    fn parse(
        &mut self,
        out: &mut Parsed,
        offset: u64,
        raw: &[u8],
        base: Option<&Parsed>,
    ) -> Option<()> {
        out.offset = offset;
        out.raw.clear();
        out.ends.clear();
        out.kinds.clear();
        out.ends.reserve(base.map_or(16, |b| b.ends.len() + 2));
        out.kinds.reserve(base.map_or(4, |b| b.kinds.len() + 2));
        let mut pos = 0;
        // The base's entry at the same place in the order.
        let mut j = 0;
        while pos < raw.len() {
            if let Some(b) = base.filter(|b| j < b.ends.len()) {
                let from = if j == 0 { 0 } else { b.ends[j - 1] as usize };
                let same = common_prefix(&raw[pos..], &b.raw[from..]);
                let run = b.ends[j..].partition_point(|&e| e as usize - from <= same);
                if run > 0 {
                    let first = out.ends.len() as u32;
                    let to = |e: u32| u32::try_from(e as usize - from + pos).ok();
                    for &e in &b.ends[j..j + run] {
                        out.ends.push(to(e)?);
                    }
                    let k0 = b.kinds.partition_point(|(i, _)| (*i as usize) < j);
                    let k1 = b.kinds.partition_point(|(i, _)| (*i as usize) < j + run);
                    out.kinds.extend(
                        b.kinds[k0..k1]
                            .iter()
                            .map(|&(i, k)| (i - j as u32 + first, k)),
                    );
                    pos += b.ends[j + run - 1] as usize - from;
                    j += run;
                    continue;
                }
            }
            let entry = parse_entry(&raw[pos..], self.hash)?;
            let (name, mode) = (entry.name, entry.mode);
            let is_tree = mode & 0o170000 == 0o040000;
            // The base's entries that sort before this one are not in this tree.
            if let Some(b) = base {
                while j < b.ends.len() {
                    let from = if j == 0 { 0 } else { b.ends[j - 1] as usize };
                    let Some(theirs) = parse_entry(&b.raw[from..], self.hash) else {
                        break;
                    };
                    let their_tree = theirs.mode & 0o170000 == 0o040000;
                    match tree_order(theirs.name, their_tree, name, is_tree) {
                        std::cmp::Ordering::Less => j += 1,
                        std::cmp::Ordering::Equal => {
                            j += 1;
                            break;
                        }
                        std::cmp::Ordering::Greater => break,
                    }
                }
            }
            let index = out.ends.len() as u32;
            if is_tree {
                let number = *self.numbers.get(&entry.id.to_owned())?;
                let name = self.intern(name)?;
                out.kinds.push((index, Kind::Subtree(number, name)));
            } else if self.filter.file_may_match(name) {
                let name = self.intern(name)?;
                out.kinds
                    .push((index, Kind::File(name, entry.id.to_owned(), mode)));
            }
            pos += entry.len;
            out.ends.push(u32::try_from(pos).ok()?);
        }
        Some(())
    }

    fn intern(&mut self, name: &[u8]) -> Option<u32> {
        if let Some(&id) = self.seen.get(name) {
            return Some(id);
        }
        let id = self.names.lock().ok()?.id(name);
        self.seen.insert(name.into(), id);
        Some(id)
    }
}

/// FNV-1a over a name: names are short, SipHash's set-up is most of their cost.
#[derive(Default)]
struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testgit::git;
    use std::io::Write as _;

    /// A history of 80 commits, each changing a few of the 150 files of a directory (and
    /// now and then a marker-like name, a subdirectory, a symlink), packed with deltas, then
    /// three commits more, loose.
    fn history(format: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "--object-format", format], b"");
        let mut stream = Vec::new();
        let names = [
            "AGENTS.md",
            ".cursorrules",
            "x.prompt.md",
            "notes.txt",
            "CLAUDE.md",
        ];
        for i in 1..=83u32 {
            write!(
                stream,
                "commit refs/heads/main\nmark :{i}\ncommitter A <a@example.com> {} +0000\n\
                 data 2\nc\n",
                1_000_000 + i
            )
            .unwrap();
            match i {
                1 => {}
                // A second fast-import knows no marks of the first.
                81 => writeln!(stream, "from refs/heads/main^0").unwrap(),
                _ => writeln!(stream, "from :{}", i - 1).unwrap(),
            }
            let files: Vec<u32> = if i == 1 {
                (0..150).collect()
            } else {
                vec![i % 150, (i * 7) % 150]
            };
            for f in files {
                let body = format!("file {f} version {i}\n");
                write!(
                    stream,
                    "M 100644 inline big/f{f:03}.c\ndata {}\n{body}\n",
                    body.len()
                )
                .unwrap();
            }
            let name = names[i as usize % names.len()];
            let body = format!("{i}\n");
            write!(
                stream,
                "M 100644 inline big/sub{}/{name}\ndata {}\n{body}\n",
                i % 6,
                body.len()
            )
            .unwrap();
            if i % 10 == 0 {
                write!(stream, "M 120000 inline big/link{i}\ndata 3\nf00\n").unwrap();
            }
            if i == 80 {
                stream.extend_from_slice(b"done\n");
                git(d, &["fast-import", "--quiet", "--done"], &stream);
                git(d, &["gc", "-q", "--aggressive"], b"");
                stream.clear();
            }
        }
        stream.extend_from_slice(b"done\n");
        git(d, &["fast-import", "--quiet", "--done"], &stream);
        // (Fewer objects than fastimport.unpackLimit are written loose.)
        dir
    }

    /// Every packed tree is listed whole, as `git ls-tree` lists it (subtrees in order, the
    /// other entries whose name may be a marker's); loose trees are not listed.
    #[test]
    fn lists_every_packed_tree_as_git_does() {
        for format in ["sha1", "sha256"] {
            let dir = history(format);
            let d = dir.path();
            let hash = if format == "sha1" {
                gix::hash::Kind::Sha1
            } else {
                gix::hash::Kind::Sha256
            };
            let matcher = crate::policy::Policy::builtin().unwrap().matcher();
            let filter = &matcher.name_filter;
            let table = TreeTable::scan(&d.join(".git/objects"), hash, filter, 2);
            let idx = std::fs::read_dir(d.join(".git/objects/pack"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|e| e == "idx"))
                .unwrap();
            let verify = git(d, &["verify-pack", "-v", idx.to_str().unwrap()], b"");
            let packed: Vec<&str> = verify
                .lines()
                .filter(|l| l.split_whitespace().nth(1) == Some("tree"))
                .map(|l| l.split_whitespace().next().unwrap())
                .collect();
            let deltas = verify
                .lines()
                .filter(|l| l.split_whitespace().nth(1) == Some("tree"))
                .filter(|l| l.split_whitespace().count() >= 7)
                .count();
            assert!(
                packed.len() > 150 && deltas > 100,
                "{} trees, {deltas} deltas",
                packed.len()
            );
            assert_eq!(
                table.len(),
                packed.len(),
                "{format}: every packed tree listed"
            );
            for hex in &packed {
                let id = Oid::from_hex(hex.as_bytes()).unwrap();
                let listing = table.listing(&id).expect("listed");
                let mut subtrees = Vec::new();
                let mut files = Vec::new();
                for line in git(d, &["ls-tree", hex], b"").lines() {
                    let (meta, name) = line.split_once('\t').unwrap();
                    let mut meta = meta.split(' ');
                    let mode = u32::from_str_radix(meta.next().unwrap(), 8).unwrap();
                    let (kind, entry) = (meta.next().unwrap(), meta.next().unwrap());
                    if kind == "tree" {
                        subtrees.push((name.to_owned(), entry.to_owned()));
                    } else if filter.file_may_match(name.as_bytes()) {
                        files.push((name.to_owned(), entry.to_owned(), mode));
                    }
                }
                let listed_subtrees: Vec<(String, String)> = listing
                    .subtrees
                    .iter()
                    .map(|&(n, name)| {
                        let name = String::from_utf8(table.name(name).to_vec()).unwrap();
                        (name, table.id(n).to_string())
                    })
                    .collect();
                let listed_files: Vec<(String, String, u32)> = listing
                    .files
                    .iter()
                    .map(|(name, id, mode)| {
                        let name = String::from_utf8(table.name(*name).to_vec()).unwrap();
                        (name, id.to_string(), *mode)
                    })
                    .collect();
                assert_eq!(listed_subtrees, subtrees, "{format}: subtrees of {hex}");
                assert_eq!(listed_files, files, "{format}: files of {hex}");
            }
            // The loose trees of the last commits are left to the ordinary reader.
            let head_tree = git(d, &["rev-parse", "main^{tree}"], b"");
            let head_tree = Oid::from_hex(head_tree.trim().as_bytes()).unwrap();
            assert!(table.listing(&head_tree).is_none());
            let loose = git(d, &["count-objects", "-v"], b"");
            assert!(!loose.starts_with("count: 0"), "{loose}");
        }
    }
}
