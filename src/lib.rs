//! aigate finds the markers AI coding assistants leave in git (files such as `CLAUDE.md`,
//! trailers such as `Co-Authored-By: Claude <noreply@anthropic.com>`, bot identities) and
//! rejects what a repository's policy bans: in local hooks, in a server's pre-receive hook,
//! and in audits of whole histories.
//!
//! The library never prints: [`run`] writes to the streams it is given and returns the exit
//! status.

pub mod audit;
pub mod catalogue;
pub mod cli;
pub mod error;
pub mod finding;
#[doc(hidden)]
pub mod fuzz_checks;
pub mod hooks;
pub mod install;
pub mod local_git;
pub mod matcher;
pub mod normalize;
pub mod paths;
pub mod policy;
pub mod repo;
pub mod report;
pub mod rules_cmd;
pub mod sanitize;
pub mod server;

use std::io::Write;

use cli::{Cli, Command, Format, HookName};
use error::Result;
use policy::{Policy, Severity};

/// Exit statuses, as documented in the README.
pub mod exit {
    /// Nothing denied was found (warnings may have been printed).
    pub const CLEAN: u8 = 0;
    /// Something the policy denies was found: the commit, push or audit fails.
    pub const VIOLATION: u8 = 1;
    /// Usage, policy, repository or internal error: no verdict was reached.
    pub const ERROR: u8 = 2;
}

/// Runs one command and returns its exit status.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    match cli.command {
        Command::Audit(args) => {
            let repo = repo::Repo::open(Some(
                args.dir.as_deref().unwrap_or(std::path::Path::new(".")),
            ))?;
            let policy = Policy::locate(args.config.as_deref(), repo.work_tree())?;
            let opts = audit::AuditOptions {
                revisions: args.revisions,
                path_method: match args.path_method {
                    cli::PathMethodArg::Index => audit::PathMethod::Index,
                    cli::PathMethodArg::Diff => audit::PathMethod::Diff,
                },
            };
            let outcome = audit::audit(&repo, &policy, &opts)?;
            let summary =
                report::Summary::new(&outcome.findings, &policy.catalogue, outcome.commits, 1);
            match args.format {
                Format::Human => report::human(out, &outcome.findings, &summary)?,
                Format::Json => report::json(out, &outcome.findings, &summary)?,
            }
            Ok(verdict(&outcome.findings))
        }
        Command::Rules(args) => {
            let policy = match &args.config {
                Some(path) => Policy::from_file(path)?,
                None => Policy::builtin()?,
            };
            let rows = rules_cmd::rows(&policy);
            match args.format {
                Format::Human => rules_cmd::human(out, &rows)?,
                Format::Json => rules_cmd::json(out, &rows)?,
            }
            Ok(exit::CLEAN)
        }
        Command::Hook(args) => match args.hook {
            // Server hooks find their repository and policy their own way (never from the
            // pushed tree), so they do not go through the local hooks' set-up.
            HookName::PreReceive { .. } => {
                server::pre_receive(args.config.as_deref(), &mut std::io::stdin().lock(), err)
            }
            HookName::Update { refname, old, new } => {
                server::update(args.config.as_deref(), &refname, &old, &new, err)
            }
            _ => hooks::run(args, err),
        },
        Command::Install(args) if args.server => {
            let binary = std::env::current_exe().map_err(|source| error::Error::Read {
                path: std::path::PathBuf::from("<current executable>"),
                source,
            })?;
            server::install::install(
                &server::install::ServerInstall {
                    repo: args.dir,
                    hooks_dir: args.hooks_dir,
                    config: args.config,
                    force: args.force,
                    binary,
                },
                out,
            )?;
            Ok(exit::CLEAN)
        }
        Command::Install(args) => {
            let repo = repo::Repo::open(Some(
                args.dir.as_deref().unwrap_or(std::path::Path::new(".")),
            ))?;
            install::install(&repo, &args.hooks, args.force, out)
        }
        Command::Uninstall(args) => {
            let repo = repo::Repo::open(Some(
                args.dir.as_deref().unwrap_or(std::path::Path::new(".")),
            ))?;
            install::uninstall(&repo, &args.hooks, out)
        }
    }
}

/// 1 when any finding is denied, else 0.
pub fn verdict(findings: &[finding::Finding]) -> u8 {
    if findings.iter().any(|f| f.severity == Severity::Deny) {
        exit::VIOLATION
    } else {
        exit::CLEAN
    }
}
