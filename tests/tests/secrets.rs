//! No secret value from a task definition's environment ever reaches an output: for every
//! fixture of the corpus whose environment carries a secret-looking
//! literal, neither `ecs-harden check` (text, json, sarif, junit, with the case's parameters),
//! nor the Config rule Lambdas (their log lines, their replies, the annotations they send to
//! Config), nor the gate's Hook answers and logs contain it.
//!
//! "Secret-looking": a non-empty literal whose variable name matches HARDEN.9's default
//! `secretNamePattern` or is one of ECS.8's default `secretKeys` (both read from the catalogue),
//! and every value a case lists in `annotationMustNotContain` that is not a variable name.
//!
//! Every case must be read: a fixture that fails to parse (an error in `check`'s report, an
//! invocation error from a Lambda) fails the test instead of counting as "leaks nothing".

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use ecs_harden_core::{catalogue, CATALOGUE};
use ecs_harden_e2e::*;
use serde_json::{json, Value};

struct SecretCase {
    path: PathBuf,
    shape: String,
    /// The case's rule parameters (Config's strings).
    parameters: BTreeMap<String, String>,
    control: String,
    resource: Value,
    secrets: BTreeSet<String>,
}

fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            case_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Every (name, literal value) of an environment list anywhere in the document; the value is
/// empty when it is not a literal (an intrinsic function).
fn environment(value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                if key.eq_ignore_ascii_case("environment") {
                    for entry in item.as_array().into_iter().flatten() {
                        let field = |k: &str| {
                            entry.as_object().and_then(|o| {
                                o.iter()
                                    .find(|(n, _)| n.eq_ignore_ascii_case(k))
                                    .and_then(|(_, v)| v.as_str())
                            })
                        };
                        if let Some(name) = field("name") {
                            let value = field("value").unwrap_or_default();
                            out.push((name.to_string(), value.to_string()));
                        }
                    }
                }
                environment(item, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| environment(i, out)),
        // Config history items and select rows carry the configuration as a JSON string.
        Value::String(text) if text.trim_start().starts_with('{') => {
            if let Ok(inner) = serde_json::from_str::<Value>(text) {
                environment(&inner, out);
            }
        }
        _ => {}
    }
}

/// The catalogue's defaults: HARDEN.9's `secretNamePattern` and ECS.8's `secretKeys`.
fn secret_name_rules() -> (regex::Regex, Vec<String>) {
    let defaults = |id: &str| {
        catalogue::find(id)
            .unwrap_or_else(|| panic!("{id} is not in the catalogue"))
            .default_params()
            .unwrap_or_else(|e| panic!("{id}'s default parameters: {e}"))
    };
    let pattern = defaults("HARDEN.9")
        .regex("secretNamePattern")
        .cloned()
        .expect("HARDEN.9 has a default secretNamePattern");
    let keys = defaults("ECS.8").list("secretKeys").to_vec();
    assert!(!keys.is_empty(), "ECS.8's default secretKeys is empty");
    (pattern, keys)
}

fn secret_cases() -> Vec<SecretCase> {
    let (secret_name, keys) = secret_name_rules();
    let mut files = Vec::new();
    case_files(&workspace().join("tests/fixtures/cases"), &mut files);
    let mut out = Vec::new();
    for path in files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut env = Vec::new();
        environment(&case["resource"], &mut env);
        let names: BTreeSet<&str> = env.iter().map(|(n, _)| n.as_str()).collect();
        let mut secrets: BTreeSet<String> = env
            .iter()
            .filter(|(name, value)| {
                value.len() >= 4 && (secret_name.is_match(name) || keys.contains(name))
            })
            .map(|(_, value)| value.clone())
            .collect();
        if ["ECS.8", "HARDEN.9"].contains(&case["control"].as_str().unwrap_or_default()) {
            secrets.extend(
                case["annotationMustNotContain"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|s| !names.contains(s) && s.len() >= 6 && !s.ends_with("://"))
                    .map(str::to_string),
            );
        }
        if secrets.is_empty() {
            continue;
        }
        out.push(SecretCase {
            shape: case["shape"].as_str().unwrap_or_default().to_string(),
            control: case["control"].as_str().unwrap_or_default().to_string(),
            parameters: case["parameters"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
            resource: case["resource"].clone(),
            secrets,
            path,
        });
    }
    assert!(
        out.len() >= 20,
        "expected the corpus's secret fixtures, found {}",
        out.len()
    );
    out
}

fn assert_no_secret(case: &SecretCase, what: &str, text: &str) {
    for secret in &case.secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} for {} contains the secret value {secret:?}",
            case.path.display()
        );
    }
}

#[test]
fn no_cli_output_contains_a_secret() {
    let cli = Lambda::binary("ecs-harden").unwrap();
    let cases = secret_cases();
    for case in &cases {
        let mut args: Vec<String> = vec!["check".into(), "--all".into()];
        for (key, value) in &case.parameters {
            args.push("--param".into());
            args.push(format!("{}.{key}={value}", case.control));
        }
        for format in ["text", "json", "sarif", "junit"] {
            let output = Command::new(&cli)
                .args(&args)
                .args(["--format", format])
                .arg(&case.path)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            // 0 and 1 are verdicts; 2 means the case was not read, and a case that is not
            // read proves nothing about leaks.
            assert!(
                matches!(output.status.code(), Some(0 | 1)),
                "`check --format {format}` did not evaluate {} ({}): {}",
                case.path.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(!stdout.is_empty(), "{format}: no output");
            assert_no_secret(case, &format!("`check --format {format}`"), &stdout);
            assert_no_secret(
                case,
                &format!("`check --format {format}` stderr"),
                &String::from_utf8_lossy(&output.stderr),
            );
        }
    }
    println!(
        "{} fixtures with secrets, 4 formats: no secret in any output",
        cases.len()
    );
}

/// A task definition's configuration (the document under any wrapper), for Config items and
/// Hook requests.
fn task_definition_document(case: &SecretCase) -> Value {
    let resource = &case.resource;
    let inner = match case.shape.as_str() {
        "config" => resource
            .get("configuration")
            .cloned()
            .map(|c| match c {
                Value::String(text) => serde_json::from_str(&text).unwrap(),
                other => other,
            })
            .unwrap_or(Value::Null),
        "cloudformation" => resource.get("Properties").cloned().unwrap_or(Value::Null),
        _ => resource
            .get("taskDefinition")
            .cloned()
            .unwrap_or_else(|| resource.clone()),
    };
    inner
}

/// Whether a document holds a CloudFormation intrinsic function (`Ref`, `Fn::…`).
fn has_intrinsics(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            (map.len() == 1 && map.keys().all(|k| k == "Ref" || k.starts_with("Fn::")))
                || map.values().any(has_intrinsics)
        }
        Value::Array(items) => items.iter().any(has_intrinsics),
        _ => false,
    }
}

/// Whether the case is a Terraform file (HCL, plan or state), which only the CLI reads.
fn is_terraform(case: &SecretCase) -> bool {
    case.shape.starts_with("terraform")
}

/// The case as the configuration item of a change notification; `None` for a Terraform file or
/// a template whose properties still hold intrinsic functions, which AWS Config never records
/// (it records the deployed, resolved resource). Such a case reaches the CLI (and a template
/// the gate), which read those forms.
fn config_item(case: &SecretCase, index: usize) -> Option<Value> {
    if is_terraform(case) {
        return None;
    }
    if case.shape == "config" && case.resource.get("configurationItemCaptureTime").is_some() {
        return Some(case.resource.clone());
    }
    let configuration = task_definition_document(case);
    if has_intrinsics(&configuration) {
        return None;
    }
    Some(json!({
        "configurationItemCaptureTime": "2025-03-01T10:00:00.000Z",
        "configurationItemStatus": "OK",
        "resourceType": "AWS::ECS::TaskDefinition",
        "resourceId": format!("arn:aws:ecs:us-east-1:{OWN_ACCOUNT}:task-definition/secret-case-{index}:1"),
        "awsAccountId": OWN_ACCOUNT,
        "awsRegion": REGION,
        "configuration": configuration,
    }))
}

#[test]
fn no_rule_lambda_log_reply_or_annotation_contains_a_secret() {
    let cases = secret_cases();
    let items: Vec<(usize, &SecretCase, Value)> = cases
        .iter()
        .enumerate()
        .filter_map(|(index, case)| Some((index, case, config_item(case, index)?)))
        .collect();
    let templates: Vec<String> = cases
        .iter()
        .enumerate()
        .filter(|(index, case)| config_item(case, *index).is_none())
        .map(|(_, case)| case.path.display().to_string())
        .collect();
    assert!(
        items.len() >= 20,
        "only {} secret cases can be Config items",
        items.len()
    );
    let moto = Moto::start().unwrap();
    let mut invocations = 0;
    let task_definition_controls = CATALOGUE
        .iter()
        .filter(|c| c.resource_type().aws_name() == "AWS::ECS::TaskDefinition");
    for control in task_definition_controls {
        let lambda = Lambda::start(&control.crate_name(), &moto, &[]).unwrap();
        for (index, case, item) in &items {
            let parameters = if case.control == control.id {
                json!(case.parameters)
            } else {
                json!({})
            };
            let event = change_event(
                &control.rule_name(),
                &format!("secret-{index}"),
                item,
                OWN_ACCOUNT,
                &parameters,
            );
            let reply = match lambda.invoke(&event).unwrap() {
                Reply::Response(v) => v.to_string(),
                Reply::Error(e) => panic!(
                    "{} did not evaluate {}: the invocation failed with {e}",
                    control.id,
                    case.path.display()
                ),
            };
            invocations += 1;
            assert_no_secret(case, &format!("{} reply", control.id), &reply);
        }
        assert_no_secret_in_all(
            &cases,
            &format!("{} logs", control.id),
            &lambda.logs().join("\n"),
        );
    }
    let stored = serde_json::to_string(&moto.evaluations().unwrap()).unwrap();
    assert!(stored.contains("ComplianceType"), "nothing reached Config");
    assert_no_secret_in_all(&cases, "annotations sent to Config", &stored);
    println!(
        "{invocations} rule invocations over {} fixtures with secrets: no secret in any log, \
         reply or annotation; {} Terraform files and templates with intrinsic functions (never \
         a Config item) are covered by the CLI and gate tests: {}",
        items.len(),
        templates.len(),
        templates.join(", ")
    );
}

fn assert_no_secret_in_all(cases: &[SecretCase], what: &str, text: &str) {
    for case in cases {
        assert_no_secret(case, what, text);
    }
}

#[test]
fn no_gate_answer_or_log_contains_a_secret() {
    let cases = secret_cases();
    let moto = Moto::start().unwrap();
    let gate = Lambda::start("gate", &moto, &[("ECS_HARDEN_GATE_MODE", "enforce")]).unwrap();
    let mut failed = 0;
    // A Hook request carries CloudFormation properties; Terraform files reach the CLI only.
    for (index, case) in cases.iter().enumerate().filter(|(_, c)| !is_terraform(c)) {
        let request = json!({
            "clientRequestToken": format!("secret-case-{index}"),
            "awsAccountId": FIXTURE_ACCOUNT,
            "stackId": format!("arn:aws:cloudformation:us-east-1:{FIXTURE_ACCOUNT}:stack/secrets/1"),
            "hookTypeName": "Acme::ECS::HardenGate",
            "actionInvocationPoint": "CREATE_PRE_PROVISION",
            "requestData": {
                "targetName": "AWS::ECS::TaskDefinition",
                "targetType": "AWS::ECS::TaskDefinition",
                "targetLogicalId": "Task",
                "targetModel": {"resourceProperties": task_definition_document(case)},
            },
            "requestContext": {"invocation": 1, "callbackContext": null},
        });
        let answer = match gate.invoke(&request).unwrap() {
            Reply::Response(v) => v,
            Reply::Error(e) => panic!(
                "the gate did not evaluate {}: the invocation failed with {e}",
                case.path.display()
            ),
        };
        if answer["hookStatus"] == "FAILED" {
            failed += 1;
        }
        assert_no_secret(case, "the gate's Hook answer", &answer.to_string());
    }
    assert!(
        failed > 0,
        "no Hook request failed: the secrets were not seen"
    );
    assert_no_secret_in_all(&cases, "the gate's logs", &gate.logs().join("\n"));
}
