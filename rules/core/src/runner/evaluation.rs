//! Turning a configuration item into an [`Evaluation`]. Pure: related resources come in the
//! [`Context`] the caller fills.

use serde_json::Value;

use super::event::text;
use crate::catalogue::Control;
use crate::error::ParseError;
use crate::model::Resource;
use crate::params::Params;
use crate::parse::parse_config_item;
use crate::related::{Context, Nothing};
use crate::verdict::{Outcome, Verdict};

/// Longest resource id `PutEvaluations` takes.
pub const MAX_RESOURCE_ID_CHARS: usize = 768;

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
    let context = Context {
        related: &Nothing,
        gated: &[],
    };
    match read_item(item, event_left_scope, fallback_timestamp)? {
        Item::LeftScope(evaluation) => Ok(evaluation),
        Item::Read(resource, timestamp) => Ok(evaluation_of(
            control, params, &resource, &timestamp, &context,
        )),
    }
}

/// A configuration item as the runner sees it before evaluating.
pub enum Item {
    /// The resource left the rule's scope: NOT_APPLICABLE, nothing to read.
    LeftScope(Evaluation),
    /// The resource and the timestamp its evaluation carries.
    Read(Box<Resource>, String),
}

/// Reads a configuration item (see [`evaluate_item`]).
pub fn read_item(
    item: &Value,
    event_left_scope: bool,
    fallback_timestamp: Option<&str>,
) -> Result<Item, ItemError> {
    let resource_type = text(item, "resourceType").unwrap_or_default();
    let resource_id = text(item, "resourceId")
        .or_else(|| text(item, "ARN"))
        .unwrap_or_default();
    let timestamp = text(item, "configurationItemCaptureTime")
        .or_else(|| fallback_timestamp.map(str::to_string))
        .unwrap_or_default();
    if event_left_scope {
        return Ok(Item::LeftScope(Evaluation::new(
            &resource_type,
            &resource_id,
            Outcome::not_applicable("The resource left the rule's scope."),
            &timestamp,
        )));
    }
    let resource = parse_config_item(item, "$.configurationItem").map_err(|error| ItemError {
        resource_type: resource_type.clone(),
        resource_id: resource_id.clone(),
        error,
    })?;
    Ok(Item::Read(Box::new(resource), timestamp))
}

/// The evaluation of a resource read, with what `context` knows of related resources.
pub fn evaluation_of(
    control: &Control,
    params: &Params,
    resource: &Resource,
    timestamp: &str,
    context: &Context<'_>,
) -> Evaluation {
    let outcome = control
        .evaluate_in(resource, params, context)
        .unwrap_or_else(|| {
            Outcome::not_applicable(format!(
                "{} is not a {} control's resource type.",
                resource.meta.resource_type, control.id
            ))
        });
    Evaluation::new(
        resource.meta.resource_type.aws_name(),
        &resource.meta.resource_id,
        outcome,
        timestamp,
    )
}
