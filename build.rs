//! Embeds every `rules/*.toml` file in the binary: writes an array of
//! `(file name, include_str!(file))` that `src/catalogue/mod.rs` includes; and the same for
//! the policy presets in `rules/presets/*.toml`, for `src/policy/preset.rs`.

use std::{env, fs, path::Path};

fn main() {
    // Read at run time: `env!` would freeze the path of the checkout the script was first
    // built in, and a target directory shared or copied between checkouts would then embed
    // another checkout's rules.
    let manifest = env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let rules = Path::new(&manifest).join("rules");
    embed(&rules, "builtin_rules.rs");
    embed(&rules.join("presets"), "builtin_presets.rs");
}

/// Writes `out_name` in `OUT_DIR`: the `.toml` files of `dir`, sorted by name.
fn embed(dir: &Path, out_name: &str) {
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
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join(out_name), out).unwrap();
}
