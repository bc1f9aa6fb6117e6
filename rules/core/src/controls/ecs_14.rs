//! ECS.14: ECS clusters should be tagged.

use super::{tagged, REQUIRED_TAG_KEYS};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::Cluster;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "ECS.14",
    slug: "cluster-tagged",
    title: "ECS clusters should be tagged",
    severity: Severity::Low,
    params: &REQUIRED_TAG_KEYS,
    mappings: &[],
    remediation: "Tag the cluster with your organization's tag keys (aws ecs tag-resource, or Tags in CloudFormation).",
    evaluator: Evaluator::Cluster(evaluate),
};

/// **What**: NON_COMPLIANT when the cluster has no user tag (keys starting `aws:` do not count)
/// or lacks one of `requiredTagKeys` (case-sensitive, at most 6).
///
/// **Why**: tags drive ownership, cost allocation and attribute-based access control; an
/// untagged resource has no owner to call during an incident.
///
/// **Example**: with `requiredTagKeys` `team,env`, a cluster tagged only `team` fails and
/// the annotation names `env`.
///
/// **Fix**: add the tags.
pub fn evaluate(cluster: &Cluster, params: &Params) -> Outcome {
    tagged(&cluster.tags, params, "cluster")
}
