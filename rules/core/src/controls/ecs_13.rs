//! ECS.13: ECS services should be tagged.

use super::{tagged, REQUIRED_TAG_KEYS};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::Service;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.13",
    slug: "service-tagged",
    title: "ECS services should be tagged",
    severity: Severity::Low,
    params: &REQUIRED_TAG_KEYS,
    mappings: &[],
    remediation: "Tag the service with your organization's tag keys (aws ecs tag-resource, or Tags in CloudFormation).",
    evaluator: Evaluator::Service(evaluate),
};

/// **What**: NON_COMPLIANT when the service has no user tag (keys starting `aws:` do not count)
/// or lacks one of `requiredTagKeys` (case-sensitive, at most 6).
///
/// **Why**: tags drive ownership, cost allocation and attribute-based access control; an
/// untagged resource has no owner to call during an incident.
///
/// **Example**: with `requiredTagKeys` `team,env`, a service tagged only `team` fails and
/// the annotation names `env`.
///
/// **Fix**: add the tags.
pub fn evaluate(service: &Service, params: &Params) -> Outcome {
    tagged(&service.tags, params, "service")
}
