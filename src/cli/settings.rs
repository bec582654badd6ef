//! The second parse: clap's structs plus what `main` gathers from the process (the
//! environment, the terminal, the clock) become the settings the library runs on. The
//! library reads neither the process environment nor the terminal for these itself.

use std::path::{Path, PathBuf};

use crate::audit::{AuditOptions, Kinds, PathMethod};
use crate::cli::{
    AuditArgs, CheckMessageArgs, CiArgs, Cli, Color, Command, ExplainArgs, HookArgs, HookName,
    PathMethodArg, ReportCommand, ReportFormat, RulesArgs, Shard,
};
use crate::error::{Error, Result};
use crate::git::repo::RefSelection;
use crate::report::collect::Scope;

/// What `main` reads from the process for the settings.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `NO_COLOR` is set and not empty (<https://no-color.org>).
    pub no_color: bool,
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
    /// This binary, for the server hook `install --server` writes.
    pub current_exe: Option<PathBuf>,
    /// The process environment, for the hooks (and `AIGATE_CONFIG`).
    pub vars: crate::Vars,
    /// Now, seconds since the epoch (`SOURCE_DATE_EPOCH` when set, for reproducible reports).
    pub now: i64,
}

/// One command, ready to run.
// Built once per process: the size of the audit variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Settings {
    Audit(AuditSettings),
    /// `rules`: `config` is `--config`, else `AIGATE_CONFIG` (a preset, when named, wins).
    Rules(RulesArgs),
    /// `explain`: `config` is `--config`, else `AIGATE_CONFIG`.
    Explain(ExplainArgs),
    /// `check-message`: `config` is `--config`, else `AIGATE_CONFIG`; the message is judged
    /// as the commit-msg hook judges it, with the same variables.
    CheckMessage {
        args: CheckMessageArgs,
        vars: crate::Vars,
    },
    /// Hooks read git's input for their mode (the environment git sets for them among it);
    /// their clap arguments are their settings.
    Hook {
        args: HookArgs,
        vars: crate::Vars,
    },
    /// `install --server`: the hook goes into `hooks_dir` (default: the repository's), and
    /// runs `binary` with the policy `config`.
    InstallServer {
        repo: Option<PathBuf>,
        hooks_dir: Option<PathBuf>,
        config: Option<PathBuf>,
        force: bool,
        binary: PathBuf,
        /// The account the server runs hooks as (default: the repository's owner).
        user: Option<String>,
    },
    /// `install`: the scripts record `binary` for when `aigate` is not on PATH.
    Install {
        dir: PathBuf,
        hooks: Vec<String>,
        force: bool,
        binary: Option<PathBuf>,
    },
    Uninstall {
        dir: PathBuf,
        hooks: Vec<String>,
    },
    /// `aigate ci`: its arguments (the policy resolved), and the environment, of which the
    /// ci module keeps the CI variables alone.
    Ci {
        args: CiArgs,
        vars: crate::Vars,
        colour: bool,
        now: i64,
    },
    /// `aigate report merge`: JSON reports combined into one.
    ReportMerge {
        reports: Vec<PathBuf>,
        config: Option<PathBuf>,
        format: ReportFormat,
        colour: bool,
        now: i64,
    },
}

/// `aigate audit`.
#[derive(Debug)]
pub struct AuditSettings {
    pub scope: Scope,
    pub format: ReportFormat,
    /// ANSI colour in the human report.
    pub colour: bool,
    /// The progress bar on stderr.
    pub progress: bool,
    /// `--summary`: the summary alone.
    pub summary_only: bool,
    pub baseline: Option<PathBuf>,
    pub write_baseline: Option<PathBuf>,
}

impl Settings {
    /// Whether the command may walk trees of arbitrary depth (a history, a push), and so
    /// must run on a thread with [`crate::STACK_SIZE`] of stack. The hooks of `git commit`
    /// read the index, messages and at most the trees along staged paths; they run on the
    /// main thread, sparing the developer the start of another (a tenth of the hook's time
    /// on an index of 5,000 entries).
    pub fn walks_trees(&self) -> bool {
        match self {
            Settings::Hook { args, .. } => !matches!(
                args.hook,
                HookName::PreCommit { .. }
                    | HookName::PreMergeCommit { .. }
                    | HookName::CommitMsg { .. }
                    | HookName::PrepareCommitMsg { .. }
            ),
            Settings::Rules(_) | Settings::Explain(_) | Settings::CheckMessage { .. } => false,
            _ => true,
        }
    }

    pub fn from_cli(cli: Cli, env: &Environment) -> Result<Settings> {
        Ok(match cli.command {
            Command::Audit(args) => Settings::Audit(audit(args, env)?),
            Command::Rules(mut args) => {
                if args.preset.is_none() {
                    args.config = args.config.or_else(|| config_from(env));
                }
                Settings::Rules(args)
            }
            Command::Explain(mut args) => {
                args.config = args.config.or_else(|| config_from(env));
                Settings::Explain(args)
            }
            Command::CheckMessage(mut args) => {
                args.config = args.config.or_else(|| config_from(env));
                Settings::CheckMessage {
                    args,
                    vars: env.vars.clone(),
                }
            }
            Command::Hook(mut args) => {
                // Local hooks honour `AIGATE_CONFIG`; server hooks take their policy from the
                // server's git config only.
                let server = matches!(
                    args.hook,
                    HookName::PreReceive { .. } | HookName::Update { .. }
                );
                if !server {
                    args.config = args.config.or_else(|| config_from(env));
                }
                Settings::Hook {
                    args,
                    vars: env.vars.clone(),
                }
            }
            Command::Install(args) if args.server => {
                let binary = env.current_exe.clone().ok_or_else(|| {
                    Error::Usage("cannot find the path of the aigate binary".to_owned())
                })?;
                Settings::InstallServer {
                    repo: args.dir,
                    hooks_dir: args.hooks_dir,
                    config: args.config,
                    force: args.force,
                    binary,
                    user: args.user,
                }
            }
            Command::Install(args) => Settings::Install {
                dir: args.dir.unwrap_or_else(|| PathBuf::from(".")),
                hooks: args.hooks,
                force: args.force,
                binary: env.current_exe.clone(),
            },
            Command::Uninstall(args) => Settings::Uninstall {
                dir: args.dir.unwrap_or_else(|| PathBuf::from(".")),
                hooks: args.hooks,
            },
            Command::Ci(mut args) => {
                args.config = args.config.or_else(|| config_from(env));
                Settings::Ci {
                    colour: colour(args.color, env),
                    args,
                    vars: env.vars.clone(),
                    now: env.now,
                }
            }
            Command::Report(args) => match args.command {
                ReportCommand::Merge(m) => Settings::ReportMerge {
                    reports: m.reports,
                    config: m.config,
                    format: m.format,
                    colour: colour(m.color, env),
                    now: env.now,
                },
            },
        })
    }
}

fn audit(args: AuditArgs, env: &Environment) -> Result<AuditSettings> {
    if args.summary && args.format == ReportFormat::Sarif {
        return Err(Error::Usage(
            "`--summary` has no SARIF form: use it with `--format human`, `json` or `markdown`"
                .to_owned(),
        ));
    }
    let date = |d: &Option<String>, end: bool| -> Result<Option<i64>> {
        d.as_deref()
            .map(|d| crate::cli::dates::parse(d, end).map_err(Error::Usage))
            .transpose()
    };
    let refs = RefSelection {
        branches: args.branches,
        tags: args.tags,
    };
    let described = if !args.revisions.is_empty() {
        args.revisions.clone()
    } else if refs.is_empty() {
        vec!["--all".to_owned()]
    } else {
        let mut r = Vec::new();
        if let Some(b) = &refs.branches {
            r.push(format!("--branches={b}"));
        }
        if let Some(t) = &refs.tags {
            r.push(format!("--tags={t}"));
        }
        r
    };
    let options = AuditOptions {
        revisions: args.revisions,
        refs,
        path_method: match args.path_method {
            PathMethodArg::Index => PathMethod::Index,
            PathMethodArg::Diff => PathMethod::Diff,
        },
        since: date(&args.since, false)?,
        until: date(&args.until, true)?,
        max_count: args.max_count,
        kinds: Kinds {
            paths: !args.no_paths,
            messages: !args.no_messages,
            identities: !args.no_identities,
        },
        threads: args.threads,
        last_in_process: false,
    };
    let mut dirs = args.dirs;
    let config = args.config.or_else(|| config_from(env));
    if let Some(list) = &args.repos_from {
        dirs.extend(read_repo_list(list, args.shard)?);
    } else if dirs.is_empty() {
        // (A list, or its shard, may hold no repository: then none is audited.)
        dirs.push(PathBuf::from("."));
    }
    // A list's findings name their repository even when the list (or its shard) holds one,
    // so that `aigate report merge` keeps repositories apart.
    let several = dirs.len() > 1 || args.repos_from.is_some();
    let jobs = usize::from(args.jobs);
    Ok(AuditSettings {
        scope: Scope {
            dirs,
            config,
            options,
            refs: described,
            require_complete: args.require_complete,
            now: env.now,
            several,
            jobs,
        },
        format: args.format,
        colour: colour(args.color, env),
        // The progress bar is for a person watching: never in a pipe, a log or CI; and
        // several audits at once would fight over one bar.
        progress: !args.no_progress && env.stderr_is_terminal && jobs == 1,
        summary_only: args.summary,
        baseline: args.baseline,
        write_baseline: args.write_baseline,
    })
}

/// `AIGATE_CONFIG`, the policy file when `--config` does not name one.
fn config_from(env: &Environment) -> Option<PathBuf> {
    env.vars.get("AIGATE_CONFIG").map(PathBuf::from)
}

/// Colour for a human report: `auto` means stdout is a terminal and `NO_COLOR` is unset or
/// empty (<https://no-color.org>).
fn colour(choice: Color, env: &Environment) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => !env.no_color && env.stdout_is_terminal,
    }
}

/// The repositories listed in a `--repos-from` file, one per line (`#` comments and blank
/// lines ignored, relative paths relative to the list's directory), only those of `shard`
/// when given.
fn read_repo_list(path: &Path, shard: Option<Shard>) -> Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| shard.is_none_or(|s| s.holds(l)))
        .map(|l| base.join(l))
        .collect())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Environment, Settings};
    use crate::cli::Cli;

    fn settings(args: &[&str], env: &Environment) -> Settings {
        let cli =
            Cli::try_parse_from(std::iter::once("aigate").chain(args.iter().copied())).unwrap();
        Settings::from_cli(cli, env).unwrap()
    }

    fn audit(args: &[&str], env: &Environment) -> super::AuditSettings {
        let mut all = vec!["audit"];
        all.extend_from_slice(args);
        match settings(&all, env) {
            Settings::Audit(a) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        let tty = Environment {
            stdout_is_terminal: true,
            stderr_is_terminal: true,
            ..Environment::default()
        };
        assert!(audit(&[], &tty).colour);
        assert!(audit(&[], &tty).progress);
        let no_color = Environment {
            no_color: true,
            ..tty.clone()
        };
        assert!(!audit(&[], &no_color).colour);
        assert!(audit(&["--color", "always"], &no_color).colour);
        let pipe = Environment::default();
        assert!(!audit(&[], &pipe).colour);
        assert!(
            !audit(&[], &pipe).progress,
            "no progress bar off a terminal"
        );
        assert!(!audit(&["--no-progress"], &tty).progress);
    }

    #[test]
    fn refs_are_described_in_git_syntax() {
        let env = Environment::default();
        assert_eq!(audit(&[], &env).scope.refs, ["--all"]);
        assert_eq!(
            audit(&["--branches=main", "--tags"], &env).scope.refs,
            ["--branches=main", "--tags=*"]
        );
        assert_eq!(audit(&["v1..main"], &env).scope.refs, ["v1..main"]);
    }

    #[test]
    fn aigate_config_applies_to_audits_local_hooks_and_policy_commands() {
        let env = Environment {
            vars: crate::Vars::from_pairs([("AIGATE_CONFIG".to_owned(), "/p.toml".to_owned())]),
            ..Environment::default()
        };
        let p = Some(std::path::PathBuf::from("/p.toml"));
        assert_eq!(audit(&[], &env).scope.config, p);
        assert_eq!(
            audit(&["--config", "/q.toml"], &env).scope.config.unwrap(),
            std::path::Path::new("/q.toml")
        );
        match settings(&["hook", "pre-commit"], &env) {
            Settings::Hook { args, .. } => assert_eq!(args.config, p),
            other => panic!("{other:?}"),
        }
        match settings(&["hook", "pre-receive"], &env) {
            Settings::Hook { args, .. } => assert_eq!(args.config, None),
            other => panic!("{other:?}"),
        }
        match settings(&["rules"], &env) {
            Settings::Rules(args) => assert_eq!(args.config, p),
            other => panic!("{other:?}"),
        }
        match settings(&["rules", "--preset", "mesa"], &env) {
            Settings::Rules(args) => assert_eq!(args.config, None, "a preset wins"),
            other => panic!("{other:?}"),
        }
        match settings(&["explain", "claude-code"], &env) {
            Settings::Explain(args) => assert_eq!(args.config, p),
            other => panic!("{other:?}"),
        }
        match settings(&["check-message", "-"], &env) {
            Settings::CheckMessage { args, .. } => assert_eq!(args.config, p),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn summary_has_no_sarif_form() {
        let cli =
            Cli::try_parse_from(["aigate", "audit", "--summary", "--format", "sarif"]).unwrap();
        assert!(Settings::from_cli(cli, &Environment::default()).is_err());
    }
}
