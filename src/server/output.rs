//! What the pusher sees: everything a server hook prints reaches them as `remote: ...` lines.
//! Each finding (short commit id, subject, assistant, rule, path or line), then how to fix
//! it. Text from the pusher (subjects, paths, ref names, reasons) is sanitised first. With
//! `GL_ID` set, the lines of a rejection carry `GL-HOOK-ERR: ` so that GitLab shows them.

use std::io::Write;

use crate::engine::finding::Finding;
use crate::error::{Error, Result};
use crate::policy::{Policy, Severity};
use crate::sanitize::for_terminal;
use crate::server::receive::Outcome;
use crate::server::HookEnv;

/// Writes prefixed lines to the hook's stderr.
pub struct Printer<'a> {
    err: &'a mut dyn Write,
    prefix: &'static str,
}

impl<'a> Printer<'a> {
    pub fn new(err: &'a mut dyn Write, gitlab: bool, reject: bool) -> Printer<'a> {
        Printer {
            err,
            prefix: if gitlab && reject {
                "GL-HOOK-ERR: aigate: "
            } else {
                "aigate: "
            },
        }
    }

    /// One line; `text` must already be sanitised.
    pub fn line(&mut self, text: &str) -> Result<()> {
        let line = format!("{}{}\n", self.prefix, text);
        self.err.write_all(line.as_bytes()).map_err(Error::Output)
    }

    pub fn error(&mut self, e: &Error) -> Result<()> {
        let text = crate::error::chain(e);
        for (i, l) in text.lines().enumerate() {
            let l = for_terminal(l);
            self.line(&if i == 0 {
                format!("error: {l}")
            } else {
                format!("  {l}")
            })?;
        }
        Ok(())
    }
}

/// The findings, grouped by commit (or tag) in the order they were found, worded as
/// everywhere else (`report::lines`).
pub fn findings(p: &mut Printer<'_>, policy: &Policy, findings: &[Finding]) -> Result<()> {
    let mut text = Vec::new();
    crate::report::lines::write_all(
        &mut text,
        findings,
        &policy.catalogue,
        "",
        crate::report::lines::Style::PLAIN,
    )
    .map_err(Error::Output)?;
    for line in String::from_utf8_lossy(&text).lines() {
        p.line(line)?;
    }
    Ok(())
}

/// The closing lines: why the push was rejected or let through, and how to fix it.
pub fn verdict(
    p: &mut Printer<'_>,
    policy: &Policy,
    outcome: &Outcome,
    env: &HookEnv,
    denied: bool,
    bypassed: bool,
    reject: bool,
) -> Result<()> {
    let denied_commits = {
        let mut c: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Deny)
            .map(|f| f.commit.as_str())
            .collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    let pusher = env
        .pusher
        .as_ref()
        .map(|(name, var)| format!("`{}` (from {var})", for_terminal(name)));
    if let Some(reason) = env.bypass_reason() {
        let reason = for_terminal(reason);
        if bypassed {
            p.line(&format!(
                "BYPASS: push accepted despite {denied_commits} denied commit(s): pusher {}, reason \"{reason}\"; this is logged and reported",
                pusher.as_deref().unwrap_or("unknown")
            ))?;
            return Ok(());
        }
        if denied {
            let why = if reason.trim().is_empty() {
                "a bypass needs a reason: `git push -o aigate.bypass=\"why\"`".to_owned()
            } else {
                match &pusher {
                    Some(who) => format!("pusher {who} may not bypass (not in the server policy's `[server.bypass] pushers`)"),
                    None => "no pusher identity is known, so no bypass is possible".to_owned(),
                }
            };
            p.line(&format!("bypass refused: {why}"))?;
        }
    }
    if reject {
        p.line(&format!(
            "push rejected: {denied_commits} commit(s) carry markers of AI assistants the server's policy denies"
        ))?;
        p.line("to fix: rewrite those commits, then push again:")?;
        p.line("  `git commit --amend` rewrites the last commit (message, or `--reset-author`)")?;
        p.line("  `git rebase -i --rebase-merges <commit>^` (`--root` for a root commit) rewords or edits older ones; each finding's hint says how")?;
        p.line("  `git rm -r -- <path>` then `git commit --amend --no-edit` removes a marker file from the commit that added it")?;
        let may = env
            .pusher
            .as_ref()
            .is_some_and(|(name, _)| policy.server.may_bypass(name));
        if may && env.bypass_reason().is_none() {
            p.line("you may bypass this check: `git push -o aigate.bypass=\"reason\"` (logged)")?;
        }
    } else if !outcome.findings.is_empty() {
        p.line("push accepted: the findings above are warnings")?;
    }
    Ok(())
}
