//! Decoding a Config rule's Lambda event, once, into types. Pure.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalogue::Control;
use crate::params::{ParamError, Params};

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

/// `key` of a JSON object, matched case-insensitively (Config spells some keys both ways);
/// null counts as absent.
fn field<'a>(object: &'a Value, key: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// [`field`] as a string.
pub(super) fn text(object: &Value, key: &str) -> Option<String> {
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
