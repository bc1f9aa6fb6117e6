//! `cargo xtask bench`: ecs-harden side by side with the tools users would pick instead, and
//! the growth of its parsers with input size, in one invocation, written to
//! `docs/benchmarks.md`. Not part of `cargo xtask test`: the figures depend on the machine, and
//! no test measures time.
//!
//! The jobs, one module each:
//! - `tools`: installs the other tools pinned (cfn-guard with `cargo install` into
//!   `bench-tools/` of the target directory, checkov and awslambdaric into `.venv-bench` from
//!   `bench/requirements-bench.txt`), builds what is measured in release, and describes the
//!   machine.
//! - `corpus`: 1,000 task definitions generated from the fixture corpus (`tests/fixtures`).
//! - `throughput`: `ecs-harden check`, cfn-guard (`bench/guard/ecs-harden.guard`) and checkov
//!   over the corpus.
//! - `completeness`: every control's CloudFormation fixture cases through each tool, and how
//!   far the tools agree over the corpus.
//! - `lambda`: the Config rule Lambda of ECS.4, cold start and peak RSS against a boto3 handler
//!   (`bench/python/ecs4_handler.py`), and periodic runs over 10 … 5,000 families.
//! - `linear`: every parser and the Config event decoder on inputs of two sizes; the time ratio
//!   shows linear growth.
//!
//! This file runs them in order and writes the report.

mod completeness;
mod corpus;
mod lambda;
mod linear;
mod throughput;
mod tools;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::Value;

use crate::{project_root, setup, target_dir};

const GUARD_RULES: &str = "bench/guard/ecs-harden.guard";
const LAMBDA_CRATE: &str = "ecs-4-containers-not-privileged";

pub fn run() -> anyhow::Result<()> {
    let started = Instant::now();
    let fixtures = project_root().join("tests/fixtures");
    setup()?;
    let tools = tools::Tools::install()?;
    let machine = tools::machine()?;
    let versions = tools.versions()?;

    let work = target_dir()?.join("bench");
    println!(
        "==> corpus: {} task definitions from the fixtures",
        corpus::SIZE
    );
    let corpus = corpus::generate(&fixtures, &work.join("corpus"))?;
    println!(
        "==> corpus: {} files in each form, {} containers",
        corpus.files, corpus.containers
    );

    let throughput = throughput::measure(&tools, &work)?;
    let completeness = completeness::measure(&tools, &fixtures, &work)?;
    let agreement = completeness::agreement(&work.join("out"), &completeness)?;
    let lambda = lambda::measure(&tools, &work)?;
    let linear = linear::measure(&tools)?;

    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Benchmarks\n\n\
         Written by `cargo xtask bench` (about {:.0} minutes on the machine below), which installs the \
         other tools pinned, generates the inputs, runs everything side by side in one invocation \
         and rewrites this file. The figures depend on the machine and its load: rerun it to \
         compare on yours. Inputs and scripts: `bench/` (Guard rules, the Python handler, the \
         pinned requirements), the jobs in `xtask/src/bench/`, the Lambda measurements in \
         `tests/examples/bench_lambda.rs`, the parser measurements in \
         `tests/examples/bench_parse.rs`.\n",
        started.elapsed().as_secs_f64() / 60.0
    );
    md.push_str("## Machine and versions\n\n| | |\n|---|---|\n");
    for (key, value) in machine.iter().chain(&versions) {
        let _ = writeln!(md, "| {key} | {value} |");
    }
    throughput::section(&mut md, &corpus, &throughput);
    completeness.section(&mut md);
    completeness::agreement_section(&mut md, corpus.files, &agreement);
    lambda.cold_section(&mut md);
    lambda.scale_section(&mut md);
    linear.section(&mut md);

    let path = project_root().join("docs/benchmarks.md");
    std::fs::write(&path, md).with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "xtask bench: wrote docs/benchmarks.md in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    linear.within_bound()
}

/// Runs a command whose stdout is one JSON document (its stderr is the progress shown).
fn json_of(name: &str, command: &mut Command) -> anyhow::Result<Value> {
    let started = Instant::now();
    println!("==> {name}");
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot start {name}"))?;
    if !output.status.success() {
        bail!("{name} failed ({})", output.status);
    }
    println!("==> {name}: ok ({:.1}s)", started.elapsed().as_secs_f64());
    serde_json::from_slice(&output.stdout)
        .with_context(|| format!("{name} did not print one JSON document"))
}

/// Standard output of a command, trimmed, or an error naming it.
fn output_of(program: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !output.status.success() {
        bail!(
            "{} {} failed: {}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// `8.0 ms`, `10892 KiB`, `12 calls`.
fn quantity(value: f64, unit: &str) -> String {
    match unit {
        "ms" => format!("{value:.1} ms"),
        _ => format!("{value:.0} {unit}"),
    }
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .collect()
}
