//! ECS.5: ECS containers should be limited to read-only access to root filesystems.

use super::{aws_nist, container_offenders, only_for_os, NIST_LEAST_PRIVILEGE};
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
    if let Some(out_of_scope) = only_for_os(td, OsFamily::Linux, "ECS.5") {
        return out_of_scope;
    }
    container_offenders(
        td,
        "readonlyRootFilesystem",
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
