//! `--format json`: `{"results": [...], "errors": [...]}` for pipelines.

use serde_json::json;

use crate::check::Report;

pub fn render(report: &Report) -> String {
    let mut results = Vec::new();
    for file in &report.files {
        for resource in &file.resources {
            for finding in &resource.findings {
                let mut result = json!({
                    "path": file.path,
                    "resourceType": resource.resource_type.aws_name(),
                    "resourceId": resource.resource_id,
                    "control": finding.control.id,
                    "verdict": finding.outcome.verdict.as_str(),
                    "annotation": finding.outcome.annotation,
                });
                if let Some(accepted) = &finding.exception {
                    result["exception"] = json!({
                        "id": accepted.id,
                        "owner": accepted.owner,
                        "expires": accepted.expires.to_string(),
                    });
                }
                if let Some(position) = finding.position {
                    result["line"] = json!(position.line);
                    result["column"] = json!(position.column);
                }
                results.push(result);
            }
        }
    }
    let errors: Vec<_> = report
        .all_errors()
        .into_iter()
        .map(|(path, message)| json!({"path": path, "message": message}))
        .collect();
    let warnings: Vec<_> = report
        .files
        .iter()
        .flat_map(|file| {
            file.resources.iter().flat_map(move |resource| {
                resource.warnings.iter().map(move |message| {
                    json!({"path": file.path, "resourceId": resource.resource_id, "message": message})
                })
            })
        })
        .chain(
            report
                .warnings
                .iter()
                .map(|(path, message)| json!({"path": path, "message": message})),
        )
        .collect();
    let skipped: Vec<_> = report
        .skipped
        .iter()
        .map(|s| json!({"path": s.path, "reason": s.reason}))
        .collect();
    let document = json!({
        "results": results,
        "errors": errors,
        "warnings": warnings,
        "skipped": skipped,
    });
    let mut out = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"errors\":[{{\"path\":\"\",\"message\":\"{e}\"}}]}}"));
    out.push('\n');
    out
}
