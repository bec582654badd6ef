//! docs/catalogue.md holds the catalogue as a table generated from `aigate rules --format
//! json`, between `<!-- rules:begin` and `<!-- rules:end -->`. This test regenerates the table
//! and fails when the page is stale; `AIGATE_BLESS=1 cargo test --test catalogue_doc` rewrites
//! it.

mod common;

use common::{aigate_json, TestRepo};

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/catalogue.md");
const BEGIN: &str = "<!-- rules:begin";
const END: &str = "<!-- rules:end -->";

/// A markdown code span holding `text`, safe inside a table cell.
fn code(text: &str) -> String {
    let text = text.replace('|', "\\|");
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// The table for the rows `aigate rules --format json` prints.
fn table(rows: &serde_json::Value) -> String {
    let mut out = String::from(
        "| assistant | rule | kind | policy | patterns | source |\n|---|---|---|---|---|---|\n",
    );
    for row in rows.as_array().expect("an array of rules") {
        let s = |key: &str| row[key].as_str().unwrap_or_default().to_owned();
        let patterns: Vec<String> = row["patterns"]
            .as_array()
            .expect("patterns")
            .iter()
            .map(|p| code(p.as_str().expect("a string pattern")))
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            s("assistant"),
            s("rule"),
            s("kind"),
            s("policy"),
            patterns.join(" "),
            s("source").replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn catalogue_doc_table_matches_aigate_rules() {
    let repo = TestRepo::init();
    let (code, rows) = aigate_json(repo.path(), &["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let expected = table(&rows);
    let doc = std::fs::read_to_string(DOC).expect("docs/catalogue.md");
    let begin = doc
        .find(BEGIN)
        .expect("docs/catalogue.md has `<!-- rules:begin`");
    let body_start = begin + doc[begin..].find("-->\n").expect("the begin marker ends") + 4;
    let end = doc
        .find(END)
        .expect("docs/catalogue.md has `<!-- rules:end -->`");
    if doc[body_start..end] == expected {
        return;
    }
    if std::env::var_os("AIGATE_BLESS").is_some() {
        let fresh = format!("{}{expected}{}", &doc[..body_start], &doc[end..]);
        std::fs::write(DOC, fresh).expect("write docs/catalogue.md");
        return;
    }
    panic!(
        "docs/catalogue.md is stale: its rules table differs from `aigate rules --format json`; \
         refresh it with `AIGATE_BLESS=1 cargo test --test catalogue_doc`"
    );
}
