//! HARDEN.10: ECS containers should have a memory hard limit. It carries on AWS Config's
//! managed rule `ecs-task-definition-memory-hard-limit` (ECS_TASK_DEFINITION_MEMORY_HARD_LIMIT),
//! which AWS Config stopped evaluating on 2026-04-03.

use super::own_nist;
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::TaskDefinition;
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "HARDEN.10",
    slug: "containers-memory-hard-limit",
    title: "ECS containers should have a memory hard limit",
    severity: Severity::Medium,
    params: &[ParamSpec {
        name: "acceptTaskMemory",
        kind: ParamKind::Bool,
        default: "false",
        description: "true: a task-level memory stands in for the containers' own; false: every container sets memory, as the managed rule ecs-task-definition-memory-hard-limit did.",
    }],
    mappings: &[own_nist(&["SC-6"])],
    remediation: "Set memory (the hard limit, in MiB) in every container definition. Replaces AWS Config's discontinued managed rule ecs-task-definition-memory-hard-limit.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when any container definition has no `memory` (API and Terraform's
/// `container_definitions` JSON `memory`, CloudFormation and Config `Memory`): the semantics of
/// AWS Config's managed rule `ecs-task-definition-memory-hard-limit`
/// (ECS_TASK_DEFINITION_MEMORY_HARD_LIMIT, "NON_COMPLIANT for a task definition if the
/// 'memory' parameter is absent for one container definition"), which AWS Config stopped
/// evaluating on 2026-04-03. Its value is not judged (the rule judged none), and
/// `memoryReservation`, the soft limit, does not count. With `acceptTaskMemory` = `true` (default
/// `false`), a task-level `memory` stands in: containers without their own `memory` pass when
/// the task definition sets one. A `memory` that is unresolved (a template parameter, a
/// Terraform variable) never fails; neither does an unresolved task-level `memory` when it may
/// stand in. A task definition without container definitions (CloudFormation does not require
/// them) is COMPLIANT.
///
/// **Why**: `memory` is the container's hard limit: "If your container attempts to exceed the
/// memory specified here, the container is killed". Without one, a container on EC2 can take
/// all of the instance's memory from its neighbours; a task-level `memory` caps the task as a
/// whole, not one runaway container inside it.
///
/// **Example**: a task definition whose `log-router` sidecar sets only `memoryReservation: 50`
/// fails, naming `log-router`; with `acceptTaskMemory` = `true` and the task's `"memory":
/// "1024"`, it passes.
///
/// **Fix**: `"memory": 512` (MiB, greater than any `memoryReservation`) in every container
/// definition.
pub fn evaluate(td: &TaskDefinition, params: &Params) -> Outcome {
    let task_memory_stands_in = params.boolean("acceptTaskMemory") && !td.memory.is_absent();
    let mut first = None;
    let offenders: Vec<String> = td
        .containers
        .iter()
        .filter(|c| c.memory.is_absent() && !task_memory_stands_in)
        .map(|c| {
            first.get_or_insert(c.index);
            c.display_name().to_string()
        })
        .collect();
    let Some(index) = first else {
        return Outcome::compliant();
    };
    let (lead, advice) = if params.boolean("acceptTaskMemory") {
        (
            "Containers without a memory hard limit, and no task-level memory to stand in",
            "Set memory (MiB) on each container or on the task.",
        )
    } else {
        (
            "Containers without a memory hard limit (memory)",
            "Set memory (MiB) on each container definition.",
        )
    };
    Outcome::offenders(lead, &offenders, advice).at(Within::Container(index), "memory")
}
