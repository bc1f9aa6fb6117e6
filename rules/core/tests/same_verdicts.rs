//! The same resource written as a CloudFormation template, as ECS API JSON, as a Terraform plan
//! (`terraform show -json`) and as a `.tf` file gets the same verdict from every control that
//! applies to it. The resources live in `tests/fixtures/equivalent/<name>/` (`cloudformation.yaml`,
//! `api.json`, `plan.json`, `main.tf`); together they make every task-definition, service and
//! cluster control both pass and fail somewhere, so an agreement on "all COMPLIANT" cannot hide
//! a reader that sees nothing.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ecs_harden_core::model::{Resource, ResourceType};
use ecs_harden_core::parse::{parse_text, Syntax};
use ecs_harden_core::{Verdict, CATALOGUE};

const FORMS: [(&str, Syntax); 4] = [
    ("cloudformation.yaml", Syntax::Yaml),
    ("api.json", Syntax::Json),
    ("plan.json", Syntax::Json),
    ("main.tf", Syntax::Hcl),
];

fn equivalent_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/equivalent");
    assert!(
        dir.is_dir(),
        "the equivalent resources are missing: expected {}",
        dir.display()
    );
    dir
}

/// The one resource a file holds.
fn read(path: &Path, syntax: Syntax) -> Resource {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut results = parse_text(&text, syntax);
    assert_eq!(
        results.len(),
        1,
        "{}: expected one ECS resource, read {}",
        path.display(),
        results.len()
    );
    results
        .remove(0)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_form_of_a_resource_gets_the_same_verdicts() {
    let mut names: Vec<PathBuf> = std::fs::read_dir(equivalent_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    assert!(names.len() >= 6, "only {} resources", names.len());

    let mut table = String::new();
    writeln!(
        table,
        "{:<28} {:<9} {:<15} {:<15} {:<15} {:<15}",
        "resource", "control", "cloudformation", "api", "plan", "hcl"
    )
    .unwrap();
    let mut disagreements = Vec::new();
    let mut seen: BTreeSet<(&str, Verdict)> = BTreeSet::new();
    let mut types: BTreeSet<ResourceType> = BTreeSet::new();
    for dir in &names {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let resources: Vec<Resource> = FORMS
            .iter()
            .map(|(file, syntax)| read(&dir.join(file), *syntax))
            .collect();
        let resource_type = resources[0].meta.resource_type;
        types.insert(resource_type);
        for (resource, (file, _)) in resources.iter().zip(FORMS) {
            assert_eq!(
                resource.meta.resource_type, resource_type,
                "{name}/{file} reads as a different resource type"
            );
        }
        for control in CATALOGUE
            .iter()
            .filter(|c| c.resource_type() == resource_type)
        {
            let params = control.default_params().unwrap();
            let verdicts: Vec<Verdict> = resources
                .iter()
                .map(|r| control.evaluate(r, &params).unwrap().verdict)
                .collect();
            writeln!(
                table,
                "{name:<28} {:<9} {:<15} {:<15} {:<15} {:<15}",
                control.id,
                verdicts[0].as_str(),
                verdicts[1].as_str(),
                verdicts[2].as_str(),
                verdicts[3].as_str()
            )
            .unwrap();
            if verdicts.iter().any(|v| *v != verdicts[0]) {
                disagreements.push(format!("{name} {}", control.id));
            }
            seen.insert((control.id, verdicts[0]));
        }
    }
    assert!(
        disagreements.is_empty(),
        "the forms disagree on {}:\n{table}",
        disagreements.join(", ")
    );
    // Every control of the types written here both passes and fails somewhere. Controls that
    // look across resources (HARDEN.14, HARDEN.15) have nothing to look at in a one-resource
    // file (unknown, NOT_APPLICABLE in every form); rules/cli/tests/related.rs judges them on a
    // template and a plan that hold the related resources.
    let mut missing = Vec::new();
    for control in CATALOGUE
        .iter()
        .filter(|c| types.contains(&c.resource_type()) && !c.evaluator.reads_related())
    {
        for verdict in [Verdict::Compliant, Verdict::NonCompliant] {
            if !seen.contains(&(control.id, verdict)) {
                missing.push(format!("{} never {verdict}", control.id));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the equivalent resources do not exercise every control: {}\n{table}",
        missing.join(", ")
    );
    assert_eq!(
        types,
        BTreeSet::from([
            ResourceType::TaskDefinition,
            ResourceType::Service,
            ResourceType::Cluster
        ])
    );
}
