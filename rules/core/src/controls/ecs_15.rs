//! ECS.15: ECS task definitions should be tagged.

use super::{tagged, REQUIRED_TAG_KEYS};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::TaskDefinition;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.15",
    slug: "task-definition-tagged",
    title: "ECS task definitions should be tagged",
    severity: Severity::Low,
    params: &REQUIRED_TAG_KEYS,
    mappings: &[],
    remediation: "Tag the task definition with your organization's tag keys (aws ecs tag-resource, or Tags in CloudFormation).",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when the task definition has no user tag (keys starting `aws:` do not count)
/// or lacks one of `requiredTagKeys` (case-sensitive, at most 6).
///
/// A task definition document without `tags` has none: `describe-task-definition` returns
/// tags only with `--include TAGS`.
///
/// **Why**: tags drive ownership, cost allocation and attribute-based access control; an
/// untagged resource has no owner to call during an incident.
///
/// **Example**: with `requiredTagKeys` `team,env`, a task definition tagged only `team` fails and
/// the annotation names `env`.
///
/// **Fix**: add the tags.
pub fn evaluate(td: &TaskDefinition, params: &Params) -> Outcome {
    tagged(&td.tags, params, "task definition")
}
