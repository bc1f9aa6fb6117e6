//! `ecs-harden check` on repository-shaped trees: every ECS resource judged, every other file
//! skipped and counted, nothing reported twice, and this repository itself checked with no
//! error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-harden"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run ecs-harden")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    std::fs::write(path, text).expect("write a file");
}

/// A fresh, empty folder under the target directory's test area.
fn fresh(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test folder");
    dir
}

const PRIVILEGED_TASK_DEFINITION: &str = r#"{
  "family": "web",
  "networkMode": "awsvpc",
  "containerDefinitions": [
    {"name": "app", "image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2",
     "privileged": true, "user": "10001", "readonlyRootFilesystem": true,
     "logConfiguration": {"logDriver": "awslogs"},
     "linuxParameters": {"capabilities": {"drop": ["ALL"]}}}
  ],
  "tags": [{"key": "team", "value": "web"}]
}"#;

/// Ten kinds of JSON and YAML files every application repository has, none of them ECS.
const NOT_ECS: [(&str, &str); 12] = [
    ("package.json", r#"{"name": "web", "version": "1.0.0", "scripts": {"test": "jest"}}"#),
    // JSON with comments does not parse as JSON; it shows no sign of ECS content.
    ("tsconfig.json", "{\n  // strict mode\n  \"compilerOptions\": {\"strict\": true}\n}\n"),
    ("cdk.json", r#"{"app": "npx ts-node bin/app.ts", "context": {"family": "not-a-task-definition"}}"#),
    (".github/workflows/ci.yml", "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"),
    ("conformance-pack.yaml", "Resources:\n  Rule:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      Scope:\n        ComplianceResourceTypes: [AWS::ECS::TaskDefinition]\n"),
    ("infra/bucket.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"),
    ("chart/templates/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n        - image: {{ .Values.image }}\n"),
    ("docker-compose.yml", "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n"),
    (".eslintrc.json", r#"{"extends": ["eslint:recommended"], "rules": {"semi": "error"}}"#),
    ("renovate.json", r#"{"extends": ["config:recommended"]}"#),
    ("openapi.yaml", "openapi: 3.0.0\ninfo:\n  title: web\n  version: '1'\npaths: {}\n"),
    ("k8s/all.yaml", "apiVersion: v1\nkind: Service\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  family: web\n"),
];

fn repository() -> PathBuf {
    let dir = fresh("repository");
    for (path, text) in NOT_ECS {
        write(&dir, path, text);
    }
    // The layout AWS's GitHub deploy action suggests: a hidden folder, walked.
    write(
        &dir,
        ".aws/task-definition.json",
        PRIVILEGED_TASK_DEFINITION,
    );
    // A CloudFormation service with a public IP, in YAML with short-form intrinsics.
    write(
        &dir,
        "infra/service.yaml",
        "Resources:\n  Web:\n    Type: AWS::ECS::Service\n    Properties:\n      ServiceName: web\n      Cluster: !Ref Cluster\n      LaunchType: FARGATE\n      NetworkConfiguration:\n        AwsvpcConfiguration:\n          AssignPublicIp: ENABLED\n          Subnets: [subnet-1]\n      Tags:\n        - Key: team\n          Value: web\n",
    );
    // ecspresso's service definition: no service name, no cluster.
    write(
        &dir,
        "deploy/ecs-service-def.json",
        r#"{"launchType": "FARGATE", "desiredCount": 2, "platformVersion": "LATEST",
            "networkConfiguration": {"awsvpcConfiguration": {"assignPublicIp": "DISABLED", "subnets": ["subnet-1"]}},
            "tags": [{"key": "team", "value": "web"}]}"#,
    );
    // What a walk must not read: ignored, dependencies, git's own folder.
    write(&dir, ".gitignore", "build/\n");
    write(
        &dir,
        "build/task-definition.json",
        PRIVILEGED_TASK_DEFINITION,
    );
    write(
        &dir,
        "node_modules/some-lib/task-definition.json",
        PRIVILEGED_TASK_DEFINITION,
    );
    write(&dir, ".git/config.json", PRIVILEGED_TASK_DEFINITION);
    // A folder holding a link to its own parent: never walked again.
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", dir.join("deploy/up")).expect("a symbolic link");
    dir
}

#[test]
fn a_repository_gets_its_ecs_resources_judged_and_nothing_else_reported() {
    let dir = repository();
    for follow in [false, true] {
        let mut args = vec!["check", "--format", "json", "."];
        if follow {
            args.push("--follow-symlinks");
        }
        let output = run_in(&dir, &args);
        let report = json(&output);
        assert_eq!(
            report["errors"].as_array().map(Vec::len),
            Some(usize::from(follow)),
            "follow={follow}: {report:#}"
        );
        if follow {
            // The loop is named once, and nothing in it is read twice.
            let error = report["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(error.contains("loops back"), "{error}");
        }
        let skipped: Vec<&str> = report["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .filter_map(|s| s["path"].as_str())
            .collect();
        assert_eq!(skipped.len(), NOT_ECS.len(), "{skipped:#?}");
        for (path, _) in NOT_ECS {
            assert!(
                skipped.iter().any(|s| s.ends_with(path)),
                "{path} not skipped: {skipped:?}"
            );
        }
        let results = report["results"].as_array().expect("results");
        let mut paths: Vec<&str> = results.iter().filter_map(|r| r["path"].as_str()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(
            paths,
            [
                "./.aws/task-definition.json",
                "./deploy/ecs-service-def.json",
                "./infra/service.yaml"
            ],
            "follow={follow}"
        );
        let verdict = |path: &str, control: &str| {
            results
                .iter()
                .find(|r| r["path"] == path && r["control"] == control)
                .map(|r| r["verdict"].as_str().unwrap_or_default().to_string())
        };
        assert_eq!(
            verdict("./.aws/task-definition.json", "ECS.4").as_deref(),
            Some("NON_COMPLIANT")
        );
        assert_eq!(
            verdict("./infra/service.yaml", "ECS.2").as_deref(),
            Some("NON_COMPLIANT")
        );
        assert_eq!(
            verdict("./deploy/ecs-service-def.json", "ECS.2").as_deref(),
            Some("COMPLIANT")
        );
        assert_eq!(
            output.status.code(),
            Some(if follow { 2 } else { 1 }),
            "follow={follow}"
        );
    }
    // The text summary counts the skipped files; --verbose names them.
    let text = run_in(&dir, &["check", "."]);
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.contains("12 files without ECS resources skipped"),
        "{text}"
    );
    let verbose = run_in(&dir, &["check", "--verbose", "."]);
    let verbose = String::from_utf8_lossy(&verbose.stdout).to_string();
    assert!(
        verbose.contains("./package.json (no ECS resource)"),
        "{verbose}"
    );
}

#[test]
fn named_files_without_ecs_resources_are_skipped_and_broken_ecs_files_are_errors() {
    let dir = fresh("named");
    write(&dir, "package.json", r#"{"name": "web"}"#);
    write(&dir, "tsconfig.json", "{ // comment\n}");
    write(
        &dir,
        "broken/task-definition.json",
        "{\"family\": \"web\", \"containerDefinitions\": [{\"name\": \"app\",",
    );
    // Named: valid JSON without ECS resources is skipped, never an error.
    let output = run_in(&dir, &["check", "--format", "json", "package.json"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["skipped"][0]["reason"], "no ECS resource");
    // Named: a file that does not parse is an error.
    let output = run_in(&dir, &["check", "--format", "json", "tsconfig.json"]);
    assert_eq!(output.status.code(), Some(2));
    // In a walk: unparseable without ECS signs is skipped, with signs it is an error with
    // its line and column.
    let output = run_in(&dir, &["check", "--format", "json", "."]);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(2), "{report:#}");
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{report:#}");
    assert!(errors[0]["path"]
        .as_str()
        .is_some_and(|p| p.ends_with("broken/task-definition.json")));
    assert!(errors[0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("line 1")));
}

#[test]
fn this_repository_checks_with_no_error() {
    let output = run_in(&root(), &["check", "--format", "json", "."]);
    let report = json(&output);
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(0),
        "{:#}",
        report["errors"]
    );
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{:?}",
        output.status
    );
    assert!(!report["results"].as_array().expect("results").is_empty());
}

/// 1-based line numbers of the lines of `text` containing `needle`.
fn lines_with(text: &str, needle: &str) -> Vec<u64> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

#[test]
fn sarif_results_point_at_the_offending_property_of_their_own_resource() {
    for (file, privileged, public_ip) in [
        (
            "same-keys.yaml",
            "Privileged: true",
            "AssignPublicIp: ENABLED",
        ),
        (
            "same-keys.json",
            "\"Privileged\": true",
            "\"AssignPublicIp\": \"ENABLED\"",
        ),
    ] {
        let path = root().join("tests/fixtures/templates").join(file);
        let text = std::fs::read_to_string(&path).expect("read the template");
        let output = run_in(
            &root(),
            &[
                "check",
                "--format",
                "sarif",
                "--controls",
                "ECS.4,ECS.2",
                path.to_str().expect("a UTF-8 path"),
            ],
        );
        let log = json(&output);
        let results = log["runs"][0]["results"].as_array().expect("results");
        let lines = |rule: &str| -> Vec<(String, u64, u64)> {
            let mut found: Vec<(String, u64, u64)> = results
                .iter()
                .filter(|r| r["ruleId"] == rule)
                .map(|r| {
                    let location = &r["locations"][0];
                    let region = &location["physicalLocation"]["region"];
                    (
                        location["logicalLocations"][0]["fullyQualifiedName"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        region["startLine"].as_u64().unwrap_or_default(),
                        region["startColumn"].as_u64().unwrap_or_default(),
                    )
                })
                .collect();
            found.sort_by_key(|(_, line, _)| *line);
            found
        };
        let expected_privileged = lines_with(&text, privileged);
        let ecs4 = lines("ECS.4");
        assert_eq!(
            ecs4.iter()
                .map(|(id, line, _)| (id.as_str(), *line))
                .collect::<Vec<_>>(),
            vec![
                ("Worker", expected_privileged[0]),
                ("Batch", expected_privileged[1])
            ],
            "{file}"
        );
        // The column is where the key begins on that line.
        let column = |line: u64| {
            let written = text.lines().nth(line as usize - 1).unwrap_or_default();
            written.find(
                privileged
                    .trim_start_matches('"')
                    .split('"')
                    .next()
                    .unwrap_or_default(),
            )
        };
        for (_, line, start) in &ecs4 {
            let key_at = column(*line).expect("the key on its line") as u64;
            // JSON columns point at the opening quote of the key.
            assert!(
                *start == key_at + 1 || *start == key_at,
                "{file}: column {start} for a key at {key_at}"
            );
        }
        let ecs2 = lines("ECS.2");
        assert_eq!(
            ecs2.iter()
                .map(|(id, line, _)| (id.as_str(), *line))
                .collect::<Vec<_>>(),
            vec![("WorkerService", lines_with(&text, public_ip)[0])],
            "{file}"
        );
    }
}

/// A describe-task-definition output of one revision.
fn revision(family: &str, revision: u32, privileged: bool) -> String {
    format!(
        r#"{{"taskDefinition": {{
  "taskDefinitionArn": "arn:aws:ecs:us-east-1:111122223333:task-definition/{family}:{revision}",
  "family": "{family}", "revision": {revision}, "status": "ACTIVE",
  "containerDefinitions": [{{"name": "app", "image": "app:1", "privileged": {privileged}}}]
}}}}"#
    )
}

#[test]
fn only_the_newest_active_revision_of_a_family_is_judged_across_an_input() {
    let dir = fresh("revisions");
    // A folder of describe outputs: revision 3 was privileged, revision 5 is not.
    write(&dir, "describe/web-3.json", &revision("web", 3, true));
    write(&dir, "describe/web-5.json", &revision("web", 5, false));
    write(&dir, "describe/api-2.json", &revision("api", 2, true));
    let output = run_in(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--controls",
            "ECS.4",
            "describe",
        ],
    );
    let report = json(&output);
    let verdict = |file: &str| {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["path"].as_str().is_some_and(|p| p.ends_with(file)))
            .map(|r| (r["verdict"].clone(), r["annotation"].clone()))
            .expect("a result")
    };
    let (old, why) = verdict("web-3.json");
    assert_eq!(old, "NOT_APPLICABLE", "{report:#}");
    assert!(
        why.as_str().is_some_and(|w| w.contains("revision 5")),
        "{why}"
    );
    assert_eq!(verdict("web-5.json").0, "COMPLIANT");
    assert_eq!(verdict("api-2.json").0, "NON_COMPLIANT");
    // select-resource-config output holding two revisions of one family.
    let item = |revision: u32, privileged: bool| {
        serde_json::json!({
            "resourceType": "AWS::ECS::TaskDefinition",
            "resourceId": format!("arn:aws:ecs:us-east-1:111122223333:task-definition/web:{revision}"),
            "awsRegion": "us-east-1", "accountId": "111122223333",
            "configuration": {"Family": "web", "Revision": revision, "Status": "ACTIVE",
                "ContainerDefinitions": [{"Name": "app", "Image": "app:1", "Privileged": privileged}]}
        })
        .to_string()
    };
    let results = serde_json::json!({"Results": [item(7, true), item(9, false)]});
    write(&dir, "select.json", &results.to_string());
    let output = run_in(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--controls",
            "ECS.4",
            "select.json",
        ],
    );
    let report = json(&output);
    let verdicts: Vec<&str> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["verdict"].as_str())
        .collect();
    assert_eq!(verdicts, ["NOT_APPLICABLE", "COMPLIANT"], "{report:#}");
    assert_eq!(output.status.code(), Some(0));
}
