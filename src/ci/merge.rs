//! `aigate report merge`: JSON reports of several audits (the shards of an org-wide audit)
//! combined into one, with the summary recomputed from the findings.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::finding::Finding;
use crate::error::{Error, Result};

/// What a merge needs from each report; other fields are recomputed.
#[derive(Debug, Deserialize)]
struct Input {
    findings: Vec<Finding>,
    summary: InputSummary,
}

#[derive(Debug, Deserialize)]
struct InputSummary {
    repositories: usize,
    commits_scanned: usize,
    #[serde(default)]
    baselined: usize,
}

/// The findings and counts of several reports together.
#[derive(Debug, Default)]
pub struct Merged {
    pub findings: Vec<Finding>,
    pub repositories: usize,
    pub commits: usize,
    pub baselined: usize,
}

/// Reads and combines `paths`, in order. A finding that names no repository (the report of
/// a single-repository audit) is given the report's path, so that findings of different
/// reports stay apart in the totals.
pub fn merge(paths: &[PathBuf]) -> Result<Merged> {
    let mut merged = Merged::default();
    for path in paths {
        let input = read(path)?;
        merged.repositories += input.summary.repositories;
        merged.commits += input.summary.commits_scanned;
        merged.baselined += input.summary.baselined;
        for mut f in input.findings {
            if f.repository.is_none() {
                f.repository = Some(path.display().to_string());
            }
            merged.findings.push(f);
        }
    }
    Ok(merged)
}

fn read(path: &Path) -> Result<Input> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::input(
            format!("report `{}`", path.display()),
            format!("not an `aigate audit --format json` report: {e}"),
        )
    })
}

/// Merges `paths` and writes the combined report in `format`; returns the exit status (1
/// when a merged finding is denied, as for the audits themselves).
pub fn run(
    paths: &[PathBuf],
    config: Option<&Path>,
    format: crate::cli::ReportFormat,
    colour: bool,
    out: &mut dyn std::io::Write,
) -> Result<u8> {
    let merged = merge(paths)?;
    let catalogue = match config {
        Some(path) => crate::policy::Policy::from_file(path)?.catalogue,
        None => crate::catalogue::Catalogue::builtin()?,
    };
    let totals = super::render::Totals {
        commits: merged.commits,
        repositories: merged.repositories,
        baselined: merged.baselined,
    };
    let findings = &merged.findings;
    super::render::report(out, format, findings, totals, &catalogue, colour)?;
    Ok(crate::verdict(findings))
}
