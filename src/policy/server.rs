//! The `[server]` table of a policy file, and where a server hook finds its policy.
//!
//! The policy of a server hook comes from the server, never from the tree being pushed: the
//! hook's `--config FILE`, else `aigate.policy` in git config (repository, global, system),
//! else the built-in default. `AIGATE_CONFIG` and `.aigate.toml` are not consulted.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use toml::Spanned;

use crate::catalogue::{at, SourceFile};
use crate::error::Result;
use crate::policy::Policy;

/// The git config key naming the server's policy file.
pub const CONFIG_KEY: &str = "aigate.policy";

/// The raw `[server]` table, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ServerSection {
    /// Ref globs whose new commits are enforced (denied findings reject the push).
    #[serde(default)]
    enforce: Vec<Spanned<String>>,
    /// Ref globs whose findings are reported but never reject.
    #[serde(default)]
    warn: Vec<Spanned<String>>,
    /// Ref globs that are not checked at all.
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    /// Ref globs whose commits count as already checked (default: `refs/heads/*` and
    /// `refs/tags/*`).
    #[serde(default)]
    known_refs: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    bypass: BypassSection,
    /// Append one JSON line per push to this file.
    #[serde(default)]
    log: Option<Spanned<String>>,
    #[serde(default)]
    on_error: OnError,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BypassSection {
    #[serde(default)]
    pushers: Vec<String>,
}

/// What an internal error (bad input, missing objects, unwritable log) does to a push.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Fail closed: the push is rejected.
    #[default]
    Reject,
    /// The push passes with a warning.
    Allow,
}

/// How the commits a ref brings are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Not checked.
    Ignore,
    /// Checked; findings are reported as warnings.
    Warn,
    /// Checked; denied findings reject the push.
    Enforce,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ignore => "ignore",
            Scope::Warn => "warn",
            Scope::Enforce => "enforce",
        }
    }
}

#[derive(Debug, Clone)]
struct RefGlob {
    glob: GlobMatcher,
    /// Pattern length: the longest matching pattern decides a ref's scope.
    len: usize,
    scope: Scope,
}

/// The checked `[server]` table.
#[derive(Debug, Clone, Default)]
pub struct ServerPolicy {
    scopes: Vec<RefGlob>,
    /// `None` until parsed; [`DEFAULT_KNOWN_REFS`] when the table does not say.
    known_refs: Option<Vec<GlobMatcher>>,
    /// Pusher identities allowed to bypass with `-o aigate.bypass=REASON`.
    pub bypass_pushers: Vec<String>,
    /// The decision log, resolved against the policy file's directory.
    pub log: Option<PathBuf>,
    pub on_error: OnError,
}

impl ServerPolicy {
    pub(crate) fn from_section(file: &SourceFile, section: ServerSection) -> Result<ServerPolicy> {
        let mut scopes = Vec::new();
        let lists = [
            (&section.enforce, Scope::Enforce),
            (&section.warn, Scope::Warn),
            (&section.ignore, Scope::Ignore),
        ];
        for (list, scope) in lists {
            for pattern in list {
                scopes.push(RefGlob {
                    glob: ref_glob(file, pattern)?,
                    len: pattern.get_ref().len(),
                    scope,
                });
            }
        }
        // Fail closed: a hidden ref (`refs/pull/*`, `refs/keep-around/*`) may hold commits
        // that never went through this hook, so only branches and tags count unless the
        // policy says otherwise.
        // Not written: the default refs, matched by prefix (no glob compiled in every hook).
        let known_refs = match &section.known_refs {
            None => None,
            Some(list) => Some(
                list.iter()
                    .map(|p| ref_glob(file, p))
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        let log = section.log.map(|l| PathBuf::from(l.into_inner()));
        Ok(ServerPolicy {
            scopes,
            known_refs,
            bypass_pushers: section.bypass.pushers,
            log,
            on_error: section.on_error,
        })
    }

    /// The scope of a ref: that of the longest pattern matching it (on a tie the stricter),
    /// `enforce` when none does.
    pub fn scope(&self, refname: &str) -> Scope {
        self.scopes
            .iter()
            .filter(|g| g.glob.is_match(refname))
            .max_by_key(|g| (g.len, g.scope))
            .map_or(Scope::Enforce, |g| g.scope)
    }

    /// Whether the commits an existing ref reaches count as already checked.
    pub fn is_known_ref(&self, refname: &str) -> bool {
        match &self.known_refs {
            Some(globs) => globs.iter().any(|g| g.is_match(refname)),
            // Not written: the default refs (`refs/heads/*`, `*` taking `/` too).
            None => DEFAULT_KNOWN_REFS
                .iter()
                .any(|p| refname.strip_prefix(p.trim_end_matches('*')).is_some()),
        }
    }

    pub fn may_bypass(&self, pusher: &str) -> bool {
        self.bypass_pushers.iter().any(|p| p == pusher)
    }
}

/// The refs whose commits count as already checked when `known-refs` is not written.
pub const DEFAULT_KNOWN_REFS: [&str; 2] = ["refs/heads/*", "refs/tags/*"];

/// `*` matches any characters, `/` included: `refs/heads/release/*` covers
/// `refs/heads/release/1.x/rc1`.
fn ref_glob(file: &SourceFile, pattern: &Spanned<String>) -> Result<GlobMatcher> {
    GlobBuilder::new(pattern.get_ref())
        .literal_separator(false)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| {
            at(
                file,
                pattern.span(),
                format!("invalid ref glob: {}", e.kind()),
            )
            .into()
        })
}

/// Where a server hook's policy came from, for messages and the decision log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    Flag(PathBuf),
    GitConfig(PathBuf),
    Builtin,
}

/// Finds the server policy: `--config`, else `aigate.policy` in the repository's, global or
/// system git config (a relative path is taken from the git directory), else the built-in.
pub fn locate(flag: Option<&Path>, git_dir: Option<&Path>) -> Result<(Policy, PolicySource)> {
    if let Some(path) = flag {
        return Ok((
            Policy::from_file(path)?,
            PolicySource::Flag(path.to_owned()),
        ));
    }
    if let Some(path) = configured_path(git_dir)? {
        let path = match git_dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path,
        };
        return Ok((Policy::from_file(&path)?, PolicySource::GitConfig(path)));
    }
    Ok((Policy::builtin()?, PolicySource::Builtin))
}

/// `aigate.policy` from git config, read without opening the repository (so a repository
/// that cannot be opened still gets its policy): global and system files, then the
/// repository's own `config`, most specific last.
fn configured_path(git_dir: Option<&Path>) -> Result<Option<PathBuf>> {
    crate::git::local::config_path_without_repo(git_dir, CONFIG_KEY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(text: &str) -> ServerPolicy {
        Policy::parse("p.toml", text).unwrap().server
    }

    #[test]
    fn every_ref_is_enforced_by_default() {
        let s = server("");
        assert_eq!(s.scope("refs/heads/main"), Scope::Enforce);
        assert_eq!(s.scope("refs/tags/v1"), Scope::Enforce);
        assert!(s.is_known_ref("refs/heads/main"));
        assert!(s.is_known_ref("refs/tags/v1"));
        assert!(
            !s.is_known_ref("refs/pull/1/head"),
            "hidden refs are not trusted by default"
        );
        assert_eq!(s.on_error, OnError::Reject);
    }

    #[test]
    fn the_longest_matching_pattern_decides() {
        let s = server(
            "[server]\nenforce = [\"refs/heads/main\", \"refs/heads/release/*\", \"refs/tags/*\"]\nwarn = [\"refs/heads/wip/*\"]\nignore = [\"*\"]\n",
        );
        assert_eq!(s.scope("refs/heads/main"), Scope::Enforce);
        assert_eq!(s.scope("refs/heads/release/1.x/rc"), Scope::Enforce);
        assert_eq!(s.scope("refs/tags/v1"), Scope::Enforce);
        assert_eq!(s.scope("refs/heads/wip/x"), Scope::Warn);
        assert_eq!(s.scope("refs/heads/alice"), Scope::Ignore);
    }

    #[test]
    fn a_tie_goes_to_the_stricter_scope() {
        let s = server("[server]\nwarn = [\"refs/heads/*\"]\nenforce = [\"refs/heads/*\"]\n");
        assert_eq!(s.scope("refs/heads/x"), Scope::Enforce);
    }

    #[test]
    fn known_refs_can_trust_every_ref_when_written() {
        let s = server("[server]\nknown-refs = [\"*\"]\n");
        assert!(s.is_known_ref("refs/heads/main"));
        assert!(s.is_known_ref("refs/pull/7/head"));
    }

    #[test]
    fn bypass_log_and_on_error_are_read() {
        let s = server(
            "[server]\non-error = \"allow\"\nlog = \"d.jsonl\"\n[server.bypass]\npushers = [\"alice\"]\n",
        );
        assert_eq!(s.on_error, OnError::Allow);
        assert_eq!(s.log.as_deref(), Some(Path::new("d.jsonl")));
        assert!(s.may_bypass("alice"));
        assert!(!s.may_bypass("mallory"));
    }

    #[test]
    fn an_unknown_server_key_is_located() {
        let err = Policy::parse("p.toml", "[server]\nenforce = []\nbypas = 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("p.toml:3:1: unknown field `bypas`"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_on_error_value_is_an_error() {
        let err = Policy::parse("p.toml", "[server]\non-error = \"maybe\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.toml:2:"), "{err}");
    }
}
