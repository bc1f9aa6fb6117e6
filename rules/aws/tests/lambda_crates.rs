//! One Lambda crate per catalogue control, and nothing else under rules/.

use std::collections::BTreeSet;
use std::path::Path;

use ecs_harden_core::CATALOGUE;

/// Crates under rules/ that are not per-control Lambdas.
const SHARED_CRATES: [&str; 5] = ["aws", "cli", "core", "findings", "gate"];

#[test]
fn lambda_crates_match_the_catalogue_one_to_one() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&rules)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|name| !SHARED_CRATES.contains(&name.as_str()))
        .collect();
    let expected: BTreeSet<String> = CATALOGUE.iter().map(|c| c.crate_name()).collect();
    let missing: Vec<_> = expected.difference(&on_disk).collect();
    let extra: Vec<_> = on_disk.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "Lambda crates out of step with the catalogue; missing: {missing:?} (run `cargo xtask new-control ID`), extra: {extra:?}"
    );
    for control in CATALOGUE {
        let dir = rules.join(control.crate_name());
        let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
        assert!(
            main.contains(&format!("ecs_harden_aws::serve(\"{}\")", control.id)),
            "{} does not serve {}",
            dir.display(),
            control.id
        );
        assert!(
            main.lines().count() <= 12,
            "{}: a Lambda main stays a few lines",
            dir.display()
        );
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains(&format!("name = \"{}\"", control.crate_name())));
    }
}
