//! ECS.2: ECS services should not have public IP addresses assigned to them automatically.

use super::{aws_nist, aws_pci, public_ip};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::Service;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.2",
    slug: "service-no-public-ip",
    title: "ECS services should not have public IP addresses assigned to them automatically",
    severity: Severity::High,
    params: &[],
    mappings: &[
        aws_pci(&["1.4.4"]),
        aws_nist(&[
            "AC-21", "AC-3", "AC-3(7)", "AC-4", "AC-4(21)", "AC-6", "SC-7", "SC-7(3)", "SC-7(4)",
            "SC-7(9)", "SC-7(11)", "SC-7(16)", "SC-7(20)", "SC-7(21)",
        ]),
    ],
    remediation: "Set networkConfiguration.awsvpcConfiguration.assignPublicIp to DISABLED and give the tasks outbound access through a NAT gateway or VPC endpoints.",
    evaluator: Evaluator::Service(evaluate),
};

/// **What**: NON_COMPLIANT when `networkConfiguration.awsvpcConfiguration.assignPublicIp` is
/// `ENABLED`; absent means `DISABLED`.
///
/// **Why**: a task with a public IP is reachable from the internet whenever a security group
/// allows it; one mistaken rule exposes the container.
///
/// **Example**: a Fargate service with `"assignPublicIp": "ENABLED"` fails.
///
/// **Fix**: `DISABLED`, with a NAT gateway or VPC endpoints for outbound traffic.
pub fn evaluate(service: &Service, _params: &Params) -> Outcome {
    public_ip(&service.assign_public_ip, "service")
}
