//! HARDEN.12: ECS services should not turn on ECS Exec.

use super::{own_nist, own_pci};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, Service};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "HARDEN.12",
    slug: "service-ecs-exec-off",
    title: "ECS services should not turn on ECS Exec",
    severity: Severity::Medium,
    params: &[ParamSpec {
        name: "execAllowedTagKeys",
        kind: ParamKind::List { max_items: None },
        default: "",
        description: "Tag keys (case-sensitive) that mark a service allowed to keep ECS Exec on; empty means none is.",
    }],
    mappings: &[own_pci(&["2.2.4"]), own_nist(&["AC-17", "CM-7"])],
    remediation: "Set enableExecuteCommand to false on the service (aws ecs update-service --disable-execute-command), or tag a service that needs ECS Exec with a key listed in execAllowedTagKeys.",
    evaluator: Evaluator::Service(evaluate),
};

/// **What**: NON_COMPLIANT when the service's `enableExecuteCommand` (CloudFormation and Config:
/// `EnableExecuteCommand`; Terraform: `enable_execute_command`) is `true`, unless the service
/// carries a tag whose key is listed in `execAllowedTagKeys` (default empty: no exception).
/// Tag keys are compared case-sensitively, tag values do not matter, and keys starting `aws:`
/// never count. Absent means `false`, as in the ECS API. An unresolved `enableExecuteCommand`
/// never fails; neither do unresolved tags when `execAllowedTagKeys` is not empty, since they may
/// hold an allowed key.
///
/// **Why**: with ECS Exec on, anyone allowed `ecs:ExecuteCommand` gets an interactive shell in
/// every container of the service's tasks, with the task role's permissions, outside the
/// deployment pipeline. Production services should not carry that door open; the exceptions
/// should be explicit and visible as tags.
///
/// **Example**: a service with `"enableExecuteCommand": true` and tags `team`, `env` fails with
/// the default parameters; with `execAllowedTagKeys` = `exec-allowed` and a tag `exec-allowed`,
/// it passes.
///
/// **Fix**: `aws ecs update-service --cluster <cluster> --service <name>
/// --disable-execute-command` (running tasks keep ECS Exec until they are replaced), or tag the
/// service with an allowed key where a shell is a deliberate exception.
pub fn evaluate(service: &Service, params: &Params) -> Outcome {
    if service.enable_execute_command != Field::Known(true) {
        return Outcome::compliant();
    }
    let allowed = params.list("execAllowedTagKeys");
    if allowed.is_empty() {
        return Outcome::non_compliant(
            "enableExecuteCommand is true: ECS Exec gives an interactive shell in the service's containers. Set it to false.",
        )
        .at(Within::Resource, "enableExecuteCommand");
    }
    let tagged = service
        .tags
        .user_keys()
        .any(|key| allowed.iter().any(|a| a == key));
    if tagged || service.tags.incomplete {
        return Outcome::compliant();
    }
    Outcome::non_compliant(format!(
        "enableExecuteCommand is true and the service has no tag key allowing it ({}). Set it to false or tag the service.",
        allowed.join(", ")
    ))
    .at(Within::Resource, "enableExecuteCommand")
}
