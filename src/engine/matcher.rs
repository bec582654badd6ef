//! The matching engine: the rules of a policy compiled once (`GlobSet`s for paths, a
//! `RegexSet` for message lines, built when first asked, hash maps for e-mail addresses and GitHub ids, product names
//! for footers and attribution keys), then asked about one message, identity or path at a
//! time. Messages are first read into lines the way a person reads them ([`message`]). Pure:
//! no git, no I/O.

use std::collections::HashMap;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::{Regex, RegexSet, RegexSetBuilder};

use crate::catalogue::{parse_github, Catalogue, Kind, Located, Shape};
use crate::engine::message::{self, Attribution, Group};
use crate::engine::namefilter::NameFilter;
use crate::engine::normalize::normalize;
use crate::engine::Severity;
use crate::error::Result;

/// A rule in force, as findings refer to it.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub assistant: String,
    pub kind: Kind,
    pub severity: Severity,
    /// Read by a parser (a footer, an attribution value): on a line another rule of the same
    /// assistant already reports, it adds nothing.
    pub shape: bool,
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
    /// The account that opened a pull request (`aigate ci` on GitHub).
    Opener,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::Committer => "committer",
            Role::Tagger => "tagger",
            Role::Opener => "pull request opener",
        }
    }
}

/// Where a rule matched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    Path(String),
    /// A line of the message, as written (not normalised; folded lines joined by a space),
    /// and its trailer key in canonical spelling (`co-authored-by`) if it is a `Key: value`
    /// line.
    Line {
        text: String,
        key: Option<String>,
    },
    Identity {
        role: Role,
        name: String,
        email: String,
    },
    /// A full ref name (`refs/heads/claude/fix`).
    Ref(String),
    /// A variable of the hook's environment, with its value.
    Variable {
        name: String,
        value: String,
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
    paths: LazyPaths,
    /// Tells most tree entries apart from marker candidates before `paths` is asked.
    pub name_filter: NameFilter,
    exempt_paths: GlobSet,
    lines: LazyPatterns,
    line_rule: Vec<(usize, bool)>,
    emails: HashMap<String, Vec<usize>>,
    github_ids: HashMap<u64, Vec<usize>>,
    github_logins: HashMap<String, Vec<usize>>,
    domains: HashMap<String, Vec<usize>>,
    /// Compiled when an identity is first checked: pre-commit checks none.
    names: LazyPatterns,
    name_rule: Vec<usize>,
    exempt_identities: GlobSet,
    /// Squashed product names of footer and attribution rules, each with its rule when in
    /// force.
    footer_products: Vec<String>,
    footer_rule: Vec<Option<usize>>,
    attribution_products: Vec<String>,
    attribution_rule: Vec<Option<usize>>,
    unnamed_rules: Vec<usize>,
    refs: GlobSet,
    ref_rule: Vec<usize>,
    environment: Vec<EnvRule>,
}

/// One environment rule in force: the variables it names and the value they must have.
#[derive(Debug)]
struct EnvRule {
    rule: usize,
    variables: Vec<String>,
    value: Option<Value>,
}

/// The value an environment rule asks for: most are plain words (`1`, `goose`), compared as
/// they are rather than compiled; a pattern is compiled when its variable is first met set.
#[derive(Debug)]
enum Value {
    Exactly(String),
    /// The pattern matched against the whole value, and its compiled form.
    Pattern(String, std::sync::OnceLock<Regex>),
}

impl Value {
    fn matches(&self, value: &str) -> bool {
        match self {
            Value::Exactly(v) => v == value,
            Value::Pattern(source, compiled) => compiled
                .get_or_init(|| {
                    // A policy's own patterns were compiled when it was loaded, built-in ones
                    // by `builtin_patterns_compile_alone_and_together`.
                    Regex::new(source).unwrap_or_else(|e| unreachable!("`{source}`: {e}"))
                })
                .is_match(value),
        }
    }
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
        let mut paths = PathRulesBuilder::default();
        // A custom path rule in force: the sets are built now, so that an error is reported at
        // load (as for line patterns).
        let mut custom_paths = false;
        let mut name_filter = NameFilter::default();
        let mut line_patterns = Vec::new();
        // A custom line pattern in force: the set is built now, so that an error in it (a set
        // can be too large even when each pattern compiles) is reported at load.
        let mut custom_lines = false;
        let mut custom_names = false;
        let mut line_rule = Vec::new();
        let mut emails: HashMap<String, Vec<usize>> = HashMap::new();
        let mut github_ids: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut github_logins: HashMap<String, Vec<usize>> = HashMap::new();
        let mut domains: HashMap<String, Vec<usize>> = HashMap::new();
        let mut name_patterns = Vec::new();
        let mut name_rule = Vec::new();
        let (mut footer_products, mut footer_rule) = (Vec::new(), Vec::new());
        let (mut attribution_products, mut attribution_rule) = (Vec::new(), Vec::new());
        let mut unnamed_rules = Vec::new();
        let mut refs = GlobSetBuilder::new();
        let mut ref_rule = Vec::new();
        let mut environment = Vec::new();

        // Every pattern is compiled even for rules the policy switches off, so a bad pattern
        // in a custom rule is reported whatever the deny list says.
        for rule in &catalogue.rules {
            // An opt-in rule is in force only once the policy enables it by id.
            let severity = severity_of(&rule.assistant).filter(|_| rule.enabled);
            // Only rules in force get an index; every use of `index` below is guarded by
            // `severity.is_some()`, so it is the position the rule is pushed at.
            let index = rules.len();
            match rule.kind {
                Kind::Path => {
                    for p in &rule.patterns {
                        if severity.is_some() {
                            name_filter.add(&p.value);
                        }
                        // Built-in patterns are parsed by unit tests, and when first needed.
                        if !rule.builtin {
                            marker_globs(p)?;
                        }
                        if severity.is_some() {
                            paths.add(p, index);
                            custom_paths |= !rule.builtin;
                        }
                    }
                }
                Kind::Message if rule.shape == Some(Shape::UnnamedAttribution) => {
                    unnamed_rules.extend(severity.map(|_| index));
                }
                Kind::Message if rule.shape.is_some() => {
                    // Products of rules not in force are kept too: `Assisted-by: Cursor` with
                    // Cursor allowed is Cursor's, not an unnamed tool's.
                    let in_force = severity.map(|_| index);
                    let (products, rule_of) = if rule.shape == Some(Shape::Footer) {
                        (&mut footer_products, &mut footer_rule)
                    } else {
                        (&mut attribution_products, &mut attribution_rule)
                    };
                    for p in &rule.patterns {
                        let squashed = message::squash(&p.value);
                        if squashed.is_empty() {
                            return Err(p
                                .origin
                                .error("a product name needs a letter or digit")
                                .into());
                        }
                        products.push(squashed);
                        rule_of.push(in_force);
                    }
                }
                Kind::Message => {
                    for p in &rule.patterns {
                        // Built-in patterns are compiled by unit tests, not at every start.
                        if !rule.builtin {
                            compile_regex(p)?;
                        }
                        if severity.is_some() {
                            line_patterns.push(p.value.clone());
                            line_rule.push((index, rule.subject_only));
                            custom_lines |= !rule.builtin;
                        }
                    }
                }
                Kind::Identity => {
                    if !rule.builtin {
                        for p in &rule.names {
                            compile_regex(p)?;
                        }
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
                            custom_names |= !rule.builtin;
                        }
                    }
                }
                Kind::Ref => {
                    // Built-in ones are parsed by unit tests (`builtin_examples_match_their_rules`).
                    let parse = severity.is_some() || !rule.builtin;
                    for p in rule.patterns.iter().filter(|_| parse) {
                        for g in ref_globs(p)? {
                            if severity.is_some() {
                                refs.add(g);
                                ref_rule.push(index);
                            }
                        }
                    }
                }
                Kind::Environment => {
                    let value = match &rule.value {
                        Some(v) if severity.is_some() || !rule.builtin => {
                            Some(value_of(v, !rule.builtin)?)
                        }
                        _ => None,
                    };
                    if severity.is_some() {
                        environment.push(EnvRule {
                            rule: index,
                            variables: rule.variables.iter().map(|v| v.value.clone()).collect(),
                            value,
                        });
                    }
                }
            }
            if let Some(severity) = severity {
                rules.push(RuleInfo {
                    id: rule.id.clone(),
                    assistant: rule.assistant.clone(),
                    kind: rule.kind,
                    severity,
                    shape: rule.shape.is_some(),
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
        Ok(Matcher {
            rules,
            paths: LazyPaths::new(paths, custom_paths)?,
            name_filter,
            exempt_paths: exempt.build().map_err(set_error)?,
            lines: LazyPatterns::new(line_patterns, custom_lines)?,
            line_rule,
            emails,
            github_ids,
            github_logins,
            domains,
            names: LazyPatterns::new(name_patterns, custom_names)?,
            name_rule,
            exempt_identities: exempt_ids.build().map_err(set_error)?,
            footer_products,
            footer_rule,
            attribution_products,
            attribution_rule,
            unnamed_rules,
            refs: refs.build().map_err(set_error)?,
            ref_rule,
            environment,
        })
    }

    /// True when no rule of this kind is in force (lets callers skip work).
    pub fn has_kind(&self, kind: Kind) -> bool {
        self.rules.iter().any(|r| r.kind == kind)
    }

    /// Message rules, identity rules on `Key: Name <address>` lines, footers and attribution
    /// keys naming a product, over every line as a reader sees it (see [`message`]). A line
    /// yields at most one finding per assistant: a rule written for the line wins over a shape.
    pub fn check_message(&self, message: &str, out: &mut Vec<Match>) {
        let start = out.len();
        let mut hits = Vec::new();
        message::groups(message, |g| {
            hits.clear();
            self.check_group(g, &mut hits);
            if hits.is_empty() {
                return;
            }
            hits.sort_unstable_by_key(|&r| (self.rules[r].shape, r));
            let mut seen: Vec<&str> = Vec::new();
            for &rule in &hits {
                let assistant = self.rules[rule].assistant.as_str();
                if seen.contains(&assistant) {
                    continue;
                }
                seen.push(assistant);
                out.push(Match {
                    rule,
                    location: Location::Line {
                        text: g.raw.clone(),
                        key: g.key().map(str::to_owned),
                    },
                });
            }
        });
        dedup_from(out, start);
    }

    fn check_group(&self, g: &Group, hits: &mut Vec<usize>) {
        let texts = std::iter::once(g.text.as_str()).chain(g.parts.iter().map(String::as_str));
        for (n, text) in texts.enumerate() {
            self.lines.get().matches(text, |i| {
                let (rule, subject_only) = self.line_rule[i];
                if !subject_only || (g.first == 0 && n == 0) {
                    hits.push(rule);
                }
            });
            if !self.footer_products.is_empty() {
                if let Some(from) = message::footer_start(text) {
                    if let Some((i, end)) = message::product_at(&self.footer_products, text, from) {
                        if message::tail_ok(&text[end..], true) {
                            hits.extend(self.footer_rule[i]);
                        }
                    }
                }
            }
        }
        let (Some(key), Some(value)) = (g.key(), g.value()) else {
            return;
        };
        if value.contains('@') {
            message::addresses(value, message::takes_bare_address(key), |addr| {
                hits.extend(self.email_rules(addr));
            });
        }
        // A subject is not a trailer (`agent: cursor: fix blink` is a conventional subject).
        if g.first == 0 {
            return;
        }
        if let Some(class) = message::key_class(key) {
            match message::attribution(class, value, &self.attribution_products) {
                Attribution::Named(i) => hits.extend(self.attribution_rule[i]),
                Attribution::Unnamed => hits.extend(&self.unnamed_rules),
                Attribution::Clean => {}
            }
        }
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
            self.names.get().matches(norm_name.trim(), |i| {
                out.push(Match {
                    rule: self.name_rule[i],
                    location: location(),
                })
            });
        }
        dedup_from(out, start);
    }

    /// Path rules over one path a commit adds or changes.
    pub fn check_path(&self, path: &str, out: &mut Vec<Match>) {
        if self.exempt_paths.is_match(path) {
            return;
        }
        let start = out.len();
        self.paths.matches(path, &self.name_filter, |rule| {
            out.push(Match {
                rule,
                location: Location::Path(path.to_owned()),
            })
        });
        dedup_from(out, start);
    }

    /// Ref rules over one full ref name (`refs/heads/claude/fix`).
    pub fn check_ref(&self, name: &str, out: &mut Vec<Match>) {
        if self.ref_rule.is_empty() {
            return;
        }
        let start = out.len();
        for i in self.refs.matches(name) {
            out.push(Match {
                rule: self.ref_rule[i],
                location: Location::Ref(name.to_owned()),
            });
        }
        dedup_from(out, start);
    }

    /// Environment rules over the environment a local hook runs in (`main`'s one snapshot
    /// of the process). A variable without a value pattern matches when set to anything but
    /// an empty or false-like value.
    pub fn check_environment(&self, env: &crate::Vars, out: &mut Vec<Match>) {
        let start = out.len();
        for r in &self.environment {
            for name in &r.variables {
                let Some(value) = env.raw(name) else { continue };
                let set = match &r.value {
                    Some(v) => v.matches(value),
                    None => !is_false_like(value),
                };
                if set {
                    out.push(Match {
                        rule: r.rule,
                        location: Location::Variable {
                            name: name.clone(),
                            value: value.to_owned(),
                        },
                    });
                }
            }
        }
        dedup_from(out, start);
    }

    /// Whether any path rule in force matches `path` (and it is not exempt).
    pub fn is_marker_path(&self, path: &str) -> bool {
        self.paths.is_match(path, &self.name_filter) && !self.exempt_paths.is_match(path)
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
        // Sub-addressing: `noreply+anything@anthropic.com` is `noreply@anthropic.com`.
        if let Some((local, host)) = email.rsplit_once('@') {
            if let Some((base, _tag)) = local.split_once('+') {
                if !email.ends_with(NOREPLY) {
                    if let Some(rules) = self.emails.get(&format!("{base}@{host}")) {
                        found.extend(rules);
                    }
                }
            }
        }
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

/// The globs of one path pattern, matched at any depth unless the pattern starts with `/`.
/// A path matches when it or one of its directories matches the pattern (`.claude` covers
/// `.claude/settings.json`).
struct MarkerGlobs {
    /// The pattern lower-cased (ASCII), for a case-sensitive set; `None` when lower-casing
    /// would change its meaning (a character class: `[A-Z]`, `[Z-a]`), or when the pattern
    /// ends in `.`: globset's basename and extension strategies, which case-sensitive globs
    /// get, see no name in a path ending in `..`, where its regexes do.
    lower: Option<globset::Glob>,
    /// When `lower` is `None`: the pattern as written, case-insensitive, and the same with
    /// `/**` (everything beneath).
    folded: Vec<globset::Glob>,
}

fn marker_globs(p: &Located) -> Result<MarkerGlobs> {
    let pattern = p.value.trim_end_matches('/');
    let base = match pattern.strip_prefix('/') {
        Some(anchored) => anchored.to_owned(),
        None => format!("**/{pattern}"),
    };
    if pattern.is_empty() || base.ends_with("**/") {
        return Err(p.origin.error("empty path pattern").into());
    }
    if is_folded(pattern) {
        return Ok(MarkerGlobs {
            lower: None,
            folded: vec![glob(p, &base, true)?, glob(p, &format!("{base}/**"), true)?],
        });
    }
    Ok(MarkerGlobs {
        lower: Some(glob(p, &base.to_ascii_lowercase(), false)?),
        folded: Vec::new(),
    })
}

/// Whether a path pattern is matched as written, case-insensitively (see [`MarkerGlobs`]).
fn is_folded(pattern: &str) -> bool {
    pattern.contains('[') || pattern.trim_end_matches('/').ends_with('.')
}

/// The path rules in force, compiled so that globset can use its literal, basename and
/// suffix strategies instead of one large regex: globset matches a case-insensitive glob, and
/// a glob ending in `/**`, only by regex, and building that regex was most of the start-up
/// time of a hook. globset folds case in ASCII only (its regexes are `(?-u)(?i)`), so
/// lower-casing the pattern and the path in ASCII matches the same paths; and `pattern/**`
/// matches exactly the paths one of whose directories matches `pattern`, so the directories
/// are asked instead.
#[derive(Debug)]
struct PathRules {
    lower: GlobSet,
    lower_rule: Vec<usize>,
    /// Patterns with a character class or ending in `.`, matched as written (see
    /// [`MarkerGlobs`]).
    folded: GlobSet,
    folded_rule: Vec<usize>,
}

/// The path patterns in force, each with its rule, before they are parsed.
#[derive(Debug, Default)]
struct PathRulesBuilder {
    patterns: Vec<(Located, usize)>,
    /// Some pattern is matched as written (see [`MarkerGlobs`]).
    any_folded: bool,
}

impl PathRulesBuilder {
    fn add(&mut self, p: &Located, rule: usize) {
        self.any_folded |= is_folded(&p.value);
        self.patterns.push((p.clone(), rule));
    }

    fn build(&self) -> Result<PathRules> {
        let (mut lower, mut lower_rule) = (Vec::new(), Vec::new());
        let (mut folded, mut folded_rule) = (Vec::new(), Vec::new());
        for (p, rule) in &self.patterns {
            let globs = marker_globs(p)?;
            if let Some(g) = globs.lower {
                lower.push(g);
                lower_rule.push(*rule);
            }
            for g in globs.folded {
                folded.push(g);
                folded_rule.push(*rule);
            }
        }
        Ok(PathRules {
            lower: GlobSet::new(lower).map_err(set_error)?,
            lower_rule,
            folded: GlobSet::new(folded).map_err(set_error)?,
            folded_rule,
        })
    }
}

impl PathRules {
    /// Calls `found` with the rule of every pattern `path` matches (a rule may come twice).
    /// `filter` is the name filter of the same patterns: the set is asked about a directory
    /// or the path only when its last name may end a pattern, which is rare.
    fn matches(&self, path: &str, filter: &NameFilter, mut found: impl FnMut(usize)) {
        if !self.lower.is_empty() && candidate_ends(path, filter).next().is_some() {
            let lower = ascii_lower(path);
            for end in candidate_ends(&lower, filter) {
                let candidate = globset::Candidate::new(&lower[..end]);
                for i in self.lower.matches_candidate(&candidate) {
                    found(self.lower_rule[i]);
                }
            }
        }
        if !self.folded.is_empty() {
            for i in self.folded.matches(path) {
                found(self.folded_rule[i]);
            }
        }
    }

    fn is_match(&self, path: &str, filter: &NameFilter) -> bool {
        if !self.lower.is_empty() && candidate_ends(path, filter).next().is_some() {
            let lower = ascii_lower(path);
            if candidate_ends(&lower, filter).any(|end| self.lower.is_match(&lower[..end])) {
                return true;
            }
        }
        !self.folded.is_empty() && self.folded.is_match(path)
    }
}

/// The path rules, compiled when a path first gets past the name filter: most commits stage
/// no path that could be a marker, and their hook never builds the sets.
#[derive(Debug)]
struct LazyPaths {
    globs: PathRulesBuilder,
    compiled: std::sync::OnceLock<PathRules>,
}

impl LazyPaths {
    /// Compiles now when `now` (a policy's own patterns, whose errors are reported at load).
    fn new(globs: PathRulesBuilder, now: bool) -> Result<LazyPaths> {
        let compiled = std::sync::OnceLock::new();
        if now {
            let _ = compiled.set(globs.build()?);
        }
        Ok(LazyPaths { globs, compiled })
    }

    fn get(&self) -> &PathRules {
        self.compiled.get_or_init(|| {
            // Only built-in patterns are left to this point, and the unit test
            // `builtin_path_rules_compile` compiles every one of them: a failure here is a
            // catalogue that failed its tests.
            self.globs
                .build()
                .unwrap_or_else(|e| unreachable!("built-in path rules do not compile: {e}"))
        })
    }

    /// Whether the sets can match `path` at all: some name of it gets past `filter`, or a
    /// pattern matched as written is in force (those sets are asked about every path).
    fn may_match(&self, path: &str, filter: &NameFilter) -> bool {
        self.globs.any_folded || candidate_ends(path, filter).next().is_some()
    }

    fn matches(&self, path: &str, filter: &NameFilter, found: impl FnMut(usize)) {
        if self.may_match(path, filter) {
            self.get().matches(path, filter, found);
        }
    }

    fn is_match(&self, path: &str, filter: &NameFilter) -> bool {
        self.may_match(path, filter) && self.get().is_match(path, filter)
    }
}

fn set_error(e: globset::Error) -> crate::error::Error {
    crate::error::Error::input("compiling path rules", e.to_string())
}

/// `path` in ASCII lower case, copied only when it has an upper-case letter.
fn ascii_lower(path: &str) -> std::borrow::Cow<'_, str> {
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(path.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(path)
    }
}

/// Where each directory of `path` ends, then the end of `path` itself: the places a pattern
/// may match, but only those whose last name `filter` lets through (an empty name, which it
/// does not judge, always).
fn candidate_ends<'a>(path: &'a str, filter: &'a NameFilter) -> impl Iterator<Item = usize> + 'a {
    let mut start = 0;
    path.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'/')
        .map(|(i, _)| i)
        .chain(std::iter::once(path.len()))
        .filter(move |&end| {
            let name = &path.as_bytes()[start..end];
            start = end + 1;
            name.is_empty() || filter.file_may_match(name)
        })
}

/// The globs for one ref pattern: the full ref name itself and every ref beneath it
/// (`refs/entire/checkpoints` covers `refs/entire/checkpoints/ab/01J...`). Case-insensitive,
/// as branch names on case-insensitive file systems are.
fn ref_globs(p: &Located) -> Result<Vec<globset::Glob>> {
    let pattern = p.value.trim_end_matches('/');
    if !pattern.starts_with("refs/") {
        return Err(p
            .origin
            .error("a ref pattern is a full ref name starting with `refs/`")
            .into());
    }
    Ok(vec![
        glob(p, pattern, true)?,
        glob(p, &format!("{pattern}/**"), true)?,
    ])
}

/// `""`, `0`, `false`, `no`, `off` (any case, surrounding blanks ignored): a variable set so
/// says the feature is off.
fn is_false_like(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || ["0", "false", "no", "off"]
            .iter()
            .any(|f| v.eq_ignore_ascii_case(f))
}

/// A value pattern, matched against the whole value, case-sensitively.
fn compile_whole(p: &Located) -> Result<Regex> {
    compile_located(p, &whole(&p.value))
}

fn whole(pattern: &str) -> String {
    format!("^(?:{pattern})$")
}

/// The value itself when it has no regex syntax (`1` matches `1` only), else the pattern
/// of [`compile_whole`], compiled now when `check` (a policy's own: its errors are reported
/// at load) and else when first needed.
fn value_of(p: &Located, check: bool) -> Result<Value> {
    if regex::escape(&p.value) == p.value {
        return Ok(Value::Exactly(p.value.clone()));
    }
    let compiled = std::sync::OnceLock::new();
    if check {
        let _ = compiled.set(compile_whole(p)?);
    }
    Ok(Value::Pattern(whole(&p.value), compiled))
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
    compile_located(p, &format!("(?i){}", p.value))
}

/// Compiles `pattern` (built from `p`'s value), an error pointing at `p`.
fn compile_located(p: &Located, pattern: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|e| {
        p.origin
            .error(format!("invalid regular expression: {}", regex_detail(&e)))
            .into()
    })
}

/// The last line of a regex error: the reason, without the echo of the pattern above it.
pub fn regex_detail(e: &regex::Error) -> String {
    e.to_string()
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Case-insensitive regular expressions asked together about one text.
#[derive(Debug)]
enum Patterns {
    /// A few, compiled one by one: a `RegexSet` costs about half a millisecond to build
    /// whatever its size, several times what one small expression costs.
    Few(Vec<Single>),
    Set(RegexSet),
}

/// One of [`Patterns::Few`].
#[derive(Debug)]
enum Single {
    /// ASCII text, maybe anchored (`^copilot-swe-agent\[bot\]$`, `\(aider\)$`), compared
    /// without compiling: the two built-in identity names cost a tenth of a pre-commit hook
    /// compiled. ASCII case folding is the regex's on the normalised text matched here
    /// (NFKC has folded the Kelvin sign and the long s, the two other letters a Unicode
    /// `(?i)` would take for `k` and `s`).
    Literal {
        text: Box<[u8]>,
        start: bool,
        end: bool,
    },
    Regex(Regex),
}

impl Single {
    fn new(pattern: &str) -> std::result::Result<Single, regex::Error> {
        if let Some(literal) = literal(pattern) {
            return Ok(literal);
        }
        regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(64 << 20)
            .build()
            .map(Single::Regex)
    }

    fn is_match(&self, text: &str) -> bool {
        let Single::Literal {
            text: lit,
            start,
            end,
        } = self
        else {
            return matches!(self, Single::Regex(re) if re.is_match(text));
        };
        let (bytes, n) = (text.as_bytes(), lit.len());
        match (start, end) {
            (true, true) => bytes.eq_ignore_ascii_case(lit),
            (true, false) => bytes.get(..n).is_some_and(|b| b.eq_ignore_ascii_case(lit)),
            (false, true) => bytes.len() >= n && bytes[bytes.len() - n..].eq_ignore_ascii_case(lit),
            (false, false) => {
                bytes.windows(n.max(1)).any(|w| w.eq_ignore_ascii_case(lit)) || n == 0
            }
        }
    }
}

/// `pattern` as a [`Single::Literal`] when it is ASCII text between optional `^` and `$`.
fn literal(pattern: &str) -> Option<Single> {
    use regex_syntax::hir::{HirKind, Look};
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let items = match hir.kind() {
        HirKind::Concat(items) => items.as_slice(),
        _ => std::slice::from_ref(&hir),
    };
    let start = matches!(
        items.first().map(|h| h.kind()),
        Some(HirKind::Look(Look::Start))
    );
    let end = matches!(
        items.last().map(|h| h.kind()),
        Some(HirKind::Look(Look::End))
    );
    let middle = &items
        [usize::from(start)..items.len() - usize::from(end && items.len() > usize::from(start))];
    let text = match middle {
        [] => Box::default(),
        [one] => match one.kind() {
            HirKind::Literal(l) if l.0.is_ascii() => l.0.clone(),
            _ => return None,
        },
        _ => return None,
    };
    Some(Single::Literal { text, start, end })
}

/// Up to this many patterns are taken one by one (see [`Patterns::Few`]).
const FEW: usize = 4;

impl Patterns {
    fn new(patterns: &[String]) -> Result<Patterns> {
        let error =
            |e: regex::Error| crate::error::Error::input("compiling message rules", e.to_string());
        // Markers are ASCII: so are the word boundaries (see `engine::wordbound`).
        let patterns: Vec<_> = patterns
            .iter()
            .map(|p| crate::engine::wordbound::ascii_word_boundaries(p))
            .collect();
        if patterns.len() <= FEW {
            return patterns
                .iter()
                .map(|p| Single::new(p).map_err(error))
                .collect::<Result<Vec<_>>>()
                .map(Patterns::Few);
        }
        RegexSetBuilder::new(&patterns)
            .case_insensitive(true)
            .size_limit(64 << 20)
            .build()
            .map(Patterns::Set)
            .map_err(error)
    }

    /// Calls `found` with the index of every pattern that matches somewhere in `text`.
    fn matches(&self, text: &str, mut found: impl FnMut(usize)) {
        match self {
            Patterns::Few(list) => {
                for (i, re) in list.iter().enumerate() {
                    if re.is_match(text) {
                        found(i);
                    }
                }
            }
            // Most lines match nothing: a plain search says so faster than the overlapping
            // search that names every pattern.
            Patterns::Set(set) => {
                if set.is_match(text) {
                    set.matches(text).iter().for_each(found);
                }
            }
        }
    }
}

/// The message-line or identity-name patterns, compiled when a message or an identity is
/// first checked: a hook that reads neither (pre-commit) never pays for them.
#[derive(Debug)]
struct LazyPatterns {
    patterns: Vec<String>,
    compiled: std::sync::OnceLock<Patterns>,
}

impl LazyPatterns {
    /// Compiles now when `now` (a policy's own patterns, whose errors are reported at load);
    /// built-in ones wait for [`LazyPatterns::get`].
    fn new(patterns: Vec<String>, now: bool) -> Result<LazyPatterns> {
        let compiled = std::sync::OnceLock::new();
        if now {
            let _ = compiled.set(Patterns::new(&patterns)?);
        }
        Ok(LazyPatterns { patterns, compiled })
    }

    fn get(&self) -> &Patterns {
        self.compiled.get_or_init(|| {
            // Only built-in patterns are left to this point, and the unit test
            // `builtin_patterns_compile_alone_and_together` compiles every one of them, alone
            // and as one set: a failure here is a catalogue that failed its tests.
            Patterns::new(&self.patterns)
                .unwrap_or_else(|e| unreachable!("built-in message rules do not compile: {e}"))
        })
    }
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
    /// `counter-examples` entry matches it. Each rule is asked alone, so that another rule of
    /// the same assistant reporting the line first does not hide it.
    #[test]
    fn builtin_examples_match_their_rules() {
        // Opt-in rules too: their examples are checked as if a policy had enabled them.
        let mut c = Catalogue::builtin().unwrap();
        for r in &mut c.rules {
            r.enabled = true;
        }
        for rule in &c.rules {
            let alone = Catalogue {
                assistants: c.assistants.clone(),
                rules: vec![rule.clone()],
            };
            let m = Matcher::all(&alone).unwrap();
            assert!(
                !rule.examples.is_empty(),
                "rule `{}` has no examples",
                rule.id
            );
            let check = |text: &str| -> Vec<String> {
                let mut out = Vec::new();
                match rule.kind {
                    Kind::Path => m.check_path(text, &mut out),
                    // Examples are body lines (attribution keys are not read in a subject).
                    Kind::Message if rule.subject_only => m.check_message(text, &mut out),
                    Kind::Message => m.check_message(&format!("Subject\n\n{text}"), &mut out),
                    Kind::Identity => {
                        let (name, email) = split_identity(text);
                        m.check_identity(Role::Author, name, email, &mut out);
                        m.check_message(&format!("Co-authored-by: {text}"), &mut out);
                    }
                    Kind::Ref => m.check_ref(text, &mut out),
                    Kind::Environment => {
                        let (name, value) = text.split_once('=').unwrap_or((text, ""));
                        let env = crate::Vars::from_pairs([(name.to_owned(), value.to_owned())]);
                        m.check_environment(&env, &mut out);
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
        let Location::Line { text: line, .. } = &out[0].location else {
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
    fn opt_in_ref_rules_match_only_once_enabled() {
        let mut c = Catalogue::builtin().unwrap();
        let m = Matcher::all(&c).unwrap();
        let mut out = Vec::new();
        m.check_ref("refs/heads/claude/fix", &mut out);
        m.check_ref("refs/notes/claude-conversations", &mut out);
        assert!(out.is_empty(), "{:?}", rules_for(&m, &out));
        c.enable("claude-code-branch").unwrap();
        let m = Matcher::all(&c).unwrap();
        m.check_ref("refs/heads/claude/fix", &mut out);
        m.check_ref("refs/heads/Claude/Fix", &mut out);
        m.check_ref("refs/notes/claude-conversations", &mut out);
        assert_eq!(
            rules_for(&m, &out),
            ["claude-code-branch", "claude-code-branch"]
        );
    }

    #[test]
    fn environment_rules_read_only_the_environment_given() {
        let (m, _) = matcher();
        let mut out = Vec::new();
        m.check_environment(&crate::Vars::default(), &mut out);
        assert!(out.is_empty());
        let env = crate::Vars::from_pairs([
            ("CLAUDECODE".to_owned(), "1".to_owned()),
            ("GEMINI_CLI".to_owned(), "2".to_owned()),
            ("CURSOR_AGENT".to_owned(), " off ".to_owned()),
            ("PATH".to_owned(), "/usr/bin".to_owned()),
        ]);
        m.check_environment(&env, &mut out);
        assert_eq!(rules_for(&m, &out), ["claude-code-session-env"]);
        let Location::Variable { name, value } = &out[0].location else {
            panic!()
        };
        assert_eq!((name.as_str(), value.as_str()), ("CLAUDECODE", "1"));
    }

    /// The built-in patterns are not compiled at load (see [`LazyPatterns`]): this is
    /// where an error in one is caught.
    #[test]
    fn builtin_patterns_compile_alone_and_together() {
        let c = Catalogue::builtin().unwrap();
        let (mut lines, mut names) = (Vec::new(), Vec::new());
        for rule in &c.rules {
            if rule.kind == Kind::Message && rule.shape.is_none() {
                for p in &rule.patterns {
                    compile_regex(p).unwrap_or_else(|e| panic!("{}: {e}", rule.id));
                    lines.push(p.value.clone());
                }
            }
            for p in &rule.names {
                compile_regex(p).unwrap_or_else(|e| panic!("{}: {e}", rule.id));
                names.push(p.value.clone());
            }
            if let Some(v) = &rule.value {
                compile_whole(v).unwrap_or_else(|e| panic!("{}: {e}", rule.id));
            }
        }
        assert!(lines.len() > FEW && !names.is_empty());
        for set in [&lines, &names] {
            assert!(Patterns::new(set).is_ok());
            assert!(RegexSetBuilder::new(set)
                .case_insensitive(true)
                .size_limit(64 << 20)
                .build()
                .is_ok());
        }
    }

    /// A pattern taken as plain text gives what the compiled pattern gives, on normalised
    /// (lower-case) text as the matcher asks, and only ASCII text anchored by `^`/`$` is taken.
    #[test]
    fn literal_patterns_match_as_the_regex_does() {
        let patterns = [
            r"\(aider\)$",
            r"^copilot-swe-agent\[bot\]$",
            "^devin",
            "bot",
            "^$",
            "^",
            "$",
            "^co-authored-by: claude",
        ];
        let texts = [
            "",
            "paul (aider)",
            "(aider) paul",
            "copilot-swe-agent[bot]",
            "copilot-swe-agent[bot] ",
            "devin-ai-integration[bot]",
            "a devin",
            "robot",
            "bo",
            "ævar (aider)",
            "co-authored-by: claude <noreply@anthropic.com>",
        ];
        for p in patterns {
            let single = Single::new(p).unwrap();
            assert!(
                matches!(single, Single::Literal { .. }),
                "{p} is plain text"
            );
            let re = regex::RegexBuilder::new(p)
                .case_insensitive(true)
                .build()
                .unwrap();
            for t in texts {
                assert_eq!(single.is_match(t), re.is_match(t), "{p} on {t:?}");
            }
        }
        for p in [
            "(?i)aider",
            r"\baider",
            "ai.er",
            "(?m)^aider",
            "ævar",
            "a|b",
            "",
        ] {
            assert!(
                matches!(Single::new(p).unwrap(), Single::Regex(_)),
                "{p} is compiled"
            );
        }
    }

    /// The built-in path rules are compiled when a path first needs them (see
    /// [`LazyPaths`]): this is where an error in them is caught.
    #[test]
    fn builtin_path_rules_compile() {
        let mut c = Catalogue::builtin().unwrap();
        for r in &mut c.rules {
            r.enabled = true;
        }
        let m = Matcher::all(&c).unwrap();
        assert!(m.paths.compiled.get().is_none());
        assert!(!m.paths.globs.patterns.is_empty());
        assert!(m.paths.globs.build().is_ok());
    }

    #[test]
    fn path_rules_wait_for_a_candidate_path_and_custom_ones_do_not() {
        let (m, _) = matcher();
        assert!(!m.is_marker_path("src/main.rs"));
        assert!(
            m.paths.compiled.get().is_none(),
            "no name got past the filter"
        );
        assert!(m.is_marker_path("docs/CLAUDE.md"));
        assert!(m.paths.compiled.get().is_some());
        let text = "[[assistant]]\nid = \"acme\"\nname = \"Acme\"\n[[rule]]\nid = \"acme-file\"\nassistant = \"acme\"\nkind = \"path\"\npaths = [\".acme\"]\n";
        let m = Policy::parse("p.toml", text).unwrap().matcher();
        assert!(
            m.paths.compiled.get().is_some(),
            "a policy's own rules compile at load"
        );
        let mut out = Vec::new();
        m.check_path("x/.ACME/run.json", &mut out);
        assert_eq!(rules_for(&m, &out), ["acme-file"]);
    }

    #[test]
    fn environment_values_without_regex_syntax_match_exactly() {
        let text = "[[assistant]]\nid = \"acme\"\nname = \"Acme\"\n[[rule]]\nid = \"acme-env\"\nassistant = \"acme\"\nkind = \"environment\"\nvariables = [\"ACME\"]\nvalue = \"on\"\n[[rule]]\nid = \"acme-mode\"\nassistant = \"acme\"\nkind = \"environment\"\nvariables = [\"ACME_MODE\"]\nvalue = \"a.c\"\n";
        let m = Policy::parse("p.toml", text).unwrap().matcher();
        for (name, value, found) in [
            ("ACME", "on", true),
            ("ACME", "On", false),
            ("ACME", "only", false),
            ("ACME", " on", false),
            ("ACME_MODE", "abc", true),
            ("ACME_MODE", "a.c", true),
            ("ACME_MODE", "abcd", false),
        ] {
            let mut out = Vec::new();
            let env = crate::Vars::from_pairs([(name.to_owned(), value.to_owned())]);
            m.check_environment(&env, &mut out);
            assert_eq!(!out.is_empty(), found, "{name}={value:?}");
        }
    }

    #[test]
    fn builtin_line_patterns_wait_for_the_first_message_and_custom_ones_do_not() {
        let (m, _) = matcher();
        assert!(m.lines.compiled.get().is_none(), "not compiled at load");
        let mut out = Vec::new();
        m.check_message(
            "Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
            &mut out,
        );
        assert_eq!(rules_for(&m, &out), ["claude-code-identity"]);
        assert!(m.lines.compiled.get().is_some());
        let text = "[[assistant]]\nid = \"acme\"\nname = \"Acme\"\n[[rule]]\nid = \"acme-line\"\nassistant = \"acme\"\nkind = \"message\"\npatterns = ['^acme-run:']\n";
        let m = Policy::parse("p.toml", text).unwrap().matcher();
        assert!(
            m.lines.compiled.get().is_some(),
            "a policy's own patterns compile at load"
        );
        out.clear();
        m.check_message("Fix\n\nACME-run: 42\n", &mut out);
        assert_eq!(rules_for(&m, &out), ["acme-line"]);
    }

    #[test]
    fn bad_custom_patterns_are_reported_at_load_even_for_allowed_assistants() {
        let head = "[policy]\nallow = [\"acme\"]\n[[assistant]]\nid = \"acme\"\nname = \"Acme\"\n[[rule]]\nid = \"acme-x\"\nassistant = \"acme\"\n";
        for (rule, at) in [
            ("kind = \"message\"\npatterns = ['^x(']\n", "p.toml:10:13:"),
            ("kind = \"identity\"\nnames = ['[bot']\n", "p.toml:10:10:"),
            (
                "kind = \"environment\"\nvariables = [\"ACME\"]\nvalue = '(1'\n",
                "p.toml:11:9:",
            ),
        ] {
            let err = Policy::parse("p.toml", &format!("{head}{rule}"))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("{at} invalid regular expression")),
                "{err}"
            );
        }
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

#[cfg(test)]
mod message_tests {
    //! Message lines read like a reader reads them (issue 9, section 1).
    use super::*;

    fn findings(message: &str) -> Vec<(String, String, Option<String>)> {
        static M: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
        let m = M.get_or_init(|| Matcher::all(&Catalogue::builtin().unwrap()).unwrap());
        let mut out = Vec::new();
        m.check_message(message, &mut out);
        out.iter()
            .map(|f| {
                let Location::Line { key, .. } = &f.location else {
                    panic!("{f:?}")
                };
                (
                    m.rules[f.rule].assistant.clone(),
                    m.rules[f.rule].id.clone(),
                    key.clone(),
                )
            })
            .collect()
    }

    fn assistants(message: &str) -> Vec<String> {
        let mut a: Vec<String> = findings(message).into_iter().map(|f| f.0).collect();
        a.sort();
        a.dedup();
        a
    }

    fn body(line: &str) -> String {
        format!("Subject\n\nBody.\n\n{line}\n")
    }

    /// Regression (anchors.md 4): a `[bot]` address in a trailer line matched nothing.
    #[test]
    fn bot_addresses_in_trailers_are_identities_by_id_and_by_login() {
        for (line, assistant) in [
            ("Co-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>", "jules"),
            ("Co-authored-by: factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>", "factory"),
            ("Co-authored-by: chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>", "codex"),
            ("Co-authored-by: claude[bot] <209825114+claude[bot]@users.noreply.github.com>", "claude-code"),
            ("Co-authored-by: x <161369871+renamed@users.noreply.github.com>", "jules"),
            ("Co-authored-by: x <google-labs-jules[bot]@users.noreply.github.com>", "jules"),
            ("Reviewed-by: jules <161369871+google-labs-jules[bot]@users.noreply.github.com>", "jules"),
        ] {
            assert_eq!(assistants(&body(line)), [assistant], "{line}");
        }
    }

    #[test]
    fn bare_and_sub_addressed_addresses_are_identities() {
        assert_eq!(
            assistants(&body(
                "Co-authored-by: OpenHands-GPT-5 openhands@all-hands.dev"
            )),
            ["openhands"]
        );
        assert_eq!(
            assistants(&body(
                "Co-Authored-By: Claude <noreply+session-42@anthropic.com>"
            )),
            ["claude-code"]
        );
        // A conventional subject or prose mentioning an address is not a trailer.
        assert!(assistants("docs: explain noreply@anthropic.com\n").is_empty());
        assert!(assistants(&body(
            "Note: we mailed noreply@anthropic.com about it yesterday"
        ))
        .is_empty());
    }

    #[test]
    fn trailers_behind_bullets_quotes_and_folds_are_found() {
        for line in [
            "- Co-authored-by: Claude <noreply@anthropic.com>",
            "* Co-Authored-By: Claude <noreply@anthropic.com>",
            "> Co-authored-by: Claude <noreply@anthropic.com>",
            "> > - Co-authored-by: Claude <noreply@anthropic.com>",
            "Co-authored-by: Claude Opus 4.6\n  <noreply@anthropic.com>",
            "Co-authored-by:\n\t Claude <noreply@anthropic.com>",
            "Co-Authored-By : Claude <noreply@anthropic.com>",
            "co-authored-by:\u{00A0}Cla\u{00AD}ude <noreply@anthropic.com>",
            "Co\u{2011}authored\u{2011}by\u{2236} Claude <noreply@anthropic.com>",
        ] {
            let f = findings(&body(line));
            assert_eq!(f.len(), 1, "{line}: {f:?}");
            assert_eq!(f[0].0, "claude-code", "{line}");
            assert_eq!(f[0].2.as_deref(), Some("co-authored-by"), "{line}");
        }
    }

    #[test]
    fn footers_in_every_shape_name_their_assistant() {
        for (line, assistant) in [
            (
                "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
                "claude-code",
            ),
            ("Generated with **Claude Code**", "claude-code"),
            ("_Generated using Claude-Code_", "claude-code"),
            (
                "- 🤖 Generated with [Claude Code](https://claude.ai/code)",
                "claude-code",
            ),
            ("Generated by Devin", "devin"),
            (
                "Generated with [GitHub Copilot](https://github.com/features/copilot)",
                "copilot",
            ),
            ("_Generated with_ _Cursor_", "cursor"),
            ("💘 Generated with Crush", "crush"),
            (
                "🤖 Generated with [opencode](https://opencode.ai)",
                "opencode",
            ),
        ] {
            let f = findings(&body(line));
            assert_eq!(
                f.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
                [assistant],
                "{line}: {f:?}"
            );
            assert_eq!(f[0].2, None, "a footer has no trailer key");
        }
    }

    #[test]
    fn session_links_are_found_anywhere_in_a_line() {
        for (line, assistant) in [
            (
                "Transcript at https://claude.ai/code/session_0116zYYNzEsq, see there",
                "claude-code",
            ),
            (
                "Link to Devin run: https://app.devin.ai/sessions/4b1e0c2a9f8d",
                "devin",
            ),
            (
                "Open in Cursor: https://cursor.com/agents?id=bc-1234abcd",
                "cursor",
            ),
            (
                "Amp-Thread-ID: https://ampcode.com/threads/T-5f1c7a2e",
                "amp",
            ),
            ("(https://jules.google.com/task/1234567890)", "jules"),
            (
                "Codex Task: https://chatgpt.com/codex/tasks/task_e_68a1",
                "codex",
            ),
            ("https://chatgpt.com/codex/cloud/tasks/task_e_68a1", "codex"),
        ] {
            assert_eq!(assistants(&body(line)), [assistant], "{line}");
        }
    }

    #[test]
    fn attribution_keys_name_the_assistant_of_their_value() {
        for (line, assistant) in [
            ("Assisted-by: Claude Code", "claude-code"),
            ("Generated-by: GitHub Copilot", "copilot"),
            ("Assisted-by: GitHub Copilot:Claude Opus 4.6", "copilot"),
            ("Assisted-by: Claude Code (claude-opus-5)", "claude-code"),
            ("Co-developed-by: Cursor", "cursor"),
            ("AI-agent: Devin", "devin"),
            ("Assisted-by: My Cool Agent:v1.2.3", "assisted-by"),
            ("Assisted-by: LLM [coccinelle] [sparse]", "assisted-by"),
            ("LLM-Assisted-By: yes", "assisted-by"),
        ] {
            let f = findings(&body(line));
            assert_eq!(
                f.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
                [assistant],
                "{line}: {f:?}"
            );
        }
        let f = findings(&body("Assisted-by: Claude Code"));
        assert_eq!(f[0].1, "claude-code-product-attribution");
        assert_eq!(f[0].2.as_deref(), Some("assisted-by"));
    }

    #[test]
    fn people_prose_paths_and_negatives_stay_clean() {
        for line in [
            "Assisted-by: Jay Satiro",
            "Assisted-by: Daniel Stenberg <daniel@haxx.se>",
            "Assisted-by: none",
            "Co-developed-by: Devin Doucette <devin@doucette.cc>",
            "Signed-off-by: Claude Paroz <claude@2xlibre.net>",
            "Reported-by: Cody Smith <cody@example.org>",
            "Strip the Generated with Claude Code footer from imports",
            "We no longer add Co-authored-by: Claude to messages",
            "Move src/cursor/ into lib, continue with codex",
            "Generated with care by Devin Doucette",
            "Generated-By: StageFreight",
            "See https://claude.ai/code for the web version",
        ] {
            assert!(findings(&body(line)).is_empty(), "{line}");
        }
        // A conventional subject `agent: ...` is not an attribution key.
        assert!(findings("agent: cursor:blink fix\n").is_empty());
    }

    #[test]
    fn a_policy_assistant_with_products_gets_footers_and_attributions_and_allow_works() {
        let text = "[policy]\nallow = [\"cursor\"]\n[[assistant]]\nid = \"acme-bot\"\nname = \"ACME internal agent\"\nproducts = [\"ACME Agent\"]\n";
        let m = crate::policy::Policy::parse("p.toml", text)
            .unwrap()
            .matcher();
        let mut out = Vec::new();
        m.check_message(
            "Subject\n\nGenerated with [ACME Agent](https://acme.example)\nAssisted-by: ACME Agent\nAssisted-by: Cursor\nGenerated by Cursor\n",
            &mut out,
        );
        let ids: Vec<&str> = out.iter().map(|f| m.rules[f.rule].id.as_str()).collect();
        assert_eq!(
            ids,
            ["acme-bot-product-footer", "acme-bot-product-attribution"],
            "an allowed product is neither its own finding nor an unnamed tool"
        );
    }

    /// Messages stitched at random from the pieces the line reader cuts on (bullets, quotes,
    /// keys, brackets, multi-byte characters, folds) never make it panic.
    #[test]
    fn random_messages_of_tricky_pieces_do_not_panic() {
        const PIECES: &[&str] = &[
            "<",
            ">",
            "@",
            ":",
            "[",
            "]",
            "(",
            ")",
            "-",
            "* ",
            "> ",
            "1. ",
            "\n",
            "\n  ",
            "\t",
            "•",
            "é",
            "ðŸ¤–",
            "\u{00AD}",
            "\u{2011}",
            "\u{2236}",
            "co-authored-by",
            "assisted-by",
            "generated with ",
            "claude code",
            "llm",
            "none",
            "noreply+x@anthropic.com",
            "161369871+google-labs-jules[bot]@users.noreply.github.com",
            "https://",
            "v1.2",
            "claude.ai/code/session_a",
            " ",
            "\r\n",
            "_",
            "**",
        ];
        let c = Catalogue::builtin().unwrap();
        let m = Matcher::all(&c).unwrap();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut out = Vec::new();
        for _ in 0..2000 {
            let mut message = String::new();
            for _ in 0..24 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                message.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
            }
            out.clear();
            m.check_message(&message, &mut out);
        }
    }

    #[test]
    fn one_line_yields_one_finding_per_assistant() {
        // Both the session-link trailer rule and the link-anywhere rule match this line.
        let f = findings(&body(
            "Claude-Session: https://claude.ai/code/session_0116zYYNzEsq",
        ));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].1, "claude-code-session-link",
            "a rule written for the line wins"
        );
        assert_eq!(f[0].2.as_deref(), Some("claude-session"));
    }
}

#[cfg(test)]
mod path_tests {
    //! Path rules compiled for speed (lower-cased, case-sensitive globs, directories asked
    //! one by one) match exactly what the case-insensitive globs they replace matched.
    use super::*;
    use crate::catalogue::{Origin, SourceFile};

    fn located(value: &str) -> Located {
        Located {
            value: value.to_owned(),
            origin: Origin {
                file: std::sync::Arc::new(SourceFile {
                    name: "p.toml".to_owned(),
                    text: value.to_owned(),
                }),
                span: 0..value.len(),
            },
        }
    }

    /// The former compilation: every pattern as written, case-insensitive, once for the
    /// entry and once with `/**` for everything beneath it.
    fn reference(pattern: &str) -> Option<GlobSet> {
        let pattern = pattern.trim_end_matches('/');
        let base = match pattern.strip_prefix('/') {
            Some(anchored) => anchored.to_owned(),
            None => format!("**/{pattern}"),
        };
        if pattern.is_empty() || base.ends_with("**/") {
            return None;
        }
        let build = |g: &str| {
            GlobBuilder::new(g)
                .case_insensitive(true)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .ok()
        };
        let mut set = GlobSetBuilder::new();
        set.add(build(&base)?);
        set.add(build(&format!("{base}/**"))?);
        set.build().ok()
    }

    fn compiled(pattern: &str) -> Option<(PathRules, NameFilter)> {
        let mut b = PathRulesBuilder::default();
        b.add(&located(pattern), 0);
        let mut filter = NameFilter::default();
        filter.add(pattern);
        Some((b.build().ok()?, filter))
    }

    const PATTERNS: &[&str] = &[
        "CLAUDE.md",
        ".claude",
        "/.agent/rules",
        ".github/prompts/*.prompt.md",
        ".github/instructions/**/*.instructions.md",
        ".roorules-*",
        "/CRUSH.md",
        ".aider.tags.cache.v3/",
        "[A-Z]*.md",
        "[Z-a]x",
        "[!a]b",
        "docs/**",
        "a/**/B",
        "*.MD",
        "{Foo,bar}.txt",
        "x?Y",
        "\\[lit",
        "\\Q",
        "caf\u{e9}",
        "**",
        "a**",
        "**/Deep/**",
        "..",
        "*.",
        "x.",
        "?*",
        "/*",
        "*",
        "/a/*/C",
        "/",
        "",
    ];

    const PIECES: &[&str] = &[
        "CLAUDE.md",
        "claude.MD",
        ".Claude",
        ".claude",
        "settings.json",
        "src",
        ".github",
        ".GitHub",
        "prompts",
        "x.prompt.md",
        "instructions",
        "A.Instructions.MD",
        ".agent",
        "RULES",
        ".roorules-code",
        "crush.md",
        ".aider.tags.cache.v3",
        "Readme.md",
        "Zx",
        "_x",
        "zx",
        "[x",
        "ab",
        "bb",
        "docs",
        "Docs",
        "b",
        "a",
        "foo.txt",
        "BAR.TXT",
        "xzy",
        "[lit",
        "[LIT",
        "q",
        "Q",
        "caf\u{e9}",
        "CAF\u{c9}",
        "deep",
        "..",
        ".",
        "...",
        "x.",
        "",
        "\u{212a}",
        ".cl\u{430}ude",
    ];

    #[test]
    fn path_rules_match_what_the_case_insensitive_globs_they_replace_matched() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for pattern in PATTERNS {
            let old = reference(pattern);
            let new = compiled(pattern);
            assert_eq!(old.is_some(), new.is_some(), "{pattern:?} compiles alike");
            let (Some(old), Some((new, filter))) = (old, new) else {
                continue;
            };
            for _ in 0..3000 {
                let depth = 1 + next(4);
                let mut path = String::new();
                if next(20) == 0 {
                    path.push('/');
                }
                for d in 0..depth {
                    if d > 0 {
                        path.push('/');
                    }
                    path.push_str(PIECES[next(PIECES.len())]);
                }
                let mut hits = 0;
                new.matches(&path, &filter, |_| hits += 1);
                assert_eq!(
                    old.is_match(&path),
                    new.is_match(&path, &filter),
                    "{pattern:?} on {path:?}"
                );
                assert_eq!(old.is_match(&path), hits > 0, "{pattern:?} on {path:?}");
            }
        }
    }

    #[test]
    fn marker_paths_match_in_any_ascii_case_and_look_alikes_do_not() {
        let m = Matcher::all(&Catalogue::builtin().unwrap()).unwrap();
        for p in [
            ".Claude/settings.json",
            "CLAUDE.MD",
            "pkg/Claude.Md",
            ".GITHUB/Copilot-Instructions.md",
            "sub/.CURSOR/rules/a.mdc",
            ".github/Instructions/deep/er/X.INSTRUCTIONS.md",
            ".RooRules-Code",
        ] {
            let mut out = Vec::new();
            m.check_path(p, &mut out);
            assert!(!out.is_empty() && m.is_marker_path(p), "{p}");
        }
        // Cyrillic `а`, a Kelvin sign, a full-width letter: globset folds ASCII only, as it
        // always did for path rules.
        for p in [
            ".cl\u{430}ude/x",
            "\u{212a}IRO.md",
            "CLAUDE\u{ff0e}md",
            "src/claude.rs",
        ] {
            let mut out = Vec::new();
            m.check_path(p, &mut out);
            assert!(out.is_empty() && !m.is_marker_path(p), "{p}");
        }
    }
}
