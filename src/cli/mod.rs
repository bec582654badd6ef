//! The command line, as clap structs kept close to the flags. [`settings`] turns them, with
//! what `main` gathers from the process, into the settings the library consumes.

pub mod dates;
pub mod settings;

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
    /// Check what a pull or merge request brings (its commits, title and description), with
    /// the range found from the CI environment or given by `--base`/`--head`.
    Ci(CiArgs),
    /// Work on saved reports.
    Report(ReportArgs),
    /// Explain an assistant, a rule or a preset: what it matches, where it comes from, what
    /// the policy in force does with it, how to fix a finding.
    Explain(ExplainArgs),
    /// Check one commit message (a file, or `-` for stdin) as the commit-msg hook would:
    /// same verdict, same exit status.
    CheckMessage(CheckMessageArgs),
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// An assistant id (`claude-code`), a rule id (`claude-code-md`) or a preset name
    /// (`linux-kernel`).
    #[arg(value_name = "ID")]
    pub id: String,

    /// Policy file (default: `AIGATE_CONFIG`, then `.aigate.toml` in the work tree, then the
    /// built-in policy).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckMessageArgs {
    /// The message file; `-` or nothing reads stdin.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Rewrite the co-author lines of assistants the policy allows when disclosed into
    /// disclosure lines, as the commit-msg hook does under `[disclosure] fix = true`: in
    /// FILE, or on stdout for stdin.
    #[arg(long)]
    pub fix: bool,

    /// Policy file (default: `AIGATE_CONFIG`, then `.aigate.toml` in the work tree, then the
    /// built-in policy).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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

    /// Print only the summary: what was audited, how completely, the totals and what to do.
    #[arg(long)]
    pub summary: bool,

    /// Fail (exit 2) instead of reporting an incomplete history (a shallow clone).
    #[arg(long)]
    pub require_complete: bool,

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

    /// Audit up to N repositories at once (the report keeps the order they were given in).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,

    /// Audit only share K of N of the `--repos-from` list (K from 1 to N): an entry belongs
    /// to the share its path's hash puts it in, whatever the list's order (see docs/ci.md).
    #[arg(long, value_name = "K/N", requires = "repos_from")]
    pub shard: Option<Shard>,

    /// How changed marker paths are found: `index` (fast) or `diff` (both trees listed in
    /// full and compared, kept to check the fast method against).
    #[arg(long, value_enum, default_value_t = PathMethodArg::Index, hide = true)]
    pub path_method: PathMethodArg,

    /// Revisions or ranges to audit (`main`, `v1.0..main`, `^old`); default every ref.
    #[arg(value_name = "REVISION")]
    pub revisions: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Policy file (default: `AIGATE_CONFIG`, then `.aigate.toml` in the work tree, then the
    /// built-in policy that denies every known assistant).
    #[arg(long, value_name = "FILE", conflicts_with = "preset")]
    pub config: Option<PathBuf>,

    /// Show what a preset means instead (`linux-kernel`, `mesa`, ...; `--preset list`
    /// lists them).
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,

    /// Only the rules of this assistant.
    #[arg(value_name = "ASSISTANT")]
    pub assistant: Option<String>,

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
    /// The message of the commit being made, before the editor opens; git runs this hook
    /// even under `--no-verify`.
    PrepareCommitMsg {
        /// The file holding the message (`.git/COMMIT_EDITMSG`).
        file: PathBuf,
        /// Where the message came from: message, template, merge, squash or commit.
        source: Option<String>,
        /// The commit whose message is reused (`-c`, `-C`, `--amend`).
        sha: Option<String>,
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

    /// Which hooks, comma-separated: pre-commit, pre-merge-commit, prepare-commit-msg,
    /// commit-msg, pre-push
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

#[derive(Debug, Args)]
pub struct CiArgs {
    /// Run in this repository instead of the current directory.
    #[arg(short = 'C', value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Policy file (default: `AIGATE_CONFIG`, then `.aigate.toml` in the work tree, then
    /// the built-in policy).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The commit the request starts from (its target branch), instead of what the CI
    /// environment says.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// The last commit of the request (default: `HEAD`).
    #[arg(long, value_name = "REV", requires = "base")]
    pub head: Option<String>,

    /// The request's title, checked as a message (default: from the CI environment).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,

    /// The request's description, checked as a message with the title.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    /// What to print: `auto` is `github` on GitHub, Gitea and Forgejo Actions, else `human`.
    #[arg(long, value_enum, default_value_t = CiFormat::Auto)]
    pub format: CiFormat,

    /// Also write a SARIF report to FILE (for code scanning).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,

    /// Also write a GitLab Code Quality report to FILE.
    #[arg(long, value_name = "FILE")]
    pub codequality: Option<PathBuf>,

    /// Never fetch: a shallow checkout or a missing base commit is an error.
    #[arg(long)]
    pub no_fetch: bool,

    /// Colour in the human report.
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
}

/// The formats `aigate ci` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiFormat {
    Auto,
    /// The human report plus one workflow-command annotation per finding.
    Github,
    Human,
    Json,
    Sarif,
    Markdown,
    /// GitLab Code Quality (a JSON array).
    Codequality,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Combine JSON reports (`aigate audit --format json`) into one, totals recomputed.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The JSON reports, in the order their findings should come.
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,

    /// The policy the audits used, for the names and descriptions of the rules it adds
    /// (default: the built-in catalogue).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    pub format: ReportFormat,

    /// Colour in the human report.
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
}

/// `--shard K/N`: share K (1-based) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not K/N with 1 <= K <= N (e.g. `2/8`)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether an entry of a repository list belongs to this share: the first eight hex
    /// digits of the entry's git blob id (`printf %s ENTRY | git hash-object --stdin`), as a
    /// number, modulo the count, is `index - 1`. The entry is the line as written, trimmed,
    /// so the share does not depend on where the list lives, on its order, or on the other
    /// entries.
    pub fn holds(&self, entry: &str) -> bool {
        let hex = crate::git::repo::blob_id(entry.as_bytes());
        let id = hex
            .get(..8)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .unwrap_or(0);
        id % self.count == self.index - 1
    }
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

    #[test]
    fn shard_is_k_of_n() {
        let s: super::Shard = "2/8".parse().unwrap();
        assert_eq!((s.index, s.count), (2, 8));
        for bad in ["0/4", "5/4", "1/0", "1", "a/b", "1/4/2"] {
            assert!(bad.parse::<super::Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shares_match_git_hash_object() {
        // `printf %s repos/a | git hash-object --stdin` prints 53143eec55746eaf...
        assert!(crate::git::repo::blob_id(b"repos/a").starts_with("53143eec"));
        let n = 0x5314_3eec_u32;
        let share = |count: u32| {
            (1..=count)
                .filter(|&index| super::Shard { index, count }.holds("repos/a"))
                .collect::<Vec<_>>()
        };
        assert_eq!(share(7), [n % 7 + 1]);
        assert_eq!(share(1), [1]);
    }
}
