//! Navigation over a decoded document: case-insensitive keys, JSON paths for every error,
//! CloudFormation string scalars and intrinsic functions.

use serde_json::Value;

use crate::error::{ParseError, ParseResult};
use crate::model::{Field, Hole, Part, Text};

/// Where a node sits, as a chain of borrowed segments so that building children costs nothing.
#[derive(Clone, Copy, Debug)]
enum Loc<'a> {
    Root(&'a str),
    Key(&'a Loc<'a>, &'a str),
    Index(&'a Loc<'a>, usize),
}

impl Loc<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Loc::Root(root) => out.push_str(root),
            Loc::Key(parent, key) => {
                parent.write(out);
                push_key(out, key);
            }
            Loc::Index(parent, index) => {
                parent.write(out);
                push_index(out, *index);
            }
        }
    }
}

/// Appends `.key` (or `['key']` for a key that is not an identifier) to a JSON path.
pub(crate) fn push_key(out: &mut String, key: &str) {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if simple {
        out.push('.');
        out.push_str(key);
    } else {
        out.push_str("['");
        out.push_str(&key.replace('\'', "\\'"));
        out.push_str("']");
    }
}

/// Appends `[index]` to a JSON path.
pub(crate) fn push_index(out: &mut String, index: usize) {
    use std::fmt::Write as _;
    let _ = write!(out, "[{index}]");
}

/// How values are read: CloudFormation documents may hold intrinsic functions, and
/// `${AWS::AccountId}`/`${AWS::Region}` resolve to the resource's own account and Region.
#[derive(Clone, Debug, Default)]
pub struct ReadContext {
    /// CloudFormation: intrinsic functions, dynamic references, string scalars.
    pub intrinsics: bool,
    /// Terraform: values the converter could not resolve are `{"$unresolved": "<expression>"}`
    /// and partly known strings `{"$template": ["literal", {"$unresolved": "var.tag"}]}`.
    pub markers: bool,
    pub account: Option<String>,
    pub region: Option<String>,
    /// Names of the template's `Parameters`: a `Ref` to one is a value given at deploy time,
    /// which CloudFormation writes into the resource as a literal.
    pub parameters: std::sync::Arc<[String]>,
    /// Problems with fields no control reads, collected while reading (see `Node::lenient`).
    pub warnings: std::cell::RefCell<Vec<String>>,
}

/// A value in a document together with its location.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    pub value: &'a Value,
    loc: Loc<'a>,
    pub cx: &'a ReadContext,
}

impl<'a> Node<'a> {
    pub fn root(value: &'a Value, root_path: &'a str, cx: &'a ReadContext) -> Node<'a> {
        Node {
            value,
            loc: Loc::Root(root_path),
            cx,
        }
    }

    /// The JSON path of this node, e.g. `$.containerDefinitions[1].privileged`.
    pub fn path(&self) -> String {
        let mut out = String::new();
        self.loc.write(&mut out);
        out
    }

    /// The JSON path of a child key that is missing.
    pub fn child_path(&self, key: &str) -> String {
        let mut out = String::new();
        Loc::Key(&self.loc, key).write(&mut out);
        out
    }

    pub fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::at_path(self.path(), message)
    }

    pub fn is_null(&self) -> bool {
        self.value.is_null()
    }

    pub fn as_object(&self) -> Option<&'a serde_json::Map<String, Value>> {
        self.value.as_object()
    }

    /// The value under the first of `keys` present (case-insensitive); explicit `null` is absent,
    /// and so is CloudFormation's `{"Ref": "AWS::NoValue"}`, which removes the property.
    pub fn get<'b>(&'b self, keys: &[&str]) -> Option<Node<'b>> {
        let object = self.value.as_object()?;
        for wanted in keys {
            for (key, value) in object {
                if key.eq_ignore_ascii_case(wanted) {
                    if value.is_null() || (self.cx.intrinsics && is_no_value(value)) {
                        return None;
                    }
                    return Some(Node {
                        value,
                        loc: Loc::Key(&self.loc, key),
                        cx: self.cx,
                    });
                }
            }
        }
        None
    }

    /// Whether the object has any of `keys` (case-insensitive), even with a `null` value.
    pub fn has(&self, keys: &[&str]) -> bool {
        self.value.as_object().is_some_and(|object| {
            object
                .keys()
                .any(|key| keys.iter().any(|w| key.eq_ignore_ascii_case(w)))
        })
    }

    /// Elements of an array node.
    pub fn elements<'b>(&'b self) -> impl Iterator<Item = Node<'b>> + 'b {
        let items: &'b [Value] = self.value.as_array().map(Vec::as_slice).unwrap_or(&[]);
        items.iter().enumerate().map(move |(index, value)| Node {
            value,
            loc: Loc::Index(&self.loc, index),
            cx: self.cx,
        })
    }

    /// Members of an object node, with their keys.
    pub fn members<'b>(&'b self) -> impl Iterator<Item = (&'b str, Node<'b>)> + 'b {
        self.value
            .as_object()
            .into_iter()
            .flatten()
            .map(move |(key, value)| {
                (
                    key.as_str(),
                    Node {
                        value,
                        loc: Loc::Key(&self.loc, key),
                        cx: self.cx,
                    },
                )
            })
    }

    /// The intrinsic function this node is (`Ref`, `Fn::Sub`, …), when reading CloudFormation.
    pub fn intrinsic(&self) -> Option<(&'a str, &'a Value)> {
        if !self.cx.intrinsics && !self.cx.markers {
            return None;
        }
        let object = self.value.as_object()?;
        if object.len() != 1 {
            return None;
        }
        let (key, value) = object.iter().next()?;
        let known = if self.cx.intrinsics {
            key == "Ref" || key.starts_with("Fn::") || key == "Condition"
        } else {
            key == UNRESOLVED || key == TEMPLATE
        };
        known.then_some((key.as_str(), value))
    }

    pub fn type_name(&self) -> &'static str {
        type_name(self.value)
    }

    /// An object, an unresolved intrinsic, or an error naming the path.
    pub fn expect_object(&self, what: &str) -> ParseResult<Field<()>> {
        if self.intrinsic().is_some() {
            return Ok(Field::Unknown);
        }
        match self.value {
            Value::Object(_) => Ok(Field::Known(())),
            Value::String(_) => Err(self.error(format!(
                "{what} must be an object, found a string (a JSON- or YAML-encoded string is not decoded)"
            ))),
            other => Err(self.error(format!(
                "{what} must be an object, found {}",
                type_name(other)
            ))),
        }
    }

    /// An array, an unresolved intrinsic, or an error naming the path.
    pub fn expect_array(&self, what: &str) -> ParseResult<Field<()>> {
        if self.intrinsic().is_some() {
            return Ok(Field::Unknown);
        }
        match self.value {
            Value::Array(_) => Ok(Field::Known(())),
            Value::String(_) => Err(self.error(format!(
                "{what} must be an array, found a string (a JSON-encoded string is not decoded)"
            ))),
            other => Err(self.error(format!(
                "{what} must be an array, found {}",
                type_name(other)
            ))),
        }
    }

    /// The string this node holds when it is a plain literal: no placeholder, no intrinsic
    /// function (what [`Node::text`] would read as one literal part).
    pub fn plain_str(&self) -> Option<&'a str> {
        match self.value {
            Value::String(text) if !has_placeholders(text, self.cx) => Some(text),
            _ => None,
        }
    }

    /// Reads a text scalar with everything that can be resolved of CloudFormation's intrinsic
    /// functions and dynamic references (numbers are written as text, as CloudFormation does).
    /// An empty string is unset.
    pub fn text(&self, what: &str) -> ParseResult<Field<Text>> {
        match self.value {
            Value::String(_) | Value::Number(_) | Value::Null => {}
            Value::Bool(_) if self.cx.intrinsics => {}
            _ if self.intrinsic().is_some() => {}
            _ => {
                return Err(self.error(format!(
                    "{what} must be a string, found {}",
                    self.type_name()
                )))
            }
        }
        Ok(match resolve_text(self.value, self.cx) {
            Field::Known(text) if text.is_empty() => Field::Absent,
            other => other,
        })
    }

    /// Reads a string scalar: the text when it is fully known, unknown when any part of it is
    /// unresolved, absent when empty.
    pub fn string(&self, what: &str) -> ParseResult<Field<String>> {
        if let Value::String(s) = self.value {
            // The common case, without building a Text.
            if !has_placeholders(s, self.cx) {
                return Ok(if s.is_empty() {
                    Field::Absent
                } else {
                    Field::Known(s.clone())
                });
            }
        }
        Ok(match self.text(what)? {
            Field::Known(text) => match text.as_literal() {
                Some(literal) => Field::Known(literal.to_string()),
                None => Field::Unknown,
            },
            Field::Absent => Field::Absent,
            Field::Unknown => Field::Unknown,
        })
    }

    /// Reads a boolean: `true`/`false`, or the strings `"true"`/`"false"` (any case); an
    /// unresolved value (a dynamic reference, a `Ref`) is unknown, and an `Fn::If` whose
    /// branches agree is their answer.
    pub fn boolean(&self, what: &str) -> ParseResult<Field<bool>> {
        match self.value {
            Value::Null => Ok(Field::Absent),
            Value::Bool(b) => Ok(Field::Known(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Field::Known(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Field::Known(false)),
            Value::String(s) if s.is_empty() => Ok(Field::Absent),
            Value::String(s) if has_placeholders(s, self.cx) => Ok(Field::Unknown),
            Value::String(s) => Err(self.error(format!(
                "{what} must be a boolean (true or false), found the string {}",
                quote_for_error(s)
            ))),
            _ => {
                if let Some(branches) = self.if_branches() {
                    return either(branches, |branch| branch.boolean(what));
                }
                if self.intrinsic().is_some() {
                    return Ok(Field::Unknown);
                }
                Err(self.error(format!(
                    "{what} must be a boolean (true or false), found {}",
                    self.type_name()
                )))
            }
        }
    }

    /// The two branches of an `Fn::If` (`[condition, when true, when false]`), when this node
    /// is one; a branch that is `AWS::NoValue` comes back as `null`.
    pub fn if_branches<'b>(&'b self) -> Option<[Node<'b>; 2]> {
        let (function, argument) = self.intrinsic()?;
        if function != "Fn::If" {
            return None;
        }
        let items = argument.as_array().filter(|a| a.len() == 3)?;
        let branch = |index: usize| Node {
            value: if is_no_value(&items[index]) {
                &Value::Null
            } else {
                &items[index]
            },
            loc: Loc::Index(&self.loc, index),
            cx: self.cx,
        };
        Some([branch(1), branch(2)])
    }

    /// A child field no control reads (a name, a family): read like `str_at`, but a value of
    /// the wrong type is a warning on the resource instead of an error that would keep every
    /// control from judging it.
    pub fn lenient_str_at(&self, keys: &[&str]) -> Field<String> {
        match self.str_at(keys) {
            Ok(field) => field,
            Err(error) => {
                self.cx.warnings.borrow_mut().push(error.to_string());
                Field::Unknown
            }
        }
    }

    /// Takes the warnings collected so far.
    pub fn take_warnings(&self) -> Vec<String> {
        self.cx.warnings.take()
    }

    /// Reads a non-negative whole number: a JSON number or, as CloudFormation writes scalars,
    /// a string of digits; an unresolved value is unknown.
    pub fn number(&self, what: &str) -> ParseResult<Field<u64>> {
        match self.value {
            Value::Null => Ok(Field::Absent),
            Value::Number(n) => n.as_u64().map(Field::Known).ok_or_else(|| {
                self.error(format!(
                    "{what} must be a whole number of 0 or more, found {n}"
                ))
            }),
            Value::String(s) if s.trim().is_empty() => Ok(Field::Absent),
            Value::String(s) if has_placeholders(s, self.cx) => Ok(Field::Unknown),
            Value::String(s) => s.trim().parse().map(Field::Known).map_err(|_| {
                self.error(format!(
                    "{what} must be a whole number, found the string {}",
                    quote_for_error(s)
                ))
            }),
            _ if self.intrinsic().is_some() => match self.if_branches() {
                Some(branches) => either(branches, |branch| branch.number(what)),
                None => Ok(Field::Unknown),
            },
            _ => Err(self.error(format!(
                "{what} must be a number, found {}",
                self.type_name()
            ))),
        }
    }

    /// Child number field.
    pub fn number_at(&self, keys: &[&str]) -> ParseResult<Field<u64>> {
        match self.get(keys) {
            Some(node) => node.number(keys[0]),
            None => Ok(Field::Absent),
        }
    }

    /// Child text field.
    pub fn text_at(&self, keys: &[&str]) -> ParseResult<Field<Text>> {
        match self.get(keys) {
            Some(node) => node.text(keys[0]),
            None => Ok(Field::Absent),
        }
    }

    /// Child string field.
    pub fn str_at(&self, keys: &[&str]) -> ParseResult<Field<String>> {
        match self.get(keys) {
            Some(node) => node.string(keys[0]),
            None => Ok(Field::Absent),
        }
    }

    /// Child boolean field.
    pub fn bool_at(&self, keys: &[&str]) -> ParseResult<Field<bool>> {
        match self.get(keys) {
            Some(node) => node.boolean(keys[0]),
            None => Ok(Field::Absent),
        }
    }

    /// Child array of strings; unresolved elements become `Field::Unknown`.
    pub fn strings_at(&self, keys: &[&str]) -> ParseResult<Field<Vec<Field<String>>>> {
        let Some(node) = self.get(keys) else {
            return Ok(Field::Absent);
        };
        if node.expect_array(keys[0])?.is_unknown() {
            return Ok(Field::Unknown);
        }
        let mut out = Vec::new();
        for element in node.elements() {
            out.push(element.string(keys[0])?);
        }
        Ok(Field::Known(out))
    }
}

/// A short quote of an input value for an error message; never used for values that may be
/// secrets (only for enum-like fields).
fn quote_for_error(s: &str) -> String {
    let mut shown: String = s.chars().take(40).collect();
    if shown.len() < s.len() {
        shown.push('…');
    }
    format!("\"{shown}\"")
}

/// `{"Ref": "AWS::NoValue"}`: the property is removed, as if it were never written.
fn is_no_value(value: &Value) -> bool {
    value.as_object().is_some_and(|object| {
        object.len() == 1 && object.get("Ref").and_then(Value::as_str) == Some("AWS::NoValue")
    })
}

pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads the same thing from both branches of an `Fn::If`: the answer when they agree, unknown
/// when they do not.
pub fn either<T: PartialEq>(
    branches: [Node<'_>; 2],
    read: impl Fn(Node<'_>) -> ParseResult<Field<T>>,
) -> ParseResult<Field<T>> {
    let [first, second] = branches;
    let (a, b) = (read(first)?, read(second)?);
    Ok(if a == b { a } else { Field::Unknown })
}

/// Key of a value a Terraform converter could not resolve: `{"$unresolved": "var.image"}`.
pub const UNRESOLVED: &str = "$unresolved";
/// Key of a partly known Terraform string: `{"$template": ["app:", {"$unresolved": "var.tag"}]}`.
pub const TEMPLATE: &str = "$template";

/// Whether a string holds placeholders another tool fills in before AWS sees the document:
/// CloudFormation dynamic references and template engines' `{{ … }}` (ecspresso, Helm, Jinja),
/// and, outside CloudFormation (where `${…}` means something only inside `Fn::Sub`), shell
/// and envsubst-style `${…}`.
fn has_placeholders(text: &str, cx: &ReadContext) -> bool {
    text.contains("{{") || (!cx.intrinsics && text.contains("${"))
}

/// A string whose placeholders (see `has_placeholders`) are unresolved parts.
fn literal_text(text: &str, cx: &ReadContext) -> Text {
    if !has_placeholders(text, cx) {
        return Text::literal(text);
    }
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        let braces = rest.find("{{").map(|at| (at, "}}"));
        let dollar = (!cx.intrinsics)
            .then(|| rest.find("${").map(|at| (at, "}")))
            .flatten();
        let next = match (braces, dollar) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        let Some((start, close)) = next else {
            break;
        };
        let Some(length) = rest[start..].find(close) else {
            break;
        };
        let end = start + length + close.len();
        parts.push(Part::Literal(rest[..start].to_string()));
        parts.push(Part::Hole(Hole::Expression(rest[start..end].to_string())));
        rest = &rest[end..];
    }
    parts.push(Part::Literal(rest.to_string()));
    Text::from_parts(parts)
}

/// A value as text, resolving what can be resolved: `Fn::Sub` and `Fn::Join` keep their known
/// parts, pseudo parameters are the resource's own account and Region, an `Fn::If` whose
/// branches agree is their value, and everything else is an unresolved part named by its
/// expression. `Absent` for `AWS::NoValue`; unknown for an `Fn::If` that may remove the value.
fn resolve_text(value: &Value, cx: &ReadContext) -> Field<Text> {
    match value {
        Value::Null => Field::Absent,
        Value::String(s) => Field::Known(literal_text(s, cx)),
        Value::Number(n) => Field::Known(Text::literal(n.to_string())),
        Value::Bool(b) => Field::Known(Text::literal(b.to_string())),
        Value::Object(object) if (cx.intrinsics || cx.markers) && object.len() == 1 => {
            let Some((function, argument)) = object.iter().next() else {
                return Field::Unknown;
            };
            resolve_intrinsic(function, argument, cx)
        }
        _ => Field::Unknown,
    }
}

fn resolve_intrinsic(function: &str, argument: &Value, cx: &ReadContext) -> Field<Text> {
    let opaque = || Field::Known(Text::expression(canonical(function, argument)));
    if cx.markers {
        return match (function, argument) {
            (UNRESOLVED, Value::String(expression)) => {
                Field::Known(Text::expression(expression.clone()))
            }
            (TEMPLATE, Value::Array(parts)) => {
                let mut out = Vec::new();
                for part in parts {
                    match resolve_text(part, cx) {
                        Field::Known(text) => out.extend(text.parts().iter().cloned()),
                        Field::Absent => {}
                        Field::Unknown => return Field::Unknown,
                    }
                }
                Field::Known(Text::from_parts(out))
            }
            _ => Field::Unknown,
        };
    }
    match function {
        "Ref" => match argument.as_str() {
            Some("AWS::NoValue") => Field::Absent,
            Some(name) => Field::Known(reference(name, cx)),
            None => opaque(),
        },
        "Fn::Sub" => match argument {
            Value::String(template) => substitute(template, None, cx),
            Value::Array(parts) if parts.len() == 2 => match (&parts[0], parts[1].as_object()) {
                (Value::String(template), Some(vars)) => substitute(template, Some(vars), cx),
                _ => opaque(),
            },
            _ => opaque(),
        },
        "Fn::Join" => {
            let (Some(delimiter), Some(items)) = (
                argument
                    .as_array()
                    .and_then(|a| a.first())
                    .and_then(Value::as_str),
                argument
                    .as_array()
                    .and_then(|a| a.get(1))
                    .and_then(Value::as_array),
            ) else {
                return opaque();
            };
            let mut parts = Vec::new();
            let mut first = true;
            for item in items {
                let text = match resolve_text(item, cx) {
                    Field::Known(text) => text,
                    // AWS::NoValue removes the item from the list.
                    Field::Absent => continue,
                    Field::Unknown => return opaque(),
                };
                if !first {
                    parts.push(Part::Literal(delimiter.to_string()));
                }
                first = false;
                parts.extend(text.parts().iter().cloned());
            }
            Field::Known(Text::from_parts(parts))
        }
        "Fn::If" => match argument.as_array().map(Vec::as_slice) {
            Some([_, yes, no]) => {
                let (a, b) = (resolve_text(yes, cx), resolve_text(no, cx));
                if a == b {
                    a
                } else if a.is_absent() || b.is_absent() {
                    Field::Unknown
                } else {
                    opaque()
                }
            }
            _ => opaque(),
        },
        _ => opaque(),
    }
}

/// An intrinsic written one way whatever way the document spelled it: `!Ref X`,
/// `!GetAtt A.B`, or the function and its argument as compact JSON.
fn canonical(function: &str, argument: &Value) -> String {
    match (function, argument) {
        ("Ref", Value::String(name)) => format!("!Ref {name}"),
        ("Fn::GetAtt", Value::String(path)) => format!("!GetAtt {path}"),
        ("Fn::GetAtt", Value::Array(parts)) => {
            let names: Vec<&str> = parts.iter().filter_map(Value::as_str).collect();
            format!("!GetAtt {}", names.join("."))
        }
        _ => format!(
            "!{} {}",
            function.trim_start_matches("Fn::"),
            serde_json::to_string(argument).unwrap_or_default()
        ),
    }
}

/// What `Ref name` (or `${name}` in `Fn::Sub`) reads as: a pseudo parameter, a template
/// parameter (given at deploy time), or an unresolved reference to a resource.
fn reference(name: &str, cx: &ReadContext) -> Text {
    if let Some(text) = pseudo_parameter(name, cx) {
        return text;
    }
    if cx.parameters.iter().any(|p| p == name) {
        return Text::from_parts([Part::Hole(Hole::Parameter(name.to_string()))]);
    }
    Text::expression(format!("!Ref {name}"))
}

fn pseudo_parameter(name: &str, cx: &ReadContext) -> Option<Text> {
    Some(match name {
        "AWS::AccountId" => match &cx.account {
            Some(account) => Text::literal(account.clone()),
            None => Text::from_parts([Part::Hole(Hole::OwnAccount)]),
        },
        "AWS::Region" => match &cx.region {
            Some(region) => Text::literal(region.clone()),
            None => Text::from_parts([Part::Hole(Hole::OwnRegion)]),
        },
        "AWS::Partition" => Text::literal("aws"),
        "AWS::URLSuffix" => Text::literal("amazonaws.com"),
        _ => return None,
    })
}

/// `Fn::Sub` over a template: `${AWS::AccountId}`/`${AWS::Region}` are the resource's own,
/// `${!Literal}` is literal, variables from the map are substituted, and anything else
/// (`${Repo}`, `${Role.Arn}`) is an unresolved part named as `!Ref`/`!GetAtt` would name it.
fn substitute(
    template: &str,
    vars: Option<&serde_json::Map<String, Value>>,
    cx: &ReadContext,
) -> Field<Text> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        parts.push(Part::Literal(rest[..start].to_string()));
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            parts.push(Part::Literal(rest[start..].to_string()));
            rest = "";
            break;
        };
        let name = &after[..end];
        if let Some(literal) = name.strip_prefix('!') {
            parts.push(Part::Literal(format!("${{{literal}}}")));
        } else if let Some(value) = vars.and_then(|v| v.get(name)) {
            match resolve_text(value, cx) {
                Field::Known(text) => parts.extend(text.parts().iter().cloned()),
                Field::Absent => {}
                Field::Unknown => parts.push(Part::Hole(Hole::Expression(format!(
                    "!Sub {}",
                    serde_json::to_string(value).unwrap_or_default()
                )))),
            }
        } else if let Some(value) = pseudo_parameter(name, cx) {
            parts.extend(value.parts().iter().cloned());
        } else if name.contains('.') {
            parts.push(Part::Hole(Hole::Expression(format!("!GetAtt {name}"))));
        } else {
            parts.extend(reference(name, cx).parts().iter().cloned());
        }
        rest = &after[end + 1..];
    }
    parts.push(Part::Literal(rest.to_string()));
    Field::Known(Text::from_parts(parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfn() -> ReadContext {
        ReadContext {
            intrinsics: true,
            ..ReadContext::default()
        }
    }

    #[test]
    fn sub_keeps_unknown_pseudo_parameters_as_holes() {
        let cx = cfn();
        let value =
            json!({"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app:1"});
        let node = Node::root(&value, "$", &cx);
        assert_eq!(
            node.text("Image").unwrap(),
            Field::Known(Text::from_parts([
                Part::Hole(Hole::OwnAccount),
                Part::Literal(".dkr.ecr.".into()),
                Part::Hole(Hole::OwnRegion),
                Part::Literal(".amazonaws.com/app:1".into()),
            ]))
        );
        assert_eq!(node.string("Image").unwrap(), Field::Unknown);
    }

    #[test]
    fn sub_and_join_keep_their_known_parts() {
        let cx = cfn();
        let sub = json!({"Fn::Sub": "${Repo}:latest"});
        let join = json!({"Fn::Join": ["", [{"Ref": "Repo"}, ":latest"]]});
        let a = Node::root(&sub, "$", &cx).text("Image").unwrap();
        let b = Node::root(&join, "$", &cx).text("Image").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.known().unwrap().known_suffix(), ":latest");
    }

    #[test]
    fn identical_expressions_are_equal_and_agreeing_branches_are_known() {
        let cx = cfn();
        let doc = json!({
            "a": {"Fn::GetAtt": ["AppRole", "Arn"]},
            "b": {"Fn::Sub": "${AppRole.Arn}"},
            "c": {"Fn::If": ["IsProd", "LINUX", "LINUX"]},
            "d": {"Fn::If": ["IsProd", "LINUX", {"Ref": "AWS::NoValue"}]},
            "e": {"Fn::If": ["IsProd", true, "true"]},
        });
        let node = Node::root(&doc, "$", &cx);
        assert_eq!(node.text_at(&["a"]).unwrap(), node.text_at(&["b"]).unwrap());
        assert_eq!(node.str_at(&["c"]).unwrap(), Field::Known("LINUX".into()));
        assert_eq!(node.str_at(&["d"]).unwrap(), Field::Unknown);
        assert_eq!(node.bool_at(&["e"]).unwrap(), Field::Known(true));
    }

    #[test]
    fn terraform_markers_are_unresolved_parts() {
        let cx = ReadContext {
            markers: true,
            ..ReadContext::default()
        };
        let doc = json!({
            "image": {"$template": [{"$unresolved": "var.repository"}, ":latest"]},
            "privileged": {"$unresolved": "var.privileged"},
            "role": {"$unresolved": "aws_iam_role.app.arn"},
            "plain": {"Ref": "NotAnIntrinsicHere"},
        });
        let node = Node::root(&doc, "$", &cx);
        let image = node.text_at(&["image"]).unwrap();
        assert_eq!(image.known().unwrap().known_suffix(), ":latest");
        assert_eq!(node.bool_at(&["privileged"]).unwrap(), Field::Unknown);
        assert_eq!(
            node.text_at(&["role"]).unwrap(),
            Field::Known(Text::expression("aws_iam_role.app.arn"))
        );
        assert!(node.str_at(&["plain"]).is_err());
    }

    #[test]
    fn template_placeholders_of_deploy_tools_are_unresolved() {
        let api = ReadContext::default();
        let doc = json!({
            "image": "{{ must_env `IMAGE` }}",
            "tagged": "${REGISTRY}/app:latest",
            "privileged": "{{ .Values.privileged }}",
        });
        let node = Node::root(&doc, "$", &api);
        assert_eq!(node.str_at(&["image"]).unwrap(), Field::Unknown);
        let tagged = node.text_at(&["tagged"]).unwrap();
        assert_eq!(tagged.known().unwrap().known_suffix(), "/app:latest");
        assert_eq!(node.bool_at(&["privileged"]).unwrap(), Field::Unknown);
        // In CloudFormation `${X}` means something only inside Fn::Sub.
        let cfn = ReadContext {
            intrinsics: true,
            ..ReadContext::default()
        };
        let node = Node::root(&doc, "$", &cfn);
        assert_eq!(
            node.str_at(&["tagged"]).unwrap(),
            Field::Known("${REGISTRY}/app:latest".into())
        );
    }

    #[test]
    fn dynamic_references_are_unresolved_everywhere() {
        let cx = cfn();
        let doc = json!({
            "a": "{{resolve:ssm:/app/privileged}}",
            "b": "{{resolve:ssm:/app/repo}}:1.2",
            "c": "",
        });
        let node = Node::root(&doc, "$", &cx);
        assert_eq!(node.bool_at(&["a"]).unwrap(), Field::Unknown);
        assert_eq!(node.str_at(&["a"]).unwrap(), Field::Unknown);
        let text = node.text_at(&["b"]).unwrap();
        assert_eq!(text.known().unwrap().known_suffix(), ":1.2");
        assert_eq!(node.str_at(&["c"]).unwrap(), Field::Absent);
    }

    #[test]
    fn sub_resolves_pseudo_parameters_to_the_resource_account() {
        let cx = ReadContext {
            intrinsics: true,
            account: Some("111122223333".into()),
            region: Some("us-east-1".into()),
            ..ReadContext::default()
        };
        let value = json!({"Fn::Sub": ["${Acct}.dkr.ecr.${AWS::Region}.amazonaws.com/${!x}", {"Acct": {"Ref": "AWS::AccountId"}}]});
        let node = Node::root(&value, "$", &cx);
        assert_eq!(
            node.string("Image").unwrap(),
            Field::Known("111122223333.dkr.ecr.us-east-1.amazonaws.com/${x}".into())
        );
    }

    #[test]
    fn parameter_references_are_unknown() {
        let cx = cfn();
        for value in [
            json!({"Ref": "ImageUri"}),
            json!({"Fn::Sub": "${Repo}:1.0"}),
            json!({"Fn::ImportValue": "x"}),
            json!({"Fn::Join": ["", [{"Ref": "Repo"}, ":1"]]}),
        ] {
            let node = Node::root(&value, "$", &cx);
            assert_eq!(node.string("Image").unwrap(), Field::Unknown, "{value}");
        }
    }

    #[test]
    fn booleans_accept_cloudformation_strings_and_reject_others() {
        let cx = cfn();
        let doc =
            json!({"a": "false", "b": "TRUE", "c": "yes", "d": {"Fn::If": ["x", true, false]}});
        let node = Node::root(&doc, "$", &cx);
        assert_eq!(node.bool_at(&["a"]).unwrap(), Field::Known(false));
        assert_eq!(node.bool_at(&["B"]).unwrap(), Field::Known(true));
        assert_eq!(node.bool_at(&["d"]).unwrap(), Field::Unknown);
        let err = node.bool_at(&["c"]).unwrap_err();
        assert_eq!(err.path(), Some("$.c"));
    }

    #[test]
    fn paths_quote_keys_that_are_not_identifiers() {
        let cx = cfn();
        let doc = json!({"Resources": {"My Task": {"x": [1, {"y": true}]}}});
        let root = Node::root(&doc, "$", &cx);
        let resources = root.get(&["resources"]).unwrap();
        let task = resources.get(&["My Task"]).unwrap();
        let x = task.get(&["x"]).unwrap();
        let second = x.elements().nth(1).unwrap();
        assert_eq!(second.child_path("y"), "$.Resources['My Task'].x[1].y");
    }
}
