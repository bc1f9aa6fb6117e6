//! `cargo xtask build-lambdas [--arch arm64|x86_64] [--control ID..]`: release builds of the
//! Lambdas with cargo-lambda (Zig as the cross linker), every crate in one cargo invocation,
//! packaged as byte-for-byte reproducible zips (fixed timestamps, one `bootstrap` entry, fixed
//! compression) in `lambda-zips/<arch>/` of the target directory. Paths of the machine are
//! remapped (`--remap-path-prefix`), so the zips are the same from any checkout.

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
/// The findings Lambda's crate (`rules/findings`).
pub const FINDINGS_CRATE: &str = "findings";

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
        crates = every_crate();
    }
    build(args.arch, &crates)
}

/// Every Lambda crate: one per control, the gate and the findings Lambda.
pub fn every_crate() -> Vec<String> {
    let mut crates: Vec<String> = CATALOGUE.iter().map(|c| c.crate_name()).collect();
    crates.push(GATE_CRATE.to_string());
    crates.push(FINDINGS_CRATE.to_string());
    crates
}

/// One Lambda's zip.
pub struct Zipped {
    pub name: String,
    pub zip: PathBuf,
    pub zip_bytes: u64,
    pub binary_bytes: u64,
}

/// The release profile of `Cargo.toml` as the Lambdas are built: optimised for size
/// (opt-level "z" made the zips larger, not smaller: docs/benchmarks.md, section 7), no LTO
/// across crates and 16 codegen units (stripped symbols as in `Cargo.toml`). With fat LTO each
/// of the binaries optimised the whole AWS SDK again at its link; without it, one build
/// compiles every dependency once and each binary is a plain link.
pub const LAMBDA_PROFILE: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s"),
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
];

/// How to build: [`LAMBDA_PROFILE`] unless overridden (`CARGO_PROFILE_RELEASE_*` variables),
/// every crate in one cargo invocation or one invocation per crate.
#[derive(Clone, Copy, Default)]
pub struct Build<'a> {
    pub profile: &'a [(&'a str, &'a str)],
    pub one_crate_at_a_time: bool,
    /// The checkout to build from (the workspace this xtask belongs to by default).
    pub checkout: Option<&'a Path>,
}

/// Builds and zips the given crates in the workspace's target directory, with a size table.
pub fn build(arch: Arch, crates: &[String]) -> anyhow::Result<()> {
    let started = Instant::now();
    let zips = build_in(&target_dir()?, arch, crates, Build::default())?;
    println!("\n{:<48} {:>12} {:>12}", "LAMBDA", "ZIP (bytes)", "BINARY");
    for z in &zips {
        println!("{:<48} {:>12} {:>12}", z.name, z.zip_bytes, z.binary_bytes);
    }
    println!(
        "\n{} zips in {} ({}), {:.0}s",
        zips.len(),
        shown(&zip_dir(arch)?),
        arch.name(),
        started.elapsed().as_secs_f64()
    );
    let over: Vec<String> = zips
        .iter()
        .filter(|z| z.zip_bytes > MAX_ZIP_BYTES)
        .map(|z| format!("{} ({} bytes)", z.name, z.zip_bytes))
        .collect();
    // Lambda takes zips up to 50 MB; over the target the zips still deploy, so this is said,
    // not failed on.
    if !over.is_empty() {
        println!(
            "warning: {} zip(s) over the {} MB target (docs/benchmarks.md, section 7): {}",
            over.len(),
            MAX_ZIP_BYTES / 1_000_000,
            over.join(", ")
        );
    }
    Ok(())
}

/// The size each zip should stay under (docs/benchmarks.md shows the sizes).
pub const MAX_ZIP_BYTES: u64 = 3_000_000;

/// `--remap-path-prefix` for everything of this machine a binary could carry: sources in the
/// cargo home (panic locations of dependencies) and the target directory (sources build
/// scripts generate under `OUT_DIR`; with the default target directory this is where the
/// checkout's own path would appear). The workspace's own crates are compiled from paths
/// relative to the workspace root, as cargo passes them, so they carry no absolute path.
/// The target directory comes last: rustc applies the last prefix that matches.
fn remapped_paths(target: &Path) -> Vec<String> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let mut flags = Vec::new();
    if let Some(home) = cargo_home {
        flags.push(format!("--remap-path-prefix={}=/cargo", home.display()));
    }
    flags.push(format!("--remap-path-prefix={}=/target", target.display()));
    flags
}

/// Builds and zips `crates` with the target directory `target` (`lambda-zips/<arch>/` in it).
/// One cargo-lambda invocation builds every crate: cargo compiles each dependency once and
/// links the binaries side by side.
pub fn build_in(
    target: &Path,
    arch: Arch,
    crates: &[String],
    how: Build<'_>,
) -> anyhow::Result<Vec<Zipped>> {
    toolchain(arch)?;
    let path = format!(
        "{}:{}",
        venv_bin().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let rustflags = format!(
        "build.rustflags=[{}]",
        remapped_paths(target)
            .iter()
            .map(|flag| format!("{flag:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let batches: Vec<&[String]> = if how.one_crate_at_a_time {
        crates.chunks(1).collect()
    } else {
        vec![crates]
    };
    for batch in batches {
        println!(
            "==> cargo lambda build --release {} ({} crate(s): {})",
            arch.flag(),
            batch.len(),
            batch.join(", ")
        );
        let mut command = Command::new(venv_bin().join("cargo-lambda"));
        command
            .current_dir(how.checkout.map_or_else(project_root, Path::to_path_buf))
            .env("PATH", &path)
            .env("CARGO_TARGET_DIR", target)
            .envs(LAMBDA_PROFILE.iter().copied())
            .envs(how.profile.iter().copied())
            .args([
                "lambda",
                "build",
                "--release",
                arch.flag(),
                "--config",
                &rustflags,
            ]);
        for name in batch {
            command.args(["--package", name]);
        }
        let status = command.status().context("cannot run cargo-lambda")?;
        if !status.success() {
            bail!(
                "cargo lambda build of {} failed ({status})",
                batch.join(", ")
            );
        }
    }
    let mut zips = Vec::new();
    for name in crates {
        // cargo-lambda leaves each function's executable as lambda/<bin>/bootstrap in the
        // target directory.
        let binary = target.join("lambda").join(name).join("bootstrap");
        let zip = target
            .join("lambda-zips")
            .join(arch.name())
            .join(format!("{name}.zip"));
        let zip_bytes = reproducible_zip(&binary, &zip)?;
        zips.push(Zipped {
            name: name.clone(),
            zip,
            zip_bytes,
            binary_bytes: std::fs::metadata(&binary)?.len(),
        });
    }
    Ok(zips)
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

/// Part of `cargo xtask test`: ECS.4's arm64 zip built from two copies of this checkout at
/// different paths gives identical bytes, its `bootstrap` carries no path of this machine, and
/// it answers a real periodic event under qemu-aarch64 against the local endpoint.
///
/// Both copies are taken before either build, so that an edit in the work tree meanwhile
/// cannot make them differ. They build into the same target directory, so cargo reuses every
/// dependency and only compiles the workspace's crates again (from the other path) and links:
/// one control's zip, not a second build of everything.
pub fn packaging_test() -> anyhow::Result<()> {
    use ecs_harden_e2e::{scheduled_event, Lambda, Moto, Reply, OWN_ACCOUNT};
    use serde_json::json;

    let control = catalogue::find("ECS.4").context("ECS.4 is in the catalogue")?;
    let name = control.crate_name();
    let target = target_dir()?;
    let crates = std::slice::from_ref(&name);
    let checkouts = [
        target.join("lambda-smoke").join("checkout"),
        target.join("lambda-smoke").join("another").join("checkout"),
    ];
    for checkout in &checkouts {
        copy_checkout(&project_root(), checkout)?;
    }
    let zip = zip_dir(Arch::Arm64)?.join(format!("{name}.zip"));
    let mut zips = Vec::new();
    for checkout in &checkouts {
        // The workspace's crates have the same identity in both copies, so cargo would take
        // the first copy's build as fresh: remove it, so that each copy compiles them.
        let status = crate::cargo()
            .current_dir(checkout)
            .env("CARGO_TARGET_DIR", &target)
            .args([
                "clean",
                "--release",
                "--target",
                Arch::Arm64.rust_target(),
                "-p",
                "ecs-harden-core",
                "-p",
                "ecs-harden-aws",
                "-p",
                &name,
            ])
            .status()
            .context("cannot run cargo clean")?;
        if !status.success() {
            bail!("cargo clean of the workspace's crates failed ({status})");
        }
        let built = build_in(
            &target,
            Arch::Arm64,
            crates,
            Build {
                checkout: Some(checkout),
                ..Build::default()
            },
        )?;
        if built.first().map(|z| &z.zip) != Some(&zip) {
            bail!("the build made no {}", zip.display());
        }
        zips.push(std::fs::read(&zip)?);
    }
    let [here, there] = [&zips[0], &zips[1]];
    if here != there {
        bail!(
            "{name}.zip differs when built from {} ({} bytes) and from {} ({} bytes): \
             an absolute path or something else of the checkout reaches the binary",
            checkouts[0].display(),
            here.len(),
            checkouts[1].display(),
            there.len()
        );
    }
    println!(
        "==> reproducible: {name}.zip built from {} and from {} is identical ({} bytes)",
        checkouts[0].display(),
        checkouts[1].display(),
        here.len()
    );
    let binary = target.join("lambda").join(&name).join("bootstrap");
    no_machine_paths(
        &std::fs::read(&binary)?,
        &[&project_root(), &checkouts[0], &checkouts[1], &target],
    )?;

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

/// Copies the files git sees in `checkout` (tracked, and new ones not ignored) to `to`, which
/// is emptied first.
fn copy_checkout(checkout: &Path, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to).with_context(|| format!("cannot empty {}", to.display()))?;
    }
    let listed = Command::new("git")
        .current_dir(checkout)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .context("git is needed to list the checkout's files")?;
    if !listed.status.success() {
        bail!("git ls-files failed in {}", checkout.display());
    }
    for file in listed.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let relative =
            Path::new(std::str::from_utf8(file).context("a file name that is not UTF-8")?);
        let source = checkout.join(relative);
        // A file deleted in the work tree but still in the index.
        if !source.is_file() {
            continue;
        }
        let destination = to.join(relative);
        if let Some(parent) = destination.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&source, &destination).with_context(|| {
            format!(
                "cannot copy {} to {}",
                source.display(),
                destination.display()
            )
        })?;
    }
    Ok(())
}

/// Fails when `binary` holds one of `paths` or the cargo home, which `--remap-path-prefix`
/// should have replaced.
fn no_machine_paths(binary: &[u8], paths: &[&Path]) -> anyhow::Result<()> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    for path in paths.iter().copied().chain(cargo_home.as_deref()) {
        let needle = path.display().to_string();
        if binary
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
        {
            bail!("the bootstrap holds the path {needle}: it depends on where it was built");
        }
    }
    Ok(())
}
