//! Rendering findings: human text (grouped by assistant, with a summary) and JSON, both from
//! the same [`Finding`] structs. Untrusted text is sanitised in the human format; JSON escapes
//! it by construction.

pub mod baseline;
pub mod explain;
pub mod rules;
pub mod sarif;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::engine::finding::Finding;
use crate::error::{Error, Result};
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
    /// Findings left out because the `--baseline` file lists them.
    #[serde(skip_serializing_if = "is_zero")]
    pub baselined: usize,
    pub assistants: BTreeMap<String, AssistantSummary>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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
            baselined: 0,
            assistants,
        }
    }
}

impl Summary {
    /// ` across N repositories` when a run covered several, else nothing.
    fn across(&self) -> String {
        if self.repositories > 1 {
            format!(" across {} repositories", self.repositories)
        } else {
            String::new()
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

/// ANSI styles for the human report, or none.
#[derive(Clone, Copy)]
struct Style {
    on: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn severity(self, s: Severity, text: &str) -> String {
        self.paint(
            match s {
                Severity::Deny => "1;31",
                Severity::Warn => "1;33",
            },
            text,
        )
    }
    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
    fn commit(self, text: &str) -> String {
        self.paint("33", text)
    }
}

/// Findings grouped by assistant, then a summary per assistant (commits, dates, authors) and
/// the totals. `colour` adds ANSI styles (the caller decides: a terminal, no `NO_COLOR`).
pub fn human(
    out: &mut dyn Write,
    findings: &[Finding],
    summary: &Summary,
    colour: bool,
) -> Result<()> {
    human_inner(out, findings, summary, Style { on: colour }).map_err(Error::Output)
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Deny => "denied",
        Severity::Warn => "warning",
    }
}

fn human_inner(
    out: &mut dyn Write,
    findings: &[Finding],
    summary: &Summary,
    st: Style,
) -> std::io::Result<()> {
    for (id, a) in &summary.assistants {
        writeln!(
            out,
            "{} ({id}), {}: {} finding{} in {} commit{}, {} to {}",
            st.bold(&a.name),
            st.severity(a.severity, severity_label(a.severity)),
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
                "  {repo}{} {} {}",
                st.commit(&object),
                date(f.date),
                for_terminal(&f.subject)
            )?;
            writeln!(
                out,
                "    {}: {} [{}]",
                st.severity(f.severity, f.severity.as_str()),
                f.what(),
                f.rule
            )?;
            writeln!(
                out,
                "    {}",
                st.dim(&format!("fix: {}", for_terminal(&f.hint)))
            )?;
        }
        writeln!(out)?;
    }
    if !summary.assistants.is_empty() {
        writeln!(out, "{}", st.bold("Summary by assistant"))?;
        let width = summary
            .assistants
            .values()
            .map(|a| a.name.chars().count())
            .max()
            .unwrap_or(0);
        for a in summary.assistants.values() {
            let pad = " ".repeat(width - a.name.chars().count());
            writeln!(
                out,
                "  {}{pad}  {:7}  {:>5} commit{}  {} to {}  by {}",
                a.name,
                severity_label(a.severity),
                a.commits,
                if a.commits == 1 { " " } else { "s" },
                a.first,
                a.last,
                authors(&a.authors, 3)
            )?;
        }
        writeln!(out)?;
    }
    let repos = summary.across();
    let baselined = if summary.baselined > 0 {
        format!(" ({} more in the baseline)", summary.baselined)
    } else {
        String::new()
    };
    if summary.findings == 0 {
        writeln!(
            out,
            "no findings in {} commit{}{repos}{baselined}",
            summary.commits_scanned,
            plural(summary.commits_scanned)
        )
    } else {
        writeln!(
            out,
            "{} finding{} ({} denied, {} warning{}) in {} of {} commit{}{repos}{baselined}",
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

/// `A, B, C and 4 others`, sanitised.
fn authors(list: &[String], max: usize) -> String {
    let mut s: Vec<String> = list
        .iter()
        .take(max)
        .map(|a| for_terminal(a).into_owned())
        .collect();
    if list.len() > max {
        let more = list.len() - max;
        s.push(format!("and {more} other{}", plural(more)));
    }
    s.join(", ")
}

/// A report to paste into a ticket: totals, a table per assistant, then the findings.
pub fn markdown(out: &mut dyn Write, findings: &[Finding], summary: &Summary) -> Result<()> {
    markdown_inner(out, findings, summary).map_err(Error::Output)
}

fn markdown_inner(
    out: &mut dyn Write,
    findings: &[Finding],
    summary: &Summary,
) -> std::io::Result<()> {
    writeln!(out, "## aigate audit\n")?;
    let repos = summary.across();
    if summary.findings == 0 {
        writeln!(
            out,
            "No findings in {} commit{}{repos}.",
            summary.commits_scanned,
            plural(summary.commits_scanned)
        )?;
    } else {
        writeln!(
            out,
            "**{} finding{}** ({} denied, {} warning{}) in {} of {} commit{}{repos}.",
            summary.findings,
            plural(summary.findings),
            summary.denied,
            summary.warned,
            plural(summary.warned),
            summary.commits_flagged,
            summary.commits_scanned,
            plural(summary.commits_scanned)
        )?;
    }
    if summary.baselined > 0 {
        writeln!(
            out,
            "\n{} known finding{} left out (baseline).",
            summary.baselined,
            plural(summary.baselined)
        )?;
    }
    if summary.assistants.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\n| Assistant | Policy | Commits | Findings | First | Last | Authors |"
    )?;
    writeln!(out, "|---|---|---:|---:|---|---|---|")?;
    for (id, a) in &summary.assistants {
        writeln!(
            out,
            "| {} (`{id}`) | {} | {} | {} | {} | {} | {} |",
            md(&a.name),
            a.severity.as_str(),
            a.commits,
            a.findings,
            a.first,
            a.last,
            md(&a.authors.join(", "))
        )?;
    }
    let several = summary.repositories > 1;
    for (id, a) in &summary.assistants {
        writeln!(out, "\n### {} (`{id}`)\n", md(&a.name))?;
        if several {
            writeln!(
                out,
                "| Repository | Commit | Date | Found | Rule | Subject |"
            )?;
            writeln!(out, "|---|---|---|---|---|---|")?;
        } else {
            writeln!(out, "| Commit | Date | Found | Rule | Subject |")?;
            writeln!(out, "|---|---|---|---|---|")?;
        }
        for f in findings.iter().filter(|f| &f.assistant == id) {
            let object = match &f.tag {
                Some(t) => format!("tag {}", md(t)),
                None => format!("`{}`", &f.commit[..f.commit.len().min(12)]),
            };
            let repo = if several {
                format!("| {} ", md(f.repository.as_deref().unwrap_or_default()))
            } else {
                String::new()
            };
            writeln!(
                out,
                "{repo}| {object} | {} | {} | `{}` | {} |",
                date(f.date),
                md_what(f),
                f.rule,
                md(&f.subject)
            )?;
        }
    }
    writeln!(
        out,
        "\nFix: remove the marker and rewrite the commits that added it (see each finding's `hint` in `aigate audit --format json`), or exempt it in `.aigate.toml`."
    )
}

/// What was found, with the untrusted part as a code span: `path `CLAUDE.md``.
fn md_what(f: &Finding) -> String {
    let (label, text) = if let Some(p) = &f.path {
        ("path".to_owned(), p.as_str())
    } else if let Some(l) = &f.line {
        ("message line".to_owned(), l.trim())
    } else {
        (
            f.field
                .map_or("identity", crate::engine::matcher::Role::as_str)
                .to_owned(),
            f.identity.as_deref().unwrap_or_default(),
        )
    };
    // Inside a code span nothing is markup; only a backtick would end it and a pipe the cell.
    let code = for_terminal(text).replace('`', "'").replace('|', "\\|");
    format!("{label} `{code}`")
}

/// Untrusted text made safe for a Markdown table cell: control characters made visible,
/// Markdown and HTML punctuation escaped, so a commit subject cannot inject links or markup.
fn md(text: &str) -> String {
    let text = for_terminal(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_[]<>|~&".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
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
