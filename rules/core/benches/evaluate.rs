//! How long evaluating every task-definition control takes, next to what merely decoding the
//! same document with serde_json costs.
//!
//! Input: `data/multi-container-task-definition.json`, a synthetic `describe-task-definition
//! --include TAGS` output (six containers: app, Envoy, Fluent Bit log router, X-Ray daemon,
//! OpenTelemetry collector, Datadog agent; two EFS volumes), about 22 KB.
//!
//! Three workloads, one criterion group:
//! - `serde_json_parse`: `serde_json::from_str::<Value>` of the text (the baseline);
//! - `evaluate_all`: every task-definition control of the catalogue on the already parsed
//!   resource, parameters prepared beforehand;
//! - `parse_and_evaluate_all`: `parse::parse_text` then every task-definition control (text to
//!   verdicts).
//!
//! After criterion, `main` times the three workloads itself, interleaved (rounds alternating
//! them, a fixed number of iterations each, median per workload), and prints
//! `ratio evaluate_all/serde_json_parse = …` and `ratio parse_and_evaluate_all/serde_json_parse
//! = …` with the medians. The ratios are reported, never asserted: machines are noisy.
//!
//! `cargo bench -p ecs-harden-core --bench evaluate` for the measurement;
//! `… -- --test` (or `cargo test --benches`) runs each workload once and a token timing loop.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use ecs_harden_core::params::Params;
use ecs_harden_core::parse::{self, Syntax};
use ecs_harden_core::{Control, Outcome, Resource, ResourceType, CATALOGUE};

/// The document every workload reads.
const TEXT: &str = include_str!("data/multi-container-task-definition.json");

/// Every task-definition control of the catalogue with its default parameters, prepared once.
fn task_definition_controls() -> Vec<(&'static Control, Params)> {
    CATALOGUE
        .iter()
        .copied()
        .filter(|control| control.resource_type() == ResourceType::TaskDefinition)
        .map(|control| {
            let params = control
                .default_params()
                .unwrap_or_else(|e| panic!("default parameters of {}: {e}", control.id));
            (control, params)
        })
        .collect()
}

/// The document, read once into its one resource.
fn parsed_resource() -> Resource {
    let mut results = parse::parse_text(TEXT, Syntax::Json);
    assert_eq!(results.len(), 1, "the bench document holds one resource");
    let resource = results
        .pop()
        .expect("one result")
        .unwrap_or_else(|e| panic!("the bench document does not parse: {e:?}"));
    assert_eq!(resource.meta.resource_type, ResourceType::TaskDefinition);
    resource
}

fn serde_json_parse(text: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(text).expect("valid JSON")
}

/// Every control's outcome on one resource.
fn evaluate_all(resource: &Resource, controls: &[(&'static Control, Params)]) -> Vec<Outcome> {
    controls
        .iter()
        .map(|(control, params)| {
            control
                .evaluate(resource, params)
                .expect("a task-definition control evaluates a task definition")
        })
        .collect()
}

/// Text to verdicts: parse the document, evaluate every control on each resource in it.
fn parse_and_evaluate_all(text: &str, controls: &[(&'static Control, Params)]) -> Vec<Outcome> {
    parse::parse_text(text, Syntax::Json)
        .into_iter()
        .flat_map(|result| {
            let resource = result.expect("the bench document parses");
            evaluate_all(&resource, controls)
        })
        .collect()
}

fn evaluate_benches(c: &mut Criterion) {
    let controls = task_definition_controls();
    let resource = parsed_resource();

    let mut group = c.benchmark_group("evaluate");
    group.bench_function("serde_json_parse", |b| {
        b.iter(|| serde_json_parse(black_box(TEXT)))
    });
    group.bench_function("evaluate_all", |b| {
        b.iter(|| evaluate_all(black_box(&resource), black_box(&controls)))
    });
    group.bench_function("parse_and_evaluate_all", |b| {
        b.iter(|| parse_and_evaluate_all(black_box(TEXT), black_box(&controls)))
    });
    group.finish();
}

criterion_group!(benches, evaluate_benches);

/// How the harness was invoked, read the way criterion reads it: `cargo bench` passes
/// `--bench`; `cargo bench -- --test` adds `--test`; `cargo test --benches` passes neither.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RunMode {
    Benchmark,
    Test,
    List,
}

fn run_mode() -> RunMode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    if has("--list") {
        RunMode::List
    } else if has("--test") || !has("--bench") {
        RunMode::Test
    } else {
        RunMode::Benchmark
    }
}

/// One workload of the interleaved timing loop.
struct Workload<'a> {
    name: &'static str,
    run: Box<dyn Fn() + 'a>,
    iterations: u32,
    /// Mean time per iteration, one entry per round.
    samples: Vec<Duration>,
}

impl Workload<'_> {
    fn batch(&self, iterations: u32) -> Duration {
        let start = Instant::now();
        for _ in 0..iterations {
            (self.run)();
        }
        start.elapsed()
    }

    fn median(&self) -> Duration {
        let mut sorted = self.samples.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Times the three workloads in `rounds` rounds, each round running every workload for a fixed
/// number of iterations (calibrated once so that a batch lasts about `batch_target`), and
/// prints the median per workload and the ratios to the serde_json baseline.
fn ratio_report(rounds: usize, batch_target: Duration, quick: bool) {
    let controls = task_definition_controls();
    let resource = parsed_resource();

    let outcomes = evaluate_all(&resource, &controls);
    let count = |verdict: &str| {
        outcomes
            .iter()
            .filter(|o| o.verdict.as_str() == verdict)
            .count()
    };
    println!();
    println!(
        "input: {} bytes, {} task-definition controls ({} COMPLIANT, {} NON_COMPLIANT, {} NOT_APPLICABLE)",
        TEXT.len(),
        controls.len(),
        count("COMPLIANT"),
        count("NON_COMPLIANT"),
        count("NOT_APPLICABLE"),
    );

    let mut workloads = [
        Workload {
            name: "serde_json_parse",
            run: Box::new(|| {
                black_box(serde_json_parse(black_box(TEXT)));
            }),
            iterations: 1,
            samples: Vec::new(),
        },
        Workload {
            name: "evaluate_all",
            run: Box::new(|| {
                black_box(evaluate_all(black_box(&resource), black_box(&controls)));
            }),
            iterations: 1,
            samples: Vec::new(),
        },
        Workload {
            name: "parse_and_evaluate_all",
            run: Box::new(|| {
                black_box(parse_and_evaluate_all(
                    black_box(TEXT),
                    black_box(&controls),
                ));
            }),
            iterations: 1,
            samples: Vec::new(),
        },
    ];

    // Calibrate (which doubles as warm-up): double the iterations until a batch lasts at least
    // a tenth of the target, then scale to the target.
    for workload in &mut workloads {
        let mut iterations: u32 = 1;
        let elapsed = loop {
            let elapsed = workload.batch(iterations);
            if elapsed >= batch_target / 10 || iterations >= 1 << 24 {
                break elapsed;
            }
            iterations *= 2;
        };
        let per_iteration = elapsed.as_secs_f64() / f64::from(iterations);
        let wanted = (batch_target.as_secs_f64() / per_iteration.max(1e-9)).round();
        workload.iterations = wanted.clamp(1.0, f64::from(u32::MAX)) as u32;
    }

    for _ in 0..rounds {
        for workload in &mut workloads {
            let elapsed = workload.batch(workload.iterations);
            workload.samples.push(elapsed / workload.iterations);
        }
    }

    println!(
        "interleaved timing: {rounds} rounds, median of the per-round means{}",
        if quick {
            " (test mode: a token run, not a measurement)"
        } else {
            ""
        }
    );
    for workload in &workloads {
        let mut sorted = workload.samples.clone();
        sorted.sort();
        println!(
            "median {:<24} = {:>9.2} µs  (min {:.2}, max {:.2}; {} iterations per round)",
            workload.name,
            micros(workload.median()),
            micros(sorted[0]),
            micros(sorted[sorted.len() - 1]),
            workload.iterations,
        );
    }
    let baseline = workloads[0].median().as_secs_f64();
    for workload in &workloads[1..] {
        let ratio = workload.median().as_secs_f64() / baseline;
        println!("ratio {}/serde_json_parse = {ratio:.2}", workload.name);
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    match run_mode() {
        RunMode::Benchmark => ratio_report(7, Duration::from_millis(200), false),
        RunMode::Test => ratio_report(3, Duration::from_millis(2), true),
        RunMode::List => {}
    }
}
