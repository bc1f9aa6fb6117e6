//! ECS.12: ECS clusters should use Container Insights.

use super::aws_nist;
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Cluster, Field};
use crate::params::Params;
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "ECS.12",
    slug: "cluster-container-insights",
    title: "ECS clusters should use Container Insights",
    severity: Severity::Medium,
    params: &[],
    mappings: &[aws_nist(&["AU-6(3)", "AU-6(4)", "CA-7", "SI-2"])],
    remediation: "Set the cluster setting containerInsights to enabled or enhanced (aws ecs update-cluster-settings).",
    evaluator: Evaluator::Cluster(evaluate),
};

/// **What**: NON_COMPLIANT unless the cluster's settings (API `settings`, CloudFormation and
/// Config `ClusterSettings`) have `containerInsights` = `enabled` or `enhanced`. No setting
/// fails: the account default is not part of the resource.
///
/// **Why**: Container Insights gives the metrics and performance events needed to notice
/// abuse (crypto-mining, restarts) and to investigate it.
///
/// **Example**: `[{"name": "containerInsights", "value": "disabled"}]` fails.
///
/// **Fix**: `aws ecs update-cluster-settings --settings name=containerInsights,value=enhanced`.
pub fn evaluate(cluster: &Cluster, _params: &Params) -> Outcome {
    judge(cluster, _params).at(Within::Resource, "clusterSettings|settings|setting")
}

fn judge(cluster: &Cluster, _params: &Params) -> Outcome {
    match &cluster.container_insights {
        Field::Known(v)
            if v.eq_ignore_ascii_case("enabled") || v.eq_ignore_ascii_case("enhanced") =>
        {
            Outcome::compliant()
        }
        Field::Unknown => Outcome::compliant(),
        Field::Known(v) => Outcome::non_compliant(format!(
            "Cluster setting containerInsights is {v}. Set it to enabled or enhanced."
        )),
        Field::Absent => Outcome::non_compliant(
            "The cluster has no containerInsights setting. Set it to enabled or enhanced.",
        ),
    }
}
