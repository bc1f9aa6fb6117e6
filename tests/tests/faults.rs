//! Transport and service faults between the real Lambda and the local AWS endpoint, injected
//! by [`FaultProxy`]: throttling, 500s, access denied, connections closed before or in the
//! middle of an answer, slow answers and malformed 200 bodies, on PutEvaluations or on the ECS
//! calls, at set rates from a fixed seed. For each, a periodic run over 240 task definition
//! families either delivers every evaluation or fails the invocation naming each evaluation it
//! did not deliver (and each resource it could not read); nothing is lost silently and no
//! resource is reported with different verdicts. Like Config, a failed invocation is invoked
//! again (at most three times in all).
//!
//! The run writes its table to `tmp/reliability-table.md` in the target directory, and the test
//! fails when the outcome columns of the table in `docs/reliability.md` disagree with it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use ecs_harden_e2e::fault_proxy::{Fault, FaultPlan, FaultProxy};
use ecs_harden_e2e::*;
use serde_json::{json, Value};

const FAMILIES: usize = 240;
const RULE: &str = "ecs-harden-containers-not-privileged";
const LAMBDA: &str = "ecs-4-containers-not-privileged";
const MAX_INVOCATIONS: usize = 3;
const PUT_EVALUATIONS: &str = "StarlingDoveService.PutEvaluations";
const ECS_DESCRIBES: &str = "AmazonEC2ContainerServiceV20141113.Describe";
const ECS_ALL: &str = "AmazonEC2ContainerServiceV20141113.";

struct Scenario {
    fault: Fault,
    percent: u32,
    scope: &'static str,
    target_prefix: &'static str,
    /// The invocation's time budget.
    deadline: Duration,
    /// How many times the run is invoked at most (Config retries a failed invocation).
    invocations: usize,
}

fn scenarios() -> Vec<Scenario> {
    let put = |fault, percent| Scenario {
        fault,
        percent,
        scope: "PutEvaluations",
        target_prefix: PUT_EVALUATIONS,
        deadline: Duration::from_secs(60),
        invocations: MAX_INVOCATIONS,
    };
    let describes = |fault, percent| Scenario {
        fault,
        percent,
        scope: "ECS describes",
        target_prefix: ECS_DESCRIBES,
        deadline: Duration::from_secs(60),
        invocations: MAX_INVOCATIONS,
    };
    let every_ecs_call = |fault, percent| Scenario {
        fault,
        percent,
        scope: "every ECS call",
        target_prefix: ECS_ALL,
        deadline: Duration::from_secs(60),
        invocations: MAX_INVOCATIONS,
    };
    vec![
        put(Fault::Throttle, 30),
        put(Fault::ServerError, 30),
        put(Fault::ResetBeforeAnswer, 30),
        put(Fault::ResetMidResponse, 30),
        put(Fault::Slow(Duration::from_millis(300)), 30),
        put(Fault::MalformedBody, 30),
        describes(Fault::Throttle, 10),
        describes(Fault::ServerError, 10),
        describes(Fault::Slow(Duration::from_millis(100)), 5),
        describes(Fault::MalformedBody, 2),
        describes(Fault::AccessDenied, 2),
        every_ecs_call(Fault::ResetBeforeAnswer, 10),
        every_ecs_call(Fault::ResetMidResponse, 10),
        // Config never answers in time: the run must stop before its deadline and name all.
        Scenario {
            deadline: Duration::from_secs(5),
            invocations: 1,
            ..put(Fault::Throttle, 100)
        },
    ]
}

/// What one scenario came to. The first columns are outcomes and must match the documented
/// table; `retries` and `seconds` depend on timing and are shown only.
#[derive(Debug, Default)]
struct Row {
    fault: String,
    rate: String,
    scope: String,
    invocations: usize,
    expected: usize,
    delivered: usize,
    lost_named: usize,
    silently_lost: usize,
    /// Resources stored more than once with the same verdict: a call took effect but its
    /// answer was lost, so the batch was sent again.
    resent: usize,
    contradicting: usize,
    outcome: String,
    deadline: u64,
    faults: usize,
    retries: u64,
    seconds: f64,
}

impl Row {
    fn outcome_cells(&self) -> Vec<String> {
        vec![
            self.fault.clone(),
            self.rate.clone(),
            self.scope.clone(),
            self.deadline.to_string(),
            self.invocations.to_string(),
            self.expected.to_string(),
            self.delivered.to_string(),
            self.lost_named.to_string(),
            self.silently_lost.to_string(),
            self.resent.to_string(),
            self.contradicting.to_string(),
            self.outcome.clone(),
        ]
    }
}

const HEADER: [&str; 15] = [
    "fault",
    "rate",
    "scope",
    "deadline (s)",
    "invocations",
    "expected",
    "delivered",
    "lost, named",
    "silently lost",
    "stored twice, same verdict",
    "stored twice, different verdicts",
    "outcome",
    "faults injected",
    "retries",
    "seconds",
];
/// The first columns, which a documented table must reproduce exactly; the others (faults
/// injected, retries, seconds) vary with timing and are shown only.
const OUTCOME_COLUMNS: usize = 12;

fn register_families(moto: &Moto) -> BTreeMap<String, &'static str> {
    let mut expected = BTreeMap::new();
    for i in 0..FAMILIES {
        let privileged = i.is_multiple_of(5);
        let td = moto
            .register_task_definition(&format!("fault-{i:03}"), privileged)
            .unwrap();
        expected.insert(
            td["taskDefinitionArn"].as_str().unwrap().to_string(),
            if privileged {
                "NON_COMPLIANT"
            } else {
                "COMPLIANT"
            },
        );
    }
    expected
}

/// Every evaluation stored for `token`: (resource id, verdict), one per stored copy.
fn stored_for(moto: &Moto, token: &str) -> Vec<(String, String)> {
    let stored = moto.control_get("evaluations").unwrap();
    let mut out = Vec::new();
    for call in stored["calls"].as_array().unwrap() {
        if call["resultToken"] != token {
            continue;
        }
        for e in call["evaluations"].as_array().unwrap() {
            out.push((
                e["ComplianceResourceId"].as_str().unwrap().to_string(),
                e["ComplianceType"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

/// Resource ids the Lambda's `undelivered` (evaluated, not delivered) and `unreadable` (not
/// evaluated) log lines name.
fn named_undelivered(logs: &[String]) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in logs {
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if value["message"] == "undelivered" || value["message"] == "unreadable" {
            let resources = value["resources"].as_array().unwrap();
            assert_eq!(value["count"], resources.len(), "{line}");
            assert!(
                value["cause"].as_str().is_some_and(|c| !c.is_empty()),
                "{line}"
            );
            named.extend(resources.iter().map(|r| r.as_str().unwrap().to_string()));
        }
    }
    named
}

fn run_scenario(
    moto: &Moto,
    index: usize,
    scenario: &Scenario,
    expected: &BTreeMap<String, &'static str>,
) -> Row {
    let proxy = FaultProxy::start(
        &moto.address,
        FaultPlan {
            fault: scenario.fault,
            percent: scenario.percent,
            target_prefix: scenario.target_prefix.to_string(),
            // Chosen so that every scenario's first invocation meets at least one fault.
            seed: 2053 + index as u64,
            max_faults: Some(200),
        },
    )
    .unwrap();
    let lambda =
        Lambda::start_binary(&Lambda::binary(LAMBDA).unwrap(), LAMBDA, &proxy.url, &[]).unwrap();
    let started = Instant::now();
    let mut row = Row {
        fault: scenario.fault.name(),
        rate: format!("{}%", scenario.percent),
        scope: scenario.scope.to_string(),
        expected: expected.len(),
        deadline: scenario.deadline.as_secs(),
        ..Row::default()
    };
    // Verdicts stored per resource over every invocation, and copies per invocation.
    let mut verdicts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut copies: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut first_failure = None;
    for invocation in 1..=scenario.invocations {
        let token = format!("faults-{index}-{invocation}");
        let logs_before = lambda.logs().len();
        let event = scheduled_event(
            RULE,
            &token,
            OWN_ACCOUNT,
            "2025-03-05T00:00:00.000Z",
            &json!({}),
        );
        let (reply, _) = lambda
            .invoke_with_deadline(&event, scenario.deadline)
            .unwrap();
        row.invocations = invocation;
        let stored = stored_for(moto, &token);
        for (id, verdict) in &stored {
            verdicts
                .entry(id.clone())
                .or_default()
                .insert(verdict.clone());
            *copies.entry((token.clone(), id.clone())).or_default() += 1;
            assert_eq!(
                expected.get(id).copied(),
                Some(verdict.as_str()),
                "{}: {id} stored with a wrong verdict or not expected at all",
                row.fault
            );
        }
        let stored_ids: BTreeSet<String> = stored.into_iter().map(|(id, _)| id).collect();
        let missing: BTreeSet<String> = expected
            .keys()
            .filter(|id| !stored_ids.contains(*id))
            .cloned()
            .collect();
        match reply {
            Reply::Response(summary) => {
                assert!(
                    missing.is_empty(),
                    "{}: the invocation succeeded but {} evaluation(s) never reached Config: {:?}",
                    row.fault,
                    missing.len(),
                    missing.iter().take(5).collect::<Vec<_>>()
                );
                assert_eq!(summary["delivered"], expected.len(), "{summary}");
                row.retries += summary["retries"].as_u64().unwrap_or(0);
                row.delivered = stored_ids.len();
                if invocation == 1 {
                    row.outcome = "all delivered".into();
                } else {
                    row.outcome = format!(
                        "invocation 1 failed ({}); all delivered by invocation {invocation}",
                        first_failure.as_deref().unwrap_or("?")
                    );
                }
                break;
            }
            Reply::Error(error) => {
                let message = error.to_string();
                let logs = lambda.logs();
                let logs = &logs[logs_before.min(logs.len())..];
                let named = named_undelivered(logs);
                row.retries += logs
                    .iter()
                    .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                    .find(|v| v["message"] == "invocation failed")
                    .and_then(|v| v["retries"].as_u64())
                    .unwrap_or(0);
                // Whatever is missing after a failed run must be named in its log lines.
                let silently: Vec<_> = missing.difference(&named).collect();
                let record_first = |row: &mut Row| {
                    if invocation == 1 {
                        row.delivered = stored_ids.len();
                        row.lost_named = missing.intersection(&named).count();
                        row.silently_lost = silently.len();
                    }
                };
                let kind = if message.contains("not delivered") {
                    // Everything missing must be named, in the log line and in the count.
                    record_first(&mut row);
                    assert!(
                        silently.is_empty(),
                        "{}: {} evaluation(s) lost without being named: {:?}\n{message}",
                        row.fault,
                        silently.len(),
                        silently.iter().take(5).collect::<Vec<_>>()
                    );
                    assert!(
                        message.contains(&format!("{} evaluation(s) not delivered", named.len())),
                        "the error counts what the log line names: {message}"
                    );
                    "evaluations not delivered, each named"
                } else if message.contains("could not be read") {
                    // Describing some resources failed for good: the others are delivered and
                    // the ones not evaluated are named.
                    record_first(&mut row);
                    assert!(
                        silently.is_empty(),
                        "{}: {} resource(s) neither evaluated nor named: {:?}\n{message}",
                        row.fault,
                        silently.len(),
                        silently.iter().take(5).collect::<Vec<_>>()
                    );
                    "resources not read, each named; the rest delivered"
                } else {
                    // The run stopped before it had evaluations to send (listing failed for
                    // good): nothing may have been delivered, and the error names the failed call
                    // so that Config's retry starts the run afresh.
                    assert!(
                        stored_ids.is_empty(),
                        "{}: a run that failed before evaluating delivered {} evaluation(s)",
                        row.fault,
                        stored_ids.len()
                    );
                    assert!(
                        message.contains("failed:"),
                        "the error names the call that failed: {message}"
                    );
                    if invocation == 1 {
                        row.delivered = 0;
                        row.lost_named = expected.len();
                    }
                    "stopped before evaluating, failed call named"
                };
                first_failure.get_or_insert_with(|| kind.to_string());
                row.outcome = format!("failed {invocation} time(s): {kind}");
            }
        }
    }
    row.contradicting = verdicts.values().filter(|v| v.len() > 1).count();
    row.resent = copies.values().filter(|n| **n > 1).count();
    assert_eq!(
        row.contradicting, 0,
        "{}: a resource was reported with different verdicts",
        row.fault
    );
    row.faults = proxy.stats().faulted;
    assert!(row.faults > 0, "{}: the seed injected no fault", row.fault);
    row.seconds = started.elapsed().as_secs_f64();
    row
}

fn markdown(rows: &[Row]) -> String {
    let mut out = format!("| {} |\n", HEADER.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(HEADER.len())));
    for row in rows {
        let mut cells = row.outcome_cells();
        cells.push(row.faults.to_string());
        cells.push(row.retries.to_string());
        cells.push(format!("{:.1}", row.seconds));
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// The rows of the first table in `text` whose header starts like ours: cells, trimmed.
fn table_rows(text: &str) -> Vec<Vec<String>> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with(&format!("| {} |", HEADER[0])));
    lines.next();
    lines.next();
    lines
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn every_fault_kind_delivers_everything_or_names_what_was_lost() {
    let moto = Moto::start().unwrap();
    let expected = register_families(&moto);
    let rows: Vec<Row> = scenarios()
        .iter()
        .enumerate()
        .map(|(index, scenario)| {
            let row = run_scenario(&moto, index, scenario, &expected);
            println!(
                "{}",
                markdown(std::slice::from_ref(&row)).lines().last().unwrap()
            );
            row
        })
        .collect();
    let table = markdown(&rows);
    let written = target_dir().unwrap().join("tmp/reliability-table.md");
    std::fs::create_dir_all(written.parent().unwrap()).unwrap();
    std::fs::write(&written, &table).unwrap();
    println!("{table}");

    // The documented table must say what this run did (timing columns aside).
    let doc_path = workspace().join("docs/reliability.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let documented: Vec<Vec<String>> = table_rows(&doc)
        .into_iter()
        .map(|cells| cells.into_iter().take(OUTCOME_COLUMNS).collect())
        .collect();
    let measured: Vec<Vec<String>> = rows.iter().map(Row::outcome_cells).collect();
    assert_eq!(
        documented,
        measured,
        "docs/reliability.md disagrees with this run; copy {} into it",
        written.display()
    );
}
