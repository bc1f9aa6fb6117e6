//! Controls that look across resources, end to end: the real HARDEN.14 and HARDEN.15 Lambda
//! binaries over the local endpoint read what they relate to (the revision a service runs, a
//! task definition's role as AWS Config records it) and report the verdict to Config.

use ecs_harden_e2e::*;
use serde_json::{json, Value};

fn expect_response(reply: Reply) -> Value {
    match reply {
        Reply::Response(v) => v,
        Reply::Error(e) => panic!("the invocation failed: {e}"),
    }
}

fn evaluation_of(moto: &Moto, resource_id_end: &str) -> Value {
    moto.evaluations()
        .unwrap()
        .into_iter()
        .rev()
        .find(|e| {
            e["ComplianceResourceId"]
                .as_str()
                .is_some_and(|id| id.ends_with(resource_id_end))
        })
        .unwrap_or_else(|| panic!("no evaluation of {resource_id_end}"))
}

#[test]
fn a_service_running_an_older_privileged_revision_fails_naming_it() {
    let moto = Moto::start().unwrap();
    let (subnets, group) = moto.default_network("testing").unwrap();
    // Revision 1 is privileged; revision 2, the latest, is not.
    moto.register_task_definition("web", true).unwrap();
    moto.register_task_definition("web", false).unwrap();
    moto.ecs("CreateCluster", json!({"clusterName": "web-prod"}))
        .unwrap();
    for (name, revision) in [("web-old", 1), ("web-new", 2)] {
        moto.ecs(
            "CreateService",
            json!({
                "cluster": "web-prod",
                "serviceName": name,
                "taskDefinition": format!("web:{revision}"),
                "desiredCount": 1,
                "launchType": "FARGATE",
                "networkConfiguration": {"awsvpcConfiguration": {
                    "subnets": subnets, "securityGroups": [group], "assignPublicIp": "DISABLED"}},
                "tags": [{"key": "team", "value": "web"}],
            }),
        )
        .unwrap();
    }
    // The organization gates ECS.4 only: the same variables the gate reads.
    let lambda = Lambda::start(
        "harden-14-services-run-compliant-revision",
        &moto,
        &[("ECS_HARDEN_GATE_CONTROLS", "ECS.4")],
    )
    .unwrap();
    let event = scheduled_event(
        "ecs-harden-services-run-compliant-revision",
        "periodic-services",
        OWN_ACCOUNT,
        "2026-12-01T00:00:00.000Z",
        &json!({}),
    );
    let reply = expect_response(lambda.invoke(&event).unwrap());
    assert_eq!(reply["delivered"], 2, "{reply}");
    let old = evaluation_of(&moto, "/web-old");
    assert_eq!(old["ComplianceType"], "NON_COMPLIANT", "{old}");
    let annotation = old["Annotation"].as_str().unwrap();
    assert!(
        annotation.contains("web:1") && annotation.contains("ECS.4"),
        "{annotation}"
    );
    assert_eq!(
        evaluation_of(&moto, "/web-new")["ComplianceType"],
        "COMPLIANT"
    );
    // Each running revision is described once, beside the listing's latest revisions.
    let describes = moto.count("DescribeTaskDefinition").unwrap();
    assert_eq!(describes, 2, "one describe per revision the services run");
}

/// A role with AdministratorAccess, recorded by AWS Config.
fn administrative_role(moto: &Moto) -> String {
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let trust = trust.to_string();
    for params in [
        vec![
            ("Action", "CreateRole"),
            ("Version", "2010-05-08"),
            ("RoleName", "web-task"),
            ("AssumeRolePolicyDocument", trust.as_str()),
        ],
        vec![
            ("Action", "AttachRolePolicy"),
            ("Version", "2010-05-08"),
            ("RoleName", "web-task"),
            ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"),
        ],
    ] {
        http::aws_query(&moto.address, "testing", "iam", &params).unwrap();
    }
    moto.config(
        "PutConfigurationRecorder",
        json!({"ConfigurationRecorder": {"name": "default",
            "roleARN": format!("arn:aws:iam::{OWN_ACCOUNT}:role/aws-config"),
            "recordingGroup": {"allSupported": true, "includeGlobalResourceTypes": true}}}),
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
    format!("arn:aws:iam::{OWN_ACCOUNT}:role/web-task")
}

fn task_definition_item(role_arn: &str) -> Value {
    let arn = format!("arn:aws:ecs:{REGION}:{OWN_ACCOUNT}:task-definition/web:7");
    json!({
        "version": "1.3",
        "accountId": OWN_ACCOUNT,
        "configurationItemCaptureTime": "2026-12-01T00:00:00.000Z",
        "configurationItemStatus": "OK",
        "resourceType": "AWS::ECS::TaskDefinition",
        "resourceId": arn,
        "ARN": arn,
        "awsRegion": REGION,
        "awsAccountId": OWN_ACCOUNT,
        "tags": {"team": "web"},
        "configuration": {
            "TaskDefinitionArn": arn, "Family": "web", "Revision": 7, "Status": "ACTIVE",
            "TaskRoleArn": role_arn,
            "ContainerDefinitions": [{"Name": "app", "Image": "app:1"}],
        },
    })
}

#[test]
fn an_administrative_task_role_fails_read_from_config_or_the_aggregator() {
    let moto = Moto::start().unwrap();
    let role = administrative_role(&moto);
    let item = task_definition_item(&role);
    let event = change_event(
        "ecs-harden-task-role-not-administrative",
        "role",
        &item,
        OWN_ACCOUNT,
        &json!({}),
    );
    // The account's own inventory.
    let lambda = Lambda::start("harden-15-task-role-not-administrative", &moto, &[]).unwrap();
    expect_response(lambda.invoke(&event).unwrap());
    let stored = evaluation_of(&moto, "task-definition/web:7");
    assert_eq!(stored["ComplianceType"], "NON_COMPLIANT");
    let annotation = stored["Annotation"].as_str().unwrap();
    assert!(
        annotation.contains("web-task") && annotation.contains("AdministratorAccess"),
        "{annotation}"
    );
    assert!(moto.count("ListDiscoveredResources").unwrap() >= 1);
    drop(lambda);

    // The organization's aggregator, as the deployment configures it.
    moto.config(
        "PutConfigurationAggregator",
        json!({"ConfigurationAggregatorName": "ecs-harden-organization",
            "AccountAggregationSources": [{"AccountIds": [OWN_ACCOUNT], "AllAwsRegions": true}]}),
    )
    .unwrap();
    moto.reset_calls().unwrap();
    let lambda = Lambda::start(
        "harden-15-task-role-not-administrative",
        &moto,
        &[("ECS_HARDEN_AGGREGATOR", "ecs-harden-organization")],
    )
    .unwrap();
    expect_response(lambda.invoke(&event).unwrap());
    assert_eq!(
        evaluation_of(&moto, "task-definition/web:7")["ComplianceType"],
        "NON_COMPLIANT"
    );
    assert!(moto.count("ListAggregateDiscoveredResources").unwrap() >= 1);
    assert_eq!(moto.count("ListDiscoveredResources").unwrap(), 0);
}
