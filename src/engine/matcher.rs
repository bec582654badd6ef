//! The matching engine: the rules of a policy compiled once (a `GlobSet` for paths, a
//! `RegexSet` for message lines, hash maps for e-mail addresses and GitHub ids), then asked
//! about one message, identity or path at a time. Pure: no git, no I/O.

use std::collections::HashMap;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::{Regex, RegexSet, RegexSetBuilder};

use crate::catalogue::{parse_github, Catalogue, Kind, Located};
use crate::engine::namefilter::NameFilter;
use crate::engine::normalize::{lines, normalize};
use crate::engine::Severity;
use crate::error::Result;

/// A rule in force, as findings refer to it.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub assistant: String,
    pub kind: Kind,
    pub severity: Severity,
}

/// Which identity of a commit or tag is meant.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Author,
    Committer,
    Tagger,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::Committer => "committer",
            Role::Tagger => "tagger",
        }
    }
}

/// Where a rule matched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    Path(String),
    /// A line of the message, as written (not normalised).
    Line(String),
    Identity {
        role: Role,
        name: String,
        email: String,
    },
}

/// One rule matching at one place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Match {
    /// Index into [`Matcher::rules`].
    pub rule: usize,
    pub location: Location,
}

/// The compiled rules of a policy.
#[derive(Debug)]
pub struct Matcher {
    pub rules: Vec<RuleInfo>,
    paths: GlobSet,
    path_rule: Vec<usize>,
    /// Tells most tree entries apart from marker candidates before `paths` is asked.
    pub name_filter: NameFilter,
    exempt_paths: GlobSet,
    lines: RegexSet,
    line_rule: Vec<(usize, bool)>,
    emails: HashMap<String, Vec<usize>>,
    github_ids: HashMap<u64, Vec<usize>>,
    github_logins: HashMap<String, Vec<usize>>,
    domains: HashMap<String, Vec<usize>>,
    names: RegexSet,
    name_rule: Vec<usize>,
    exempt_identities: GlobSet,
    trailer: Regex,
    address: Regex,
}

const NOREPLY: &str = "@users.noreply.github.com";

impl Matcher {
    /// Compiles every rule of a catalogue as denied, with no exemptions.
    pub fn all(catalogue: &Catalogue) -> Result<Matcher> {
        Matcher::build(catalogue, |_| Some(Severity::Deny), &[], &[])
    }

    /// Compiles the rules of every assistant `severity_of` denies or warns about.
    pub(crate) fn build(
        catalogue: &Catalogue,
        severity_of: impl Fn(&str) -> Option<Severity>,
        exempt_paths: &[Located],
        exempt_identities: &[Located],
    ) -> Result<Matcher> {
        let mut rules = Vec::new();
        let mut paths = GlobSetBuilder::new();
        let mut path_rule = Vec::new();
        let mut name_filter = NameFilter::default();
        let mut line_patterns = Vec::new();
        let mut line_rule = Vec::new();
        let mut emails: HashMap<String, Vec<usize>> = HashMap::new();
        let mut github_ids: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut github_logins: HashMap<String, Vec<usize>> = HashMap::new();
        let mut domains: HashMap<String, Vec<usize>> = HashMap::new();
        let mut name_patterns = Vec::new();
        let mut name_rule = Vec::new();

        // Every pattern is compiled even for rules the policy switches off, so a bad pattern
        // in a custom rule is reported whatever the deny list says.
        for rule in &catalogue.rules {
            let severity = severity_of(&rule.assistant);
            // Only rules in force get an index; every use of `index` below is guarded by
            // `severity.is_some()`, so it is the position the rule is pushed at.
            let index = rules.len();
            match rule.kind {
                Kind::Path => {
                    for p in &rule.patterns {
                        if severity.is_some() {
                            name_filter.add(&p.value);
                        }
                        for glob in marker_globs(p)? {
                            if severity.is_some() {
                                paths.add(glob);
                                path_rule.push(index);
                            }
                        }
                    }
                }
                Kind::Message => {
                    for p in &rule.patterns {
                        compile_regex(p)?;
                        if severity.is_some() {
                            line_patterns.push(p.value.clone());
                            line_rule.push((index, rule.subject_only));
                        }
                    }
                }
                Kind::Identity => {
                    for p in &rule.names {
                        compile_regex(p)?;
                    }
                    if severity.is_some() {
                        for e in &rule.emails {
                            emails
                                .entry(normalize(&e.value).into_owned())
                                .or_default()
                                .push(index);
                        }
                        for g in &rule.github {
                            if let Some((id, login)) = parse_github(&g.value) {
                                github_ids.entry(id).or_default().push(index);
                                github_logins
                                    .entry(login.to_ascii_lowercase())
                                    .or_default()
                                    .push(index);
                            }
                        }
                        for d in &rule.domains {
                            let d = normalize(d.value.trim_start_matches('@')).into_owned();
                            domains.entry(d).or_default().push(index);
                        }
                        for p in &rule.names {
                            name_patterns.push(p.value.clone());
                            name_rule.push(index);
                        }
                    }
                }
            }
            if let Some(severity) = severity {
                rules.push(RuleInfo {
                    id: rule.id.clone(),
                    assistant: rule.assistant.clone(),
                    kind: rule.kind,
                    severity,
                });
            }
        }

        let mut exempt = GlobSetBuilder::new();
        for p in exempt_paths {
            exempt.add(glob(p, &p.value, false)?);
        }
        let mut exempt_ids = GlobSetBuilder::new();
        for p in exempt_identities {
            exempt_ids.add(glob(p, &normalize(&p.value), true)?);
        }
        let set_error =
            |e: globset::Error| crate::error::Error::input("compiling path rules", e.to_string());
        Ok(Matcher {
            rules,
            paths: paths.build().map_err(set_error)?,
            path_rule,
            name_filter,
            exempt_paths: exempt.build().map_err(set_error)?,
            lines: regex_set(&line_patterns)?,
            line_rule,
            emails,
            github_ids,
            github_logins,
            domains,
            names: regex_set(&name_patterns)?,
            name_rule,
            exempt_identities: exempt_ids.build().map_err(set_error)?,
            trailer: Regex::new(r"^[a-z][a-z0-9_-]*\s*:").expect("static regex"),
            address: Regex::new(r#"[^\s<>()\[\]"',;:]+@[^\s<>()\[\]"',;:]+"#)
                .expect("static regex"),
        })
    }

    /// True when no rule of this kind is in force (lets callers skip work).
    pub fn has_kind(&self, kind: Kind) -> bool {
        self.rules.iter().any(|r| r.kind == kind)
    }

    /// Message rules, and identity rules on `Key: Name <address>` lines, over every line.
    pub fn check_message(&self, message: &str, out: &mut Vec<Match>) {
        let start = out.len();
        for (n, (raw, norm)) in lines(message).enumerate() {
            if norm.is_empty() {
                continue;
            }
            for i in self.lines.matches(&norm).iter() {
                let (rule, subject_only) = self.line_rule[i];
                if !subject_only || n == 0 {
                    out.push(Match {
                        rule,
                        location: Location::Line(raw.to_owned()),
                    });
                }
            }
            if norm.contains('@') && self.trailer.is_match(&norm) {
                for m in self.address.find_iter(&norm) {
                    for rule in self.email_rules(m.as_str()) {
                        out.push(Match {
                            rule,
                            location: Location::Line(raw.to_owned()),
                        });
                    }
                }
            }
        }
        dedup_from(out, start);
    }

    /// Identity rules over one author, committer or tagger.
    pub fn check_identity(&self, role: Role, name: &str, email: &str, out: &mut Vec<Match>) {
        let start = out.len();
        let location = || Location::Identity {
            role,
            name: name.to_owned(),
            email: email.to_owned(),
        };
        let norm_email = normalize(email);
        for rule in self.email_rules(&norm_email) {
            out.push(Match {
                rule,
                location: location(),
            });
        }
        if !self.name_rule.is_empty() && !self.identity_exempt(&norm_email) {
            let norm_name = normalize(name);
            for i in self.names.matches(norm_name.trim()).iter() {
                out.push(Match {
                    rule: self.name_rule[i],
                    location: location(),
                });
            }
        }
        dedup_from(out, start);
    }

    /// Path rules over one path a commit adds or changes.
    pub fn check_path(&self, path: &str, out: &mut Vec<Match>) {
        if self.exempt_paths.is_match(path) {
            return;
        }
        let start = out.len();
        for i in self.paths.matches(path) {
            out.push(Match {
                rule: self.path_rule[i],
                location: Location::Path(path.to_owned()),
            });
        }
        dedup_from(out, start);
    }

    /// Whether any path rule in force matches `path` (and it is not exempt).
    pub fn is_marker_path(&self, path: &str) -> bool {
        self.paths.is_match(path) && !self.exempt_paths.is_match(path)
    }

    fn identity_exempt(&self, norm_email: &str) -> bool {
        !self.exempt_identities.is_empty() && self.exempt_identities.is_match(norm_email)
    }

    /// Rules whose e-mail addresses or GitHub accounts match a normalised address.
    fn email_rules(&self, email: &str) -> Vec<usize> {
        let email = email.trim_matches(|c: char| c == '<' || c == '>' || c.is_whitespace());
        if email.is_empty() || self.identity_exempt(email) {
            return Vec::new();
        }
        let mut found: Vec<usize> = self.emails.get(email).cloned().unwrap_or_default();
        if !self.domains.is_empty() {
            // `a@x.example` and `a@mail.x.example` are both in domain `x.example`.
            let mut host = email.rsplit_once('@').map_or("", |(_, h)| h);
            while !host.is_empty() {
                if let Some(rules) = self.domains.get(host) {
                    found.extend(rules);
                }
                host = host.split_once('.').map_or("", |(_, rest)| rest);
            }
        }
        if let Some(local) = email.strip_suffix(NOREPLY) {
            let (id, login) = match local.split_once('+') {
                Some((id, login)) => (id.parse::<u64>().ok(), login),
                None => (None, local),
            };
            if let Some(rules) = id.and_then(|id| self.github_ids.get(&id)) {
                found.extend(rules);
            }
            if let Some(rules) = self.github_logins.get(login) {
                found.extend(rules);
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

fn dedup_from(out: &mut Vec<Match>, start: usize) {
    if out.len() - start > 1 {
        let mut tail = out.split_off(start);
        tail.sort();
        tail.dedup();
        out.extend(tail);
    }
}

/// The globs for one path pattern: the entry itself and everything beneath it, at any depth
/// unless the pattern starts with `/`.
fn marker_globs(p: &Located) -> Result<Vec<globset::Glob>> {
    let pattern = p.value.trim_end_matches('/');
    let base = match pattern.strip_prefix('/') {
        Some(anchored) => anchored.to_owned(),
        None => format!("**/{pattern}"),
    };
    if pattern.is_empty() || base.ends_with("**/") {
        return Err(p.origin.error("empty path pattern").into());
    }
    Ok(vec![
        glob(p, &base, true)?,
        glob(p, &format!("{base}/**"), true)?,
    ])
}

fn glob(p: &Located, pattern: &str, case_insensitive: bool) -> Result<globset::Glob> {
    GlobBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| p.origin.error(format!("invalid glob: {}", e.kind())).into())
}

fn compile_regex(p: &Located) -> Result<Regex> {
    Regex::new(&format!("(?i){}", p.value)).map_err(|e| {
        let detail = e
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_owned();
        p.origin
            .error(format!("invalid regular expression: {detail}"))
            .into()
    })
}

fn regex_set(patterns: &[String]) -> Result<RegexSet> {
    RegexSetBuilder::new(patterns)
        .case_insensitive(true)
        .size_limit(64 << 20)
        .build()
        .map_err(|e| crate::error::Error::input("compiling message rules", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn matcher() -> (Matcher, Catalogue) {
        let c = Catalogue::builtin().unwrap();
        (Matcher::all(&c).unwrap(), c)
    }

    fn rules_for(m: &Matcher, found: &[Match]) -> Vec<String> {
        found.iter().map(|f| m.rules[f.rule].id.clone()).collect()
    }

    /// Every `examples` entry of every built-in rule matches that rule, and no
    /// `counter-examples` entry matches it.
    #[test]
    fn builtin_examples_match_their_rules() {
        let (m, c) = matcher();
        for rule in &c.rules {
            assert!(
                !rule.examples.is_empty(),
                "rule `{}` has no examples",
                rule.id
            );
            let check = |text: &str| -> Vec<String> {
                let mut out = Vec::new();
                match rule.kind {
                    Kind::Path => m.check_path(text, &mut out),
                    Kind::Message => m.check_message(text, &mut out),
                    Kind::Identity => {
                        let (name, email) = split_identity(text);
                        m.check_identity(Role::Author, name, email, &mut out);
                        m.check_message(&format!("Co-authored-by: {text}"), &mut out);
                    }
                }
                rules_for(&m, &out)
            };
            for e in &rule.examples {
                assert!(
                    check(e).contains(&rule.id),
                    "`{}` does not match its example {e:?}",
                    rule.id
                );
            }
            for e in &rule.counter_examples {
                assert!(
                    !check(e).contains(&rule.id),
                    "`{}` matches its counter-example {e:?}",
                    rule.id
                );
            }
        }
    }

    fn split_identity(text: &str) -> (&str, &str) {
        match text.rsplit_once('<') {
            Some((name, rest)) => (name.trim(), rest.trim_end_matches('>')),
            None => (text, ""),
        }
    }

    #[test]
    fn trailers_are_found_anywhere_with_lookalikes_and_zero_width() {
        let (m, _) = matcher();
        let mut out = Vec::new();
        m.check_message(
            "Fix it\n\nCo-Authored-By: \u{0421}la\u{200B}ude <noreply@anthr\u{043e}pic.com>\r\n\nMore text after.\n",
            &mut out,
        );
        assert_eq!(rules_for(&m, &out), ["claude-code-identity"]);
        let Location::Line(line) = &out[0].location else {
            panic!()
        };
        assert!(
            line.starts_with("Co-Authored-By: "),
            "reports the line as written: {line:?}"
        );
    }

    #[test]
    fn humans_named_like_tools_are_not_findings() {
        let (m, _) = matcher();
        let mut out = Vec::new();
        m.check_identity(Role::Author, "Claude Paroz", "claude@2xlibre.net", &mut out);
        m.check_identity(
            Role::Author,
            "Devin Doucette",
            "devin@doucette.cc",
            &mut out,
        );
        m.check_identity(
            Role::Author,
            "Cody",
            "81847+claude@users.noreply.github.com",
            &mut out,
        );
        m.check_message("Move the cursor, continue with codex and amp in gemini://\n\nSee CLAUDE.md for details.", &mut out);
        m.check_path("src/claude.rs", &mut out);
        m.check_path("docs/cursor.md", &mut out);
        assert!(out.is_empty(), "{:?}", rules_for(&m, &out));
    }

    #[test]
    fn github_noreply_matches_by_id_or_login() {
        let (m, _) = matcher();
        let mut out = Vec::new();
        m.check_identity(
            Role::Author,
            "x",
            "198982749+renamed@users.noreply.github.com",
            &mut out,
        );
        m.check_identity(
            Role::Committer,
            "x",
            "1+Copilot@users.noreply.github.com",
            &mut out,
        );
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn domain_rules_are_an_opt_in_and_cover_subdomains() {
        let text = "[[rule]]\nid = \"anthropic-domain\"\nassistant = \"claude-code\"\nkind = \"identity\"\ndomains = [\"anthropic.com\"]\n";
        let p = Policy::parse("p.toml", text).unwrap();
        let m = p.matcher();
        let mut out = Vec::new();
        m.check_identity(
            Role::Author,
            "Staff",
            "someone@mail.anthropic.com",
            &mut out,
        );
        assert_eq!(rules_for(&m, &out), ["anthropic-domain"]);
        let (builtin, _) = matcher();
        out.clear();
        builtin.check_identity(Role::Author, "Staff", "someone@anthropic.com", &mut out);
        assert!(
            out.is_empty(),
            "the built-in catalogue matches tool addresses, not domains"
        );
    }

    #[test]
    fn marker_paths_match_at_any_depth_and_case() {
        let (m, _) = matcher();
        for p in [
            "CLAUDE.md",
            "pkg/a/claude.md",
            ".claude/settings.json",
            "x/.cursor/rules/a.mdc",
            ".claude",
        ] {
            assert!(m.is_marker_path(p), "{p}");
        }
    }
}
