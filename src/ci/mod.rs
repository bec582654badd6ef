//! `aigate ci`: the gate of a pull or merge request on a forge where no server hook runs.
//! It checks exactly the commits the request brings (merges included) and its title and
//! description as one more message, since a squash merge copies them into the final commit.
//! History before the request is not its business: that is `aigate audit`'s.
//!
//! Also `aigate report merge`, which combines the JSON reports of an org-wide audit's shards
//! ([`merge`]); the shards themselves are `aigate audit --shard K/N` (`cli::Shard`), run with
//! `--jobs N` (`audit::parallel`).

pub mod event;
pub mod forge;
pub mod merge;
pub mod range;
pub mod render;

use std::io::Write;
use std::path::PathBuf;

use crate::audit::{Checker, PathMethod};
use crate::cli::{CiFormat, ReportFormat};
use crate::engine::finding::{Context, Finding, Stage};
use crate::engine::matcher::Role;
use crate::error::{Error, Result};
use crate::policy::Policy;

use event::{Explicit, Request, Vars};

/// Reads the JSON file `path` (`what` names it in an error; `not` says what it failed to be).
fn read_json<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    what: &str,
    not: &str,
) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::input(
            format!("{what} `{}`", path.display()),
            format!("{not}: {e}"),
        )
    })
}

/// Everything `aigate ci` needs, the CI variables included (a copy: see [`Settings::new`]).
#[derive(Debug, Clone)]
pub struct Settings {
    pub dir: PathBuf,
    pub config: Option<PathBuf>,
    pub explicit: Explicit,
    pub format: CiFormat,
    pub sarif: Option<PathBuf>,
    pub codequality: Option<PathBuf>,
    pub fetch: bool,
    pub colour: bool,
    pub vars: Vars,
    /// When the run started, seconds since the epoch (the report's date).
    pub now: i64,
}

impl Settings {
    /// From the command line and the environment, of which only the CI variables are kept
    /// ([`event::is_ci_var`]).
    pub fn new(args: crate::cli::CiArgs, env: &crate::Vars, colour: bool, now: i64) -> Settings {
        Settings {
            dir: args.dir.unwrap_or_else(|| PathBuf::from(".")),
            config: args.config,
            explicit: Explicit {
                base: args.base,
                head: args.head,
                title: args.title,
                description: args.description,
            },
            format: args.format,
            sarif: args.sarif,
            codequality: args.codequality,
            fetch: !args.no_fetch,
            colour,
            vars: env
                .iter()
                .filter(|(k, _)| event::is_ci_var(k))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            now,
        }
    }
}

/// What the check found.
pub struct Outcome {
    pub request: Request,
    /// The repository, as the reports name it.
    pub repository: String,
    /// The commits checked, in git's revision syntax (empty when a branch is deleted).
    pub refs: Vec<String>,
    pub commits: usize,
    pub findings: Vec<Finding>,
}

/// Runs the check and writes the reports; returns the exit status.
pub fn run(settings: &Settings, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let request = event::discover(&settings.vars, &settings.explicit)?;
    let (outcome, policy) = check(settings, request, err)?;
    let catalogue = &policy.catalogue;
    let format = match settings.format {
        CiFormat::Auto if outcome.request.forge.reads_workflow_commands() => CiFormat::Github,
        CiFormat::Auto => CiFormat::Human,
        f => f,
    };
    let title = match (&outcome.request.title, &outcome.request.description) {
        (None, None) => "",
        _ => " and its title and description",
    };
    let s = if outcome.commits == 1 { "" } else { "s" };
    writeln!(
        err,
        "aigate ci: {}: {} commit{s}{title}",
        crate::sanitize::for_terminal(&outcome.request.label),
        outcome.commits
    )
    .map_err(Error::Output)?;
    let facts = render::Facts {
        now: settings.now,
        repository: Some(outcome.repository.clone()),
        refs: outcome.refs.clone(),
        policy: Some(crate::report::PolicyInfo {
            file: policy.source.as_ref().map(|p| p.display().to_string()),
            preset: None,
        }),
        commits: outcome.commits,
        repositories: 1,
        ..render::Facts::default()
    };
    let report = render::build(outcome.findings, facts, catalogue);
    let findings = &report.findings;
    let as_report = |out: &mut dyn Write, format, colour| {
        render::write(out, format, &report, catalogue, colour)
    };
    match format {
        CiFormat::Github => {
            // The report quotes commit subjects and paths; a line of them could be read as a
            // workflow command unless commands are off while it prints.
            let token = forge::stop_token();
            writeln!(out, "::stop-commands::{token}").map_err(Error::Output)?;
            as_report(out, ReportFormat::Human, false)?;
            writeln!(out, "::{token}::").map_err(Error::Output)?;
            forge::annotations(out, findings, catalogue)?;
        }
        CiFormat::Auto | CiFormat::Human => as_report(out, ReportFormat::Human, settings.colour)?,
        CiFormat::Json => as_report(out, ReportFormat::Json, false)?,
        CiFormat::Sarif => as_report(out, ReportFormat::Sarif, false)?,
        CiFormat::Markdown => as_report(out, ReportFormat::Markdown, false)?,
        CiFormat::Codequality => forge::codequality(out, findings, catalogue)?,
    }
    if let Some(path) = &settings.sarif {
        write_file(path, |w| as_report(w, ReportFormat::Sarif, false))?;
    }
    if let Some(path) = &settings.codequality {
        write_file(path, |w| forge::codequality(w, findings, catalogue))?;
    }
    if let Some(path) = &outcome.request.step_summary {
        let mut text = Vec::new();
        writeln!(
            text,
            "### aigate ci: {} ({} commit{s}{title})\n",
            crate::sanitize::for_terminal(&outcome.request.label),
            outcome.commits
        )
        .map_err(Error::Output)?;
        as_report(&mut text, ReportFormat::Markdown, false)?;
        append(path, &text)?;
    }
    Ok(crate::verdict(findings))
}

/// Finds the commits, completes a shallow checkout, and checks commits and request text.
pub fn check(
    settings: &Settings,
    request: Request,
    err: &mut dyn Write,
) -> Result<(Outcome, Policy)> {
    let Some(head) = request.head.clone() else {
        // A deleted branch brings nothing.
        let repo = crate::git::repo::Repo::open(Some(&settings.dir))?;
        let policy = Policy::locate(settings.config.as_deref(), repo.work_tree())?;
        return Ok((
            Outcome {
                request,
                repository: display_path(&repo),
                refs: Vec::new(),
                commits: 0,
                findings: Vec::new(),
            },
            policy,
        ));
    };
    let (repo, base) = range::complete(&settings.dir, &request.base, &head, settings.fetch, err)?;
    let policy = Policy::locate(settings.config.as_deref(), repo.work_tree())?;
    let commits = range::commits(&repo, &base, &head)?;
    let findings = check_commits(&repo, &policy, &request, &head, &commits)?;
    Ok((
        Outcome {
            request,
            repository: display_path(&repo),
            refs: range::describe(&base, &head),
            commits: commits.len(),
            findings,
        },
        policy,
    ))
}

/// The repository's path as the audit's report shows it (no trailing slash).
fn display_path(repo: &crate::git::repo::Repo) -> String {
    let path = repo.display_path().display().to_string();
    match path.trim_end_matches('/') {
        "" => path,
        trimmed => trimmed.to_owned(),
    }
}

/// The findings of the request's commits, then of its title and description.
fn check_commits(
    repo: &crate::git::repo::Repo,
    policy: &Policy,
    request: &Request,
    head: &str,
    commits: &[crate::git::Oid],
) -> Result<Vec<Finding>> {
    let mut checker = Checker::new(repo, policy, PathMethod::Index)?;
    let mut findings = Vec::new();
    for oid in commits {
        findings.extend(checker.commit(&repo.commit(*oid)?, Stage::Push)?);
    }
    // A pushed annotated tag: its message and tagger too, as the push hooks check them.
    let head_object = repo.resolve(head)?;
    for id in crate::git::local::peel(repo, head_object)?.tags {
        // An empty name: the tag is named by its own `tag` header.
        if let Some(info) = repo.tag(id, "")? {
            findings.extend(checker.tag(&info, Stage::Push));
        }
    }
    // The request's own findings (who opened it, its title and description) are shown at
    // its head commit.
    let head_commit = repo.commit(repo.resolve_commit(head)?)?;
    if let Some(opener) = &request.opener {
        findings.extend(opener_findings(
            &checker.matcher,
            request,
            &head_commit,
            opener,
        ));
    }
    let text: Vec<&str> = [&request.title, &request.description]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if !text.is_empty() {
        let message = text.join("\n\n");
        let m = &checker.matcher;
        let mut found = Vec::new();
        m.check_message(&message, &mut found);
        let head_id = &head_commit;
        let subject = format!("title and description of the {}", request.label);
        let author = format!("{} <{}>", head_id.author.name, head_id.author.email);
        let noun = if request.forge == event::Forge::GitLab {
            "merge request"
        } else {
            "pull request"
        };
        let cx = Context {
            commit: head_id.id.to_string(),
            tag: None,
            subject: &subject,
            author: &author,
            date: head_id.author.time,
            stage: Stage::Push,
            // The title and description are edited on the forge, not by a rewrite.
            parents: 0,
        };
        for f in found {
            let mut f = Finding::new(m, f, &cx);
            f.hint = format!(
                "edit the {noun}'s title or description: a squash merge copies them into the commit message"
            );
            findings.push(f);
        }
    }
    Ok(findings)
}

/// The findings of the account that opened the pull request, checked like an author by
/// its GitHub id and login (`copilot-swe-agent` opens its pull requests as `Copilot`).
fn opener_findings(
    m: &crate::engine::matcher::Matcher,
    request: &Request,
    head_id: &crate::git::objects::CommitInfo,
    opener: &event::Opener,
) -> Vec<Finding> {
    let mut found = Vec::new();
    m.check_identity(Role::Opener, &opener.login, &opener.noreply(), &mut found);
    let subject = format!("the account that opened the {}", request.label);
    let cx = Context {
        commit: head_id.id.to_string(),
        tag: None,
        subject: &subject,
        author: &opener.login,
        date: head_id.author.time,
        stage: Stage::Push,
        // Who opened a request is not changed by a rewrite.
        parents: 0,
    };
    found
        .into_iter()
        .map(|f| {
            let mut f = Finding::new(m, f, &cx);
            f.hint = "the pull request must come from a person's account: open it again from yours, or allow the assistant in the policy".to_owned();
            f
        })
        .collect()
}

fn write_file(
    path: &std::path::Path,
    render: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::new();
    render(&mut buf)?;
    std::fs::write(path, buf).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

/// Appends to a file the runner reads after the step (it may hold other steps' summaries).
fn append(path: &std::path::Path, text: &[u8]) -> Result<()> {
    let fail = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(fail)?;
    f.write_all(text).map_err(fail)
}
