//! Decoding AWS Config's "Config Rules Compliance Change" event (EventBridge, source
//! `aws.config`) into a [`ComplianceChange`]. Pure.
//!
//! The event's `detail` carries what Config's compliance change notification carries:
//! `awsAccountId`, `awsRegion`, `configRuleName`, `configRuleARN`, `resourceType`,
//! `resourceId`, `messageType` (`ComplianceChangeNotification`), `newEvaluationResult` and, when
//! the resource was evaluated before, `oldEvaluationResult`, each with `complianceType`,
//! `annotation`, `resultRecordedTime` and `evaluationResultIdentifier.orderingTimestamp`.

use std::fmt;

use serde_json::Value;

use crate::catalogue::{Control, CATALOGUE};
use crate::verdict::Verdict;

/// The `detail-type` of the event.
pub const DETAIL_TYPE: &str = "Config Rules Compliance Change";
/// The `messageType` of a compliance change.
pub const MESSAGE_TYPE: &str = "ComplianceChangeNotification";

/// One evaluation result of the event (new or old).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationResult {
    pub verdict: Verdict,
    pub annotation: Option<String>,
}

/// A change of an ecs-harden rule's evaluation of one resource, in one account and Region.
#[derive(Clone)]
pub struct ComplianceChange {
    pub control: &'static Control,
    /// The rule's name in the account (a conformance pack may have added a suffix).
    pub rule_name: String,
    pub account: String,
    pub region: String,
    /// `aws`, `aws-cn`, `aws-us-gov`: from the rule's ARN.
    pub partition: String,
    pub resource_type: String,
    pub resource_id: String,
    /// `None`: Config removed the evaluation (the rule's results were deleted).
    pub new: Option<EvaluationResult>,
    /// The evaluation before this one, if the resource had one.
    pub old: Option<EvaluationResult>,
    /// When Config recorded the configuration the new evaluation is about
    /// (`orderingTimestamp`), RFC 3339.
    pub observed_at: String,
    /// When Config recorded the new evaluation (`resultRecordedTime`), RFC 3339: the finding's
    /// `UpdatedAt`, so a re-delivered event is the same update and an older one is ignored.
    pub recorded_at: String,
}

impl fmt::Debug for ComplianceChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComplianceChange")
            .field("control", &self.control.id)
            .field("rule_name", &self.rule_name)
            .field("account", &self.account)
            .field("region", &self.region)
            .field("resource_type", &self.resource_type)
            .field("resource_id", &self.resource_id)
            .field("new", &self.new)
            .field("old", &self.old)
            .field("recorded_at", &self.recorded_at)
            .finish_non_exhaustive()
    }
}

/// What the event asks for.
#[derive(Clone, Debug)]
pub enum Decoded {
    Change(Box<ComplianceChange>),
    /// Not an event about an ecs-harden control (another rule, another message type), with the
    /// reason: nothing to do.
    Ignored(String),
}

/// The event could not be understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid Config Rules Compliance Change event at {path}: {message}")]
pub struct EventError {
    pub path: String,
    pub message: String,
}

fn error(path: &str, message: impl Into<String>) -> EventError {
    EventError {
        path: path.to_string(),
        message: message.into(),
    }
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn required<'a>(value: &'a Value, key: &str, path: &str) -> Result<&'a str, EventError> {
    text(value, key).ok_or_else(|| error(&format!("{path}.{key}"), "missing or not a string"))
}

/// The catalogue control of a Config rule named `rule_name`: the control's rule name itself,
/// or followed by `-` and the suffix a conformance pack adds (`…-conformance-pack-abc123`); the
/// longest rule name wins, so `ecs-harden-a` never claims `ecs-harden-a-b`'s rule.
pub fn control_for_rule(rule_name: &str) -> Option<&'static Control> {
    CATALOGUE
        .iter()
        .copied()
        .filter(|control| {
            let base = control.rule_name();
            rule_name == base
                || rule_name
                    .strip_prefix(base.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
        })
        .max_by_key(|control| control.rule_name().len())
}

fn result(value: &Value, path: &str) -> Result<Option<EvaluationResult>, EventError> {
    if value.is_null() {
        return Ok(None);
    }
    let compliance = required(value, "complianceType", path)?;
    let verdict = Verdict::parse(compliance).ok_or_else(|| {
        error(
            &format!("{path}.complianceType"),
            format!("{compliance:?} is none of COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE"),
        )
    })?;
    Ok(Some(EvaluationResult {
        verdict,
        annotation: text(value, "annotation").map(str::to_string),
    }))
}

/// Decodes an EventBridge event. Events of other rules and other message types are
/// [`Decoded::Ignored`]; an ecs-harden rule's event without the fields a finding needs is an
/// error naming the field.
pub fn decode(event: &Value) -> Result<Decoded, EventError> {
    let detail_type = event.get("detail-type").and_then(Value::as_str);
    if detail_type != Some(DETAIL_TYPE) {
        return Ok(Decoded::Ignored(format!(
            "detail-type {detail_type:?} is not {DETAIL_TYPE:?}"
        )));
    }
    let detail = event
        .get("detail")
        .filter(|d| d.is_object())
        .ok_or_else(|| error("detail", "missing or not an object"))?;
    let message_type = text(detail, "messageType");
    if message_type.is_some_and(|m| m != MESSAGE_TYPE) {
        return Ok(Decoded::Ignored(format!(
            "messageType {message_type:?} is not {MESSAGE_TYPE:?}"
        )));
    }
    let rule_name = required(detail, "configRuleName", "detail")?;
    let Some(control) = control_for_rule(rule_name) else {
        return Ok(Decoded::Ignored(format!(
            "rule {rule_name} is not the rule of an ecs-harden control"
        )));
    };
    let new_value = detail.get("newEvaluationResult").unwrap_or(&Value::Null);
    let qualifier = new_value
        .pointer("/evaluationResultIdentifier/evaluationResultQualifier")
        .unwrap_or(&Value::Null);
    let resource_type = text(detail, "resourceType")
        .or_else(|| text(qualifier, "resourceType"))
        .ok_or_else(|| error("detail.resourceType", "missing or not a string"))?;
    let resource_id = text(detail, "resourceId")
        .or_else(|| text(qualifier, "resourceId"))
        .ok_or_else(|| error("detail.resourceId", "missing or not a string"))?;
    let account = required(detail, "awsAccountId", "detail")?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(
            "detail.awsAccountId",
            format!("{account:?} is not a 12-digit account id"),
        ));
    }
    let region = text(detail, "awsRegion")
        .or_else(|| text(event, "region"))
        .ok_or_else(|| error("detail.awsRegion", "missing or not a string"))?;
    let partition = text(detail, "configRuleARN")
        .and_then(|arn| arn.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    let new = result(new_value, "detail.newEvaluationResult")?;
    let old = result(
        detail.get("oldEvaluationResult").unwrap_or(&Value::Null),
        "detail.oldEvaluationResult",
    )?;
    // Config's timestamps; when the evaluation was removed, the notification's own time.
    let recorded_at = text(new_value, "resultRecordedTime")
        .or_else(|| text(detail, "notificationCreationTime"))
        .or_else(|| text(event, "time"))
        .ok_or_else(|| {
            error(
                "detail.newEvaluationResult.resultRecordedTime",
                "missing, and the event has no notificationCreationTime or time either",
            )
        })?;
    let observed_at = new_value
        .pointer("/evaluationResultIdentifier/orderingTimestamp")
        .and_then(Value::as_str)
        .unwrap_or(recorded_at);
    Ok(Decoded::Change(Box::new(ComplianceChange {
        control,
        rule_name: rule_name.to_string(),
        account: account.to_string(),
        region: region.to_string(),
        partition: partition.to_string(),
        resource_type: resource_type.to_string(),
        resource_id: resource_id.to_string(),
        new,
        old,
        observed_at: observed_at.to_string(),
        recorded_at: recorded_at.to_string(),
    })))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// The shape Config sends (the compliance change notification of the AWS Config Developer
    /// Guide, as the `detail` of an EventBridge event).
    pub(crate) fn event(
        rule: &str,
        new: &str,
        annotation: Option<&str>,
        old: Option<&str>,
    ) -> Value {
        let qualifier = json!({
            "configRuleName": rule,
            "resourceType": "AWS::ECS::TaskDefinition",
            "resourceId": "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3",
        });
        let mut detail = json!({
            "resourceId": "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3",
            "awsRegion": "eu-west-1",
            "awsAccountId": "111122223333",
            "configRuleName": rule,
            "recordVersion": "1.0",
            "configRuleARN": "arn:aws:config:eu-west-1:111122223333:config-rule/config-rule-ab12cd",
            "messageType": "ComplianceChangeNotification",
            "newEvaluationResult": {
                "evaluationResultIdentifier": {
                    "evaluationResultQualifier": qualifier,
                    "orderingTimestamp": "2026-03-02T10:00:00.000Z",
                },
                "complianceType": new,
                "resultRecordedTime": "2026-03-02T10:00:05.120Z",
                "configRuleInvokedTime": "2026-03-02T10:00:04.900Z",
                "annotation": annotation,
            },
            "notificationCreationTime": "2026-03-02T10:00:06.000Z",
            "resourceType": "AWS::ECS::TaskDefinition",
        });
        if let Some(old) = old {
            detail["oldEvaluationResult"] = json!({
                "evaluationResultIdentifier": {
                    "evaluationResultQualifier": qualifier,
                    "orderingTimestamp": "2026-03-01T10:00:00.000Z",
                },
                "complianceType": old,
                "resultRecordedTime": "2026-03-01T10:00:05.000Z",
            });
        }
        json!({
            "version": "0",
            "id": "0d2b2b3c-1111-2222-3333-444455556666",
            "detail-type": "Config Rules Compliance Change",
            "source": "aws.config",
            "account": "111122223333",
            "time": "2026-03-02T10:00:06Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": detail,
        })
    }

    fn change(event: &Value) -> ComplianceChange {
        match decode(event).unwrap() {
            Decoded::Change(change) => *change,
            Decoded::Ignored(why) => panic!("ignored: {why}"),
        }
    }

    #[test]
    fn a_compliance_change_is_decoded() {
        let decoded = change(&event(
            "ecs-harden-containers-not-privileged",
            "NON_COMPLIANT",
            Some("Privileged containers: shell."),
            Some("COMPLIANT"),
        ));
        assert_eq!(decoded.control.id, "ECS.4");
        assert_eq!(decoded.account, "111122223333");
        assert_eq!(decoded.region, "eu-west-1");
        assert_eq!(decoded.partition, "aws");
        assert_eq!(decoded.resource_type, "AWS::ECS::TaskDefinition");
        assert_eq!(
            decoded.new,
            Some(EvaluationResult {
                verdict: Verdict::NonCompliant,
                annotation: Some("Privileged containers: shell.".into())
            })
        );
        assert_eq!(decoded.old.map(|o| o.verdict), Some(Verdict::Compliant));
        assert_eq!(decoded.observed_at, "2026-03-02T10:00:00.000Z");
        assert_eq!(decoded.recorded_at, "2026-03-02T10:00:05.120Z");
    }

    #[test]
    fn conformance_pack_suffixes_name_the_same_control() {
        let rule = "ecs-harden-containers-not-privileged-conformance-pack-q1w2e3r4";
        assert_eq!(control_for_rule(rule).map(|c| c.id), Some("ECS.4"));
        for control in CATALOGUE {
            let suffixed = format!("{}-conformance-pack-x1y2z3", control.rule_name());
            assert_eq!(control_for_rule(&suffixed).map(|c| c.id), Some(control.id));
        }
        assert!(control_for_rule("ecs-harden").is_none());
        assert!(control_for_rule("securityhub-ecs-containers-nonprivileged-1a2b3c").is_none());
    }

    #[test]
    fn other_rules_and_events_are_ignored() {
        let other = event("required-tags", "NON_COMPLIANT", None, None);
        assert!(
            matches!(decode(&other), Ok(Decoded::Ignored(why)) if why.contains("required-tags"))
        );
        let mut item_change = other.clone();
        item_change["detail-type"] = json!("Config Configuration Item Change");
        assert!(matches!(decode(&item_change), Ok(Decoded::Ignored(_))));
        let mut started = event(
            "ecs-harden-containers-not-privileged",
            "COMPLIANT",
            None,
            None,
        );
        started["detail"]["messageType"] = json!("ConfigRulesEvaluationStarted");
        assert!(matches!(decode(&started), Ok(Decoded::Ignored(_))));
    }

    #[test]
    fn errors_name_the_field() {
        let mut no_account = event(
            "ecs-harden-containers-not-privileged",
            "COMPLIANT",
            None,
            None,
        );
        no_account["detail"]["awsAccountId"] = json!(null);
        assert_eq!(decode(&no_account).unwrap_err().path, "detail.awsAccountId");
        let mut unknown = event(
            "ecs-harden-containers-not-privileged",
            "COMPLIANT",
            None,
            None,
        );
        unknown["detail"]["newEvaluationResult"]["complianceType"] = json!("INSUFFICIENT_DATA");
        let message = decode(&unknown).unwrap_err().to_string();
        assert!(
            message.contains("detail.newEvaluationResult.complianceType")
                && message.contains("INSUFFICIENT_DATA"),
            "{message}"
        );
    }

    #[test]
    fn a_removed_evaluation_has_no_new_result() {
        let mut removed = event(
            "ecs-harden-containers-not-privileged",
            "COMPLIANT",
            None,
            Some("NON_COMPLIANT"),
        );
        removed["detail"]["newEvaluationResult"] = json!(null);
        let decoded = change(&removed);
        assert!(decoded.new.is_none());
        assert_eq!(decoded.recorded_at, "2026-03-02T10:00:06.000Z");
    }
}
