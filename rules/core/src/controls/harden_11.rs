//! HARDEN.11: ECS Exec sessions should be encrypted with a KMS key and logged.

use super::{own_nist, own_pci};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Cluster, ExecuteCommandLogConfiguration, Field};
use crate::params::Params;
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "HARDEN.11",
    slug: "cluster-ecs-exec-audited",
    title: "ECS Exec sessions should be encrypted with a KMS key and logged",
    severity: Severity::Medium,
    params: &[],
    mappings: &[
        own_pci(&["10.2.1.2"]),
        own_nist(&["AU-2", "AU-9", "AU-12", "SC-8"]),
    ],
    remediation: "In the cluster's configuration.executeCommandConfiguration, set kmsKeyId and logging DEFAULT or OVERRIDE; with OVERRIDE, enable cloudWatchEncryptionEnabled and s3EncryptionEnabled for the destinations you set.",
    evaluator: Evaluator::Cluster(evaluate),
};

/// **What**: for a cluster with a `configuration.executeCommandConfiguration` (CloudFormation
/// and Config: `Configuration.ExecuteCommandConfiguration`; Terraform:
/// `configuration { execute_command_configuration { … } }`), NON_COMPLIANT when any of these
/// holds, each named in the annotation:
/// - no `kmsKeyId`: session data between the client and the container is not encrypted with
///   your KMS key;
/// - `logging` is `NONE`: sessions are not logged;
/// - `logging` is `OVERRIDE` and `logConfiguration` names neither a `cloudWatchLogGroupName`
///   nor an `s3BucketName`: sessions go nowhere;
/// - `logging` is `OVERRIDE`, a `cloudWatchLogGroupName` is set and `cloudWatchEncryptionEnabled`
///   is not `true` (absent means off);
/// - `logging` is `OVERRIDE`, an `s3BucketName` is set and `s3EncryptionEnabled` (Terraform:
///   `s3_bucket_encryption_enabled`) is not `true` (absent means off);
/// - `logging` is a value ECS does not accept (`NONE`, `DEFAULT` and `OVERRIDE` are its values).
///
/// `logging` absent is `DEFAULT`, and `DEFAULT` passes: it logs sessions through the task
/// definition's `awslogs` configuration, and where a task definition's containers have no
/// `awslogs` log driver the output is not logged, which the cluster cannot show (ECS.9 checks
/// that containers log). A cluster without `executeCommandConfiguration` is COMPLIANT (ECS Exec
/// then uses the defaults: no KMS key of yours, `DEFAULT` logging; HARDEN.12 checks where ECS
/// Exec is turned on). Unresolved values never fail: an unresolved `logging` skips the logging
/// checks, an unresolved log group or bucket name the encryption check of its destination.
/// Reading the cluster through the ECS API needs `describe-clusters --include CONFIGURATIONS`.
///
/// **Why**: ECS Exec opens an interactive shell in a running container with the task role's
/// permissions. Unlogged, what was done in production cannot be reconstructed; without your
/// KMS key, the session channel is not under your key policy; and an unencrypted log group or
/// bucket holds whatever the shell printed, secrets included.
///
/// **Example**: `{"kmsKeyId": "arn:aws:kms:…", "logging": "OVERRIDE", "logConfiguration":
/// {"cloudWatchLogGroupName": "/ecs/exec"}}` fails: the log group is set without
/// `cloudWatchEncryptionEnabled`.
///
/// **Fix**: `aws ecs update-cluster --cluster <name> --configuration
/// 'executeCommandConfiguration={kmsKeyId=<key>,logging=OVERRIDE,logConfiguration={cloudWatchLogGroupName=/ecs/exec,cloudWatchEncryptionEnabled=true}}'`.
pub fn evaluate(cluster: &Cluster, _params: &Params) -> Outcome {
    let Field::Known(exec) = &cluster.execute_command else {
        return Outcome::compliant();
    };
    let mut problems: Vec<(String, &'static str)> = Vec::new();
    if exec.kms_key_id.is_absent() {
        problems.push((
            "no kmsKeyId, so sessions are not encrypted with your KMS key".into(),
            "executeCommandConfiguration",
        ));
    }
    match &exec.logging {
        Field::Known(logging) if logging.eq_ignore_ascii_case("NONE") => {
            problems.push(("logging is NONE, so sessions are not logged".into(), "logging"));
        }
        Field::Known(logging) if logging.eq_ignore_ascii_case("OVERRIDE") => {
            override_problems(&exec.log_configuration, &mut problems);
        }
        Field::Known(logging) if !logging.eq_ignore_ascii_case("DEFAULT") => {
            problems.push((
                format!("logging is {logging}, not NONE, DEFAULT or OVERRIDE"),
                "logging",
            ));
        }
        _ => {}
    }
    let Some(&(_, field)) = problems.first() else {
        return Outcome::compliant();
    };
    let listed: Vec<&str> = problems.iter().map(|(text, _)| text.as_str()).collect();
    Outcome::non_compliant(format!(
        "ECS Exec is not audited: {}. Set kmsKeyId and logging, with encrypted destinations.",
        listed.join("; ")
    ))
    .at(Within::Resource, field)
}

/// What `logging` = `OVERRIDE` needs of `logConfiguration`.
fn override_problems(
    log_configuration: &Field<ExecuteCommandLogConfiguration>,
    problems: &mut Vec<(String, &'static str)>,
) {
    let log = match log_configuration {
        Field::Unknown => return,
        Field::Absent => {
            problems.push((
                "logging is OVERRIDE without a logConfiguration".into(),
                "logging",
            ));
            return;
        }
        Field::Known(log) => log,
    };
    if log.cloud_watch_log_group_name.is_absent() && log.s3_bucket_name.is_absent() {
        problems.push((
            "logging is OVERRIDE with no cloudWatchLogGroupName or s3BucketName".into(),
            "logConfiguration",
        ));
        return;
    }
    let off = |enabled: &Field<bool>| matches!(enabled, Field::Absent | Field::Known(false));
    if matches!(log.cloud_watch_log_group_name, Field::Known(_))
        && off(&log.cloud_watch_encryption_enabled)
    {
        problems.push((
            "cloudWatchLogGroupName is set without cloudWatchEncryptionEnabled".into(),
            "cloudWatchEncryptionEnabled|cloudWatchLogGroupName",
        ));
    }
    if matches!(log.s3_bucket_name, Field::Known(_)) && off(&log.s3_encryption_enabled) {
        problems.push((
            "s3BucketName is set without s3EncryptionEnabled".into(),
            "s3EncryptionEnabled|s3BucketName",
        ));
    }
}
