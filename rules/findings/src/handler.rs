//! The findings Lambda: decode the compliance change, take credentials in the account that
//! owns the resource (Security Hub imports a default-product finding only from the account it
//! is about), carry out the core's plan there, and log one JSON line per finding. A failure
//! fails the invocation, so that EventBridge delivers the event again; a repeated event changes
//! nothing.

use aws_config::retry::RetryConfig;
use aws_config::Region;
use ecs_harden_aws::accounts::Accounts;
use ecs_harden_aws::clock::SystemClock;
use ecs_harden_aws::errors::{explain, CallContext};
use ecs_harden_aws::lambda::init_logging;
use ecs_harden_aws::sdk;
use ecs_harden_core::contract;
use ecs_harden_core::findings::{self, Decoded, DeliveryError};
use ecs_harden_core::runner::io::Clock;
use ecs_harden_core::runner::retry::Caller;
use ecs_harden_core::runner::RetryPolicy;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

use crate::securityhub::SdkSecurityHub;

/// The `FailedFindings` code of an import into an account and Region where Security Hub CSPM
/// is not enabled (the BatchImportFindings API reference).
const HUB_NOT_ENABLED: &str = "InvalidAccess";

pub fn serve() -> Result<(), Error> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        // The core's Caller retries with the deadline in view; the SDK's own retries are off.
        let base = sdk::load(RetryConfig::disabled()).await;
        let calls = CallContext::of(&base, None);
        let accounts = Accounts::new(base, std::env::var(contract::MEMBER_ROLE_NAME.name).ok());
        let clock = SystemClock::default();
        let (accounts, calls, clock) = (&accounts, &calls, &clock);
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
            handle(accounts, calls, clock, event).await
        }))
        .await
    })
}

async fn handle(
    accounts: &Accounts,
    calls: &CallContext,
    clock: &SystemClock,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    let change = match findings::decode(&payload) {
        Ok(Decoded::Change(change)) => change,
        Ok(Decoded::Ignored(reason)) => {
            tracing::info!(reason, "event ignored");
            return Ok(json!({"ignored": reason}));
        }
        Err(e) => {
            tracing::error!(error = %e, "event rejected");
            return Err(e.into());
        }
    };
    let control = change.control.id;
    let resource = change.resource_id.as_str();
    let account = change.account.as_str();
    let fail = |error: &str, hint: &str| {
        tracing::error!(
            control,
            account,
            resource,
            error,
            hint,
            "finding not delivered"
        );
        Error::from(error.to_string())
    };
    let config = accounts
        .config_for(Some(account), &context.invoked_function_arn, None)
        .await
        .map_err(|e| fail(&e.to_string(), &explain(&e, calls).to_string()))?;
    let region = Region::new(change.region.clone());
    let hub = SdkSecurityHub {
        client: aws_sdk_securityhub::Client::from_conf(
            aws_sdk_securityhub::config::Builder::from(&config)
                .region(region)
                .build(),
        ),
    };
    let deadline = if context.deadline > 0 {
        context.deadline
    } else {
        clock.now_millis() + 60_000
    };
    let policy = RetryPolicy::with_deadline(deadline);
    let caller = Caller::new(clock, &policy);
    let planned = findings::plan(&change);
    let finding_id = planned
        .finding
        .as_ref()
        .and_then(|f| f["Id"].as_str())
        .unwrap_or_default()
        .to_string();
    let status = planned
        .finding
        .as_ref()
        .and_then(|f| f.pointer("/Compliance/Status"))
        .and_then(Value::as_str)
        .unwrap_or("none")
        .to_string();
    let delivered = match findings::deliver(&hub, &caller, planned).await {
        Ok(delivered) => delivered,
        // Security Hub CSPM is off in this account and Region: nothing to deliver to, and
        // EventBridge's retries would not change that.
        Err(DeliveryError::Refused { code, message, .. }) if code == HUB_NOT_ENABLED => {
            tracing::warn!(
                control,
                account,
                region = change.region,
                resource,
                error = message,
                "Security Hub CSPM is not enabled in the account and Region: no finding"
            );
            return Ok(json!({"skipped": format!(
                "Security Hub CSPM is not enabled in {account} {}", change.region
            )}));
        }
        Err(e) => {
            let hint = match e.api_error() {
                Some(api) => explain(api, &calls.in_region(&change.region)).to_string(),
                None => "the finding breaks the AWS Security Finding Format; report it with this log line"
                    .to_string(),
            };
            return Err(fail(&e.to_string(), &hint));
        }
    };
    let superseded: Vec<&str> = delivered.superseded.iter().map(|f| f.id.as_str()).collect();
    tracing::info!(
        control,
        account,
        region = change.region,
        resource,
        finding = finding_id,
        compliance = status,
        workflow = delivered.workflow.as_deref().unwrap_or("unchanged"),
        resolved_older_revisions = superseded.len(),
        calls = delivered.calls,
        retries = caller.retries(),
        "finding"
    );
    Ok(json!({
        "finding": finding_id,
        "compliance": status,
        "imported": delivered.imported,
        "workflow": delivered.workflow,
        "resolvedOlderRevisions": superseded,
        "calls": delivered.calls,
        "retries": caller.retries(),
    }))
}
