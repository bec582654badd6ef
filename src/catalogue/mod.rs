//! The catalogue: assistants and their rules, parsed from TOML. The built-in files in `rules/`
//! are embedded in the binary and go through the same parser as the `[[rule]]` tables of a
//! policy file, under a pseudo-path, so an error in either points at a file, line and column.

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Diagnostic, Result};

/// The built-in rule files, embedded at compile time. A unit test checks that every file in
/// `rules/` is listed here.
const BUILTIN: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// Where a rule looks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Files and directories a commit adds or changes.
    Path,
    /// Lines of the commit message.
    Message,
    /// Author, committer or tagger, and `Key: Name <address>` lines of the message.
    Identity,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Path => "path",
            Kind::Message => "message",
            Kind::Identity => "identity",
        }
    }
}

/// An AI coding assistant (or a shared category such as `agents-md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assistant {
    pub id: String,
    pub name: String,
}

/// One rule, as written: its patterns are compiled later by the matcher.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub assistant: String,
    pub kind: Kind,
    /// Globs (path rules), regexes (message rules).
    pub patterns: Vec<Located>,
    pub subject_only: bool,
    pub emails: Vec<Located>,
    pub github: Vec<Located>,
    pub names: Vec<Located>,
    /// Whole e-mail domains (identity rules in policies: an opt-in, never built in).
    pub domains: Vec<Located>,
    pub source: Option<String>,
    pub examples: Vec<String>,
    pub counter_examples: Vec<String>,
    /// Off unless a policy switches it on (`[policy] enable`).
    pub opt_in: bool,
}

/// A string from a rules or policy file together with where it stands, so a bad glob or regex
/// can be reported at its line and column.
#[derive(Debug, Clone)]
pub struct Located {
    pub value: String,
    pub origin: Origin,
}

/// The file (and its text) and byte span a value came from.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: std::sync::Arc<SourceFile>,
    pub span: std::ops::Range<usize>,
}

#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

impl Origin {
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(
            &self.file.name,
            &self.file.text,
            Some(self.span.clone()),
            message,
        )
    }
}

/// All assistants and rules in force: the built-in ones plus those a policy adds.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub assistants: Vec<Assistant>,
    pub rules: Vec<Rule>,
}

impl Catalogue {
    /// The built-in catalogue. The embedded files are checked by tests, so a failure here is a
    /// bug in aigate, but it is still reported as an error rather than a panic.
    pub fn builtin() -> Result<Catalogue> {
        let mut catalogue = Catalogue::default();
        for (name, text) in BUILTIN {
            catalogue.add_rule_file(&format!("<builtin>/rules/{name}"), text)?;
        }
        Ok(catalogue)
    }

    pub fn assistant(&self, id: &str) -> Option<&Assistant> {
        self.assistants.iter().find(|a| a.id == id)
    }

    /// Parses one rules file (`[assistant]` and `[[rule]]` tables) into the catalogue.
    pub fn add_rule_file(&mut self, name: &str, text: &str) -> Result<()> {
        let file = std::sync::Arc::new(SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
        });
        let parsed: RuleFile = parse_toml(&file)?;
        self.add_assistant(&file, &parsed.assistant)?;
        for rule in parsed.rule {
            if let Some(a) = &rule.assistant {
                return Err(at(
                    &file,
                    a.span(),
                    "`assistant` is given by the file's [assistant] table",
                )
                .into());
            }
            self.add_rule(&file, rule, &parsed.assistant.id)?;
        }
        Ok(())
    }

    pub(crate) fn add_assistant(
        &mut self,
        file: &std::sync::Arc<SourceFile>,
        def: &AssistantDef,
    ) -> Result<()> {
        let id = def.id.get_ref();
        check_id(file, &def.id, "assistant")?;
        if self.assistant(id).is_some() {
            return Err(at(
                file,
                def.id.span(),
                format!("assistant `{id}` is defined twice"),
            )
            .into());
        }
        self.assistants.push(Assistant {
            id: id.clone(),
            name: def.name.clone(),
        });
        Ok(())
    }

    pub(crate) fn add_rule(
        &mut self,
        file: &std::sync::Arc<SourceFile>,
        def: RuleDef,
        assistant: &Spanned<String>,
    ) -> Result<()> {
        check_id(file, &def.id, "rule")?;
        let id = def.id.get_ref().clone();
        if self.rules.iter().any(|r| r.id == id) {
            return Err(at(file, def.id.span(), format!("rule `{id}` is defined twice")).into());
        }
        if self.assistant(assistant.get_ref()).is_none() {
            return Err(at(
                file,
                assistant.span(),
                format!("unknown assistant `{}`", assistant.get_ref()),
            )
            .into());
        }
        let locate = |v: Vec<Spanned<String>>| locate_all(file, v);
        let kind = *def.kind.get_ref();
        let wrong = |what: &str| -> Diagnostic {
            at(
                file,
                def.kind.span(),
                format!("a {} rule takes no `{what}`", kind.as_str()),
            )
        };
        match kind {
            Kind::Path => {
                if def.paths.is_empty() {
                    return Err(at(
                        file,
                        def.id.span(),
                        format!("path rule `{id}` has no `paths`"),
                    )
                    .into());
                }
                if !def.patterns.is_empty() {
                    return Err(wrong("patterns").into());
                }
            }
            Kind::Message => {
                if def.patterns.is_empty() {
                    return Err(at(
                        file,
                        def.id.span(),
                        format!("message rule `{id}` has no `patterns`"),
                    )
                    .into());
                }
                if !def.paths.is_empty() {
                    return Err(wrong("paths").into());
                }
            }
            Kind::Identity => {
                if def.emails.is_empty()
                    && def.github.is_empty()
                    && def.names.is_empty()
                    && def.domains.is_empty()
                {
                    return Err(at(
                        file,
                        def.id.span(),
                        format!(
                            "identity rule `{id}` has no `emails`, `github`, `names` or `domains`"
                        ),
                    )
                    .into());
                }
                if !def.paths.is_empty() {
                    return Err(wrong("paths").into());
                }
                if !def.patterns.is_empty() {
                    return Err(wrong("patterns").into());
                }
            }
        }
        if kind != Kind::Identity {
            if !def.emails.is_empty() {
                return Err(wrong("emails").into());
            }
            if !def.github.is_empty() {
                return Err(wrong("github").into());
            }
            if !def.names.is_empty() {
                return Err(wrong("names").into());
            }
            if !def.domains.is_empty() {
                return Err(wrong("domains").into());
            }
        }
        if kind != Kind::Message && def.subject_only {
            return Err(wrong("subject-only").into());
        }
        for g in &def.github {
            if parse_github(g.get_ref()).is_none() {
                return Err(at(
                    file,
                    g.span(),
                    format!(
                        "`{}` is not of the form `<numeric id>+<login>`",
                        g.get_ref()
                    ),
                )
                .into());
            }
        }
        let patterns = if kind == Kind::Path {
            def.paths
        } else {
            def.patterns
        };
        self.rules.push(Rule {
            id,
            assistant: assistant.get_ref().clone(),
            kind,
            patterns: locate(patterns),
            subject_only: def.subject_only,
            emails: locate(def.emails),
            github: locate(def.github),
            names: locate(def.names),
            domains: locate(def.domains),
            source: def.source,
            examples: def.examples,
            counter_examples: def.counter_examples,
            opt_in: def.opt_in,
        });
        Ok(())
    }
}

/// Strings from a file with where each stands, for errors that point at them.
pub(crate) fn locate_all(
    file: &std::sync::Arc<SourceFile>,
    values: Vec<Spanned<String>>,
) -> Vec<Located> {
    values
        .into_iter()
        .map(|s| Located {
            origin: Origin {
                file: file.clone(),
                span: s.span(),
            },
            value: s.into_inner(),
        })
        .collect()
}

/// Splits `<numeric id>+<login>` into its parts.
pub fn parse_github(spec: &str) -> Option<(u64, &str)> {
    let (id, login) = spec.split_once('+')?;
    let id = id.parse().ok()?;
    (!login.is_empty()).then_some((id, login))
}

fn check_id(file: &std::sync::Arc<SourceFile>, id: &Spanned<String>, what: &str) -> Result<()> {
    let s = id.get_ref();
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(at(
            file,
            id.span(),
            format!("{what} id `{s}` is not kebab-case (a-z, 0-9, `-`)"),
        )
        .into())
    }
}

pub(crate) fn at(
    file: &SourceFile,
    span: std::ops::Range<usize>,
    message: impl Into<String>,
) -> Diagnostic {
    Diagnostic::new(&file.name, &file.text, Some(span), message)
}

/// Parses TOML into `T`, turning a syntax or shape error into a located diagnostic.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(file: &SourceFile) -> Result<T> {
    toml::from_str(&file.text).map_err(|e| {
        let message = e.message().trim_end().replace('\n', " ");
        Diagnostic::new(&file.name, &file.text, e.span(), message).into()
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    assistant: AssistantDef,
    #[serde(default)]
    rule: Vec<RuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssistantDef {
    pub id: Spanned<String>,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RuleDef {
    pub id: Spanned<String>,
    #[serde(default)]
    pub assistant: Option<Spanned<String>>,
    pub kind: Spanned<Kind>,
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    #[serde(default)]
    pub patterns: Vec<Spanned<String>>,
    #[serde(default)]
    pub subject_only: bool,
    #[serde(default)]
    pub emails: Vec<Spanned<String>>,
    #[serde(default)]
    pub github: Vec<Spanned<String>>,
    #[serde(default)]
    pub names: Vec<Spanned<String>>,
    #[serde(default)]
    pub domains: Vec<Spanned<String>>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub counter_examples: Vec<String>,
    #[serde(default)]
    pub opt_in: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_file_parses_and_ids_are_unique() {
        let c = Catalogue::builtin().unwrap_or_else(|e| panic!("{e}"));
        let mut ids: Vec<_> = c.rules.iter().map(|r| r.id.as_str()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "rule ids are unique");
        let mut a: Vec<_> = c.assistants.iter().map(|a| a.id.as_str()).collect();
        let n = a.len();
        a.sort_unstable();
        a.dedup();
        assert_eq!(a.len(), n, "assistant ids are unique");
    }

    #[test]
    fn every_file_in_rules_dir_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn every_assistant_named_in_the_brief_is_present() {
        let c = Catalogue::builtin().unwrap();
        for id in [
            "claude-code",
            "copilot",
            "cursor",
            "windsurf",
            "aider",
            "cline",
            "roo-code",
            "continue",
            "codex",
            "gemini",
            "jules",
            "amazon-q",
            "kiro",
            "devin",
            "amp",
            "openhands",
            "replit",
            "factory",
            "qwen-code",
            "opencode",
            "crush",
            "tabnine",
            "junie",
            "zed",
            "goose",
            "augment",
            "agents-md",
            "mcp",
        ] {
            assert!(c.assistant(id).is_some(), "missing assistant `{id}`");
            assert!(
                c.rules.iter().any(|r| r.assistant == id),
                "`{id}` has no rule"
            );
        }
    }

    #[test]
    fn a_bad_kind_is_reported_at_its_line() {
        let mut c = Catalogue::default();
        let err = c
            .add_rule_file(
                "x.toml",
                "[assistant]\nid = \"a\"\nname = \"A\"\n[[rule]]\nid = \"a-b\"\nkind = \"colour\"\npaths = [\"x\"]\n",
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("x.toml:6:8: unknown variant `colour`"),
            "{err}"
        );
    }
}
