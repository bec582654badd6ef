//! The `aigate` binary: parses the command line, gathers what the library may not read itself
//! (the environment, the terminal, the clock, this executable's path), turns both into
//! settings, runs the library on stdin, stdout and stderr, prints the error chain, and turns
//! the outcome into an exit status.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use aigate::cli::settings::{Environment, Settings};
use clap::Parser;

fn main() -> ExitCode {
    let cli = match aigate::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap's own codes: 0 for --help and --version, 2 for usage errors.
            return ExitCode::from(if e.use_stderr() {
                aigate::exit::ERROR
            } else {
                0
            });
        }
    };
    let mut err = std::io::stderr();
    let settings = match Settings::from_cli(cli, &environment()) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "aigate: error: {}", aigate::error::chain(&e));
            return ExitCode::from(aigate::exit::ERROR);
        }
    };
    // Work that walks trees runs on a thread with a large stack: trees are walked
    // recursively, and a hostile one may be nested thousands of levels deep (see
    // `aigate::STACK_SIZE`). The hooks of `git commit` run here (see `walks_trees`).
    let walks_trees = settings.walks_trees();
    let work = move || {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let mut err = std::io::stderr();
        let stdin = std::io::stdin();
        let mut stdin = stdin.lock();
        let io = aigate::Io {
            stdin: &mut stdin,
            out: &mut out,
            err: &mut err,
        };
        let result = aigate::run(settings, io);
        (result, out.flush())
    };
    let done = if walks_trees {
        aigate::big_stack().spawn(work).map(|h| h.join())
    } else {
        Ok(std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)))
    };
    let (result, flushed) = match done {
        Ok(Ok(done)) => done,
        Ok(Err(_)) => {
            // A panic already printed its message; it is an internal error, never a pass.
            let _ = writeln!(err, "aigate: error: internal error (a thread panicked)");
            return ExitCode::from(aigate::exit::ERROR);
        }
        Err(e) => {
            let _ = writeln!(err, "aigate: error: cannot start: {e}");
            return ExitCode::from(aigate::exit::ERROR);
        }
    };
    match result {
        Ok(code) => {
            if let Err(e) = flushed {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    let _ = writeln!(err, "aigate: error: cannot write the report: {e}");
                    return ExitCode::from(aigate::exit::ERROR);
                }
            }
            ExitCode::from(code)
        }
        // `aigate audit | head` closes the pipe early: that is not a failure.
        Err(e) if e.is_broken_pipe() => ExitCode::from(aigate::exit::CLEAN),
        Err(e) => {
            let _ = writeln!(err, "aigate: error: {}", aigate::error::chain(&e));
            ExitCode::from(aigate::exit::ERROR)
        }
    }
}

/// What the settings need from the process.
fn environment() -> Environment {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    // `SOURCE_DATE_EPOCH` (reproducible-builds.org) fixes the date a report shows.
    let now = set("SOURCE_DATE_EPOCH")
        .and_then(|v| v.to_str().and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(aigate::report::now);
    Environment {
        no_color: set("NO_COLOR").is_some(),
        stdout_is_terminal: std::io::stdout().is_terminal(),
        stderr_is_terminal: std::io::stderr().is_terminal(),
        current_exe: std::env::current_exe().ok(),
        // Names or values that are not UTF-8 are nothing aigate or git defines.
        vars: aigate::Vars::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        ),
        now,
    }
}
