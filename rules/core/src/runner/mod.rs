//! The AWS Config side of a control: decoding the rule's Lambda event, turning configuration
//! items into evaluations, and splitting them into `PutEvaluations` batches. Everything here is
//! pure; the Lambda crates supply the AWS calls (GetResourceConfigHistory for oversized items,
//! the ECS API for periodic runs, PutEvaluations).

pub mod caller;
pub mod inventory;
pub mod io;
mod run;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalogue::Control;
use crate::error::ParseError;
use crate::params::{ParamError, Params};
use crate::parse::parse_config_item;
use crate::verdict::{Outcome, Verdict};

/// Most evaluations one `PutEvaluations` call takes.
pub const MAX_EVALUATIONS_PER_CALL: usize = 100;
/// Longest resource id `PutEvaluations` takes.
pub const MAX_RESOURCE_ID_CHARS: usize = 768;

/// What the Lambda was asked to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    /// `ConfigurationItemChangeNotification`: the item is in the event.
    Change {
        item: Value,
        notification_time: Option<String>,
    },
    /// `OversizedConfigurationItemChangeNotification`: fetch the item with
    /// GetResourceConfigHistory (limit 1, laterTime = `capture_time`).
    Oversized {
        resource_type: String,
        resource_id: String,
        capture_time: String,
        /// Status from the summary: deleted resources need no fetch.
        item_status: Option<String>,
        notification_time: Option<String>,
    },
    /// `ScheduledNotification`: list the account's resources and evaluate each.
    Scheduled { notification_time: String },
}

/// A Config rule invocation, decoded once into types.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleEvent {
    pub trigger: Trigger,
    /// Rule parameters as Config passes them (strings).
    pub rule_parameters: BTreeMap<String, String>,
    pub result_token: String,
    pub event_left_scope: bool,
    pub execution_role_arn: Option<String>,
    pub config_rule_name: Option<String>,
    /// The account the event is about (organization rules: a member account).
    pub account_id: Option<String>,
}

/// The event could not be understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid Config rule event at {path}: {message}")]
pub struct EventError {
    pub path: String,
    pub message: String,
}

fn event_error(path: &str, message: impl Into<String>) -> EventError {
    EventError {
        path: path.to_string(),
        message: message.into(),
    }
}

fn field<'a>(object: &'a Value, key: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn text(object: &Value, key: &str) -> Option<String> {
    field(object, key)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Decodes a Config rule Lambda event (`invokingEvent` and `ruleParameters` are JSON strings).
pub fn decode_event(event: &Value) -> Result<RuleEvent, EventError> {
    if !event.is_object() {
        return Err(event_error("$", "the event is not a JSON object"));
    }
    let invoking_text =
        field(event, "invokingEvent").ok_or_else(|| event_error("$.invokingEvent", "missing"))?;
    let invoking: Value = match invoking_text {
        Value::String(s) => serde_json::from_str(s)
            .map_err(|e| event_error("$.invokingEvent", format!("not JSON: {e}")))?,
        other => other.clone(),
    };
    let rule_parameters = match field(event, "ruleParameters") {
        None => BTreeMap::new(),
        Some(value) => {
            let decoded: Value = match value {
                Value::String(s) if s.trim().is_empty() => Value::Object(Default::default()),
                Value::String(s) => serde_json::from_str(s)
                    .map_err(|e| event_error("$.ruleParameters", format!("not JSON: {e}")))?,
                other => other.clone(),
            };
            let object = decoded
                .as_object()
                .ok_or_else(|| event_error("$.ruleParameters", "not a JSON object"))?;
            object
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect()
        }
    };
    let message_type = text(&invoking, "messageType")
        .ok_or_else(|| event_error("$.invokingEvent.messageType", "missing"))?;
    let notification_time = text(&invoking, "notificationCreationTime");
    let trigger = match message_type.as_str() {
        "ConfigurationItemChangeNotification" => Trigger::Change {
            item: field(&invoking, "configurationItem")
                .cloned()
                .ok_or_else(|| event_error("$.invokingEvent.configurationItem", "missing"))?,
            notification_time,
        },
        "OversizedConfigurationItemChangeNotification" => {
            let summary = field(&invoking, "configurationItemSummary").ok_or_else(|| {
                event_error("$.invokingEvent.configurationItemSummary", "missing")
            })?;
            let required = |key: &str| {
                text(summary, key).ok_or_else(|| {
                    event_error(
                        &format!("$.invokingEvent.configurationItemSummary.{key}"),
                        "missing",
                    )
                })
            };
            Trigger::Oversized {
                resource_type: required("resourceType")?,
                resource_id: required("resourceId")?,
                capture_time: required("configurationItemCaptureTime")?,
                item_status: text(summary, "configurationItemStatus"),
                notification_time,
            }
        }
        "ScheduledNotification" => Trigger::Scheduled {
            notification_time: notification_time.ok_or_else(|| {
                event_error("$.invokingEvent.notificationCreationTime", "missing")
            })?,
        },
        other => {
            return Err(event_error(
                "$.invokingEvent.messageType",
                format!("unsupported message type {other:?}"),
            ))
        }
    };
    Ok(RuleEvent {
        trigger,
        rule_parameters,
        result_token: text(event, "resultToken")
            .ok_or_else(|| event_error("$.resultToken", "missing"))?,
        event_left_scope: field(event, "eventLeftScope")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        execution_role_arn: text(event, "executionRoleArn"),
        config_rule_name: text(event, "configRuleName"),
        account_id: text(event, "accountId"),
    })
}

impl RuleEvent {
    /// The rule's parameters over the control's defaults; unknown keys and bad values are errors.
    pub fn params(&self, control: &Control) -> Result<Params, ParamError> {
        control.params_from_strings(&self.rule_parameters)
    }
}

/// One entry of a `PutEvaluations` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub resource_type: String,
    pub resource_id: String,
    pub verdict: Verdict,
    /// 1–256 characters, or none (never empty).
    pub annotation: Option<String>,
    /// ISO 8601: the item's capture time, or the notification time.
    pub ordering_timestamp: String,
}

impl Evaluation {
    pub(crate) fn new(
        resource_type: &str,
        resource_id: &str,
        outcome: Outcome,
        ordering_timestamp: &str,
    ) -> Evaluation {
        Evaluation {
            resource_type: resource_type.to_string(),
            resource_id: resource_id.chars().take(MAX_RESOURCE_ID_CHARS).collect(),
            verdict: outcome.verdict,
            annotation: outcome.annotation.filter(|a| !a.is_empty()),
            ordering_timestamp: ordering_timestamp.to_string(),
        }
    }
}

/// A configuration item that could not be evaluated; nothing is reported for it and the
/// invocation says so.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{resource_type} {resource_id}: {error}")]
pub struct ItemError {
    pub resource_type: String,
    pub resource_id: String,
    pub error: ParseError,
}

/// Evaluates one configuration item (from a change notification, a GetResourceConfigHistory
/// response or a select-resource-config row). An item that left the rule's scope, was deleted
/// or is not recorded is NOT_APPLICABLE without reading its configuration.
pub fn evaluate_item(
    control: &Control,
    params: &Params,
    item: &Value,
    event_left_scope: bool,
    fallback_timestamp: Option<&str>,
) -> Result<Evaluation, ItemError> {
    let resource_type = text(item, "resourceType").unwrap_or_default();
    let resource_id = text(item, "resourceId")
        .or_else(|| text(item, "ARN"))
        .unwrap_or_default();
    let timestamp = text(item, "configurationItemCaptureTime")
        .or_else(|| fallback_timestamp.map(str::to_string))
        .unwrap_or_default();
    if event_left_scope {
        return Ok(Evaluation::new(
            &resource_type,
            &resource_id,
            Outcome::not_applicable("The resource left the rule's scope."),
            &timestamp,
        ));
    }
    let fail = |error: ParseError| ItemError {
        resource_type: resource_type.clone(),
        resource_id: resource_id.clone(),
        error,
    };
    let resource = parse_config_item(item, "$.configurationItem").map_err(fail)?;
    let outcome = control.evaluate(&resource, params).unwrap_or_else(|| {
        Outcome::not_applicable(format!(
            "{} is not a {} control's resource type.",
            resource.meta.resource_type, control.id
        ))
    });
    Ok(Evaluation::new(
        resource.meta.resource_type.aws_name(),
        &resource.meta.resource_id,
        outcome,
        &timestamp,
    ))
}

/// Splits evaluations into `PutEvaluations` calls of at most 100.
pub fn batches(evaluations: &[Evaluation]) -> std::slice::Chunks<'_, Evaluation> {
    evaluations.chunks(MAX_EVALUATIONS_PER_CALL)
}

/// Exponential backoff with full jitter for throttling and 5xx answers: attempt `n` (0-based)
/// waits a uniformly drawn time in `[0, min(cap, base·2ⁿ)]`. `random` is any u64 (the caller
/// owns the randomness so this stays pure and testable).
pub fn backoff_millis(attempt: u32, base_millis: u64, cap_millis: u64, random: u64) -> u64 {
    let ceiling = base_millis
        .saturating_mul(1u64.checked_shl(attempt.min(32)).unwrap_or(u64::MAX))
        .min(cap_millis);
    if ceiling == 0 {
        0
    } else {
        random % (ceiling + 1)
    }
}

pub use run::{family_and_revision, run, Run, RunError, RunOptions};

#[cfg(test)]
mod run_tests;
#[cfg(test)]
mod tests;
