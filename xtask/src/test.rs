//! `cargo xtask test`: everything CI runs, on a fresh clone with nothing beside it, in the order
//! that fails fastest: prerequisites, format, lints, generated files, dependency policy, the Rust
//! tests, the CDK tests, the arm64 Lambda packaging, the PyPI wheel, the demo with
//! `CARGO_TARGET_DIR` set, the doc tests. Ends with every step's time and the total.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};

use crate::{
    cargo, codegen, deny, lambdas, npm_ci, prerequisites, project_root, step, target_dir, timed,
    wheel,
};

pub fn run() -> anyhow::Result<()> {
    let started = Instant::now();
    let result = all_steps();
    summary(started);
    result
}

fn all_steps() -> anyhow::Result<()> {
    timed(
        "prerequisites (Node.js, .venv, chromium, qemu-user)",
        prerequisites::install,
    )?;
    step(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    step(
        "cargo clippy -D warnings",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    timed("generated files are fresh", || {
        codegen::run(codegen::Mode::Check)
    })?;
    deny::check()?;
    // What the tests leave for this run to show (file, the test that writes it): never an
    // earlier run's.
    let shown = [
        ("fixture-cases-per-control.txt", "the fixture test"),
        ("shared-cross-check.txt", "the corpus test"),
    ];
    for (file, _) in shown {
        let _ = std::fs::remove_file(target_dir()?.join("tmp").join(file));
    }
    step(
        "cargo test (unit, integration, fixtures, CLI, end-to-end with the binaries built first)",
        cargo().args(["test", "--workspace", "--all-targets"]),
    )?;
    for (file, test) in shown {
        let path = target_dir()?.join("tmp").join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => print!("==> {text}"),
            Err(e) => bail!("{} was not written by {test}: {e}", path.display()),
        }
    }
    let cdk = project_root().join("cdk");
    npm_ci(&cdk)?;
    step(
        "npm test (cdk: tsc, cdk synth, node:test, cdk-nag, cfn-lint)",
        Command::new("npm")
            .current_dir(&cdk)
            .arg("test")
            .env("CFN_LINT", project_root().join(".venv/bin/cfn-lint")),
    )?;
    timed(
        "Lambda packaging: arm64 release zip of ECS.4, reproducibility, qemu smoke run",
        lambdas::packaging_test,
    )?;
    timed(
        "PyPI wheel: maturin build for this machine, fresh venv, ecs-harden and the Action's check step run from it",
        wheel::test,
    )?;
    timed(
        "cargo xtask demo with CARGO_TARGET_DIR set (a symlink to the target directory)",
        demo_with_cargo_target_dir,
    )?;
    step(
        "cargo test --doc",
        cargo().args(["test", "--workspace", "--doc"]),
    )?;
    Ok(())
}

/// Every step's time, then the total (also when a step failed: how far it got, how long it took).
fn summary(started: Instant) {
    println!("\nxtask test: step times");
    for (name, seconds) in crate::step_times() {
        println!("  {:>7.1}s  {name}", seconds);
    }
    let total = started.elapsed().as_secs_f64();
    println!(
        "xtask test: {:.0}s in all ({:.1} minutes)",
        total,
        total / 60.0
    );
}

/// `cargo xtask demo` as a user with `CARGO_TARGET_DIR` set runs it: the variable names the
/// workspace's target directory through a symlink, so the demo must find everything through
/// cargo's answer (its binary paths start with the symlink) while cargo, seeing the same files,
/// builds nothing again. Fails when the demo fails, when it ran a binary from elsewhere, or
/// when cargo compiled a dependency again (the sign of a second, separate build).
fn demo_with_cargo_target_dir() -> anyhow::Result<()> {
    let target = target_dir()?;
    let link = std::env::temp_dir().join(format!("ecs-harden-target-{}", std::process::id()));
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link)
            .with_context(|| format!("cannot remove the old {}", link.display()))?;
    }
    std::os::unix::fs::symlink(&target, &link).with_context(|| {
        format!(
            "cannot create the symlink {} → {}",
            link.display(),
            target.display()
        )
    })?;
    let result = demo_through(&link);
    let _ = std::fs::remove_file(&link);
    result
}

fn demo_through(link: &Path) -> anyhow::Result<()> {
    let mut child = cargo()
        .args(["run", "--package", "xtask", "--", "demo"])
        .env("CARGO_TARGET_DIR", link)
        .env("CARGO_TERM_COLOR", "never")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start `cargo run --package xtask -- demo`")?;
    let stderr = child.stderr.take().context("no stderr")?;
    // cargo's progress ("Compiling …") is on stderr; the demo's report on stdout.
    let compiled = std::thread::spawn(move || {
        let mut compiled = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            if let Some(unit) = line.trim_start().strip_prefix("Compiling ") {
                compiled.push(unit.to_string());
            }
        }
        compiled
    });
    let binary = link.join("debug/ecs-harden").display().to_string();
    let mut ran_from_link = false;
    for line in BufReader::new(child.stdout.take().context("no stdout")?)
        .lines()
        .map_while(Result::ok)
    {
        println!("{line}");
        ran_from_link |= line.contains(&binary);
    }
    let status = child.wait()?;
    let compiled = compiled
        .join()
        .map_err(|_| anyhow::anyhow!("the thread reading cargo's output panicked"))?;
    if !status.success() {
        bail!(
            "`cargo xtask demo` with CARGO_TARGET_DIR={} failed ({status})",
            link.display()
        );
    }
    if !ran_from_link {
        bail!(
            "with CARGO_TARGET_DIR={}, the demo never said it ran {binary}: it found its \
             binaries somewhere else than cargo's target directory",
            link.display()
        );
    }
    // "Compiling serde v1.0.0" is a dependency; "Compiling xtask v0.1.0 (/path)" the workspace's.
    let (own, dependencies): (Vec<&String>, Vec<&String>) =
        compiled.iter().partition(|unit| unit.ends_with(')'));
    if !dependencies.is_empty() {
        bail!(
            "with CARGO_TARGET_DIR={} (a symlink to the same target directory), cargo compiled \
             the dependencies again: {}; it did not reuse the workspace's build",
            link.display(),
            dependencies
                .iter()
                .map(|u| u.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!(
        "==> the demo ran {binary} through CARGO_TARGET_DIR; cargo compiled no dependency again{}",
        if own.is_empty() {
            String::new()
        } else {
            format!(
                " (and {} of the workspace's own crates)",
                own.iter()
                    .map(|u| u.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    Ok(())
}
