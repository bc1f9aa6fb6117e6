//! The `ecs-harden` binary, end to end: exit codes, every output format, bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> PathBuf {
    let dir = root().join("tests/fixtures");
    assert!(dir.is_dir(), "fixture corpus missing at {}", dir.display());
    dir
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
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn exit_codes_follow_the_contract() {
    let cases = corpus().join("cases");
    let compliant = path_str(&cases.join("ECS.4/api-privileged-false.json"));
    let failing = path_str(&cases.join("ECS.4/api-privileged-true.json"));
    let broken = path_str(&corpus().join("invalid/privileged-object.json"));
    assert_eq!(
        run(&["check", "--controls", "ECS.4", &compliant])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["check", "--controls", "ECS.4", &failing])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(run(&["check", &failing, &broken]).status.code(), Some(2));
    assert_eq!(
        run(&["check", "--controls", "NOPE.1", &compliant])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["check", "--param", "ECS.13.nope=1", &compliant])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(run(&["check"]).status.code(), Some(2));
    assert_eq!(
        run(&["check", "does/not/exist.json"]).status.code(),
        Some(2)
    );
}

#[test]
fn invalid_files_are_reported_and_everything_else_still_evaluated() {
    // Named on the command line, every broken file is an error (a walk would skip the two that
    // show no sign of ECS content: see tests/repository.rs).
    let mut named: Vec<String> = std::fs::read_dir(corpus().join("invalid"))
        .unwrap()
        .map(|e| path_str(&e.unwrap().path()))
        .filter(|p| p.ends_with(".json"))
        .collect();
    named.sort();
    let cases = path_str(&corpus().join("cases"));
    let mut args = vec!["check", "--format", "json", cases.as_str()];
    args.extend(named.iter().map(String::as_str));
    let output = run(&args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_of(&output);
    let errors = report["errors"].as_array().unwrap();
    let invalid: Vec<_> = std::fs::read_dir(corpus().join("invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(errors.len(), invalid.len(), "{errors:#?}");
    for name in &invalid {
        let error = errors
            .iter()
            .find(|e| e["path"].as_str().unwrap().ends_with(name.as_str()))
            .unwrap_or_else(|| panic!("no error for {name}"));
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    let expected_paths = [
        (
            "privileged-object.json",
            "$.containerDefinitions[1].privileged",
        ),
        (
            "container-definitions-string.json",
            "$.containerDefinitions",
        ),
        ("cfn-properties-string.json", "$.Properties"),
        ("top-level-array.json", "$:"),
        ("not-json.json", "line 1, column 1"),
        ("truncated.json", "line 16"),
    ];
    for (name, fragment) in expected_paths {
        let error = errors
            .iter()
            .find(|e| e["path"].as_str().unwrap().ends_with(name))
            .unwrap();
        assert!(
            error["message"].as_str().unwrap().contains(fragment),
            "{name}: {error}"
        );
    }
    let results = report["results"].as_array().unwrap();
    let case_files = std::fs::read_dir(corpus().join("cases"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .count();
    let files_with_results: std::collections::BTreeSet<_> = results
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(files_with_results.len(), case_files);
    for result in results {
        for key in [
            "path",
            "resourceType",
            "resourceId",
            "control",
            "verdict",
            "annotation",
        ] {
            assert!(result.get(key).is_some(), "{key} missing in {result}");
        }
    }
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let not_sarif = serde_json::json!({"version": "2.0.0", "runs": []});
    assert!(
        !validator.is_valid(&not_sarif),
        "the validator must reject a wrong version"
    );
    for args in [
        vec!["check", "--format", "sarif", "examples"],
        vec![
            "check",
            "--format",
            "sarif",
            "examples",
            "tests/fixtures/invalid",
        ],
    ] {
        let output = run(&args);
        let log = json_of(&output);
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "SARIF invalid for {args:?}:\n{}",
            errors.join("\n")
        );
        let run0 = &log["runs"][0];
        assert_eq!(log["version"], "2.1.0");
        assert!(!run0["results"].as_array().unwrap().is_empty());
        let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
        for result in run0["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }
    }
    // A parse error shows up as a failed invocation with a notification naming the file.
    let output = run(&[
        "check",
        "--format",
        "sarif",
        "tests/fixtures/invalid/truncated.json",
    ]);
    let log = json_of(&output);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(
        invocation["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("truncated.json")
    );
}

/// Parses JUnit XML, failing with the document when it is not well-formed.
fn junit(output: &Output) -> String {
    let xml = String::from_utf8(output.stdout.clone()).expect("JUnit output is UTF-8");
    if let Err(e) = roxmltree::Document::parse(&xml) {
        panic!("the JUnit output is not well-formed XML ({e}):\n{xml}");
    }
    xml
}

/// `tests`, `failures`, `errors`, `skipped` of a `<testsuites>` or `<testsuite>` element.
fn junit_counts(node: roxmltree::Node<'_, '_>) -> [usize; 4] {
    ["tests", "failures", "errors", "skipped"].map(|name| {
        let value = node
            .attribute(name)
            .unwrap_or_else(|| panic!("<{}> has no {name} attribute", node.tag_name().name()));
        value
            .parse()
            .unwrap_or_else(|e| panic!("{name}={value:?} is not a count: {e}"))
    })
}

fn children<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    tag: &str,
) -> Vec<roxmltree::Node<'a, 'input>> {
    node.children().filter(|n| n.has_tag_name(tag)).collect()
}

#[test]
fn junit_output_counts_failures_and_skips() {
    let file = path_str(&corpus().join("cases/ECS.4/api-privileged-true.json"));
    let output = run(&[
        "check",
        "--format",
        "junit",
        "--controls",
        "ECS.4,ECS.21",
        &file,
    ]);
    assert_eq!(output.status.code(), Some(1), "ECS.4 fails");
    let xml = junit(&output);
    let document = roxmltree::Document::parse(&xml).unwrap();
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("name"), Some("ecs-harden"));
    assert_eq!(
        junit_counts(root),
        [2, 1, 0, 1],
        "tests, failures, errors, skipped"
    );

    let suites = children(root, "testsuite");
    assert_eq!(suites.len(), 1, "one suite per file");
    assert_eq!(suites[0].attribute("name"), Some(file.as_str()));
    assert_eq!(junit_counts(suites[0]), [2, 1, 0, 1]);
    let cases = children(suites[0], "testcase");
    assert_eq!(cases.len(), 2, "one case per resource and control");
    let case = |id: &str| {
        cases
            .iter()
            .find(|c| {
                c.attribute("name")
                    .is_some_and(|n| n.starts_with(&format!("{id} ")))
            })
            .unwrap_or_else(|| panic!("no test case for {id}:\n{xml}"))
    };

    let failures = children(*case("ECS.4"), "failure");
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].attribute("type"), Some("NON_COMPLIANT"));
    let message = failures[0].attribute("message").unwrap_or_default();
    assert!(
        message.starts_with("Privileged containers: cadvisor"),
        "{message}"
    );

    let skipped = children(*case("ECS.21"), "skipped");
    assert_eq!(skipped.len(), 1, "ECS.21 does not apply to a Linux task");
    assert!(skipped[0]
        .attribute("message")
        .is_some_and(|m| m.starts_with("NOT_APPLICABLE")));
    assert!(children(*case("ECS.21"), "failure").is_empty());
}

#[test]
fn junit_output_agrees_with_json_over_the_whole_corpus() {
    let args = |format: &'static str| {
        [
            "check".to_string(),
            "--format".into(),
            format.into(),
            path_str(&corpus().join("cases")),
            path_str(&corpus().join("invalid")),
        ]
    };
    let json_args = args("json");
    let report = json_of(&run(&json_args.each_ref().map(String::as_str)));
    let results = report["results"].as_array().unwrap();
    let verdicts = |verdict: &str| results.iter().filter(|r| r["verdict"] == verdict).count();
    let errors = report["errors"].as_array().unwrap().len();
    assert!(errors > 0, "the invalid inputs are errors");

    let junit_args = args("junit");
    let xml = junit(&run(&junit_args.each_ref().map(String::as_str)));
    let document = roxmltree::Document::parse(&xml).unwrap();
    let root = document.root_element();
    assert_eq!(
        junit_counts(root),
        [
            results.len() + errors,
            verdicts("NON_COMPLIANT"),
            errors,
            verdicts("NOT_APPLICABLE"),
        ],
        "tests, failures, errors, skipped: JUnit against the JSON report"
    );
    let mut summed = [0; 4];
    for suite in children(root, "testsuite") {
        let counts = junit_counts(suite);
        assert_eq!(
            counts[0],
            children(suite, "testcase").len(),
            "{:?}: tests",
            suite.attribute("name")
        );
        for (total, count) in summed.iter_mut().zip(counts) {
            *total += count;
        }
    }
    assert_eq!(summed, junit_counts(root), "the suites add up to the total");
}

#[test]
fn junit_output_stays_well_formed_with_markup_and_control_characters() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("junit-markup");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a&b <c> 'd' \"e\".json");
    let container = "db<&>\"'\u{1}\u{1b}x";
    let document = serde_json::json!({
        "family": "markup",
        "containerDefinitions": [{"name": container, "image": "busybox:1.36", "privileged": true}],
    });
    std::fs::write(&file, document.to_string()).unwrap();
    let output = run(&[
        "check",
        "--format",
        "junit",
        "--controls",
        "ECS.4",
        &path_str(&file),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let xml = junit(&output);
    let parsed = roxmltree::Document::parse(&xml).unwrap();
    let suite = children(parsed.root_element(), "testsuite")[0];
    assert_eq!(suite.attribute("name"), Some(path_str(&file).as_str()));
    let case = children(suite, "testcase")[0];
    let message = children(case, "failure")[0]
        .attribute("message")
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("db<&>\"'x"),
        "markup kept, control characters dropped: {message}"
    );
}

#[test]
fn text_output_groups_by_file_and_ends_with_a_summary() {
    let output = run(&["check", "examples"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains('\x1b'), "no colour when not on a terminal");
    assert!(
        text.contains("examples/task-definitions/debug-shell.json\n"),
        "{text}"
    );
    assert!(text.contains("✗ ECS.4"), "{text}");
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("4 files, 6 resources, 33 controls:"),
        "{last}"
    );
    let coloured = run(&["check", "--color", "always", "examples"]);
    assert!(String::from_utf8(coloured.stdout)
        .unwrap()
        .contains("\x1b[31m"));
}

#[test]
fn controls_and_params_select_what_runs() {
    let file = path_str(&corpus().join("cases/ECS.13/api-required-key-missing.json"));
    let only = json_of(&run(&[
        "check",
        "--format",
        "json",
        "--controls",
        "ECS.13",
        &file,
    ]));
    let results = only["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["verdict"], "COMPLIANT");
    let required = json_of(&run(&[
        "check",
        "--format",
        "json",
        "--controls",
        "ECS.13",
        "--param",
        "ECS.13.requiredTagKeys=team,env",
        &file,
    ]));
    let result = &required["results"][0];
    assert_eq!(result["verdict"], "NON_COMPLIANT");
    assert!(result["annotation"].as_str().unwrap().contains("env"));
    let too_many = run(&[
        "check",
        "--param",
        "ECS.13.requiredTagKeys=a,b,c,d,e,f,g",
        &file,
    ]);
    assert_eq!(too_many.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&too_many.stderr).contains("at most 6"));
}

#[test]
fn yaml_templates_with_short_form_intrinsics_are_checked() {
    let report = json_of(&run(&[
        "check",
        "--format",
        "json",
        "examples/cloudformation/storefront.yaml",
    ]));
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    let verdict = |id: &str, control: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resourceId"] == id && r["control"] == control)
            .map(|r| r["verdict"].as_str().unwrap().to_string())
    };
    // ClusterSettings value is `!Ref EnableInsights`: unknown, never a failure.
    assert_eq!(verdict("Cluster", "ECS.12").as_deref(), Some("COMPLIANT"));
    assert_eq!(
        verdict("WebService", "ECS.2").as_deref(),
        Some("NON_COMPLIANT")
    );
    // `!Sub ${AWS::AccountId}.dkr.ecr.${AWS::Region}…` is the account's own registry; nginx is not.
    let harden5 = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resourceId"] == "WebTaskDefinition" && r["control"] == "HARDEN.5")
        .unwrap();
    let annotation = harden5["annotation"].as_str().unwrap();
    assert!(
        annotation.contains("nginx") && !annotation.contains("web ("),
        "{annotation}"
    );
    // The IAM role is not an ECS resource and is skipped.
    assert!(verdict("TaskRole", "ECS.4").is_none());
}

#[test]
fn the_controls_command_lists_the_catalogue() {
    let json = json_of(&run(&["controls", "--format", "json"]));
    assert_eq!(
        json["controls"].as_array().unwrap().len(),
        ecs_harden_core_count()
    );
    let text = String::from_utf8(run(&["controls"]).stdout).unwrap();
    assert!(text.contains("ecs-harden-no-environment-secrets"));
}

#[test]
fn the_controls_command_marks_aws_managed_rules_in_every_format() {
    let json = json_of(&run(&["controls", "--format", "json"]));
    let managed = json["managed"].as_array().expect("a managed list");
    let ids: Vec<&str> = managed.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ECR.1", "ECR.2", "GuardDuty.12"]);
    assert!(managed.iter().all(|m| m["source"] == "AWS managed"));
    let text = String::from_utf8(run(&["controls"]).stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("ECR.2 "))
        .expect("ECR.2 in the text listing");
    assert!(
        line.contains("(AWS managed ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED)"),
        "{line}"
    );
    let markdown = String::from_utf8(run(&["controls", "--format", "markdown"]).stdout).unwrap();
    assert!(
        markdown.contains("| GuardDuty.12 (AWS managed) |"),
        "{markdown}"
    );
    // check and scan do not judge them, and say so.
    let refused = run(&["check", "--controls", "ECR.1", "examples"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("AWS Config evaluates it"));
}

fn ecs_harden_core_count() -> usize {
    // 17 Security Hub controls and 16 of our own (HARDEN.1–16).
    33
}

#[test]
fn secrets_never_reach_any_output() {
    let secrets = [
        "AKIAEXAMPLEEXAMPLE00",
        "ghp_ExampleOnlyNotARealToken0000000000",
    ];
    for format in ["text", "json", "sarif", "junit"] {
        let output = run(&[
            "check",
            "--all",
            "--format",
            format,
            "examples/task-definitions/debug-shell.json",
        ]);
        let text = String::from_utf8_lossy(&output.stdout);
        for secret in secrets {
            assert!(!text.contains(secret), "{format} output contains a secret");
        }
    }
}

#[test]
fn config_rule_events_and_history_responses_are_checked_offline() {
    let events = corpus().join("events");
    let report = json_of(&run(&[
        "check",
        "--format",
        "json",
        "--controls",
        "ECS.5,ECS.8",
        &path_str(&events.join("config-change-notification.json")),
        &path_str(&events.join("config-oversized-history-response.json")),
        &path_str(&events.join("cfn-hook-request.json")),
    ]));
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    let failing: Vec<(String, String)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] == "NON_COMPLIANT")
        .map(|r| {
            (
                r["control"].as_str().unwrap().to_string(),
                r["annotation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(failing.len(), 3, "{failing:?}");
    assert!(failing
        .iter()
        .any(|(c, a)| c == "ECS.8" && a.contains("report-builder")));
    assert!(failing
        .iter()
        .any(|(c, a)| c == "ECS.5" && a.contains("log_router")));
    assert!(failing
        .iter()
        .any(|(c, a)| c == "ECS.5" && a.contains("nginx")));
    assert!(!report.to_string().contains("AKIAQX4EXAMPLE7Z2H5N"));
}
