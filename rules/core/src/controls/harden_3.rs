//! HARDEN.3: ECS task definitions should use an allowed network mode.

use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, OsFamily, TaskDefinition};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "HARDEN.3",
    slug: "task-network-mode-allowed",
    title: "ECS task definitions should use an allowed network mode",
    severity: Severity::Medium,
    params: &[ParamSpec {
        name: "allowedNetworkModes",
        kind: ParamKind::List { max_items: None },
        default: "awsvpc,none",
        description: "Network modes a task definition may use.",
    }],
    mappings: &[],
    remediation:
        "Set networkMode to awsvpc so each task gets its own interface and security groups.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when `networkMode` is not in `allowedNetworkModes` (default
/// `awsvpc,none`). Absent means `bridge` on Linux and `default` on Windows (EC2 defaults).
///
/// **Why**: in `bridge` mode tasks on an instance share one network and the instance's
/// security groups; `awsvpc` isolates each task behind its own security groups.
///
/// **Example**: an EC2 task definition without `networkMode` (bridge) fails.
///
/// **Fix**: `"networkMode": "awsvpc"`.
pub fn evaluate(td: &TaskDefinition, params: &Params) -> Outcome {
    judge(td, params).at(Within::Resource, "networkMode")
}

fn judge(td: &TaskDefinition, params: &Params) -> Outcome {
    let allowed = params.list("allowedNetworkModes");
    let is_allowed = |mode: &str| allowed.iter().any(|a| a.eq_ignore_ascii_case(mode));
    let (mode, note) = match &td.network_mode {
        Field::Unknown => return Outcome::compliant(),
        Field::Known(mode) => (mode.as_str(), ""),
        Field::Absent => match td.os() {
            OsFamily::Linux => ("bridge", "is absent, so bridge on EC2, and that"),
            OsFamily::Windows => ("default", "is absent, so default on Windows EC2, and that"),
            OsFamily::Unknown => {
                if is_allowed("bridge") || is_allowed("default") {
                    return Outcome::compliant();
                }
                ("bridge", "is absent, so bridge or default on EC2, and that")
            }
        },
    };
    if is_allowed(mode) {
        Outcome::compliant()
    } else {
        let what = if note.is_empty() {
            format!("networkMode {mode} is not allowed")
        } else {
            format!("networkMode {note} is not allowed")
        };
        Outcome::non_compliant(format!(
            "{what}; allowed: {}. Use awsvpc.",
            allowed.join(", ")
        ))
    }
}
