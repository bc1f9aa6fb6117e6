//! Every control's evaluator carries the doc comment the generated documentation is built from:
//! `/// **What**: …`, then **Why**, **Example** and **Fix**, directly above `pub fn evaluate`
//! in `src/controls/<id>.rs` (`ECS.4` → `ecs_4.rs`, `HARDEN.1` → `harden_1.rs`). The reader is
//! the one `docs/controls.md` is generated with (`export::evaluator_doc`).

use std::path::Path;

use ecs_harden_core::catalogue;
use ecs_harden_core::export::evaluator_doc;

#[test]
fn every_evaluator_has_a_what_why_example_fix_doc_comment() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/controls");
    let mut failures = Vec::new();
    for control in catalogue::CATALOGUE {
        let file = format!("{}.rs", control.id.to_ascii_lowercase().replace('.', "_"));
        let source = match std::fs::read_to_string(dir.join(&file)) {
            Ok(source) => source,
            Err(e) => {
                failures.push(format!("{}: cannot read {file}: {e}", control.id));
                continue;
            }
        };
        if !source.contains(&format!("id: \"{}\"", control.id)) {
            failures.push(format!("{}: {file} does not define it", control.id));
        }
        let Some(doc) = evaluator_doc(&source) else {
            failures.push(format!("{}: {file} has no `pub fn evaluate(`", control.id));
            continue;
        };
        let what = doc.iter().find_map(|l| l.strip_prefix("**What**"));
        match what {
            Some(rest) if rest.trim_start_matches(':').trim().len() > 10 => {}
            Some(_) => failures.push(format!(
                "{}: the **What** line of {file} is empty",
                control.id
            )),
            None => failures.push(format!(
                "{}: no `/// **What**` doc comment directly above `pub fn evaluate` in {file}",
                control.id
            )),
        }
        for section in ["**Why**", "**Example**", "**Fix**"] {
            if !doc.iter().any(|l| l.starts_with(section)) {
                failures.push(format!(
                    "{}: {file}'s evaluator doc lacks {section}",
                    control.id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
