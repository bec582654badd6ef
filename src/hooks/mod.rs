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
use crate::error::{Error, Result};
use crate::git::repo::Repo;
use crate::policy::{Policy, Severity};
use crate::sanitize::for_terminal;

/// Runs one hook mode on git's input for it (`stdin`: the pushed refs of pre-push) and
/// returns its exit status.
pub fn run(
    args: HookArgs,
    vars: &crate::Vars,
    stdin: &mut dyn std::io::Read,
    err: &mut dyn Write,
) -> Result<u8> {
    let repo = Repo::open_in_hook(&crate::git::repo::ObjectDirs::from_lookup(|k| {
        vars.get(k).map(str::to_owned)
    }))?;
    // A hook's process ends after this call: the policy (the catalogue and the compiled
    // rules, hundreds of allocations) is left to the process's end rather than freed piece
    // by piece, which took a tenth of a 5,000-entry pre-commit (12 to 14 % in alternating
    // runs).
    let policy =
        std::mem::ManuallyDrop::new(Policy::locate(args.config.as_deref(), repo.work_tree())?);
    match args.hook {
        HookName::PreCommit { .. } => {
            let mut findings = pre_commit::check(&repo, &policy, vars)?;
            findings.extend(session::environment_findings(
                &policy,
                vars,
                Stage::PreCommit,
            ));
            let header = pre_commit::header(&findings, "commit");
            report(err, &policy, &findings, &header, &[])
        }
        HookName::PreMergeCommit { .. } => {
            let mut findings = pre_commit::check(&repo, &policy, vars)?;
            findings.extend(session::environment_findings(
                &policy,
                vars,
                Stage::PreCommit,
            ));
            let header = pre_commit::header(&findings, "merge");
            report(err, &policy, &findings, &header, &[])
        }
        HookName::CommitMsg { file, .. } => {
            let (findings, rewrites) = commit_msg::check(&repo, &policy, &file, vars)?;
            say_rewrites(err, &rewrites)?;
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
            // The session is judged with the message where the message is final (the check
            // reads it), else without one, as at pre-commit.
            let findings = if commit_msg::editor_follows(vars) || commit_msg::rewriting(&repo) {
                session::environment_findings(&policy, vars, Stage::CommitMsg)
            } else {
                let (findings, rewrites) = commit_msg::check(&repo, &policy, &file, vars)?;
                say_rewrites(err, &rewrites)?;
                findings
            };
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
            let input =
                pre_push::Input::gather(remote, url, vars, &mut std::io::BufReader::new(stdin))?;
            let mut outcome = pre_push::check(&repo, &policy, &input)?;
            outcome
                .findings
                .extend(pre_push::ref_findings(&policy, &input));
            outcome
                .findings
                .extend(session::environment_findings(&policy, vars, Stage::Push));
            let footer = pre_push::footer(&outcome.findings);
            report(err, &policy, &outcome.findings, &outcome.header(), &footer)
        }
        // `lib::run` sends these to the server module before any local set-up.
        HookName::PreReceive { .. } | HookName::Update { .. } => {
            Err(Error::Usage("server hooks are not local hooks".to_owned()))
        }
    }
}

/// Tells what the disclosure fix rewrote in the message.
fn say_rewrites(
    err: &mut dyn Write,
    rewrites: &[crate::engine::disclosure::Rewrite],
) -> Result<()> {
    for r in rewrites {
        writeln!(
            err,
            "aigate: rewrote `{}` as `{}` (the policy allows the assistant when disclosed, not as co-author)",
            for_terminal(&r.from),
            for_terminal(&r.to)
        )
        .map_err(Error::Output)?;
    }
    Ok(())
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
    for group in crate::report::lines::groups(ordered) {
        writeln!(err)?;
        crate::report::lines::write_group(
            err,
            &group,
            &policy.catalogue,
            "  ",
            crate::report::lines::Style::PLAIN,
        )?;
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

/// A path for a message: sanitised, in backticks.
pub(crate) fn shown(path: &Path) -> String {
    format!("`{}`", for_terminal(&path.display().to_string()))
}
