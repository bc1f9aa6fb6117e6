//! ECS types read from AWS Config's own record, where the configuration recorder records them:
//! the periodic run at Config's call floor instead of a describe per resource.
//!
//! - Task definitions: one advanced query (`SelectResourceConfig`, 100 results a page) lists
//!   every revision Config recorded with its status and tags, so the latest ACTIVE revision of
//!   each family is chosen without reading any; those are read whole with
//!   `BatchGetResourceConfig` (100 keys a call), and get the tags of the listing, which
//!   `BatchGetResourceConfig` does not return. ⌈revisions/100⌉ + ⌈families/100⌉ calls.
//! - Clusters, services, task sets, capacity providers: one resource is one item, so the query
//!   returns the items whole, tags included: ⌈resources/100⌉ calls.
//!
//! Whether the recorder records a type is decided from `DescribeConfigurationRecorders` and
//! `DescribeConfigurationRecorderStatus` ([`records`]), never from an empty listing: Config
//! keeps listing what it discovered while it recorded a type, and advanced query answers only
//! for the types it records now.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::shared::{
    describe_each, family_and_revision, latest_revisions, Failed, Inventory, Listed, Progress,
    Sink, Stage,
};
use crate::model::ResourceType;
use crate::runner::io::{ApiError, Batch, Clock, ConfigApi, Recorder, MAX_BATCH_GET_KEYS};
use crate::runner::retry::Caller;

/// Whether one of the recorders that are recording now records `resource_type` (the
/// `RecordingGroup` and `RecordingStrategy` rules of the AWS Config API reference).
pub fn records(recorders: &[Recorder], resource_type: ResourceType) -> bool {
    let name = resource_type.aws_name();
    recorders.iter().filter(|r| r.recording).any(|recorder| {
        match recorder.strategy.as_deref() {
            Some("EXCLUSION_BY_RESOURCE_TYPES") => {
                !recorder.excluded_types.iter().any(|t| t == name)
            }
            Some("INCLUSION_BY_RESOURCE_TYPES") => {
                recorder.resource_types.iter().any(|t| t == name)
            }
            // ECS types are regional: `includeGlobalResourceTypes` does not concern them.
            _ if recorder.all_supported => true,
            _ => recorder.resource_types.iter().any(|t| t == name),
        }
    })
}

/// The account's recorders in the Region, each with whether it is recording now: two calls.
pub async fn recorders<C: ConfigApi, K: Clock>(
    config: &C,
    caller: &Caller<'_, K>,
) -> Result<Vec<Recorder>, ApiError> {
    let mut recorders = caller
        .call(|| config.describe_configuration_recorders())
        .await?;
    if recorders.is_empty() {
        return Ok(recorders);
    }
    let recording = caller.call(|| config.recording_recorders()).await?;
    for recorder in &mut recorders {
        recorder.recording = recording.contains(&recorder.name);
    }
    Ok(recorders)
}

/// The properties a whole item is read with: what `GetResourceConfigHistory` gives, the
/// configuration as an object and the tags as a list of `{key, value}`.
const ITEM_PROPERTIES: &str = "resourceId, resourceName, resourceType, arn, accountId, awsRegion, \
     configurationItemStatus, configurationItemCaptureTime, configuration, tags";

/// One inventory's Config client, caller and limits.
pub(super) struct RecordedInventory<'a, 'c, C, K: Clock> {
    pub config: &'a C,
    pub caller: &'a Caller<'c, K>,
    pub concurrency: usize,
    pub progress: &'a (dyn Fn(Progress) + Sync),
}

impl<C: ConfigApi, K: Clock> RecordedInventory<'_, '_, C, K> {
    /// Every resource of `types` (ECS types the recorder records) from Config's record.
    pub async fn read(
        &self,
        types: &[ResourceType],
        sink: &mut Sink<'_>,
    ) -> Result<Inventory, ApiError> {
        let mut out = Inventory::default();
        for resource_type in types {
            if *resource_type == ResourceType::TaskDefinition {
                self.task_definitions(sink, &mut out).await?;
            } else {
                self.whole_items(*resource_type, sink).await?;
            }
        }
        Ok(out)
    }

    async fn query(&self, expression: &str) -> Result<Vec<Value>, ApiError> {
        self.caller
            .pages(|token| self.config.select_resource_config(expression, token))
            .await
    }

    /// Resources whose item is read whole by the query.
    async fn whole_items(
        &self,
        resource_type: ResourceType,
        sink: &mut Sink<'_>,
    ) -> Result<(), ApiError> {
        let stage = Stage::ConfigurationItems;
        (self.progress)(Progress {
            stage,
            done: 0,
            total: 1,
        });
        let rows = self
            .query(&format!(
                "SELECT {ITEM_PROPERTIES} WHERE resourceType = '{}'",
                resource_type.aws_name()
            ))
            .await?;
        for row in rows {
            if let Some(document) = item_of(row, None) {
                sink(Listed {
                    resource_type,
                    document,
                });
            }
        }
        (self.progress)(Progress {
            stage,
            done: 1,
            total: 1,
        });
        Ok(())
    }

    /// Every revision's status and tags, then the latest ACTIVE revision of each family read
    /// whole; older ACTIVE revisions are superseded, INACTIVE ones named.
    async fn task_definitions(
        &self,
        sink: &mut Sink<'_>,
        out: &mut Inventory,
    ) -> Result<(), ApiError> {
        let rows = self
            .query(
                "SELECT resourceId, configuration.Status, tags \
                 WHERE resourceType = 'AWS::ECS::TaskDefinition'",
            )
            .await?;
        let mut tags: BTreeMap<String, Value> = BTreeMap::new();
        let mut active = Vec::new();
        for row in rows {
            let Some(arn) = row.get("resourceId").and_then(Value::as_str) else {
                continue;
            };
            if family_and_revision(arn).is_none() {
                continue;
            }
            let status = row
                .pointer("/configuration/Status")
                .and_then(Value::as_str)
                .unwrap_or("ACTIVE");
            if status == "ACTIVE" {
                active.push(arn.to_string());
                tags.insert(arn.to_string(), tag_map(row.get("tags")));
            } else {
                out.inactive.push(arn.to_string());
            }
        }
        let (latest, superseded) = latest_revisions(&active);
        out.superseded.extend(superseded);
        let keys: Vec<(String, String)> = latest
            .iter()
            .map(|arn| {
                (
                    ResourceType::TaskDefinition.aws_name().to_string(),
                    arn.to_string(),
                )
            })
            .collect();
        let left = self.batches(&keys, &tags, sink, out).await;
        let left_again = self.batches(&left, &tags, sink, out).await;
        if !left_again.is_empty() {
            out.failed.push(Failed {
                resource_type: ResourceType::TaskDefinition,
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
        Ok(())
    }

    /// Reads `keys` a hundred at a time, each item with its tags from `tags`, into `sink`;
    /// the keys Config left unprocessed.
    async fn batches(
        &self,
        keys: &[(String, String)],
        tags: &BTreeMap<String, Value>,
        sink: &mut Sink<'_>,
        out: &mut Inventory,
    ) -> Vec<(String, String)> {
        let mut unprocessed = Vec::new();
        if keys.is_empty() {
            return unprocessed;
        }
        describe_each(
            Stage::TaskDefinitions,
            keys.chunks(MAX_BATCH_GET_KEYS).collect(),
            self.concurrency,
            self.progress,
            |chunk| {
                self.caller
                    .call(move || self.config.batch_get_resource_config(chunk))
            },
            |chunk, answer: Result<Batch, ApiError>| match answer {
                Ok(batch) => {
                    for item in batch.items {
                        let id = item.get("resourceId").and_then(Value::as_str);
                        let item_tags = id.and_then(|id| tags.get(id)).cloned();
                        if let Some(document) = item_of(item, item_tags) {
                            sink(Listed {
                                resource_type: ResourceType::TaskDefinition,
                                document,
                            });
                        }
                    }
                    unprocessed.extend(batch.unprocessed);
                }
                Err(error) => out.failed.push(Failed {
                    resource_type: ResourceType::TaskDefinition,
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

/// A query result or a `BatchGetResourceConfig` item as a configuration item: tags as a map
/// (`tags`, when given, replace the item's), left out when Config says the resource is gone.
fn item_of(item: Value, tags: Option<Value>) -> Option<Value> {
    let Value::Object(mut item) = item else {
        return None;
    };
    if matches!(
        item.get("configurationItemStatus").and_then(Value::as_str),
        Some("ResourceDeleted" | "ResourceDeletedNotRecorded" | "ResourceNotRecorded")
    ) {
        return None;
    }
    let tags = tags.unwrap_or_else(|| tag_map(item.get("tags")));
    item.insert("tags".to_string(), tags);
    Some(Value::Object(item))
}

/// Advanced query's `[{key, value}]` tags as a configuration item's `{key: value}` map.
fn tag_map(tags: Option<&Value>) -> Value {
    match tags {
        Some(Value::Array(list)) => Value::Object(
            list.iter()
                .filter_map(|tag| {
                    Some((
                        tag.get("key")?.as_str()?.to_string(),
                        tag.get("value").cloned().unwrap_or(Value::Null),
                    ))
                })
                .collect::<Map<String, Value>>(),
        ),
        Some(map @ Value::Object(_)) => map.clone(),
        _ => Value::Object(Map::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder(
        strategy: Option<&str>,
        all: bool,
        included: &[&str],
        excluded: &[&str],
    ) -> Recorder {
        Recorder {
            name: "default".into(),
            all_supported: all,
            include_global_resource_types: false,
            resource_types: included.iter().map(|t| t.to_string()).collect(),
            excluded_types: excluded.iter().map(|t| t.to_string()).collect(),
            strategy: strategy.map(str::to_string),
            recording: true,
        }
    }

    #[test]
    fn the_recording_group_decides_per_type() {
        let td = ResourceType::TaskDefinition;
        let cluster = ResourceType::Cluster;
        let all = recorder(Some("ALL_SUPPORTED_RESOURCE_TYPES"), true, &[], &[]);
        assert!(records(std::slice::from_ref(&all), td) && records(&[all], cluster));
        let only = recorder(
            Some("INCLUSION_BY_RESOURCE_TYPES"),
            false,
            &["AWS::ECS::TaskDefinition"],
            &[],
        );
        assert!(records(std::slice::from_ref(&only), td));
        assert!(!records(&[only], cluster));
        let but = recorder(
            Some("EXCLUSION_BY_RESOURCE_TYPES"),
            false,
            &[],
            &["AWS::ECS::Cluster"],
        );
        assert!(records(std::slice::from_ref(&but), td));
        assert!(!records(&[but], cluster));
        // Recorders from before recording strategies: allSupported or the listed types.
        let listed = recorder(None, false, &["AWS::ECS::Cluster"], &[]);
        assert!(!records(std::slice::from_ref(&listed), td));
        assert!(records(&[listed], cluster));
    }

    #[test]
    fn a_stopped_recorder_or_none_records_nothing() {
        let mut stopped = recorder(None, true, &[], &[]);
        stopped.recording = false;
        assert!(!records(&[stopped], ResourceType::TaskDefinition));
        assert!(!records(&[], ResourceType::TaskDefinition));
    }

    #[test]
    fn items_get_the_listing_tags_as_a_map_and_deleted_ones_are_dropped() {
        let item = serde_json::json!({
            "resourceId": "arn:aws:ecs:us-east-1:111122223333:task-definition/app:3",
            "configurationItemStatus": "OK",
            "configuration": "{}",
        });
        let tags = tag_map(Some(
            &serde_json::json!([{"key": "team", "value": "payments"}]),
        ));
        let read = item_of(item, Some(tags)).expect("a live item");
        assert_eq!(read["tags"], serde_json::json!({"team": "payments"}));
        let gone = serde_json::json!({"configurationItemStatus": "ResourceDeleted"});
        assert_eq!(item_of(gone, None), None);
    }
}
