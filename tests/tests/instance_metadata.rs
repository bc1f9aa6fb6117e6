//! HARDEN.16 end to end: launch templates created in the local endpoint's EC2, which AWS Config
//! records; the real HARDEN.16 Lambda reads them from Config's inventory in a periodic run (no
//! EC2 call) and from the item a change notification carries, and reports to Config.

use std::collections::BTreeMap;

use ecs_harden_e2e::*;
use serde_json::{json, Value};

const RULE: &str = "ecs-harden-instance-metadata-blocked";

fn expect_response(reply: Reply) -> Value {
    match reply {
        Reply::Response(v) => v,
        Reply::Error(e) => panic!("the invocation failed: {e}"),
    }
}

/// Standard base64, as EC2 takes user data.
fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// A started recorder of every type in the account behind `key`.
fn start_recorder(moto: &Moto, key: &str, account: &str) {
    for (action, body) in [
        (
            "PutConfigurationRecorder",
            json!({"ConfigurationRecorder": {"name": "default",
                "roleARN": format!("arn:aws:iam::{account}:role/aws-config"),
                "recordingGroup": {"allSupported": true, "includeGlobalResourceTypes": true}}}),
        ),
        (
            "PutDeliveryChannel",
            json!({"DeliveryChannel": {"name": "default", "s3BucketName": format!("config-{account}")}}),
        ),
        (
            "StartConfigurationRecorder",
            json!({"ConfigurationRecorderName": "default"}),
        ),
    ] {
        moto.config_as(key, action, body)
            .unwrap_or_else(|e| panic!("{action} in {account}: {e}"));
    }
}

/// Creates a launch template in the account behind `key`; its id.
fn create_launch_template(
    moto: &Moto,
    key: &str,
    name: &str,
    user_data: &str,
    http_tokens: &str,
    hop_limit: &str,
) -> String {
    let user_data = base64(user_data);
    let xml = http::aws_query(
        &moto.address,
        key,
        "ec2",
        &[
            ("Action", "CreateLaunchTemplate"),
            ("Version", "2016-11-15"),
            ("LaunchTemplateName", name),
            ("LaunchTemplateData.ImageId", "ami-0c1d2e3f4a5b6c7d8"),
            ("LaunchTemplateData.UserData", &user_data),
            ("LaunchTemplateData.MetadataOptions.HttpTokens", http_tokens),
            (
                "LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit",
                hop_limit,
            ),
        ],
    )
    .unwrap_or_else(|e| panic!("CreateLaunchTemplate {name}: {e}"));
    http::xml_values(&xml, "launchTemplateId")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("CreateLaunchTemplate {name} answered without an id: {xml}"))
}

#[test]
fn launch_templates_of_container_instances_are_judged_from_configs_inventory() {
    let moto = Moto::start().unwrap();
    let member = moto.key_for(FIXTURE_ACCOUNT).unwrap();
    start_recorder(&moto, &member, FIXTURE_ACCOUNT);
    let open = create_launch_template(
        &moto,
        &member,
        "ecs-payments-open",
        "#!/bin/bash\necho ECS_CLUSTER=payments-prod >> /etc/ecs/ecs.config\n",
        "optional",
        "2",
    );
    let hardened = create_launch_template(
        &moto,
        &member,
        "ecs-payments-hardened",
        "#!/bin/bash\necho ECS_CLUSTER=payments-prod >> /etc/ecs/ecs.config\n\
         echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config\n",
        "required",
        "1",
    );
    let web = create_launch_template(
        &moto,
        &member,
        "web-servers",
        "#!/bin/bash\ndnf install -y nginx\n",
        "optional",
        "2",
    );
    moto.reset_calls().unwrap();

    // Periodic: the launch templates come from Config's inventory of the member account.
    let lambda = Lambda::start("harden-16-instance-metadata-blocked", &moto, &[]).unwrap();
    let event = scheduled_event(
        RULE,
        "periodic-launch-templates",
        FIXTURE_ACCOUNT,
        "2026-12-01T00:00:00.000Z",
        &json!({}),
    );
    moto.control_post(
        "tokens",
        json!({"resultToken": "periodic-launch-templates", "configRuleName": RULE}),
    )
    .unwrap();
    let reply = expect_response(lambda.invoke(&event).unwrap());
    assert_eq!(reply["delivered"], 3, "{reply}");
    let stored: BTreeMap<String, Value> = moto
        .evaluations()
        .unwrap()
        .into_iter()
        .map(|e| (e["ComplianceResourceId"].as_str().unwrap().to_string(), e))
        .collect();
    assert_eq!(
        stored[&open]["ComplianceType"], "NON_COMPLIANT",
        "{stored:#?}"
    );
    let annotation = stored[&open]["Annotation"].as_str().unwrap();
    assert!(
        annotation.contains("HttpTokens is optional")
            && annotation.contains("HttpPutResponseHopLimit is 2")
            && annotation.contains("ECS_AWSVPC_BLOCK_IMDS"),
        "{annotation}"
    );
    assert_eq!(stored[&hardened]["ComplianceType"], "COMPLIANT");
    assert_eq!(stored[&web]["ComplianceType"], "NOT_APPLICABLE");
    assert!(stored.values().all(
        |e| e["ComplianceResourceType"] == "AWS::EC2::LaunchTemplate"
            && e["accountId"] == FIXTURE_ACCOUNT
    ));
    assert_eq!(moto.count("ListDiscoveredResources").unwrap(), 1);
    assert_eq!(moto.count("BatchGetResourceConfig").unwrap(), 1);
    let ec2_calls = moto
        .calls()
        .unwrap()
        .into_iter()
        .filter(|c| c["service"] == "ec2")
        .count();
    assert_eq!(ec2_calls, 0, "the Lambda reads no EC2 API");

    // Change-triggered: the configuration item of the open template, as the event carries it.
    let batch = moto
        .config_as(
            &member,
            "BatchGetResourceConfig",
            json!({"resourceKeys": [{"resourceType": "AWS::EC2::LaunchTemplate", "resourceId": open}]}),
        )
        .unwrap();
    let base = &batch["baseConfigurationItems"][0];
    let configuration: Value =
        serde_json::from_str(base["configuration"].as_str().unwrap()).unwrap();
    let item = json!({
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": "2026-12-01T01:00:00.000Z",
        "configurationItemStatus": "OK",
        "resourceType": "AWS::EC2::LaunchTemplate",
        "resourceId": open,
        "resourceName": "ecs-payments-open",
        "ARN": base["arn"],
        "awsRegion": REGION,
        "awsAccountId": FIXTURE_ACCOUNT,
        "tags": {},
        "relationships": [],
        "configuration": configuration,
    });
    moto.reset_calls().unwrap();
    let event = change_event(RULE, "change-open", &item, FIXTURE_ACCOUNT, &json!({}));
    expect_response(lambda.invoke(&event).unwrap());
    let stored = moto.evaluations().unwrap();
    assert_eq!(stored.len(), 1, "{stored:#?}");
    assert_eq!(stored[0]["ComplianceResourceId"], open.as_str());
    assert_eq!(stored[0]["ComplianceType"], "NON_COMPLIANT");
    assert_eq!(
        moto.count("ListDiscoveredResources").unwrap(),
        0,
        "a change notification carries its item"
    );
}
