//! The server side: `aigate hook pre-receive` and `aigate hook update REF OLD NEW`, the
//! checks a platform team installs on a git server, and `aigate install --server`.
//!
//! Both hooks read their ref updates, find the server's policy (never the pushed tree's),
//! check the new commits with [`receive::check`], decide (bypass included), append to the
//! decision log and tell the pusher what was found and how to fix it. Any internal error
//! rejects the push unless the policy says `on-error = "allow"`.

pub mod install;
pub mod log;
pub mod output;
pub mod receive;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::exit;
use crate::git::repo::Repo;
use crate::policy::server::{self as policy, OnError, PolicySource};
use crate::policy::Severity;
use output::Printer;
use receive::{Outcome, RefUpdate};

/// Variables naming the pusher, most trustworthy first: set by GitLab, GitHub Enterprise
/// Server, Gitea/Forgejo, gitolite, a web server's authentication; `USER` (the account the
/// hook runs as) last, which names the pusher only on ssh servers with one account per person.
pub const PUSHER_VARS: [&str; 6] = [
    "GL_USERNAME",
    "GITHUB_USER_LOGIN",
    "GITEA_PUSHER_NAME",
    "GL_USER",
    "REMOTE_USER",
    "USER",
];

/// The push option that asks for a bypass: `git push -o aigate.bypass="reason"`.
pub const BYPASS_OPTION: &str = "aigate.bypass";

/// What a hook reads from its environment, gathered once.
#[derive(Debug, Clone, Default)]
pub struct HookEnv {
    /// The pusher and the variable it came from.
    pub pusher: Option<(String, &'static str)>,
    /// `GL_ID` is set: rejection lines carry `GL-HOOK-ERR: ` so GitLab shows them.
    pub gitlab: bool,
    /// `GIT_PUSH_OPTION_0..GIT_PUSH_OPTION_<COUNT-1>`.
    pub push_options: Vec<String>,
    /// `GIT_DIR`, else the current directory (git runs server hooks in the repository).
    pub git_dir: PathBuf,
    /// The object directories of the push's quarantine.
    pub objects: crate::git::repo::ObjectDirs,
}

impl HookEnv {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> HookEnv {
        let pusher = PUSHER_VARS
            .iter()
            .find_map(|&var| get(var).filter(|v| !v.trim().is_empty()).map(|v| (v, var)));
        let count = get("GIT_PUSH_OPTION_COUNT")
            .and_then(|c| c.parse::<usize>().ok())
            .unwrap_or(0);
        let push_options = (0..count)
            .filter_map(|i| get(&format!("GIT_PUSH_OPTION_{i}")))
            .collect();
        HookEnv {
            pusher,
            gitlab: get("GL_ID").is_some_and(|v| !v.is_empty()),
            push_options,
            git_dir: get("GIT_DIR")
                .filter(|d| !d.is_empty())
                .map_or_else(|| PathBuf::from("."), PathBuf::from),
            objects: crate::git::repo::ObjectDirs::from_lookup(&get),
        }
    }

    /// The reason given with `-o aigate.bypass=REASON` (empty for a bare `aigate.bypass`).
    pub fn bypass_reason(&self) -> Option<&str> {
        self.push_options.iter().rev().find_map(|o| {
            if o == BYPASS_OPTION {
                Some("")
            } else {
                o.strip_prefix(BYPASS_OPTION)?.strip_prefix('=')
            }
        })
    }

    fn pusher_name(&self) -> Option<&str> {
        self.pusher.as_ref().map(|(p, _)| p.as_str())
    }
}

/// Which hook is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    PreReceive,
    Update,
}

impl HookKind {
    fn as_str(self) -> &'static str {
        match self {
            HookKind::PreReceive => "pre-receive",
            HookKind::Update => "update",
        }
    }
}

/// `aigate hook pre-receive`: ref updates on `input`, messages to `err`.
pub fn pre_receive(
    config: Option<&Path>,
    vars: &crate::Vars,
    input: &mut dyn Read,
    err: &mut dyn Write,
) -> Result<u8> {
    let env = HookEnv::from_lookup(|k| vars.raw(k).map(str::to_owned));
    // Read now; a failure is reported as the push's, with the fail-closed verdict.
    let read = crate::read_input(input, "hook input");
    let updates = move || receive::parse_stdin(&read?);
    receive_push(HookKind::PreReceive, config, &env, updates, err)
}

/// `aigate hook update REF OLD NEW`: one ref per run.
pub fn update(
    config: Option<&Path>,
    vars: &crate::Vars,
    refname: &str,
    old: &str,
    new: &str,
    err: &mut dyn Write,
) -> Result<u8> {
    let env = HookEnv::from_lookup(|k| vars.raw(k).map(str::to_owned));
    let updates = || Ok(vec![receive::ref_update(old, new, refname, 1)?]);
    receive_push(HookKind::Update, config, &env, updates, err)
}

/// How the check ended before the verdict.
enum Checked {
    Done(Outcome),
    /// An internal error; `on-error` decides.
    Failed(Error),
}

/// The shared driver of both hooks. Returns the exit status: 0 accept, 1 rejected by the
/// policy, 2 rejected on an internal error.
pub fn receive_push(
    kind: HookKind,
    config: Option<&Path>,
    env: &HookEnv,
    updates: impl FnOnce() -> Result<Vec<RefUpdate>>,
    err: &mut dyn Write,
) -> Result<u8> {
    let (policy, source) = match policy::locate(config, Some(&env.git_dir)) {
        Ok(found) => found,
        Err(e) => {
            // Without a policy there is no `on-error` to consult and no log: fail closed.
            let mut p = Printer::new(err, env.gitlab, true);
            p.error(&e)?;
            p.line("push rejected: the server's aigate policy cannot be read (fail closed)")?;
            return Ok(exit::ERROR);
        }
    };

    let mut refs = Vec::new();
    let checked = match updates() {
        Err(e) => Checked::Failed(e),
        Ok(u) => {
            refs = u;
            match Repo::open_in_hook(&env.objects) {
                Err(e) => Checked::Failed(e),
                Ok(repo) => match receive::check(&repo, &policy, &refs) {
                    Ok(outcome) => Checked::Done(outcome),
                    Err(e) => Checked::Failed(e),
                },
            }
        }
    };

    let repository = std::fs::canonicalize(&env.git_dir)
        .unwrap_or_else(|_| env.git_dir.clone())
        .display()
        .to_string();
    let policy_name = match &source {
        PolicySource::Flag(p) | PolicySource::GitConfig(p) => p.display().to_string(),
        PolicySource::Builtin => "builtin".to_owned(),
    };
    let on_error = policy.server.on_error;
    let empty = Outcome::default();
    let (outcome, error) = match &checked {
        Checked::Done(o) => (o, None),
        Checked::Failed(e) => (&empty, Some(crate::error::chain(e))),
    };

    let denied = outcome
        .findings
        .iter()
        .any(|f| f.severity == Severity::Deny);
    let reason = env.bypass_reason();
    let may_bypass = env
        .pusher_name()
        .is_some_and(|p| policy.server.may_bypass(p));
    let bypassed = denied && may_bypass && reason.is_some_and(|r| !r.trim().is_empty());
    let mut reject = match &error {
        Some(_) => on_error == OnError::Reject,
        None => denied && !bypassed,
    };

    let mut log_error = None;
    // Whether the push is rejected only because the log could not be written.
    let mut unlogged = false;
    if let Some(path) = &policy.server.log {
        let report_refs: Vec<receive::RefReport> = if outcome.refs.is_empty() {
            refs.iter()
                .map(|u| receive::RefReport {
                    name: u.name.clone(),
                    old: u.old.clone(),
                    new: u.new.clone(),
                    scope: policy.server.scope(&u.name),
                })
                .collect()
        } else {
            outcome.refs.clone()
        };
        let decision = log::Decision {
            time: crate::report::date_time(crate::report::now()),
            hook: kind.as_str(),
            repository: repository.clone(),
            pusher: env.pusher_name(),
            pusher_source: env.pusher.as_ref().map(|(_, s)| *s),
            policy: policy_name.clone(),
            refs: &report_refs,
            commits_checked: outcome.commits,
            tags_checked: outcome.tags,
            findings: &outcome.findings,
            verdict: if reject { "reject" } else { "accept" },
            bypass: reason.map(|reason| log::Bypass {
                reason,
                applied: bypassed,
            }),
            error: error.clone(),
        };
        if let Err(e) = log::append(path, &decision) {
            // An unlogged push (a bypass above all) must not pass silently.
            if !reject && on_error == OnError::Reject {
                reject = true;
                unlogged = true;
            }
            log_error = Some(e);
        }
    }

    let mut p = Printer::new(err, env.gitlab, reject);
    output::findings(&mut p, &policy, &outcome.findings)?;
    if let Some(e) = &log_error {
        p.error(e)?;
    }
    match (&error, reject) {
        (Some(e), true) => {
            p.line(&format!("error: {}", crate::sanitize::for_terminal(e)))?;
            p.line("push rejected: aigate could not check it (fail closed)")?;
            return Ok(exit::ERROR);
        }
        (Some(e), false) => {
            p.line(&format!("warning: {}", crate::sanitize::for_terminal(e)))?;
            p.line(
                "push accepted unchecked because the server policy says `on-error = \"allow\"`",
            )?;
            return Ok(exit::CLEAN);
        }
        (None, _) => {}
    }
    if unlogged {
        p.line("push rejected: the decision log cannot be written (fail closed)")?;
        return Ok(exit::ERROR);
    }
    output::verdict(&mut p, &policy, outcome, env, denied, bypassed, reject)?;
    Ok(if reject { exit::VIOLATION } else { exit::CLEAN })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> HookEnv {
        HookEnv::from_lookup(|k| {
            vars.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn the_pusher_comes_from_the_most_specific_variable() {
        let e = env(&[("USER", "git"), ("GL_USERNAME", "alice")]);
        assert_eq!(e.pusher, Some(("alice".to_owned(), "GL_USERNAME")));
        let e = env(&[("USER", "git"), ("REMOTE_USER", "")]);
        assert_eq!(e.pusher, Some(("git".to_owned(), "USER")));
        assert_eq!(env(&[]).pusher, None);
    }

    #[test]
    fn gitolite_names_the_pusher_in_gl_user() {
        // gitolite runs every hook as its one account (USER=git) and sets GL_USER to the
        // key's owner.
        let e = env(&[("USER", "git"), ("GL_USER", "bob")]);
        assert_eq!(e.pusher, Some(("bob".to_owned(), "GL_USER")));
        // GitLab's GL_USERNAME stays first.
        let e = env(&[("GL_USER", "bob"), ("GL_USERNAME", "alice")]);
        assert_eq!(e.pusher, Some(("alice".to_owned(), "GL_USERNAME")));
    }

    #[test]
    fn push_options_give_the_bypass_reason() {
        let e = env(&[
            ("GIT_PUSH_OPTION_COUNT", "2"),
            ("GIT_PUSH_OPTION_0", "ci.skip"),
            ("GIT_PUSH_OPTION_1", "aigate.bypass=hotfix INC-42"),
        ]);
        assert_eq!(e.bypass_reason(), Some("hotfix INC-42"));
        let e = env(&[
            ("GIT_PUSH_OPTION_COUNT", "1"),
            ("GIT_PUSH_OPTION_0", "aigate.bypass"),
        ]);
        assert_eq!(e.bypass_reason(), Some(""));
        let e = env(&[
            ("GIT_PUSH_OPTION_COUNT", "1"),
            ("GIT_PUSH_OPTION_0", "aigate.bypassx=1"),
        ]);
        assert_eq!(e.bypass_reason(), None);
    }

    #[test]
    fn gl_id_turns_on_the_gitlab_prefix() {
        assert!(env(&[("GL_ID", "user-1")]).gitlab);
        assert!(!env(&[]).gitlab);
    }
}
