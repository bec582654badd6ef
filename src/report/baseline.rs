//! Baselines: the findings a team has accepted, so that an audit of a repository with history
//! reports only what is new. A finding is known by its commit (or tag object), rule and
//! location (the path, the message line, or the field and identity), which do not change
//! when the report is re-run, re-ordered or run from another clone.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::finding::Finding;
use crate::error::{Error, Result};

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub commit: String,
    pub rule: String,
    pub location: String,
}

impl Key {
    pub fn of(f: &Finding) -> Key {
        let location = if let Some(p) = &f.path {
            format!("path:{p}")
        } else if let Some(l) = &f.line {
            format!("line:{}", l.trim())
        } else if let Some(r) = &f.reference {
            format!("ref:{r}")
        } else if let Some(v) = &f.variable {
            format!("environment:{v}")
        } else {
            let field = f
                .field
                .map_or("identity", crate::engine::matcher::Role::as_str);
            format!("{field}:{}", f.identity.as_deref().unwrap_or_default())
        };
        Key {
            commit: f.commit.clone(),
            rule: f.rule.clone(),
            location,
        }
    }
}

/// The file `--write-baseline` writes and `--baseline` reads.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version, 1.
    pub version: u32,
    pub findings: BTreeSet<Key>,
}

impl Baseline {
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Baseline {
        Baseline {
            version: 1,
            findings: findings.into_iter().map(Key::of).collect(),
        }
    }

    /// How many commits (or tag objects) its findings are in.
    pub fn commits(&self) -> usize {
        self.findings
            .iter()
            .map(|k| k.commit.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }

    pub fn read(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        let b: Baseline = serde_json::from_str(&text)
            .map_err(|e| Error::input(format!("baseline `{}`", path.display()), e.to_string()))?;
        if b.version != 1 {
            return Err(Error::input(
                format!("baseline `{}`", path.display()),
                format!("unknown version {}", b.version),
            ));
        }
        Ok(b)
    }

    /// Writes the baseline as pretty JSON, one sorted key per finding (diffs stay readable).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::input("writing a baseline", e.to_string()))?;
        text.push('\n');
        std::fs::write(path, text).map_err(|source| Error::Write {
            path: path.to_owned(),
            source,
        })
    }

    /// Drops the findings the baseline knows; returns how many were dropped.
    pub fn remove_known(&self, findings: &mut Vec<Finding>) -> usize {
        let before = findings.len();
        findings.retain(|f| !self.findings.contains(&Key::of(f)));
        before - findings.len()
    }
}
