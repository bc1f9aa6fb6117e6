//! An account's ECS resources in one Region, through the ECS API: complete lists (the
//! implementation of [`EcsApi`] paginates), describes in the largest batches the API takes, and
//! at most `concurrency` requests in flight. Used by periodic Config rule runs (one resource
//! type) and by `ecs-harden scan` (all of them).

use std::collections::BTreeMap;

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use super::caller::Caller;
use super::io::{ApiError, Clock, EcsApi};
use super::run::family_and_revision;
use crate::error::{ParseError, ParseResult};
use crate::model::{Resource, ResourceType};
use crate::parse::{parse_api, parse_value};

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
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::TaskDefinitions => "task definitions",
            Stage::Clusters => "clusters",
            Stage::Services => "services",
            Stage::CapacityProviders => "capacity providers",
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
/// answers: `{"taskDefinition": …, "tags": …}`).
#[derive(Clone, Debug)]
pub struct Listed {
    pub resource_type: ResourceType,
    pub document: Value,
}

impl Listed {
    /// The resource the document describes.
    pub fn read(&self) -> ParseResult<Resource> {
        match self.resource_type {
            ResourceType::TaskDefinition => parse_value(&self.document)
                .into_iter()
                .next()
                .unwrap_or_else(|| {
                    Err(ParseError::document(
                        "DescribeTaskDefinition returned nothing",
                    ))
                }),
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
        ]
        .iter()
        .find_map(|key| td.get(*key).and_then(Value::as_str))
        .unwrap_or("(unknown resource)")
        .to_string()
    }
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
    pub failed: Vec<Failed>,
}

/// Where described resources go, one at a time, so that memory stays flat however many the
/// account holds (a document is evaluated and dropped, never collected).
pub type Sink<'a> = dyn FnMut(Listed) + Send + 'a;

/// Lists and describes every resource of `types`, handing each to `sink`. A failed list call
/// fails the whole inventory (nothing of that type could be known); a failed describe is
/// recorded in [`Inventory::failed`] and the rest goes on.
pub async fn inventory<E: EcsApi, K: Clock>(
    ecs: &E,
    types: &[ResourceType],
    caller: &Caller<'_, K>,
    concurrency: usize,
    progress: &(dyn Fn(Progress) + Sync),
    sink: &mut Sink<'_>,
) -> Result<Inventory, ApiError> {
    let concurrency = concurrency.max(1);
    let mut out = Inventory::default();
    if types.contains(&ResourceType::TaskDefinition) {
        task_definitions(ecs, caller, concurrency, progress, sink, &mut out).await?;
    }
    let wants_services =
        types.contains(&ResourceType::Service) || types.contains(&ResourceType::TaskSet);
    if types.contains(&ResourceType::Cluster) || wants_services {
        let clusters = caller.call(|| ecs.list_clusters()).await?;
        if types.contains(&ResourceType::Cluster) {
            describe_clusters(
                ecs,
                &clusters,
                caller,
                concurrency,
                progress,
                sink,
                &mut out,
            )
            .await;
        }
        if wants_services {
            services(
                ecs,
                &clusters,
                types,
                caller,
                concurrency,
                progress,
                sink,
                &mut out,
            )
            .await?;
        }
    }
    if types.contains(&ResourceType::CapacityProvider) {
        progress(Progress {
            stage: Stage::CapacityProviders,
            done: 0,
            total: 1,
        });
        for document in caller.call(|| ecs.describe_capacity_providers()).await? {
            sink(Listed {
                resource_type: ResourceType::CapacityProvider,
                document,
            });
        }
        progress(Progress {
            stage: Stage::CapacityProviders,
            done: 1,
            total: 1,
        });
    }
    Ok(out)
}

/// The latest ACTIVE revision of every family, described with tags; older ACTIVE revisions
/// are only named.
async fn task_definitions<E: EcsApi, K: Clock>(
    ecs: &E,
    caller: &Caller<'_, K>,
    concurrency: usize,
    progress: &(dyn Fn(Progress) + Sync),
    sink: &mut Sink<'_>,
    out: &mut Inventory,
) -> Result<(), ApiError> {
    let arns = caller.call(|| ecs.list_active_task_definitions()).await?;
    let mut latest: BTreeMap<&str, (u64, &str)> = BTreeMap::new();
    for arn in &arns {
        if let Some((family, revision)) = family_and_revision(arn) {
            let entry = latest.entry(family).or_insert((revision, arn));
            if revision > entry.0 {
                *entry = (revision, arn);
            }
        }
    }
    for arn in &arns {
        if let Some((family, revision)) = family_and_revision(arn) {
            let newest = latest[family].0;
            if revision < newest {
                out.superseded.push(Superseded {
                    arn: arn.clone(),
                    family: family.to_string(),
                    revision,
                    latest: newest,
                });
            }
        }
    }
    describe_each(
        Stage::TaskDefinitions,
        latest.values().map(|&(_, arn)| arn).collect(),
        concurrency,
        progress,
        |arn| caller.call(move || ecs.describe_task_definition(arn)),
        |arn, answer| match answer {
            Ok(document) => sink(Listed {
                resource_type: ResourceType::TaskDefinition,
                document,
            }),
            Err(error) => out.failed.push(Failed {
                resource_type: ResourceType::TaskDefinition,
                resource_id: arn.to_string(),
                error,
            }),
        },
    )
    .await;
    Ok(())
}

async fn describe_clusters<E: EcsApi, K: Clock>(
    ecs: &E,
    clusters: &[String],
    caller: &Caller<'_, K>,
    concurrency: usize,
    progress: &(dyn Fn(Progress) + Sync),
    sink: &mut Sink<'_>,
    out: &mut Inventory,
) {
    describe_each(
        Stage::Clusters,
        clusters.chunks(CLUSTERS_PER_DESCRIBE).collect(),
        concurrency,
        progress,
        |chunk| caller.call(move || ecs.describe_clusters(chunk)),
        |chunk, answer| match answer {
            Ok(documents) => {
                for document in documents {
                    sink(Listed {
                        resource_type: ResourceType::Cluster,
                        document,
                    });
                }
            }
            Err(error) => out.failed.push(Failed {
                resource_type: ResourceType::Cluster,
                resource_id: chunk.join(", "),
                error,
            }),
        },
    )
    .await;
}

/// Services of every cluster, ten per `DescribeServices`; task sets come with their service.
#[allow(clippy::too_many_arguments)]
async fn services<E: EcsApi, K: Clock>(
    ecs: &E,
    clusters: &[String],
    types: &[ResourceType],
    caller: &Caller<'_, K>,
    concurrency: usize,
    progress: &(dyn Fn(Progress) + Sync),
    sink: &mut Sink<'_>,
    out: &mut Inventory,
) -> Result<(), ApiError> {
    let mut listed =
        stream::iter(clusters.iter().map(|cluster| async move {
            (cluster, caller.call(|| ecs.list_services(cluster)).await)
        }))
        .buffered(concurrency);
    let mut per_cluster: Vec<(&String, Vec<String>)> = Vec::new();
    while let Some((cluster, services)) = listed.next().await {
        per_cluster.push((cluster, services?));
    }
    let requests: Vec<(&String, &[String])> = per_cluster
        .iter()
        .flat_map(|(cluster, services)| {
            services
                .chunks(SERVICES_PER_DESCRIBE)
                .map(move |chunk| (*cluster, chunk))
        })
        .collect();
    let want_services = types.contains(&ResourceType::Service);
    let want_task_sets = types.contains(&ResourceType::TaskSet);
    describe_each(
        Stage::Services,
        requests,
        concurrency,
        progress,
        |(cluster, chunk)| caller.call(move || ecs.describe_services(cluster, chunk)),
        |(_, chunk), answer| match answer {
            Ok(described) => {
                for service in described {
                    if want_task_sets {
                        if let Some(task_sets) = service.get("taskSets").and_then(Value::as_array) {
                            for task_set in task_sets {
                                sink(Listed {
                                    resource_type: ResourceType::TaskSet,
                                    document: task_set.clone(),
                                });
                            }
                        }
                    }
                    if want_services {
                        sink(Listed {
                            resource_type: ResourceType::Service,
                            document: service,
                        });
                    }
                }
            }
            Err(error) => out.failed.push(Failed {
                resource_type: ResourceType::Service,
                resource_id: chunk.join(", "),
                error,
            }),
        },
    )
    .await;
    Ok(())
}

/// Runs `describe` for every request, at most `concurrency` at once, and hands each answer
/// to `handle` in request order, reporting `stage` progress as answers come.
async fn describe_each<R, T, Fut>(
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
