//! A rules file as written: the tables and keys of `rules/*.toml` and of a policy's
//! `[[assistant]]` and `[[rule]]` tables, with the spans errors point at. Shared with
//! `build.rs`, which reads the built-in files once, at build time, into code that builds these
//! values (see [`super::Catalogue::builtin`]); so this file uses nothing of the crate.

use serde::Deserialize;
use toml::Spanned;

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
    /// Names of refs: branches and tags pushed or audited, notes and other provenance refs.
    Ref,
    /// Variables of the environment a local hook runs in (the assistant's own shell).
    Environment,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Path => "path",
            Kind::Message => "message",
            Kind::Identity => "identity",
            Kind::Ref => "ref",
            Kind::Environment => "environment",
        }
    }
}

/// A message rule read by a small parser instead of a regular expression.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize, PartialOrd, Ord,
)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// `Generated with / by / using <product>` (and `Made with`) at the start of a line, the
    /// product plain, in a markdown link, bold or italic, hyphenated or spaced.
    Footer,
    /// An attribution key (`Assisted-by:`, `Generated-by:`, `AI-agent:` ...) whose value names
    /// one of the products.
    Attribution,
    /// An attribution key whose value is an AI tool but names no catalogue product: the
    /// kernel's `LLM`, `AGENT:MODEL`, `TOOL (MODEL)`, a model name.
    UnnamedAttribution,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Footer => "footer",
            Shape::Attribution => "attribution",
            Shape::UnnamedAttribution => "unnamed-attribution",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    #[serde(default)]
    pub assistant: Option<AssistantDef>,
    #[serde(default)]
    pub rule: Vec<RuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssistantDef {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub products: Option<Vec<String>>,
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
    pub shape: Option<Spanned<Shape>>,
    #[serde(default)]
    pub emails: Vec<Spanned<String>>,
    #[serde(default)]
    pub github: Vec<Spanned<String>>,
    #[serde(default)]
    pub names: Vec<Spanned<String>>,
    #[serde(default)]
    pub domains: Vec<Spanned<String>>,
    /// Globs over full ref names (ref rules).
    #[serde(default)]
    pub refs: Vec<Spanned<String>>,
    #[serde(default)]
    pub variables: Vec<Spanned<String>>,
    #[serde(default)]
    pub value: Option<Spanned<String>>,
    #[serde(default)]
    pub opt_in: bool,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub counter_examples: Vec<String>,
}
