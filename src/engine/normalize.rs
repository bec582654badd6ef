//! Text normalisation applied to messages and identities before they are matched, so that a
//! marker written with look-alike letters, full-width forms, zero-width characters, odd case or
//! CRLF line ends is found as if it had been typed plainly.
//!
//! The steps, in order: Unicode NFKC (full-width and compatibility forms to their plain
//! letters), removal of invisible format characters, folding of Cyrillic and Greek letters
//! that look like Latin ones, lower case. ASCII text, by far the most common, takes a fast path.

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

// Characters that render as nothing: the set lives beside the terminal sanitiser, which shows
// exactly what is removed here.
use crate::sanitize::is_invisible;

/// Normalises one piece of text (a message line, a name, an e-mail address).
pub fn normalize(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(text.to_ascii_lowercase());
        }
        return Cow::Borrowed(text);
    }
    // Each step can expose work for another (lower case turns `Ϳ` into the foldable `ϳ`;
    // NFKC composes a folded letter with a following mark), so passes repeat until nothing
    // changes. Real text settles in one or two; the bound keeps hostile input linear.
    let mut current = pass(text);
    for _ in 0..4 {
        if current.is_ascii() {
            break;
        }
        let next = pass(&current);
        if next == current {
            break;
        }
        current = next;
    }
    Cow::Owned(current)
}

/// [`normalize`] into `out`, replacing what it held: a caller normalising line after line
/// reuses one buffer (a line with a capital letter otherwise costs an allocation).
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&normalize(text));
    }
}

fn pass(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkc() {
        if is_invisible(c) {
            continue;
        }
        for lower in c.to_lowercase() {
            out.push(fold_lookalike(lower));
        }
    }
    if out.is_ascii() {
        out
    } else {
        out.nfkc().collect()
    }
}

/// Folds Cyrillic, Greek and a few other letters that are drawn like Latin ones (after the
/// Unicode confusables list) to that Latin letter, in lower case.
fn fold_lookalike(c: char) -> char {
    match c {
        // Cyrillic
        'а' | 'А' => 'a',
        'в' | 'В' | 'Ь' => 'b',
        'с' | 'С' | 'ϲ' | 'Ϲ' => 'c',
        'ԁ' | 'Ԁ' => 'd',
        'е' | 'Е' | 'ё' | 'Ё' | 'Ѐ' | 'ѐ' => 'e',
        'ԍ' | 'Ԍ' => 'g',
        'һ' | 'Һ' | 'н' | 'Н' => 'h',
        'і' | 'І' | 'ї' | 'Ї' | 'Ӏ' | 'ӏ' => 'i',
        'ј' | 'Ј' => 'j',
        'к' | 'К' => 'k',
        'м' | 'М' => 'm',
        'о' | 'О' => 'o',
        'р' | 'Р' => 'p',
        'ԛ' | 'Ԛ' => 'q',
        'ѕ' | 'Ѕ' => 's',
        'т' | 'Т' => 't',
        'у' | 'У' | 'ү' | 'Ү' => 'y',
        'ԝ' | 'Ԝ' => 'w',
        'х' | 'Х' => 'x',
        // Greek
        'α' | 'Α' => 'a',
        'β' | 'Β' => 'b',
        'ε' | 'Ε' => 'e',
        'η' | 'Η' => 'h',
        'ι' | 'Ι' | 'ί' => 'i',
        'κ' | 'Κ' => 'k',
        'μ' | 'Μ' => 'm',
        'ν' | 'Ν' => 'n',
        'ο' | 'Ο' | 'ό' => 'o',
        'ρ' | 'Ρ' => 'p',
        'τ' | 'Τ' => 't',
        'υ' | 'Υ' => 'u',
        'χ' | 'Χ' => 'x',
        'ζ' | 'Ζ' => 'z',
        'ϳ' => 'j',
        // Dashes and colons drawn like `-` and `:` (in trailer keys: `Co‑authored‑by∶`)
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}' | '\u{2043}' => '-',
        '\u{2236}' | '\u{A789}' | '\u{02D0}' | '\u{02F8}' | '\u{0589}' | '\u{05C3}' => ':',
        // Latin letters outside ASCII that stand in for ASCII ones
        'ı' => 'i',
        'ɡ' => 'g',
        'ɑ' => 'a',
        // Armenian
        'օ' => 'o',
        'ս' => 'u',
        'ց' => 'g',
        'հ' => 'h',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::{normalize, normalize_into};

    /// Into a reused buffer, the same text as [`normalize`] gives, whatever it held before.
    #[test]
    fn normalize_into_gives_what_normalize_gives() {
        let mut out = String::from("left over from the last line");
        for text in [
            "Co-Authored-By: Claude",
            "plain",
            "",
            "Ｃｌａｕｄｅ",
            "Ævar Arnfjörð",
        ] {
            normalize_into(text, &mut out);
            assert_eq!(out, normalize(text), "{text}");
        }
    }

    #[test]
    fn ascii_is_lowercased() {
        assert_eq!(
            normalize("Co-Authored-By: Claude"),
            "co-authored-by: claude"
        );
        assert_eq!(normalize("plain"), "plain");
    }

    #[test]
    fn cyrillic_lookalikes_fold_to_latin() {
        // 'С' and 'о' below are Cyrillic.
        assert_eq!(
            normalize("Co-Authored-By: \u{0421}laude <noreply@anthr\u{043e}pic.com>"),
            "co-authored-by: claude <noreply@anthropic.com>"
        );
    }

    #[test]
    fn zero_width_characters_are_removed() {
        assert_eq!(normalize("Cla\u{200B}ude\u{FEFF}"), "claude");
        assert_eq!(
            normalize("no\u{2060}reply@anthropic.com"),
            "noreply@anthropic.com"
        );
    }

    #[test]
    fn full_width_forms_become_ascii() {
        assert_eq!(normalize("ＣＬＡＵＤＥ"), "claude");
    }

    #[test]
    fn normalisation_is_idempotent() {
        for s in ["Ｃо-Аuthored-By", "ﬁle", "Ⅻ", "a\u{0301}", "𝐂𝐥𝐚𝐮𝐝𝐞"] {
            let once = normalize(s).into_owned();
            assert_eq!(normalize(&once), once, "{s:?}");
        }
    }
}
