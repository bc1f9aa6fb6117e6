//! `cargo xtask new-control ID`: the Lambda crate of a catalogue control, and for an id the
//! catalogue does not know yet, the control's source file and fixture folder too.

use std::path::Path;

use anyhow::{bail, Context};
use ecs_harden_core::catalogue::{self, Control, CATALOGUE};

use crate::{flags, project_root, shown};

/// `rules/<crate>/Cargo.toml`.
pub fn lambda_manifest(control: &Control) -> String {
    format!(
        r#"[package]
name = "{name}"
description = "AWS Config rule Lambda for {id}: {title}"
version.workspace = true
edition.workspace = true
license.workspace = true
repository.workspace = true
rust-version.workspace = true
publish = false

[[bin]]
name = "{name}"
path = "src/main.rs"

[dependencies]
ecs-harden-aws.workspace = true
"#,
        name = control.crate_name(),
        id = control.id,
        title = control.title,
    )
}

/// `rules/<crate>/src/main.rs`.
pub fn lambda_main(control: &Control) -> String {
    format!(
        r#"//! AWS Config custom rule `{rule}`: {id}, {title}.
//! Scaffolded by `cargo xtask new-control {id}`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {{
    ecs_harden_aws::serve("{id}")
}}
"#,
        rule = control.rule_name(),
        id = control.id,
        title = control.title,
    )
}

fn write_new(path: &Path, contents: &str) -> anyhow::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))?;
    println!("created {}", shown(path));
    Ok(true)
}

/// Creates the Lambda crate of a catalogue control (when missing).
pub fn lambda_crate(control: &Control) -> anyhow::Result<()> {
    let dir = project_root().join("rules").join(control.crate_name());
    write_new(&dir.join("Cargo.toml"), &lambda_manifest(control))?;
    write_new(&dir.join("src/main.rs"), &lambda_main(control))?;
    Ok(())
}

pub fn run(args: &flags::NewControl) -> anyhow::Result<()> {
    if args.all {
        for control in CATALOGUE {
            lambda_crate(control)?;
        }
        return Ok(());
    }
    let Some(id) = &args.id else {
        bail!("cargo xtask new-control needs a control id (ECS.22, HARDEN.10) or --all");
    };
    match catalogue::find(id) {
        Some(control) => lambda_crate(control),
        None => new_control(id),
    }
}

/// A control the catalogue does not have yet: its source file from a template, and the
/// fixture folder. The Lambda crate follows once it is registered in the catalogue.
fn new_control(id: &str) -> anyhow::Result<()> {
    let Some((prefix, number)) = id.split_once('.') else {
        bail!("a control id looks like ECS.22 or HARDEN.10, not {id:?}");
    };
    if !matches!(prefix, "ECS" | "HARDEN") || number.parse::<u32>().is_err() {
        bail!("a control id looks like ECS.22 or HARDEN.10, not {id:?}");
    }
    let module = format!("{}_{number}", prefix.to_ascii_lowercase());
    let source = project_root().join(format!("rules/core/src/controls/{module}.rs"));
    let template = format!(
        r#"//! {id}: <title>.

use super::container_offenders;
use crate::catalogue::{{Control, Evaluator, Severity}};
use crate::model::TaskDefinition;
use crate::params::Params;
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {{
    id: "{id}",
    slug: "<slug>",
    title: "<title>",
    severity: Severity::Medium,
    params: &[],
    mappings: &[],
    remediation: "<what to change to pass>",
    evaluator: Evaluator::TaskDefinition(evaluate),
}};

/// **What**: NON_COMPLIANT when <condition>.
///
/// **Why**: <the risk>.
///
/// **Example**: <a failing document>.
///
/// **Fix**: <the change>.
pub fn evaluate(td: &TaskDefinition, _params: &Params) -> Outcome {{
    container_offenders(td, "<offending containers>", "<advice>", |_container| None)
}}
"#
    );
    write_new(&source, &template)?;
    std::fs::create_dir_all(project_root().join(format!("tests/fixtures/cases/{id}")))?;
    println!(
        "next: fill in {module}.rs, add `{module}` to the `controls![…]` list in \
         rules/core/src/controls/mod.rs, write fixture cases in tests/fixtures/cases/{id}/ (api, \
         config and cloudformation) and run `UPDATE_MANIFEST=1 cargo test -p ecs-harden-core \
         --test corpus`, then run `cargo xtask new-control {id}` again for the Lambda crate and \
         `cargo xtask codegen` (CONTRIBUTING.md, \"Adding a control\")"
    );
    Ok(())
}
