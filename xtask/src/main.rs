//! `cargo xtask`: the project's tasks, in Rust instead of shell scripts.
//!
//! - `cargo xtask test`: everything CI runs (format, lints, all tests, generated files fresh).
//! - `cargo xtask demo`: check the shipped examples, no AWS account needed.
//! - `cargo xtask codegen [--check]`: regenerate (or verify) files derived from the catalogue.

mod bench;
mod codegen;
mod demo;
mod lambdas;
mod licenses;
mod packs;
mod scaffold;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};

fn main() {
    if let Err(e) = run() {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    match task {
        "test" => test(rest),
        "setup" => setup().and_then(|()| browser()),
        "demo" => demo::run(),
        "codegen" => codegen::run(rest.iter().any(|a| a == "--check")),
        "new-control" => scaffold::run(rest),
        "build-lambdas" => lambdas::run(rest),
        "lambda-smoke" => lambdas::packaging_test(),
        "deploy" => deploy(rest),
        "bench" => bench::run(),
        "help" | "--help" | "-h" => {
            println!(
                "cargo xtask <task>\n\n\
                 tasks:\n  \
                 test              fmt --check, clippy -D warnings, every test, generated files fresh\n  \
                 setup             .venv with moto and cfn-lint, Debian's chromium (test does this too)\n  \
                 demo              every control's Config rule Lambda over a local AWS endpoint, then check examples/\n  \
                 codegen [--check] regenerate files derived from the catalogue (--check: fail if stale)\n  \
                 build-lambdas [--arch arm64|x86_64] [--control ID..]\n                   \
                 release zips of the Lambdas (cargo-lambda), reproducible, in target/lambda-zips/\n  \
                 lambda-smoke      ECS.4's arm64 zip twice (identical bytes) and run under qemu-aarch64 (part of test)\n  \
                 deploy [-c KEY=VALUE..]  build-lambdas, then cdk deploy --all (see docs/deploy.md)\n  \
                 new-control ID    scaffold a control (its Lambda crate; for a new id, the source file too)\n  \
                 bench             ecs-harden vs cfn-guard, checkov and a boto3 Lambda; writes docs/benchmarks.md"
            );
            Ok(())
        }
        other => bail!("unknown task {other:?}; try `cargo xtask help`"),
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

pub fn step(name: &str, command: &mut Command) -> anyhow::Result<()> {
    let started = Instant::now();
    println!("==> {name}");
    let status = command
        .status()
        .with_context(|| format!("cannot start {name}"))?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    println!("==> {name}: ok ({:.1}s)", started.elapsed().as_secs_f64());
    Ok(())
}

fn test(_args: &[String]) -> anyhow::Result<()> {
    let started = Instant::now();
    let shared = root().join("../shared/fixtures");
    if !shared.is_dir() {
        bail!(
            "the shared fixtures are missing: expected {} beside the checkout",
            shared.display()
        );
    }
    setup()?;
    browser()?;
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
    println!("==> generated files are fresh");
    codegen::run(true)?;
    licenses::check(&root())?;
    step(
        "cargo build --workspace --bins (the Lambdas the end-to-end tests run)",
        cargo().args(["build", "--workspace", "--bins"]),
    )?;
    step(
        "cargo test (unit, integration, fixtures, CLI, end-to-end, benchmark smoke run)",
        cargo().args(["test", "--workspace", "--all-targets"]),
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let counts = target.join("tmp/fixture-cases-per-control.txt");
    match std::fs::read_to_string(&counts) {
        Ok(text) => print!("==> {text}"),
        Err(e) => bail!(
            "{} was not written by the fixture test: {e}",
            counts.display()
        ),
    }
    let cdk = root().join("cdk");
    npm_ci(&cdk)?;
    step(
        "npm test (cdk: tsc, cdk synth, node:test, cdk-nag, cfn-lint)",
        Command::new("npm")
            .current_dir(&cdk)
            .arg("test")
            .env("CFN_LINT", root().join(".venv/bin/cfn-lint")),
    )?;
    println!("==> Lambda packaging: arm64 release zip of ECS.4, reproducibility, qemu smoke run");
    lambdas::packaging_test()?;
    step(
        "cargo test --doc",
        cargo().args(["test", "--workspace", "--doc"]),
    )?;
    println!(
        "xtask test: all steps passed in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The Python venv with moto (the local AWS endpoint of the end-to-end tests), created or
/// refreshed when `tests/harness/requirements.txt` changed.
pub fn setup() -> anyhow::Result<()> {
    python_venv(".venv", "tests/harness/requirements.txt", "moto, cfn-lint")
}

/// A venv `name` in the workspace root with the pinned `requirements` installed, created or
/// refreshed only when the requirements file changed since the last install.
pub fn python_venv(name: &str, requirements: &str, what: &str) -> anyhow::Result<()> {
    let venv = root().join(name);
    let path = root().join(requirements);
    let wanted = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let stamp = venv.join(".requirements.installed");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        println!("==> python venv ({name}): up to date");
        return Ok(());
    }
    if !venv.join("bin/python").exists() {
        step(
            &format!("python3 -m venv {name}"),
            Command::new("python3")
                .current_dir(root())
                .args(["-m", "venv", name]),
        )?;
    }
    step(
        &format!("pip install -r {requirements} ({what})"),
        Command::new(venv.join("bin/pip"))
            .current_dir(root())
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                requirements,
            ]),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

/// Headless Chromium (Debian's package) for the test that renders the HTML evidence report.
pub fn browser() -> anyhow::Result<()> {
    if Path::new("/usr/bin/chromium").exists() {
        println!("==> chromium: installed");
        return Ok(());
    }
    apt_install(&["chromium"])
}

/// `apt-get install` of Debian packages the tests need.
pub fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    step(
        "apt-get update",
        Command::new("apt-get").args(["update", "-qq"]),
    )?;
    step(
        &format!("apt-get install {}", packages.join(" ")),
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// `cargo xtask deploy`: every zip, then the CDK app (central stacks, StackSets), with the
/// user's own `-c key=value` context passed through.
fn deploy(args: &[String]) -> anyhow::Result<()> {
    lambdas::run(&[])?;
    let cdk = root().join("cdk");
    npm_ci(&cdk)?;
    step(
        "cdk deploy --all",
        Command::new("npx")
            .current_dir(&cdk)
            .args([
                "cdk",
                "deploy",
                "--all",
                "--no-notices",
                "--no-version-reporting",
                "--no-lookups",
                "-c",
                r#"lambdaCode={"zipDir":"../target/lambda-zips/arm64"}"#,
            ])
            .args(args),
    )
}

/// Installs the CDK app's locked dependencies.
fn npm_ci(cdk: &std::path::Path) -> anyhow::Result<()> {
    step(
        "npm ci (cdk)",
        Command::new("npm")
            .current_dir(cdk)
            .args(["ci", "--no-audit", "--no-fund"]),
    )
}
