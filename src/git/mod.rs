//! Everything that reads git, on gitoxide: opening a repository the way a hook must (its
//! environment, the quarantine of a push, alternates), refs and revisions, the commit walk,
//! commits, tags and trees read from memory-mapped packs shared across threads, the per-tree
//! marker lists, and the local hooks' index and config access. Nothing outside this module
//! sees a git library: the rest gets object ids, commit metadata, paths and tags.

pub mod ancestry;
pub mod local;
pub mod objects;
pub mod packed;
pub mod paths;
pub mod repo;
pub mod treescan;
pub mod walk;

/// An object id, SHA-1 or SHA-256.
pub type Oid = gix::ObjectId;

/// Whether `hex` is the all-zeros id of any length (40 hex digits for SHA-1, 64 for SHA-256):
/// git's "no object" in hook input.
pub fn is_zero(hex: &str) -> bool {
    !hex.is_empty() && hex.bytes().all(|b| b == b'0')
}

/// The real `git` for the unit tests of this module, in a clean environment.
#[cfg(test)]
pub(crate) mod testgit {
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// Runs `git args` in `dir` with `stdin`; panics unless it succeeds; returns its output.
    pub fn git(dir: &std::path::Path, args: &[&str], stdin: &[u8]) -> String {
        let mut child = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.com")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.com")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_OBJECT_DIRECTORY")
            .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_ids_of_any_hash_length() {
        assert!(is_zero(&"0".repeat(40)));
        assert!(is_zero(&"0".repeat(64)));
        assert!(!is_zero(""));
        assert!(!is_zero(&format!("{}1", "0".repeat(39))));
    }

    #[test]
    fn blob_ids_are_git_s() {
        // `printf hello | git hash-object --stdin`
        assert_eq!(
            repo::blob_id(b"hello"),
            "b6fc4c620b67d95f953a5c1c1230aaab5db5a1b0"
        );
    }
}
