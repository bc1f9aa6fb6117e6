//! ECS.4: ECS containers should run as non-privileged.

use super::{aws_nist, container_offenders, NIST_LEAST_PRIVILEGE};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, TaskDefinition};
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.4",
    slug: "containers-not-privileged",
    title: "ECS containers should run as non-privileged",
    severity: Severity::High,
    params: &[],
    mappings: &[aws_nist(NIST_LEAST_PRIVILEGE)],
    remediation: "Set privileged to false (or remove it) in every container definition; add only the Linux capabilities the container needs.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when any container definition has `privileged: true`.
///
/// **Why**: a privileged container has every capability and access to all host devices: root
/// in it is root on the instance.
///
/// **Example**: a `cadvisor` sidecar with `"privileged": true` fails and is named.
///
/// **Fix**: remove `privileged`; grant single capabilities through
/// `linuxParameters.capabilities.add` if really needed.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    container_offenders(
        td,
        "privileged",
        "Privileged containers",
        "Set privileged to false.",
        |c| (c.privileged == Field::Known(true)).then(|| c.display_name().to_string()),
    )
}
