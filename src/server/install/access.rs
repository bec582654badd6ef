//! Can the server's account run the hook? `install --server` checks, before writing it, that
//! the account git runs hooks as may execute the aigate binary, read the policy file and write
//! the decision log. A hook that fails any of these rejects every push, which an admin learns
//! only from the first pusher's complaint.
//!
//! The check reads the permission bits of each file and of every directory above it for the
//! account's uid and groups, as the kernel would; ACLs and mount options are not read.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use nix::unistd::{Gid, Uid, User};

use crate::error::{Error, Result};
use crate::policy::Policy;

/// The account hooks run as.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    /// The primary group and every supplementary group.
    pub gids: Vec<u32>,
    /// How the account was chosen, for messages.
    pub chosen: String,
}

const READ: u32 = 4;
const WRITE: u32 = 2;
const EXEC: u32 = 1;

/// Checks that the account (`user`, else the owner of `repo`) may run `binary`, read the
/// policy file and write its decision log; refuses with what to do otherwise.
pub fn check(
    user: Option<&str>,
    repo: &Path,
    binary: &Path,
    policy: Option<&(PathBuf, Policy)>,
) -> Result<()> {
    let account = match user {
        Some(name) => by_name(name)?,
        None => owner_of(repo)?,
    };
    let refuse = |what: String| {
        Error::Usage(format!(
            "not installed: the hook would reject every push: {what}"
        ))
    };
    let who = match user {
        Some(_) => format!("`{}` (given by --user)", account.name),
        None => format!(
            "`{}` ({}, whom the server runs hooks as; another account: --user NAME)",
            account.name, account.chosen
        ),
    };
    if let Err(why) = may(&account, binary, EXEC) {
        return Err(refuse(format!(
            "{who} cannot run `{}` ({why}); install the binary where it can, e.g. \
             `install -m 755 {} /usr/local/bin/aigate`, and run that copy's `install --server`",
            binary.display(),
            crate::sanitize::shell_quote(&binary.display().to_string()),
        )));
    }
    let Some((path, policy)) = policy else {
        return Ok(());
    };
    if let Err(why) = may(&account, path, READ) {
        return Err(refuse(format!(
            "{who} cannot read the policy `{}` ({why})",
            path.display()
        )));
    }
    if let Some(log) = &policy.server.log {
        if let Err(why) = may_write_log(&account, log) {
            return Err(refuse(format!(
                "{who} cannot write the decision log `{}` ({why}); create it and give it to \
                 that account, e.g. `touch {q} && chown {} {q}`",
                log.display(),
                account.name,
                q = crate::sanitize::shell_quote(&log.display().to_string()),
            )));
        }
    }
    Ok(())
}

/// The account named `name`.
pub fn by_name(name: &str) -> Result<Account> {
    let user = User::from_name(name).ok().flatten().ok_or_else(|| {
        Error::Usage(format!("--user: no account named `{name}` on this machine"))
    })?;
    Ok(account(user, format!("given by --user {name}")))
}

/// The account that owns `repo`: on a server, the one git runs as.
pub fn owner_of(repo: &Path) -> Result<Account> {
    let meta = std::fs::metadata(repo).map_err(|source| Error::Read {
        path: repo.to_owned(),
        source,
    })?;
    let chosen = format!("the owner of `{}`", repo.display());
    match User::from_uid(Uid::from_raw(meta.uid())).ok().flatten() {
        Some(user) => Ok(account(user, chosen)),
        // An owner with no passwd entry (a container's uid): its number, no extra groups.
        None => Ok(Account {
            name: meta.uid().to_string(),
            uid: meta.uid(),
            gids: vec![meta.gid()],
            chosen,
        }),
    }
}

fn account(user: User, chosen: String) -> Account {
    let mut gids = vec![user.gid.as_raw()];
    gids.extend(groups(&user.name, user.gid));
    Account {
        name: user.name,
        uid: user.uid.as_raw(),
        gids,
        chosen,
    }
}

#[cfg(not(target_vendor = "apple"))]
fn groups(name: &str, gid: Gid) -> Vec<u32> {
    std::ffi::CString::new(name)
        .ok()
        .and_then(|c| nix::unistd::getgrouplist(&c, gid).ok())
        .map(|g| g.into_iter().map(Gid::as_raw).collect())
        .unwrap_or_default()
}

#[cfg(target_vendor = "apple")]
fn groups(_name: &str, _gid: Gid) -> Vec<u32> {
    // No getgrouplist there: the primary group only.
    Vec::new()
}

/// Whether `account` may do `want` (READ, WRITE, EXEC) to `path`, entering every directory
/// above it; `Err` says what stops it.
pub fn may(account: &Account, path: &Path, want: u32) -> std::result::Result<(), String> {
    let path = std::fs::canonicalize(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for dir in path
        .ancestors()
        .skip(1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if !allowed(account, &meta, EXEC) {
            return Err(format!("it cannot enter `{}`", dir.display()));
        }
    }
    let meta = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !allowed(account, &meta, want) {
        let verb = match want {
            READ => "read",
            WRITE => "write",
            _ => "execute",
        };
        return Err(format!(
            "`{}` is mode {:o}, owner {}: it may not {verb} it",
            path.display(),
            meta.mode() & 0o7777,
            meta.uid()
        ));
    }
    Ok(())
}

/// The log is appended to, or created in its directory.
fn may_write_log(account: &Account, log: &Path) -> std::result::Result<(), String> {
    if log.exists() {
        return may(account, log, WRITE);
    }
    let dir = match log.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(format!("its directory `{}` does not exist", dir.display()));
    }
    may(account, dir, WRITE | EXEC)
        .map_err(|why| format!("it does not exist and cannot be created: {why}"))
}

/// The permission bits that apply to `account` grant `want`. Root may read and write
/// anything and execute what has any execute bit.
fn allowed(account: &Account, meta: &std::fs::Metadata, want: u32) -> bool {
    let mode = meta.mode();
    if account.uid == 0 {
        return want & EXEC == 0 || meta.is_dir() || mode & 0o111 != 0;
    }
    let bits = if meta.uid() == account.uid {
        mode >> 6
    } else if account.gids.contains(&meta.gid()) {
        mode >> 3
    } else {
        mode
    } & 7;
    bits & want == want
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn nobody() -> Account {
        Account {
            name: "nobody".into(),
            uid: 65534,
            gids: vec![65534],
            chosen: "test".into(),
        }
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn other_bits_decide_for_a_stranger_and_every_directory_must_be_enterable() {
        let dir = tempfile::tempdir().unwrap();
        chmod(dir.path(), 0o755);
        let inner = dir.path().join("bin");
        std::fs::create_dir(&inner).unwrap();
        let file = inner.join("aigate");
        std::fs::write(&file, "x").unwrap();
        chmod(&file, 0o755);
        chmod(&inner, 0o755);
        assert_eq!(may(&nobody(), &file, EXEC), Ok(()));
        assert!(may(&nobody(), &file, WRITE).is_err());
        chmod(&inner, 0o700);
        let err = may(&nobody(), &file, EXEC).unwrap_err();
        assert!(err.contains("cannot enter"), "{err}");
        chmod(&inner, 0o755);
        chmod(&file, 0o744);
        let err = may(&nobody(), &file, EXEC).unwrap_err();
        assert!(err.contains("mode 744"), "{err}");
    }

    #[test]
    fn the_owner_and_group_bits_apply_to_their_account() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("log");
        std::fs::write(&file, "").unwrap();
        let meta = std::fs::metadata(&file).unwrap();
        let owner = Account {
            uid: meta.uid(),
            gids: vec![],
            ..nobody()
        };
        let member = Account {
            uid: 65534,
            gids: vec![meta.gid()],
            ..nobody()
        };
        chmod(&file, 0o620);
        if owner.uid != 0 {
            assert!(allowed(&owner, &std::fs::metadata(&file).unwrap(), WRITE));
        }
        assert!(allowed(&member, &std::fs::metadata(&file).unwrap(), WRITE));
        assert!(!allowed(&member, &std::fs::metadata(&file).unwrap(), READ));
        chmod(&file, 0o600);
        assert!(!allowed(&member, &std::fs::metadata(&file).unwrap(), WRITE));
    }
}
