//! `cargo xtask bench`: ecs-harden side by side with the tools users would pick instead, in one
//! invocation, written to `docs/benchmarks.md`. Not part of `cargo xtask test`: the figures
//! depend on the machine.
//!
//! 1. Throughput: `ecs-harden check`, cfn-guard (with `bench/guard/ecs-harden.guard`) and checkov
//!    over a corpus of task definitions generated from the shared fixtures.
//! 2. Completeness: every control's CloudFormation fixture cases through each tool.
//! 3. The Config rule Lambda of ECS.4: cold start and peak RSS, Rust vs a boto3 handler
//!    (`bench/python/ecs4_handler.py`), against the same local endpoint.
//! 4. One periodic run of that Lambda over 10 … 5,000 task definition families.
//!
//! Everything it needs is installed by it, pinned: cfn-guard with `cargo install` into
//! `target/bench-tools`, checkov and awslambdaric into `.venv-bench`
//! (`bench/requirements-bench.txt`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::{json, Map, Value};

use crate::{cargo, python_venv, root, setup, step};

const CFN_GUARD_VERSION: &str = "3.2.1";
const CORPUS_SIZE: usize = 1000;
const THROUGHPUT_RUNS: usize = 5;
/// cfn-guard and checkov need half a minute to a minute and more per pass over the corpus.
const SLOW_TOOL_RUNS: usize = 3;
const COLD_START_RUNS: usize = 5;
const COLD_START_FAMILIES: usize = 10;
const SCALE_SIZES: &str = "10,100,1000,5000";
const GUARD_RULES: &str = "bench/guard/ecs-harden.guard";
const LAMBDA_CRATE: &str = "ecs-4-containers-not-privileged";

pub fn run() -> anyhow::Result<()> {
    let started = Instant::now();
    let fixtures = root().join("../shared/fixtures");
    if !fixtures.join("MANIFEST.json").is_file() {
        bail!(
            "the shared fixtures are missing: expected {} beside the checkout",
            fixtures.join("MANIFEST.json").display()
        );
    }
    setup()?;
    let tools = Tools::install()?;
    let machine = machine()?;
    let versions = tools.versions()?;

    let work = target_dir().join("bench");
    println!("==> corpus: {CORPUS_SIZE} task definitions from the fixtures");
    let corpus = generate_corpus(&fixtures, &work.join("corpus"))?;
    println!(
        "==> corpus: {} files in each form, {} containers",
        corpus.files, corpus.containers
    );

    let throughput = throughput(&tools, &work)?;
    let completeness = completeness(&tools, &fixtures, &work)?;
    let agreement = agreement(&work.join("out"), &completeness)?;

    let bench_lambda = target_dir().join("release/examples/bench_lambda");
    let lambda = tools.target_release(LAMBDA_CRATE);
    let cold = json_of(
        "Lambda cold start, Rust vs Python",
        Command::new(&bench_lambda).current_dir(root()).args([
            "cold".as_ref(),
            "--rust".as_ref(),
            lambda.as_os_str(),
            "--python".as_ref(),
            tools.python.as_os_str(),
            "--handler-dir".as_ref(),
            root().join("bench/python").as_os_str(),
            "--corpus".as_ref(),
            work.join("corpus/api").as_os_str(),
            "--families".as_ref(),
            COLD_START_FAMILIES.to_string().as_ref(),
            "--runs".as_ref(),
            COLD_START_RUNS.to_string().as_ref(),
        ]),
    )?;
    let scale = json_of(
        "periodic runs over 10 … 5,000 families",
        Command::new(&bench_lambda).current_dir(root()).args([
            "scale".as_ref(),
            "--rust".as_ref(),
            lambda.as_os_str(),
            "--corpus".as_ref(),
            work.join("corpus/api").as_os_str(),
            "--sizes".as_ref(),
            SCALE_SIZES.as_ref(),
        ]),
    )?;

    let report = Report {
        machine,
        versions,
        corpus,
        throughput,
        completeness,
        agreement,
        cold,
        scale,
        took: started.elapsed().as_secs_f64(),
    };
    let path = root().join("docs/benchmarks.md");
    std::fs::write(&path, report.markdown())
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "xtask bench: wrote docs/benchmarks.md in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root().join(p) })
        .unwrap_or_else(|| root().join("target"))
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

struct Tools {
    ecs_harden: PathBuf,
    cfn_guard: PathBuf,
    checkov: PathBuf,
    /// The Python of `.venv-bench` (boto3 and awslambdaric for the Python handler).
    python: PathBuf,
}

impl Tools {
    /// cfn-guard and the venv of checkov and awslambdaric, pinned and only when missing or
    /// outdated; then the release builds measured.
    fn install() -> anyhow::Result<Tools> {
        let tools_root = target_dir().join("bench-tools");
        let cfn_guard = tools_root.join("bin/cfn-guard");
        let installed = output_of(&cfn_guard, &["--version"]).unwrap_or_default();
        if installed.contains(CFN_GUARD_VERSION) {
            println!("==> cfn-guard {CFN_GUARD_VERSION}: installed");
        } else {
            step(
                &format!("cargo install cfn-guard --version {CFN_GUARD_VERSION} --locked (into target/bench-tools)"),
                cargo()
                    .args(["install", "cfn-guard", "--version", CFN_GUARD_VERSION, "--locked", "--root"])
                    .arg(&tools_root),
            )?;
        }

        python_venv(
            ".venv-bench",
            "bench/requirements-bench.txt",
            "checkov, awslambdaric, boto3",
        )?;
        let venv = root().join(".venv-bench");

        step(
            &format!("cargo build --release -p ecs-harden-cli -p {LAMBDA_CRATE}"),
            cargo().args([
                "build",
                "--release",
                "-p",
                "ecs-harden-cli",
                "-p",
                LAMBDA_CRATE,
            ]),
        )?;
        step(
            "cargo build --release -p ecs-harden-e2e --example bench_lambda",
            cargo().args([
                "build",
                "--release",
                "-p",
                "ecs-harden-e2e",
                "--example",
                "bench_lambda",
            ]),
        )?;
        let tools = Tools {
            ecs_harden: target_dir().join("release/ecs-harden"),
            cfn_guard,
            checkov: venv.join("bin/checkov"),
            python: venv.join("bin/python"),
        };
        for tool in [&tools.ecs_harden, &tools.cfn_guard, &tools.checkov] {
            if !tool.exists() {
                bail!("{} is missing after the install", tool.display());
            }
        }
        Ok(tools)
    }

    fn target_release(&self, name: &str) -> PathBuf {
        target_dir().join("release").join(name)
    }

    fn versions(&self) -> anyhow::Result<Vec<(&'static str, String)>> {
        let python_package = |package: &str| {
            output_of(
                &self.python,
                &[
                    "-c",
                    &format!("import importlib.metadata as m; print(m.version({package:?}))"),
                ],
            )
        };
        let moto = output_of(
            &root().join(".venv/bin/python"),
            &[
                "-c",
                "import importlib.metadata as m; print(m.version('moto'))",
            ],
        )?;
        Ok(vec![
            ("ecs-harden", output_of(&self.ecs_harden, &["--version"])?),
            ("cfn-guard", output_of(&self.cfn_guard, &["--version"])?),
            ("checkov", output_of(&self.checkov, &["--version"])?),
            ("python", output_of(&self.python, &["--version"])?),
            ("boto3 (Python handler)", python_package("boto3")?),
            (
                "awslambdaric (Python handler)",
                python_package("awslambdaric")?,
            ),
            ("moto (local endpoint)", moto),
            ("rustc", output_of(Path::new("rustc"), &["--version"])?),
        ])
    }
}

fn machine() -> anyhow::Result<Vec<(&'static str, String)>> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").context("cannot read /proc/cpuinfo")?;
    let meminfo = std::fs::read_to_string("/proc/meminfo").context("cannot read /proc/meminfo")?;
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("unknown")
        .trim()
        .to_string();
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let memory_kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let date = output_of(Path::new("date"), &["-u", "+%Y-%m-%d %H:%M UTC"])?;
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    Ok(vec![
        ("date", date),
        ("CPU", model),
        ("logical cores", cores.to_string()),
        (
            "memory",
            format!("{:.1} GiB", memory_kib as f64 / 1024.0 / 1024.0),
        ),
        ("Linux", kernel.trim().to_string()),
        (
            "load average at start (1, 5, 15 min)",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ])
}

// ---------------------------------------------------------------------------------------------
// Corpus

/// A small deterministic generator (xorshift64*), so every run builds the same corpus.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

struct Corpus {
    files: usize,
    containers: usize,
    containers_histogram: BTreeMap<usize, usize>,
    bases: usize,
    container_pool: usize,
    api_bytes: u64,
    cfn_bytes: u64,
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Every fixture case: (path relative to the fixtures, the case document).
fn fixture_cases(fixtures: &Path) -> anyhow::Result<Vec<(String, Value)>> {
    let manifest = read_json(&fixtures.join("MANIFEST.json"))?;
    let entries = manifest
        .as_array()
        .context("MANIFEST.json is not an array")?;
    entries
        .iter()
        .map(|entry| {
            let path = entry["path"]
                .as_str()
                .context("a MANIFEST.json entry without path")?;
            Ok((path.to_string(), read_json(&fixtures.join(path))?))
        })
        .collect()
}

/// 1,000 task definitions built from the fixtures' active, API-shape task definitions: a task
/// definition's settings, 1–10 of the fixtures' containers (renamed), extra environment
/// variables, ports and bind mounts. Each one is written twice: as a
/// `register-task-definition` document (`api/`) and as a CloudFormation template (`cfn/`).
fn generate_corpus(fixtures: &Path, out: &Path) -> anyhow::Result<Corpus> {
    let mut bases = Vec::new();
    let mut pool = Vec::new();
    for (_, case) in fixture_cases(fixtures)? {
        if case["shape"] != "api" || case["resourceType"] != "AWS::ECS::TaskDefinition" {
            continue;
        }
        let mut td = case["resource"].clone();
        let tags = td.get("tags").cloned();
        if let Some(inner) = td.get("taskDefinition") {
            td = inner.clone();
        }
        if matches!(
            td["status"].as_str(),
            Some("INACTIVE" | "DELETE_IN_PROGRESS")
        ) {
            continue;
        }
        let Some(object) = td.as_object_mut() else {
            continue;
        };
        for key in [
            "taskDefinitionArn",
            "revision",
            "status",
            "registeredAt",
            "registeredBy",
            "deregisteredAt",
            "requiresAttributes",
            "compatibilities",
        ] {
            object.remove(key);
        }
        if let Some(tags) = tags {
            object.entry("tags").or_insert(tags);
        }
        if let Some(containers) = object
            .remove("containerDefinitions")
            .and_then(|c| c.as_array().cloned())
        {
            pool.extend(containers.into_iter().filter(Value::is_object));
        }
        bases.push(td);
    }
    if bases.is_empty() || pool.is_empty() {
        bail!("the fixtures hold no active API-shape task definitions to build the corpus from");
    }

    let _ = std::fs::remove_dir_all(out);
    let (api_dir, cfn_dir) = (out.join("api"), out.join("cfn"));
    std::fs::create_dir_all(&api_dir)?;
    std::fs::create_dir_all(&cfn_dir)?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut corpus = Corpus {
        files: 0,
        containers: 0,
        containers_histogram: BTreeMap::new(),
        bases: bases.len(),
        container_pool: pool.len(),
        api_bytes: 0,
        cfn_bytes: 0,
    };
    for i in 0..CORPUS_SIZE {
        let mut td = bases[rng.below(bases.len())].clone();
        td["family"] = json!(format!("bench-{i:04}"));
        let count = 1 + rng.below(10);
        let mut containers = Vec::new();
        let mut volumes = td["volumes"].as_array().cloned().unwrap_or_default();
        for j in 0..count {
            let mut container = pool[rng.below(pool.len())].clone();
            let name = container["name"].as_str().unwrap_or("app").to_string();
            container["name"] = json!(format!("{name}-{j}"));
            // Registrable as it is (the periodic runs register the corpus): without a task-level
            // memory, every container needs its own hard limit.
            if td.get("memory").is_none() && container.get("memory").is_none() {
                let reserved = container["memoryReservation"].as_u64().unwrap_or(0);
                container["memory"] = json!(reserved.max(512));
            }
            let mut environment = container["environment"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for k in 0..rng.below(16) {
                environment.push(
                    json!({"name": format!("SETTING_{k}"), "value": format!("value-{i}-{j}-{k}")}),
                );
            }
            container["environment"] = json!(environment);
            let mut ports = container["portMappings"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for k in 0..rng.below(4) {
                let port = 8000 + j * 10 + k;
                ports.push(json!({"containerPort": port, "hostPort": port, "protocol": "tcp"}));
            }
            container["portMappings"] = json!(ports);
            let mut mounts = container["mountPoints"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for k in 0..rng.below(3) {
                let volume = format!("scratch-{j}-{k}");
                volumes.push(
                    json!({"name": volume, "host": {"sourcePath": format!("/srv/{volume}")}}),
                );
                mounts.push(json!({"sourceVolume": volume, "containerPath": format!("/mnt/{volume}"), "readOnly": k % 2 == 0}));
            }
            container["mountPoints"] = json!(mounts);
            containers.push(container);
        }
        td["containerDefinitions"] = json!(containers);
        if !volumes.is_empty() {
            td["volumes"] = json!(volumes);
        }
        let api = serde_json::to_string_pretty(&td)?;
        let template = json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": format!("ecs-harden benchmark corpus, task definition {i}"),
            "Resources": {"TaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": cloudformation(&td)}},
        });
        let cfn = serde_json::to_string_pretty(&template)?;
        std::fs::write(api_dir.join(format!("td-{i:04}.json")), &api)?;
        std::fs::write(cfn_dir.join(format!("td-{i:04}.json")), &cfn)?;
        corpus.files += 1;
        corpus.containers += count;
        *corpus.containers_histogram.entry(count).or_default() += 1;
        corpus.api_bytes += api.len() as u64;
        corpus.cfn_bytes += cfn.len() as u64;
    }
    Ok(corpus)
}

/// A task definition's ECS API (camelCase) keys as CloudFormation spells them; maps whose keys
/// are the user's own (log options, labels) are copied as they are.
fn cloudformation(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let converted = match key.as_str() {
                        "options" | "dockerLabels" | "driverOpts" | "labels" => value.clone(),
                        _ => cloudformation(value),
                    };
                    (cloudformation_key(key), converted)
                })
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(cloudformation).collect()),
        other => other.clone(),
    }
}

fn cloudformation_key(key: &str) -> String {
    match key {
        "efsVolumeConfiguration" => "EFSVolumeConfiguration".into(),
        "fileSystemId" => "FilesystemId".into(),
        "iam" => "IAM".into(),
        _ => {
            let mut chars = key.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Throughput

struct Timing {
    tool: &'static str,
    input: &'static str,
    seconds: Vec<f64>,
    /// What the tool reported, to show it really evaluated the corpus.
    evidence: String,
}

/// Runs a tool `runs` times with stdout into `out` (stderr beside it); exit codes in `ok` are
/// verdicts, anything else is a failure naming the tool and its stderr.
fn time_runs(
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
        cmd.current_dir(root())
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

fn throughput(tools: &Tools, work: &Path) -> anyhow::Result<Vec<Timing>> {
    let out = work.join("out");
    std::fs::create_dir_all(&out)?;
    let api = work.join("corpus/api");
    let cfn = work.join("corpus/cfn");
    let mut timings = Vec::new();

    println!("==> throughput: ecs-harden check, cfn-guard validate, checkov over {CORPUS_SIZE} task definitions");
    let mut ecs_harden_counts = Vec::new();
    for (input, dir) in [("ECS API JSON", &api), ("CloudFormation JSON", &cfn)] {
        let report = out.join(format!("ecs-harden-{}.json", dir_name(dir)));
        let seconds = time_runs(
            &format!("ecs-harden check ({input})"),
            THROUGHPUT_RUNS,
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
    if ecs_harden_counts.first() != ecs_harden_counts.last() {
        println!(
            "    note: verdict counts differ between the two forms: {:?}",
            ecs_harden_counts
        );
    }
    let same_verdicts = ecs_harden_counts.first() == ecs_harden_counts.last();
    if let Some(timing) = timings.last_mut() {
        timing.evidence += if same_verdicts {
            " (the same per control as on the API form)"
        } else {
            " (differs from the API form per control)"
        };
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

fn guard_command(tools: &Tools, dir: &Path) -> Command {
    let mut c = Command::new(&tools.cfn_guard);
    c.args(["validate", "--rules", GUARD_RULES, "--data"])
        .arg(dir)
        .args(["--output-format", "json", "--show-summary", "none"]);
    c
}

fn checkov_command(tools: &Tools, dir: &Path) -> Command {
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
fn checkov_reports(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(reports) => reports.iter().collect(),
        other => vec![other],
    }
}

/// The last two components of a path: `<control>/<case>.json` or `cfn/td-0001.json`.
fn case_key(path: &str) -> String {
    let parts: Vec<&str> = path.trim_end_matches('/').rsplit('/').take(2).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

/// cfn-guard's JSON output: for each data file, the rules that failed on it.
fn guard_results(path: &Path) -> anyhow::Result<BTreeMap<String, BTreeSet<String>>> {
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

// ---------------------------------------------------------------------------------------------
// Completeness

struct Case {
    key: String,
    control: String,
    flagged_expected: bool,
}

struct ControlRow {
    id: String,
    title: String,
    resource_type: String,
    cases: usize,
    ecs_harden: Cell,
    guard: Cell,
    checkov: Cell,
}

struct Cell {
    /// Cases the tool got right.
    right: usize,
    /// Whether it caught at least one NON_COMPLIANT case.
    catches: bool,
    /// The rule or check that did it.
    via: Option<String>,
}

impl Cell {
    fn label(&self, cases: usize) -> String {
        let via = self
            .via
            .as_ref()
            .map(|v| format!(" `{v}`"))
            .unwrap_or_default();
        if !self.catches {
            "no".into()
        } else if self.right == cases {
            format!("checks ({}/{cases}){via}", self.right)
        } else {
            format!("partly ({}/{cases}){via}", self.right)
        }
    }

    fn kind(&self, cases: usize) -> &'static str {
        if !self.catches {
            "no"
        } else if self.right == cases {
            "checks"
        } else {
            "partly"
        }
    }
}

struct Completeness {
    rows: Vec<ControlRow>,
    excluded: Vec<String>,
    guard_limits: BTreeMap<String, String>,
    checkov_checks: BTreeMap<String, String>,
}

fn score(cases: &[&Case], flagged: impl Fn(&Case) -> bool, via: Option<String>) -> Cell {
    Cell {
        right: cases
            .iter()
            .filter(|c| flagged(c) == c.flagged_expected)
            .count(),
        catches: cases.iter().any(|c| c.flagged_expected && flagged(c)),
        via,
    }
}

fn completeness(tools: &Tools, fixtures: &Path, work: &Path) -> anyhow::Result<Completeness> {
    println!("==> completeness: each control's CloudFormation fixture cases through each tool");
    let catalogue: Value = serde_json::from_str(&output_of(
        &tools.ecs_harden,
        &["controls", "--format", "json"],
    )?)?;
    let controls = catalogue["controls"]
        .as_array()
        .context("`ecs-harden controls --format json` has no controls")?;

    let dir = work.join("cases");
    let _ = std::fs::remove_dir_all(&dir);
    let mut cases = Vec::new();
    let mut excluded = Vec::new();
    for (path, case) in fixture_cases(fixtures)? {
        if case["shape"] != "cloudformation" {
            continue;
        }
        if case["parameters"]
            .as_object()
            .is_some_and(|p| !p.is_empty())
        {
            excluded.push(format!("{path} (parameters {})", case["parameters"]));
            continue;
        }
        let control = case["control"].as_str().unwrap_or_default().to_string();
        let stem = Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let key = format!("{control}/{stem}");
        std::fs::create_dir_all(dir.join(&control))?;
        let template = json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"Resource": case["resource"]},
        });
        std::fs::write(dir.join(&key), serde_json::to_string_pretty(&template)?)?;
        cases.push(Case {
            key,
            control,
            flagged_expected: case["expected"] == "NON_COMPLIANT",
        });
    }

    let out = work.join("out");
    std::fs::create_dir_all(&out)?;
    let report = out.join("cases-ecs-harden.json");
    time_runs(
        "ecs-harden check (cases)",
        1,
        &[0, 1],
        &out.join("cases-ecs-harden.stdout"),
        || {
            let mut c = Command::new(&tools.ecs_harden);
            c.args(["check", "--format", "json", "-o"])
                .arg(&report)
                .arg(&dir);
            c
        },
    )?;
    let mut ecs_harden: BTreeSet<(String, String)> = BTreeSet::new();
    for r in read_json(&report)?["results"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if r["verdict"] == "NON_COMPLIANT" {
            ecs_harden.insert((
                case_key(r["path"].as_str().unwrap_or_default()),
                r["control"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }

    let guard_out = out.join("cases-cfn-guard.json");
    time_runs(
        "cfn-guard validate (cases)",
        1,
        &[0, 19],
        &guard_out,
        || guard_command(tools, &dir),
    )?;
    let guard = guard_results(&guard_out)?;
    let guard_source = std::fs::read_to_string(root().join(GUARD_RULES))?;
    let guard_rules: BTreeSet<String> = guard_source
        .lines()
        .filter_map(|l| l.strip_prefix("rule "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    let guard_limits: BTreeMap<String, String> = guard_source
        .lines()
        .filter_map(|l| l.strip_prefix("# limit "))
        .filter_map(|l| l.split_once(": "))
        .map(|(id, reason)| (id.to_string(), reason.to_string()))
        .collect();

    let checkov_out = out.join("cases-checkov.json");
    time_runs("checkov (cases)", 1, &[0, 1], &checkov_out, || {
        checkov_command(tools, &dir)
    })?;
    let mut checkov: BTreeSet<(String, String)> = BTreeSet::new();
    let mut checkov_checks = BTreeMap::new();
    let checkov_report = read_json(&checkov_out)?;
    for report in checkov_reports(&checkov_report) {
        for failed in report["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let id = failed["check_id"].as_str().unwrap_or_default().to_string();
            checkov_checks.insert(
                id.clone(),
                failed["check_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
            checkov.insert((
                case_key(failed["file_path"].as_str().unwrap_or_default()),
                id,
            ));
        }
    }

    let mut rows = Vec::new();
    for control in controls {
        let id = control["id"].as_str().unwrap_or_default().to_string();
        let mine: Vec<&Case> = cases.iter().filter(|c| c.control == id).collect();
        if mine.is_empty() {
            continue;
        }
        let ecs_harden_cell = score(
            &mine,
            |c| ecs_harden.contains(&(c.key.clone(), id.clone())),
            None,
        );
        let rule = id.replace('.', "_");
        let guard_cell = if guard_rules.contains(&rule) {
            score(
                &mine,
                |c| {
                    guard
                        .get(&c.key)
                        .is_some_and(|failed| failed.contains(&rule))
                },
                Some(rule.clone()),
            )
        } else {
            score(&mine, |_| false, None)
        };
        // The checkov check standing for this control: the one that fails on the most of its
        // NON_COMPLIANT cases beyond the passing ones it also fails on.
        let best = checkov_checks
            .keys()
            .map(|check| {
                let flagged = |c: &Case| checkov.contains(&(c.key.clone(), check.clone()));
                let caught = mine
                    .iter()
                    .filter(|c| c.flagged_expected && flagged(c))
                    .count() as i64;
                let false_alarms = mine
                    .iter()
                    .filter(|c| !c.flagged_expected && flagged(c))
                    .count() as i64;
                (caught - false_alarms, check.clone())
            })
            .filter(|(margin, _)| *margin > 0)
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let checkov_cell = match best {
            Some((_, check)) => score(
                &mine,
                |c| checkov.contains(&(c.key.clone(), check.clone())),
                Some(check.clone()),
            ),
            None => score(&mine, |_| false, None),
        };
        rows.push(ControlRow {
            id,
            title: control["title"].as_str().unwrap_or_default().to_string(),
            resource_type: control["resourceType"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            cases: mine.len(),
            ecs_harden: ecs_harden_cell,
            guard: guard_cell,
            checkov: checkov_cell,
        });
    }
    Ok(Completeness {
        rows,
        excluded,
        guard_limits,
        checkov_checks,
    })
}

// ---------------------------------------------------------------------------------------------
// Agreement on the corpus

/// For one task definition control, how many corpus files each tool flags and on how many files
/// the other tools' verdict differs from ecs-harden's.
struct Agreement {
    control: String,
    ecs_harden: usize,
    guard: Option<(usize, usize)>,
    checkov: Option<(String, usize, usize)>,
}

fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or_default().to_string()
}

/// Reads the last throughput run of each tool over the CloudFormation corpus.
fn agreement(out: &Path, completeness: &Completeness) -> anyhow::Result<Vec<Agreement>> {
    let mut ecs_harden: BTreeSet<(String, String)> = BTreeSet::new();
    for r in read_json(&out.join("ecs-harden-cfn.json"))?["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["verdict"] == "NON_COMPLIANT")
    {
        ecs_harden.insert((
            file_name(r["path"].as_str().unwrap_or_default()),
            r["control"].as_str().unwrap_or_default().to_string(),
        ));
    }
    let mut guard: BTreeSet<(String, String)> = BTreeSet::new();
    for (key, rules) in guard_results(&out.join("cfn-guard.json"))? {
        for rule in rules {
            guard.insert((file_name(&key), rule));
        }
    }
    let mut checkov: BTreeSet<(String, String)> = BTreeSet::new();
    let report = read_json(&out.join("checkov.json"))?;
    for r in checkov_reports(&report) {
        for failed in r["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            checkov.insert((
                file_name(failed["file_path"].as_str().unwrap_or_default()),
                failed["check_id"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    let files_of = |set: &BTreeSet<(String, String)>, id: &str| -> BTreeSet<String> {
        set.iter()
            .filter(|(_, rule)| rule == id)
            .map(|(file, _)| file.clone())
            .collect()
    };
    let mut rows = Vec::new();
    for row in completeness
        .rows
        .iter()
        .filter(|r| r.resource_type == "AWS::ECS::TaskDefinition")
    {
        let mine = files_of(&ecs_harden, &row.id);
        let compare =
            |theirs: BTreeSet<String>| (theirs.len(), mine.symmetric_difference(&theirs).count());
        rows.push(Agreement {
            control: row.id.clone(),
            ecs_harden: mine.len(),
            guard: row
                .guard
                .via
                .as_ref()
                .map(|rule| compare(files_of(&guard, rule))),
            checkov: row.checkov.via.as_ref().map(|check| {
                let (flagged, differ) = compare(files_of(&checkov, check));
                (check.clone(), flagged, differ)
            }),
        });
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Report

struct Report {
    machine: Vec<(&'static str, String)>,
    versions: Vec<(&'static str, String)>,
    corpus: Corpus,
    throughput: Vec<Timing>,
    completeness: Completeness,
    agreement: Vec<Agreement>,
    cold: Value,
    scale: Value,
    took: f64,
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

impl Report {
    fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# Benchmarks\n\n\
             Written by `cargo xtask bench` (about {:.0} minutes on the machine below), which installs the \
             other tools pinned, generates the inputs, runs everything side by side in one invocation \
             and rewrites this file. The figures depend on the machine and its load: rerun it to \
             compare on yours. Inputs and scripts: `bench/` (Guard rules, the Python handler, the \
             pinned requirements), the corpus generator and the tables in `xtask/src/bench.rs`, \
             the Lambda measurements in `tests/examples/bench_lambda.rs`.\n",
            self.took / 60.0
        );
        md.push_str("## Machine and versions\n\n| | |\n|---|---|\n");
        for (key, value) in self.machine.iter().chain(&self.versions) {
            let _ = writeln!(md, "| {key} | {value} |");
        }

        self.throughput_section(&mut md);
        self.completeness_section(&mut md);
        self.agreement_section(&mut md);
        self.cold_section(&mut md);
        self.scale_section(&mut md);
        md
    }

    fn throughput_section(&self, md: &mut String) {
        let c = &self.corpus;
        let histogram = c
            .containers_histogram
            .iter()
            .map(|(n, files)| format!("{n}: {files}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            md,
            "\n## 1. Throughput over {} task definitions\n\n\
             The corpus is generated from the shared fixtures: the settings of one of {} active \
             API-shape fixture task definitions, 1–10 containers drawn from the {} containers of \
             the fixtures (renamed), plus 0–15 environment variables, 0–3 port mappings and 0–2 \
             bind mounts per container ({} containers in all; files per container count: {histogram}). \
             Each task definition is written as a `register-task-definition` document ({:.1} MB in \
             all) and as a CloudFormation template ({:.1} MB). Each tool gets the form it accepts, \
             all from one process per run over the whole directory, output to a file; the time is \
             the process's wall time, median of the runs.\n",
            c.files,
            c.bases,
            c.container_pool,
            c.containers,
            c.api_bytes as f64 / 1e6,
            c.cfn_bytes as f64 / 1e6,
        );
        md.push_str("| tool | input | median time | files/s | time vs ecs-harden (same input) | runs (s) | what it reported |\n|---|---|---:|---:|---:|---|---|\n");
        let baseline = self
            .throughput
            .iter()
            .find(|t| t.tool == "ecs-harden check" && t.input == "CloudFormation JSON")
            .map(|t| median(&t.seconds))
            .unwrap_or(f64::NAN);
        for t in &self.throughput {
            let m = median(&t.seconds);
            let ratio = if t.input == "CloudFormation JSON" {
                format!("{:.1}×", m / baseline)
            } else {
                "–".into()
            };
            let _ = writeln!(
                md,
                "| {} | {} | {:.3} s | {:.0} | {ratio} | {} | {} |",
                t.tool,
                t.input,
                m,
                self.corpus.files as f64 / m,
                t.seconds
                    .iter()
                    .map(|s| format!("{s:.2}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                t.evidence
            );
        }
        md.push_str(
            "\nThe ratio is the tool's median time over ecs-harden's on the same CloudFormation \
             files (1.0× = as fast; 10× = ten times slower). The tools do not check the same \
             things (section 2): cfn-guard runs the rules in `bench/guard/`, one per control it \
             can express; checkov runs all of its CloudFormation checks and its secrets \
             scanner, of which only a few checks concern ECS.\n",
        );
    }

    fn completeness_section(&self, md: &mut String) {
        let c = &self.completeness;
        let total: usize = c.rows.iter().map(|r| r.cases).sum();
        let _ = writeln!(
            md,
            "\n## 2. Completeness: which controls each tool can check\n\n\
             For every control of `ecs-harden controls`, its CloudFormation fixture cases \
             (`../shared/fixtures/cases/<control>/cfn-*.json`, {total} cases, each wrapped in a \
             template) go through each tool once. A case is right when the tool flags a \
             NON_COMPLIANT case and does not flag a COMPLIANT or NOT_APPLICABLE one. \
             **checks (n/n)**: every case right; **partly (k/n)**: it catches some violations but \
             gets k of n right; **no**: it flags none of the control's violations.\n\n\
             - ecs-harden: the control's own verdict (`ecs-harden check --format json`).\n\
             - cfn-guard: the rule named after the control in `{GUARD_RULES}`, written for this \
             comparison with the controls' default parameters.\n\
             - checkov: its built-in checks (`--framework cloudformation secrets`), mapped to a \
             control empirically: the check that fails on the most of the control's \
             NON_COMPLIANT cases beyond the passing cases it also fails on (named in the cell).\n"
        );
        md.push_str("| control | title | cases | ecs-harden | cfn-guard (our rules) | checkov (built-in) |\n|---|---|---:|---|---|---|\n");
        for row in &c.rows {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                row.id,
                row.title,
                row.cases,
                row.ecs_harden.label(row.cases),
                row.guard.label(row.cases),
                row.checkov.label(row.cases),
            );
        }
        let tally = |cell: fn(&ControlRow) -> &Cell| {
            let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
            let mut right = 0;
            for row in &c.rows {
                *kinds.entry(cell(row).kind(row.cases)).or_default() += 1;
                right += cell(row).right;
            }
            format!(
                "{} checks, {} partly, {} no; {right}/{total} cases right",
                kinds.get("checks").unwrap_or(&0),
                kinds.get("partly").unwrap_or(&0),
                kinds.get("no").unwrap_or(&0)
            )
        };
        let _ = writeln!(
            md,
            "| **all {} controls** | | {total} | {} | {} | {} |",
            c.rows.len(),
            tally(|r| &r.ecs_harden),
            tally(|r| &r.guard),
            tally(|r| &r.checkov),
        );
        if !c.guard_limits.is_empty() {
            md.push_str("\nWhat the Guard rules cannot express (from the `# limit` lines of the rules file):\n\n");
            for (id, reason) in &c.guard_limits {
                let id = if id == "ALL" { "every rule" } else { id };
                let _ = writeln!(md, "- {id}: {reason}");
            }
        }
        if !c.checkov_checks.is_empty() {
            md.push_str("\ncheckov checks that failed on at least one case:\n\n");
            for (id, name) in &c.checkov_checks {
                let _ = writeln!(md, "- `{id}`: {name}");
            }
        }
        if !c.excluded.is_empty() {
            let _ = writeln!(
                md,
                "\nLeft out: {} case(s) with non-default parameters, which neither cfn-guard's \
                 rules nor checkov's checks take: {}.",
                c.excluded.len(),
                c.excluded.join("; ")
            );
        }
    }

    fn agreement_section(&self, md: &mut String) {
        let _ = writeln!(
            md,
            "\n### The same controls over the {}-file corpus\n\n\
             Per task definition control, the corpus files each tool flags (from the last \
             throughput run on the CloudFormation form) and on how many files a tool's verdict \
             differs from ecs-harden's. For checkov, the check mapped to the control above.\n",
            self.corpus.files
        );
        md.push_str("| control | ecs-harden flags | cfn-guard flags | cfn-guard differs on | checkov flags | checkov differs on |\n|---|---:|---:|---:|---:|---:|\n");
        for a in &self.agreement {
            let (guard_flagged, guard_differs) = a
                .guard
                .map(|(f, d)| (f.to_string(), d.to_string()))
                .unwrap_or(("no rule".into(), "–".into()));
            let (checkov_flagged, checkov_differs) = a
                .checkov
                .as_ref()
                .map(|(check, f, d)| (format!("{f} (`{check}`)"), d.to_string()))
                .unwrap_or(("no check".into(), "–".into()));
            let _ = writeln!(
                md,
                "| {} | {} | {guard_flagged} | {guard_differs} | {checkov_flagged} | {checkov_differs} |",
                a.control, a.ecs_harden
            );
        }
    }

    fn cold_section(&self, md: &mut String) {
        let results = &self.cold["results"];
        let families = &self.cold["families"];
        let runs = &self.cold["runs"];
        let _ = writeln!(
            md,
            "\n## 3. Config rule Lambda: cold start and memory, Rust vs Python\n\n\
             ECS.4's Lambda (`rules/{LAMBDA_CRATE}`, release build for this machine) and the same \
             control as a Python handler in the style of rdklib (`bench/python/ecs4_handler.py`, \
             boto3, run by the AWS Lambda Python runtime interface client `awslambdaric`, as the \
             Lambda Python runtime runs it). Both run under the project's local Lambda Runtime \
             API emulator against the same local endpoint (moto with the project's extension) \
             holding {families} task definition families, on a periodic (scheduled) event: list the \
             task definitions, describe the latest revision of each family, PutEvaluations. \
             {runs} fresh processes each, alternating; medians. *Init* is process start to the \
             first poll for work; *first event* is the cold invocation; *warm event* a second one \
             on the same process; *peak RSS* is `VmHWM` after both.\n"
        );
        md.push_str("| | Rust | Python (boto3) | Python / Rust |\n|---|---:|---:|---:|\n");
        let rows = [
            ("init", "init_ms", "ms"),
            ("first event", "first_event_ms", "ms"),
            ("warm event", "warm_event_ms", "ms"),
            ("peak RSS", "peak_rss_kib", "KiB"),
            ("AWS calls per event", "calls_per_event", "calls"),
        ];
        for (label, key, unit) in rows {
            let rust = median(&numbers(&results["rust"][key]));
            let python = median(&numbers(&results["python"][key]));
            let _ = writeln!(
                md,
                "| {label} | {} | {} | {:.1}× |",
                quantity(rust, unit),
                quantity(python, unit),
                python / rust
            );
        }
        let cold = |who: &str| {
            let init = numbers(&results[who]["init_ms"]);
            let first = numbers(&results[who]["first_event_ms"]);
            let sums: Vec<f64> = init.iter().zip(&first).map(|(a, b)| a + b).collect();
            median(&sums)
        };
        let (rust, python) = (cold("rust"), cold("python"));
        let _ = writeln!(
            md,
            "| **cold start** (init + first event) | **{rust:.1} ms** | **{python:.1} ms** | **{:.1}×** |",
            python / rust
        );
        md.push_str("\nEvery run (ms, KiB):\n\n");
        for who in ["rust", "python"] {
            let _ = writeln!(
                md,
                "- {who}: init {:?}; first event {:?}; warm event {:?}; peak RSS {:?}",
                numbers(&results[who]["init_ms"]),
                numbers(&results[who]["first_event_ms"]),
                numbers(&results[who]["warm_event_ms"]),
                numbers(&results[who]["peak_rss_kib"]),
            );
        }
    }

    fn scale_section(&self, md: &mut String) {
        let rows = self.scale["rows"].as_array().cloned().unwrap_or_default();
        let actions: BTreeSet<String> = rows
            .iter()
            .filter_map(|r| r["calls"].as_object())
            .flat_map(|calls| calls.keys().cloned())
            .collect();
        let _ = writeln!(
            md,
            "\n## 4. Periodic runs: 10 to 5,000 task definition families\n\n\
             One periodic invocation of ECS.4's Lambda (Rust, release, a fresh process each) over \
             an account holding the given number of task definition families (corpus documents \
             registered in moto, one revision each), against the local endpoint. *Time* is the \
             invocation's wall time (the local endpoint's own time included: it dominates); the \
             calls are the harness's call log, by action.\n"
        );
        let _ = write!(
            md,
            "| families | time | per family | time vs 10 families | peak RSS | calls | calls per family |"
        );
        for action in &actions {
            let _ = write!(md, " {action} |");
        }
        let _ = write!(md, "\n|---:|---:|---:|---:|---:|---:|---:|");
        for _ in &actions {
            md.push_str("---:|");
        }
        md.push('\n');
        let first_ms = rows
            .first()
            .and_then(|r| r["wall_ms"].as_f64())
            .unwrap_or(f64::NAN);
        for row in &rows {
            let families = row["families"].as_f64().unwrap_or(f64::NAN);
            let wall = row["wall_ms"].as_f64().unwrap_or(f64::NAN);
            let calls: f64 = row["calls"]
                .as_object()
                .map(|c| c.values().filter_map(Value::as_f64).sum())
                .unwrap_or(0.0);
            let _ = write!(
                md,
                "| {families} | {:.2} s | {:.2} ms | {:.1}× | {:.1} MiB | {calls} | {:.2} |",
                wall / 1000.0,
                wall / families,
                wall / first_ms,
                row["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
                calls / families,
            );
            for action in &actions {
                let _ = write!(md, " {} |", row["calls"][action].as_u64().unwrap_or(0));
            }
            md.push('\n');
        }
        md.push_str(
            "\nDescribeTaskDefinition is one call per family (the latest revision), \
             ListTaskDefinitions one per 100 ARNs, PutEvaluations one per 100 evaluations: the \
             calls grow linearly with the families, and so does the time. The peak memory stays \
             nearly flat: each described document is evaluated as it arrives and dropped, so \
             only the small evaluations are kept until delivery.\n",
        );
    }
}
