//! `aigate audit`: every commit reachable from the given revisions (or every ref) checked
//! against the policy, plus the message and tagger of every annotated tag among the refs.
//! Also the per-commit check that the push and receive hooks share.

use git2::{Oid, Repository};

use crate::catalogue::Kind;
use crate::error::{Error, Result};
use crate::finding::{Context, Finding, Stage};
use crate::matcher::{Match, Matcher, Role};
use crate::paths::{diff_paths, MarkerIndex, OidMap, Share};
use crate::policy::Policy;
use crate::repo::{CommitInfo, RefSelection, Repo, TagInfo};

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
    pub matcher: Matcher,
    policy: &'r Policy,
    index: MarkerIndex<'r>,
    method: PathMethod,
}

impl<'r> Checker<'r> {
    pub fn new(repo: &'r Repo, policy: &'r Policy, method: PathMethod) -> Result<Self> {
        Ok(Checker {
            repo,
            matcher: Matcher::new(policy)?,
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
        m.check_message(&info.message, &mut found);
        m.check_identity(
            Role::Author,
            &info.author.name,
            &info.author.email,
            &mut found,
        );
        m.check_identity(
            Role::Committer,
            &info.committer.name,
            &info.committer.email,
            &mut found,
        );
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
        };
        Ok(found.into_iter().map(|f| Finding::new(m, f, &cx)).collect())
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
        };
        found.into_iter().map(|f| Finding::new(m, f, &cx)).collect()
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
/// Commits are read and their messages and identities matched on this thread; the changed
/// marker paths are then found by `threads` workers, each with its own repository handle
/// and tree cache, each covering a share of the top-level entries of every tree (see
/// [`Share`]).
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
    // cache only holds what this walk never reads twice.
    git2::opts::strict_hash_verification(false);
    git2::opts::enable_caching(false);
    let checker = Checker::new(repo, policy, opts.path_method)?;
    let m = &checker.matcher;
    let mut ids = Vec::new();
    for oid in repo.walk_selected(&opts.revisions, &opts.refs)? {
        ids.push(oid.map_err(|e| Error::git("walking commits", e))?);
    }
    progress.start("reading commits", ids.len() as u64);

    // Per selected commit: its id, tree, first parent, and findings so far.
    struct Selected {
        id: Oid,
        tree: Oid,
        parent: Option<Oid>,
        findings: Vec<Finding>,
    }
    let mut selected: Vec<Selected> = Vec::new();
    let mut tree_of: OidMap<Oid> = OidMap::default();
    for (n, &oid) in ids.iter().enumerate() {
        if n % 1024 == 1023 {
            progress.advance(1024);
        }
        if opts.max_count.is_some_and(|max| selected.len() >= max) {
            break;
        }
        let info = repo.commit(oid)?;
        tree_of.insert(oid, info.tree);
        if opts.since.is_some_and(|t| info.time < t) || opts.until.is_some_and(|t| info.time > t) {
            continue;
        }
        if policy.is_exempt_commit(&oid.to_string()) {
            continue;
        }
        let mut found = Vec::new();
        if opts.kinds.messages {
            m.check_message(&info.message, &mut found);
        }
        if opts.kinds.identities {
            m.check_identity(
                Role::Author,
                &info.author.name,
                &info.author.email,
                &mut found,
            );
            m.check_identity(
                Role::Committer,
                &info.committer.name,
                &info.committer.email,
                &mut found,
            );
        }
        selected.push(Selected {
            id: oid,
            tree: info.tree,
            parent: info.parents.first().copied(),
            findings: findings_of(m, &info, found, Stage::Audit),
        });
    }
    drop(ids);

    if opts.kinds.paths && m.has_kind(Kind::Path) {
        let mut jobs = Vec::with_capacity(selected.len());
        for s in &selected {
            let parent_tree = match s.parent {
                None => None,
                Some(p) => Some(match tree_of.get(&p) {
                    Some(&t) => t,
                    None => checker.tree_of(p)?, // outside the walk (a range's boundary)
                }),
            };
            jobs.push((s.tree, parent_tree));
        }
        drop(tree_of);
        let changed = changed_paths(repo, m, &jobs, opts, progress)?;
        for (s, paths) in selected.iter_mut().zip(changed) {
            if paths.is_empty() {
                continue;
            }
            let mut found = Vec::new();
            for p in &paths {
                m.check_path(p, &mut found);
            }
            if found.is_empty() {
                continue;
            }
            let info = repo.commit(s.id)?;
            // Same order as `Checker::commit`: message and identities, then paths.
            s.findings
                .extend(findings_of(m, &info, found, Stage::Audit));
        }
    }

    let commits = selected.len();
    let mut findings: Vec<Finding> = selected.into_iter().flat_map(|s| s.findings).collect();
    let tags = if opts.revisions.is_empty() && opts.refs.is_empty() {
        repo.annotated_tags()?
    } else if let Some(glob) = &opts.refs.tags {
        repo.annotated_tags_matching(glob)?
    } else {
        Vec::new()
    };
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

/// Findings for the matches of one commit.
fn findings_of(m: &Matcher, info: &CommitInfo, found: Vec<Match>, stage: Stage) -> Vec<Finding> {
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
    };
    found.into_iter().map(|f| Finding::new(m, f, &cx)).collect()
}

/// The changed marker paths of each `(tree, first parent's tree)` job, sorted.
fn changed_paths(
    repo: &Repo,
    m: &Matcher,
    jobs: &[(Oid, Option<Oid>)],
    opts: &AuditOptions,
    progress: &dyn Progress,
) -> Result<Vec<Vec<String>>> {
    progress.start("checking paths", jobs.len() as u64);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = match opts.threads {
        0 => cores.min(4),
        n => n,
    };
    // Small audits are not worth a thread; the diff method is the single-threaded reference.
    let threads = if jobs.len() < 2_000 || opts.path_method == PathMethod::Diff {
        1
    } else {
        threads.max(1)
    };
    let git_dir = repo.git.path().to_owned();
    let worker = |share: Share, own: Option<&Repository>| -> Result<Vec<Vec<String>>> {
        let opened;
        let git = match own {
            Some(g) => g,
            None => {
                opened = Repository::open(&git_dir).map_err(|source| Error::OpenRepo {
                    path: git_dir.clone(),
                    source,
                })?;
                &opened
            }
        };
        let mut index = MarkerIndex::with_share(git, share)?;
        let mut out = Vec::with_capacity(jobs.len());
        for (n, &(tree, parent)) in jobs.iter().enumerate() {
            out.push(match opts.path_method {
                PathMethod::Index => index.changed(m, tree, parent)?,
                PathMethod::Diff => diff_paths(git, m, tree, parent)?,
            });
            if share.k == 0 && n % 256 == 255 {
                progress.advance(256);
            }
        }
        Ok(out)
    };
    if threads == 1 {
        return worker(Share::ALL, Some(&repo.git));
    }
    let results: Vec<Result<Vec<Vec<String>>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads)
            .map(|k| scope.spawn(move || worker(Share { k, n: threads }, None)))
            .collect();
        let mut results = vec![worker(Share { k: 0, n: threads }, Some(&repo.git))];
        for h in handles {
            results.push(h.join().unwrap_or_else(|_| {
                Err(Error::input("auditing paths", "a worker thread panicked"))
            }));
        }
        results
    });
    let mut merged: Vec<Vec<String>> = Vec::new();
    for r in results {
        let part = r?;
        if merged.is_empty() {
            merged = part;
            continue;
        }
        for (all, more) in merged.iter_mut().zip(part) {
            if !more.is_empty() {
                all.extend(more);
                all.sort();
            }
        }
    }
    Ok(merged)
}
