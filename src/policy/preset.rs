//! Policy presets: the published AI rules of projects (`rules/presets/*.toml`), embedded in
//! the binary and named with `[policy] preset = "NAME"`. A preset is a policy file with an
//! `[about]` table (title, source URL, summary); the file naming it extends and overrides it.

use serde::Deserialize;

/// The embedded presets: `(file name, text)`, sorted by name.
const BUILTIN: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/builtin_presets.rs"));

/// One preset's name and text.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    pub text: &'static str,
}

impl Preset {
    /// The pseudo-path errors in a preset point at.
    pub fn path(&self) -> String {
        format!("<builtin>/rules/presets/{}.toml", self.name)
    }
}

/// The `[about]` table of a preset.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct About {
    pub title: String,
    /// Where the project publishes the rules the preset encodes.
    pub source: String,
    pub summary: String,
}

/// Every preset, by name.
pub fn all() -> impl Iterator<Item = Preset> {
    BUILTIN.iter().map(|(file, text)| Preset {
        name: file.trim_end_matches(".toml"),
        text,
    })
}

pub fn find(name: &str) -> Option<Preset> {
    all().find(|p| p.name == name)
}

/// `unknown preset `x`` with the closest name, or the list.
pub fn unknown(name: &str) -> String {
    let names: Vec<&str> = all().map(|p| p.name).collect();
    match super::closest(name, names.iter().copied()) {
        Some(near) => format!("unknown preset `{name}` (did you mean `{near}`?)"),
        None => format!("unknown preset `{name}` (known: {})", names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn every_preset_parses_and_names_its_source() {
        let mut n = 0;
        for p in all() {
            let policy = Policy::parse("p.toml", &format!("[policy]\npreset = \"{}\"\n", p.name))
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            let about = policy.about.expect("a preset has an [about] table");
            assert!(about.source.starts_with("https://"), "{}", p.name);
            n += 1;
        }
        assert!(n >= 9, "{n} presets");
    }

    #[test]
    fn every_file_in_presets_dir_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/presets");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(on_disk, embedded);
    }
}
