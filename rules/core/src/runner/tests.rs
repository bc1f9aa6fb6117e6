use std::path::Path;

use serde_json::Value;

use super::delivery::batches;
use super::retry::backoff_millis;
use super::*;
use crate::catalogue::{find, Control};
use crate::verdict::Verdict;

fn event(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn control_for(event: &RuleEvent) -> &'static Control {
    find(event.config_rule_name.as_deref().unwrap()).unwrap()
}

#[test]
fn change_notification_reports_the_item_with_its_capture_time() {
    let decoded = decode_event(&event("config-change-notification.json")).unwrap();
    let control = control_for(&decoded);
    assert_eq!(control.id, "ECS.8");
    let params = decoded.params(control).unwrap();
    let Trigger::Change {
        item,
        notification_time,
    } = &decoded.trigger
    else {
        panic!("{:?}", decoded.trigger)
    };
    let evaluation = evaluate_item(
        control,
        &params,
        item,
        decoded.event_left_scope,
        notification_time.as_deref(),
    )
    .unwrap();
    assert_eq!(evaluation.resource_type, "AWS::ECS::TaskDefinition");
    assert_eq!(
        evaluation.resource_id,
        "arn:aws:ecs:us-east-1:111122223333:task-definition/reports-batch:41"
    );
    assert_eq!(evaluation.verdict, Verdict::NonCompliant);
    let annotation = evaluation.annotation.unwrap();
    assert!(annotation.contains("report-builder") && annotation.contains("AWS_ACCESS_KEY_ID"));
    assert!(!annotation.contains("AKIAQX4EXAMPLE7Z2H5N"));
    assert_eq!(evaluation.ordering_timestamp, "2025-03-03T09:32:53.950Z");
}

#[test]
fn deleted_items_are_not_applicable_and_the_previous_value_is_ignored() {
    let decoded = decode_event(&event("config-deleted-notification.json")).unwrap();
    let control = control_for(&decoded);
    let Trigger::Change { item, .. } = &decoded.trigger else {
        panic!()
    };
    let evaluation = evaluate_item(
        control,
        &decoded.params(control).unwrap(),
        item,
        false,
        None,
    )
    .unwrap();
    assert_eq!(evaluation.verdict, Verdict::NotApplicable);
    assert_eq!(evaluation.resource_type, "AWS::ECS::Service");
    assert_eq!(
        evaluation.resource_id,
        "arn:aws:ecs:us-east-1:111122223333:service/storefront-prod/storefront-canary"
    );
}

#[test]
fn an_item_that_left_scope_is_not_applicable() {
    let decoded = decode_event(&event("config-left-scope.json")).unwrap();
    assert!(decoded.event_left_scope);
    let control = control_for(&decoded);
    let Trigger::Change { item, .. } = &decoded.trigger else {
        panic!()
    };
    let evaluation =
        evaluate_item(control, &decoded.params(control).unwrap(), item, true, None).unwrap();
    assert_eq!(evaluation.verdict, Verdict::NotApplicable);
    assert_eq!(evaluation.resource_id, "sandbox-jdoe");
}

#[test]
fn oversized_notifications_name_what_to_fetch_and_the_history_item_evaluates() {
    let decoded = decode_event(&event("config-oversized-notification.json")).unwrap();
    let control = control_for(&decoded);
    let Trigger::Oversized {
        resource_type,
        resource_id,
        capture_time,
        ..
    } = &decoded.trigger
    else {
        panic!("{:?}", decoded.trigger)
    };
    assert_eq!(resource_type, "AWS::ECS::TaskDefinition");
    assert_eq!(
        resource_id,
        "arn:aws:ecs:us-east-1:111122223333:task-definition/ledger-sync:40"
    );
    assert_eq!(capture_time, "2025-03-03T10:51:20.388Z");
    let history = event("config-oversized-history-response.json");
    let item = &history["configurationItems"][0];
    let evaluation = evaluate_item(
        control,
        &decoded.params(control).unwrap(),
        item,
        false,
        None,
    )
    .unwrap();
    assert_eq!(evaluation.verdict, Verdict::NonCompliant);
    assert!(evaluation.annotation.unwrap().contains("log_router"));
    assert_eq!(evaluation.ordering_timestamp, "2025-03-03T10:51:20.388Z");
}

#[test]
fn scheduled_notifications_carry_the_notification_time_and_parameters() {
    let decoded = decode_event(&event("config-scheduled-notification.json")).unwrap();
    assert_eq!(
        decoded.trigger,
        Trigger::Scheduled {
            notification_time: "2025-03-03T11:56:46.826Z".into()
        }
    );
    let control = control_for(&decoded);
    assert_eq!(control.id, "ECS.14");
    assert_eq!(decoded.rule_parameters["requiredTagKeys"], "team,env");
    assert!(decoded.params(control).is_ok());
}

#[test]
fn bad_events_and_parameters_are_named() {
    let err = decode_event(&serde_json::json!({"invokingEvent": "{not json"})).unwrap_err();
    assert_eq!(err.path, "$.invokingEvent");
    let mut e = event("config-scheduled-notification.json");
    e["ruleParameters"] = Value::String("{\"requiredTags\":\"x\"}".into());
    let decoded = decode_event(&e).unwrap();
    let err = decoded.params(control_for(&decoded)).unwrap_err();
    assert!(err.to_string().contains("requiredTags"));
}

#[test]
fn batches_hold_at_most_one_hundred() {
    let evaluation = Evaluation {
        resource_type: "AWS::ECS::Cluster".into(),
        resource_id: "c".into(),
        verdict: Verdict::Compliant,
        annotation: None,
        ordering_timestamp: "t".into(),
    };
    let many = vec![evaluation; 250];
    let sizes: Vec<usize> = batches(&many).map(<[Evaluation]>::len).collect();
    assert_eq!(sizes, vec![100, 100, 50]);
}

#[test]
fn backoff_grows_and_is_capped() {
    assert_eq!(backoff_millis(0, 100, 5_000, u64::MAX), u64::MAX % 101);
    for attempt in 0..40 {
        assert!(backoff_millis(attempt, 100, 5_000, u64::MAX - 7) <= 5_000);
    }
    assert!(backoff_millis(3, 100, 5_000, 799) == 799);
}
