//! Terraform's JSON configuration syntax (`.tf.json`): `{"resource": {"aws_ecs_service":
//! {"web": {…}}}}`. Strings are templates (`"${var.image}"`, `"${var.repo}:latest"`), nested
//! blocks are objects or lists of objects, `"dynamic": {"volume": {…}}` is an unknown element of
//! the `volume` list, and `"//"` keys are comments.

use serde_json::{Map, Value};

use super::convert::{convert, kind_of, unresolved, Kind, Provider};
use super::eval::configuration_string;
use super::hcl::{add_default_tags, resource_path};
use super::Converted;
use crate::error::{ParseError, ParseResult};
use crate::model::{ResourceType, Shape};

const META: [&str; 8] = [
    "count",
    "for_each",
    "provider",
    "depends_on",
    "lifecycle",
    "provisioner",
    "connection",
    "//",
];

/// Whether a document is a Terraform JSON configuration with resources: a `resource` object of
/// types (lowercase identifiers with an underscore) whose values are objects.
pub(super) fn is_configuration(root: &Map<String, Value>) -> bool {
    let Some(resources) = root.get("resource").and_then(Value::as_object) else {
        return false;
    };
    !resources.is_empty()
        && resources.iter().all(|(type_name, names)| {
            names.is_object()
                && type_name.contains('_')
                && type_name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// The ECS resources of a Terraform JSON configuration.
pub(super) fn configuration(root: &Map<String, Value>) -> Vec<ParseResult<Converted>> {
    let defaults = default_tags(root);
    let mut out = Vec::new();
    let Some(resources) = root.get("resource").and_then(Value::as_object) else {
        return out;
    };
    for (type_name, names) in resources {
        let Some(kind) = kind_of(type_name) else {
            continue;
        };
        for (name, body) in names.as_object().into_iter().flatten() {
            let json_path = resource_path(type_name, name);
            let Some(body) = body.as_object() else {
                out.push(Err(ParseError::at_path(
                    json_path,
                    format!(
                        "a resource block must be an object, found {}",
                        crate::parse::tree::type_name(body)
                    ),
                )));
                continue;
            };
            let mut attributes = evaluate_object(body, Some(kind));
            if kind.provider == Provider::Aws {
                let alias = body
                    .get("provider")
                    .and_then(Value::as_str)
                    .and_then(|p| p.strip_prefix("aws."))
                    .unwrap_or_default();
                if let Some(tags) = defaults.get(alias) {
                    add_default_tags(&mut attributes, tags);
                }
            }
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
    }
    out
}

/// A block's object with its strings evaluated as templates and `dynamic` blocks as unknown
/// elements; `top` is the resource's kind at the top level of a resource block.
fn evaluate_object(object: &Map<String, Value>, top: Option<Kind>) -> Map<String, Value> {
    let mut out = Map::new();
    let mut dynamic = Vec::new();
    for (key, value) in object {
        if key == "dynamic" {
            for (block, content) in value.as_object().into_iter().flatten() {
                let for_each = content
                    .get("for_each")
                    .map(|f| match f {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .unwrap_or_default();
                dynamic.push((
                    block.clone(),
                    unresolved(format!("dynamic \"{block}\" (for_each = {for_each})")),
                ));
            }
            continue;
        }
        if (top.is_some() && META.contains(&key.as_str())) || key == "//" {
            continue;
        }
        let containers = top.is_some_and(|kind| {
            kind.provider == Provider::Aws && kind.resource_type == ResourceType::TaskDefinition
        }) && key == "container_definitions";
        let evaluated = match value {
            Value::String(text) => configuration_string(text, containers),
            other => evaluate(other),
        };
        out.insert(key.clone(), evaluated);
    }
    for (block, marker) in dynamic {
        match out.get_mut(&block) {
            Some(Value::Array(items)) => items.push(marker),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, marker]);
            }
            None => {
                out.insert(block, Value::Array(vec![marker]));
            }
        }
    }
    out
}

fn evaluate(value: &Value) -> Value {
    match value {
        Value::String(text) => configuration_string(text, false),
        Value::Array(items) => Value::Array(items.iter().map(evaluate).collect()),
        Value::Object(map) => Value::Object(evaluate_object(map, None)),
        other => other.clone(),
    }
}

/// `provider.aws.default_tags.tags`, by alias (`""` for the default provider).
fn default_tags(root: &Map<String, Value>) -> std::collections::HashMap<String, Value> {
    let mut out = std::collections::HashMap::new();
    let providers = match root.get("provider").and_then(|p| p.get("aws")) {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    for provider in providers {
        let alias = provider
            .get("alias")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let defaults = match provider.get("default_tags") {
            Some(Value::Array(list)) => list.first(),
            other => other,
        };
        if let Some(tags) = defaults.and_then(|d| d.get("tags")) {
            out.insert(alias, evaluate(tags));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_json_configuration_is_read_like_hcl() {
        let document = json!({
            "provider": {"aws": {"default_tags": {"tags": {"owner": "platform"}}}},
            "resource": {
                "aws_ecs_service": {"web": {
                    "name": "web",
                    "count": "${var.enabled ? 1 : 0}",
                    "launch_type": "FARGATE",
                    "network_configuration": {"subnets": ["${var.subnet}"], "assign_public_ip": true},
                    "tags": {"team": "web"}
                }},
                "aws_ecs_task_definition": {"app": {
                    "family": "app",
                    "container_definitions": "${jsonencode([{name = \"app\", image = \"${var.repo}:latest\"}])}",
                    "dynamic": {"volume": {"for_each": "${var.volumes}", "content": {"name": "x"}}}
                }},
                "aws_s3_bucket": {"b": {"bucket": "b"}}
            }
        });
        let root = document.as_object().unwrap();
        assert!(is_configuration(root));
        let results = configuration(root);
        assert_eq!(results.len(), 2);
        let service = results[0].as_ref().unwrap();
        assert_eq!(service.json_path, "$.resource.aws_ecs_service.web");
        assert_eq!(
            service.value,
            json!({"serviceName": "web", "launchType": "FARGATE",
                   "networkConfiguration": {"awsvpcConfiguration": {"subnets": [{"$unresolved": "var.subnet"}], "assignPublicIp": "ENABLED"}},
                   "tags": {"owner": "platform", "team": "web"}})
        );
        let task = results[1].as_ref().unwrap();
        assert_eq!(
            task.value,
            json!({"family": "app",
                   "containerDefinitions": [{"name": "app", "image": {"$template": [{"$unresolved": "var.repo"}, ":latest"]}}],
                   "volumes": [{"$unresolved": "dynamic \"volume\" (for_each = ${var.volumes})"}],
                   "tags": {"owner": "platform"}})
        );
    }

    #[test]
    fn other_documents_with_a_resource_key_are_not_configurations() {
        for document in [
            json!({"resource": "arn:aws:s3:::bucket"}),
            json!({"resource": {"Bucket": {"x": {}}}}),
            json!({"resource": {}}),
        ] {
            assert!(
                !is_configuration(document.as_object().unwrap()),
                "{document}"
            );
        }
    }
}
