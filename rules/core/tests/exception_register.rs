//! The published JSON Schema of the exception register (`schemas/exceptions.schema.json`)
//! accepts the example register, and the register reader agrees with it.

use std::path::{Path, PathBuf};

use ecs_harden_core::exceptions::{Date, Register};
use ecs_harden_core::parse::{load, Syntax};
use serde_json::{json, Value};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(repository().join("schemas/exceptions.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        schema["$schema"], "http://json-schema.org/draft-04/schema#",
        "the CDK app validates the register with the draft 4 keywords"
    );
    jsonschema::validator_for(&schema).unwrap()
}

fn example() -> Value {
    let text =
        std::fs::read_to_string(repository().join("schemas/exceptions.example.yaml")).unwrap();
    load(&text, Syntax::Yaml).unwrap()
}

#[test]
fn the_example_register_validates_against_the_schema_and_reads() {
    let validator = schema();
    let example = example();
    let errors: Vec<String> = validator
        .iter_errors(&example)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let register = Register::from_value(
        &example,
        "schemas/exceptions.example.yaml",
        Date::parse("2026-12-05").unwrap(),
    )
    .unwrap();
    assert_eq!(register.entries().len(), 2);
}

#[test]
fn the_schema_refuses_what_the_reader_refuses() {
    let validator = schema();
    let today = Date::parse("2026-12-05").unwrap();
    let entry = || example()["exceptions"][0].clone();
    let mut cases = Vec::new();
    let mut no_expiry = entry();
    no_expiry.as_object_mut().unwrap().remove("expires");
    cases.push(("no expiry", no_expiry));
    let mut bad_date = entry();
    bad_date["expires"] = json!("30/06/2027");
    cases.push(("a date that is not YYYY-MM-DD", bad_date));
    let mut unknown = entry();
    unknown["approver"] = json!("someone");
    cases.push(("an unknown field", unknown));
    let mut no_resources = entry();
    no_resources["resources"] = json!([]);
    cases.push(("no resources", no_resources));
    for (what, entry) in cases {
        let register = json!({"exceptions": [entry]});
        assert!(!validator.is_valid(&register), "the schema takes {what}");
        assert!(
            Register::from_value(&register, "register", today).is_err(),
            "the reader takes {what}"
        );
    }
}
