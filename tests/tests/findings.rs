//! The real findings Lambda (`rules/findings`) through the Lambda Runtime API emulator, against
//! the local endpoint's Security Hub. A real rule Lambda evaluates task definitions of the member
//! account; the test then plays AWS Config: it reads the result back as Config reports it and
//! sends the "Config Rules Compliance Change" event Config would send (with the previous
//! result), and every assertion is on what the findings Lambda left in Security Hub.

use std::collections::BTreeMap;

use ecs_harden_e2e::*;
use serde_json::{json, Value};

const ECS_4: &str = "ecs-harden-containers-not-privileged";
const ECS_8: &str = "ecs-harden-no-environment-secrets";
/// The findings Lambda's member role, as the deployment names it.
const FINDINGS_ROLE: &str = "ecs-harden-member-findings";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn response(reply: Reply) -> Value {
    match reply {
        Reply::Response(v) => v,
        Reply::Error(e) => panic!("the invocation failed: {e}"),
    }
}

/// A Security Hub (REST) call as the account behind `key`.
fn securityhub(moto: &Moto, key: &str, method: &str, path: &str, body: &Value) -> Value {
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={key}/20250101/{REGION}/securityhub/aws4_request, SignedHeaders=host, Signature=0"
    );
    let (status, answer) = http::request(
        &moto.address,
        method,
        path,
        &[
            ("content-type", "application/json"),
            ("authorization", &authorization),
        ],
        &serde_json::to_vec(body).unwrap(),
    )
    .unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(status < 300, "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn start_recorder(moto: &Moto, key: &str) {
    for (action, body) in [
        (
            "PutConfigurationRecorder",
            json!({"ConfigurationRecorder": {"name": "default",
                "roleARN": format!("arn:aws:iam::{FIXTURE_ACCOUNT}:role/aws-config"),
                "recordingGroup": {"allSupported": true}}}),
        ),
        (
            "PutDeliveryChannel",
            json!({"DeliveryChannel": {"name": "default", "s3BucketName": "config-bucket"}}),
        ),
        (
            "StartConfigurationRecorder",
            json!({"ConfigurationRecorderName": "default"}),
        ),
    ] {
        moto.config_as(key, action, body)
            .unwrap_or_else(|e| panic!("{action}: {e}"));
    }
}

/// RFC 3339 UTC with milliseconds of epoch seconds, as Config's events write times.
fn iso(epoch: f64) -> String {
    let millis = (epoch * 1000.0).round() as i64;
    let (days, rest) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
    // H. Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    )
}

/// AWS Config of the member account, as far as the findings Lambda sees it: evaluations by a
/// real rule Lambda, and the compliance change events that follow.
struct Config<'a> {
    moto: &'a Moto,
    member: String,
    /// The last result of each (rule, resource), in the event's shape.
    last: BTreeMap<(String, String), Value>,
    /// Capture times of the configuration items, one minute apart.
    minute: u32,
}

impl Config<'_> {
    /// The configuration item of a task definition revision, as a change notification carries it.
    fn item(&mut self, arn: &str) -> Value {
        let batch = self
            .moto
            .config_as(
                &self.member,
                "BatchGetResourceConfig",
                json!({"resourceKeys": [{"resourceType": "AWS::ECS::TaskDefinition", "resourceId": arn}]}),
            )
            .unwrap();
        let base = &batch["baseConfigurationItems"][0];
        let configuration: Value =
            serde_json::from_str(base["configuration"].as_str().expect("an item")).unwrap();
        self.minute += 1;
        json!({
            "configurationItemVersion": "1.3",
            "configurationItemCaptureTime": format!("2026-12-01T10:{:02}:00.000Z", self.minute),
            "configurationItemStatus": "OK",
            "resourceType": "AWS::ECS::TaskDefinition",
            "resourceId": arn,
            "ARN": arn,
            "awsRegion": REGION,
            "awsAccountId": FIXTURE_ACCOUNT,
            "tags": {},
            "relationships": [],
            "configuration": configuration,
        })
    }

    /// Runs `rule`'s Lambda on the revision's configuration item, then returns the compliance
    /// change event Config sends for the result it recorded.
    fn evaluate(&mut self, lambda: &Lambda, rule: &str, arn: &str) -> Value {
        let item = self.item(arn);
        let token = json!({"configRuleName": rule}).to_string();
        response(
            lambda
                .invoke(&change_event(
                    rule,
                    &token,
                    &item,
                    FIXTURE_ACCOUNT,
                    &json!({}),
                ))
                .unwrap(),
        );
        let details = self
            .moto
            .config_as(
                &self.member,
                "GetComplianceDetailsByResource",
                json!({"ResourceType": "AWS::ECS::TaskDefinition", "ResourceId": arn}),
            )
            .unwrap();
        let result = details["EvaluationResults"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"]
                    == rule
            })
            .unwrap_or_else(|| panic!("Config has no result of {rule} for {arn}: {details}"))
            .clone();
        let mut new = json!({
            "evaluationResultIdentifier": {
                "evaluationResultQualifier": {
                    "configRuleName": rule,
                    "resourceType": "AWS::ECS::TaskDefinition",
                    "resourceId": arn,
                    "evaluationMode": "DETECTIVE",
                },
                "orderingTimestamp": iso(result["EvaluationResultIdentifier"]["OrderingTimestamp"].as_f64().unwrap()),
            },
            "complianceType": result["ComplianceType"],
            "resultRecordedTime": iso(result["ResultRecordedTime"].as_f64().unwrap()),
            "configRuleInvokedTime": iso(result["ConfigRuleInvokedTime"].as_f64().unwrap()),
        });
        if let Some(annotation) = result.get("Annotation") {
            new["annotation"] = annotation.clone();
        }
        self.change(rule, arn, new)
    }

    /// The event for a new result of `rule` on `arn`, with the previous one.
    fn change(&mut self, rule: &str, arn: &str, new: Value) -> Value {
        let key = (rule.to_string(), arn.to_string());
        let mut detail = json!({
            "resourceId": arn,
            "awsRegion": REGION,
            "awsAccountId": FIXTURE_ACCOUNT,
            "configRuleName": rule,
            "recordVersion": "1.0",
            "configRuleARN": format!("arn:aws:config:{REGION}:{FIXTURE_ACCOUNT}:config-rule/config-rule-{rule}"),
            "messageType": "ComplianceChangeNotification",
            "newEvaluationResult": new,
            "notificationCreationTime": new["resultRecordedTime"],
            "resourceType": "AWS::ECS::TaskDefinition",
        });
        if let Some(old) = self.last.insert(key, new) {
            detail["oldEvaluationResult"] = old;
        }
        json!({
            "version": "0",
            "id": format!("event-{}", self.minute),
            "detail-type": "Config Rules Compliance Change",
            "source": "aws.config",
            "account": FIXTURE_ACCOUNT,
            "time": detail["notificationCreationTime"],
            "region": REGION,
            "resources": [],
            "detail": detail,
        })
    }
}

/// The member account's findings in Security Hub (what the endpoint stored), by resource.
fn findings(moto: &Moto) -> BTreeMap<String, Value> {
    let stored = moto
        .control_get(&format!("securityhub/findings?accountId={FIXTURE_ACCOUNT}"))
        .unwrap();
    stored["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let finding = row["finding"].clone();
            (
                finding["Resources"][0]["Id"].as_str().unwrap().to_string(),
                finding,
            )
        })
        .collect()
}

fn register(moto: &Moto, key: &str, body: Value) -> String {
    moto.ecs_as(key, "RegisterTaskDefinition", body).unwrap()["taskDefinition"]["taskDefinitionArn"]
        .as_str()
        .unwrap()
        .to_string()
}

fn web(privileged: bool) -> Value {
    json!({"family": "web", "networkMode": "awsvpc", "cpu": "256", "memory": "512",
           "requiresCompatibilities": ["FARGATE"],
           "containerDefinitions": [{"name": "app", "image": "nginx:1.27", "privileged": privileged}]})
}

fn setup(moto: &Moto) -> String {
    let member = moto.key_for(FIXTURE_ACCOUNT).unwrap();
    start_recorder(moto, &member);
    securityhub(
        moto,
        &member,
        "POST",
        "/accounts",
        &json!({"EnableDefaultStandards": false}),
    );
    member
}

fn findings_lambda(moto: &Moto) -> Lambda {
    Lambda::start(
        "findings",
        moto,
        &[("ECS_HARDEN_MEMBER_ROLE_NAME", FINDINGS_ROLE)],
    )
    .unwrap()
}

#[test]
fn a_failing_revision_becomes_one_finding_the_fix_resolves_and_deregistering_archives() {
    let moto = Moto::start().unwrap();
    let member = setup(&moto);
    let rule = Lambda::start("ecs-4-containers-not-privileged", &moto, &[]).unwrap();
    let lambda = findings_lambda(&moto);
    let mut config = Config {
        moto: &moto,
        member: member.clone(),
        last: BTreeMap::new(),
        minute: 0,
    };

    // A privileged container: one finding, in the member account, that says why.
    let first = register(&moto, &member, web(true));
    let failing = config.evaluate(&rule, ECS_4, &first);
    let reply = response(lambda.invoke(&failing).unwrap());
    assert_eq!(reply["compliance"], "FAILED", "{reply}");
    let stored = findings(&moto);
    assert_eq!(stored.len(), 1, "{stored:#?}");
    let finding = &stored[&first];
    assert_eq!(
        finding["ProductArn"],
        format!("arn:aws:securityhub:{REGION}:{FIXTURE_ACCOUNT}:product/{FIXTURE_ACCOUNT}/default")
    );
    assert_eq!(finding["AwsAccountId"], FIXTURE_ACCOUNT);
    assert_eq!(finding["ProductName"], "ecs-harden");
    assert_eq!(finding["GeneratorId"], "ECS.4");
    assert_eq!(finding["Compliance"]["SecurityControlId"], "ECS.4");
    assert_eq!(finding["Compliance"]["Status"], "FAILED");
    assert!(finding["Compliance"]["RelatedRequirements"]
        .as_array()
        .unwrap()
        .contains(&json!("NIST.800-53.r5 AC-6")));
    assert_eq!(finding["Severity"]["Label"], "HIGH");
    assert_eq!(
        finding["FindingProviderFields"]["Severity"]["Original"],
        "High"
    );
    assert_eq!(finding["RecordState"], "ACTIVE");
    assert_eq!(finding["Workflow"]["Status"], "NEW");
    assert!(finding["Title"]
        .as_str()
        .unwrap()
        .starts_with("ECS.4 ECS containers should run as non-privileged"));
    let annotation = failing["detail"]["newEvaluationResult"]["annotation"]
        .as_str()
        .unwrap();
    assert!(annotation.contains("app"), "{annotation}");
    assert!(finding["Description"]
        .as_str()
        .unwrap()
        .starts_with(annotation));
    assert!(finding["Remediation"]["Recommendation"]["Url"]
        .as_str()
        .unwrap()
        .ends_with("/docs/controls.md#ecs4-ecs-containers-should-run-as-non-privileged"));
    assert_eq!(
        finding["Resources"][0]["Details"]["AwsEcsTaskDefinition"]["Family"],
        "web"
    );
    let imports: Vec<Value> = moto
        .calls()
        .unwrap()
        .into_iter()
        .filter(|c| c["action"] == "BatchImportFindings")
        .collect();
    assert!(
        !imports.is_empty() && imports.iter().all(|c| c["accountId"] == FIXTURE_ACCOUNT),
        "imported from the account that owns the resource: {imports:#?}"
    );

    // The same event again (EventBridge delivers at least once): nothing changes.
    response(lambda.invoke(&failing).unwrap());
    assert_eq!(findings(&moto), stored);

    // The fix, a new revision: its finding passes and is resolved, and so is the failure of
    // the revision it supersedes. Security Hub throttles the first two imports.
    let fixed = register(&moto, &member, web(false));
    let passing = config.evaluate(&rule, ECS_4, &fixed);
    moto.control_post(
        "faults",
        json!({"service": "securityhub", "action": "BatchImportFindings", "throttle": 2}),
    )
    .unwrap();
    let before = moto.calls().unwrap().len();
    let reply = response(lambda.invoke(&passing).unwrap());
    assert!(reply["retries"].as_u64().unwrap() >= 2, "{reply}");
    let throttled = moto.calls().unwrap()[before..]
        .iter()
        .filter(|c| c["action"] == "BatchImportFindings")
        .map(|c| c["status"].as_u64().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(throttled, [429, 429, 200]);
    let stored = findings(&moto);
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[&fixed]["Compliance"]["Status"], "PASSED");
    assert_eq!(stored[&fixed]["Workflow"]["Status"], "RESOLVED");
    let older = &stored[&first];
    assert_eq!(older["Workflow"]["Status"], "RESOLVED");
    assert!(
        older["Note"]["Text"]
            .as_str()
            .unwrap()
            .contains("revision 2 of web"),
        "{older}"
    );
    assert_eq!(
        older["Compliance"]["Status"], "FAILED",
        "the old revision still fails"
    );

    // Deregistered: the control no longer applies, and the finding is archived.
    moto.ecs_as(
        &member,
        "DeregisterTaskDefinition",
        json!({"taskDefinition": first}),
    )
    .unwrap();
    let gone = config.evaluate(&rule, ECS_4, &first);
    assert_eq!(
        gone["detail"]["newEvaluationResult"]["complianceType"],
        "NOT_APPLICABLE"
    );
    response(lambda.invoke(&gone).unwrap());
    let stored = findings(&moto);
    assert_eq!(stored.len(), 2, "no duplicate: {stored:#?}");
    assert_eq!(stored[&first]["RecordState"], "ARCHIVED");
    assert_eq!(stored[&first]["Compliance"]["Status"], "NOT_AVAILABLE");
    assert_eq!(stored[&fixed]["RecordState"], "ACTIVE");

    let lines: Vec<Value> = lambda
        .logs()
        .iter()
        .filter(|l| l.contains("\"message\":\"finding\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "one log line per event");
    assert!(lines
        .iter()
        .all(|l| l["account"] == FIXTURE_ACCOUNT && l["control"] == "ECS.4"));
}

#[test]
fn an_accepted_risk_is_suppressed_until_it_expires_and_no_secret_reaches_a_finding() {
    let moto = Moto::start().unwrap();
    let member = setup(&moto);
    let rule = Lambda::start("ecs-8-no-environment-secrets", &moto, &[]).unwrap();
    let lambda = findings_lambda(&moto);
    let mut config = Config {
        moto: &moto,
        member: member.clone(),
        last: BTreeMap::new(),
        minute: 0,
    };
    let reports = register(
        &moto,
        &member,
        json!({"family": "reports", "networkMode": "awsvpc", "cpu": "256", "memory": "512",
               "requiresCompatibilities": ["FARGATE"],
               "containerDefinitions": [{"name": "report-builder", "image": "reports:4.2",
                   "environment": [{"name": "AWS_SECRET_ACCESS_KEY", "value": SECRET}]}]}),
    );
    let failing = config.evaluate(&rule, ECS_8, &reports);
    assert_eq!(
        failing["detail"]["newEvaluationResult"]["complianceType"],
        "NON_COMPLIANT"
    );
    // Security Hub reports the first import as failed once: it is sent again.
    moto.control_post(
        "faults",
        json!({"service": "securityhub", "action": "BatchImportFindings", "failFindings": 1}),
    )
    .unwrap();
    response(lambda.invoke(&failing).unwrap());
    let finding = findings(&moto)[&reports].clone();
    let text = finding.to_string();
    assert!(text.contains("AWS_SECRET_ACCESS_KEY"), "{text}");
    assert!(
        !text.contains(SECRET),
        "a secret value reached the finding: {text}"
    );
    assert!(
        !lambda.logs().join("\n").contains(SECRET),
        "a secret value reached the logs"
    );
    assert_eq!(
        moto.count("BatchImportFindings").unwrap(),
        2,
        "the failed finding is sent again"
    );

    // The rule Lambda writes an accepted risk at the start of the annotation: suppressed, with
    // the register entry in the note.
    let plain = failing["detail"]["newEvaluationResult"].clone();
    let mut accepted = plain.clone();
    accepted["annotation"] = json!(format!(
        "Accepted risk EXC-7 until 2027-06-30: {}",
        plain["annotation"].as_str().unwrap()
    ));
    // Later evaluations (of the same configuration): later recorded times.
    accepted["resultRecordedTime"] = json!("2099-01-01T00:00:01.000Z");
    let event = config.change(ECS_8, &reports, accepted);
    response(lambda.invoke(&event).unwrap());
    let finding = findings(&moto)[&reports].clone();
    assert_eq!(finding["Compliance"]["Status"], "FAILED");
    assert_eq!(finding["Workflow"]["Status"], "SUPPRESSED");
    let note = finding["Note"]["Text"].as_str().unwrap();
    assert!(
        note.contains("EXC-7") && note.contains("2027-06-30"),
        "{note}"
    );
    assert_eq!(finding["ProductFields"]["ecs-harden/ExceptionId"], "EXC-7");

    // The entry expires: the next evaluation has no accepted risk, and the finding opens again.
    let mut expired = plain.clone();
    expired["resultRecordedTime"] = json!("2099-01-01T00:00:02.000Z");
    let event = config.change(ECS_8, &reports, expired);
    response(lambda.invoke(&event).unwrap());
    let finding = findings(&moto)[&reports].clone();
    assert_eq!(finding["Workflow"]["Status"], "NEW");
    assert!(finding["Note"]["Text"]
        .as_str()
        .unwrap()
        .contains("no longer accepts"));
}

#[test]
fn accounts_without_security_hub_and_other_rules_are_left_alone() {
    let moto = Moto::start().unwrap();
    let lambda = findings_lambda(&moto);
    let fixture = std::fs::read_to_string(
        workspace().join("tests/fixtures/events/eventbridge-config-compliance-change.json"),
    )
    .unwrap();
    // Security Hub CSPM is not enabled in the fixture's account.
    let event: Value = serde_json::from_str(&fixture).unwrap();
    let reply = response(lambda.invoke(&event).unwrap());
    assert!(
        reply["skipped"].as_str().unwrap().contains(FIXTURE_ACCOUNT),
        "{reply}"
    );
    let mut other = event.clone();
    other["detail"]["configRuleName"] = json!("required-tags");
    let reply = response(lambda.invoke(&other).unwrap());
    assert!(reply["ignored"].as_str().unwrap().contains("required-tags"));
    let mut broken = event;
    broken["detail"]["awsAccountId"] = json!("not-an-account");
    match lambda.invoke(&broken).unwrap() {
        Reply::Error(e) => assert!(e.to_string().contains("detail.awsAccountId"), "{e}"),
        Reply::Response(v) => panic!("a broken event was accepted: {v}"),
    }
}
