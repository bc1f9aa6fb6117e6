//! The tools measured, installed pinned when missing or outdated, the release builds, and the
//! machine the figures come from.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::{output_of, LAMBDA_CRATE};
use crate::{cargo, project_root, python_venv, step, target_dir};

const CFN_GUARD_VERSION: &str = "3.2.1";

pub struct Tools {
    pub ecs_harden: PathBuf,
    pub cfn_guard: PathBuf,
    pub checkov: PathBuf,
    /// The Python of `.venv-bench` (boto3 and awslambdaric for the Python handler).
    pub python: PathBuf,
    /// The release build of ECS.4's Lambda.
    pub lambda: PathBuf,
    /// `tests/examples/bench_lambda.rs`, release.
    pub bench_lambda: PathBuf,
    /// `tests/examples/bench_parse.rs`, release.
    pub bench_parse: PathBuf,
}

impl Tools {
    /// cfn-guard and the venv of checkov and awslambdaric, pinned and only when missing or
    /// outdated; then the release builds measured.
    pub fn install() -> anyhow::Result<Tools> {
        let release = target_dir()?.join("release");
        let tools_root = target_dir()?.join("bench-tools");
        let cfn_guard = tools_root.join("bin/cfn-guard");
        let installed = output_of(&cfn_guard, &["--version"]).unwrap_or_default();
        if installed.contains(CFN_GUARD_VERSION) {
            println!("==> cfn-guard {CFN_GUARD_VERSION}: installed");
        } else {
            step(
                &format!(
                    "cargo install cfn-guard --version {CFN_GUARD_VERSION} --locked (into {})",
                    tools_root.display()
                ),
                cargo()
                    .args([
                        "install",
                        "cfn-guard",
                        "--version",
                        CFN_GUARD_VERSION,
                        "--locked",
                        "--root",
                    ])
                    .arg(&tools_root),
            )?;
        }

        python_venv(
            ".venv-bench",
            "bench/requirements-bench.txt",
            "checkov, awslambdaric, boto3",
        )?;
        let venv = project_root().join(".venv-bench");

        step(
            "cargo build --release -p ecs-harden-cli",
            cargo().args(["build", "--release", "-p", "ecs-harden-cli"]),
        )?;
        // The Lambda as the zips build it (their profile overrides), for this machine.
        step(
            &format!("cargo build --release -p {LAMBDA_CRATE} (the Lambda zips' profile)"),
            cargo()
                .args(["build", "--release", "-p", LAMBDA_CRATE])
                .envs(crate::lambdas::LAMBDA_PROFILE.iter().copied()),
        )?;
        step(
            "cargo build --release -p ecs-harden-e2e --example bench_lambda --example bench_parse",
            cargo().args([
                "build",
                "--release",
                "-p",
                "ecs-harden-e2e",
                "--example",
                "bench_lambda",
                "--example",
                "bench_parse",
            ]),
        )?;
        let tools = Tools {
            ecs_harden: release.join("ecs-harden"),
            cfn_guard,
            checkov: venv.join("bin/checkov"),
            python: venv.join("bin/python"),
            lambda: release.join(LAMBDA_CRATE),
            bench_lambda: release.join("examples/bench_lambda"),
            bench_parse: release.join("examples/bench_parse"),
        };
        for tool in [
            &tools.ecs_harden,
            &tools.cfn_guard,
            &tools.checkov,
            &tools.lambda,
            &tools.bench_lambda,
            &tools.bench_parse,
        ] {
            if !tool.exists() {
                bail!("{} is missing after the install", tool.display());
            }
        }
        Ok(tools)
    }

    pub fn versions(&self) -> anyhow::Result<Vec<(&'static str, String)>> {
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
            &project_root().join(".venv/bin/python"),
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

pub fn machine() -> anyhow::Result<Vec<(&'static str, String)>> {
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
