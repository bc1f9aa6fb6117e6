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
    /// Section 3: cold start and memory, Rust against Python.
    pub fn cold_section(&self, md: &mut String) {
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

    /// Section 4: periodic runs over 10 to 5,000 families.
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
