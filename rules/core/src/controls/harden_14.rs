//! HARDEN.14: Services should run a task definition revision that passes the gate's controls.

use super::own_nist;
use crate::catalogue::{Control, Evaluator, Severity};
use crate::gate;
use crate::model::{Body, Field, Resource, Service};
use crate::params::Params;
use crate::related::{Context, Found};
use crate::verdict::{Outcome, Verdict, Within};

pub static CONTROL: Control = Control {
    id: "HARDEN.14",
    slug: "services-run-compliant-revision",
    title: "ECS services should run a task definition revision that passes the gate's controls",
    severity: Severity::High,
    params: &[],
    mappings: &[own_nist(&["CM-2", "CM-6"])],
    remediation: "Register a revision that passes the gate's controls and deploy it to the service (update-service, or --force-new-deployment); then deregister the old revision.",
    evaluator: Evaluator::ServiceInContext(evaluate),
};

/// **What**: NON_COMPLIANT when the task definition revision the service runs fails any of the
/// gate's controls, with the gate's parameters (by default every High-severity task
/// definition control; the organization's choice of controls and its parameter map where it
/// made one). The revision is the one the service's `PRIMARY` deployment runs
/// (describe-services), or else the service's `taskDefinition` (AWS Config item,
/// CloudFormation `TaskDefinition`, Terraform `task_definition`). It is judged whatever its
/// status: a deregistered revision still running is what counts. The annotation names the
/// revision and the controls it fails. NOT_APPLICABLE when the service names no task
/// definition (an `EXTERNAL` deployment controller's task sets carry it) or when the revision
/// is not in what was read (a `check` input without it): unknown never fails.
///
/// **Why**: the other task definition controls judge the latest revision of each family; a
/// service can keep running last month's privileged revision while the latest one is green,
/// until someone redeploys it. Security Hub, Control Tower and AWS Config's managed rules
/// judge only the latest revision.
///
/// **Example**: a service whose PRIMARY deployment runs `web:3` (privileged) while `web:4` is
/// compliant fails, naming `web:3` and ECS.4.
///
/// **Fix**: deploy a compliant revision to the service, then deregister the old one.
pub fn evaluate(service: &Service, _params: &Params, context: &Context<'_>) -> Outcome {
    judge(service, context).at(Within::Resource, "taskDefinition")
}

fn judge(service: &Service, context: &Context<'_>) -> Outcome {
    let reference = match &service.task_definition {
        Field::Known(reference) => reference,
        Field::Absent => {
            return Outcome::not_applicable(
                "The service names no task definition (its task sets run the revisions).",
            )
        }
        Field::Unknown => {
            return Outcome::not_applicable(
                "The service's task definition is unresolved: cannot tell which revision it runs.",
            )
        }
    };
    let running = match context.related.task_definition(reference) {
        Found::Yes(resource) => resource,
        Found::Unknown => {
            return Outcome::not_applicable(format!(
                "The revision it runs ({reference}) is not in what was read: cannot be judged."
            ))
        }
    };
    let defaults;
    let gated = if context.gated.is_empty() {
        defaults = gate::default_controls()
            .into_iter()
            .filter_map(|c| c.default_params().ok().map(|p| (c, p)))
            .collect::<Vec<_>>();
        defaults.as_slice()
    } else {
        context.gated
    };
    let failed: Vec<String> = gated
        .iter()
        .filter(|(control, _)| control.id != CONTROL.id)
        .filter_map(|(control, params)| {
            let outcome = control.judge_configuration(running, params, context)?;
            (outcome.verdict == Verdict::NonCompliant).then(|| control.id.to_string())
        })
        .collect();
    if failed.is_empty() {
        return Outcome::compliant();
    }
    Outcome::offenders(
        &format!("Runs revision {}, which fails", revision_name(running)),
        &failed,
        "Deploy a revision that passes them.",
    )
}

/// `family:revision` when the revision says both, else the resource's id in its document (a
/// template's logical id, a Terraform address).
fn revision_name(running: &Resource) -> String {
    match &running.body {
        Body::TaskDefinition(td) => match (td.family.known(), td.revision) {
            (Some(family), Some(revision)) => format!("{family}:{revision}"),
            _ => running.meta.resource_id.clone(),
        },
        _ => running.meta.resource_id.clone(),
    }
}
