//! Periodic runs read the ECS types AWS Config records from Config's own record (advanced
//! query pages with tags, then the latest ACTIVE revision of each family read a hundred at a
//! time) and fall back to the ECS API, type by type, where the recorder does not record the
//! type. Both paths give the same verdicts over the same account; the calls are counted.

use std::collections::BTreeMap;

use ecs_harden_core::catalogue;
use ecs_harden_e2e::*;
use serde_json::json;

const FAMILIES: usize = 130;

/// Starts the account's recorder in us-east-1, recording `types`.
fn record(moto: &Moto, types: &[&str]) {
    moto.config(
        "PutConfigurationRecorder",
        json!({"ConfigurationRecorder": {
            "name": "default",
            "roleARN": format!("arn:aws:iam::{OWN_ACCOUNT}:role/aws-config"),
            "recordingGroup": {"allSupported": false, "resourceTypes": types},
        }}),
    )
    .unwrap();
    moto.config(
        "PutDeliveryChannel",
        json!({"DeliveryChannel": {"name": "default", "s3BucketName": "config-bucket"}}),
    )
    .unwrap();
    moto.config(
        "StartConfigurationRecorder",
        json!({"ConfigurationRecorderName": "default"}),
    )
    .unwrap();
}

/// One periodic run of `control`'s Lambda: its verdicts by resource id, and the calls by action.
fn periodic(
    moto: &Moto,
    control: &str,
    token: &str,
) -> (BTreeMap<String, String>, BTreeMap<String, usize>) {
    let control = catalogue::find(control).unwrap();
    moto.reset_calls().unwrap();
    let lambda = Lambda::start(&control.crate_name(), moto, &[]).unwrap();
    let event = scheduled_event(
        &control.rule_name(),
        token,
        OWN_ACCOUNT,
        "2025-03-05T00:00:00.000Z",
        &json!({}),
    );
    match lambda.invoke(&event).unwrap() {
        Reply::Response(_) => {}
        other => panic!(
            "the periodic run failed: {other:?}\n{}",
            lambda.logs().join("\n")
        ),
    }
    let verdicts = moto
        .evaluations()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["ComplianceResourceId"].as_str().unwrap().to_string(),
                e["ComplianceType"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut calls = BTreeMap::new();
    for call in moto.calls().unwrap() {
        *calls
            .entry(call["action"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    (verdicts, calls)
}

fn count(calls: &BTreeMap<String, usize>, action: &str) -> usize {
    calls.get(action).copied().unwrap_or(0)
}

/// `FAMILIES` families, every fifth with a privileged container and every third tagged (the
/// others untagged); some with an older ACTIVE revision, one whose newest revision was
/// deregistered. The revision ARNs Config records as INACTIVE.
fn account_with_revisions(moto: &Moto) -> Vec<String> {
    for i in 0..FAMILIES {
        let mut td = fargate_task_definition(&format!("family-{i:03}"), i % 5 == 0);
        td["tags"] = if i % 3 == 0 {
            json!([{"key": "team", "value": format!("team-{i}")}])
        } else {
            json!([])
        };
        moto.ecs("RegisterTaskDefinition", td.clone()).unwrap();
        if i % 10 == 1 {
            // A newer revision: the older one is superseded.
            td["containerDefinitions"][0]["privileged"] = json!(i % 20 == 1);
            moto.ecs("RegisterTaskDefinition", td).unwrap();
        }
    }
    // family-002 gets a privileged revision 2, then revision 3, which is deregistered: its
    // latest ACTIVE revision is 2 (NON_COMPLIANT), revision 3 is INACTIVE.
    let td = fargate_task_definition("family-002", true);
    moto.ecs("RegisterTaskDefinition", td.clone()).unwrap();
    let third = moto
        .ecs(
            "RegisterTaskDefinition",
            fargate_task_definition("family-002", false),
        )
        .unwrap();
    let inactive = third["taskDefinition"]["taskDefinitionArn"]
        .as_str()
        .unwrap()
        .to_string();
    moto.ecs(
        "DeregisterTaskDefinition",
        json!({"taskDefinition": inactive}),
    )
    .unwrap();
    vec![inactive]
}

/// The verdicts of the Config path are the ECS path's, plus NOT_APPLICABLE for the INACTIVE
/// revisions Config records (the ECS path lists ACTIVE revisions only).
fn assert_same_verdicts(
    ecs: &BTreeMap<String, String>,
    config: &BTreeMap<String, String>,
    inactive: &[String],
) {
    let mut expected = ecs.clone();
    for arn in inactive {
        expected.insert(arn.clone(), "NOT_APPLICABLE".to_string());
    }
    let differing: Vec<String> = expected
        .keys()
        .chain(config.keys())
        .filter(|id| expected.get(*id) != config.get(*id))
        .map(|id| {
            format!(
                "{id}: ECS path {:?}, Config path {:?}",
                expected.get(id),
                config.get(id)
            )
        })
        .collect();
    assert!(
        differing.is_empty(),
        "verdicts differ:\n{}",
        differing.join("\n")
    );
}

#[test]
fn task_definitions_from_config_at_its_call_floor_with_the_ecs_paths_verdicts() {
    let moto = Moto::start().unwrap();
    let inactive = account_with_revisions(&moto);

    // Through the ECS API first: no recorder in the account.
    let (ecs_privileged, calls) = periodic(&moto, "ECS.4", "ecs-path-ecs4");
    assert_eq!(
        count(&calls, "DescribeTaskDefinition"),
        FAMILIES,
        "one per family"
    );
    assert_eq!(count(&calls, "SelectResourceConfig"), 0);
    assert_eq!(
        ecs_privileged
            .values()
            .filter(|v| *v == "NOT_APPLICABLE")
            .count(),
        FAMILIES / 10 + 1,
        "the superseded ACTIVE revisions"
    );
    assert_eq!(
        ecs_privileged["arn:aws:ecs:us-east-1:123456789012:task-definition/family-002:2"],
        "NON_COMPLIANT"
    );
    let (ecs_tagged, _) = periodic(&moto, "ECS.15", "ecs-path-ecs15");

    record(&moto, &["AWS::ECS::TaskDefinition"]);
    let (config_privileged, calls) = periodic(&moto, "ECS.4", "config-path-ecs4");
    assert_same_verdicts(&ecs_privileged, &config_privileged, &inactive);
    // Revisions recorded: every family's, the second ones, family-002's two more.
    let revisions = FAMILIES + FAMILIES / 10 + 2;
    assert_eq!(
        count(&calls, "SelectResourceConfig"),
        revisions.div_ceil(100),
        "⌈revisions/100⌉ pages of status and tags: {calls:?}"
    );
    assert_eq!(
        count(&calls, "BatchGetResourceConfig"),
        FAMILIES.div_ceil(100),
        "⌈families/100⌉ batches of the latest ACTIVE revisions: {calls:?}"
    );
    for action in [
        "DescribeTaskDefinition",
        "ListTaskDefinitions",
        "ListDiscoveredResources",
    ] {
        assert_eq!(count(&calls, action), 0, "{action}: {calls:?}");
    }
    assert_eq!(count(&calls, "DescribeConfigurationRecorders"), 1);

    // Tags come with the query, which BatchGetResourceConfig does not return.
    let (config_tagged, _) = periodic(&moto, "ECS.15", "config-path-ecs15");
    assert_same_verdicts(&ecs_tagged, &config_tagged, &inactive);
    assert!(
        config_tagged.values().any(|v| v == "COMPLIANT")
            && config_tagged.values().any(|v| v == "NON_COMPLIANT"),
        "tagged and untagged families: {config_tagged:?}"
    );
}

#[test]
fn a_type_the_recorder_does_not_record_is_read_through_the_ecs_api() {
    let moto = Moto::start().unwrap();
    for i in 0..12 {
        let mut cluster = json!({"clusterName": format!("cluster-{i:02}")});
        if i % 2 == 0 {
            cluster["tags"] = json!([{"key": "team", "value": "payments"}]);
        }
        moto.ecs("CreateCluster", cluster).unwrap();
    }
    let (reference, _) = periodic(&moto, "ECS.14", "no-recorder");

    // The recorder records task definitions only: clusters through the ECS API.
    record(&moto, &["AWS::ECS::TaskDefinition"]);
    let (fallback, calls) = periodic(&moto, "ECS.14", "not-recorded");
    assert_eq!(fallback, reference);
    assert_eq!(count(&calls, "SelectResourceConfig"), 0, "{calls:?}");
    assert_eq!(count(&calls, "DescribeClusters"), 1, "{calls:?}");

    // Recorded: one query page holds every cluster with its tags.
    record(&moto, &["AWS::ECS::TaskDefinition", "AWS::ECS::Cluster"]);
    let (recorded, calls) = periodic(&moto, "ECS.14", "recorded");
    assert_eq!(recorded, reference);
    assert_eq!(count(&calls, "SelectResourceConfig"), 1, "{calls:?}");
    assert_eq!(
        count(&calls, "DescribeClusters") + count(&calls, "ListClusters"),
        0,
        "{calls:?}"
    );
    assert_eq!(
        reference.values().filter(|v| *v == "NON_COMPLIANT").count(),
        6,
        "the untagged clusters: {reference:?}"
    );
}
