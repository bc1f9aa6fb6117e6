//! `terraform show -json` output: a plan (`resource_changes`, else `planned_values`) or a
//! state (`values`). A plan is judged by what will exist after apply: each resource's `after`,
//! with every value `after_unknown` marks as unknown and every value `after_sensitive` marks as
//! sensitive replaced by a marker (a sensitive value is never copied anywhere). Resources
//! deleted by the plan (`after` is null) and data sources are skipped.

use serde_json::Value;

use super::convert::{convert, kind_of, unresolved, Kind};
use super::Converted;
use crate::error::{ParseError, ParseResult};
use crate::model::Shape;
use crate::parse::tree::push_key;

/// Whether a document is `terraform show -json` output.
pub(super) fn is_show_output(root: &serde_json::Map<String, Value>) -> bool {
    root.contains_key("format_version")
        && [
            "terraform_version",
            "values",
            "planned_values",
            "resource_changes",
        ]
        .iter()
        .any(|key| root.contains_key(*key))
}

/// The ECS resources of a plan or state.
pub(super) fn show_output(root: &serde_json::Map<String, Value>) -> Vec<ParseResult<Converted>> {
    if let Err(error) = check_format_version(root.get("format_version")) {
        return vec![Err(error)];
    }
    if let Some(changes) = root.get("resource_changes") {
        return resource_changes(changes);
    }
    if let Some(planned) = root.get("planned_values") {
        let mut out = Vec::new();
        module(
            planned.get("root_module"),
            "$.planned_values.root_module",
            Shape::TerraformPlan,
            &mut out,
        );
        return out;
    }
    let mut out = Vec::new();
    if let Some(values) = root.get("values") {
        module(
            values.get("root_module"),
            "$.values.root_module",
            Shape::TerraformState,
            &mut out,
        );
    }
    out
}

/// Terraform's JSON output promises compatibility within a major version and asks readers to
/// reject other majors.
fn check_format_version(version: Option<&Value>) -> ParseResult<()> {
    let path = "$.format_version";
    let Some(text) = version.and_then(Value::as_str) else {
        return Err(ParseError::at_path(
            path,
            "format_version must be a string such as \"1.2\" (terraform show -json writes it)",
        ));
    };
    if text.split('.').next() == Some("1") {
        return Ok(());
    }
    let shown: String = text.chars().take(20).collect();
    Err(ParseError::at_path(
        path,
        format!(
            "format_version {shown:?} is not supported: this reader understands Terraform's JSON \
             output format 1.x; a new major version may change what the fields mean. Use a \
             Terraform version whose `terraform show -json` writes format 1.x, or an ecs-harden \
             that reads {shown}"
        ),
    ))
}

fn resource_changes(changes: &Value) -> Vec<ParseResult<Converted>> {
    let Some(items) = changes.as_array() else {
        return vec![Err(ParseError::at_path(
            "$.resource_changes",
            "resource_changes must be a list",
        ))];
    };
    let mut out = Vec::new();
    for (index, change) in items.iter().enumerate() {
        let path = format!("$.resource_changes[{index}]");
        let Some(kind) = ecs_kind(change) else {
            continue;
        };
        let Some(details) = change.get("change").filter(|c| c.is_object()) else {
            out.push(Err(ParseError::at_path(
                format!("{path}.change"),
                "a resource change has no change object",
            )));
            continue;
        };
        let after = details.get("after").unwrap_or(&Value::Null);
        if after.is_null() {
            // Deleted by this plan: nothing of it exists after apply.
            continue;
        }
        let address = address(change, kind);
        let values = mask(
            after,
            details.get("after_unknown").unwrap_or(&Value::Null),
            details.get("after_sensitive").unwrap_or(&Value::Null),
            &mut address.clone(),
        );
        let json_path = format!("{path}.change.after");
        out.push(converted(
            kind,
            address,
            &values,
            json_path,
            Shape::TerraformPlan,
        ));
    }
    out
}

/// The resources of a module of a state or of `planned_values`, and of its child modules.
fn module(module: Option<&Value>, path: &str, shape: Shape, out: &mut Vec<ParseResult<Converted>>) {
    let Some(module) = module.filter(|m| m.is_object()) else {
        return;
    };
    if let Some(resources) = module.get("resources").and_then(Value::as_array) {
        for (index, resource) in resources.iter().enumerate() {
            let Some(kind) = ecs_kind(resource) else {
                continue;
            };
            let resource_path = format!("{path}.resources[{index}]");
            let address = address(resource, kind);
            let values = resource.get("values").unwrap_or(&Value::Null);
            let values = mask(
                values,
                &Value::Null,
                resource.get("sensitive_values").unwrap_or(&Value::Null),
                &mut address.clone(),
            );
            out.push(converted(
                kind,
                address,
                &values,
                format!("{resource_path}.values"),
                shape,
            ));
        }
    }
    if let Some(children) = module.get("child_modules").and_then(Value::as_array) {
        for (index, child) in children.iter().enumerate() {
            self::module(
                Some(child),
                &format!("{path}.child_modules[{index}]"),
                shape,
                out,
            );
        }
    }
}

/// A managed resource of an ECS type (data sources share the type names and are skipped).
fn ecs_kind(resource: &Value) -> Option<Kind> {
    let mode = resource
        .get("mode")
        .and_then(Value::as_str)
        .unwrap_or("managed");
    if mode != "managed" {
        return None;
    }
    kind_of(resource.get("type")?.as_str()?)
}

/// The resource's address, module path and index included (`module.app.aws_ecs_service.web[0]`).
fn address(resource: &Value, kind: Kind) -> String {
    if let Some(address) = resource.get("address").and_then(Value::as_str) {
        return address.to_string();
    }
    let name = resource
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("unnamed");
    format!("{}.{name}", kind.type_name)
}

fn converted(
    kind: Kind,
    address: String,
    values: &Value,
    json_path: String,
    shape: Shape,
) -> ParseResult<Converted> {
    let value = convert(kind, values, &json_path)?;
    let arn = ["arn", "task_definition_arn", "service_arn", "id"]
        .iter()
        .filter_map(|key| values.get(*key).and_then(Value::as_str))
        .find(|v| v.starts_with("arn:"))
        .map(str::to_string);
    Ok(Converted {
        address,
        resource_type: kind.resource_type,
        shape,
        json_path,
        value,
        arn,
    })
}

/// A copy of `value` where everything `unknown` marks (`true`) is an unresolved marker, and
/// everything `sensitive` marks is a marker that names only where it stands. `label` is the
/// path so far, used to name the markers (each unknown value is its own).
fn mask(value: &Value, unknown: &Value, sensitive: &Value, label: &mut String) -> Value {
    if sensitive == &Value::Bool(true) {
        return unresolved(format!("(sensitive value) {label}"));
    }
    if unknown == &Value::Bool(true) {
        return unresolved(format!("(known after apply) {label}"));
    }
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            let extra = unknown
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(key, flag)| **flag == Value::Bool(true) && !map.contains_key(*key))
                .map(|(key, _)| key);
            for key in map.keys().chain(extra) {
                let length = label.len();
                push_key(label, key);
                let masked = mask(
                    map.get(key).unwrap_or(&Value::Null),
                    unknown.get(key).unwrap_or(&Value::Null),
                    sensitive.get(key).unwrap_or(&Value::Null),
                    label,
                );
                label.truncate(length);
                out.insert(key.clone(), masked);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let unknown_items = unknown.as_array().map_or(0, Vec::len);
            let count = items.len().max(unknown_items);
            let mut out = Vec::with_capacity(count);
            for index in 0..count {
                let length = label.len();
                label.push_str(&format!("[{index}]"));
                out.push(mask(
                    items.get(index).unwrap_or(&Value::Null),
                    unknown.get(index).unwrap_or(&Value::Null),
                    sensitive.get(index).unwrap_or(&Value::Null),
                    label,
                ));
                label.truncate(length);
            }
            Value::Array(out)
        }
        Value::Null if unknown.is_object() || unknown.is_array() => {
            // A block whose contents are partly unknown but whose value was left out.
            mask(
                &match unknown {
                    Value::Array(_) => Value::Array(Vec::new()),
                    _ => Value::Object(serde_json::Map::new()),
                },
                unknown,
                sensitive,
                label,
            )
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(document: Value) -> Vec<ParseResult<Converted>> {
        show_output(document.as_object().unwrap())
    }

    #[test]
    fn format_version_two_is_refused_naming_the_version_and_path() {
        let results = parse(json!({"format_version": "2.0", "resource_changes": []}));
        let error = results[0].as_ref().unwrap_err();
        assert_eq!(error.path(), Some("$.format_version"));
        assert!(error.message.contains("\"2.0\""), "{error}");
    }

    #[test]
    fn unknown_and_sensitive_values_become_markers() {
        let results = parse(json!({
            "format_version": "1.2",
            "resource_changes": [{
                "address": "module.app.aws_ecs_service.web[0]",
                "mode": "managed", "type": "aws_ecs_service", "name": "web", "index": 0,
                "change": {
                    "actions": ["create"],
                    "after": {"name": "web", "launch_type": "FARGATE", "platform_version": null,
                              "network_configuration": [{"assign_public_ip": false, "subnets": null}],
                              "tags": {"team": "web"}, "tags_all": {"team": "web"}},
                    "after_unknown": {"platform_version": true, "id": true,
                                      "network_configuration": [{"subnets": true}]},
                    "after_sensitive": {"tags": {"team": true}, "tags_all": {"team": true}}
                }
            }]
        }));
        let service = results[0].as_ref().unwrap();
        assert_eq!(service.address, "module.app.aws_ecs_service.web[0]");
        assert_eq!(service.json_path, "$.resource_changes[0].change.after");
        assert_eq!(
            service.value,
            json!({
                "serviceName": "web", "launchType": "FARGATE",
                "platformVersion": {"$unresolved": "(known after apply) module.app.aws_ecs_service.web[0].platform_version"},
                "id": {"$unresolved": "(known after apply) module.app.aws_ecs_service.web[0].id"},
                "networkConfiguration": {"awsvpcConfiguration": {
                    "assignPublicIp": "DISABLED",
                    "subnets": {"$unresolved": "(known after apply) module.app.aws_ecs_service.web[0].network_configuration[0].subnets"}
                }},
                "tags": {"team": {"$unresolved": "(sensitive value) module.app.aws_ecs_service.web[0].tags_all.team"}}
            })
        );
    }

    #[test]
    fn deleted_resources_and_data_sources_are_skipped() {
        let results = parse(json!({
            "format_version": "1.2",
            "resource_changes": [
                {"address": "aws_ecs_cluster.old", "mode": "managed", "type": "aws_ecs_cluster",
                 "change": {"actions": ["delete"], "before": {"name": "old"}, "after": null}},
                {"address": "data.aws_ecs_cluster.x", "mode": "data", "type": "aws_ecs_cluster",
                 "change": {"actions": ["read"], "after": {"cluster_name": "x"}}},
                {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket",
                 "change": {"actions": ["create"], "after": {"bucket": "b"}}}
            ]
        }));
        assert!(results.is_empty());
    }

    #[test]
    fn state_resources_in_child_modules_keep_their_address_and_arn() {
        let results = parse(json!({
            "format_version": "1.0",
            "values": {"root_module": {"child_modules": [{"address": "module.ecs", "resources": [{
                "address": "module.ecs.aws_ecs_cluster.main", "mode": "managed", "type": "aws_ecs_cluster",
                "name": "main", "values": {"name": "main", "arn": "arn:aws:ecs:us-east-1:111122223333:cluster/main",
                "setting": [{"name": "containerInsights", "value": "enabled"}]},
                "sensitive_values": {"setting": [{}]}
            }]}]}}
        }));
        let cluster = results[0].as_ref().unwrap();
        assert_eq!(cluster.address, "module.ecs.aws_ecs_cluster.main");
        assert_eq!(cluster.shape, Shape::TerraformState);
        assert_eq!(
            cluster.json_path,
            "$.values.root_module.child_modules[0].resources[0].values"
        );
        assert_eq!(
            cluster.arn.as_deref(),
            Some("arn:aws:ecs:us-east-1:111122223333:cluster/main")
        );
    }

    #[test]
    fn a_sensitive_container_definitions_never_reaches_the_value() {
        let results = parse(json!({
            "format_version": "1.2",
            "resource_changes": [{"address": "aws_ecs_task_definition.app", "mode": "managed",
                "type": "aws_ecs_task_definition", "change": {"actions": ["create"],
                "after": {"family": "app", "container_definitions": "[{\"name\":\"app\",\"environment\":[{\"name\":\"DB_PASSWORD\",\"value\":\"hunter2\"}]}]"},
                "after_sensitive": {"container_definitions": true}}}]
        }));
        let task = results[0].as_ref().unwrap();
        assert!(!task.value.to_string().contains("hunter2"));
        assert!(!task.value.to_string().contains("DB_PASSWORD"));
    }
}
