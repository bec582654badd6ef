//! The catalogue: assistants and their rules, parsed from TOML. The built-in files in `rules/`
//! are embedded in the binary and go through the same parser as the `[[rule]]` tables of a
//! policy file, under a pseudo-path, so an error in either points at a file, line and column.

use toml::Spanned;

use crate::error::{Diagnostic, Result};

mod defs;

pub(crate) use defs::{AssistantDef, RuleDef, RuleFile};
pub use defs::{Kind, Shape};

/// The built-in rule files, embedded at compile time. A unit test checks that every file in
/// `rules/` is listed here.
const BUILTIN: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The same files as parsed by `build.rs`, in the same order: `files()` returns a
/// `Vec<Option<RuleFile>>`, `None` for a file the build could not parse.
#[allow(unused_imports)]
mod digested {
    use super::defs::{AssistantDef, Kind, RuleDef, RuleFile, Shape};
    use toml::Spanned;

    fn s(start: usize, end: usize, value: &str) -> Spanned<String> {
        Spanned::new(start..end, value.to_owned())
    }

    fn v(values: &[&str]) -> Vec<String> {
        values.iter().map(|&v| v.to_owned()).collect()
    }

    include!(concat!(env!("OUT_DIR"), "/builtin_parsed.rs"));
}

/// An AI coding assistant (or a shared category such as `agents-md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assistant {
    pub id: String,
    pub name: String,
    /// The product names a message may name it by (`Generated with [Claude Code](...)`,
    /// `Assisted-by: GitHub Copilot`). From `products = [...]`; when absent, the display name
    /// without a trailing parenthesis. `products = []` for categories that are not a product.
    pub products: Vec<String>,
}

/// One rule, as written: its patterns are compiled later by the matcher.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub assistant: String,
    pub kind: Kind,
    /// Globs (path rules), regexes (message rules), product names (shape rules).
    pub patterns: Vec<Located>,
    /// Set for message rules read by a parser (`shape = "footer"`); `patterns` then hold
    /// product names.
    pub shape: Option<Shape>,
    pub subject_only: bool,
    pub emails: Vec<Located>,
    pub github: Vec<Located>,
    pub names: Vec<Located>,
    /// Whole e-mail domains (identity rules in policies: an opt-in, never built in).
    pub domains: Vec<Located>,
    /// Variable names (environment rules).
    pub variables: Vec<Located>,
    /// A regular expression the variable's value must match (environment rules); without one,
    /// any value but an empty or false-like one (`0`, `false`, `no`, `off`) matches.
    pub value: Option<Located>,
    /// Off unless a policy switches it on by id (see [`Catalogue::enable`]).
    pub opt_in: bool,
    /// In force when the policy denies or warns about its assistant: true for every rule
    /// but opt-in ones. The one switch: a policy's `enable` calls [`Catalogue::enable`], its
    /// `disable` [`Catalogue::disable`], before the matcher is built.
    pub enabled: bool,
    pub source: Option<String>,
    pub examples: Vec<String>,
    pub counter_examples: Vec<String>,
    /// Embedded in aigate (see [`Catalogue::builtin`]): its regular expressions are checked by
    /// unit tests, so a policy load does not compile them to check them, and the sets they
    /// go in can be built when first needed.
    pub builtin: bool,
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
    ///
    /// `build.rs` has parsed the files already (parsing their 90 KB of TOML took 1.5 ms, a
    /// third of a whole pre-commit hook now): each comes as the `RuleFile` the parser would have
    /// made, spans included, and goes through the same checks as a policy's rules. A file the
    /// build could not parse is parsed here, to report its error with its line and column.
    pub fn builtin() -> Result<Catalogue> {
        let mut catalogue = Catalogue::default();
        let mut parsed = digested::files().into_iter();
        let files: Vec<_> = BUILTIN
            .iter()
            .map(|&(name, text)| (name, text, parsed.next().flatten()))
            .collect();
        // `generic-*.toml` files hold rules for assistants the other files define.
        let (generic, own): (Vec<_>, Vec<_>) = files
            .into_iter()
            .partition(|(name, _, _)| name.starts_with("generic-"));
        for (name, text, parsed) in own.into_iter().chain(generic) {
            let name = format!("<builtin>/rules/{name}");
            match parsed {
                Some(parsed) => catalogue.add_parsed(&name, text, parsed)?,
                None => catalogue.add_rule_file(&name, text)?,
            }
        }
        for rule in &mut catalogue.rules {
            rule.builtin = true;
        }
        Ok(catalogue)
    }

    pub fn assistant(&self, id: &str) -> Option<&Assistant> {
        self.assistants.iter().find(|a| a.id == id)
    }

    /// Switches an opt-in rule on by id. Errs (with the reason) when no rule has that id;
    /// enabling a rule that is on anyway is allowed and changes nothing.
    pub fn enable(&mut self, id: &str) -> std::result::Result<(), String> {
        match self.rules.iter_mut().find(|r| r.id == id) {
            Some(rule) => {
                rule.enabled = true;
                Ok(())
            }
            None => Err(format!(
                "unknown rule `{id}` (`aigate rules` lists the rules and which are opt-in)"
            )),
        }
    }

    /// Switches a rule off by id (a policy's `disable`); errs like [`Catalogue::enable`].
    pub fn disable(&mut self, id: &str) -> std::result::Result<(), String> {
        match self.rules.iter_mut().find(|r| r.id == id) {
            Some(rule) => {
                rule.enabled = false;
                Ok(())
            }
            None => Err(format!(
                "unknown rule `{id}` (`aigate rules` lists the rules and which are opt-in)"
            )),
        }
    }

    /// Parses one rules file (`[assistant]` and `[[rule]]` tables) into the catalogue.
    pub fn add_rule_file(&mut self, name: &str, text: &str) -> Result<()> {
        let file = SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
        };
        let parsed: RuleFile = parse_toml(&file)?;
        self.add_file(std::sync::Arc::new(file), parsed)
    }

    /// Adds a rules file `build.rs` has parsed (see [`Catalogue::builtin`]).
    fn add_parsed(&mut self, name: &str, text: &str, parsed: RuleFile) -> Result<()> {
        let file = std::sync::Arc::new(SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
        });
        self.add_file(file, parsed)
    }

    fn add_file(&mut self, file: std::sync::Arc<SourceFile>, parsed: RuleFile) -> Result<()> {
        if let Some(assistant) = &parsed.assistant {
            self.add_assistant(&file, assistant)?;
        }
        for rule in parsed.rule {
            // A file with an [assistant] table holds that assistant's rules; a file without
            // one (`generic-*.toml`) names the assistant in each rule.
            let assistant = match (&parsed.assistant, &rule.assistant) {
                (Some(_), Some(a)) => {
                    return Err(at(
                        &file,
                        a.span(),
                        "`assistant` is given by the file's [assistant] table",
                    )
                    .into())
                }
                (Some(def), None) => def.id.clone(),
                (None, Some(a)) => a.clone(),
                (None, None) => {
                    return Err(at(
                        &file,
                        rule.id.span(),
                        format!(
                            "rule `{}` needs `assistant = \"<id>\"` (the file has no [assistant] table)",
                            rule.id.get_ref()
                        ),
                    )
                    .into())
                }
            };
            self.add_rule(&file, rule, &assistant)?;
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
        let products = match &def.products {
            Some(list) => list.clone(),
            None => vec![default_product(&def.name)],
        };
        if let Some(empty) = products.iter().find(|p| p.trim().is_empty()) {
            return Err(at(
                file,
                def.id.span(),
                format!("assistant `{id}` has an empty product name `{empty}`"),
            )
            .into());
        }
        self.assistants.push(Assistant {
            id: id.clone(),
            name: def.name.clone(),
            products: products.clone(),
        });
        if !products.is_empty() {
            self.add_product_rules(file, &def.id, &products)?;
        }
        Ok(())
    }

    /// The footer and attribution rules every assistant with product names gets.
    fn add_product_rules(
        &mut self,
        file: &std::sync::Arc<SourceFile>,
        id: &Spanned<String>,
        products: &[String],
    ) -> Result<()> {
        let assistant = id.get_ref();
        let located = |p: &String| Located {
            value: p.clone(),
            origin: Origin {
                file: file.clone(),
                span: id.span(),
            },
        };
        let shapes = [
            (
                "product-footer",
                Shape::Footer,
                vec![
                    "🤖 Generated with [{}](https://example.com)",
                    "Generated using **{}**",
                    "- generated by {}",
                ],
                vec!["Strip the Generated with {} footer", "Generated with {}x"],
            ),
            (
                "product-attribution",
                Shape::Attribution,
                vec![
                    "Assisted-by: {}",
                    "Generated-by: {} (model-1)",
                    "AI-agent: {}",
                ],
                vec!["Assisted-by: none", "Reviewed-by: {}", "Assisted-by: {}x"],
            ),
        ];
        for (suffix, shape, examples, counter) in shapes {
            let rule_id = format!("{assistant}-{suffix}");
            if self.rules.iter().any(|r| r.id == rule_id) {
                return Err(at(
                    file,
                    id.span(),
                    format!("rule `{rule_id}` is defined twice"),
                )
                .into());
            }
            let fill = |list: Vec<&str>| -> Vec<String> {
                products
                    .iter()
                    .flat_map(|p| list.iter().map(move |e| e.replace("{}", p)))
                    .collect()
            };
            self.rules.push(Rule {
                id: rule_id,
                assistant: assistant.clone(),
                kind: Kind::Message,
                patterns: products.iter().map(located).collect(),
                shape: Some(shape),
                subject_only: false,
                emails: Vec::new(),
                github: Vec::new(),
                names: Vec::new(),
                domains: Vec::new(),
                variables: Vec::new(),
                value: None,
                opt_in: false,
                enabled: true,
                source: Some(format!("the product names of `{assistant}` (`products`)")),
                examples: fill(examples),
                counter_examples: fill(counter),
                builtin: false,
            });
        }
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
                if def.patterns.is_empty() && def.shape.is_none() {
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
            Kind::Ref => {
                if def.refs.is_empty() {
                    return Err(at(
                        file,
                        def.id.span(),
                        format!("ref rule `{id}` has no `refs`"),
                    )
                    .into());
                }
            }
            Kind::Environment => {
                if def.variables.is_empty() {
                    return Err(at(
                        file,
                        def.id.span(),
                        format!("environment rule `{id}` has no `variables`"),
                    )
                    .into());
                }
                for v in &def.variables {
                    if !is_variable_name(v.get_ref()) {
                        return Err(at(
                            file,
                            v.span(),
                            format!(
                                "`{}` is not an environment variable name (A-Z, a-z, 0-9, `_`)",
                                v.get_ref()
                            ),
                        )
                        .into());
                    }
                }
            }
        }
        if kind != Kind::Ref && !def.refs.is_empty() {
            return Err(wrong("refs").into());
        }
        if kind != Kind::Environment {
            if !def.variables.is_empty() {
                return Err(wrong("variables").into());
            }
            if def.value.is_some() {
                return Err(wrong("value").into());
            }
        }
        if matches!(kind, Kind::Ref | Kind::Environment) {
            if !def.paths.is_empty() {
                return Err(wrong("paths").into());
            }
            if !def.patterns.is_empty() {
                return Err(wrong("patterns").into());
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
        if kind != Kind::Message && def.shape.is_some() {
            return Err(wrong("shape").into());
        }
        let shape = def.shape.as_ref().map(|s| *s.get_ref());
        if shape == Some(Shape::UnnamedAttribution) && !def.patterns.is_empty() {
            return Err(at(
                file,
                def.id.span(),
                format!("rule `{id}` names no product: an `unnamed-attribution` rule takes no `patterns`"),
            )
            .into());
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
        let mut patterns = locate(match kind {
            Kind::Path => def.paths,
            Kind::Ref => def.refs,
            _ => def.patterns,
        });
        if let (Some(Shape::Footer | Shape::Attribution), Some(s)) = (shape, &def.shape) {
            if patterns.is_empty() {
                let products = &self
                    .assistant(assistant.get_ref())
                    .expect("checked")
                    .products;
                patterns = products
                    .iter()
                    .map(|p| Located {
                        value: p.clone(),
                        origin: Origin {
                            file: file.clone(),
                            span: s.span(),
                        },
                    })
                    .collect();
            }
        }
        self.rules.push(Rule {
            id,
            assistant: assistant.get_ref().clone(),
            kind,
            patterns,
            shape,
            subject_only: def.subject_only,
            emails: locate(def.emails),
            github: locate(def.github),
            names: locate(def.names),
            domains: locate(def.domains),
            variables: locate(def.variables),
            value: def.value.map(|v| locate_all(file, vec![v]).remove(0)),
            opt_in: def.opt_in,
            enabled: !def.opt_in,
            source: def.source,
            examples: def.examples,
            counter_examples: def.counter_examples,
            builtin: false,
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

/// A POSIX-portable environment variable name.
fn is_variable_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
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

/// `Junie (JetBrains)` is named `Junie` in a message.
fn default_product(name: &str) -> String {
    let name = name.trim();
    match name.strip_suffix(')').and_then(|n| n.rsplit_once('(')) {
        Some((head, _)) if !head.trim().is_empty() => head.trim().to_owned(),
        _ => name.to_owned(),
    }
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

    /// `Catalogue::builtin` takes the files as `build.rs` parsed them: the same values, spans
    /// and order as parsing the embedded text at run time gives.
    #[test]
    fn the_build_time_parse_equals_the_run_time_parse_of_every_builtin_file() {
        let mut parsed = Catalogue::default();
        let (generic, own): (Vec<_>, Vec<_>) = BUILTIN
            .iter()
            .partition(|(name, _)| name.starts_with("generic-"));
        for (name, text) in own.into_iter().chain(generic) {
            parsed
                .add_rule_file(&format!("<builtin>/rules/{name}"), text)
                .unwrap();
        }
        for rule in &mut parsed.rules {
            rule.builtin = true;
        }
        let built = Catalogue::builtin().unwrap();
        assert_eq!(built.assistants, parsed.assistants);
        assert_eq!(built.rules.len(), parsed.rules.len());
        assert_eq!(digested::files().len(), BUILTIN.len());
        let located = |l: &[Located]| -> Vec<(String, String, std::ops::Range<usize>, usize)> {
            l.iter()
                .map(|l| {
                    let f = &l.origin.file;
                    (
                        l.value.clone(),
                        f.name.clone(),
                        l.origin.span.clone(),
                        f.text.len(),
                    )
                })
                .collect()
        };
        let describe = |r: &Rule| {
            format!(
                "{:?}",
                (
                    (&r.id, &r.assistant, r.kind, r.shape, r.subject_only),
                    (located(&r.patterns), located(&r.emails), located(&r.github)),
                    (
                        located(&r.names),
                        located(&r.domains),
                        located(&r.variables)
                    ),
                    r.value.as_ref().map(|v| located(std::slice::from_ref(v))),
                    (r.opt_in, r.enabled, r.builtin, &r.source),
                    (&r.examples, &r.counter_examples),
                )
            )
        };
        for (b, p) in built.rules.iter().zip(&parsed.rules) {
            assert_eq!(describe(b), describe(p));
        }
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

    fn parse(rule: &str) -> std::result::Result<Catalogue, String> {
        let mut c = Catalogue::default();
        let text = format!("[assistant]\nid = \"a\"\nname = \"A\"\n[[rule]]\nid = \"a-b\"\n{rule}");
        c.add_rule_file("x.toml", &text)
            .map_err(|e| e.to_string())?;
        Ok(c)
    }

    #[test]
    fn environment_and_ref_rules_are_checked_where_they_are_written() {
        let err = parse("kind = \"environment\"\nvariables = [\"NOT-A-NAME\"]\n").unwrap_err();
        assert!(
            err.starts_with("x.toml:7:14: `NOT-A-NAME` is not an environment variable name"),
            "{err}"
        );
        let err = parse("kind = \"environment\"\n").unwrap_err();
        assert!(
            err.contains("environment rule `a-b` has no `variables`"),
            "{err}"
        );
        let err = parse("kind = \"ref\"\nrefs = [\"x\"]\nvariables = [\"X\"]\n").unwrap_err();
        assert!(err.contains("a ref rule takes no `variables`"), "{err}");
        let err = parse("kind = \"path\"\npaths = [\"x\"]\nrefs = [\"refs/x\"]\n").unwrap_err();
        assert!(err.contains("a path rule takes no `refs`"), "{err}");
        let err = parse("kind = \"message\"\npatterns = [\"x\"]\nvalue = \"1\"\n").unwrap_err();
        assert!(err.contains("a message rule takes no `value`"), "{err}");
    }

    #[test]
    fn opt_in_rules_start_off_and_are_enabled_by_id() {
        let mut c = parse("kind = \"ref\"\nopt-in = true\nrefs = [\"refs/heads/a/**\"]\n").unwrap();
        // The assistant's product rules come first; `a-b` is the rule written.
        let rule = |c: &Catalogue| c.rules.iter().find(|r| r.id == "a-b").unwrap().clone();
        assert!(rule(&c).opt_in && !rule(&c).enabled);
        c.enable("a-b").unwrap();
        assert!(rule(&c).enabled);
        let err = c.enable("a-c").unwrap_err();
        assert!(err.starts_with("unknown rule `a-c`"), "{err}");
        let builtin = Catalogue::builtin().unwrap();
        for r in &builtin.rules {
            assert_eq!(r.enabled, !r.opt_in, "{}", r.id);
            if r.kind == Kind::Ref {
                assert!(r.opt_in, "ref rule `{}` is opt-in", r.id);
            }
        }
    }

    #[test]
    fn products_default_to_the_name_without_its_parenthesis() {
        assert_eq!(default_product("Junie (JetBrains)"), "Junie");
        assert_eq!(default_product("Claude Code"), "Claude Code");
        assert_eq!(default_product("(odd)"), "(odd)");
        let mut c = Catalogue::default();
        c.add_rule_file(
            "x.toml",
            "[assistant]\nid = \"a\"\nname = \"A (x)\"\nproducts = [\"A\", \"A CLI\"]\n",
        )
        .unwrap();
        assert_eq!(c.assistants[0].products, ["A", "A CLI"]);
    }

    #[test]
    fn a_generic_rule_file_names_the_assistant_of_each_rule() {
        let mut c = Catalogue::default();
        c.add_rule_file("a.toml", "[assistant]\nid = \"a\"\nname = \"A\"\n")
            .unwrap();
        c.add_rule_file(
            "generic-x.toml",
            "[[rule]]\nid = \"a-link\"\nassistant = \"a\"\nkind = \"message\"\npatterns = ['a\\.example/s/\\w']\n",
        )
        .unwrap();
        assert_eq!(c.rules.last().unwrap().assistant, "a");
        let err = c
            .add_rule_file(
                "generic-y.toml",
                "[[rule]]\nid = \"b-link\"\nkind = \"message\"\npatterns = ['x']\n",
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("generic-y.toml:2:6: rule `b-link` needs `assistant"),
            "{err}"
        );
    }

    #[test]
    fn assistants_with_products_get_footer_and_attribution_rules() {
        let mut c = Catalogue::default();
        c.add_rule_file(
            "a.toml",
            "[assistant]\nid = \"my-bot\"\nname = \"My Bot\"\n[[rule]]\nid = \"my-bot-x\"\nkind = \"message\"\nshape = \"unnamed-attribution\"\n",
        )
        .unwrap();
        let shapes: Vec<_> = c.rules.iter().map(|r| (r.id.as_str(), r.shape)).collect();
        assert_eq!(
            shapes,
            [
                ("my-bot-product-footer", Some(Shape::Footer)),
                ("my-bot-product-attribution", Some(Shape::Attribution)),
                ("my-bot-x", Some(Shape::UnnamedAttribution)),
            ]
        );
        assert_eq!(c.rules[0].patterns[0].value, "My Bot");
        let mut c = Catalogue::default();
        let err = c
            .add_rule_file(
                "b.toml",
                "[assistant]\nid = \"b\"\nname = \"B\"\nproducts = []\n[[rule]]\nid = \"b-x\"\nkind = \"path\"\npaths = [\"x\"]\nshape = \"footer\"\n",
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("a path rule takes no `shape`"), "{err}");
        assert!(c.rules.is_empty(), "products = [] makes no product rules");
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
