//! The gate Lambda: answers CloudFormation Lambda Hook requests for task definitions, and
//! responds to EventBridge RegisterTaskDefinition events (direct API, CLI or console
//! registrations no hook sees) by describing the new revision, evaluating it and, in `enforce`
//! mode, deregistering and tagging it. Every decision is one JSON log line.

use aws_config::retry::RetryConfig;
use aws_sdk_ecs::types::Tag;
use ecs_harden_core::contract;
use ecs_harden_core::gate::{self, GateConfig, GateMode};
use ecs_harden_core::parameter_map::ParameterMap;
use ecs_harden_core::parse::parse_value;
use ecs_harden_core::runner::io::{ApiError, EcsApi};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

use crate::accounts::Accounts;
use crate::errors::{api_error, explain, CallContext};
use crate::lambda::init_logging;
use crate::sdk;

pub fn serve() -> Result<(), Error> {
    init_logging();
    let parameters = ParameterMap::from_environment(
        std::env::var(contract::PARAMETERS.name).ok().as_deref(),
        contract::PARAMETERS.name,
    )
    .map_err(|e| Error::from(e.to_string()))?;
    let config = GateConfig::new(
        std::env::var(contract::GATE_MODE.name).ok().as_deref(),
        std::env::var(contract::GATE_CONTROLS.name).ok().as_deref(),
        &parameters,
    )
    .map_err(Error::from)?;
    tracing::info!(
        mode = config.mode.as_str(),
        controls = config.control_ids().join(","),
        "gate ready"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let base = sdk::load(RetryConfig::standard().with_max_attempts(3)).await;
        let calls = CallContext::of(&base, None);
        let accounts = Accounts::new(base, std::env::var(contract::MEMBER_ROLE_NAME.name).ok());
        let (config, accounts, calls) = (&config, &accounts, &calls);
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
            handle(config, accounts, calls, event).await
        }))
        .await
    })
}

async fn handle(
    config: &GateConfig,
    accounts: &Accounts,
    calls: &CallContext,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    // A failed AWS call fails the invocation with the raw error, logged with what to do.
    let fail = |arn: &str, error: ApiError| {
        let hint = explain(&error, calls);
        tracing::error!(source = "eventbridge", task_definition = arn, error = %error, hint = %hint, "gate failed");
        Error::from(error.to_string())
    };
    let (payload, context) = event.into_parts();
    if !gate::is_eventbridge_event(&payload) {
        let response = gate::handle_hook(&payload, config);
        tracing::info!(
            source = "cloudformation-hook",
            decision = response["hookStatus"].as_str().unwrap_or_default(),
            error_code = response["errorCode"].as_str().unwrap_or_default(),
            target = payload
                .pointer("/requestData/targetLogicalId")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default(),
            stack = payload
                .get("stackId")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default(),
            message = response["message"].as_str().unwrap_or_default(),
            "gate decision"
        );
        return Ok(response);
    }
    let registration = gate::registration(&payload).map_err(|e| {
        tracing::error!(source = "eventbridge", error = %e, "event rejected");
        Error::from(e)
    })?;
    let arn = &registration.task_definition_arn;
    let (_, ecs) = accounts
        .clients_for(
            registration.account.as_deref(),
            &context.invoked_function_arn,
            None,
        )
        .await
        .map_err(|e| fail(arn, e))?;
    let described = ecs
        .describe_task_definition(arn)
        .await
        .map_err(|e| fail(arn, e))?;
    let resource = parse_value(&described)
        .into_iter()
        .next()
        .ok_or("DescribeTaskDefinition returned nothing")?
        .map_err(|e| Error::from(format!("{arn} cannot be read: {e}")))?;
    let failures = config.failures(&resource);
    let failed: Vec<&str> = failures.iter().map(|(c, _)| c.id).collect();
    let decision = match (failures.is_empty(), config.mode) {
        (true, _) => "allowed",
        (false, GateMode::Audit) => "would-deregister (audit mode)",
        (false, GateMode::Enforce) => {
            ecs.client
                .deregister_task_definition()
                .task_definition(arn)
                .send()
                .await
                .map_err(|e| fail(arn, api_error("ecs:DeregisterTaskDefinition", e)))?;
            let tagged = ecs
                .client
                .tag_resource()
                .resource_arn(arn)
                .tags(
                    Tag::builder()
                        .key("ecs-harden:gate")
                        .value("deregistered")
                        .build(),
                )
                .tags(
                    Tag::builder()
                        .key("ecs-harden:failed-controls")
                        .value(failed.join(" "))
                        .build(),
                )
                .send()
                .await;
            if let Err(e) = tagged {
                let error = api_error("ecs:TagResource", e);
                let hint = explain(&error, calls);
                tracing::warn!(arn, error = %error, hint = %hint, "deregistered but not tagged");
            }
            "deregistered"
        }
    };
    let message = gate::failure_message(&failures, 1024);
    tracing::info!(
        source = "eventbridge",
        decision,
        mode = config.mode.as_str(),
        task_definition = arn.as_str(),
        account = registration.account.as_deref().unwrap_or_default(),
        principal = registration.principal.as_deref().unwrap_or_default(),
        failed_controls = failed.join(","),
        message = if failures.is_empty() {
            ""
        } else {
            message.as_str()
        },
        "gate decision"
    );
    Ok(json!({
        "taskDefinitionArn": arn,
        "decision": decision,
        "failedControls": failed,
    }))
}
