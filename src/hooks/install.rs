//! `aigate install` and `aigate uninstall`: write aigate's hook scripts (`hooks/`, embedded)
//! into the directory git runs hooks from, and take them out again.
//!
//! A hook of another tool already in place is never overwritten: it is moved aside to
//! `<name>.aigate-chained` and aigate's script runs it first (its refusal stands). Uninstall
//! removes only files carrying aigate's marker and moves chained hooks back. Installing
//! twice changes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::local::hooks_dir;
use crate::git::repo::Repo;

/// The line every script aigate installs carries; only such files are aigate's to replace or
/// remove.
pub const MARKER: &str = "# aigate-managed-hook";

/// The suffix of a foreign hook moved aside and run by aigate's.
pub const CHAINED_SUFFIX: &str = ".aigate-chained";

/// The hooks aigate can install, with their scripts.
pub const HOOKS: [(&str, &str); 5] = [
    ("pre-commit", include_str!("../../hooks/pre-commit")),
    (
        "pre-merge-commit",
        include_str!("../../hooks/pre-merge-commit"),
    ),
    // Run even under `--no-verify`: the one local check a commit cannot skip.
    (
        "prepare-commit-msg",
        include_str!("../../hooks/prepare-commit-msg"),
    ),
    ("commit-msg", include_str!("../../hooks/commit-msg")),
    ("pre-push", include_str!("../../hooks/pre-push")),
];

/// The line of each script that records the installing binary.
const RECORDED: &str = "aigate_recorded=''";

/// The hooks named by `--hooks` (every hook when empty), checked against [`HOOKS`].
pub fn select(names: &[String]) -> Result<Vec<&'static str>> {
    if names.is_empty() {
        return Ok(HOOKS.iter().map(|(n, _)| *n).collect());
    }
    let mut out = Vec::new();
    for name in names.iter().flat_map(|n| n.split(',')).map(str::trim) {
        if name.is_empty() {
            continue;
        }
        let Some((known, _)) = HOOKS.iter().find(|(n, _)| *n == name) else {
            let known: Vec<&str> = HOOKS.iter().map(|(n, _)| *n).collect();
            return Err(Error::Usage(format!(
                "unknown hook `{}` (aigate installs {})",
                crate::sanitize::for_terminal(name),
                known.join(", ")
            )));
        };
        if !out.contains(known) {
            out.push(*known);
        }
    }
    Ok(out)
}

/// The script for `name`, recording `binary` as the fallback when `aigate` is not on PATH.
pub fn script(name: &str, binary: Option<&Path>) -> String {
    let template = HOOKS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, t)| *t);
    match binary {
        Some(b) => template.replacen(
            RECORDED,
            &format!(
                "aigate_recorded={}",
                crate::sanitize::shell_quote(&b.to_string_lossy())
            ),
            1,
        ),
        None => template.to_owned(),
    }
}

fn is_ours(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()))
}

/// Whether anything (a file, a directory, a dangling symlink) is at `path`.
fn exists(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

fn chained_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}{CHAINED_SUFFIX}"))
}

enum Step {
    Unchanged,
    Write,
    Chain { replace_stale: bool },
}

/// Installs the hooks; prints one line per hook on `out`.
/// `binary` is this aigate, recorded in the scripts for when `aigate` is not on PATH.
pub fn install(
    repo: &Repo,
    names: &[String],
    force: bool,
    binary: Option<&Path>,
    out: &mut dyn Write,
) -> Result<u8> {
    let hooks = select(names)?;
    let dir = hooks_dir(repo)?;
    // Plan every hook first: a refusal leaves the directory as it was.
    let mut plan = Vec::new();
    let mut refused = Vec::new();
    for name in hooks {
        let target = dir.join(name);
        let chained = chained_path(&dir, name);
        let text = script(name, binary);
        let step = if !exists(&target) {
            Step::Write
        } else if is_ours(&target) {
            if std::fs::read(&target).is_ok_and(|b| b == text.as_bytes()) {
                Step::Unchanged
            } else {
                Step::Write
            }
        } else if target.is_dir() {
            refused.push(format!("`{}` is a directory", target.display()));
            continue;
        } else if exists(&chained) {
            if !force {
                refused.push(format!(
                    "`{}` is another tool's hook and `{}` already holds a chained one; move one of them away, or pass --force to chain the current hook in place of the old chained one (which is deleted)",
                    target.display(),
                    chained.display()
                ));
                continue;
            }
            Step::Chain {
                replace_stale: true,
            }
        } else {
            Step::Chain {
                replace_stale: false,
            }
        };
        plan.push((name, target, chained, text, step));
    }
    if !refused.is_empty() {
        return Err(Error::Usage(format!(
            "nothing installed: {}",
            refused.join("; ")
        )));
    }
    std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
        path: dir.clone(),
        source,
    })?;
    let shown = dir.display();
    let say = |out: &mut dyn Write, line: String| writeln!(out, "{line}").map_err(Error::Output);
    for (name, target, chained, text, step) in plan {
        match step {
            Step::Unchanged => say(out, format!("{name}: already installed in `{shown}`"))?,
            Step::Write => {
                write_script(&target, &text)?;
                say(out, format!("{name}: installed in `{shown}`"))?;
            }
            Step::Chain { replace_stale } => {
                if replace_stale {
                    remove(&chained)?;
                }
                rename(&target, &chained)?;
                write_script(&target, &text)?;
                say(
                    out,
                    format!(
                        "{name}: installed in `{shown}`; the existing hook was moved to `{}` and runs first",
                        chained.display()
                    ),
                )?;
            }
        }
    }
    Ok(crate::exit::CLEAN)
}

/// Removes aigate's hooks and moves chained hooks back; prints one line per hook on `out`.
pub fn uninstall(repo: &Repo, names: &[String], out: &mut dyn Write) -> Result<u8> {
    let hooks = select(names)?;
    let dir = hooks_dir(repo)?;
    let shown = dir.display();
    for name in hooks {
        let target = dir.join(name);
        let chained = chained_path(&dir, name);
        let line = if exists(&target) && !is_ours(&target) {
            format!("{name}: `{}` is not aigate's; left alone", target.display())
        } else {
            let had = exists(&target);
            if had {
                remove(&target)?;
            }
            if exists(&chained) {
                rename(&chained, &target)?;
                format!("{name}: removed from `{shown}`; the chained hook is back in place")
            } else if had {
                format!("{name}: removed from `{shown}`")
            } else {
                format!("{name}: not installed in `{shown}`")
            }
        };
        writeln!(out, "{line}").map_err(Error::Output)?;
    }
    Ok(crate::exit::CLEAN)
}

/// Writes an executable hook script: a new file, then a rename, so a hook that runs at this
/// moment (a commit, a push) sees the old or the new script, never half of one.
pub(crate) fn write_script(path: &Path, text: &str) -> Result<()> {
    let fail = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let tmp = path.with_extension("aigate-tmp");
    std::fs::write(&tmp, text).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).map_err(fail)?;
    }
    std::fs::rename(&tmp, path).map_err(fail)
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|source| Error::Write {
        path: to.to_owned(),
        source,
    })
}

fn remove(path: &Path) -> Result<()> {
    std::fs::remove_file(path).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_is_marked_and_records_the_binary() {
        for (name, template) in HOOKS {
            assert!(template.starts_with("#!/bin/sh\n"), "{name}");
            assert!(template.contains(MARKER), "{name}");
            assert!(template.contains(RECORDED), "{name}");
            assert!(template.contains(&format!("hook={name}\n")), "{name}");
            let s = script(name, Some(Path::new("/opt/it's/aigate")));
            assert!(s.contains(r"aigate_recorded='/opt/it'\''s/aigate'"), "{s}");
        }
    }

    #[test]
    fn hooks_are_picked_by_comma_separated_names() {
        let picked = select(&["pre-commit,pre-push".to_owned()]).unwrap();
        assert_eq!(picked, ["pre-commit", "pre-push"]);
        let err = select(&["post-commit".to_owned()]).unwrap_err().to_string();
        assert!(err.starts_with("unknown hook `post-commit`"), "{err}");
    }
}
