//! The one module that speaks git2: opening a repository the way a hook must, resolving
//! revisions, walking commits and reading their metadata. Everything else sees plain values.

use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository, Revwalk, Sort};

use crate::error::{Error, Result};

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

    /// Parses a raw commit object the way libgit2 does, for a well-formed commit (`tree`,
    /// `parent`s, `author`, `committer`, other headers, a blank line, the message); `None` for
    /// anything else, which the caller then reads through libgit2.
    pub fn from_raw(id: Oid, raw: &[u8]) -> Option<CommitInfo> {
        let end = raw.windows(2).position(|w| w == b"\n\n")?;
        let message = String::from_utf8_lossy(&raw[end + 2..]).into_owned();
        let mut lines = raw[..end].split(|&b| b == b'\n');
        let tree = oid_hex(lines.next()?.strip_prefix(b"tree ")?)?;
        let mut parents = Vec::new();
        let mut line = lines.next()?;
        while let Some(hex) = line.strip_prefix(b"parent ") {
            parents.push(oid_hex(hex)?);
            line = lines.next()?;
        }
        let author = Signature::from_raw(line.strip_prefix(b"author ")?)?;
        let committer = Signature::from_raw(lines.next()?.strip_prefix(b"committer ")?)?;
        Some(CommitInfo {
            id,
            message,
            time: committer.time,
            author,
            committer,
            parents,
            tree,
        })
    }
}

fn oid_hex(hex: &[u8]) -> Option<Oid> {
    if hex.len() != 40 {
        return None;
    }
    Oid::from_str(std::str::from_utf8(hex).ok()?).ok()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub email: String,
    pub time: i64,
}

impl Signature {
    /// `Name <email> 1234567890 +0100` as libgit2 reads it (the last `<` and `>`, trimmed
    /// name and e-mail); `None` unless the date is the usual ` <seconds> <zone>`.
    fn from_raw(line: &[u8]) -> Option<Signature> {
        let lt = line.iter().rposition(|&b| b == b'<')?;
        let gt = line.iter().rposition(|&b| b == b'>')?;
        if gt <= lt {
            return None;
        }
        let trim = |b: &[u8]| -> String {
            let space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
            let start = b.iter().position(|c| !space(c)).unwrap_or(b.len());
            let end = b.iter().rposition(|c| !space(c)).map_or(start, |e| e + 1);
            String::from_utf8_lossy(&b[start..end.max(start)]).into_owned()
        };
        let rest = std::str::from_utf8(line.get(gt + 1..)?).ok()?;
        let mut parts = rest.strip_prefix(' ')?.split(' ');
        let secs = parts.next()?;
        if secs.is_empty() || !secs.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let zone = parts.next()?;
        if parts.next().is_some() || zone.len() != 5 || !zone.starts_with(['+', '-']) {
            return None;
        }
        Some(Signature {
            name: trim(&line[..lt]),
            email: trim(&line[lt + 1..gt]),
            time: secs.parse().ok()?,
        })
    }

    fn from_git(s: &git2::Signature<'_>) -> Signature {
        Signature {
            name: String::from_utf8_lossy(s.name_bytes()).into_owned(),
            email: String::from_utf8_lossy(s.email_bytes()).into_owned(),
            time: s.when().seconds(),
        }
    }
}

/// Branches and tags to start a walk from, as globs under `refs/heads/` and `refs/tags/`
/// (`*`, `release/*`, `main`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefSelection {
    pub branches: Option<String>,
    pub tags: Option<String>,
}

impl RefSelection {
    pub fn is_empty(&self) -> bool {
        self.branches.is_none() && self.tags.is_none()
    }

    fn globs(&self) -> Vec<String> {
        let mut globs = Vec::new();
        if let Some(b) = &self.branches {
            globs.push(format!("refs/heads/{b}"));
        }
        if let Some(t) = &self.tags {
            globs.push(format!("refs/tags/{t}"));
        }
        globs
    }
}

/// An annotated tag reached from a ref.
#[derive(Debug, Clone)]
pub struct TagInfo {
    pub id: Oid,
    pub name: String,
    pub message: String,
    pub tagger: Option<Signature>,
}

/// A repository opened for reading.
pub struct Repo {
    pub git: Repository,
}

impl Repo {
    /// Opens the repository at or above `dir`, or, with no `dir`, the one git's environment
    /// names (`GIT_DIR`, `GIT_OBJECT_DIRECTORY`, quarantine directories...), as hooks must.
    pub fn open(dir: Option<&Path>) -> Result<Repo> {
        let git = match dir {
            Some(dir) => Repository::discover(dir).map_err(|e| Error::OpenRepo {
                path: dir.to_owned(),
                source: e.into(),
            })?,
            None => Repository::open_from_env().map_err(|e| Error::OpenRepo {
                path: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
                source: e.into(),
            })?,
        };
        Ok(Repo { git })
    }

    pub fn work_tree(&self) -> Option<&Path> {
        self.git.workdir()
    }

    /// A display name for the repository: its work tree, or its git directory when bare.
    pub fn display_path(&self) -> PathBuf {
        self.work_tree()
            .unwrap_or_else(|| self.git.path())
            .to_owned()
    }

    /// An empty walk, newest first with parents after children.
    fn sorted_walk(&self) -> Result<Revwalk<'_>> {
        let fail = |e| Error::git("starting a commit walk", e);
        let mut walk = self.git.revwalk().map_err(fail)?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
            .map_err(fail)?;
        Ok(walk)
    }

    /// A commit walk over `revisions` (`A`, `^A`, `A..B`, `A...B`), or over every ref and
    /// `HEAD` when there are none. Newest first, parents after children.
    pub fn walk(&self, revisions: &[String]) -> Result<Revwalk<'_>> {
        let mut walk = self.sorted_walk()?;
        if revisions.is_empty() {
            for oid in self.all_tips()? {
                walk.push(oid)
                    .map_err(|e| Error::git("starting a commit walk", e))?;
            }
            return Ok(walk);
        }
        for spec in revisions {
            self.push_revision(&mut walk, spec)?;
        }
        Ok(walk)
    }

    /// Like [`Repo::walk`], plus the branches and tags a [`RefSelection`] names; every ref
    /// when neither revisions nor a selection is given.
    pub fn walk_selected(&self, revisions: &[String], refs: &RefSelection) -> Result<Revwalk<'_>> {
        if refs.is_empty() {
            return self.walk(revisions);
        }
        let mut walk = if revisions.is_empty() {
            self.sorted_walk()?
        } else {
            self.walk(revisions)?
        };
        for tip in self.selected_tips(refs)? {
            walk.push(tip)
                .map_err(|e| Error::git("starting a commit walk", e))?;
        }
        Ok(walk)
    }

    /// The commits the selected branches and tags point to.
    pub fn selected_tips(&self, refs: &RefSelection) -> Result<Vec<Oid>> {
        let mut tips = Vec::new();
        for glob in refs.globs() {
            let list = self
                .git
                .references_glob(&glob)
                .map_err(|e| Error::git(format!("listing refs `{glob}`"), e))?;
            for r in list.flatten() {
                if let Ok(c) = r.peel(ObjectType::Commit) {
                    tips.push(c.id());
                }
            }
        }
        tips.sort();
        tips.dedup();
        Ok(tips)
    }

    /// Annotated tags among `refs/tags/<glob>`.
    pub fn annotated_tags_matching(&self, glob: &str) -> Result<Vec<TagInfo>> {
        let mut tags = Vec::new();
        let refs = self
            .git
            .references_glob(&format!("refs/tags/{glob}"))
            .map_err(|e| Error::git("listing tags", e))?;
        for r in refs.flatten() {
            let Some(target) = r.target() else { continue };
            if let Ok(tag) = self.git.find_tag(target) {
                tags.push(tag_info(&tag, &String::from_utf8_lossy(r.name_bytes())));
            }
        }
        Ok(tags)
    }

    fn push_revision(&self, walk: &mut Revwalk<'_>, spec: &str) -> Result<()> {
        let fail = |e: git2::Error| Error::Revision {
            spec: spec.to_owned(),
            source: e.into(),
        };
        if let Some(hidden) = spec.strip_prefix('^') {
            let oid = self.peel_to_commit(hidden).map_err(fail)?;
            return walk.hide(oid).map_err(fail);
        }
        let rs = self.git.revparse(spec).map_err(fail)?;
        let commit_of = |o: Option<&git2::Object<'_>>| -> Result<Option<Oid>> {
            match o {
                None => Ok(None),
                Some(o) => o
                    .peel(ObjectType::Commit)
                    .map(|c| Some(c.id()))
                    .map_err(fail),
            }
        };
        let from = commit_of(rs.from())?;
        let to = commit_of(rs.to())?;
        let mode = rs.mode();
        if mode.contains(git2::RevparseMode::MERGE_BASE) {
            let (Some(a), Some(b)) = (from, to) else {
                return Ok(());
            };
            walk.push(a).map_err(fail)?;
            walk.push(b).map_err(fail)?;
            if let Ok(base) = self.git.merge_base(a, b) {
                walk.hide(base).map_err(fail)?;
            }
        } else if mode.contains(git2::RevparseMode::RANGE) {
            if let Some(a) = from {
                walk.hide(a).map_err(fail)?;
            }
            if let Some(b) = to {
                walk.push(b).map_err(fail)?;
            }
        } else if let Some(a) = from {
            walk.push(a).map_err(fail)?;
        }
        Ok(())
    }

    fn peel_to_commit(&self, spec: &str) -> std::result::Result<Oid, git2::Error> {
        Ok(self
            .git
            .revparse_single(spec)?
            .peel(ObjectType::Commit)?
            .id())
    }

    /// The commits every ref and `HEAD` point to (through tags), like `git log --all`. Refs
    /// that point to trees or blobs are skipped.
    pub fn all_tips(&self) -> Result<Vec<Oid>> {
        let mut tips = Vec::new();
        let refs = self
            .git
            .references()
            .map_err(|e| Error::git("listing refs", e))?;
        for r in refs {
            let r = r.map_err(|e| Error::git("listing refs", e))?;
            if let Ok(c) = r.peel(ObjectType::Commit) {
                tips.push(c.id());
            }
        }
        if let Ok(head) = self.git.head() {
            if let Ok(c) = head.peel(ObjectType::Commit) {
                tips.push(c.id());
            }
        }
        tips.sort();
        tips.dedup();
        Ok(tips)
    }

    /// Annotated tags among the refs (for their message and tagger).
    pub fn annotated_tags(&self) -> Result<Vec<TagInfo>> {
        self.annotated_tags_matching("*")
    }

    pub fn tag(&self, id: Oid, name: &str) -> Result<Option<TagInfo>> {
        match self.git.find_tag(id) {
            Ok(tag) => Ok(Some(tag_info(&tag, name))),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(Error::git(format!("reading tag {id}"), e)),
        }
    }

    pub fn commit(&self, id: Oid) -> Result<CommitInfo> {
        let c = self
            .git
            .find_commit(id)
            .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
        let author = Signature::from_git(&c.author());
        let committer = Signature::from_git(&c.committer());
        Ok(CommitInfo {
            id,
            message: String::from_utf8_lossy(c.message_raw_bytes()).into_owned(),
            author,
            committer,
            parents: c.parent_ids().collect(),
            tree: c.tree_id(),
            time: c.time().seconds(),
        })
    }
}

// Small queries the reports need (added by the reports work; the object layer may reimplement
// them with the same signatures).
impl Repo {
    /// Whether this is a shallow clone: commits before its boundary are not in it.
    pub fn is_shallow(&self) -> bool {
        self.git.is_shallow()
    }

    /// The parents of the commit `id` (full hex), in order.
    pub fn parent_ids(&self, id: &str) -> Result<Vec<String>> {
        let oid = Oid::from_str(id).map_err(|e| Error::git(format!("reading commit {id}"), e))?;
        let c = self
            .git
            .find_commit(oid)
            .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
        Ok(c.parent_ids().map(|p| p.to_string()).collect())
    }

    /// Whether commit `ancestor` is `descendant` or reachable from it (full hex ids).
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        if ancestor == descendant {
            return Ok(true);
        }
        let oid =
            |id: &str| Oid::from_str(id).map_err(|e| Error::git(format!("reading commit {id}"), e));
        self.git
            .graph_descendant_of(oid(descendant)?, oid(ancestor)?)
            .map_err(|e| Error::git(format!("walking from {descendant}"), e))
    }
}

/// The id git gives a blob holding `bytes` (a stable content hash for report fingerprints).
pub fn blob_id(bytes: &[u8]) -> String {
    Oid::hash_object(ObjectType::Blob, bytes).map_or_else(|_| String::new(), |o| o.to_string())
}

fn tag_info(tag: &git2::Tag<'_>, name: &str) -> TagInfo {
    TagInfo {
        id: tag.id(),
        name: name.to_owned(),
        message: String::from_utf8_lossy(tag.message_bytes().unwrap_or_default()).into_owned(),
        tagger: tag.tagger().map(|s| Signature::from_git(&s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `CommitInfo::from_raw` says what libgit2 says, or declines.
    #[test]
    fn raw_commits_parse_like_libgit2() {
        let dir = tempfile::tempdir().unwrap();
        let git = Repository::init(dir.path()).unwrap();
        let tree = git.treebuilder(None).unwrap().write().unwrap();
        let repo = Repo { git };
        let odb = repo.git.odb().unwrap();
        let cases: &[&[u8]] = &[
            b"author A U Thor <a@x> 1700000000 +0100\ncommitter C <c@x> 1700000001 -0230\n\nsubject\n\nbody\n",
            b"author  Spaced   Name  <  spaced@x  > 1 +0000\ncommitter <> 2 +0000\n\n",
            b"author Name <with <angle> brackets> 5 +0000\ncommitter C <c@x> 6 +0000\nencoding ISO-8859-1\n\nLatin \xe9\n",
            b"author B\xff <b@x> 7 +0000\ncommitter C <c@x> 8 +0000\ngpgsig -----BEGIN-----\n sig\n -----END-----\n\nsigned\n",
            b"author NoDate <n@x>\ncommitter C <c@x> 9 +0000\n\nno date\n",
        ];
        for (i, rest) in cases.iter().enumerate() {
            let mut raw = format!("tree {tree}\n").into_bytes();
            raw.extend_from_slice(rest);
            let id = odb.write(git2::ObjectType::Commit, &raw).unwrap();
            let ours = CommitInfo::from_raw(id, &raw);
            let theirs = repo.commit(id).unwrap();
            match ours {
                Some(ours) => {
                    assert_eq!(ours.message, theirs.message, "case {i}");
                    assert_eq!(ours.author, theirs.author, "case {i}");
                    assert_eq!(ours.committer, theirs.committer, "case {i}");
                    assert_eq!(ours.tree, theirs.tree, "case {i}");
                    assert_eq!(ours.parents, theirs.parents, "case {i}");
                    assert_eq!(ours.time, theirs.time, "case {i}");
                }
                None => assert_eq!(i, 4, "only the dateless signature is declined"),
            }
        }
    }
}
