//! Parsing time grows linearly with input size, for every parser and the Config event decoder:
//! each check times an input and one `FACTOR` times larger (the fastest of several interleaved
//! runs, so a busy machine disturbs both alike) and fails when the larger one takes more than
//! `BOUND` times `FACTOR` times as long. Linear code gives a ratio near 1, quadratic code near
//! `FACTOR`. A ratio, never a wall-clock limit. One test, so that nothing else in this binary runs
//! beside the measurements.

use std::time::{Duration, Instant};

use ecs_harden_core::parse::{parse_text, Syntax};
use ecs_harden_core::runner::decode_event;
use ecs_harden_core::CATALOGUE;
use serde_json::{json, Map, Value};

/// How much larger the large input is.
const FACTOR: usize = 16;
/// How far above linear the large input may be, as a multiple (quadratic growth gives `FACTOR`).
const BOUND: f64 = 5.0;

#[test]
fn parsing_time_grows_linearly_with_input_size() {
    many_containers_is_linear();
    huge_strings_and_wide_objects_are_linear();
    templates_and_intrinsics_are_linear();
    broken_documents_are_linear();
    event_decoding_is_linear();
}

/// Fastest of `runs` interleaved runs of each input.
fn measure(runs: usize, small: &str, large: &str, parse: &impl Fn(&str)) -> (Duration, Duration) {
    let mut best = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        let start = Instant::now();
        parse(small);
        best.0 = best.0.min(start.elapsed());
        let start = Instant::now();
        parse(large);
        best.1 = best.1.min(start.elapsed());
    }
    best
}

/// Fails when `make(n · FACTOR)` takes more than `BOUND · FACTOR` times as long as `make(n)`.
/// A first ratio over the bound is measured again with more runs before failing, so that a burst
/// of other work on the machine does not fail the test.
fn assert_linear(what: &str, small: usize, make: impl Fn(usize) -> String, parse: impl Fn(&str)) {
    let small_input = make(small);
    let large_input = make(small * FACTOR);
    parse(&small_input);
    parse(&large_input);
    let ratio_of = |(t_small, t_large): (Duration, Duration)| {
        t_large.as_secs_f64() / (FACTOR as f64 * t_small.as_secs_f64().max(1e-7))
    };
    let mut times = measure(5, &small_input, &large_input, &parse);
    if ratio_of(times) >= BOUND {
        times = measure(15, &small_input, &large_input, &parse);
    }
    let ratio = ratio_of(times);
    println!(
        "{what}: {} bytes {:?}, {} bytes {:?}: {ratio:.2}× linear",
        small_input.len(),
        times.0,
        large_input.len(),
        times.1
    );
    assert!(
        ratio < BOUND,
        "{what}: {FACTOR}× the input took {:.1}× the time of {FACTOR} small inputs \
         ({:?} → {:?}); parsing must stay linear",
        ratio,
        times.0,
        times.1
    );
}

fn container(i: usize) -> Value {
    json!({
        "name": format!("app-{i}"),
        "image": format!("111122223333.dkr.ecr.us-east-1.amazonaws.com/app-{i}:1.{i}"),
        "privileged": i % 2 == 0,
        "readonlyRootFilesystem": true,
        "user": "1000",
        "environment": [{"name": "PASSWORD", "value": "x"}, {"name": "MODE", "value": "prod"}],
        "linuxParameters": {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}},
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/x"}},
    })
}

fn task_definition(containers: usize) -> Value {
    json!({
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:111122223333:task-definition/wide:3",
        "family": "wide",
        "revision": 3,
        "status": "ACTIVE",
        "networkMode": "awsvpc",
        "containerDefinitions": (0..containers).map(container).collect::<Vec<_>>(),
    })
}

fn parse_and_evaluate(text: &str, syntax: Syntax) {
    for resource in parse_text(text, syntax).iter().flatten() {
        for control in CATALOGUE {
            let params = control.default_params().unwrap();
            std::hint::black_box(control.evaluate(resource, &params));
        }
    }
}

fn many_containers_is_linear() {
    assert_linear(
        "JSON, containers",
        150,
        |n| task_definition(n).to_string(),
        |t| parse_and_evaluate(t, Syntax::Json),
    );
    assert_linear(
        "YAML, containers",
        100,
        |n| serde_yaml::to_string(&task_definition(n)).unwrap(),
        |t| parse_and_evaluate(t, Syntax::Yaml),
    );
}

fn huge_strings_and_wide_objects_are_linear() {
    assert_linear(
        "huge image string",
        40_000,
        |n| {
            let mut td = task_definition(2);
            td["containerDefinitions"][0]["image"] = json!("é".repeat(n));
            td["containerDefinitions"][1]["environment"][0]["value"] = json!("\u{1F600}".repeat(n));
            td.to_string()
        },
        |t| parse_and_evaluate(t, Syntax::Json),
    );
    assert_linear(
        "object with many unknown keys",
        2_000,
        |n| {
            let mut td = task_definition(3);
            let object = td["containerDefinitions"][0].as_object_mut().unwrap();
            for i in 0..n {
                object.insert(format!("unknownKey{i}"), json!(i));
            }
            td.to_string()
        },
        |t| parse_and_evaluate(t, Syntax::Json),
    );
    assert_linear(
        "many environment entries",
        2_000,
        |n| {
            let mut td = task_definition(1);
            td["containerDefinitions"][0]["environment"] = (0..n)
                .map(|i| json!({"name": format!("API_TOKEN_{i}"), "value": "v"}))
                .collect();
            td.to_string()
        },
        |t| parse_and_evaluate(t, Syntax::Json),
    );
}

fn templates_and_intrinsics_are_linear() {
    assert_linear(
        "CloudFormation template, resources",
        60,
        |n| {
            let resources: Map<String, Value> = (0..n)
                .map(|i| {
                    (
                        format!("Task{i}"),
                        json!({"Type": "AWS::ECS::TaskDefinition", "Properties": {
                            "Family": {"Fn::Sub": "${AWS::StackName}-task"},
                            "NetworkMode": {"Ref": "Mode"},
                            "ContainerDefinitions": [{
                                "Name": "app",
                                "Image": {"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app:1"},
                                "Privileged": "false",
                                "ReadonlyRootFilesystem": {"Fn::If": ["Prod", true, false]},
                            }],
                        }}),
                    )
                })
                .collect();
            serde_yaml::to_string(&json!({"Resources": resources})).unwrap()
        },
        |t| parse_and_evaluate(t, Syntax::Yaml),
    );
    assert_linear(
        "Fn::Join and Fn::Sub with many parts",
        3_000,
        |n| {
            let mut td = json!({"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Name": "a"}, {"Name": "b"}]}});
            td["Properties"]["ContainerDefinitions"][0]["Image"] = json!({"Fn::Join": ["", (0..n).map(|i| if i % 2 == 0 { json!({"Ref": "AWS::Region"}) } else { json!("x") }).collect::<Vec<_>>()]});
            td["Properties"]["ContainerDefinitions"][1]["Image"] =
                json!({"Fn::Sub": "${AWS::AccountId}/".repeat(n)});
            td.to_string()
        },
        |t| parse_and_evaluate(t, Syntax::Json),
    );
}

fn broken_documents_are_linear() {
    assert_linear(
        "truncated JSON",
        300,
        |n| {
            let text = serde_json::to_string_pretty(&task_definition(n)).unwrap();
            text[..text.len() - 7].to_string()
        },
        |t| parse_and_evaluate(t, Syntax::Json),
    );
    assert_linear(
        "nesting just over the limit, repeated",
        500,
        |n| {
            let one = format!("{}{}", "[".repeat(99), "]".repeat(99));
            format!("[{}, {}]", vec![one; n].join(","), "[".repeat(150))
        },
        |t| parse_and_evaluate(t, Syntax::Json),
    );
    assert_linear(
        "YAML aliases",
        200,
        |n| {
            let mut text =
                String::from("base: &b {image: nginx, privileged: true}\nContainerDefinitions:\n");
            for _ in 0..n {
                text.push_str("  - *b\n");
            }
            text
        },
        |t| parse_and_evaluate(t, Syntax::Yaml),
    );
}

fn event_decoding_is_linear() {
    assert_linear(
        "Config event with a large item",
        100,
        |n| {
            let item = json!({
                "resourceType": "AWS::ECS::TaskDefinition",
                "resourceId": "arn:aws:ecs:us-east-1:111122223333:task-definition/wide:3",
                "configurationItemCaptureTime": "2025-03-01T10:00:00.000Z",
                "configurationItemStatus": "OK",
                "configuration": task_definition(n),
            });
            json!({
                "invokingEvent": json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": item}).to_string(),
                "ruleParameters": json!({"secretKeys": "A,".repeat(n)}).to_string(),
                "resultToken": "t",
            })
            .to_string()
        },
        |t| {
            let value: Value = serde_json::from_str(t).unwrap();
            let decoded = decode_event(&value).unwrap();
            std::hint::black_box(decoded);
        },
    );
}
