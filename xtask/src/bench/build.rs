//! Build time of the Lambda zips, from a clean target directory of its own for each way of
//! building: the way `cargo xtask build-lambdas` builds (every zip, measured whole), and the
//! ways tried before it, measured on the first crates from clean and projected to every crate
//! (each further crate is one more link, so the projection is the clean build of the first
//! crate plus the crates left times the median time of a further one).

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Context;

use super::median;
use crate::flags::Arch;
use crate::lambdas::{self, Build, MAX_ZIP_BYTES};
use crate::target_dir;

/// A way of building the zips.
struct Variant {
    label: &'static str,
    profile: &'static [(&'static str, &'static str)],
    one_crate_at_a_time: bool,
    /// `None`: every crate, measured; `Some(n)`: the first n crates, one at a time, projected.
    measured_crates: Option<usize>,
}

const VARIANTS: [Variant; 4] = [
    Variant {
        label: "as built now (no LTO across crates, 16 codegen units, opt-level \"s\"), every crate in one cargo invocation",
        profile: &[],
        one_crate_at_a_time: false,
        measured_crates: None,
    },
    Variant {
        label: "before: fat LTO, 1 codegen unit, opt-level \"s\", one cargo invocation per crate",
        profile: &[
            ("CARGO_PROFILE_RELEASE_LTO", "fat"),
            ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
        ],
        one_crate_at_a_time: true,
        measured_crates: Some(2),
    },
    Variant {
        label: "as now but opt-level \"z\", one cargo invocation per crate",
        profile: &[("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")],
        one_crate_at_a_time: true,
        measured_crates: Some(2),
    },
    Variant {
        label: "thin LTO, 16 codegen units, opt-level \"s\", one cargo invocation per crate",
        profile: &[
            ("CARGO_PROFILE_RELEASE_LTO", "thin"),
            ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        ],
        one_crate_at_a_time: true,
        measured_crates: Some(2),
    },
];

struct Row {
    label: &'static str,
    crates: usize,
    /// Seconds of each cargo invocation (one for a whole build).
    steps: Vec<f64>,
    /// Every crate's (or the projection's) total.
    total: f64,
    projected: bool,
    zips: Vec<(String, u64)>,
    load: String,
}

pub struct BuildTimes {
    rows: Vec<Row>,
    crates: usize,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every way of building, in order; `done` gets the rows measured so far after each.
pub fn measure(
    done: &mut dyn FnMut(&BuildTimes) -> anyhow::Result<()>,
) -> anyhow::Result<BuildTimes> {
    let crates = lambdas::every_crate();
    let mut times = BuildTimes {
        rows: Vec::new(),
        crates: crates.len(),
    };
    for (index, variant) in VARIANTS.iter().enumerate() {
        let target = target_dir()?.join("bench").join(format!("build-{index}"));
        if target.exists() {
            std::fs::remove_dir_all(&target)
                .with_context(|| format!("cannot empty {}", target.display()))?;
        }
        let load = load_average();
        println!("==> build time: {} (load average {load})", variant.label);
        let chosen: Vec<String> = match variant.measured_crates {
            Some(n) => crates.iter().take(n).cloned().collect(),
            None => crates.clone(),
        };
        let mut steps = Vec::new();
        let mut zips = Vec::new();
        let batches: Vec<&[String]> = if variant.one_crate_at_a_time {
            chosen.chunks(1).collect()
        } else {
            vec![&chosen[..]]
        };
        for batch in batches {
            let started = Instant::now();
            let built = lambdas::build_in(
                &target,
                Arch::Arm64,
                batch,
                Build {
                    profile: variant.profile,
                    ..Build::default()
                },
            )?;
            steps.push(started.elapsed().as_secs_f64());
            zips.extend(built.into_iter().map(|z| (z.name, z.zip_bytes)));
        }
        let (total, projected) = match variant.measured_crates {
            None => (steps.iter().sum(), false),
            Some(_) => {
                let further = median(&steps[1..]);
                (steps[0] + further * (crates.len() - 1) as f64, true)
            }
        };
        println!(
            "==> build time: {:.0} s{} for {} zips",
            total,
            if projected { " (projected)" } else { "" },
            crates.len()
        );
        times.rows.push(Row {
            label: variant.label,
            crates: chosen.len(),
            steps,
            total,
            projected,
            zips,
            load,
        });
        // Each variant's target directory holds gigabytes: only the last measurement is kept.
        let _ = std::fs::remove_dir_all(&target);
        done(&times)?;
    }
    Ok(times)
}

impl BuildTimes {
    /// Section 7: the build time users wait for, and the zips' sizes.
    pub fn section(&self, md: &mut String) {
        let _ = writeln!(
            md,
            "\n## 7. Building the Lambda zips\n\n\
             `cargo xtask build-lambdas` builds {crates} arm64 zips (one per control, the \
             gate and the findings Lambda) with cargo-lambda (Zig as the cross linker). Each way of building below starts \
             from an empty target directory of its own (the crates.io sources already \
             downloaded). The way it builds now is measured whole; the ways tried before it are \
             measured on the first crates, one cargo invocation each, and projected to all \
             {crates}: the clean build of the first crate (every dependency, one link) plus {} \
             times the median of the further ones (one more link each, which with LTO optimises \
             the whole SDK again). The load average at the start of each build says how busy the \
             machine was. Zip budget: {} MB.\n",
            self.crates - 1,
            MAX_ZIP_BYTES / 1_000_000,
            crates = self.crates,
        );
        md.push_str(
            "| way of building | all zips | measured | largest zip | smallest zip | load average |\n\
             |---|---:|---|---:|---:|---|\n",
        );
        for row in &self.rows {
            let largest = row.zips.iter().map(|(_, b)| *b).max().unwrap_or(0);
            let smallest = row.zips.iter().map(|(_, b)| *b).min().unwrap_or(0);
            let measured = if row.projected {
                format!(
                    "projected from {} crates: {} s",
                    row.crates,
                    row.steps
                        .iter()
                        .map(|s| format!("{s:.0}"))
                        .collect::<Vec<_>>()
                        .join(" + ")
                )
            } else {
                format!("{} crates in one invocation", row.crates)
            };
            let _ = writeln!(
                md,
                "| {} | {}{:.1} min | {measured} | {:.2} MB | {:.2} MB | {} |",
                row.label,
                if row.projected { "≈ " } else { "" },
                row.total / 60.0,
                largest as f64 / 1e6,
                smallest as f64 / 1e6,
                row.load
            );
        }
        if let Some(now) = self.rows.iter().find(|r| !r.projected) {
            md.push_str("\nEvery zip as built now (bytes):\n\n");
            let list: Vec<String> = now
                .zips
                .iter()
                .map(|(name, bytes)| format!("`{name}` {bytes}"))
                .collect();
            md.push_str(&list.join(", "));
            md.push('\n');
        }
    }
}
