//! The audit report: what was audited and how completely (the coverage facts), the totals,
//! and the findings, rendered as human text, JSON, Markdown or SARIF from the same structs.
//! Untrusted text is sanitised in the text formats; JSON escapes it by construction.
//!
//! [`lines`] is the one wording of a finding that the audit, the local hooks and the server
//! hook share.

pub mod baseline;
pub mod collect;
pub mod explain;
pub mod human;
pub mod lines;
pub mod markdown;
pub mod rules;
pub mod sarif;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::engine::finding::Finding;
use crate::engine::Severity;
use crate::error::{Error, Result};

/// A whole audit: its summary first, then every finding.
#[derive(Debug, Serialize)]
pub struct Report {
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// Merges whose findings only repeat what commits of the branch they merge already
    /// carry; the text reports show each in one line instead of its findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub carried_merges: Vec<CarriedMerge>,
}

/// A merge that brings in marker paths the commits of its branch already carry.
/// (Deserialize: `aigate report merge` reads reports back, as for the three below.)
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CarriedMerge {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    pub commit: String,
    /// The commits of the merged branch that carry the same findings, full ids.
    pub from: Vec<String>,
}

/// The policy an audit applied.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PolicyInfo {
    /// The policy file; `None` for the built-in default (every known assistant denied).
    pub file: Option<String>,
    /// The preset the policy starts from, when it names one.
    pub preset: Option<String>,
}

/// The coverage facts and totals of an audit.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The aigate version that wrote the report.
    pub version: &'static str,
    /// When the audit ran, `YYYY-MM-DDTHH:MM:SSZ`.
    pub date: String,
    /// The repository, when one was audited (several: see `by_repository`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Where the walk started, as git's revision syntax: `--all`, `--branches=GLOB`,
    /// `--tags=GLOB`, or the revisions given.
    pub refs: Vec<String>,
    /// The policy applied; `None` when the repositories of one run applied different ones
    /// (each is in `by_repository`).
    pub policy: Option<PolicyInfo>,
    /// False when some history could not be seen: a shallow clone, or a repository that
    /// could not be audited.
    pub complete: bool,
    /// Some repository audited is a shallow clone.
    #[serde(skip)]
    pub shallow: bool,
    /// Repositories audited (one that could not be audited is not counted).
    pub repositories: usize,
    /// Repositories that could not be audited (each is in `by_repository` with its error).
    #[serde(skip_serializing_if = "is_zero")]
    pub not_audited: usize,
    pub commits_scanned: usize,
    pub commits_flagged: usize,
    /// Commits with at least one denied finding (the ones to rewrite).
    #[serde(skip)]
    pub commits_denied: usize,
    pub findings: usize,
    pub denied: usize,
    pub warned: usize,
    /// Findings left out because the `--baseline` file lists them.
    #[serde(skip_serializing_if = "is_zero")]
    pub baselined: usize,
    pub assistants: BTreeMap<String, AssistantSummary>,
    /// One row per repository, when several were given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_repository: Vec<RepoSummary>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One repository of a run over several.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepoSummary {
    pub path: String,
    /// Why it could not be audited; nothing else is known then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub audited: bool,
    pub complete: bool,
    pub policy: Option<PolicyInfo>,
    pub commits_scanned: usize,
    pub commits_flagged: usize,
    pub findings: usize,
    pub denied: usize,
    pub warned: usize,
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

/// Counts over a set of findings.
pub struct Counts {
    pub commits_flagged: usize,
    pub commits_denied: usize,
    pub findings: usize,
    pub denied: usize,
    pub warned: usize,
}

impl Counts {
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Counts {
        let mut c = Counts {
            commits_flagged: 0,
            commits_denied: 0,
            findings: 0,
            denied: 0,
            warned: 0,
        };
        let (mut flagged, mut denied) = (BTreeSet::new(), BTreeSet::new());
        for f in findings {
            let key = (f.repository.as_deref(), f.commit.as_str());
            flagged.insert(key);
            c.findings += 1;
            match f.severity {
                Severity::Deny => {
                    c.denied += 1;
                    denied.insert(key);
                }
                Severity::Warn => c.warned += 1,
            }
        }
        c.commits_flagged = flagged.len();
        c.commits_denied = denied.len();
        c
    }
}

/// The per-assistant rows of the summary.
pub fn assistants(
    findings: &[Finding],
    catalogue: &Catalogue,
) -> BTreeMap<String, AssistantSummary> {
    #[derive(Default)]
    struct Acc<'a> {
        severity: Option<Severity>,
        commits: BTreeSet<(Option<&'a str>, &'a str)>,
        first: Option<i64>,
        last: Option<i64>,
        authors: BTreeSet<&'a str>,
        findings: usize,
    }
    let mut per: BTreeMap<&str, Acc> = BTreeMap::new();
    for f in findings {
        let a = per.entry(&f.assistant).or_default();
        a.severity = a.severity.max(Some(f.severity));
        a.commits.insert((f.repository.as_deref(), &f.commit));
        a.first = Some(a.first.map_or(f.date, |d| d.min(f.date)));
        a.last = Some(a.last.map_or(f.date, |d| d.max(f.date)));
        a.authors.insert(&f.author);
        a.findings += 1;
    }
    per.into_iter()
        .map(|(id, a)| {
            let name = catalogue
                .assistant(id)
                .map_or_else(|| id.to_owned(), |x| x.name.clone());
            let summary = AssistantSummary {
                name,
                severity: a.severity.unwrap_or(Severity::Warn),
                findings: a.findings,
                commits: a.commits.len(),
                first: a.first.map_or_else(|| "-".to_owned(), date),
                last: a.last.map_or_else(|| "-".to_owned(), date),
                authors: a.authors.into_iter().map(str::to_owned).collect(),
            };
            (id.to_owned(), summary)
        })
        .collect()
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

    /// The one-line verdict: `4 findings (4 denied, 0 warnings) in 4 of 5 commits`.
    pub fn totals(&self) -> String {
        let repos = self.across();
        if self.findings == 0 {
            format!(
                "no findings in {} commit{}{repos}",
                self.commits_scanned,
                plural(self.commits_scanned)
            )
        } else {
            format!(
                "{} finding{} ({} denied, {} warning{}) in {} of {} commit{}{repos}",
                self.findings,
                plural(self.findings),
                self.denied,
                self.warned,
                plural(self.warned),
                self.commits_flagged,
                self.commits_scanned,
                plural(self.commits_scanned)
            )
        }
    }

    /// What to do overall, in one sentence.
    pub fn action(&self) -> String {
        let mut s = String::new();
        if self.shallow {
            s.push_str(
                "fetch the full history first (`git fetch --unshallow`) and audit again; then ",
            );
        }
        if self.denied == 0 {
            s.push_str(if self.warned == 0 {
                "nothing to do"
            } else {
                "nothing is denied: the warnings need no action (deny them in the policy to enforce)"
            });
            return s;
        }
        let commits = self.commits_denied;
        s.push_str(&format!(
            "rewrite the {commits} commit{} with denied findings (each finding says how); \
             if that history is published and stays, record it with `--write-baseline FILE` \
             and audit with `--baseline FILE` from now on; if the assistant is welcome here, \
             allow it in the policy",
            plural(commits)
        ));
        s
    }

    /// The policy in words: its file or the built-in default.
    pub fn policy_text(policy: Option<&PolicyInfo>) -> String {
        match policy {
            Some(PolicyInfo { file: Some(f), .. }) => format!("`{f}`"),
            Some(PolicyInfo { file: None, .. }) => {
                "built-in default (every known assistant denied)".to_owned()
            }
            None => "differs by repository (see below)".to_owned(),
        }
    }

    /// The refs in words.
    pub fn refs_text(&self) -> String {
        if self.refs == ["--all"] {
            "every ref".to_owned()
        } else {
            self.refs.join(" ")
        }
    }
}

/// What the text reports say of a shallow clone, and how to fix it.
pub const SHALLOW: &str =
    "incomplete: a shallow clone, so commits before its boundary were not audited; \
     fetch them with `git fetch --unshallow` (in CI: `fetch-depth: 0`)";

/// The whole report as one JSON object, pretty-printed; with `summary_only`, the summary alone
/// (`{"summary": {...}}`).
pub fn json(out: &mut dyn Write, report: &Report, summary_only: bool) -> Result<()> {
    #[derive(Serialize)]
    struct SummaryOnly<'a> {
        summary: &'a Summary,
    }
    let written = if summary_only {
        serde_json::to_writer_pretty(
            &mut *out,
            &SummaryOnly {
                summary: &report.summary,
            },
        )
    } else {
        serde_json::to_writer_pretty(&mut *out, report)
    };
    written.map_err(|e| Error::Output(e.into()))?;
    writeln!(out).map_err(Error::Output)
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Now, seconds since the epoch: the one clock of aigate (findings about a commit not yet
/// made, the server's decision log; `main` for the report date unless `SOURCE_DATE_EPOCH`).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC) for seconds since the epoch.
pub fn date_time(secs: i64) -> String {
    let s = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(secs),
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(1_775_587_767), "2026-04-07");
        assert_eq!(super::date(951_782_400), "2000-02-29");
        assert_eq!(super::date_time(1_775_587_767), "2026-04-07T18:49:27Z");
        assert_eq!(super::date_time(-1), "1969-12-31T23:59:59Z");
    }
}
