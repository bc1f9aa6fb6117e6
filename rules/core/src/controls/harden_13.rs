//! HARDEN.13: ECS clusters should encrypt Fargate ephemeral storage with a customer managed key.

use super::own_nist;
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Cluster, Field};
use crate::params::Params;
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "HARDEN.13",
    slug: "cluster-fargate-storage-cmk",
    title: "ECS clusters should encrypt Fargate ephemeral storage with a customer managed key",
    severity: Severity::Low,
    params: &[],
    mappings: &[own_nist(&["SC-12", "SC-28(1)"])],
    remediation: "Set configuration.managedStorageConfiguration.fargateEphemeralStorageKmsKeyId to the ARN or id of a single-Region customer managed KMS key whose policy lets Fargate use it.",
    evaluator: Evaluator::Cluster(evaluate),
};

/// **What**: NON_COMPLIANT when the cluster's
/// `configuration.managedStorageConfiguration.fargateEphemeralStorageKmsKeyId` (CloudFormation
/// and Config: `Configuration.ManagedStorageConfiguration.FargateEphemeralStorageKmsKeyId`;
/// Terraform: `configuration { managed_storage_configuration {
/// fargate_ephemeral_storage_kms_key_id } }`) is absent or empty, or names a key alias
/// (`alias/…`), which Fargate ephemeral storage does not accept. The other key of that block,
/// `kmsKeyId`, encrypts ECS-managed EBS volumes and does not count. An unresolved key never fails.
/// Reading the cluster through the ECS API needs `describe-clusters --include CONFIGURATIONS`;
/// a Config item is read in the CloudFormation shape, as Config records ECS clusters.
///
/// **Why**: without a key of yours, Fargate encrypts the tasks' ephemeral storage with a key
/// AWS owns: you cannot restrict or audit its use in a key policy or CloudTrail, nor revoke it.
/// Windows tasks and platform versions before 1.4.0 cannot use a customer managed key.
///
/// **Example**: a cluster with `"configuration": {"managedStorageConfiguration": {"kmsKeyId":
/// "arn:aws:kms:…"}}` fails: that key is for EBS volumes, not ephemeral storage.
///
/// **Fix**: `aws ecs update-cluster --cluster <name> --configuration
/// 'managedStorageConfiguration={fargateEphemeralStorageKmsKeyId=<key ARN>}'`, with a key
/// policy that lets Fargate generate data keys and create grants for the cluster.
pub fn evaluate(cluster: &Cluster, _params: &Params) -> Outcome {
    match &cluster.fargate_ephemeral_storage_kms_key {
        Field::Unknown => Outcome::compliant(),
        Field::Known(key) if key.trim_start().starts_with("alias/") || key.contains(":alias/") => {
            Outcome::non_compliant(format!(
                "fargateEphemeralStorageKmsKeyId names the alias {key}: Fargate ephemeral storage does not accept aliases. Use the key's ARN or id."
            ))
            .at(Within::Resource, "fargateEphemeralStorageKmsKeyId")
        }
        Field::Known(_) => Outcome::compliant(),
        Field::Absent => Outcome::non_compliant(
            "No managedStorageConfiguration.fargateEphemeralStorageKmsKeyId: Fargate ephemeral storage is encrypted with an AWS owned key. Set a customer managed key.",
        )
        .at(
            Within::Resource,
            "fargateEphemeralStorageKmsKeyId|managedStorageConfiguration",
        ),
    }
}
