//! The Lambda every `rules/<control>` crate runs: decode the Config event, pick the account's
//! clients, run the core runner, log one JSON line per evaluation, and fail the invocation
//! (so Config retries) when something could not be evaluated or delivered.

use aws_config::retry::RetryConfig;
use ecs_harden_core::catalogue::{self, Control};
use ecs_harden_core::runner::io::Clock;
use ecs_harden_core::runner::{self, decode_event, RetryPolicy, RunError};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

use crate::accounts::Accounts;
use crate::clock::SystemClock;
use crate::errors::{explain, CallContext};
use crate::sdk;

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
        let base = sdk::load(RetryConfig::disabled()).await;
        let calls = CallContext::of(&base, None);
        let role_name = std::env::var(ecs_harden_core::contract::MEMBER_ROLE_NAME.name).ok();
        let accounts = Accounts::new(base, role_name);
        let clock = SystemClock::default();
        let (accounts, clock, calls) = (&accounts, &clock, &calls);
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
            handle(control, accounts, clock, calls, event).await
        }))
        .await
    })
}

async fn handle(
    control: &'static Control,
    accounts: &Accounts,
    clock: &SystemClock,
    calls: &CallContext,
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
            let hint = explain(&e, calls);
            tracing::error!(rule, control = control.id, error = %e, hint = %hint, "no credentials for the account");
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
        &RetryPolicy::with_deadline(deadline),
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
            let hint = error
                .api_error()
                .map(|e| explain(e, calls).to_string())
                .unwrap_or_default();
            if let RunError::Undelivered(undelivered) = &error {
                let resources = undelivered
                    .lost
                    .iter()
                    .map(|e| (&*e.resource_type, &*e.resource_id));
                let cause = undelivered.cause();
                log_resources(
                    "undelivered",
                    &rule,
                    control,
                    account,
                    resources,
                    &cause,
                    &hint,
                );
            }
            if !run.unreadable.is_empty() {
                let resources = run
                    .unreadable
                    .iter()
                    .map(|e| (&*e.resource_type, &*e.resource_id));
                let cause = "could not be read, so not evaluated";
                log_resources(
                    "unreadable",
                    &rule,
                    control,
                    account,
                    resources,
                    cause,
                    &hint,
                );
            }
            tracing::error!(
                rule,
                delivered = run.delivered.len(),
                put_calls = run.put_calls,
                retries = run.retries,
                error = %error,
                hint,
                "invocation failed"
            );
            Err(error.to_string().into())
        }
    }
}

/// One JSON line naming every resource an invocation did not finish (`undelivered`: evaluated
/// but not delivered; `unreadable`: not evaluated), so that an operator or a re-run knows
/// exactly what to resume; `hint` says what to do when an AWS error is the cause. The
/// invocation's error names only the first few.
fn log_resources<'a>(
    message: &str,
    rule: &str,
    control: &Control,
    account: Option<&str>,
    resources: impl Iterator<Item = (&'a str, &'a str)>,
    cause: &str,
    hint: &str,
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
        "hint": hint,
    });
    // Straight to stdout (CloudWatch): the list must stay a JSON array, which a tracing field
    // would turn into a string.
    println!("{line}");
}
