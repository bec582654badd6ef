//! `aigate report merge`: JSON reports of several audits (the shards of an org-wide audit)
//! combined into one, with the summary recomputed from the findings.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::finding::Finding;
use crate::error::Result;
use crate::report::{CarriedMerge, Counts, PolicyInfo, RepoSummary};

/// What a merge needs from each report; the totals are recomputed.
#[derive(Debug, Deserialize)]
struct Input {
    findings: Vec<Finding>,
    summary: InputSummary,
    #[serde(default)]
    carried_merges: Vec<CarriedMerge>,
}

#[derive(Debug, Deserialize)]
struct InputSummary {
    #[serde(default)]
    refs: Vec<String>,
    #[serde(default)]
    policy: Option<PolicyInfo>,
    #[serde(default = "yes")]
    complete: bool,
    repositories: usize,
    #[serde(default)]
    not_audited: usize,
    commits_scanned: usize,
    #[serde(default)]
    baselined: usize,
    #[serde(default)]
    by_repository: Vec<RepoSummary>,
}

fn yes() -> bool {
    true
}

/// The findings and counts of several reports together.
#[derive(Debug, Default)]
pub struct Merged {
    pub findings: Vec<Finding>,
    pub carried_merges: Vec<CarriedMerge>,
    pub refs: Vec<String>,
    pub repositories: usize,
    pub not_audited: usize,
    pub commits: usize,
    pub baselined: usize,
    /// One row per repository: a report's own rows, or one for a single-repository report.
    pub by_repository: Vec<RepoSummary>,
}

/// Reads and combines `paths`, in order. A finding that names no repository (the report of
/// a single-repository audit) is given the report's path, so that findings of different
/// reports stay apart in the totals; that report's row in `by_repository` has that path too.
pub fn merge(paths: &[PathBuf]) -> Result<Merged> {
    let mut merged = Merged::default();
    for path in paths {
        let input: Input =
            super::read_json(path, "report", "not an `aigate audit --format json` report")?;
        let name = path.display().to_string();
        let s = input.summary;
        merged.repositories += s.repositories;
        merged.not_audited += s.not_audited;
        merged.commits += s.commits_scanned;
        merged.baselined += s.baselined;
        for r in s.refs {
            if !merged.refs.contains(&r) {
                merged.refs.push(r);
            }
        }
        if s.by_repository.is_empty() {
            let c = Counts::of(&input.findings);
            merged.by_repository.push(RepoSummary {
                path: name.clone(),
                error: None,
                audited: true,
                complete: s.complete,
                policy: s.policy,
                commits_scanned: s.commits_scanned,
                commits_flagged: c.commits_flagged,
                findings: c.findings,
                denied: c.denied,
                warned: c.warned,
            });
        } else {
            merged.by_repository.extend(s.by_repository);
        }
        for mut f in input.findings {
            f.repository.get_or_insert_with(|| name.clone());
            merged.findings.push(f);
        }
        for mut m in input.carried_merges {
            m.repository.get_or_insert_with(|| name.clone());
            merged.carried_merges.push(m);
        }
    }
    Ok(merged)
}

/// Merges `paths` and writes the combined report in `format`; returns the exit status (1
/// when a merged finding is denied, as for the audits themselves). `config` names the
/// policy the audits used, for the names of the assistants it adds.
pub fn run(
    paths: &[PathBuf],
    config: Option<&Path>,
    format: crate::cli::ReportFormat,
    colour: bool,
    now: i64,
    out: &mut dyn std::io::Write,
) -> Result<u8> {
    let merged = merge(paths)?;
    let catalogue = match config {
        Some(path) => crate::policy::Policy::from_file(path)?.catalogue,
        None => crate::catalogue::Catalogue::builtin()?,
    };
    // One policy when every repository audited applied the same one.
    let mut policies: Vec<&PolicyInfo> = Vec::new();
    for p in merged
        .by_repository
        .iter()
        .filter_map(|r| r.policy.as_ref())
    {
        if !policies.contains(&p) {
            policies.push(p);
        }
    }
    let policy = match policies[..] {
        [one] => Some(one.clone()),
        [] => Some(PolicyInfo {
            file: config.map(|p| p.display().to_string()),
            preset: None,
        }),
        _ => None,
    };
    let facts = super::render::Facts {
        now,
        repository: None,
        refs: merged.refs,
        policy,
        commits: merged.commits,
        repositories: merged.repositories,
        not_audited: merged.not_audited,
        baselined: merged.baselined,
        by_repository: merged.by_repository,
        carried_merges: merged.carried_merges,
    };
    let report = super::render::build(merged.findings, facts, &catalogue);
    super::render::write(out, format, &report, &catalogue, colour)?;
    Ok(crate::verdict(&report.findings))
}
