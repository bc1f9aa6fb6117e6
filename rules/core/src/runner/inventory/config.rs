//! The inventory through AWS Config's own record: `ListDiscoveredResources` pages, then
//! `BatchGetResourceConfig` in hundreds. The source for the types the ECS API does not list
//! (launch templates of container instances); the documents are configuration items.

use super::shared::{describe_each, Failed, Inventory, Listed, Progress, Sink, Stage};
use crate::model::ResourceType;
use crate::runner::io::{nothing_recorded, ApiError, Batch, Clock, ConfigApi, MAX_BATCH_GET_KEYS};
use crate::runner::retry::Caller;

/// One inventory's Config client, caller and limits.
pub(super) struct ConfigInventory<'a, 'c, C, K: Clock> {
    pub config: &'a C,
    pub caller: &'a Caller<'c, K>,
    pub concurrency: usize,
    pub progress: &'a (dyn Fn(Progress) + Sync),
}

impl<C: ConfigApi, K: Clock> ConfigInventory<'_, '_, C, K> {
    /// Every resource of `types` Config has discovered, read in batches. Keys Config leaves
    /// unprocessed are asked for once more; those it leaves again are [`Failed`].
    pub async fn read(
        &self,
        types: &[ResourceType],
        sink: &mut Sink<'_>,
    ) -> Result<Inventory, ApiError> {
        let mut out = Inventory::default();
        for resource_type in types {
            let name = resource_type.aws_name();
            // An account and Region without a configuration recorder has no record: nothing
            // of this type to read, not a failed run.
            let keys: Vec<(String, String)> = nothing_recorded(
                self.caller
                    .pages(|token| self.config.list_discovered_resources(name, None, token))
                    .await,
            )?
            .into_iter()
            .map(|found| (found.resource_type, found.resource_id))
            .collect();
            let left = self.batches(*resource_type, &keys, sink, &mut out).await;
            let left_again = self.batches(*resource_type, &left, sink, &mut out).await;
            if !left_again.is_empty() {
                out.failed.push(Failed {
                    resource_type: *resource_type,
                    resource_id: left_again
                        .iter()
                        .map(|(_, id)| id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    error: ApiError::new(
                        "config:BatchGetResourceConfig",
                        "UnprocessedResourceKeys",
                        "AWS Config left these resources unprocessed twice",
                        true,
                    ),
                });
            }
        }
        Ok(out)
    }

    /// Reads `keys` a batch at a time, handing each item to `sink`; the keys Config left
    /// unprocessed.
    async fn batches(
        &self,
        resource_type: ResourceType,
        keys: &[(String, String)],
        sink: &mut Sink<'_>,
        out: &mut Inventory,
    ) -> Vec<(String, String)> {
        let mut unprocessed = Vec::new();
        if keys.is_empty() {
            return unprocessed;
        }
        describe_each(
            Stage::ConfigurationItems,
            keys.chunks(MAX_BATCH_GET_KEYS).collect(),
            self.concurrency,
            self.progress,
            |chunk| {
                self.caller
                    .call(move || self.config.batch_get_resource_config(chunk))
            },
            |chunk, answer: Result<Batch, ApiError>| match answer {
                Ok(batch) => {
                    for document in batch.items {
                        sink(Listed {
                            resource_type,
                            document,
                        });
                    }
                    unprocessed.extend(batch.unprocessed);
                }
                Err(error) => out.failed.push(Failed {
                    resource_type,
                    resource_id: chunk
                        .iter()
                        .map(|(_, id)| id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    error,
                }),
            },
        )
        .await;
        unprocessed
    }
}
