//! What an inventory is made of, whatever the source: the documents handed to the sink, which
//! task definition revisions are evaluated, failures and progress.

use std::collections::BTreeMap;

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::error::{ParseError, ParseResult};
use crate::model::{Resource, ResourceType};
use crate::parse::{parse_api, parse_config_item, parse_value};
use crate::runner::io::ApiError;

/// Most clusters one `DescribeClusters` call takes.
pub const CLUSTERS_PER_DESCRIBE: usize = 100;
/// Most services one `DescribeServices` call takes.
pub const SERVICES_PER_DESCRIBE: usize = 10;
/// Requests in flight unless told otherwise: enough to hide latency, few enough to stay clear
/// of ECS's per-account request rates.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// What is being fetched, for progress reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    TaskDefinitions,
    Clusters,
    Services,
    CapacityProviders,
    /// AWS Config's configuration items of a type the ECS API does not list.
    ConfigurationItems,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::TaskDefinitions => "task definitions",
            Stage::Clusters => "clusters",
            Stage::Services => "services",
            Stage::CapacityProviders => "capacity providers",
            Stage::ConfigurationItems => "configuration items",
        }
    }
}

/// `done` of `total` describe requests of a stage have answered.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub stage: Stage,
    pub done: usize,
    pub total: usize,
}

/// One described resource, as ECS API JSON (task definitions as `DescribeTaskDefinition`
/// answers: `{"taskDefinition": …, "tags": …}`), or, for a type the ECS API does not list, as
/// AWS Config's configuration item.
#[derive(Clone, Debug)]
pub struct Listed {
    pub resource_type: ResourceType,
    pub document: Value,
}

impl Listed {
    /// The resource the document describes.
    pub fn read(&self) -> ParseResult<Resource> {
        // AWS Config's record of an ECS type the recorder records: a configuration item.
        if is_configuration_item(&self.document) {
            return parse_config_item(&self.document, "$");
        }
        match self.resource_type {
            ResourceType::TaskDefinition => parse_value(&self.document)
                .into_iter()
                .next()
                .unwrap_or_else(|| {
                    Err(ParseError::document(
                        "DescribeTaskDefinition returned nothing",
                    ))
                }),
            // The inventory reads these from AWS Config: the document is a configuration item.
            other if !ResourceType::ECS.contains(&other) => parse_config_item(&self.document, "$"),
            other => parse_api(&self.document, other, "$"),
        }
    }

    /// The resource's ARN or name as the document gives it, for errors about a document
    /// that cannot be read.
    pub fn id_hint(&self) -> String {
        let td = self
            .document
            .get("taskDefinition")
            .unwrap_or(&self.document);
        [
            "taskDefinitionArn",
            "serviceArn",
            "taskSetArn",
            "clusterName",
            "clusterArn",
            "name",
            "resourceId",
        ]
        .iter()
        .find_map(|key| td.get(*key).and_then(Value::as_str))
        .unwrap_or("(unknown resource)")
        .to_string()
    }
}

/// A configuration item (AWS Config's `resourceType` and `configuration` at the top level),
/// as opposed to an ECS API document.
fn is_configuration_item(document: &Value) -> bool {
    document.get("resourceType").is_some() && document.get("configuration").is_some()
}

/// An ACTIVE task definition revision older than its family's latest ACTIVE one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Superseded {
    pub arn: String,
    pub family: String,
    pub revision: u64,
    pub latest: u64,
}

/// A describe request that failed for good; the other resources are still listed.
#[derive(Clone, Debug)]
pub struct Failed {
    pub resource_type: ResourceType,
    /// The ARN or name asked for (several, comma-separated, for batched calls).
    pub resource_id: String,
    pub error: ApiError,
}

/// What was found besides the described resources, which go to the sink as they arrive.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    pub superseded: Vec<Superseded>,
    /// Task definition revisions AWS Config records as INACTIVE (deregistered): named, not read.
    pub inactive: Vec<String>,
    pub failed: Vec<Failed>,
}

/// Where described resources go, one at a time, so that memory stays flat however many the
/// account holds (a document is evaluated and dropped, never collected).
pub type Sink<'a> = dyn FnMut(Listed) + Send + 'a;

/// `family` and revision from `arn:aws:ecs:<region>:<account>:task-definition/<family>:<rev>`.
pub fn family_and_revision(arn: &str) -> Option<(&str, u64)> {
    let (_, name) = arn.rsplit_once("task-definition/")?;
    let (family, revision) = name.rsplit_once(':')?;
    Some((family, revision.parse().ok()?))
}

/// Which of the listed ACTIVE revisions are evaluated: the latest of each family, in family
/// order. The older ones are [`Superseded`] (NOT_APPLICABLE without being described). ARNs
/// that name no revision are left out.
pub fn latest_revisions(arns: &[String]) -> (Vec<&str>, Vec<Superseded>) {
    let mut latest: BTreeMap<&str, (u64, &str)> = BTreeMap::new();
    for arn in arns {
        if let Some((family, revision)) = family_and_revision(arn) {
            let entry = latest.entry(family).or_insert((revision, arn));
            if revision > entry.0 {
                *entry = (revision, arn);
            }
        }
    }
    let superseded = arns
        .iter()
        .filter_map(|arn| {
            let (family, revision) = family_and_revision(arn)?;
            let newest = latest.get(family)?.0;
            (revision < newest).then(|| Superseded {
                arn: arn.clone(),
                family: family.to_string(),
                revision,
                latest: newest,
            })
        })
        .collect();
    (
        latest.into_values().map(|(_, arn)| arn).collect(),
        superseded,
    )
}

/// Runs `describe` for every request, at most `concurrency` at once, and hands each answer
/// to `handle` in request order, reporting `stage` progress as answers come.
pub(super) async fn describe_each<R, T, Fut>(
    stage: Stage,
    requests: Vec<R>,
    concurrency: usize,
    progress: &(dyn Fn(Progress) + Sync),
    describe: impl Fn(R) -> Fut,
    mut handle: impl FnMut(R, Result<T, ApiError>),
) where
    R: Copy,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let total = requests.len();
    progress(Progress {
        stage,
        done: 0,
        total,
    });
    let describe = &describe;
    let mut answers = stream::iter(
        requests
            .into_iter()
            .map(|request| async move { (request, describe(request).await) }),
    )
    .buffered(concurrency);
    let mut done = 0;
    while let Some((request, answer)) = answers.next().await {
        done += 1;
        handle(request, answer);
        progress(Progress { stage, done, total });
    }
}
