//! One parameter map, three surfaces, one verdict: for every fixture case that sets
//! parameters, the organization's map (a `--config` file for `ecs-harden check`, the
//! `ECS_HARDEN_PARAMETERS` environment variable for the gate, and `ruleParameters` in the AWS
//! Config rule's event, which the conformance pack's `InputParameters` become) gives the
//! case's expected verdict everywhere; and every parameterised control has a case where the
//! map changes the verdict.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use ecs_harden_core::catalogue::{self, CATALOGUE};
use ecs_harden_core::contract;
use ecs_harden_core::gate::{self, GateConfig};
use ecs_harden_core::parameter_map::ParameterMap;
use ecs_harden_core::runner::decode_event;
use ecs_harden_core::Verdict;
use serde_json::{json, Value};

// How the core fixture tests read a case: the resource judged and its related resources.
#[allow(dead_code)]
#[path = "../../core/tests/support/mod.rs"]
mod support;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cases")
}

/// Every case that sets parameters, sorted by path.
fn cases() -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(corpus()).expect("the case folder") {
        let dir = dir.expect("a folder entry").path();
        for file in std::fs::read_dir(&dir).expect("a control's folder") {
            let file = file.expect("a file entry").path();
            let text = std::fs::read_to_string(&file).expect("read a case");
            let case: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            if case["parameters"]
                .as_object()
                .is_some_and(|p| !p.is_empty())
            {
                out.push((file, case));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The verdict `ecs-harden check --config` gives.
fn cli_verdict(file: &Path, control: &str, config: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-harden"))
        .args([
            "check",
            "--format",
            "json",
            "--controls",
            control,
            "--config",
        ])
        .arg(config)
        .arg(file)
        .output()
        .expect("run ecs-harden");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    report["results"][0]["verdict"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no result: {report}", file.display()))
        .to_string()
}

#[test]
fn one_map_gives_the_same_verdict_in_check_the_gate_and_the_config_rule() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("parameters");
    std::fs::create_dir_all(&dir).expect("a folder for the maps");
    let mut changed_by_the_map: BTreeSet<&str> = BTreeSet::new();
    let mut checked = 0;
    for (file, case) in cases() {
        let name = file.display().to_string();
        let id = case["control"].as_str().expect("a control");
        let control = catalogue::find(id).expect("a catalogue control");
        let expected = case["expected"].as_str().expect("an expected verdict");
        let parameters = case["parameters"].clone();
        let mut map_object = serde_json::Map::new();
        map_object.insert(id.to_string(), parameters.clone());
        let map_object = Value::Object(map_object);

        // check: the map as a configuration file.
        let config = dir.join(format!("{checked}.yaml"));
        let document = json!({ "parameters": map_object });
        std::fs::write(&config, document.to_string()).expect("write the map");
        assert_eq!(cli_verdict(&file, id, &config), expected, "check: {name}");

        // The Config rule: the pack's InputParameters arrive as the event's ruleParameters.
        let invoking = json!({
            "messageType": "ScheduledNotification",
            "notificationCreationTime": "2026-12-01T00:00:00.000Z",
        });
        let event = json!({
            "invokingEvent": invoking.to_string(),
            "ruleParameters": parameters.to_string(),
            "resultToken": "token",
        });
        let rule_params = decode_event(&event)
            .expect("a rule event")
            .params(control)
            .expect("the pack's parameters");
        let (resource, rule_outcome) = support::evaluate_with(control, &case, &rule_params)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let rule_verdict = rule_outcome.verdict;
        assert_eq!(rule_verdict.as_str(), expected, "Config rule: {name}");

        // The gate: the same map in its environment variable (for the controls it can judge).
        if gate::can_gate(control) {
            let variable = contract::PARAMETERS.name;
            let map = ParameterMap::from_environment(Some(&map_object.to_string()), variable)
                .expect("the gate's map");
            let gate = GateConfig::new(Some("enforce"), Some(id), &map).expect("a gate");
            let fails = !gate.failures(&resource).is_empty();
            assert_eq!(fails, expected == "NON_COMPLIANT", "gate: {name}");
        }

        let default =
            support::evaluate_with(control, &case, &control.default_params().expect("defaults"))
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .1
                .verdict;
        if Some(default) != Verdict::parse(expected) {
            changed_by_the_map.insert(control.id);
        }
        checked += 1;
    }
    let parameterised: BTreeSet<&str> = CATALOGUE
        .iter()
        .filter(|c| !c.params.is_empty())
        .map(|c| c.id)
        .collect();
    let missing: Vec<_> = parameterised.difference(&changed_by_the_map).collect();
    assert!(
        missing.is_empty(),
        "parameterised controls without a case whose verdict the map changes: {missing:?}"
    );
    println!(
        "{checked} cases with parameters agree in check, the gate and the Config rule; {} parameterised controls changed by the map",
        changed_by_the_map.len()
    );
}
