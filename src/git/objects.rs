//! Reading objects: one [`Reader`] per thread over the repository's shared object store
//! (memory-mapped packs, multi-pack-index, loose objects, alternates), with a bounded pack
//! cache of its own. Commits and tags are decoded by gitoxide into plain values.

use gix::objs::{CommitRef, Kind, TagRef};

use crate::error::{Error, Result};
use crate::git::Oid;

/// Delta bases kept per reader: decoding a tree at the end of a delta chain re-reads its
/// bases otherwise. It is anonymous memory, counted once per thread against the audit's
/// budget: on git.git 16 MiB kept the audit's peak RssAnon at 223 MiB (32 MiB: 264 to
/// 302 MiB) for about 14 % more time. With the commit walk running beside the tree readers
/// (see `audit::pipeline`) the peak varies from run to run by some 40 MiB (208 to 262 MiB at
/// 12 or 16 MiB; the sequential audit 227 to 274 MiB), so 12 MiB.
const PACK_CACHE_BYTES: usize = 12 << 20;

/// A commit's metadata, decoded for matching.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: Oid,
    /// The message, decoded as UTF-8 with invalid bytes replaced (markers are ASCII, so a
    /// Latin-1 or broken message still shows them).
    pub message: String,
    pub author: Signature,
    pub committer: Signature,
    pub parents: Vec<Oid>,
    pub tree: Oid,
    /// Seconds since the epoch, from the committer line.
    pub time: i64,
}

impl CommitInfo {
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }

    /// Decodes a raw commit object.
    pub fn decode(id: Oid, raw: &[u8]) -> Result<CommitInfo> {
        let c = CommitRef::from_bytes(raw, id.kind()).map_err(|e| malformed("commit", id, e))?;
        let author = Signature::of(c.author().map_err(|e| malformed("commit", id, e))?);
        let committer = Signature::of(c.committer().map_err(|e| malformed("commit", id, e))?);
        Ok(CommitInfo {
            id,
            message: lossy(c.message),
            time: committer.time,
            author,
            committer,
            parents: c.parents().collect(),
            tree: c.tree(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub email: String,
    pub time: i64,
}

impl Signature {
    fn of(s: gix::actor::SignatureRef<'_>) -> Signature {
        Signature {
            name: lossy(s.name),
            email: lossy(s.email),
            time: s.seconds(),
        }
    }
}

/// An annotated tag object.
#[derive(Debug, Clone)]
pub struct TagInfo {
    pub id: Oid,
    /// The ref that reached it (`refs/tags/v1`), or the tag's own name.
    pub name: String,
    pub message: String,
    pub tagger: Option<Signature>,
}

/// What the commit walk keeps of a commit.
#[derive(Debug, Clone)]
pub struct Node {
    pub tree: Oid,
    pub parent: Option<Oid>,
    /// The other parents (merges).
    pub more: Vec<Oid>,
    /// Committer date, seconds since the epoch.
    pub time: i64,
}

impl Node {
    pub fn parents(&self) -> impl Iterator<Item = &Oid> {
        self.parent.iter().chain(&self.more)
    }
}

/// `bytes` as text, invalid UTF-8 replaced. Valid text (nearly all) is checked by
/// `str::from_utf8`, several times faster than the lossy decoder's character by character.
fn lossy(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn malformed(what: &str, id: Oid, e: impl std::error::Error + 'static) -> Error {
    Error::input(
        format!("{what} {id}"),
        format!("malformed object: {}", crate::error::chain(&e)),
    )
}

/// Reads objects on one thread. Cheap to create from a [`Shared`] repository.
pub struct Reader {
    repo: gix::Repository,
    buf: Vec<u8>,
    /// The walk's shortcut to commits stored whole in the packs (see `git::packed`), and
    /// the buffer they are inflated into.
    packed: Option<(crate::git::packed::PackedCommits, Vec<u8>)>,
    /// A shallow clone's boundary commits, sorted: their parents are absent by design and
    /// are not followed (as `git log` shows them as roots).
    shallow: Vec<Oid>,
}

/// A repository handle that threads share; each makes its own [`Reader`].
#[derive(Clone)]
pub struct Shared {
    pub(crate) repo: gix::ThreadSafeRepository,
    pub(crate) shallow: Vec<Oid>,
}

/// The delta-base cache of a reader of commits only: commits are seldom stored as deltas,
/// and the commit walk runs beside the tree readers, whose caches it would add to.
pub const COMMIT_PACK_CACHE_BYTES: usize = 2 << 20;

impl Shared {
    /// The reader of a commit walk: a small delta-base cache (see
    /// [`COMMIT_PACK_CACHE_BYTES`]), and commits stored whole in the repository's own packs
    /// read from them directly.
    pub fn commit_reader(&self) -> Reader {
        let mut reader = self.reader_with_pack_cache(COMMIT_PACK_CACHE_BYTES);
        let packed =
            crate::git::packed::PackedCommits::open(self.repo.objects.path(), reader.hash());
        reader.packed = Some((packed, Vec::new()));
        reader
    }

    pub fn reader(&self) -> Reader {
        self.reader_with_pack_cache(PACK_CACHE_BYTES)
    }

    /// A reader whose delta-base cache holds `bytes` at most.
    pub fn reader_with_pack_cache(&self, bytes: usize) -> Reader {
        let mut repo = self.repo.to_thread_local();
        repo.objects.set_pack_cache(move || {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(bytes))
        });
        // Every object the audit reads twice is a tree, and those are cached above it.
        repo.objects.unset_object_cache();
        Reader {
            repo,
            buf: Vec::new(),
            packed: None,
            shallow: self.shallow.clone(),
        }
    }
}

impl Reader {
    /// The hash of this repository's ids.
    pub fn hash(&self) -> gix::hash::Kind {
        self.repo.object_hash()
    }

    /// The kind and raw data of an object; an error naming it (`label`, e.g. `tree <id> at
    /// `src/``) when it is absent or unreadable.
    pub fn raw(&mut self, id: &Oid, label: &dyn Fn() -> String) -> Result<(Kind, &[u8])> {
        use gix::prelude::Find;
        match self.repo.objects.try_find(id, &mut self.buf) {
            Ok(Some(data)) => Ok((data.kind, data.data)),
            Ok(None) => Err(Error::input(label(), "object not found in the repository")),
            Err(e) => Err(Error::git(format!("reading {}", label()), e)),
        }
    }

    /// The raw data of an object that must be of kind `kind`.
    pub fn raw_of(&mut self, id: &Oid, kind: Kind, label: &dyn Fn() -> String) -> Result<&[u8]> {
        let (found, _) = self.raw(id, label)?;
        if found != kind {
            return Err(Error::input(label(), format!("is a {found}, not a {kind}")));
        }
        Ok(&self.buf)
    }

    pub fn commit(&mut self, id: Oid) -> Result<CommitInfo> {
        let raw = self.raw_of(&id, Kind::Commit, &|| format!("commit {id}"))?;
        CommitInfo::decode(id, raw)
    }

    /// Tree, parents and committer date of a commit; a shallow boundary has no parents.
    pub fn node(&mut self, id: Oid) -> Result<Node> {
        let shallow = self.shallow.binary_search(&id).is_ok();
        let raw = self.raw_of(&id, Kind::Commit, &|| format!("commit {id}"))?;
        node_of(id, raw, shallow)
    }

    /// Like [`Reader::node`], also handing over the raw commit.
    pub fn node_and_raw(&mut self, id: Oid) -> Result<(Node, &[u8])> {
        let shallow = self.shallow.binary_search(&id).is_ok();
        let whole = match &mut self.packed {
            Some((packed, buf)) => packed.read(&id, buf),
            None => None,
        };
        if let Some(n) = whole {
            let raw = self.packed.as_ref().map_or(&[][..], |(_, buf)| &buf[..n]);
            return Ok((node_of(id, raw, shallow)?, raw));
        }
        self.raw_of(&id, Kind::Commit, &|| format!("commit {id}"))?;
        let node = node_of(id, &self.buf, shallow)?;
        Ok((node, &self.buf))
    }

    pub fn tag(&mut self, id: Oid, name: &str) -> Result<(TagInfo, Oid)> {
        let raw = self.raw_of(&id, Kind::Tag, &|| format!("tag {id}"))?;
        let t = TagRef::from_bytes(raw, id.kind()).map_err(|e| malformed("tag", id, e))?;
        let tagger = match t.tagger() {
            Ok(t) => t.map(Signature::of),
            Err(e) => return Err(malformed("tag", id, e)),
        };
        let target = t.target();
        Ok((
            TagInfo {
                id,
                name: if name.is_empty() {
                    t.name.to_string()
                } else {
                    name.to_owned()
                },
                message: String::from_utf8_lossy(t.message).into_owned(),
                tagger,
            },
            target,
        ))
    }

    /// The raw entries of a tree.
    pub fn tree(&mut self, id: &Oid) -> Result<&[u8]> {
        self.raw_of(id, Kind::Tree, &|| format!("tree {id}"))
    }

    /// The raw entries of a tree standing at directory `dir` (for errors).
    pub fn tree_at(&mut self, id: &Oid, dir: &dyn Fn() -> String) -> Result<&[u8]> {
        self.raw_of(id, Kind::Tree, &|| format!("tree {id} at `{}`", dir()))
    }

    /// Like [`Reader::tree_at`], handing over the buffer the tree was decoded into instead
    /// of a copy (a large tree is read once per commit that changes it; a copy doubled the
    /// memory traffic). See [`Reader::give_back`].
    pub fn take_tree_at(&mut self, id: &Oid, dir: &dyn Fn() -> String) -> Result<Vec<u8>> {
        self.tree_at(id, dir)?;
        Ok(std::mem::take(&mut self.buf))
    }

    /// Returns a buffer no longer needed, for the next object to be decoded into (its
    /// capacity is what counts: decoding a delta chain needs about twice the object's size).
    pub fn give_back(&mut self, buf: Vec<u8>) {
        if buf.capacity() > self.buf.capacity() {
            self.buf = buf;
        }
    }

    /// The kind of an object, `None` when it is absent.
    pub fn kind(&mut self, id: &Oid) -> Result<Option<Kind>> {
        use gix::prelude::Header;
        match self.repo.objects.try_header(id) {
            Ok(h) => Ok(h.map(|h| h.kind())),
            Err(e) => Err(Error::git(format!("reading object {id}"), e)),
        }
    }
}

/// The walk's part of a commit: its headers up to the committer (the message and any
/// signature after them are the workers' to read).
fn node_of(id: Oid, raw: &[u8], shallow: bool) -> Result<Node> {
    use gix::objs::commit::ref_iter::Token;
    let mut tree = None;
    let mut parents = Vec::new();
    for token in gix::objs::CommitRefIter::from_bytes(raw, id.kind()) {
        match token.map_err(|e| malformed("commit", id, e))? {
            Token::Tree { id } => tree = Some(id),
            Token::Parent { id } => parents.push(id),
            Token::Author { .. } => {}
            Token::Committer { signature } => {
                let tree = tree.ok_or_else(|| {
                    Error::input(format!("commit {id}"), "malformed object: no tree")
                })?;
                let mut parents = parents.into_iter();
                let (parent, more) = if shallow {
                    (None, Vec::new())
                } else {
                    (parents.next(), parents.collect())
                };
                return Ok(Node {
                    tree,
                    parent,
                    more,
                    time: signature.seconds(),
                });
            }
            _ => break,
        }
    }
    Err(Error::input(
        format!("commit {id}"),
        "malformed object: no committer",
    ))
}
