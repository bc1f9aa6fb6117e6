//! ECS.21: ECS task definitions should configure non-administrator users in Windows containers.

use super::{container_offenders, only_for_os};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, OsFamily, TaskDefinition};
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.21",
    slug: "windows-containers-non-admin",
    title: "ECS task definitions should configure non-administrator users in Windows container definitions",
    severity: Severity::Medium,
    params: &[],
    mappings: &[],
    remediation: "Set user to ContainerUser (or another non-administrator account) in every Windows container definition.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: on Windows task definitions (`operatingSystemFamily` `WINDOWS_*`), NON_COMPLIANT
/// when any container's `user` is absent or `ContainerAdministrator` (any case). Linux task
/// definitions, including those with no OS family, are NOT_APPLICABLE: AWS's page also counts an
/// unset family as in scope, which would fail every Linux task definition without `user` a
/// second time beside ECS.20; this project scopes ECS.21 to explicit Windows.
///
/// **Why**: ContainerAdministrator has full control of the container and of anything mounted.
///
/// **Example**: a `portal-web` container without `user` on `WINDOWS_SERVER_2022_CORE` fails.
///
/// **Fix**: `"user": "ContainerUser"`.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    if let Some(out_of_scope) = only_for_os(td, OsFamily::Windows, "ECS.21") {
        return out_of_scope;
    }
    container_offenders(
        td,
        "user",
        "Windows containers running as administrator",
        "Set user to ContainerUser.",
        |c| match &c.user {
            Field::Absent => Some(format!("{} (no user)", c.display_name())),
            Field::Known(user) if user.trim().is_empty() => {
                Some(format!("{} (no user)", c.display_name()))
            }
            Field::Known(user) if user.trim().eq_ignore_ascii_case("containeradministrator") => {
                Some(format!("{} (user {user})", c.display_name()))
            }
            _ => None,
        },
    )
}
