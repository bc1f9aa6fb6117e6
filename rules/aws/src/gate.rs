//! The gate Lambda: answers CloudFormation Lambda Hook requests for task definitions, and
//! responds to EventBridge RegisterTaskDefinition events (direct API, CLI or console
//! registrations no hook sees) by describing the new revision, evaluating it and, in `enforce`
//! mode, deregistering and tagging it. What the exception register accepts passes both ways, in
//! enforce mode too. Every decision is one JSON log line, naming the register entries it relied on.

use aws_config::retry::RetryConfig;
use aws_sdk_ecs::types::Tag;
use ecs_harden_core::contract;
use ecs_harden_core::exceptions::{Date, InForce};
use ecs_harden_core::gate::{self, GateConfig, GateMode};
use ecs_harden_core::parameter_map::ParameterMap;
use ecs_harden_core::parse::parse_value;
use ecs_harden_core::runner::io::{ApiError, Clock, EcsApi};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

use crate::accounts::Accounts;
use crate::clock::SystemClock;
use crate::errors::{api_error, explain, CallContext};
use crate::lambda::init_logging;
use crate::register::Exceptions;
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
        let exceptions = Exceptions::from_environment(&base);
        let accounts = Accounts::new(base, std::env::var(contract::MEMBER_ROLE_NAME.name).ok());
        let gate = Gate {
            config: &config,
            accounts: &accounts,
            exceptions: &exceptions,
            calls: &calls,
        };
        let gate = &gate;
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
            handle(gate, event).await
        }))
        .await
    })
}

/// What every invocation of the gate shares.
struct Gate<'a> {
    config: &'a GateConfig,
    accounts: &'a Accounts,
    exceptions: &'a Exceptions,
    calls: &'a CallContext,
}

async fn handle(gate: &Gate<'_>, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let Gate {
        config,
        accounts,
        exceptions,
        calls,
    } = *gate;
    // The register in force, judged on today's date (UTC): an entry stops counting the day
    // after it expires, cached register or not.
    let now = SystemClock::default().now_millis();
    let register = exceptions.current(now, calls).await;
    let in_force = register.as_deref().map(|register| InForce {
        register,
        today: Date::from_unix_millis(now),
    });
    // A failed AWS call fails the invocation with the raw error, logged with what to do.
    let fail = |arn: &str, error: ApiError| {
        let hint = explain(&error, calls);
        tracing::error!(source = "eventbridge", task_definition = arn, error = %error, hint = %hint, "gate failed");
        Error::from(error.to_string())
    };
    let (payload, context) = event.into_parts();
    if !gate::is_eventbridge_event(&payload) {
        let response = gate::handle_hook(&payload, config, in_force.as_ref());
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
            reason = response["message"].as_str().unwrap_or_default(),
            register = exceptions.location(),
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
    let judgement = config.judge(&resource, in_force.as_ref());
    let failures = &judgement.failures;
    let failed: Vec<&str> = failures.iter().map(|(c, _)| c.id).collect();
    let accepted: Vec<Value> = judgement
        .accepted
        .iter()
        .map(|(control, a)| {
            json!({"control": control.id, "id": a.id, "owner": a.owner, "expires": a.expires.to_string()})
        })
        .collect();
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
    let message = gate::failure_message(failures, 1024);
    tracing::info!(
        source = "eventbridge",
        decision,
        mode = config.mode.as_str(),
        task_definition = arn.as_str(),
        account = registration.account.as_deref().unwrap_or_default(),
        principal = registration.principal.as_deref().unwrap_or_default(),
        failed_controls = failed.join(","),
        accepted_risk = judgement.accepted_text().join("; "),
        register = exceptions.location(),
        reason = if failures.is_empty() {
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
        "acceptedRisk": accepted,
    }))
}
