//! ECS.8: Secrets should not be passed as container environment variables.

use super::{aws_nist, aws_pci, container_offenders};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::TaskDefinition;
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.8",
    slug: "no-environment-secrets",
    title: "Secrets should not be passed as container environment variables",
    severity: Severity::High,
    params: &[ParamSpec {
        name: "secretKeys",
        kind: ParamKind::List { max_items: None },
        default: "AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY,ECS_ENGINE_AUTH_DATA",
        description: "Environment variable names that must never be set in environment[] (exact, case-sensitive).",
    }],
    mappings: &[aws_pci(&["8.6.2"]), aws_nist(&["CA-9(1)", "CM-2"])],
    remediation: "Move the variables to secrets[] with valueFrom pointing at Secrets Manager or SSM Parameter Store, and use the task role instead of access keys.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when any container's `environment[]` has an entry whose `name` is
/// exactly one of `secretKeys` (default `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `ECS_ENGINE_AUTH_DATA`), whatever its value. The annotation names container and variable,
/// never the value.
///
/// **Why**: environment values are stored in the task definition in plain text and shown to
/// anyone with `ecs:DescribeTaskDefinition`.
///
/// **Example**: `report-builder` with `AWS_ACCESS_KEY_ID` in `environment` fails.
///
/// **Fix**: `secrets[]` with `valueFrom`; for AWS credentials, the task role.
pub fn evaluate(td: &TaskDefinition, params: &Params) -> Outcome {
    let secret_keys = params.list("secretKeys");
    container_offenders(
        td,
        "environment",
        "Secret variables in environment",
        "Use secrets with valueFrom instead.",
        |c| {
            let names: Vec<&str> = c
                .environment
                .iter()
                .filter_map(|e| e.name.known())
                .filter(|name| secret_keys.iter().any(|k| k == *name))
                .map(String::as_str)
                .collect();
            (!names.is_empty()).then(|| format!("{} ({})", c.display_name(), names.join(", ")))
        },
    )
}
