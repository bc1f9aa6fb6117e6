//! YAML to JSON values with the maintained `saphyr-parser` event reader: the YAML 1.2 core
//! schema, CloudFormation's short-form tags (`!Ref x` → `{"Ref": "x"}`, `!GetAtt a.b` →
//! `{"Fn::GetAtt": ["a", "b"]}`, `!Sub` → `Fn::Sub`), anchors and aliases within a budget (no
//! YAML bomb), and, when asked, the position of every node.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};
use serde_json::{Map, Number, Value};

use crate::error::{ParseError, ParseResult};
use crate::parse::load::{MAX_DEPTH, MAX_YAML_NODES};
use crate::parse::position::{Position, PositionIndex};
use crate::parse::tree::{push_index, push_key};

/// Every document of a YAML stream (`---` separates them).
pub fn load_documents(text: &str) -> ParseResult<Vec<Value>> {
    Builder::new(text, None).run()
}

/// The position of every node of the stream's first document, by JSON path.
pub fn positions(text: &str) -> PositionIndex {
    let mut index = PositionIndex::default();
    // The text already parsed once; an error here can only mean a partial index.
    let _ = Builder::new(text, Some(&mut index)).run();
    index
}

struct Builder<'t, 'i> {
    events: Parser<'t, saphyr_parser::StrInput<'t>>,
    anchors: HashMap<usize, (Value, usize)>,
    budget: usize,
    index: Option<&'i mut PositionIndex>,
    path: String,
}

fn scan_error(error: &ScanError) -> ParseError {
    let marker = error.marker();
    let mut message = error.info().to_string();
    if message.contains("recursion limit") {
        message = "the document nests too deeply (recursion limit of the YAML reader)".into();
    }
    ParseError::at_line(
        marker.line().max(1),
        marker.col() + 1,
        format!("invalid YAML: {message}"),
    )
}

fn at(span: &Span, message: impl Into<String>) -> ParseError {
    ParseError::at_line(span.start.line().max(1), span.start.col() + 1, message)
}

impl<'t, 'i> Builder<'t, 'i> {
    fn new(text: &'t str, index: Option<&'i mut PositionIndex>) -> Self {
        Builder {
            events: Parser::new_from_str(text),
            anchors: HashMap::new(),
            budget: MAX_YAML_NODES,
            index,
            path: String::from("$"),
        }
    }

    fn next(&mut self) -> ParseResult<Option<(Event<'t>, Span)>> {
        match self.events.next() {
            None => Ok(None),
            Some(Ok(event)) => Ok(Some(event)),
            Some(Err(error)) => Err(scan_error(&error)),
        }
    }

    fn record(&mut self, span: &Span) {
        if let Some(index) = self.index.as_deref_mut() {
            index.push(
                &self.path,
                Position {
                    line: span.start.line().max(1),
                    column: span.start.col() + 1,
                },
            );
        }
    }

    fn run(mut self) -> ParseResult<Vec<Value>> {
        let mut documents = Vec::new();
        while let Some((event, _)) = self.next()? {
            match event {
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    let Some((event, span)) = self.next()? else {
                        break;
                    };
                    if matches!(event, Event::DocumentEnd) {
                        documents.push(Value::Null);
                        continue;
                    }
                    self.record(&span);
                    documents.push(self.node(event, span, 0)?);
                    // Positions are kept for the first document only.
                    self.index = None;
                }
                _ => {}
            }
        }
        Ok(documents)
    }

    fn spend(&mut self, count: usize, span: &Span) -> ParseResult<()> {
        if count > self.budget {
            return Err(at(
                span,
                format!(
                    "the document expands to more than {MAX_YAML_NODES} values (a YAML bomb?); refused"
                ),
            ));
        }
        self.budget -= count;
        Ok(())
    }

    fn node(&mut self, event: Event<'t>, span: Span, depth: usize) -> ParseResult<Value> {
        if depth > MAX_DEPTH {
            return Err(at(
                &span,
                format!("the document nests deeper than {MAX_DEPTH} levels, the limit"),
            ));
        }
        self.spend(1, &span)?;
        let (value, anchor, tag) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = match &tag {
                    Some(tag) if is_core(tag) => core_scalar(tag, &text, &span)?,
                    Some(_) => Value::String(text.into_owned()),
                    None => scalar(&text, style),
                };
                (value, anchor, tag)
            }
            Event::SequenceStart(anchor, tag) => {
                let mut items = Vec::new();
                loop {
                    let Some((event, span)) = self.next()? else {
                        return Err(at(&span, "invalid YAML: the sequence does not end"));
                    };
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    let length = self.path.len();
                    push_index(&mut self.path, items.len());
                    self.record(&span);
                    let item = self.node(event, span, depth + 1);
                    self.path.truncate(length);
                    items.push(item?);
                }
                (Value::Array(items), anchor, tag)
            }
            Event::MappingStart(anchor, tag) => {
                let mut object = Map::new();
                loop {
                    let Some((event, key_span)) = self.next()? else {
                        return Err(at(&span, "invalid YAML: the mapping does not end"));
                    };
                    let key = match event {
                        Event::MappingEnd => break,
                        Event::Scalar(text, _, _, _) => text.into_owned(),
                        Event::Alias(id) => match self.anchors.get(&id) {
                            Some((Value::String(s), _)) => s.clone(),
                            Some((other, _)) if !other.is_array() && !other.is_object() => {
                                other.to_string()
                            }
                            _ => {
                                return Err(at(
                                    &key_span,
                                    "a mapping key is not a scalar; keys must be strings",
                                ))
                            }
                        },
                        _ => {
                            return Err(at(
                                &key_span,
                                "a mapping key is not a scalar; keys must be strings",
                            ))
                        }
                    };
                    if object.contains_key(&key) {
                        return Err(at(
                            &key_span,
                            format!("invalid YAML: the key {key:?} appears twice in one mapping"),
                        ));
                    }
                    let Some((event, value_span)) = self.next()? else {
                        return Err(at(&span, "invalid YAML: the mapping does not end"));
                    };
                    let length = self.path.len();
                    push_key(&mut self.path, &key);
                    self.record(&key_span);
                    let value = self.node(event, value_span, depth + 1);
                    self.path.truncate(length);
                    object.insert(key, value?);
                }
                (Value::Object(object), anchor, tag)
            }
            Event::Alias(id) => {
                let Some((value, size)) = self.anchors.get(&id).cloned() else {
                    return Err(at(
                        &span,
                        "invalid YAML: an alias names no anchor before it",
                    ));
                };
                self.spend(size, &span)?;
                return Ok(value);
            }
            _ => return Err(at(&span, "invalid YAML: unexpected event")),
        };
        let value = match tag {
            Some(tag) if !is_core(&tag) => intrinsic(&tag, value),
            _ => value,
        };
        if anchor > 0 {
            let size = count(&value);
            self.anchors.insert(anchor, (value.clone(), size));
        }
        Ok(value)
    }
}

/// Values a JSON value holds, itself included (what an alias to it costs).
fn count(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(count).sum::<usize>(),
        Value::Object(object) => 1 + object.values().map(count).sum::<usize>(),
        _ => 1,
    }
}

/// `!!str`, `!!int`… (the handle of YAML's own tags).
fn is_core(tag: &Tag) -> bool {
    tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!"
}

fn core_scalar(tag: &Tag, text: &str, span: &Span) -> ParseResult<Value> {
    Ok(match tag.suffix.as_str() {
        "str" => Value::String(text.to_string()),
        "null" => Value::Null,
        "bool" | "int" | "float" => match scalar(text, ScalarStyle::Plain) {
            Value::String(_) => {
                return Err(at(
                    span,
                    format!("invalid YAML: {text:?} is not a !!{}", tag.suffix),
                ))
            }
            value => value,
        },
        _ => Value::String(text.to_string()),
    })
}

/// A scalar as the YAML 1.2 core schema reads it: quoted scalars are strings; plain ones may be
/// null, booleans or numbers.
fn scalar(text: &str, style: ScalarStyle) -> Value {
    if style != ScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(number) = number(text) {
        return number;
    }
    Value::String(text.to_string())
}

fn number(text: &str) -> Option<Value> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return Some(Value::Number(i.into()));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Some(Value::Number(u.into()));
        }
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16)
            .ok()
            .map(|i| Value::Number(i.into()));
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8)
            .ok()
            .map(|i| Value::Number(i.into()));
    }
    match digits {
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN" => return Some(Value::Null),
        _ => {}
    }
    let float_like = digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if float_like {
        if let Ok(f) = text.parse::<f64>() {
            return Some(Number::from_f64(f).map_or(Value::Null, Value::Number));
        }
    }
    None
}

/// A CloudFormation short-form tag as its long form.
fn intrinsic(tag: &Tag, inner: Value) -> Value {
    let name = tag.suffix.as_str();
    let (function, argument) = match name {
        "Ref" | "Condition" => (name.to_string(), inner),
        "GetAtt" => {
            let argument = match inner {
                Value::String(s) => match s.split_once('.') {
                    Some((resource, attribute)) => Value::Array(vec![
                        Value::String(resource.to_string()),
                        Value::String(attribute.to_string()),
                    ]),
                    None => Value::String(s),
                },
                other => other,
            };
            ("Fn::GetAtt".to_string(), argument)
        }
        other => (format!("Fn::{other}"), inner),
    };
    let mut object = Map::new();
    object.insert(function, argument);
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_schema_scalars() {
        let docs = load_documents(
            "a: 1\nb: -2\nc: 1.5\nd: true\ne: ~\nf: '1'\ng: 0x1f\nh: 1.2.3\ni: \"true\"\nj: !!str 5\n",
        )
        .unwrap();
        assert_eq!(
            docs[0],
            json!({"a": 1, "b": -2, "c": 1.5, "d": true, "e": null, "f": "1", "g": 31, "h": "1.2.3", "i": "true", "j": "5"})
        );
    }

    #[test]
    fn several_documents_and_positions_of_the_first() {
        let text = "a:\n  - x\n  - y: !Ref Z\n---\nb: 2\n";
        let docs = load_documents(text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0], json!({"a": ["x", {"y": {"Ref": "Z"}}]}));
        let index = positions(text);
        assert_eq!(index.get("$.a"), Some(Position { line: 1, column: 1 }));
        assert_eq!(index.get("$.a[1].y"), Some(Position { line: 3, column: 5 }));
        assert_eq!(index.get("$.b"), None);
    }

    #[test]
    fn duplicate_keys_and_unknown_aliases_are_errors_with_a_line() {
        let err = load_documents("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(err.message.contains("twice"), "{err}");
        assert!(matches!(
            err.location,
            crate::error::Location::LineColumn { line: 3, .. }
        ));
        let err = load_documents("a: *nothing\n").unwrap_err();
        assert!(matches!(
            err.location,
            crate::error::Location::LineColumn { line: 1, .. }
        ));
    }
}
