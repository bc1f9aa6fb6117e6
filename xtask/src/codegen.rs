//! Files derived from the catalogue. `--check` fails when any is stale, naming it.

use anyhow::bail;

use crate::root;

/// (path relative to the workspace root, contents)
pub fn generated_files() -> Vec<(&'static str, String)> {
    let mut files = vec![("docs/controls.md", ecs_harden_core::export::controls_doc())];
    // The conformance packs and `cdk/generated/catalogue.json`.
    files.extend(crate::packs::generated_files());
    files
}

pub fn run(check: bool) -> anyhow::Result<()> {
    let mut stale = Vec::new();
    for (path, contents) in generated_files() {
        let full = root().join(path);
        let current = std::fs::read_to_string(&full).unwrap_or_default();
        if current == contents {
            continue;
        }
        if check {
            stale.push(path);
        } else {
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&full, contents)?;
            println!("wrote {path}");
        }
    }
    if !stale.is_empty() {
        bail!(
            "generated files are stale: {}; run `cargo xtask codegen`",
            stale.join(", ")
        );
    }
    if check {
        println!("generated files are up to date");
    }
    Ok(())
}
