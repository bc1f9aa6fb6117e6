//! HARDEN.9: Secret-looking environment variables should not carry literal values.

use super::{container_offenders, own_nist};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, TaskDefinition};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "HARDEN.9",
    slug: "no-plaintext-secret-env",
    title: "Secret-looking environment variables should not carry literal values",
    severity: Severity::High,
    params: &[ParamSpec {
        name: "secretNamePattern",
        kind: ParamKind::Regex,
        default: "(?i)(password|passwd|secret|token|api_?key|private_?key|credential)",
        description: "Regular expression for environment variable names that hold secrets.",
    }],
    mappings: &[own_nist(&["IA-5(7)"])],
    remediation: "Move the value to Secrets Manager or SSM Parameter Store and reference it from secrets[] with valueFrom.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when any container's `environment[]` entry has a name matching
/// `secretNamePattern` and a non-empty literal value. The annotation names the variable and
/// never its value; the resource model does not even keep values.
///
/// **Why**: literal values sit in plain text in every task definition revision, forever, and
/// are readable by anyone who can describe task definitions.
///
/// **Example**: `DB_PASSWORD` with a literal value fails; the same name in `secrets[]` passes.
///
/// **Fix**: `secrets[]` with `valueFrom`.
pub fn evaluate(td: &TaskDefinition, params: &Params) -> Outcome {
    let Some(pattern) = params.regex("secretNamePattern") else {
        return Outcome::compliant();
    };
    container_offenders(
        td,
        "environment",
        "Secret-looking variables with literal values",
        "Use secrets with valueFrom instead.",
        |c| {
            let names: Vec<&str> = c
                .environment
                .iter()
                .filter(|e| e.has_literal_value == Field::Known(true))
                .filter_map(|e| e.name.known())
                .filter(|name| pattern.is_match(name))
                .map(String::as_str)
                .collect();
            (!names.is_empty()).then(|| format!("{} ({})", c.display_name(), names.join(", ")))
        },
    )
}
