//! HARDEN.2: ECS task definitions should not share the host's IPC namespace.

use super::{host_mode, own_nist};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::TaskDefinition;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "HARDEN.2",
    slug: "task-no-host-ipc",
    title: "ECS task definitions should not share the host's IPC namespace",
    severity: Severity::High,
    params: &[],
    mappings: &[own_nist(&["AC-6", "CM-7"])],
    remediation: "Remove ipcMode or set it to task or none.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when `ipcMode` is `host`.
///
/// **Why**: the host IPC namespace exposes shared memory segments and semaphores of every
/// process on the instance to the containers.
///
/// **Example**: `"ipcMode": "host"` fails; `task`, `none` or absent passes.
///
/// **Fix**: remove `ipcMode`, or use `task` to share IPC within the task only.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    host_mode(
        &td.ipc_mode,
        "ipcMode",
        "containers share the host's IPC namespace. Remove ipcMode or use task or none.",
    )
}
