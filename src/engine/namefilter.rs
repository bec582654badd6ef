//! A cheap, conservative test run on tree entry names before the path `GlobSet`: most entries
//! of a tree (`main.c`, `README`) cannot be marker paths whatever directory they stand in, and
//! telling so from the name alone is far cheaper than building the path and asking the set.
//!
//! A path can match a marker glob only if its last component matches the last component of
//! some pattern (`claude.md`, `*.agent.md`), or one of its directories matches any component
//! of some pattern (everything beneath `.claude/` is a marker). The filter answers "maybe"
//! for those and for anything it cannot judge (non-ASCII names, whose case folding the set
//! does in Unicode; pattern syntax beyond `*` and `?`); the set decides. So the results are
//! identical with or without it.

/// Lower-case names and simple globs, with quick rejects: on length and first byte for the
/// names, on the last byte for `*tail` globs, on the first byte for `head*` globs. A tree
/// entry's name is asked here once per tree that holds it (hundreds of millions of times in
/// a large history's audit).
#[derive(Debug, Default, Clone)]
struct Names {
    /// Sorted, for a binary search once the quick test passes.
    literal: Vec<Vec<u8>>,
    /// `(first lower-case byte, length)` of each literal, as a bitmap over 256 x 64.
    quick: Vec<u64>,
    /// `*tail` globs, `head*` globs and the rest.
    tails: Vec<Vec<u8>>,
    heads: Vec<Vec<u8>>,
    globs: Vec<Vec<u8>>,
    /// The last byte of each tail and the first of each head, as bitmaps over 256.
    tail_last: [u64; 4],
    head_first: [u64; 4],
}

fn has(bits: &[u64; 4], byte: u8) -> bool {
    bits[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0
}

fn set(bits: &mut [u64; 4], byte: u8) {
    bits[usize::from(byte >> 6)] |= 1 << (byte & 63);
}

impl Names {
    fn add(&mut self, lower: Vec<u8>) {
        if self.quick.is_empty() {
            self.quick = vec![0; 256];
        }
        let star_count = lower.iter().filter(|&&c| c == b'*').count();
        let simple = !lower.contains(&b'?') && star_count == 1;
        if simple && lower[0] == b'*' {
            match lower.last() {
                // `*` alone: every name.
                Some(b'*') => self.tail_last = [u64::MAX; 4],
                Some(&last) => set(&mut self.tail_last, last),
                None => {}
            }
            self.tails.push(lower[1..].to_vec());
        } else if simple && lower.last() == Some(&b'*') {
            set(&mut self.head_first, lower[0]);
            self.heads.push(lower[..lower.len() - 1].to_vec());
        } else if star_count > 0 || lower.contains(&b'?') {
            self.globs.push(lower);
        } else if let Some(&first) = lower.first() {
            self.quick[usize::from(first)] |= 1 << lower.len().min(63);
            if let Err(at) = self.literal.binary_search(&lower) {
                self.literal.insert(at, lower);
            }
        }
    }

    fn matches(&self, name: &[u8]) -> bool {
        let (Some(&first), Some(&last)) = (name.first(), name.last()) else {
            return false;
        };
        let (first, last) = (first.to_ascii_lowercase(), last.to_ascii_lowercase());
        if !self.quick.is_empty() && self.quick[usize::from(first)] & (1 << name.len().min(63)) != 0
        {
            let mut buf = [0u8; 64];
            let found = match buf.get_mut(..name.len()) {
                Some(lower) => {
                    lower.copy_from_slice(name);
                    lower.make_ascii_lowercase();
                    self.literal.binary_search_by(|l| l[..].cmp(lower)).is_ok()
                }
                None => self.literal.iter().any(|l| l.eq_ignore_ascii_case(name)),
            };
            if found {
                return true;
            }
        }
        let ends = |t: &Vec<u8>| {
            name.len() >= t.len() && name[name.len() - t.len()..].eq_ignore_ascii_case(t)
        };
        let starts = |h: &Vec<u8>| name.len() >= h.len() && name[..h.len()].eq_ignore_ascii_case(h);
        if (has(&self.tail_last, last) && self.tails.iter().any(ends))
            || (has(&self.head_first, first) && self.heads.iter().any(starts))
        {
            return true;
        }
        !self.globs.is_empty() && {
            let lower = name.to_ascii_lowercase();
            self.globs.iter().any(|g| glob_match(g, &lower))
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct NameFilter {
    /// Last components of the patterns.
    names: Names,
    /// Every component of every pattern.
    dirs: Names,
    /// Some pattern cannot be judged by name: every entry is a candidate.
    all: bool,
}

impl NameFilter {
    /// Adds one path pattern as written in a rule (`CLAUDE.md`, `/.rules`,
    /// `.github/prompts/*.prompt.md`).
    pub fn add(&mut self, pattern: &str) {
        let pattern = pattern.trim_matches('/');
        if !pattern.is_ascii() || pattern.contains(['[', ']', '{', '}', '\\']) {
            self.all = true;
            return;
        }
        let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
        let Some(last) = parts.last() else {
            self.all = true;
            return;
        };
        if last.contains("**") {
            self.all = true;
            return;
        }
        let lower = |s: &str| s.to_ascii_lowercase().into_bytes();
        self.names.add(lower(last));
        for part in parts {
            if part == "**" {
                continue;
            }
            if part.contains("**") {
                self.all = true;
            } else {
                self.dirs.add(lower(part));
            }
        }
    }

    /// Whether a file (or other non-directory entry) named `name` may be a marker path,
    /// given that no directory above it may hold markers.
    pub fn file_may_match(&self, name: &[u8]) -> bool {
        self.all || !name.is_ascii() || self.names.matches(name)
    }

    /// Whether names tell candidates apart at all (a pattern that cannot be judged by name
    /// makes every entry one).
    pub fn selective(&self) -> bool {
        !self.all
    }

    /// Whether everything beneath a directory named `name` must be checked.
    pub fn dir_may_match(&self, name: &[u8]) -> bool {
        self.all || !name.is_ascii() || self.dirs.matches(name)
    }
}

/// `*` and `?` over one path component (neither matches `/`, which a name never holds).
fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((sp, sn)) = star {
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter() -> NameFilter {
        let mut f = NameFilter::default();
        for p in [
            "CLAUDE.md",
            "/.rules",
            ".github/prompts/*.prompt.md",
            ".roorules-*",
            ".claude",
        ] {
            f.add(p);
        }
        f
    }

    #[test]
    fn names_that_cannot_match_are_rejected() {
        let f = filter();
        assert!(!f.file_may_match(b"main.c"));
        assert!(!f.file_may_match(b"claude.rs"));
        assert!(!f.dir_may_match(b"src"));
    }

    #[test]
    fn candidates_pass_in_any_case() {
        let f = filter();
        for name in [
            &b"claude.md"[..],
            b"CLAUDE.MD",
            b".rules",
            b"x.prompt.md",
            b".roorules-code",
            b"\xc3\xa9t\xc3\xa9",
        ] {
            assert!(
                f.file_may_match(name),
                "{:?}",
                String::from_utf8_lossy(name)
            );
        }
        for name in [&b".claude"[..], b".GitHub", b"prompts"] {
            assert!(f.dir_may_match(name), "{:?}", String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn globs_match_like_shell_globs() {
        assert!(glob_match(b"*.agent.md", b"a.agent.md"));
        assert!(glob_match(b"*.agent.md", b".agent.md"));
        assert!(!glob_match(b"*.agent.md", b"a.agent.mdx"));
        assert!(glob_match(b"a?c*", b"abcdef"));
        assert!(glob_match(b"*a*b", b"xxaxxb"));
    }
}
