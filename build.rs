//! Embeds every `rules/*.toml` file in the binary: writes an array of
//! `(file name, include_str!(file))` that `src/catalogue/mod.rs` includes.

use std::{env, fs, path::Path};

fn main() {
    // Read at run time: `env!` would freeze the path of the checkout the script was first
    // built in, and a target directory shared or copied between checkouts would then embed
    // another checkout's rules.
    let manifest = env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("rules/ exists")
        .map(|e| {
            e.expect("rules/ is readable")
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
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_rules.rs"),
        out,
    )
    .unwrap();
}
