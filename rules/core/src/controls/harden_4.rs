//! HARDEN.4: Task role and execution role should be separate roles.

use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, TaskDefinition};
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "HARDEN.4",
    slug: "task-roles-separate",
    title: "ECS task role and execution role should be separate roles",
    severity: Severity::Medium,
    params: &[],
    mappings: &[],
    remediation: "Give the task its own taskRoleArn with only the permissions the application needs; keep ECR pull and log permissions on the execution role.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when `taskRoleArn` and `executionRoleArn` are both set and equal.
/// NOT_APPLICABLE when either is absent.
///
/// **Why**: the execution role pulls images and reads secrets for the agent; the task role is
/// what the application's code can use. One role for both hands the application every secret.
///
/// **Example**: both set to `arn:aws:iam::111122223333:role/app` fails.
///
/// **Fix**: separate roles, each least-privilege.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    match (&td.task_role_arn, &td.execution_role_arn) {
        (Field::Known(task), Field::Known(execution)) => {
            if task == execution {
                let role = task.rsplit('/').next().unwrap_or(task);
                Outcome::non_compliant(format!(
                    "taskRoleArn and executionRoleArn are the same role ({role}). Give the task its own role."
                ))
            } else {
                Outcome::compliant()
            }
        }
        (Field::Absent, _) | (_, Field::Absent) => {
            Outcome::not_applicable("taskRoleArn or executionRoleArn is not set.")
        }
        _ => Outcome::compliant(),
    }
}
