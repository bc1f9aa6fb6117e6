//! HARDEN.7: EFS volumes should authorize with the task's IAM role.

use super::efs_offenders;
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::TaskDefinition;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "HARDEN.7",
    slug: "efs-iam-authorization",
    title: "EFS volumes should authorize with the task's IAM role",
    severity: Severity::Medium,
    params: &[],
    mappings: &[],
    remediation: "Set efsVolumeConfiguration.authorizationConfig.iam to ENABLED (with transit encryption) and grant the task role elasticfilesystem:Client* on the file system.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when any EFS volume's `authorizationConfig.iam` is not `ENABLED`
/// (no `authorizationConfig` fails, an access point alone does not authorize). No EFS volume:
/// COMPLIANT.
///
/// **Why**: without IAM authorization any client that reaches the mount target can mount the
/// file system; with it, the file system policy decides per task role.
///
/// **Example**: a `wp-content` volume with an access point but `"iam": "DISABLED"` fails.
///
/// **Fix**: `"authorizationConfig": {"iam": "ENABLED", "accessPointId": "…"}`.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    efs_offenders(
        td,
        |efs| &efs.iam,
        "iam",
        "EFS volumes without authorizationConfig.iam ENABLED",
        "Enable IAM authorization.",
    )
}
