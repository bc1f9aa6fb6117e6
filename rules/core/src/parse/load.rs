//! Text to a JSON value, for JSON and YAML (CloudFormation short-form tags included), with
//! limits on size and nesting so that hostile input cannot hang or exhaust the stack.

use serde_json::Value;

use crate::error::{ParseError, ParseResult};

/// Largest document read, in bytes: `terraform show -json` of a large configuration's plan
/// reaches tens of MiB.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// Deepest nesting accepted (arrays and objects).
pub const MAX_DEPTH: usize = 100;
/// Most values a YAML document may expand to through aliases.
pub const MAX_YAML_NODES: usize = 1_000_000;

/// The syntax a document is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
    /// HashiCorp Configuration Language: Terraform's `.tf` files.
    Hcl,
}

impl Syntax {
    /// JSON for `.json`, YAML for `.yaml`/`.yml`, HCL for `.tf`; `.template` and others are
    /// sniffed: a document whose first non-blank character is `{` or `[` is JSON.
    pub fn for_file(name: &str, text: &str) -> Syntax {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".tf") {
            return Syntax::Hcl;
        }
        if lower.ends_with(".json") {
            return Syntax::Json;
        }
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            return Syntax::Yaml;
        }
        match text.trim_start().chars().next() {
            Some('{') | Some('[') => Syntax::Json,
            _ => Syntax::Yaml,
        }
    }
}

/// Decodes a document (the first, for a YAML stream of several).
pub fn load(text: &str, syntax: Syntax) -> ParseResult<Value> {
    check_size(text)?;
    match syntax {
        Syntax::Json => load_json(text),
        Syntax::Yaml => load_yaml(text),
        Syntax::Hcl => Err(ParseError::document(
            "HCL is not a JSON document: read it with parse::parse_text",
        )),
    }
}

fn check_size(text: &str) -> ParseResult<()> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(ParseError::document(format!(
            "the document is {} bytes, over the {} MiB limit",
            text.len(),
            MAX_DOCUMENT_BYTES / (1024 * 1024)
        )));
    }
    if text.trim().is_empty() {
        return Err(ParseError::document(
            "the file is empty: expected a JSON or YAML document",
        ));
    }
    Ok(())
}

fn load_json(text: &str) -> ParseResult<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The nesting limit is checked on the decoded value (serde_json stops at 128 levels itself);
    // only a document over it, or one serde_json rejects, is scanned again for where.
    let decoded = serde_json::from_str::<Value>(text);
    if !matches!(&decoded, Ok(value) if depth_within(value, MAX_DEPTH)) {
        if let Some((line, column)) = nesting_over_limit(text) {
            return Err(ParseError::at_line(
                line,
                column,
                format!("the document nests deeper than {MAX_DEPTH} levels, the limit"),
            ));
        }
    }
    decoded.map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the location is reported separately.
        let mut message = match message.rfind(" at line ") {
            Some(cut) => message[..cut].to_string(),
            None => message,
        };
        let (mut line, mut column) = (e.line().max(1), e.column().max(1));
        if e.is_eof() || (message.starts_with("expected") && at_end(text, line, column)) {
            // Point at the last thing written, not past the end of the file.
            (line, column) = last_token_position(text);
            message = format!("the document ends early ({message})");
        } else if line == 1 && column == 1 && text.trim_start().starts_with('<') {
            message.push_str(" (the file starts with '<': an XML or HTML body saved as .json?)");
        }
        ParseError::at_line(line, column, format!("invalid JSON: {message}"))
    })
}

/// Whether no array or object in `value` sits deeper than `limit` levels (the root is level 1).
fn depth_within(value: &Value, limit: usize) -> bool {
    match value {
        Value::Array(items) => limit > 0 && items.iter().all(|v| depth_within(v, limit - 1)),
        Value::Object(members) => limit > 0 && members.values().all(|v| depth_within(v, limit - 1)),
        _ => true,
    }
}

/// Whether (line, column) lies at or after the last non-blank character of the text.
fn at_end(text: &str, line: usize, column: usize) -> bool {
    let (last_line, last_column) = last_token_position(text);
    (line, column) >= (last_line, last_column)
}

/// Line and column (1-based) of the last non-blank character.
fn last_token_position(text: &str) -> (usize, usize) {
    let trimmed = text.trim_end();
    let line = trimmed.matches('\n').count() + 1;
    let column = trimmed
        .rsplit('\n')
        .next()
        .map_or(1, |l| l.chars().count().max(1));
    (line, column)
}

/// Finds where JSON nesting first exceeds the limit, skipping strings. serde_json has its own
/// recursion limit (128); this gives a clearer message and the same limit for both syntaxes.
fn nesting_over_limit(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    // Bytes, not chars: '"', '\\' and brackets never occur inside a multi-byte UTF-8 sequence.
    for (offset, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let before = &text[..offset];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    return Some((line, column));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn load_yaml(text: &str) -> ParseResult<Value> {
    Ok(super::yaml::load_documents(text)?
        .into_iter()
        .next()
        .unwrap_or(Value::Null))
}

/// Decodes every document of a text (a YAML stream may hold several, separated by `---`).
pub fn load_all(text: &str, syntax: Syntax) -> ParseResult<Vec<Value>> {
    check_size(text)?;
    match syntax {
        Syntax::Json => Ok(vec![load_json(text)?]),
        Syntax::Yaml => super::yaml::load_documents(text),
        Syntax::Hcl => Err(ParseError::document(
            "HCL is not a JSON document: read it with parse::parse_text",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_form_intrinsics_become_long_form() {
        let text =
            "a: !Ref Param\nb: !GetAtt Role.Arn\nc: !Sub '${AWS::Region}-x'\nd: !If [Cond, 1, 2]\n";
        let value = load(text, Syntax::Yaml).unwrap();
        assert_eq!(
            value,
            json!({"a": {"Ref": "Param"}, "b": {"Fn::GetAtt": ["Role", "Arn"]}, "c": {"Fn::Sub": "${AWS::Region}-x"}, "d": {"Fn::If": ["Cond", 1, 2]}})
        );
    }

    #[test]
    fn yaml_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = load(&text, Syntax::Yaml).unwrap_err();
        assert!(
            err.message.contains("YAML bomb") || err.message.contains("too many"),
            "{err}"
        );
    }

    #[test]
    fn deep_nesting_is_refused_in_both_syntaxes() {
        let json_text = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let err = load(&json_text, Syntax::Json).unwrap_err();
        assert!(err.message.contains("deeper than"), "{err}");
        let yaml_text = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let err = load(&yaml_text, Syntax::Yaml).unwrap_err();
        assert!(err.message.contains("deep"), "{err}");
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let err = load("{\n  \"a\": tr\n", Syntax::Json).unwrap_err();
        assert!(
            matches!(
                err.location,
                crate::error::Location::LineColumn { line: 2 | 3, .. }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn empty_input_is_an_error() {
        assert_eq!(
            load("  \n", Syntax::Json).unwrap_err().location,
            crate::error::Location::Document
        );
    }
}
