//! Completeness: every control's CloudFormation fixture cases through each tool, scored case by
//! case; and over the corpus, on how many files the other tools' verdicts differ from
//! ecs-harden's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::Context;
use serde_json::{json, Value};

use super::corpus::fixture_cases;
use super::throughput::{
    case_key, checkov_command, checkov_reports, guard_command, guard_results, time_runs,
};
use super::tools::Tools;
use super::{output_of, read_json, GUARD_RULES};
use crate::project_root;

struct Case {
    key: String,
    control: String,
    flagged_expected: bool,
}

struct ControlRow {
    id: String,
    title: String,
    resource_type: String,
    cases: usize,
    ecs_harden: Cell,
    guard: Cell,
    checkov: Cell,
}

struct Cell {
    /// Cases the tool got right.
    right: usize,
    /// Whether it caught at least one NON_COMPLIANT case.
    catches: bool,
    /// The rule or check that did it.
    via: Option<String>,
}

impl Cell {
    fn label(&self, cases: usize) -> String {
        let via = self
            .via
            .as_ref()
            .map(|v| format!(" `{v}`"))
            .unwrap_or_default();
        if !self.catches {
            "no".into()
        } else if self.right == cases {
            format!("checks ({}/{cases}){via}", self.right)
        } else {
            format!("partly ({}/{cases}){via}", self.right)
        }
    }

    fn kind(&self, cases: usize) -> &'static str {
        if !self.catches {
            "no"
        } else if self.right == cases {
            "checks"
        } else {
            "partly"
        }
    }
}

pub struct Completeness {
    rows: Vec<ControlRow>,
    excluded: Vec<String>,
    guard_limits: BTreeMap<String, String>,
    checkov_checks: BTreeMap<String, String>,
}

fn score(cases: &[&Case], flagged: impl Fn(&Case) -> bool, via: Option<String>) -> Cell {
    Cell {
        right: cases
            .iter()
            .filter(|c| flagged(c) == c.flagged_expected)
            .count(),
        catches: cases.iter().any(|c| c.flagged_expected && flagged(c)),
        via,
    }
}

pub fn measure(tools: &Tools, fixtures: &Path, work: &Path) -> anyhow::Result<Completeness> {
    println!("==> completeness: each control's CloudFormation fixture cases through each tool");
    let catalogue: Value = serde_json::from_str(&output_of(
        &tools.ecs_harden,
        &["controls", "--format", "json"],
    )?)?;
    let controls = catalogue["controls"]
        .as_array()
        .context("`ecs-harden controls --format json` has no controls")?;

    let dir = work.join("cases");
    let _ = std::fs::remove_dir_all(&dir);
    let mut cases = Vec::new();
    let mut excluded = Vec::new();
    for (path, case) in fixture_cases(fixtures)? {
        if case["shape"] != "cloudformation" {
            continue;
        }
        if case["parameters"]
            .as_object()
            .is_some_and(|p| !p.is_empty())
        {
            excluded.push(format!("{path} (parameters {})", case["parameters"]));
            continue;
        }
        let control = case["control"].as_str().unwrap_or_default().to_string();
        let stem = Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let key = format!("{control}/{stem}");
        std::fs::create_dir_all(dir.join(&control))?;
        // A case is one resource, or a whole template whose other resources are what a
        // control that looks across resources reads (HARDEN.14's revision, HARDEN.15's role).
        let template = if case["resource"].get("Resources").is_some() {
            let mut template = case["resource"].clone();
            template["AWSTemplateFormatVersion"] = json!("2010-09-09");
            template
        } else {
            json!({
                "AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {"Resource": case["resource"]},
            })
        };
        std::fs::write(dir.join(&key), serde_json::to_string_pretty(&template)?)?;
        cases.push(Case {
            key,
            control,
            flagged_expected: case["expected"] == "NON_COMPLIANT",
        });
    }

    let out = work.join("out");
    std::fs::create_dir_all(&out)?;
    let report = out.join("cases-ecs-harden.json");
    time_runs(
        "ecs-harden check (cases)",
        1,
        &[0, 1],
        &out.join("cases-ecs-harden.stdout"),
        || {
            let mut c = Command::new(&tools.ecs_harden);
            c.args(["check", "--format", "json", "-o"])
                .arg(&report)
                .arg(&dir);
            c
        },
    )?;
    let mut ecs_harden: BTreeSet<(String, String)> = BTreeSet::new();
    for r in read_json(&report)?["results"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if r["verdict"] == "NON_COMPLIANT" {
            ecs_harden.insert((
                case_key(r["path"].as_str().unwrap_or_default()),
                r["control"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }

    let guard_out = out.join("cases-cfn-guard.json");
    time_runs(
        "cfn-guard validate (cases)",
        1,
        &[0, 19],
        &guard_out,
        || guard_command(tools, &dir),
    )?;
    let guard = guard_results(&guard_out)?;
    let guard_source = std::fs::read_to_string(project_root().join(GUARD_RULES))?;
    let guard_rules: BTreeSet<String> = guard_source
        .lines()
        .filter_map(|l| l.strip_prefix("rule "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    let guard_limits: BTreeMap<String, String> = guard_source
        .lines()
        .filter_map(|l| l.strip_prefix("# limit "))
        .filter_map(|l| l.split_once(": "))
        .map(|(id, reason)| (id.to_string(), reason.to_string()))
        .collect();

    let checkov_out = out.join("cases-checkov.json");
    time_runs("checkov (cases)", 1, &[0, 1], &checkov_out, || {
        checkov_command(tools, &dir)
    })?;
    let mut checkov: BTreeSet<(String, String)> = BTreeSet::new();
    let mut checkov_checks = BTreeMap::new();
    let checkov_report = read_json(&checkov_out)?;
    for report in checkov_reports(&checkov_report) {
        for failed in report["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let id = failed["check_id"].as_str().unwrap_or_default().to_string();
            checkov_checks.insert(
                id.clone(),
                failed["check_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
            checkov.insert((
                case_key(failed["file_path"].as_str().unwrap_or_default()),
                id,
            ));
        }
    }

    let mut rows = Vec::new();
    for control in controls {
        let id = control["id"].as_str().unwrap_or_default().to_string();
        let mine: Vec<&Case> = cases.iter().filter(|c| c.control == id).collect();
        if mine.is_empty() {
            continue;
        }
        let ecs_harden_cell = score(
            &mine,
            |c| ecs_harden.contains(&(c.key.clone(), id.clone())),
            None,
        );
        let rule = id.replace('.', "_");
        let guard_cell = if guard_rules.contains(&rule) {
            score(
                &mine,
                |c| {
                    guard
                        .get(&c.key)
                        .is_some_and(|failed| failed.contains(&rule))
                },
                Some(rule.clone()),
            )
        } else {
            score(&mine, |_| false, None)
        };
        // The checkov check standing for this control: the one that fails on the most of its
        // NON_COMPLIANT cases beyond the passing ones it also fails on.
        let best = checkov_checks
            .keys()
            .map(|check| {
                let flagged = |c: &Case| checkov.contains(&(c.key.clone(), check.clone()));
                let caught = mine
                    .iter()
                    .filter(|c| c.flagged_expected && flagged(c))
                    .count() as i64;
                let false_alarms = mine
                    .iter()
                    .filter(|c| !c.flagged_expected && flagged(c))
                    .count() as i64;
                (caught - false_alarms, check.clone())
            })
            .filter(|(margin, _)| *margin > 0)
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let checkov_cell = match best {
            Some((_, check)) => score(
                &mine,
                |c| checkov.contains(&(c.key.clone(), check.clone())),
                Some(check.clone()),
            ),
            None => score(&mine, |_| false, None),
        };
        rows.push(ControlRow {
            id,
            title: control["title"].as_str().unwrap_or_default().to_string(),
            resource_type: control["resourceType"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            cases: mine.len(),
            ecs_harden: ecs_harden_cell,
            guard: guard_cell,
            checkov: checkov_cell,
        });
    }
    Ok(Completeness {
        rows,
        excluded,
        guard_limits,
        checkov_checks,
    })
}

/// For one task definition control, how many corpus files each tool flags and on how many files
/// the other tools' verdict differs from ecs-harden's.
pub struct Agreement {
    control: String,
    ecs_harden: usize,
    guard: Option<(usize, usize)>,
    checkov: Option<(String, usize, usize)>,
}

fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or_default().to_string()
}

/// Reads the last throughput run of each tool over the CloudFormation corpus.
pub fn agreement(out: &Path, completeness: &Completeness) -> anyhow::Result<Vec<Agreement>> {
    let mut ecs_harden: BTreeSet<(String, String)> = BTreeSet::new();
    for r in read_json(&out.join("ecs-harden-cfn.json"))?["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["verdict"] == "NON_COMPLIANT")
    {
        ecs_harden.insert((
            file_name(r["path"].as_str().unwrap_or_default()),
            r["control"].as_str().unwrap_or_default().to_string(),
        ));
    }
    let mut guard: BTreeSet<(String, String)> = BTreeSet::new();
    for (key, rules) in guard_results(&out.join("cfn-guard.json"))? {
        for rule in rules {
            guard.insert((file_name(&key), rule));
        }
    }
    let mut checkov: BTreeSet<(String, String)> = BTreeSet::new();
    let report = read_json(&out.join("checkov.json"))?;
    for r in checkov_reports(&report) {
        for failed in r["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            checkov.insert((
                file_name(failed["file_path"].as_str().unwrap_or_default()),
                failed["check_id"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    let files_of = |set: &BTreeSet<(String, String)>, id: &str| -> BTreeSet<String> {
        set.iter()
            .filter(|(_, rule)| rule == id)
            .map(|(file, _)| file.clone())
            .collect()
    };
    let mut rows = Vec::new();
    for row in completeness
        .rows
        .iter()
        .filter(|r| r.resource_type == "AWS::ECS::TaskDefinition")
    {
        let mine = files_of(&ecs_harden, &row.id);
        let compare =
            |theirs: BTreeSet<String>| (theirs.len(), mine.symmetric_difference(&theirs).count());
        rows.push(Agreement {
            control: row.id.clone(),
            ecs_harden: mine.len(),
            guard: row
                .guard
                .via
                .as_ref()
                .map(|rule| compare(files_of(&guard, rule))),
            checkov: row.checkov.via.as_ref().map(|check| {
                let (flagged, differ) = compare(files_of(&checkov, check));
                (check.clone(), flagged, differ)
            }),
        });
    }
    Ok(rows)
}

impl Completeness {
    /// Section 2: which controls each tool can check.
    pub fn section(&self, md: &mut String) {
        let c = self;
        let total: usize = c.rows.iter().map(|r| r.cases).sum();
        let _ = writeln!(
            md,
            "\n## 2. Completeness: which controls each tool can check\n\n\
             For every control of `ecs-harden controls`, its CloudFormation fixture cases \
             (`tests/fixtures/cases/<control>/cfn-*.json`, {total} cases, each wrapped in a \
             template) go through each tool once. A case is right when the tool flags a \
             NON_COMPLIANT case and does not flag a COMPLIANT or NOT_APPLICABLE one. \
             **checks (n/n)**: every case right; **partly (k/n)**: it catches some violations but \
             gets k of n right; **no**: it flags none of the control's violations.\n\n\
             - ecs-harden: the control's own verdict (`ecs-harden check --format json`).\n\
             - cfn-guard: the rule named after the control in `{GUARD_RULES}`, written for this \
             comparison with the controls' default parameters.\n\
             - checkov: its built-in checks (`--framework cloudformation secrets`), mapped to a \
             control empirically: the check that fails on the most of the control's \
             NON_COMPLIANT cases beyond the passing cases it also fails on (named in the cell).\n"
        );
        md.push_str("| control | title | cases | ecs-harden | cfn-guard (our rules) | checkov (built-in) |\n|---|---|---:|---|---|---|\n");
        for row in &c.rows {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                row.id,
                row.title,
                row.cases,
                row.ecs_harden.label(row.cases),
                row.guard.label(row.cases),
                row.checkov.label(row.cases),
            );
        }
        let tally = |cell: fn(&ControlRow) -> &Cell| {
            let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
            let mut right = 0;
            for row in &c.rows {
                *kinds.entry(cell(row).kind(row.cases)).or_default() += 1;
                right += cell(row).right;
            }
            format!(
                "{} checks, {} partly, {} no; {right}/{total} cases right",
                kinds.get("checks").unwrap_or(&0),
                kinds.get("partly").unwrap_or(&0),
                kinds.get("no").unwrap_or(&0)
            )
        };
        let _ = writeln!(
            md,
            "| **all {} controls** | | {total} | {} | {} | {} |",
            c.rows.len(),
            tally(|r| &r.ecs_harden),
            tally(|r| &r.guard),
            tally(|r| &r.checkov),
        );
        if !c.guard_limits.is_empty() {
            md.push_str("\nWhat the Guard rules cannot express (from the `# limit` lines of the rules file):\n\n");
            for (id, reason) in &c.guard_limits {
                let id = if id == "ALL" { "every rule" } else { id };
                let _ = writeln!(md, "- {id}: {reason}");
            }
        }
        if !c.checkov_checks.is_empty() {
            md.push_str("\ncheckov checks that failed on at least one case:\n\n");
            for (id, name) in &c.checkov_checks {
                let _ = writeln!(md, "- `{id}`: {name}");
            }
        }
        if !c.excluded.is_empty() {
            let _ = writeln!(
                md,
                "\nLeft out: {} case(s) with non-default parameters, which neither cfn-guard's \
                 rules nor checkov's checks take: {}.",
                c.excluded.len(),
                c.excluded.join("; ")
            );
        }
    }
}

/// The same controls over the corpus: how far the tools agree with ecs-harden.
pub fn agreement_section(md: &mut String, files: usize, agreement: &[Agreement]) {
    let _ = writeln!(
        md,
        "\n### The same controls over the {}-file corpus\n\n\
             Per task definition control, the corpus files each tool flags (from the last \
             throughput run on the CloudFormation form) and on how many files a tool's verdict \
             differs from ecs-harden's. For checkov, the check mapped to the control above.\n",
        files
    );
    md.push_str("| control | ecs-harden flags | cfn-guard flags | cfn-guard differs on | checkov flags | checkov differs on |\n|---|---:|---:|---:|---:|---:|\n");
    for a in agreement {
        let (guard_flagged, guard_differs) = a
            .guard
            .map(|(f, d)| (f.to_string(), d.to_string()))
            .unwrap_or(("no rule".into(), "–".into()));
        let (checkov_flagged, checkov_differs) = a
            .checkov
            .as_ref()
            .map(|(check, f, d)| (format!("{f} (`{check}`)"), d.to_string()))
            .unwrap_or(("no check".into(), "–".into()));
        let _ = writeln!(
                md,
                "| {} | {} | {guard_flagged} | {guard_differs} | {checkov_flagged} | {checkov_differs} |",
                a.control, a.ecs_harden
            );
    }
}
