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
pub mod engine;
pub mod error;
#[doc(hidden)]
pub mod fuzz_checks;
pub mod git;
pub mod hooks;
pub mod policy;
pub mod report;
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

/// The stack every thread of aigate runs on. Trees are walked recursively, one frame per
/// directory level, and a hostile tree may nest [`git::paths::MAX_DEPTH`] levels: the default
/// 2 MiB of a spawned thread (8 MiB of the main one) is not enough for that. The space is
/// reserved, not used, until a deep tree needs it.
pub const STACK_SIZE: usize = 256 << 20;

/// A thread builder with [`STACK_SIZE`].
pub fn big_stack() -> std::thread::Builder {
    std::thread::Builder::new().stack_size(STACK_SIZE)
}

/// Runs one command and returns its exit status.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    match cli.command {
        Command::Audit(args) => run_audit(args, out, err),
        Command::Rules(args) => {
            let policy = match &args.config {
                Some(path) => Policy::from_file(path)?,
                None => Policy::builtin()?,
            };
            let rows = report::rules::rows(&policy);
            match args.format {
                Format::Human => report::rules::human(out, &rows)?,
                Format::Json => report::rules::json(out, &rows)?,
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
                    user: args.user,
                },
                out,
            )?;
            Ok(exit::CLEAN)
        }
        Command::Install(args) => {
            let repo = git::repo::Repo::open(Some(
                args.dir.as_deref().unwrap_or(std::path::Path::new(".")),
            ))?;
            hooks::install::install(&repo, &args.hooks, args.force, out)
        }
        Command::Uninstall(args) => {
            let repo = git::repo::Repo::open(Some(
                args.dir.as_deref().unwrap_or(std::path::Path::new(".")),
            ))?;
            hooks::install::uninstall(&repo, &args.hooks, out)
        }
    }
}

/// `aigate audit`: one or several repositories, one report.
fn run_audit(args: cli::AuditArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let date = |d: &Option<String>, end: bool| -> Result<Option<i64>> {
        d.as_deref()
            .map(|d| cli::dates::parse(d, end).map_err(error::Error::Usage))
            .transpose()
    };
    let opts = audit::AuditOptions {
        revisions: args.revisions,
        refs: git::repo::RefSelection {
            branches: args.branches,
            tags: args.tags,
        },
        path_method: match args.path_method {
            cli::PathMethodArg::Index => audit::PathMethod::Index,
            cli::PathMethodArg::Diff => audit::PathMethod::Diff,
        },
        since: date(&args.since, false)?,
        until: date(&args.until, true)?,
        max_count: args.max_count,
        kinds: audit::Kinds {
            paths: !args.no_paths,
            messages: !args.no_messages,
            identities: !args.no_identities,
        },
        threads: args.threads,
        last_in_process: false,
    };
    let mut dirs = args.dirs;
    if let Some(list) = &args.repos_from {
        dirs.extend(read_repo_list(list)?);
    }
    if dirs.is_empty() {
        dirs.push(std::path::PathBuf::from("."));
    }
    let several = dirs.len() > 1;
    let baseline = match &args.baseline {
        Some(path) => Some(report::baseline::Baseline::read(path)?),
        None => None,
    };
    let bar = audit::progress::Bar::new(!args.no_progress);

    let mut findings = Vec::new();
    let mut commits = 0;
    let mut failed = false;
    let mut catalogue = None;
    for (i, dir) in dirs.iter().enumerate() {
        let opts = audit::AuditOptions {
            last_in_process: i + 1 == dirs.len(),
            ..opts.clone()
        };
        let one = || -> Result<(audit::AuditOutcome, Policy)> {
            let repo = git::repo::Repo::open(Some(dir))?;
            let policy = Policy::locate(args.config.as_deref(), repo.work_tree())?;
            let outcome = audit::audit_with_progress(&repo, &policy, &opts, &bar)?;
            Ok((outcome, policy))
        };
        match one() {
            Ok((outcome, policy)) => {
                commits += outcome.commits;
                for mut f in outcome.findings {
                    if several {
                        f.repository = Some(outcome.repository.clone());
                    }
                    findings.push(f);
                }
                catalogue.get_or_insert(policy.catalogue);
            }
            // With several repositories, one that cannot be audited is reported and the
            // others still are; the exit status says an error happened.
            Err(e) if several => {
                bar.clear();
                writeln!(
                    err,
                    "aigate: error: {}: {}",
                    dir.display(),
                    error::chain(&e)
                )
                .map_err(error::Error::Output)?;
                failed = true;
            }
            Err(e) => return Err(e),
        }
    }
    bar.clear();
    let catalogue = match catalogue {
        Some(c) => c,
        None => catalogue::Catalogue::builtin()?,
    };
    if let Some(path) = &args.write_baseline {
        report::baseline::Baseline::from_findings(&findings).write(path)?;
    }
    let known = baseline
        .as_ref()
        .map_or(0, |b| b.remove_known(&mut findings));
    let mut summary = report::Summary::new(&findings, &catalogue, commits, dirs.len());
    summary.baselined = known;
    match args.format {
        cli::ReportFormat::Human => report::human(out, &findings, &summary, colour(args.color))?,
        cli::ReportFormat::Json => report::json(out, &findings, &summary)?,
        cli::ReportFormat::Sarif => report::sarif::write(out, &findings, &catalogue)?,
        cli::ReportFormat::Markdown => report::markdown(out, &findings, &summary)?,
    }
    Ok(if failed {
        exit::ERROR
    } else if args.write_baseline.is_some() {
        exit::CLEAN
    } else {
        verdict(&findings)
    })
}

/// The repositories listed in a `--repos-from` file.
fn read_repo_list(path: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let text = std::fs::read_to_string(path).map_err(|source| error::Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let base = path.parent().unwrap_or(std::path::Path::new("."));
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| base.join(l))
        .collect())
}

/// Colour for the human report: `auto` means stdout is a terminal and `NO_COLOR` is unset
/// or empty (<https://no-color.org>).
fn colour(choice: cli::Color) -> bool {
    use std::io::IsTerminal;
    match choice {
        cli::Color::Always => true,
        cli::Color::Never => false,
        cli::Color::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            !no_color && std::io::stdout().is_terminal()
        }
    }
}

/// 1 when any finding is denied, else 0.
pub fn verdict(findings: &[engine::finding::Finding]) -> u8 {
    if findings.iter().any(|f| f.severity == Severity::Deny) {
        exit::VIOLATION
    } else {
        exit::CLEAN
    }
}
