//! `ConfigApi` and `EcsApi` on the AWS SDK for Rust. The SDK's own retries are off: the core
//! runner retries with its deadline in view, so every attempt is accounted for.

use std::future::Future;

use aws_sdk_config::types::{ComplianceType, Evaluation as SdkEvaluation};
use aws_sdk_ecs::types::{CapacityProviderField, ClusterField, ServiceField, TaskDefinitionField};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::DateTime;
use ecs_harden_core::runner::io::{ApiError, ConfigApi, EcsApi};
use ecs_harden_core::runner::Evaluation;
use serde_json::{json, Map, Value};

use crate::convert;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

/// Error codes worth retrying besides any 5xx or 429.
const RETRYABLE_CODES: [&str; 9] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
];

/// Classifies an SDK error: throttling, 5xx, timeouts and connection failures are retryable.
pub fn api_error<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    let status = error.raw_response().map(|r| r.status().as_u16());
    let (code, message, transport) = match &error {
        SdkError::ServiceError(service) => (
            service.err().code().unwrap_or("ServiceError").to_string(),
            service.err().message().unwrap_or_default().to_string(),
            false,
        ),
        SdkError::TimeoutError(_) => ("Timeout".into(), format!("{error:?}"), true),
        SdkError::DispatchFailure(failure) => (
            "DispatchFailure".into(),
            format!("{:?}", failure.as_connector_error()),
            true,
        ),
        SdkError::ResponseError(_) => ("ResponseError".into(), format!("{error:?}"), true),
        _ => ("ConstructionFailure".into(), format!("{error:?}"), false),
    };
    let retryable = transport
        || RETRYABLE_CODES.contains(&code.as_str())
        || status.is_some_and(|s| s >= 500 || s == 429);
    ApiError {
        operation,
        code,
        message,
        retryable,
    }
}

/// AWS Config through the SDK.
#[derive(Clone)]
pub struct SdkConfigApi {
    pub client: aws_sdk_config::Client,
}

fn timestamp(operation: &'static str, text: &str) -> Result<DateTime, ApiError> {
    DateTime::from_str(text, Format::DateTime).map_err(|e| ApiError {
        operation,
        code: "InvalidTimestamp".into(),
        message: format!("{text:?} is not an ISO 8601 timestamp: {e}"),
        retryable: false,
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
                    .ordering_timestamp(timestamp("PutEvaluations", &e.ordering_timestamp)?)
                    .build()
                    .map_err(|err| ApiError {
                        operation: "PutEvaluations",
                        code: "InvalidEvaluation".into(),
                        message: err.to_string(),
                        retryable: false,
                    })?;
                sdk.push(built);
            }
            let response = client
                .put_evaluations()
                .result_token(token)
                .set_evaluations(Some(sdk))
                .send()
                .await
                .map_err(|e| api_error("PutEvaluations", e))?;
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
                .later_time(timestamp("GetResourceConfigHistory", &later_time)?)
                .limit(1)
                .send()
                .await
                .map_err(|e| api_error("GetResourceConfigHistory", e))?;
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
}

/// Collects every page of a paginated call: `page(token)` returns a page's items and the next
/// token.
pub async fn paginate<T, F, Fut>(mut page: F) -> Result<Vec<T>, ApiError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), ApiError>>,
{
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let (mut found, next) = page(token).await?;
        items.append(&mut found);
        token = next;
        if token.is_none() {
            return Ok(items);
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
    ) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send {
        let client = self.client.clone();
        paginate(move |token| {
            let client = client.clone();
            async move {
                let page = client
                    .list_task_definitions()
                    .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| api_error("ListTaskDefinitions", e))?;
                Ok((
                    page.task_definition_arns().to_vec(),
                    page.next_token().map(str::to_string),
                ))
            }
        })
    }

    fn describe_task_definition(
        &self,
        task_definition: &str,
    ) -> impl Future<Output = Result<Value, ApiError>> + Send {
        let client = self.client.clone();
        let task_definition = task_definition.to_string();
        async move {
            let out = client
                .describe_task_definition()
                .task_definition(task_definition)
                .include(TaskDefinitionField::Tags)
                .send()
                .await
                .map_err(|e| api_error("DescribeTaskDefinition", e))?;
            let td = out.task_definition().ok_or_else(|| ApiError {
                operation: "DescribeTaskDefinition",
                code: "EmptyResponse".into(),
                message: "no taskDefinition in the response".into(),
                retryable: false,
            })?;
            Ok(convert::task_definition(td, out.tags()))
        }
    }

    fn list_clusters(&self) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send {
        let client = self.client.clone();
        paginate(move |token| {
            let client = client.clone();
            async move {
                let page = client
                    .list_clusters()
                    .max_results(100)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| api_error("ListClusters", e))?;
                Ok((
                    page.cluster_arns().to_vec(),
                    page.next_token().map(str::to_string),
                ))
            }
        })
    }

    fn describe_clusters(
        &self,
        clusters: &[String],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        let client = self.client.clone();
        let clusters = clusters.to_vec();
        async move {
            let out = client
                .describe_clusters()
                .set_clusters(Some(clusters))
                .include(ClusterField::Settings)
                .include(ClusterField::Tags)
                .send()
                .await
                .map_err(|e| api_error("DescribeClusters", e))?;
            Ok(out.clusters().iter().map(convert::cluster).collect())
        }
    }

    fn list_services(
        &self,
        cluster: &str,
    ) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send {
        let client = self.client.clone();
        let cluster = cluster.to_string();
        paginate(move |token| {
            let client = client.clone();
            let cluster = cluster.clone();
            async move {
                let page = client
                    .list_services()
                    .cluster(cluster)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| api_error("ListServices", e))?;
                Ok((
                    page.service_arns().to_vec(),
                    page.next_token().map(str::to_string),
                ))
            }
        })
    }

    fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        let client = self.client.clone();
        let cluster = cluster.to_string();
        let services = services.to_vec();
        async move {
            let out = client
                .describe_services()
                .cluster(cluster)
                .set_services(Some(services))
                .include(ServiceField::Tags)
                .send()
                .await
                .map_err(|e| api_error("DescribeServices", e))?;
            Ok(out.services().iter().map(convert::service).collect())
        }
    }

    fn describe_capacity_providers(
        &self,
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        let client = self.client.clone();
        paginate(move |token| {
            let client = client.clone();
            async move {
                let page = client
                    .describe_capacity_providers()
                    .include(CapacityProviderField::Tags)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| api_error("DescribeCapacityProviders", e))?;
                Ok((
                    page.capacity_providers()
                        .iter()
                        .map(convert::capacity_provider)
                        .collect(),
                    page.next_token().map(str::to_string),
                ))
            }
        })
    }
}
