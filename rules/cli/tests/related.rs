//! `check` judges controls that look across resources from one file: a CloudFormation
//! template and a Terraform plan that define a service, the task definition it runs and the
//! task role.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

/// The JSON report of `ecs-harden check` over `path` for the two cross-resource controls.
fn report(path: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-harden"))
        .args([
            "check",
            "--format",
            "json",
            "--controls",
            "HARDEN.14,HARDEN.15",
        ])
        .arg(path)
        .output()
        .expect("run ecs-harden");
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

fn verdicts(file: &Path) -> Vec<(String, String, String)> {
    let report = report(file);
    assert_eq!(report["errors"], json!([]), "{report:#}");
    let mut out: Vec<(String, String, String)> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["control"].as_str().unwrap_or_default().to_string(),
                r["verdict"].as_str().unwrap_or_default().to_string(),
                r["annotation"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: ecs-tasks.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: web
      TaskRoleArn: !GetAtt TaskRole.Arn
      ContainerDefinitions:
        - Name: web
          Image: !Sub ${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/web:1.4.0
          Privileged: true
  Service:
    Type: AWS::ECS::Service
    Properties:
      ServiceName: web
      TaskDefinition: !Ref TaskDefinition
      LaunchType: FARGATE
"#;

fn plan() -> Value {
    let account = "111122223333";
    let containers = json!([{"name": "web", "image": format!("{account}.dkr.ecr.us-east-1.amazonaws.com/web:1.4.0"), "privileged": true}]);
    let resources = [
        (
            "aws_iam_role",
            "task",
            json!({"name": "web-task", "arn": format!("arn:aws:iam::{account}:role/web-task"),
            "managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}),
        ),
        (
            "aws_ecs_task_definition",
            "web",
            json!({"family": "web", "revision": 3,
            "arn": format!("arn:aws:ecs:us-east-1:{account}:task-definition/web:3"),
            "task_role_arn": format!("arn:aws:iam::{account}:role/web-task"),
            "container_definitions": containers.to_string()}),
        ),
        (
            "aws_ecs_service",
            "web",
            json!({"name": "web", "launch_type": "FARGATE",
            "task_definition": format!("arn:aws:ecs:us-east-1:{account}:task-definition/web:3")}),
        ),
    ];
    json!({
        "format_version": "1.2",
        "resource_changes": resources.iter().map(|(t, n, v)| json!({
            "address": format!("{t}.{n}"), "mode": "managed", "type": t, "name": n,
            "change": {"actions": ["create"], "before": null, "after": v, "after_unknown": {}, "after_sensitive": {}},
        })).collect::<Vec<_>>(),
    })
}

#[test]
fn a_template_and_a_plan_are_judged_across_their_resources() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("related");
    std::fs::create_dir_all(&dir).expect("a folder");
    let template = dir.join("stack.yaml");
    std::fs::write(&template, TEMPLATE).expect("write the template");
    let plan_file = dir.join("plan.json");
    std::fs::write(&plan_file, plan().to_string()).expect("write the plan");
    for (file, role) in [(&template, "TaskRole"), (&plan_file, "web-task")] {
        let found = verdicts(file);
        assert_eq!(found.len(), 2, "{found:?}");
        let (control, verdict, annotation) = &found[0];
        assert_eq!(
            (control.as_str(), verdict.as_str()),
            ("HARDEN.14", "NON_COMPLIANT")
        );
        assert!(annotation.contains("ECS.4"), "{annotation}");
        let (control, verdict, annotation) = &found[1];
        assert_eq!(
            (control.as_str(), verdict.as_str()),
            ("HARDEN.15", "NON_COMPLIANT")
        );
        assert!(
            annotation.contains(role) && annotation.contains("AdministratorAccess"),
            "{annotation}"
        );
    }
}

#[test]
fn template_references_resolve_within_their_own_template_only() {
    // Two stacks of one repository, each with its own `TaskDefinition` and `TaskRole`: the
    // privileged, administrative one is first in the walk; the other stack's references must
    // not reach it.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("related-scopes");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a-admin")).expect("a folder");
    std::fs::create_dir_all(dir.join("b-scoped")).expect("a folder");
    std::fs::write(dir.join("a-admin/stack.yaml"), TEMPLATE).expect("write a template");
    let scoped = TEMPLATE
        .replace("Privileged: true", "Privileged: false")
        .replace(
            "      ManagedPolicyArns:\n        - !Sub arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess\n",
            "",
        );
    assert_ne!(scoped, TEMPLATE);
    std::fs::write(dir.join("b-scoped/stack.yaml"), scoped).expect("write a template");
    let report = report(&dir);
    // (stack, control) → (verdict, annotation)
    let found: std::collections::BTreeMap<(String, String), (String, String)> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let path = r["path"].as_str().unwrap_or_default();
            let stack = if path.contains("a-admin") { "a" } else { "b" };
            (
                (
                    stack.to_string(),
                    r["control"].as_str().unwrap_or_default().to_string(),
                ),
                (
                    r["verdict"].as_str().unwrap_or_default().to_string(),
                    r["annotation"].as_str().unwrap_or_default().to_string(),
                ),
            )
        })
        .collect();
    let of = |stack: &str, control: &str| found[&(stack.to_string(), control.to_string())].clone();
    // Stack a: its own privileged revision and administrative role.
    let (verdict, annotation) = of("a", "HARDEN.14");
    assert_eq!(verdict, "NON_COMPLIANT");
    assert!(annotation.contains("ECS.4"), "{annotation}");
    assert_eq!(of("a", "HARDEN.15").0, "NON_COMPLIANT");
    // Stack b: its own revision is not privileged (other gated controls may still fail it)
    // and its own role has no policy.
    let (_, annotation) = of("b", "HARDEN.14");
    assert!(!annotation.contains("ECS.4"), "{annotation}");
    assert_eq!(of("b", "HARDEN.15").0, "COMPLIANT", "{report:#}");
}
