//! Opening a repository the way hooks must, its refs and tips, revisions and commit walks.
//!
//! gitoxide reads `GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE` and `GIT_NAMESPACE` but not
//! `GIT_OBJECT_DIRECTORY` or `GIT_ALTERNATE_OBJECT_DIRECTORIES`, which name a push's
//! quarantine in pre-receive and update. When either is set, the object store is built here:
//! over an empty directory outside the repository whose `info/alternates` lists the object
//! directory and then each alternate, so the pushed objects and the stored ones are one store
//! (nothing is written into the repository). Replace refs are never applied: every walk
//! reads the objects as they are, so no commit is hidden behind a replacement (and git's
//! deprecated `info/grafts` is not read either).

use std::path::{Path, PathBuf};

use gix::objs::Kind;

use crate::error::{Error, GitError, Result};
use crate::git::objects::{CommitInfo, Reader, Shared, TagInfo};
use crate::git::Oid;

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

/// A ref and what it leads to: the annotated tags met on the way (outermost first) and the
/// commit at the end (`None` for a tree or a blob).
#[derive(Debug, Clone)]
pub struct RefTip {
    pub name: String,
    /// The object the ref names directly.
    pub target: Oid,
    pub tags: Vec<Oid>,
    pub commit: Option<Oid>,
}

/// The object directories git names to a hook (`GIT_OBJECT_DIRECTORY`, and the quarantine's
/// `GIT_ALTERNATE_OBJECT_DIRECTORIES`); unset or empty values are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectDirs {
    pub primary: Option<String>,
    pub alternates: Option<String>,
}

impl ObjectDirs {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> ObjectDirs {
        let get = |name: &str| get(name).filter(|v| !v.is_empty());
        ObjectDirs {
            primary: get("GIT_OBJECT_DIRECTORY"),
            alternates: get("GIT_ALTERNATE_OBJECT_DIRECTORIES"),
        }
    }
}

/// A repository opened for reading.
pub struct Repo {
    shared: Shared,
    reader: std::cell::RefCell<Reader>,
    git: gix::Repository,
    /// Holds the `info/alternates` of a quarantine view (see the module documentation).
    _view: Option<tempfile::TempDir>,
}

fn open_error(path: &Path, e: impl std::error::Error + 'static) -> Error {
    Error::OpenRepo {
        path: path.to_owned(),
        source: GitError::new(&e),
    }
}

impl Repo {
    /// Opens the repository at or above `dir`, or, with no `dir`, the one git's environment
    /// names (`GIT_DIR`, `GIT_INDEX_FILE`...; gix reads those itself). Hooks use
    /// [`Repo::open_in_hook`], which also takes the object directories of a quarantine.
    pub fn open(dir: Option<&Path>) -> Result<Repo> {
        Repo::open_with(dir, &ObjectDirs::default())
    }

    /// Opens the repository a hook runs in: the one git's environment names, with the object
    /// directories `objects` names (a push's quarantine).
    pub fn open_in_hook(objects: &ObjectDirs) -> Result<Repo> {
        Repo::open_with(None, objects)
    }

    fn open_with(dir: Option<&Path>, objects: &ObjectDirs) -> Result<Repo> {
        let (mut repo, view) = match dir {
            Some(dir) => {
                // An absolute start, so that the work tree shown in reports is a full path.
                let start = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
                (
                    gix::ThreadSafeRepository::discover(&start).map_err(|e| open_error(dir, e))?,
                    None,
                )
            }
            None => {
                let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                let repo = gix::ThreadSafeRepository::discover_with_environment_overrides(&cwd)
                    .map_err(|e| open_error(&cwd, e))?;
                let view = object_directories(&repo, objects)?;
                (repo, view)
            }
        };
        let hash = repo.to_thread_local().object_hash();
        let objects = match &view {
            Some(v) => v.path().to_owned(),
            None => repo
                .common_dir
                .clone()
                .unwrap_or_else(|| repo.git_dir().to_owned())
                .join("objects"),
        };
        // The store gix built applies replace refs; this one reads objects as they are.
        let store = gix::odb::Store::at_opts(
            objects.clone(),
            hash,
            &mut std::iter::empty(),
            gix::odb::store::init::Options::default(),
        )
        .map_err(|e| open_error(&objects, e))?;
        repo.objects = std::sync::Arc::new(store);
        let git = repo.to_thread_local();
        let shallow = match git.shallow_commits() {
            Ok(Some(c)) => {
                let mut c: Vec<Oid> = c.iter().copied().collect();
                c.sort();
                c
            }
            Ok(None) => Vec::new(),
            Err(e) => return Err(Error::git("reading the shallow file", e)),
        };
        let shared = Shared { repo, shallow };
        Ok(Repo {
            reader: std::cell::RefCell::new(shared.reader()),
            shared,
            git,
            _view: view,
        })
    }

    /// The handle the audit's threads share.
    pub fn shared(&self) -> &Shared {
        &self.shared
    }

    pub(crate) fn gix(&self) -> &gix::Repository {
        &self.git
    }

    /// SHA-1 or SHA-256.
    pub fn hash_len_hex(&self) -> usize {
        self.git.object_hash().len_in_hex()
    }

    pub fn work_tree(&self) -> Option<&Path> {
        self.git.workdir()
    }

    /// The repository's own git directory (`.git`, `.git/worktrees/<name>`, or a bare one).
    pub fn git_dir(&self) -> &Path {
        self.git.git_dir()
    }

    /// The objects directory the repository reads (its packs are under `pack/`).
    pub fn objects_dir(&self) -> &Path {
        self.git.objects.store_ref().path()
    }

    /// The git directory linked worktrees share (hooks, config, objects live there).
    pub fn common_dir(&self) -> &Path {
        self.git.common_dir()
    }

    /// Whether the history is cut short (a shallow clone).
    pub fn is_shallow(&self) -> bool {
        !self.shared.shallow.is_empty()
    }

    /// A display name for the repository: its work tree, or its git directory when bare.
    pub fn display_path(&self) -> PathBuf {
        self.work_tree()
            .unwrap_or_else(|| self.git_dir())
            .to_owned()
    }

    /// Parses a hex object id of this repository's hash.
    pub fn parse_id(&self, hex: &str) -> Result<Oid> {
        let id = Oid::from_hex(hex.as_bytes())
            .map_err(|e| Error::git(format!("parsing object id `{hex}`"), e))?;
        if id.kind() != self.git.object_hash() {
            return Err(Error::input(
                format!("object id `{hex}`"),
                format!("is not a {} id", self.git.object_hash()),
            ));
        }
        Ok(id)
    }

    /// The metadata of a commit.
    pub fn commit(&self, id: Oid) -> Result<CommitInfo> {
        self.reader.borrow_mut().commit(id)
    }

    /// An annotated tag object, `None` when `id` is not one.
    pub fn tag(&self, id: Oid, name: &str) -> Result<Option<TagInfo>> {
        let mut r = self.reader.borrow_mut();
        if r.kind(&id)? != Some(Kind::Tag) {
            return Ok(None);
        }
        Ok(Some(r.tag(id, name)?.0))
    }

    /// Whether the object exists here.
    pub fn has_object(&self, id: &Oid) -> Result<bool> {
        Ok(self.reader.borrow_mut().kind(id)?.is_some())
    }

    /// Follows `id` through annotated tags: every tag object on the way and the commit at the
    /// end (`None` for a tree or blob). An unreadable object is an error naming `what`.
    pub fn peel(&self, id: Oid, what: &str) -> Result<RefTip> {
        let mut r = self.reader.borrow_mut();
        let mut tags = Vec::new();
        let mut at = id;
        // Tag chains are short; ids make a cycle impossible, the bound guards a forgery.
        let named = |e: Error| Error::input(what.to_owned(), crate::error::chain(&e));
        for _ in 0..1024 {
            match r.kind(&at).map_err(named)? {
                None => {
                    return Err(Error::input(
                        what.to_owned(),
                        format!("points to object {at}, which is not in the repository"),
                    ))
                }
                Some(Kind::Tag) => {
                    tags.push(at);
                    at = r.tag(at, what).map_err(named)?.1;
                }
                Some(Kind::Commit) => {
                    return Ok(RefTip {
                        name: what.to_owned(),
                        target: id,
                        tags,
                        commit: Some(at),
                    })
                }
                Some(_) => break,
            }
        }
        Ok(RefTip {
            name: what.to_owned(),
            target: id,
            tags,
            commit: None,
        })
    }

    /// Every ref (with `HEAD` when it is detached or its branch exists), each followed to
    /// its commit. A symbolic ref to a missing branch is skipped, like an unborn `HEAD`; a ref
    /// to an object that is missing or unreadable is an error naming the ref.
    pub fn refs(&self) -> Result<Vec<RefTip>> {
        self.refs_with(true)
    }

    /// Like [`Repo::refs`], but a ref that cannot be followed is left out instead of being an
    /// error (the server's list of what it already has: a broken ref only means that more
    /// of a push is checked).
    pub fn readable_refs(&self) -> Result<Vec<RefTip>> {
        self.refs_with(false)
    }

    fn refs_with(&self, strict: bool) -> Result<Vec<RefTip>> {
        let mut out = Vec::new();
        let platform = self
            .git
            .references()
            .map_err(|e| Error::git("listing refs", e))?;
        let iter = platform.all().map_err(|e| Error::git("listing refs", e))?;
        for r in iter {
            let r = r.map_err(|e| Error::git("listing refs", e))?;
            let name = r.name().as_bstr().to_string();
            let tip = self.resolve_ref(&name).and_then(|id| {
                id.map(|id| self.peel(id, &format!("ref `{name}`")))
                    .transpose()
            });
            match tip {
                Ok(Some(mut tip)) => {
                    tip.name = name;
                    out.push(tip);
                }
                Ok(None) => {}
                Err(e) if strict => return Err(e),
                Err(_) => {}
            }
        }
        let head = self
            .resolve_ref("HEAD")
            .and_then(|id| id.map(|id| self.peel(id, "`HEAD`")).transpose());
        match head {
            Ok(Some(mut tip)) => {
                tip.name = "HEAD".to_owned();
                out.push(tip);
            }
            Ok(None) => {}
            Err(e) if strict => return Err(e),
            Err(_) => {}
        }
        Ok(out)
    }

    /// The object a ref names, following symbolic refs; `None` for a symbolic ref to a ref
    /// that does not exist (an unborn branch).
    fn resolve_ref(&self, name: &str) -> Result<Option<Oid>> {
        let mut r = match self.git.try_find_reference(name) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(None),
            Err(e) => return Err(Error::git(format!("reading ref `{name}`"), e)),
        };
        for _ in 0..64 {
            match r.target() {
                gix::refs::TargetRef::Object(id) => return Ok(Some(id.to_owned())),
                gix::refs::TargetRef::Symbolic(_) => match r.follow() {
                    None => return Ok(None),
                    Some(Ok(next)) => r = next,
                    Some(Err(e)) => {
                        if e.is_not_found() {
                            return Ok(None);
                        }
                        return Err(Error::git(format!("reading ref `{name}`"), e));
                    }
                },
            }
        }
        Err(Error::input(
            format!("ref `{name}`"),
            "symbolic refs nested too deeply",
        ))
    }

    /// Refs whose full name matches one of `globs` (`*` matches across `/`, like libgit2).
    fn refs_matching(&self, globs: &[String]) -> Result<Vec<RefTip>> {
        let mut set = globset::GlobSetBuilder::new();
        for g in globs {
            let glob = globset::GlobBuilder::new(g)
                .literal_separator(false)
                .build()
                .map_err(|e| Error::Usage(format!("bad ref pattern `{g}`: {e}")))?;
            set.add(glob);
        }
        let set = set
            .build()
            .map_err(|e| Error::Usage(format!("bad ref pattern: {e}")))?;
        Ok(self
            .refs()?
            .into_iter()
            .filter(|t| t.name != "HEAD" && set.is_match(&t.name))
            .collect())
    }

    /// The commits every ref and `HEAD` reach (through tags), like `git log --all`. Refs that
    /// lead to trees or blobs start nothing.
    pub fn all_tips(&self) -> Result<Vec<Oid>> {
        Ok(tips_of(self.refs()?))
    }

    /// Every ref but `HEAD` when `refs` selects nothing, else the selected branches and
    /// tags, each followed to its commit.
    pub fn named_refs(&self, refs: &RefSelection) -> Result<Vec<RefTip>> {
        if refs.is_empty() {
            let mut all = self.refs()?;
            all.retain(|t| t.name != "HEAD");
            Ok(all)
        } else {
            self.refs_matching(&refs.globs())
        }
    }

    /// The commits the selected branches and tags point to.
    pub fn selected_tips(&self, refs: &RefSelection) -> Result<Vec<Oid>> {
        Ok(tips_of(self.refs_matching(&refs.globs())?))
    }

    /// Every annotated tag object reached from `refs/tags/<glob>`, including each tag of a
    /// tag in a chain, once each.
    pub fn annotated_tags_matching(&self, glob: &str) -> Result<Vec<TagInfo>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for tip in self.refs_matching(&[format!("refs/tags/{glob}")])? {
            for id in tip.tags {
                if seen.insert(id) {
                    if let Some(info) = self.tag(id, &tip.name)? {
                        out.push(info);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Annotated tags among the refs (for their message and tagger).
    pub fn annotated_tags(&self) -> Result<Vec<TagInfo>> {
        self.annotated_tags_matching("*")
    }

    /// A commit walk's start and stop points for `revisions` (`A`, `^A`, `A..B`, `A...B`).
    pub fn revision_tips(&self, revisions: &[String]) -> Result<(Vec<Oid>, Vec<Oid>)> {
        let mut tips = Vec::new();
        let mut hidden = Vec::new();
        for spec in revisions {
            let fail = |e: &(dyn std::error::Error + 'static)| Error::Revision {
                spec: spec.clone(),
                source: GitError::new(e),
            };
            let commit = |id: Oid| -> Result<Oid> {
                self.peel(id, &format!("revision `{spec}`"))?
                    .commit
                    .ok_or_else(|| Error::Revision {
                        spec: spec.clone(),
                        source: GitError(format!("{id} is not a commit")),
                    })
            };
            use gix::revision::plumbing::Spec;
            let parsed = self
                .git
                .rev_parse(spec.as_str())
                .map_err(|e| fail(&e))?
                .detach();
            match parsed {
                Spec::Include(id) => tips.push(commit(id)?),
                Spec::Exclude(id) => hidden.push(commit(id)?),
                Spec::Range { from, to } => {
                    hidden.push(commit(from)?);
                    tips.push(commit(to)?);
                }
                Spec::Merge { theirs, ours } => {
                    let (a, b) = (commit(theirs)?, commit(ours)?);
                    tips.extend([a, b]);
                    if let Ok(Some(base)) = self.git.merge_base(a, b) {
                        hidden.push(base.detach());
                    }
                }
                Spec::IncludeOnlyParents(id) => {
                    let node = self.reader.borrow_mut().node(commit(id)?)?;
                    tips.extend(node.parents().copied());
                }
                Spec::ExcludeParents(id) => {
                    let id = commit(id)?;
                    let node = self.reader.borrow_mut().node(id)?;
                    tips.push(id);
                    hidden.extend(node.parents().copied());
                }
            }
        }
        Ok((tips, hidden))
    }

    /// The commits reachable from `tips` but not from `hidden` (`tips --not hidden`), each
    /// once, in no particular order.
    pub fn reachable(&self, tips: &[Oid], hidden: &[Oid]) -> Result<Vec<Oid>> {
        let fail = |e: gix::Error| Error::git("walking commits", e);
        let walk = self
            .git
            .rev_walk(tips.iter().copied())
            .with_hidden(hidden.iter().copied())
            .all()
            .map_err(fail)?;
        let mut out = Vec::new();
        for info in walk {
            out.push(info.map_err(fail)?.id);
        }
        Ok(out)
    }
    /// The commits the refs matching `glob` reach (`refs/remotes/origin/*`).
    pub fn tips_matching(&self, glob: &str) -> Result<Vec<Oid>> {
        Ok(tips_of(self.refs_matching(&[glob.to_owned()])?))
    }

    /// `ids` newest first, every commit before its parents.
    pub fn ordered(&self, ids: &[Oid]) -> Result<Vec<Oid>> {
        Ok(crate::git::walk::nodes_of(&mut self.reader.borrow_mut(), ids)?.ids())
    }

    /// The object a revision names (`main`, `HEAD~2`, an id).
    pub fn resolve(&self, spec: &str) -> Result<Oid> {
        self.git
            .rev_parse_single(spec)
            .map(|id| id.detach())
            .map_err(|e| Error::Revision {
                spec: spec.to_owned(),
                source: GitError::new(&e),
            })
    }

    /// The name, id and mode of every entry of one tree, in the tree's order (one read of the
    /// tree where [`Repo::tree_entry`] per name would read it once per name).
    pub fn tree_entries(&self, tree: Oid) -> Result<Vec<(Vec<u8>, Oid, u32)>> {
        let mut r = self.reader.borrow_mut();
        let raw = r.tree(&tree)?;
        gix::objs::TreeRefIter::from_bytes(raw, tree.kind())
            .map(|e| {
                let e = e.map_err(|e| {
                    Error::input(
                        format!("tree {tree}"),
                        format!("malformed tree object: {}", crate::error::chain(&e)),
                    )
                })?;
                Ok((
                    e.filename.to_vec(),
                    e.oid.to_owned(),
                    u32::from(e.mode.value()),
                ))
            })
            .collect()
    }

    /// The id and mode of the entry at `path` (`/`-separated) below `tree`, `None` when
    /// there is none.
    pub fn tree_entry(&self, tree: Oid, path: &[u8]) -> Result<Option<(Oid, u32)>> {
        let mut r = self.reader.borrow_mut();
        let mut at = (tree, 0o040000u32);
        for part in path.split(|&b| b == b'/') {
            if at.1 != 0o040000 {
                return Ok(None);
            }
            let raw = r.tree(&at.0)?;
            let mut next = None;
            for e in gix::objs::TreeRefIter::from_bytes(raw, tree.kind()) {
                let e = e.map_err(|e| {
                    Error::input(
                        format!("tree {}", at.0),
                        format!("malformed tree object: {}", crate::error::chain(&e)),
                    )
                })?;
                if e.filename == part {
                    next = Some((e.oid.to_owned(), u32::from(e.mode.value())));
                    break;
                }
            }
            match next {
                Some(n) => at = n,
                None => return Ok(None),
            }
        }
        Ok(Some(at))
    }
}

// Small queries the reports need, by full hex id.
impl Repo {
    /// Whether `spec` names an object here.
    pub fn resolves(&self, spec: &str) -> bool {
        self.resolve(spec).is_ok()
    }

    /// The commit a revision leads to, through annotated tags.
    pub fn resolve_commit(&self, spec: &str) -> Result<Oid> {
        let id = self.resolve(spec)?;
        self.peel(id, &format!("`{spec}`"))?
            .commit
            .ok_or_else(|| Error::input(format!("`{spec}`"), "is not a commit"))
    }

    /// Whether a ref of this full name exists.
    pub fn has_ref(&self, name: &str) -> bool {
        matches!(self.git.try_find_reference(name), Ok(Some(_)))
    }

    /// The names of the configured remotes, sorted.
    pub fn remote_names(&self) -> Vec<String> {
        self.git
            .remote_names()
            .into_iter()
            .map(|n| n.to_string())
            .collect()
    }

    /// The commits reachable from `tips` but not from `hidden`, newest first, every commit
    /// before its parents.
    pub fn commits_between(&self, tips: &[Oid], hidden: &[Oid]) -> Result<Vec<Oid>> {
        self.ordered(&self.reachable(tips, hidden)?)
    }

    /// The commits reachable from `tips` and not from `hidden` (`tips --not hidden`, the
    /// commits a merge's branch brought in), or `None` when there are more than `limit`.
    pub fn branch_commits(
        &self,
        tips: &[Oid],
        hidden: Oid,
        limit: usize,
    ) -> Result<Option<crate::git::paths::OidSet>> {
        let fail =
            |e: gix::Error| Error::git(format!("walking the branch merged over {hidden}"), e);
        let walk = self
            .git
            .rev_walk(tips.iter().copied())
            .with_hidden([hidden])
            .all()
            .map_err(fail)?;
        let mut out = crate::git::paths::OidSet::default();
        for info in walk {
            if out.len() == limit {
                return Ok(None);
            }
            out.insert(info.map_err(fail)?.id);
        }
        Ok(Some(out))
    }
}

/// The id git gives a blob holding `bytes` (a stable content hash for report fingerprints).
pub fn blob_id(bytes: &[u8]) -> String {
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, bytes)
        .map_or_else(|_| String::new(), |id| id.to_string())
}

fn tips_of(refs: Vec<RefTip>) -> Vec<Oid> {
    let mut tips: Vec<Oid> = refs.into_iter().filter_map(|t| t.commit).collect();
    tips.sort();
    tips.dedup();
    tips
}

/// When git names the object directories (`GIT_OBJECT_DIRECTORY`, and the quarantine's
/// `GIT_ALTERNATE_OBJECT_DIRECTORIES`), a directory outside the repository whose
/// `info/alternates` lists them, for the store to open.
fn object_directories(
    repo: &gix::ThreadSafeRepository,
    objects: &ObjectDirs,
) -> Result<Option<tempfile::TempDir>> {
    let primary = objects.primary.as_deref();
    let alternates = objects.alternates.as_deref();
    if primary.is_none() && alternates.is_none() {
        return Ok(None);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut dirs: Vec<PathBuf> = vec![match primary {
        Some(p) => cwd.join(p),
        None => repo
            .common_dir
            .clone()
            .unwrap_or_else(|| repo.git_dir().to_owned())
            .join("objects"),
    }];
    if let Some(list) = alternates {
        dirs.extend(split_alternates(list).into_iter().map(|d| cwd.join(d)));
    }
    let view = tempfile::Builder::new()
        .prefix("aigate-objects-")
        .tempdir()
        .map_err(|source| Error::Write {
            path: std::env::temp_dir(),
            source,
        })?;
    let mut text = String::new();
    for d in &dirs {
        let d = d.to_string_lossy();
        if d.contains('\n') || d.starts_with('"') {
            return Err(Error::input(
                "GIT_OBJECT_DIRECTORY / GIT_ALTERNATE_OBJECT_DIRECTORIES",
                format!(
                    "cannot use the object directory `{}`",
                    crate::sanitize::for_terminal(&d)
                ),
            ));
        }
        text.push_str(&d);
        text.push('\n');
    }
    let info = view.path().join("info");
    let file = info.join("alternates");
    std::fs::create_dir_all(&info)
        .and_then(|_| std::fs::write(&file, text))
        .map_err(|source| Error::Write { path: file, source })?;
    Ok(Some(view))
}

/// `GIT_ALTERNATE_OBJECT_DIRECTORIES` is `:`-separated; an entry may be double-quoted
/// (C-style escapes) to hold a `:`.
fn split_alternates(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut entry = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            entry.push(match n {
                                'n' => '\n',
                                't' => '\t',
                                other => other,
                            });
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => entry.push(c),
                }
            }
            out.push(entry);
            rest = quoted[end..].strip_prefix(':').unwrap_or(&quoted[end..]);
        } else {
            let (entry, tail) = rest.split_once(':').unwrap_or((rest, ""));
            if !entry.is_empty() {
                out.push(entry.to_owned());
            }
            rest = tail;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternate_lists_split_on_colons_and_honour_quotes() {
        assert_eq!(split_alternates("/a:/b"), ["/a", "/b"]);
        assert_eq!(split_alternates("\"/a:b\":/c"), ["/a:b", "/c"]);
        assert_eq!(split_alternates("/a::"), ["/a"]);
    }
}
