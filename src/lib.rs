//! aigate finds the markers AI coding assistants leave in git (files such as `CLAUDE.md`,
//! trailers such as `Co-Authored-By: Claude <noreply@anthropic.com>`, bot identities) and
//! rejects what a repository's policy bans: in local hooks, in a server's pre-receive hook,
//! and in audits of whole histories.
//!
//! The library never prints: [`run`] writes to the streams it is given and returns the exit
//! status.

pub mod audit;
pub mod catalogue;
pub mod ci;
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

use std::io::{Read, Write};

use cli::settings::{AuditSettings, Settings};
use cli::{Format, HookName, ReportFormat};
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

/// The streams a command reads and writes: the library touches no others (but for the
/// audit's progress bar, see `audit::progress`).
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

/// The process environment, as `main` read it: the library looks variables up here, never in
/// the process itself (hooks learn from git through variables such as `GIT_EDITOR`,
/// `GIT_AUTHOR_NAME` or `GIT_PUSH_OPTION_0`).
#[derive(Debug, Clone, Default)]
pub struct Vars(std::collections::BTreeMap<String, String>);

impl Vars {
    /// From `(name, value)` pairs (the process environment in `main`, fixed ones in tests).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Vars {
        Vars(pairs.into_iter().collect())
    }

    /// The value of `name`, when set and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|v| !v.is_empty())
    }

    /// The value of `name` when set, even empty.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Every variable, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// The most a hook reads from stdin. git writes one short line per ref (this is about 400,000
/// ref updates); more is not git talking, and reading it all would let a broken caller
/// exhaust the memory.
pub const MAX_STDIN: u64 = 64 << 20;

/// All of a hook's `input`, at most [`MAX_STDIN`] bytes; `what` names it in errors.
pub fn read_input(input: impl Read, what: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    input
        .take(MAX_STDIN + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| error::Error::Read {
            path: std::path::PathBuf::from("<stdin>"),
            source,
        })?;
    if bytes.len() as u64 > MAX_STDIN {
        return Err(error::Error::input(
            what,
            format!("more than {} MiB on stdin", MAX_STDIN >> 20),
        ));
    }
    Ok(bytes)
}

/// Runs one command and returns its exit status.
pub fn run(settings: Settings, io: Io<'_>) -> Result<u8> {
    let Io { stdin, out, err } = io;
    match settings {
        Settings::Audit(s) => run_audit(s, out, err),
        Settings::Rules(args) => run_rules(args, out),
        Settings::Explain(args) => {
            let (_, policy) = local_policy(args.config.as_deref())?;
            report::explain::explain(out, &policy, &args.id)?;
            Ok(exit::CLEAN)
        }
        Settings::CheckMessage { args, vars } => run_check_message(args, &vars, stdin, out, err),
        Settings::Hook { args, vars } => match args.hook {
            // Server hooks find their repository and policy their own way (never from the
            // pushed tree), so they do not go through the local hooks' set-up.
            HookName::PreReceive { .. } => {
                server::pre_receive(args.config.as_deref(), &vars, stdin, err)
            }
            HookName::Update { refname, old, new } => {
                server::update(args.config.as_deref(), &vars, &refname, &old, &new, err)
            }
            _ => hooks::run(args, &vars, stdin, err),
        },
        Settings::InstallServer {
            repo,
            hooks_dir,
            config,
            force,
            binary,
            user,
        } => {
            server::install::install(
                &server::install::ServerInstall {
                    repo,
                    hooks_dir,
                    config,
                    force,
                    binary,
                    user,
                },
                out,
            )?;
            Ok(exit::CLEAN)
        }
        Settings::Install {
            dir,
            hooks,
            force,
            binary,
        } => {
            let repo = git::repo::Repo::open(Some(&dir))?;
            hooks::install::install(&repo, &hooks, force, binary.as_deref(), out)
        }
        Settings::Uninstall { dir, hooks } => {
            let repo = git::repo::Repo::open(Some(&dir))?;
            hooks::install::uninstall(&repo, &hooks, out)
        }
        Settings::Ci {
            args,
            vars,
            colour,
            now,
        } => ci::run(&ci::Settings::new(args, &vars, colour, now), out, err),
        Settings::ReportMerge {
            reports,
            config,
            format,
            colour,
            now,
        } => ci::merge::run(&reports, config.as_deref(), format, colour, now, out),
    }
}

/// The repository of the current directory, if any, and the policy it is under, found as
/// `audit` finds it.
fn local_policy(config: Option<&std::path::Path>) -> Result<(Option<git::repo::Repo>, Policy)> {
    let repo = git::repo::Repo::open(None).ok();
    let policy = Policy::locate(config, repo.as_ref().and_then(|r| r.work_tree()))?;
    Ok((repo, policy))
}

/// `aigate rules`: the policy in force (or a preset's), optionally for one assistant.
fn run_rules(args: cli::RulesArgs, out: &mut dyn Write) -> Result<u8> {
    let policy = match &args.preset {
        Some(name) if name == "list" => {
            for p in policy::preset::all() {
                let about =
                    Policy::parse(&p.path(), &format!("[policy]\npreset = \"{}\"\n", p.name))?
                        .about
                        .unwrap_or_default();
                writeln!(
                    out,
                    "{:14} {} ({}) {}",
                    p.name, about.title, about.summary, about.source
                )
                .map_err(error::Error::Output)?;
            }
            return Ok(exit::CLEAN);
        }
        Some(name) => {
            if policy::preset::find(name).is_none() {
                return Err(error::Error::Usage(policy::preset::unknown(name)));
            }
            Policy::parse(
                &format!("<preset {name}>"),
                &format!("[policy]\npreset = \"{name}\"\n"),
            )?
        }
        None => local_policy(args.config.as_deref())?.1,
    };
    if let Some(a) = &args.assistant {
        if policy.catalogue.assistant(a).is_none() {
            let near =
                policy::closest(a, policy.catalogue.assistants.iter().map(|x| x.id.as_str()));
            return Err(error::Error::Usage(match near {
                Some(near) => format!("unknown assistant `{a}` (did you mean `{near}`?)"),
                None => format!("unknown assistant `{a}` (`aigate rules` lists them)"),
            }));
        }
    }
    let rows = report::rules::rows_for(&policy, args.assistant.as_deref());
    match args.format {
        Format::Human => {
            report::rules::header(out, &policy)?;
            report::rules::human(out, &rows)?
        }
        Format::Json => report::rules::json(out, &rows)?,
    }
    Ok(exit::CLEAN)
}

/// `aigate check-message`: one message, judged as the commit-msg hook judges it.
fn run_check_message(
    args: cli::CheckMessageArgs,
    vars: &Vars,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8> {
    let (repo, policy) = local_policy(args.config.as_deref())?;
    let raw = match args
        .file
        .as_deref()
        .filter(|f| *f != std::path::Path::new("-"))
    {
        Some(path) => std::fs::read(path).map_err(|source| error::Error::Read {
            path: path.to_owned(),
            source,
        })?,
        None => read_input(stdin, "the message on stdin")?,
    };
    let raw = String::from_utf8_lossy(&raw);
    if !args.fix {
        let findings = hooks::commit_msg::check_text(repo.as_ref(), &policy, &raw, vars);
        return hooks::report(err, &policy, &findings, "message refused: it", &[]);
    }
    let (fixed, rewrites, findings) =
        hooks::commit_msg::fix_text(repo.as_ref(), &policy, &raw, vars);
    let file = args
        .file
        .as_deref()
        .filter(|f| *f != std::path::Path::new("-"));
    match file {
        Some(path) if !rewrites.is_empty() => {
            std::fs::write(path, &fixed).map_err(|source| error::Error::Write {
                path: path.to_owned(),
                source,
            })?
        }
        Some(_) => {}
        None => out
            .write_all(fixed.as_bytes())
            .map_err(error::Error::Output)?,
    }
    for r in &rewrites {
        writeln!(
            err,
            "aigate: rewrote `{}` as `{}`",
            sanitize::for_terminal(&r.from),
            sanitize::for_terminal(&r.to)
        )
        .map_err(error::Error::Output)?;
    }
    hooks::report(err, &policy, &findings, "message refused: it", &[])
}

/// `aigate audit`: one or several repositories, one report.
fn run_audit(s: AuditSettings, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    // Read before the audit, so that a bad baseline fails at once.
    let baseline = match &s.baseline {
        Some(path) => Some(report::baseline::Baseline::read(path)?),
        None => None,
    };
    let bar = audit::progress::Bar::new(s.progress);
    let collected = report::collect::collect(&s.scope, &bar, err)?;
    if let Some(path) = &s.write_baseline {
        let written = report::baseline::Baseline::from_findings(collected.findings());
        written.write(path)?;
        writeln!(
            err,
            "aigate: wrote baseline `{}`: {} finding{} in {} commit{}; pass it to `--baseline` to report only new findings",
            sanitize::for_terminal(&path.display().to_string()),
            written.findings.len(),
            report::plural(written.findings.len()),
            written.commits(),
            report::plural(written.commits()),
        )
        .map_err(error::Error::Output)?;
    }
    let failed = collected.failed();
    let (report, catalogue) = collected.into_report(&s.scope, baseline.as_ref());
    match s.format {
        ReportFormat::Human => {
            report::human::write(out, &report, &catalogue, s.colour, s.summary_only)?
        }
        ReportFormat::Json => report::json(out, &report, s.summary_only)?,
        ReportFormat::Sarif => report::sarif::write(out, &report, &catalogue)?,
        ReportFormat::Markdown => report::markdown::write(out, &report, s.summary_only)?,
    }
    Ok(if failed {
        exit::ERROR
    } else if s.write_baseline.is_some() {
        exit::CLEAN
    } else {
        verdict(&report.findings)
    })
}

/// 1 when any finding is denied, else 0.
pub fn verdict(findings: &[engine::finding::Finding]) -> u8 {
    if findings.iter().any(|f| f.severity == Severity::Deny) {
        exit::VIOLATION
    } else {
        exit::CLEAN
    }
}
