//! `aigate explain ID`: one assistant (its name, every rule, the sources, what the policy in
//! force does with it), one rule (kind, patterns, examples, counter-examples, source, how to
//! fix a finding) or one preset (what it means).

use std::io::Write;

use crate::catalogue::{Kind, Rule};
use crate::engine::disclosure::Place;
use crate::error::{Error, Result};
use crate::policy::{closest, preset, Policy};

/// Writes the explanation of `id`; an id that names nothing is a usage error with the
/// closest known id.
pub fn explain(out: &mut dyn Write, policy: &Policy, id: &str) -> Result<()> {
    let c = &policy.catalogue;
    let text = if let Some(a) = c.assistant(id) {
        assistant(policy, &a.id, &a.name)
    } else if let Some(r) = c.rules.iter().find(|r| r.id == id) {
        rule(policy, r)
    } else if preset::find(id).is_some() {
        let p = Policy::parse(
            &format!("<preset {id}>"),
            &format!("[policy]\npreset = \"{id}\"\n"),
        )?;
        let mut buf = Vec::new();
        crate::report::rules::header(&mut buf, &p)?;
        let mut s = String::from_utf8_lossy(&buf).into_owned();
        s.push_str(&format!(
            "use it with `[policy] preset = \"{id}\"` in `.aigate.toml`; `aigate rules --preset {id}` lists every rule under it\n"
        ));
        s
    } else {
        let ids = c
            .assistants
            .iter()
            .map(|a| a.id.as_str())
            .chain(c.rules.iter().map(|r| r.id.as_str()))
            .chain(preset::all().map(|p| p.name));
        let hint = match closest(id, ids) {
            Some(near) => format!("did you mean `{near}`? "),
            None => String::new(),
        };
        return Err(Error::Usage(format!(
            "`{id}` is no assistant, rule or preset ({hint}`aigate rules` lists them)"
        )));
    };
    out.write_all(text.as_bytes()).map_err(Error::Output)
}

fn assistant(policy: &Policy, id: &str, name: &str) -> String {
    let mut s = format!("{name} (assistant `{id}`)\n");
    s.push_str(&format!("policy: {}\n", what_policy_does(policy, id)));
    s.push_str(&format!("policy file: {}\n", policy_source(policy)));
    s.push_str("rules:\n");
    for r in policy.catalogue.rules.iter().filter(|r| r.assistant == id) {
        let state = if policy.is_active(&r.id) {
            ""
        } else {
            " (off)"
        };
        s.push_str(&format!(
            "  {}  {}{state}  {}\n",
            r.id,
            r.kind.as_str(),
            patterns(r).join("  ")
        ));
        if let Some(src) = &r.source {
            s.push_str(&format!("    source: {src}\n"));
        }
    }
    s.push_str("`aigate explain RULE` shows a rule's examples and how to fix its findings\n");
    s
}

fn rule(policy: &Policy, r: &Rule) -> String {
    let name = policy
        .catalogue
        .assistant(&r.assistant)
        .map_or(r.assistant.as_str(), |a| a.name.as_str());
    let mut s = format!(
        "rule `{}`: a {} rule of {name} (`{}`)\n",
        r.id,
        r.kind.as_str(),
        r.assistant
    );
    let state = if policy.is_active(&r.id) {
        "in force".to_owned()
    } else if r.opt_in {
        format!(
            "off: an opt-in rule (switch it on with `[policy] enable = [\"{}\"]`)",
            r.id
        )
    } else {
        "off: the policy disables it (`[policy] disable`)".to_owned()
    };
    s.push_str(&format!("state: {state}\n"));
    s.push_str(&format!(
        "policy: {}\n",
        what_policy_does(policy, &r.assistant)
    ));
    s.push_str(&format!("matches: {}\n", what_it_matches(r)));
    s.push_str("patterns:\n");
    for p in patterns(r) {
        s.push_str(&format!("  {p}\n"));
    }
    if !r.examples.is_empty() {
        s.push_str("examples (found):\n");
        for e in &r.examples {
            s.push_str(&format!("  {e}\n"));
        }
    }
    if !r.counter_examples.is_empty() {
        s.push_str("counter-examples (not found):\n");
        for e in &r.counter_examples {
            s.push_str(&format!("  {e}\n"));
        }
    }
    if let Some(src) = &r.source {
        s.push_str(&format!("source: {src}\n"));
    }
    s.push_str(&format!("fix: {}\n", how_to_fix(policy, r)));
    s
}

fn what_it_matches(r: &Rule) -> &'static str {
    match r.kind {
        Kind::Path => "a file or directory a commit adds or changes, at any depth unless the pattern starts with `/`, in any case",
        Kind::Message if r.subject_only => "the first line of a commit or tag message (normalised: lower case, look-alike letters folded)",
        Kind::Message => "any line of a commit or tag message (normalised: lower case, look-alike letters folded)",
        Kind::Identity => "the author, committer or tagger, and the address in any `Key: Name <address>` line of a message",
        #[allow(unreachable_patterns)]
        _ => "what its kind looks at",
    }
}

fn how_to_fix(policy: &Policy, r: &Rule) -> String {
    if policy.disclose.contains(&r.assistant) {
        let d = &policy.disclosure;
        return match d.place {
            Place::PullRequest => "this project takes AI disclosure in the pull request: delete the line from the message (`git commit --amend`, or `git rebase -i` with `reword`)".to_owned(),
            Place::Message => format!(
                "the policy allows this assistant when disclosed: a co-author line becomes `{}: ...` (the hook's message gives the exact line), a `Signed-off-by:` of the assistant is removed, any other marker needs the trailer `{}:` in the same message",
                d.trailer, d.trailer
            ),
        };
    }
    fix_of_kind(r.kind).to_owned()
}

/// How a finding of this kind is fixed in general (each finding's hint gives the exact
/// command); also the help of a SARIF rule.
pub(crate) fn fix_of_kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Path => "remove the file from the commit (`git rm --cached -r -- PATH`) and rewrite the commits that added it (the finding's hint gives the exact `git rebase` command: `--root` for a root commit, `--rebase-merges` when merges follow), or exempt the path in `[exempt] paths`",
        Kind::Message => "delete the line from the message: `git commit --amend` for the last commit, `git rebase -i` with `reword` for older ones (the finding's hint gives the exact command)",
        Kind::Identity => "commit as yourself (`git config user.name`/`user.email`); for existing commits `git commit --amend --reset-author`, or `git rebase --exec 'git commit --amend --no-edit --reset-author'`; an address in a trailer line is deleted like any message line",
        Kind::Ref => "rename or delete the ref (`git branch -m OLD NEW`, `git push REMOTE --delete REF`); ref rules are opt-in, so a policy can also leave this one off",
        Kind::Environment => "make the commit from a shell outside the assistant's session (where the variable is unset), or allow the assistant in the policy",
    }
}

/// What the policy in force does with an assistant's findings, in words.
fn what_policy_does(policy: &Policy, id: &str) -> String {
    match policy.treatment(id) {
        "deny" => "deny: a commit, push or audit with its markers is refused".to_owned(),
        "warn" => "warn: its markers are reported, nothing is refused".to_owned(),
        "disclose" => {
            let d = &policy.disclosure;
            match d.place {
                Place::PullRequest => "disclose (in the pull request): its trailers are refused in commits".to_owned(),
                Place::Message => format!(
                    "disclose: allowed with a `{}:` trailer; refused as co-author, in `Signed-off-by:`, or when used without the trailer; its configuration files are {}",
                    d.trailer,
                    d.paths.map_or("allowed", |s| s.as_str())
                ),
            }
        }
        _ => "allow: its markers are not reported".to_owned(),
    }
}

fn policy_source(policy: &Policy) -> String {
    let base = match &policy.source {
        Some(p) => format!(
            "`{}`",
            crate::sanitize::for_terminal(&p.display().to_string())
        ),
        None => "the built-in default (every known assistant denied)".to_owned(),
    };
    match &policy.about {
        Some(a) => format!("{base}, preset {} ({})", a.title, a.source),
        None => base,
    }
}

fn patterns(r: &Rule) -> Vec<String> {
    let mut p: Vec<String> = r.patterns.iter().map(|p| p.value.clone()).collect();
    p.extend(r.emails.iter().map(|e| e.value.clone()));
    p.extend(r.github.iter().map(|g| format!("github:{}", g.value)));
    p.extend(r.names.iter().map(|n| format!("name:{}", n.value)));
    p.extend(r.domains.iter().map(|d| format!("domain:{}", d.value)));
    p
}
