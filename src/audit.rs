//! `aigate audit`: every commit reachable from the given revisions (or every ref) checked
//! against the policy, plus the message and tagger of every annotated tag among the refs.
//! Also the per-commit check that the push and receive hooks share.

use git2::Oid;

use crate::catalogue::Kind;
use crate::error::Result;
use crate::finding::{Context, Finding, Stage};
use crate::matcher::{Matcher, Role};
use crate::paths::{diff_paths, MarkerIndex};
use crate::policy::Policy;
use crate::repo::{CommitInfo, Repo, TagInfo};

/// How a commit's changed marker paths are found (the results are identical; `Diff` is the
/// straightforward reference the fast `Index` is tested against).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathMethod {
    #[default]
    Index,
    Diff,
}

#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Revisions and ranges; empty means every ref.
    pub revisions: Vec<String>,
    pub path_method: PathMethod,
}

#[derive(Debug, Clone)]
pub struct AuditOutcome {
    pub repository: String,
    pub findings: Vec<Finding>,
    /// How many commits were checked.
    pub commits: usize,
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
            index: MarkerIndex::new(&repo.git),
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
        let m = &self.matcher;
        let mut found = Vec::new();
        m.check_message(&tag.message, &mut found);
        let (author, date) = match &tag.tagger {
            Some(t) => {
                m.check_identity(Role::Tagger, &t.name, &t.email, &mut found);
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
pub fn audit(repo: &Repo, policy: &Policy, opts: &AuditOptions) -> Result<AuditOutcome> {
    let mut checker = Checker::new(repo, policy, opts.path_method)?;
    let mut findings = Vec::new();
    let mut commits = 0;
    for oid in repo.walk(&opts.revisions)? {
        let oid = oid.map_err(|e| crate::error::Error::git("walking commits", e))?;
        let info = repo.commit(oid)?;
        findings.extend(checker.commit(&info, Stage::Audit)?);
        commits += 1;
    }
    if opts.revisions.is_empty() {
        for tag in repo.annotated_tags()? {
            findings.extend(checker.tag(&tag, Stage::Audit));
        }
    }
    Ok(AuditOutcome {
        repository: repo.display_path().display().to_string(),
        findings,
        commits,
    })
}
