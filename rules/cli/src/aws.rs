//! AWS access for `scan` and `evidence`: one configuration from the usual chain (environment,
//! `--profile`, SSO, instance roles), rustls on ring, SDK retries off (the core's caller
//! retries throttling with backoff within its own budget), and AWS failures in words.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::retry::RetryConfig;
use aws_config::{Region, SdkConfig};
use ecs_harden_aws::errors::{explain, CallContext, Explained};
use ecs_harden_core::runner::io::ApiError;
use ecs_harden_core::runner::RetryPolicy;

/// Commercial Regions where Amazon ECS runs, for `--all-regions`. Regions an account has not
/// opted into refuse the credentials and are skipped with a note. GovCloud and
/// China are separate partitions with their own credentials: name them with `--region`.
pub const COMMERCIAL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
];

/// The shared AWS configuration; `region` overrides the profile's and the environment's.
pub async fn load(profile: Option<&str>, region: Option<&str>) -> SdkConfig {
    let mut loader = ecs_harden_aws::sdk::config_loader(RetryConfig::disabled());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    loader.load().await
}

/// Retries for one command: each call up to 10 attempts with backoff (capped at 20 s), within
/// `budget` overall, so sustained throttling is ridden out and a broken endpoint fails the
/// command instead of hanging it.
pub fn retry_policy(budget: Duration) -> RetryPolicy {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    RetryPolicy {
        deadline_millis: now + budget.as_millis() as u64,
        safety_margin_millis: 0,
        backoff_base_millis: 200,
        backoff_cap_millis: 20_000,
        max_attempts: Some(10),
    }
}

/// The profile the configuration was loaded with: `--profile`, else AWS_PROFILE.
pub fn profile_in_use(profile: Option<&str>) -> Option<String> {
    profile
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
}

/// How AWS failures are shown: what is wrong and what to do, and with `--verbose` the error as
/// AWS or the SDK reported it.
pub struct Failures {
    pub calls: CallContext,
    pub verbose: bool,
}

impl Failures {
    pub fn explain(&self, error: &ApiError) -> Explained {
        explain(error, &self.calls)
    }

    /// The message for `error`, for calls made with `calls` (a Region of a scan, say).
    pub fn message_in(&self, error: &ApiError, calls: &CallContext) -> String {
        let explained = explain(error, calls);
        if self.verbose {
            format!("{explained}\n  AWS error: {}", explained.raw)
        } else {
            explained.to_string()
        }
    }

    pub fn message(&self, error: &ApiError) -> String {
        self.message_in(error, &self.calls)
    }
}
