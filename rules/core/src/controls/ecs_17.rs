//! ECS.17: ECS task definitions should not use host network mode.

use super::{aws_nist, host_mode, NIST_LEAST_PRIVILEGE};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::TaskDefinition;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.17",
    slug: "task-no-host-network",
    title: "ECS task definitions should not use host network mode",
    severity: Severity::Medium,
    params: &[],
    mappings: &[aws_nist(NIST_LEAST_PRIVILEGE)],
    remediation: "Use networkMode awsvpc (or bridge on EC2) instead of host.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when `networkMode` is `host`.
///
/// **Why**: host networking removes network isolation: containers bind the instance's
/// interfaces and reach the instance metadata service and local services directly.
///
/// **Example**: `"networkMode": "host"` fails.
///
/// **Fix**: `awsvpc`, which gives each task its own interface and security groups.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    host_mode(
        &td.network_mode,
        "networkMode",
        "containers use the instance's network stack. Use awsvpc.",
    )
}
