//! `--format json`: `{"errors": [...], "results": [...], "skipped": [...], "warnings": [...]}`
//! for pipelines. Keys are written in alphabetical order at every level, as a pipeline diffing
//! two reports expects them to stay; the document is serialised straight from the report,
//! without an intermediate tree, the results on every thread.

use rayon::prelude::*;
use serde::Serialize;

use crate::check::Report;

/// One control's verdict on one resource.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Result<'a> {
    annotation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    control: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    exception: Option<Exception<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    path: &'a str,
    resource_id: &'a str,
    resource_type: &'a str,
    verdict: &'a str,
}

/// The register entry that accepts a NON_COMPLIANT verdict.
#[derive(Serialize)]
struct Exception<'a> {
    expires: String,
    id: &'a str,
    owner: &'a str,
}

#[derive(Serialize)]
struct PathMessage<'a> {
    message: &'a str,
    path: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Warning<'a> {
    message: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_id: Option<&'a str>,
}

#[derive(Serialize)]
struct SkippedFile<'a> {
    path: &'a str,
    reason: &'a str,
}

pub fn render(report: &Report) -> String {
    // The results, the bulk of a large report, are written file by file on every thread, then
    // joined in the files' order.
    let results: Vec<Vec<u8>> = report
        .files
        .par_iter()
        .map(|file| {
            let mut out = Vec::new();
            for resource in &file.resources {
                for finding in &resource.findings {
                    let row = Result {
                        annotation: finding.outcome.annotation.as_deref(),
                        column: finding.position.map(|p| p.column),
                        control: finding.control.id,
                        exception: finding.exception.as_ref().map(|accepted| Exception {
                            expires: accepted.expires.to_string(),
                            id: &accepted.id,
                            owner: &accepted.owner,
                        }),
                        line: finding.position.map(|p| p.line),
                        path: &file.path,
                        resource_id: &resource.resource_id,
                        resource_type: resource.resource_type.aws_name(),
                        verdict: finding.outcome.verdict.as_str(),
                    };
                    if !out.is_empty() {
                        out.extend_from_slice(b",\n");
                    }
                    out.extend_from_slice(b"    ");
                    pretty(&mut out, &row, 2);
                }
            }
            out
        })
        .collect();
    let all_errors = report.all_errors();
    let errors: Vec<PathMessage> = all_errors
        .iter()
        .map(|(path, message)| PathMessage { message, path })
        .collect();
    let warnings: Vec<Warning> = report
        .files
        .iter()
        .flat_map(|file| {
            file.resources.iter().flat_map(move |resource| {
                resource.warnings.iter().map(move |message| Warning {
                    message,
                    path: &file.path,
                    resource_id: Some(&resource.resource_id),
                })
            })
        })
        .chain(report.warnings.iter().map(|(path, message)| Warning {
            message,
            path,
            resource_id: None,
        }))
        .collect();
    let skipped: Vec<SkippedFile> = report
        .skipped
        .iter()
        .map(|s| SkippedFile {
            path: &s.path,
            reason: &s.reason,
        })
        .collect();

    // `{"errors", "results", "skipped", "warnings"}` as serde_json's pretty printer writes it.
    let size: usize = results.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(size + 4096);
    out.extend_from_slice(b"{\n  \"errors\": ");
    pretty(&mut out, &errors, 1);
    out.extend_from_slice(b",\n  \"results\": [");
    let mut first = true;
    for chunk in results.iter().filter(|chunk| !chunk.is_empty()) {
        out.extend_from_slice(if first { b"\n" } else { b",\n" });
        out.extend_from_slice(chunk);
        first = false;
    }
    out.extend_from_slice(if first { b"]" } else { b"\n  ]" });
    out.extend_from_slice(b",\n  \"skipped\": ");
    pretty(&mut out, &skipped, 1);
    out.extend_from_slice(b",\n  \"warnings\": ");
    pretty(&mut out, &warnings, 1);
    out.extend_from_slice(b"\n}\n");
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `value` as serde_json's pretty printer writes it `depth` levels down (two spaces a level):
/// its first line where `out` ends, each further line indented. A JSON string holds no raw line
/// break, so every `\n` of the output starts a line.
fn pretty(out: &mut Vec<u8>, value: &impl Serialize, depth: usize) {
    let mut text = Vec::new();
    if let Err(e) = serde_json::to_writer_pretty(&mut text, value) {
        // Only a failing `Serialize` can get here, and these derive it from plain data.
        text = serde_json::to_vec(&e.to_string()).unwrap_or_default();
    }
    let indent = depth * 2;
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
            out.extend(std::iter::repeat_n(b' ', indent));
        }
        out.extend_from_slice(line);
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::{pretty, PathMessage, Warning};

    #[derive(Serialize)]
    struct Whole<'a> {
        errors: Vec<PathMessage<'a>>,
        results: Vec<Vec<Warning<'a>>>,
        warnings: Vec<Warning<'a>>,
    }

    /// The pieces put together as `render` does read as the whole document serde_json writes.
    #[test]
    fn pieces_indented_read_as_the_whole_document() {
        let warning = |resource_id| Warning {
            message: "a \"quoted\"\nline",
            path: "a/b.json",
            resource_id,
        };
        let whole = Whole {
            errors: vec![],
            results: vec![vec![warning(Some("x"))], vec![]],
            warnings: vec![warning(None), warning(Some("y"))],
        };
        let mut pieces = b"{\n  \"errors\": ".to_vec();
        pretty(&mut pieces, &whole.errors, 1);
        pieces.extend_from_slice(b",\n  \"results\": [\n    ");
        pretty(&mut pieces, &whole.results[0], 2);
        pieces.extend_from_slice(b",\n    ");
        pretty(&mut pieces, &whole.results[1], 2);
        pieces.extend_from_slice(b"\n  ],\n  \"warnings\": ");
        pretty(&mut pieces, &whole.warnings, 1);
        pieces.extend_from_slice(b"\n}");
        let expected = serde_json::to_string_pretty(&whole).expect("serialises");
        assert_eq!(String::from_utf8(pieces).expect("UTF-8"), expected);
    }
}
