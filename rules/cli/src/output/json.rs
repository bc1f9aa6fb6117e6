//! `--format json`: `{"results": [...], "errors": [...]}` for pipelines.

use serde_json::json;

use crate::check::Report;

pub fn render(report: &Report) -> String {
    let mut results = Vec::new();
    for file in &report.files {
        for resource in &file.resources {
            for finding in &resource.findings {
                results.push(json!({
                    "path": file.path,
                    "resourceType": resource.resource_type.aws_name(),
                    "resourceId": resource.resource_id,
                    "control": finding.control.id,
                    "verdict": finding.outcome.verdict.as_str(),
                    "annotation": finding.outcome.annotation,
                }));
            }
        }
    }
    let errors: Vec<_> = report
        .all_errors()
        .into_iter()
        .map(|(path, message)| json!({"path": path, "message": message}))
        .collect();
    let mut out = serde_json::to_string_pretty(&json!({"results": results, "errors": errors}))
        .unwrap_or_else(|e| format!("{{\"errors\":[{{\"path\":\"\",\"message\":\"{e}\"}}]}}"));
    out.push('\n');
    out
}
