//! HARDEN.4: Task role and execution role should be separate roles.

use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, Hole, Part, TaskDefinition, Text};
use crate::params::Params;
use crate::verdict::{Outcome, Within};

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

/// **What**: NON_COMPLIANT when `taskRoleArn` and `executionRoleArn` are both set and name the
/// same role: the same ARN, the same unresolved expression (`!GetAtt AppRole.Arn` twice), or a
/// role name and a role ARN of that name in the task definition's own account (CloudFormation
/// takes either; role names compare without regard to case, as IAM compares them). NOT_APPLICABLE
/// when either is absent. When it cannot be told (different expressions, an ARN in an account
/// the document does not name), COMPLIANT: an unknown value never fails.
///
/// **Why**: the execution role pulls images and reads secrets for the agent; the task role is
/// what the application's code can use. One role for both hands the application every secret.
///
/// **Example**: both set to `arn:aws:iam::111122223333:role/app` fails; `app` and
/// `arn:aws:iam::111122223333:role/app` in account 111122223333 fail.
///
/// **Fix**: separate roles, each least-privilege.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {
    judge(td, _params).at(Within::Resource, "executionRoleArn")
}

fn judge(td: &TaskDefinition, _params: &Params) -> Outcome {
    match (&td.task_role_arn, &td.execution_role_arn) {
        (Field::Known(task), Field::Known(execution)) => {
            match same_role(task, execution, td.account.as_deref()) {
                Some(true) => Outcome::non_compliant(format!(
                    "taskRoleArn and executionRoleArn are the same role ({}). Give the task its own role.",
                    role_name(task).unwrap_or_else(|| task.to_string())
                )),
                _ => Outcome::compliant(),
            }
        }
        (Field::Absent, _) | (_, Field::Absent) => {
            Outcome::not_applicable("taskRoleArn or executionRoleArn is not set.")
        }
        _ => Outcome::compliant(),
    }
}

/// Whose account a role reference names.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Owner {
    /// The task definition's own account (a bare role name, or `${AWS::AccountId}`).
    Own,
    Account(String),
}

/// A role reference as (owner, role name), when it is written out: `name`,
/// `arn:<partition>:iam::<account>:role[/<path>]/name`.
fn role_parts(role: &Text) -> Option<(Owner, String)> {
    let mut text = String::new();
    let mut own_account = false;
    for part in role.parts() {
        match part {
            Part::Literal(literal) => text.push_str(literal),
            Part::Hole(Hole::OwnAccount) if !own_account => {
                own_account = true;
                text.push_str("{own}");
            }
            _ => return None,
        }
    }
    if !text.starts_with("arn:") {
        return (!text.contains(':') && !text.contains('/') && !own_account)
            .then_some((Owner::Own, text));
    }
    let fields: Vec<&str> = text.splitn(6, ':').collect();
    let [_, _, service, _, account, resource] = fields.as_slice() else {
        return None;
    };
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    if *service != "iam" || name.is_empty() {
        return None;
    }
    let owner = match *account {
        "{own}" => Owner::Own,
        account => Owner::Account(account.to_string()),
    };
    Some((owner, name.to_string()))
}

fn role_name(role: &Text) -> Option<String> {
    role_parts(role).map(|(_, name)| name)
}

/// Whether two role references name the same role; `None` when it cannot be told.
fn same_role(a: &Text, b: &Text, own_account: Option<&str>) -> Option<bool> {
    if a == b {
        return Some(true);
    }
    let ((owner_a, name_a), (owner_b, name_b)) = (role_parts(a)?, role_parts(b)?);
    if !name_a.eq_ignore_ascii_case(&name_b) {
        return Some(false);
    }
    let resolve = |owner: Owner| match owner {
        Owner::Own => own_account.map_or(Owner::Own, |a| Owner::Account(a.to_string())),
        other => other,
    };
    match (resolve(owner_a), resolve(owner_b)) {
        (x, y) if x == y => Some(true),
        (Owner::Account(_), Owner::Account(_)) => Some(false),
        // One of them is the own account, which the document does not name.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn td(task: &str, execution: &str, account: Option<&str>) -> TaskDefinition {
        TaskDefinition {
            task_role_arn: Field::Known(Text::literal(task)),
            execution_role_arn: Field::Known(Text::literal(execution)),
            account: account.map(str::to_string),
            ..TaskDefinition::default()
        }
    }

    #[test]
    fn a_name_and_an_arn_of_the_same_role_in_the_own_account_are_one_role() {
        let params = CONTROL.default_params().expect("HARDEN.4 has no parameters");
        let arn = "arn:aws:iam::111122223333:role/service/orders-app";
        let verdict = |t: &TaskDefinition| evaluate(t, &params).verdict;
        use crate::verdict::Verdict::*;
        assert_eq!(verdict(&td("orders-app", arn, Some("111122223333"))), NonCompliant);
        assert_eq!(verdict(&td("Orders-App", arn, Some("111122223333"))), NonCompliant);
        assert_eq!(verdict(&td("orders-app", arn, Some("444455556666"))), Compliant);
        // A template does not say which account it is deployed to: cannot tell.
        assert_eq!(verdict(&td("orders-app", arn, None)), Compliant);
        assert_eq!(verdict(&td("orders-app", "orders-exec", None)), Compliant);
        let own = Text::from_parts([
            Part::Literal("arn:aws:iam::".into()),
            Part::Hole(Hole::OwnAccount),
            Part::Literal(":role/orders-app".into()),
        ]);
        let t = TaskDefinition {
            task_role_arn: Field::Known(Text::literal("orders-app")),
            execution_role_arn: Field::Known(own),
            ..TaskDefinition::default()
        };
        assert_eq!(verdict(&t), NonCompliant);
    }
}
