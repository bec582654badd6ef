//! Word boundaries made ASCII in the patterns aigate compiles.
//!
//! A Unicode `\b` stops the regex crate's fast (lazy DFA) search at the first byte outside
//! ASCII, and the search starts again in the slow one: every message line with a name like
//! `Ævar Arnfjörð` paid for it, 26 times the time of an ASCII line. Markers are ASCII, so
//! the word boundaries of message and identity patterns are ASCII ones (`(?-u:\b)`): a
//! letter outside ASCII counts as a character that is not part of a word.

use regex_syntax::ast::{self, AssertionKind, Ast};

/// `pattern` with each word-boundary assertion (`\b`, `\B`, `\<`, `\>`, `\b{start}`, ...)
/// wrapped as `(?-u:...)`. A pattern that does not parse is returned as it is: compiling it
/// reports the error against the text the user wrote.
pub fn ascii_word_boundaries(pattern: &str) -> std::borrow::Cow<'_, str> {
    // Most patterns have none.
    if !pattern.contains('\\') {
        return pattern.into();
    }
    let Ok(parsed) = ast::parse::Parser::new().parse(pattern) else {
        return pattern.into();
    };
    let mut spans = Vec::new();
    let _ = ast::visit(&parsed, Boundaries(&mut spans));
    if spans.is_empty() {
        return pattern.into();
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(pattern.len() + 8 * spans.len());
    let mut at = 0;
    for (start, end) in spans {
        out.push_str(&pattern[at..start]);
        out.push_str("(?-u:");
        out.push_str(&pattern[start..end]);
        out.push(')');
        at = end;
    }
    out.push_str(&pattern[at..]);
    out.into()
}

/// Collects the byte spans of word-boundary assertions.
struct Boundaries<'a>(&'a mut Vec<(usize, usize)>);

impl ast::Visitor for Boundaries<'_> {
    type Output = ();
    type Err = std::convert::Infallible;

    fn finish(self) -> Result<(), Self::Err> {
        Ok(())
    }

    fn visit_pre(&mut self, node: &Ast) -> Result<(), Self::Err> {
        if let Ast::Assertion(a) = node {
            let word = !matches!(
                a.kind,
                AssertionKind::StartLine
                    | AssertionKind::EndLine
                    | AssertionKind::StartText
                    | AssertionKind::EndText
            );
            if word {
                self.0.push((a.span.start.offset, a.span.end.offset));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_every_word_boundary_and_nothing_else() {
        for (given, made) in [
            (
                r"generated with \[?claude code\b",
                r"generated with \[?claude code(?-u:\b)",
            ),
            (r"\bcursor\B", r"(?-u:\b)cursor(?-u:\B)"),
            (r"\<amp\>", r"(?-u:\<)amp(?-u:\>)"),
            (r"x\b{start}y", r"x(?-u:\b{start})y"),
            // An escaped backslash before a `b` is a backslash and a `b`.
            (r"a\\b", r"a\\b"),
            (r"^co-authored-by:\s*\S+$", r"^co-authored-by:\s*\S+$"),
            (r"(a|\bb)+", r"(a|(?-u:\b)b)+"),
            ("plain", "plain"),
            // Not a pattern: left for the compiler to report.
            (r"(\b", r"(\b"),
        ] {
            assert_eq!(ascii_word_boundaries(given), made, "{given}");
        }
    }

    /// The rewritten pattern finds the same ASCII markers, and a line with letters outside
    /// ASCII no longer changes what `\b` means next to an ASCII word.
    #[test]
    fn matches_as_before_on_ascii_and_treats_other_letters_as_non_word() {
        let re = |p: &str| {
            regex::RegexBuilder::new(&ascii_word_boundaries(p))
                .case_insensitive(true)
                .build()
                .unwrap()
        };
        let claude = re(r"generated with \[?claude code\b");
        assert!(claude.is_match("🤖 Generated with [Claude Code](https://claude.com)"));
        assert!(claude.is_match("Ævar: generated with claude code"));
        assert!(!claude.is_match("generated with claude codex"));
        // `é` is a word character to a Unicode `\b`, not to an ASCII one.
        assert!(claude.is_match("generated with claude codeé"));
        assert!(!claude.is_match("generated with claude code_x"));
    }

    /// Every kind of word boundary, made ASCII, compiles where text must be UTF-8.
    #[test]
    fn every_ascii_boundary_compiles_for_text() {
        for p in [
            r"\b",
            r"\B",
            r"\<",
            r"\>",
            r"\b{start}",
            r"\b{end}",
            r"\b{start-half}",
            r"\b{end-half}",
        ] {
            let made = ascii_word_boundaries(p);
            assert_ne!(made, p);
            regex::RegexSet::new([made.as_ref()]).unwrap_or_else(|e| panic!("{made}: {e}"));
        }
    }
}
