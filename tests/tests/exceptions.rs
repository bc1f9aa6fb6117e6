//! One exception register, the same task definitions, four surfaces: `ecs-harden check`,
//! `ecs-harden scan`, the ECS.4 Config rule Lambda (periodic run) and the gate in enforce mode
//! (RegisterTaskDefinition responder and CloudFormation hook), all against moto on 127.0.0.1,
//! the Lambdas reading the register from S3 as deployed. Each must accept exactly the
//! violation an entry in force covers: not the one whose entry has expired, not the one whose
//! entry is for another control, not the one whose tag names an entry the register lacks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ecs_harden_core::exceptions::{accepted_in_annotation, Date};
use ecs_harden_e2e::*;
use serde_json::{json, Value};

const BUCKET: &str = "ecs-harden-exceptions";
const KEY: &str = "exceptions.yaml";

/// family → what every surface must decide on its ECS.4 result: `Some(entry)` accepted risk,
/// `None` a violation that stands; families missing here are COMPLIANT.
fn expected() -> BTreeMap<String, Option<String>> {
    [
        ("cadvisor", Some("EXC-1")),
        ("legacy", None),
        ("batch", None),
        ("web", None),
    ]
    .into_iter()
    .map(|(family, id)| (family.to_string(), id.map(str::to_string)))
    .collect()
}

/// EXC-1 covers cadvisor for ECS.4 for another 30 days; EXC-2 covered legacy until yesterday;
/// EXC-3 covers batch, which names it on a tag, but for ECS.5 only. web's tag names EXC-404.
fn register(today: Date) -> String {
    let entry = |id: &str, control: &str, family: &str, expires: Date| {
        format!(
            "  - id: {id}\n    controls: [{control}]\n    resources: [{family}]\n    \
             reason: needed by the platform\n    owner: platform-team\n    \
             approvedBy: security-architecture\n    expires: {expires}\n"
        )
    };
    format!(
        "exceptions:\n{}{}{}",
        entry("EXC-1", "ECS.4", "cadvisor", today.add_days(30)),
        entry("EXC-2", "ECS.4", "legacy", today.add_days(-1)),
        entry("EXC-3", "ECS.5", "batch", today.add_days(30)),
    )
}

fn today() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    Date::from_unix_seconds(seconds)
}

/// An S3 request to moto as the harness account (moto routes by the credential scope and does
/// not check the signature).
fn s3(moto: &Moto, method: &str, path: &str, content_type: &str, body: &[u8]) {
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/s3/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let (status, answer) = http::request(
        &moto.address,
        method,
        path,
        &[
            ("authorization", authorization.as_str()),
            ("content-type", content_type),
        ],
        body,
    )
    .unwrap();
    assert!(
        status < 300,
        "{method} {path}: {status} {}",
        String::from_utf8_lossy(&answer)
    );
}

/// The central account's register bucket, versioned, with `objects` in it.
fn deploy_register(moto: &Moto, objects: &[(&str, &str)]) {
    s3(moto, "PUT", &format!("/{BUCKET}"), "application/xml", b"");
    s3(
        moto,
        "PUT",
        &format!("/{BUCKET}?versioning"),
        "application/xml",
        br#"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>"#,
    );
    for (key, text) in objects {
        s3(
            moto,
            "PUT",
            &format!("/{BUCKET}/{key}"),
            "application/yaml",
            text.as_bytes(),
        );
    }
}

/// Registers the task definitions in the harness's own account: every one but `api` is
/// privileged (fails ECS.4); the tags point at register entries. Their ARNs by family.
fn register_task_definitions(moto: &Moto) -> BTreeMap<String, String> {
    let mut arns = BTreeMap::new();
    for (family, privileged, tag) in [
        ("cadvisor", true, Some("EXC-1")),
        ("legacy", true, None),
        ("batch", true, Some("EXC-3")),
        ("web", true, Some("EXC-404")),
        ("api", false, None),
    ] {
        let mut definition = fargate_task_definition(family, privileged);
        if let Some(ids) = tag {
            definition["tags"]
                .as_array_mut()
                .unwrap()
                .push(json!({"key": "ecs-harden:exception", "value": ids}));
        }
        let registered = moto.ecs("RegisterTaskDefinition", definition).unwrap();
        let arn = registered["taskDefinition"]["taskDefinitionArn"]
            .as_str()
            .unwrap()
            .to_string();
        arns.insert(family.to_string(), arn);
    }
    arns
}

/// `…:task-definition/<family>:<revision>` → family.
fn family_of(arn: &str) -> String {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    name.split(':').next().unwrap_or(name).to_string()
}

/// The decisions in a `check`/`scan` JSON report: NON_COMPLIANT ECS.4 results by family, with
/// the accepting entry.
fn report_decisions(stdout: &[u8]) -> BTreeMap<String, Option<String>> {
    let report: Value = serde_json::from_slice(stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}): {}",
            String::from_utf8_lossy(stdout)
        )
    });
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["control"] == "ECS.4" && r["verdict"] == "NON_COMPLIANT")
        .map(|r| {
            (
                family_of(r["resourceId"].as_str().unwrap()),
                r["exception"]["id"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

fn response(reply: Reply) -> Value {
    match reply {
        Reply::Response(v) => v,
        Reply::Error(e) => panic!("the invocation failed: {e}"),
    }
}

/// A RegisterTaskDefinition event from the harness's own account for `arn`.
fn registration(arn: &str) -> Value {
    let path = workspace().join("tests/fixtures/events/eventbridge-register-task-definition.json");
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["account"] = json!(OWN_ACCOUNT);
    event["detail"]["recipientAccountId"] = json!(OWN_ACCOUNT);
    event["detail"]["responseElements"]["taskDefinition"]["taskDefinitionArn"] = json!(arn);
    event
}

/// A CloudFormation hook request for a privileged task definition of `family`, tagged with
/// `tag` as its `ecs-harden:exception`.
fn hook_request(family: &str, logical_id: &str, tag: Option<&str>) -> Value {
    let path = workspace().join("tests/fixtures/events/cfn-hook-request.json");
    let mut request: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut properties = json!({
        "Family": family,
        "ContainerDefinitions": [{"Name": "agent", "Image": "gcr.io/cadvisor/cadvisor:v0.49.1", "Privileged": "true"}],
    });
    if let Some(ids) = tag {
        properties["Tags"] = json!([{"Key": "ecs-harden:exception", "Value": ids}]);
    }
    request["requestData"]["targetLogicalId"] = json!(logical_id);
    request["requestData"]["targetModel"]["resourceProperties"] = properties;
    request
}

fn log_records(lambda: &Lambda, message: &str) -> Vec<Value> {
    lambda
        .logs()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["message"] == message)
        .collect()
}

#[test]
fn check_scan_the_config_rule_and_the_gate_accept_the_same_violations() {
    let moto = Moto::start().unwrap();
    let today = today();
    let register_text = register(today);
    deploy_register(&moto, &[(KEY, &register_text)]);
    let arns = register_task_definitions(&moto);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("ecs-harden-e2e-exceptions-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let register_file = dir.join("exceptions.yaml");
    std::fs::write(&register_file, &register_text).unwrap();

    // check, on what DescribeTaskDefinition answers (with tags).
    let mut files = Vec::new();
    for (family, arn) in &arns {
        let described = moto
            .ecs(
                "DescribeTaskDefinition",
                json!({"taskDefinition": arn, "include": ["TAGS"]}),
            )
            .unwrap();
        let file = dir.join(format!("{family}.json"));
        std::fs::write(&file, described.to_string()).unwrap();
        files.push(path_text(&file));
    }
    let check = moto
        .cli()
        .unwrap()
        .args([
            "check",
            "--format",
            "json",
            "--controls",
            "ECS.4",
            "--exceptions",
        ])
        .arg(&register_file)
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(1),
        "violations stand: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(report_decisions(&check.stdout), expected(), "check");
    let report: Value = serde_json::from_slice(&check.stdout).unwrap();
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("EXC-404") && warnings.contains("not in the exception register"),
        "unknown id not reported: {warnings}"
    );

    // scan, through the ECS API.
    let scan = moto
        .cli()
        .unwrap()
        .args([
            "scan",
            "--region",
            REGION,
            "--format",
            "json",
            "--controls",
            "ECS.4",
            "--exceptions",
        ])
        .arg(&register_file)
        .output()
        .unwrap();
    assert_eq!(
        scan.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    assert_eq!(report_decisions(&scan.stdout), expected(), "scan");

    // The ECS.4 Config rule Lambda, periodic run, reading the register from S3.
    let location = format!("s3://{BUCKET}/{KEY}");
    let control = ecs_harden_core::catalogue::find("ECS.4").unwrap();
    let rule = Lambda::start(
        &control.crate_name(),
        &moto,
        &[("ECS_HARDEN_EXCEPTIONS", location.as_str())],
    )
    .unwrap();
    let event = scheduled_event(
        &control.rule_name(),
        "token-exceptions",
        OWN_ACCOUNT,
        "2026-01-01T00:00:00.000Z",
        &json!({}),
    );
    response(rule.invoke(&event).unwrap());
    let stored = moto.evaluations().unwrap();
    let rule_decisions: BTreeMap<String, Option<String>> = stored
        .iter()
        .filter(|e| e["ComplianceType"] == "NON_COMPLIANT")
        .map(|e| {
            let annotation = e["Annotation"].as_str().unwrap_or_default();
            (
                family_of(e["ComplianceResourceId"].as_str().unwrap()),
                accepted_in_annotation(annotation).map(|(id, _)| id),
            )
        })
        .collect();
    assert_eq!(rule_decisions, expected(), "Config rule: {stored:#?}");
    let cadvisor = stored
        .iter()
        .find(|e| e["ComplianceResourceId"] == json!(arns["cadvisor"]))
        .unwrap();
    let annotation = cadvisor["Annotation"].as_str().unwrap();
    assert!(
        annotation.starts_with(&format!(
            "Accepted risk EXC-1 until {}: ",
            today.add_days(30)
        )),
        "{annotation}"
    );
    assert!(annotation.chars().count() <= 256);
    assert_eq!(log_records(&rule, "exception register read").len(), 1);
    let references = log_records(&rule, "exception reference");
    assert!(
        references.iter().any(|r| r["warning"]
            .as_str()
            .unwrap_or_default()
            .contains("EXC-404")),
        "{references:#?}"
    );
    let evaluations = log_records(&rule, "evaluation");
    let logged = evaluations
        .iter()
        .find(|r| r["resource_id"] == json!(arns["cadvisor"]))
        .unwrap();
    assert_eq!(logged["exception"], "EXC-1");
    drop(rule);

    // The gate in enforce mode: the hook, then the responder, which deregisters what is not
    // accepted.
    let gate = Lambda::start(
        "gate",
        &moto,
        &[
            ("ECS_HARDEN_GATE_MODE", "enforce"),
            ("ECS_HARDEN_GATE_CONTROLS", "ECS.4"),
            ("ECS_HARDEN_EXCEPTIONS", location.as_str()),
        ],
    )
    .unwrap();
    let hook = response(
        gate.invoke(&hook_request("cadvisor", "Cadvisor", Some("EXC-1")))
            .unwrap(),
    );
    assert_eq!(hook["hookStatus"], "SUCCESS", "{hook}");
    assert!(
        hook["message"]
            .as_str()
            .unwrap()
            .contains("ECS.4 accepted risk EXC-1"),
        "{hook}"
    );
    let hook = response(
        gate.invoke(&hook_request("web", "Web", Some("EXC-404")))
            .unwrap(),
    );
    assert_eq!(hook["hookStatus"], "FAILED", "{hook}");
    let mut gate_decisions = BTreeMap::new();
    for (family, arn) in &arns {
        let answer = response(gate.invoke(&registration(arn)).unwrap());
        let accepted = answer["acceptedRisk"][0]["id"].as_str().map(str::to_string);
        match answer["decision"].as_str().unwrap() {
            "allowed" if accepted.is_none() => {}
            "allowed" => {
                gate_decisions.insert(family.clone(), accepted);
            }
            "deregistered" => {
                gate_decisions.insert(family.clone(), None);
            }
            other => panic!("{family}: {other}"),
        }
    }
    assert_eq!(gate_decisions, expected(), "gate");
    let status = |family: &str| {
        moto.ecs(
            "DescribeTaskDefinition",
            json!({"taskDefinition": arns[family]}),
        )
        .unwrap()["taskDefinition"]["status"]
            .clone()
    };
    assert_eq!(status("cadvisor"), "ACTIVE");
    assert_eq!(status("legacy"), "INACTIVE");
    let decisions = log_records(&gate, "gate decision");
    let allowed = decisions
        .iter()
        .find(|d| d["task_definition"] == json!(arns["cadvisor"]))
        .unwrap();
    assert_eq!(allowed["decision"], "allowed");
    assert!(
        allowed["accepted_risk"]
            .as_str()
            .unwrap()
            .starts_with("ECS.4 accepted risk EXC-1 until "),
        "{allowed}"
    );
    assert_eq!(allowed["register"], location.as_str());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_invalid_or_missing_register_accepts_nothing_and_says_what_is_wrong() {
    let moto = Moto::start().unwrap();
    let today = today();
    let broken = format!(
        "exceptions:\n  - {{id: EXC-9, controls: [ECS.99], resources: [cadvisor], reason: r, \
         owner: o, approvedBy: a, expires: {}}}\n",
        today.add_days(10)
    );
    deploy_register(&moto, &[("broken.yaml", &broken)]);
    for (key, says) in [
        ("broken.yaml", "exceptions[0] (EXC-9).controls"),
        ("missing.yaml", "NoSuchKey"),
    ] {
        let location = format!("s3://{BUCKET}/{key}");
        let gate = Lambda::start(
            "gate",
            &moto,
            &[
                ("ECS_HARDEN_GATE_MODE", "enforce"),
                ("ECS_HARDEN_GATE_CONTROLS", "ECS.4"),
                ("ECS_HARDEN_EXCEPTIONS", location.as_str()),
            ],
        )
        .unwrap();
        let hook = response(
            gate.invoke(&hook_request("cadvisor", "Cadvisor", Some("EXC-9")))
                .unwrap(),
        );
        assert_eq!(hook["hookStatus"], "FAILED", "{key}: {hook}");
        let errors: Vec<Value> = gate
            .logs()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| {
                l["message"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("exception register unusable")
            })
            .collect();
        assert_eq!(errors.len(), 1, "{key}: {:#?}", gate.logs());
        assert_eq!(errors[0]["location"], location.as_str());
        assert!(
            errors[0]["error"]
                .as_str()
                .unwrap_or_default()
                .contains(says),
            "{key}: {}",
            errors[0]
        );
    }
}
