//! HARDEN.1: Linux containers should drop all capabilities and add back only allowed ones.

use super::{container_offenders, only_for_os, own_nist};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, OsFamily, TaskDefinition};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "HARDEN.1",
    slug: "containers-drop-all-capabilities",
    title: "Linux containers should drop all capabilities and add back only allowed ones",
    severity: Severity::High,
    params: &[ParamSpec {
        name: "allowedAddCapabilities",
        kind: ParamKind::List { max_items: None },
        default: "NET_BIND_SERVICE",
        description: "Linux capabilities a container may add back after dropping ALL.",
    }],
    mappings: &[own_nist(&["AC-6", "CM-7"])],
    remediation: "Set linuxParameters.capabilities.drop to [\"ALL\"] and add back only capabilities in allowedAddCapabilities.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: on Linux task definitions, NON_COMPLIANT when any container's
/// `linuxParameters.capabilities.drop` lacks `ALL`, or its `add` holds a capability outside
/// `allowedAddCapabilities` (default `NET_BIND_SERVICE`). Windows: NOT_APPLICABLE.
///
/// **Why**: Docker's default capability set (NET_RAW, SETUID, CHOWN, …) is far more than most
/// services need; each one is an escalation path after a compromise.
///
/// **Example**: a `wireguard` container adding `NET_ADMIN` fails and names it.
///
/// **Fix**: `"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}`.
pub fn evaluate(td: &TaskDefinition, params: &Params) -> Outcome {
    if let Some(out_of_scope) = only_for_os(td, OsFamily::Linux, "HARDEN.1") {
        return out_of_scope;
    }
    let allowed = params.list("allowedAddCapabilities");
    let normalize = |cap: &str| cap.trim().trim_start_matches("CAP_").to_ascii_uppercase();
    container_offenders(
        td,
        "capabilities",
        "Containers with excess capabilities",
        "Drop ALL and add back only allowedAddCapabilities.",
        |c| {
            let caps = match &c.capabilities {
                Field::Unknown => return None,
                Field::Absent => return Some(format!("{} (drop lacks ALL)", c.display_name())),
                Field::Known(caps) => caps,
            };
            let mut problems = Vec::new();
            let drops_all = caps.drop.iter().any(|d| d.eq_ignore_case("ALL"));
            let drop_undetermined = caps.drop.incomplete || caps.drop.iter().any(Field::is_unknown);
            if !drops_all && !drop_undetermined {
                problems.push("drop lacks ALL".to_string());
            }
            let extra: Vec<&str> = caps
                .add
                .iter()
                .filter_map(Field::known)
                .filter(|cap| !allowed.iter().any(|a| normalize(a) == normalize(cap)))
                .map(String::as_str)
                .collect();
            if !extra.is_empty() {
                problems.push(format!("adds {}", extra.join(", ")));
            }
            (!problems.is_empty())
                .then(|| format!("{} ({})", c.display_name(), problems.join("; ")))
        },
    )
}
