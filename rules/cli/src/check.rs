//! `check`: find the files, read every resource, evaluate the selected controls.
//!
//! Files are read and parsed in parallel; the report keeps the order in which they were found.
//! A directory is walked the way `git` would see it (`.gitignore` and `.ignore` respected,
//! hidden folders such as `.aws/` included, `.git/` and `node_modules/` left out unless named).
//! A file that holds no ECS resource is not an ECS document: it is skipped and counted, never
//! an error.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use ecs_harden_core::catalogue::{Control, Severity, CATALOGUE};
use ecs_harden_core::error::{Location, ParseError};
use ecs_harden_core::exceptions::{self, Acceptance};
use ecs_harden_core::gate::GateConfig;
use ecs_harden_core::model::Text;
use ecs_harden_core::parameter_map::ParameterMap;
use ecs_harden_core::params::Params;
use ecs_harden_core::parse::position::{self, Position, PositionIndex};
use ecs_harden_core::parse::{self, terraform, Syntax};
use ecs_harden_core::related::{Context, Found, Index, Related};
use ecs_harden_core::{revisions, Outcome, Resource, ResourceType, Verdict};
use rayon::prelude::*;

/// The controls to run, each with its parameters.
pub struct Selection {
    pub controls: Vec<(&'static Control, Params)>,
    /// The gate's controls with the map's parameters: what a running revision must pass.
    pub gated: Vec<(&'static Control, Params)>,
    /// The exception register in force, if the command line names one.
    pub exceptions: Option<crate::exceptions::Loaded>,
}

impl Selection {
    /// The selection a command line asks for: `--controls`, the `--config` file's parameter
    /// map, and `--param` values over it.
    pub fn from_args(
        ids: &[String],
        params: &[String],
        config: Option<&Path>,
    ) -> anyhow::Result<Selection> {
        let map = match config {
            None => ParameterMap::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow!("--config: cannot read {}: {e}", path.display()))?;
                let name = path.display().to_string();
                let syntax = Syntax::for_file(&name, &text);
                ParameterMap::from_file_text(&text, syntax, &name)
                    .map_err(|e| anyhow!("--config: {e}"))?
            }
        };
        Selection::new(ids, params, map)
    }

    pub fn new(
        ids: &[String],
        params: &[String],
        mut map: ParameterMap,
    ) -> anyhow::Result<Selection> {
        let chosen: Vec<&'static Control> = if ids.iter().all(|i| i.trim().is_empty()) {
            CATALOGUE.to_vec()
        } else {
            let mut chosen = Vec::new();
            for id in ids.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
                if let Some(managed) = ecs_harden_core::catalogue::find_managed(id) {
                    bail!(
                        "--controls: {} is an AWS managed rule ({}): AWS Config evaluates it, \
                         check and scan do not",
                        managed.id,
                        managed.identifier
                    );
                }
                let control = ecs_harden_core::catalogue::find(id).ok_or_else(|| {
                    anyhow!(
                        "--controls: no control {id:?} (known: {})",
                        CATALOGUE
                            .iter()
                            .map(|c| c.id)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
                if !chosen.iter().any(|c: &&Control| c.id == control.id) {
                    chosen.push(control);
                }
            }
            chosen
        };
        for param in params {
            let Some((key, value)) = param.split_once('=') else {
                bail!("--param {param:?}: expected CONTROL.KEY=VALUE, e.g. ECS.13.requiredTagKeys=team,env");
            };
            let Some((control_id, name)) = key.rsplit_once('.') else {
                bail!("--param {param:?}: expected CONTROL.KEY=VALUE, e.g. ECS.13.requiredTagKeys=team,env");
            };
            let control = ecs_harden_core::catalogue::find(control_id)
                .ok_or_else(|| anyhow!("--param {param:?}: no control {control_id:?}"))?;
            if !chosen.iter().any(|c| c.id == control.id) {
                bail!(
                    "--param for {}, which is not among the selected --controls",
                    control.id
                );
            }
            map.set(control, name, value);
        }
        let mut controls = Vec::with_capacity(chosen.len());
        for control in chosen {
            let params = map.params(control).map_err(|e| anyhow!("--param: {e}"))?;
            controls.push((control, params));
        }
        let gated = GateConfig::new(None, None, &map)
            .map_err(|e| anyhow!("--config: {e}"))?
            .controls;
        Ok(Selection {
            controls,
            gated,
            exceptions: None,
        })
    }

    /// Whether a selected control reads related resources (then the input is indexed).
    pub fn reads_related(&self) -> bool {
        self.controls
            .iter()
            .any(|(control, _)| control.evaluator.reads_related())
    }

    /// Every selected control that applies to the resource, with its verdict; related
    /// resources come from `related`.
    pub fn findings(&self, resource: &Resource, related: &dyn Related) -> Vec<Finding> {
        let context = Context {
            related,
            gated: &self.gated,
        };
        self.controls
            .iter()
            .filter_map(|(control, params)| {
                control
                    .evaluate_in(resource, params, &context)
                    .map(|outcome| Finding {
                        exception: self.acceptance(control, &outcome, resource),
                        control,
                        outcome,
                        position: None,
                    })
            })
            .collect()
    }

    /// The register entry that accepts a NON_COMPLIANT outcome, if any.
    fn acceptance(
        &self,
        control: &Control,
        outcome: &Outcome,
        resource: &Resource,
    ) -> Option<Acceptance> {
        let loaded = self.exceptions.as_ref()?;
        loaded
            .in_force()
            .decide(outcome.verdict, control, resource)
            .acceptance()
    }

    /// A resource's report: its findings, and what is wrong with the register entries it
    /// names beside its other warnings.
    pub fn resource_report(&self, resource: &Resource, findings: Vec<Finding>) -> ResourceReport {
        let mut report = ResourceReport::new(resource, findings);
        if let Some(loaded) = &self.exceptions {
            report
                .warnings
                .extend(exceptions::reference_warnings(resource, &loaded.in_force()));
        }
        report
    }

    /// Warnings for register globs that match none of these identifiers (a typo, or a
    /// resource that is gone), naming the register file.
    pub fn unmatched_globs(&self, identifiers: &[String]) -> Vec<(String, String)> {
        self.exceptions
            .as_ref()
            .map(|loaded| {
                exceptions::unmatched_globs(&loaded.register, identifiers)
                    .into_iter()
                    .map(|warning| (loaded.path.clone(), warning))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every selected control that applies to a task definition revision a newer one in the
    /// same input supersedes: NOT_APPLICABLE.
    fn superseded(&self, resource: &Resource, newer: u64) -> Vec<Finding> {
        self.controls
            .iter()
            .filter(|(control, _)| control.resource_type() == resource.meta.resource_type)
            .map(|(control, _)| Finding {
                control,
                outcome: revisions::superseded(resource, newer),
                position: None,
                exception: None,
            })
            .collect()
    }
}

/// One control's verdict on one resource.
pub struct Finding {
    pub control: &'static Control,
    pub outcome: Outcome,
    /// Where the offending property is written, for NON_COMPLIANT verdicts of files.
    pub position: Option<Position>,
    /// The register entry that accepts a NON_COMPLIANT verdict: it stays NON_COMPLIANT and
    /// no longer fails the run.
    pub exception: Option<Acceptance>,
}

impl Finding {
    /// NON_COMPLIANT and not accepted by the register: what fails a run.
    pub fn fails(&self) -> bool {
        self.outcome.verdict == Verdict::NonCompliant && self.exception.is_none()
    }
}

/// One resource read from a file.
pub struct ResourceReport {
    pub resource_type: ResourceType,
    pub resource_id: String,
    /// Where the resource starts, when known.
    pub position: Option<Position>,
    pub findings: Vec<Finding>,
    /// Fields no control reads that could not be read.
    pub warnings: Vec<String>,
    /// Every identifier the resource has, which exception register globs match.
    pub identifiers: Vec<String>,
}

impl ResourceReport {
    pub fn new(resource: &Resource, findings: Vec<Finding>) -> ResourceReport {
        ResourceReport {
            resource_type: resource.meta.resource_type,
            resource_id: resource.meta.resource_id.clone(),
            position: None,
            findings,
            warnings: resource.meta.warnings.clone(),
            identifiers: exceptions::identifiers(resource),
        }
    }
}

/// A document that could not be read, or one of its resources.
pub struct FileError {
    pub message: String,
    pub position: Option<Position>,
}

/// Everything found in one file.
pub struct FileReport {
    pub path: String,
    pub resources: Vec<ResourceReport>,
    pub errors: Vec<FileError>,
}

/// A file that is not an ECS document, and why.
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// The result of a run.
pub struct Report {
    pub files: Vec<FileReport>,
    /// Problems with the paths given (missing files, unreadable directories).
    pub path_errors: Vec<(String, String)>,
    pub controls: Vec<&'static Control>,
    /// Files read that hold no ECS resource.
    pub skipped: Vec<Skipped>,
    /// Warnings about the input as a whole (register globs that match nothing), with the file
    /// they are about.
    pub warnings: Vec<(String, String)>,
}

#[derive(Default, Clone, Copy)]
pub struct Totals {
    pub files: usize,
    pub resources: usize,
    pub compliant: usize,
    pub non_compliant: usize,
    /// NON_COMPLIANT results the exception register accepts (counted in `non_compliant` too).
    pub accepted: usize,
    pub not_applicable: usize,
    pub errors: usize,
    pub skipped: usize,
}

impl Report {
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            files: self.files.len(),
            errors: self.path_errors.len(),
            skipped: self.skipped.len(),
            ..Totals::default()
        };
        for file in &self.files {
            t.errors += file.errors.len();
            t.resources += file.resources.len();
            for resource in &file.resources {
                for finding in &resource.findings {
                    match finding.outcome.verdict {
                        Verdict::Compliant => t.compliant += 1,
                        Verdict::NonCompliant => {
                            t.non_compliant += 1;
                            t.accepted += usize::from(finding.exception.is_some());
                        }
                        Verdict::NotApplicable => t.not_applicable += 1,
                    }
                }
            }
        }
        t
    }

    /// 2 on any error, else 1 when a NON_COMPLIANT result the exception register does not
    /// accept has a control of severity `fail_on` or higher, else 0.
    pub fn exit_code(&self, fail_on: Severity) -> u8 {
        let failing = self
            .files
            .iter()
            .flat_map(|file| &file.resources)
            .flat_map(|resource| &resource.findings)
            .any(|finding| finding.fails() && finding.control.severity >= fail_on);
        if self.totals().errors > 0 {
            2
        } else if failing {
            1
        } else {
            0
        }
    }

    /// Every error with the path it belongs to.
    pub fn all_errors(&self) -> Vec<(String, String)> {
        let mut out = self.path_errors.clone();
        for file in &self.files {
            for error in &file.errors {
                out.push((file.path.clone(), error.message.clone()));
            }
        }
        out
    }
}

/// How `check` finds files.
#[derive(Clone, Copy, Debug, Default)]
pub struct WalkOptions {
    /// Follow symbolic links to folders met in a directory walk.
    pub follow_symlinks: bool,
}

const EXTENSIONS: [&str; 5] = ["json", "yaml", "yml", "template", "tf"];

/// A file to read, and whether the user named it (then even a file without ECS signs that does
/// not parse is an error).
struct Candidate {
    path: PathBuf,
    named: bool,
}

/// Expands the paths given: files as they are, directories walked as git sees them, in a stable
/// order, each file once however many ways it is reached.
fn collect(
    paths: &[PathBuf],
    options: WalkOptions,
    errors: &mut Vec<(String, String)>,
) -> Vec<Candidate> {
    let mut seen = HashSet::new();
    let mut files = Vec::new();
    let mut add = |path: PathBuf, named: bool, files: &mut Vec<Candidate>| {
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if seen.insert(key) {
            files.push(Candidate { path, named });
        }
    };
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let walk = ignore::WalkBuilder::new(path)
                    .hidden(false)
                    .git_ignore(true)
                    .git_exclude(true)
                    .git_global(false)
                    .ignore(true)
                    .parents(true)
                    .require_git(false)
                    .follow_links(options.follow_symlinks)
                    .sort_by_file_name(|a, b| a.cmp(b))
                    .filter_entry(|entry| {
                        // The folder named is walked whatever its name.
                        entry.depth() == 0
                            || !matches!(entry.file_name().to_str(), Some(".git" | "node_modules"))
                    })
                    .build();
                for entry in walk {
                    match entry {
                        Ok(entry) => {
                            let is_file = entry.file_type().is_some_and(|t| {
                                t.is_file() || (t.is_symlink() && entry.path().is_file())
                            });
                            if is_file && has_known_extension(entry.path()) {
                                add(entry.into_path(), false, &mut files);
                            }
                        }
                        Err(error) => {
                            // A link loop is reported once and not followed; nothing is lost.
                            let (where_, message) = walk_error(&error, path);
                            errors.push((where_, message));
                        }
                    }
                }
            }
            Ok(_) => add(path.clone(), true, &mut files),
            Err(e) => errors.push((path.display().to_string(), format!("cannot read: {e}"))),
        }
    }
    files
}

fn has_known_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// A walk error as (path, message).
fn walk_error(error: &ignore::Error, root: &Path) -> (String, String) {
    let mut current = error;
    let mut path = None;
    loop {
        match current {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p.display().to_string());
                current = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                current = err;
            }
            ignore::Error::Loop { child, ancestor } => {
                return (
                    child.display().to_string(),
                    format!(
                        "a symbolic link loops back to {}: not followed again",
                        ancestor.display()
                    ),
                )
            }
            other => {
                return (
                    path.unwrap_or_else(|| root.display().to_string()),
                    format!("cannot walk: {other}"),
                )
            }
        }
    }
}

/// What reading one file gave.
enum Read {
    Resources(Loaded),
    Skipped(Skipped),
    Failed(FileReport),
}

/// A file that holds resources, as read.
struct Loaded {
    path: String,
    text: String,
    syntax: Syntax,
    resources: Vec<Result<Resource, ParseError>>,
}

/// One file's place in the output once every file is read: resources to evaluate (by their
/// index among the loaded files), or the report of a file that could not be read.
enum Slot {
    Loaded(usize),
    Done(FileReport),
}

/// Where a file's template-local references resolve: its own path, or for a `.tf` file the
/// folder of its module.
fn scope_of(path: &str) -> String {
    if path.ends_with(".tf") || path.ends_with(".tf.json") {
        match path.rsplit_once('/') {
            Some((folder, _)) => format!("{folder}/"),
            None => String::new(),
        }
    } else {
        path.to_string()
    }
}

/// Related resources for one file: its scope's, then — for references by ARN, name or
/// family — the whole input's.
struct Scoped<'a> {
    local: Option<&'a Index<'a>>,
    whole: &'a Index<'a>,
}

impl<'a> Scoped<'a> {
    /// `lookup` in the scope's index; when it finds nothing there and the reference is written
    /// out (an ARN, a name, a family), in the whole input's.
    fn find(
        &self,
        reference: &Text,
        lookup: impl Fn(&'a Index) -> Found<'a, Resource>,
    ) -> Found<'a, Resource> {
        if let Some(Found::Yes(found)) = self.local.map(&lookup) {
            return Found::Yes(found);
        }
        match reference.as_literal() {
            Some(_) => lookup(self.whole),
            None => Found::Unknown,
        }
    }
}

impl Related for Scoped<'_> {
    fn task_definition(&self, reference: &Text) -> Found<'_, Resource> {
        self.find(reference, |index| index.task_definition(reference))
    }

    fn role(&self, reference: &Text) -> Found<'_, Resource> {
        self.find(reference, |index| index.role(reference))
    }
}

pub fn check_paths(paths: &[PathBuf], selection: &Selection, options: WalkOptions) -> Report {
    let mut path_errors = Vec::new();
    let candidates = collect(paths, options, &mut path_errors);
    let read: Vec<Read> = candidates.par_iter().map(read_file).collect();

    // The files that hold resources, apart; the others keep their place in the output.
    let mut loaded = Vec::with_capacity(read.len());
    let mut order = Vec::with_capacity(read.len());
    let mut skipped = Vec::new();
    for item in read {
        match item {
            Read::Resources(file) => {
                order.push(Slot::Loaded(loaded.len()));
                loaded.push(file);
            }
            Read::Skipped(s) => skipped.push(s),
            Read::Failed(report) => order.push(Slot::Done(report)),
        }
    }

    // Revisions of one family across the whole input: only the newest ACTIVE one is judged.
    let all: Vec<&Resource> = loaded
        .iter()
        .flat_map(|file| file.resources.iter().flatten())
        .collect();
    // Related resources (the revision a service runs, a task definition's role): a reference
    // by ARN, name or family is looked up in the whole input; a template's `!Ref`/`!GetAtt`
    // and a Terraform address only where they mean something — the same template or plan,
    // the same module folder of `.tf` files.
    let (related, scopes) = if selection.reads_related() {
        let mut by_scope: HashMap<String, Vec<&Resource>> = HashMap::new();
        for file in &loaded {
            by_scope
                .entry(scope_of(&file.path))
                .or_default()
                .extend(file.resources.iter().flatten());
        }
        let scopes: HashMap<String, Index> = by_scope
            .into_iter()
            .map(|(scope, resources)| (scope, Index::new(resources)))
            .collect();
        (Index::new(all.iter().copied()), scopes)
    } else {
        (Index::default(), HashMap::new())
    };
    let warnings = if selection.exceptions.is_some() {
        let identifiers: Vec<String> = all
            .iter()
            .flat_map(|r| exceptions::identifiers(r))
            .collect();
        selection.unmatched_globs(&identifiers)
    } else {
        Vec::new()
    };
    let mut newer = revisions::newer_revisions(&all).into_iter();
    let superseded: Vec<Vec<Option<u64>>> = loaded
        .iter()
        .map(|file| {
            file.resources
                .iter()
                .map(|x| {
                    if x.is_ok() {
                        newer.next().flatten()
                    } else {
                        None
                    }
                })
                .collect()
        })
        .collect();

    let files = order
        .into_par_iter()
        .map(|slot| match slot {
            Slot::Loaded(at) => {
                let file = &loaded[at];
                let scoped = Scoped {
                    local: scopes.get(&scope_of(&file.path)),
                    whole: &related,
                };
                evaluate_file(file, &superseded[at], selection, &scoped)
            }
            Slot::Done(report) => report,
        })
        .collect();
    Report {
        files,
        path_errors,
        controls: selection.controls.iter().map(|(c, _)| *c).collect(),
        skipped,
        warnings,
    }
}

fn read_file(candidate: &Candidate) -> Read {
    let path = candidate.path.display().to_string();
    let failed = |message: String, position: Option<Position>| {
        Read::Failed(FileReport {
            path: path.clone(),
            resources: Vec::new(),
            errors: vec![FileError { message, position }],
        })
    };
    let bytes = match std::fs::read(&candidate.path) {
        Ok(bytes) => bytes,
        Err(e) => return failed(format!("cannot read the file: {e}"), None),
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return failed(
                format!(
                    "the file is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
                None,
            )
        }
    };
    let syntax = Syntax::for_file(&path, &text);
    match parse::read_text(&text, syntax) {
        Err(error) => {
            // Unparseable text with no sign of ECS content met in a walk (a tsconfig.json with
            // comments, a Helm template) is not an ECS document; named, or with signs, it is
            // an error.
            if candidate.named || parse::text_shows_ecs_content(&text) {
                let position = match error.location {
                    Location::LineColumn { line, column } => Some(Position { line, column }),
                    _ => None,
                };
                failed(error.to_string(), position)
            } else {
                Read::Skipped(Skipped {
                    path,
                    reason: format!("not {}: {}", syntax_name(syntax), error.message),
                })
            }
        }
        Ok(resources) if resources.is_empty() => Read::Skipped(Skipped {
            path,
            reason: "no ECS resource".to_string(),
        }),
        Ok(resources) => Read::Resources(Loaded {
            path,
            text,
            syntax,
            resources,
        }),
    }
}

fn syntax_name(syntax: Syntax) -> &'static str {
    match syntax {
        Syntax::Json => "JSON",
        Syntax::Yaml => "YAML",
        Syntax::Hcl => "HCL",
    }
}

fn evaluate_file(
    file: &Loaded,
    superseded: &[Option<u64>],
    selection: &Selection,
    related: &dyn Related,
) -> FileReport {
    let mut report = FileReport {
        path: file.path.clone(),
        resources: Vec::new(),
        errors: Vec::new(),
    };
    let mut json_paths = Vec::new();
    let mut error_paths = Vec::new();
    for (resource, newer) in file.resources.iter().zip(superseded) {
        match resource {
            Err(error) => {
                let position = match &error.location {
                    Location::LineColumn { line, column } => Some(Position {
                        line: *line,
                        column: *column,
                    }),
                    _ => None,
                };
                error_paths.push(match &error.location {
                    Location::Path(p) => Some(p.clone()),
                    _ => None,
                });
                report.errors.push(FileError {
                    message: error.to_string(),
                    position,
                });
            }
            // Related resources (roles) are read for the controls that look at them, not
            // reported on their own.
            Ok(resource) if resource.meta.resource_type.is_related_only() => {}
            Ok(resource) => {
                let findings = match newer {
                    Some(newer) => selection.superseded(resource, *newer),
                    None => selection.findings(resource, related),
                };
                json_paths.push(&resource.meta.json_path);
                report
                    .resources
                    .push(selection.resource_report(resource, findings));
            }
        }
    }
    // Lines and columns cost an index of the text: only files that report something need it.
    let failing = report.resources.iter().any(|r| {
        r.findings
            .iter()
            .any(|f| f.outcome.verdict == Verdict::NonCompliant)
    });
    if failing || error_paths.iter().any(Option::is_some) {
        let index = positions(&file.text, file.syntax);
        for (resource, json_path) in report.resources.iter_mut().zip(&json_paths) {
            resource.position = index.nearest(json_path);
            for finding in &mut resource.findings {
                if finding.outcome.verdict == Verdict::NonCompliant {
                    finding.position = finding
                        .outcome
                        .pointer
                        .and_then(|p| index.locate(json_path, &p))
                        .or(resource.position);
                }
            }
        }
        for (error, path) in report.errors.iter_mut().zip(&error_paths) {
            if let (None, Some(path)) = (error.position, path) {
                error.position = index.nearest(path);
            }
        }
    }
    report
}

/// The position index of a text in its syntax.
fn positions(text: &str, syntax: Syntax) -> PositionIndex {
    match syntax {
        Syntax::Json => position::json_positions(text),
        Syntax::Yaml => parse::yaml::positions(text),
        Syntax::Hcl => terraform::hcl_positions(text),
    }
}
