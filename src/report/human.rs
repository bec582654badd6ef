//! The human report: the summary first (what was audited, how completely, under which
//! policy, the totals per assistant and what to do), then each commit once with its findings
//! and fixes beneath. `--summary` stops after the summary.

use std::io::Write;

use crate::catalogue::Catalogue;
use crate::engine::finding::short_id;
use crate::error::{Error, Result};
use crate::report::lines::{self, Style};
use crate::report::{plural, Report, Summary, SHALLOW};
use crate::sanitize::for_terminal;

/// Writes the report; `colour` adds ANSI styles (the caller decides: a terminal, no
/// `NO_COLOR`).
pub fn write(
    out: &mut dyn Write,
    report: &Report,
    catalogue: &Catalogue,
    colour: bool,
    summary_only: bool,
) -> Result<()> {
    let st = Style { colour };
    summary(out, &report.summary, st).map_err(Error::Output)?;
    if summary_only || report.findings.is_empty() {
        return Ok(());
    }
    findings(out, report, catalogue, st).map_err(Error::Output)
}

fn severity_label(s: crate::engine::Severity) -> &'static str {
    match s {
        crate::engine::Severity::Deny => "denied",
        crate::engine::Severity::Warn => "warning",
    }
}

fn summary(out: &mut dyn Write, s: &Summary, st: Style) -> std::io::Result<()> {
    let field = |name: &str| format!("  {:<14}", format!("{name}:"));
    writeln!(out, "{}", st.bold("aigate audit"))?;
    match &s.repository {
        Some(r) => writeln!(out, "{}{}", field("repository"), for_terminal(r))?,
        None => {
            let failed = if s.not_audited > 0 {
                format!(", {} could not be audited", s.not_audited)
            } else {
                String::new()
            };
            writeln!(
                out,
                "{}{} audited{failed}",
                field("repositories"),
                s.repositories
            )?;
        }
    }
    writeln!(out, "{}{}", field("refs"), for_terminal(&s.refs_text()))?;
    writeln!(
        out,
        "{}{}",
        field("policy"),
        for_terminal(&Summary::policy_text(s.policy.as_ref()))
    )?;
    if let Some(preset) = s.policy.as_ref().and_then(|p| p.preset.as_deref()) {
        writeln!(out, "{}{}", field("preset"), for_terminal(preset))?;
    }
    writeln!(out, "{}{}, {}", field("aigate"), s.version, s.date)?;
    writeln!(out, "{}{} audited", field("commits"), s.commits_scanned)?;
    let history = if s.shallow {
        st.severity(crate::engine::Severity::Warn, SHALLOW)
    } else if s.not_audited > 0 {
        "incomplete: some repositories could not be audited".to_owned()
    } else {
        "complete".to_owned()
    };
    writeln!(out, "{}{history}", field("history"))?;
    let baselined = if s.baselined > 0 {
        format!(" ({} more in the baseline)", s.baselined)
    } else {
        String::new()
    };
    writeln!(out, "{}{}{baselined}", field("found"), s.totals())?;
    writeln!(out, "{}{}", field("to do"), s.action())?;
    if !s.by_repository.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", st.bold("By repository"))?;
        for r in &s.by_repository {
            let path = for_terminal(&r.path);
            match &r.error {
                Some(e) => writeln!(out, "  {path}: not audited: {}", for_terminal(e))?,
                None => writeln!(
                    out,
                    "  {path}: {} commit{}, {} finding{} ({} denied){}",
                    r.commits_scanned,
                    plural(r.commits_scanned),
                    r.findings,
                    plural(r.findings),
                    r.denied,
                    if r.complete {
                        ""
                    } else {
                        ", shallow (incomplete)"
                    }
                )?,
            }
        }
    }
    if !s.assistants.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", st.bold("By assistant"))?;
        let width = s
            .assistants
            .values()
            .map(|a| a.name.chars().count())
            .max()
            .unwrap_or(0);
        for a in s.assistants.values() {
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
    }
    Ok(())
}

fn findings(
    out: &mut dyn Write,
    report: &Report,
    catalogue: &Catalogue,
    st: Style,
) -> std::io::Result<()> {
    let several = report.summary.repository.is_none();
    let mut last_repo: Option<&str> = None;
    for group in lines::groups(&report.findings) {
        let first = group[0];
        if several && first.repository.as_deref() != last_repo {
            last_repo = first.repository.as_deref();
            writeln!(out)?;
            writeln!(
                out,
                "{}",
                st.bold(&format!(
                    "repository {}",
                    for_terminal(last_repo.unwrap_or_default())
                ))
            )?;
        } else {
            writeln!(out)?;
        }
        let carried = report
            .carried_merges
            .iter()
            .find(|m| m.commit == first.commit && m.repository == first.repository);
        match carried {
            Some(m) => {
                let n = first_line(first);
                let from: Vec<&str> = m.from.iter().map(|c| short_id(c)).collect();
                writeln!(
                    out,
                    "{} {} {}: brings in only what {} of its branch already carr{} ({})",
                    st.commit(&format!("merge {}", short_id(&first.commit))),
                    crate::report::date(first.date),
                    n,
                    if from.len() == 1 {
                        "1 commit".to_owned()
                    } else {
                        format!("{} commits", from.len())
                    },
                    if from.len() == 1 { "ies" } else { "y" },
                    from.join(", ")
                )?;
            }
            None => lines::write_group(out, &group, catalogue, "", st)?,
        }
    }
    Ok(())
}

fn first_line(f: &crate::engine::finding::Finding) -> String {
    for_terminal(f.subject.trim()).into_owned()
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
