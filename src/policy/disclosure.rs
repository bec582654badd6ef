//! The `[disclosure]` table of a policy: how use of an assistant under `disclose` is
//! written and checked. A preset's table and the file's are laid over each other key by key.

use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::catalogue::{at, SourceFile};
use crate::engine::disclosure::{AuthorRule, Disclosure, Place};
use crate::engine::message::trailer_key;
use crate::engine::Severity;
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Allow,
    Warn,
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum AuthorLevel {
    Disclose,
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum PlaceName {
    Message,
    PullRequest,
}

/// The `[disclosure]` table, as written (each key may come from a preset or the file).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct DisclosureSection {
    #[serde(default)]
    trailer: Option<Spanned<String>>,
    #[serde(default)]
    accept: Option<Vec<String>>,
    #[serde(default)]
    form: Option<Spanned<String>>,
    #[serde(default)]
    form_help: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    value_without_model: Option<String>,
    #[serde(default)]
    paths: Option<Level>,
    #[serde(default)]
    author: Option<AuthorLevel>,
    #[serde(default)]
    disclose_in: Option<PlaceName>,
    #[serde(default)]
    fix: Option<bool>,
    /// Where `form` was written, for its error.
    #[serde(skip)]
    form_file: Option<Arc<SourceFile>>,
    /// Where `trailer` was written, for its error.
    #[serde(skip)]
    trailer_file: Option<Arc<SourceFile>>,
}

impl DisclosureSection {
    /// Each key `other` writes replaces this one's.
    pub(super) fn overlay(&mut self, file: &Arc<SourceFile>, other: DisclosureSection) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        if other.form.is_some() {
            self.form_file = Some(file.clone());
        }
        if other.trailer.is_some() {
            self.trailer_file = Some(file.clone());
        }
        take!(
            trailer,
            accept,
            form,
            form_help,
            value,
            value_without_model,
            paths,
            author,
            disclose_in,
            fix
        );
    }

    pub(super) fn check(self) -> Result<Disclosure> {
        let mut d = Disclosure::default();
        if let (Some(t), Some(file)) = (self.trailer, self.trailer_file) {
            let key = trailer_key(&format!("{}: x", t.get_ref()));
            if key.is_none() || t.get_ref().contains(':') {
                return Err(at(
                    &file,
                    t.span(),
                    format!(
                        "`{}` is not a trailer key (letters, digits and `-`, like `Assisted-by`)",
                        t.get_ref()
                    ),
                )
                .into());
            }
            d.trailer = t.into_inner();
        }
        d.keys = std::iter::once(d.trailer.as_str())
            .chain(self.accept.iter().flatten().map(String::as_str))
            .filter_map(|k| trailer_key(&format!("{k}: x")))
            .collect();
        if let (Some(form), Some(file)) = (self.form, self.form_file) {
            let re = regex::Regex::new(form.get_ref()).map_err(|e| {
                let detail = crate::engine::matcher::regex_detail(&e);
                at(
                    &file,
                    form.span(),
                    format!("invalid regular expression: {detail}"),
                )
            })?;
            d.form = Some(re);
        }
        d.form_help = self.form_help;
        if let Some(v) = self.value {
            d.value = v;
        }
        if let Some(v) = self.value_without_model {
            d.value_without_model = v;
        }
        d.paths = match self.paths {
            None | Some(Level::Allow) => None,
            Some(Level::Warn) => Some(Severity::Warn),
            Some(Level::Deny) => Some(Severity::Deny),
        };
        d.author = match self.author {
            Some(AuthorLevel::Deny) => AuthorRule::Deny,
            _ => AuthorRule::Disclose,
        };
        d.place = match self.disclose_in {
            Some(PlaceName::PullRequest) => Place::PullRequest,
            _ => Place::Message,
        };
        d.fix = self.fix.unwrap_or(false);
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::Policy;

    #[test]
    fn a_bad_trailer_key_or_form_is_located() {
        let err = Policy::parse("p.toml", "[disclosure]\ntrailer = \"Assisted by: AI\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("p.toml:2:11: `Assisted by: AI` is not a trailer key"),
            "{err}"
        );
        let err = Policy::parse("p.toml", "[disclosure]\nform = '^(x'\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("p.toml:2:8: invalid regular expression"),
            "{err}"
        );
    }

    #[test]
    fn the_file_overrides_a_presets_keys_one_by_one() {
        let p = Policy::parse(
            "p.toml",
            "[policy]\npreset = \"mesa\"\n[disclosure]\ntrailer = \"AI-assisted-by\"\n",
        )
        .unwrap();
        assert_eq!(p.disclosure.trailer, "AI-assisted-by");
        // `accept` still comes from the preset.
        assert_eq!(p.disclosure.keys, ["ai-assisted-by", "generated-by"]);
        assert_eq!(
            p.disclosure.author,
            crate::engine::disclosure::AuthorRule::Deny
        );
    }
}
