//! Neutralises untrusted text (commit messages, paths, identities, all chosen by the people
//! aigate polices) before it reaches a terminal or a `remote:` line: control characters,
//! escape sequences, bidirectional controls, Unicode tag characters and every other character
//! that renders as nothing are shown as visible escapes, never obeyed or hidden.
//!
//! The set of invisible characters is [`is_invisible`], the same set the matcher removes
//! before matching (`engine::normalize`): what the matcher sees through, a reader sees too.

use std::borrow::Cow;
use std::fmt::Write;

/// Returns `text` with every control character and every [`is_invisible`] one (format,
/// bidirectional and tag characters, joiners, fillers, variation selectors) and the line and
/// paragraph separators replaced by a visible `\u{..}`-style escape (`\t` is kept as a space). Printable text, including non-ASCII
/// letters, passes unchanged.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`for_terminal`] of `text`, cut to at most about `max` characters of output with `...`:
/// for quoting untrusted input in an error message without echoing megabytes of it. The
/// bound is on what is printed, since one control character escapes to several.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut printed = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let piece = for_terminal(c.encode_utf8(&mut buf));
        printed += piece.chars().count();
        if printed > max {
            out.push_str("...");
            return out;
        }
        out.push_str(&piece);
    }
    out
}

/// Lossy UTF-8 decoding followed by [`for_terminal`], for byte strings such as git paths.
pub fn bytes_for_terminal(bytes: &[u8]) -> String {
    for_terminal(&String::from_utf8_lossy(bytes)).into_owned()
}

/// Quotes `text` for a POSIX shell command line shown to the user (`'it'\''s'`).
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/+@:=,".contains(&b))
    {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Characters that render as nothing: Unicode format characters (category Cf, which holds the
/// bidirectional controls and the tag characters U+E0000-E007F), variation selectors, joiners
/// and fillers. A marker split by one of them looks whole to a reader, so the matcher removes
/// them before matching and [`for_terminal`] shows them.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}'
        | '\u{0600}'..='\u{0605}'
        | '\u{06DD}' | '\u{070F}' | '\u{08E2}' | '\u{110BD}' | '\u{110CD}'
    )
}

#[cfg(test)]
mod tests {
    use super::for_terminal;

    #[test]
    fn escape_sequences_are_made_visible() {
        assert_eq!(for_terminal("a\u{1b}[31mred"), "a\\e[31mred");
        assert_eq!(for_terminal("x\rY"), "x\\rY");
        assert_eq!(for_terminal("bidi\u{202E}txt"), "bidi\\u{202e}txt");
    }

    #[test]
    fn excerpts_bound_the_printed_length() {
        assert_eq!(super::excerpt("abc", 10), "abc");
        assert_eq!(super::excerpt("abcdef", 3), "abc...");
        let escaped = super::excerpt(&"\u{19}".repeat(1000), 100);
        assert!(escaped.chars().count() <= 103, "{escaped}");
    }

    #[test]
    fn shell_quoting_survives_quotes() {
        assert_eq!(super::shell_quote("CLAUDE.md"), "CLAUDE.md");
        assert_eq!(super::shell_quote("it's here"), r"'it'\''s here'");
    }

    #[test]
    fn everything_the_matcher_sees_through_is_shown() {
        // Tag characters spelling "hi", a bidi isolate, a Hangul filler, a variation selector.
        assert_eq!(
            for_terminal("a\u{E0068}\u{E0069}b"),
            "a\\u{e0068}\\u{e0069}b"
        );
        assert_eq!(for_terminal("x\u{2067}y"), "x\\u{2067}y");
        assert_eq!(for_terminal("x\u{3164}y\u{FE0F}"), "x\\u{3164}y\\u{fe0f}");
        assert_eq!(for_terminal("a\u{2028}b"), "a\\u{2028}b");
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if super::is_invisible(c) {
                assert_ne!(for_terminal(&c.to_string()), c.to_string(), "{c:?}");
            }
        }
    }

    #[test]
    fn printable_text_is_untouched() {
        assert_eq!(for_terminal("Ünïcödé CLAUDE.md"), "Ünïcödé CLAUDE.md");
    }
}
