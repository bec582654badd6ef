//! `aigate rules`: the catalogue and the policy in force (that of `--config`,
//! `AIGATE_CONFIG` or the repository's `.aigate.toml`, or of a `--preset`), as a table or as
//! JSON, optionally for one assistant.

use std::io::Write;

use serde::Serialize;

use crate::catalogue::Kind;
use crate::engine::disclosure::{AuthorRule, Place};
use crate::error::{Error, Result};
use crate::policy::{Policy, Severity};

#[derive(Debug, Serialize)]
pub struct RuleRow {
    pub assistant: String,
    pub name: String,
    pub rule: String,
    pub kind: Kind,
    /// `deny`, `warn`, `disclose` or `allow` under the policy; `off` for a rule the policy
    /// disables, or an opt-in rule it does not enable.
    pub policy: &'static str,
    pub patterns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

pub fn rows(policy: &Policy) -> Vec<RuleRow> {
    rows_for(policy, None)
}

/// The rows of one assistant's rules (all when `assistant` is `None`).
pub fn rows_for(policy: &Policy, assistant: Option<&str>) -> Vec<RuleRow> {
    let c = &policy.catalogue;
    let mut rows: Vec<RuleRow> = c
        .rules
        .iter()
        .filter(|r| assistant.is_none_or(|a| r.assistant == a))
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
                policy: if policy.is_active(&r.id) {
                    policy.treatment(&r.assistant)
                } else {
                    "off"
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

/// What a policy says beyond each rule's verdict: its preset (title, source) and how it
/// wants use disclosed. Nothing for a policy without a preset or `disclose` (the table
/// alone says it all).
pub fn header(out: &mut dyn Write, policy: &Policy) -> Result<()> {
    (|| -> std::io::Result<()> {
        if let Some(about) = &policy.about {
            writeln!(out, "preset: {} ({})", about.title, about.summary)?;
            writeln!(out, "source: {}", about.source)?;
        }
        if !policy.disclose.is_empty() {
            let d = &policy.disclosure;
            match d.place {
                Place::PullRequest => writeln!(
                    out,
                    "disclosure: in the pull request; commits carry no AI trailer"
                )?,
                Place::Message => {
                    let keys: Vec<String> = d.keys.iter().map(|k| format!("`{k}:`")).collect();
                    writeln!(
                        out,
                        "disclosure: `{}: {}` (accepted: {}){}; no assistant as co-author or in `Signed-off-by:`",
                        d.trailer,
                        d.value_without_model.replace("{agent}", "<assistant>"),
                        keys.join(", "),
                        d.form_help
                            .as_deref()
                            .map(|f| format!(", form `{f}`"))
                            .unwrap_or_default()
                    )?;
                }
            }
            let paths = d.paths.map_or("allow", Severity::as_str);
            let author = match d.author {
                AuthorRule::Deny => "the author must be a person",
                AuthorRule::Disclose => "an assistant's identity is evidence of use",
            };
            writeln!(
                out,
                "disclosure: configuration files: {paths}; {author}; fix: {}",
                if d.fix { "on (the commit-msg hook rewrites co-author lines)" } else { "off" }
            )?;
        }
        if policy.about.is_some() || !policy.disclose.is_empty() {
            writeln!(out)?;
        }
        Ok(())
    })()
    .map_err(Error::Output)
}

/// One line per rule: assistant, rule id, kind, policy, patterns.
pub fn human(out: &mut dyn Write, rows: &[RuleRow]) -> Result<()> {
    let w = |f: fn(&RuleRow) -> usize| rows.iter().map(f).max().unwrap_or(0);
    let (wa, wr) = (w(|r| r.assistant.len()), w(|r| r.rule.len()));
    let wp = w(|r| r.policy.len()).max(5);
    (|| -> std::io::Result<()> {
        for r in rows {
            writeln!(
                out,
                "{:wa$}  {:wr$}  {:11}  {:wp$}  {}",
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
