//! ECS.9: ECS task definitions should have a logging configuration.

use super::{aws_nist, container_offenders};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, TaskDefinition};
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.9",
    slug: "containers-logging",
    title: "ECS task definitions should have a logging configuration",
    severity: Severity::High,
    params: &[],
    mappings: &[aws_nist(&[
        "AC-4(26)", "AU-2", "AU-3", "AU-6(3)", "AU-6(4)", "AU-10", "AU-12", "CA-7", "SC-7(9)",
        "SI-7(8)",
    ])],
    remediation: "Give every container a logConfiguration with a logDriver (awslogs, awsfirelens, splunk, …).",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when any container has no `logConfiguration.logDriver` (a
/// `logConfiguration` without `logDriver` counts as none).
///
/// **Why**: without a log driver, container output is lost when the task stops, and with it the
/// evidence an investigation needs.
///
/// **Example**: an `xray-daemon` sidecar without `logConfiguration` fails.
///
/// **Fix**: `"logConfiguration": {"logDriver": "awslogs", "options": {…}}`.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    container_offenders(
        td,
        "logConfiguration",
        "Containers without logConfiguration.logDriver",
        "Add a logConfiguration with a logDriver.",
        |c| {
            let missing = match &c.log_configuration {
                Field::Absent => true,
                Field::Known(log) => log.log_driver.is_absent(),
                Field::Unknown => false,
            };
            missing.then(|| c.display_name().to_string())
        },
    )
}
