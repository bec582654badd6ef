//! Rendering findings: human text (grouped by assistant, with a summary) and JSON, both from
//! the same [`Finding`] structs. Untrusted text is sanitised in the human format; JSON escapes
//! it by construction.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::policy::Severity;
use crate::sanitize::for_terminal;

/// Totals over a set of findings, per assistant and overall.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub repositories: usize,
    pub commits_scanned: usize,
    pub commits_flagged: usize,
    pub findings: usize,
    pub denied: usize,
    pub warned: usize,
    pub assistants: BTreeMap<String, AssistantSummary>,
}

#[derive(Debug, Serialize)]
pub struct AssistantSummary {
    pub name: String,
    pub severity: Severity,
    pub findings: usize,
    pub commits: usize,
    /// Earliest and latest author date of its commits, `YYYY-MM-DD`.
    pub first: String,
    pub last: String,
    pub authors: Vec<String>,
}

impl Summary {
    pub fn new(
        findings: &[Finding],
        catalogue: &Catalogue,
        commits_scanned: usize,
        repositories: usize,
    ) -> Summary {
        #[derive(Default)]
        struct Acc {
            severity: Option<Severity>,
            commits: BTreeSet<(String, String)>,
            first: Option<i64>,
            last: Option<i64>,
            authors: BTreeSet<String>,
            findings: usize,
        }
        let mut per: BTreeMap<String, Acc> = BTreeMap::new();
        let mut flagged = BTreeSet::new();
        for f in findings {
            let key = (f.repository.clone().unwrap_or_default(), f.commit.clone());
            flagged.insert(key.clone());
            let a = per.entry(f.assistant.clone()).or_default();
            a.severity = a.severity.max(Some(f.severity));
            a.commits.insert(key);
            a.first = Some(a.first.map_or(f.date, |d| d.min(f.date)));
            a.last = Some(a.last.map_or(f.date, |d| d.max(f.date)));
            a.authors.insert(f.author.clone());
            a.findings += 1;
        }
        let assistants = per
            .into_iter()
            .map(|(id, a)| {
                let name = catalogue
                    .assistant(&id)
                    .map_or_else(|| id.clone(), |x| x.name.clone());
                let summary = AssistantSummary {
                    name,
                    severity: a.severity.unwrap_or(Severity::Warn),
                    findings: a.findings,
                    commits: a.commits.len(),
                    first: a.first.map_or_else(|| "-".to_owned(), date),
                    last: a.last.map_or_else(|| "-".to_owned(), date),
                    authors: a.authors.into_iter().collect(),
                };
                (id, summary)
            })
            .collect();
        Summary {
            repositories,
            commits_scanned,
            commits_flagged: flagged.len(),
            findings: findings.len(),
            denied: findings
                .iter()
                .filter(|f| f.severity == Severity::Deny)
                .count(),
            warned: findings
                .iter()
                .filter(|f| f.severity == Severity::Warn)
                .count(),
            assistants,
        }
    }
}

/// `{"findings": [...], "summary": {...}}`, one object, pretty-printed.
pub fn json(out: &mut dyn Write, findings: &[Finding], summary: &Summary) -> Result<()> {
    #[derive(Serialize)]
    struct Report<'a> {
        findings: &'a [Finding],
        summary: &'a Summary,
    }
    serde_json::to_writer_pretty(&mut *out, &Report { findings, summary })
        .map_err(|e| Error::Output(e.into()))?;
    writeln!(out).map_err(Error::Output)
}

/// Findings grouped by assistant, then one summary line.
pub fn human(out: &mut dyn Write, findings: &[Finding], summary: &Summary) -> Result<()> {
    human_inner(out, findings, summary).map_err(Error::Output)
}

fn human_inner(
    out: &mut dyn Write,
    findings: &[Finding],
    summary: &Summary,
) -> std::io::Result<()> {
    for (id, a) in &summary.assistants {
        let label = match a.severity {
            Severity::Deny => "denied",
            Severity::Warn => "warning",
        };
        writeln!(
            out,
            "{} ({id}), {label}: {} finding{} in {} commit{}, {} to {}",
            a.name,
            a.findings,
            plural(a.findings),
            a.commits,
            plural(a.commits),
            a.first,
            a.last
        )?;
        for f in findings.iter().filter(|f| &f.assistant == id) {
            let repo = f
                .repository
                .as_deref()
                .map(|r| format!("{}: ", for_terminal(r)))
                .unwrap_or_default();
            let object = match &f.tag {
                Some(t) => format!("tag {}", for_terminal(t)),
                None => f.commit[..f.commit.len().min(12)].to_owned(),
            };
            writeln!(
                out,
                "  {repo}{object} {} {}",
                date(f.date),
                for_terminal(&f.subject)
            )?;
            writeln!(
                out,
                "    {}: {} [{}]",
                f.severity.as_str(),
                f.what(),
                f.rule
            )?;
            writeln!(out, "    fix: {}", for_terminal(&f.hint))?;
        }
        writeln!(out)?;
    }
    let repos = if summary.repositories > 1 {
        format!(" across {} repositories", summary.repositories)
    } else {
        String::new()
    };
    if summary.findings == 0 {
        writeln!(
            out,
            "no findings in {} commit{}{repos}",
            summary.commits_scanned,
            plural(summary.commits_scanned)
        )
    } else {
        writeln!(
            out,
            "{} finding{} ({} denied, {} warning{}) in {} of {} commit{}{repos}",
            summary.findings,
            plural(summary.findings),
            summary.denied,
            summary.warned,
            plural(summary.warned),
            summary.commits_flagged,
            summary.commits_scanned,
            plural(summary.commits_scanned)
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `YYYY-MM-DD` (UTC) for seconds since the epoch.
pub fn date(secs: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(1_775_587_767), "2026-04-07");
        assert_eq!(super::date(951_782_400), "2000-02-29");
    }
}
