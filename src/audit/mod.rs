//! `aigate audit`: every commit reachable from the given revisions (or every ref) checked
//! against the policy, plus the message and tagger of every annotated tag among the refs.
//! Also the per-commit check that the push and receive hooks share.

pub mod parallel;
pub mod progress;

use git2::{Oid, Repository};

use crate::catalogue::Kind;
use crate::engine::finding::{Context, Finding, Stage};
use crate::engine::matcher::{Match, Matcher, Role};
use crate::error::{Error, Result};
use crate::git::pack::{commit_tree_and_parent, Packs, Reader};
use crate::git::paths::{diff_paths, MarkerIndex, OidMap};
use crate::git::repo::{CommitInfo, RefSelection, Repo, TagInfo};
use crate::policy::Policy;

/// How a commit's changed marker paths are found (the results are identical; `Diff` is the
/// straightforward reference the fast `Index` is tested against).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathMethod {
    #[default]
    Index,
    Diff,
}

/// Which kinds of marker an audit looks for (all by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds {
    pub paths: bool,
    pub messages: bool,
    pub identities: bool,
}

impl Default for Kinds {
    fn default() -> Self {
        Kinds {
            paths: true,
            messages: true,
            identities: true,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Revisions and ranges; empty (with an empty `refs`) means every ref.
    pub revisions: Vec<String>,
    /// Branches and tags to audit instead of every ref.
    pub refs: RefSelection,
    pub path_method: PathMethod,
    /// Only commits whose committer date is within these bounds (seconds, inclusive).
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// At most this many commits, newest first (after the date bounds).
    pub max_count: Option<usize>,
    pub kinds: Kinds,
    /// Threads for the path checks (0: one per core).
    pub threads: usize,
    /// The process ends after this audit, so its caches need not be freed one by one (see
    /// `MarkerIndex::leak`). False when several repositories are audited in turn: each one's
    /// memory must go back before the next.
    pub last_in_process: bool,
}

#[derive(Debug, Clone)]
pub struct AuditOutcome {
    pub repository: String,
    pub findings: Vec<Finding>,
    /// How many commits were checked.
    pub commits: usize,
}

/// Told how far an audit has got (a progress bar, or nothing). Called from several threads.
pub trait Progress: Sync {
    /// A new phase of `total` steps.
    fn start(&self, phase: &str, total: u64);
    fn advance(&self, steps: u64);
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Checks commits one by one, keeping the per-tree marker cache between them.
pub struct Checker<'r> {
    repo: &'r Repo,
    pub matcher: std::sync::Arc<Matcher>,
    policy: &'r Policy,
    index: MarkerIndex<'r>,
    method: PathMethod,
}

impl<'r> Checker<'r> {
    pub fn new(repo: &'r Repo, policy: &'r Policy, method: PathMethod) -> Result<Self> {
        Ok(Checker {
            repo,
            matcher: policy.matcher(),
            policy,
            index: MarkerIndex::new(&repo.git)?,
            method,
        })
    }

    /// The findings of one commit: message, author, committer and the marker paths it adds
    /// or changes against its first parent.
    pub fn commit(&mut self, info: &CommitInfo, stage: Stage) -> Result<Vec<Finding>> {
        let commit = info.id.to_string();
        if self.policy.is_exempt_commit(&commit) {
            return Ok(Vec::new());
        }
        let m = &self.matcher;
        let mut found = Vec::new();
        check_metadata(m, info, Kinds::default(), &mut found);
        if m.has_kind(Kind::Path) {
            let parent_tree = match info.parents.first() {
                Some(p) => Some(self.tree_of(*p)?),
                None => None,
            };
            let paths = match self.method {
                PathMethod::Index => self.index.changed(m, info.tree, parent_tree)?,
                PathMethod::Diff => diff_paths(&self.repo.git, m, info.tree, parent_tree)?,
            };
            for p in &paths {
                m.check_path(p, &mut found);
            }
        }
        let author = format!("{} <{}>", info.author.name, info.author.email);
        let cx = Context {
            commit,
            tag: None,
            subject: info.subject(),
            author: &author,
            date: info.author.time,
            stage,
            parents: info.parents.len(),
        };
        let findings = found.into_iter().map(|f| Finding::new(m, f, &cx)).collect();
        Ok(self.policy.judge(Some(&info.message), findings))
    }

    /// The findings of an annotated tag: its message and its tagger.
    pub fn tag(&self, tag: &TagInfo, stage: Stage) -> Vec<Finding> {
        self.tag_kinds(tag, stage, Kinds::default())
    }

    /// [`Checker::tag`] for some kinds of marker only.
    pub fn tag_kinds(&self, tag: &TagInfo, stage: Stage, kinds: Kinds) -> Vec<Finding> {
        let m = &self.matcher;
        let mut found = Vec::new();
        if kinds.messages {
            m.check_message(&tag.message, &mut found);
        }
        let (author, date) = match &tag.tagger {
            Some(t) => {
                if kinds.identities {
                    m.check_identity(Role::Tagger, &t.name, &t.email, &mut found);
                }
                (format!("{} <{}>", t.name, t.email), t.time)
            }
            None => (String::new(), 0),
        };
        let cx = Context {
            commit: tag.id.to_string(),
            tag: Some(tag.name.clone()),
            subject: tag.message.lines().next().unwrap_or(""),
            author: &author,
            date,
            stage,
            parents: 0,
        };
        let findings = found.into_iter().map(|f| Finding::new(m, f, &cx)).collect();
        self.policy.judge(Some(&tag.message), findings)
    }

    fn tree_of(&self, commit: Oid) -> Result<Oid> {
        self.repo
            .git
            .find_commit(commit)
            .map(|c| c.tree_id())
            .map_err(|e| crate::error::Error::git(format!("reading parent commit {commit}"), e))
    }
}

/// Audits one repository.
///
/// First the walk and each commit's tree and first parent (cheap); then `threads` workers
/// find the changed marker paths, each over a contiguous range of the commits with its own
/// repository handle and tree cache (neighbouring commits share most trees, so ranges
/// duplicate little), while this thread matches messages and identities.
pub fn audit(repo: &Repo, policy: &Policy, opts: &AuditOptions) -> Result<AuditOutcome> {
    audit_with_progress(repo, policy, opts, &NoProgress)
}

/// [`audit`], telling `progress` how far it has got.
pub fn audit_with_progress(
    repo: &Repo,
    policy: &Policy,
    opts: &AuditOptions,
    progress: &dyn Progress,
) -> Result<AuditOutcome> {
    // Audits read every tree once and re-hash nothing: object ids come from the walk, and a
    // corrupt object is git's business (`git fsck`), not a policy verdict. libgit2's object
    // cache would only hold what this walk never reads twice.
    git2::opts::strict_hash_verification(false);
    git2::opts::enable_caching(false);
    let checker = Checker::new(repo, policy, opts.path_method)?;
    let m = &checker.matcher;
    let packs = match opts.path_method {
        PathMethod::Index => Packs::open(&repo.git.commondir().join("objects")),
        PathMethod::Diff => Packs::default(),
    };
    // Every ref (or the selected branches and tags), with no range to hide: the walk reads
    // each commit once from the packs and keeps its tree and first parent for the workers.
    let own_walk = opts.revisions.is_empty()
        && !packs.is_empty()
        && !repo.git.is_shallow()
        && !repo.git.commondir().join("info/grafts").exists();
    let (mut ids, known, mut early) = if own_walk {
        let tips = if opts.refs.is_empty() {
            repo.all_tips()?
        } else {
            repo.selected_tips(&opts.refs)?
        };
        // While the walk reads commits on this thread, another matches their messages and
        // identities, so the second core is not idle during the walk.
        let do_meta = opts.kinds.messages || opts.kinds.identities;
        let git_dir = repo.git.path().to_owned();
        std::thread::scope(|scope| -> Result<_> {
            let (tx, rx) = std::sync::mpsc::sync_channel::<(Oid, Option<Vec<u8>>)>(4096);
            let meta = crate::big_stack()
                .spawn_scoped(scope, move || -> Result<OidMap<Vec<Finding>>> {
                    let mut found: OidMap<Vec<Finding>> = OidMap::default();
                    let mut own: Option<Repo> = None;
                    for (oid, raw) in rx {
                        if policy.is_exempt_commit(&oid.to_string()) {
                            continue;
                        }
                        let info = match raw.and_then(|r| CommitInfo::from_raw(oid, &r)) {
                            Some(info) => info,
                            None => {
                                if own.is_none() {
                                    let git = Repository::open(&git_dir).map_err(|source| {
                                        Error::OpenRepo {
                                            path: git_dir.clone(),
                                            source: source.into(),
                                        }
                                    })?;
                                    own = Some(Repo { git });
                                }
                                own.as_ref()
                                    .ok_or_else(|| {
                                        Error::input("reading commits", "no repository")
                                    })?
                                    .commit(oid)?
                            }
                        };
                        let f = match_commit(policy, m, opts, &info);
                        if !f.is_empty() {
                            found.insert(oid, f);
                        }
                    }
                    Ok(found)
                })
                .map_err(thread_error)?;
            let mut send = move |id: Oid, raw: Option<Vec<u8>>| {
                if do_meta {
                    // A closed channel means the matcher failed; its error is reported below.
                    let _ = tx.send((id, raw));
                }
            };
            let walk = crate::git::walk::walk(&repo.git, &packs, &tips, &mut send);
            drop(send);
            let early = meta
                .join()
                .unwrap_or_else(|_| Err(Error::input("auditing messages", "a thread panicked")))?;
            let walk = walk?;
            Ok((walk.order, Some(walk.nodes), Some(early)))
        })?
    } else {
        let mut ids = Vec::new();
        for oid in repo.walk_selected(&opts.revisions, &opts.refs)? {
            ids.push(oid.map_err(|e| Error::git("walking commits", e))?);
        }
        (ids, None, None)
    };

    // The commits to check, newest first. Without date bounds or a count that is every
    // commit of the walk, known at once, so the path workers can start straight away.
    let filtered = opts.since.is_some() || opts.until.is_some() || opts.max_count.is_some();
    let selected: Vec<Oid> = if filtered {
        progress.start("selecting commits", ids.len() as u64);
        let mut selected = Vec::new();
        for &oid in &ids {
            if opts.max_count.is_some_and(|max| selected.len() >= max) {
                break;
            }
            let time = match known.as_ref().and_then(|k| k.get(&oid)) {
                Some(node) => node.time,
                None => repo
                    .git
                    .find_commit(oid)
                    .map_err(|e| Error::git(format!("reading commit {oid}"), e))?
                    .time()
                    .seconds(),
            };
            if opts.since.is_some_and(|t| time < t) || opts.until.is_some_and(|t| time > t) {
                continue;
            }
            if !policy.is_exempt_commit(&oid.to_string()) {
                selected.push(oid);
            }
            progress.advance(1);
        }
        selected
    } else {
        ids.retain(|oid| !policy.is_exempt_commit(&oid.to_string()));
        ids
    };
    let paths = opts.kinds.paths && m.has_kind(Kind::Path);
    progress.start("checking commits", selected.len() as u64);

    let mut meta = || -> Result<Vec<Vec<Finding>>> {
        if let Some(early) = early.as_mut() {
            return Ok(selected
                .iter()
                .map(|oid| early.remove(oid).unwrap_or_default())
                .collect());
        }
        let mut all = Vec::with_capacity(selected.len());
        let mut reader = (!packs.is_empty()).then(|| Reader::new(packs.clone()));
        for &oid in &selected {
            if !opts.kinds.messages && !opts.kinds.identities {
                all.push(Vec::new());
                continue;
            }
            let raw = reader
                .as_mut()
                .and_then(|r| r.commit(&crate::git::paths::key(oid)));
            let info = match raw.and_then(|raw| CommitInfo::from_raw(oid, &raw)) {
                Some(info) => info,
                None => repo.commit(oid)?,
            };
            all.push(match_commit(policy, m, opts, &info));
        }
        Ok(all)
    };
    let (meta, changed) = if paths {
        changed_paths(
            repo,
            m,
            &selected,
            known.as_ref(),
            &packs,
            opts,
            progress,
            meta,
        )?
    } else {
        progress.advance(selected.len() as u64);
        (meta()?, Vec::new())
    };

    let mut findings = Vec::new();
    let mut changed = changed.into_iter().peekable();
    for (i, (commit_findings, &oid)) in meta.into_iter().zip(&selected).enumerate() {
        findings.extend(commit_findings);
        // Same order as `Checker::commit`: message and identities, then paths.
        while let Some((_, paths)) = changed.next_if(|(j, _)| *j == i) {
            let mut found = Vec::new();
            for p in &paths {
                m.check_path(p, &mut found);
            }
            if !found.is_empty() {
                let info = repo.commit(oid)?;
                findings.extend(findings_of(policy, m, &info, found, Stage::Audit));
            }
        }
    }

    let commits = selected.len();
    let tags = if opts.revisions.is_empty() && opts.refs.is_empty() {
        repo.annotated_tags()?
    } else if let Some(glob) = &opts.refs.tags {
        repo.annotated_tags_matching(glob)?
    } else {
        Vec::new()
    };
    findings.extend(ref_name_findings(repo, policy, m, opts)?);
    for tag in tags {
        let date = tag.tagger.as_ref().map_or(0, |t| t.time);
        if opts.since.is_some_and(|t| date < t) || opts.until.is_some_and(|t| date > t) {
            continue;
        }
        findings.extend(checker.tag_kinds(&tag, Stage::Audit, opts.kinds));
    }
    Ok(AuditOutcome {
        repository: repo.display_path().display().to_string(),
        findings,
        commits,
    })
}

/// The message and identity findings of one commit.
/// The message and identity rules over one commit, as far as `kinds` asks.
fn check_metadata(m: &Matcher, info: &CommitInfo, kinds: Kinds, found: &mut Vec<Match>) {
    if kinds.messages {
        m.check_message(&info.message, found);
    }
    if kinds.identities {
        for (role, who) in [
            (Role::Author, &info.author),
            (Role::Committer, &info.committer),
        ] {
            m.check_identity(role, &who.name, &who.email, found);
        }
    }
}

fn match_commit(
    policy: &Policy,
    m: &Matcher,
    opts: &AuditOptions,
    info: &CommitInfo,
) -> Vec<Finding> {
    let mut found = Vec::new();
    check_metadata(m, info, opts.kinds, &mut found);
    findings_of(policy, m, info, found, Stage::Audit)
}

/// Findings of the opt-in ref rules over the names of the refs the audit walks: every ref
/// (notes and other provenance refs included), or the selected branches and tags; none for
/// explicit revisions. Each is reported against the commit the ref points to.
fn ref_name_findings(
    repo: &Repo,
    policy: &Policy,
    m: &Matcher,
    opts: &AuditOptions,
) -> Result<Vec<Finding>> {
    if !m.has_kind(Kind::Ref) || !opts.revisions.is_empty() {
        return Ok(Vec::new());
    }
    let globs: Vec<String> = if opts.refs.is_empty() {
        vec![String::new()]
    } else {
        let heads = opts.refs.branches.iter().map(|b| format!("refs/heads/{b}"));
        heads
            .chain(opts.refs.tags.iter().map(|t| format!("refs/tags/{t}")))
            .collect()
    };
    let mut findings = Vec::new();
    for glob in &globs {
        let fail = |e| Error::git("listing refs", e);
        let refs = if glob.is_empty() {
            repo.git.references().map_err(fail)?
        } else {
            repo.git.references_glob(glob).map_err(fail)?
        };
        for r in refs {
            let r = r.map_err(fail)?;
            let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
            let mut found = Vec::new();
            m.check_ref(&name, &mut found);
            if found.is_empty() {
                continue;
            }
            let target = r.peel(git2::ObjectType::Commit).ok().map(|c| c.id());
            match target {
                Some(id) => {
                    let info = repo.commit(id)?;
                    findings.extend(findings_of(policy, m, &info, found, Stage::Audit));
                }
                None => {
                    let cx = Context {
                        commit: r.target().map(|o| o.to_string()).unwrap_or_default(),
                        tag: None,
                        subject: "",
                        author: "",
                        date: 0,
                        stage: Stage::Audit,
                        parents: 0,
                    };
                    findings.extend(found.into_iter().map(|f| Finding::new(m, f, &cx)));
                }
            }
        }
    }
    Ok(findings)
}

/// Findings for the matches of one commit, as the policy judges them.
fn findings_of(
    policy: &Policy,
    m: &Matcher,
    info: &CommitInfo,
    found: Vec<Match>,
    stage: Stage,
) -> Vec<Finding> {
    if found.is_empty() {
        return Vec::new();
    }
    let author = format!("{} <{}>", info.author.name, info.author.email);
    let cx = Context {
        commit: info.id.to_string(),
        tag: None,
        subject: info.subject(),
        author: &author,
        date: info.author.time,
        stage,
        parents: info.parents.len(),
    };
    let findings = found.into_iter().map(|f| Finding::new(m, f, &cx)).collect();
    policy.judge(Some(&info.message), findings)
}

/// A commit's tree and first parent, from the packs when the reader can, else libgit2.
fn tree_and_parent(
    git: &Repository,
    reader: Option<&mut Reader>,
    commit: Oid,
) -> Result<(Oid, Option<Oid>)> {
    if let Some(raw) = reader.and_then(|r| r.commit(&crate::git::paths::key(commit))) {
        if let Some((tree, parent)) = commit_tree_and_parent(&raw) {
            let oid = |b: [u8; 20]| Oid::from_bytes(&b).ok();
            if let Some(tree) = oid(tree) {
                return Ok((tree, parent.and_then(oid)));
            }
        }
    }
    let c = git
        .find_commit(commit)
        .map_err(|e| Error::git(format!("reading commit {commit}"), e))?;
    Ok((c.tree_id(), c.parent_id(0).ok()))
}

/// Runs `meta` on this thread while workers find the changed marker paths of each commit of
/// `jobs`; returns `meta`'s result and, for each commit with changed marker paths, its index
/// and the paths (sorted), in order.
#[allow(clippy::type_complexity)]
#[allow(clippy::too_many_arguments)]
fn changed_paths<T>(
    repo: &Repo,
    m: &Matcher,
    jobs: &[Oid],
    known: Option<&OidMap<crate::git::walk::Node>>,
    packs: &Packs,
    opts: &AuditOptions,
    progress: &dyn Progress,
    meta: impl FnOnce() -> Result<T>,
) -> Result<(T, Vec<(usize, Vec<String>)>)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Small audits are not worth a second thread (unless asked for); the diff method is the
    // single-threaded reference.
    let threads = match opts.threads {
        _ if opts.path_method == PathMethod::Diff => 1,
        0 if jobs.len() < 2_000 => 1,
        0 => cores.min(4),
        n => n,
    };
    let git_dir = repo.git.path().to_owned();
    let packs = (opts.path_method == PathMethod::Index).then(|| packs.clone());
    // The history goes out in chunks, taken in turn by whichever worker is free: the newest
    // commits have the largest trees, so equal halves would leave one core idle at the end.
    let chunks = if threads > 1 { threads * 8 } else { 1 };
    let per = jobs.len().div_ceil(chunks).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let worker = || -> Result<Vec<(usize, Vec<String>)>> {
        let git = Repository::open(&git_dir).map_err(|source| Error::OpenRepo {
            path: git_dir.clone(),
            source: source.into(),
        })?;
        let mut index = MarkerIndex::with_packs(&git, packs.clone())?;
        // A shallow clone's boundary commits name parents it lacks; libgit2 hides them.
        let mut reader = packs
            .clone()
            .filter(|p| !p.is_empty() && !git.is_shallow())
            .map(Reader::new);
        // Each commit's tree, as read; a commit's parent is usually the next one.
        let mut tree_of: OidMap<Oid> = OidMap::default();
        let mut out = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let start = (k * per).min(jobs.len());
            let end = ((k + 1) * per).min(jobs.len());
            if start == end {
                break;
            }
            for (n, &commit) in jobs[start..end].iter().enumerate() {
                let node = known.and_then(|k| k.get(&commit));
                let (tree, parent) = match node {
                    Some(n) => (n.tree, n.parent),
                    None => tree_and_parent(&git, reader.as_mut(), commit)?,
                };
                tree_of.insert(commit, tree);
                let parent_tree = match parent {
                    None => None,
                    Some(p) => Some(match known.and_then(|k| k.get(&p)).map(|n| n.tree) {
                        Some(t) => t,
                        None if tree_of.contains_key(&p) => tree_of[&p],
                        None => {
                            let t = tree_and_parent(&git, reader.as_mut(), p)?.0;
                            tree_of.insert(p, t);
                            t
                        }
                    }),
                };
                let paths = match opts.path_method {
                    PathMethod::Index => index.changed(m, tree, parent_tree)?,
                    PathMethod::Diff => diff_paths(&git, m, tree, parent_tree)?,
                };
                if !paths.is_empty() {
                    out.push((start + n, paths));
                }
                if n % 256 == 255 {
                    progress.advance(256);
                }
            }
        }
        // Freeing hundreds of thousands of cached lists one by one takes longer than the
        // process has left to live; the memory goes back when the audit's process ends.
        if opts.last_in_process {
            index.leak();
        }
        Ok(out)
    };
    std::thread::scope(|scope| {
        let handles = (0..threads)
            .map(|_| {
                let worker = &worker;
                crate::big_stack().spawn_scoped(scope, worker)
            })
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(thread_error)?;
        let meta = meta()?;
        let mut changed = Vec::new();
        for h in handles {
            let part = h.join().unwrap_or_else(|_| {
                Err(Error::input("auditing paths", "a worker thread panicked"))
            })?;
            changed.extend(part);
        }
        changed.sort_unstable_by_key(|(i, _)| *i);
        Ok((meta, changed))
    })
}

fn thread_error(e: std::io::Error) -> Error {
    Error::input("starting a thread", e.to_string())
}
