//! The one place where `aigate ci` and `aigate report merge` hand their findings to the
//! audit's report formats (human, JSON, SARIF, Markdown), so that a change in how those
//! reports are built is met here alone.

use std::io::Write;

use crate::catalogue::Catalogue;
use crate::cli::ReportFormat;
use crate::engine::finding::Finding;
use crate::error::Result;
use crate::report;

/// The counts a report states beside its findings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub commits: usize,
    pub repositories: usize,
    /// Findings left out because a baseline lists them.
    pub baselined: usize,
}

/// Writes `findings` as the audit's report in `format`.
pub fn report(
    out: &mut dyn Write,
    format: ReportFormat,
    findings: &[Finding],
    totals: Totals,
    catalogue: &Catalogue,
    colour: bool,
) -> Result<()> {
    let mut summary =
        report::Summary::new(findings, catalogue, totals.commits, totals.repositories);
    summary.baselined = totals.baselined;
    match format {
        ReportFormat::Human => report::human(out, findings, &summary, colour),
        ReportFormat::Json => report::json(out, findings, &summary),
        ReportFormat::Sarif => report::sarif::write(out, findings, catalogue),
        ReportFormat::Markdown => report::markdown(out, findings, &summary),
    }
}
