//! The inventory through the ECS API: list pages, then describe in batches.

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use super::shared::{
    describe_each, latest_revisions, Failed, Inventory, Listed, Progress, Sink, Stage,
    CLUSTERS_PER_DESCRIBE, SERVICES_PER_DESCRIBE,
};
use crate::model::ResourceType;
use crate::runner::io::{ApiError, Clock, EcsApi};
use crate::runner::retry::Caller;

/// One inventory's ECS client, caller and limits.
pub(super) struct EcsInventory<'a, 'c, E, K: Clock> {
    pub ecs: &'a E,
    pub caller: &'a Caller<'c, K>,
    pub concurrency: usize,
    pub progress: &'a (dyn Fn(Progress) + Sync),
}

impl<E: EcsApi, K: Clock> EcsInventory<'_, '_, E, K> {
    pub async fn read(
        &self,
        types: &[ResourceType],
        sink: &mut Sink<'_>,
    ) -> Result<Inventory, ApiError> {
        let mut out = Inventory::default();
        if types.contains(&ResourceType::TaskDefinition) {
            self.task_definitions(sink, &mut out).await?;
        }
        let wants_services =
            types.contains(&ResourceType::Service) || types.contains(&ResourceType::TaskSet);
        if types.contains(&ResourceType::Cluster) || wants_services {
            let clusters = self
                .caller
                .pages(|token| self.ecs.list_clusters(token))
                .await?;
            if types.contains(&ResourceType::Cluster) {
                self.clusters(&clusters, sink, &mut out).await;
            }
            if wants_services {
                self.services(&clusters, types, sink, &mut out).await?;
            }
        }
        if types.contains(&ResourceType::CapacityProvider) {
            self.capacity_providers(sink).await?;
        }
        Ok(out)
    }

    /// The latest ACTIVE revision of every family, described with tags; older ACTIVE revisions
    /// are only named.
    async fn task_definitions(
        &self,
        sink: &mut Sink<'_>,
        out: &mut Inventory,
    ) -> Result<(), ApiError> {
        let arns = self
            .caller
            .pages(|token| self.ecs.list_active_task_definitions(token))
            .await?;
        let (latest, superseded) = latest_revisions(&arns);
        out.superseded.extend(superseded);
        describe_each(
            Stage::TaskDefinitions,
            latest,
            self.concurrency,
            self.progress,
            |arn| {
                self.caller
                    .call(move || self.ecs.describe_task_definition(arn))
            },
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

    async fn clusters(&self, clusters: &[String], sink: &mut Sink<'_>, out: &mut Inventory) {
        describe_each(
            Stage::Clusters,
            clusters.chunks(CLUSTERS_PER_DESCRIBE).collect(),
            self.concurrency,
            self.progress,
            |chunk| self.caller.call(move || self.ecs.describe_clusters(chunk)),
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
    async fn services(
        &self,
        clusters: &[String],
        types: &[ResourceType],
        sink: &mut Sink<'_>,
        out: &mut Inventory,
    ) -> Result<(), ApiError> {
        let mut listed = stream::iter(clusters.iter().map(|cluster| async move {
            let services = self
                .caller
                .pages(|token| self.ecs.list_services(cluster, token))
                .await;
            (cluster, services)
        }))
        .buffered(self.concurrency);
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
            self.concurrency,
            self.progress,
            |(cluster, chunk)| {
                self.caller
                    .call(move || self.ecs.describe_services(cluster, chunk))
            },
            |(_, chunk), answer| match answer {
                Ok(described) => {
                    for service in described {
                        if want_task_sets {
                            if let Some(task_sets) =
                                service.get("taskSets").and_then(Value::as_array)
                            {
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

    /// Every capacity provider: `DescribeCapacityProviders` lists and describes at once.
    async fn capacity_providers(&self, sink: &mut Sink<'_>) -> Result<(), ApiError> {
        (self.progress)(Progress {
            stage: Stage::CapacityProviders,
            done: 0,
            total: 1,
        });
        let documents = self
            .caller
            .pages(|token| self.ecs.describe_capacity_providers(token))
            .await?;
        for document in documents {
            sink(Listed {
                resource_type: ResourceType::CapacityProvider,
                document,
            });
        }
        (self.progress)(Progress {
            stage: Stage::CapacityProviders,
            done: 1,
            total: 1,
        });
        Ok(())
    }
}
