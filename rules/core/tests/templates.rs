//! A whole CloudFormation template, in YAML with short-form intrinsics (`!Ref`, `!Sub`,
//! `!GetAtt`, `!If`, `!ImportValue`, `!Join`, `!Select`) and the same template in JSON: only
//! the ECS resources are read, each under its logical id, and unresolved values never fail a
//! control while definite violations beside them still do.

use std::path::{Path, PathBuf};

use ecs_harden_core::gate::GateConfig;
use ecs_harden_core::model::{Resource, ResourceType, Shape};
use ecs_harden_core::parameter_map::ParameterMap;
use ecs_harden_core::parse::{load, parse_text, Syntax};
use ecs_harden_core::related::{Context, Index};
use ecs_harden_core::{catalogue, Verdict};

const YAML: &str = "orders-stack.yaml";
const JSON: &str = "orders-stack.json";

fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/templates")
}

fn text(name: &str) -> String {
    let path = templates_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn syntax(name: &str) -> Syntax {
    if name.ends_with(".json") {
        Syntax::Json
    } else {
        Syntax::Yaml
    }
}

/// Every ECS resource of a template; any parse error fails the test.
fn resources(name: &str) -> Vec<Resource> {
    parse_text(&text(name), syntax(name))
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{name}: parse error {e}")))
        .collect()
}

fn resource<'a>(all: &'a [Resource], logical_id: &str) -> &'a Resource {
    all.iter()
        .find(|r| r.meta.resource_id == logical_id)
        .unwrap_or_else(|| panic!("no resource {logical_id}"))
}

#[test]
fn yaml_short_forms_read_as_the_long_forms_of_the_json_template() {
    let yaml = load(&text(YAML), Syntax::Yaml).unwrap();
    let json = load(&text(JSON), Syntax::Json).unwrap();
    assert_eq!(
        yaml, json,
        "the YAML template must decode to the JSON template"
    );
}

#[test]
fn only_ecs_resources_are_read_under_their_logical_ids() {
    for name in [YAML, JSON] {
        let all = resources(name);
        let mut found: Vec<(String, ResourceType)> = all
            .iter()
            .map(|r| (r.meta.resource_id.clone(), r.meta.resource_type))
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                ("Cluster".to_string(), ResourceType::Cluster),
                ("Service".to_string(), ResourceType::Service),
                ("TaskDefinition".to_string(), ResourceType::TaskDefinition),
                ("TaskRole".to_string(), ResourceType::Role),
            ],
            "{name}: the log group must be skipped; the IAM role is read as a related resource"
        );
        for r in &all {
            assert_eq!(r.meta.shape, Shape::CloudFormation, "{name}");
            assert_eq!(
                r.meta.json_path,
                format!("$.Resources.{}", r.meta.resource_id),
                "{name}"
            );
            // A template file does not know where it will be deployed.
            assert_eq!(
                (r.meta.account.as_deref(), r.meta.region.as_deref()),
                (None, None)
            );
            assert_eq!(r.meta.arn, None);
        }
    }
}

/// One expectation: on resource `id`, `control` gives `verdict`; a NON_COMPLIANT annotation
/// names everything in `mentions` and nothing in `absent`.
struct Expect {
    id: &'static str,
    control: &'static str,
    verdict: Verdict,
    why: &'static str,
    mentions: &'static [&'static str],
    absent: &'static [&'static str],
}

const fn ok(id: &'static str, control: &'static str, why: &'static str) -> Expect {
    Expect {
        id,
        control,
        verdict: Verdict::Compliant,
        why,
        mentions: &[],
        absent: &[],
    }
}

const fn fails(
    id: &'static str,
    control: &'static str,
    why: &'static str,
    mentions: &'static [&'static str],
    absent: &'static [&'static str],
) -> Expect {
    Expect {
        id,
        control,
        verdict: Verdict::NonCompliant,
        why,
        mentions,
        absent,
    }
}

const EXPECTATIONS: &[Expect] = &[
    // Cluster
    ok("Cluster", "ECS.12", "containerInsights is !If [IsProd, enhanced, disabled]: unknown"),
    ok("Cluster", "ECS.14", "tag key team is known; its value !Ref Team does not matter"),
    ok("Cluster", "HARDEN.11", "no Configuration: no ECS Exec settings to judge"),
    fails(
        "Cluster",
        "HARDEN.13",
        "no Configuration.ManagedStorageConfiguration: an AWS owned key",
        &["fargateEphemeralStorageKmsKeyId"],
        &[],
    ),
    // Task definition: unknown values beside definite violations.
    fails(
        "TaskDefinition",
        "ECS.4",
        "log-router is privileged: true; debug-shell's Privileged is an !If (unknown)",
        &["log-router"],
        &["debug-shell", "orders-api"],
    ),
    fails(
        "TaskDefinition",
        "ECS.5",
        "debug-shell has no ReadonlyRootFilesystem; orders-api's is an !If (unknown)",
        &["debug-shell"],
        &["orders-api", "log-router"],
    ),
    fails(
        "TaskDefinition",
        "ECS.20",
        "debug-shell runs as user 0; orders-api (!Ref) and log-router (!Select) are unknown",
        &["debug-shell"],
        &["orders-api", "log-router"],
    ),
    fails(
        "TaskDefinition",
        "HARDEN.9",
        "API_TOKEN has a literal value; DB_PASSWORD is !Ref DbPassword, a template parameter CloudFormation writes into the task definition; FEATURE_NEW_CHECKOUT is a boolean",
        &["debug-shell", "API_TOKEN", "orders-api", "DB_PASSWORD"],
        &["tok_placeholder_0a1b2c3d4e5f6789", "FEATURE_NEW_CHECKOUT"],
    ),
    fails(
        "TaskDefinition",
        "HARDEN.1",
        "log-router and debug-shell have no LinuxParameters: drop lacks ALL",
        &["log-router", "debug-shell"],
        &["orders-api"],
    ),
    fails(
        "TaskDefinition",
        "HARDEN.10",
        "no container sets Memory; the task's Memory 2048 does not stand in by default",
        &["orders-api", "log-router", "debug-shell"],
        &[],
    ),
    ok("TaskDefinition", "ECS.8", "no AWS key variables"),
    ok("TaskDefinition", "ECS.9", "debug-shell's LogConfiguration is an !If with AWS::NoValue: unknown"),
    ok("TaskDefinition", "ECS.15", "tag key team is known"),
    ok("TaskDefinition", "ECS.17", "NetworkMode awsvpc"),
    ok("TaskDefinition", "HARDEN.3", "NetworkMode awsvpc"),
    fails(
        "TaskDefinition",
        "HARDEN.4",
        "both roles are !GetAtt TaskRole.Arn: the same expression, so the same role",
        &["TaskRole"],
        &[],
    ),
    ok(
        "TaskDefinition",
        "HARDEN.5",
        "!Sub/!Join over ${AWS::AccountId}/${AWS::Region} are the own ECR; !ImportValue is unknown",
    ),
    ok(
        "TaskDefinition",
        "HARDEN.6",
        "orders-api's tag is ${ImageTag} (unknown), log-router is tagged, debug-shell is imported",
    ),
    // Service
    ok("Service", "ECS.2", "AssignPublicIp is !If [IsProd, DISABLED, ENABLED]: unknown"),
    ok("Service", "ECS.10", "PlatformVersion is !Ref PlatformVersion: unknown"),
    ok("Service", "ECS.13", "tag key team is known"),
    ok("Service", "HARDEN.12", "no EnableExecuteCommand: ECS Exec is off"),
    fails(
        "Service",
        "HARDEN.14",
        "runs !Ref TaskDefinition, which fails gated controls of the same template",
        &["TaskDefinition", "ECS.4", "ECS.5", "HARDEN.1", "HARDEN.9"],
        &[],
    ),
    ok(
        "TaskDefinition",
        "HARDEN.15",
        "!GetAtt TaskRole.Arn is the template's role, which has no policies",
    ),
    fails(
        "Service",
        "HARDEN.8",
        "Service Connect is enabled and orders-http has no Tls",
        &["orders-http"],
        &[],
    ),
];

#[test]
fn unknown_values_never_fail_and_definite_violations_do() {
    let mut failures = Vec::new();
    // The template's own resources are the related ones (the revision the service runs, the
    // task role), as `check` reads them; the gate's default controls are what a running
    // revision must pass.
    let gated = GateConfig::new(None, None, &ParameterMap::default())
        .unwrap()
        .controls;
    for name in [YAML, JSON] {
        let all = resources(name);
        let index = Index::new(all.iter());
        let context = Context {
            related: &index,
            gated: &gated,
        };
        for e in EXPECTATIONS {
            let control = catalogue::find(e.control).unwrap();
            let params = control.default_params().unwrap();
            let outcome = control
                .evaluate_in(resource(&all, e.id), &params, &context)
                .unwrap_or_else(|| panic!("{} does not apply to {}", e.control, e.id));
            let annotation = outcome.annotation.clone().unwrap_or_default();
            let what = format!("{name} {} {} ({})", e.id, e.control, e.why);
            if outcome.verdict != e.verdict {
                failures.push(format!(
                    "{what}: expected {}, got {} {annotation:?}",
                    e.verdict, outcome.verdict
                ));
                continue;
            }
            let lower = annotation.to_lowercase();
            for m in e.mentions {
                if !lower.contains(&m.to_lowercase()) {
                    failures.push(format!("{what}: {annotation:?} does not name {m:?}"));
                }
            }
            for a in e.absent {
                if lower.contains(&a.to_lowercase()) {
                    failures.push(format!("{what}: {annotation:?} must not contain {a:?}"));
                }
            }
            if e.verdict == Verdict::NonCompliant && annotation.chars().count() > 256 {
                failures.push(format!("{what}: annotation over 256 characters"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_control_of_a_covered_type_has_an_expectation() {
    // Controls whose resource type the template has, but that it does not exercise: task sets
    // and capacity providers are absent; ECS.3/ECS.18/ECS.21/HARDEN.2/HARDEN.7 are trivially
    // COMPLIANT or NOT_APPLICABLE here and are checked by the fixture cases instead.
    let untested = ["ECS.3", "ECS.18", "ECS.21", "HARDEN.2", "HARDEN.7"];
    let types = [
        ResourceType::TaskDefinition,
        ResourceType::Service,
        ResourceType::Cluster,
    ];
    for control in catalogue::CATALOGUE {
        if !types.contains(&control.resource_type()) || untested.contains(&control.id) {
            continue;
        }
        assert!(
            EXPECTATIONS.iter().any(|e| e.control == control.id),
            "{} has no expectation on the template",
            control.id
        );
    }
}
