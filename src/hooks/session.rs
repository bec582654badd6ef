//! Evidence outside the commit itself that local hooks see: the environment the hook runs in
//! (an assistant's shell sets documented variables, `CLAUDECODE=1` and the like) and, in
//! pre-push, the names of the refs pushed to. Both are read by the hook's entry point and
//! passed here; nothing in this module reads the process environment.

use crate::engine::finding::{Context, Finding, Stage};
use crate::engine::matcher::Match;
use crate::policy::Policy;

/// Findings of the environment rules in force: the hook runs inside an assistant's session.
/// Judged without a message (none is known here), so a disclosure policy lets those of
/// disclosed assistants pass: the commit-msg and prepare-commit-msg hooks judge them with the
/// message.
pub fn environment_findings(policy: &Policy, vars: &crate::Vars, stage: Stage) -> Vec<Finding> {
    let m = policy.matcher();
    let mut found = Vec::new();
    m.check_environment(vars, &mut found);
    policy.judge(None, detached(policy, found, stage))
}

/// Findings of the ref rules in force over ref names (`refs/heads/claude/fix`).
pub fn ref_findings<'a>(
    policy: &Policy,
    names: impl IntoIterator<Item = &'a str>,
    stage: Stage,
) -> Vec<Finding> {
    let m = policy.matcher();
    let mut found = Vec::new();
    for name in names {
        m.check_ref(name, &mut found);
    }
    found.dedup();
    detached(policy, found, stage)
}

/// Findings that belong to no commit.
fn detached(policy: &Policy, found: Vec<Match>, stage: Stage) -> Vec<Finding> {
    let m = policy.matcher();
    let cx = Context {
        commit: String::new(),
        tag: None,
        subject: "",
        author: "",
        date: crate::report::now(),
        stage,
        parents: 0,
    };
    found
        .into_iter()
        .map(|f| Finding::new(&m, f, &cx))
        .collect()
}
