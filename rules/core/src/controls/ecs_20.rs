//! ECS.20: ECS task definitions should configure non-root users in Linux containers.

use super::{container_offenders, only_for_os};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, OsFamily, TaskDefinition};
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.20",
    slug: "linux-containers-non-root",
    title: "ECS task definitions should configure non-root users in Linux container definitions",
    severity: Severity::Medium,
    params: &[],
    mappings: &[],
    remediation:
        "Set user to a non-root uid (for example 10001:10001) in every Linux container definition.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: on Linux task definitions, NON_COMPLIANT when any container's `user` is absent, or
/// its user part (before `:`) is `root` or uid 0 however it is written (`0`, `00`, `0:1000`). An
/// empty `user` is unset. Windows task definitions are NOT_APPLICABLE.
///
/// **Why**: a process running as root inside the container turns any escape or mounted-path
/// write into root on the instance.
///
/// **Example**: `"user": "0:0"` or no `user` fails; `"user": "10001"` passes.
///
/// **Fix**: a non-root uid, built into the image and set in `user`.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    if let Some(out_of_scope) = only_for_os(td, OsFamily::Linux, "ECS.20") {
        return out_of_scope;
    }
    container_offenders(
        td,
        "user",
        "Linux containers running as root",
        "Set user to a non-root uid.",
        |c| match &c.user {
            Field::Absent => Some(format!("{} (no user)", c.display_name())),
            Field::Known(user) => {
                let name = user.split(':').next().unwrap_or_default().trim();
                if name.is_empty() {
                    Some(format!("{} (no user)", c.display_name()))
                } else if is_root(name) {
                    Some(format!("{} (user {name})", c.display_name()))
                } else {
                    None
                }
            }
            Field::Unknown => None,
        },
    )
}

/// Whether the user part of `user` is how the runtime names uid 0: `root`, or a number that is
/// zero however it is written (`0`, `00`). The group part does not matter (`0:1000`, `root:root`).
fn is_root(name: &str) -> bool {
    name == "root" || (!name.is_empty() && name.bytes().all(|b| b == b'0'))
}

#[cfg(test)]
mod tests {
    use super::is_root;

    #[test]
    fn every_spelling_of_uid_zero_is_root() {
        for root in ["0", "00", "000", "root"] {
            assert!(is_root(root), "{root}");
        }
        for other in ["1000", "10", "nobody", "rooty", "01"] {
            assert!(!is_root(other), "{other}");
        }
    }
}
