//! Errors of aigate, each carrying what it is about (the file, the line, the ref, the
//! revision), so the one line printed for it says what failed and where.

use std::fmt;
use std::path::PathBuf;

/// A problem in a policy or rule file, located at a line and column and shown with that line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, or a pseudo-path such as `<builtin>/rules/cursor.toml`.
    pub file: String,
    /// 1-based line and column of the start of the offending text (0 when unknown).
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending line and a caret under the offending text, ready to print.
    pub snippet: String,
}

impl Diagnostic {
    /// Locates a byte span of `source` and renders the message the way compilers do.
    pub fn new(
        file: &str,
        source: &str,
        span: Option<std::ops::Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let message = message.into();
        let Some(span) = span else {
            return Diagnostic {
                file: file.to_owned(),
                line: 0,
                column: 0,
                message,
                snippet: String::new(),
            };
        };
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line_no = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let text = source[line_start..line_end].trim_end_matches('\r');
        let end = floor_char_boundary(source, span.end.min(line_end).max(start));
        let width = source[start..end].chars().count().max(1);
        let gutter = line_no.to_string().len();
        let text = crate::sanitize::for_terminal(text);
        let snippet = format!(
            "{:gutter$} |\n{line_no} | {text}\n{:gutter$} | {}{}",
            "",
            "",
            " ".repeat(column - 1),
            "^".repeat(width),
        );
        Diagnostic {
            file: file.to_owned(),
            line: line_no,
            column,
            message,
            snippet,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )?;
            if !self.snippet.is_empty() {
                write!(f, "\n{}", self.snippet)?;
            }
            Ok(())
        }
    }
}

/// Everything that can stop aigate before it reaches a verdict.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Config(Box<Diagnostic>),

    #[error("cannot read policy file `{}`", path.display())]
    ReadConfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot open a git repository at `{}`", path.display())]
    OpenRepo {
        path: PathBuf,
        #[source]
        source: GitError,
    },

    #[error("cannot resolve revision `{spec}`")]
    Revision {
        spec: String,
        #[source]
        source: GitError,
    },

    #[error("git error while {doing}")]
    Git {
        doing: String,
        #[source]
        source: GitError,
    },

    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{what}: {detail}")]
    Input { what: String, detail: String },

    #[error("{0}")]
    Usage(String),

    #[error("cannot write the report")]
    Output(#[source] std::io::Error),
}

/// An error of the git libraries, shown by its message and its causes on one line (their
/// classes and codes are for programs).
#[derive(Debug)]
pub struct GitError(pub String);

impl GitError {
    /// The message of `e` and of each of its sources.
    pub fn new(e: &(dyn std::error::Error + 'static)) -> Self {
        GitError(chain(e))
    }
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GitError {}

impl Error {
    /// A failure of the git libraries while `doing` something (name the object or ref there).
    pub fn git(doing: impl Into<String>, source: impl std::error::Error + 'static) -> Self {
        Error::Git {
            doing: doing.into(),
            source: GitError::new(&source),
        }
    }

    pub fn input(what: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Input {
            what: what.into(),
            detail: detail.into(),
        }
    }

    /// True for a closed pipe on our output (`aigate audit | head`), which is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error::Config(Box::new(d))
    }
}

/// The error and its sources, `: `-separated, on one line (a located policy error adds the
/// offending line below it).
pub fn chain(e: &dyn std::error::Error) -> String {
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

pub type Result<T, E = Error> = std::result::Result<T, E>;
