//! `ecs-harden scan --fail-on high|medium|low` against the local AWS endpoint: for each level,
//! a scan exits 1 only when a NON_COMPLIANT result's control is of that severity or higher.
//! The results are the ones scan reports for a task definition and a cluster; each failing
//! control is scanned alone, so its catalogue severity alone decides the exit status.

use std::collections::BTreeMap;

use ecs_harden_core::catalogue::{self, Severity};
use ecs_harden_e2e::Moto;
use serde_json::{json, Value};

const LEVELS: [(&str, Severity); 3] = [
    ("low", Severity::Low),
    ("medium", Severity::Medium),
    ("high", Severity::High),
];

fn scan(moto: &Moto, args: &[&str]) -> (Option<i32>, String, String) {
    let output = moto
        .cli()
        .expect("the ecs-harden binary")
        .arg("scan")
        .args(args)
        .output()
        .expect("run ecs-harden scan");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn scan_fails_only_at_or_above_the_fail_on_level() {
    let moto = Moto::start().expect("start the local endpoint");
    moto.register_task_definition("fail-on-privileged", true)
        .expect("register a task definition");
    // A cluster without tags: ECS.14, of low severity.
    moto.ecs("CreateCluster", json!({"clusterName": "fail-on-untagged"}))
        .expect("create a cluster");

    let (code, stdout, stderr) = scan(&moto, &["--format", "json"]);
    assert_eq!(code, Some(1), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    // One failing control per severity.
    let mut by_severity: BTreeMap<Severity, String> = BTreeMap::new();
    for result in report["results"].as_array().expect("a results array") {
        if result["verdict"] != "NON_COMPLIANT" {
            continue;
        }
        let id = result["control"].as_str().expect("a control id");
        let control = catalogue::find(id).unwrap_or_else(|| panic!("{id} not in the catalogue"));
        by_severity
            .entry(control.severity)
            .or_insert_with(|| id.to_string());
    }
    assert_eq!(
        by_severity.len(),
        3,
        "the scanned resources fail controls of every severity: {by_severity:?}"
    );

    for (level, threshold) in LEVELS {
        for (severity, control) in &by_severity {
            let (code, stdout, stderr) = scan(
                &moto,
                &[
                    "--format",
                    "json",
                    "--controls",
                    control,
                    "--fail-on",
                    level,
                ],
            );
            let expected = if *severity >= threshold { 1 } else { 0 };
            assert_eq!(
                code,
                Some(expected),
                "scan --controls {control} ({severity:?}) --fail-on {level}: {stderr}"
            );
            let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
            assert!(
                report["results"].as_array().is_some_and(|results| results
                    .iter()
                    .any(|r| r["control"] == control.as_str() && r["verdict"] == "NON_COMPLIANT")),
                "--fail-on {level} dropped {control}'s NON_COMPLIANT result from the report"
            );
        }
    }
}
