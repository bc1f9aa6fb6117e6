//! The runner's view of AWS: two small traits the Lambda crates implement with the AWS SDK and
//! the unit tests implement with fakes. Resources come back as ECS API JSON (camelCase), the
//! shape `crate::parse` reads.

use std::fmt;
use std::future::Future;

use serde_json::Value;

use super::Evaluation;

/// An AWS call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// Operation name (`PutEvaluations`, `DescribeServices`, …).
    pub operation: &'static str,
    /// Error code from the service, or a transport error kind.
    pub code: String,
    pub message: String,
    /// Throttling, 5xx, timeouts and connection errors are worth retrying.
    pub retryable: bool,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed: {}: {}",
            self.operation, self.code, self.message
        )
    }
}

impl std::error::Error for ApiError {}

/// AWS Config, as the runner uses it.
pub trait ConfigApi {
    /// One `PutEvaluations` call (at most 100 evaluations); returns what Config reported in
    /// `FailedEvaluations`.
    fn put_evaluations(
        &self,
        result_token: &str,
        evaluations: &[Evaluation],
    ) -> impl Future<Output = Result<Vec<Evaluation>, ApiError>> + Send;

    /// `GetResourceConfigHistory` with limit 1 and `laterTime`: the configuration item as JSON
    /// (its `configuration` may be a JSON string), or `None` when there is none.
    fn get_resource_config_history(
        &self,
        resource_type: &str,
        resource_id: &str,
        later_time: &str,
    ) -> impl Future<Output = Result<Option<Value>, ApiError>> + Send;
}

/// Amazon ECS, as the runner uses it. Lists are complete (the implementation paginates);
/// describes take batches no larger than the API allows.
pub trait EcsApi {
    /// ARNs of every ACTIVE task definition revision.
    fn list_active_task_definitions(
        &self,
    ) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send;

    /// `DescribeTaskDefinition` with tags: `{"taskDefinition": {…}, "tags": […]}`. Given a
    /// family name, ECS answers with its latest ACTIVE revision.
    fn describe_task_definition(
        &self,
        task_definition: &str,
    ) -> impl Future<Output = Result<Value, ApiError>> + Send;

    fn list_clusters(&self) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send;

    /// `DescribeClusters` with SETTINGS and TAGS, at most 100 clusters.
    fn describe_clusters(
        &self,
        clusters: &[String],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send;

    fn list_services(
        &self,
        cluster: &str,
    ) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send;

    /// `DescribeServices` with TAGS, at most 10 services of one cluster; task sets are part of
    /// each service's description.
    fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send;

    /// Every capacity provider (`DescribeCapacityProviders` with TAGS, all pages).
    fn describe_capacity_providers(
        &self,
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send;
}

/// Time, waiting and randomness, so retries and deadlines can be tested.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> u64;
    fn sleep(&self, millis: u64) -> impl Future<Output = ()> + Send;
    fn random(&self) -> u64;
}
