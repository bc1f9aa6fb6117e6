//! ECS.18: ECS task definitions should use encryption in transit for EFS volumes.

use super::efs_offenders;
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::TaskDefinition;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.18",
    slug: "efs-transit-encryption",
    title: "ECS task definitions should use encryption in transit for EFS volumes",
    severity: Severity::Medium,
    params: &[],
    mappings: &[],
    remediation: "Set efsVolumeConfiguration.transitEncryption to ENABLED on every EFS volume.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when any volume with `efsVolumeConfiguration` has
/// `transitEncryption` other than `ENABLED` (absent fails). No EFS volume: COMPLIANT.
///
/// **Why**: NFS traffic to EFS is clear text unless TLS is enabled on the mount.
///
/// **Example**: a `wp-content` EFS volume without `transitEncryption` fails.
///
/// **Fix**: `"transitEncryption": "ENABLED"`.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    efs_offenders(
        td,
        |efs| &efs.transit_encryption,
        "transitEncryption",
        "EFS volumes without transitEncryption ENABLED",
        "Enable transit encryption.",
    )
}
