//! Parsing time against input size: `tests/examples/bench_parse.rs` (release) times every
//! parser and the Config event decoder on an input and on one `factor` times larger. The ratio
//! of the times, over the factor, is about 1 for linear code and about the factor for quadratic
//! code. The bench fails, after writing the report, when a ratio reaches the bound.

use std::fmt::Write as _;
use std::process::Command;

use anyhow::{bail, Context};
use serde_json::Value;

use super::json_of;
use super::tools::Tools;
use crate::project_root;

pub struct Linear {
    factor: u64,
    bound: f64,
    rows: Vec<Row>,
}

struct Row {
    what: String,
    small_bytes: u64,
    large_bytes: u64,
    small_ms: f64,
    large_ms: f64,
    runs: u64,
    ratio: f64,
}

pub fn measure(tools: &Tools) -> anyhow::Result<Linear> {
    let report = json_of(
        "parsing time against input size",
        Command::new(&tools.bench_parse).current_dir(project_root()),
    )?;
    let number = |value: &Value, key: &str| {
        value[key]
            .as_f64()
            .with_context(|| format!("bench_parse printed no number {key}: {value}"))
    };
    let count = |value: &Value, key: &str| {
        value[key]
            .as_u64()
            .with_context(|| format!("bench_parse printed no count {key}: {value}"))
    };
    let rows = report["rows"]
        .as_array()
        .context("bench_parse printed no rows")?
        .iter()
        .map(|row| {
            Ok(Row {
                what: row["what"].as_str().unwrap_or_default().to_string(),
                small_bytes: count(row, "small_bytes")?,
                large_bytes: count(row, "large_bytes")?,
                small_ms: number(row, "small_ms")?,
                large_ms: number(row, "large_ms")?,
                runs: count(row, "runs")?,
                ratio: number(row, "ratio")?,
            })
        })
        .collect::<anyhow::Result<Vec<Row>>>()?;
    Ok(Linear {
        factor: count(&report, "factor")?,
        bound: number(&report, "bound")?,
        rows,
    })
}

impl Linear {
    /// Section 5: the ratios.
    pub fn section(&self, md: &mut String) {
        let _ = writeln!(
            md,
            "\n## 5. Parsing time grows linearly with input size\n\n\
             Every parser and the Config event decoder (release build, one process, \
             `tests/examples/bench_parse.rs`) on an input and on one {factor} times larger; each \
             time is the fastest of several interleaved runs, so that other work on the machine \
             disturbs both alike. *Ratio* is the large input's time over {factor} times the small \
             one's: about 1 for linear code, about {factor} for quadratic code. A ratio of \
             {bound} or more fails `cargo xtask bench` (after this file is written); the test \
             suite measures no time.\n",
            factor = self.factor,
            bound = self.bound,
        );
        md.push_str(
            "| input | small | large | small time | large time | runs | ratio |\n\
             |---|---:|---:|---:|---:|---:|---:|\n",
        );
        for row in &self.rows {
            let _ = writeln!(
                md,
                "| {} | {} bytes | {} bytes | {:.3} ms | {:.3} ms | {} | {:.2} |",
                row.what,
                row.small_bytes,
                row.large_bytes,
                row.small_ms,
                row.large_ms,
                row.runs,
                row.ratio
            );
        }
    }

    /// Fails naming every input whose ratio reached the bound.
    pub fn within_bound(&self) -> anyhow::Result<()> {
        let over: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.ratio >= self.bound)
            .map(|r| format!("{} ({:.1})", r.what, r.ratio))
            .collect();
        if !over.is_empty() {
            bail!(
                "parsing is not linear for {}: {} times the input took {} times or more the time of \
                 {} small inputs (docs/benchmarks.md, section 5)",
                over.join(", "),
                self.factor,
                self.bound,
                self.factor
            );
        }
        Ok(())
    }
}
