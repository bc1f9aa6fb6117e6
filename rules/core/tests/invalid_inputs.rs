//! Every malformed input of the corpus (`tests/fixtures/invalid/`) gives an error, no
//! verdict, and points where `invalid/EXPECTED.md` says: a JSON path for structural errors, a
//! line and column for syntax errors, the document for empty input.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ecs_harden_core::error::Location;
use ecs_harden_core::parse::{parse_text, Syntax};

fn invalid_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/invalid");
    assert!(
        dir.is_dir(),
        "the fixture corpus is missing: expected {}",
        dir.display()
    );
    dir
}

/// Where the error must point.
enum At {
    /// Exactly this JSON path.
    Path(&'static str),
    /// This line; `Some(column)` pins the column too.
    Line(usize, Option<usize>),
    /// The document as a whole.
    Document,
}

/// file, where the error must point, and a word the message must contain (case-insensitive)
/// so that it says what is wrong.
const EXPECTED: &[(&str, At, &str)] = &[
    ("not-json.json", At::Line(1, Some(1)), "JSON"),
    // The file stops in `"readonlyRootFilesystem": tr` on line 16.
    ("truncated.json", At::Line(16, None), "JSON"),
    ("empty.json", At::Document, "empty"),
    ("top-level-array.json", At::Path("$"), "array"),
    (
        "container-definitions-string.json",
        At::Path("$.containerDefinitions"),
        "string",
    ),
    (
        "privileged-object.json",
        At::Path("$.containerDefinitions[1].privileged"),
        "boolean",
    ),
    (
        "missing-container-definitions.json",
        At::Path("$.containerDefinitions"),
        "missing",
    ),
    (
        "environment-as-map.json",
        At::Path("$.containerDefinitions[0].environment"),
        "array",
    ),
    (
        "container-entry-null.json",
        At::Path("$.containerDefinitions[1]"),
        "null",
    ),
    (
        "cfn-readonly-root-filesystem-yes.json",
        At::Path("$.Properties.ContainerDefinitions[0].ReadonlyRootFilesystem"),
        "boolean",
    ),
    (
        "cfn-properties-string.json",
        At::Path("$.Properties"),
        "object",
    ),
    (
        "service-assign-public-ip-boolean.json",
        At::Path("$.networkConfiguration.awsvpcConfiguration.assignPublicIp"),
        "ENABLED",
    ),
];

fn input_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(invalid_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file() && path.file_name().is_some_and(|n| n != "EXPECTED.md"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_invalid_input_is_an_error_at_the_expected_location() {
    let mut failures = Vec::new();
    let files = input_files();
    assert!(!files.is_empty(), "no invalid inputs found");
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let Some((_, at, word)) = EXPECTED.iter().find(|(file, _, _)| *file == name) else {
            failures.push(format!(
                "{name}: no expectation in this test's table; add one from EXPECTED.md"
            ));
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let syntax = if name.ends_with(".json") {
            Syntax::Json
        } else {
            Syntax::for_file(name, &text)
        };
        let results = parse_text(&text, syntax);
        if results.is_empty() {
            failures.push(format!("{name}: neither a resource nor an error"));
            continue;
        }
        if results.iter().any(Result::is_ok) {
            failures.push(format!(
                "{name}: a resource was read from a broken document"
            ));
            continue;
        }
        if results.len() != 1 {
            failures.push(format!("{name}: {} errors, expected one", results.len()));
        }
        let error = results[0].as_ref().unwrap_err();
        let located = match (at, &error.location) {
            (At::Path(want), Location::Path(got)) => want == got,
            (At::Line(line, column), Location::LineColumn { line: l, column: c }) => {
                line == l && column.unwrap_or(*c) == *c
            }
            (At::Document, Location::Document) => true,
            _ => false,
        };
        if !located {
            failures.push(format!("{name}: wrong location in {error:?}"));
        }
        if !error.message.to_lowercase().contains(&word.to_lowercase()) {
            failures.push(format!(
                "{name}: the message {:?} does not say {word:?}",
                error.message
            ));
        }
        // The rendered error leads with its location.
        let shown = error.to_string();
        if !shown.starts_with(&error.location.to_string()) {
            failures.push(format!(
                "{name}: {shown:?} does not start with its location"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_matches_the_files_and_expected_md() {
    let present: BTreeSet<String> = input_files()
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    let md = std::fs::read_to_string(invalid_dir().join("EXPECTED.md")).unwrap();
    for (file, at, _) in EXPECTED {
        assert!(
            present.contains(*file),
            "{file} is in this test's table but not in the invalid folder"
        );
        let row = md
            .lines()
            .find(|line| line.starts_with(&format!("| `{file}`")))
            .unwrap_or_else(|| panic!("{file} has no row in EXPECTED.md"));
        let pointer = row.trim_end_matches('|').rsplit('|').next().unwrap().trim();
        let agrees = match at {
            At::Path(path) => pointer.starts_with(&format!("`{path}`")),
            At::Line(line, Some(column)) => pointer == format!("line {line}, column {column}"),
            At::Line(line, None) => pointer.starts_with(&format!("line {line} ")),
            At::Document => pointer.contains("empty input"),
        };
        assert!(
            agrees,
            "{file}: this test and EXPECTED.md disagree ({pointer:?})"
        );
    }
}
