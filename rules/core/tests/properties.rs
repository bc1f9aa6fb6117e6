//! Property tests for every parser and the Config event decoder: documents derived from the
//! fixture corpus (`tests/fixtures`) and then mutated (keys dropped, types
//! swapped, deep nesting, huge strings, unicode, intrinsics in odd places, number edge cases,
//! truncation) never panic, and either parse or give an error that says where: a JSON path
//! under the document's root when the text was valid JSON or YAML, a line and column when it
//! was not. Every resource that parses is evaluated by every control without a panic and with
//! an annotation AWS Config accepts.
//!
//! `PROPTEST_CASES` overrides the case count (256 by default). Failing seeds are kept in
//! `rules/core/proptest-regressions/properties.txt` and replayed first on every run.
//!
//! `properties_linear.rs` checks that the time these take grows linearly with input size.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ecs_harden_core::error::{Location, ParseError};
use ecs_harden_core::model::{Resource, ResourceType};
use ecs_harden_core::parse::{
    parse_api, parse_cloudformation_properties, parse_config_item, parse_text, parse_value,
    Deployment, Syntax,
};
use ecs_harden_core::runner::decode_event;
use ecs_harden_core::verdict::{Verdict, MAX_ANNOTATION_CHARS};
use ecs_harden_core::CATALOGUE;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{json, Map, Value};

fn config() -> ProptestConfig {
    // `ProptestConfig::default()` reads PROPTEST_CASES; without it, 256 cases.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        // Relative to the package directory, where `cargo test` runs test binaries.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus

struct Corpus {
    /// Resource documents (case files' `resource`, templates), as their shape delivers them.
    documents: Vec<Value>,
    /// Config rule Lambda events.
    events: Vec<Value>,
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let own = manifest_dir().join("../../tests/fixtures");
        let mut files = Vec::new();
        json_files(&own.join("cases"), &mut files);
        json_files(&own.join("templates"), &mut files);
        let mut documents = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            match value.get("resource") {
                Some(resource) => documents.push(resource.clone()),
                None => documents.push(value),
            }
        }
        let yaml = own.join("templates/orders-stack.yaml");
        if let Ok(text) = std::fs::read_to_string(&yaml) {
            if let Ok(value) = ecs_harden_core::parse::load(&text, Syntax::Yaml) {
                documents.push(value);
            }
        }
        let mut event_files = Vec::new();
        json_files(&own.join("events"), &mut event_files);
        let events = event_files
            .iter()
            .filter_map(|f| serde_json::from_str(&std::fs::read_to_string(f).ok()?).ok())
            .filter(|e: &Value| e.get("invokingEvent").is_some())
            .collect::<Vec<_>>();
        assert!(documents.len() > 300, "{} documents", documents.len());
        assert!(events.len() >= 4, "{} events", events.len());
        Corpus { documents, events }
    })
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// One change to a document, applied at the `target`th node (pre-order, modulo the count).
#[derive(Clone, Debug)]
enum Mutation {
    DropKey,
    Replace(Value),
    /// Wraps the node in `depth` arrays or objects.
    Nest {
        depth: usize,
        in_objects: bool,
    },
    /// Replaces a string with one `repeat` times as long.
    Grow {
        repeat: usize,
    },
    /// Changes the case of an object's keys.
    Recase {
        upper: bool,
    },
    /// Repeats an array's elements.
    Duplicate {
        times: usize,
    },
}

fn odd_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        Just(json!(-0.0)),
        Just(json!(1e308)),
        Just(json!(-1e-308)),
        Just(json!(0.5)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        Just(json!("")),
        Just(json!("true")),
        Just(json!("FALSE")),
        Just(json!("ENABLED")),
        Just(json!("host")),
        Just(json!("\u{0}\u{202e}\u{1F600}ñ\u{FEFF}")),
        Just(json!(
            "arn:aws:ecs:us-east-1:111122223333:task-definition/a:1"
        )),
        Just(json!("task-definition/:")),
        Just(json!(":::::")),
        Just(json!("${AWS::AccountId}${")),
        any::<String>().prop_map(Value::String),
        "[a-zA-Z0-9:/._@-]{0,40}".prop_map(Value::String),
    ]
}

fn intrinsic() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"Ref": "AWS::NoValue"})),
        Just(json!({"Ref": "AWS::AccountId"})),
        Just(json!({"Ref": "SomeParameter"})),
        Just(json!({"Ref": ["not", "a", "name"]})),
        Just(json!({"Fn::If": ["Cond", true, {"Ref": "AWS::NoValue"}]})),
        Just(json!({"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/x:${Tag}"})),
        Just(json!({"Fn::Sub": ["${A}${!B}${", {"A": {"Fn::Sub": "${AWS::Region}"}}]})),
        Just(json!({"Fn::Sub": [1, 2, 3]})),
        Just(json!({"Fn::Join": ["", [{"Fn::Join": [":", ["a", {"Ref": "AWS::Region"}]]}, 1]]})),
        Just(json!({"Fn::Join": [null, null]})),
        Just(json!({"Fn::GetAtt": "Role.Arn"})),
        Just(json!({"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-x"}})),
        Just(json!({"Fn::Base64": "x"})),
        Just(json!({"Condition": "IsProd"})),
        Just(json!({"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]})),
    ]
}

fn nested_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![odd_scalar(), intrinsic()];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z:]{0,12}", inner), 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => Just(Mutation::DropKey),
        4 => odd_scalar().prop_map(Mutation::Replace),
        3 => intrinsic().prop_map(Mutation::Replace),
        2 => nested_value().prop_map(Mutation::Replace),
        1 => (1usize..130, any::<bool>())
            .prop_map(|(depth, in_objects)| Mutation::Nest { depth, in_objects }),
        1 => (100usize..20_000).prop_map(|repeat| Mutation::Grow { repeat }),
        1 => any::<bool>().prop_map(|upper| Mutation::Recase { upper }),
        1 => (2usize..40).prop_map(|times| Mutation::Duplicate { times }),
    ]
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// Calls `change` on the `index`th node in pre-order; false when there are fewer nodes.
fn at_node(value: &mut Value, index: &mut usize, change: &mut dyn FnMut(&mut Value)) -> bool {
    if *index == 0 {
        change(value);
        return true;
    }
    *index -= 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|v| at_node(v, index, change)),
        Value::Object(map) => map.values_mut().any(|v| at_node(v, index, change)),
        _ => false,
    }
}

fn apply(document: &mut Value, target: usize, mutation: &Mutation) {
    let mut index = target % count_nodes(document);
    at_node(document, &mut index, &mut |node| {
        mutate(node, target, mutation)
    });
}

fn mutate(node: &mut Value, target: usize, mutation: &Mutation) {
    match mutation {
        Mutation::DropKey => {
            if let Value::Object(map) = node {
                if let Some(key) = map.keys().nth(target % map.len().max(1)).cloned() {
                    map.remove(&key);
                }
            } else if let Value::Array(items) = node {
                if !items.is_empty() {
                    items.remove(target % items.len());
                }
            }
        }
        Mutation::Replace(value) => *node = value.clone(),
        Mutation::Nest { depth, in_objects } => {
            let mut wrapped = node.take();
            for level in 0..*depth {
                wrapped = if *in_objects {
                    json!({ format!("k{level}"): wrapped })
                } else {
                    json!([wrapped])
                };
            }
            *node = wrapped;
        }
        Mutation::Grow { repeat } => {
            let base = match node {
                Value::String(s) if !s.is_empty() => s.clone(),
                _ => "é\u{1F600}x".to_string(),
            };
            *node = Value::String(base.repeat((*repeat).min(1 + 200_000 / base.len())));
        }
        Mutation::Recase { upper } => {
            if let Value::Object(map) = node {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| {
                        let k = if *upper {
                            k.to_uppercase()
                        } else {
                            k.to_lowercase()
                        };
                        (k, v)
                    })
                    .collect();
            }
        }
        Mutation::Duplicate { times } => {
            if let Value::Array(items) = node {
                let copy = items.clone();
                // Bounded, so that repeated duplication cannot blow the document up.
                let times = (*times).min(1 + 200 / copy.len().max(1));
                for _ in 1..times {
                    items.extend(copy.iter().cloned());
                }
            }
        }
    }
}

fn mutated_document() -> impl Strategy<Value = Value> {
    let count = corpus().documents.len();
    (
        0..count,
        prop::collection::vec((any::<usize>(), mutation()), 1..5),
    )
        .prop_map(|(pick, mutations)| {
            let mut document = corpus().documents[pick].clone();
            for (target, mutation) in &mutations {
                apply(&mut document, *target, mutation);
            }
            document
        })
}

fn mutated_event() -> impl Strategy<Value = Value> {
    let count = corpus().events.len();
    (
        0..count,
        any::<bool>(),
        prop::collection::vec((any::<usize>(), mutation()), 0..4),
    )
        .prop_map(|(pick, decode_strings, mutations)| {
            let mut event = corpus().events[pick].clone();
            // Mutate inside the JSON strings too: decode them, mutate, re-encode.
            if decode_strings {
                for key in ["invokingEvent", "ruleParameters"] {
                    if let Some(text) = event.get(key).and_then(Value::as_str) {
                        if let Ok(inner) = serde_json::from_str::<Value>(text) {
                            event[key] = inner;
                        }
                    }
                }
            }
            for (target, mutation) in &mutations {
                apply(&mut event, *target, mutation);
            }
            if decode_strings {
                for key in ["invokingEvent", "ruleParameters"] {
                    if let Some(inner) = event.get(key).filter(|v| !v.is_string()).cloned() {
                        event[key] = Value::String(inner.to_string());
                    }
                }
            }
            event
        })
}

// ---------------------------------------------------------------------------------------------
// What every result must satisfy

fn check_error(error: &ParseError, root: &str, text: Option<&str>) -> Result<(), TestCaseError> {
    prop_assert!(
        !error.message.trim().is_empty(),
        "an error without a message"
    );
    match &error.location {
        Location::Path(path) => prop_assert!(
            path.starts_with(root),
            "the path {path:?} is not under the document root {root:?}: {error}"
        ),
        Location::LineColumn { line, column } => {
            prop_assert!(*line >= 1 && *column >= 1, "{error}");
            if let Some(text) = text {
                let lines = text.lines().count().max(1);
                prop_assert!(*line <= lines + 1, "line {line} of {lines}: {error}");
            }
        }
        Location::Document => {}
    }
    Ok(())
}

/// A decoded document's errors are JSON paths; every resource that reads is evaluated.
fn check_results(
    results: &[Result<Resource, ParseError>],
    root: &str,
) -> Result<(), TestCaseError> {
    for result in results {
        match result {
            Ok(resource) => check_evaluations(resource)?,
            Err(error) => {
                prop_assert!(
                    matches!(error.location, Location::Path(_)),
                    "a decoded document's error must name a JSON path: {error:?}"
                );
                check_error(error, root, None)?;
            }
        }
    }
    Ok(())
}

fn check_evaluations(resource: &Resource) -> Result<(), TestCaseError> {
    for control in CATALOGUE {
        let params = control.default_params().unwrap();
        let Some(outcome) = control.evaluate(resource, &params) else {
            continue;
        };
        if let Some(annotation) = &outcome.annotation {
            let chars = annotation.chars().count();
            prop_assert!(
                (1..=MAX_ANNOTATION_CHARS).contains(&chars),
                "{}: an annotation of {chars} characters",
                control.id
            );
        }
        if outcome.verdict == Verdict::NonCompliant {
            prop_assert!(outcome.annotation.is_some(), "{}", control.id);
        }
    }
    Ok(())
}

/// Cuts a text at a character boundary near `at` (a fraction of its length, in thousandths).
fn truncate(text: &str, at: usize) -> &str {
    let mut cut = text.len() * (at % 1000) / 1000;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

fn check_text(text: &str, syntax: Syntax) -> Result<(), TestCaseError> {
    let results = parse_text(text, syntax);
    let valid = ecs_harden_core::parse::load(text, syntax).is_ok();
    for result in &results {
        match result {
            Ok(resource) => check_evaluations(resource)?,
            Err(error) => {
                if valid {
                    prop_assert!(
                        matches!(error.location, Location::Path(_)),
                        "valid {syntax:?} must give a JSON path: {error:?}"
                    );
                } else if !text.trim().is_empty() && text.len() < 16 * 1024 * 1024 {
                    prop_assert!(
                        matches!(error.location, Location::LineColumn { .. })
                            || error.message.contains("nests")
                            || error.message.contains("expands")
                            || error.message.contains("key"),
                        "a syntax error must give a line and column: {error:?}"
                    );
                }
                check_error(error, "$", Some(text))?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The properties

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_documents_parse_or_name_a_path(document in mutated_document()) {
        check_results(&parse_value(&document), "$")?;
    }

    #[test]
    fn mutated_documents_read_as_every_shape_and_type(
        document in mutated_document(),
        type_index in 0usize..5,
        account in prop::option::of("[0-9]{12}"),
    ) {
        let resource_type = ResourceType::ALL[type_index];
        let root = "$.resource";
        for result in [
            parse_api(&document, resource_type, root),
            parse_config_item(&document, root),
            parse_cloudformation_properties(
                &document,
                resource_type,
                Some("Logical"),
                &Deployment {
                    account,
                    region: Some("eu-west-1".into()),
                    ..Deployment::default()
                },
                root,
            ),
            parse_cloudformation_properties(
                document.get("Properties").unwrap_or(&document),
                resource_type,
                None,
                &Deployment::default(),
                root,
            ),
        ] {
            check_results(std::slice::from_ref(&result), root)?;
        }
    }

    #[test]
    fn mutated_texts_parse_or_point_at_a_line(
        document in mutated_document(),
        cut in prop::option::of(0usize..1000),
        pretty in any::<bool>(),
    ) {
        let json = if pretty {
            serde_json::to_string_pretty(&document).unwrap()
        } else {
            serde_json::to_string(&document).unwrap()
        };
        let yaml = serde_yaml::to_string(&document).unwrap();
        for (text, syntax) in [(json.as_str(), Syntax::Json), (yaml.as_str(), Syntax::Yaml)] {
            let text = match cut {
                Some(at) => truncate(text, at),
                None => text,
            };
            check_text(text, syntax)?;
        }
    }

    #[test]
    fn arbitrary_texts_never_panic(
        text in prop_oneof![
            any::<String>(),
            "[{}\\[\\]\":, a-z0-9\\n!&*-]{0,200}",
            "(!Ref|!Sub|!GetAtt|!If|&a|\\*a|<<|---|\\n  - |: |\\{|\\}|\\[|\\]|\"|'|#)*",
        ],
    ) {
        check_text(&text, Syntax::Json)?;
        check_text(&text, Syntax::Yaml)?;
    }

    #[test]
    fn mutated_events_decode_or_name_a_path(event in mutated_event()) {
        match decode_event(&event) {
            Ok(decoded) => {
                prop_assert!(!decoded.result_token.is_empty() || event["resultToken"] == "");
            }
            Err(error) => {
                prop_assert!(error.path.starts_with('$'), "{error}");
                prop_assert!(!error.message.is_empty(), "{error}");
            }
        }
    }

    #[test]
    fn arbitrary_values_as_events_never_panic(value in nested_value()) {
        if let Err(error) = decode_event(&value) {
            prop_assert!(error.path.starts_with('$'), "{error}");
        }
        check_results(&parse_value(&value), "$")?;
    }
}
