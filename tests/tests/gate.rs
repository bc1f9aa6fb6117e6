//! The real gate Lambda: CloudFormation Hook requests, and RegisterTaskDefinition events
//! against moto (a non-compliant revision is deregistered in enforce mode, a compliant one
//! stays, audit mode only reports).

use std::path::PathBuf;
use std::time::Duration;

use ecs_harden_e2e::*;
use serde_json::{json, Value};

fn fixture_event(name: &str) -> Value {
    let path: PathBuf = workspace().join("tests/fixtures/events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn response(reply: Reply) -> Value {
    match reply {
        Reply::Response(v) => v,
        Reply::Error(e) => panic!("the invocation failed: {e}"),
    }
}

#[test]
fn hook_requests_are_answered_within_the_hook_limit() {
    let moto = Moto::start().unwrap();
    let gate = Lambda::start("gate", &moto, &[("ECS_HARDEN_GATE_MODE", "enforce")]).unwrap();
    let request = fixture_event("cfn-hook-request.json");
    let (reply, took) = gate
        .invoke_with_deadline(&request, Duration::from_secs(30))
        .unwrap();
    let answer = response(reply);
    assert_eq!(answer["hookStatus"], "FAILED");
    assert_eq!(answer["errorCode"], "NonCompliant");
    assert_eq!(answer["clientRequestToken"], request["clientRequestToken"]);
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.contains("ECS.5") && message.contains("nginx"),
        "{message}"
    );
    assert!(message.chars().count() <= 4096);
    println!("hook answered in {took:?} (CloudFormation waits at most 30 s)");

    let mut compliant = request.clone();
    for container in compliant["requestData"]["targetModel"]["resourceProperties"]
        ["ContainerDefinitions"]
        .as_array_mut()
        .unwrap()
    {
        container["ReadonlyRootFilesystem"] = json!("true");
    }
    let answer = response(gate.invoke(&compliant).unwrap());
    assert_eq!(answer["hookStatus"], "SUCCESS", "{answer}");

    let mut malformed = request.clone();
    malformed["requestData"]["targetModel"]["resourceProperties"]["ContainerDefinitions"] =
        json!("not a list");
    let answer = response(gate.invoke(&malformed).unwrap());
    assert_eq!(answer["hookStatus"], "FAILED");
    assert_eq!(answer["errorCode"], "InternalFailure");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("ContainerDefinitions"));
    assert!(
        gate.logs()
            .iter()
            .filter(|l| l.contains("\"gate decision\""))
            .count()
            >= 3
    );
}

/// Registers a task definition in the fixture member account and returns its ARN.
fn register(moto: &Moto, key: &str, family: &str, compliant: bool) -> String {
    let container = if compliant {
        json!({
            "name": "app",
            "image": format!("{FIXTURE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app:1.0"),
            "readonlyRootFilesystem": true,
            "user": "1000",
            "linuxParameters": {"capabilities": {"drop": ["ALL"]}},
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"}},
        })
    } else {
        json!({"name": "shell", "image": "nicolaka/netshoot:latest", "privileged": true})
    };
    let out = moto
        .ecs_as(
            key,
            "RegisterTaskDefinition",
            json!({"family": family, "networkMode": "awsvpc", "cpu": "256", "memory": "512",
                   "requiresCompatibilities": ["FARGATE"], "containerDefinitions": [container]}),
        )
        .unwrap();
    out["taskDefinition"]["taskDefinitionArn"]
        .as_str()
        .unwrap()
        .to_string()
}

fn registration_event(arn: &str) -> Value {
    let mut event = fixture_event("eventbridge-register-task-definition.json");
    event["detail"]["responseElements"]["taskDefinition"]["taskDefinitionArn"] = json!(arn);
    event
}

fn status(moto: &Moto, key: &str, arn: &str) -> Value {
    let out = moto
        .ecs_as(
            key,
            "DescribeTaskDefinition",
            json!({"taskDefinition": arn, "include": ["TAGS"]}),
        )
        .unwrap();
    json!({"status": out["taskDefinition"]["status"], "tags": out["tags"]})
}

#[test]
fn registrations_are_deregistered_in_enforce_mode_and_reported_in_audit_mode() {
    let moto = Moto::start().unwrap();
    let member = moto.key_for(FIXTURE_ACCOUNT).unwrap();
    let bad = register(&moto, &member, "debug-shell", false);
    let good = register(&moto, &member, "payments-api", true);

    let audit = Lambda::start("gate", &moto, &[("ECS_HARDEN_GATE_MODE", "audit")]).unwrap();
    let answer = response(audit.invoke(&registration_event(&bad)).unwrap());
    assert_eq!(answer["decision"], "would-deregister (audit mode)");
    assert_eq!(status(&moto, &member, &bad)["status"], "ACTIVE");
    drop(audit);

    let enforce = Lambda::start("gate", &moto, &[("ECS_HARDEN_GATE_MODE", "enforce")]).unwrap();
    let answer = response(enforce.invoke(&registration_event(&bad)).unwrap());
    assert_eq!(answer["decision"], "deregistered", "{answer}");
    let failed: Vec<&str> = answer["failedControls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        failed.contains(&"ECS.4") && failed.contains(&"ECS.5"),
        "{failed:?}"
    );
    let after = status(&moto, &member, &bad);
    assert_eq!(after["status"], "INACTIVE", "{after}");
    assert!(
        after["tags"].to_string().contains("ecs-harden:gate"),
        "{after}"
    );

    let answer = response(enforce.invoke(&registration_event(&good)).unwrap());
    assert_eq!(answer["decision"], "allowed", "{answer}");
    assert_eq!(status(&moto, &member, &good)["status"], "ACTIVE");

    let decisions: Vec<Value> = enforce
        .logs()
        .iter()
        .filter(|l| l.contains("\"gate decision\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["decision"], "deregistered");
    assert!(decisions[0]["principal"].as_str().unwrap().contains("jdoe"));
    let calls = moto.calls().unwrap();
    assert!(calls
        .iter()
        .filter(|c| c["action"] == "DeregisterTaskDefinition")
        .all(|c| c["accountId"] == FIXTURE_ACCOUNT));
}
