//! What the tests need beyond Rust: Python 3 with venv (moto, cfn-lint), Node.js with npm (the
//! CDK tests), and three Debian/Ubuntu packages: `chromium` (the evidence test renders the HTML
//! report), `qemu-user` and `libc6-arm64-cross` (the arm64 Lambda runs under qemu-aarch64).
//!
//! Packages are installed with `apt-get` when this process may (root, or passwordless `sudo`).
//! Otherwise the task stops with one sentence saying what to install: a test is never skipped
//! because a tool is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use crate::{setup, step};

/// The oldest Node.js major version the CDK app is tested with.
const NODE_MAJOR: u32 = 20;

/// Where the end-to-end evidence test looks for headless Chromium.
pub const CHROMIUM: [&str; 2] = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/// Where Debian's `libc6-arm64-cross` puts the aarch64 loader and libc for qemu-user.
pub const ARM64_SYSROOT: &str = "/usr/aarch64-linux-gnu";

/// `cargo xtask setup`, and the first step of `cargo xtask test`: everything installed or
/// present, or an error naming what to install.
pub fn install() -> anyhow::Result<()> {
    node()?;
    setup()?;
    chromium()?;
    qemu()?;
    Ok(())
}

/// Node.js ≥ 20 and npm, for the CDK app's tests and `cargo xtask deploy`.
pub fn node() -> anyhow::Result<()> {
    let install = format!(
        "install Node.js {NODE_MAJOR} or newer with npm (https://nodejs.org, or your system's \
         package manager): the CDK app's tests in cdk/ need it"
    );
    let Some(version) = version_of("node") else {
        bail!("node is not on PATH; {install}");
    };
    let major: Option<u32> = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok());
    if major.is_none_or(|m| m < NODE_MAJOR) {
        bail!("node {} is too old; {install}", version.trim());
    }
    let Some(npm) = version_of("npm") else {
        bail!("npm is not on PATH; {install}");
    };
    println!("==> node {}, npm {}: present", version.trim(), npm.trim());
    Ok(())
}

/// Python 3 with its venv module, to create `.venv`.
pub fn python_with_venv() -> anyhow::Result<()> {
    let works = Command::new("python3")
        .args(["-m", "venv", "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !works {
        bail!(
            "python3 with its venv module is missing; install Python 3 with venv (Debian/Ubuntu: \
             the python3 and python3-venv packages; macOS: python.org or Homebrew's python)"
        );
    }
    Ok(())
}

/// Headless Chromium, which renders the HTML evidence report in `tests/tests/evidence.rs`.
pub fn chromium() -> anyhow::Result<PathBuf> {
    let find = || CHROMIUM.iter().map(Path::new).find(|p| p.exists());
    if let Some(found) = find() {
        println!("==> chromium: {}", found.display());
        return Ok(found.to_path_buf());
    }
    apt_install(
        &["chromium"],
        "headless Chromium at /usr/bin/chromium (the evidence test renders the HTML report)",
    )?;
    find()
        .map(Path::to_path_buf)
        .context("/usr/bin/chromium is still missing after installing Debian's chromium package")
}

/// qemu-aarch64 and an aarch64 libc, which run the arm64 Lambda zip in the packaging test.
pub fn qemu() -> anyhow::Result<PathBuf> {
    let present =
        || on_path("qemu-aarch64").filter(|_| Path::new(ARM64_SYSROOT).join("lib").exists());
    if let Some(found) = present() {
        println!("==> qemu-aarch64: {}", found.display());
        return Ok(found);
    }
    apt_install(
        &["qemu-user", "libc6-arm64-cross"],
        "qemu-aarch64 and the arm64 libc in /usr/aarch64-linux-gnu (the arm64 Lambda smoke run)",
    )?;
    present().context(
        "qemu-aarch64 or /usr/aarch64-linux-gnu/lib is still missing after installing qemu-user \
         and libc6-arm64-cross",
    )
}

fn version_of(program: &str) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn passwordless_sudo() -> bool {
    on_path("sudo").is_some()
        && Command::new("sudo")
            .args(["-n", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// `apt-get install` of `packages` (needed for `what`), as root or through passwordless sudo;
/// otherwise an error that says what to install.
pub fn apt_install(packages: &[&str], what: &str) -> anyhow::Result<()> {
    let list = packages.join(" ");
    if on_path("apt-get").is_none() {
        bail!(
            "{what} is missing, and this system has no apt-get to install it: install the \
             equivalent of Debian's {list} (the tests run on Linux; qemu-user does not exist on macOS)"
        );
    }
    let as_root = is_root();
    if !as_root && !passwordless_sudo() {
        bail!(
            "{what} is missing, and installing it needs root: run `sudo apt-get install {list}` \
             once, then run this command again"
        );
    }
    let apt = || {
        let mut command = if as_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            sudo
        };
        command.env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    step("apt-get update", apt().args(["update", "-qq"]))?;
    step(
        &format!("apt-get install {list}"),
        apt()
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages),
    )
}
