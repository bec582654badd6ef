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
