//! ECS.19: ECS capacity providers should have managed termination protection enabled.

use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{CapacityProvider, Field};
use crate::params::Params;
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "ECS.19",
    slug: "capacity-provider-termination-protection",
    title: "ECS capacity providers should have managed termination protection enabled",
    severity: Severity::Medium,
    params: &[],
    mappings: &[],
    remediation: "Set autoScalingGroupProvider.managedTerminationProtection to ENABLED (with managed scaling and instance scale-in protection on the group).",
    evaluator: Evaluator::CapacityProvider(evaluate),
};

/// **What**: NON_COMPLIANT when an Auto Scaling group provider's
/// `managedTerminationProtection` is not `ENABLED` (absent means `DISABLED`). Providers
/// without an Auto Scaling group (Fargate, managed instances) are NOT_APPLICABLE.
///
/// **Why**: without it, scale-in can terminate instances that still run tasks.
///
/// **Example**: `"managedTerminationProtection": "DISABLED"` fails.
///
/// **Fix**: `ENABLED`.
pub fn evaluate(provider: &CapacityProvider, _params: &Params) -> Outcome {
    judge(provider, _params).at(Within::Resource, "managedTerminationProtection")
}

fn judge(provider: &CapacityProvider, _params: &Params) -> Outcome {
    match &provider.auto_scaling_group {
        Field::Absent => Outcome::not_applicable("The capacity provider has no Auto Scaling group."),
        Field::Unknown => Outcome::compliant(),
        Field::Known(asg) => match &asg.managed_termination_protection {
            Field::Unknown => Outcome::compliant(),
            Field::Known(v) if v.eq_ignore_ascii_case("ENABLED") => Outcome::compliant(),
            Field::Known(v) => Outcome::non_compliant(format!(
                "autoScalingGroupProvider.managedTerminationProtection is {v}. Set it to ENABLED."
            )),
            Field::Absent => Outcome::non_compliant(
                "autoScalingGroupProvider.managedTerminationProtection is not set (DISABLED). Set it to ENABLED.",
            ),
        },
    }
}
