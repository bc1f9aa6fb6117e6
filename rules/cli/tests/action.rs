//! The GitHub Action's check step, `scripts/action-check.sh`, run as action.yml runs it: the
//! inputs in `INPUT_*` variables, `ecs-harden` found on PATH (here the binary cargo built),
//! `GITHUB_OUTPUT` a file. Over the examples and the fixtures: a compliant file exits 0, a
//! non-compliant one 1 with the SARIF report written, bad input 2.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const SCRIPT: &str = "scripts/action-check.sh";
const COMPLIANT: &str = "tests/fixtures/equivalent/checkout-api-hardened/api.json";
const NON_COMPLIANT: &str = "examples/task-definitions/debug-shell.json";
/// NON_COMPLIANT only for low-severity controls.
const LOW_ONLY: &str = "examples/config/edge-staging-cluster.json";
const BROKEN: &str = "tests/fixtures/invalid/privileged-object.json";

/// One run of the script: its status, its log, and what it wrote to `GITHUB_OUTPUT`.
struct Step {
    output: Output,
    outputs: BTreeMap<String, String>,
    sarif: PathBuf,
}

impl Step {
    fn log(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }
}

/// A directory of its own for one test, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("action-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test's directory");
    dir
}

/// PATH with the directory of the `ecs-harden` cargo built first, or only an empty directory
/// (the script reaches nothing but bash's builtins before it finds `ecs-harden` missing).
fn path_variable(with_ecs_harden: bool, scratch: &Path) -> String {
    if with_ecs_harden {
        let binary = Path::new(env!("CARGO_BIN_EXE_ecs-harden"));
        let dir = binary.parent().expect("the binary is in a directory");
        format!("{}:/usr/bin:/bin", dir.display())
    } else {
        let empty = scratch.join("empty-bin");
        std::fs::create_dir_all(&empty).expect("create an empty directory");
        empty.display().to_string()
    }
}

/// bash, from this process's PATH.
fn bash() -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("bash"))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or_else(|| {
            panic!("bash is not on PATH: install bash, which the action's steps run in")
        })
}

fn run_step(name: &str, inputs: &[(&str, &str)], with_ecs_harden: bool) -> Step {
    let dir = scratch(name);
    let github_output = dir.join("github-output");
    let sarif = dir.join("ecs-harden.sarif");
    let mut command = Command::new(bash());
    command
        .current_dir(root())
        .arg(SCRIPT)
        .env_clear()
        .env("PATH", path_variable(with_ecs_harden, &dir))
        .env("NO_COLOR", "1")
        .env("GITHUB_OUTPUT", &github_output)
        .env("INPUT_SARIF_FILE", &sarif);
    for (name, value) in inputs {
        command.env(name, value);
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash ({e})"));
    let outputs = std::fs::read_to_string(&github_output)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Step {
        output,
        outputs,
        sarif,
    }
}

fn sarif_of(step: &Step) -> Value {
    let text = std::fs::read_to_string(&step.sarif)
        .unwrap_or_else(|e| panic!("no SARIF at {} ({e}): {}", step.sarif.display(), step.log()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("the SARIF report is not JSON: {e}"))
}

/// The NON_COMPLIANT results `ecs-harden check --format json` gives for `path`: (control, line).
fn non_compliant(path: &str) -> Vec<(String, u64)> {
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-harden"))
        .current_dir(root())
        .args(["check", "--format", "json", path])
        .output()
        .expect("run ecs-harden");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let mut found: Vec<(String, u64)> = report["results"]
        .as_array()
        .expect("a results array")
        .iter()
        .filter(|r| r["verdict"] == "NON_COMPLIANT")
        .map(|r| {
            (
                r["control"].as_str().unwrap_or_default().to_string(),
                r["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_compliant_file_exits_0_and_still_writes_the_report() {
    let step = run_step("compliant", &[("INPUT_PATH", COMPLIANT)], true);
    assert_eq!(step.output.status.code(), Some(0), "{}", step.log());
    assert_eq!(step.outputs["exit-code"], "0");
    assert_eq!(step.outputs["sarif-file"], step.sarif.display().to_string());
    let sarif = sarif_of(&step);
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn a_non_compliant_file_exits_1_with_every_result_in_the_sarif_report() {
    let step = run_step("non-compliant", &[("INPUT_PATH", NON_COMPLIANT)], true);
    assert_eq!(step.output.status.code(), Some(1), "{}", step.log());
    assert_eq!(step.outputs["exit-code"], "1");
    assert_eq!(step.outputs["sarif-file"], step.sarif.display().to_string());
    let sarif = sarif_of(&step);
    let mut in_sarif: Vec<(String, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .expect("SARIF results")
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or_default().to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap_or_default(),
            )
        })
        .collect();
    in_sarif.sort();
    let expected = non_compliant(NON_COMPLIANT);
    assert!(
        !expected.is_empty(),
        "{NON_COMPLIANT} has no NON_COMPLIANT result"
    );
    assert_eq!(in_sarif, expected);
    let log = step.log();
    assert!(
        log.contains("non-compliant") && log.contains("::error::"),
        "the log shows the failures as text and an error annotation: {log}"
    );
}

#[test]
fn fail_on_reaches_ecs_harden() {
    let low = run_step(
        "fail-on-low",
        &[("INPUT_PATH", LOW_ONLY), ("INPUT_FAIL_ON", "low")],
        true,
    );
    assert_eq!(low.output.status.code(), Some(1), "{}", low.log());
    let medium = run_step(
        "fail-on-medium",
        &[("INPUT_PATH", LOW_ONLY), ("INPUT_FAIL_ON", "medium")],
        true,
    );
    assert_eq!(medium.output.status.code(), Some(0), "{}", medium.log());
    assert_eq!(medium.outputs["exit-code"], "0");
    let results = &sarif_of(&medium)["runs"][0]["results"];
    assert!(
        results.as_array().is_some_and(|r| !r.is_empty()),
        "under --fail-on medium the report still lists the low results: {results}"
    );
}

#[test]
fn several_paths_in_one_input_are_all_checked() {
    let both = format!("{COMPLIANT}\n  {NON_COMPLIANT}\n");
    let step = run_step("several", &[("INPUT_PATH", &both)], true);
    assert_eq!(step.output.status.code(), Some(1), "{}", step.log());
    assert!(step.log().contains("2 files"), "{}", step.log());
}

#[test]
fn bad_input_exits_2() {
    let broken = run_step("broken", &[("INPUT_PATH", BROKEN)], true);
    assert_eq!(broken.output.status.code(), Some(2), "{}", broken.log());
    assert_eq!(broken.outputs["exit-code"], "2");
    let level = run_step(
        "bad-level",
        &[("INPUT_PATH", COMPLIANT), ("INPUT_FAIL_ON", "critical")],
        true,
    );
    assert_eq!(level.output.status.code(), Some(2), "{}", level.log());
    assert!(level.log().contains("critical"), "{}", level.log());
    let register = run_step(
        "missing-register",
        &[
            ("INPUT_PATH", COMPLIANT),
            ("INPUT_EXCEPTIONS", "no-such-register.yaml"),
        ],
        true,
    );
    assert_eq!(register.output.status.code(), Some(2), "{}", register.log());
    assert!(
        register.log().contains("no-such-register.yaml"),
        "{}",
        register.log()
    );
}

#[test]
fn without_ecs_harden_on_path_the_step_says_what_to_install() {
    let step = run_step("not-installed", &[("INPUT_PATH", COMPLIANT)], false);
    assert_eq!(step.output.status.code(), Some(2), "{}", step.log());
    assert_eq!(step.outputs["exit-code"], "2");
    assert_eq!(step.outputs["sarif-file"], "");
    assert!(
        step.log().contains("pip install ecs-harden"),
        "{}",
        step.log()
    );
}

#[test]
fn action_yml_runs_this_script_with_the_inputs_it_reads() {
    let action = std::fs::read_to_string(root().join("action.yml")).expect("read action.yml");
    let script = std::fs::read_to_string(root().join(SCRIPT)).expect("read the script");
    assert!(action.contains(&format!("$GITHUB_ACTION_PATH/{SCRIPT}")));
    for (variable, input) in [
        ("INPUT_PATH", "path"),
        ("INPUT_FAIL_ON", "fail-on"),
        ("INPUT_EXCEPTIONS", "exceptions"),
        ("INPUT_SARIF_FILE", "sarif-file"),
    ] {
        assert!(
            script.contains(variable),
            "{SCRIPT} does not read {variable}"
        );
        assert!(
            action.contains(&format!("{variable}: ${{{{ inputs.{input} }}}}")),
            "action.yml does not pass the input {input} as {variable}"
        );
    }
    for output in ["exit-code", "sarif-file"] {
        assert!(
            action.contains(&format!("steps.check.outputs.{output}")),
            "action.yml does not use the script's output {output}"
        );
    }
    assert!(action.contains("github/codeql-action/upload-sarif@v4"));
}
