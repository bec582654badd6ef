//! The properties the fuzz targets in `fuzz/` check, kept in the library so the inputs the
//! fuzzers once crashed on (`fuzz/regressions/<target>/`) are replayed by `cargo test`.

use std::sync::OnceLock;

use crate::catalogue::Catalogue;
use crate::engine::matcher::{Matcher, Role};
use crate::engine::normalize::normalize;

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| {
        Matcher::all(&Catalogue::builtin().expect("built-in catalogue")).expect("built-in rules")
    })
}

/// Message normaliser and matcher: no panic; normalisation is idempotent, so no marker can
/// hide behind a fold that only completes on a second pass.
pub fn message(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let once = normalize(&text).into_owned();
    assert_eq!(normalize(&once), once, "normalisation is idempotent");
    let m = matcher();
    let mut out = Vec::new();
    m.check_message(&text, &mut out);
    let (name, email) = text.split_once('<').unwrap_or((&text, ""));
    m.check_identity(Role::Author, name, email, &mut out);
    m.check_path(&text, &mut out);
    let _ = crate::sanitize::for_terminal(&text);
}

/// Policy parser: an error or a policy, never a panic; an error names the file.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = crate::policy::Policy::parse("fuzz.toml", text) {
        let message = e.to_string();
        assert!(message.starts_with("fuzz.toml"), "{message}");
    }
}

/// pre-receive's stdin parser: updates or an error, never a panic; what it accepts is
/// well-formed, and an error stays short however long the input line.
pub fn receive_stdin(data: &[u8]) {
    match crate::server::receive::parse_stdin(data) {
        Ok(updates) => {
            for u in updates {
                assert!(u.old.len() == u.new.len() && (u.old.len() == 40 || u.old.len() == 64));
                assert!(!u.name.is_empty() && !u.name.contains(['\n', ' ']));
            }
        }
        Err(e) => assert!(
            e.to_string().len() < 1_000,
            "error messages quote an excerpt"
        ),
    }
}

/// pre-push's stdin parser: updates or an error, never a panic; errors stay short.
pub fn push_stdin(data: &[u8]) {
    match crate::hooks::pre_push::parse_update_bytes(data) {
        Ok(updates) => {
            for u in updates {
                assert!(u.local.len() == 40 || u.local.len() == 64);
                assert!(u.remote.len() == 40 || u.remote.len() == 64);
            }
        }
        Err(e) => assert!(
            e.to_string().len() < 1_000,
            "error messages quote an excerpt"
        ),
    }
}

#[cfg(test)]
mod tests {
    /// Replays every input a fuzzer once failed on.
    #[test]
    fn fuzz_regressions_stay_fixed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
        type Check = fn(&[u8]);
        let targets: [(&str, Check); 4] = [
            ("push-stdin", super::push_stdin),
            ("message", super::message),
            ("policy", super::policy),
            ("receive-stdin", super::receive_stdin),
        ];
        let mut replayed = 0;
        for (name, check) in targets {
            let Ok(dir) = std::fs::read_dir(root.join(name)) else {
                continue;
            };
            for entry in dir {
                let path = entry.unwrap().path();
                check(&std::fs::read(&path).unwrap());
                replayed += 1;
            }
        }
        assert!(
            replayed > 0,
            "no regression inputs found under {}",
            root.display()
        );
    }
}
