//! Files derived from the catalogue: `cargo xtask codegen` rewrites the stale ones,
//! `cargo xtask codegen --check` (a step of `cargo xtask test`) fails naming them, and the test
//! below rewrites them and then fails, so that a stale file is never left behind silently.

use std::path::Path;

use anyhow::{bail, Context};

use crate::project_root;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Rewrite stale files.
    Overwrite,
    /// Rewrite nothing; fail naming every stale file.
    Check,
}

/// (path relative to the workspace root, contents)
pub fn generated_files() -> Vec<(&'static str, String)> {
    let mut files = vec![("docs/controls.md", ecs_harden_core::export::controls_doc())];
    // The conformance packs and `cdk/generated/catalogue.json`.
    files.extend(crate::packs::generated_files());
    files
}

pub fn run(mode: Mode) -> anyhow::Result<()> {
    let mut stale = Vec::new();
    for (path, contents) in generated_files() {
        if ensure_file_contents(&project_root().join(path), &contents, mode)? {
            stale.push(path);
        }
    }
    match (mode, stale.is_empty()) {
        (Mode::Check, false) => bail!(
            "generated files are stale: {}; run `cargo xtask codegen`",
            stale.join(", ")
        ),
        (Mode::Check, true) => println!("generated files are up to date"),
        (Mode::Overwrite, _) => {
            for path in &stale {
                println!("wrote {path}");
            }
        }
    }
    Ok(())
}

/// Whether `file` differed from `contents` (missing counts as different); in
/// [`Mode::Overwrite`], it now holds them.
fn ensure_file_contents(file: &Path, contents: &str, mode: Mode) -> anyhow::Result<bool> {
    if std::fs::read_to_string(file).is_ok_and(|current| current == contents) {
        return Ok(false);
    }
    if mode == Mode::Overwrite {
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(file, contents)
            .with_context(|| format!("cannot write {}", file.display()))?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::{run, Mode};

    #[test]
    fn generated_files_are_fresh() {
        if let Err(e) = run(Mode::Check) {
            run(Mode::Overwrite).expect("rewrite the generated files");
            panic!("{e:#}; `cargo xtask codegen` has now rewritten them: review and commit them");
        }
    }
}
