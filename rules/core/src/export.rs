//! The catalogue as data: JSON for tools (the CLI's `controls --format json`, the CDK app's
//! `cdk/generated/catalogue.json`) and Markdown for the docs.

use serde_json::{json, Value};

use crate::catalogue::{Control, Framework, ManagedRule, Mapping, CATALOGUE, MANAGED};
use crate::params::{ParamKind, ParamSpec};

/// One control as JSON.
pub fn control_json(control: &Control) -> Value {
    json!({
        "id": control.id,
        "ruleName": control.rule_name(),
        "crate": control.crate_name(),
        "title": control.title,
        "resourceType": control.resource_type().aws_name(),
        "severity": control.severity.as_str(),
        "gate": crate::gate::can_gate(control),
        "source": if control.is_security_hub() { "AWS Security Hub" } else { "ecs-harden" },
        "parameters": control.params.iter().map(param_json).collect::<Vec<_>>(),
        "frameworks": control.mappings.iter().map(mapping_json).collect::<Vec<_>>(),
        "remediation": control.remediation,
    })
}

fn param_json(p: &ParamSpec) -> Value {
    json!({
        "name": p.name,
        "kind": match p.kind {
            ParamKind::List { .. } => "list",
            ParamKind::Bool => "boolean",
            ParamKind::Version => "version",
            ParamKind::Regex => "regex",
        },
        "maxItems": match p.kind { ParamKind::List { max_items } => json!(max_items), _ => Value::Null },
        "default": p.default,
        "description": p.description,
    })
}

fn mapping_json(m: &Mapping) -> Value {
    json!({
        "framework": m.framework.key(),
        "frameworkName": m.framework.name(),
        "requirements": m.requirements,
        "mapping": m.source.label(),
    })
}

/// One AWS managed rule as JSON: what a conformance pack needs to deploy it (`identifier`,
/// `resourceTypes`, `trigger`, `parameters`) and what reports show of it.
pub fn managed_json(rule: &ManagedRule) -> Value {
    json!({
        "id": rule.id,
        "ruleName": rule.rule_name(),
        "title": rule.title,
        "severity": rule.severity.as_str(),
        "source": "AWS managed",
        "identifier": rule.identifier,
        "resourceTypes": rule.resource_types,
        "trigger": rule.trigger.as_str(),
        "parameters": rule.params.iter().map(param_json).collect::<Vec<_>>(),
        "frameworks": rule.mappings.iter().map(mapping_json).collect::<Vec<_>>(),
        "checks": rule.checks,
        "remediation": rule.remediation,
        "documentation": rule.documentation,
    })
}

/// The whole catalogue as JSON.
pub fn catalogue_json() -> Value {
    let environment: serde_json::Map<String, Value> = crate::contract::ENVIRONMENT
        .iter()
        .map(|v| (v.key.to_string(), json!(v.name)))
        .collect();
    json!({
        "contract": { "environment": environment },
        "controls": CATALOGUE.iter().map(|c| control_json(c)).collect::<Vec<_>>(),
        "managed": MANAGED.iter().map(|m| managed_json(m)).collect::<Vec<_>>(),
    })
}

fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The controls table of the docs, in Markdown.
pub fn controls_markdown() -> String {
    let mut out = String::new();
    out.push_str("| Control | Severity | Resource | Config rule | Title | Parameters (default) | Frameworks |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for control in CATALOGUE {
        out.push_str(&format!(
            "| {} | {} | {} | `{}` | {} | {} | {} |\n",
            control.id,
            control.severity.as_str(),
            control
                .resource_type()
                .aws_name()
                .trim_start_matches("AWS::ECS::"),
            control.rule_name(),
            escape_cell(control.title),
            params_cell(control.params),
            frameworks_cell(control.mappings),
        ));
    }
    for rule in MANAGED {
        out.push_str(&format!(
            "| {} (AWS managed) | {} | {} | `{}` (AWS managed `{}`) | {} | {} | {} |\n",
            rule.id,
            rule.severity.as_str(),
            rule.resource_types.join(", "),
            rule.rule_name(),
            rule.identifier,
            escape_cell(rule.title),
            params_cell(rule.params),
            frameworks_cell(rule.mappings),
        ));
    }
    out
}

fn params_cell(params: &[ParamSpec]) -> String {
    if params.is_empty() {
        return "–".to_string();
    }
    params
        .iter()
        .map(|p| {
            if p.default.is_empty() {
                format!("`{}` (empty)", p.name)
            } else {
                format!("`{}` (`{}`)", p.name, escape_cell(p.default))
            }
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

fn frameworks_cell(mappings: &[Mapping]) -> String {
    if mappings.is_empty() {
        return "–".to_string();
    }
    Framework::ALL
        .iter()
        .filter_map(|f| mappings.iter().find(|m| m.framework == *f))
        .map(|m| {
            let own = match m.source {
                crate::catalogue::MappingSource::EcsHarden => " (ecs-harden's own)",
                crate::catalogue::MappingSource::AwsSecurityHub => "",
            };
            format!(
                "{}: {}{own}",
                m.framework.key().to_uppercase(),
                m.requirements.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Header of every generated file (in the comment syntax of its format).
pub const GENERATED_NOTICE: &str =
    "GENERATED by `cargo xtask codegen` from the catalogue (rules/core/src/controls). Do not edit.";

/// `docs/controls.md`.
pub fn controls_doc() -> String {
    let mut out = format!("<!-- {GENERATED_NOTICE} -->\n\n");
    out.push_str("# Controls\n\n");
    out.push_str(
        "Every control ecs-harden enforces. `ECS.*` follow AWS Security Hub's ECS controls (with \
         the exact semantics in the catalogue's doc comments); `HARDEN.*` are this project's own \
         hardening controls. Framework mappings marked \"ecs-harden's own\" are not AWS's. \
         Entries marked \"AWS managed\" are AWS Config managed rules the packs deploy as they are \
         (see [AWS managed rules](#aws-managed-rules)).\n\n",
    );
    out.push_str(&controls_markdown());
    out.push_str("\nRemediation, per control:\n\n");
    for control in CATALOGUE {
        out.push_str(&format!("- **{}**: {}\n", control.id, control.remediation));
    }
    for rule in MANAGED {
        out.push_str(&format!("- **{}**: {}\n", rule.id, rule.remediation));
    }
    out.push_str(&managed_doc());
    out.push_str(
        "\n## Semantics\n\nExactly what each control checks, as the doc comment of its evaluator \
         (`rules/core/src/controls/<id>.rs`) states it.\n",
    );
    for control in CATALOGUE {
        out.push_str(&format!("\n### {}: {}\n\n", control.id, control.title));
        match semantics(control) {
            Some(doc) => out.push_str(&doc),
            None => out.push_str("(The evaluator has no doc comment.)"),
        }
        out.push('\n');
    }
    out
}

/// The "AWS managed rules" section of `docs/controls.md`.
fn managed_doc() -> String {
    let mut out = String::from(
        "\n## AWS managed rules\n\nWhere AWS Config already has exactly the right rule, the \
         catalogue lists it instead of rewriting it. The conformance packs deploy it with \
         `Source.Owner: AWS` under the rule name shown, the evidence report lists its results \
         beside the controls (marked \"AWS managed\") and `ecs-harden controls` shows it. AWS \
         Config evaluates it: there is no Lambda for it, `check` does not judge it, and `scan` \
         names it as evaluated by AWS Config rather than reading the registry or GuardDuty \
         itself (that would take SDK clients the CLI does not carry, and ECR.1 depends on the \
         registry's scanning configuration as well as the repository).\n",
    );
    for rule in MANAGED {
        out.push_str(&format!(
            "\n### {} (AWS managed): {}\n\n- Config rule: `{}`, identifier `{}` ([documentation]({}))\n\
             - Resource types: {}\n- Trigger: {}\n- Parameters: {}\n- What it checks: {}\n",
            rule.id,
            rule.title,
            rule.rule_name(),
            rule.identifier,
            rule.documentation,
            rule.resource_types.join(", "),
            rule.trigger.as_str(),
            if rule.params.is_empty() {
                "none".to_string()
            } else {
                params_cell(rule.params)
            },
            rule.checks,
        ));
    }
    out
}

/// The doc comment of a control's evaluator (the `///` lines directly above `pub fn evaluate`),
/// as Markdown; `None` when it has none.
pub fn semantics(control: &Control) -> Option<String> {
    let index = CATALOGUE.iter().position(|c| std::ptr::eq(*c, control))?;
    let lines = evaluator_doc(crate::controls::SOURCES.get(index)?)?;
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The `///` lines directly above `pub fn evaluate` in a control's source, without their
/// `///` prefix (and the one space after it); `None` when there is no `pub fn evaluate(`.
pub fn evaluator_doc(source: &str) -> Option<Vec<String>> {
    let lines: Vec<&str> = source.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("pub fn evaluate("))?;
    let mut doc: Vec<String> = lines[..at]
        .iter()
        .rev()
        .map(|l| l.trim())
        .take_while(|l| l.starts_with("///"))
        .map(|l| {
            let text = l.trim_start_matches("///");
            text.strip_prefix(' ')
                .unwrap_or(text)
                .trim_end()
                .to_string()
        })
        .collect();
    doc.reverse();
    Some(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_doc_reader_sees_only_the_comment_directly_above_evaluate() {
        let documented =
            "/// **What**: fails on x.\n///\n/// **Why**: y.\npub fn evaluate(td: &T) {}\n";
        assert_eq!(
            evaluator_doc(documented).unwrap(),
            vec!["**What**: fails on x.", "", "**Why**: y."]
        );
        let detached =
            "/// **What**: about something else.\nconst X: u8 = 1;\n\npub fn evaluate(td: &T) {}\n";
        assert_eq!(evaluator_doc(detached).unwrap(), Vec::<String>::new());
        assert_eq!(evaluator_doc("fn other() {}"), None);
    }

    #[test]
    fn the_docs_carry_every_controls_semantics() {
        let doc = controls_doc();
        let section = doc
            .split_once("\n## Semantics\n")
            .map(|(_, rest)| rest)
            .expect("docs/controls.md has a Semantics section");
        for control in CATALOGUE {
            let semantics = semantics(control)
                .unwrap_or_else(|| panic!("{}: its evaluator has no doc comment", control.id));
            assert!(
                semantics.starts_with("**What**"),
                "{}: the evaluator's doc comment starts with **What**",
                control.id
            );
            let heading = format!("### {}: {}\n\n{semantics}\n", control.id, control.title);
            assert!(
                section.contains(&heading),
                "{}: the Semantics section lacks its doc comment",
                control.id
            );
        }
    }

    #[test]
    fn aws_managed_rules_are_listed_as_aws_managed_everywhere() {
        let json = catalogue_json();
        let managed = json["managed"].as_array().expect("a managed list");
        let identifiers: Vec<&str> = managed
            .iter()
            .map(|m| m["identifier"].as_str().unwrap())
            .collect();
        assert_eq!(
            identifiers,
            [
                "ECR_PRIVATE_IMAGE_SCANNING_ENABLED",
                "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED",
                "GUARDDUTY_ECS_PROTECTION_RUNTIME_ENABLED"
            ]
        );
        assert!(managed.iter().all(|m| m["source"] == "AWS managed"));
        assert_eq!(managed[0]["trigger"], "Periodic");
        assert_eq!(
            managed[1]["resourceTypes"],
            serde_json::json!(["AWS::ECR::Repository"])
        );
        let markdown = controls_markdown();
        for rule in MANAGED {
            let row = markdown
                .lines()
                .find(|l| l.starts_with(&format!("| {} (AWS managed) |", rule.id)))
                .unwrap_or_else(|| panic!("{}: no row in the controls table", rule.id));
            assert!(row.contains(rule.identifier), "{row}");
        }
        let doc = controls_doc();
        assert!(doc.contains("\n## AWS managed rules\n"));
        assert!(doc.contains(
            "### GuardDuty.12 (AWS managed): GuardDuty ECS Runtime Monitoring should be enabled"
        ));
    }
}
