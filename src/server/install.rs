//! `aigate install --server`: writes the pre-receive hook of a bare repository (or into a
//! `pre-receive.d/` directory of GitLab or Gitea/Forgejo).
//!
//! The hook is a POSIX sh script that `exec`s the aigate binary by the absolute path it had at
//! install time, so the push's fate is the binary's exit status; if that binary is gone the
//! script rejects the push (fail closed).
//!
//! Before writing, it checks that the account the server runs hooks as (`--user`, default the
//! owner of the repository directory) can run that binary, read the policy and write the
//! decision log; a hook it could not run would reject every push, so it refuses instead.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::repo::Repo;

#[cfg(unix)]
pub mod access;

/// A line every installed script carries, so a reinstall may replace it.
pub const MARKER: &str = "# installed by aigate install --server";

#[derive(Debug, Clone)]
pub struct ServerInstall {
    /// The repository (default: the current directory).
    pub repo: Option<PathBuf>,
    /// Where to write the hook instead of the repository's hooks directory.
    pub hooks_dir: Option<PathBuf>,
    /// The server policy the hook passes as `--config`.
    pub config: Option<PathBuf>,
    /// Replace an existing hook aigate did not write.
    pub force: bool,
    /// The aigate binary the hook runs.
    pub binary: PathBuf,
    /// The account the server runs hooks as (default: the repository directory's owner).
    pub user: Option<String>,
}

/// Installs the hook; returns the path written.
pub fn install(opts: &ServerInstall, out: &mut dyn Write) -> Result<PathBuf> {
    let binary = absolute(&opts.binary)?;
    // A broken policy would reject every push: refuse it now, with its location.
    let policy = match &opts.config {
        Some(c) => {
            let c = absolute(c)?;
            let policy = crate::policy::Policy::from_file(&c)?;
            Some((c, policy))
        }
        None => None,
    };
    let config = policy.as_ref().map(|(c, _)| c.clone());
    let repo = opts.repo.as_deref().unwrap_or(Path::new("."));
    #[cfg(unix)]
    {
        // The policy the hook will read: `--config`, else the one git config names.
        let policy = policy.or_else(|| located_policy(repo));
        access::check(opts.user.as_deref(), repo, &binary, policy.as_ref())?;
    }
    let dir = match &opts.hooks_dir {
        Some(d) => d.clone(),
        None => hooks_dir(repo)?,
    };
    std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
        path: dir.clone(),
        source,
    })?;
    // In a `pre-receive.d/` directory every executable runs: name ours after the tool.
    let name = if dir.extension().is_some_and(|e| e == "d") {
        "aigate"
    } else {
        "pre-receive"
    };
    let path = dir.join(name);
    if path.exists() && !opts.force {
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        if !existing.contains(MARKER) {
            return Err(Error::Usage(format!(
                "`{}` exists and was not written by aigate; move it into a `pre-receive.d/` \
                 directory or pass `--force` to replace it",
                path.display()
            )));
        }
    }
    let text = script(&binary, config.as_deref());
    crate::hooks::install::write_script(&path, &text)?;
    writeln!(
        out,
        "installed {} (runs {}{})",
        path.display(),
        binary.display(),
        config
            .as_ref()
            .map(|c| format!(" with policy {}", c.display()))
            .unwrap_or_default()
    )
    .map_err(Error::Output)?;
    Ok(path)
}

/// The repository's hooks directory: `core.hooksPath` when set, else `<git-dir>/hooks`.
fn hooks_dir(repo: &Path) -> Result<PathBuf> {
    let repo = Repo::open(Some(repo))?;
    let git_dir = repo.git_dir().to_owned();
    let configured = crate::git::local::config_path(&repo, "core.hooksPath")?;
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        // git resolves a relative hooksPath from where hooks run: the git dir of a bare
        // repository, the work tree otherwise.
        Some(p) => repo.work_tree().unwrap_or(&git_dir).join(p),
        None => git_dir.join("hooks"),
    })
}

/// The policy `aigate.policy` in the repository's git config names, when it names one that
/// loads (a broken one is the hook's to report, push by push, as it does today).
#[cfg(unix)]
fn located_policy(repo: &Path) -> Option<(PathBuf, crate::policy::Policy)> {
    let git_dir = Repo::open(Some(repo)).ok()?.git_dir().to_owned();
    match crate::policy::server::locate(None, Some(&git_dir)).ok()? {
        (policy, crate::policy::server::PolicySource::GitConfig(path)) => Some((path, policy)),
        _ => None,
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

/// The hook script. Paths are single-quoted for sh.
pub fn script(binary: &Path, config: Option<&Path>) -> String {
    let bin = crate::sanitize::shell_quote(&binary.display().to_string());
    let config = config
        .map(|c| {
            format!(
                " --config {}",
                crate::sanitize::shell_quote(&c.display().to_string())
            )
        })
        .unwrap_or_default();
    format!(
        "#!/bin/sh\n\
         {MARKER}\n\
         # Rejects pushes that bring markers of AI coding assistants the server policy denies.\n\
         # The policy comes from --config, else `git config aigate.policy`, else the default.\n\
         aigate={bin}\n\
         if [ ! -x \"$aigate\" ]; then\n\
         \techo \"aigate: $aigate is missing or not executable: push rejected (fail closed)\" >&2\n\
         \texit 1\n\
         fi\n\
         exec \"$aigate\" hook pre-receive{config}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_execs_the_binary_and_quotes_paths() {
        let s = script(
            Path::new("/opt/it's/aigate"),
            Some(Path::new("/etc/aigate.toml")),
        );
        assert!(s.starts_with("#!/bin/sh\n"));
        assert!(s.contains("aigate='/opt/it'\\''s/aigate'\n"), "{s}");
        assert!(s.contains("exec \"$aigate\" hook pre-receive --config /etc/aigate.toml\n"));
        assert!(s.contains("exit 1"));
    }
}
