//! The one place where `aigate ci` and `aigate report merge` build the audit's [`Report`] and
//! hand it to the report formats (human, JSON, SARIF, Markdown), so that a change in how
//! those reports are built is met here alone.

use std::io::Write;

use crate::catalogue::Catalogue;
use crate::cli::ReportFormat;
use crate::engine::finding::Finding;
use crate::error::Result;
use crate::report::{self, CarriedMerge, Counts, PolicyInfo, RepoSummary, Report, Summary};

/// What a report states beside its findings (the audit gets these from `report::collect`).
#[derive(Debug, Default)]
pub struct Facts {
    /// When the run started, seconds since the epoch.
    pub now: i64,
    /// The repository, when the report covers one (else see `by_repository`).
    pub repository: Option<String>,
    /// What was checked, in git's revision syntax.
    pub refs: Vec<String>,
    /// The policy applied; `None` when repositories applied different ones.
    pub policy: Option<PolicyInfo>,
    pub commits: usize,
    /// Repositories audited.
    pub repositories: usize,
    /// Repositories that could not be audited.
    pub not_audited: usize,
    /// Findings left out because a baseline lists them.
    pub baselined: usize,
    /// One row per repository, when the report covers several.
    pub by_repository: Vec<RepoSummary>,
    pub carried_merges: Vec<CarriedMerge>,
}

/// The report of `findings` with the totals counted from them.
pub fn build(findings: Vec<Finding>, facts: Facts, catalogue: &Catalogue) -> Report {
    let c = Counts::of(&findings);
    let shallow = facts.by_repository.iter().any(|r| r.audited && !r.complete);
    let summary = Summary {
        version: env!("CARGO_PKG_VERSION"),
        date: report::date_time(facts.now),
        repository: facts.repository,
        refs: facts.refs,
        policy: facts.policy,
        complete: !shallow && facts.not_audited == 0,
        shallow,
        repositories: facts.repositories,
        not_audited: facts.not_audited,
        commits_scanned: facts.commits,
        commits_flagged: c.commits_flagged,
        // Rewriting a merged branch rewrites its merges: they are not counted again.
        commits_denied: c.commits_denied.saturating_sub(facts.carried_merges.len()),
        findings: c.findings,
        denied: c.denied,
        warned: c.warned,
        baselined: facts.baselined,
        assistants: report::assistants(&findings, catalogue),
        by_repository: facts.by_repository,
    };
    Report {
        summary,
        findings,
        carried_merges: facts.carried_merges,
    }
}

/// Writes `report` in `format`.
pub fn write(
    out: &mut dyn Write,
    format: ReportFormat,
    report: &Report,
    catalogue: &Catalogue,
    colour: bool,
) -> Result<()> {
    match format {
        ReportFormat::Human => report::human::write(out, report, catalogue, colour, false),
        ReportFormat::Json => report::json(out, report, false),
        ReportFormat::Sarif => report::sarif::write(out, report, catalogue),
        ReportFormat::Markdown => report::markdown::write(out, report, false),
    }
}
