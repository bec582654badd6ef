//! The `aigate` binary: parses the command line, runs the library, prints the error chain,
//! and turns the outcome into an exit status.

use std::io::Write;
use std::process::ExitCode;

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
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = std::io::stderr();
    let result = aigate::run(cli, &mut out, &mut err);
    let flushed = out.flush();
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
            let _ = writeln!(err, "aigate: error: {}", chain(&e));
            ExitCode::from(aigate::exit::ERROR)
        }
    }
}

/// The error and its sources, `: `-separated, on one line (a located policy error adds the
/// offending line below it).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
}
