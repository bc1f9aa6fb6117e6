//! `--format sarif`: SARIF 2.1.0 for code-scanning dashboards. NON_COMPLIANT verdicts are
//! results; documents that could not be read are tool execution notifications. A result the
//! exception register accepts carries an `external` suppression with status `accepted`, the
//! entry's reason as justification and its id, owner and expiry as properties.

use serde_json::{json, Value};

use crate::check::Report;
use ecs_harden_core::catalogue::Severity;
use ecs_harden_core::parse::position::Position;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// A file path as a relative URI reference (forward slashes, spaces and `%` escaped).
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            _ => out.push(c),
        }
    }
    out
}

/// A SARIF physicalLocation: the file, and the line and column when known.
fn physical(path: &str, position: Option<Position>) -> Value {
    let mut physical = json!({"artifactLocation": {"uri": uri(path)}});
    if let Some(p) = position {
        physical["region"] = json!({"startLine": p.line, "startColumn": p.column});
    }
    physical
}

pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = report
        .controls
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.rule_name(),
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": format!("{} ({}, {} severity)", c.title, c.resource_type(), c.severity.as_str())},
                "help": {"text": c.remediation},
                "defaultConfiguration": {"level": level(c.severity)},
                "properties": {
                    "severity": c.severity.as_str(),
                    "resourceType": c.resource_type().aws_name(),
                    "tags": ["security", "ecs"],
                },
            })
        })
        .collect();
    let mut results = Vec::new();
    for file in &report.files {
        for resource in &file.resources {
            for finding in &resource.findings {
                if finding.outcome.verdict != ecs_harden_core::Verdict::NonCompliant {
                    continue;
                }
                let rule_index = report
                    .controls
                    .iter()
                    .position(|c| c.id == finding.control.id)
                    .unwrap_or(0);
                let mut result = json!({
                    "ruleId": finding.control.id,
                    "ruleIndex": rule_index,
                    "level": level(finding.control.severity),
                    "message": {"text": format!(
                        "{}: {}",
                        resource.resource_id,
                        finding.outcome.annotation.as_deref().unwrap_or(finding.control.title)
                    )},
                    "locations": [{
                        "physicalLocation": physical(&file.path, finding.position.or(resource.position)),
                        "logicalLocations": [{
                            "fullyQualifiedName": resource.resource_id,
                            "kind": "resource",
                        }],
                    }],
                    "properties": {"resourceType": resource.resource_type.aws_name()},
                });
                if let Some(accepted) = &finding.exception {
                    result["suppressions"] = json!([{
                        "kind": "external",
                        "status": "accepted",
                        "justification": accepted.reason,
                        "properties": {
                            "exceptionId": accepted.id,
                            "owner": accepted.owner,
                            "expires": accepted.expires.to_string(),
                        },
                    }]);
                }
                results.push(result);
            }
        }
    }
    let mut notifications = Vec::new();
    for (path, message) in &report.path_errors {
        notifications.push(json!({
            "level": "error",
            "message": {"text": format!("{path}: {message}")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(path)}}}],
        }));
    }
    for file in &report.files {
        for error in &file.errors {
            notifications.push(json!({
                "level": "error",
                "message": {"text": format!("{}: {}", file.path, error.message)},
                "locations": [{"physicalLocation": physical(&file.path, error.position)}],
            }));
        }
        for resource in &file.resources {
            for warning in &resource.warnings {
                notifications.push(json!({
                    "level": "warning",
                    "message": {"text": format!("{}: {}: {warning}", file.path, resource.resource_id)},
                    "locations": [{"physicalLocation": physical(&file.path, resource.position)}],
                }));
            }
        }
    }
    for (path, warning) in &report.warnings {
        notifications.push(json!({
            "level": "warning",
            "message": {"text": format!("{path}: {warning}")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(path)}}}],
        }));
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ecs-harden",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": !notifications.iter().any(|n| n["level"] == "error"),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}
