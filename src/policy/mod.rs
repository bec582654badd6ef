//! The policy: which assistants a repository bans (deny), tolerates with a warning (warn) or
//! allows, the rules it adds, and what it exempts. Read from `.aigate.toml`, a file named by
//! `--config` or `AIGATE_CONFIG`, or the built-in default (every known assistant denied).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::catalogue::{
    at, locate_all, parse_toml, AssistantDef, Catalogue, Located, RuleDef, SourceFile,
};
use crate::engine::disclosure::Disclosure;
use crate::engine::finding::Finding;
use crate::error::{Error, Result};

mod disclosure;
pub mod preset;
pub mod server;

/// The file name looked for at the root of a work tree.
pub const FILE_NAME: &str = ".aigate.toml";

pub use crate::engine::Severity;

/// A parsed, checked policy together with the catalogue it applies to.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Where the policy came from: a path, or `None` for the built-in default.
    pub source: Option<PathBuf>,
    pub catalogue: Catalogue,
    /// The severity of every assistant that is denied or warned; absent ones are allowed
    /// or, when in [`Policy::disclose`], allowed when disclosed.
    pub severity: BTreeMap<String, Severity>,
    /// Assistants allowed when their use is disclosed (`[policy] disclose`).
    pub disclose: BTreeSet<String>,
    /// How disclosure is written and checked (`[disclosure]`).
    pub disclosure: Disclosure,
    /// The `[about]` table of the preset the policy names, if any.
    pub about: Option<preset::About>,
    /// The preset's pseudo-path, if any.
    pub preset: Option<String>,
    pub exempt_paths: Vec<Located>,
    /// Full commit ids (40 or 64 hex digits), lower case.
    pub exempt_commits: Vec<String>,
    /// Globs over e-mail addresses that identity rules never match.
    pub exempt_identities: Vec<Located>,
    /// The `[server]` table: ref scopes, bypass, decision log, error handling.
    pub server: crate::policy::server::ServerPolicy,
    /// The rules compiled, once: checking the policy compiles them anyway, and every hook
    /// run would otherwise pay for it twice.
    matcher: std::sync::Arc<crate::engine::matcher::Matcher>,
}

impl Policy {
    /// The built-in default: every assistant of the built-in catalogue denied.
    pub fn builtin() -> Result<Policy> {
        Policy::parse("<default policy>", "")
    }

    /// Reads and parses a policy file.
    pub fn from_file(path: &Path) -> Result<Policy> {
        let text = std::fs::read(path).map_err(|source| Error::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        let text = String::from_utf8(text).map_err(|e| {
            let bad = e.utf8_error().valid_up_to();
            let before = &e.as_bytes()[..bad];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1;
            Error::input(
                format!("{}:{line}:{column}", path.display()),
                "not UTF-8 (policy files are UTF-8 TOML)",
            )
        })?;
        let mut policy = Policy::parse(&path.display().to_string(), &text)?;
        policy.source = Some(path.to_owned());
        // A relative decision log is taken from the policy file's directory.
        if let (Some(log), Some(dir)) = (&mut policy.server.log, path.parent()) {
            if log.is_relative() {
                *log = dir.join(&*log);
            }
        }
        Ok(policy)
    }

    /// The name of the preset the policy starts from (`linux-kernel`), when it names one.
    pub fn preset_name(&self) -> Option<&'static str> {
        let path = self.preset.as_deref()?;
        preset::all().find(|p| p.path() == path).map(|p| p.name)
    }

    /// Finds the policy for a repository: an explicit file (`--config`, else `AIGATE_CONFIG`,
    /// which the settings resolve), then `.aigate.toml` at the root of the work tree, then the
    /// built-in default.
    pub fn locate(explicit: Option<&Path>, work_tree: Option<&Path>) -> Result<Policy> {
        if let Some(path) = explicit {
            return Policy::from_file(path);
        }
        if let Some(dir) = work_tree {
            let path = dir.join(FILE_NAME);
            if path.is_file() {
                return Policy::from_file(&path);
            }
        }
        Policy::builtin()
    }

    /// Parses policy text; `name` is used in error messages.
    pub fn parse(name: &str, text: &str) -> Result<Policy> {
        let file = Arc::new(SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
        });
        let raw: PolicyFile = parse_toml(&file)?;
        if let Some(about) = &raw.about {
            return Err(at(
                &file,
                about.span(),
                "`[about]` belongs to preset files; a policy names a preset with `[policy] preset = \"NAME\"`",
            )
            .into());
        }
        let mut layers = Vec::new();
        if let Some(name) = &raw.policy.preset {
            let preset = preset::find(name.get_ref())
                .ok_or_else(|| at(&file, name.span(), preset::unknown(name.get_ref())))?;
            let preset_file = Arc::new(SourceFile {
                name: preset.path(),
                text: preset.text.to_owned(),
            });
            let mut preset_raw: PolicyFile = parse_toml(&preset_file)?;
            if let Some(inner) = &preset_raw.policy.preset {
                return Err(at(&preset_file, inner.span(), "a preset cannot name a preset").into());
            }
            let about = preset_raw.about.take().map(Spanned::into_inner);
            layers.push((preset_file, preset_raw, about));
        }
        layers.push((file, raw, None));
        Policy::from_layers(layers)
    }

    /// The policy of a preset followed by the file that names it: assistants, rules,
    /// exemptions, `disable` and `enable` add up; each list of `[policy]` and each key of
    /// `[disclosure]` the file writes replaces the preset's.
    fn from_layers(
        layers: Vec<(Arc<SourceFile>, PolicyFile, Option<preset::About>)>,
    ) -> Result<Policy> {
        let mut catalogue = Catalogue::builtin()?;
        let mut lists = Lists::default();
        let mut disclosure = disclosure::DisclosureSection::default();
        let mut exempt_paths = Vec::new();
        let mut exempt_identities = Vec::new();
        let mut exempt_commits = Vec::new();
        let mut about = None;
        let mut preset_name = None;
        let mut server = None;
        for (file, raw, layer_about) in layers {
            if layer_about.is_some() {
                about = layer_about;
                preset_name = Some(file.name.clone());
            }
            for def in &raw.assistant {
                catalogue.add_assistant(&file, def)?;
            }
            for rule in raw.rule {
                let Some(assistant) = rule.assistant.clone() else {
                    return Err(at(
                        &file,
                        rule.id.span(),
                        format!("rule `{}` needs `assistant = \"<id>\"`", rule.id.get_ref()),
                    )
                    .into());
                };
                catalogue.add_rule(&file, rule, &assistant)?;
            }
            let section = raw.policy;
            let set = |slot: &mut Option<Vec<Located>>, v: Option<Vec<Spanned<String>>>| {
                if let Some(v) = v {
                    *slot = Some(locate_all(&file, v));
                }
            };
            set(&mut lists.deny, section.deny);
            set(&mut lists.allow, section.allow);
            set(&mut lists.warn, section.warn);
            set(&mut lists.disclose, section.disclose);
            lists.disable.extend(locate_all(&file, section.disable));
            lists.enable.extend(locate_all(&file, section.enable));
            disclosure.overlay(&file, raw.disclosure);
            for c in &raw.exempt.commits {
                exempt_commits.push(full_commit_id(&file, c)?);
            }
            exempt_paths.extend(locate_all(&file, raw.exempt.paths));
            exempt_identities.extend(locate_all(&file, raw.exempt.identities));
            server = Some(crate::policy::server::ServerPolicy::from_section(
                &file, raw.server,
            )?);
        }
        let (severity, disclose) = treatments(&catalogue, &lists)?;
        switch_rules(&mut catalogue, &lists)?;
        let disclosure = disclosure.check()?;

        // Compiling here reports every bad regex or glob now, with its location, rather than
        // at the first commit that would have used it; rules not in force match nothing.
        let matcher = crate::engine::matcher::Matcher::build(
            &catalogue,
            |a| {
                severity
                    .get(a)
                    .copied()
                    .or_else(|| disclose.contains(a).then_some(Severity::Deny))
            },
            &exempt_paths,
            &exempt_identities,
        )?;
        Ok(Policy {
            source: None,
            catalogue,
            severity,
            disclose,
            disclosure,
            about,
            preset: preset_name,
            exempt_paths,
            exempt_commits,
            exempt_identities,
            server: server.unwrap_or_default(),
            matcher: std::sync::Arc::new(matcher),
        })
    }

    /// How the policy treats an assistant: `deny`, `warn`, `disclose` or `allow`.
    pub fn treatment(&self, assistant: &str) -> &'static str {
        match self.severity.get(assistant) {
            Some(s) => s.as_str(),
            None if self.disclose.contains(assistant) => "disclose",
            None => "allow",
        }
    }

    /// Whether a rule is in force (not disabled; switched on if it is opt-in).
    pub fn is_active(&self, rule: &str) -> bool {
        self.catalogue
            .rules
            .iter()
            .any(|r| r.id == rule && r.enabled)
    }

    /// The verdicts of the disclosure policy on one commit's (or tag's, or message's)
    /// findings; `message` is `None` before the message exists. Unchanged when no
    /// assistant is under `disclose`.
    pub fn judge(&self, message: Option<&str>, findings: Vec<Finding>) -> Vec<Finding> {
        if self.disclose.is_empty() || findings.is_empty() {
            return findings;
        }
        crate::engine::disclosure::judge(&self.disclosure, self, message, findings)
    }

    /// The policy's rules, compiled.
    pub fn matcher(&self) -> std::sync::Arc<crate::engine::matcher::Matcher> {
        self.matcher.clone()
    }

    pub fn is_exempt_commit(&self, id: &str) -> bool {
        self.exempt_commits
            .iter()
            .any(|e| e.eq_ignore_ascii_case(id))
    }
}

/// An exempt commit id, which must be full: a prefix of 7 hex digits names any commit a
/// pusher grinds to start with it (seconds of work), so it would exempt that commit too.
fn full_commit_id(file: &SourceFile, c: &Spanned<String>) -> Result<String> {
    let id = c.get_ref().to_ascii_lowercase();
    let hex = !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && (id.len() == 40 || id.len() == 64) {
        return Ok(id);
    }
    let message = if hex && id.len() < 40 {
        format!(
            "`{}` is an abbreviated commit id: exempt commits take full ids (40 hex digits, 64 \
             in SHA-256 repositories), since a commit whose id starts with a given prefix can \
             be made in seconds; `git rev-parse {}` prints the full id",
            c.get_ref(),
            c.get_ref()
        )
    } else {
        format!(
            "`{}` is not a commit id (40 hex digits, 64 in SHA-256 repositories)",
            c.get_ref()
        )
    };
    Err(at(file, c.span(), message).into())
}

/// The candidate closest to `id`, if it is close (3 edits at most).
pub(crate) fn closest<'a>(id: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(id, c), c))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, c)| c)
}

fn unknown_assistant(id: &str, catalogue: &Catalogue) -> String {
    match closest(id, catalogue.assistants.iter().map(|a| a.id.as_str())) {
        Some(near) => {
            format!("unknown assistant `{id}` (did you mean `{near}`? `aigate rules` lists them)")
        }
        None => format!("unknown assistant `{id}` (`aigate rules` lists the known ones)"),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    /// Only in preset files.
    #[serde(default)]
    about: Option<Spanned<preset::About>>,
    #[serde(default)]
    policy: PolicySection,
    #[serde(default)]
    disclosure: disclosure::DisclosureSection,
    #[serde(default)]
    assistant: Vec<AssistantDef>,
    #[serde(default)]
    rule: Vec<RuleDef>,
    #[serde(default)]
    exempt: ExemptSection,
    #[serde(default)]
    server: crate::policy::server::ServerSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySection {
    #[serde(default)]
    preset: Option<Spanned<String>>,
    /// `None` (not written) means `["*"]`, unless `disclose` holds `"*"`.
    #[serde(default)]
    deny: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    allow: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    warn: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    disclose: Option<Vec<Spanned<String>>>,
    /// Rule ids switched off.
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    /// Opt-in rule ids switched on.
    #[serde(default)]
    enable: Vec<Spanned<String>>,
}

/// The `[policy]` lists once a preset and the file naming it are put together.
#[derive(Debug, Default)]
struct Lists {
    deny: Option<Vec<Located>>,
    allow: Option<Vec<Located>>,
    warn: Option<Vec<Located>>,
    disclose: Option<Vec<Located>>,
    disable: Vec<Located>,
    enable: Vec<Located>,
}

impl crate::engine::disclosure::Assistants for Policy {
    fn is_disclosed(&self, assistant: &str) -> bool {
        self.disclose.contains(assistant)
    }

    fn name<'a>(&'a self, assistant: &'a str) -> &'a str {
        self.catalogue
            .assistant(assistant)
            .map_or(assistant, |a| a.name.as_str())
    }
}

/// Each assistant's treatment: the severity of those denied or warned, and the set of those
/// allowed when disclosed. An assistant listed by id takes that list's treatment; the others
/// take that of a `"*"`: `deny` first (also when `deny` is not written, unless `disclose`
/// holds `"*"`), then `warn`, then `disclose`.
fn treatments(
    catalogue: &Catalogue,
    lists: &Lists,
) -> Result<(BTreeMap<String, Severity>, BTreeSet<String>)> {
    #[derive(Clone, Copy, PartialEq)]
    enum T {
        Deny,
        Warn,
        Disclose,
        Allow,
    }
    fn star(list: &Option<Vec<Located>>) -> Option<&Located> {
        list.iter().flatten().find(|s| s.value == "*")
    }
    let mut explicit: BTreeMap<&str, T> = BTreeMap::new();
    let named: [(&Option<Vec<Located>>, T, &str); 4] = [
        (&lists.deny, T::Deny, "deny"),
        (&lists.warn, T::Warn, "warn"),
        (&lists.disclose, T::Disclose, "disclose"),
        (&lists.allow, T::Allow, "allow"),
    ];
    for (list, t, list_name) in named {
        for item in list.iter().flatten() {
            let id = item.value.as_str();
            if id == "*" {
                if t == T::Allow {
                    return Err(item
                        .origin
                        .error(r#"`allow = ["*"]` would allow everything; use `deny = []` instead"#)
                        .into());
                }
                continue;
            }
            if catalogue.assistant(id).is_none() {
                return Err(item.origin.error(unknown_assistant(id, catalogue)).into());
            }
            if explicit.insert(id, t).is_some() {
                return Err(item
                    .origin
                    .error(format!(
                        "assistant `{id}` is listed more than once (last seen in `{list_name}`)"
                    ))
                    .into());
            }
        }
    }
    let disclose_all = star(&lists.disclose);
    let deny_all = match &lists.deny {
        None => disclose_all.is_none(),
        Some(_) => star(&lists.deny).is_some(),
    };
    if let (true, Some(item), Some(_)) = (deny_all, disclose_all, &lists.deny) {
        return Err(item
            .origin
            .error(r#"`disclose = ["*"]` and `deny = ["*"]` contradict each other; list the banned assistants in `deny`"#)
            .into());
    }
    let warn_all = star(&lists.warn).is_some();
    let mut severity = BTreeMap::new();
    let mut disclose = BTreeSet::new();
    for a in &catalogue.assistants {
        let t = match explicit.get(a.id.as_str()) {
            Some(t) => *t,
            None if deny_all => T::Deny,
            None if warn_all => T::Warn,
            None if disclose_all.is_some() => T::Disclose,
            None => T::Allow,
        };
        match t {
            T::Deny => {
                severity.insert(a.id.clone(), Severity::Deny);
            }
            T::Warn => {
                severity.insert(a.id.clone(), Severity::Warn);
            }
            T::Disclose => {
                disclose.insert(a.id.clone());
            }
            T::Allow => {}
        }
    }
    Ok((severity, disclose))
}

/// Switches rules on and off in the catalogue, the one place a rule's state lives
/// ([`crate::catalogue::Rule::enabled`]): every rule in `disable` off, then every rule in
/// `enable` on (an opt-in rule, or one a preset disabled). An unknown id is an error.
fn switch_rules(catalogue: &mut Catalogue, lists: &Lists) -> Result<()> {
    for item in lists.disable.iter().chain(&lists.enable) {
        if !catalogue.rules.iter().any(|r| r.id == item.value) {
            let near = closest(&item.value, catalogue.rules.iter().map(|r| r.id.as_str()));
            let message = match near {
                Some(near) => format!(
                    "unknown rule `{}` (did you mean `{near}`? `aigate rules` lists them)",
                    item.value
                ),
                None => format!(
                    "unknown rule `{}` (`aigate rules` lists the known ones)",
                    item.value
                ),
            };
            return Err(item.origin.error(message).into());
        }
    }
    for item in &lists.disable {
        catalogue
            .disable(&item.value)
            .map_err(|m| item.origin.error(m))?;
    }
    for item in &lists.enable {
        catalogue
            .enable(&item.value)
            .map_err(|m| item.origin.error(m))?;
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExemptSection {
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    commits: Vec<Spanned<String>>,
    #[serde(default)]
    identities: Vec<Spanned<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(p: &Policy, id: &str) -> Option<Severity> {
        p.severity.get(id).copied()
    }

    #[test]
    fn no_file_denies_every_assistant() {
        let p = Policy::builtin().unwrap();
        assert!(p
            .catalogue
            .assistants
            .iter()
            .all(|a| sev(&p, &a.id) == Some(Severity::Deny)));
    }

    #[test]
    fn the_minimal_form_denies_only_what_it_names() {
        let p = Policy::parse("t", "[policy]\ndeny = [\"claude-code\"]\n").unwrap();
        assert_eq!(sev(&p, "claude-code"), Some(Severity::Deny));
        assert_eq!(sev(&p, "copilot"), None);
    }

    #[test]
    fn allow_and_warn_carve_out_of_deny_all() {
        let p = Policy::parse(
            "t",
            "[policy]\ndeny = [\"*\"]\nallow = [\"copilot\"]\nwarn = [\"agents-md\"]\n",
        )
        .unwrap();
        assert_eq!(sev(&p, "copilot"), None);
        assert_eq!(sev(&p, "agents-md"), Some(Severity::Warn));
        assert_eq!(sev(&p, "cursor"), Some(Severity::Deny));
    }

    #[test]
    fn an_unknown_assistant_is_located_and_suggested() {
        let err = Policy::parse(".aigate.toml", "[policy]\ndeny = [\"claud-code\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                ".aigate.toml:2:9: unknown assistant `claud-code` (did you mean `claude-code`?"
            ),
            "{err}"
        );
        assert!(err.contains("2 | deny = [\"claud-code\"]"), "{err}");
    }

    #[test]
    fn an_abbreviated_exempt_commit_is_an_error_saying_why() {
        let err = Policy::parse("p.toml", "[exempt]\ncommits = [\"0123abc\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "p.toml:2:12: `0123abc` is an abbreviated commit id: exempt commits take full ids"
            ),
            "{err}"
        );
        assert!(err.contains("made in seconds"), "{err}");
        let err = Policy::parse("p.toml", "[exempt]\ncommits = [\"main\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`main` is not a commit id"), "{err}");
    }

    #[test]
    fn a_full_exempt_commit_matches_only_itself() {
        let full = "0123456789ABCDEF0123456789abcdef01234567";
        let p = Policy::parse("p.toml", &format!("[exempt]\ncommits = [\"{full}\"]\n")).unwrap();
        assert!(p.is_exempt_commit(&full.to_ascii_lowercase()));
        assert!(!p.is_exempt_commit("0123456789abcdef0123456789abcdef01234568"));
    }

    #[test]
    fn disclose_star_lets_deny_default_to_nothing_and_deny_wins_by_id() {
        let p = Policy::parse("t", "[policy]\ndisclose = [\"*\"]\n").unwrap();
        assert!(p.severity.is_empty());
        assert_eq!(p.treatment("claude-code"), "disclose");
        let p = Policy::parse(
            "t",
            "[policy]\ndisclose = [\"*\"]\ndeny = [\"claude-code\"]\nallow = [\"mcp\"]\n",
        )
        .unwrap();
        assert_eq!(p.treatment("claude-code"), "deny");
        assert_eq!(p.treatment("mcp"), "allow");
        assert_eq!(p.treatment("cursor"), "disclose");
        // Named in `disclose` only: the others stay denied by the default.
        let p = Policy::parse("t", "[policy]\ndisclose = [\"cursor\"]\n").unwrap();
        assert_eq!(p.treatment("cursor"), "disclose");
        assert_eq!(p.treatment("copilot"), "deny");
        let err = Policy::parse("t", "[policy]\ndeny = [\"*\"]\ndisclose = [\"*\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("contradict each other"), "{err}");
    }

    #[test]
    fn an_about_table_is_only_for_presets() {
        let err = Policy::parse(
            "p.toml",
            "[about]\ntitle = \"x\"\nsource = \"y\"\nsummary = \"z\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`[about]` belongs to preset files"), "{err}");
    }

    #[test]
    fn an_unknown_key_is_located() {
        let err = Policy::parse("p.toml", "[policy]\ndeny = []\nblock = [\"x\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("p.toml:3:1: unknown field `block`"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_regex_in_a_custom_rule_is_located() {
        let text = "[[assistant]]\nid = \"acme\"\nname = \"Acme\"\n[[rule]]\nid = \"acme-x\"\nassistant = \"acme\"\nkind = \"message\"\npatterns = ['^x(']\n";
        let err = Policy::parse("p.toml", text).unwrap_err().to_string();
        assert!(
            err.starts_with("p.toml:8:13: invalid regular expression"),
            "{err}"
        );
    }
}
