//! The runner against fakes of Config, ECS and the clock.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::{json, Value};

use super::inventory::family_and_revision;
use super::io::{ApiError, Batch, Clock, ConfigApi, Discovered, EcsApi, InventoryApi, Page};
use super::*;
use crate::catalogue::find;
use crate::verdict::Verdict;

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
    /// Config's inventory: items (`BatchGetResourceConfig`'s shape) by resource id.
    recorded: BTreeMap<String, Value>,
    /// Ids `BatchGetResourceConfig` leaves unprocessed the first time they are asked for.
    unprocessed_once: Mutex<BTreeSet<String>>,
    /// `ListDiscoveredResources` pages and `BatchGetResourceConfig` calls answered.
    inventory_calls: Mutex<Vec<&'static str>>,
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
            Err(throttled("config:PutEvaluations"))
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

    /// Pages of 100, as Config gives them.
    fn list_discovered_resources(
        &self,
        resource_type: &str,
        _resource_name: Option<&str>,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Discovered>, ApiError>> + Send {
        self.inventory_calls
            .lock()
            .unwrap()
            .push("ListDiscoveredResources");
        let start: usize = next_token
            .and_then(|t| t.strip_prefix("after-").and_then(|n| n.parse().ok()))
            .unwrap_or(0);
        let found: Vec<Discovered> = self
            .recorded
            .iter()
            .filter(|(_, item)| item["resourceType"] == resource_type)
            .map(|(id, _)| Discovered {
                resource_type: resource_type.to_string(),
                resource_id: id.clone(),
                resource_name: None,
            })
            .collect();
        let end = (start + 100).min(found.len());
        std::future::ready(Ok(Page {
            items: found[start..end].to_vec(),
            next_token: (end < found.len()).then(|| format!("after-{end}")),
        }))
    }

    fn batch_get_resource_config(
        &self,
        keys: &[(String, String)],
    ) -> impl Future<Output = Result<Batch, ApiError>> + Send {
        assert!(!keys.is_empty() && keys.len() <= 100, "{} keys", keys.len());
        self.inventory_calls
            .lock()
            .unwrap()
            .push("BatchGetResourceConfig");
        let mut unprocessed_once = self.unprocessed_once.lock().unwrap();
        let mut batch = Batch::default();
        for key in keys {
            if unprocessed_once.remove(&key.1) {
                batch.unprocessed.push(key.clone());
            } else if let Some(item) = self.recorded.get(&key.1) {
                batch.items.push(item.clone());
            }
        }
        std::future::ready(Ok(batch))
    }
}

fn throttled(action: &'static str) -> ApiError {
    ApiError::new(action, "ThrottlingException", "Rate exceeded", true)
}

/// The page token the fake gives for the page starting at item `offset`.
fn token_at(offset: usize) -> Option<String> {
    (offset > 0).then(|| format!("after-{offset}"))
}

#[derive(Default)]
struct FakeEcs {
    task_definitions: BTreeMap<String, Value>,
    clusters: Vec<Value>,
    services: BTreeMap<String, Vec<Value>>,
    capacity_providers: Vec<Value>,
    /// Task definition ARNs whose describe always fails with a retryable error.
    broken: Vec<String>,
    /// Items per list page (0: everything on one page).
    page_size: usize,
    /// Throttling answers still to give, by operation and page token.
    throttled_pages: Mutex<BTreeMap<(&'static str, Option<String>), u32>>,
    calls: Mutex<BTreeMap<&'static str, usize>>,
    /// Requests by operation and page token.
    page_requests: Mutex<BTreeMap<(&'static str, Option<String>), usize>>,
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
    /// How often each page of `operation` was asked for, by page token.
    fn page_requests(&self, operation: &'static str) -> BTreeMap<Option<String>, usize> {
        self.page_requests
            .lock()
            .unwrap()
            .iter()
            .filter(|((op, _), _)| *op == operation)
            .map(|((_, token), n)| (token.clone(), *n))
            .collect()
    }
    /// Answers the page of `items` that `token` asks for, throttling it first if told to.
    fn page<T: Clone>(
        &self,
        operation: &'static str,
        action: &'static str,
        items: Vec<T>,
        token: Option<String>,
    ) -> Result<Page<T>, ApiError> {
        self.called(operation);
        *self
            .page_requests
            .lock()
            .unwrap()
            .entry((operation, token.clone()))
            .or_default() += 1;
        if let Some(left) = self
            .throttled_pages
            .lock()
            .unwrap()
            .get_mut(&(operation, token.clone()))
            .filter(|left| **left > 0)
        {
            *left -= 1;
            return Err(throttled(action));
        }
        let start = match &token {
            None => 0,
            Some(token) => token
                .strip_prefix("after-")
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{operation}: a token the fake never gave: {token}")),
        };
        let size = if self.page_size == 0 {
            items.len().max(1)
        } else {
            self.page_size
        };
        let end = (start + size).min(items.len());
        Ok(Page {
            items: items[start.min(end)..end].to_vec(),
            next_token: if end < items.len() {
                token_at(end)
            } else {
                None
            },
        })
    }
}

impl EcsApi for FakeEcs {
    fn list_active_task_definitions(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ApiError>> + Send {
        let arns = self.task_definitions.keys().cloned().collect();
        std::future::ready(self.page(
            "ListTaskDefinitions",
            "ecs:ListTaskDefinitions",
            arns,
            next_token,
        ))
    }
    fn describe_task_definition(
        &self,
        task_definition: &str,
    ) -> impl Future<Output = Result<Value, ApiError>> + Send {
        self.called("DescribeTaskDefinition");
        if self.broken.iter().any(|b| b == task_definition) {
            return std::future::ready(Err(ApiError::new(
                "ecs:DescribeTaskDefinition",
                "ResponseError",
                "the answer could not be read",
                true,
            )));
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
        std::future::ready(found.ok_or(ApiError::new(
            "ecs:DescribeTaskDefinition",
            "ClientException",
            "not found",
            false,
        )))
    }
    fn list_clusters(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ApiError>> + Send {
        let arns = self
            .clusters
            .iter()
            .map(|c| c["clusterArn"].as_str().unwrap().to_string())
            .chain(self.services.keys().cloned())
            .collect();
        std::future::ready(self.page("ListClusters", "ecs:ListClusters", arns, next_token))
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
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, ApiError>> + Send {
        let arns = self
            .services
            .get(cluster)
            .into_iter()
            .flatten()
            .map(|s| s["serviceArn"].as_str().unwrap().to_string())
            .collect();
        std::future::ready(self.page("ListServices", "ecs:ListServices", arns, next_token))
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
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Value>, ApiError>> + Send {
        std::future::ready(self.page(
            "DescribeCapacityProviders",
            "ecs:DescribeCapacityProviders",
            self.capacity_providers.clone(),
            next_token,
        ))
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

/// No IAM inventory: related roles are unknown.
struct NoInventory;

impl InventoryApi for NoInventory {
    fn find(
        &self,
        _resource_type: &str,
        _name: &str,
        _account: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        std::future::ready(Ok(Vec::new()))
    }
}

/// A periodic run of the control's rule over `ecs`, delivering to `config`.
fn periodic(control: &str, ecs: &FakeEcs, config: &FakeConfig) -> super::Run {
    let control = find(control).unwrap();
    block_on(super::run(
        control,
        &scheduled(&control.rule_name(), "{}"),
        super::Apis {
            config,
            ecs,
            inventory: &NoInventory,
        },
        &[],
        &FakeClock::default(),
        &options(),
    ))
}

fn options() -> RetryPolicy {
    RetryPolicy::with_deadline(60_000)
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
        super::Apis {
            config: &config,
            ecs: &ecs,
            inventory: &NoInventory,
        },
        &[],
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
    let options = RetryPolicy::with_deadline(10_000);
    let run = block_on(super::run(
        find("ECS.12").unwrap(),
        &scheduled("ecs-harden-cluster-container-insights", "{}"),
        super::Apis {
            config: &config,
            ecs: &ecs,
            inventory: &NoInventory,
        },
        &[],
        &clock,
        &options,
    ));
    assert!(clock.now_millis() < 10_000 - options.safety_margin_millis + 1);
    match run.error {
        Some(RunError::Undelivered(ref undelivered)) => assert_eq!(undelivered.lost.len(), 120),
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
    *config.refuse_with.lock().unwrap() = Some(ApiError::new(
        "config:PutEvaluations",
        "InvalidResultTokenException",
        "bad token",
        false,
    ));
    let run = periodic("ECS.12", &ecs, &config);
    assert_eq!(run.put_calls, 1);
    assert!(matches!(run.error, Some(RunError::Undelivered(_))));
}

#[test]
fn an_older_revision_in_a_change_event_is_not_applicable() {
    let mut ecs = FakeEcs::default();
    for revision in [41, 42] {
        let (arn, doc) = task_definition("reports-batch", revision, false);
        ecs.task_definitions.insert(arn, doc);
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/events/config-change-notification.json");
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let event = decode_event(&event).unwrap();
    let config = FakeConfig::default();
    let run = block_on(super::run(
        find("ECS.8").unwrap(),
        &event,
        super::Apis {
            config: &config,
            ecs: &ecs,
            inventory: &NoInventory,
        },
        &[],
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
        super::Apis {
            config: &config,
            ecs: &ecs,
            inventory: &NoInventory,
        },
        &[],
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
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/events");
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
        super::Apis {
            config: &config,
            ecs: &ecs,
            inventory: &NoInventory,
        },
        &[],
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
        super::Apis {
            config: &FakeConfig::default(),
            ecs: &ecs,
            inventory: &NoInventory,
        },
        &[],
        &FakeClock::default(),
        &options(),
    ));
    assert!(matches!(run.error, Some(RunError::Parameters(_))));
    assert_eq!(run.put_calls, 0);
}

/// 95 families listed ten to a page: ten ListTaskDefinitions pages.
fn paged_task_definitions() -> FakeEcs {
    let mut ecs = FakeEcs {
        page_size: 10,
        ..FakeEcs::default()
    };
    for family in 0..95 {
        let (arn, doc) = task_definition(&format!("f{family:03}"), 1, false);
        ecs.task_definitions.insert(arn, doc);
    }
    ecs
}

#[test]
fn a_throttled_page_is_retried_alone_and_the_pages_before_it_are_not_read_again() {
    let ecs = paged_task_definitions();
    let throttled_page = token_at(60);
    ecs.throttled_pages
        .lock()
        .unwrap()
        .insert(("ListTaskDefinitions", throttled_page.clone()), 3);
    let config = FakeConfig::default();
    let run = periodic("ECS.4", &ecs, &config);
    assert!(run.error.is_none(), "{:?}", run.error);
    let requests = ecs.page_requests("ListTaskDefinitions");
    let pages: Vec<Option<String>> = (0..10).map(|page| token_at(page * 10)).collect();
    assert_eq!(
        requests.keys().cloned().collect::<BTreeSet<_>>(),
        pages.iter().cloned().collect::<BTreeSet<_>>(),
        "exactly the ten pages, no others"
    );
    for page in &pages {
        let expected = if *page == throttled_page { 1 + 3 } else { 1 };
        assert_eq!(requests[page], expected, "requests for page {page:?}");
    }
    assert_eq!(run.retries, 3);
    assert_eq!(config.delivered.lock().unwrap().len(), 95);
}

#[test]
fn a_page_that_keeps_failing_fails_the_run_naming_the_call_and_its_attempts() {
    let ecs = paged_task_definitions();
    ecs.throttled_pages
        .lock()
        .unwrap()
        .insert(("ListTaskDefinitions", token_at(30)), u32::MAX);
    let config = FakeConfig::default();
    let run = periodic("ECS.4", &ecs, &config);
    let max_attempts = options().max_attempts.unwrap();
    match &run.error {
        Some(RunError::Api(error)) => {
            assert_eq!(error.action, "ecs:ListTaskDefinitions");
            assert_eq!(error.code, "ThrottlingException");
            assert_eq!(error.attempts, max_attempts);
        }
        other => panic!("{other:?}"),
    }
    let requests = ecs.page_requests("ListTaskDefinitions");
    assert_eq!(requests[&token_at(30)], max_attempts as usize);
    assert_eq!(
        requests.len(),
        4,
        "pages after the failing one are never asked for"
    );
    assert_eq!(requests.values().filter(|n| **n == 1).count(), 3);
    assert_eq!(
        run.put_calls, 0,
        "nothing is delivered from a listing that failed"
    );
}

#[test]
fn cluster_service_and_capacity_provider_listings_follow_every_page() {
    let mut ecs = FakeEcs {
        page_size: 7,
        clusters: (0..20).map(|i| cluster(i, "enabled")).collect(),
        capacity_providers: (0..16)
            .map(|i| json!({"name": format!("cp-{i}"), "capacityProviderArn": format!("arn:aws:ecs:us-east-1:111122223333:capacity-provider/cp-{i}"), "tags": []}))
            .collect(),
        ..FakeEcs::default()
    };
    ecs.services.insert(
        "arn:aws:ecs:us-east-1:111122223333:cluster/s".to_string(),
        (0..15)
            .map(|i| json!({"serviceArn": format!("svc-{i}"), "serviceName": format!("svc-{i}"), "status": "ACTIVE", "tags": []}))
            .collect(),
    );
    let config = FakeConfig::default();
    let run = periodic("ECS.12", &ecs, &config);
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(ecs.count("ListClusters"), 3, "21 cluster ARNs, 7 a page");
    assert_eq!(config.delivered.lock().unwrap().len(), 20);
    let config = FakeConfig::default();
    let run = periodic("ECS.13", &ecs, &config);
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(
        ecs.count("ListServices"),
        20 + 3,
        "one page for each empty cluster, three for the 15 services of the last, 7 a page"
    );
    assert_eq!(config.delivered.lock().unwrap().len(), 15);
    let config = FakeConfig::default();
    let run = periodic("ECS.19", &ecs, &config);
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(ecs.count("DescribeCapacityProviders"), 3);
    assert_eq!(config.delivered.lock().unwrap().len(), 16);
}

/// Roles and policies as AWS Config records them, found by name.
#[derive(Default)]
struct FakeInventory {
    items: Vec<Value>,
    finds: Mutex<Vec<(String, String, Option<String>)>>,
}

impl InventoryApi for FakeInventory {
    fn find(
        &self,
        resource_type: &str,
        name: &str,
        account: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send {
        self.finds.lock().unwrap().push((
            resource_type.to_string(),
            name.to_string(),
            account.map(str::to_string),
        ));
        let found = self
            .items
            .iter()
            .filter(|i| i["resourceType"] == resource_type && i["resourceName"] == name)
            .cloned()
            .collect();
        std::future::ready(Ok(found))
    }
}

fn role_item(name: &str, managed: &[&str]) -> Value {
    let configuration = json!({
        "roleName": name,
        "arn": format!("arn:aws:iam::111122223333:role/{name}"),
        "attachedManagedPolicies": managed.iter().map(|a| json!({"policyArn": a})).collect::<Vec<_>>(),
        "rolePolicyList": [],
    });
    json!({
        "resourceType": "AWS::IAM::Role",
        "resourceId": "AROAEXAMPLE",
        "resourceName": name,
        "accountId": "111122223333",
        "awsRegion": "global",
        "configurationItemStatus": "OK",
        "configuration": configuration.to_string(),
    })
}

#[test]
fn a_service_is_judged_by_the_revision_its_primary_deployment_runs() {
    let mut ecs = FakeEcs::default();
    for (family, revision, privileged) in [("web", 3, true), ("web", 4, false)] {
        let (arn, doc) = task_definition(family, revision, privileged);
        ecs.task_definitions.insert(arn, doc);
    }
    ecs.clusters.push(cluster(0, "enabled"));
    let cluster_arn = ecs.clusters[0]["clusterArn"].as_str().unwrap().to_string();
    let service = |name: &str, revision: u64| {
        json!({
            "serviceArn": format!("arn:aws:ecs:us-east-1:111122223333:service/c/{name}"),
            "serviceName": name, "status": "ACTIVE", "tags": [],
            "deployments": [{"status": "PRIMARY", "taskDefinition": format!("arn:aws:ecs:us-east-1:111122223333:task-definition/web:{revision}")}],
        })
    };
    // Three services, two revisions between them: each revision is described once.
    ecs.services.insert(
        cluster_arn,
        vec![service("old", 3), service("new", 4), service("also-old", 3)],
    );
    let config = FakeConfig::default();
    // The organization gates ECS.4 alone.
    let ecs4 = find("ECS.4").unwrap();
    let gated = [(ecs4, ecs4.default_params().unwrap())];
    let control = find("HARDEN.14").unwrap();
    let run = block_on(super::run(
        control,
        &scheduled(&control.rule_name(), "{}"),
        super::Apis {
            config: &config,
            ecs: &ecs,
            inventory: &NoInventory,
        },
        &gated,
        &FakeClock::default(),
        &options(),
    ));
    assert!(run.error.is_none(), "{:?}", run.error);
    let delivered = config.delivered.lock().unwrap().clone();
    let verdict = |name: &str| {
        delivered
            .iter()
            .find(|e| e.resource_id.ends_with(&format!("/{name}")))
            .map(|e| (e.verdict, e.annotation.clone().unwrap_or_default()))
            .unwrap()
    };
    let (old, why) = verdict("old");
    assert_eq!(old, Verdict::NonCompliant);
    assert!(why.contains("web:3") && why.contains("ECS.4"), "{why}");
    assert_eq!(verdict("also-old").0, Verdict::NonCompliant);
    assert_eq!(verdict("new").0, Verdict::Compliant);
    assert_eq!(ecs.count("DescribeTaskDefinition"), 2);
}

#[test]
fn a_task_role_is_read_from_the_inventory_by_name_in_the_task_definitions_account() {
    let item = json!({
        "resourceType": "AWS::ECS::TaskDefinition",
        "resourceId": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:5",
        "ARN": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:5",
        "awsAccountId": "111122223333",
        "awsRegion": "us-east-1",
        "configurationItemCaptureTime": "2025-03-03T09:32:53.950Z",
        "configurationItemStatus": "OK",
        "configuration": {
            "Family": "web", "Revision": 5, "Status": "ACTIVE",
            "TaskRoleArn": "arn:aws:iam::111122223333:role/web-task",
            "ContainerDefinitions": [{"Name": "app", "Image": "app:1"}],
        },
    });
    let event = decode_event(&json!({
        "invokingEvent": json!({
            "messageType": "ConfigurationItemChangeNotification",
            "configurationItem": item,
            "notificationCreationTime": "2025-03-03T09:32:54.000Z",
        }).to_string(),
        "ruleParameters": "{}",
        "resultToken": "token",
        "accountId": "111122223333",
    }))
    .unwrap();
    let ecs = FakeEcs::default();
    for (managed, expected) in [
        (
            "arn:aws:iam::aws:policy/AdministratorAccess",
            Verdict::NonCompliant,
        ),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", Verdict::Compliant),
    ] {
        let inventory = FakeInventory {
            items: vec![role_item("web-task", &[managed])],
            ..FakeInventory::default()
        };
        let config = FakeConfig::default();
        let run = block_on(super::run(
            find("HARDEN.15").unwrap(),
            &event,
            super::Apis {
                config: &config,
                ecs: &ecs,
                inventory: &inventory,
            },
            &[],
            &FakeClock::default(),
            &options(),
        ));
        assert!(run.error.is_none(), "{:?}", run.error);
        let delivered = config.delivered.lock().unwrap().clone();
        assert_eq!(delivered[0].verdict, expected, "{managed}");
        assert_eq!(
            inventory.finds.lock().unwrap()[0],
            (
                "AWS::IAM::Role".to_string(),
                "web-task".to_string(),
                Some("111122223333".to_string())
            )
        );
    }
}

/// A launch template as `BatchGetResourceConfig` returns it (`configuration` a JSON string,
/// `UserData` base64).
fn launch_template_item(id: &str, user_data: &str, tokens: &str, hop_limit: u64) -> Value {
    let configuration = json!({
        "Id": id,
        "LaunchTemplateName": format!("hosts-{id}"),
        "LaunchTemplateData": {
            "UserData": user_data,
            "MetadataOptions": {"HttpTokens": tokens, "HttpPutResponseHopLimit": hop_limit},
        },
    });
    json!({
        "version": "1.3",
        "accountId": "111122223333",
        "configurationItemCaptureTime": "2025-03-03T10:00:00Z",
        "configurationItemStatus": "OK",
        "resourceType": "AWS::EC2::LaunchTemplate",
        "resourceId": id,
        "arn": format!("arn:aws:ec2:us-east-1:111122223333:launch-template/{id}"),
        "awsRegion": "us-east-1",
        "configuration": configuration.to_string(),
    })
}

#[test]
fn periodic_launch_templates_come_from_configs_inventory_in_hundreds() {
    // `echo ECS_CLUSTER=web` and `echo ECS_AWSVPC_BLOCK_IMDS=true` into /etc/ecs/ecs.config.
    let hardened = "IyEvYmluL2Jhc2gKZWNobyBFQ1NfQ0xVU1RFUj13ZWIgPj4gL2V0Yy9lY3MvZWNzLmNvbmZpZwplY2hvIEVDU19BV1NWUENfQkxPQ0tfSU1EUz10cnVlID4+IC9ldGMvZWNzL2Vjcy5jb25maWcK";
    // A web server's `yum install -y nginx`.
    let web = "IyEvYmluL2Jhc2gKeXVtIGluc3RhbGwgLXkgbmdpbngK";
    let mut recorded = BTreeMap::new();
    for i in 0..150 {
        let id = format!("lt-{i:017}");
        let item = if i % 3 == 0 {
            launch_template_item(&id, hardened, "optional", 2)
        } else if i % 3 == 1 {
            launch_template_item(&id, hardened, "required", 1)
        } else {
            launch_template_item(&id, web, "optional", 2)
        };
        recorded.insert(id, item);
    }
    let config = FakeConfig {
        recorded,
        unprocessed_once: Mutex::new(BTreeSet::from(["lt-00000000000000007".to_string()])),
        ..FakeConfig::default()
    };
    let ecs = FakeEcs::default();
    let run = periodic("HARDEN.16", &ecs, &config);
    assert!(run.error.is_none(), "{:?}", run.error);
    let delivered = config.delivered.lock().unwrap();
    assert_eq!(delivered.len(), 150);
    let count = |verdict: Verdict| delivered.iter().filter(|e| e.verdict == verdict).count();
    assert_eq!(count(Verdict::NonCompliant), 50);
    assert_eq!(count(Verdict::Compliant), 50);
    assert_eq!(count(Verdict::NotApplicable), 50);
    assert!(delivered
        .iter()
        .all(|e| e.resource_type == "AWS::EC2::LaunchTemplate"));
    // Two pages, two batches, and the key Config left unprocessed asked for once more; the
    // ECS API is not read at all.
    assert_eq!(
        *config.inventory_calls.lock().unwrap(),
        [
            "ListDiscoveredResources",
            "ListDiscoveredResources",
            "BatchGetResourceConfig",
            "BatchGetResourceConfig",
            "BatchGetResourceConfig",
        ]
    );
    assert!(ecs.calls.lock().unwrap().is_empty());
}

#[test]
fn periodic_runs_mark_accepted_risk_until_the_entry_expires() {
    let mut ecs = FakeEcs::default();
    for family in ["cadvisor", "web"] {
        let (arn, mut doc) = task_definition(family, 1, true);
        doc["tags"] =
            serde_json::json!([{"key": "ecs-harden:exception", "value": "EXC-1,EXC-404"}]);
        ecs.task_definitions.insert(arn, doc);
    }
    let register = crate::exceptions::Register::from_text(
        "exceptions:\n  - {id: EXC-1, controls: [ECS.4], resources: [cadvisor], reason: r, owner: platform, approvedBy: security, expires: 1970-01-31}\n",
        crate::parse::Syntax::Yaml,
        "register",
        crate::exceptions::Date::from_unix_millis(0),
    )
    .unwrap();
    let control = find("ECS.4").unwrap();
    let run_on = |day: u64| {
        let config = FakeConfig::default();
        let clock = FakeClock::default();
        clock.now.store(day * 86_400_000, Ordering::SeqCst);
        let run = block_on(super::run_with_register(
            control,
            &scheduled(&control.rule_name(), "{}"),
            super::Apis {
                config: &config,
                ecs: &ecs,
                inventory: &NoInventory,
            },
            &[],
            Some(&register),
            &clock,
            &RetryPolicy::with_deadline(day * 86_400_000 + 60_000),
        ));
        assert!(run.error.is_none(), "{:?}", run.error);
        let delivered = config.delivered.lock().unwrap().clone();
        (run, delivered)
    };
    let annotation = |delivered: &[Evaluation], family: &str| {
        let evaluation = delivered
            .iter()
            .find(|e| e.resource_id.ends_with(&format!("/{family}:1")))
            .unwrap();
        assert_eq!(
            evaluation.verdict,
            Verdict::NonCompliant,
            "accepted or not, NON_COMPLIANT"
        );
        evaluation.annotation.clone().unwrap()
    };
    // On its last day the entry still counts; the next day it does not.
    let (run, delivered) = run_on(30);
    assert!(
        annotation(&delivered, "cadvisor")
            .starts_with("Accepted risk EXC-1 until 1970-01-31: Privileged"),
        "{delivered:?}"
    );
    assert!(annotation(&delivered, "web").starts_with("Privileged"));
    assert_eq!(run.warnings.len(), 3, "{:?}", run.warnings);
    assert!(run
        .warnings
        .iter()
        .any(|w| w.contains("/web:1: tag ecs-harden:exception names EXC-1, whose resources")));
    let (_, delivered) = run_on(31);
    assert!(
        annotation(&delivered, "cadvisor").starts_with("Privileged"),
        "{delivered:?}"
    );
}
