//! The policy: which assistants a repository bans (deny), tolerates with a warning (warn) or
//! allows, the rules it adds, and what it exempts. Read from `.aigate.toml`, a file named by
//! `--config` or `AIGATE_CONFIG`, or the built-in default (every known assistant denied).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::catalogue::{
    at, locate_all, parse_toml, AssistantDef, Catalogue, Located, RuleDef, SourceFile,
};
use crate::error::{Error, Result};

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
    /// The severity of every assistant that is denied or warned; absent ones are allowed.
    pub severity: BTreeMap<String, Severity>,
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

    /// Finds the policy for a repository: an explicit file, then `AIGATE_CONFIG`, then
    /// `.aigate.toml` at the root of the work tree, then the built-in default.
    pub fn locate(explicit: Option<&Path>, work_tree: Option<&Path>) -> Result<Policy> {
        if let Some(path) = explicit {
            return Policy::from_file(path);
        }
        if let Some(path) = std::env::var_os("AIGATE_CONFIG").filter(|v| !v.is_empty()) {
            return Policy::from_file(Path::new(&path));
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
        let mut catalogue = Catalogue::builtin()?;
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
        let star = |list: &[Spanned<String>]| list.iter().any(|s| s.get_ref() == "*");
        let mut explicit: BTreeMap<&str, (Option<Severity>, std::ops::Range<usize>)> =
            BTreeMap::new();
        type List<'a> = (&'a [Spanned<String>], Option<Severity>, &'a str);
        let lists: [List<'_>; 3] = [
            (
                section.deny.as_deref().unwrap_or(&[]),
                Some(Severity::Deny),
                "deny",
            ),
            (&section.warn, Some(Severity::Warn), "warn"),
            (&section.allow, None, "allow"),
        ];
        for (list, severity, list_name) in lists {
            for item in list {
                let id = item.get_ref().as_str();
                if id == "*" {
                    if severity.is_none() {
                        return Err(at(
                            &file,
                            item.span(),
                            "`allow = [\"*\"]` would allow everything; use `deny = []` instead",
                        )
                        .into());
                    }
                    continue;
                }
                if catalogue.assistant(id).is_none() {
                    return Err(at(&file, item.span(), unknown_assistant(id, &catalogue)).into());
                }
                if let Some(_previous) = explicit.insert(id, (severity, item.span())) {
                    return Err(at(
                        &file,
                        item.span(),
                        format!("assistant `{id}` is listed more than once (last seen in `{list_name}`)"),
                    )
                    .into());
                }
            }
        }
        let deny_all = section.deny.as_deref().map_or(true, star);
        let warn_all = star(&section.warn);
        let mut severity = BTreeMap::new();
        for a in &catalogue.assistants {
            let s = match explicit.get(a.id.as_str()) {
                Some((s, _)) => *s,
                None if deny_all => Some(Severity::Deny),
                None if warn_all => Some(Severity::Warn),
                None => None,
            };
            if let Some(s) = s {
                severity.insert(a.id.clone(), s);
            }
        }

        let locate = |v: Vec<Spanned<String>>| locate_all(&file, v);
        let mut exempt_commits = Vec::new();
        for c in &raw.exempt.commits {
            exempt_commits.push(full_commit_id(&file, c)?);
        }
        let exempt_paths = locate(raw.exempt.paths);
        let exempt_identities = locate(raw.exempt.identities);
        // Compiling here reports every bad regex or glob now, with its location, rather than
        // at the first commit that would have used it.
        let matcher = crate::engine::matcher::Matcher::build(
            &catalogue,
            |a| severity.get(a).copied(),
            &exempt_paths,
            &exempt_identities,
        )?;
        Ok(Policy {
            source: None,
            catalogue,
            severity,
            exempt_paths,
            exempt_commits,
            exempt_identities,
            server: crate::policy::server::ServerPolicy::from_section(&file, raw.server)?,
            matcher: std::sync::Arc::new(matcher),
        })
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

fn unknown_assistant(id: &str, catalogue: &Catalogue) -> String {
    let close = catalogue
        .assistants
        .iter()
        .map(|a| (edit_distance(id, &a.id), &a.id))
        .min()
        .filter(|(d, _)| *d <= 3);
    match close {
        Some((_, near)) => {
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
    #[serde(default)]
    policy: PolicySection,
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
    /// `None` (not written) means `["*"]`.
    #[serde(default)]
    deny: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    warn: Vec<Spanned<String>>,
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
