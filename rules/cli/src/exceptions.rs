//! The exception register `check` and `scan` judge with: `--exceptions FILE`, else the
//! `--config` file's `exceptions: <path>` (relative to that file), unless `--no-exceptions`.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use ecs_harden_core::exceptions::{Date, InForce, Register};
use ecs_harden_core::parse::{load as load_document, Syntax};

/// The register in force and where it came from.
pub struct Loaded {
    pub register: Register,
    /// The date entries are judged on: today (UTC), or `SOURCE_DATE_EPOCH`'s date when set.
    pub today: Date,
    pub path: String,
}

impl Loaded {
    pub fn in_force(&self) -> InForce<'_> {
        InForce {
            register: &self.register,
            today: self.today,
        }
    }
}

/// Today (UTC), or the date of `SOURCE_DATE_EPOCH` when it is set (reproducible reports).
pub fn today() -> Date {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    Date::from_unix_seconds(seconds)
}

/// The register the command line names, if any.
pub fn load(
    explicit: Option<&Path>,
    config: Option<&Path>,
    disabled: bool,
) -> anyhow::Result<Option<Loaded>> {
    if disabled {
        return Ok(None);
    }
    let path = match (explicit, config) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(config)) => match named_by_config(config)? {
            Some(path) => path,
            None => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("--exceptions: cannot read {name}"))?;
    let today = today();
    let register = Register::from_text(&text, Syntax::for_file(&name, &text), &name, today)
        .map_err(|e| anyhow!("--exceptions: {e}"))?;
    Ok(Some(Loaded {
        register,
        today,
        path: name,
    }))
}

/// The configuration file's top-level `exceptions`, relative to the file's folder.
fn named_by_config(config: &Path) -> anyhow::Result<Option<PathBuf>> {
    let name = config.display().to_string();
    let text =
        std::fs::read_to_string(config).with_context(|| format!("--config: cannot read {name}"))?;
    let value = load_document(&text, Syntax::for_file(&name, &text))
        .map_err(|e| anyhow!("--config: {name}: {e}"))?;
    match value.get("exceptions") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(path)) => {
            let base = config.parent().unwrap_or(Path::new(""));
            Ok(Some(base.join(path)))
        }
        Some(other) => Err(anyhow!(
            "--config: {name}: exceptions must be the path of the exception register, found {other}"
        )),
    }
}
