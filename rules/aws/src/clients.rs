//! `ConfigApi` and `EcsApi` on the AWS SDK for Rust, one request per method. The SDK's own
//! retries are off: the core runner's `Caller` retries with its deadline in view, so every
//! attempt is accounted for.

use std::future::Future;

use aws_sdk_config::types::{ComplianceType, Evaluation as SdkEvaluation};
use aws_sdk_ecs::types::{CapacityProviderField, ClusterField, ServiceField, TaskDefinitionField};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use ecs_harden_core::runner::io::{
    ApiError, Batch, ConfigApi, Discovered, EcsApi, InventoryApi, Page, Recorder,
};
use ecs_harden_core::runner::Evaluation;
use serde_json::{json, Map, Value};

use crate::convert;
use crate::errors::api_error;

const PUT_EVALUATIONS: &str = "config:PutEvaluations";
const GET_HISTORY: &str = "config:GetResourceConfigHistory";
const LIST_DISCOVERED: &str = "config:ListDiscoveredResources";
const BATCH_GET: &str = "config:BatchGetResourceConfig";
const DESCRIBE_RECORDERS: &str = "config:DescribeConfigurationRecorders";
const RECORDER_STATUS: &str = "config:DescribeConfigurationRecorderStatus";
const SELECT: &str = "config:SelectResourceConfig";

/// AWS Config through the SDK.
#[derive(Clone)]
pub struct SdkConfigApi {
    pub client: aws_sdk_config::Client,
}

fn timestamp(action: &'static str, text: &str) -> Result<DateTime, ApiError> {
    DateTime::from_str(text, Format::DateTime).map_err(|e| {
        ApiError::new(
            action,
            "InvalidTimestamp",
            format!("{text:?} is not an ISO 8601 timestamp: {e}"),
            false,
        )
    })
}

impl ConfigApi for SdkConfigApi {
    fn put_evaluations(
        &self,
        result_token: &str,
        evaluations: &[Evaluation],
    ) -> impl Future<Output = Result<Vec<Evaluation>, ApiError>> + Send {
        let client = self.client.clone();
        let token = result_token.to_string();
        let evaluations = evaluations.to_vec();
        async move {
            let mut sdk = Vec::with_capacity(evaluations.len());
            for e in &evaluations {
                let built = SdkEvaluation::builder()
                    .compliance_resource_type(&e.resource_type)
                    .compliance_resource_id(&e.resource_id)
                    .compliance_type(ComplianceType::from(e.verdict.as_str()))
                    .set_annotation(e.annotation.clone())
                    .ordering_timestamp(timestamp(PUT_EVALUATIONS, &e.ordering_timestamp)?)
                    .build()
                    .map_err(|err| {
                        ApiError::new(PUT_EVALUATIONS, "InvalidEvaluation", err.to_string(), false)
                    })?;
                sdk.push(built);
            }
            let response = client
                .put_evaluations()
                .result_token(token)
                .set_evaluations(Some(sdk))
                .send()
                .await
                .map_err(|e| api_error(PUT_EVALUATIONS, e))?;
            Ok(response
                .failed_evaluations()
                .iter()
                .filter_map(|failed| {
                    evaluations
                        .iter()
                        .find(|e| {
                            e.resource_id == failed.compliance_resource_id()
                                && e.resource_type == failed.compliance_resource_type()
                        })
                        .cloned()
                })
                .collect())
        }
    }

    fn get_resource_config_history(
        &self,
        resource_type: &str,
        resource_id: &str,
        later_time: &str,
    ) -> impl Future<Output = Result<Option<Value>, ApiError>> + Send {
        let client = self.client.clone();
        let resource_type = resource_type.to_string();
        let resource_id = resource_id.to_string();
        let later_time = later_time.to_string();
        async move {
            let response = client
                .get_resource_config_history()
                .resource_type(aws_sdk_config::types::ResourceType::from(
                    resource_type.as_str(),
                ))
                .resource_id(resource_id)
                .later_time(timestamp(GET_HISTORY, &later_time)?)
                .limit(1)
                .send()
                .await
                .map_err(|e| api_error(GET_HISTORY, e))?;
            Ok(response.configuration_items().first().map(|item| {
                let mut o = Map::new();
                let mut put = |k: &str, v: Option<Value>| {
                    if let Some(v) = v {
                        o.insert(k.to_string(), v);
                    }
                };
                put(
                    "resourceType",
                    item.resource_type().map(|t| json!(t.as_str())),
                );
                put("resourceId", item.resource_id().map(|s| json!(s)));
                put("resourceName", item.resource_name().map(|s| json!(s)));
                put("arn", item.arn().map(|s| json!(s)));
                put("accountId", item.account_id().map(|s| json!(s)));
                put("awsRegion", item.aws_region().map(|s| json!(s)));
                put(
                    "configurationItemStatus",
                    item.configuration_item_status().map(|s| json!(s.as_str())),
                );
                put(
                    "configurationItemCaptureTime",
                    item.configuration_item_capture_time()
                        .and_then(|t| t.fmt(Format::DateTime).ok())
                        .map(Value::String),
                );
                put("configuration", item.configuration().map(|s| json!(s)));
                put("tags", item.tags().map(|t| json!(t)));
                Value::Object(o)
            }))
        }
    }

    fn list_discovered_resources(
        &self,
        resource_type: &str,
        resource_name: Option<&str>,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Discovered>, ApiError>> + Send {
        self.list_discovered(resource_type, resource_name, next_token)
    }

    fn batch_get_resource_config(
        &self,
        keys: &[(String, String)],
    ) -> impl Future<Output = Result<Batch, ApiError>> + Send {
        self.batch_get(keys)
    }

    fn describe_configuration_recorders(
        &self,
    ) -> impl Future<Output = Result<Vec<Recorder>, ApiError>> + Send {
        let request = self.client.describe_configuration_recorders();
        async move {
            let response = request
                .send()
                .await
                .map_err(|e| api_error(DESCRIBE_RECORDERS, e))?;
            Ok(response
                .configuration_recorders()
                .iter()
                .map(|recorder| {
                    let group = recorder.recording_group();
                    Recorder {
                        name: recorder.name().unwrap_or_default().to_string(),
                        all_supported: group.is_some_and(|g| g.all_supported()),
                        include_global_resource_types: group
                            .is_some_and(|g| g.include_global_resource_types()),
                        resource_types: group
                            .map(|g| {
                                g.resource_types()
                                    .iter()
                                    .map(|t| t.as_str().to_string())
                                    .collect()
                            })
                            .unwrap_or_default(),
                        excluded_types: group
                            .and_then(|g| g.exclusion_by_resource_types())
                            .map(|e| {
                                e.resource_types()
                                    .iter()
                                    .map(|t| t.as_str().to_string())
                                    .collect()
                            })
                            .unwrap_or_default(),
                        strategy: group
                            .and_then(|g| g.recording_strategy())
                            .and_then(|s| s.use_only())
                            .map(|s| s.as_str().to_string()),
                        recording: false,
                    }
                })
                .collect())
        }
    }

    fn recording_recorders(&self) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send {
        let request = self.client.describe_configuration_recorder_status();
        async move {
            let response = request
                .send()
                .await
                .map_err(|e| api_error(RECORDER_STATUS, e))?;
            Ok(response
                .configuration_recorders_status()
                .iter()
                .filter(|status| status.recording())
                .filter_map(|status| status.name().map(str::to_string))
                .collect())
        }
    }

    fn select_resource_config(
        &self,
        expression: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Value>, ApiError>> + Send {
        let request = self
            .client
            .select_resource_config()
            .expression(expression)
            .limit(100)
            .set_next_token(next_token);
        async move {
            let page = request.send().await.map_err(|e| api_error(SELECT, e))?;
            let items = page
                .results()
                .iter()
                .map(|result| {
                    serde_json::from_str(result).map_err(|e| {
                        ApiError::new(
                            SELECT,
                            "InvalidResult",
                            format!("a result is not a JSON object ({e}): {result}"),
                            false,
                        )
                    })
                })
                .collect::<Result<Vec<Value>, ApiError>>()?;
            Ok(Page {
                items,
                next_token: page.next_token().map(str::to_string),
            })
        }
    }
}

/// A configuration item from the SDK's `ConfigurationItem` or `BaseConfigurationItem`, in the
/// JSON shape `GetResourceConfigHistory` returns (`configuration` a JSON string).
macro_rules! item_json {
    ($item:expr) => {{
        let item = $item;
        let mut o = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                o.insert(k.to_string(), v);
            }
        };
        put(
            "resourceType",
            item.resource_type().map(|t| json!(t.as_str())),
        );
        put("resourceId", item.resource_id().map(|s| json!(s)));
        put("resourceName", item.resource_name().map(|s| json!(s)));
        put("arn", item.arn().map(|s| json!(s)));
        put("accountId", item.account_id().map(|s| json!(s)));
        put("awsRegion", item.aws_region().map(|s| json!(s)));
        put(
            "configurationItemStatus",
            item.configuration_item_status().map(|s| json!(s.as_str())),
        );
        put(
            "configurationItemCaptureTime",
            item.configuration_item_capture_time()
                .and_then(|t| t.fmt(Format::DateTime).ok())
                .map(Value::String),
        );
        put("configuration", item.configuration().map(|s| json!(s)));
        Value::Object(o)
    }};
}

impl SdkConfigApi {
    fn list_discovered(
        &self,
        resource_type: &str,
        resource_name: Option<&str>,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Discovered>, ApiError>> + Send {
        let request = self
            .client
            .list_discovered_resources()
            .resource_type(aws_sdk_config::types::ResourceType::from(resource_type))
            .set_resource_name(resource_name.map(str::to_string))
            .limit(100)
            .set_next_token(next_token);
        async move {
            let page = request
                .send()
                .await
                .map_err(|e| api_error(LIST_DISCOVERED, e))?;
            Ok(Page {
                items: page
                    .resource_identifiers()
                    .iter()
                    .filter(|r| r.resource_deletion_time().is_none())
                    .map(|r| Discovered {
                        resource_type: r
                            .resource_type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                        resource_id: r.resource_id().unwrap_or_default().to_string(),
                        resource_name: r.resource_name().map(str::to_string),
                    })
                    .collect(),
                next_token: page.next_token().map(str::to_string),
            })
        }
    }

    fn batch_get(
        &self,
        keys: &[(String, String)],
    ) -> impl Future<Output = Result<Batch, ApiError>> + Send {
        let client = self.client.clone();
        let keys = keys.to_vec();
        async move {
            let mut request = client.batch_get_resource_config();
            for (resource_type, resource_id) in &keys {
                let key = aws_sdk_config::types::ResourceKey::builder()
                    .resource_type(aws_sdk_config::types::ResourceType::from(
                        resource_type.as_str(),
                    ))
                    .resource_id(resource_id)
                    .build()
                    .map_err(|e| ApiError::new(BATCH_GET, "InvalidKey", e.to_string(), false))?;
                request = request.resource_keys(key);
            }
            let response = request.send().await.map_err(|e| api_error(BATCH_GET, e))?;
            Ok(Batch {
                items: response
                    .base_configuration_items()
                    .iter()
                    .map(|item| item_json!(item))
                    .collect(),
                unprocessed: response
                    .unprocessed_resource_keys()
                    .iter()
                    .map(|k| {
                        (
                            k.resource_type().as_str().to_string(),
                            k.resource_id().to_string(),
                        )
                    })
                    .collect(),
            })
        }
    }
}

/// Where a rule Lambda finds IAM roles and policies: the member account's own Config inventory
/// in the Region, or the organization's aggregator (which holds IAM, a global service,
/// whichever Region records it).
#[derive(Clone)]
pub enum SdkInventory {
    Account(SdkConfigApi),
    Aggregator {
        client: aws_sdk_config::Client,
        name: String,
    },
}

const LIST_AGGREGATE: &str = "config:ListAggregateDiscoveredResources";
const BATCH_GET_AGGREGATE: &str = "config:BatchGetAggregateResourceConfig";

impl InventoryApi for SdkInventory {
    fn find(
        &self,
        resource_type: &str,
        name: &str,
        account: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        let this = self.clone();
        let (resource_type, name, account) = (
            resource_type.to_string(),
            name.to_string(),
            account.map(str::to_string),
        );
        async move {
            match this {
                SdkInventory::Account(config) => {
                    let page = config
                        .list_discovered(&resource_type, Some(&name), None)
                        .await?;
                    let keys: Vec<(String, String)> = page
                        .items
                        .into_iter()
                        .map(|d| (d.resource_type, d.resource_id))
                        .collect();
                    if keys.is_empty() {
                        return Ok(Vec::new());
                    }
                    Ok(config.batch_get(&keys).await?.items)
                }
                SdkInventory::Aggregator {
                    client,
                    name: aggregator,
                } => {
                    let filters = aws_sdk_config::types::ResourceFilters::builder()
                        .resource_name(&name)
                        .set_account_id(account)
                        .build();
                    let listed = client
                        .list_aggregate_discovered_resources()
                        .configuration_aggregator_name(&aggregator)
                        .resource_type(aws_sdk_config::types::ResourceType::from(
                            resource_type.as_str(),
                        ))
                        .filters(filters)
                        .send()
                        .await
                        .map_err(|e| api_error(LIST_AGGREGATE, e))?;
                    let identifiers = listed.resource_identifiers().to_vec();
                    if identifiers.is_empty() {
                        return Ok(Vec::new());
                    }
                    let response = client
                        .batch_get_aggregate_resource_config()
                        .configuration_aggregator_name(&aggregator)
                        .set_resource_identifiers(Some(identifiers))
                        .send()
                        .await
                        .map_err(|e| api_error(BATCH_GET_AGGREGATE, e))?;
                    Ok(response
                        .base_configuration_items()
                        .iter()
                        .map(|item| item_json!(item))
                        .collect())
                }
            }
        }
    }
}

/// Amazon ECS through the SDK.
#[derive(Clone)]
pub struct SdkEcsApi {
    pub client: aws_sdk_ecs::Client,
}

impl EcsApi for SdkEcsApi {
    fn list_active_task_definitions(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ApiError>> + Send {
        let request = self
            .client
            .list_task_definitions()
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .max_results(100)
            .set_next_token(next_token);
        async move {
            let page = request
                .send()
                .await
                .map_err(|e| api_error("ecs:ListTaskDefinitions", e))?;
            Ok(Page {
                items: page.task_definition_arns().to_vec(),
                next_token: page.next_token().map(str::to_string),
            })
        }
    }

    fn describe_task_definition(
        &self,
        task_definition: &str,
    ) -> impl Future<Output = Result<Value, ApiError>> + Send {
        let request = self
            .client
            .describe_task_definition()
            .task_definition(task_definition)
            .include(TaskDefinitionField::Tags);
        async move {
            let out = request
                .send()
                .await
                .map_err(|e| api_error(DESCRIBE_TASK_DEFINITION, e))?;
            let td = out.task_definition().ok_or_else(|| {
                ApiError::new(
                    DESCRIBE_TASK_DEFINITION,
                    "EmptyResponse",
                    "no taskDefinition in the response",
                    false,
                )
            })?;
            Ok(convert::task_definition(td, out.tags()))
        }
    }

    fn list_clusters(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ApiError>> + Send {
        let request = self
            .client
            .list_clusters()
            .max_results(100)
            .set_next_token(next_token);
        async move {
            let page = request
                .send()
                .await
                .map_err(|e| api_error("ecs:ListClusters", e))?;
            Ok(Page {
                items: page.cluster_arns().to_vec(),
                next_token: page.next_token().map(str::to_string),
            })
        }
    }

    fn describe_clusters(
        &self,
        clusters: &[String],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        let request = self
            .client
            .describe_clusters()
            .set_clusters(Some(clusters.to_vec()))
            .include(ClusterField::Settings)
            .include(ClusterField::Configurations)
            .include(ClusterField::Tags);
        async move {
            let out = request
                .send()
                .await
                .map_err(|e| api_error("ecs:DescribeClusters", e))?;
            Ok(out.clusters().iter().map(convert::cluster).collect())
        }
    }

    fn list_services(
        &self,
        cluster: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ApiError>> + Send {
        let request = self
            .client
            .list_services()
            .cluster(cluster)
            .max_results(100)
            .set_next_token(next_token);
        async move {
            let page = request
                .send()
                .await
                .map_err(|e| api_error("ecs:ListServices", e))?;
            Ok(Page {
                items: page.service_arns().to_vec(),
                next_token: page.next_token().map(str::to_string),
            })
        }
    }

    fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        let request = self
            .client
            .describe_services()
            .cluster(cluster)
            .set_services(Some(services.to_vec()))
            .include(ServiceField::Tags);
        async move {
            let out = request
                .send()
                .await
                .map_err(|e| api_error("ecs:DescribeServices", e))?;
            Ok(out.services().iter().map(convert::service).collect())
        }
    }

    fn describe_capacity_providers(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Value>, ApiError>> + Send {
        let request = self
            .client
            .describe_capacity_providers()
            .include(CapacityProviderField::Tags)
            .set_next_token(next_token);
        async move {
            let page = request
                .send()
                .await
                .map_err(|e| api_error("ecs:DescribeCapacityProviders", e))?;
            Ok(Page {
                items: page
                    .capacity_providers()
                    .iter()
                    .map(convert::capacity_provider)
                    .collect(),
                next_token: page.next_token().map(str::to_string),
            })
        }
    }
}

const DESCRIBE_TASK_DEFINITION: &str = "ecs:DescribeTaskDefinition";
