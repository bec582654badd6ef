//! `aigate audit`: every commit reachable from the given revisions (or every ref) checked
//! against the policy, plus the message and tagger of every annotated tag among the refs.
//! Also the per-commit check that the push and receive hooks share.

pub mod parallel;
pub mod progress;
mod waiting;

use crate::catalogue::Kind;
use crate::engine::finding::{Context, Finding, Stage};
use crate::engine::matcher::{Match, Matcher, Role};
use crate::error::{Error, Result};
use crate::git::ancestry::Ancestry;
use crate::git::objects::{CommitInfo, Shared, TagInfo};
use crate::git::paths::{diff_paths, MarkerIndex, OidMap};
use crate::git::repo::{RefSelection, Repo};
use crate::git::treescan::TreeTable;
use crate::git::walk::{Nodes, Walk};
use crate::git::Oid;
use crate::policy::Policy;

/// How a commit's changed marker paths are found (the results are identical; `Diff` is the
/// straightforward reference the fast `Index` is tested against: both trees listed in full).
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

/// A worker thread that panicked: a bug of aigate, not a verdict on the repository.
fn panicked(what: &str) -> Error {
    Error::input(
        "internal error",
        format!("a thread {what} panicked; please report this as a bug"),
    )
}

#[derive(Debug, Clone)]
pub struct AuditOutcome {
    pub repository: String,
    pub findings: Vec<Finding>,
    /// How many commits were checked.
    pub commits: usize,
    /// The walk's ids and parents when it followed every parent (an audit of refs, not of
    /// a range), for the report's merge summary.
    pub ancestry: Option<std::sync::Arc<Ancestry>>,
}

/// Told how far an audit has got (a progress bar, or nothing). Called from several threads.
pub trait Progress: Sync {
    /// A new phase of `total` steps.
    fn start(&self, phase: &str, total: u64);
    fn advance(&self, steps: u64);
    /// `steps` more in the current phase (whose total is learnt as it goes).
    fn grow(&self, _steps: u64) {}
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Checks commits one by one, keeping the per-tree marker cache between them.
pub struct Checker<'r> {
    pub matcher: std::sync::Arc<Matcher>,
    policy: &'r Policy,
    index: MarkerIndex,
    method: PathMethod,
}

impl<'r> Checker<'r> {
    pub fn new(repo: &Repo, policy: &'r Policy, method: PathMethod) -> Result<Self> {
        Ok(Checker {
            matcher: policy.matcher(),
            policy,
            index: MarkerIndex::new(repo.shared().reader()),
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
                Some(p) => Some(self.index.reader().node(*p)?.tree),
                None => None,
            };
            let paths = match self.method {
                PathMethod::Index => self.index.changed(m, info.tree, parent_tree)?,
                PathMethod::Diff => diff_paths(self.index.reader(), m, info.tree, parent_tree)?,
            };
            for p in &paths {
                m.check_path(p, &mut found);
            }
        }
        Ok(findings_of(self.policy, m, info, found, stage))
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
    let checker = Checker::new(repo, policy, opts.path_method)?;
    let m = &checker.matcher;
    let shared = repo.shared();
    // Without date bounds or a count every commit of the walk is checked: its paths are
    // checked as the walk goes. With them the walk must end before the commits are chosen.
    let filtered = opts.since.is_some() || opts.until.is_some() || opts.max_count.is_some();
    let (walk, mut early, piped) = if opts.revisions.is_empty() {
        // Every ref (or the selected branches and tags), with no range to hide: the walk
        // reads each commit once and keeps its tree and parents for the workers.
        let tips = if opts.refs.is_empty() {
            repo.all_tips()?
        } else {
            repo.selected_tips(&opts.refs)?
        };
        if !filtered {
            progress.start("checking commits", 0);
        }
        // Every commit's paths are checked: the packed trees are listed once, beside the
        // walk.
        let (objects, hash) = (repo.objects_dir().to_owned(), repo.gix().object_hash());
        let list_threads = path_threads(opts, None);
        let scan = || TreeTable::scan(&objects, hash, &m.name_filter, list_threads);
        let scan: Option<&(dyn Fn() -> TreeTable + Sync)> = (!filtered
            && opts.path_method == PathMethod::Index
            && opts.kinds.paths
            && m.has_kind(Kind::Path)
            && m.name_filter.selective())
        .then_some(&scan);
        let piped = pipeline(
            shared,
            policy,
            m,
            opts,
            Commits::Tips(&tips),
            !filtered,
            scan,
            Stage::Audit,
            progress,
        )?;
        let changed = (!filtered).then_some(piped.changed);
        (piped.walk, Some(piped.early), changed)
    } else {
        let (mut tips, hidden) = repo.revision_tips(&opts.revisions)?;
        if !opts.refs.is_empty() {
            tips.extend(repo.selected_tips(&opts.refs)?);
        }
        let ids = repo.reachable(&tips, &hidden)?;
        let walk = crate::git::walk::nodes_of(&mut shared.reader(), &ids)?;
        (walk, None, None)
    };
    let Walk {
        mut order,
        nodes: mut known,
    } = walk;
    // A walk from refs follows every parent: its ancestry answers the merge summary.
    let complete_order = opts.revisions.is_empty().then(|| order.clone());
    // Paths found by the pipeline already: of the walk's nodes only the ids and parents are
    // needed any more (on a history of millions of commits the trees and dates are worth
    // giving back before the findings are gathered).
    if piped.is_some() {
        known.keep_ancestry();
    }

    // The commits to check (their numbers in `known`), newest first.
    let selected: Vec<u32> = if filtered {
        progress.start("selecting commits", order.len() as u64);
        let mut selected = Vec::new();
        for &n in &order {
            if opts.max_count.is_some_and(|max| selected.len() >= max) {
                break;
            }
            let oid = known.id(n);
            let time = known.get(&oid).map_or(0, |node| node.time);
            if opts.since.is_some_and(|t| time < t) || opts.until.is_some_and(|t| time > t) {
                continue;
            }
            if !is_exempt(policy, oid) {
                selected.push(n);
            }
            progress.advance(1);
        }
        selected
    } else {
        order.retain(|&n| !is_exempt(policy, known.id(n)));
        order
    };
    if piped.is_none() {
        progress.start("checking commits", selected.len() as u64);
    }
    let mut findings = check_selected(
        repo,
        policy,
        m,
        &selected,
        &known,
        early.as_mut(),
        piped,
        opts,
        progress,
        Stage::Audit,
    )?;

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
    let ancestry = complete_order.map(|order| std::sync::Arc::new(Ancestry::new(known, &order)));
    Ok(AuditOutcome {
        repository: repo.display_path().display().to_string(),
        findings,
        commits,
        ancestry,
    })
}

/// The commits reachable from `tips` but not from `hidden` (new to the repository or to a
/// remote: the receive and push hooks), and their findings, newest first, through the
/// audit's machinery: each commit read once (with nothing hidden, by the audit's own walk
/// while a second thread matches messages), paths checked by worker threads when there are
/// many. Exempt commits are skipped. Returns how many commits were checked.
pub fn check_commits(
    repo: &Repo,
    policy: &Policy,
    tips: &[Oid],
    hidden: &[Oid],
    stage: Stage,
) -> Result<(usize, Vec<Finding>)> {
    let m = policy.matcher();
    let opts = AuditOptions::default();
    let ids;
    let commits = if hidden.is_empty() {
        Commits::Tips(tips)
    } else {
        ids = repo.reachable(tips, hidden)?;
        Commits::Ids(&ids)
    };
    let Piped {
        walk,
        mut early,
        changed,
    } = pipeline(
        repo.shared(),
        policy,
        &m,
        &opts,
        commits,
        true,
        None,
        stage,
        &NoProgress,
    )?;
    let Walk {
        order: mut selected,
        mut nodes,
    } = walk;
    // The paths were found by the pipeline: of the walk's nodes only the ids are needed.
    nodes.keep_ids_only();
    let checked = selected.len();
    selected.retain(|&n| !is_exempt(policy, nodes.id(n)));
    let findings = check_selected(
        repo,
        policy,
        &m,
        &selected,
        &nodes,
        Some(&mut early),
        Some(changed),
        &opts,
        &NoProgress,
        stage,
    )?;
    Ok((checked, findings))
}

/// Whether `id` is one of the policy's exempt commits (no id is spelt out when it has none).
fn is_exempt(policy: &Policy, id: Oid) -> bool {
    !policy.exempt_commits.is_empty() && policy.is_exempt_commit(&id.to_string())
}

/// The findings of the `selected` commits (their numbers in `known`), in their order: for
/// each, message and identities (from `early` when the walk matched them already), then
/// paths (from `piped` when the pipeline found them already). Only the commits with
/// something to report take room while the findings are gathered.
#[allow(clippy::too_many_arguments)]
fn check_selected(
    repo: &Repo,
    policy: &Policy,
    m: &Matcher,
    selected: &[u32],
    known: &Nodes,
    mut early: Option<&mut OidMap<Vec<Finding>>>,
    piped: Option<OidMap<Vec<String>>>,
    opts: &AuditOptions,
    progress: &dyn Progress,
    stage: Stage,
) -> Result<Vec<Finding>> {
    let paths = opts.kinds.paths && m.has_kind(Kind::Path);
    // (index in `selected`, findings) for the commits with message or identity findings.
    let mut meta = || -> Result<Vec<(usize, Vec<Finding>)>> {
        if let Some(early) = early.as_mut() {
            return Ok(selected
                .iter()
                .enumerate()
                .filter_map(|(i, &n)| early.remove(&known.id(n)).map(|f| (i, f)))
                .collect());
        }
        let mut all = Vec::new();
        if !opts.kinds.messages && !opts.kinds.identities {
            return Ok(all);
        }
        for (i, &n) in selected.iter().enumerate() {
            let info = repo.commit(known.id(n))?;
            let mut found = Vec::new();
            check_metadata(m, &info, opts.kinds, &mut found);
            let f = findings_of(policy, m, &info, found, stage);
            if !f.is_empty() {
                all.push((i, f));
            }
        }
        Ok(all)
    };
    let (meta, changed) = if let Some(mut piped) = piped {
        // Found by the pipeline already.
        let changed = selected
            .iter()
            .enumerate()
            .filter_map(|(i, &n)| piped.remove(&known.id(n)).map(|p| (i, p)))
            .collect();
        (meta()?, changed)
    } else if paths {
        changed_paths(repo.shared(), m, selected, known, opts, progress, meta)?
    } else {
        progress.advance(selected.len() as u64);
        (meta()?, Vec::new())
    };

    let mut findings = Vec::new();
    let mut meta = meta.into_iter().peekable();
    let mut changed = changed.into_iter().peekable();
    // Both lists are by index in `selected`: the commits are met in their order, each with
    // its message and identity findings first, then its paths (as in `Checker::commit`).
    loop {
        let i = match (meta.peek(), changed.peek()) {
            (None, None) => break,
            (Some((i, _)), None) | (None, Some((i, _))) => *i,
            (Some((i, _)), Some((j, _))) => *i.min(j),
        };
        while let Some((_, f)) = meta.next_if(|(j, _)| *j == i) {
            findings.extend(f);
        }
        while let Some((_, paths)) = changed.next_if(|(j, _)| *j == i) {
            let mut found = Vec::new();
            for p in &paths {
                m.check_path(p, &mut found);
            }
            if !found.is_empty() {
                let info = repo.commit(known.id(selected[i]))?;
                findings.extend(findings_of(policy, m, &info, found, stage));
            }
        }
    }
    Ok(findings)
}

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
    stage: Stage,
) -> Vec<Finding> {
    let mut found = Vec::new();
    check_metadata(m, info, opts.kinds, &mut found);
    findings_of(policy, m, info, found, stage)
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
    let mut findings = Vec::new();
    for r in repo.named_refs(&opts.refs)? {
        let mut found = Vec::new();
        m.check_ref(&r.name, &mut found);
        if found.is_empty() {
            continue;
        }
        match r.commit {
            Some(id) => {
                let info = repo.commit(id)?;
                findings.extend(findings_of(policy, m, &info, found, Stage::Audit));
            }
            None => {
                let cx = Context {
                    commit: r.target.to_string(),
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

/// Where the commits of a [`pipeline`] come from.
#[derive(Clone, Copy)]
enum Commits<'a> {
    /// Every commit reachable from these tips.
    Tips(&'a [Oid]),
    /// These commits (a range computed elsewhere); parents outside it are not checked.
    Ids(&'a [Oid]),
}

/// What a [`pipeline`] found.
struct Piped {
    walk: Walk,
    /// The metadata findings of each commit that has some.
    early: OidMap<Vec<Finding>>,
    /// The changed marker paths of each commit that has some.
    changed: OidMap<Vec<String>>,
}

/// Work for one worker: raw commits to match and commits whose paths to check, the ones the
/// walk read last (so that a worker's trees follow each other, as its caches want).
#[derive(Default)]
struct Batch {
    ids: Vec<Oid>,
    /// Where each raw commit ends in `raw`.
    ends: Vec<usize>,
    raw: Vec<u8>,
    ready: Vec<crate::git::walk::Ready>,
}

/// Commits per batch: the first batches are small, so that the workers start early and a
/// small history is shared out too; they double up to a size at which a worker seldom starts
/// on trees its caches have not seen (a batch boundary costs about a delta chain's worth of
/// decoding).
const FIRST_BATCH: usize = 64;
const BATCH: usize = 1024;

/// How many threads check paths.
fn path_threads(opts: &AuditOptions, jobs: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    match opts.threads {
        // The diff method is the single-threaded reference.
        _ if opts.path_method == PathMethod::Diff => 1,
        // Small audits are not worth a second thread (unless asked for).
        0 if jobs.is_some_and(|n| n < 2_000) => 1,
        0 => cores.min(4),
        n => n,
    }
}

/// The cache budget of each worker of an audit whose trees are listed up front.
const LISTED_CACHE_BUDGET_BYTES: usize = 16 << 20;

/// The tree table, listed on a thread of its own: workers look for it, or wait for it.
type Pending = std::sync::OnceLock<std::sync::Arc<TreeTable>>;

/// Gives an empty table when dropped before the listing thread gave its own (it panicked):
/// the workers then read every tree the ordinary way, rather than wait.
struct GiveOnDrop<'a>(&'a Pending);

impl Drop for GiveOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.set(std::sync::Arc::default());
    }
}

/// Reads the commits on this thread while workers match the messages and identities of
/// those already read and check the paths of those whose first parent is read too: the
/// walk, the matching and the path checks overlap, and every core has work from the start.
/// The commits go out in batches through a bounded queue, so memory does not grow with a
/// history the workers are slower than the walk on.
#[allow(clippy::too_many_arguments)]
fn pipeline(
    shared: &Shared,
    policy: &Policy,
    m: &Matcher,
    opts: &AuditOptions,
    commits: Commits<'_>,
    paths: bool,
    scan: Option<&(dyn Fn() -> TreeTable + Sync)>,
    stage: Stage,
    progress: &dyn Progress,
) -> Result<Piped> {
    use std::sync::{Arc, Mutex};
    let do_meta = opts.kinds.messages || opts.kinds.identities;
    let do_paths = paths && opts.kinds.paths && m.has_kind(Kind::Path);
    let threads = path_threads(opts, None);
    let pending = scan.map(|_| Pending::default());
    let work = |rx: Arc<Mutex<std::sync::mpsc::Receiver<Batch>>>| -> Result<_> {
        // With the trees listed up front a list dropped from the cache is cheap to make
        // again: a smaller cache leaves room for the table.
        let mut index = match &pending {
            Some(_) => MarkerIndex::with_budget(shared.reader(), LISTED_CACHE_BUDGET_BYTES),
            None => MarkerIndex::new(shared.reader()),
        };
        // Commits ready for their paths while the trees are still being listed.
        let mut waiting = waiting::Waiting::default();
        let mut listed = pending.is_none();
        let mut early: OidMap<Vec<Finding>> = OidMap::default();
        let mut changed = Vec::new();
        let mut check = |index: &mut MarkerIndex, r: &crate::git::walk::Ready| -> Result<()> {
            let paths = match opts.path_method {
                PathMethod::Index => index.changed(m, r.tree, r.parent_tree)?,
                PathMethod::Diff => diff_paths(index.reader(), m, r.tree, r.parent_tree)?,
            };
            if !paths.is_empty() {
                changed.push((r.commit, paths));
            }
            Ok(())
        };
        loop {
            let next = match rx.lock() {
                Ok(rx) => rx.recv(),
                Err(_) => break,
            };
            let Ok(batch) = next else { break };
            let mut start = 0;
            for (&id, &end) in batch.ids.iter().zip(&batch.ends) {
                let raw = &batch.raw[start..end];
                start = end;
                if is_exempt(policy, id) {
                    continue;
                }
                let f = match_commit(policy, m, opts, &CommitInfo::decode(id, raw)?, stage);
                if !f.is_empty() {
                    early.insert(id, f);
                }
            }
            if let (false, Some(p)) = (listed, &pending) {
                // Waiting for the list past a bound, so that memory does not grow.
                let table = if waiting.len_bytes() > waiting::Waiting::MAX_BYTES {
                    Some(p.wait().clone())
                } else {
                    p.get().cloned()
                };
                if let Some(table) = table {
                    index.set_table(table);
                    listed = true;
                    for r in waiting.take() {
                        check(&mut index, &r)?;
                    }
                } else {
                    batch.ready.iter().for_each(|r| waiting.push(r));
                    progress.advance(batch.ready.len() as u64);
                    continue;
                }
            }
            for r in &batch.ready {
                check(&mut index, r)?;
            }
            progress.advance(batch.ready.len() as u64);
        }
        if let (false, Some(p)) = (listed, &pending) {
            index.set_table(p.wait().clone());
            for r in waiting.take() {
                check(&mut index, &r)?;
            }
        }
        // Freeing hundreds of thousands of cached lists one by one takes longer than the
        // process has left to live; the memory goes back when the audit's process ends.
        if opts.last_in_process {
            index.leak();
        }
        Ok((early, changed))
    };
    std::thread::scope(|scope| -> Result<Piped> {
        if let (Some(scan), Some(p)) = (scan, &pending) {
            // The trees are listed beside the walk; the workers check paths once it is done.
            std::thread::Builder::new()
                .spawn_scoped(scope, move || {
                    let _done = GiveOnDrop(p);
                    let _ = p.set(std::sync::Arc::new(scan()));
                })
                .map_err(thread_error)?;
        }
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2 * threads);
        // Each worker holds the queue; when the last one ends (or panics) the queue closes
        // and the walk's sends fail instead of blocking.
        let rx = Arc::new(Mutex::new(rx));
        let handles = (0..threads)
            .map(|_| {
                let (work, rx) = (&work, rx.clone());
                crate::big_stack().spawn_scoped(scope, move || work(rx))
            })
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(thread_error)?;
        drop(rx);

        let batch = std::cell::RefCell::new(Batch::default());
        let limit = std::cell::Cell::new(FIRST_BATCH);
        let send = |full: bool| {
            let mut b = batch.borrow_mut();
            let pending = b.ids.len().max(b.ready.len());
            if pending >= limit.get() || (full && pending > 0) {
                limit.set((limit.get() * 2).min(BATCH));
                progress.grow(b.ready.len() as u64);
                // A closed queue means every worker failed; their errors are reported below.
                let _ = tx.send(std::mem::take(&mut *b));
            }
        };
        let mut on_commit = |id: Oid, raw: &[u8]| {
            if do_meta {
                let mut b = batch.borrow_mut();
                b.ids.push(id);
                b.raw.extend_from_slice(raw);
                let end = b.raw.len();
                b.ends.push(end);
            }
            send(false);
        };
        let mut on_ready = |r: crate::git::walk::Ready| {
            if do_paths {
                batch.borrow_mut().ready.push(r);
            }
        };
        let mut reader = shared.commit_reader();
        let walk = match commits {
            Commits::Tips(tips) => {
                crate::git::walk::walk_ready(&mut reader, tips, &mut on_commit, &mut on_ready)
            }
            Commits::Ids(ids) => {
                crate::git::walk::nodes_ready(&mut reader, ids, &mut on_commit, &mut on_ready)
            }
        };
        send(true);
        drop(tx);
        let mut early: OidMap<Vec<Finding>> = OidMap::default();
        let mut changed: OidMap<Vec<String>> = OidMap::default();
        let mut failed = None;
        for h in handles {
            match h
                .join()
                .unwrap_or_else(|_| Err(panicked("checking commits")))
            {
                Ok((e, c)) => {
                    early.extend(e);
                    changed.extend(c);
                }
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        let walk = walk?;
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(Piped {
            walk,
            early,
            changed,
        })
    })
}

/// Runs `meta` on this thread while workers find the changed marker paths of each commit of
/// `jobs`; returns `meta`'s result and, for each commit with changed marker paths, its index
/// and the paths (sorted), in order.
#[allow(clippy::type_complexity)]
fn changed_paths<T>(
    shared: &Shared,
    m: &Matcher,
    jobs: &[u32],
    known: &Nodes,
    opts: &AuditOptions,
    progress: &dyn Progress,
    meta: impl FnOnce() -> Result<T>,
) -> Result<(T, Vec<(usize, Vec<String>)>)> {
    let threads = path_threads(opts, Some(jobs.len()));
    // The history goes out in chunks, taken in turn by whichever worker is free: the newest
    // commits have the largest trees, so equal halves would leave one core idle at the end.
    let chunks = if threads > 1 { threads * 8 } else { 1 };
    let per = jobs.len().div_ceil(chunks).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let worker = || -> Result<Vec<(usize, Vec<String>)>> {
        let mut index = MarkerIndex::new(shared.reader());
        let mut out = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let start = (k * per).min(jobs.len());
            let end = ((k + 1) * per).min(jobs.len());
            if start == end {
                break;
            }
            for (n, &number) in jobs[start..end].iter().enumerate() {
                let commit = known.id(number);
                let node = known.get(&commit).ok_or_else(|| not_walked(commit))?;
                let parent_tree = match node.parent {
                    None => None,
                    // A parent outside the walk (hidden by a range) is read here.
                    Some(p) => Some(match known.get(&p) {
                        Some(n) => n.tree,
                        None => index.reader().node(p)?.tree,
                    }),
                };
                let paths = match opts.path_method {
                    PathMethod::Index => index.changed(m, node.tree, parent_tree)?,
                    PathMethod::Diff => diff_paths(index.reader(), m, node.tree, parent_tree)?,
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
            let part = h
                .join()
                .unwrap_or_else(|_| Err(panicked("checking paths")))?;
            changed.extend(part);
        }
        changed.sort_unstable_by_key(|(i, _)| *i);
        Ok((meta, changed))
    })
}

/// A selected commit the walk does not hold (a bug, reported rather than panicking).
fn not_walked(id: Oid) -> Error {
    Error::input(
        "the commit walk",
        format!("commit {id} was selected but not walked"),
    )
}

fn thread_error(e: std::io::Error) -> Error {
    Error::input("starting a thread", e.to_string())
}
