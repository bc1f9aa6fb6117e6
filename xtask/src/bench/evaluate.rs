//! Evaluating against parsing: the criterion bench `rules/core/benches/evaluate.rs` (every
//! task-definition control on one typical task definition, next to serde_json parsing the same
//! text), its estimates read from criterion's own files, and the interleaved ratios the bench
//! prints after criterion.

use std::fmt::Write as _;
use std::process::Stdio;

use anyhow::{bail, Context};

use super::read_json;
use crate::{cargo, target_dir};

const WORKLOADS: [&str; 3] = ["serde_json_parse", "evaluate_all", "parse_and_evaluate_all"];

pub struct Evaluate {
    /// Criterion's median estimate per workload, in microseconds.
    medians: Vec<(&'static str, f64)>,
    /// The lines `input: …`, `median …`, `ratio …` the bench prints after criterion.
    interleaved: Vec<String>,
}

pub fn measure() -> anyhow::Result<Evaluate> {
    println!("==> cargo bench -p ecs-harden-core --bench evaluate");
    let output = cargo()
        .args(["bench", "-p", "ecs-harden-core", "--bench", "evaluate"])
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo bench")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    if !output.status.success() {
        bail!(
            "cargo bench -p ecs-harden-core --bench evaluate failed ({})",
            output.status
        );
    }
    let criterion = target_dir()?.join("criterion/evaluate");
    let mut medians = Vec::new();
    for workload in WORKLOADS {
        let estimates = read_json(&criterion.join(workload).join("new/estimates.json"))?;
        let nanos = estimates["median"]["point_estimate"]
            .as_f64()
            .with_context(|| format!("criterion's estimates of {workload} have no median"))?;
        medians.push((workload, nanos / 1000.0));
    }
    let interleaved = stdout
        .lines()
        .filter(|l| l.starts_with("input:") || l.starts_with("median ") || l.starts_with("ratio "))
        .map(str::to_string)
        .collect();
    Ok(Evaluate {
        medians,
        interleaved,
    })
}

impl Evaluate {
    /// Section 6: evaluation at the parse floor.
    pub fn section(&self, md: &mut String) {
        let _ = writeln!(
            md,
            "\n## 6. Evaluating every control against parsing the document\n\n\
             `cargo bench -p ecs-harden-core --bench evaluate` (criterion, release): one typical \
             task definition (`rules/core/benches/data/multi-container-task-definition.json`, six \
             containers, two EFS volumes, about 22 KB) parsed by serde_json into a `Value` \
             (*serde_json_parse*, the floor), every task-definition control evaluated on the \
             already read resource (*evaluate_all*), and text to verdicts \
             (*parse_and_evaluate_all*: ecs-harden's own reader, then every control). Criterion's \
             median estimate; the ratio is over serde_json's parse.\n"
        );
        md.push_str(
            "| workload | criterion median | ratio to serde_json_parse |\n|---|---:|---:|\n",
        );
        let floor = self
            .medians
            .iter()
            .find(|(w, _)| *w == "serde_json_parse")
            .map_or(f64::NAN, |(_, m)| *m);
        for (workload, median) in &self.medians {
            let _ = writeln!(
                md,
                "| {workload} | {median:.2} µs | {:.2}× |",
                median / floor
            );
        }
        md.push_str(
            "\nThe bench then times the three workloads itself, interleaved (rounds alternating \
             them, so that other work on the machine disturbs all alike):\n\n```text\n",
        );
        for line in &self.interleaved {
            md.push_str(line);
            md.push('\n');
        }
        md.push_str("```\n");
    }
}
