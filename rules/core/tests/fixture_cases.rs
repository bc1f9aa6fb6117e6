//! Every fixture case of the project's corpus (`tests/fixtures/cases`) through the parser and its control.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ecs_harden_core::{catalogue, ResourceType, Verdict};

mod support;
use serde_json::Value;

/// The resource types whose controls must have cases in every Terraform shape.
const TERRAFORM_TYPES: [ResourceType; 4] = [
    ResourceType::TaskDefinition,
    ResourceType::Service,
    ResourceType::Cluster,
    ResourceType::LaunchTemplate,
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The project's case directory.
fn case_roots() -> Vec<PathBuf> {
    vec![workspace().join("tests/fixtures/cases")]
}

fn case_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for root in case_roots() {
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&dir).unwrap() {
                let file = file.unwrap().path();
                if file.extension().is_some_and(|e| e == "json") {
                    files.push(file);
                }
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_case_gets_its_expected_verdict_and_annotation() {
    let mut failures = Vec::new();
    let mut per_control: BTreeMap<String, usize> = BTreeMap::new();
    let mut shapes: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let mut verdicts: BTreeSet<(&'static str, &'static str, Verdict)> = BTreeSet::new();
    let files = case_files();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let case: Value = serde_json::from_str(&text).unwrap();
        let name = file.display().to_string();
        let control_id = case["control"].as_str().unwrap();
        let Some(control) = catalogue::find(control_id) else {
            failures.push(format!("{name}: no control {control_id} in the catalogue"));
            continue;
        };
        let (resource, outcome) = match support::evaluate(control, &case) {
            Ok(read) => read,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        *per_control.entry(control_id.to_string()).or_default() += 1;
        shapes
            .entry(control_id.to_string())
            .or_default()
            .insert(resource.meta.shape.name());
        let expected = Verdict::parse(case["expected"].as_str().unwrap()).unwrap();
        verdicts.insert((control.id, resource.meta.shape.name(), expected));
        if outcome.verdict != expected {
            failures.push(format!(
                "{name}: expected {expected}, got {} ({:?})",
                outcome.verdict, outcome.annotation
            ));
            continue;
        }
        let annotation = outcome.annotation.clone().unwrap_or_default();
        let length = annotation.chars().count();
        if expected == Verdict::NonCompliant && (length == 0 || length > 256) {
            failures.push(format!("{name}: annotation length {length}"));
        }
        let lower = annotation.to_lowercase();
        for mention in case["annotationMentions"].as_array().into_iter().flatten() {
            let mention = mention.as_str().unwrap();
            if !lower.contains(&mention.to_lowercase()) {
                failures.push(format!(
                    "{name}: annotation {annotation:?} does not mention {mention:?}"
                ));
            }
        }
        for secret in case["annotationMustNotContain"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let secret = secret.as_str().unwrap();
            if lower.contains(&secret.to_lowercase()) {
                failures.push(format!("{name}: annotation contains the secret value"));
            }
        }
    }

    let mut summary = format!("fixture cases per control ({} files):\n", files.len());
    for control in catalogue::CATALOGUE {
        summary.push_str(&format!(
            "  {:<9} {:>3} cases, shapes: {}\n",
            control.id,
            per_control.get(control.id).copied().unwrap_or(0),
            shapes
                .get(control.id)
                .map(|s| s.iter().copied().collect::<Vec<_>>().join(", "))
                .unwrap_or_default()
        ));
        for shape in ["api", "config", "cloudformation"] {
            if !shapes.get(control.id).is_some_and(|s| s.contains(shape)) {
                failures.push(format!("{}: no {shape} case", control.id));
            }
        }
        // Task definitions, services, clusters and launch templates are written in Terraform
        // too: every control of theirs has a failing and a passing case in each of the three
        // Terraform shapes.
        if TERRAFORM_TYPES.contains(&control.resource_type()) {
            for shape in ["terraform-plan", "terraform-state", "terraform-hcl"] {
                for verdict in [Verdict::NonCompliant, Verdict::Compliant] {
                    if !verdicts.contains(&(control.id, shape, verdict)) {
                        failures.push(format!("{}: no {shape} case that is {verdict}", control.id));
                    }
                }
            }
        }
    }
    print!("{summary}");
    // `cargo xtask test` shows this file after the test run (test output is captured).
    let _ = std::fs::write(
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-cases-per-control.txt"),
        &summary,
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
