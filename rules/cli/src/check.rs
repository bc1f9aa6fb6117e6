//! `check`: find the files, read every resource, evaluate the selected controls.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use ecs_harden_core::catalogue::{Control, CATALOGUE};
use ecs_harden_core::error::Location;
use ecs_harden_core::params::Params;
use ecs_harden_core::parse::{self, Syntax};
use ecs_harden_core::{Outcome, ResourceType, Verdict};

/// The controls to run, each with its parameters.
pub struct Selection {
    pub controls: Vec<(&'static Control, Params)>,
}

impl Selection {
    pub fn new(ids: &[String], params: &[String]) -> anyhow::Result<Selection> {
        let chosen: Vec<&'static Control> = if ids.iter().all(|i| i.trim().is_empty()) {
            CATALOGUE.to_vec()
        } else {
            let mut chosen = Vec::new();
            for id in ids.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
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
        let mut given: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
        for param in params {
            let Some((key, value)) = param.split_once('=') else {
                bail!("--param {param:?}: expected CONTROL.KEY=VALUE, e.g. ECS.13.requiredTagKeys=team,env");
            };
            let Some((control_id, name)) = key.rsplit_once('.') else {
                bail!("--param {param:?}: expected CONTROL.KEY=VALUE, e.g. ECS.13.requiredTagKeys=team,env");
            };
            let control = ecs_harden_core::catalogue::find(control_id)
                .ok_or_else(|| anyhow!("--param {param:?}: no control {control_id:?}"))?;
            given
                .entry(control.id)
                .or_default()
                .insert(name.to_string(), value.to_string());
        }
        let mut controls = Vec::with_capacity(chosen.len());
        for control in chosen {
            let params = control
                .params_from_strings(&given.remove(control.id).unwrap_or_default())
                .map_err(|e| anyhow!("--param: {e}"))?;
            controls.push((control, params));
        }
        if let Some(id) = given.keys().next() {
            bail!("--param for {id}, which is not among the selected --controls");
        }
        Ok(Selection { controls })
    }

    /// Every selected control that applies to the resource, with its verdict.
    pub fn findings(&self, resource: &ecs_harden_core::Resource) -> Vec<Finding> {
        self.controls
            .iter()
            .filter_map(|(control, params)| {
                control
                    .evaluate(resource, params)
                    .map(|outcome| Finding { control, outcome })
            })
            .collect()
    }
}

/// One control's verdict on one resource.
pub struct Finding {
    pub control: &'static Control,
    pub outcome: Outcome,
}

/// One resource read from a file.
pub struct ResourceReport {
    pub resource_type: ResourceType,
    pub resource_id: String,
    /// 1-based line where the resource starts, as near as the text tells.
    pub line: usize,
    pub findings: Vec<Finding>,
}

/// A document that could not be read, or one of its resources.
pub struct FileError {
    pub message: String,
    pub line: Option<usize>,
}

/// Everything found in one file.
pub struct FileReport {
    pub path: String,
    pub resources: Vec<ResourceReport>,
    pub errors: Vec<FileError>,
}

/// The result of a run.
pub struct Report {
    pub files: Vec<FileReport>,
    /// Problems with the paths given (missing files, unreadable directories).
    pub path_errors: Vec<(String, String)>,
    pub controls: Vec<&'static Control>,
}

#[derive(Default, Clone, Copy)]
pub struct Totals {
    pub files: usize,
    pub resources: usize,
    pub compliant: usize,
    pub non_compliant: usize,
    pub not_applicable: usize,
    pub errors: usize,
}

impl Report {
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            files: self.files.len(),
            errors: self.path_errors.len(),
            ..Totals::default()
        };
        for file in &self.files {
            t.errors += file.errors.len();
            t.resources += file.resources.len();
            for resource in &file.resources {
                for finding in &resource.findings {
                    match finding.outcome.verdict {
                        Verdict::Compliant => t.compliant += 1,
                        Verdict::NonCompliant => t.non_compliant += 1,
                        Verdict::NotApplicable => t.not_applicable += 1,
                    }
                }
            }
        }
        t
    }

    /// 2 on any error, else 1 when anything is NON_COMPLIANT, else 0.
    pub fn exit_code(&self) -> u8 {
        let totals = self.totals();
        if totals.errors > 0 {
            2
        } else if totals.non_compliant > 0 {
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

const EXTENSIONS: [&str; 4] = ["json", "yaml", "yml", "template"];

/// Expands the paths given: files as they are, directories recursively (sorted, hidden entries
/// skipped) for the known extensions.
fn collect(paths: &[PathBuf], errors: &mut Vec<(String, String)>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut files, errors),
            Ok(_) => files.push(path.clone()),
            Err(e) => errors.push((path.display().to_string(), format!("cannot read: {e}"))),
        }
    }
    files
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<(String, String)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push((
                dir.display().to_string(),
                format!("cannot list the directory: {e}"),
            ));
            return;
        }
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for entry in entries {
        let hidden = entry
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || n == "node_modules");
        if hidden {
            continue;
        }
        if entry.is_dir() {
            walk(&entry, files, errors);
        } else if entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            files.push(entry);
        }
    }
}

pub fn check_paths(paths: &[PathBuf], selection: &Selection) -> Report {
    let mut path_errors = Vec::new();
    let files = collect(paths, &mut path_errors);
    let reports = files
        .iter()
        .map(|file| check_file(file, selection))
        .collect();
    Report {
        files: reports,
        path_errors,
        controls: selection.controls.iter().map(|(c, _)| *c).collect(),
    }
}

fn check_file(file: &Path, selection: &Selection) -> FileReport {
    let path = file.display().to_string();
    let mut report = FileReport {
        path: path.clone(),
        resources: Vec::new(),
        errors: Vec::new(),
    };
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            report.errors.push(FileError {
                message: format!("cannot read the file: {e}"),
                line: None,
            });
            return report;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            report.errors.push(FileError {
                message: format!(
                    "the file is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
                line: None,
            });
            return report;
        }
    };
    let syntax = Syntax::for_file(&path, &text);
    let resources = parse::parse_text(&text, syntax);
    if resources.is_empty() {
        report.errors.push(FileError {
            message: "no ECS resource in the document (a template without AWS::ECS resources?)"
                .into(),
            line: None,
        });
    }
    for resource in resources {
        match resource {
            Err(error) => {
                let line = match error.location {
                    Location::LineColumn { line, .. } => Some(line),
                    Location::Path(ref p) => line_of_path(&text, p),
                    Location::Document => None,
                };
                report.errors.push(FileError {
                    message: error.to_string(),
                    line,
                });
            }
            Ok(resource) => {
                report.resources.push(ResourceReport {
                    resource_type: resource.meta.resource_type,
                    resource_id: resource.meta.resource_id.clone(),
                    line: line_of_path(&text, &resource.meta.json_path).unwrap_or(1),
                    findings: selection.findings(&resource),
                });
            }
        }
    }
    report
}

/// The line of the last key of a JSON path (`$.Resources.Web` → the line declaring `Web`),
/// found in the text; a best effort for SARIF regions and terminal output.
fn line_of_path(text: &str, json_path: &str) -> Option<usize> {
    let last = json_path.rsplit(['.', '[']).next()?;
    let key = last.trim_end_matches(']').trim_matches('\'');
    if key.is_empty() || key == "$" || key.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let quoted = format!("\"{key}\"");
    let yaml = format!("{key}:");
    text.lines()
        .position(|line| {
            let t = line.trim_start();
            t.starts_with(&quoted) || t.starts_with(&yaml)
        })
        .map(|i| i + 1)
}
