//! The account-level gate for task definitions: which controls it enforces, its decision on a
//! task definition, and the CloudFormation Lambda Hook protocol. Pure: the `rules/gate` Lambda
//! does the AWS calls (describe, deregister, tag) for the EventBridge responder.

use serde_json::{json, Value};

use crate::catalogue::{Control, Severity, CATALOGUE};
use crate::exceptions::{Acceptance, InForce};
use crate::model::{Resource, ResourceType};
use crate::parameter_map::ParameterMap;
use crate::params::Params;
use crate::parse::{arn_part, parse_cloudformation_properties, Deployment};
use crate::verdict::Verdict;

/// Longest hook message CloudFormation shows.
pub const MAX_HOOK_MESSAGE: usize = 4096;

/// What the responder does with a non-compliant registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateMode {
    /// Report only.
    Audit,
    /// Deregister the revision (and tag it with the failed controls).
    Enforce,
}

impl GateMode {
    pub fn parse(text: &str) -> Result<GateMode, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "audit" => Ok(GateMode::Audit),
            "enforce" => Ok(GateMode::Enforce),
            other => Err(format!("gate mode {other:?}: expected audit or enforce")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GateMode::Audit => "audit",
            GateMode::Enforce => "enforce",
        }
    }
}

/// The gate's configuration: mode and enforced controls with their (default) parameters.
pub struct GateConfig {
    pub mode: GateMode,
    pub controls: Vec<(&'static Control, Params)>,
}

/// Whether the gate can judge a control: a task-definition control that judges the task
/// definition alone. A hook request and a registration event carry the task definition, not
/// its role, so HARDEN.15 would be unknown there and is left to its Config rule.
pub fn can_gate(control: &Control) -> bool {
    control.resource_type() == ResourceType::TaskDefinition && !control.evaluator.reads_related()
}

/// The controls gated by default: every High-severity control the gate can judge.
pub fn default_controls() -> Vec<&'static Control> {
    CATALOGUE
        .iter()
        .copied()
        .filter(|c| c.severity == Severity::High && can_gate(c))
        .collect()
}

impl GateConfig {
    /// From the Lambda's environment values: mode (`audit` default), a comma-separated list of
    /// control ids (empty: [`default_controls`]; only task-definition controls can gate) and
    /// the organization's parameter map, the same the conformance packs' `InputParameters`
    /// come from, so that the gate and the Config rules judge alike.
    pub fn new(
        mode: Option<&str>,
        controls: Option<&str>,
        parameters: &ParameterMap,
    ) -> Result<GateConfig, String> {
        let mode = GateMode::parse(mode.unwrap_or("audit"))?;
        let ids: Vec<&str> = controls
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let chosen = if ids.is_empty() {
            default_controls()
        } else {
            let mut chosen = Vec::new();
            for id in ids {
                let control = crate::catalogue::find(id)
                    .ok_or_else(|| format!("gate controls: no control {id:?}"))?;
                if control.resource_type() != ResourceType::TaskDefinition {
                    return Err(format!(
                        "gate controls: {id} checks {}, not task definitions",
                        control.resource_type()
                    ));
                }
                if control.evaluator.reads_related() {
                    return Err(format!(
                        "gate controls: {id} reads resources beside the task definition, which \
                         the gate does not see; its Config rule judges it"
                    ));
                }
                chosen.push(control);
            }
            chosen
        };
        let mut controls = Vec::with_capacity(chosen.len());
        for control in chosen {
            controls.push((
                control,
                parameters.params(control).map_err(|e| e.to_string())?,
            ));
        }
        Ok(GateConfig { mode, controls })
    }

    /// The enforced controls a task definition fails, with their annotations.
    pub fn failures(&self, resource: &Resource) -> Vec<(&'static Control, String)> {
        self.judge(resource, None).failures
    }

    /// The enforced controls a task definition fails, split by the exception register in
    /// force: what the register accepts lets the task definition through, in enforce mode too.
    pub fn judge(&self, resource: &Resource, exceptions: Option<&InForce<'_>>) -> Judgement {
        let mut judgement = Judgement::default();
        for (control, params) in &self.controls {
            let Some(outcome) = control.evaluate(resource, params) else {
                continue;
            };
            if outcome.verdict != Verdict::NonCompliant {
                continue;
            }
            let annotation = outcome.annotation.unwrap_or_default();
            let accepted =
                exceptions.and_then(|e| e.decide(outcome.verdict, control, resource).acceptance());
            match accepted {
                Some(acceptance) => judgement.accepted.push((control, acceptance)),
                None => judgement.failures.push((control, annotation)),
            }
        }
        judgement
    }

    pub fn control_ids(&self) -> Vec<&'static str> {
        self.controls.iter().map(|(c, _)| c.id).collect()
    }
}

/// What the gate finds on a task definition.
#[derive(Clone, Default)]
pub struct Judgement {
    /// Failed controls the register does not accept, with their annotations: these stop it.
    pub failures: Vec<(&'static Control, String)>,
    /// Failed controls the register accepts: accepted risk, let through.
    pub accepted: Vec<(&'static Control, Acceptance)>,
}

impl Judgement {
    /// `ECS.4 accepted risk EXC-12 until 2027-06-30 (platform-team)`, one per accepted control.
    pub fn accepted_text(&self) -> Vec<String> {
        self.accepted
            .iter()
            .map(|(control, a)| {
                format!(
                    "{} accepted risk {} until {} ({})",
                    control.id, a.id, a.expires, a.owner
                )
            })
            .collect()
    }
}

/// "ECS.5 (High): …; HARDEN.1 (High): …", essentials first, within `limit` characters.
pub fn failure_message(failures: &[(&'static Control, String)], limit: usize) -> String {
    let ids: Vec<&str> = failures.iter().map(|(c, _)| c.id).collect();
    let mut message = format!("ecs-harden gate: fails {}.", ids.join(", "));
    for (control, annotation) in failures {
        message.push_str(&format!(
            " {} ({}): {annotation}",
            control.id,
            control.severity.as_str()
        ));
    }
    within(message, limit)
}

/// The message cut to `limit` characters, ending in `…` when cut.
fn within(mut message: String, limit: usize) -> String {
    if message.chars().count() > limit {
        message = message.chars().take(limit.saturating_sub(1)).collect();
        message.push('…');
    }
    message
}

/// Case-insensitive lookup of `key` in a JSON object.
fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn hook_response(token: &Value, status: &str, error_code: Option<&str>, message: String) -> Value {
    let mut response = json!({
        "hookStatus": status,
        "message": message,
        "clientRequestToken": token,
    });
    if let Some(code) = error_code {
        response["errorCode"] = json!(code);
    }
    response
}

/// Answers a CloudFormation Lambda Hook request: SUCCESS (naming the accepted risk the
/// exception register lets through); FAILED with `NonCompliant` and a message listing each
/// failed control and container; or FAILED with `InternalFailure` for a malformed request.
pub fn handle_hook(
    request: &Value,
    config: &GateConfig,
    exceptions: Option<&InForce<'_>>,
) -> Value {
    let token = get(request, "clientRequestToken")
        .cloned()
        .unwrap_or(Value::Null);
    let internal =
        |message: String| hook_response(&token, "FAILED", Some("InternalFailure"), message);
    if token.is_null() {
        return internal("malformed hook request: clientRequestToken is missing".into());
    }
    let point = get(request, "actionInvocationPoint")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if point.eq_ignore_ascii_case("DELETE_PRE_PROVISION") {
        return hook_response(
            &token,
            "SUCCESS",
            None,
            "ecs-harden gate: deletions are not gated.".into(),
        );
    }
    let Some(data) = get(request, "requestData") else {
        return internal("malformed hook request: requestData is missing".into());
    };
    if get(data, "payload").is_some() && get(data, "targetModel").is_none() {
        return hook_response(
            &token,
            "SUCCESS",
            None,
            "ecs-harden gate: stack- and change-set-level requests are not gated; resources are."
                .into(),
        );
    }
    let target = get(data, "targetType")
        .or_else(|| get(data, "targetName"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !target.eq_ignore_ascii_case(ResourceType::TaskDefinition.aws_name()) {
        return hook_response(
            &token,
            "SUCCESS",
            None,
            format!("ecs-harden gate: {target} is not gated."),
        );
    }
    let Some(properties) = get(data, "targetModel").and_then(|m| get(m, "resourceProperties"))
    else {
        return internal(
            "malformed hook request: requestData.targetModel.resourceProperties is missing".into(),
        );
    };
    let account = get(request, "awsAccountId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let region = get(request, "stackId")
        .and_then(Value::as_str)
        .and_then(|arn| arn_part(arn, 3))
        .map(str::to_string);
    let logical_id = get(data, "targetLogicalId").and_then(Value::as_str);
    let resource = match parse_cloudformation_properties(
        properties,
        ResourceType::TaskDefinition,
        logical_id,
        &Deployment {
            account,
            region,
            ..Deployment::default()
        },
        "$.requestData.targetModel.resourceProperties",
    ) {
        Ok(resource) => resource,
        Err(e) => return internal(format!("the task definition cannot be read: {e}")),
    };
    let judgement = config.judge(&resource, exceptions);
    if judgement.failures.is_empty() {
        let mut message = format!(
            "ecs-harden gate: passes {}.",
            config.control_ids().join(", ")
        );
        let accepted = judgement.accepted_text();
        if !accepted.is_empty() {
            message = format!("ecs-harden gate: lets it through: {}.", accepted.join("; "));
        }
        hook_response(&token, "SUCCESS", None, within(message, MAX_HOOK_MESSAGE))
    } else {
        hook_response(
            &token,
            "FAILED",
            Some("NonCompliant"),
            failure_message(&judgement.failures, MAX_HOOK_MESSAGE),
        )
    }
}

/// What an EventBridge "AWS API Call via CloudTrail" RegisterTaskDefinition event names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub task_definition_arn: String,
    pub account: Option<String>,
    pub region: Option<String>,
    /// Who registered it (CloudTrail `userIdentity.arn`).
    pub principal: Option<String>,
}

/// Whether an event is an EventBridge event (rather than a hook request).
pub fn is_eventbridge_event(event: &Value) -> bool {
    get(event, "detail-type").is_some() && get(event, "detail").is_some()
}

pub fn registration(event: &Value) -> Result<Registration, String> {
    let detail = get(event, "detail").ok_or("the event has no detail")?;
    let name = get(detail, "eventName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name != "RegisterTaskDefinition" {
        return Err(format!("the event is {name:?}, not RegisterTaskDefinition"));
    }
    if get(detail, "errorCode").is_some() {
        return Err("the RegisterTaskDefinition call failed; nothing was registered".into());
    }
    let arn = get(detail, "responseElements")
        .and_then(|r| get(r, "taskDefinition"))
        .and_then(|t| get(t, "taskDefinitionArn"))
        .and_then(Value::as_str)
        .ok_or("detail.responseElements.taskDefinition.taskDefinitionArn is missing")?;
    Ok(Registration {
        task_definition_arn: arn.to_string(),
        account: get(detail, "recipientAccountId")
            .or_else(|| get(event, "account"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| arn_part(arn, 4).map(str::to_string)),
        region: get(event, "region")
            .and_then(Value::as_str)
            .map(str::to_string),
        principal: get(detail, "userIdentity")
            .and_then(|u| get(u, "arn"))
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn event(name: &str) -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/events")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_hook_fixture_fails_on_ecs_5_for_nginx_and_echoes_the_token() {
        let request = event("cfn-hook-request.json");
        let config = GateConfig::new(None, None, &ParameterMap::default()).unwrap();
        let response = handle_hook(&request, &config, None);
        assert_eq!(response["hookStatus"], "FAILED");
        assert_eq!(response["errorCode"], "NonCompliant");
        assert_eq!(
            response["clientRequestToken"],
            request["clientRequestToken"]
        );
        let message = response["message"].as_str().unwrap();
        assert!(
            message.contains("ECS.5") && message.contains("nginx"),
            "{message}"
        );
        assert!(
            !message.contains("ECS.4"),
            "Privileged \"false\" is not privileged: {message}"
        );
    }

    #[test]
    fn hook_requests_for_other_things_pass_and_malformed_ones_are_internal_failures() {
        let config =
            GateConfig::new(Some("enforce"), Some("ECS.4"), &ParameterMap::default()).unwrap();
        let mut request = event("cfn-hook-request.json");
        assert_eq!(
            handle_hook(&request, &config, None)["hookStatus"],
            "SUCCESS"
        );
        request["actionInvocationPoint"] = json!("DELETE_PRE_PROVISION");
        assert_eq!(
            handle_hook(&request, &config, None)["hookStatus"],
            "SUCCESS"
        );
        request["actionInvocationPoint"] = json!("CREATE_PRE_PROVISION");
        request["requestData"]["targetModel"] = json!({});
        let response = handle_hook(&request, &config, None);
        assert_eq!(response["errorCode"], "InternalFailure");
        assert!(response["message"]
            .as_str()
            .unwrap()
            .contains("resourceProperties"));
        request["requestData"]["targetModel"] = json!({"resourceProperties": {"ContainerDefinitions": [{"Name": "x", "Privileged": "maybe"}]}});
        let response = handle_hook(&request, &config, None);
        assert_eq!(response["errorCode"], "InternalFailure");
        assert!(
            response["message"].as_str().unwrap().contains("Privileged"),
            "{response}"
        );
        let response = handle_hook(&json!({"requestData": {}}), &config, None);
        assert_eq!(response["errorCode"], "InternalFailure");
    }

    #[test]
    fn accepted_risk_passes_the_hook_in_enforce_mode_and_the_rest_still_fails() {
        use crate::exceptions::{Date, Register};
        let today = Date::parse("2026-12-05").unwrap();
        let register = |controls: &str| {
            Register::from_text(
                &format!(
                    "exceptions:\n  - {{id: EXC-12, controls: [{controls}], resources: [Web, web], \
                     reason: r, owner: platform-team, approvedBy: security, expires: 2027-06-30}}\n"
                ),
                crate::parse::Syntax::Yaml,
                "register",
                today,
            )
            .unwrap()
        };
        let config = GateConfig::new(
            Some("enforce"),
            Some("ECS.4,ECS.5"),
            &ParameterMap::default(),
        )
        .unwrap();
        let mut request = event("cfn-hook-request.json");
        request["requestData"]["targetLogicalId"] = json!("Web");
        request["requestData"]["targetModel"]["resourceProperties"] = json!({
            "Family": "web",
            "ContainerDefinitions": [{"Name": "nginx", "Image": "nginx", "Privileged": true}],
        });
        let both = register("ECS.4, ECS.5");
        let in_force = InForce {
            register: &both,
            today,
        };
        let response = handle_hook(&request, &config, Some(&in_force));
        assert_eq!(response["hookStatus"], "SUCCESS", "{response}");
        assert_eq!(
            response["message"],
            "ecs-harden gate: lets it through: ECS.4 accepted risk EXC-12 until 2027-06-30 \
             (platform-team); ECS.5 accepted risk EXC-12 until 2027-06-30 (platform-team)."
        );
        let one = register("ECS.4");
        let in_force = InForce {
            register: &one,
            today,
        };
        let response = handle_hook(&request, &config, Some(&in_force));
        assert_eq!(response["hookStatus"], "FAILED");
        assert!(
            response["message"]
                .as_str()
                .unwrap()
                .starts_with("ecs-harden gate: fails ECS.5."),
            "{response}"
        );
        // Once the entry has expired, it lets nothing through.
        let expired = InForce {
            register: &both,
            today: Date::parse("2027-07-01").unwrap(),
        };
        assert_eq!(
            handle_hook(&request, &config, Some(&expired))["hookStatus"],
            "FAILED"
        );
    }

    #[test]
    fn messages_stay_within_the_limit_with_the_essentials_first() {
        let control = crate::catalogue::find("ECS.4").unwrap();
        let failures = vec![(control, "x".repeat(5000))];
        let message = failure_message(&failures, MAX_HOOK_MESSAGE);
        assert_eq!(message.chars().count(), MAX_HOOK_MESSAGE);
        assert!(message.starts_with("ecs-harden gate: fails ECS.4."));
    }

    #[test]
    fn configuration_is_validated() {
        assert!(GateConfig::new(Some("block"), None, &ParameterMap::default()).is_err());
        let err = GateConfig::new(None, Some("ECS.2"), &ParameterMap::default())
            .err()
            .unwrap();
        assert!(err.contains("not task definitions"), "{err}");
        assert!(GateConfig::new(None, Some("NOPE.1"), &ParameterMap::default()).is_err());
        let ids = GateConfig::new(None, None, &ParameterMap::default())
            .unwrap()
            .control_ids();
        assert!(ids.contains(&"ECS.5") && ids.contains(&"HARDEN.1") && !ids.contains(&"ECS.20"));
        // HARDEN.15 (High) judges the task role, which a hook request does not carry.
        assert!(!ids.contains(&"HARDEN.15"), "{ids:?}");
        let err = GateConfig::new(None, Some("HARDEN.15"), &ParameterMap::default())
            .err()
            .unwrap();
        assert!(err.contains("reads resources beside"), "{err}");
    }

    #[test]
    fn the_eventbridge_fixture_names_the_new_revision() {
        let e = event("eventbridge-register-task-definition.json");
        assert!(is_eventbridge_event(&e));
        let r = registration(&e).unwrap();
        assert_eq!(
            r.task_definition_arn,
            "arn:aws:ecs:us-east-1:111122223333:task-definition/debug-shell:3"
        );
        assert_eq!(r.account.as_deref(), Some("111122223333"));
        assert!(r.principal.unwrap().contains("jdoe"));
    }

    #[test]
    fn the_gate_takes_the_organizations_parameters() {
        // A shared-services registry the organization allows: the gate must agree with the
        // Config rule that gets the same map as InputParameters.
        let image = "222233334444.dkr.ecr.eu-west-1.amazonaws.com/base/nginx:1.27.3";
        let td = serde_json::json!({
            "taskDefinitionArn": "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3",
            "family": "web",
            "networkMode": "awsvpc",
            "containerDefinitions": [{"name": "web", "image": image}],
        });
        let resource = crate::parse::parse_value(&td).remove(0).unwrap();
        let defaults =
            GateConfig::new(Some("enforce"), Some("HARDEN.5"), &ParameterMap::default()).unwrap();
        assert_eq!(defaults.failures(&resource).len(), 1);
        let map = ParameterMap::from_environment(
            Some(r#"{"HARDEN.5": {"allowedRegistries": "222233334444.dkr.ecr.*.amazonaws.com"}}"#),
            "ECS_HARDEN_PARAMETERS",
        )
        .unwrap();
        let organization = GateConfig::new(Some("enforce"), Some("HARDEN.5"), &map).unwrap();
        assert!(organization.failures(&resource).is_empty());
    }
}
