//! Runs the audit over each repository of a run and gathers what the report says: the
//! findings, how completely each history could be seen, which policy applied, which
//! repositories could not be audited, and which merges only bring in what the commits of
//! their branch already carry.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use crate::audit::progress::Bar;
use crate::audit::AuditOptions;
use crate::catalogue::{Catalogue, Kind};
use crate::engine::finding::Finding;
use crate::error::{chain, Error, Result};
use crate::git::ancestry::{Ancestry, Branch};
use crate::git::paths::OidSet;
use crate::git::repo::Repo;
use crate::git::Oid;
use crate::policy::Policy;
use crate::report::baseline::Baseline;
use crate::report::{
    assistants, CarriedMerge, Counts, PolicyInfo, RepoSummary, Report, Summary, SHALLOW,
};

/// What one run audits.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The repositories, in order (at least one).
    pub dirs: Vec<PathBuf>,
    /// `--config`: the policy file for every repository (else each finds its own).
    pub config: Option<PathBuf>,
    pub options: AuditOptions,
    /// Where the walk starts, in git's revision syntax (for the report).
    pub refs: Vec<String>,
    /// A shallow clone is an error instead of a report that says it is incomplete.
    pub require_complete: bool,
    /// When the run started, seconds since the epoch.
    pub now: i64,
    /// Findings name their repository and the summary has a row per repository: more than
    /// one repository, or a `--repos-from` list (even of one, so that `aigate report merge`
    /// keeps the repositories of shards apart).
    pub several: bool,
    /// `--jobs`: how many repositories are audited at once (0 is taken as 1).
    pub jobs: usize,
}

/// What the audit of one repository gave.
struct Audited {
    findings: Vec<Finding>,
    commits: usize,
    complete: bool,
    policy: PolicyInfo,
    carried: Vec<CarriedMerge>,
}

/// The audits of every repository of a run, before any baseline is applied.
pub struct Collected {
    repos: Vec<(String, std::result::Result<Audited, String>)>,
    pub catalogue: Catalogue,
}

/// Audits each repository of `scope`, up to `scope.jobs` at once, in the order given. With
/// several, one that cannot be audited is reported on `err` and in the report, and the others
/// still are; with one, its error is returned.
pub fn collect(scope: &Scope, bar: &Bar, err: &mut dyn Write) -> Result<Collected> {
    let several = scope.several;
    let jobs = scope.jobs.max(1);
    let mut repos = Vec::new();
    let mut catalogue = None;
    let results = crate::audit::parallel::map_ordered(&scope.dirs, jobs, |i, dir| {
        let opts = AuditOptions {
            // The last audit of a lone job leaks its index: the process ends right after it.
            last_in_process: i + 1 == scope.dirs.len() && jobs == 1,
            ..scope.options.clone()
        };
        audit_one(scope, dir, &opts, bar, several)
    });
    for (dir, result) in scope.dirs.iter().zip(results) {
        match result {
            Ok((path, audited, policy)) => {
                catalogue.get_or_insert(policy.catalogue);
                repos.push((path, Ok(audited)));
            }
            Err(e) if several => {
                bar.clear();
                let text = chain(&e);
                writeln!(err, "aigate: error: {}: {text}", dir.display()).map_err(Error::Output)?;
                repos.push((dir.display().to_string(), Err(text)));
            }
            Err(e) => return Err(e),
        }
    }
    bar.clear();
    let catalogue = match catalogue {
        Some(c) => c,
        None => Catalogue::builtin()?,
    };
    Ok(Collected { repos, catalogue })
}

fn audit_one(
    scope: &Scope,
    dir: &std::path::Path,
    opts: &AuditOptions,
    bar: &Bar,
    several: bool,
) -> Result<(String, Audited, Policy)> {
    let repo = Repo::open(Some(dir))?;
    let path = repo.display_path().display().to_string();
    let path = match path.trim_end_matches('/') {
        "" => path,
        trimmed => trimmed.to_owned(),
    };
    let complete = !repo.is_shallow();
    if !complete && scope.require_complete {
        return Err(Error::input(
            format!("repository `{path}`"),
            format!("--require-complete: the history is {SHALLOW}"),
        ));
    }
    let policy = Policy::locate(scope.config.as_deref(), repo.work_tree())?;
    let outcome = crate::audit::audit_with_progress(&repo, &policy, opts, bar)?;
    let mut findings = outcome.findings;
    if several {
        for f in &mut findings {
            f.repository = Some(path.clone());
        }
    }
    let carried = carried_merges(&repo, outcome.ancestry.as_deref(), &findings);
    let audited = Audited {
        findings,
        commits: outcome.commits,
        complete,
        policy: PolicyInfo {
            file: policy.source.as_ref().map(|p| p.display().to_string()),
            preset: policy.preset_name().map(str::to_owned),
        },
        carried,
    };
    Ok((path, audited, policy))
}

/// At most this many branch commits read per repository for the merge summary: past it,
/// merges are shown in full.
const ANCESTRY_BUDGET: usize = 1_000_000;

/// The merges whose findings are all marker paths that commits of the merged branch (reachable
/// from a later parent, not from the first) already carry, with those commits. A merge is
/// checked against its first parent, so it repeats every marker path its branch brought in.
///
/// The audit's `ancestry` answers when it has the merge (no commit is read again); the
/// repository is walked otherwise (an audit of a range).
fn carried_merges(
    repo: &Repo,
    ancestry: Option<&Ancestry>,
    findings: &[Finding],
) -> Vec<CarriedMerge> {
    let mut by_path: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for f in findings.iter().filter(|f| f.tag.is_none()) {
        if let (Kind::Path, Some(p)) = (f.kind, &f.path) {
            let list = by_path.entry((&f.rule, p)).or_default();
            if list.last() != Some(&f.commit.as_str()) {
                list.push(&f.commit);
            }
        }
    }
    let mut budget = ANCESTRY_BUDGET;
    let mut out = Vec::new();
    for group in super::lines::groups(findings) {
        let merge = &group[0].commit;
        if group[0].tag.is_some() || group.iter().any(|f| f.kind != Kind::Path) {
            continue;
        }
        // The commits of the merged branch: reachable from a later parent, not the first.
        let branch = match branch_of(repo, ancestry, merge, budget) {
            Some(branch) => branch,
            None => continue,
        };
        budget -= branch.len();
        let mut from: Vec<String> = Vec::new();
        let all = group.iter().all(|f| {
            let key = (f.rule.as_str(), f.path.as_deref().unwrap_or_default());
            let candidates = by_path.get(&key).map_or(&[][..], Vec::as_slice);
            let found = candidates.iter().find(|c| {
                **c != merge.as_str()
                    && Oid::from_hex(c.as_bytes()).is_ok_and(|id| branch.contains(&id))
            });
            if let Some(c) = found {
                if !from.iter().any(|x| x == c) {
                    from.push((*c).to_owned());
                }
            }
            found.is_some()
        });
        if all {
            out.push(CarriedMerge {
                repository: group[0].repository.clone(),
                commit: merge.clone(),
                from,
            });
        }
    }
    out
}

/// The commits that the merge `merge` brought in, from the audit's ancestry when
/// it knows the merge, else by a walk of the repository; `None` for a commit that is no
/// merge, past `limit` commits, or when the repository cannot say.
fn branch_of(
    repo: &Repo,
    ancestry: Option<&Ancestry>,
    merge: &str,
    limit: usize,
) -> Option<OidSet> {
    let id = repo.parse_id(merge).ok()?;
    if let Some(ancestry) = ancestry {
        // No commits: a commit of one parent, or a merge that brought nothing new in.
        match ancestry.branch(&id, limit) {
            Branch::Commits(ids) if ids.is_empty() => return None,
            Branch::Commits(ids) => return Some(ids),
            Branch::TooMany => return None,
            Branch::Unknown => {}
        }
    }
    let parents = repo.commit(id).ok()?.parents;
    if parents.len() < 2 {
        return None;
    }
    repo.branch_commits(&parents[1..], parents[0], limit)
        .ok()
        .flatten()
}

impl Collected {
    /// Every finding of every repository, before any baseline.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.repos
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .flat_map(|a| &a.findings)
    }

    /// Whether some repository could not be audited.
    pub fn failed(&self) -> bool {
        self.repos.iter().any(|(_, r)| r.is_err())
    }

    /// The report: findings the baseline knows are left out (and counted).
    pub fn into_report(self, scope: &Scope, baseline: Option<&Baseline>) -> (Report, Catalogue) {
        let several = scope.several;
        let mut findings = Vec::new();
        let mut carried = Vec::new();
        let mut by_repository = Vec::new();
        let mut policies: Vec<PolicyInfo> = Vec::new();
        let (mut commits, mut complete, mut audited, mut baselined) = (0, true, 0, 0);
        for (path, result) in self.repos {
            let a = match result {
                Ok(a) => a,
                Err(error) => {
                    by_repository.push(RepoSummary {
                        path,
                        error: Some(error),
                        audited: false,
                        complete: false,
                        policy: None,
                        commits_scanned: 0,
                        commits_flagged: 0,
                        findings: 0,
                        denied: 0,
                        warned: 0,
                    });
                    continue;
                }
            };
            let mut mine = a.findings;
            if let Some(b) = baseline {
                baselined += b.remove_known(&mut mine);
            }
            let c = Counts::of(&mine);
            by_repository.push(RepoSummary {
                path,
                error: None,
                audited: true,
                complete: a.complete,
                policy: Some(a.policy.clone()),
                commits_scanned: a.commits,
                commits_flagged: c.commits_flagged,
                findings: c.findings,
                denied: c.denied,
                warned: c.warned,
            });
            if !policies.contains(&a.policy) {
                policies.push(a.policy);
            }
            audited += 1;
            commits += a.commits;
            complete &= a.complete;
            findings.extend(mine);
            carried.extend(a.carried);
        }
        // A merge is shown in one line only while the findings it repeats are shown too.
        carried.retain(|m: &CarriedMerge| {
            let shown = |id: &String| {
                findings
                    .iter()
                    .any(|f| &f.commit == id && f.repository == m.repository)
            };
            shown(&m.commit) && m.from.iter().all(shown)
        });
        let c = Counts::of(&findings);
        let failed = by_repository.iter().filter(|r| !r.audited).count();
        let summary = Summary {
            version: env!("CARGO_PKG_VERSION"),
            date: super::date_time(scope.now),
            repository: (!several)
                .then(|| by_repository.first().map(|r| r.path.clone()))
                .flatten(),
            refs: scope.refs.clone(),
            policy: if policies.len() <= 1 {
                policies.pop().or_else(|| {
                    Some(PolicyInfo {
                        file: scope.config.as_ref().map(|p| p.display().to_string()),
                        preset: None,
                    })
                })
            } else {
                None
            },
            complete: complete && failed == 0,
            shallow: !complete,
            repositories: audited,
            not_audited: failed,
            commits_scanned: commits,
            commits_flagged: c.commits_flagged,
            // Rewriting a merged branch rewrites its merges: they are not counted again.
            commits_denied: c.commits_denied.saturating_sub(carried.len()),
            findings: c.findings,
            denied: c.denied,
            warned: c.warned,
            baselined,
            assistants: assistants(&findings, &self.catalogue),
            by_repository: if several { by_repository } else { Vec::new() },
        };
        let report = Report {
            summary,
            findings,
            carried_merges: carried,
        };
        (report, self.catalogue)
    }
}
