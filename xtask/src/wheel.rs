//! `cargo xtask test` step: the PyPI package. maturin builds the wheel of this machine's
//! architecture from pyproject.toml (the `ecs-harden` binary of rules/cli, `bindings = "bin"`)
//! with the dev profile. It runs cargo in the workspace root with this process's environment,
//! so it builds in the workspace's target directory (`CARGO_TARGET_DIR` when set) and compiles
//! again only what no earlier build of `ecs-harden` alone left there. The wheel goes into a
//! fresh venv in a temporary directory, with the venv's own pip and no package index, and the
//! binary pip put on the venv's PATH runs: `--version` (the workspace's version), `controls`,
//! `check` on a compliant and a non-compliant file, and the GitHub Action's check script
//! (`scripts/action-check.sh`).
//!
//! The release wheels (manylinux x86_64 and aarch64, release profile) are built as docs/ci.md
//! says; this step builds only the host's.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{bail, ensure, Context};

use crate::{cargo, prerequisites, project_root, setup, shown, step};

/// The maturin the step builds with, installed into `.venv` from PyPI.
const MATURIN_VERSION: &str = "1.16.0";

/// Files the checks run on, from the workspace root.
const COMPLIANT: &str = "tests/fixtures/equivalent/checkout-api-hardened/api.json";
const NON_COMPLIANT: &str = "examples/task-definitions/debug-shell.json";

pub fn test() -> anyhow::Result<()> {
    let maturin = install_maturin()?;
    prerequisites::python_with_venv()?;
    let scratch = std::env::temp_dir().join(format!("ecs-harden-wheel-{}", std::process::id()));
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)
            .with_context(|| format!("cannot empty {}", scratch.display()))?;
    }
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    let result = build_install_run(&maturin, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn build_install_run(maturin: &Path, scratch: &Path) -> anyhow::Result<()> {
    let wheels = scratch.join("wheels");
    let mut build = Command::new(maturin);
    // Without the variables `cargo run` set for xtask itself, as the workspace's own cargo
    // commands run: build scripts that watch them (ring's) would otherwise run again.
    for (name, value) in cargo().get_envs() {
        if value.is_none() {
            build.env_remove(name);
        }
    }
    step(
        "maturin build --profile dev (the wheel for this machine, pyproject.toml)",
        build
            .current_dir(project_root())
            .args(["build", "--profile", "dev", "--out"])
            .arg(&wheels),
    )?;
    let wheel = the_wheel(&wheels)?;
    let venv = scratch.join("venv");
    step(
        "python3 -m venv (fresh, in a temporary directory)",
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
    )?;
    step(
        &format!("pip install {} (no index)", file_name(&wheel)),
        Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-index",
                "--no-deps",
            ])
            .arg(&wheel),
    )?;
    let binary = venv.join("bin/ecs-harden");
    ensure!(
        binary.is_file(),
        "installing {} put no ecs-harden in {}: the wheel does not carry the binary",
        file_name(&wheel),
        shown(&venv.join("bin"))
    );
    crate::timed(
        "ecs-harden from the wheel: --version, controls, check",
        || run_installed(&venv),
    )
}

/// `.venv/bin/maturin` at [`MATURIN_VERSION`], installed from PyPI when missing or another
/// version.
fn install_maturin() -> anyhow::Result<PathBuf> {
    setup()?;
    let venv_bin = project_root().join(".venv/bin");
    let binary = venv_bin.join("maturin");
    let installed = Command::new(&binary)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(MATURIN_VERSION) {
        println!("==> maturin {MATURIN_VERSION}: installed");
        return Ok(binary);
    }
    step(
        &format!("pip install maturin=={MATURIN_VERSION} into .venv"),
        Command::new(venv_bin.join("pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("maturin=={MATURIN_VERSION}"),
        ]),
    )
    .with_context(|| {
        format!(
            "maturin {MATURIN_VERSION} could not be installed from PyPI into .venv; install it \
             with `.venv/bin/pip install maturin=={MATURIN_VERSION}` and run this again"
        )
    })?;
    Ok(binary)
}

/// The one wheel maturin wrote, named for the workspace's version and this machine's
/// architecture, tagged for any Python 3 on manylinux.
fn the_wheel(dir: &Path) -> anyhow::Result<PathBuf> {
    let wheels: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("maturin wrote no {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "whl"))
        .collect();
    let [wheel] = wheels.as_slice() else {
        bail!(
            "maturin wrote {} wheels in {}, not one",
            wheels.len(),
            dir.display()
        );
    };
    let name = file_name(wheel);
    let prefix = format!(
        "ecs_harden-{}-py3-none-manylinux",
        env!("CARGO_PKG_VERSION")
    );
    let architecture = std::env::consts::ARCH;
    ensure!(
        name.starts_with(&prefix) && name.ends_with(&format!("_{architecture}.whl")),
        "the wheel is {name}; expected {prefix}…_{architecture}.whl (the workspace's version, \
         any Python 3, manylinux, this machine's architecture)"
    );
    println!("==> wheel: {name}");
    Ok(wheel.clone())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The installed binary from outside the checkout: found through the venv's PATH, run in a
/// directory of its own with the example files copied there.
fn run_installed(venv: &Path) -> anyhow::Result<()> {
    let work = venv.with_file_name("work");
    std::fs::create_dir_all(&work)?;
    for file in [COMPLIANT, NON_COMPLIANT] {
        let to = work.join(Path::new(file).file_name().context("a file name")?);
        std::fs::copy(project_root().join(file), &to)
            .with_context(|| format!("cannot copy {file} to {}", to.display()))?;
    }
    let path = std::env::join_paths(
        std::iter::once(venv.join("bin")).chain(
            std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
                .unwrap_or_default(),
        ),
    )
    .context("the venv's bin directory cannot be put on PATH")?;
    let run = |program: &Path, args: &[&str]| -> anyhow::Result<Output> {
        Command::new(program)
            .current_dir(&work)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .args(args)
            .output()
            .with_context(|| format!("cannot run {}", program.display()))
    };
    let ecs_harden = Path::new("ecs-harden");

    let version = run(ecs_harden, &["--version"])?;
    let expected = format!("ecs-harden {}", env!("CARGO_PKG_VERSION"));
    ensure!(
        String::from_utf8_lossy(&version.stdout).trim() == expected,
        "`ecs-harden --version` from the venv's PATH said {:?}, not {expected:?}",
        String::from_utf8_lossy(&version.stdout).trim()
    );

    let controls = run(ecs_harden, &["controls", "--format", "json"])?;
    ensure!(
        controls.status.success(),
        "`ecs-harden controls` failed ({}): {}",
        controls.status,
        String::from_utf8_lossy(&controls.stderr)
    );
    let catalogue: serde_json::Value = serde_json::from_slice(&controls.stdout)
        .context("`ecs-harden controls --format json` did not print JSON")?;
    let ids: Vec<&str> = catalogue["controls"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    let missing: Vec<&str> = ecs_harden_core::catalogue::CATALOGUE
        .iter()
        .map(|c| c.id)
        .filter(|id| !ids.contains(id))
        .collect();
    ensure!(
        missing.is_empty(),
        "`ecs-harden controls` from the wheel lacks {} of the catalogue's controls",
        missing.join(", ")
    );

    let compliant = file_name(Path::new(COMPLIANT));
    let passed = run(ecs_harden, &["check", &compliant])?;
    ensure!(
        passed.status.code() == Some(0),
        "`ecs-harden check {compliant}` exited {} instead of 0: {}{}",
        passed.status,
        String::from_utf8_lossy(&passed.stdout),
        String::from_utf8_lossy(&passed.stderr)
    );
    let non_compliant = file_name(Path::new(NON_COMPLIANT));
    let failed = run(ecs_harden, &["check", &non_compliant])?;
    let text = String::from_utf8_lossy(&failed.stdout);
    ensure!(
        failed.status.code() == Some(1) && text.contains("ECS.4"),
        "`ecs-harden check {non_compliant}` exited {} with {text:?}; expected 1 and ECS.4 \
         (a privileged container) among the failures",
        failed.status
    );

    // The Action's check step, with this venv's ecs-harden first on PATH.
    let github_output = work.join("github-output");
    let action = Command::new("bash")
        .current_dir(&work)
        .arg(project_root().join("scripts/action-check.sh"))
        .env("PATH", &path)
        .env("NO_COLOR", "1")
        .env("INPUT_PATH", &non_compliant)
        .env("INPUT_FAIL_ON", "high")
        .env("INPUT_SARIF_FILE", "report.sarif")
        .env("GITHUB_OUTPUT", &github_output)
        .output()
        .context("cannot run scripts/action-check.sh with bash; install bash")?;
    let outputs = std::fs::read_to_string(&github_output).unwrap_or_default();
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.join("report.sarif")).unwrap_or_default(),
    )
    .unwrap_or_default();
    ensure!(
        action.status.code() == Some(1)
            && outputs.contains("exit-code=1")
            && sarif["version"] == "2.1.0"
            && sarif["runs"][0]["results"]
                .as_array()
                .is_some_and(|r| !r.is_empty()),
        "scripts/action-check.sh with the wheel's ecs-harden exited {} (expected 1, a high \
         result in {non_compliant}), wrote {outputs:?} to GITHUB_OUTPUT and SARIF version {}: {}",
        action.status,
        sarif["version"],
        String::from_utf8_lossy(&action.stderr)
    );
    println!(
        "==> the wheel's ecs-harden: {expected}, {} controls, check 0 and 1 as expected, the \
         Action's check step wrote a SARIF report with {} results",
        ids.len(),
        sarif["runs"][0]["results"]
            .as_array()
            .map_or(0, |r| r.len())
    );
    Ok(())
}
