//! The mapping of compliance changes to findings, and delivery against a fake Security Hub.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::{json, Value};

use super::asff::{heading_anchor, related_requirements, remediation_url};
use super::delivery::{timestamp_millis, MAX_FINDINGS_PER_CALL};
use super::event::tests::event;
use super::*;
use crate::catalogue::{find, CATALOGUE};
use crate::runner::io::{ApiError, Clock, Page};
use crate::runner::retry::{Caller, RetryPolicy};
use crate::runner::{decode_event, evaluate_item, Trigger};
use crate::verdict::Verdict;

fn change_of(event: &Value) -> ComplianceChange {
    match decode(event).unwrap() {
        Decoded::Change(change) => *change,
        Decoded::Ignored(why) => panic!("ignored: {why}"),
    }
}

fn change(new: &str, annotation: Option<&str>, old: Option<&str>) -> ComplianceChange {
    change_of(&event(
        "ecs-harden-containers-not-privileged",
        new,
        annotation,
        old,
    ))
}

#[test]
fn a_failing_evaluation_is_a_finding_that_says_why() {
    let finding = finding(&change(
        "NON_COMPLIANT",
        Some("Privileged containers: shell. Set privileged to false."),
        None,
    ));
    assert_eq!(
        finding["Id"],
        "ecs-harden/ECS.4/111122223333/eu-west-1/AWS::ECS::TaskDefinition/arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3"
    );
    assert_eq!(
        finding["ProductArn"],
        "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default"
    );
    assert_eq!(finding["AwsAccountId"], "111122223333");
    assert_eq!(finding["GeneratorId"], "ECS.4");
    assert_eq!(finding["Compliance"]["SecurityControlId"], "ECS.4");
    assert_eq!(finding["Compliance"]["Status"], "FAILED");
    assert_eq!(finding["RecordState"], "ACTIVE");
    assert_eq!(
        finding["FindingProviderFields"]["Severity"],
        json!({"Label": "HIGH", "Original": "High"})
    );
    assert_eq!(finding["UpdatedAt"], "2026-03-02T10:00:05.120Z");
    assert_eq!(finding["CreatedAt"], "2026-03-02T10:00:00.000Z");
    assert_eq!(
        finding["Title"],
        "ECS.4 ECS containers should run as non-privileged"
    );
    let description = finding["Description"].as_str().unwrap();
    assert!(
        description.starts_with("Privileged containers: shell.")
            && description.contains("ecs-harden-containers-not-privileged"),
        "{description}"
    );
    // Security Hub's ECS.4 lists these requirements (Security Hub controls for Amazon ECS).
    let mut requirements: Vec<&str> = finding["Compliance"]["RelatedRequirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    requirements.sort_unstable();
    assert_eq!(
        requirements,
        [
            "NIST.800-53.r5 AC-2(1)",
            "NIST.800-53.r5 AC-3",
            "NIST.800-53.r5 AC-3(15)",
            "NIST.800-53.r5 AC-3(7)",
            "NIST.800-53.r5 AC-5",
            "NIST.800-53.r5 AC-6"
        ]
    );
    assert!(finding["Remediation"]["Recommendation"]["Url"]
        .as_str()
        .unwrap()
        .ends_with("docs/controls.md#ecs4-ecs-containers-should-run-as-non-privileged"));
    assert_eq!(
        finding["Resources"],
        json!([{
            "Type": "AwsEcsTaskDefinition",
            "Id": "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3",
            "Partition": "aws",
            "Region": "eu-west-1",
            "Details": {"AwsEcsTaskDefinition": {"Family": "web"}},
        }])
    );
}

#[test]
fn the_fixture_event_becomes_the_expected_finding() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/events/eventbridge-config-compliance-change.json");
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let planned = plan(&change_of(&event));
    let finding = planned.finding.unwrap();
    assert_eq!(
        finding["ProductArn"],
        "arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default"
    );
    assert_eq!(finding["GeneratorId"], "ECS.5");
    assert_eq!(finding["Compliance"]["SecurityControlId"], "ECS.5");
    assert_eq!(finding["Compliance"]["Status"], "FAILED");
    assert_eq!(
        finding["FindingProviderFields"]["Severity"]["Label"],
        "HIGH"
    );
    assert!(finding["Description"]
        .as_str()
        .unwrap()
        .contains("log_router"));
    assert_eq!(finding["UpdatedAt"], "2025-03-03T10:51:23.112Z");
    assert_eq!(
        finding["ProductFields"]["ecs-harden/ConfigRuleName"],
        "ecs-harden-containers-readonly-root-conformance-pack-7xk2mq9w"
    );
    assert!(planned.workflow.is_none() && planned.superseded.is_none());
}

#[test]
fn pci_requirements_use_security_hubs_notation() {
    let ecs2 = find("ECS.2").unwrap();
    let requirements = related_requirements(ecs2);
    assert!(requirements.contains(&"PCI DSS v4.0.1/1.4.4".to_string()));
    assert!(requirements.contains(&"NIST.800-53.r5 SC-7(3)".to_string()));
}

#[test]
fn every_control_fits_the_asff_limits() {
    let long = "x".repeat(256);
    for control in CATALOGUE {
        let mapped: usize = control.mappings.iter().map(|m| m.requirements.len()).sum();
        assert!(
            mapped <= 32,
            "{} maps to {mapped} requirements; Compliance.RelatedRequirements takes 32",
            control.id
        );
        assert_eq!(related_requirements(control).len(), mapped);
        let mut change = change("NON_COMPLIANT", Some(&long), None);
        change.control = control;
        change.rule_name = format!("{}-conformance-pack-abcdefgh", control.rule_name());
        let finding = finding(&change);
        assert!(finding["Title"].as_str().unwrap().chars().count() <= 256);
        assert!(finding["Description"].as_str().unwrap().chars().count() <= 1024);
        let text = finding["Remediation"]["Recommendation"]["Text"]
            .as_str()
            .unwrap();
        assert!(!text.is_empty() && text.chars().count() <= 512);
        assert!(finding["Id"].as_str().unwrap().chars().count() <= 512);
    }
}

#[test]
fn remediation_links_point_at_a_heading_of_the_controls_page() {
    let page = crate::export::controls_doc();
    let anchors: Vec<String> = page
        .lines()
        .filter_map(|line| line.strip_prefix("### "))
        .map(heading_anchor)
        .collect();
    for control in CATALOGUE {
        let url = remediation_url(control);
        let anchor = url.rsplit_once('#').unwrap().1;
        assert!(
            anchors.iter().any(|a| a == anchor),
            "{}: no heading of docs/controls.md has the anchor #{anchor}",
            control.id
        );
    }
    assert_eq!(
        heading_anchor("ECS.3: ECS task definitions should not share the host's process namespace"),
        "ecs3-ecs-task-definitions-should-not-share-the-hosts-process-namespace"
    );
}

fn resource_of(resource_type: &str, resource_id: &str) -> Value {
    let mut change = change("NON_COMPLIANT", Some("x"), None);
    change.resource_type = resource_type.into();
    change.resource_id = resource_id.into();
    asff::resource(&change)
}

#[test]
fn resources_carry_what_their_identifier_tells() {
    assert_eq!(
        resource_of(
            "AWS::ECS::Service",
            "arn:aws:ecs:eu-west-1:111122223333:service/payments/api"
        )["Details"],
        json!({"AwsEcsService": {
            "ServiceArn": "arn:aws:ecs:eu-west-1:111122223333:service/payments/api",
            "Name": "api",
            "Cluster": "arn:aws:ecs:eu-west-1:111122223333:cluster/payments",
        }})
    );
    let cluster = resource_of("AWS::ECS::Cluster", "payments");
    assert_eq!(cluster["Type"], "AwsEcsCluster");
    assert_eq!(
        cluster["Id"],
        "arn:aws:ecs:eu-west-1:111122223333:cluster/payments"
    );
    assert_eq!(
        cluster["Details"]["AwsEcsCluster"]["ClusterName"],
        "payments"
    );
    let template = resource_of("AWS::EC2::LaunchTemplate", "lt-0123456789abcdef0");
    assert_eq!(template["Type"], "AwsEc2LaunchTemplate");
    assert_eq!(
        template["Id"],
        "arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0123456789abcdef0"
    );
    let provider = resource_of("AWS::ECS::CapacityProvider", "spot-fleet");
    assert_eq!(provider["Type"], "Other");
    assert_eq!(
        provider["Id"],
        "arn:aws:ecs:eu-west-1:111122223333:capacity-provider/spot-fleet"
    );
    assert!(provider.get("Details").is_none());
}

#[test]
fn long_resource_ids_keep_distinct_finding_ids_within_512_characters() {
    let control = find("ECS.4").unwrap();
    let a = asff::finding_id(
        control,
        "111122223333",
        "eu-west-1",
        "AWS::ECS::TaskDefinition",
        &"a".repeat(700),
    );
    let b = asff::finding_id(
        control,
        "111122223333",
        "eu-west-1",
        "AWS::ECS::TaskDefinition",
        &format!("{}b", "a".repeat(699)),
    );
    assert!(a.chars().count() <= 512 && b.chars().count() <= 512);
    assert_ne!(a, b);
    assert_eq!(
        a,
        asff::finding_id(
            control,
            "111122223333",
            "eu-west-1",
            "AWS::ECS::TaskDefinition",
            &"a".repeat(700)
        )
    );
}

#[test]
fn what_each_change_asks_for() {
    let compliant = plan(&change("COMPLIANT", None, Some("NON_COMPLIANT")));
    let finding = compliant.finding.as_ref().unwrap();
    assert_eq!(finding["Compliance"]["Status"], "PASSED");
    assert_eq!(finding["RecordState"], "ACTIVE");
    assert_eq!(
        compliant.workflow.as_ref().map(|w| w.status),
        Some(WorkflowStatus::Resolved)
    );
    let superseded = compliant.superseded.unwrap();
    assert_eq!(
        superseded.arn_prefix,
        "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:"
    );
    assert!(superseded.covers("arn:aws:ecs:eu-west-1:111122223333:task-definition/web:2"));
    assert!(!superseded.covers("arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3"));
    assert!(!superseded.covers("arn:aws:ecs:eu-west-1:111122223333:task-definition/web:12"));
    assert!(!superseded.covers("arn:aws:ecs:eu-west-1:111122223333:task-definition/web-api:1"));

    let accepted = plan(&change(
        "NON_COMPLIANT",
        Some("Accepted risk EXC-12 until 2027-06-30: Privileged containers: cadvisor."),
        Some("NON_COMPLIANT"),
    ));
    assert_eq!(
        accepted.finding.as_ref().unwrap()["Compliance"]["Status"],
        "FAILED"
    );
    assert_eq!(
        accepted.finding.as_ref().unwrap()["ProductFields"]["ecs-harden/ExceptionId"],
        "EXC-12"
    );
    let workflow = accepted.workflow.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Suppressed);
    assert!(
        workflow.note.contains("EXC-12") && workflow.note.contains("2027-06-30"),
        "{}",
        workflow.note
    );
    assert!(accepted.superseded.is_none());

    let mut expired = change(
        "NON_COMPLIANT",
        Some("Privileged containers: cadvisor."),
        Some("NON_COMPLIANT"),
    );
    expired.old.as_mut().unwrap().annotation =
        Some("Accepted risk EXC-12 until 2027-06-30: Privileged containers: cadvisor.".into());
    let workflow = plan(&expired).workflow.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::New);
    assert!(workflow.note.contains("EXC-12"));

    let failing = plan(&change(
        "NON_COMPLIANT",
        Some("Privileged containers: shell."),
        Some("COMPLIANT"),
    ));
    assert!(failing.finding.is_some() && failing.workflow.is_none());
    // Only the annotation's start names an exception.
    let quoted = plan(&change(
        "NON_COMPLIANT",
        Some("Privileged containers: Accepted risk EXC-12 until 2027-06-30: x"),
        None,
    ));
    assert!(quoted.workflow.is_none());

    let gone = plan(&change(
        "NOT_APPLICABLE",
        Some("Configuration item status is ResourceDeleted: nothing to evaluate."),
        Some("NON_COMPLIANT"),
    ));
    let archived = gone.finding.unwrap();
    assert_eq!(archived["RecordState"], "ARCHIVED");
    assert_eq!(archived["Compliance"]["Status"], "NOT_AVAILABLE");
    assert!(gone.workflow.is_none());

    let never = plan(&change(
        "NOT_APPLICABLE",
        Some("Not a Windows task definition."),
        None,
    ));
    assert!(never.finding.is_none() && never.workflow.is_none() && never.superseded.is_none());
    let still = plan(&change("NOT_APPLICABLE", None, Some("NOT_APPLICABLE")));
    assert!(still.finding.is_none());
}

#[test]
fn secrets_never_reach_a_finding() {
    // ECS.8 on a task definition with an access key in its environment (the fixture event),
    // evaluated by the real control; its annotation becomes the finding.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/events/config-change-notification.json");
    let rule_event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let decoded = decode_event(&rule_event).unwrap();
    let control = find("ECS.8").unwrap();
    let Trigger::Change { item, .. } = &decoded.trigger else {
        panic!("{:?}", decoded.trigger)
    };
    let secret = "AKIAQX4EXAMPLE7Z2H5N";
    assert!(
        item.to_string().contains(secret),
        "the fixture carries the secret"
    );
    let evaluation = evaluate_item(
        control,
        &decoded.params(control).unwrap(),
        item,
        false,
        None,
    )
    .unwrap();
    assert_eq!(evaluation.verdict, Verdict::NonCompliant);
    let mut compliance = event(
        &control.rule_name(),
        "NON_COMPLIANT",
        evaluation.annotation.as_deref(),
        None,
    );
    compliance["detail"]["resourceId"] = json!(evaluation.resource_id);
    let planned = plan(&change_of(&compliance));
    let text = planned.finding.unwrap().to_string();
    assert!(text.contains("AWS_ACCESS_KEY_ID"), "{text}");
    assert!(
        !text.contains(secret),
        "a secret value reached the finding: {text}"
    );
}

#[test]
fn timestamps_compare_as_instants() {
    let z = timestamp_millis("2026-03-02T10:00:05.120Z").unwrap();
    assert_eq!(timestamp_millis("2026-03-02T11:00:05.12+01:00"), Some(z));
    assert_eq!(timestamp_millis("2026-03-02T10:00:05.120000Z"), Some(z));
    assert_eq!(timestamp_millis("1970-01-01T00:00:01Z"), Some(1_000));
    assert!(timestamp_millis("2026-03-02T10:00:06Z").unwrap() > z);
    assert_eq!(timestamp_millis("2026-03-02 10:00:05Z"), None);
    assert_eq!(timestamp_millis("yesterday"), None);
}

// --- Delivery against a fake Security Hub -----------------------------------------------------

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// Virtual time: sleeping moves the clock.
#[derive(Default)]
struct FakeClock {
    now: AtomicU64,
    seed: AtomicU64,
}

impl Clock for FakeClock {
    fn now_millis(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
    fn sleep(&self, millis: u64) -> impl Future<Output = ()> + Send {
        self.now.fetch_add(millis, Ordering::SeqCst);
        std::future::ready(())
    }
    fn random(&self) -> u64 {
        self.seed.fetch_add(7919, Ordering::SeqCst)
    }
}

/// What one call is answered with, in order; `Ok(codes)` reports the first findings of the
/// call failed with those codes.
type Answer = Result<Vec<&'static str>, ApiError>;

#[derive(Default)]
struct FakeHub {
    /// Findings by Id, as imported (a newer UpdatedAt replaces, as in Security Hub).
    findings: Mutex<BTreeMap<String, Value>>,
    imports: Mutex<VecDeque<Answer>>,
    updates_answers: Mutex<VecDeque<Answer>>,
    /// GetFindings by Id shows nothing this many more times (asynchronous processing).
    invisible_reads: AtomicU64,
    /// What a GetFindings without an Id filter returns.
    listed: Mutex<Vec<Value>>,
    /// Calls: (action, how many findings).
    calls: Mutex<Vec<(&'static str, usize)>>,
    /// BatchUpdateFindings that Security Hub took: (ids, status).
    updates: Mutex<Vec<(Vec<String>, &'static str)>>,
}

fn answer(queue: &Mutex<VecDeque<Answer>>, ids: Vec<String>) -> Result<Vec<Failed>, ApiError> {
    let codes = queue
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Ok(Vec::new()))?;
    Ok(ids
        .into_iter()
        .zip(codes)
        .map(|(id, code)| Failed {
            id,
            code: code.into(),
            message: "injected".into(),
        })
        .collect())
}

impl SecurityHubApi for FakeHub {
    fn batch_import_findings(
        &self,
        findings: &[Value],
    ) -> impl Future<Output = Result<Vec<Failed>, ApiError>> + Send {
        assert!(!findings.is_empty() && findings.len() <= MAX_FINDINGS_PER_CALL);
        self.calls.lock().unwrap().push(("import", findings.len()));
        let ids = findings
            .iter()
            .map(|f| f["Id"].as_str().unwrap().to_string())
            .collect();
        let result = answer(&self.imports, ids);
        if let Ok(failed) = &result {
            let mut stored = self.findings.lock().unwrap();
            for finding in findings {
                let id = finding["Id"].as_str().unwrap();
                let newer = stored.get(id).is_none_or(|old| {
                    timestamp_millis(old["UpdatedAt"].as_str().unwrap())
                        < timestamp_millis(finding["UpdatedAt"].as_str().unwrap())
                });
                if newer && !failed.iter().any(|f| f.id == id) {
                    stored.insert(id.to_string(), finding.clone());
                }
            }
        }
        std::future::ready(result)
    }

    fn batch_update_findings(
        &self,
        findings: &[FindingIdentifier],
        change: &WorkflowChange,
    ) -> impl Future<Output = Result<Vec<Failed>, ApiError>> + Send {
        assert!(!findings.is_empty() && findings.len() <= MAX_FINDINGS_PER_CALL);
        assert!(change.note.chars().count() <= 512);
        self.calls.lock().unwrap().push(("update", findings.len()));
        let ids: Vec<String> = findings.iter().map(|f| f.id.clone()).collect();
        let result = answer(&self.updates_answers, ids.clone());
        if let Ok(failed) = &result {
            let taken = ids
                .into_iter()
                .filter(|id| !failed.iter().any(|f| &f.id == id))
                .collect();
            self.updates
                .lock()
                .unwrap()
                .push((taken, change.status.as_str()));
        }
        std::future::ready(result)
    }

    fn get_findings(
        &self,
        filters: &Value,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Value>, ApiError>> + Send {
        self.calls.lock().unwrap().push(("get", 0));
        let items = match filters.pointer("/Id/0/Value").and_then(Value::as_str) {
            Some(id) => {
                let hidden = self.invisible_reads.load(Ordering::SeqCst);
                if hidden > 0 {
                    self.invisible_reads.store(hidden - 1, Ordering::SeqCst);
                    Vec::new()
                } else {
                    self.findings
                        .lock()
                        .unwrap()
                        .get(id)
                        .cloned()
                        .into_iter()
                        .collect()
                }
            }
            None => {
                assert_eq!(filters["ResourceId"][0]["Comparison"], "PREFIX");
                let listed = self.listed.lock().unwrap().clone();
                // Two pages, to show that every page is read.
                let half = listed.len() / 2;
                match next_token {
                    None if half > 0 => {
                        return std::future::ready(Ok(Page {
                            items: listed[..half].to_vec(),
                            next_token: Some("page-2".into()),
                        }))
                    }
                    None => listed,
                    Some(_) => listed[half..].to_vec(),
                }
            }
        };
        std::future::ready(Ok(Page {
            items,
            next_token: None,
        }))
    }
}

fn throttled() -> ApiError {
    ApiError::new(
        "securityhub:BatchImportFindings",
        "TooManyRequestsException",
        "Too Many Requests",
        true,
    )
}

fn run(hub: &FakeHub, plan: Plan) -> Result<Delivered, DeliveryError> {
    let clock = FakeClock::default();
    let policy = RetryPolicy::with_deadline(60_000);
    let caller = Caller::new(&clock, &policy);
    block_on(deliver(hub, &caller, plan))
}

#[test]
fn throttling_and_transient_failures_are_retried() {
    let hub = FakeHub::default();
    hub.imports.lock().unwrap().extend([
        Err(throttled()),
        Ok(vec!["InternalFailure"]),
        Ok(Vec::new()),
    ]);
    hub.updates_answers
        .lock()
        .unwrap()
        .push_back(Ok(vec!["ConcurrentUpdateError"]));
    hub.invisible_reads.store(2, Ordering::SeqCst);
    let delivered = run(
        &hub,
        plan(&change("COMPLIANT", None, Some("NON_COMPLIANT"))),
    )
    .unwrap();
    assert_eq!(delivered.imported, 1);
    assert_eq!(delivered.workflow.as_deref(), Some("RESOLVED"));
    let calls = hub.calls.lock().unwrap().clone();
    let imports = calls
        .iter()
        .filter(|(action, _)| *action == "import")
        .count();
    let updates = calls
        .iter()
        .filter(|(action, _)| *action == "update")
        .count();
    assert_eq!((imports, updates), (3, 2), "{calls:?}");
    assert_eq!(hub.updates.lock().unwrap().last().unwrap().1, "RESOLVED");
}

#[test]
fn a_refused_finding_stops_with_its_code() {
    let hub = FakeHub::default();
    hub.imports
        .lock()
        .unwrap()
        .push_back(Ok(vec!["InvalidAccess"]));
    let error = run(&hub, plan(&change("NON_COMPLIANT", Some("x"), None))).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("securityhub:BatchImportFindings") && message.contains("InvalidAccess"),
        "{message}"
    );
    assert_eq!(
        hub.calls.lock().unwrap().len(),
        1,
        "refused findings are not sent again"
    );
}

#[test]
fn a_late_evaluation_does_not_change_the_workflow_of_a_newer_one() {
    let hub = FakeHub::default();
    let newer = change(
        "NON_COMPLIANT",
        Some("Privileged containers: shell."),
        Some("COMPLIANT"),
    );
    let mut late = change("COMPLIANT", None, Some("NON_COMPLIANT"));
    late.recorded_at = "2026-03-02T09:00:00.000Z".into();
    late.observed_at = "2026-03-02T08:59:00.000Z".into();
    run(&hub, plan(&newer)).unwrap();
    let delivered = run(&hub, plan(&late)).unwrap();
    assert!(delivered.workflow.unwrap().starts_with("unchanged"));
    assert!(hub.updates.lock().unwrap().is_empty());
    let stored = hub.findings.lock().unwrap();
    assert_eq!(
        stored.values().next().unwrap()["Compliance"]["Status"],
        "FAILED"
    );
}

#[test]
fn a_passing_revision_resolves_the_open_failures_of_older_revisions_in_calls_of_100() {
    let hub = FakeHub::default();
    let older: Vec<Value> = (1..=150)
        .map(|revision| {
            json!({
                "Id": format!("older-{revision}"),
                "ProductArn": "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",
                "Resources": [{"Id": format!("arn:aws:ecs:eu-west-1:111122223333:task-definition/web:{revision}")}],
            })
        })
        .collect();
    *hub.listed.lock().unwrap() = older;
    let mut passing = change("COMPLIANT", None, None);
    passing.resource_id = "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:120".into();
    let delivered = run(&hub, plan(&passing)).unwrap();
    assert_eq!(delivered.superseded.len(), 119);
    let updates = hub.updates.lock().unwrap().clone();
    let resolved: Vec<usize> = updates.iter().skip(1).map(|(ids, _)| ids.len()).collect();
    assert_eq!(resolved, [100, 19]);
    assert!(updates.iter().all(|(_, status)| *status == "RESOLVED"));
    assert!(!updates
        .iter()
        .flat_map(|(ids, _)| ids)
        .any(|id| id == "older-120" || id == "older-121"));
}

#[test]
fn nothing_is_sent_for_a_resource_that_never_had_a_finding() {
    let hub = FakeHub::default();
    let delivered = run(&hub, plan(&change("NOT_APPLICABLE", Some("x"), None))).unwrap();
    assert_eq!(delivered, Delivered::default());
    assert!(hub.calls.lock().unwrap().is_empty());
}
