//! The runner against fakes of Config, ECS and the clock.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::{json, Value};

use super::io::{ApiError, Clock, ConfigApi, EcsApi};
use super::*;
use crate::catalogue::find;

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

#[derive(Default)]
struct FakeConfig {
    /// Calls, in order: how many evaluations each carried and whether it was refused.
    calls: Mutex<Vec<(usize, bool)>>,
    delivered: Mutex<Vec<Evaluation>>,
    throttle_next: AtomicU64,
    fail_first_evaluation_next: AtomicU64,
    refuse_with: Mutex<Option<ApiError>>,
    history: Mutex<Option<Value>>,
}

impl ConfigApi for FakeConfig {
    fn put_evaluations(
        &self,
        _token: &str,
        evaluations: &[Evaluation],
    ) -> impl Future<Output = Result<Vec<Evaluation>, ApiError>> + Send {
        assert!(evaluations.len() <= 100 && !evaluations.is_empty());
        let result = if let Some(error) = self.refuse_with.lock().unwrap().clone() {
            Err(error)
        } else if self.throttle_next.load(Ordering::SeqCst) > 0 {
            self.throttle_next.fetch_sub(1, Ordering::SeqCst);
            Err(ApiError {
                operation: "PutEvaluations",
                code: "ThrottlingException".into(),
                message: "Rate exceeded".into(),
                retryable: true,
            })
        } else if self.fail_first_evaluation_next.load(Ordering::SeqCst) > 0 {
            self.fail_first_evaluation_next
                .fetch_sub(1, Ordering::SeqCst);
            self.delivered
                .lock()
                .unwrap()
                .extend(evaluations[1..].iter().cloned());
            Ok(vec![evaluations[0].clone()])
        } else {
            self.delivered
                .lock()
                .unwrap()
                .extend(evaluations.iter().cloned());
            Ok(Vec::new())
        };
        self.calls
            .lock()
            .unwrap()
            .push((evaluations.len(), result.is_err()));
        std::future::ready(result)
    }

    fn get_resource_config_history(
        &self,
        _resource_type: &str,
        _resource_id: &str,
        _later_time: &str,
    ) -> impl Future<Output = Result<Option<Value>, ApiError>> + Send {
        std::future::ready(Ok(self.history.lock().unwrap().clone()))
    }
}

#[derive(Default)]
struct FakeEcs {
    task_definitions: BTreeMap<String, Value>,
    clusters: Vec<Value>,
    services: BTreeMap<String, Vec<Value>>,
    capacity_providers: Vec<Value>,
    /// Task definition ARNs whose describe always fails with a retryable error.
    broken: Vec<String>,
    calls: Mutex<BTreeMap<&'static str, usize>>,
}

impl FakeEcs {
    fn count(&self, operation: &'static str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .get(operation)
            .copied()
            .unwrap_or(0)
    }
    fn called(&self, operation: &'static str) {
        *self.calls.lock().unwrap().entry(operation).or_default() += 1;
    }
}

impl EcsApi for FakeEcs {
    fn list_active_task_definitions(
        &self,
    ) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send {
        self.called("ListTaskDefinitions");
        std::future::ready(Ok(self.task_definitions.keys().cloned().collect()))
    }
    fn describe_task_definition(
        &self,
        task_definition: &str,
    ) -> impl Future<Output = Result<Value, ApiError>> + Send {
        self.called("DescribeTaskDefinition");
        if self.broken.iter().any(|b| b == task_definition) {
            return std::future::ready(Err(ApiError {
                operation: "DescribeTaskDefinition",
                code: "ResponseError".into(),
                message: "the answer could not be read".into(),
                retryable: true,
            }));
        }
        let found = self
            .task_definitions
            .iter()
            .filter(|(arn, _)| {
                arn.as_str() == task_definition
                    || family_and_revision(arn).is_some_and(|(f, _)| f == task_definition)
            })
            .max_by_key(|(arn, _)| family_and_revision(arn).map(|(_, r)| r))
            .map(|(_, doc)| doc.clone());
        std::future::ready(found.ok_or(ApiError {
            operation: "DescribeTaskDefinition",
            code: "ClientException".into(),
            message: "not found".into(),
            retryable: false,
        }))
    }
    fn list_clusters(&self) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send {
        self.called("ListClusters");
        let arns = self
            .clusters
            .iter()
            .map(|c| c["clusterArn"].as_str().unwrap().to_string())
            .chain(self.services.keys().cloned())
            .collect();
        std::future::ready(Ok(arns))
    }
    fn describe_clusters(
        &self,
        clusters: &[String],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        assert!(clusters.len() <= 100);
        self.called("DescribeClusters");
        let found = self
            .clusters
            .iter()
            .filter(|c| clusters.iter().any(|a| c["clusterArn"] == a.as_str()))
            .cloned()
            .collect();
        std::future::ready(Ok(found))
    }
    fn list_services(
        &self,
        cluster: &str,
    ) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send {
        self.called("ListServices");
        let arns = self
            .services
            .get(cluster)
            .into_iter()
            .flatten()
            .map(|s| s["serviceArn"].as_str().unwrap().to_string())
            .collect();
        std::future::ready(Ok(arns))
    }
    fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        assert!(services.len() <= 10);
        self.called("DescribeServices");
        let found = self.services[cluster]
            .iter()
            .filter(|s| services.iter().any(|a| s["serviceArn"] == a.as_str()))
            .cloned()
            .collect();
        std::future::ready(Ok(found))
    }
    fn describe_capacity_providers(
        &self,
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        self.called("DescribeCapacityProviders");
        std::future::ready(Ok(self.capacity_providers.clone()))
    }
}

fn scheduled(rule: &str, parameters: &str) -> RuleEvent {
    decode_event(&json!({
        "invokingEvent": json!({
            "awsAccountId": "111122223333",
            "notificationCreationTime": "2025-03-03T11:56:46.826Z",
            "messageType": "ScheduledNotification",
        }).to_string(),
        "ruleParameters": parameters,
        "resultToken": "token",
        "configRuleName": rule,
        "accountId": "111122223333",
    }))
    .unwrap()
}

fn cluster(i: usize, insights: &str) -> Value {
    json!({
        "clusterArn": format!("arn:aws:ecs:us-east-1:111122223333:cluster/c{i:03}"),
        "clusterName": format!("c{i:03}"),
        "status": "ACTIVE",
        "settings": [{"name": "containerInsights", "value": insights}],
        "tags": [],
    })
}

fn task_definition(family: &str, revision: u64, privileged: bool) -> (String, Value) {
    let arn = format!("arn:aws:ecs:us-east-1:111122223333:task-definition/{family}:{revision}");
    let doc = json!({
        "taskDefinition": {
            "taskDefinitionArn": arn,
            "family": family,
            "revision": revision,
            "status": "ACTIVE",
            "containerDefinitions": [{"name": "app", "image": "nginx:1", "privileged": privileged}],
        },
        "tags": [],
    });
    (arn, doc)
}

/// A periodic run of the control's rule over `ecs`, delivering to `config`.
fn periodic(control: &str, ecs: &FakeEcs, config: &FakeConfig) -> super::Run {
    let control = find(control).unwrap();
    block_on(super::run(
        control,
        &scheduled(&control.rule_name(), "{}"),
        config,
        ecs,
        &FakeClock::default(),
        &options(),
    ))
}

fn options() -> RunOptions {
    RunOptions::with_deadline(60_000)
}

#[test]
fn periodic_clusters_are_described_in_hundreds_and_reported_in_hundreds() {
    let ecs = FakeEcs {
        clusters: (0..250)
            .map(|i| cluster(i, if i % 2 == 0 { "enabled" } else { "disabled" }))
            .collect(),
        ..FakeEcs::default()
    };
    let config = FakeConfig::default();
    let run = periodic("ECS.12", &ecs, &config);
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(run.put_calls, 3);
    assert_eq!(ecs.count("DescribeClusters"), 3);
    let delivered = config.delivered.lock().unwrap();
    assert_eq!(delivered.len(), 250);
    let failing = delivered
        .iter()
        .filter(|e| e.verdict == Verdict::NonCompliant)
        .count();
    assert_eq!(failing, 125);
    assert!(delivered
        .iter()
        .all(|e| e.ordering_timestamp == "2025-03-03T11:56:46.826Z"));
    assert!(delivered.iter().any(|e| e.resource_id == "c007"));
}

#[test]
fn periodic_task_definitions_evaluate_the_latest_revision_of_each_family() {
    let mut ecs = FakeEcs::default();
    for (family, revisions) in [("web", 3), ("worker", 1), ("batch", 2)] {
        for revision in 1..=revisions {
            let (arn, doc) = task_definition(family, revision, family == "web" && revision == 3);
            ecs.task_definitions.insert(arn, doc);
        }
    }
    let config = FakeConfig::default();
    let run = periodic("ECS.4", &ecs, &config);
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(
        ecs.count("DescribeTaskDefinition"),
        3,
        "one describe per family"
    );
    let delivered = config.delivered.lock().unwrap();
    assert_eq!(delivered.len(), 6);
    let verdict = |family: &str, revision: u64| {
        delivered
            .iter()
            .find(|e| e.resource_id.ends_with(&format!("/{family}:{revision}")))
            .unwrap()
            .verdict
    };
    assert_eq!(verdict("web", 3), Verdict::NonCompliant);
    assert_eq!(verdict("web", 2), Verdict::NotApplicable);
    assert_eq!(verdict("web", 1), Verdict::NotApplicable);
    assert_eq!(verdict("worker", 1), Verdict::Compliant);
    assert_eq!(verdict("batch", 2), Verdict::Compliant);
}

#[test]
fn a_describe_that_keeps_failing_is_named_and_the_rest_is_delivered() {
    let mut ecs = FakeEcs::default();
    for family in ["a", "b", "c"] {
        let (arn, doc) = task_definition(family, 1, false);
        ecs.task_definitions.insert(arn, doc);
    }
    let (broken, _) = task_definition("b", 1, false);
    ecs.broken.push(broken.clone());
    let config = FakeConfig::default();
    let run = periodic("ECS.4", &ecs, &config);
    assert_eq!(
        ecs.count("DescribeTaskDefinition"),
        2 + 8,
        "the broken one is tried max_attempts times, the others once"
    );
    assert_eq!(config.delivered.lock().unwrap().len(), 2);
    assert_eq!(run.unreadable.len(), 1);
    assert_eq!(run.unreadable[0].resource_id, broken);
    let error = run.error.expect("the invocation fails").to_string();
    assert!(error.contains(&broken), "{error}");
}

#[test]
fn periodic_services_and_task_sets_use_batches_of_ten() {
    let mut ecs = FakeEcs::default();
    for (cluster, count) in [
        ("arn:aws:ecs:us-east-1:111122223333:cluster/a", 23),
        ("arn:aws:ecs:us-east-1:111122223333:cluster/b", 7),
    ] {
        let services = (0..count)
            .map(|i| {
                json!({
                    "serviceArn": format!("{cluster}-svc-{i}"),
                    "serviceName": format!("svc-{i}"),
                    "status": "ACTIVE",
                    "launchType": "FARGATE",
                    "networkConfiguration": {"awsvpcConfiguration": {"assignPublicIp": if i == 0 { "ENABLED" } else { "DISABLED" }}},
                    "taskSets": [{"taskSetArn": format!("{cluster}-ts-{i}"), "id": format!("ecs-svc/{i}"), "status": "PRIMARY",
                                  "networkConfiguration": {"awsvpcConfiguration": {"assignPublicIp": "ENABLED"}}}],
                })
            })
            .collect();
        ecs.services.insert(cluster.to_string(), services);
    }
    let config = FakeConfig::default();
    let run = periodic("ECS.2", &ecs, &config);
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(ecs.count("DescribeServices"), 3 + 1);
    assert_eq!(config.delivered.lock().unwrap().len(), 30);
    assert_eq!(
        config
            .delivered
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.verdict == Verdict::NonCompliant)
            .count(),
        2
    );
    let config = FakeConfig::default();
    let run = periodic("ECS.16", &ecs, &config);
    assert!(run.error.is_none(), "{:?}", run.error);
    let delivered = config.delivered.lock().unwrap();
    assert_eq!(delivered.len(), 30);
    assert!(delivered
        .iter()
        .all(|e| e.resource_type == "AWS::ECS::TaskSet" && e.verdict == Verdict::NonCompliant));
}

#[test]
fn throttling_is_retried_until_everything_lands() {
    let ecs = FakeEcs {
        clusters: (0..150).map(|i| cluster(i, "enabled")).collect(),
        ..FakeEcs::default()
    };
    let config = FakeConfig::default();
    config.throttle_next.store(4, Ordering::SeqCst);
    let clock = FakeClock::default();
    let run = block_on(super::run(
        find("ECS.12").unwrap(),
        &scheduled("ecs-harden-cluster-container-insights", "{}"),
        &config,
        &ecs,
        &clock,
        &options(),
    ));
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(config.delivered.lock().unwrap().len(), 150);
    assert_eq!(run.put_calls, 6);
    assert_eq!(run.retries, 4);
    assert!(clock.now_millis() > 0, "backed off");
}

#[test]
fn failed_evaluations_are_re_sent_alone() {
    let ecs = FakeEcs {
        clusters: (0..3).map(|i| cluster(i, "enabled")).collect(),
        ..FakeEcs::default()
    };
    let config = FakeConfig::default();
    config.fail_first_evaluation_next.store(1, Ordering::SeqCst);
    let run = periodic("ECS.12", &ecs, &config);
    assert!(run.error.is_none(), "{:?}", run.error);
    let calls = config.calls.lock().unwrap();
    assert_eq!(*calls, vec![(3, false), (1, false)]);
    let delivered = config.delivered.lock().unwrap();
    let mut ids: Vec<&str> = delivered.iter().map(|e| e.resource_id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec!["c000", "c001", "c002"],
        "each once, no duplicates"
    );
}

#[test]
fn the_deadline_stops_retries_and_names_what_was_lost() {
    let ecs = FakeEcs {
        clusters: (0..120).map(|i| cluster(i, "enabled")).collect(),
        ..FakeEcs::default()
    };
    let config = FakeConfig::default();
    config.throttle_next.store(u64::MAX, Ordering::SeqCst);
    let clock = FakeClock::default();
    let options = RunOptions::with_deadline(10_000);
    let run = block_on(super::run(
        find("ECS.12").unwrap(),
        &scheduled("ecs-harden-cluster-container-insights", "{}"),
        &config,
        &ecs,
        &clock,
        &options,
    ));
    assert!(clock.now_millis() < 10_000 - options.safety_margin_millis + 1);
    match run.error {
        Some(RunError::Undelivered { ref lost, .. }) => assert_eq!(lost.len(), 120),
        ref other => panic!("{other:?}"),
    }
    let message = run.error.unwrap().to_string();
    assert!(
        message.contains("120 evaluation(s) not delivered") && message.contains("c000"),
        "{message}"
    );
}

#[test]
fn a_non_retryable_error_fails_at_once() {
    let ecs = FakeEcs {
        clusters: vec![cluster(1, "enabled")],
        ..FakeEcs::default()
    };
    let config = FakeConfig::default();
    *config.refuse_with.lock().unwrap() = Some(ApiError {
        operation: "PutEvaluations",
        code: "InvalidResultTokenException".into(),
        message: "bad token".into(),
        retryable: false,
    });
    let run = periodic("ECS.12", &ecs, &config);
    assert_eq!(run.put_calls, 1);
    assert!(matches!(run.error, Some(RunError::Undelivered { .. })));
}

#[test]
fn an_older_revision_in_a_change_event_is_not_applicable() {
    let mut ecs = FakeEcs::default();
    for revision in [41, 42] {
        let (arn, doc) = task_definition("reports-batch", revision, false);
        ecs.task_definitions.insert(arn, doc);
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/events/config-change-notification.json");
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let event = decode_event(&event).unwrap();
    let config = FakeConfig::default();
    let run = block_on(super::run(
        find("ECS.8").unwrap(),
        &event,
        &config,
        &ecs,
        &FakeClock::default(),
        &options(),
    ));
    assert!(run.error.is_none(), "{:?}", run.error);
    let delivered = config.delivered.lock().unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].verdict, Verdict::NotApplicable);
    assert!(delivered[0].annotation.as_ref().unwrap().contains("42"));
    // With revision 41 the latest, the same event is NON_COMPLIANT.
    let mut ecs = FakeEcs::default();
    let (arn, doc) = task_definition("reports-batch", 41, false);
    ecs.task_definitions.insert(arn, doc);
    let config = FakeConfig::default();
    let _ = block_on(super::run(
        find("ECS.8").unwrap(),
        &event,
        &config,
        &ecs,
        &FakeClock::default(),
        &options(),
    ));
    assert_eq!(
        config.delivered.lock().unwrap()[0].verdict,
        Verdict::NonCompliant
    );
}

#[test]
fn oversized_items_are_fetched_and_bad_parameters_fail_the_invocation() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/events");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let event = decode_event(&read("config-oversized-notification.json")).unwrap();
    let config = FakeConfig::default();
    *config.history.lock().unwrap() =
        Some(read("config-oversized-history-response.json")["configurationItems"][0].clone());
    let ecs = FakeEcs::default();
    let run = block_on(super::run(
        find("ECS.5").unwrap(),
        &event,
        &config,
        &ecs,
        &FakeClock::default(),
        &options(),
    ));
    assert!(run.error.is_none(), "{:?}", run.error);
    let delivered = config.delivered.lock().unwrap();
    assert_eq!(delivered[0].verdict, Verdict::NonCompliant);
    assert_eq!(delivered[0].ordering_timestamp, "2025-03-03T10:51:20.388Z");

    let event = scheduled(
        "ecs-harden-cluster-tagged",
        "{\"requiredTagKeys\":\"a,b,c,d,e,f,g\"}",
    );
    let run = block_on(super::run(
        find("ECS.14").unwrap(),
        &event,
        &FakeConfig::default(),
        &ecs,
        &FakeClock::default(),
        &options(),
    ));
    assert!(matches!(run.error, Some(RunError::Parameters(_))));
    assert_eq!(run.put_calls, 0);
}
