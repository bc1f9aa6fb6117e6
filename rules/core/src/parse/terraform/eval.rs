//! Evaluation of HCL expressions written with literal values, as far as that can be done without
//! Terraform: strings, numbers, booleans, lists, objects, string templates, `jsonencode` and a
//! few pure functions of literals. Everything that depends on something outside the expression —
//! a variable, a local, a data source, another resource, a module output, any other function,
//! a `for` expression, a splat, a conditional whose branches differ — is an unresolved marker
//! named by the expression's text; a string with some such parts is a template.
//!
//! The pure functions evaluated on literal arguments: `jsonencode`, `jsondecode`, `lower`,
//! `upper`, `trimspace`, `trimprefix`, `trimsuffix`, `replace` (plain substrings, not
//! `/regex/`), `join` (also with unknown elements: the known parts stay), `concat`, `merge`,
//! `tostring`, `tolist`, `toset`, `tomap`.

use hcl_edit::expr::{Expression, FuncCall, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::Element;
use hcl_edit::Span;
use serde_json::{Map, Value};

use super::convert::{is_known, is_marker, template, unresolved};

/// Evaluates expressions of one source text (spans index into it).
pub(super) struct Eval<'t> {
    pub text: &'t str,
}

/// Private-use characters that frame a placeholder for an unknown part while a template's JSON
/// is decoded.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

impl Eval<'_> {
    /// The expression's source text, as a marker's name.
    fn source(&self, span: Option<std::ops::Range<usize>>) -> String {
        span.and_then(|range| self.text.get(range))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "(expression)".to_string())
    }

    fn unknown(&self, expression: &Expression) -> Value {
        unresolved(self.source(expression.span()))
    }

    fn unknown_at(&self, span: Option<std::ops::Range<usize>>) -> Value {
        unresolved(self.source(span))
    }

    /// An expression's value.
    pub fn expr(&self, expression: &Expression) -> Value {
        match expression {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => number(n.value()),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(array) => Value::Array(array.iter().map(|e| self.expr(e)).collect()),
            Expression::Object(object) => {
                let mut map = Map::new();
                for (key, value) in object.iter() {
                    let name = match key {
                        ObjectKey::Ident(ident) => ident.value().as_str().to_string(),
                        ObjectKey::Expression(e) => match self.expr(e) {
                            Value::String(s) => s,
                            // A key nobody knows yet: the object is not known either.
                            _ => return self.unknown(expression),
                        },
                    };
                    map.insert(name, self.expr(value.expr()));
                }
                Value::Object(map)
            }
            Expression::StringTemplate(t) => self.template(t.iter(), expression.span()),
            Expression::HeredocTemplate(h) => self.template(h.template.iter(), expression.span()),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Conditional(c) => {
                let (yes, no) = (self.expr(&c.true_expr), self.expr(&c.false_expr));
                if yes == no {
                    yes
                } else {
                    self.unknown(expression)
                }
            }
            Expression::FuncCall(call) => self.call(call, expression),
            Expression::Traversal(traversal) => {
                let mut value = self.expr(&traversal.expr);
                for operator in &traversal.operators {
                    let next = match (operator.value(), &value) {
                        (_, v) if is_marker(v) => None,
                        (TraversalOperator::GetAttr(name), Value::Object(map)) => {
                            map.get(name.value().as_str()).cloned()
                        }
                        (TraversalOperator::Index(index), _) => {
                            index_into(&value, &self.expr(index))
                        }
                        (TraversalOperator::LegacyIndex(index), Value::Array(items)) => {
                            usize::try_from(*index.value())
                                .ok()
                                .and_then(|i| items.get(i).cloned())
                        }
                        _ => None,
                    };
                    match next {
                        Some(v) => value = v,
                        None => return self.unknown(expression),
                    }
                }
                value
            }
            Expression::UnaryOp(op) => match (op.operator.value(), self.expr(&op.expr)) {
                (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                (UnaryOperator::Neg, Value::Number(n)) => {
                    negate(&n).unwrap_or_else(|| self.unknown(expression))
                }
                _ => self.unknown(expression),
            },
            Expression::Variable(_) | Expression::BinaryOp(_) | Expression::ForExpr(_) => {
                self.unknown(expression)
            }
        }
    }

    /// A template's value: the string when every part is known, a single interpolation's value
    /// as it is (as Terraform does), a template value otherwise, and a marker when it holds
    /// `%{if}`/`%{for}` directives.
    pub fn template<'e>(
        &self,
        elements: impl Iterator<Item = &'e Element>,
        whole: Option<std::ops::Range<usize>>,
    ) -> Value {
        let elements: Vec<&Element> = elements.collect();
        if let [Element::Interpolation(only)] = elements.as_slice() {
            return self.expr(&only.expr);
        }
        let mut parts = Vec::new();
        for element in elements {
            match element {
                Element::Literal(text) => parts.push(Value::String(text.value().clone())),
                Element::Interpolation(interpolation) => {
                    parts.push(self.as_text(&interpolation.expr));
                }
                Element::Directive(_) => return self.unknown_at(whole),
            }
        }
        template(parts)
    }

    /// A value interpolated into a string: text, or a marker for what is not text.
    fn as_text(&self, expression: &Expression) -> Value {
        match self.expr(expression) {
            Value::String(s) => Value::String(s),
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            v if is_marker(&v) => v,
            _ => self.unknown(expression),
        }
    }

    /// `container_definitions`: `jsonencode(x)` is `x` itself, a template (a heredoc) is decoded
    /// as JSON with its unknown parts as markers inside the decoded strings, and a plain string
    /// stays a string for the converter to decode.
    pub fn container_definitions(&self, expression: &Expression) -> Value {
        match expression {
            Expression::FuncCall(call)
                if call.name.name.value().as_str() == "jsonencode"
                    && call.name.namespace.is_empty()
                    && call.args.len() == 1 =>
            {
                call.args
                    .get(0)
                    .map_or_else(|| self.unknown(expression), |arg| self.expr(arg))
            }
            Expression::HeredocTemplate(h) => {
                self.json_template(h.template.iter(), expression.span())
            }
            Expression::StringTemplate(t) => self.json_template(t.iter(), expression.span()),
            Expression::Parenthesis(p) => self.container_definitions(p.inner()),
            other => self.expr(other),
        }
    }

    /// Decodes a template holding JSON: each unknown interpolation becomes a placeholder (a
    /// string of its own outside JSON strings, a piece of the string inside one), and after
    /// decoding the placeholders become markers. When the JSON does not decode, the value is
    /// unknown if the template had interpolations (the document Terraform renders may well be
    /// JSON), else the literal text is kept for the converter to report.
    pub fn json_template<'e>(
        &self,
        elements: impl Iterator<Item = &'e Element>,
        whole: Option<std::ops::Range<usize>>,
    ) -> Value {
        let mut text = String::new();
        let mut holes: Vec<Value> = Vec::new();
        let mut in_string = false;
        let mut escaped = false;
        for element in elements {
            match element {
                Element::Literal(literal) => {
                    let literal = literal.value();
                    if literal.contains(OPEN) || literal.contains(CLOSE) {
                        return self.unknown_at(whole);
                    }
                    for c in literal.chars() {
                        if escaped {
                            escaped = false;
                        } else if in_string && c == '\\' {
                            escaped = true;
                        } else if c == '"' {
                            in_string = !in_string;
                        }
                    }
                    text.push_str(literal);
                }
                Element::Interpolation(interpolation) => {
                    let value = self.expr(&interpolation.expr);
                    match value {
                        Value::String(s) if !s.contains(OPEN) && !s.contains(CLOSE) => {
                            // Terraform writes the text in as it is.
                            for c in s.chars() {
                                if escaped {
                                    escaped = false;
                                } else if in_string && c == '\\' {
                                    escaped = true;
                                } else if c == '"' {
                                    in_string = !in_string;
                                }
                            }
                            text.push_str(&s);
                        }
                        Value::Number(n) => text.push_str(&n.to_string()),
                        Value::Bool(b) => text.push_str(&b.to_string()),
                        other => {
                            let marker = if is_marker(&other) {
                                other
                            } else {
                                self.unknown(&interpolation.expr)
                            };
                            let placeholder = format!("{OPEN}{}{CLOSE}", holes.len());
                            holes.push(marker);
                            if in_string {
                                text.push_str(&placeholder);
                            } else {
                                text.push('"');
                                text.push_str(&placeholder);
                                text.push('"');
                            }
                        }
                    }
                }
                Element::Directive(_) => return self.unknown_at(whole),
            }
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(decoded) if holes.is_empty() => decoded,
            Ok(decoded) => fill(decoded, &holes),
            Err(_) if holes.is_empty() => Value::String(text),
            Err(_) => self.unknown_at(whole),
        }
    }

    fn call(&self, call: &FuncCall, whole: &Expression) -> Value {
        if !call.name.namespace.is_empty() || call.args.expand_final() {
            return self.unknown(whole);
        }
        let args: Vec<Value> = call.args.iter().map(|a| self.expr(a)).collect();
        let name = call.name.name.value().as_str();
        pure_function(name, &args).unwrap_or_else(|| self.unknown(whole))
    }
}

/// A string of Terraform's JSON configuration syntax (`.tf.json`), which is a template:
/// `${…}` interpolations and `%{…}` directives, `$${` for a literal `${`. For
/// `container_definitions`, a lone `${jsonencode(…)}` is the list itself and other templates
/// are decoded as JSON.
pub(super) fn configuration_string(text: &str, container_definitions: bool) -> Value {
    if !text.contains("${") && !text.contains("%{") {
        return Value::String(text.to_string());
    }
    let Ok(parsed) = hcl_edit::parser::parse_template(text) else {
        // Terraform refuses such a string; nothing can be said about its value.
        return unresolved(text);
    };
    let eval = Eval { text };
    let whole = Some(0..text.len());
    let elements: Vec<&Element> = parsed.iter().collect();
    match (container_definitions, elements.as_slice()) {
        (true, [Element::Interpolation(only)]) => eval.container_definitions(&only.expr),
        (true, _) => eval.json_template(parsed.iter(), whole),
        (false, _) => eval.template(parsed.iter(), whole),
    }
}

/// A pure function applied to known arguments; `None` when it is not one of those evaluated
/// or its arguments are not (all) known.
fn pure_function(name: &str, args: &[Value]) -> Option<Value> {
    let text = |i: usize| args.get(i).and_then(Value::as_str);
    let all_known = args.iter().all(is_known);
    match (name, args.len()) {
        ("jsonencode", 1) if all_known => serde_json::to_string(&args[0]).ok().map(Value::String),
        ("jsondecode", 1) => serde_json::from_str(text(0)?).ok(),
        ("base64encode", 1) => match &args[0] {
            Value::String(plain) => Some(Value::String(base64(plain.as_bytes()))),
            // A partly known text stays that text: the one attribute read through this
            // function, a launch template's user data, is taken as written when it is not
            // base64.
            partly if is_marker(partly) => Some(partly.clone()),
            _ => None,
        },
        ("lower", 1) => Some(Value::String(text(0)?.to_lowercase())),
        ("upper", 1) => Some(Value::String(text(0)?.to_uppercase())),
        ("trimspace", 1) => Some(Value::String(text(0)?.trim().to_string())),
        ("trimprefix", 2) => Some(Value::String(
            text(0)?
                .strip_prefix(text(1)?)
                .unwrap_or(text(0)?)
                .to_string(),
        )),
        ("trimsuffix", 2) => Some(Value::String(
            text(0)?
                .strip_suffix(text(1)?)
                .unwrap_or(text(0)?)
                .to_string(),
        )),
        ("replace", 3) => {
            let pattern = text(1)?;
            if pattern.len() > 1 && pattern.starts_with('/') && pattern.ends_with('/') {
                return None;
            }
            Some(Value::String(text(0)?.replace(pattern, text(2)?)))
        }
        ("join", 2) => {
            let separator = text(0)?;
            let items = args[1].as_array()?;
            let mut parts = Vec::new();
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    parts.push(Value::String(separator.to_string()));
                }
                match item {
                    Value::String(_) => parts.push(item.clone()),
                    Value::Number(n) => parts.push(Value::String(n.to_string())),
                    Value::Bool(b) => parts.push(Value::String(b.to_string())),
                    v if is_marker(v) => parts.push(v.clone()),
                    _ => return None,
                }
            }
            Some(template(parts))
        }
        ("concat", _) if all_known => {
            let mut out = Vec::new();
            for arg in args {
                out.extend(arg.as_array()?.iter().cloned());
            }
            Some(Value::Array(out))
        }
        ("merge", _) if all_known => {
            let mut out = Map::new();
            for arg in args {
                match arg {
                    Value::Object(map) => out.extend(map.clone()),
                    Value::Null => {}
                    _ => return None,
                }
            }
            Some(Value::Object(out))
        }
        ("tostring", 1) => match &args[0] {
            Value::String(_) => Some(args[0].clone()),
            Value::Number(n) => Some(Value::String(n.to_string())),
            Value::Bool(b) => Some(Value::String(b.to_string())),
            _ => None,
        },
        ("tolist" | "toset", 1) if args[0].is_array() => Some(args[0].clone()),
        ("tomap", 1) if args[0].is_object() && !is_marker(&args[0]) => Some(args[0].clone()),
        _ => None,
    }
}

/// Standard base64 with padding, as Terraform's `base64encode` writes it.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn number(n: &hcl_edit::Number) -> Value {
    if let Some(i) = n.as_i64() {
        return Value::from(i);
    }
    if let Some(u) = n.as_u64() {
        return Value::from(u);
    }
    n.as_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn negate(n: &serde_json::Number) -> Option<Value> {
    if let Some(i) = n.as_i64() {
        return i.checked_neg().map(Value::from);
    }
    n.as_f64()
        .and_then(|f| serde_json::Number::from_f64(-f))
        .map(Value::Number)
}

/// `value[index]` for a known list or object.
fn index_into(value: &Value, index: &Value) -> Option<Value> {
    match (value, index) {
        (Value::Array(items), Value::Number(n)) => {
            items.get(usize::try_from(n.as_u64()?).ok()?).cloned()
        }
        (Value::Object(map), Value::String(key)) => map.get(key).cloned(),
        _ => None,
    }
}

/// Replaces the placeholders a JSON template was decoded with by their markers.
fn fill(value: Value, holes: &[Value]) -> Value {
    match value {
        Value::String(s) if s.contains(OPEN) => {
            let mut parts = Vec::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find(OPEN) {
                parts.push(Value::String(rest[..start].to_string()));
                let after = &rest[start + OPEN.len_utf8()..];
                let Some(end) = after.find(CLOSE) else {
                    break;
                };
                let hole = after[..end]
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| holes.get(i))
                    .cloned()
                    .unwrap_or_else(|| unresolved("(interpolation)"));
                parts.push(hole);
                rest = &after[end + CLOSE.len_utf8()..];
            }
            parts.push(Value::String(rest.to_string()));
            template(parts)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| fill(v, holes)).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, fill(v, holes))).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(text: &str) -> Value {
        let source = format!("x = {text}\n");
        let body = hcl_edit::parser::parse_body(&source).unwrap();
        let attribute = body.get_attribute("x").unwrap();
        Eval { text: &source }.expr(&attribute.value)
    }

    fn containers(text: &str) -> Value {
        let source = format!("x = {text}\n");
        let body = hcl_edit::parser::parse_body(&source).unwrap();
        let attribute = body.get_attribute("x").unwrap();
        Eval { text: &source }.container_definitions(&attribute.value)
    }

    #[test]
    fn literals_evaluate() {
        assert_eq!(
            eval(r#"{ a = [1, -2.5, true, null, "s"], "b c" = { d = !false } }"#),
            json!({"a": [1, -2.5, true, null, "s"], "b c": {"d": true}})
        );
    }

    #[test]
    fn references_are_markers_named_by_their_text() {
        assert_eq!(eval("var.image"), unresolved("var.image"));
        assert_eq!(
            eval("aws_iam_role.app.arn"),
            unresolved("aws_iam_role.app.arn")
        );
        assert_eq!(
            eval("local.tags[\"team\"]"),
            unresolved("local.tags[\"team\"]")
        );
        assert_eq!(eval("module.x.y"), unresolved("module.x.y"));
        assert_eq!(
            eval("data.aws_caller_identity.me.account_id"),
            unresolved("data.aws_caller_identity.me.account_id")
        );
        assert_eq!(
            eval("[for v in var.x : v]"),
            unresolved("[for v in var.x : v]")
        );
        assert_eq!(eval("var.list[*].id"), unresolved("var.list[*].id"));
        assert_eq!(eval("file(\"x.json\")"), unresolved("file(\"x.json\")"));
        assert_eq!(eval("1 + 2"), unresolved("1 + 2"));
    }

    #[test]
    fn templates_keep_their_known_parts() {
        assert_eq!(
            eval(r#""${var.repo}:latest""#),
            json!({"$template": [{"$unresolved": "var.repo"}, ":latest"]})
        );
        assert_eq!(eval(r#""a-${1}-${"b"}""#), json!("a-1-b"));
        assert_eq!(eval(r#""$${literal}""#), json!("${literal}"));
        assert_eq!(eval(r#""${var.only}""#), unresolved("var.only"));
        assert_eq!(
            eval(r#""%{ if var.x }a%{ endif }""#),
            unresolved(r#""%{ if var.x }a%{ endif }""#)
        );
    }

    #[test]
    fn conditionals_with_equal_branches_are_known() {
        assert_eq!(eval(r#"var.prod ? "LINUX" : "LINUX""#), json!("LINUX"));
        assert_eq!(
            eval(r#"var.prod ? "host" : "awsvpc""#),
            unresolved(r#"var.prod ? "host" : "awsvpc""#)
        );
    }

    #[test]
    fn pure_functions_of_literals() {
        assert_eq!(eval(r#"lower("LINUX")"#), json!("linux"));
        assert_eq!(eval(r#"merge({a = 1}, {b = 2})"#), json!({"a": 1, "b": 2}));
        assert_eq!(
            eval(r#"merge(var.tags, {b = 2})"#),
            unresolved("merge(var.tags, {b = 2})")
        );
        assert_eq!(
            eval(r#"join(":", [var.repo, "latest"])"#),
            json!({"$template": [{"$unresolved": "var.repo"}, ":latest"]})
        );
        assert_eq!(eval(r#"jsonencode({a = [1]})"#), json!("{\"a\":[1]}"));
        assert_eq!(
            eval(r#"base64encode("ECS_CLUSTER=web")"#),
            json!("RUNTX0NMVVNURVI9d2Vi")
        );
        assert_eq!(eval(r#"base64encode("a")"#), json!("YQ=="));
        assert_eq!(eval(r#"base64encode("ab")"#), json!("YWI="));
        assert_eq!(
            eval(r#"base64encode("ECS_CLUSTER=${var.cluster}")"#),
            json!({"$template": ["ECS_CLUSTER=", {"$unresolved": "var.cluster"}]})
        );
        assert_eq!(
            eval(r#"replace("a.b", "/\\./", "-")"#),
            unresolved(r#"replace("a.b", "/\\./", "-")"#)
        );
    }

    #[test]
    fn configuration_strings_are_templates() {
        assert_eq!(configuration_string("plain", false), json!("plain"));
        assert_eq!(
            configuration_string("${var.repo}:latest", false),
            json!({"$template": [{"$unresolved": "var.repo"}, ":latest"]})
        );
        assert_eq!(
            configuration_string("${jsonencode([{name = \"app\", privileged = true}])}", true),
            json!([{"name": "app", "privileged": true}])
        );
        assert_eq!(
            configuration_string("[{\"name\": \"app\", \"image\": \"${var.image}\"}]", true),
            json!([{"name": "app", "image": {"$unresolved": "var.image"}}])
        );
    }

    #[test]
    fn container_definitions_from_jsonencode_and_heredoc() {
        assert_eq!(
            containers(
                r#"jsonencode([{ name = "app", image = "${var.repo}:1.2", privileged = var.p }])"#
            ),
            json!([{"name": "app", "image": {"$template": [{"$unresolved": "var.repo"}, ":1.2"]},
                    "privileged": {"$unresolved": "var.p"}}])
        );
        let heredoc = "<<-EOF\n  [{\"name\": \"app\", \"image\": \"${var.repo}:latest\", \"privileged\": ${var.p}, \"cpu\": ${256}}]\n  EOF";
        assert_eq!(
            containers(heredoc),
            json!([{"name": "app", "image": {"$template": [{"$unresolved": "var.repo"}, ":latest"]},
                    "privileged": {"$unresolved": "var.p"}, "cpu": 256}])
        );
        assert_eq!(
            containers(r#""[{\"name\": \"a\"}]""#),
            json!("[{\"name\": \"a\"}]")
        );
        assert_eq!(containers(r#""not json""#), json!("not json"));
        assert_eq!(
            containers(r#"file("containers.json")"#),
            unresolved(r#"file("containers.json")"#)
        );
    }
}
