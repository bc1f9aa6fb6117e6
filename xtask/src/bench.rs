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
//! - `evaluate`: the criterion bench of evaluating every control against parsing the document.
//! - `build`: the time `cargo xtask build-lambdas` takes from a clean target directory, and the
//!   ways of building tried before, with the zips' sizes.
//!
//! This file runs them in order and writes the report.

mod build;
mod completeness;
mod corpus;
mod evaluate;
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

use crate::flags::{self, BenchSection};
use crate::{project_root, setup, target_dir};

const GUARD_RULES: &str = "bench/guard/ecs-harden.guard";
const LAMBDA_CRATE: &str = "ecs-4-containers-not-privileged";

pub fn run(args: &flags::Bench) -> anyhow::Result<()> {
    let started = Instant::now();
    let measured = |section: BenchSection| args.only.is_empty() || args.only.contains(&section);
    let fixtures = project_root().join("tests/fixtures");
    let machine = tools::machine()?;
    // Building the zips needs none of the other tools: a run of that section alone keeps the
    // versions an earlier run listed.
    let tools = if args.only.iter().all(|s| *s == BenchSection::Build) && !args.only.is_empty() {
        None
    } else {
        setup()?;
        Some(tools::Tools::install()?)
    };
    let versions = match &tools {
        Some(tools) => Some(tools.versions()?),
        None => None,
    };
    let work = target_dir()?.join("bench");

    let mut sections = Vec::new();
    let mut linear_bound = Ok(());
    if let Some(tools) = &tools {
        measure_with_tools(
            tools,
            &fixtures,
            &work,
            &measured,
            &mut sections,
            &mut linear_bound,
        )?;
    }
    if measured(BenchSection::Build) {
        let with_build = |times: &build::BuildTimes| {
            let mut md = String::new();
            times.section(&mut md);
            let mut all = sections.clone();
            all.push((7, md));
            all
        };
        // Written after each way of building, so that a long run leaves what it measured.
        let times = build::measure(&mut |times| {
            write_docs(started, &machine, versions.as_deref(), &with_build(times))
        })?;
        sections = with_build(&times);
    }

    write_docs(started, &machine, versions.as_deref(), &sections)?;
    linear_bound
}

/// Writes docs/benchmarks.md: the header, the machine, the sections measured now and the
/// others as the file had them.
fn write_docs(
    started: Instant,
    machine: &[(&'static str, String)],
    versions: Option<&[(&'static str, String)]>,
    sections: &[(usize, String)],
) -> anyhow::Result<()> {
    let fresh: Vec<String> = sections.iter().map(|(n, _)| n.to_string()).collect();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Benchmarks\n\n\
         Written by `cargo xtask bench`, which installs the other tools pinned, generates the \
         inputs, runs everything side by side and rewrites this file. The figures depend on the \
         machine and its load: rerun it to compare on yours. Inputs and scripts: `bench/` (Guard \
         rules, the Python handler, the pinned requirements), the jobs in `xtask/src/bench/`, the \
         Lambda measurements in `tests/examples/bench_lambda.rs`, the parser measurements in \
         `tests/examples/bench_parse.rs`. `cargo xtask bench --only SECTION..` measures some \
         sections and keeps the others as an earlier run wrote them.\n\n\
         The last run measured section(s) {} in {:.0} minutes on the machine below{}.\n",
        fresh.join(", "),
        started.elapsed().as_secs_f64() / 60.0,
        if fresh.len() == SECTIONS {
            ""
        } else {
            "; the other sections are from an earlier run"
        }
    );
    // Read last, so that two runs measuring different sections keep each other's.
    let path = project_root().join("docs/benchmarks.md");
    let previous = std::fs::read_to_string(&path).unwrap_or_default();
    md.push_str("## Machine and versions\n\n| | |\n|---|---|\n");
    for (key, value) in machine {
        let _ = writeln!(md, "| {key} | {value} |");
    }
    match versions {
        Some(versions) => {
            for (key, value) in versions {
                let _ = writeln!(md, "| {key} | {value} |");
            }
        }
        None => {
            for row in kept_versions(&previous, machine) {
                md.push_str(row);
                md.push('\n');
            }
        }
    }
    for number in 1..=SECTIONS {
        match sections.iter().find(|(n, _)| *n == number) {
            Some((_, text)) => md.push_str(text),
            None => md.push_str(&kept_section(&previous, number)),
        }
    }

    std::fs::write(&path, md).with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "xtask bench: wrote docs/benchmarks.md (section(s) {} measured) in {:.0}s",
        fresh.join(", "),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The sections that run the other tools or the release builds they install: 1 to 6.
fn measure_with_tools(
    tools: &tools::Tools,
    fixtures: &Path,
    work: &Path,
    measured: &dyn Fn(BenchSection) -> bool,
    sections: &mut Vec<(usize, String)>,
    linear_bound: &mut anyhow::Result<()>,
) -> anyhow::Result<()> {
    // The corpus: the CLI's input, and the task definitions the Lambda runs register.
    let corpus = if measured(BenchSection::Cli) || measured(BenchSection::Lambda) {
        println!(
            "==> corpus: {} task definitions from the fixtures",
            corpus::SIZE
        );
        let corpus = corpus::generate(fixtures, &work.join("corpus"))?;
        println!(
            "==> corpus: {} files in each form, {} containers",
            corpus.files, corpus.containers
        );
        Some(corpus)
    } else {
        None
    };
    if let (true, Some(corpus)) = (measured(BenchSection::Cli), &corpus) {
        let throughput = throughput::measure(tools, work)?;
        let completeness = completeness::measure(tools, fixtures, work)?;
        let agreement = completeness::agreement(&work.join("out"), &completeness)?;
        let mut md = String::new();
        throughput::section(&mut md, corpus, &throughput);
        sections.push((1, md));
        let mut md = String::new();
        completeness.section(&mut md);
        completeness::agreement_section(&mut md, corpus.files, &agreement);
        sections.push((2, md));
    }
    if measured(BenchSection::Lambda) {
        let lambda = lambda::measure(tools, work)?;
        let mut md = String::new();
        lambda.cold_section(&mut md);
        sections.push((3, md));
        let mut md = String::new();
        lambda.scale_section(&mut md);
        sections.push((4, md));
    }
    if measured(BenchSection::Linear) {
        let linear = linear::measure(tools)?;
        let mut md = String::new();
        linear.section(&mut md);
        sections.push((5, md));
        *linear_bound = linear.within_bound();
    }
    if measured(BenchSection::Evaluate) {
        let mut md = String::new();
        evaluate::measure()?.section(&mut md);
        sections.push((6, md));
    }
    Ok(())
}

/// The rows of the earlier run's machine table that are not about the machine: the versions
/// of the tools it installed.
fn kept_versions<'a>(previous: &'a str, machine: &[(&'static str, String)]) -> Vec<&'a str> {
    let Some(start) = previous.find("## Machine and versions") else {
        return Vec::new();
    };
    previous[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .filter(|line| line.starts_with("| ") && !line.starts_with("| |"))
        .filter(|line| {
            !machine
                .iter()
                .any(|(key, _)| line.starts_with(&format!("| {key} |")))
        })
        .collect()
}

/// The numbered sections of docs/benchmarks.md.
const SECTIONS: usize = 7;

/// Section `number` of the file an earlier run wrote (from its `## <number>.` heading to the
/// next `## ` heading), or a line saying how to measure it when the file has none.
fn kept_section(previous: &str, number: usize) -> String {
    let heading = format!("\n## {number}. ");
    let Some(start) = previous.find(&heading) else {
        return format!(
            "\n## {number}. Not measured yet\n\nRun `cargo xtask bench` (every section) to \
             write this section.\n"
        );
    };
    let rest = &previous[start..];
    let end = rest[1..].find("\n## ").map_or(rest.len(), |i| i + 1);
    rest[..end].to_string()
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
