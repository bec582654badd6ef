//! `aigate hook <name>`: the local git hooks. Each mode reads git's own input for that hook
//! (the index, the message file, the pushed refs on stdin), builds findings with the shared
//! matcher, and reports them on stderr with how to fix them. Exit 1 refuses the commit or
//! push; warnings alone exit 0.
//!
//! Every mode opens the repository with `Repository::open_from_env()`, so `GIT_DIR`,
//! `GIT_INDEX_FILE` (the temporary index of `git commit -a` and `git commit -- <paths>`) and
//! linked worktrees are honoured.

pub mod commit_msg;
pub mod install;
pub mod pre_commit;
pub mod pre_push;
pub mod session;

use std::io::Write;
use std::path::Path;

use crate::cli::{HookArgs, HookName};
use crate::engine::finding::{Finding, Stage};
use crate::engine::matcher::Environment;
use crate::error::{Error, Result};
use crate::git::repo::Repo;
use crate::policy::{Policy, Severity};
use crate::sanitize::for_terminal;

/// Runs one hook mode and returns its exit status.
pub fn run(args: HookArgs, err: &mut dyn Write) -> Result<u8> {
    // The one read of the environment: every check below is handed this copy.
    let env = capture_environment();
    let repo = Repo::open(None)?;
    let policy = Policy::locate(args.config.as_deref(), repo.work_tree())?;
    match args.hook {
        HookName::PreCommit { .. } => {
            let mut findings = pre_commit::check(&repo, &policy)?;
            findings.extend(session::environment_findings(
                &policy,
                &env,
                Stage::PreCommit,
            ));
            let header = pre_commit::header(&findings, "commit");
            report(err, &policy, &findings, &header, &[])
        }
        HookName::PreMergeCommit { .. } => {
            let mut findings = pre_commit::check(&repo, &policy)?;
            findings.extend(session::environment_findings(
                &policy,
                &env,
                Stage::PreCommit,
            ));
            let header = pre_commit::header(&findings, "merge");
            report(err, &policy, &findings, &header, &[])
        }
        HookName::CommitMsg { file, .. } => {
            let mut findings = commit_msg::check(&repo, &policy, &file, &env)?;
            findings.extend(session::environment_findings(
                &policy,
                &env,
                Stage::CommitMsg,
            ));
            let footer = commit_msg::footer(&file, &findings);
            report(
                err,
                &policy,
                &findings,
                &commit_msg::header(&findings),
                &footer,
            )
        }
        HookName::PrepareCommitMsg { file, .. } => {
            // When an editor opens next, the message is a draft the user may still fix there,
            // and commit-msg checks the result; without one (`-m`, `-F`, `-C`, an agent's
            // commit) this is the final message, and the one check `--no-verify` leaves.
            // A rebase recreates existing commits (each pick comes here with its old message,
            // and the `reword` that removes a marker picks first): pre-push and the server
            // check what it produces.
            let mut findings = if commit_msg::editor_follows(&env) || commit_msg::rewriting(&repo) {
                Vec::new()
            } else {
                commit_msg::check(&repo, &policy, &file, &env)?
            };
            findings.extend(session::environment_findings(
                &policy,
                &env,
                Stage::CommitMsg,
            ));
            let footer = commit_msg::footer(&file, &findings);
            report(
                err,
                &policy,
                &findings,
                &commit_msg::header(&findings),
                &footer,
            )
        }
        HookName::PrePush { remote, url, .. } => {
            let input = pre_push::Input::gather(remote, url, &env, &mut std::io::stdin().lock())?;
            let mut outcome = pre_push::check(&repo, &policy, &input)?;
            outcome
                .findings
                .extend(pre_push::ref_findings(&policy, &input));
            outcome
                .findings
                .extend(session::environment_findings(&policy, &env, Stage::Push));
            let footer = pre_push::footer(&outcome.findings);
            report(err, &policy, &outcome.findings, &outcome.header(), &footer)
        }
        // `lib::run` sends these to the server module before any local set-up.
        HookName::PreReceive { .. } | HookName::Update { .. } => {
            Err(Error::Usage("server hooks are not local hooks".to_owned()))
        }
    }
}

/// The process environment (names and values that are not UTF-8 are read lossily).
fn capture_environment() -> Environment {
    Environment::from_pairs(std::env::vars_os().map(|(k, v)| {
        (
            k.to_string_lossy().into_owned(),
            v.to_string_lossy().into_owned(),
        )
    }))
}

/// Prints the findings (denied ones first) and returns the exit status: 1 when any is denied.
///
/// `subject` completes "aigate: <subject> carries markers ..."; findings that belong to a
/// commit or tag are grouped under it.
pub(crate) fn report(
    err: &mut dyn Write,
    policy: &Policy,
    findings: &[Finding],
    subject: &str,
    footer: &[String],
) -> Result<u8> {
    if findings.is_empty() {
        return Ok(crate::exit::CLEAN);
    }
    let denied = findings.iter().any(|f| f.severity == Severity::Deny);
    write_report(err, policy, findings, subject, footer, denied).map_err(Error::Output)?;
    Ok(crate::verdict(findings))
}

fn write_report(
    err: &mut dyn Write,
    policy: &Policy,
    findings: &[Finding],
    subject: &str,
    footer: &[String],
    denied: bool,
) -> std::io::Result<()> {
    let verdict = if denied {
        "the policy denies"
    } else {
        "the policy warns about (not refused)"
    };
    let label = if denied { "error" } else { "warning" };
    let subject = if denied {
        subject.to_owned()
    } else {
        subject.replacen(" refused", "", 1)
    };
    writeln!(
        err,
        "aigate: {label}: {subject} carries markers of AI coding assistants {verdict}:"
    )?;
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    // Stable: keeps commit order, denied findings before warnings within the whole list.
    ordered.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut last_object: Option<String> = None;
    for f in ordered {
        let object = object_of(f);
        if object != last_object {
            if let Some(o) = &object {
                writeln!(err)?;
                writeln!(err, "  {o}")?;
            } else {
                writeln!(err)?;
            }
            last_object = object.clone();
        }
        let indent = if object.is_some() { "    " } else { "  " };
        let name = policy
            .catalogue
            .assistant(&f.assistant)
            .map_or(f.assistant.as_str(), |a| a.name.as_str());
        writeln!(
            err,
            "{indent}{}: {} - {name} ({}) [{}]",
            f.severity.as_str(),
            f.what(),
            f.assistant,
            f.rule
        )?;
        // The hint quotes the path, which the committer chose.
        writeln!(err, "{indent}  fix: {}", for_terminal(&f.hint))?;
    }
    writeln!(err)?;
    for line in footer {
        writeln!(err, "{line}")?;
    }
    let source = match &policy.source {
        Some(p) => format!("`{}`", for_terminal(&p.display().to_string())),
        None => "the built-in default (every known assistant denied)".to_owned(),
    };
    writeln!(
        err,
        "policy: {source}; `aigate rules` lists the rules, a `.aigate.toml` can allow or exempt"
    )
}

/// `commit 1a2b3c4d5e6f <subject>` or `tag <name>` for pushed findings; nothing for staged ones.
fn object_of(f: &Finding) -> Option<String> {
    if let Some(tag) = &f.tag {
        return Some(format!("tag {}", for_terminal(tag)));
    }
    if f.commit.is_empty() {
        return None;
    }
    Some(format!(
        "commit {} {}",
        &f.commit[..f.commit.len().min(12)],
        for_terminal(&f.subject)
    ))
}

/// Seconds since the epoch, for findings about a commit not yet made.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A path for a message: sanitised, in backticks.
pub(crate) fn shown(path: &Path) -> String {
    format!("`{}`", for_terminal(&path.display().to_string()))
}
