//! The decision log: one JSON line per push, appended to the file the policy names.
//!
//! Each line is written with a single `write(2)` on a file opened with `O_APPEND`: on a local
//! file system concurrent pushes each add a whole line and never interleave (the kernel
//! serialises appends to one file). A short write is reported as an error rather than
//! completed with a second call that another push could interleave with.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::engine::finding::Finding;
use crate::error::{Error, Result};
use crate::server::receive::RefReport;

/// One push, as logged.
#[derive(Debug, Serialize)]
pub struct Decision<'a> {
    /// UTC, RFC 3339 (`2026-11-24T18:30:00Z`).
    pub time: String,
    /// `pre-receive` or `update`.
    pub hook: &'a str,
    pub repository: String,
    /// The pusher's identity, or null when no variable named one.
    pub pusher: Option<&'a str>,
    /// The variable the pusher was read from (`GL_USERNAME`, `REMOTE_USER`, ...).
    pub pusher_source: Option<&'a str>,
    /// Where the policy came from: a path, or `builtin`.
    pub policy: String,
    pub refs: &'a [RefReport],
    pub commits_checked: usize,
    pub tags_checked: usize,
    pub findings: &'a [Finding],
    /// `accept` or `reject`.
    pub verdict: &'a str,
    pub bypass: Option<Bypass<'a>>,
    /// The internal error, when there was one.
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Bypass<'a> {
    pub reason: &'a str,
    /// Whether the bypass was honoured (the pusher is in `[server.bypass] pushers` and
    /// something was denied).
    pub applied: bool,
}

/// Appends one decision as one line.
pub fn append(path: &Path, decision: &Decision<'_>) -> Result<()> {
    let mut line = serde_json::to_vec(decision).map_err(|e| Error::Write {
        path: path.to_owned(),
        source: e.into(),
    })?;
    line.push(b'\n');
    let fail = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(fail)?;
    let written = file.write(&line).map_err(fail)?;
    if written != line.len() {
        return Err(fail(std::io::Error::new(
            std::io::ErrorKind::WriteZero,
            format!("short write ({written} of {} bytes)", line.len()),
        )));
    }
    Ok(())
}
