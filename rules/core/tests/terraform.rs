//! Terraform through the public parsing API: `terraform show -json` documents and `.tf` files in,
//! resources with their addresses, shapes and verdicts out; bad input gives errors that say
//! where; results point at the line of the offending HCL attribute; a sensitive value never
//! reaches an error or an annotation.

use ecs_harden_core::catalogue;
use ecs_harden_core::error::Location;
use ecs_harden_core::model::{Resource, ResourceType, Shape};
use ecs_harden_core::parse::terraform::hcl_positions;
use ecs_harden_core::parse::{parse_text, Syntax};
use ecs_harden_core::Verdict;
use serde_json::json;

fn verdict(resource: &Resource, control: &str) -> (Verdict, Option<String>) {
    let control = catalogue::find(control).unwrap();
    let outcome = control
        .evaluate(resource, &control.default_params().unwrap())
        .unwrap();
    (outcome.verdict, outcome.annotation)
}

const MAIN_TF: &str = r#"terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "repository_url" {
  type = string
}

resource "aws_ecs_cluster" "shop" {
  name = "shop-prod"

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_task_definition" "web" {
  family                   = "web"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.web.arn
  task_role_arn            = aws_iam_role.web.arn

  container_definitions = jsonencode([
    {
      name                   = "web"
      image                  = "${var.repository_url}:latest"
      readonlyRootFilesystem = true
      user                   = "1000"
      logConfiguration = {
        logDriver = "awslogs"
      }
    },
    {
      name       = "debug"
      image      = "public.ecr.aws/docker/library/busybox:1.36"
      privileged = true
    }
  ])
}

resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = aws_ecs_cluster.shop.id
  task_definition = aws_ecs_task_definition.web.arn
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = var.subnets
    assign_public_ip = true
  }
}
"#;

#[test]
fn a_tf_file_yields_its_ecs_resources_with_addresses() {
    let resources: Vec<Resource> = parse_text(MAIN_TF, Syntax::Hcl)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let ids: Vec<(&str, ResourceType, Shape)> = resources
        .iter()
        .map(|r| {
            (
                r.meta.resource_id.as_str(),
                r.meta.resource_type,
                r.meta.shape,
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            (
                "aws_ecs_cluster.shop",
                ResourceType::Cluster,
                Shape::TerraformHcl
            ),
            (
                "aws_ecs_task_definition.web",
                ResourceType::TaskDefinition,
                Shape::TerraformHcl
            ),
            (
                "aws_ecs_service.web",
                ResourceType::Service,
                Shape::TerraformHcl
            ),
        ]
    );
    let task = &resources[1];
    // The image's repository is a variable, its tag certainly `latest`.
    assert_eq!(verdict(task, "HARDEN.6").0, Verdict::NonCompliant);
    // Both roles are the same expression: the same role.
    assert_eq!(verdict(task, "HARDEN.4").0, Verdict::NonCompliant);
    let (privileged, annotation) = verdict(task, "ECS.4");
    assert_eq!(privileged, Verdict::NonCompliant);
    assert!(annotation.unwrap().contains("debug"));
    assert_eq!(verdict(&resources[2], "ECS.2").0, Verdict::NonCompliant);
    assert_eq!(verdict(&resources[0], "ECS.12").0, Verdict::Compliant);
}

#[test]
fn results_point_at_the_line_of_the_offending_attribute() {
    let resources: Vec<Resource> = parse_text(MAIN_TF, Syntax::Hcl)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let index = hcl_positions(MAIN_TF);
    let line_of = |needle: &str| MAIN_TF.lines().position(|l| l.contains(needle)).unwrap() + 1;
    for (resource, control, needle) in [
        (&resources[1], "ECS.4", "privileged = true"),
        (&resources[1], "HARDEN.6", "${var.repository_url}:latest"),
        (&resources[2], "ECS.2", "assign_public_ip = true"),
        (&resources[1], "HARDEN.4", "execution_role_arn"),
    ] {
        let control = catalogue::find(control).unwrap();
        let outcome = control
            .evaluate(resource, &control.default_params().unwrap())
            .unwrap();
        let located = match outcome.pointer {
            Some(pointer) => index.locate(&resource.meta.json_path, &pointer),
            None => index.get(&resource.meta.json_path),
        };
        assert_eq!(
            located.map(|p| p.line),
            Some(line_of(needle)),
            "{}: {:?}",
            control.id,
            outcome
        );
    }
}

#[test]
fn malformed_hcl_gives_the_line_and_column() {
    let text =
        "resource \"aws_ecs_service\" \"web\" {\n  name = \"web\"\n  launch_type = \"FARGATE\n}\n";
    let results = parse_text(text, Syntax::Hcl);
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().unwrap_err();
    match error.location {
        Location::LineColumn { line, column } => {
            assert_eq!(line, 3, "{error}");
            assert!(column >= 1, "{error}");
        }
        ref other => panic!("expected a line and column, got {other:?}: {error}"),
    }
}

#[test]
fn a_plan_of_an_unknown_format_version_is_refused() {
    let text =
        json!({"format_version": "2.0", "terraform_version": "2.0.0", "resource_changes": []})
            .to_string();
    let results = parse_text(&text, Syntax::Json);
    let error = results[0].as_ref().unwrap_err();
    assert_eq!(error.path(), Some("$.format_version"));
    assert!(error.message.contains("2.0"), "{error}");
}

#[test]
fn container_definitions_that_are_not_json_are_an_error_naming_the_address_path() {
    let plan = json!({
        "format_version": "1.2",
        "resource_changes": [{
            "address": "module.web.aws_ecs_task_definition.this[0]",
            "mode": "managed", "type": "aws_ecs_task_definition", "name": "this", "index": 0,
            "change": {"actions": ["create"], "after": {
                "family": "web",
                "container_definitions": "[{\"name\": \"web\", \"environment\": [{\"name\": \"TOKEN\", \"value\": \"s3cr3t-value\"}]"
            }}
        }]
    });
    let results = parse_text(&plan.to_string(), Syntax::Json);
    let error = results[0].as_ref().unwrap_err();
    assert_eq!(
        error.path(),
        Some("$.resource_changes[0].change.after.container_definitions")
    );
    assert!(!error.to_string().contains("s3cr3t-value"), "{error}");
}

#[test]
fn sensitive_values_never_reach_an_error_or_an_annotation() {
    let secret = "Tr0ub4dor&3-sensitive";
    let containers = json!([{
        "name": "web", "image": "nginx:latest", "privileged": true,
        "environment": [{"name": "DB_PASSWORD", "value": secret}]
    }])
    .to_string();
    let state = json!({
        "format_version": "1.0",
        "values": {"root_module": {"resources": [{
            "address": "aws_ecs_task_definition.web", "mode": "managed",
            "type": "aws_ecs_task_definition", "name": "web",
            "values": {"family": "web", "container_definitions": containers,
                       "network_mode": secret, "tags": {"owner": secret}},
            "sensitive_values": {"container_definitions": true, "network_mode": true,
                                 "tags": {"owner": true}}
        }]}}
    });
    let results = parse_text(&state.to_string(), Syntax::Json);
    let resource = results[0].as_ref().unwrap();
    assert!(!format!("{resource:?}").contains(secret));
    for control in catalogue::CATALOGUE {
        if let Some(outcome) = control.evaluate(resource, &control.default_params().unwrap()) {
            assert_ne!(
                outcome.verdict,
                Verdict::NonCompliant,
                "{}: {:?}",
                control.id,
                outcome.annotation
            );
        }
    }
    // A sensitive value of the wrong type is still never quoted.
    let bad = json!({
        "format_version": "1.0",
        "values": {"root_module": {"resources": [{
            "address": "aws_ecs_service.web", "mode": "managed", "type": "aws_ecs_service",
            "name": "web", "values": {"name": "web", "network_configuration": [{"assign_public_ip": secret}]},
            "sensitive_values": {"network_configuration": [{"assign_public_ip": true}]}
        }]}}
    });
    for result in parse_text(&bad.to_string(), Syntax::Json) {
        match result {
            Ok(resource) => assert!(!format!("{resource:?}").contains(secret)),
            Err(error) => assert!(!error.to_string().contains(secret), "{error}"),
        }
    }
}

#[test]
fn a_tf_json_configuration_is_read_like_hcl() {
    let config = json!({
        "resource": {"aws_ecs_service": {"web": {
            "name": "web", "launch_type": "FARGATE", "platform_version": "1.3.0",
            "network_configuration": {"subnets": ["${var.subnet_id}"], "assign_public_ip": false}
        }}}
    });
    let results = parse_text(&config.to_string(), Syntax::Json);
    let service = results[0].as_ref().unwrap();
    assert_eq!(service.meta.resource_id, "aws_ecs_service.web");
    assert_eq!(service.meta.json_path, "$.resource.aws_ecs_service.web");
    assert_eq!(verdict(service, "ECS.10").0, Verdict::NonCompliant);
    assert_eq!(verdict(service, "ECS.2").0, Verdict::Compliant);
}

#[test]
fn a_state_arn_gives_the_account_for_registry_checks() {
    let containers =
        json!([{"name": "web", "image": "444455556666.dkr.ecr.us-east-1.amazonaws.com/web:1.2.3"}])
            .to_string();
    let state = json!({
        "format_version": "1.0",
        "values": {"root_module": {"resources": [{
            "address": "aws_ecs_task_definition.web", "mode": "managed",
            "type": "aws_ecs_task_definition", "name": "web",
            "values": {"family": "web", "container_definitions": containers,
                       "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3"}
        }]}}
    });
    let results = parse_text(&state.to_string(), Syntax::Json);
    let resource = results[0].as_ref().unwrap();
    assert_eq!(resource.meta.account.as_deref(), Some("111122223333"));
    assert_eq!(verdict(resource, "HARDEN.5").0, Verdict::NonCompliant);
}

#[test]
fn container_definitions_known_only_after_deployment_are_a_warning_not_a_pass_in_silence() {
    let text = r#"
locals {
  defs = jsonencode([{ name = "web", image = "nginx:1.27", privileged = true }])
}
resource "aws_ecs_task_definition" "web" {
  family                = "web"
  container_definitions = local.defs
}
resource "aws_ecs_task_definition" "api" {
  family                = "api"
  container_definitions = jsonencode([{ name = "api", image = "nginx:1.27", privileged = true }])
}
"#;
    let resources: Vec<Resource> = parse_text(text, Syntax::Hcl)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let web = &resources[0];
    assert_eq!(web.meta.resource_id, "aws_ecs_task_definition.web");
    assert_eq!(
        web.meta.warnings,
        [
            "containerDefinitions is not known before deployment (a parameter, variable, local or \
          reference): no control judged its containers"
        ]
    );
    // Unknown never fails a control …
    assert_ne!(verdict(web, "ECS.4").0, Verdict::NonCompliant);
    // … and the literal list beside it is judged, without a warning.
    let api = &resources[1];
    assert!(api.meta.warnings.is_empty(), "{:?}", api.meta.warnings);
    assert_eq!(verdict(api, "ECS.4").0, Verdict::NonCompliant);
}
