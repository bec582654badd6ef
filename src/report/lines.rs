//! One wording for a finding wherever a person reads it: the audit report, the local hooks
//! and the server hook's `remote:` lines all show a commit once, as a header, with its
//! findings and their fixes beneath:
//!
//! ```text
//! commit 0961bb0e336a 2026-01-01 Add notes
//!   deny: path `CLAUDE.md` - Claude Code (claude-code) [claude-code-memory-file]
//!   fix: remove it (`git rm --cached -r -- CLAUDE.md`) and rewrite ...
//! ```
//!
//! Everything from the repository (subjects, paths, names) is sanitised here.

use std::collections::BTreeSet;
use std::io::Write;

use crate::catalogue::{Catalogue, Kind};
use crate::engine::finding::{path_hint, short_id, Finding};
use crate::engine::Severity;
use crate::sanitize::for_terminal;

/// ANSI styles, or none.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub colour: bool,
}

impl Style {
    pub const PLAIN: Style = Style { colour: false };

    fn paint(self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    pub fn severity(self, s: Severity, text: &str) -> String {
        self.paint(
            match s {
                Severity::Deny => "1;31",
                Severity::Warn => "1;33",
            },
            text,
        )
    }
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
    pub fn commit(self, text: &str) -> String {
        self.paint("33", text)
    }
}

/// `commit 7ad2290a6c90 2026-01-01 Fix parser` or `tag v1 5e1f00aa11bb 2026-01-01 Release`;
/// nothing for findings that belong to no object yet (staged changes, a message being written).
pub fn header(f: &Finding, st: Style) -> Option<String> {
    if f.commit.is_empty() {
        return None;
    }
    let what = match &f.tag {
        Some(t) => format!("tag {} {}", for_terminal(t), st.commit(short_id(&f.commit))),
        None => format!("commit {}", st.commit(short_id(&f.commit))),
    };
    Some(format!(
        "{what} {} {}",
        super::date(f.date),
        for_terminal(f.subject.trim())
    ))
}

/// `deny: path `CLAUDE.md` - Claude Code (claude-code) [claude-code-memory-file]`.
pub fn finding(f: &Finding, catalogue: &Catalogue, st: Style) -> String {
    let name = catalogue
        .assistant(&f.assistant)
        .map_or(f.assistant.as_str(), |a| a.name.as_str());
    format!(
        "{}: {} - {} ({}) [{}]",
        st.severity(f.severity, f.severity.as_str()),
        f.what(),
        for_terminal(name),
        f.assistant,
        f.rule
    )
}

/// How to fix one object's findings, each fix once: a hint several findings share is given
/// once, and several marker paths are removed with one command (paths whose hint the policy
/// changed, such as a disclosure policy's, keep their own).
pub fn fixes(group: &[&Finding]) -> Vec<String> {
    let paths: Vec<&str> = {
        let mut seen = BTreeSet::new();
        group
            .iter()
            .filter_map(|f| plain(f))
            .filter(|p| seen.insert(*p))
            .collect()
    };
    let mut out: Vec<String> = Vec::new();
    for f in group {
        let hint = if paths.len() > 1 && plain(f).is_some() {
            path_hint(&paths, short_id(&f.commit), f.parents, f.commit.is_empty())
        } else {
            f.hint.clone()
        };
        let hint = for_terminal(&hint).into_owned();
        if !out.contains(&hint) {
            out.push(hint);
        }
    }
    out
}

/// The marker path of a path finding whose hint is the usual one for it.
fn plain(f: &Finding) -> Option<&str> {
    let p = f.path.as_deref().filter(|_| f.kind == Kind::Path)?;
    let own = path_hint(&[p], short_id(&f.commit), f.parents, f.commit.is_empty());
    (f.hint == own).then_some(p)
}

/// The findings of each object (repository and commit or tag) together, objects in the
/// order they first appear.
pub fn groups<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<Vec<&'a Finding>> {
    let mut order: Vec<Vec<&Finding>> = Vec::new();
    let mut index: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for f in findings {
        let key = (f.repository.as_deref(), f.commit.as_str(), f.tag.as_deref());
        match index.get(&key) {
            Some(&i) => order[i].push(f),
            None => {
                index.insert(key, order.len());
                order.push(vec![f]);
            }
        }
    }
    order
}

/// Writes one group: its header, then its findings and fixes indented beneath it (at
/// `indent` when there is no header).
pub fn write_group(
    out: &mut dyn Write,
    group: &[&Finding],
    catalogue: &Catalogue,
    indent: &str,
    st: Style,
) -> std::io::Result<()> {
    let Some(first) = group.first() else {
        return Ok(());
    };
    let inner = match header(first, st) {
        Some(h) => {
            writeln!(out, "{indent}{h}")?;
            format!("{indent}  ")
        }
        None => indent.to_owned(),
    };
    for f in group {
        writeln!(out, "{inner}{}", finding(f, catalogue, st))?;
    }
    for fix in fixes(group) {
        writeln!(out, "{inner}{}", st.dim(&format!("fix: {fix}")))?;
    }
    Ok(())
}

/// Every group of `findings`, one after the other.
pub fn write_all<'a>(
    out: &mut dyn Write,
    findings: impl IntoIterator<Item = &'a Finding>,
    catalogue: &Catalogue,
    indent: &str,
    st: Style,
) -> std::io::Result<()> {
    for group in groups(findings) {
        write_group(out, &group, catalogue, indent, st)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::catalogue::Catalogue;
    use crate::engine::finding::{Context, Finding, Stage};
    use crate::engine::matcher::Matcher;

    /// The findings of `paths` and `message` in one commit `id`.
    fn findings(
        id: &str,
        paths: &[&str],
        message: &str,
        stage: Stage,
    ) -> (Vec<Finding>, Catalogue) {
        findings_under(id, 1, paths, message, stage)
    }

    /// [`findings`] in a commit with `parents` parents.
    fn findings_under(
        id: &str,
        parents: usize,
        paths: &[&str],
        message: &str,
        stage: Stage,
    ) -> (Vec<Finding>, Catalogue) {
        let c = Catalogue::builtin().unwrap();
        let m = Matcher::all(&c).unwrap();
        let mut found = Vec::new();
        m.check_message(message, &mut found);
        for p in paths {
            m.check_path(p, &mut found);
        }
        let cx = Context {
            commit: id.to_owned(),
            tag: None,
            subject: "Subject\u{202E}",
            author: "A <a@x>",
            date: 0,
            stage,
            parents,
        };
        let f = found
            .into_iter()
            .map(|x| Finding::new(&m, x, &cx))
            .collect();
        (f, c)
    }

    #[test]
    fn a_commit_is_written_once_with_each_fix_once() {
        let id = "0123456789abcdef0123456789abcdef01234567";
        let trailer = "x\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nGenerated with [Claude Code](https://claude.com/claude-code)";
        let (f, c) = findings(id, &["CLAUDE.md", "a b/CLAUDE.md"], trailer, Stage::Audit);
        let mut out = Vec::new();
        super::write_all(&mut out, &f, &c, "", super::Style::PLAIN).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "commit 0123456789ab 1970-01-01 Subject\\u{202e}");
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("  deny: ")).count(),
            4,
            "{text}"
        );
        let fixes: Vec<&&str> = lines.iter().filter(|l| l.starts_with("  fix: ")).collect();
        assert_eq!(
            fixes.len(),
            2,
            "one for the message lines, one for both paths: {text}"
        );
        assert!(
            fixes
                .iter()
                .any(|l| l.contains("-- CLAUDE.md 'a b/CLAUDE.md' && ")),
            "{text}"
        );
    }

    #[test]
    fn several_paths_of_a_root_commit_are_removed_with_one_rebase_from_the_root() {
        let id = "0123456789abcdef0123456789abcdef01234567";
        let (f, _) = findings_under(id, 0, &["CLAUDE.md", "GEMINI.md"], "", Stage::Audit);
        let fixes = super::fixes(&f.iter().collect::<Vec<_>>());
        assert_eq!(fixes.len(), 1, "{fixes:?}");
        assert!(
            fixes[0].contains("`git rebase -i --rebase-merges --root`")
                && fixes[0].contains("`git rm -r -- CLAUDE.md GEMINI.md && ")
                && fixes[0].contains("exempt the paths"),
            "{}",
            fixes[0]
        );
    }

    #[test]
    fn staged_findings_have_no_header() {
        let (f, c) = findings("", &["CLAUDE.md"], "", Stage::PreCommit);
        let mut out = Vec::new();
        super::write_all(&mut out, &f, &c, "  ", super::Style::PLAIN).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("  deny: path `CLAUDE.md` - Claude Code (claude-code) ["),
            "{text}"
        );
        assert!(text.contains("  fix: unstage it with"), "{text}");
    }
}
