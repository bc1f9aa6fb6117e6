//! ECS.5: ECS containers should be limited to read-only access to root filesystems.

use super::{aws_nist, container_offenders, NIST_LEAST_PRIVILEGE};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, OsFamily, TaskDefinition};
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.5",
    slug: "containers-readonly-root",
    title: "ECS containers should be limited to read-only access to root filesystems",
    severity: Severity::High,
    params: &[],
    mappings: &[aws_nist(NIST_LEAST_PRIVILEGE)],
    remediation: "Set readonlyRootFilesystem to true in every container definition and mount volumes for the paths that must be writable.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: on Linux task definitions, NON_COMPLIANT when any container's
/// `readonlyRootFilesystem` is false or absent. Windows task definitions are NOT_APPLICABLE
/// (Windows containers do not support the setting).
///
/// **Why**: a writable root filesystem lets an attacker drop tools and persist changes inside
/// the container.
///
/// **Example**: a `log_router` sidecar without `readonlyRootFilesystem` fails.
///
/// **Fix**: `"readonlyRootFilesystem": true`, with volumes for `/tmp` or other writable paths.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    match td.os() {
        OsFamily::Windows => {
            return Outcome::not_applicable("Windows task definition: ECS.5 covers Linux containers.")
        }
        OsFamily::Unknown => {
            return Outcome::not_applicable(
                "runtimePlatform.operatingSystemFamily is unresolved: cannot tell whether ECS.5 applies.",
            )
        }
        OsFamily::Linux => {}
    }
    container_offenders(
        td,
        "Containers without readonlyRootFilesystem true",
        "Set readonlyRootFilesystem to true.",
        |c| {
            matches!(
                c.readonly_root_filesystem,
                Field::Absent | Field::Known(false)
            )
            .then(|| c.display_name().to_string())
        },
    )
}
