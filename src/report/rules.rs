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
    /// `deny`, `warn` or `allow` under the policy; `off` for an opt-in rule not enabled.
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
            let mut patterns: Vec<String> = match r.shape {
                // Shape rules are read by a parser; their patterns are product names.
                Some(shape) if r.patterns.is_empty() => vec![format!("shape:{}", shape.as_str())],
                Some(shape) => r
                    .patterns
                    .iter()
                    .map(|p| format!("{}:{}", shape.as_str(), p.value))
                    .collect(),
                None => r.patterns.iter().map(|p| p.value.clone()).collect(),
            };
            patterns.extend(r.emails.iter().map(|e| e.value.clone()));
            patterns.extend(r.github.iter().map(|g| format!("github:{}", g.value)));
            patterns.extend(r.names.iter().map(|n| format!("name:{}", n.value)));
            patterns.extend(r.domains.iter().map(|d| format!("domain:{}", d.value)));
            patterns.extend(r.variables.iter().map(|v| match &r.value {
                Some(value) => format!("{}=~{}", v.value, value.value),
                None => v.value.clone(),
            }));
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
                // An opt-in rule the policy has not enabled is `off` whatever its assistant's
                // severity.
                policy: match policy.severity.get(&r.assistant) {
                    _ if !r.enabled => "off",
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
                "{:wa$}  {:wr$}  {:11}  {:5}  {}",
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
