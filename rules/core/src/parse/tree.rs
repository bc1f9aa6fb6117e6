//! Navigation over a decoded document: case-insensitive keys, JSON paths for every error,
//! CloudFormation string scalars and intrinsic functions.

use serde_json::Value;

use crate::error::{ParseError, ParseResult};
use crate::model::Field;

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
            Loc::Index(parent, index) => {
                parent.write(out);
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
}

/// How values are read: CloudFormation documents may hold intrinsic functions, and
/// `${AWS::AccountId}`/`${AWS::Region}` resolve to the resource's own account and Region.
#[derive(Clone, Debug, Default)]
pub struct ReadContext {
    pub intrinsics: bool,
    pub account: Option<String>,
    pub region: Option<String>,
}

/// Marker left in a string where `${AWS::AccountId}` stands and the account is unknown.
pub const OWN_ACCOUNT_MARKER: &str = "${AWS::AccountId}";
/// Marker left in a string where `${AWS::Region}` stands and the Region is unknown.
pub const OWN_REGION_MARKER: &str = "${AWS::Region}";

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
        if !self.cx.intrinsics {
            return None;
        }
        let object = self.value.as_object()?;
        if object.len() != 1 {
            return None;
        }
        let (key, value) = object.iter().next()?;
        (key == "Ref" || key.starts_with("Fn::") || key == "Condition")
            .then_some((key.as_str(), value))
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

    /// Reads a string scalar (numbers are accepted and written as text, as CloudFormation does).
    pub fn string(&self, what: &str) -> ParseResult<Field<String>> {
        match self.value {
            Value::Null => Ok(Field::Absent),
            Value::String(s) => Ok(Field::Known(s.clone())),
            Value::Number(n) => Ok(Field::Known(n.to_string())),
            // CloudFormation turns a YAML/JSON boolean in a string property into "true"/"false".
            Value::Bool(b) if self.cx.intrinsics => Ok(Field::Known(b.to_string())),
            _ => {
                if let Some((function, argument)) = self.intrinsic() {
                    return Ok(resolve_intrinsic_string(function, argument, self.cx));
                }
                Err(self.error(format!(
                    "{what} must be a string, found {}",
                    self.type_name()
                )))
            }
        }
    }

    /// Reads a boolean: `true`/`false`, or the strings `"true"`/`"false"` (any case).
    pub fn boolean(&self, what: &str) -> ParseResult<Field<bool>> {
        match self.value {
            Value::Null => Ok(Field::Absent),
            Value::Bool(b) => Ok(Field::Known(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Field::Known(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Field::Known(false)),
            Value::String(s) => Err(self.error(format!(
                "{what} must be a boolean (true or false), found the string {}",
                quote_for_error(s)
            ))),
            _ => {
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

/// Resolves what can be resolved of a string-valued intrinsic: `Fn::Sub` and `Fn::Join` over
/// literals and the pseudo parameters, and `Ref` to a pseudo parameter. Anything else is unknown.
fn resolve_intrinsic_string(function: &str, argument: &Value, cx: &ReadContext) -> Field<String> {
    match function {
        "Ref" => match argument.as_str() {
            Some("AWS::NoValue") => Field::Absent,
            Some(name) => pseudo_parameter(name, cx).map_or(Field::Unknown, Field::Known),
            None => Field::Unknown,
        },
        "Fn::Sub" => match argument {
            Value::String(template) => substitute(template, None, cx),
            Value::Array(parts) if parts.len() == 2 => match (&parts[0], parts[1].as_object()) {
                (Value::String(template), Some(vars)) => substitute(template, Some(vars), cx),
                _ => Field::Unknown,
            },
            _ => Field::Unknown,
        },
        "Fn::Join" => {
            let Some(parts) = argument.as_array() else {
                return Field::Unknown;
            };
            let (Some(delimiter), Some(items)) = (
                parts.first().and_then(Value::as_str),
                parts.get(1).and_then(Value::as_array),
            ) else {
                return Field::Unknown;
            };
            let mut resolved = Vec::with_capacity(items.len());
            for item in items {
                match resolve_value_string(item, cx) {
                    Field::Known(s) => resolved.push(s),
                    _ => return Field::Unknown,
                }
            }
            Field::Known(resolved.join(delimiter))
        }
        _ => Field::Unknown,
    }
}

fn resolve_value_string(value: &Value, cx: &ReadContext) -> Field<String> {
    match value {
        Value::String(s) => Field::Known(s.clone()),
        Value::Number(n) => Field::Known(n.to_string()),
        Value::Object(object) if object.len() == 1 => {
            let Some((function, argument)) = object.iter().next() else {
                return Field::Unknown;
            };
            resolve_intrinsic_string(function, argument, cx)
        }
        _ => Field::Unknown,
    }
}

fn pseudo_parameter(name: &str, cx: &ReadContext) -> Option<String> {
    match name {
        "AWS::AccountId" => Some(
            cx.account
                .clone()
                .unwrap_or_else(|| OWN_ACCOUNT_MARKER.to_string()),
        ),
        "AWS::Region" => Some(
            cx.region
                .clone()
                .unwrap_or_else(|| OWN_REGION_MARKER.to_string()),
        ),
        "AWS::Partition" => Some("aws".to_string()),
        "AWS::URLSuffix" => Some("amazonaws.com".to_string()),
        _ => None,
    }
}

/// `Fn::Sub` over a template: `${AWS::AccountId}`/`${AWS::Region}` are the resource's own,
/// `${!Literal}` is literal, variables from the map are substituted when they resolve.
fn substitute(
    template: &str,
    vars: Option<&serde_json::Map<String, Value>>,
    cx: &ReadContext,
) -> Field<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Field::Known(out);
        };
        let name = &after[..end];
        if let Some(literal) = name.strip_prefix('!') {
            out.push_str("${");
            out.push_str(literal);
            out.push('}');
        } else if let Some(value) = vars.and_then(|v| v.get(name)) {
            match resolve_value_string(value, cx) {
                Field::Known(s) => out.push_str(&s),
                _ => return Field::Unknown,
            }
        } else if let Some(value) = pseudo_parameter(name, cx) {
            out.push_str(&value);
        } else {
            return Field::Unknown;
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Field::Known(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfn() -> ReadContext {
        ReadContext {
            intrinsics: true,
            account: None,
            region: None,
        }
    }

    #[test]
    fn sub_resolves_pseudo_parameters_to_markers_when_unknown() {
        let cx = cfn();
        let value =
            json!({"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app:1"});
        let node = Node::root(&value, "$", &cx);
        assert_eq!(
            node.string("Image").unwrap(),
            Field::Known("${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app:1".into())
        );
    }

    #[test]
    fn sub_resolves_pseudo_parameters_to_the_resource_account() {
        let cx = ReadContext {
            intrinsics: true,
            account: Some("111122223333".into()),
            region: Some("us-east-1".into()),
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
