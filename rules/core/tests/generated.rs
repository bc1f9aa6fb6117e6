//! Files generated from the catalogue are committed; this fails when one is stale.

use std::path::Path;

#[test]
fn docs_controls_md_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/controls.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == ecs_harden_core::export::controls_doc(),
        "{} is stale: run `cargo xtask codegen`",
        path.display()
    );
    assert!(
        committed.starts_with("<!-- GENERATED"),
        "generated files carry a do-not-edit header"
    );
}
