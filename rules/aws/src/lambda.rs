//! The Lambda every `rules/<control>` crate runs: decode the Config event, pick the account's
//! clients, run the core runner, log one JSON line per evaluation, and fail the invocation
//! (so Config retries) when something could not be evaluated or delivered.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use ecs_harden_core::catalogue::{self, Control};
use ecs_harden_core::runner::io::Clock;
use ecs_harden_core::runner::{self, decode_event, RunError, RunOptions};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

use crate::accounts::Accounts;

/// Environment variable naming the role to assume in member accounts.
pub const MEMBER_ROLE_ENV: &str = "ECS_HARDEN_MEMBER_ROLE_NAME";

/// Real time for the runner.
pub struct SystemClock {
    counter: AtomicU64,
    hasher: RandomState,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            counter: AtomicU64::new(0),
            hasher: RandomState::new(),
        }
    }
}

impl Clock for SystemClock {
    fn now_millis(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    fn sleep(&self, millis: u64) -> impl std::future::Future<Output = ()> + Send {
        tokio::time::sleep(Duration::from_millis(millis))
    }

    fn random(&self) -> u64 {
        self.hasher
            .hash_one(self.counter.fetch_add(1, Ordering::Relaxed))
    }
}

/// Structured JSON logs on stdout (CloudWatch), one object per line; `RUST_LOG` filters.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .try_init();
}

/// The AWS configuration loader every binary of the project starts from: the usual
/// credential and Region chain (environment, profiles, `AWS_ENDPOINT_URL`), rustls on ring for
/// TLS, the given retries, and timeouts so that a connection that hangs is cut off and retried
/// instead of eating a deadline.
pub fn config_loader(retry: RetryConfig) -> aws_config::ConfigLoader {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(15))
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(retry)
        .timeout_config(timeouts)
}

/// AWS configuration from the Lambda environment.
pub async fn load_aws_config(retry: RetryConfig) -> aws_config::SdkConfig {
    config_loader(retry).load().await
}

/// Runs the Lambda for one control until the runtime stops it.
pub fn serve(control_id: &str) -> Result<(), Error> {
    init_logging();
    let control = catalogue::find(control_id)
        .ok_or_else(|| Error::from(format!("no control {control_id} in the catalogue")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        // The runner retries with the deadline in view; the SDK's own retries are off.
        let base = load_aws_config(RetryConfig::disabled()).await;
        let role_name = std::env::var(MEMBER_ROLE_ENV).ok();
        let accounts = Accounts::new(base, role_name);
        let clock = SystemClock::default();
        let accounts = &accounts;
        let clock = &clock;
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
            handle(control, accounts, clock, event).await
        }))
        .await
    })
}

async fn handle(
    control: &'static Control,
    accounts: &Accounts,
    clock: &SystemClock,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    let rule = control.rule_name();
    let decoded = match decode_event(&payload) {
        Ok(decoded) => decoded,
        Err(e) => {
            tracing::error!(rule, control = control.id, error = %e, "event rejected");
            return Err(e.into());
        }
    };
    let (config, ecs) = accounts
        .clients_for(
            decoded.account_id.as_deref(),
            &context.invoked_function_arn,
            decoded.execution_role_arn.as_deref(),
        )
        .await
        .map_err(|e| {
            tracing::error!(rule, control = control.id, error = %e, "no credentials for the account");
            Error::from(e.to_string())
        })?;
    let deadline = if context.deadline > 0 {
        context.deadline
    } else {
        clock.now_millis() + 60_000
    };
    let run = runner::run(
        control,
        &decoded,
        &config,
        &ecs,
        clock,
        &RunOptions::with_deadline(deadline),
    )
    .await;
    for evaluation in &run.delivered {
        tracing::info!(
            rule,
            control = control.id,
            account = decoded.account_id.as_deref().unwrap_or_default(),
            resource_type = evaluation.resource_type,
            resource_id = evaluation.resource_id,
            verdict = evaluation.verdict.as_str(),
            annotation = evaluation.annotation.as_deref().unwrap_or_default(),
            "evaluation"
        );
    }
    let summary = json!({
        "rule": rule,
        "delivered": run.delivered.len(),
        "putEvaluationsCalls": run.put_calls,
        "retries": run.retries,
    });
    match run.error {
        None => {
            tracing::info!(
                rule,
                delivered = run.delivered.len(),
                put_calls = run.put_calls,
                retries = run.retries,
                "invocation complete"
            );
            Ok(summary)
        }
        Some(error) => {
            let account = decoded.account_id.as_deref();
            if let RunError::Undelivered { lost, cause } = &error {
                let resources = lost.iter().map(|e| (&*e.resource_type, &*e.resource_id));
                log_resources("undelivered", &rule, control, account, resources, cause);
            }
            if !run.unreadable.is_empty() {
                let resources = run
                    .unreadable
                    .iter()
                    .map(|e| (&*e.resource_type, &*e.resource_id));
                let cause = "could not be read, so not evaluated";
                log_resources("unreadable", &rule, control, account, resources, cause);
            }
            tracing::error!(
                rule,
                delivered = run.delivered.len(),
                put_calls = run.put_calls,
                retries = run.retries,
                error = %error,
                "invocation failed"
            );
            Err(error.to_string().into())
        }
    }
}

/// One JSON line naming every resource an invocation did not finish (`undelivered`: evaluated
/// but not delivered; `unreadable`: not evaluated), so that an operator or a re-run knows
/// exactly what to resume. The invocation's error names only the first few.
fn log_resources<'a>(
    message: &str,
    rule: &str,
    control: &Control,
    account: Option<&str>,
    resources: impl Iterator<Item = (&'a str, &'a str)>,
    cause: &str,
) {
    let (types, ids): (std::collections::BTreeSet<&str>, Vec<&str>) = resources.unzip();
    let line = json!({
        "level": "ERROR",
        "message": message,
        "rule": rule,
        "control": control.id,
        "account": account.unwrap_or_default(),
        "count": ids.len(),
        "resources": ids,
        "resourceTypes": types,
        "cause": cause,
    });
    // Straight to stdout (CloudWatch): the list must stay a JSON array, which a tracing field
    // would turn into a string.
    println!("{line}");
}
