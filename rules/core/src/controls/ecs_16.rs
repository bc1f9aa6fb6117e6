//! ECS.16: ECS task sets should not automatically assign public IP addresses.

use super::{aws_pci, public_ip};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::TaskSet;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.16",
    slug: "task-set-no-public-ip",
    title: "ECS task sets should not automatically assign public IP addresses",
    severity: Severity::High,
    params: &[],
    mappings: &[aws_pci(&["1.4.4"])],
    remediation:
        "Create the task set with networkConfiguration.awsvpcConfiguration.assignPublicIp DISABLED.",
    evaluator: Evaluator::TaskSet(evaluate),
};

/// **What**: NON_COMPLIANT when the task set's `assignPublicIp` is `ENABLED` (Config items spell
/// the block `AwsVpcConfiguration`); absent means `DISABLED`.
///
/// **Why**: task sets (blue/green and external deployments) carry their own network
/// configuration; a public IP exposes every task in the set.
///
/// **Example**: a CODE_DEPLOY green task set with `"AssignPublicIp": "ENABLED"` fails.
///
/// **Fix**: recreate the task set with `DISABLED`.
pub fn evaluate(task_set: &TaskSet, _params: &Params) -> Outcome {
    public_ip(&task_set.assign_public_ip, "task set")
}
