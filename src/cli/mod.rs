//! The command line, as clap structs kept close to the flags. `lib.rs` turns them into the
//! settings the library consumes.

pub mod dates;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "aigate", version, about = "Keep banned AI coding assistants out of a repository", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size of the audit variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every commit of a history (default: every ref) against the policy.
    Audit(AuditArgs),
    /// Print the catalogue of assistants and rules in force.
    Rules(RulesArgs),
    /// Run as a git hook (what the installed hook scripts call).
    Hook(HookArgs),
    /// Install aigate's git hooks in this repository (`--server`: a bare repository's
    /// pre-receive hook).
    Install(InstallArgs),
    /// Remove the hooks `aigate install` added, putting back any hook it chained.
    Uninstall(UninstallArgs),
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Run in this repository instead of the current directory; repeat it to audit several
    /// repositories into one report.
    #[arg(short = 'C', value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// Also audit the repositories listed in FILE, one path per line (`#` comments and blank
    /// lines ignored; relative paths are relative to the file).
    #[arg(long, value_name = "FILE")]
    pub repos_from: Option<PathBuf>,

    /// Policy file (default: `AIGATE_CONFIG`, then `.aigate.toml` in the work tree, then
    /// the built-in policy that denies every known assistant).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,

    /// Colour in the human report: `auto` (only on a terminal, and never with `NO_COLOR` set).
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,

    /// No progress bar (it is drawn on stderr only when stderr is a terminal).
    #[arg(long)]
    pub no_progress: bool,

    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record every finding of this audit in FILE, to pass to `--baseline` later; the audit
    /// then exits 0 unless it fails.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Only commits committed on or after this date: YYYY-MM-DD (UTC), YYYY-MM-DDTHH:MM:SS
    /// with an optional Z or +HH:MM offset, or @SECONDS.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Only commits committed on or before this date (a bare day includes the whole day).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,

    /// At most this many commits per repository, newest first.
    #[arg(short = 'n', long, value_name = "N")]
    pub max_count: Option<usize>,

    /// Start from the branches matching GLOB (default `*`: all) instead of every ref.
    #[arg(long, value_name = "GLOB", num_args = 0..=1, default_missing_value = "*", require_equals = true)]
    pub branches: Option<String>,

    /// Start from the tags matching GLOB (default `*`: all) instead of every ref; their
    /// annotated tags are checked too.
    #[arg(long, value_name = "GLOB", num_args = 0..=1, default_missing_value = "*", require_equals = true)]
    pub tags: Option<String>,

    /// Do not check the paths commits add or change.
    #[arg(long)]
    pub no_paths: bool,

    /// Do not check commit and tag messages (trailers included).
    #[arg(long)]
    pub no_messages: bool,

    /// Do not check author, committer and tagger identities.
    #[arg(long)]
    pub no_identities: bool,

    /// Threads for the path checks (default: one per core, at most 4).
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub threads: usize,

    /// How changed marker paths are found: `index` (fast) or `diff` (the plain libgit2 tree
    /// diff, kept to check the fast method against).
    #[arg(long, value_enum, default_value_t = PathMethodArg::Index, hide = true)]
    pub path_method: PathMethodArg,

    /// Revisions or ranges to audit (`main`, `v1.0..main`, `^old`); default every ref.
    #[arg(value_name = "REVISION")]
    pub revisions: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Also show the rules a policy file adds, and which assistants it denies or warns about.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct HookArgs {
    /// Policy file. Local hooks default to `AIGATE_CONFIG`, then `.aigate.toml` in the work
    /// tree; server hooks to `git config aigate.policy`, never the pushed tree; both then to
    /// the built-in policy.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub hook: HookName,
}

/// The hooks, each with the arguments git passes it.
#[derive(Debug, Subcommand)]
pub enum HookName {
    /// The staged changes and the identity of the commit being made.
    PreCommit {
        /// Ignored (git passes none).
        #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
        rest: Vec<String>,
    },
    /// The same checks for a merge made by `git merge`.
    PreMergeCommit {
        #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
        rest: Vec<String>,
    },
    /// The message of the commit being made.
    CommitMsg {
        /// The file holding the message (`.git/COMMIT_EDITMSG`).
        file: PathBuf,
        #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
        rest: Vec<String>,
    },
    /// Every commit and tag a push would send (refs on stdin, as git writes them).
    PrePush {
        /// The remote's name (or URL).
        remote: Option<String>,
        /// The remote's URL.
        url: Option<String>,
        #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
        rest: Vec<String>,
    },
    /// Server: every commit a push brings (stdin: `<old> <new> <ref>` lines).
    PreReceive {
        #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
        rest: Vec<String>,
    },
    /// Server, per ref: what one ref update brings.
    Update {
        /// The ref being updated.
        #[arg(value_name = "REF")]
        refname: String,
        /// Its old value (all zeros when created).
        #[arg(value_name = "OLD")]
        old: String,
        /// Its new value (all zeros when deleted).
        #[arg(value_name = "NEW")]
        new: String,
    },
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Run in this repository instead of the current directory.
    #[arg(short = 'C', value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Which hooks, comma-separated: pre-commit, pre-merge-commit, commit-msg, pre-push
    /// (default: all).
    #[arg(
        long,
        value_name = "HOOKS",
        value_delimiter = ',',
        conflicts_with = "server"
    )]
    pub hooks: Vec<String>,

    /// Local hooks: when another tool's hook and an earlier chained one are both in place,
    /// chain the current hook and delete the earlier one. `--server`: replace a pre-receive
    /// hook that aigate did not write.
    #[arg(long)]
    pub force: bool,

    /// Install the server-side pre-receive hook into a bare repository.
    #[arg(long)]
    pub server: bool,

    /// With `--server`: write the hook into this directory instead of the repository's
    /// hooks directory (`custom_hooks/pre-receive.d` on GitLab, `hooks/pre-receive.d` on
    /// Gitea/Forgejo).
    #[arg(long, value_name = "DIR", requires = "server")]
    pub hooks_dir: Option<PathBuf>,

    /// With `--server`: the server policy file the hook passes to
    /// `aigate hook pre-receive --config`.
    #[arg(long, value_name = "FILE", requires = "server")]
    pub config: Option<PathBuf>,

    /// With `--server`: the account the server runs hooks as (default: the owner of the
    /// repository directory). The install refuses unless it can run aigate, read the policy
    /// and write the decision log.
    #[arg(long, value_name = "NAME", requires = "server")]
    pub user: Option<String>,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Run in this repository instead of the current directory.
    #[arg(short = 'C', value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Which hooks, comma-separated (default: all).
    #[arg(long, value_name = "HOOKS", value_delimiter = ',')]
    pub hooks: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// The formats of the audit report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Grouped by assistant, then a summary per assistant.
    Human,
    /// `{"findings": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// A report to paste into a ticket.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PathMethodArg {
    Index,
    Diff,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
