//! One periodic run over 5,000 task definition families with 30% of the PutEvaluations calls
//! throttled: it delivers every evaluation within the Lambda deadline it is given. Then a run
//! over 2,000 clusters with slow PutEvaluations answers and a deliberately short deadline: it
//! stops before the deadline, fails the invocation, and names every evaluation it did not deliver
//! in one `undelivered` log line, so that delivered + undelivered is everything. The numbers
//! (time, PutEvaluations calls, retries) are printed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use ecs_harden_e2e::fault_proxy::{Fault, FaultPlan, FaultProxy};
use ecs_harden_e2e::*;
use serde_json::{json, Value};

const RESOURCES: usize = 5_000;
const RULE: &str = "ecs-harden-containers-not-privileged";
const LAMBDA: &str = "ecs-4-containers-not-privileged";
const PUT_EVALUATIONS: &str = "StarlingDoveService.PutEvaluations";
/// The time budget of the full run.
const BUDGET: Duration = Duration::from_secs(120);
const CLUSTER_RULE: &str = "ecs-harden-cluster-container-insights";
const CLUSTER_LAMBDA: &str = "ecs-12-cluster-container-insights";
const SHORT_RUN_CLUSTERS: usize = 2_000;
/// Listing 2,000 clusters takes a few seconds; delivering them at 1 s per call takes 20.
const SHORT_DEADLINE: Duration = Duration::from_secs(12);

/// Registers the families from a few threads (moto serves requests concurrently); the
/// expected verdict of each latest revision.
fn register_families(moto: &Moto) -> BTreeMap<String, &'static str> {
    let register = |i: usize| {
        let privileged = i.is_multiple_of(9);
        let td = moto
            .register_task_definition(&format!("load-{i:05}"), privileged)
            .unwrap();
        (
            td["taskDefinitionArn"].as_str().unwrap().to_string(),
            if privileged {
                "NON_COMPLIANT"
            } else {
                "COMPLIANT"
            },
        )
    };
    in_parallel(RESOURCES, register).into_iter().collect()
}

/// Creates clusters `short-00000`…, from a few threads; their names (Config's resource ids).
fn create_clusters(moto: &Moto, count: usize) -> BTreeSet<String> {
    in_parallel(count, |i| {
        let name = format!("short-{i:05}");
        moto.ecs("CreateCluster", json!({"clusterName": name}))
            .unwrap();
        name
    })
    .into_iter()
    .collect()
}

/// `make(i)` for every `i` in `0..count`, from a few threads (moto serves requests
/// concurrently).
fn in_parallel<T: Send>(count: usize, make: impl Fn(usize) -> T + Sync) -> Vec<T> {
    const THREADS: usize = 4;
    let make = &make;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| scope.spawn(move || (t..count).step_by(THREADS).map(make).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    })
}

/// Every evaluation stored for `token`: resource id → verdicts, one per stored copy.
fn stored_for(moto: &Moto, token: &str) -> BTreeMap<String, Vec<String>> {
    let stored = moto.control_get("evaluations").unwrap();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for call in stored["calls"].as_array().unwrap() {
        if call["resultToken"] != token {
            continue;
        }
        for e in call["evaluations"].as_array().unwrap() {
            out.entry(e["ComplianceResourceId"].as_str().unwrap().to_string())
                .or_default()
                .push(e["ComplianceType"].as_str().unwrap().to_string());
        }
    }
    out
}

/// The `undelivered` log lines since line `from`.
fn undelivered_lines(lambda: &Lambda, from: usize) -> Vec<Value> {
    lambda
        .logs()
        .iter()
        .skip(from)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["message"] == "undelivered")
        .collect()
}

fn throttle_put_evaluations(upstream: &str) -> FaultProxy {
    FaultProxy::start(
        upstream,
        FaultPlan {
            fault: Fault::Throttle,
            percent: 30,
            target_prefix: PUT_EVALUATIONS.into(),
            seed: 30,
            max_faults: None,
        },
    )
    .unwrap()
}

#[test]
fn five_thousand_resources_with_throttled_put_evaluations() {
    let moto = Moto::start().unwrap();
    let started = Instant::now();
    let expected = register_families(&moto);
    assert_eq!(expected.len(), RESOURCES);
    println!(
        "registered {RESOURCES} task definition families in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The full run: everything delivered within the budget, or a clean stop naming the rest.
    let proxy = throttle_put_evaluations(&moto.address);
    let lambda =
        Lambda::start_binary(&Lambda::binary(LAMBDA).unwrap(), LAMBDA, &proxy.url, &[]).unwrap();
    let event = scheduled_event(
        RULE,
        "load-full",
        OWN_ACCOUNT,
        "2025-03-05T00:00:00.000Z",
        &json!({}),
    );
    let invoked = Instant::now();
    let (reply, took) = lambda.invoke_with_deadline(&event, BUDGET).unwrap();
    let listing = proxy
        .stats()
        .first_in_scope
        .map(|t| t.duration_since(invoked))
        .expect("no PutEvaluations call was made");
    let stats = proxy.stats();
    let stored = stored_for(&moto, "load-full");
    for (id, verdicts) in &stored {
        assert!(
            verdicts
                .iter()
                .all(|v| Some(v.as_str()) == expected.get(id).copied()),
            "{id}: {verdicts:?}"
        );
    }
    let describes = moto.count("DescribeTaskDefinition").unwrap();
    match reply {
        Reply::Response(summary) => {
            assert_eq!(summary["delivered"], RESOURCES, "{summary}");
            assert_eq!(stored.len(), RESOURCES, "every evaluation stored");
            assert!(
                stored.values().all(|v| v.len() == 1),
                "throttled calls store nothing, so nothing is stored twice"
            );
            let put_calls = summary["putEvaluationsCalls"].as_u64().unwrap() as usize;
            assert_eq!(
                put_calls, stats.in_scope,
                "every PutEvaluations attempt is counted"
            );
            assert_eq!(
                put_calls - stats.faulted,
                RESOURCES.div_ceil(100),
                "⌈N/100⌉ calls got through"
            );
            assert!(stats.faulted > 0, "no call was throttled");
            assert!(took < BUDGET, "{took:?}");
            println!(
                "{RESOURCES} resources, 30% of PutEvaluations throttled: all delivered in {:.1} s \
                 of a {} s budget (listing and describing {:.1} s, {describes} DescribeTaskDefinition \
                 calls); {put_calls} PutEvaluations calls ({} throttled), {} retries",
                took.as_secs_f64(),
                BUDGET.as_secs(),
                listing.as_secs_f64(),
                stats.faulted,
                summary["retries"]
            );
        }
        Reply::Error(error) => {
            // Stopped at the deadline: what was not delivered is named in full.
            let lines = undelivered_lines(&lambda, 0);
            assert_eq!(lines.len(), 1, "{error}");
            let named: BTreeSet<&str> = lines[0]["resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            assert_eq!(stored.len() + named.len(), RESOURCES, "{error}");
            assert!(stored.keys().all(|id| !named.contains(id.as_str())));
            panic!(
                "{RESOURCES} resources did not fit the {} s budget ({} delivered, {} named as \
                 undelivered, listing {:.1} s): {error}",
                BUDGET.as_secs(),
                stored.len(),
                named.len(),
                listing.as_secs_f64()
            );
        }
    }
    drop(lambda);
    drop(proxy);

    // A deliberately short deadline, on clusters (listing them is cheap: 100 per describe), with
    // every PutEvaluations answer from Config taking 1 s behind the same throttling, so that the
    // deadline falls in the middle of the delivery.
    let clusters = create_clusters(&moto, SHORT_RUN_CLUSTERS);
    let slow = FaultProxy::start(
        &moto.address,
        FaultPlan {
            fault: Fault::Slow(Duration::from_secs(1)),
            percent: 100,
            target_prefix: PUT_EVALUATIONS.into(),
            seed: 1,
            max_faults: None,
        },
    )
    .unwrap();
    let proxy = throttle_put_evaluations(&slow.address);
    let lambda = Lambda::start_binary(
        &Lambda::binary(CLUSTER_LAMBDA).unwrap(),
        CLUSTER_LAMBDA,
        &proxy.url,
        &[],
    )
    .unwrap();
    let deadline = SHORT_DEADLINE;
    let event = scheduled_event(
        CLUSTER_RULE,
        "load-short",
        OWN_ACCOUNT,
        "2025-03-05T00:00:00.000Z",
        &json!({}),
    );
    let (reply, took) = lambda.invoke_with_deadline(&event, deadline).unwrap();
    let Reply::Error(error) = reply else {
        panic!("{SHORT_RUN_CLUSTERS} slow deliveries cannot fit a {deadline:?} deadline: {reply:?}")
    };
    let message = error.to_string();
    assert!(message.contains("not delivered"), "{message}");
    assert!(
        took < deadline,
        "the run must stop before its deadline ({took:?} of {deadline:?})"
    );
    let lines = undelivered_lines(&lambda, 0);
    assert_eq!(lines.len(), 1, "one undelivered line: {lines:?}");
    let line = &lines[0];
    let named: BTreeSet<String> = line["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    assert_eq!(line["count"], named.len(), "no id named twice");
    assert!(
        line["cause"].as_str().unwrap().contains("deadline"),
        "{line}"
    );
    assert!(
        message.contains(&format!("{} evaluation(s) not delivered", named.len())),
        "{message}"
    );
    let stored = stored_for(&moto, "load-short");
    assert!(
        stored.keys().all(|id| !named.contains(id)),
        "delivered and named as undelivered"
    );
    assert_eq!(
        stored.len() + named.len(),
        SHORT_RUN_CLUSTERS,
        "delivered + undelivered = every resource"
    );
    assert!(
        named
            .iter()
            .chain(stored.keys())
            .all(|id| clusters.contains(id)),
        "only real resources are named"
    );
    assert!(!named.is_empty(), "the deadline never came");
    let failed = lambda
        .logs()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["message"] == "invocation failed")
        .expect("an `invocation failed` log line");
    assert!(
        stored.values().all(|v| v.len() == 1),
        "nothing stored twice"
    );
    println!(
        "{SHORT_RUN_CLUSTERS} clusters, PutEvaluations answered in 1 s and 30% throttled, short \
         deadline {:.1} s: stopped after {:.1} s; {} PutEvaluations calls ({} throttled), {} retries; \
         {} delivered and {} named in the undelivered log line ({} + {} = {SHORT_RUN_CLUSTERS})",
        deadline.as_secs_f64(),
        took.as_secs_f64(),
        failed["put_calls"],
        proxy.stats().faulted,
        failed["retries"],
        stored.len(),
        named.len(),
        stored.len(),
        named.len()
    );
}
