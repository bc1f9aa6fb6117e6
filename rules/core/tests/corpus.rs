//! The fixture corpus is the project's own (`tests/fixtures`): its MANIFEST.json lists every case,
//! and, when the shared contract corpus (`../shared/fixtures`) sits beside the checkout, every
//! file of it is present here unchanged. Without that folder the cross-check says it did not
//! run; the rest of the suite never reads it.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn files_under(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, base, out);
        } else if let Ok(relative) = path.strip_prefix(base) {
            out.push(relative.to_path_buf());
        }
    }
}

/// The manifest as `regenerate` below would write it: one row per case, sorted by path.
fn manifest() -> Value {
    let root = corpus();
    let mut files = Vec::new();
    files_under(&root.join("cases"), &root, &mut files);
    files.retain(|f| f.extension().is_some_and(|e| e == "json"));
    let mut rows: Vec<(String, Value)> = files
        .iter()
        .map(|relative| {
            let path = relative.to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(root.join(relative))
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            let case: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
            let row = json!({
                "path": path,
                "control": case["control"],
                "resourceType": case["resourceType"],
                "shape": case["shape"],
                "expected": case["expected"],
            });
            (path, row)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Array(rows.into_iter().map(|(_, row)| row).collect())
}

#[test]
fn the_manifest_lists_every_case() {
    let path = corpus().join("MANIFEST.json");
    let wanted = manifest();
    if std::env::var_os("UPDATE_MANIFEST").is_some() {
        let mut text = String::from("[\n");
        let rows = wanted.as_array().expect("an array");
        for (i, row) in rows.iter().enumerate() {
            text.push_str("  ");
            text.push_str(&row.to_string());
            text.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
        }
        text.push_str("]\n");
        std::fs::write(&path, text).expect("write MANIFEST.json");
        panic!(
            "UPDATE_MANIFEST is set: {} rewritten; review it and run again without the variable",
            path.display()
        );
    }
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        committed == wanted,
        "{} is stale: run `UPDATE_MANIFEST=1 cargo test -p ecs-harden-core --test corpus` once and review the diff",
        path.display()
    );
}

#[test]
fn the_shared_contract_corpus_is_contained_unchanged() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if !shared.is_dir() {
        say(&format!(
            "cross-check against ../shared/fixtures: not run ({} does not exist); the project's own corpus is tested in full",
            shared.display()
        ));
        return;
    }
    let mut files = Vec::new();
    for part in ["cases", "invalid", "events"] {
        files_under(&shared.join(part), &shared, &mut files);
    }
    files.sort();
    let mut missing = Vec::new();
    let mut different = Vec::new();
    for relative in &files {
        let theirs = std::fs::read(shared.join(relative)).expect("read a shared fixture");
        match std::fs::read(corpus().join(relative)) {
            Ok(ours) if ours == theirs => {}
            Ok(_) => different.push(relative.display().to_string()),
            Err(_) => missing.push(relative.display().to_string()),
        }
    }
    say(&format!(
        "cross-check against ../shared/fixtures: {} files, {} missing here, {} different",
        files.len(),
        missing.len(),
        different.len()
    ));
    assert!(
        missing.is_empty() && different.is_empty(),
        "the contract corpus in ../shared/fixtures changed: copy it into tests/fixtures and make the suite pass\nmissing: {missing:?}\ndifferent: {different:?}"
    );
    assert!(files.len() > 300, "only {} shared files found", files.len());
}

/// Prints a line of the cross-check's outcome, and leaves it for `cargo xtask test` to show
/// after the test run (test output is captured).
fn say(line: &str) {
    println!("{line}");
    let _ = std::fs::write(
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("shared-cross-check.txt"),
        format!("{line}\n"),
    );
}
