//! Throughput: `ecs-harden check`, cfn-guard and checkov over the generated corpus, each run
//! several times from one process over the whole directory; the median wall time.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::Value;

use super::corpus::{self, Corpus};
use super::tools::Tools;
use super::{median, read_json, GUARD_RULES};
use crate::project_root;

const RUNS: usize = 5;
/// The floor under `check`: `bench_parse files DIR`.
const BARE_PARSE: &str = "bare parse (read + serde_json)";
/// cfn-guard and checkov need half a minute to a minute and more per pass over the corpus.
const SLOW_TOOL_RUNS: usize = 3;

pub struct Timing {
    tool: &'static str,
    input: &'static str,
    seconds: Vec<f64>,
    /// What the tool reported, to show it really evaluated the corpus.
    evidence: String,
}

/// Runs a tool `runs` times with stdout into `out` (stderr beside it); exit codes in `ok` are
/// verdicts, anything else is a failure naming the tool and its stderr.
pub fn time_runs(
    name: &str,
    runs: usize,
    ok: &[i32],
    out: &Path,
    command: impl Fn() -> Command,
) -> anyhow::Result<Vec<f64>> {
    let mut seconds = Vec::new();
    for run in 1..=runs {
        let stderr_path = out.with_extension("stderr");
        let mut cmd = command();
        cmd.current_dir(project_root())
            .stdout(File::create(out)?)
            .stderr(File::create(&stderr_path)?);
        let started = Instant::now();
        let status = cmd
            .status()
            .with_context(|| format!("cannot start {name}"))?;
        let took = started.elapsed().as_secs_f64();
        if !status.code().is_some_and(|c| ok.contains(&c)) {
            let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            let tail: String = stderr
                .lines()
                .rev()
                .take(15)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            bail!("{name} failed ({status}); the end of its stderr:\n{tail}");
        }
        println!("    {name}: run {run}/{runs}: {took:.2} s");
        seconds.push(took);
    }
    Ok(seconds)
}

fn ecs_harden_summary(report: &Value) -> anyhow::Result<(usize, BTreeMap<String, usize>)> {
    let results = report["results"]
        .as_array()
        .context("ecs-harden's JSON report has no results")?;
    if let Some(errors) = report["errors"].as_array().filter(|e| !e.is_empty()) {
        bail!("ecs-harden could not read some corpus files: {errors:?}");
    }
    let files: BTreeSet<&str> = results.iter().filter_map(|r| r["path"].as_str()).collect();
    let mut failing = BTreeMap::new();
    for r in results.iter().filter(|r| r["verdict"] == "NON_COMPLIANT") {
        *failing
            .entry(r["control"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    Ok((files.len(), failing))
}

pub fn measure(tools: &Tools, work: &Path) -> anyhow::Result<Vec<Timing>> {
    let out = work.join("out");
    std::fs::create_dir_all(&out)?;
    let api = work.join("corpus/api");
    let cfn = work.join("corpus/cfn");
    let terraform = work.join("corpus/terraform");
    let mut timings = Vec::new();

    println!(
        "==> throughput: ecs-harden check, cfn-guard validate, checkov over {} task definitions",
        corpus::SIZE
    );
    let mut ecs_harden_counts = Vec::new();
    for (input, dir) in [
        ("ECS API JSON", &api),
        ("CloudFormation JSON", &cfn),
        ("Terraform plan JSON", &terraform),
    ] {
        let report = out.join(format!("ecs-harden-{}.json", dir_name(dir)));
        let seconds = time_runs(
            &format!("ecs-harden check ({input})"),
            RUNS,
            &[0, 1],
            &out.join("ecs-harden.stdout"),
            || {
                let mut c = Command::new(&tools.ecs_harden);
                c.args(["check", "--format", "json", "-o"])
                    .arg(&report)
                    .arg(dir);
                c
            },
        )?;
        let (files, failing) = ecs_harden_summary(&read_json(&report)?)?;
        let total: usize = failing.values().sum();
        ecs_harden_counts.push(failing);
        timings.push(Timing {
            tool: "ecs-harden check",
            input,
            seconds,
            evidence: format!("{files} files, {total} NON_COMPLIANT verdicts"),
        });
    }
    // The same task definitions in every form: the verdicts per control must agree.
    for (timing, counts) in timings.iter_mut().zip(&ecs_harden_counts).skip(1) {
        if Some(counts) == ecs_harden_counts.first() {
            timing.evidence += " (the same per control as on the API form)";
        } else {
            println!(
                "    note: verdict counts on the {} form differ from the API form: {counts:?} vs {:?}",
                timing.input,
                ecs_harden_counts.first()
            );
            timing.evidence += " (differs from the API form per control)";
        }
    }

    // The floor: the same files read and parsed into serde_json values, nothing else.
    for (input, dir) in [
        ("ECS API JSON", &api),
        ("CloudFormation JSON", &cfn),
        ("Terraform plan JSON", &terraform),
    ] {
        let floor = out.join("bare-parse.json");
        let seconds = time_runs(&format!("bare parse ({input})"), RUNS, &[0], &floor, || {
            let mut c = Command::new(&tools.bench_parse);
            c.arg("files").arg(dir);
            c
        })?;
        let report = read_json(&floor)?;
        timings.push(Timing {
            tool: BARE_PARSE,
            input,
            seconds,
            evidence: format!(
                "{} files, {:.1} MB on {} threads",
                report["files"],
                report["bytes"].as_f64().unwrap_or(0.0) / 1e6,
                report["threads"]
            ),
        });
    }

    let guard_out = out.join("cfn-guard.json");
    let seconds = time_runs(
        "cfn-guard validate",
        SLOW_TOOL_RUNS,
        &[0, 19],
        &guard_out,
        || guard_command(tools, &cfn),
    )?;
    let guard = guard_results(&guard_out)?;
    let guard_failing: usize = guard.values().map(BTreeSet::len).sum();
    timings.push(Timing {
        tool: "cfn-guard validate",
        input: "CloudFormation JSON",
        seconds,
        evidence: format!(
            "{} files, {guard_failing} failed rules (file × rule)",
            guard.len()
        ),
    });

    let checkov_out = out.join("checkov.json");
    let seconds = time_runs("checkov", SLOW_TOOL_RUNS, &[0, 1], &checkov_out, || {
        checkov_command(tools, &cfn)
    })?;
    let checkov = read_json(&checkov_out)?;
    let summary = checkov_reports(&checkov)
        .into_iter()
        .map(|r| {
            format!(
                "{} resources, {} failed checks, {} parsing errors",
                r["summary"]["resource_count"],
                r["summary"]["failed"],
                r["summary"]["parsing_errors"]
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    timings.push(Timing {
        tool: "checkov --framework cloudformation secrets",
        input: "CloudFormation JSON",
        seconds,
        evidence: summary,
    });
    Ok(timings)
}

fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

pub fn guard_command(tools: &Tools, dir: &Path) -> Command {
    let mut c = Command::new(&tools.cfn_guard);
    c.args(["validate", "--rules", GUARD_RULES, "--data"])
        .arg(dir)
        .args(["--output-format", "json", "--show-summary", "none"]);
    c
}

pub fn checkov_command(tools: &Tools, dir: &Path) -> Command {
    let mut c = Command::new(&tools.checkov);
    c.arg("--directory")
        .arg(dir)
        .args([
            "--output",
            "json",
            "--quiet",
            "--compact",
            "--skip-download",
        ])
        // The frameworks that apply to these files: CloudFormation checks and the secrets
        // scanner (literal secrets in environment variables).
        .args(["--framework", "cloudformation", "secrets"])
        // Without a platform key: the open-source checks only, the same run everywhere.
        .env_remove("BC_API_KEY");
    c
}

/// checkov prints one report object, or a list of them when several frameworks ran.
pub fn checkov_reports(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(reports) => reports.iter().collect(),
        other => vec![other],
    }
}

/// The last two components of a path: `<control>/<case>.json` or `cfn/td-0001.json`.
pub fn case_key(path: &str) -> String {
    let parts: Vec<&str> = path.trim_end_matches('/').rsplit('/').take(2).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

/// cfn-guard's JSON output: for each data file, the rules that failed on it.
pub fn guard_results(path: &Path) -> anyhow::Result<BTreeMap<String, BTreeSet<String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut results = BTreeMap::new();
    for document in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
        let document = document.with_context(|| {
            format!(
                "cfn-guard's output {} is not JSON documents",
                path.display()
            )
        })?;
        let documents = match document {
            Value::Array(list) => list,
            other => vec![other],
        };
        for report in documents {
            let Some(name) = report["name"].as_str().or(report["data_from"].as_str()) else {
                continue;
            };
            let failed: &mut BTreeSet<String> = results.entry(case_key(name)).or_default();
            for rule in report["not_compliant"].as_array().into_iter().flatten() {
                if let Some(rule) = rule["Rule"]["name"]
                    .as_str()
                    .or(rule["name"].as_str())
                    .or(rule.as_str())
                {
                    failed.insert(rule.to_string());
                }
            }
        }
    }
    if results.is_empty() {
        bail!("cfn-guard's output {} names no data files", path.display());
    }
    Ok(results)
}

/// Section 1: the corpus and the tools' times over it.
pub fn section(md: &mut String, corpus: &Corpus, timings: &[Timing]) {
    let c = corpus;
    let histogram = c
        .containers_histogram
        .iter()
        .map(|(n, files)| format!("{n}: {files}"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        md,
        "\n## 1. Throughput over {} task definitions\n\n\
         The corpus is generated from the fixture corpus (`tests/fixtures`): the settings of one of {} active \
         API-shape fixture task definitions, 1–10 containers drawn from the {} containers of \
         the fixtures (renamed), plus 0–15 environment variables, 0–3 port mappings and 0–2 \
         bind mounts per container ({} containers in all; files per container count: {histogram}). \
         Each task definition is written as a `register-task-definition` document ({:.1} MB in \
         all), as a CloudFormation template ({:.1} MB) and as the `terraform show -json` output of \
         a plan creating it with `aws_ecs_task_definition` ({:.1} MB). Each tool gets the form it \
         accepts, all from one process per run over the whole directory, output to a file; the \
         time is the process's wall time, median of the runs. *Bare parse* is the floor under \
         `check`: `tests/examples/bench_parse.rs files DIR` reads every file and parses it into a \
         `serde_json::Value`, nothing else, on as many threads as `check` uses and with its \
         allocator (mimalloc).\n",
        c.files,
        c.bases,
        c.container_pool,
        c.containers,
        c.api_bytes as f64 / 1e6,
        c.cfn_bytes as f64 / 1e6,
        c.terraform_bytes as f64 / 1e6,
    );
    md.push_str("| tool | input | median time | files/s | MB/s | time vs ecs-harden (same input) | runs (s) | what it reported |\n|---|---|---:|---:|---:|---:|---|---|\n");
    let check_time = |input: &str| {
        timings
            .iter()
            .find(|t| t.tool == "ecs-harden check" && t.input == input)
            .map(|t| median(&t.seconds))
            .unwrap_or(f64::NAN)
    };
    let bytes = |input: &str| match input {
        "ECS API JSON" => c.api_bytes,
        "CloudFormation JSON" => c.cfn_bytes,
        _ => c.terraform_bytes,
    } as f64;
    for t in timings {
        let m = median(&t.seconds);
        let ratio = if t.tool == "ecs-harden check" {
            "–".to_string()
        } else {
            format!("{:.2}×", m / check_time(t.input))
        };
        let _ = writeln!(
            md,
            "| {} | {} | {:.3} s | {:.0} | {:.0} | {ratio} | {} | {} |",
            t.tool,
            t.input,
            m,
            corpus.files as f64 / m,
            bytes(t.input) / 1e6 / m,
            t.seconds
                .iter()
                .map(|s| format!("{s:.2}"))
                .collect::<Vec<_>>()
                .join(", "),
            t.evidence
        );
    }
    let floor: Vec<String> = timings
        .iter()
        .filter(|t| t.tool == BARE_PARSE)
        .map(|t| {
            format!(
                "{:.2}× on {}",
                check_time(t.input) / median(&t.seconds),
                t.input
            )
        })
        .collect();
    let _ = writeln!(
        md,
        "\nThe ratio is the tool's median time over ecs-harden's on the same files (1.0× = as \
         fast; 10× = ten times slower; below 1× faster). `ecs-harden check` (walk, read, parse, \
         evaluate every control, locate failures, write the report) takes {} the time of the \
         bare parse of the same files. The tools do not check the same things (section 2): \
         cfn-guard runs the rules in `bench/guard/`, one per control it can express; checkov runs \
         all of its CloudFormation checks and its secrets scanner, of which only a few checks \
         concern ECS.",
        floor.join(", ")
    );
}
