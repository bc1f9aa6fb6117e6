//! `evidence --bundle DIR`: the report in every format with what it was built from, and a
//! `MANIFEST.json` of every file's SHA-256 that `evidence verify DIR` recomputes.
//!
//! ```text
//! DIR/MANIFEST.json                       {"algorithm": "SHA-256", "files": [{path, sha256, bytes}]}
//! DIR/bundle.json                         tool and catalogue version, aggregator, frameworks,
//!                                         register source and date, deployed rule names
//! DIR/exceptions.json                     the exception register in force (schema's shape)
//! DIR/report.{md,html,csv,json}           the report
//! DIR/aggregator/config-rules.json        DescribeAggregateComplianceByConfigRules rows
//! DIR/aggregator/conformance-packs.json   DescribeAggregateComplianceByConformancePacks rows
//! DIR/aggregator/evaluation-results.json  GetAggregateComplianceDetailsByConfigRule results
//! DIR/organizations/accounts.json         ListAccounts entries of the report's accounts
//! ```
//!
//! Every file is written from sorted data with a final newline, so the same answers give the
//! same bytes. The manifest lists files sorted by path (`/`-separated), and not itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use ecs_harden_core::exceptions::Glob;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{html, render, Collected, Evidence};
use crate::exceptions::Loaded;

pub const MANIFEST: &str = "MANIFEST.json";
pub const REPORT_JSON: &str = "report.json";

/// Hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn pretty(value: &Value) -> String {
    let mut out = serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| json!({"error": format!("cannot serialize: {e}")}).to_string());
    out.push('\n');
    out
}

fn globs(globs: &[Glob]) -> Vec<&str> {
    globs.iter().map(Glob::as_str).collect()
}

/// The register in force, in the shape of `schemas/exceptions.schema.json`.
fn register_json(register: Option<&Loaded>) -> Value {
    let entries: Vec<Value> = register
        .map(|loaded| {
            loaded
                .register
                .entries()
                .iter()
                .map(|e| {
                    let mut entry = json!({
                        "id": e.id,
                        "controls": e.controls,
                        "resources": globs(&e.resources),
                        "reason": e.reason,
                        "owner": e.owner,
                        "approvedBy": e.approved_by,
                        "expires": e.expires.to_string(),
                    });
                    if !e.accounts.is_empty() {
                        entry["accounts"] = json!(globs(&e.accounts));
                    }
                    if !e.regions.is_empty() {
                        entry["regions"] = json!(globs(&e.regions));
                    }
                    if let Some(ticket) = &e.ticket {
                        entry["ticket"] = json!(ticket);
                    }
                    entry
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = json!({ "exceptions": entries });
    if let Some(loaded) = register {
        out["maxLifetimeDays"] = json!(loaded.register.max_lifetime_days());
    }
    out
}

/// The catalogue's version: the tool's, and the SHA-256 of `ecs-harden controls --format json`.
fn catalogue_version() -> Value {
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "sha256": sha256(pretty(&ecs_harden_core::export::catalogue_json()).as_bytes()),
    })
}

fn bundle_json(evidence: &Evidence, collected: &Collected, register: Option<&Loaded>) -> Value {
    let deployed: BTreeSet<(String, String, String, &str)> = collected
        .raw
        .config_rules
        .iter()
        .filter_map(|row| {
            let name = row["ConfigRuleName"].as_str()?;
            Some((
                name.to_string(),
                row["AccountId"].as_str()?.to_string(),
                row["AwsRegion"].as_str()?.to_string(),
                super::control_for_rule(name)?.id(),
            ))
        })
        .collect();
    json!({
        "generatedAt": evidence.generated_at,
        "ecsHarden": env!("CARGO_PKG_VERSION"),
        "catalogue": catalogue_version(),
        "aggregator": evidence.aggregator,
        "conformancePack": evidence.conformance_pack,
        "frameworks": evidence.frameworks.iter().map(|f| f.key).collect::<Vec<_>>(),
        "exceptions": register.map(|loaded| json!({
            "source": loaded.path,
            "judgedOn": loaded.today.to_string(),
        })),
        "deployedRules": deployed
            .iter()
            .map(|(name, account, region, control)| json!({
                "configRuleName": name,
                "control": control,
                "accountId": account,
                "awsRegion": region,
            }))
            .collect::<Vec<_>>(),
    })
}

/// Writes the bundle into `dir` (created; it must be new or empty) and returns the number of
/// files the manifest lists.
pub fn write(
    dir: &Path,
    evidence: &Evidence,
    collected: &Collected,
    register: Option<&Loaded>,
) -> anyhow::Result<usize> {
    let shown = dir.display();
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("--bundle {shown}: cannot read the folder"))?;
        if entries.next().is_some() {
            bail!("--bundle {shown}: the folder is not empty; give a new or empty folder");
        }
    }
    let raw = &collected.raw;
    let mut files: Vec<(&str, String)> = vec![
        ("report.md", render::markdown(evidence)),
        ("report.html", html::render(evidence)),
        ("report.csv", render::csv(evidence)),
        (REPORT_JSON, render::json(evidence)),
        (
            "bundle.json",
            pretty(&bundle_json(evidence, collected, register)),
        ),
        ("exceptions.json", pretty(&register_json(register))),
        (
            "aggregator/config-rules.json",
            pretty(&json!(raw.config_rules)),
        ),
        (
            "aggregator/evaluation-results.json",
            pretty(&json!(raw.evaluation_results)),
        ),
        ("organizations/accounts.json", pretty(&json!(raw.accounts))),
    ];
    if evidence.conformance_pack.is_some() {
        files.push((
            "aggregator/conformance-packs.json",
            pretty(&json!(raw.conformance_packs)),
        ));
    }
    for (name, text) in &files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("--bundle: cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text)
            .with_context(|| format!("--bundle: cannot write {}", path.display()))?;
    }
    let found = tree(dir).map_err(|problems| anyhow!("--bundle: {}", problems.join("; ")))?;
    let listed: Vec<Value> = found
        .iter()
        .map(|(name, bytes)| json!({"path": name, "sha256": sha256(bytes), "bytes": bytes.len()}))
        .collect();
    let manifest = json!({"algorithm": "SHA-256", "files": listed});
    std::fs::write(dir.join(MANIFEST), pretty(&manifest))
        .with_context(|| format!("--bundle: cannot write {}", dir.join(MANIFEST).display()))?;
    Ok(found.len())
}

/// Every file under `dir` but the manifest, by `/`-separated relative path, with its bytes.
/// Anything that is not a regular file or a folder (a symbolic link) is a problem.
fn tree(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    let mut pending: Vec<(PathBuf, String)> = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) => {
                problems.push(format!("{}: cannot read the folder: {e}", folder.display()));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    problems.push(format!("{}: cannot read the folder: {e}", folder.display()));
                    continue;
                }
            };
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let path = entry.path();
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => pending.push((path, format!("{name}/"))),
                Ok(meta) if meta.is_file() => {
                    if name == MANIFEST {
                        continue;
                    }
                    match std::fs::read(&path) {
                        Ok(bytes) => {
                            out.insert(name, bytes);
                        }
                        Err(e) => problems.push(format!("{name}: cannot read: {e}")),
                    }
                }
                Ok(_) => problems.push(format!(
                    "{name}: not a regular file (a symbolic link?); a bundle holds only files"
                )),
                Err(e) => problems.push(format!("{name}: {e}")),
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Recomputes the manifest of the bundle in `dir`: the number of files verified, or every
/// difference, each naming its file (changed, missing, not in the manifest).
pub fn verify(dir: &Path) -> Result<usize, Vec<String>> {
    let manifest_path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
        vec![format!(
            "{}: cannot read: {e} (is {} an evidence bundle?)",
            manifest_path.display(),
            dir.display()
        )]
    })?;
    let manifest: Value =
        serde_json::from_str(&text).map_err(|e| vec![format!("{MANIFEST}: not JSON: {e}")])?;
    if manifest["algorithm"] != "SHA-256" {
        return Err(vec![format!(
            "{MANIFEST}: algorithm {} is not SHA-256",
            manifest["algorithm"]
        )]);
    }
    let Some(listed) = manifest["files"].as_array() else {
        return Err(vec![format!("{MANIFEST}: files: expected a list")]);
    };
    let mut expected = BTreeMap::new();
    let mut problems = Vec::new();
    for (index, item) in listed.iter().enumerate() {
        match (item["path"].as_str(), item["sha256"].as_str()) {
            (Some(path), Some(digest)) => {
                expected.insert(path.to_string(), digest.to_string());
            }
            _ => problems.push(format!(
                "{MANIFEST}: files[{index}]: expected {{\"path\", \"sha256\"}}"
            )),
        }
    }
    let found = tree(dir)?;
    for (path, digest) in &expected {
        match found.get(path) {
            None => problems.push(format!("{path}: missing (listed in {MANIFEST})")),
            Some(bytes) if sha256(bytes) != *digest => problems.push(format!(
                "{path}: changed (SHA-256 {} is not {digest} as {MANIFEST} lists)",
                sha256(bytes)
            )),
            Some(_) => {}
        }
    }
    for path in found.keys().filter(|p| !expected.contains_key(*p)) {
        problems.push(format!("{path}: not listed in {MANIFEST} (an extra file)"));
    }
    if problems.is_empty() {
        Ok(expected.len())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_the_standard_digest() {
        // FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ecs-harden-bundle-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn verify_names_changed_missing_and_extra_files() {
        let dir = scratch("verify");
        let evidence = super::super::build(
            &Collected {
                aggregator: "org".into(),
                ..Collected::default()
            },
            &[ecs_harden_core::catalogue::Framework::PciDss4],
            None,
            "2026-11-20T06:00:00Z".into(),
        );
        let written = write(&dir, &evidence, &Collected::default(), None).expect("written");
        assert_eq!(verify(&dir), Ok(written));
        assert!(
            write(&dir, &evidence, &Collected::default(), None)
                .unwrap_err()
                .to_string()
                .contains("not empty"),
            "a bundle is never written over another"
        );

        let report = dir.join("report.md");
        let mut bytes = std::fs::read(&report).unwrap();
        bytes[0] ^= 0x01;
        std::fs::write(&report, &bytes).unwrap();
        std::fs::remove_file(dir.join("aggregator/config-rules.json")).unwrap();
        std::fs::write(dir.join("organizations/notes.txt"), "added later").unwrap();
        let problems = verify(&dir).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("aggregator/config-rules.json: missing"));
        assert!(problems[1].starts_with("report.md: changed"));
        assert!(problems[2].starts_with("organizations/notes.txt: not listed"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
