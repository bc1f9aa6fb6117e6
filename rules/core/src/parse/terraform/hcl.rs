//! Terraform configuration in HCL (`.tf` files), read with `hcl-edit`: the `resource` blocks of
//! the ECS types, their attributes evaluated as far as literals allow (see `eval`), nested blocks
//! as lists (a block written several times is a list of several), a `dynamic` block as an
//! unknown element of its list. A resource's address is `<type>.<name>`: one file knows no module
//! path, and `count`/`for_each` do not change the address reported (every instance has the same
//! configuration). `default_tags` of a `provider "aws"` block in the same file are added to the
//! resources' tags, as Terraform does; those set in another file are not seen.

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::Element;
use hcl_edit::Span;
use serde_json::{Map, Value};

use super::convert::{convert, is_marker, kind_of, unresolved, Kind, Provider};
use super::eval::Eval;
use super::Converted;
use crate::error::{ParseError, ParseResult};
use crate::model::{ResourceType, Shape};
use crate::parse::load::MAX_DOCUMENT_BYTES;
use crate::parse::position::{json_positions, Position, PositionIndex};
use crate::parse::tree::{push_index, push_key};

/// Meta-arguments of a resource block: they say how many instances there are, not what they hold.
const META_ATTRIBUTES: [&str; 4] = ["count", "for_each", "provider", "depends_on"];
const META_BLOCKS: [&str; 3] = ["lifecycle", "provisioner", "connection"];

fn parse(text: &str) -> ParseResult<Body> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(ParseError::document(format!(
            "the document is {} bytes, over the {} MiB limit",
            text.len(),
            MAX_DOCUMENT_BYTES / (1024 * 1024)
        )));
    }
    hcl_edit::parser::parse_body(text).map_err(|error| {
        let location = error.location();
        ParseError::at_line(
            location.line().max(1),
            location.column().max(1),
            format!("invalid HCL: {}", error.message()),
        )
    })
}

/// The path of a resource block: `$.resource.<type>.<name>`.
pub(super) fn resource_path(type_name: &str, name: &str) -> String {
    let mut path = String::from("$.resource");
    push_key(&mut path, type_name);
    push_key(&mut path, name);
    path
}

/// The ECS resources of a `.tf` file.
pub(super) fn resources(text: &str) -> ParseResult<Vec<ParseResult<Converted>>> {
    let body = parse(text)?;
    let eval = Eval { text };
    let default_tags = default_tags(&body, &eval);
    let mut out = Vec::new();
    for block in body.blocks() {
        let Some((type_name, name)) = resource_labels(block) else {
            continue;
        };
        let Some(kind) = kind_of(type_name) else {
            continue;
        };
        let mut attributes = evaluate_body(&block.body, &eval, Some(kind));
        if kind.provider == Provider::Aws {
            let alias = provider_alias(&block.body, text);
            if let Some(defaults) = default_tags.get(&alias) {
                add_default_tags(&mut attributes, defaults);
            }
        }
        let json_path = resource_path(type_name, name);
        out.push(
            convert(kind, &Value::Object(attributes), &json_path).map(|value| Converted {
                address: format!("{type_name}.{name}"),
                resource_type: kind.resource_type,
                shape: Shape::TerraformHcl,
                json_path,
                value,
                arn: None,
            }),
        );
    }
    Ok(out)
}

/// `resource "<type>" "<name>"`.
fn resource_labels(block: &Block) -> Option<(&str, &str)> {
    if block.ident.value().as_str() != "resource" {
        return None;
    }
    match block.labels.as_slice() {
        [type_name, name] => Some((type_name.as_str(), name.as_str())),
        _ => None,
    }
}

/// A block's body as an object: attributes evaluated, nested blocks as lists, `dynamic`
/// blocks as unknown elements after the written ones.
fn evaluate_body(body: &Body, eval: &Eval<'_>, top: Option<Kind>) -> Map<String, Value> {
    let mut out = Map::new();
    let mut dynamic: Vec<(String, Value)> = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attribute) => {
                let key = attribute.key.value().as_str();
                if top.is_some() && META_ATTRIBUTES.contains(&key) {
                    continue;
                }
                let value = match top {
                    Some(kind)
                        if key == "container_definitions"
                            && kind.resource_type == ResourceType::TaskDefinition
                            && kind.provider == Provider::Aws =>
                    {
                        eval.container_definitions(&attribute.value)
                    }
                    _ => eval.expr(&attribute.value),
                };
                out.insert(key.to_string(), value);
            }
            Structure::Block(block) => {
                let ident = block.ident.value().as_str();
                if ident == "dynamic" {
                    if let [label] = block.labels.as_slice() {
                        let for_each = block
                            .body
                            .get_attribute("for_each")
                            .and_then(|a| a.value.span())
                            .and_then(|span| eval.text.get(span))
                            .unwrap_or("?");
                        dynamic.push((
                            label.as_str().to_string(),
                            unresolved(format!(
                                "dynamic \"{}\" (for_each = {for_each})",
                                label.as_str()
                            )),
                        ));
                    }
                    continue;
                }
                if !block.labels.is_empty() || (top.is_some() && META_BLOCKS.contains(&ident)) {
                    continue;
                }
                let value = Value::Object(evaluate_body(&block.body, eval, None));
                push_block(&mut out, ident, value);
            }
        }
    }
    for (ident, marker) in dynamic {
        push_block(&mut out, &ident, marker);
    }
    out
}

fn push_block(out: &mut Map<String, Value>, ident: &str, value: Value) {
    match out.get_mut(ident) {
        Some(Value::Array(items)) => items.push(value),
        _ => {
            out.insert(ident.to_string(), Value::Array(vec![value]));
        }
    }
}

/// `default_tags { tags = {...} }` of each `provider "aws"` block, by alias (`""` for the
/// default provider).
fn default_tags(body: &Body, eval: &Eval<'_>) -> std::collections::HashMap<String, Value> {
    let mut out = std::collections::HashMap::new();
    for block in body.blocks() {
        let is_aws = block.ident.value().as_str() == "provider"
            && matches!(block.labels.as_slice(), [label] if label.as_str() == "aws");
        if !is_aws {
            continue;
        }
        let alias = block
            .body
            .get_attribute("alias")
            .map(|a| eval.expr(&a.value))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let tags = block
            .body
            .get_blocks("default_tags")
            .next()
            .and_then(|defaults| defaults.body.get_attribute("tags"))
            .map(|tags| eval.expr(&tags.value));
        if let Some(tags) = tags {
            out.insert(alias, tags);
        }
    }
    out
}

/// The alias of the provider a resource names (`provider = aws.west` → `west`).
fn provider_alias(body: &Body, text: &str) -> String {
    body.get_attribute("provider")
        .and_then(|a| a.value.span())
        .and_then(|span| text.get(span))
        .and_then(|p| p.trim().strip_prefix("aws."))
        .unwrap_or_default()
        .to_string()
}

/// Adds a provider's `default_tags` to a resource's tags, as `tags_all` (the resource's own
/// tags win); unknown when either is unknown.
pub(super) fn add_default_tags(attributes: &mut Map<String, Value>, defaults: &Value) {
    let own = attributes.get("tags").cloned().unwrap_or(Value::Null);
    let all = match (defaults, &own) {
        _ if is_marker(defaults) => defaults.clone(),
        _ if is_marker(&own) => own.clone(),
        (Value::Object(defaults), Value::Object(own)) => {
            let mut merged = defaults.clone();
            merged.extend(own.clone());
            Value::Object(merged)
        }
        (Value::Object(_), Value::Null) => defaults.clone(),
        _ => return,
    };
    attributes.insert("tags_all".to_string(), all);
}

/// Where every attribute and block of a `.tf` file's resources stands, under the JSON paths the
/// resources are reported with (`$.resource.aws_ecs_service.web.network_configuration[0].assign_public_ip`);
/// inside `jsonencode(…)` and JSON heredocs, every key and element too
/// (`$.resource.aws_ecs_task_definition.app.container_definitions[0].privileged`). Empty when
/// the text does not parse.
pub fn hcl_positions(text: &str) -> PositionIndex {
    let mut walker = Walker {
        text,
        lines: LineStarts::new(text),
        index: PositionIndex::default(),
    };
    let Ok(body) = parse(text) else {
        return walker.index;
    };
    for block in body.blocks() {
        let Some((type_name, name)) = resource_labels(block) else {
            continue;
        };
        let path = resource_path(type_name, name);
        walker.record(&path, block.span());
        walker.body(&block.body, &path);
    }
    walker.index
}

/// The byte offset where each line starts, to turn offsets into lines and columns in any order.
struct LineStarts {
    starts: Vec<usize>,
}

impl LineStarts {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineStarts { starts }
    }

    fn position(&self, text: &str, offset: usize) -> Position {
        let line = self.starts.partition_point(|start| *start <= offset).max(1);
        let start = self.starts[line - 1];
        let column = text.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        Position { line, column }
    }
}

struct Walker<'t> {
    text: &'t str,
    lines: LineStarts,
    index: PositionIndex,
}

impl Walker<'_> {
    fn record(&mut self, path: &str, span: Option<std::ops::Range<usize>>) {
        if let Some(span) = span {
            let position = self.lines.position(self.text, span.start);
            self.index.push(path, position);
        }
    }

    fn body(&mut self, body: &Body, path: &str) {
        let mut counts: std::collections::HashMap<String, usize> = Default::default();
        let mut dynamic = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let mut key_path = path.to_string();
                    push_key(&mut key_path, attribute.key.value().as_str());
                    self.record(&key_path, attribute.key.span());
                    self.expr(&attribute.value, &key_path);
                }
                Structure::Block(block) => {
                    let ident = block.ident.value().as_str();
                    if ident == "dynamic" {
                        if let [label] = block.labels.as_slice() {
                            dynamic.push((label.as_str().to_string(), block.span()));
                        }
                        continue;
                    }
                    if !block.labels.is_empty() {
                        continue;
                    }
                    let item = self.block_item(path, ident, &mut counts, block.span());
                    self.body(&block.body, &item);
                }
            }
        }
        for (label, span) in dynamic {
            self.block_item(path, &label, &mut counts, span);
        }
    }

    /// Records `path.ident` (at its first block) and `path.ident[i]`; returns the latter.
    fn block_item(
        &mut self,
        path: &str,
        ident: &str,
        counts: &mut std::collections::HashMap<String, usize>,
        span: Option<std::ops::Range<usize>>,
    ) -> String {
        let mut list = path.to_string();
        push_key(&mut list, ident);
        let count = counts.entry(ident.to_string()).or_insert(0);
        if *count == 0 {
            self.record(&list, span.clone());
        }
        let mut item = list;
        push_index(&mut item, *count);
        *count += 1;
        self.record(&item, span);
        item
    }

    fn expr(&mut self, expression: &Expression, path: &str) {
        match expression {
            Expression::Object(object) => {
                for (key, value) in object.iter() {
                    let name = match key {
                        ObjectKey::Ident(ident) => ident.value().as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                        ObjectKey::Expression(_) => continue,
                    };
                    let mut key_path = path.to_string();
                    push_key(&mut key_path, &name);
                    self.record(&key_path, key.span());
                    self.expr(value.expr(), &key_path);
                }
            }
            Expression::Array(array) => {
                for (index, element) in array.iter().enumerate() {
                    let mut item = path.to_string();
                    push_index(&mut item, index);
                    self.record(&item, element.span());
                    self.expr(element, &item);
                }
            }
            Expression::FuncCall(call)
                if call.name.name.value().as_str() == "jsonencode" && call.args.len() == 1 =>
            {
                if let Some(argument) = call.args.get(0) {
                    self.expr(argument, path);
                }
            }
            Expression::Parenthesis(p) => self.expr(p.inner(), path),
            Expression::HeredocTemplate(heredoc) => {
                if let Some(span) = heredoc.template.span() {
                    self.heredoc(heredoc.template.iter(), span, path);
                }
            }
            _ => {}
        }
    }

    /// The keys and elements of a JSON heredoc: its body is indexed as JSON, with each
    /// interpolation blanked out character for character (as digits: a number outside a JSON
    /// string, text inside one) so that lines and columns stay.
    fn heredoc<'e>(
        &mut self,
        elements: impl Iterator<Item = &'e Element>,
        span: std::ops::Range<usize>,
        path: &str,
    ) {
        let Some(source) = self.text.get(span.clone()) else {
            return;
        };
        let mut blanks: Vec<std::ops::Range<usize>> = elements
            .filter_map(|element| match element {
                Element::Interpolation(i) => i.span(),
                Element::Directive(d) => d.span(),
                Element::Literal(_) => None,
            })
            .collect();
        blanks.sort_by_key(|range| range.start);
        let mut blanks = blanks.into_iter().peekable();
        let mut blanked = String::with_capacity(source.len());
        for (offset, c) in source.char_indices() {
            let offset = span.start + offset;
            while blanks.peek().is_some_and(|range| range.end <= offset) {
                blanks.next();
            }
            let inside = blanks.peek().is_some_and(|range| range.contains(&offset));
            blanked.push(if inside && c != '\n' { '1' } else { c });
        }
        // Only a body that is JSON once blanked is indexed (the index reads JSON that parses).
        if serde_json::from_str::<serde::de::IgnoredAny>(&blanked).is_err() {
            return;
        }
        let first_line = self.lines.position(self.text, span.start);
        let inner = json_positions(&blanked);
        let prefix_length = "$".len();
        for (inner_path, position) in inner.entries() {
            if inner_path == "$" {
                continue;
            }
            let full = format!("{path}{}", &inner_path[prefix_length..]);
            let column = if position.line == 1 {
                position.column + first_line.column - 1
            } else {
                position.column
            };
            self.index.push(
                &full,
                Position {
                    line: position.line + first_line.line - 1,
                    column,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;
    use serde_json::json;

    const TASK: &str = r#"provider "aws" {
  default_tags {
    tags = { owner = "platform" }
  }
}

resource "aws_ecs_task_definition" "app" {
  family       = "app"
  network_mode = "awsvpc"
  count        = var.enabled ? 1 : 0

  container_definitions = jsonencode([
    {
      name       = "app"
      image      = "${var.repository}:latest"
      privileged = true
    },
    {
      name  = "sidecar"
      image = "public.ecr.aws/x/y:1"
    }
  ])

  volume {
    name = "data"
    efs_volume_configuration {
      file_system_id     = aws_efs_file_system.data.id
      transit_encryption = "DISABLED"
    }
  }

  dynamic "volume" {
    for_each = var.extra_volumes
    content {
      name = volume.value
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
"#;

    #[test]
    fn resources_are_evaluated_and_converted() {
        let results = resources(TASK).unwrap();
        assert_eq!(results.len(), 1);
        let task = results[0].as_ref().unwrap();
        assert_eq!(task.address, "aws_ecs_task_definition.app");
        assert_eq!(task.json_path, "$.resource.aws_ecs_task_definition.app");
        assert_eq!(
            task.value,
            json!({
                "family": "app",
                "networkMode": "awsvpc",
                "containerDefinitions": [
                    {"name": "app", "image": {"$template": [{"$unresolved": "var.repository"}, ":latest"]}, "privileged": true},
                    {"name": "sidecar", "image": "public.ecr.aws/x/y:1"}
                ],
                "volumes": [
                    {"name": "data", "efsVolumeConfiguration": {
                        "fileSystemId": {"$unresolved": "aws_efs_file_system.data.id"},
                        "transitEncryption": "DISABLED"}},
                    {"$unresolved": "dynamic \"volume\" (for_each = var.extra_volumes)"}
                ],
                "tags": {"owner": "platform"}
            })
        );
    }

    #[test]
    fn malformed_hcl_has_a_line_and_column() {
        let error = resources(
            "resource \"aws_ecs_service\" \"web\" {\n  name = \"web\"\n  launch_type = \n}\n",
        )
        .unwrap_err();
        assert!(
            matches!(
                error.location,
                Location::LineColumn {
                    line: 3,
                    column: 17
                }
            ),
            "{error:?}"
        );
        assert!(error.message.starts_with("invalid HCL"), "{error}");
        let unclosed =
            resources("resource \"aws_ecs_service\" \"web\" {\n  name = \"web\"\n").unwrap_err();
        assert!(
            matches!(unclosed.location, Location::LineColumn { .. }),
            "{unclosed:?}"
        );
    }

    #[test]
    fn positions_follow_the_json_paths() {
        let index = hcl_positions(TASK);
        let at = |path: &str| index.get(path).map(|p| (p.line, p.column));
        assert_eq!(at("$.resource.aws_ecs_task_definition.app"), Some((7, 1)));
        assert_eq!(
            at("$.resource.aws_ecs_task_definition.app.network_mode"),
            Some((9, 3))
        );
        assert_eq!(
            at("$.resource.aws_ecs_task_definition.app.container_definitions[0].privileged"),
            Some((16, 7))
        );
        assert_eq!(
            at("$.resource.aws_ecs_task_definition.app.volume[0]"),
            Some((24, 3))
        );
        assert_eq!(
            at("$.resource.aws_ecs_task_definition.app.volume[0].efs_volume_configuration[0].transit_encryption"),
            Some((28, 7))
        );
        assert_eq!(
            at("$.resource.aws_ecs_task_definition.app.volume[1]"),
            Some((32, 3))
        );
        let pointer = crate::verdict::Pointer {
            within: crate::verdict::Within::Container(0),
            field: "privileged",
        };
        assert_eq!(
            index
                .locate("$.resource.aws_ecs_task_definition.app", &pointer)
                .map(|p| p.line),
            Some(16)
        );
    }

    #[test]
    fn heredoc_json_is_indexed_in_place() {
        let text = "resource \"aws_ecs_task_definition\" \"app\" {\n  container_definitions = <<-EOF\n    [\n      {\"name\": \"${var.name}\", \"cpu\": ${var.cpu},\n       \"privileged\": true}\n    ]\n  EOF\n}\n";
        let index = hcl_positions(text);
        assert_eq!(
            index
                .get("$.resource.aws_ecs_task_definition.app.container_definitions[0].privileged")
                .map(|p| (p.line, p.column)),
            Some((5, 8))
        );
        let results = resources(text).unwrap();
        assert_eq!(
            results[0].as_ref().unwrap().value["containerDefinitions"],
            json!([{"name": {"$unresolved": "var.name"}, "cpu": {"$unresolved": "var.cpu"}, "privileged": true}])
        );
    }
}
