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
    let mut cli = cli;
    // The progress bar is for a person watching: never in a pipe, a log or CI.
    if let aigate::cli::Command::Audit(args) = &mut cli.command {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            args.no_progress = true;
        }
    }
    // The work runs on a thread with a large stack: trees are walked recursively, and a
    // hostile one may be nested thousands of levels deep (see `aigate::STACK_SIZE`).
    let worker = aigate::big_stack().spawn(move || {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let mut err = std::io::stderr();
        let result = aigate::run(cli, &mut out, &mut err);
        (result, out.flush())
    });
    let mut err = std::io::stderr();
    let (result, flushed) = match worker.map(|h| h.join()) {
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
