//! The Lambda every `rules/<control>` crate runs: decode the Config event, pick the account's
//! clients, run the core runner, log one JSON line per evaluation, and fail the invocation
//! (so Config retries) when something could not be evaluated or delivered.

use aws_config::retry::RetryConfig;
use ecs_harden_core::catalogue::{self, Control};
use ecs_harden_core::contract;
use ecs_harden_core::exceptions::accepted_in_annotation;
use ecs_harden_core::gate::GateConfig;
use ecs_harden_core::parameter_map::ParameterMap;
use ecs_harden_core::params::Params;
use ecs_harden_core::runner::io::Clock;
use ecs_harden_core::runner::{self, decode_event, Apis, RetryPolicy, RunError};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

use crate::accounts::Accounts;
use crate::clients::SdkInventory;
use crate::clock::SystemClock;
use crate::errors::{explain, CallContext};
use crate::register::Exceptions;
use crate::sdk;

/// Logs through lambda_runtime's tracing subscriber: JSON objects on stdout when the function's
/// log format is JSON (`AWS_LAMBDA_LOG_FORMAT`, which the deployment sets), levels from
/// `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`.
pub fn init_logging() {
    lambda_runtime::tracing::init_default_subscriber();
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
        let role_name = std::env::var(contract::MEMBER_ROLE_NAME.name).ok();
        // IAM roles and policies are read through the organization's aggregator when the
        // deployment names one.
        let aggregator = std::env::var(contract::AGGREGATOR.name)
            .ok()
            .filter(|name| !name.trim().is_empty())
            .map(|value| aggregator_client(&base, &value));
        let gated = gated(control)?;
        let exceptions = Exceptions::from_environment(&base);
        let accounts = Accounts::new(base, role_name);
        let clock = SystemClock::default();
        let lambda = Lambda {
            control,
            accounts: &accounts,
            aggregator: aggregator.as_ref(),
            gated: &gated,
            exceptions: &exceptions,
            clock: &clock,
            calls: &calls,
        };
        let lambda = &lambda;
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
            handle(lambda, event).await
        }))
        .await
    })
}

/// A Config client for the aggregator `<region>/<name>` (or `<name>` in the Lambda's Region).
fn aggregator_client(
    base: &aws_config::SdkConfig,
    value: &str,
) -> (aws_sdk_config::Client, String) {
    match value.trim().split_once('/') {
        Some((region, name)) => {
            let config = aws_sdk_config::config::Builder::from(base)
                .region(aws_config::Region::new(region.to_string()))
                .build();
            (aws_sdk_config::Client::from_conf(config), name.to_string())
        }
        None => (aws_sdk_config::Client::new(base), value.trim().to_string()),
    }
}

/// The gate's controls with the organization's parameters, for a control that judges a
/// service by the revision it runs: the same environment variables the gate reads.
fn gated(control: &Control) -> Result<Vec<(&'static Control, Params)>, Error> {
    if !control.evaluator.reads_related() {
        return Ok(Vec::new());
    }
    let parameters = ParameterMap::from_environment(
        std::env::var(contract::PARAMETERS.name).ok().as_deref(),
        contract::PARAMETERS.name,
    )
    .map_err(|e| Error::from(e.to_string()))?;
    let gate = GateConfig::new(
        None,
        std::env::var(contract::GATE_CONTROLS.name).ok().as_deref(),
        &parameters,
    )
    .map_err(Error::from)?;
    Ok(gate.controls)
}

/// What every invocation of a rule Lambda shares.
struct Lambda<'a> {
    control: &'static Control,
    accounts: &'a Accounts,
    aggregator: Option<&'a (aws_sdk_config::Client, String)>,
    gated: &'a [(&'static Control, Params)],
    exceptions: &'a Exceptions,
    clock: &'a SystemClock,
    calls: &'a CallContext,
}

async fn handle(lambda: &Lambda<'_>, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let Lambda {
        control,
        accounts,
        aggregator,
        gated,
        exceptions,
        clock,
        calls,
    } = *lambda;
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
    let inventory = match aggregator {
        Some((client, name)) => SdkInventory::Aggregator {
            client: client.clone(),
            name: name.clone(),
        },
        None => SdkInventory::Account(config.clone()),
    };
    let register = exceptions.current(clock.now_millis(), calls).await;
    let run = runner::run_with_register(
        control,
        &decoded,
        Apis {
            config: &config,
            ecs: &ecs,
            inventory: &inventory,
        },
        gated,
        register.as_deref(),
        clock,
        &RetryPolicy::with_deadline(deadline),
    )
    .await;
    let account = decoded.account_id.as_deref().unwrap_or_default();
    for evaluation in &run.delivered {
        let annotation = evaluation.annotation.as_deref().unwrap_or_default();
        // An accepted NON_COMPLIANT result names the register entry that accepts it.
        let exception = accepted_in_annotation(annotation).map(|(id, _)| id);
        tracing::info!(
            rule,
            control = control.id,
            account,
            resource_type = evaluation.resource_type,
            resource_id = evaluation.resource_id,
            verdict = evaluation.verdict.as_str(),
            exception = exception.as_deref().unwrap_or_default(),
            annotation,
            "evaluation"
        );
    }
    for warning in &run.warnings {
        tracing::warn!(
            rule,
            control = control.id,
            account,
            register = exceptions.location(),
            warning = warning.as_str(),
            "exception reference"
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
