//! ECS.3: ECS task definitions should not share the host's process namespace.

use super::{aws_nist, host_mode};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::TaskDefinition;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.3",
    slug: "task-no-host-pid",
    title: "ECS task definitions should not share the host's process namespace",
    severity: Severity::High,
    params: &[],
    mappings: &[aws_nist(&["CA-9(1)", "CM-2"])],
    remediation: "Remove pidMode or set it to task.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when `pidMode` is `host`.
///
/// **Why**: containers in the host's PID namespace see and can signal every process on the
/// instance, the agent and other tasks included.
///
/// **Example**: `"pidMode": "host"` fails; `task` or absent passes.
///
/// **Fix**: drop `pidMode`, or use `task` to share processes between the task's own containers.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    host_mode(
        &td.pid_mode,
        "pidMode",
        "containers share the host's process namespace. Remove pidMode or use task.",
    )
}
