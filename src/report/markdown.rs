//! `--format markdown`: a report to paste into a ticket. The same coverage facts as the
//! human and JSON summaries (repository, refs, policy, version, date, completeness), the
//! totals per repository and per assistant, then the findings per assistant.

use std::io::Write;

use crate::engine::finding::{short_id, Finding};
use crate::error::{Error, Result};
use crate::report::{plural, Report, Summary, SHALLOW};
use crate::sanitize::for_terminal;

pub fn write(out: &mut dyn Write, report: &Report, summary_only: bool) -> Result<()> {
    write_inner(out, report, summary_only).map_err(Error::Output)
}

fn write_inner(out: &mut dyn Write, report: &Report, summary_only: bool) -> std::io::Result<()> {
    let s = &report.summary;
    writeln!(out, "## aigate audit\n")?;
    if s.findings == 0 {
        writeln!(out, "No findings in {}.", counted(s))?;
    } else {
        writeln!(
            out,
            "**{} finding{}** ({} denied, {} warning{}) in {} of {}.",
            s.findings,
            plural(s.findings),
            s.denied,
            s.warned,
            plural(s.warned),
            s.commits_flagged,
            counted(s)
        )?;
    }
    if s.baselined > 0 {
        writeln!(
            out,
            "\n{} known finding{} left out (baseline).",
            s.baselined,
            plural(s.baselined)
        )?;
    }
    writeln!(out, "\n| | |\n|---|---|")?;
    match &s.repository {
        Some(r) => writeln!(out, "| Repository | {} |", code(r))?,
        None => writeln!(
            out,
            "| Repositories | {} audited, {} not audited |",
            s.repositories, s.not_audited
        )?,
    }
    writeln!(out, "| Refs | {} |", md(&s.refs_text()))?;
    writeln!(
        out,
        "| Policy | {} |",
        match &s.policy {
            Some(p) => match &p.file {
                Some(f) => code(f),
                None => "built-in default (every known assistant denied)".to_owned(),
            },
            None => "differs by repository".to_owned(),
        }
    )?;
    if let Some(preset) = s.policy.as_ref().and_then(|p| p.preset.as_deref()) {
        writeln!(out, "| Preset | {} |", code(preset))?;
    }
    writeln!(out, "| aigate | {} |", s.version)?;
    writeln!(out, "| Date | {} |", s.date)?;
    writeln!(out, "| Commits | {} |", s.commits_scanned)?;
    let history = if s.complete {
        "complete".to_owned()
    } else if s.shallow {
        format!("**{SHALLOW}**")
    } else {
        "**incomplete**: some repositories could not be audited".to_owned()
    };
    writeln!(out, "| History | {history} |")?;
    // Our own text, with commands as code spans.
    writeln!(out, "| To do | {} |", s.action())?;
    if !s.by_repository.is_empty() {
        writeln!(
            out,
            "\n| Repository | Commits | Findings | Denied | History |"
        )?;
        writeln!(out, "|---|---:|---:|---:|---|")?;
        for r in &s.by_repository {
            match &r.error {
                Some(e) => writeln!(
                    out,
                    "| {} | - | - | - | not audited: {} |",
                    code(&r.path),
                    md(e)
                )?,
                None => writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    code(&r.path),
                    r.commits_scanned,
                    r.findings,
                    r.denied,
                    if r.complete { "complete" } else { "shallow" }
                )?,
            }
        }
    }
    if s.assistants.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\n| Assistant | Policy | Commits | Findings | First | Last | Authors |"
    )?;
    writeln!(out, "|---|---|---:|---:|---|---|---|")?;
    for (id, a) in &s.assistants {
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
    if summary_only {
        return Ok(());
    }
    let several = s.repository.is_none();
    for (id, a) in &s.assistants {
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
        for f in report.findings.iter().filter(|f| &f.assistant == id) {
            let object = match &f.tag {
                Some(t) => format!("tag {}", md(t)),
                None => format!("`{}`", short_id(&f.commit)),
            };
            let repo = if several {
                format!("| {} ", code(f.repository.as_deref().unwrap_or_default()))
            } else {
                String::new()
            };
            let merge = report
                .carried_merges
                .iter()
                .any(|m| m.commit == f.commit && m.repository == f.repository);
            let subject = if merge {
                format!("{} (merge: its branch's commits carry it)", md(&f.subject))
            } else {
                md(&f.subject)
            };
            writeln!(
                out,
                "{repo}| {object} | {} | {} | `{}` | {subject} |",
                crate::report::date(f.date),
                md_what(f),
                f.rule,
            )?;
        }
    }
    writeln!(
        out,
        "\nFix: each finding's `hint` in `aigate audit --format json` gives the exact command (a path is removed and its commits rewritten, a message line deleted, an identity reset), or exempt it in `.aigate.toml`."
    )
}

/// `5 commits` or `5 commits across 3 repositories`.
fn counted(s: &Summary) -> String {
    let across = if s.repositories > 1 {
        format!(" across {} repositories", s.repositories)
    } else {
        String::new()
    };
    format!(
        "{} commit{}{across}",
        s.commits_scanned,
        plural(s.commits_scanned)
    )
}

/// What was found, with the untrusted part as a code span: `path `CLAUDE.md``.
fn md_what(f: &Finding) -> String {
    let (label, text) = if let Some(p) = &f.path {
        ("path".to_owned(), p.as_str())
    } else if let Some(l) = &f.line {
        ("message line".to_owned(), l.trim())
    } else if let Some(r) = &f.reference {
        ("ref".to_owned(), r.as_str())
    } else if let Some(v) = &f.variable {
        ("environment".to_owned(), v.as_str())
    } else {
        (
            f.field
                .map_or("identity", crate::engine::matcher::Role::as_str)
                .to_owned(),
            f.identity.as_deref().unwrap_or_default(),
        )
    };
    format!("{label} {}", code(text))
}

/// Untrusted text as a code span: inside one nothing is markup; only a backtick would end it
/// and a pipe the table cell.
fn code(text: &str) -> String {
    format!(
        "`{}`",
        for_terminal(text).replace('`', "'").replace('|', "\\|")
    )
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
