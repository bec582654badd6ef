//! Which commits a CI job is about, from the variables its forge sets: GitHub Actions (the
//! event payload at `GITHUB_EVENT_PATH`), Gitea and Forgejo Actions (the same variables, or
//! `FORGEJO_*` twins), GitLab CI (`CI_MERGE_REQUEST_*`, `CI_COMMIT_*`), or an explicit
//! `--base`/`--head`. The variables come in as a map captured at the program's entry: nothing
//! here reads the process environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};

/// The CI variables aigate looks at, captured once by the caller.
pub type Vars = BTreeMap<String, String>;

/// Whether a variable is one [`discover`] may read (the caller captures only these).
pub fn is_ci_var(name: &str) -> bool {
    ["GITHUB_", "GITEA_", "FORGEJO_", "GITLAB_", "CI_"]
        .iter()
        .any(|p| name.starts_with(p))
        || name == "CI"
}

/// The forge running the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    GitHub,
    Gitea,
    Forgejo,
    GitLab,
    /// No forge recognised: `--base`/`--head` only.
    Plain,
}

impl Forge {
    /// GitHub, Gitea and Forgejo run GitHub-style workflows and read workflow commands.
    pub fn reads_workflow_commands(self) -> bool {
        matches!(self, Forge::GitHub | Forge::Gitea | Forge::Forgejo)
    }

    pub fn name(self) -> &'static str {
        match self {
            Forge::GitHub => "GitHub Actions",
            Forge::Gitea => "Gitea Actions",
            Forge::Forgejo => "Forgejo Actions",
            Forge::GitLab => "GitLab CI",
            Forge::Plain => "plain",
        }
    }
}

/// Where the commits to check start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// The commits reachable from the head and not from this revision.
    Rev(String),
    /// A new branch or tag was pushed: the commits reachable from the head and from no other
    /// branch (local or remote-tracking) than `own` (a short name). CI checkouts may hold
    /// the pushed branch alone (GitLab's default refspecs): the repository's default branch,
    /// when known, is fetched first if missing, so its history is never taken for new.
    NewRef {
        own: Option<String>,
        default: Option<String>,
    },
    /// A push: the commits reachable from the head and not from `before`, the ref's old
    /// value. A force push may have made `before` unreachable, and so absent from the
    /// checkout and perhaps from the server: then as [`Base::NewRef`].
    Push {
        before: String,
        own: Option<String>,
        default: Option<String>,
    },
}

/// A pull or merge request, a push, or a plain range: what `aigate ci` checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub forge: Forge,
    /// For people: `pull request #12`, `merge request !5`, `push to main`, `range`.
    pub label: String,
    pub base: Base,
    /// The last commit; `None` when the event deletes a branch (nothing to check).
    pub head: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Who opened the pull request on GitHub (`pull_request.user`): an assistant's account
    /// opening it is a marker like a bot author. Only GitHub's ids are GitHub's (Gitea and
    /// Forgejo number their own users), so other forges leave it unset.
    pub opener: Option<Opener>,
    /// Where GitHub-style runners collect the job's Markdown summary.
    pub step_summary: Option<PathBuf>,
}

/// A GitHub account: its login and numeric id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opener {
    pub login: String,
    pub id: u64,
}

impl Opener {
    /// The address GitHub gives the account's web commits, which identity rules know it by.
    pub fn noreply(&self) -> String {
        format!("{}+{}@users.noreply.github.com", self.id, self.login)
    }
}

/// What the command line says, which wins over the environment.
#[derive(Debug, Clone, Default)]
pub struct Explicit {
    pub base: Option<String>,
    pub head: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
}

/// The forge whose variables are set.
pub fn forge(vars: &Vars) -> Forge {
    let on = |k: &str| vars.get(k).is_some_and(|v| v == "true");
    if on("FORGEJO_ACTIONS") {
        Forge::Forgejo
    } else if on("GITEA_ACTIONS") {
        Forge::Gitea
    } else if on("GITHUB_ACTIONS") {
        Forge::GitHub
    } else if on("GITLAB_CI") {
        Forge::GitLab
    } else {
        Forge::Plain
    }
}

/// The request the job is about.
pub fn discover(vars: &Vars, explicit: &Explicit) -> Result<Request> {
    let forge = forge(vars);
    let mut request = if let Some(base) = &explicit.base {
        Request {
            forge,
            label: "request".to_owned(),
            base: Base::Rev(base.clone()),
            head: Some(explicit.head.clone().unwrap_or_else(|| "HEAD".to_owned())),
            title: None,
            description: None,
            opener: None,
            step_summary: None,
        }
    } else {
        match forge {
            Forge::GitHub | Forge::Gitea | Forge::Forgejo => github(vars, forge)?,
            Forge::GitLab => gitlab(vars)?,
            Forge::Plain => {
                return Err(Error::Usage(
                    "no pull or merge request found in the environment (GitHub, Gitea or Forgejo Actions, GitLab CI): pass `--base` and `--head`".to_owned(),
                ))
            }
        }
    };
    if forge.reads_workflow_commands() {
        request.step_summary = github_var(vars, "STEP_SUMMARY").map(PathBuf::from);
    }
    if explicit.title.is_some() {
        request.title.clone_from(&explicit.title);
    }
    if explicit.description.is_some() {
        request.description.clone_from(&explicit.description);
    }
    Ok(request)
}

/// `GITHUB_<name>`, else Forgejo's `FORGEJO_<name>`; empty counts as unset.
fn github_var<'a>(vars: &'a Vars, name: &str) -> Option<&'a str> {
    [format!("GITHUB_{name}"), format!("FORGEJO_{name}")]
        .iter()
        .find_map(|k| vars.get(k).map(String::as_str).filter(|v| !v.is_empty()))
}

fn var<'a>(vars: &'a Vars, name: &str) -> Option<&'a str> {
    vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

fn is_zero(id: &str) -> bool {
    crate::git::is_zero(id)
}

/// A GitHub-style job: the event payload says which commits, title and body.
fn github(vars: &Vars, forge: Forge) -> Result<Request> {
    let name = github_var(vars, "EVENT_NAME").unwrap_or_default();
    let Some(path) = github_var(vars, "EVENT_PATH") else {
        // Without the payload (a runner that does not write it), the base branch's name is
        // all there is: compare with its remote-tracking branch.
        return match (github_var(vars, "BASE_REF"), github_var(vars, "SHA")) {
            (Some(base), Some(sha)) => Ok(Request {
                forge,
                label: "pull request".to_owned(),
                base: Base::Rev(format!("refs/remotes/origin/{base}")),
                head: Some(sha.to_owned()),
                title: None,
                description: None,
                opener: None,
                step_summary: None,
            }),
            _ => Err(Error::Usage(format!(
                "{}: `GITHUB_EVENT_PATH` is not set: pass `--base` and `--head`",
                forge.name()
            ))),
        };
    };
    let event: Value = super::read_json(Path::new(path), "event payload", "not JSON")?;
    from_event(forge, name, &event, Path::new(path))
}

/// The request a GitHub-style event payload describes.
pub fn from_event(forge: Forge, name: &str, event: &Value, path: &Path) -> Result<Request> {
    let bad = |what: &str| {
        Error::input(
            format!("event payload `{}`", path.display()),
            format!("`{name}` event without {what}"),
        )
    };
    let string = |v: &Value, pointer: &str| -> Option<String> {
        v.pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let request = |label: String, base: Base, head: Option<String>| Request {
        forge,
        label,
        base,
        head,
        title: None,
        description: None,
        opener: None,
        step_summary: None,
    };
    // `pull_request_target`, `pull_request_review`... carry the same `pull_request` object.
    if event.get("pull_request").is_some_and(Value::is_object) {
        let base = string(event, "/pull_request/base/sha").ok_or_else(|| bad("base.sha"))?;
        let head = string(event, "/pull_request/head/sha").ok_or_else(|| bad("head.sha"))?;
        let number = event
            .pointer("/pull_request/number")
            .and_then(Value::as_u64);
        let mut r = request(
            number.map_or_else(
                || "pull request".to_owned(),
                |n| format!("pull request #{n}"),
            ),
            Base::Rev(base),
            Some(head),
        );
        r.title = string(event, "/pull_request/title");
        r.description = string(event, "/pull_request/body");
        if forge == Forge::GitHub {
            let login = string(event, "/pull_request/user/login");
            let id = event
                .pointer("/pull_request/user/id")
                .and_then(Value::as_u64);
            r.opener = login.zip(id).map(|(login, id)| Opener { login, id });
        }
        return Ok(r);
    }
    match name {
        "push" => {
            let refname = string(event, "/ref").ok_or_else(|| bad("ref"))?;
            let short = refname
                .strip_prefix("refs/heads/")
                .or_else(|| refname.strip_prefix("refs/tags/"))
                .unwrap_or(&refname)
                .to_owned();
            let after = string(event, "/after").ok_or_else(|| bad("after"))?;
            let deleted = event.get("deleted").and_then(Value::as_bool) == Some(true);
            let label = format!("push to {short}");
            if deleted || is_zero(&after) {
                let base = Base::NewRef {
                    own: None,
                    default: None,
                };
                return Ok(request(label, base, None));
            }
            let default = string(event, "/repository/default_branch").filter(|d| *d != short);
            let own = Some(short);
            let base = match string(event, "/before") {
                Some(before) if !is_zero(&before) => Base::Push {
                    before,
                    own,
                    default,
                },
                _ => Base::NewRef { own, default },
            };
            Ok(request(label, base, Some(after)))
        }
        "merge_group" => {
            let base = string(event, "/merge_group/base_sha").ok_or_else(|| bad("base_sha"))?;
            let head = string(event, "/merge_group/head_sha").ok_or_else(|| bad("head_sha"))?;
            Ok(request("merge queue".to_owned(), Base::Rev(base), Some(head)))
        }
        _ => Err(Error::Usage(format!(
            "{}: the `{name}` event names no commits to check: run on `pull_request` or `push`, or pass `--base` and `--head`",
            forge.name()
        ))),
    }
}

/// A GitLab CI job: a merge request pipeline, else a branch or tag pipeline.
fn gitlab(vars: &Vars) -> Result<Request> {
    let sha = var(vars, "CI_COMMIT_SHA")
        .ok_or_else(|| Error::Usage("GitLab CI: `CI_COMMIT_SHA` is not set".to_owned()))?;
    let request = |label: String, base: Base, head: &str| Request {
        forge: Forge::GitLab,
        label,
        base,
        head: Some(head.to_owned()),
        title: None,
        description: None,
        opener: None,
        step_summary: None,
    };
    if let Some(iid) = var(vars, "CI_MERGE_REQUEST_IID") {
        // The diff base is where the source branch left the target: the request's own
        // commits are what lies between it and the source branch's head. In a merged-results
        // pipeline `CI_COMMIT_SHA` is the trial merge, and the source head has its own name.
        let base = var(vars, "CI_MERGE_REQUEST_DIFF_BASE_SHA")
            .map(str::to_owned)
            .or_else(|| {
                var(vars, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
                    .map(|b| format!("refs/remotes/origin/{b}"))
            })
            .ok_or_else(|| {
                Error::Usage(
                    "GitLab CI: merge request pipeline without `CI_MERGE_REQUEST_DIFF_BASE_SHA`"
                        .to_owned(),
                )
            })?;
        let head = var(vars, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA").unwrap_or(sha);
        let mut r = request(format!("merge request !{iid}"), Base::Rev(base), head);
        r.title = var(vars, "CI_MERGE_REQUEST_TITLE").map(str::to_owned);
        r.description = var(vars, "CI_MERGE_REQUEST_DESCRIPTION").map(str::to_owned);
        return Ok(r);
    }
    let name = var(vars, "CI_COMMIT_REF_NAME").map(str::to_owned);
    let label = format!("push to {}", name.as_deref().unwrap_or("a branch"));
    // All zeros for a new branch or tag (and for the first pipeline of a branch).
    let default = var(vars, "CI_DEFAULT_BRANCH")
        .filter(|d| Some(*d) != name.as_deref())
        .map(str::to_owned);
    let base = match var(vars, "CI_COMMIT_BEFORE_SHA") {
        Some(b) if !is_zero(b) => Base::Push {
            before: b.to_owned(),
            own: name,
            default,
        },
        _ => Base::NewRef { own: name, default },
    };
    Ok(request(label, base, sha))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn nothing_recognised_asks_for_base_and_head() {
        let err = discover(&vars(&[("CI", "true")]), &Explicit::default()).unwrap_err();
        assert!(err.to_string().contains("--base"), "{err}");
    }

    #[test]
    fn explicit_range_wins_over_the_forge() {
        let v = vars(&[("GITLAB_CI", "true"), ("CI_COMMIT_SHA", "abc")]);
        let r = discover(
            &v,
            &Explicit {
                base: Some("main".into()),
                ..Explicit::default()
            },
        )
        .unwrap();
        assert_eq!(r.base, Base::Rev("main".into()));
        assert_eq!(r.head.as_deref(), Some("HEAD"));
        assert_eq!(r.forge, Forge::GitLab);
    }

    #[test]
    fn gitlab_branch_pipeline_of_a_new_branch_hides_the_others() {
        let v = vars(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_SHA", "abc"),
            ("CI_COMMIT_BEFORE_SHA", &"0".repeat(40)),
            ("CI_COMMIT_REF_NAME", "topic"),
            ("CI_DEFAULT_BRANCH", "main"),
        ]);
        let r = discover(&v, &Explicit::default()).unwrap();
        assert_eq!(
            r.base,
            Base::NewRef {
                own: Some("topic".into()),
                default: Some("main".into())
            }
        );
    }

    #[test]
    fn unsupported_github_event_is_a_usage_error() {
        let e = from_event(
            Forge::GitHub,
            "schedule",
            &serde_json::json!({}),
            Path::new("e.json"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("`schedule`"), "{e}");
    }
}
