//! HARDEN.15: Task roles should not be administrative.

use super::own_nist;
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Body, Field, Role, Statement, TaskDefinition, Text};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::related::{Context, Found};
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "HARDEN.15",
    slug: "task-role-not-administrative",
    title: "ECS task roles should not be administrative",
    severity: Severity::High,
    params: &[ParamSpec {
        name: "administrativePolicies",
        kind: ParamKind::List { max_items: None },
        default: "AdministratorAccess,PowerUserAccess,IAMFullAccess",
        description: "Names of AWS managed policies that make a role administrative.",
    }],
    mappings: &[own_nist(&["AC-6"])],
    remediation: "Give the task role only the permissions the application needs: detach administrative managed policies and replace statements allowing * or iam:* on * with scoped actions and resources.",
    evaluator: Evaluator::TaskDefinitionInContext(evaluate),
};

/// **What**: NON_COMPLIANT when the task definition's task role (`taskRoleArn`) has an AWS
/// managed policy of `administrativePolicies` attached (default `AdministratorAccess`,
/// `PowerUserAccess`, `IAMFullAccess`), or an attached or inline policy statement that allows,
/// without a `Condition`, action `*` or `iam:*` — or everything but some actions, through
/// `NotAction` — on resource `*`. The role is read where the task definition's surface finds
/// it: the same template or Terraform plan (`AWS::IAM::Role` with its `Policies`,
/// `ManagedPolicyArns`, and `AWS::IAM::Policy`/`ManagedPolicy` attached to it;
/// `aws_iam_role` with its policies and attachments), or AWS Config's record of the role for
/// the Lambdas and `scan`. NOT_APPLICABLE when there is no task role, or the role is not in
/// what was read: unknown never fails.
///
/// **Why**: the task role is what the application's code, and anyone who runs code in the
/// container, can use. An administrative task role turns one compromised container into the
/// whole account.
///
/// **Example**: a task role with `arn:aws:iam::aws:policy/AdministratorAccess` fails; one with
/// a statement `{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}`
/// passes.
///
/// **Fix**: grant only the actions and resources the application needs.
pub fn evaluate(td: &TaskDefinition, params: &Params, context: &Context<'_>) -> Outcome {
    judge(td, params, context).at(Within::Resource, "taskRoleArn")
}

fn judge(td: &TaskDefinition, params: &Params, context: &Context<'_>) -> Outcome {
    let reference = match &td.task_role_arn {
        Field::Known(reference) => reference,
        Field::Absent => return Outcome::not_applicable("The task definition has no task role."),
        Field::Unknown => {
            return Outcome::not_applicable("taskRoleArn is unresolved: cannot tell which role.")
        }
    };
    let (role, resource) = match context.related.role(reference) {
        Found::Yes(resource) => match &resource.body {
            Body::Role(role) => (role, resource),
            _ => return Outcome::not_applicable("The task role reference names no role."),
        },
        Found::Unknown => {
            return Outcome::not_applicable(format!(
                "The task role ({reference}) is not in what was read: cannot be judged."
            ))
        }
    };
    let offences = administrative(role, params.list("administrativePolicies"));
    if offences.is_empty() {
        return Outcome::compliant();
    }
    // Its name, or where it is written (a template's logical id, a Terraform address).
    let name = role
        .name
        .known()
        .cloned()
        .unwrap_or_else(|| resource.meta.resource_id.clone());
    Outcome::offenders(
        &format!("Task role {name} is administrative"),
        &offences,
        "Grant only what the application needs.",
    )
}

/// What makes a role administrative: the managed policies and statements, named.
fn administrative(role: &Role, managed_names: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for arn in role.managed_policy_arns.iter() {
        if let Some(name) = aws_managed_name(arn) {
            if managed_names.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
        }
    }
    for policy in role.policies.iter() {
        for statement in policy.statements.iter() {
            if let Some(what) = allows_everything(statement) {
                out.push(format!("{} ({what} on *)", policy.name));
                break;
            }
        }
    }
    out
}

/// The name of an AWS managed policy ARN (`arn:<partition>:iam::aws:policy/<name>`).
fn aws_managed_name(arn: &Text) -> Option<&str> {
    let arn = arn.as_literal()?;
    let (prefix, name) = arn.split_once(":iam::aws:policy/")?;
    prefix.starts_with("arn:").then_some(name)
}

/// `Action *`, `Action iam:*` or `NotAction …` allowed on `Resource *` without a condition.
fn allows_everything(statement: &Statement) -> Option<&'static str> {
    if statement.allow != Field::Known(true) || statement.conditional {
        return None;
    }
    let on_everything = statement
        .resources
        .iter()
        .any(|r| r.known().is_some_and(|r| r == "*"));
    if !on_everything {
        return None;
    }
    let known = |list: &crate::model::List<Field<String>>, wanted: &str| {
        list.iter()
            .any(|a| a.known().is_some_and(|a| a.eq_ignore_ascii_case(wanted)))
    };
    if known(&statement.actions, "*") {
        Some("Action *")
    } else if known(&statement.actions, "iam:*") {
        Some("Action iam:*")
    } else if !statement.not_actions.is_empty() {
        Some("NotAction")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{List, PolicyDocument};

    fn statement(actions: &[&str], resources: &[&str], conditional: bool) -> Statement {
        let list = |items: &[&str]| List::from(items.iter().map(|s| Field::Known(s.to_string())).collect::<Vec<_>>());
        Statement {
            allow: Field::Known(true),
            actions: list(actions),
            not_actions: List::default(),
            resources: list(resources),
            conditional,
        }
    }

    fn role(managed: &[&str], statements: Vec<Statement>) -> Role {
        Role {
            name: Field::Known("orders-task".into()),
            managed_policy_arns: List::from(managed.iter().map(|a| Text::literal(*a)).collect::<Vec<_>>()),
            policies: List::from(vec![PolicyDocument {
                name: "inline policy app".into(),
                statements: List::from(statements),
            }]),
        }
    }

    #[test]
    fn administrative_policies_and_statements_are_named() {
        let names = ["AdministratorAccess".to_string(), "PowerUserAccess".to_string()];
        let admin = role(&["arn:aws:iam::aws:policy/AdministratorAccess"], vec![]);
        assert_eq!(administrative(&admin, &names), ["AdministratorAccess"]);
        let china = role(&["arn:aws-cn:iam::aws:policy/PowerUserAccess"], vec![]);
        assert_eq!(administrative(&china, &names), ["PowerUserAccess"]);
        let customer = role(&["arn:aws:iam::111122223333:policy/AdministratorAccess"], vec![]);
        assert!(administrative(&customer, &names).is_empty());
        let star = role(&[], vec![statement(&["*"], &["*"], false)]);
        assert_eq!(administrative(&star, &names), ["inline policy app (Action * on *)"]);
        let iam = role(&[], vec![statement(&["IAM:*"], &["*"], false)]);
        assert_eq!(administrative(&iam, &names).len(), 1);
        let scoped = role(&[], vec![statement(&["*"], &["arn:aws:s3:::bucket/*"], false)]);
        assert!(administrative(&scoped, &names).is_empty());
        let conditional = role(&[], vec![statement(&["*"], &["*"], true)]);
        assert!(administrative(&conditional, &names).is_empty());
    }
}
