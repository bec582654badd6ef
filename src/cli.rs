//! The command line, as clap structs kept close to the flags. `lib.rs` turns them into the
//! settings the library consumes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "aigate", version, about = "Keep banned AI coding assistants out of a repository", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every commit of a history (default: every ref) against the policy.
    Audit(AuditArgs),
    /// Print the catalogue of assistants and rules in force.
    Rules(RulesArgs),
    /// Run as a git hook (git calls this; see `aigate install`).
    Hook(HookArgs),
    /// Install aigate's hooks (`--server`: a bare repository's pre-receive hook).
    Install(InstallArgs),
}

#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub hook: HookCommand,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Server: check every commit a push brings (stdin: `<old> <new> <ref>` lines).
    PreReceive(ServerHookArgs),
    /// Server, per ref: check what one ref update brings.
    Update(UpdateArgs),
}

#[derive(Debug, Args)]
pub struct ServerHookArgs {
    /// The server's policy file (default: `git config aigate.policy`, then the built-in
    /// policy). Never read from the pushed tree.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub server: ServerHookArgs,
    /// The ref being updated.
    #[arg(value_name = "REF")]
    pub refname: String,
    /// Its old value (all zeros when created).
    #[arg(value_name = "OLD")]
    pub old: String,
    /// Its new value (all zeros when deleted).
    #[arg(value_name = "NEW")]
    pub new: String,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Install the server-side pre-receive hook into a bare repository.
    #[arg(long)]
    pub server: bool,

    /// The repository (default: the current directory).
    #[arg(short = 'C', value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Write the hook into this directory instead of the repository's hooks directory
    /// (`custom_hooks/pre-receive.d` on GitLab, `hooks/pre-receive.d` on Gitea/Forgejo).
    #[arg(long, value_name = "DIR")]
    pub hooks_dir: Option<PathBuf>,

    /// The server policy file the hook passes to `aigate hook pre-receive --config`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Replace an existing hook that aigate did not write.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Run in this repository instead of the current directory.
    #[arg(short = 'C', value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Policy file (default: `AIGATE_CONFIG`, then `.aigate.toml` in the work tree, then
    /// the built-in policy that denies every known assistant).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
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
