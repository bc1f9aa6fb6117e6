//! Property tests for the Terraform readers: `terraform show -json` plans and states, `.tf.json`
//! configurations and `.tf` files taken from the fixture corpus (`tests/fixtures`) and then
//! mutated never panic; a decoded document's errors name a JSON path under the document's root,
//! an HCL text's errors a line and column inside the text (or a JSON path under `$.resource`
//! for a resource that parses but cannot be read). Every resource that reads is evaluated by
//! every control without a panic and with an annotation AWS Config accepts, and the HCL
//! position index is built without a panic.
//!
//! `PROPTEST_CASES` overrides the case count (256 by default). Failing seeds are kept in
//! `rules/core/proptest-regressions/properties_terraform.txt` and replayed first on every run.

use std::sync::OnceLock;

use ecs_harden_core::error::{Location, ParseError};
use ecs_harden_core::model::Resource;
use ecs_harden_core::parse::terraform::hcl_positions;
use ecs_harden_core::parse::{parse_text, parse_value, Syntax};
use ecs_harden_core::verdict::{Verdict, MAX_ANNOTATION_CHARS};
use ecs_harden_core::CATALOGUE;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{json, Value};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties_terraform.txt",
        ))),
        ..ProptestConfig::default()
    }
}

struct Corpus {
    /// Plans, states and `.tf.json` configurations.
    documents: Vec<Value>,
    /// `.tf` texts.
    texts: Vec<String>,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
        let mut documents = Vec::new();
        let mut texts = Vec::new();
        let mut dirs: Vec<_> = std::fs::read_dir(root.join("cases"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        for dir in dirs {
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("tf-"))
                })
                .collect();
            files.sort();
            for file in files {
                let case: Value =
                    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
                match &case["resource"] {
                    Value::String(text) => texts.push(text.clone()),
                    document => {
                        documents.push(document.clone());
                        documents.extend(as_configuration(document));
                    }
                }
            }
        }
        let mut equivalent: Vec<_> = std::fs::read_dir(root.join("equivalent"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        equivalent.sort();
        for dir in equivalent {
            texts.push(std::fs::read_to_string(dir.join("main.tf")).unwrap());
        }
        assert!(documents.len() > 100, "{} documents", documents.len());
        assert!(texts.len() > 50, "{} texts", texts.len());
        Corpus { documents, texts }
    })
}

/// A plan's resources written as a `.tf.json` configuration (values as they are; blocks stay
/// lists, which the configuration syntax allows).
fn as_configuration(plan: &Value) -> Option<Value> {
    let changes = plan.get("resource_changes")?.as_array()?;
    let mut resources = serde_json::Map::new();
    for change in changes {
        let (Some(kind), Some(name), Some(after)) = (
            change.get("type").and_then(Value::as_str),
            change.get("name").and_then(Value::as_str),
            change.pointer("/change/after"),
        ) else {
            continue;
        };
        resources
            .entry(kind.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()?
            .insert(name.to_string(), after.clone());
    }
    Some(json!({ "resource": resources }))
}

// ---------------------------------------------------------------------------------------------
// Mutations of decoded documents

#[derive(Clone, Debug)]
enum Mutation {
    DropKey,
    Replace(Value),
    Nest(usize),
    Grow(usize),
    Duplicate(usize),
}

fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(1e308)),
        Just(json!("")),
        Just(json!("2.0")),
        Just(json!("1.2")),
        Just(json!("aws_ecs_task_definition")),
        Just(json!("aws_ecs_service")),
        Just(json!("awscc_ecs_cluster")),
        Just(json!("managed")),
        Just(json!("data")),
        Just(json!("[{\"name\": \"a\", \"privileged\": true}]")),
        Just(json!("[{\"name\": ")),
        Just(json!("${var.x}:latest")),
        Just(json!("${jsonencode([{name = \"a\"}])}")),
        Just(json!("%{ if var.x }a%{ endif }")),
        Just(json!("${")),
        Just(json!({"$unresolved": "var.x"})),
        Just(json!({"$template": ["a", {"$unresolved": "b"}]})),
        Just(json!({"$template": 5})),
        Just(json!([{"assign_public_ip": "yes"}])),
        Just(json!([{}, {}])),
        Just(json!([[true]])),
        Just(json!({"dynamic": {"volume": {"for_each": 1}}})),
        any::<String>().prop_map(Value::String),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => Just(Mutation::DropKey),
        5 => odd_value().prop_map(Mutation::Replace),
        1 => (1usize..130).prop_map(Mutation::Nest),
        1 => (10usize..5_000).prop_map(Mutation::Grow),
        1 => (2usize..20).prop_map(Mutation::Duplicate),
    ]
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

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
    at_node(document, &mut index, &mut |node| match mutation {
        Mutation::DropKey => match node {
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(target % map.len()).cloned();
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                items.remove(target % items.len());
            }
            _ => {}
        },
        Mutation::Replace(value) => *node = value.clone(),
        Mutation::Nest(depth) => {
            let mut wrapped = node.take();
            for _ in 0..*depth {
                wrapped = json!([wrapped]);
            }
            *node = wrapped;
        }
        Mutation::Grow(times) => {
            let base = node.as_str().filter(|s| !s.is_empty()).unwrap_or("é${x}");
            *node = Value::String(base.repeat((*times).min(1 + 100_000 / base.len())));
        }
        Mutation::Duplicate(times) => {
            if let Value::Array(items) = node {
                let copy = items.clone();
                for _ in 1..(*times).min(1 + 100 / copy.len().max(1)) {
                    items.extend(copy.iter().cloned());
                }
            }
        }
    });
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

// ---------------------------------------------------------------------------------------------
// Mutations of HCL texts

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, &'static str),
    Delete(usize, usize),
    Repeat(usize, usize, usize),
    Truncate(usize),
}

const SNIPPETS: [&str; 24] = [
    "${",
    "}",
    "{",
    "\"",
    "[",
    "]",
    "<<EOF\n[{\"a\": ${var.x}}]\nEOF\n",
    "<<-EOT\n  x\n",
    "jsonencode(",
    "jsonencode([{ name = var.n, privileged = true }])",
    "dynamic \"volume\" {\n for_each = var.v\n content { name = 1 }\n}\n",
    "\nresource \"aws_ecs_service\" \"x\" {\n",
    "\nresource \"aws_ecs_task_definition\" \"t\" { container_definitions = \"[\" }\n",
    "= ",
    " ? \"host\" : \"host\"",
    "%{ for x in y }",
    "[for v in var.x : v]",
    "var.a[*].b",
    "\u{0}\u{202e}é\u{1F600}",
    "-",
    "!",
    "# comment\n",
    "/* x */",
    "\n",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(at, i)| Edit::Insert(at, SNIPPETS[i])),
        3 => (any::<usize>(), 1usize..200).prop_map(|(at, n)| Edit::Delete(at, n)),
        1 => (any::<usize>(), 1usize..200, 2usize..30).prop_map(|(at, n, t)| Edit::Repeat(at, n, t)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutated_text() -> impl Strategy<Value = String> {
    let count = corpus().texts.len();
    (0..count, prop::collection::vec(edit(), 1..6)).prop_map(|(pick, edits)| {
        let mut text = corpus().texts[pick].clone();
        for edit in edits {
            match edit {
                Edit::Insert(at, snippet) => {
                    let at = boundary(&text, at);
                    text.insert_str(at, snippet);
                }
                Edit::Delete(at, length) => {
                    let start = boundary(&text, at);
                    let end = boundary(&text, start + length).max(start);
                    text.replace_range(start..end, "");
                }
                Edit::Repeat(at, length, times) => {
                    let start = boundary(&text, at);
                    let end = boundary(&text, start + length).max(start);
                    let piece = text[start..end].repeat(times);
                    text.insert_str(end, &piece);
                }
                Edit::Truncate(at) => {
                    let at = boundary(&text, at);
                    text.truncate(at);
                }
            }
        }
        text
    })
}

// ---------------------------------------------------------------------------------------------
// What every result must satisfy

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

fn check_path_error(error: &ParseError, root: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !error.message.trim().is_empty(),
        "an error without a message"
    );
    match &error.location {
        Location::Path(path) => prop_assert!(
            path.starts_with(root),
            "the path {path:?} is not under {root:?}: {error}"
        ),
        other => prop_assert!(
            false,
            "a decoded document's error must name a JSON path: {other:?} {error}"
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_plans_states_and_configurations_parse_or_name_a_path(document in mutated_document()) {
        for result in parse_value(&document) {
            match result {
                Ok(resource) => check_evaluations(&resource)?,
                Err(error) => check_path_error(&error, "$")?,
            }
        }
    }

    #[test]
    fn mutated_tf_files_parse_or_point_at_a_line(text in mutated_text()) {
        let lines = text.lines().count().max(1);
        let index = hcl_positions(&text);
        for result in parse_text(&text, Syntax::Hcl) {
            match result {
                Ok(resource) => {
                    check_evaluations(&resource)?;
                    // Every resource read has its place in the position index.
                    let position = index.get(&resource.meta.json_path);
                    prop_assert!(
                        position.is_some_and(|p| p.line >= 1 && p.line <= lines),
                        "{}: {position:?} of {lines} lines",
                        resource.meta.json_path
                    );
                }
                Err(error) => {
                    prop_assert!(!error.message.trim().is_empty());
                    match &error.location {
                        Location::LineColumn { line, column } => {
                            prop_assert!(*line >= 1 && *column >= 1, "{error}");
                            prop_assert!(*line <= lines + 1, "line {line} of {lines}: {error}");
                        }
                        Location::Path(path) => {
                            prop_assert!(path.starts_with("$.resource"), "{error}");
                        }
                        Location::Document => prop_assert!(false, "{error}"),
                    }
                }
            }
        }
    }

    #[test]
    fn arbitrary_texts_as_hcl_never_panic(
        text in prop_oneof![
            any::<String>(),
            "[a-z_ ={}\\[\\]\"$<>%(),.:?!*\\n-]{0,300}",
            "(resource|\"aws_ecs_service\"|\"x\"|\\{|\\}|\\$\\{|%\\{|<<EOF\\n|\\nEOF\\n|=|\\[|\\]|\"| |\\n)*",
        ],
    ) {
        for result in parse_text(&text, Syntax::Hcl) {
            if let Err(error) = result {
                prop_assert!(!matches!(error.location, Location::Document), "{error}");
            }
        }
        let _ = hcl_positions(&text);
    }
}
