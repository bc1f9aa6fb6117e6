//! The runner's view of AWS: two small traits the `rules/aws` crate implements with the AWS SDK
//! and the unit tests implement with fakes, and the clock. Resources come back as ECS API JSON
//! (camelCase), the shape `crate::parse` reads. Each method is one request: listings come a page
//! at a time, so that a retry repeats the page that failed and nothing before it.

use std::fmt;
use std::future::Future;

use serde_json::Value;

use super::evaluation::Evaluation;

/// Code of the error the retry mechanism returns when the deadline (less the safety margin)
/// leaves no time to start a call.
pub const DEADLINE_REACHED: &str = "DeadlineReached";

/// What AWS Config answers inventory reads in an account and Region without a configuration
/// recorder: it has recorded nothing.
const NO_RECORDER: &str = "NoAvailableConfigurationRecorderException";

/// An inventory read where Config has no recorder is an empty record, not an error.
pub fn nothing_recorded<T: Default>(read: Result<T, ApiError>) -> Result<T, ApiError> {
    match read {
        Err(error) if error.code == NO_RECORDER => Ok(T::default()),
        read => read,
    }
}

/// An AWS call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The call as an IAM action, `service:Operation` (`ecs:ListClusters`,
    /// `config:PutEvaluations`): the permission it needs, and the operation's name.
    pub action: &'static str,
    /// Error code from the service, or a transport or credentials error kind.
    pub code: String,
    pub message: String,
    /// Throttling, 5xx, timeouts and connection errors are worth retrying.
    pub retryable: bool,
    /// How many times the call was made before this error was given up on (1: not retried).
    pub attempts: u32,
}

impl ApiError {
    /// An error of a single attempt.
    pub fn new(
        action: &'static str,
        code: impl Into<String>,
        message: impl Into<String>,
        retryable: bool,
    ) -> ApiError {
        ApiError {
            action,
            code: code.into(),
            message: message.into(),
            retryable,
            attempts: 1,
        }
    }

    /// The service prefix of the action (`ecs`), if the action names one.
    pub fn service(&self) -> Option<&'static str> {
        self.action.split_once(':').map(|(service, _)| service)
    }

    /// The operation (`ListClusters` of `ecs:ListClusters`).
    pub fn operation(&self) -> &'static str {
        self.action
            .split_once(':')
            .map_or(self.action, |(_, operation)| operation)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}: {}", self.action, self.code, self.message)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// One page of a listing: its items, and the token that asks for the next page (none on the
/// last page).
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

/// A resource AWS Config has discovered (an element of `ListDiscoveredResources`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    pub resource_type: String,
    pub resource_id: String,
    pub resource_name: Option<String>,
}

/// What one `BatchGetResourceConfig` call gave: configuration items as JSON (in the shape
/// `GetResourceConfigHistory` items have: `configuration` a JSON string, no tags), and the
/// keys Config left for another call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    pub items: Vec<Value>,
    pub unprocessed: Vec<(String, String)>,
}

/// Most keys one `BatchGetResourceConfig` call takes.
pub const MAX_BATCH_GET_KEYS: usize = 100;

/// What a configuration recorder records (`DescribeConfigurationRecorders`'
/// `recordingGroup`), with whether it is recording now
/// (`DescribeConfigurationRecorderStatus`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorder {
    pub name: String,
    pub all_supported: bool,
    pub include_global_resource_types: bool,
    /// `recordingGroup.resourceTypes`: the types recorded when not all are.
    pub resource_types: Vec<String>,
    /// `recordingGroup.exclusionByResourceTypes.resourceTypes`.
    pub excluded_types: Vec<String>,
    /// `recordingGroup.recordingStrategy.useOnly`: `ALL_SUPPORTED_RESOURCE_TYPES`,
    /// `INCLUSION_BY_RESOURCE_TYPES` or `EXCLUSION_BY_RESOURCE_TYPES`.
    pub strategy: Option<String>,
    /// From the recorder's status: started and not stopped.
    pub recording: bool,
}

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

    /// One page of `ListDiscoveredResources` (at most 100) of a type, optionally only those
    /// of one name; deleted resources are left out.
    fn list_discovered_resources(
        &self,
        resource_type: &str,
        resource_name: Option<&str>,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Discovered>, ApiError>> + Send;

    /// One `BatchGetResourceConfig` call of at most [`MAX_BATCH_GET_KEYS`] (type, id) keys.
    fn batch_get_resource_config(
        &self,
        keys: &[(String, String)],
    ) -> impl Future<Output = Result<Batch, ApiError>> + Send;

    /// `DescribeConfigurationRecorders` (recording groups, `recording` false), the account's
    /// recorders in the Region. An implementation that cannot see recorders answers none, so
    /// that every type is read through the ECS API.
    fn describe_configuration_recorders(
        &self,
    ) -> impl Future<Output = Result<Vec<Recorder>, ApiError>> + Send {
        async { Ok(Vec::new()) }
    }

    /// `DescribeConfigurationRecorderStatus`: the names of the recorders recording now.
    fn recording_recorders(&self) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send {
        async { Ok(Vec::new()) }
    }

    /// One page (at most 100 results) of `SelectResourceConfig`, AWS Config's advanced query:
    /// each result a JSON object of the selected properties (`configuration` an object,
    /// `tags` a list of `{key, value}`).
    fn select_resource_config(
        &self,
        _expression: &str,
        _next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Value>, ApiError>> + Send {
        async {
            Err(ApiError::new(
                "config:SelectResourceConfig",
                "NotImplemented",
                "this AWS Config client has no advanced query",
                false,
            ))
        }
    }
}

/// Where the resources a control reads beside the one it judges, and that are not ECS
/// resources (IAM roles and policies), are found: AWS Config's record of them, in the account
/// itself or through the organization's aggregator (which sees IAM, a global service, whichever
/// Region records it).
pub trait InventoryApi {
    /// The configuration items (the shape `GetResourceConfigHistory` items have) of the
    /// resources of `resource_type` named `name` in `account`.
    fn find(
        &self,
        resource_type: &str,
        name: &str,
        account: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send;
}

/// Amazon ECS, as the runner uses it. List methods return one page (`next_token` from the
/// previous page, none for the first); describes take batches no larger than the API allows.
pub trait EcsApi {
    /// One page of `ListTaskDefinitions` with status ACTIVE: task definition revision ARNs.
    fn list_active_task_definitions(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ApiError>> + Send;

    /// `DescribeTaskDefinition` with tags: `{"taskDefinition": {…}, "tags": […]}`. Given a
    /// family name, ECS answers with its latest ACTIVE revision.
    fn describe_task_definition(
        &self,
        task_definition: &str,
    ) -> impl Future<Output = Result<Value, ApiError>> + Send;

    /// One page of `ListClusters`: cluster ARNs.
    fn list_clusters(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ApiError>> + Send;

    /// `DescribeClusters` with SETTINGS and TAGS, at most 100 clusters.
    fn describe_clusters(
        &self,
        clusters: &[String],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send;

    /// One page of `ListServices` in `cluster`: service ARNs.
    fn list_services(
        &self,
        cluster: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ApiError>> + Send;

    /// `DescribeServices` with TAGS, at most 10 services of one cluster; task sets are part of
    /// each service's description.
    fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send;

    /// One page of `DescribeCapacityProviders` with TAGS.
    fn describe_capacity_providers(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Value>, ApiError>> + Send;
}

/// Time, waiting and randomness, so retries and deadlines can be tested.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> u64;
    fn sleep(&self, millis: u64) -> impl Future<Output = ()> + Send;
    fn random(&self) -> u64;
}
