//! `cargo xtask build-lambdas [--arch arm64|x86_64] [--control ID..]`: release builds of the
//! Lambdas with cargo-lambda (Zig as the cross linker), packaged as byte-for-byte reproducible
//! zips (fixed timestamps, one `bootstrap` entry, fixed compression) in `lambda-zips/<arch>/` of
//! the target directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use ecs_harden_core::catalogue::{self, CATALOGUE};

use crate::flags::{self, Arch};
use crate::{prerequisites, project_root, setup, shown, step, target_dir};

impl Arch {
    pub fn rust_target(self) -> &'static str {
        match self {
            Arch::Arm64 => "aarch64-unknown-linux-gnu",
            Arch::X86_64 => "x86_64-unknown-linux-gnu",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Arch::Arm64 => "--arm64",
            Arch::X86_64 => "--x86-64",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Arch::Arm64 => "arm64",
            Arch::X86_64 => "x86_64",
        }
    }
}

/// Where the zips go: `lambda-zips/<arch>` in the target directory.
pub fn zip_dir(arch: Arch) -> anyhow::Result<PathBuf> {
    Ok(target_dir()?.join("lambda-zips").join(arch.name()))
}

/// The gate Lambda's crate (`rules/gate`).
pub const GATE_CRATE: &str = "gate";

/// The pinned cargo-lambda, installed into the project's venv (it brings Zig).
const CARGO_LAMBDA: &str = "cargo-lambda==1.9.2";

fn venv_bin() -> PathBuf {
    project_root().join(".venv/bin")
}

/// rustup target and cargo-lambda, installed when missing.
fn toolchain(arch: Arch) -> anyhow::Result<()> {
    setup()?;
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("rustup is needed to add the cross-compilation target")?;
    if !String::from_utf8_lossy(&installed.stdout).contains(arch.rust_target()) {
        step(
            &format!("rustup target add {}", arch.rust_target()),
            Command::new("rustup").args(["target", "add", arch.rust_target()]),
        )?;
    }
    if !venv_bin().join("cargo-lambda").exists() {
        step(
            &format!("pip install {CARGO_LAMBDA} (with Zig) into .venv"),
            Command::new(venv_bin().join("pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                CARGO_LAMBDA,
            ]),
        )?;
    }
    Ok(())
}

/// Writes `bootstrap` into a zip whose bytes depend only on the binary: one entry, mode 0755,
/// DOS epoch timestamp, deflate at a fixed level.
pub fn reproducible_zip(binary: &Path, out: &Path) -> anyhow::Result<u64> {
    let bytes =
        std::fs::read(binary).with_context(|| format!("cannot read {}", binary.display()))?;
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9))
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o755);
        zip.start_file("bootstrap", options)?;
        zip.write_all(&bytes)?;
        zip.finish()?;
    }
    let data = buffer.into_inner();
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(out, &data)?;
    Ok(data.len() as u64)
}

pub fn run(args: &flags::BuildLambdas) -> anyhow::Result<()> {
    let mut crates = Vec::new();
    for id in &args.controls {
        let control =
            catalogue::find(id).with_context(|| format!("--control: no control {id:?}"))?;
        crates.push(control.crate_name());
    }
    if crates.is_empty() {
        // Everything: one Lambda per control, plus the gate.
        crates = CATALOGUE.iter().map(|c| c.crate_name()).collect();
        crates.push(GATE_CRATE.to_string());
    }
    build(args.arch, &crates)
}

/// Builds and zips the given crates, printing a progress line per crate and a size table.
pub fn build(arch: Arch, crates: &[String]) -> anyhow::Result<()> {
    toolchain(arch)?;
    let started = Instant::now();
    let path = format!(
        "{}:{}",
        venv_bin().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut sizes = Vec::new();
    for (index, name) in crates.iter().enumerate() {
        let crate_started = Instant::now();
        println!(
            "[{}/{}] {name}: building ({})",
            index + 1,
            crates.len(),
            arch.name()
        );
        let status = Command::new(venv_bin().join("cargo-lambda"))
            .current_dir(project_root())
            .env("PATH", &path)
            .args([
                "lambda",
                "build",
                "--release",
                arch.flag(),
                "--package",
                name,
            ])
            .status()
            .context("cannot run cargo-lambda")?;
        if !status.success() {
            bail!("cargo lambda build of {name} failed ({status})");
        }
        // cargo-lambda leaves each function's executable as lambda/<bin>/bootstrap in the
        // target directory.
        let binary = target_dir()?.join("lambda").join(name).join("bootstrap");
        let zip = zip_dir(arch)?.join(format!("{name}.zip"));
        let size = reproducible_zip(&binary, &zip)?;
        let binary_size = std::fs::metadata(&binary)?.len();
        println!(
            "[{}/{}] {name}: {} ({:.1} MB zipped, {:.1} MB binary) in {:.0}s",
            index + 1,
            crates.len(),
            shown(&zip),
            size as f64 / 1e6,
            binary_size as f64 / 1e6,
            crate_started.elapsed().as_secs_f64()
        );
        sizes.push((name.clone(), size, binary_size));
    }
    println!("\n{:<48} {:>12} {:>12}", "LAMBDA", "ZIP (bytes)", "BINARY");
    for (name, size, binary) in &sizes {
        println!("{name:<48} {size:>12} {binary:>12}");
    }
    println!(
        "\n{} zips in {} ({}), {:.0}s",
        sizes.len(),
        shown(&zip_dir(arch)?),
        arch.name(),
        started.elapsed().as_secs_f64()
    );
    let over: Vec<_> = sizes
        .iter()
        .filter(|(_, size, _)| *size > 4_000_000)
        .collect();
    if !over.is_empty() {
        bail!("zips over the 4 MB budget: {over:?}");
    }
    Ok(())
}

fn unzip_bootstrap(zip_path: &Path, out: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::open(zip_path)?;
    let mut archive = zip::ZipArchive::new(file)?;
    let mut entry = archive
        .by_name("bootstrap")
        .context("the zip has no bootstrap")?;
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut target = std::fs::File::create(out)?;
    std::io::copy(&mut entry, &mut target)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// Part of `cargo xtask test`: ECS.4's arm64 zip built twice gives identical bytes, and its
/// `bootstrap` answers a real periodic event under qemu-aarch64 against the local endpoint.
pub fn packaging_test() -> anyhow::Result<()> {
    use ecs_harden_e2e::{scheduled_event, Lambda, Moto, Reply, OWN_ACCOUNT};
    use serde_json::json;

    let control = catalogue::find("ECS.4").context("ECS.4 is in the catalogue")?;
    let name = control.crate_name();
    let zip = zip_dir(Arch::Arm64)?.join(format!("{name}.zip"));
    build(Arch::Arm64, std::slice::from_ref(&name))?;
    let first = std::fs::read(&zip)?;
    // Force cargo to compile and link the crate again before the second build.
    let main = project_root().join("rules").join(&name).join("src/main.rs");
    std::fs::File::options()
        .write(true)
        .open(&main)?
        .set_modified(std::time::SystemTime::now())?;
    build(Arch::Arm64, std::slice::from_ref(&name))?;
    let second = std::fs::read(&zip)?;
    if first != second {
        bail!(
            "two builds of {name} gave different zips ({} and {} bytes)",
            first.len(),
            second.len()
        );
    }
    println!(
        "==> reproducible: two builds of {name}.zip are identical ({} bytes)",
        first.len()
    );

    let qemu = prerequisites::qemu()?;
    let bootstrap = target_dir()?
        .join("lambda-smoke")
        .join(&name)
        .join("bootstrap");
    unzip_bootstrap(&zip, &bootstrap)?;
    let moto = Moto::start()?;
    moto.ecs(
        "RegisterTaskDefinition",
        json!({"family": "smoke", "containerDefinitions": [{"name": "probe", "image": "busybox:1.36", "memory": 128, "privileged": true}]}),
    )?;
    let bootstrap_text = bootstrap.display().to_string();
    let lambda = Lambda::start_program(
        &qemu,
        &["-L", prerequisites::ARM64_SYSROOT, &bootstrap_text],
        &name,
        &moto.url,
        &[],
    )?;
    let event = scheduled_event(
        &control.rule_name(),
        "smoke",
        OWN_ACCOUNT,
        "2025-03-05T00:00:00.000Z",
        &json!({}),
    );
    let (reply, took) = lambda.invoke_with_deadline(&event, std::time::Duration::from_secs(60))?;
    let Reply::Response(response) = reply else {
        bail!(
            "the arm64 Lambda failed under qemu: {reply:?}\n{}",
            lambda.logs().join("\n")
        );
    };
    let stored = moto.evaluations()?;
    let verdict = stored
        .first()
        .and_then(|e| e["ComplianceType"].as_str())
        .unwrap_or_default()
        .to_string();
    if verdict != "NON_COMPLIANT" {
        bail!("the arm64 Lambda reported {stored:?}");
    }
    println!(
        "==> arm64 smoke: {name} under qemu-aarch64 answered {response} (NON_COMPLIANT stored) in {took:?}"
    );
    Ok(())
}
