//! `aigate rules`: the catalogue in force, as a table or as JSON.

use std::io::Write;

use serde::Serialize;

use crate::catalogue::Kind;
use crate::error::{Error, Result};
use crate::policy::{Policy, Severity};

#[derive(Debug, Serialize)]
pub struct RuleRow {
    pub assistant: String,
    pub name: String,
    pub rule: String,
    pub kind: Kind,
    /// `deny`, `warn` or `allow` under the policy.
    pub policy: &'static str,
    pub patterns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

pub fn rows(policy: &Policy) -> Vec<RuleRow> {
    let c = &policy.catalogue;
    let mut rows: Vec<RuleRow> = c
        .rules
        .iter()
        .map(|r| {
            let mut patterns: Vec<String> = r.patterns.iter().map(|p| p.value.clone()).collect();
            patterns.extend(r.emails.iter().map(|e| e.value.clone()));
            patterns.extend(r.github.iter().map(|g| format!("github:{}", g.value)));
            patterns.extend(r.names.iter().map(|n| format!("name:{}", n.value)));
            patterns.extend(r.domains.iter().map(|d| format!("domain:{}", d.value)));
            if r.subject_only {
                for p in &mut patterns {
                    *p = format!("subject:{p}");
                }
            }
            RuleRow {
                assistant: r.assistant.clone(),
                name: c
                    .assistant(&r.assistant)
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
                rule: r.id.clone(),
                kind: r.kind,
                policy: match policy.severity.get(&r.assistant) {
                    Some(Severity::Deny) => "deny",
                    Some(Severity::Warn) => "warn",
                    None => "allow",
                },
                patterns,
                source: r.source.clone(),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.assistant, &a.rule).cmp(&(&b.assistant, &b.rule)));
    rows
}

pub fn json(out: &mut dyn Write, rows: &[RuleRow]) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, rows).map_err(|e| Error::Output(e.into()))?;
    writeln!(out).map_err(Error::Output)
}

/// One line per rule: assistant, rule id, kind, policy, patterns.
pub fn human(out: &mut dyn Write, rows: &[RuleRow]) -> Result<()> {
    let w = |f: fn(&RuleRow) -> usize| rows.iter().map(f).max().unwrap_or(0);
    let (wa, wr) = (w(|r| r.assistant.len()), w(|r| r.rule.len()));
    (|| -> std::io::Result<()> {
        for r in rows {
            writeln!(
                out,
                "{:wa$}  {:wr$}  {:8}  {:5}  {}",
                r.assistant,
                r.rule,
                r.kind.as_str(),
                r.policy,
                r.patterns.join("  ")
            )?;
        }
        Ok(())
    })()
    .map_err(Error::Output)
}

#[cfg(test)]
mod tests {
    /// The catalogue in docs/catalogue.md is the output of `aigate rules`, kept in sync by this test.
    #[test]
    fn readme_catalogue_matches_aigate_rules() {
        let policy = crate::policy::Policy::builtin().unwrap();
        let mut out = Vec::new();
        super::human(&mut out, &super::rows(&policy)).unwrap();
        let expected = String::from_utf8(out).unwrap();
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/catalogue.md"))
                .unwrap();
        let begin = readme
            .find("<!-- catalogue:begin")
            .expect("docs/catalogue.md has a catalogue section");
        let body = &readme[begin..];
        let body = &body[body.find("```text\n").expect("a text block") + 8..];
        let body = &body[..body.find("```").expect("the block ends")];
        if body != expected {
            if std::env::var_os("AIGATE_BLESS").is_some() {
                let end = readme.find("<!-- catalogue:end").unwrap();
                let fresh = format!(
                    "{}<!-- catalogue:begin (generated from `aigate rules`; a test checks it) -->\n```text\n{expected}```\n{}",
                    &readme[..begin],
                    &readme[end..]
                );
                std::fs::write(
                    concat!(env!("CARGO_MANIFEST_DIR"), "/docs/catalogue.md"),
                    fresh,
                )
                .unwrap();
            } else {
                panic!("docs/catalogue.md is stale: rerun with AIGATE_BLESS=1 cargo test readme_catalogue");
            }
        }
    }
}
