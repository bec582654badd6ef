//! Embeds every `rules/*.toml` file in the binary: writes an array of
//! `(file name, include_str!(file))` that `src/catalogue/mod.rs` includes; and the same for
//! the policy presets in `rules/presets/*.toml`, for `src/policy/preset.rs`.
//!
//! Also parses the rules files once, here, with the crate's own definitions of a rules file
//! (`src/catalogue/defs.rs`), and writes code that builds the parsed values: a start of aigate
//! then skips parsing 90 KB of TOML. The values go through the same checks at run time as any
//! policy's rules; a file that does not parse here is parsed at run time, to report its error.

use std::fmt::Write as _;
use std::{env, fs, path::Path};

#[allow(dead_code)]
#[path = "src/catalogue/defs.rs"]
mod defs;

use defs::{AssistantDef, RuleDef, RuleFile};
use toml::Spanned;

fn main() {
    // Read at run time: `env!` would freeze the path of the checkout the script was first
    // built in, and a target directory shared or copied between checkouts would then embed
    // another checkout's rules.
    let manifest = env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let rules = Path::new(&manifest).join("rules");
    println!("cargo:rerun-if-changed=src/catalogue/defs.rs");
    let names = embed(&rules, "builtin_rules.rs");
    digest(&rules, &names, "builtin_parsed.rs");
    embed(&rules.join("presets"), "builtin_presets.rs");
}

/// Writes `out_name` in `OUT_DIR`: the `.toml` files of `dir`, sorted by name. Returns the
/// names.
fn embed(dir: &Path, out_name: &str) -> Vec<String> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("the directory exists")
        .map(|e| {
            e.expect("the directory is readable")
                .file_name()
                .into_string()
                .expect("UTF-8 names")
        })
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut out = String::from("[\n");
    for name in &names {
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push(']');
    write_out(out_name, &out);
    names
}

/// Writes `out_name` in `OUT_DIR`: `fn files() -> Vec<Option<RuleFile>>`, one per name in
/// order, `None` where the file does not parse.
fn digest(dir: &Path, names: &[String], out_name: &str) {
    let mut out = String::from("pub(super) fn files() -> Vec<Option<RuleFile>> {\n    vec![\n");
    for name in names {
        let text = fs::read_to_string(dir.join(name)).expect("rules files are UTF-8");
        match toml::from_str::<RuleFile>(&text) {
            Ok(file) => writeln!(out, "        Some({}),", rule_file(&file)),
            Err(_) => writeln!(out, "        None,"),
        }
        .expect("writing to a string");
    }
    out.push_str("    ]\n}\n");
    write_out(out_name, &out);
}

fn write_out(name: &str, text: &str) {
    let dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    fs::write(Path::new(&dir).join(name), text).expect("OUT_DIR is writable");
}

// Each function below writes a Rust expression building the value it is given. They name every
// field: a field added to a definition and not written here fails to compile.

fn rule_file(f: &RuleFile) -> String {
    format!(
        "RuleFile {{ assistant: {}, rule: vec![{}] }}",
        option(f.assistant.as_ref().map(assistant)),
        list(f.rule.iter().map(rule)),
    )
}

fn assistant(a: &AssistantDef) -> String {
    format!(
        "AssistantDef {{ id: {}, name: {:?}.to_owned(), products: {} }}",
        spanned(&a.id),
        a.name,
        option(a.products.as_deref().map(strings)),
    )
}

fn rule(r: &RuleDef) -> String {
    let kind = format!(
        "Spanned::new({}..{}, Kind::{:?})",
        r.kind.span().start,
        r.kind.span().end,
        r.kind.get_ref()
    );
    let shape = r.shape.as_ref().map(|s| {
        format!(
            "Spanned::new({}..{}, Shape::{:?})",
            s.span().start,
            s.span().end,
            s.get_ref()
        )
    });
    format!(
        "RuleDef {{ id: {}, assistant: {}, kind: {kind}, paths: {}, patterns: {}, \
         subject_only: {}, shape: {}, emails: {}, github: {}, names: {}, domains: {}, \
         refs: {}, variables: {}, value: {}, opt_in: {}, source: {}, examples: {}, \
         counter_examples: {} }}",
        spanned(&r.id),
        option(r.assistant.as_ref().map(spanned)),
        spanned_list(&r.paths),
        spanned_list(&r.patterns),
        r.subject_only,
        option(shape),
        spanned_list(&r.emails),
        spanned_list(&r.github),
        spanned_list(&r.names),
        spanned_list(&r.domains),
        spanned_list(&r.refs),
        spanned_list(&r.variables),
        option(r.value.as_ref().map(spanned)),
        r.opt_in,
        option(r.source.as_ref().map(|s| format!("{s:?}.to_owned()"))),
        strings(&r.examples),
        strings(&r.counter_examples),
    )
}

/// `s(start, end, "text")`: a helper of `src/catalogue/mod.rs` making a `Spanned<String>`.
fn spanned(v: &Spanned<String>) -> String {
    format!("s({}, {}, {:?})", v.span().start, v.span().end, v.get_ref())
}

fn spanned_list(v: &[Spanned<String>]) -> String {
    format!("vec![{}]", list(v.iter().map(spanned)))
}

/// `v(&["a", "b"])`: a helper of `src/catalogue/mod.rs` making a `Vec<String>`.
fn strings(v: &[String]) -> String {
    format!("v(&[{}])", list(v.iter().map(|s| format!("{s:?}"))))
}

fn option(v: Option<String>) -> String {
    v.map_or_else(|| "None".to_owned(), |v| format!("Some({v})"))
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}
