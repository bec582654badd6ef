//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. One rule per aigate rule
//! in `tool.driver.rules`; path findings are located in the file they name; message and
//! identity findings have no file, so they are located on the commit as a logical location
//! (and the commit is in `properties` too). `partialFingerprints` carry a hash of the
//! finding's baseline key (commit, rule, location), so a re-run matches the same alerts.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Value};

use crate::catalogue::{Catalogue, Kind};
use crate::engine::finding::Finding;
use crate::error::{Error, Result};
use crate::policy::Severity;
use crate::report::baseline::Key;
use crate::report::{Report, Summary, SHALLOW};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where a rule's documentation lives: the catalogue section of the README in the
/// repository named in Cargo.toml (no `helpUri` when none is named).
fn help_uri() -> Option<String> {
    let repo = env!("CARGO_PKG_REPOSITORY");
    (!repo.is_empty()).then(|| format!("{}#the-catalogue", repo.trim_end_matches('/')))
}

pub fn write(out: &mut dyn Write, report: &Report, catalogue: &Catalogue) -> Result<()> {
    let mut log = log(&report.findings, catalogue);
    coverage(&mut log["runs"][0], &report.summary);
    serde_json::to_writer_pretty(&mut *out, &log).map_err(|e| Error::Output(e.into()))?;
    writeln!(out).map_err(Error::Output)
}

/// The whole SARIF log for `findings`.
pub fn log(findings: &[Finding], catalogue: &Catalogue) -> Value {
    // Rules that have findings, in id order, with the index results refer to.
    let mut used: BTreeMap<&str, Severity> = BTreeMap::new();
    for f in findings {
        let s = used.entry(&f.rule).or_insert(f.severity);
        *s = (*s).max(f.severity);
    }
    let index: BTreeMap<&str, usize> = used.keys().enumerate().map(|(i, r)| (*r, i)).collect();
    let help = help_uri();
    let rules: Vec<Value> = used
        .iter()
        .map(|(&id, &severity)| {
            let rule = catalogue.rules.iter().find(|r| r.id == id);
            let assistant = rule.map_or("", |r| r.assistant.as_str());
            let name = catalogue
                .assistant(assistant)
                .map_or_else(|| assistant.to_owned(), |a| a.name.clone());
            let kind = rule.map_or(Kind::Path, |r| r.kind);
            let what = describe(rule.map(|r| r.kind), &name);
            let mut patterns: Vec<&str> = Vec::new();
            if let Some(r) = rule {
                for p in r.patterns.iter().chain(&r.emails).chain(&r.github).chain(&r.names) {
                    patterns.push(&p.value);
                }
            }
            let full = format!(
                "{what}. Patterns: {}.{}",
                patterns.join(", "),
                rule.and_then(|r| r.source.as_deref())
                    .map(|s| format!(" Source: {s}."))
                    .unwrap_or_default()
            );
            let mut r = json!({
                "id": id,
                "name": pascal(id),
                "shortDescription": { "text": what },
                "fullDescription": { "text": full },
                "help": { "text": format!("{what}. To fix: {}. Or change the policy (`.aigate.toml`) if {name} is allowed here.", crate::report::explain::fix_of_kind(kind)) },
                "defaultConfiguration": { "level": level(severity) },
                "properties": {
                    "assistant": assistant,
                    "kind": kind.as_str(),
                    "tags": ["ai-assistant", assistant, kind.as_str()],
                },
            });
            if let Some(h) = &help {
                r["helpUri"] = json!(h);
            }
            r
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| result(f, index[f.rule.as_str()], catalogue))
        .collect();
    let mut driver = json!({
        "name": "aigate",
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let Some(repo) = help.as_ref().map(|_| env!("CARGO_PKG_REPOSITORY")) {
        driver["informationUri"] = json!(repo);
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "automationDetails": { "id": "aigate/audit/" },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// The coverage facts in the run's `properties`; an incomplete history also as a warning
/// notification of the invocation, which viewers show beside the results.
fn coverage(run: &mut Value, s: &Summary) {
    run["properties"] = json!({
        "complete": s.complete,
        "refs": s.refs,
        "policy": s.policy,
        "version": s.version,
        "repositories": s.repositories,
        "commitsScanned": s.commits_scanned,
    });
    let mut notes = Vec::new();
    if s.shallow {
        let shallow: Vec<&str> = match &s.repository {
            Some(r) => vec![r.as_str()],
            None => s
                .by_repository
                .iter()
                .filter(|r| r.audited && !r.complete)
                .map(|r| r.path.as_str())
                .collect(),
        };
        if !shallow.is_empty() {
            notes.push(json!({
                "level": "warning",
                "message": { "text": format!("The history of {} is {SHALLOW}.", shallow.join(", ")) },
            }));
        }
    }
    for r in s.by_repository.iter().filter(|r| !r.audited) {
        notes.push(json!({
            "level": "error",
            "message": { "text": format!("{} could not be audited: {}", r.path, r.error.as_deref().unwrap_or_default()) },
        }));
    }
    run["invocations"] = json!([{
        "executionSuccessful": s.not_audited == 0,
        "toolExecutionNotifications": notes,
    }]);
}

fn result(f: &Finding, rule_index: usize, catalogue: &Catalogue) -> Value {
    let short = crate::engine::finding::short_id(&f.commit);
    let object = match &f.tag {
        Some(t) => format!("tag {t}"),
        None => format!("commit {short}"),
    };
    // The same wording as the other reports and the hooks.
    let plain = crate::report::lines::Style::PLAIN;
    let text = format!(
        "{}: {}. Fix: {}",
        crate::report::lines::header(f, plain).unwrap_or_else(|| object.clone()),
        crate::report::lines::finding(f, catalogue, plain),
        f.hint
    );
    let location = match &f.path {
        Some(path) => json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri_path(path), "uriBaseId": "%SRCROOT%" },
                "region": { "startLine": 1 },
            },
            "message": { "text": format!("added or changed in {object}") },
        }),
        None => json!({
            "logicalLocations": [{
                "name": f.tag.clone().unwrap_or_else(|| f.commit.clone()),
                "fullyQualifiedName": match &f.tag {
                    Some(t) => format!("tag:{t}"),
                    None => format!("commit:{}", f.commit),
                },
                "kind": "object",
            }],
            "message": { "text": object },
        }),
    };
    let key = Key::of(f);
    let fingerprint = crate::git::repo::blob_id(
        format!("{}\0{}\0{}", key.commit, key.rule, key.location).as_bytes(),
    );
    let mut props = json!({
        "commit": f.commit,
        "assistant": f.assistant,
        "kind": f.kind.as_str(),
        "author": f.author,
        "date": crate::report::date(f.date),
    });
    for (k, v) in [
        ("repository", &f.repository),
        ("tag", &f.tag),
        ("line", &f.line),
        ("identity", &f.identity),
        ("ref", &f.reference),
        ("variable", &f.variable),
    ] {
        if let Some(v) = v {
            props[k] = json!(v);
        }
    }
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [location],
        "partialFingerprints": { "aigateFinding/v1": fingerprint },
        "properties": props,
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Deny => "error",
        Severity::Warn => "warning",
    }
}

fn describe(kind: Option<Kind>, assistant: &str) -> String {
    match kind {
        Some(Kind::Path) => format!("A file or directory left by {assistant}"),
        Some(Kind::Message) => format!("A commit message line left by {assistant}"),
        Some(Kind::Identity) => {
            format!("An author, committer or co-author identity of {assistant}")
        }
        Some(Kind::Ref) => format!("A ref name or provenance ref of {assistant}"),
        Some(Kind::Environment) => {
            format!("A variable {assistant} sets in the shell it runs commands from")
        }
        None => format!("A marker of {assistant}"),
    }
}

/// `claude-code-memory-file` -> `ClaudeCodeMemoryFile` (SARIF's `name` is an identifier).
fn pascal(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A repository path as a relative URI reference: each segment percent-encoded except the
/// unreserved characters.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_and_uris() {
        assert_eq!(
            super::pascal("claude-code-memory-file"),
            "ClaudeCodeMemoryFile"
        );
        assert_eq!(super::uri_path("a b/CLAUDE.md"), "a%20b/CLAUDE.md");
    }
}
