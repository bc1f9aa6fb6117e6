//! The real per-control Lambda binaries, through the Lambda Runtime API emulator, against moto
//! with the project's Config extension on 127.0.0.1. Every assertion is on what the Lambda
//! actually sent.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use ecs_harden_e2e::*;
use serde_json::{json, Value};

fn fixture_event(name: &str) -> Value {
    let path: PathBuf = workspace().join("tests/fixtures/events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn expect_response(reply: Reply) -> Value {
    match reply {
        Reply::Response(v) => v,
        Reply::Error(e) => panic!("the invocation failed: {e}"),
    }
}

/// Stored evaluations by resource id (the latest of each).
fn by_resource(evaluations: &[Value]) -> BTreeMap<String, Value> {
    evaluations
        .iter()
        .map(|e| {
            (
                e["ComplianceResourceId"].as_str().unwrap().to_string(),
                e.clone(),
            )
        })
        .collect()
}

#[test]
fn every_fixture_event_kind_is_handled() {
    let moto = Moto::start().unwrap();

    // Change notification: ECS.8 on reports-batch:41.
    let lambda = Lambda::start("ecs-8-no-environment-secrets", &moto, &[]).unwrap();
    let event = fixture_event("config-change-notification.json");
    let (reply, first_event) = lambda
        .invoke_with_deadline(&event, Duration::from_secs(60))
        .unwrap();
    let reply = expect_response(reply);
    assert_eq!(reply["delivered"], 1);
    let stored = moto.evaluations().unwrap();
    assert_eq!(stored.len(), 1, "{stored:#?}");
    let e = &stored[0];
    assert_eq!(e["ComplianceResourceType"], "AWS::ECS::TaskDefinition");
    assert_eq!(
        e["ComplianceResourceId"],
        "arn:aws:ecs:us-east-1:111122223333:task-definition/reports-batch:41"
    );
    assert_eq!(e["ComplianceType"], "NON_COMPLIANT");
    let annotation = e["Annotation"].as_str().unwrap();
    assert!(annotation.contains("report-builder") && annotation.contains("AWS_ACCESS_KEY_ID"));
    assert!((e["OrderingTimestamp"].as_f64().unwrap() - 1_740_994_373.950).abs() < 0.001);
    let logs = lambda.logs().join("\n");
    assert!(
        !logs.contains("AKIAQX4EXAMPLE7Z2H5N"),
        "a secret value reached the logs"
    );
    let evaluation_line = lambda
        .logs()
        .into_iter()
        .find(|l| l.contains("\"message\":\"evaluation\""))
        .expect("one JSON log line per evaluation");
    let line: Value = serde_json::from_str(&evaluation_line).unwrap();
    assert_eq!(line["verdict"], "NON_COMPLIANT");
    assert_eq!(line["rule"], "ecs-harden-no-environment-secrets");
    println!(
        "ecs-8 Lambda: init {:?}, first event {first_event:?}, peak RSS {:?} KiB",
        lambda.init_time(),
        lambda.peak_rss_kib()
    );
    drop(lambda);

    // Oversized: the item comes from GetResourceConfigHistory.
    moto.reset().unwrap();
    let history = fixture_event("config-oversized-history-response.json");
    moto.control_post("config-history", history["configurationItems"][0].clone())
        .unwrap();
    let lambda = Lambda::start("ecs-5-containers-readonly-root", &moto, &[]).unwrap();
    expect_response(
        lambda
            .invoke(&fixture_event("config-oversized-notification.json"))
            .unwrap(),
    );
    assert_eq!(moto.count("GetResourceConfigHistory").unwrap(), 1);
    let stored = moto.evaluations().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["ComplianceType"], "NON_COMPLIANT");
    assert!(stored[0]["Annotation"]
        .as_str()
        .unwrap()
        .contains("log_router"));
    assert!((stored[0]["OrderingTimestamp"].as_f64().unwrap() - 1_740_999_080.388).abs() < 0.001);
    drop(lambda);

    // Deleted resource and a resource that left scope: NOT_APPLICABLE.
    moto.reset().unwrap();
    let lambda = Lambda::start("ecs-2-service-no-public-ip", &moto, &[]).unwrap();
    expect_response(
        lambda
            .invoke(&fixture_event("config-deleted-notification.json"))
            .unwrap(),
    );
    drop(lambda);
    let lambda = Lambda::start("ecs-12-cluster-container-insights", &moto, &[]).unwrap();
    expect_response(
        lambda
            .invoke(&fixture_event("config-left-scope.json"))
            .unwrap(),
    );
    drop(lambda);
    let stored = by_resource(&moto.evaluations().unwrap());
    assert_eq!(
        stored["arn:aws:ecs:us-east-1:111122223333:service/storefront-prod/storefront-canary"]
            ["ComplianceType"],
        "NOT_APPLICABLE"
    );
    assert_eq!(stored["sandbox-jdoe"]["ComplianceType"], "NOT_APPLICABLE");

    // Scheduled: ECS.14 with requiredTagKeys team,env over the member account's clusters.
    moto.reset().unwrap();
    let member = moto.key_for(FIXTURE_ACCOUNT).unwrap();
    for (name, tags) in [
        (
            "payments-prod",
            json!([{"key": "team", "value": "payments"}, {"key": "env", "value": "prod"}]),
        ),
        ("edge-staging", json!([{"key": "team", "value": "edge"}])),
        ("sandbox", json!([])),
    ] {
        moto.ecs_as(
            &member,
            "CreateCluster",
            json!({"clusterName": name, "tags": tags}),
        )
        .unwrap();
    }
    moto.reset_calls().unwrap();
    let lambda = Lambda::start("ecs-14-cluster-tagged", &moto, &[]).unwrap();
    let event = fixture_event("config-scheduled-notification.json");
    moto.control_post(
        "tokens",
        json!({"resultToken": event["resultToken"], "configRuleName": "ecs-harden-cluster-tagged"}),
    )
    .unwrap();
    expect_response(lambda.invoke(&event).unwrap());
    assert_eq!(moto.count("DescribeClusters").unwrap(), 1);
    assert_eq!(moto.count("PutEvaluations").unwrap(), 1);
    let stored = by_resource(&moto.evaluations().unwrap());
    assert_eq!(stored.len(), 3);
    assert_eq!(stored["payments-prod"]["ComplianceType"], "COMPLIANT");
    assert_eq!(stored["edge-staging"]["ComplianceType"], "NON_COMPLIANT");
    assert!(stored["edge-staging"]["Annotation"]
        .as_str()
        .unwrap()
        .contains("env"));
    assert_eq!(stored["sandbox"]["ComplianceType"], "NON_COMPLIANT");
    assert!(stored
        .values()
        .all(|e| (e["OrderingTimestamp"].as_f64().unwrap() - 1_741_003_006.826).abs() < 0.001));
    // What the Config console would show.
    assert!(moto
        .evaluations()
        .unwrap()
        .iter()
        .all(|e| e["accountId"] == FIXTURE_ACCOUNT));
    let details = moto
        .config_as(
            &member,
            "GetComplianceDetailsByConfigRule",
            json!({"ConfigRuleName": "ecs-harden-cluster-tagged", "ComplianceTypes": ["NON_COMPLIANT"]}),
        )
        .unwrap();
    assert_eq!(details["EvaluationResults"].as_array().unwrap().len(), 2);
}

#[test]
fn an_older_task_definition_revision_is_not_applicable() {
    let moto = Moto::start().unwrap();
    let old = moto.register_task_definition("web", true).unwrap();
    let new = moto.register_task_definition("web", false).unwrap();
    let lambda = Lambda::start("ecs-4-containers-not-privileged", &moto, &[]).unwrap();
    for (td, time) in [
        (&old, "2025-03-01T10:00:00.000Z"),
        (&new, "2025-03-02T10:00:00.000Z"),
    ] {
        let arn = td["taskDefinitionArn"].as_str().unwrap();
        let item = json!({
            "configurationItemCaptureTime": time,
            "configurationItemStatus": "OK",
            "resourceType": "AWS::ECS::TaskDefinition",
            "resourceId": arn,
            "ARN": arn,
            "awsAccountId": OWN_ACCOUNT,
            "awsRegion": REGION,
            "tags": {"team": "platform"},
            "configuration": td,
        });
        let event = change_event(
            "ecs-harden-containers-not-privileged",
            "token",
            &item,
            OWN_ACCOUNT,
            &json!({}),
        );
        expect_response(lambda.invoke(&event).unwrap());
    }
    let stored = by_resource(&moto.evaluations().unwrap());
    let old_result = &stored[old["taskDefinitionArn"].as_str().unwrap()];
    assert_eq!(
        old_result["ComplianceType"], "NOT_APPLICABLE",
        "{old_result}"
    );
    assert!(old_result["Annotation"]
        .as_str()
        .unwrap()
        .contains("not the latest"));
    assert_eq!(
        stored[new["taskDefinitionArn"].as_str().unwrap()]["ComplianceType"],
        "COMPLIANT"
    );
}

#[test]
fn periodic_runs_over_250_families_and_30_services_batch_their_calls() {
    let moto = Moto::start().unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..250 {
        let family = format!("family-{i:03}");
        let td = moto.register_task_definition(&family, i % 7 == 0).unwrap();
        // A second, older revision in some families: reported NOT_APPLICABLE, never described.
        expected.insert(
            td["taskDefinitionArn"].as_str().unwrap().to_string(),
            if i % 7 == 0 {
                "NON_COMPLIANT"
            } else {
                "COMPLIANT"
            },
        );
    }
    for i in 0..10 {
        let family = format!("family-{i:03}");
        let old_arn = format!("arn:aws:ecs:us-east-1:{OWN_ACCOUNT}:task-definition/{family}:1");
        let td = moto.register_task_definition(&family, false).unwrap();
        expected.insert(old_arn, "NOT_APPLICABLE");
        expected.insert(
            td["taskDefinitionArn"].as_str().unwrap().to_string(),
            "COMPLIANT",
        );
    }
    let lambda = Lambda::start("ecs-4-containers-not-privileged", &moto, &[]).unwrap();
    let event = scheduled_event(
        "ecs-harden-containers-not-privileged",
        "periodic-tds",
        OWN_ACCOUNT,
        "2025-03-05T00:00:00.000Z",
        &json!({}),
    );
    let reply = expect_response(lambda.invoke(&event).unwrap());
    assert_eq!(reply["delivered"], 260);
    assert_eq!(moto.count("PutEvaluations").unwrap(), 3, "⌈260/100⌉ calls");
    assert_eq!(
        moto.count("DescribeTaskDefinition").unwrap(),
        250,
        "one per family"
    );
    assert_eq!(
        moto.count("ListTaskDefinitions").unwrap(),
        3,
        "pages of 100"
    );
    let stored = by_resource(&moto.evaluations().unwrap());
    assert_eq!(stored.len(), expected.len());
    for (arn, verdict) in &expected {
        assert_eq!(stored[arn]["ComplianceType"], *verdict, "{arn}");
    }

    // 30 services in two clusters, every fourth with a public IP.
    moto.reset().unwrap();
    let (subnets, group) = moto.default_network("testing").unwrap();
    let td = moto.register_task_definition("svc", false).unwrap();
    let mut expected = BTreeMap::new();
    for (cluster, count) in [("svc-a", 20), ("svc-b", 10)] {
        moto.ecs("CreateCluster", json!({"clusterName": cluster}))
            .unwrap();
        for i in 0..count {
            let public = i % 4 == 0;
            let created = moto
                .ecs(
                    "CreateService",
                    json!({
                        "cluster": cluster,
                        "serviceName": format!("{cluster}-{i:02}"),
                        "taskDefinition": td["taskDefinitionArn"],
                        "desiredCount": 1,
                        "launchType": "FARGATE",
                        "networkConfiguration": {"awsvpcConfiguration": {
                            "subnets": [subnets[0]],
                            "securityGroups": [group],
                            "assignPublicIp": if public { "ENABLED" } else { "DISABLED" },
                        }},
                    }),
                )
                .unwrap();
            expected.insert(
                created["service"]["serviceArn"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                if public { "NON_COMPLIANT" } else { "COMPLIANT" },
            );
        }
    }
    let lambda = Lambda::start("ecs-2-service-no-public-ip", &moto, &[]).unwrap();
    let event = scheduled_event(
        "ecs-harden-service-no-public-ip",
        "periodic-services",
        OWN_ACCOUNT,
        "2025-03-05T00:00:00.000Z",
        &json!({}),
    );
    expect_response(lambda.invoke(&event).unwrap());
    assert_eq!(moto.count("PutEvaluations").unwrap(), 1);
    assert_eq!(
        moto.count("DescribeServices").unwrap(),
        3,
        "20 + 10 services, 10 per call"
    );
    let stored = by_resource(&moto.evaluations().unwrap());
    assert_eq!(stored.len(), 30);
    for (arn, verdict) in &expected {
        assert_eq!(stored[arn]["ComplianceType"], *verdict, "{arn}");
    }
}

#[test]
fn throttled_and_failed_put_evaluations_still_land_exactly_once() {
    let moto = Moto::start().unwrap();
    for i in 0..150 {
        moto.ecs(
            "CreateCluster",
            json!({"clusterName": format!("c{i:03}"), "settings": [{"name": "containerInsights", "value": if i % 3 == 0 { "disabled" } else { "enabled" }}]}),
        )
        .unwrap();
    }
    moto.control_post(
        "faults",
        json!([
            {"action": "PutEvaluations", "throttle": 3},
            {"action": "PutEvaluations", "error500": 1},
            {"action": "PutEvaluations", "failEvaluations": 1, "failOnly": 5},
        ]),
    )
    .unwrap();
    let lambda = Lambda::start("ecs-12-cluster-container-insights", &moto, &[]).unwrap();
    let event = scheduled_event(
        "ecs-harden-cluster-container-insights",
        "throttled",
        OWN_ACCOUNT,
        "2025-03-05T00:00:00.000Z",
        &json!({}),
    );
    let reply = expect_response(lambda.invoke(&event).unwrap());
    assert_eq!(reply["delivered"], 150);
    assert!(reply["retries"].as_u64().unwrap() >= 5, "{reply}");
    let stored = moto.evaluations().unwrap();
    assert_eq!(
        stored.len(),
        150,
        "every evaluation stored once, none twice"
    );
    let latest = by_resource(&stored);
    assert_eq!(latest.len(), 150);
    for (id, e) in &latest {
        let index: usize = id[1..].parse().unwrap();
        let expected = if index.is_multiple_of(3) {
            "NON_COMPLIANT"
        } else {
            "COMPLIANT"
        };
        assert_eq!(e["ComplianceType"], expected, "{id}");
    }
}

#[test]
fn the_deadline_fails_the_invocation_and_names_what_was_lost() {
    let moto = Moto::start().unwrap();
    for i in 0..3 {
        moto.ecs("CreateCluster", json!({"clusterName": format!("d{i}")}))
            .unwrap();
    }
    moto.control_post(
        "faults",
        json!({"action": "PutEvaluations", "throttle": 1000}),
    )
    .unwrap();
    let lambda = Lambda::start("ecs-12-cluster-container-insights", &moto, &[]).unwrap();
    let event = scheduled_event(
        "ecs-harden-cluster-container-insights",
        "deadline",
        OWN_ACCOUNT,
        "2025-03-05T00:00:00.000Z",
        &json!({}),
    );
    let (reply, took) = lambda
        .invoke_with_deadline(&event, Duration::from_secs(4))
        .unwrap();
    let Reply::Error(error) = reply else {
        panic!("the invocation must fail when evaluations cannot be delivered")
    };
    let message = error.to_string();
    assert!(
        message.contains("3 evaluation(s) not delivered"),
        "{message}"
    );
    assert!(
        message.contains("d0") && message.contains("d2"),
        "{message}"
    );
    assert!(
        took < Duration::from_secs(4),
        "stopped before the deadline: {took:?}"
    );
    assert!(moto.evaluations().unwrap().is_empty());
}

#[test]
fn organization_rules_report_into_the_member_account_through_assume_role() {
    let moto = Moto::start().unwrap();
    let key = moto.key_for(MEMBER_ACCOUNT).unwrap();
    moto.ecs_as(&key, "CreateCluster", json!({"clusterName": "member-a", "settings": [{"name": "containerInsights", "value": "disabled"}]}))
        .unwrap();
    moto.ecs("CreateCluster", json!({"clusterName": "central-only"}))
        .unwrap();
    moto.reset_calls().unwrap();
    let lambda = Lambda::start("ecs-12-cluster-container-insights", &moto, &[]).unwrap();
    for token in ["member-1", "member-2"] {
        let event = scheduled_event(
            "ecs-harden-cluster-container-insights",
            token,
            MEMBER_ACCOUNT,
            "2025-03-05T00:00:00.000Z",
            &json!({}),
        );
        expect_response(lambda.invoke(&event).unwrap());
    }
    let calls = moto.calls().unwrap();
    let assume: Vec<_> = calls
        .iter()
        .filter(|c| c["action"] == "AssumeRole")
        .collect();
    assert_eq!(
        assume.len(),
        1,
        "credentials are cached per account while warm"
    );
    for action in ["ListClusters", "DescribeClusters", "PutEvaluations"] {
        assert!(
            calls
                .iter()
                .filter(|c| c["action"] == action)
                .all(|c| c["accountId"] == MEMBER_ACCOUNT),
            "{action} ran outside the member account"
        );
    }
    let stored = moto.evaluations().unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored
        .iter()
        .all(|e| e["accountId"] == MEMBER_ACCOUNT && e["ComplianceResourceId"] == "member-a"));
    assert!(lambda.logs().iter().any(|l| l.contains(&format!(
        "arn:aws:iam::{MEMBER_ACCOUNT}:role/ecs-harden-member"
    ))));
}
