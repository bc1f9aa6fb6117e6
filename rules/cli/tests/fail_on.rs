//! `--fail-on high|medium|low`: a run exits 1 only for NON_COMPLIANT results whose control,
//! by the catalogue's severity, is at or above the level; the report still lists every result,
//! and an unreadable file still exits 2.
//!
//! The cases are fixture files from the corpus, one NON_COMPLIANT case per severity, chosen by
//! the severity `ecs-harden controls --format json` gives their control.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-harden"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run ecs-harden")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The severities, lowest first, as `--fail-on` and the catalogue name them.
const LEVELS: [(&str, &str); 3] = [("low", "Low"), ("medium", "Medium"), ("high", "High")];

fn rank(severity: &str) -> usize {
    LEVELS
        .iter()
        .position(|(_, name)| *name == severity)
        .unwrap_or_else(|| panic!("the catalogue has a severity {severity:?} --fail-on lacks"))
}

/// A NON_COMPLIANT fixture case of the given severity: (control, path from the root).
struct Case {
    control: String,
    path: String,
}

/// For each severity, the first NON_COMPLIANT case in the ECS API shape, with default
/// parameters, whose control the catalogue grades so.
fn cases_by_severity() -> BTreeMap<String, Case> {
    let catalogue = json_of(&run(&["controls", "--format", "json"]));
    let severity: BTreeMap<&str, &str> = catalogue["controls"]
        .as_array()
        .expect("controls --format json has a controls array")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("a control id"),
                c["severity"].as_str().expect("a control severity"),
            )
        })
        .collect();
    let fixtures = root().join("tests/fixtures");
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join("MANIFEST.json")).expect("read MANIFEST.json"),
    )
    .expect("MANIFEST.json is JSON");
    let mut cases = BTreeMap::new();
    for entry in manifest.as_array().expect("MANIFEST.json is an array") {
        let control = entry["control"].as_str().expect("a case's control");
        let path = entry["path"].as_str().expect("a case's path");
        if entry["expected"] != "NON_COMPLIANT" || entry["shape"] != "api" {
            continue;
        }
        let case: Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures.join(path)).expect("read a case file"),
        )
        .expect("a case file is JSON");
        if case["parameters"]
            .as_object()
            .is_some_and(|p| !p.is_empty())
        {
            continue;
        }
        let grade = severity
            .get(control)
            .unwrap_or_else(|| panic!("MANIFEST.json names {control}, not in the catalogue"));
        cases.entry(grade.to_string()).or_insert_with(|| Case {
            control: control.to_string(),
            path: format!("tests/fixtures/{path}"),
        });
    }
    for (_, name) in LEVELS {
        assert!(
            cases.contains_key(name),
            "no NON_COMPLIANT api case with default parameters for a {name} control"
        );
    }
    cases
}

/// Runs each severity's case alone with `--fail-on level` and checks the exit status and that
/// the JSON report still holds the NON_COMPLIANT result.
fn check_level(level: &str) {
    let threshold = LEVELS
        .iter()
        .position(|(name, _)| *name == level)
        .unwrap_or_else(|| panic!("no level {level:?}"));
    for (severity, case) in cases_by_severity() {
        let output = run(&[
            "check",
            "--format",
            "json",
            "--fail-on",
            level,
            "--controls",
            &case.control,
            &case.path,
        ]);
        let expected = if rank(&severity) >= threshold { 1 } else { 0 };
        assert_eq!(
            output.status.code(),
            Some(expected),
            "--fail-on {level} over {} ({}, {severity}): {}",
            case.path,
            case.control,
            String::from_utf8_lossy(&output.stderr)
        );
        let report = json_of(&output);
        let results = report["results"].as_array().expect("a results array");
        assert!(
            results
                .iter()
                .any(|r| r["control"] == case.control.as_str() && r["verdict"] == "NON_COMPLIANT"),
            "--fail-on {level} dropped the NON_COMPLIANT result of {} from the report: {results:#?}",
            case.path
        );
    }
}

#[test]
fn fail_on_low_fails_for_every_severity() {
    check_level("low");
}

#[test]
fn fail_on_medium_fails_for_medium_and_high_only() {
    check_level("medium");
}

#[test]
fn fail_on_high_fails_for_high_only() {
    check_level("high");
}

#[test]
fn without_fail_on_any_non_compliant_result_fails() {
    for (severity, case) in cases_by_severity() {
        let output = run(&["check", "--controls", &case.control, &case.path]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{} ({severity}) without --fail-on",
            case.path
        );
    }
}

#[test]
fn several_files_fail_on_the_most_severe_result() {
    let cases = cases_by_severity();
    let controls = cases
        .values()
        .map(|c| c.control.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let low_and_medium = [&cases["Low"].path, &cases["Medium"].path];
    let mut args = vec!["check", "--fail-on", "high", "--controls", &controls];
    args.extend(low_and_medium.iter().map(|p| p.as_str()));
    assert_eq!(
        run(&args).status.code(),
        Some(0),
        "low and medium under high"
    );
    args.push(&cases["High"].path);
    assert_eq!(run(&args).status.code(), Some(1), "with a high result");
}

#[test]
fn an_unreadable_file_exits_2_whatever_the_level() {
    let cases = cases_by_severity();
    let broken = "tests/fixtures/invalid/privileged-object.json";
    let output = run(&["check", "--fail-on", "high", &cases["Low"].path, broken]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn scan_takes_fail_on_too_and_an_unknown_level_is_a_usage_error() {
    let help = run(&["scan", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("--fail-on") && text.contains("low, medium, high"),
        "{text}"
    );
    let bad = run(&["check", "--fail-on", "critical", "examples"]);
    assert_eq!(bad.status.code(), Some(2));
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(
        message.contains("critical") && message.contains("high"),
        "{message}"
    );
}
