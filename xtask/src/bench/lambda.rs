//! The Config rule Lambda of ECS.4 (release): cold start, warm event and peak RSS against the
//! same control as a boto3 handler, and one periodic run over 10 … 5,000 task definition
//! families. The measurements are `tests/examples/bench_lambda.rs`, which prints JSON.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::tools::Tools;
use super::{json_of, median, numbers, quantity, LAMBDA_CRATE};
use crate::project_root;

const COLD_START_RUNS: usize = 5;
const COLD_START_FAMILIES: usize = 10;
const SCALE_SIZES: &str = "10,100,1000,5000";

/// What `bench_lambda cold` and `bench_lambda scale` printed.
pub struct LambdaRuns {
    cold: Value,
    scale: Value,
}

pub fn measure(tools: &Tools, work: &Path) -> anyhow::Result<LambdaRuns> {
    let corpus = work.join("corpus/api");
    let cold = json_of(
        "Lambda cold start, Rust vs Python",
        Command::new(&tools.bench_lambda)
            .current_dir(project_root())
            .arg("cold")
            .arg("--rust")
            .arg(&tools.lambda)
            .arg("--python")
            .arg(&tools.python)
            .arg("--handler-dir")
            .arg(project_root().join("bench/python"))
            .arg("--corpus")
            .arg(&corpus)
            .args(["--families", &COLD_START_FAMILIES.to_string()])
            .args(["--runs", &COLD_START_RUNS.to_string()]),
    )?;
    let scale = json_of(
        "periodic runs over 10 … 5,000 families",
        Command::new(&tools.bench_lambda)
            .current_dir(project_root())
            .arg("scale")
            .arg("--rust")
            .arg(&tools.lambda)
            .arg("--corpus")
            .arg(&corpus)
            .args(["--sizes", SCALE_SIZES]),
    )?;
    Ok(LambdaRuns { cold, scale })
}

impl LambdaRuns {
    /// Section 3: cold start, CPU time and memory, Rust against Python, against the instant
    /// endpoint and against moto.
    pub fn cold_section(&self, md: &mut String) {
        let families = &self.cold["families"];
        let runs = &self.cold["runs"];
        let _ = writeln!(
            md,
            "\n## 3. Config rule Lambda: cold start, CPU time and memory, Rust vs Python\n\n\
             ECS.4's Lambda (`rules/{LAMBDA_CRATE}`, built for this machine with the zips' \
             profile) and the same control as a Python handler in the style of rdklib \
             (`bench/python/ecs4_handler.py`, \
             boto3, run by the AWS Lambda Python runtime interface client `awslambdaric`, as the \
             Lambda Python runtime runs it). Both run under the project's local Lambda Runtime \
             API emulator on a periodic (scheduled) event over an account holding {families} task \
             definition families: list the task definitions, describe the latest revision of each \
             family, PutEvaluations. {runs} fresh processes each, alternating; medians. *Init* is \
             process start to the first poll for work; *first event* is the cold invocation; \
             *warm event* a second one on the same process; *CPU* is user + system time of the \
             process as the scheduler counts it (`/proc/<pid>/task/*/schedstat`, summed over its \
             threads), read after the first event (init and first event) and again after the \
             warm one; *peak RSS* is `VmHWM` after both.\n\n\
             The first table is against an **instant endpoint** (`tests/src/canned.rs`): moto's \
             answers to exactly these calls, recorded beforehand and served from memory on \
             127.0.0.1, so the times are the handlers' own. The second is against moto itself \
             (the local endpoint of the end-to-end tests), whose own latency is part of every \
             call.\n"
        );
        for (endpoint, title) in [
            ("instant", "Against the instant endpoint"),
            ("moto", "Against moto"),
        ] {
            let results = &self.cold["endpoints"][endpoint];
            let _ = writeln!(md, "\n### {title}\n");
            md.push_str("| | Rust | Python (boto3) | Python / Rust |\n|---|---:|---:|---:|\n");
            let rows = [
                ("init", "init_ms", "ms"),
                ("first event", "first_event_ms", "ms"),
                ("warm event", "warm_event_ms", "ms"),
                ("CPU time, init + first event", "cpu_cold_ms", "ms"),
                ("CPU time, warm event", "cpu_warm_ms", "ms"),
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
            md.push_str("\nEvery run (ms, KiB; threads when the CPU time was read):\n\n");
            for who in ["rust", "python"] {
                let _ = writeln!(
                    md,
                    "- {who}: init {:?}; first event {:?}; warm event {:?}; CPU init + first event {:?}; CPU warm event {:?}; threads {:?}; peak RSS {:?}",
                    numbers(&results[who]["init_ms"]),
                    numbers(&results[who]["first_event_ms"]),
                    numbers(&results[who]["warm_event_ms"]),
                    numbers(&results[who]["cpu_cold_ms"]),
                    numbers(&results[who]["cpu_warm_ms"]),
                    numbers(&results[who]["threads"]),
                    numbers(&results[who]["peak_rss_kib"]),
                );
            }
        }
    }

    /// Section 4: periodic runs over 10 to 5,000 families, through the ECS API and through
    /// AWS Config's record.
    pub fn scale_section(&self, md: &mut String) {
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
             registered in moto, one revision each), against the local endpoint, on each \
             inventory path: **ECS** (the configuration recorder stopped: ListTaskDefinitions, \
             then DescribeTaskDefinition of each family's latest ACTIVE revision) and **Config** \
             (the recorder recording task definitions: SelectResourceConfig pages of every \
             revision's status and tags, then BatchGetResourceConfig of the latest ACTIVE \
             revisions, a hundred keys a call). *Time* is the invocation's wall time (the local \
             endpoint's own time included: it dominates); the calls are the harness's call log, \
             by action. *Config floor* is ⌈R/100⌉ + ⌈F/100⌉ for R revisions and F families, the \
             reads the Config path should make; *reads* is what it made (SelectResourceConfig + \
             BatchGetResourceConfig). The Config path is measured up to 1,000 families: over 5,000 \
             the local endpoint's SelectResourceConfig (moto with the project's extension) takes \
             longer than the SDK's 10 s read timeout per page, which says nothing of AWS Config \
             but stops the run.\n"
        );
        let _ = write!(
            md,
            "| families | path | time | per family | time vs 10 families (same path) | peak RSS | calls | reads | Config floor |"
        );
        for action in &actions {
            let _ = write!(md, " {action} |");
        }
        let _ = write!(md, "\n|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        for _ in &actions {
            md.push_str("---:|");
        }
        md.push('\n');
        let first_ms = |path: &str| {
            rows.iter()
                .find(|r| r["path"] == path)
                .and_then(|r| r["wall_ms"].as_f64())
                .unwrap_or(f64::NAN)
        };
        for row in &rows {
            let path = row["path"].as_str().unwrap_or("ecs");
            let families = row["families"].as_u64().unwrap_or(0);
            let revisions = row["revisions"].as_u64().unwrap_or(families);
            let wall = row["wall_ms"].as_f64().unwrap_or(f64::NAN);
            let calls: u64 = row["calls"]
                .as_object()
                .map(|c| c.values().filter_map(Value::as_u64).sum())
                .unwrap_or(0);
            let count = |action: &str| row["calls"][action].as_u64().unwrap_or(0);
            let (reads, floor) = if path == "config" {
                (
                    (count("SelectResourceConfig") + count("BatchGetResourceConfig")).to_string(),
                    (revisions.div_ceil(100) + families.div_ceil(100)).to_string(),
                )
            } else {
                (
                    (count("ListTaskDefinitions") + count("DescribeTaskDefinition")).to_string(),
                    "–".to_string(),
                )
            };
            let _ = write!(
                md,
                "| {families} | {} | {:.2} s | {:.2} ms | {:.1}× | {:.1} MiB | {calls} | {reads} | {floor} |",
                if path == "config" { "Config" } else { "ECS" },
                wall / 1000.0,
                wall / families as f64,
                wall / first_ms(path),
                row["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
            );
            for action in &actions {
                let _ = write!(md, " {} |", count(action));
            }
            md.push('\n');
        }
        md.push_str(
            "\nOn the ECS path DescribeTaskDefinition is one call per family (the latest \
             revision) and ListTaskDefinitions one per 100 ARNs; on the Config path the reads are \
             one query page per 100 revisions and one BatchGetResourceConfig per 100 families, \
             plus DescribeConfigurationRecorders and DescribeConfigurationRecorderStatus once per \
             run to choose the path (the ECS path makes the first, which finds no recorder \
             recording). PutEvaluations is one per 100 evaluations on both. In AWS the ECS path \
             is bounded by ECS's request rate for DescribeTaskDefinition; the Config path makes \
             about a fiftieth of the calls. The peak memory stays nearly flat on the ECS path: \
             each described document is evaluated as it arrives and dropped, so only the small \
             evaluations are kept until delivery.\n",
        );
    }
}
