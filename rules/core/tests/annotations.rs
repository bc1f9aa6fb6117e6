//! The annotation every NON_COMPLIANT case of the fixture corpus gets, one insta snapshot per
//! control (`snapshots/annotations__ECS_4.snap`): a change of wording shows up in review.
//! A control without a snapshot fails in CI (`CI=true`); write new ones locally with
//! `INSTA_UPDATE=always cargo test -p ecs-harden-core --test annotations` and review them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ecs_harden_core::verdict::MAX_ANNOTATION_CHARS;
use ecs_harden_core::{catalogue, Verdict};

mod support;
use serde_json::Value;

fn cases_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cases");
    assert!(
        dir.is_dir(),
        "the fixture corpus is missing: expected {}",
        dir.display()
    );
    dir
}

/// `file name → annotation` for every NON_COMPLIANT case of one control, sorted by file name.
fn annotations(control: &catalogue::Control) -> Vec<(String, String)> {
    let dir = cases_dir().join(control.id);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        if case["expected"] != "NON_COMPLIANT" {
            continue;
        }
        assert_eq!(case["control"], control.id, "{name}");
        let (_, outcome) =
            support::evaluate(control, &case).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(outcome.verdict, Verdict::NonCompliant, "{name}");
        let annotation = outcome
            .annotation
            .unwrap_or_else(|| panic!("{name}: no annotation"));

        // Quality, whatever the snapshot says: short enough, names the offenders, no secrets.
        assert!(!annotation.trim().is_empty(), "{name}: empty annotation");
        assert!(
            annotation.chars().count() <= MAX_ANNOTATION_CHARS,
            "{name}: {} characters",
            annotation.chars().count()
        );
        let lower = annotation.to_lowercase();
        for mention in case["annotationMentions"].as_array().into_iter().flatten() {
            let mention = mention.as_str().unwrap();
            assert!(
                lower.contains(&mention.to_lowercase()),
                "{name}: {annotation:?} does not name {mention:?}"
            );
        }
        for secret in case["annotationMustNotContain"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let secret = secret.as_str().unwrap();
            assert!(
                !lower.contains(&secret.to_lowercase()),
                "{name}: the annotation contains a secret value"
            );
        }
        out.push((name, annotation));
    }
    out
}

/// The snapshot name of a control: insta file names keep to `[A-Za-z0-9_-]`.
fn snapshot_name(id: &str) -> String {
    id.replace('.', "_")
}

#[test]
fn annotations_of_non_compliant_cases() {
    for control in catalogue::CATALOGUE {
        let cases = annotations(control);
        assert!(
            !cases.is_empty(),
            "{}: no NON_COMPLIANT case in the fixture corpus",
            control.id
        );
        let mut text = String::new();
        for (file, annotation) in &cases {
            writeln!(text, "{file}\n  → {annotation}").unwrap();
        }
        insta::assert_snapshot!(snapshot_name(control.id), text);
    }
}
