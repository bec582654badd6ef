//! Output in the forms forges read: GitHub workflow commands (`::error title=...::...`,
//! one annotation per finding, which Gitea and Forgejo runners read too) and GitLab's Code
//! Quality report. Both carry untrusted text (paths, message lines, subjects), escaped so it
//! can neither end the command nor start another.

use std::io::Write;

use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::engine::finding::{short_id, Finding};
use crate::error::{Error, Result};
use crate::policy::Severity;
use crate::report::lines;
use crate::sanitize::for_terminal;

/// Escapes the message of a workflow command, as GitHub's runner unescapes it: `%`, CR and
/// LF. Other control characters are made visible first.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`title=`, `file=`): as [`escape_data`], plus `:` and `,`, which
/// would end the value or the property list.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn assistant_name(catalogue: &Catalogue, id: &str) -> String {
    catalogue
        .assistant(id)
        .map_or_else(|| id.to_owned(), |a| a.name.clone())
}

/// One workflow command per finding: `::error` for denied ones, `::warning` for the others,
/// located in the file for path findings.
pub fn annotations(out: &mut dyn Write, findings: &[Finding], catalogue: &Catalogue) -> Result<()> {
    let (mut errors, mut warnings) = (0, 0);
    for f in findings {
        let (level, shown) = match f.severity {
            Severity::Deny => ("error", &mut errors),
            Severity::Warn => ("warning", &mut warnings),
        };
        if *shown == PER_KIND {
            continue;
        }
        *shown += 1;
        let title = format!(
            "aigate: {} ({})",
            assistant_name(catalogue, &f.assistant),
            f.rule
        );
        let mut props = format!("title={}", escape_property(&title));
        if let Some(p) = &f.path {
            props.push_str(&format!(",file={}", escape_property(&for_terminal(p))));
        }
        // The report's own wording: the commit, the finding, its fix.
        let st = lines::Style::PLAIN;
        let mut message = lines::header(f, st).map_or_else(String::new, |h| h + "\n");
        message.push_str(&lines::finding(f, catalogue, st));
        for fix in lines::fixes(&[f]) {
            message.push_str(&format!("\nfix: {fix}"));
        }
        writeln!(out, "::{level} {props}::{}", escape_data(&message)).map_err(Error::Output)?;
    }
    let left = findings.len() - errors - warnings;
    if left > 0 {
        writeln!(
            out,
            "::notice title=aigate::{left} more finding{} not annotated (GitHub shows {PER_KIND} errors and {PER_KIND} warnings per step): see the report above and the job summary",
            if left == 1 { "" } else { "s" }
        )
        .map_err(Error::Output)?;
    }
    Ok(())
}

/// GitHub shows at most 10 error and 10 warning annotations per step and drops the rest
/// without a word; those are counted in one notice instead.
pub const PER_KIND: usize = 10;

/// A token no untrusted text can guess, for `::stop-commands::`: the standard library's
/// randomly seeded hasher (keyed from the operating system's random source) over the time
/// and the process id.
pub fn stop_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(crate::report::now());
    h.write_u32(std::process::id());
    format!("aigate-{:016x}", h.finish())
}

/// One issue of GitLab's Code Quality report.
#[derive(Debug, Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Debug, Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Debug, Serialize)]
struct Lines {
    begin: u32,
}

/// The Code Quality report: a JSON array of issues. Path findings point at their file;
/// message and identity findings have no file, so their path is `commit:<id>`. The
/// fingerprint is the git blob id of the finding's rule, commit and location, so the same
/// finding keeps it from one pipeline to the next.
pub fn codequality(out: &mut dyn Write, findings: &[Finding], catalogue: &Catalogue) -> Result<()> {
    let issues: Vec<Issue> = findings
        .iter()
        .map(|f| {
            let place = f
                .path
                .clone()
                .or_else(|| f.line.clone())
                .or_else(|| f.identity.clone())
                .unwrap_or_default();
            let key = format!(
                "{}\0{}\0{}\0{}",
                f.rule,
                f.commit,
                f.tag.as_deref().unwrap_or(""),
                place
            );
            let fingerprint = crate::git::repo::blob_id(key.as_bytes());
            let object = match &f.tag {
                Some(t) => format!("tag {t}"),
                None => format!("commit {}", short_id(&f.commit)),
            };
            Issue {
                description: format!(
                    "{}: {} {} in {object} ({}); fix: {}",
                    assistant_name(catalogue, &f.assistant),
                    f.severity.as_str(),
                    f.what(),
                    for_terminal(&f.subject),
                    f.hint
                ),
                check_name: f.rule.clone(),
                fingerprint,
                severity: match f.severity {
                    Severity::Deny => "critical",
                    Severity::Warn => "minor",
                },
                location: Location {
                    path: f
                        .path
                        .clone()
                        .unwrap_or_else(|| format!("commit:{}", short_id(&f.commit))),
                    lines: Lines { begin: 1 },
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues).map_err(|e| Error::Output(e.into()))?;
    writeln!(out).map_err(Error::Output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escapes() {
        assert_eq!(escape_data("100%\r\nnext"), "100%25%0D%0Anext");
        assert_eq!(escape_property("a::b,c%"), "a%3A%3Ab%2Cc%25");
    }

    #[test]
    fn stop_tokens_differ() {
        assert_ne!(stop_token(), stop_token());
    }
}
