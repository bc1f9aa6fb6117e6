//! The parser half of `cargo xtask bench`: parsing time against input size, for every parser
//! and the Config event decoder, printed as one JSON document on stdout (progress on stderr).
//!
//! ```text
//! bench_parse
//! bench_parse files DIR
//! ```
//!
//! Each input is measured at a size `n` and at `FACTOR · n`, the fastest of several interleaved
//! runs (a busy machine disturbs both alike): `ratio` is the large input's time over `FACTOR`
//! times the small one's. Linear code gives about 1, quadratic code about `FACTOR`. A ratio at
//! or over `BOUND` is measured again with more runs before it is reported.

use std::time::{Duration, Instant};

use ecs_harden_core::parse::{parse_text, Syntax};
use ecs_harden_core::runner::decode_event;
use ecs_harden_core::CATALOGUE;
use serde_json::{json, Map, Value};

/// The allocator of the `ecs-harden` command, so that the bare parse is the floor of `check` as
/// it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How much larger the large input is.
const FACTOR: usize = 16;
/// How far above linear a ratio may be (quadratic growth gives `FACTOR`).
const BOUND: f64 = 5.0;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, dir] = args.as_slice() {
        if mode == "files" {
            match bare_parse(std::path::Path::new(dir)) {
                Ok(report) => println!("{report}"),
                Err(e) => {
                    eprintln!("bench_parse: error: {e}");
                    std::process::exit(1);
                }
            }
            return;
        }
    }
    let rows: Vec<Value> = [
        many_containers(),
        huge_strings_and_wide_objects(),
        templates_and_intrinsics(),
        broken_documents(),
        vec![event_decoding()],
    ]
    .into_iter()
    .flatten()
    .collect();
    println!(
        "{}",
        json!({"factor": FACTOR, "bound": BOUND, "rows": rows})
    );
}

/// `files DIR`: the floor under `ecs-harden check DIR`. Reads every file of the directory and
/// parses it with serde_json into a `Value`, nothing else, on as many threads as the machine
/// has cores (as `check` does), and prints how many files and bytes it read.
fn bare_parse(dir: &std::path::Path) -> Result<Value, String> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    files.sort();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let totals: Vec<Result<(usize, usize), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|worker| {
                let files = &files;
                scope.spawn(move || {
                    let (mut count, mut bytes) = (0, 0);
                    for file in files.iter().skip(worker).step_by(threads) {
                        let text = std::fs::read(file)
                            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                        let value: Value = serde_json::from_slice(&text)
                            .map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
                        std::hint::black_box(value);
                        count += 1;
                        bytes += text.len();
                    }
                    Ok((count, bytes))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".into())))
            .collect()
    });
    let (mut count, mut bytes) = (0, 0);
    for total in totals {
        let (c, b) = total?;
        count += c;
        bytes += b;
    }
    Ok(json!({"files": count, "bytes": bytes, "threads": threads}))
}

/// Fastest of `runs` interleaved runs of each input.
fn fastest(runs: usize, small: &str, large: &str, parse: &impl Fn(&str)) -> (Duration, Duration) {
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

/// `make(n)` and `make(n · FACTOR)` through `parse`: sizes, times and their ratio.
fn measure(
    what: &str,
    small: usize,
    make: impl Fn(usize) -> String,
    parse: impl Fn(&str),
) -> Value {
    let small_input = make(small);
    let large_input = make(small * FACTOR);
    parse(&small_input);
    parse(&large_input);
    let ratio_of = |(t_small, t_large): (Duration, Duration)| {
        t_large.as_secs_f64() / (FACTOR as f64 * t_small.as_secs_f64().max(1e-7))
    };
    let mut runs = 5;
    let mut times = fastest(runs, &small_input, &large_input, &parse);
    if ratio_of(times) >= BOUND {
        runs = 15;
        times = fastest(runs, &small_input, &large_input, &parse);
    }
    let ratio = ratio_of(times);
    eprintln!(
        "{what}: {} bytes {:?}, {} bytes {:?}: {ratio:.2}× linear",
        small_input.len(),
        times.0,
        large_input.len(),
        times.1
    );
    json!({
        "what": what,
        "small_bytes": small_input.len(),
        "large_bytes": large_input.len(),
        "small_ms": times.0.as_secs_f64() * 1000.0,
        "large_ms": times.1.as_secs_f64() * 1000.0,
        "runs": runs,
        "ratio": ratio,
    })
}

/// A JSON value as block-style YAML, the way task definitions and templates are written by hand.
fn yaml(value: &Value) -> String {
    let mut out = String::new();
    block(value, 0, &mut out);
    out
}

fn inline(value: &Value) -> String {
    match value {
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Array(items) if items.is_empty() => "[]".into(),
        // A JSON string is a YAML double-quoted scalar.
        other => other.to_string(),
    }
}

fn nested(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

fn block(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let entry = |prefix: String, item: &Value, out: &mut String| {
        if nested(item) {
            out.push_str(&format!("{pad}{prefix}\n"));
            block(item, indent + 2, out);
        } else {
            out.push_str(&format!("{pad}{prefix} {}\n", inline(item)));
        }
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                entry(format!("{}:", Value::String(key.clone())), item, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                entry("-".into(), item, out);
            }
        }
        other => out.push_str(&format!("{pad}{}\n", inline(other))),
    }
}

fn container(i: usize) -> Value {
    json!({
        "name": format!("app-{i}"),
        "image": format!("111122223333.dkr.ecr.us-east-1.amazonaws.com/app-{i}:1.{i}"),
        "privileged": i.is_multiple_of(2),
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

/// Parses the text and evaluates every control, with its defaults, on what was read.
fn parse_and_evaluate(text: &str, syntax: Syntax) {
    for resource in parse_text(text, syntax).iter().flatten() {
        for control in CATALOGUE {
            let params = control
                .default_params()
                .expect("the catalogue's defaults are valid parameters");
            std::hint::black_box(control.evaluate(resource, &params));
        }
    }
}

fn many_containers() -> Vec<Value> {
    vec![
        measure(
            "JSON, containers",
            150,
            |n| task_definition(n).to_string(),
            |t| parse_and_evaluate(t, Syntax::Json),
        ),
        measure(
            "YAML, containers",
            100,
            |n| yaml(&task_definition(n)),
            |t| parse_and_evaluate(t, Syntax::Yaml),
        ),
    ]
}

fn huge_strings_and_wide_objects() -> Vec<Value> {
    vec![
        measure(
            "huge image string",
            40_000,
            |n| {
                let mut td = task_definition(2);
                td["containerDefinitions"][0]["image"] = json!("é".repeat(n));
                td["containerDefinitions"][1]["environment"][0]["value"] =
                    json!("\u{1F600}".repeat(n));
                td.to_string()
            },
            |t| parse_and_evaluate(t, Syntax::Json),
        ),
        measure(
            "object with many unknown keys",
            2_000,
            |n| {
                let mut td = task_definition(3);
                if let Some(object) = td["containerDefinitions"][0].as_object_mut() {
                    for i in 0..n {
                        object.insert(format!("unknownKey{i}"), json!(i));
                    }
                }
                td.to_string()
            },
            |t| parse_and_evaluate(t, Syntax::Json),
        ),
        measure(
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
        ),
    ]
}

fn templates_and_intrinsics() -> Vec<Value> {
    vec![
        measure(
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
                yaml(&json!({"Resources": resources}))
            },
            |t| parse_and_evaluate(t, Syntax::Yaml),
        ),
        measure(
            "Fn::Join and Fn::Sub with many parts",
            3_000,
            |n| {
                let parts: Vec<Value> = (0..n)
                    .map(|i| {
                        if i.is_multiple_of(2) {
                            json!({"Ref": "AWS::Region"})
                        } else {
                            json!("x")
                        }
                    })
                    .collect();
                json!({"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [
                    {"Name": "a", "Image": {"Fn::Join": ["", parts]}},
                    {"Name": "b", "Image": {"Fn::Sub": "${AWS::AccountId}/".repeat(n)}},
                ]}})
                .to_string()
            },
            |t| parse_and_evaluate(t, Syntax::Json),
        ),
    ]
}

fn broken_documents() -> Vec<Value> {
    vec![
        measure(
            "truncated JSON",
            300,
            |n| {
                let text = format!("{:#}", task_definition(n));
                text[..text.len() - 7].to_string()
            },
            |t| parse_and_evaluate(t, Syntax::Json),
        ),
        measure(
            "nesting just over the limit, repeated",
            500,
            |n| {
                let one = format!("{}{}", "[".repeat(99), "]".repeat(99));
                format!("[{}, {}]", vec![one; n].join(","), "[".repeat(150))
            },
            |t| parse_and_evaluate(t, Syntax::Json),
        ),
        measure(
            "YAML aliases",
            200,
            |n| {
                let mut text = String::from(
                    "base: &b {image: nginx, privileged: true}\nContainerDefinitions:\n",
                );
                for _ in 0..n {
                    text.push_str("  - *b\n");
                }
                text
            },
            |t| parse_and_evaluate(t, Syntax::Yaml),
        ),
    ]
}

fn event_decoding() -> Value {
    measure(
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
            let value: Value = serde_json::from_str(t).expect("the generated event is JSON");
            let decoded = decode_event(&value).expect("the generated event decodes");
            std::hint::black_box(decoded);
        },
    )
}
