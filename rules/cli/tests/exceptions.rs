//! `check --exceptions FILE`: accepted risk stays NON_COMPLIANT in every format, is marked with
//! the register entry, and does not fail the run; `--no-exceptions` judges strictly; the
//! `--config` file may name the register; SARIF suppressions validate against the OASIS
//! SARIF 2.1.0 schema.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

/// 2026-12-05T00:00:00Z: the date the register is judged on in these tests.
const TODAY_EPOCH: &str = "1796428800";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-harden"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", TODAY_EPOCH)
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

const REGISTER: &str = "\
exceptions:
  - id: EXC-12
    controls: [ECS.4]
    resources: [cadvisor]
    reason: cAdvisor reads the host's cgroups and devices
    owner: platform-team
    approvedBy: security-architecture
    expires: 2027-06-30
    ticket: SEC-1234
  - id: EXC-13
    controls: [ECS.5]
    resources: ['arn:aws:ecs:*:111122223333:task-definition/cadvisor:*']
    reason: cAdvisor writes its cache to the root filesystem
    owner: platform-team
    approvedBy: security-architecture
    expires: 2027-01-31
";

/// A folder with a privileged cAdvisor task definition (fails ECS.4 and ECS.5), an nginx one
/// that names an entry the register does not have, and registers.
fn workspace(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("input")).unwrap();
    let cadvisor = json!({
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:111122223333:task-definition/cadvisor:4",
        "family": "cadvisor", "revision": 4,
        "containerDefinitions": [{"name": "agent", "image": "gcr.io/cadvisor/cadvisor:v0.49.1", "privileged": true}],
    });
    std::fs::write(dir.join("input/cadvisor.json"), cadvisor.to_string()).unwrap();
    let nginx = json!({
        "taskDefinition": {
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:9",
            "family": "web", "revision": 9,
            "containerDefinitions": [{"name": "nginx", "image": "nginx:1.27", "readonlyRootFilesystem": true}],
        },
        "tags": [{"key": "ecs-harden:exception", "value": "EXC-99"}],
    });
    std::fs::write(dir.join("input/web.json"), nginx.to_string()).unwrap();
    std::fs::write(dir.join("exceptions.yaml"), REGISTER).unwrap();
    // Only the ECS.4 entry: ECS.5 stays failing.
    let only_ecs4: String = REGISTER.split("  - id: EXC-13").next().unwrap().to_string();
    std::fs::write(dir.join("ecs4-only.yaml"), only_ecs4).unwrap();
    dir
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn accepted_results_stay_non_compliant_and_the_exit_status_follows_the_rest() {
    let dir = workspace("exceptions-exit");
    let input = path(&dir, "input/cadvisor.json");
    let controls = ["--controls", "ECS.4,ECS.5"];
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "json"];
        args.extend(controls);
        args.extend(extra);
        args.push(&input);
        run(&args)
    };

    let all = check(&["--exceptions", &path(&dir, "exceptions.yaml")]);
    assert_eq!(
        all.status.code(),
        Some(0),
        "every NON_COMPLIANT result is accepted"
    );
    let report = json_of(&all);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for result in results {
        assert_eq!(result["verdict"], "NON_COMPLIANT", "{result}");
    }
    assert_eq!(
        results[0]["exception"],
        json!({"id": "EXC-12", "owner": "platform-team", "expires": "2027-06-30"})
    );
    assert_eq!(results[1]["exception"]["id"], "EXC-13");

    let partly = check(&["--exceptions", &path(&dir, "ecs4-only.yaml")]);
    assert_eq!(partly.status.code(), Some(1), "ECS.5 is not accepted");
    let report = json_of(&partly);
    assert_eq!(report["results"][0]["exception"]["id"], "EXC-12");
    assert!(report["results"][1].get("exception").is_none());

    let strict = check(&[
        "--exceptions",
        &path(&dir, "exceptions.yaml"),
        "--no-exceptions",
    ]);
    assert_eq!(strict.status.code(), Some(2), "the two flags conflict");
    let strict = check(&["--no-exceptions"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(json_of(&strict)["results"][0].get("exception").is_none());

    // --fail-on: an accepted High result never counts toward it.
    let high = check(&[
        "--exceptions",
        &path(&dir, "exceptions.yaml"),
        "--fail-on",
        "high",
    ]);
    assert_eq!(high.status.code(), Some(0));
    let high = check(&[
        "--exceptions",
        &path(&dir, "ecs4-only.yaml"),
        "--fail-on",
        "high",
    ]);
    assert_eq!(
        high.status.code(),
        Some(1),
        "ECS.5 is High and not accepted"
    );
}

#[test]
fn text_and_junit_say_accepted_with_the_entry() {
    let dir = workspace("exceptions-text");
    let register = path(&dir, "exceptions.yaml");
    let input = path(&dir, "input/cadvisor.json");
    let text = run(&[
        "check",
        "--controls",
        "ECS.4",
        "--exceptions",
        &register,
        &input,
    ]);
    assert_eq!(text.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("NON_COMPLIANT  High   accepted (EXC-12, until 2027-06-30) Privileged"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 non-compliant (1 accepted risk)"),
        "{stdout}"
    );

    let junit = run(&[
        "check",
        "--controls",
        "ECS.4",
        "--format",
        "junit",
        "--exceptions",
        &register,
        &input,
    ]);
    let xml = String::from_utf8(junit.stdout).unwrap();
    let document = roxmltree::Document::parse(&xml).unwrap();
    let skipped: Vec<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name("skipped"))
        .filter_map(|n| n.attribute("message"))
        .collect();
    assert_eq!(skipped.len(), 1, "{xml}");
    assert!(
        skipped[0].starts_with(
            "NON_COMPLIANT, accepted risk EXC-12 until 2027-06-30 (platform-team): cAdvisor reads"
        ),
        "{}",
        skipped[0]
    );
    assert_eq!(
        document
            .descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );
}

#[test]
fn the_config_file_names_the_register_and_problems_are_warnings_or_errors() {
    let dir = workspace("exceptions-config");
    std::fs::write(
        dir.join("ecs-harden.yaml"),
        "parameters: {}\nexceptions: exceptions.yaml\n",
    )
    .unwrap();
    let config = path(&dir, "ecs-harden.yaml");
    let input = path(&dir, "input");
    let output = run(&[
        "check",
        "--controls",
        "ECS.4,ECS.5",
        "--format",
        "json",
        "--config",
        &config,
        &input,
    ]);
    let report = json_of(&output);
    let accepted: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["exception"]["id"].as_str())
        .collect();
    assert_eq!(
        accepted,
        ["EXC-12", "EXC-13"],
        "the config file's register is used"
    );
    let warnings: Vec<String> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        warnings.contains(
            &"tag ecs-harden:exception names EXC-99, which is not in the exception register: it has no effect"
                .to_string()
        ),
        "{warnings:?}"
    );
    assert_eq!(output.status.code(), Some(0), "web passes ECS.4 and ECS.5");

    // A glob that matches none of the input's resources is a warning naming the register.
    let output = run(&[
        "check",
        "--controls",
        "ECS.4",
        "--format",
        "json",
        "--config",
        &config,
        &path(&dir, "input/web.json"),
    ]);
    let report = json_of(&output);
    let unmatched: Vec<&Value> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| {
            w["message"]
                .as_str()
                .unwrap()
                .contains("matches no resource")
        })
        .collect();
    assert_eq!(unmatched.len(), 2, "{report}");
    assert!(unmatched[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("exceptions.yaml"));
    assert_eq!(
        unmatched[0]["message"],
        "EXC-12: resources \"cadvisor\" matches no resource of the input"
    );

    // An invalid register is a usage error naming the entry and the field.
    std::fs::write(
        dir.join("too-long.yaml"),
        REGISTER.replace("expires: 2027-06-30", "expires: 2028-06-30"),
    )
    .unwrap();
    let output = run(&[
        "check",
        "--exceptions",
        &path(&dir, "too-long.yaml"),
        &input,
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("exceptions[0] (EXC-12).expires: 2028-06-30 is more than 365 days after today (2026-12-05)"),
        "{stderr}"
    );
}

#[test]
fn sarif_suppressions_validate_against_the_oasis_schema() {
    let dir = workspace("exceptions-sarif");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        schema["id"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "the OASIS SARIF 2.1.0 (errata 01) schema"
    );
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let output = run(&[
        "check",
        "--controls",
        "ECS.4,ECS.5",
        "--format",
        "sarif",
        "--exceptions",
        &path(&dir, "ecs4-only.yaml"),
        &path(&dir, "input/cadvisor.json"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let log = json_of(&output);
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "accepted results stay results");
    assert_eq!(
        results[0]["suppressions"],
        json!([{
            "kind": "external",
            "status": "accepted",
            "justification": "cAdvisor reads the host's cgroups and devices",
            "properties": {"exceptionId": "EXC-12", "owner": "platform-team", "expires": "2027-06-30"},
        }])
    );
    assert!(results[1].get("suppressions").is_none());
    // A suppression the schema does not know is refused: the validator is really checking.
    let mut wrong = log.clone();
    wrong["runs"][0]["results"][0]["suppressions"][0]["state"] = json!("accepted");
    assert!(!validator.is_valid(&wrong));
}
