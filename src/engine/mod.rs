//! The pure checks: text normalisation, the compiled matcher, and the findings it yields.
//! No git, no I/O: rules and a subject (a message, an identity, a path) in, matches out.

pub mod disclosure;
pub mod finding;
pub mod matcher;
pub mod message;
pub mod namefilter;
pub mod normalize;
pub mod wordbound;

/// How a finding of an assistant is treated.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported; the commit, push or audit passes.
    Warn,
    /// Reported; the commit, push or audit fails.
    Deny,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Deny => "deny",
        }
    }
}
