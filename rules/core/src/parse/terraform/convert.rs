//! From a Terraform resource's attributes (the provider's schema: snake_case, blocks as lists)
//! to the ECS API's shape the readers understand (camelCase, blocks of one as objects).
//!
//! | Terraform (`aws` provider) | ECS API |
//! |---|---|
//! | `aws_ecs_task_definition.container_definitions` (JSON string) | `containerDefinitions` (decoded) |
//! | `…task_definition.volume[]` / `efs_volume_configuration[0]` / `authorization_config[0]` | `volumes[]` / `efsVolumeConfiguration` / `authorizationConfig` |
//! | `…task_definition.runtime_platform[0]` | `runtimePlatform` |
//! | `aws_ecs_service.name` | `serviceName` |
//! | `…service.network_configuration[0].assign_public_ip = true` | `networkConfiguration.awsvpcConfiguration.assignPublicIp = "ENABLED"` |
//! | `…service.service_connect_configuration[0].service[]` | `serviceConnectConfiguration.services[]` |
//! | `…service.deployment_controller[0].type` | `deploymentController.type` |
//! | `aws_ecs_cluster.name` / `setting[]` | `clusterName` / `settings[]` |
//! | `…cluster.configuration[0].execute_command_configuration[0].log_configuration[0].s3_bucket_encryption_enabled` | `configuration.executeCommandConfiguration.logConfiguration.s3EncryptionEnabled` |
//! | `aws_ecs_capacity_provider.auto_scaling_group_provider[0]` | `autoScalingGroupProvider` |
//! | `aws_ecs_task_set.task_set_id` / `network_configuration[0]` | `id` / `networkConfiguration.awsvpcConfiguration` |
//! | `aws_launch_template.name` / `user_data` / `metadata_options[0]` | `launchTemplateName` / `launchTemplateData.userData` / `launchTemplateData.metadataOptions` (EC2's shape) |
//! | `tags_all` (or `tags`, when there is no `tags_all`) map | `tags` |
//! | any other `snake_case` key | `camelCase` key |
//!
//! The Cloud Control provider (`awscc_ecs_*`) spells CloudFormation's properties in snake_case
//! and writes nested objects as objects: its keys are turned into camelCase and nothing else
//! changes (`cluster_settings` → `clusterSettings`, `container_definitions[]` → `containerDefinitions[]`),
//! except that a boolean `assign_public_ip` reads as `ENABLED`/`DISABLED`.

use serde_json::{Map, Value};

use crate::error::{ParseError, ParseResult};
use crate::model::ResourceType;
use crate::parse::tree::{push_key, TEMPLATE, UNRESOLVED};

/// Which provider a resource type belongs to: their schemas differ in shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Provider {
    /// `hashicorp/aws`: blocks are lists, `container_definitions` is a JSON string.
    Aws,
    /// `hashicorp/awscc`: CloudFormation's properties in snake_case, nested objects.
    CloudControl,
}

/// An ECS resource type of a Terraform provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Kind {
    pub type_name: &'static str,
    pub resource_type: ResourceType,
    pub provider: Provider,
}

/// The resource types read. `aws_ecs_cluster_capacity_providers` holds nothing a control reads.
const KINDS: [Kind; 17] = [
    kind(
        "aws_ecs_task_definition",
        ResourceType::TaskDefinition,
        Provider::Aws,
    ),
    kind("aws_ecs_service", ResourceType::Service, Provider::Aws),
    kind("aws_ecs_cluster", ResourceType::Cluster, Provider::Aws),
    kind(
        "aws_ecs_capacity_provider",
        ResourceType::CapacityProvider,
        Provider::Aws,
    ),
    kind("aws_ecs_task_set", ResourceType::TaskSet, Provider::Aws),
    kind(
        "awscc_ecs_task_definition",
        ResourceType::TaskDefinition,
        Provider::CloudControl,
    ),
    kind(
        "awscc_ecs_service",
        ResourceType::Service,
        Provider::CloudControl,
    ),
    kind(
        "awscc_ecs_cluster",
        ResourceType::Cluster,
        Provider::CloudControl,
    ),
    kind(
        "awscc_ecs_capacity_provider",
        ResourceType::CapacityProvider,
        Provider::CloudControl,
    ),
    kind(
        "awscc_ecs_task_set",
        ResourceType::TaskSet,
        Provider::CloudControl,
    ),
    kind(
        "aws_launch_template",
        ResourceType::LaunchTemplate,
        Provider::Aws,
    ),
    kind(
        "awscc_ec2_launch_template",
        ResourceType::LaunchTemplate,
        Provider::CloudControl,
    ),
    // IAM, read as what task definitions relate to (their task role).
    kind("aws_iam_role", ResourceType::Role, Provider::Aws),
    kind("aws_iam_role_policy", ResourceType::Policy, Provider::Aws),
    kind(
        "aws_iam_role_policy_attachment",
        ResourceType::Policy,
        Provider::Aws,
    ),
    kind("aws_iam_policy", ResourceType::Policy, Provider::Aws),
    kind("awscc_iam_role", ResourceType::Role, Provider::CloudControl),
];

const fn kind(type_name: &'static str, resource_type: ResourceType, provider: Provider) -> Kind {
    Kind {
        type_name,
        resource_type,
        provider,
    }
}

/// The ECS kind of a Terraform resource type, if it is one.
pub(super) fn kind_of(type_name: &str) -> Option<Kind> {
    KINDS.into_iter().find(|k| k.type_name == type_name)
}

/// `{"$unresolved": "<expression>"}`: a value nobody knows before apply.
pub(super) fn unresolved(expression: impl Into<String>) -> Value {
    let mut map = Map::new();
    map.insert(UNRESOLVED.to_string(), Value::String(expression.into()));
    Value::Object(map)
}

/// Whether a value is an unresolved marker or a partly known template.
pub(super) fn is_marker(value: &Value) -> bool {
    value.as_object().is_some_and(|object| {
        object.len() == 1 && (object.contains_key(UNRESOLVED) || object.contains_key(TEMPLATE))
    })
}

/// Whether a value is fully known: no marker anywhere in it.
pub(super) fn is_known(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().all(is_known),
        Value::Object(_) if is_marker(value) => false,
        Value::Object(map) => map.values().all(is_known),
        _ => true,
    }
}

/// A string of literal parts and markers: one string when all parts are known, the marker
/// itself when it is the only part, else `{"$template": [...]}`.
pub(super) fn template(parts: Vec<Value>) -> Value {
    let mut merged: Vec<Value> = Vec::new();
    for part in parts {
        let part = match part {
            Value::Object(mut object) if object.len() == 1 && object.contains_key(TEMPLATE) => {
                match object.remove(TEMPLATE) {
                    Some(Value::Array(inner)) => {
                        for p in inner {
                            push_part(&mut merged, p);
                        }
                        continue;
                    }
                    Some(other) => {
                        object.insert(TEMPLATE.to_string(), other);
                        Value::Object(object)
                    }
                    None => Value::Object(object),
                }
            }
            other => other,
        };
        push_part(&mut merged, part);
    }
    match merged.len() {
        0 => Value::String(String::new()),
        1 if merged[0].is_string() || is_marker(&merged[0]) => merged.remove(0),
        _ => {
            let mut map = Map::new();
            map.insert(TEMPLATE.to_string(), Value::Array(merged));
            Value::Object(map)
        }
    }
}

fn push_part(parts: &mut Vec<Value>, part: Value) {
    if let (Some(Value::String(last)), Value::String(text)) = (parts.last_mut(), &part) {
        last.push_str(text);
        return;
    }
    if part.as_str().is_some_and(str::is_empty) {
        return;
    }
    parts.push(part);
}

/// `snake_case` → `camelCase`.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Attributes whose value is a map of user-chosen keys: their keys are kept as written.
const MAPS: [&str; 9] = [
    "tags",
    "tags_all",
    "options",
    "docker_labels",
    "driver_opts",
    "labels",
    "properties",
    "triggers",
    "parameters",
];

/// Blocks the `aws` provider allows once (`max_items = 1`): a list of one in Terraform, an
/// object in the ECS API.
const BLOCKS_OF_ONE: [&str; 25] = [
    "runtime_platform",
    "efs_volume_configuration",
    "authorization_config",
    "docker_volume_configuration",
    "fsx_windows_file_server_volume_configuration",
    "proxy_configuration",
    "ephemeral_storage",
    "network_configuration",
    "deployment_controller",
    "deployment_circuit_breaker",
    "deployment_configuration",
    "service_connect_configuration",
    "tls",
    "issuer_cert_authority",
    "log_configuration",
    "timeout",
    "alarms",
    "configuration",
    "execute_command_configuration",
    "managed_storage_configuration",
    "service_connect_defaults",
    "auto_scaling_group_provider",
    "managed_scaling",
    "scale",
    "metadata_options",
];

/// Converts one resource's attributes (markers for what is unknown) into the ECS API's shape.
/// `json_path` is where the attributes stand in the source, for errors.
pub(super) fn convert(kind: Kind, attributes: &Value, json_path: &str) -> ParseResult<Value> {
    let Some(object) = attributes.as_object().filter(|_| !is_marker(attributes)) else {
        return Err(ParseError::at_path(
            json_path,
            format!(
                "the attributes of a {} must be an object, found {}",
                kind.type_name,
                crate::parse::tree::type_name(attributes)
            ),
        ));
    };
    let mut out = Map::new();
    for (key, value) in object {
        if value.is_null() {
            continue;
        }
        let path = child(json_path, key);
        if key == "tags" && object.get("tags_all").is_some_and(|t| !t.is_null()) {
            // `tags_all` holds `tags` and the provider's `default_tags`: what AWS will carry.
            continue;
        }
        let (name, converted) = match kind.provider {
            Provider::Aws => aws_attribute(kind, key, value, &path)?,
            Provider::CloudControl => (camel(key), cloud_control(key, value)),
        };
        if let Some(converted) = converted {
            out.insert(name, converted);
        }
    }
    if kind.provider == Provider::Aws && kind.resource_type == ResourceType::LaunchTemplate {
        // EC2 keeps what instances launch with under `LaunchTemplateData`; the provider
        // writes it at the top level.
        let data: Map<String, Value> = ["userData", "metadataOptions"]
            .into_iter()
            .filter_map(|key| Some((key.to_string(), out.remove(key)?)))
            .collect();
        out.insert("launchTemplateData".into(), Value::Object(data));
    }
    Ok(Value::Object(out))
}

fn child(path: &str, key: &str) -> String {
    let mut out = path.to_string();
    push_key(&mut out, key);
    out
}

/// One top-level attribute of an `aws` provider resource: its API name and converted value
/// (`None` when it holds nothing, such as an empty list of blocks of one).
fn aws_attribute(
    kind: Kind,
    key: &str,
    value: &Value,
    path: &str,
) -> ParseResult<(String, Option<Value>)> {
    let renamed = match (kind.resource_type, key) {
        (_, "tags_all") => Some("tags"),
        (ResourceType::TaskDefinition, "container_definitions") => {
            return Ok((
                "containerDefinitions".into(),
                Some(container_definitions(value, path)?),
            ));
        }
        (ResourceType::TaskDefinition, "volume") => Some("volumes"),
        (ResourceType::LaunchTemplate, "name") => Some("launchTemplateName"),
        (ResourceType::Service, "name") => Some("serviceName"),
        (ResourceType::Cluster, "name") => Some("clusterName"),
        (ResourceType::Cluster, "setting") => Some("settings"),
        (ResourceType::TaskSet, "task_set_id") => Some("id"),
        (ResourceType::Role, "name") => Some("roleName"),
        (ResourceType::Role, "inline_policy") => {
            return Ok(("policies".into(), Some(inline_policies(value))));
        }
        (ResourceType::Policy, "name") => Some("policyName"),
        (ResourceType::Policy, "role") => Some("roleName"),
        (ResourceType::Policy, "policy") => Some("policyDocument"),
        (ResourceType::Service | ResourceType::TaskSet, "network_configuration") => {
            return Ok((
                "networkConfiguration".into(),
                network_configuration(value, path)?,
            ));
        }
        _ => None,
    };
    let name = renamed.map_or_else(|| camel(key), str::to_string);
    Ok((name, aws_value(key, value, path)?))
}

/// `inline_policy { name, policy }` blocks → `[{"policyName", "policyDocument"}]`, as
/// CloudFormation's `Policies` reads.
fn inline_policies(value: &Value) -> Value {
    let Some(items) = value.as_array() else {
        return value.clone();
    };
    Value::Array(
        items
            .iter()
            .map(|item| {
                let Some(block) = item.as_object().filter(|_| !is_marker(item)) else {
                    return item.clone();
                };
                let mut out = Map::new();
                for (key, member) in block {
                    let name = match key.as_str() {
                        "name" => "policyName",
                        "policy" => "policyDocument",
                        _ => continue,
                    };
                    out.insert(name.to_string(), member.clone());
                }
                Value::Object(out)
            })
            .collect(),
    )
}

/// A value of the `aws` provider below the top level: blocks of one become objects, keys
/// camelCase, and a Service Connect configuration's `service` blocks `services`.
fn aws_value(key: &str, value: &Value, path: &str) -> ParseResult<Option<Value>> {
    if BLOCKS_OF_ONE.contains(&key) {
        return match block_of_one(key, value, path)? {
            Some(block) => Ok(Some(aws_object(key, &block, path)?)),
            None => Ok(None),
        };
    }
    Ok(Some(match value {
        Value::Object(map) if MAPS.contains(&key) && !is_marker(value) => {
            Value::Object(map.clone())
        }
        Value::Object(_) => aws_object(key, value, path)?,
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{index}]");
                out.push(aws_value("", item, &item_path)?.unwrap_or(Value::Null));
            }
            Value::Array(out)
        }
        other => other.clone(),
    }))
}

/// The members of a block (or of an object attribute), converted; `parent` is its own name.
fn aws_object(parent: &str, value: &Value, path: &str) -> ParseResult<Value> {
    let Some(map) = value.as_object().filter(|_| !is_marker(value)) else {
        return Ok(value.clone());
    };
    let mut out = Map::new();
    for (key, member) in map {
        if member.is_null() {
            continue;
        }
        let name = match (parent, key.as_str()) {
            ("service_connect_configuration", "service") => "services".to_string(),
            // ECS Exec's log configuration: the API's `s3EncryptionEnabled`.
            ("log_configuration", "s3_bucket_encryption_enabled") => {
                "s3EncryptionEnabled".to_string()
            }
            _ => camel(key),
        };
        if let Some(converted) = aws_value(key, member, &child(path, key))? {
            out.insert(name, converted);
        }
    }
    Ok(Value::Object(out))
}

/// A block the provider allows once, as an object: `None` when absent (an empty list), the
/// marker when unknown (a `dynamic` block, a value known after apply).
fn block_of_one(key: &str, value: &Value, path: &str) -> ParseResult<Option<Value>> {
    match value {
        Value::Null => Ok(None),
        Value::Object(_) => Ok(Some(value.clone())),
        Value::Array(items) => match items.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            many => match many.iter().find(|item| is_marker(item)) {
                Some(marker) => Ok(Some(marker.clone())),
                None => Err(ParseError::at_path(
                    path,
                    format!(
                        "{key} is a block Terraform allows once, found {} of them: keep one",
                        many.len()
                    ),
                )),
            },
        },
        other => Err(ParseError::at_path(
            path,
            format!(
                "{key} must be a block (an object), found {}",
                crate::parse::tree::type_name(other)
            ),
        )),
    }
}

/// `network_configuration { subnets, security_groups, assign_public_ip = true }` →
/// `{"awsvpcConfiguration": {"subnets", "securityGroups", "assignPublicIp": "ENABLED"}}`.
fn network_configuration(value: &Value, path: &str) -> ParseResult<Option<Value>> {
    let Some(block) = block_of_one("network_configuration", value, path)? else {
        return Ok(None);
    };
    if is_marker(&block) {
        return Ok(Some(block));
    }
    let Some(map) = block.as_object() else {
        return Err(ParseError::at_path(
            path,
            format!(
                "network_configuration must be a block (an object), found {}",
                crate::parse::tree::type_name(&block)
            ),
        ));
    };
    let mut vpc = Map::new();
    for (key, value) in map {
        if value.is_null() {
            continue;
        }
        let converted = if key == "assign_public_ip" {
            assign_public_ip(value)
        } else {
            value.clone()
        };
        vpc.insert(camel(key), converted);
    }
    let mut network = Map::new();
    network.insert("awsvpcConfiguration".into(), Value::Object(vpc));
    Ok(Some(Value::Object(network)))
}

/// Terraform's boolean `assign_public_ip` as the API's `ENABLED`/`DISABLED`; anything else
/// is passed on for the reader to judge.
fn assign_public_ip(value: &Value) -> Value {
    let enabled = match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    };
    match enabled {
        Some(true) => Value::String("ENABLED".into()),
        Some(false) => Value::String("DISABLED".into()),
        None => value.clone(),
    }
}

/// `container_definitions`: a JSON string to decode (plan, state, a literal in HCL), the list
/// itself (`jsonencode([...])`, a decoded heredoc), or a marker.
fn container_definitions(value: &Value, path: &str) -> ParseResult<Value> {
    match value {
        Value::String(text) => serde_json::from_str(text).map_err(|e| {
            // serde_json's message names the line and column, never the content (which may
            // hold secrets).
            ParseError::at_path(
                path,
                format!(
                    "container_definitions is not a JSON document ({e}): it must hold the \
                     container definitions as a JSON list, e.g. jsonencode([{{ name = \"app\", … }}])"
                ),
            )
        }),
        Value::Array(_) => Ok(value.clone()),
        _ if is_marker(value) => Ok(value.clone()),
        other => Err(ParseError::at_path(
            path,
            format!(
                "container_definitions must be a JSON string, found {}",
                crate::parse::tree::type_name(other)
            ),
        )),
    }
}

/// A Cloud Control provider value: keys camelCase (map keys kept), boolean `assign_public_ip`
/// as `ENABLED`/`DISABLED`.
fn cloud_control(key: &str, value: &Value) -> Option<Value> {
    Some(match value {
        Value::Null => return None,
        _ if is_marker(value) => value.clone(),
        _ if key == "assign_public_ip" => assign_public_ip(value),
        Value::Object(map) if MAPS.contains(&key) => Value::Object(map.clone()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter_map(|(k, v)| Some((camel(k), cloud_control(k, v)?)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| cloud_control("", item).unwrap_or(Value::Null))
                .collect(),
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn aws(type_name: &str, attributes: Value) -> Value {
        convert(kind_of(type_name).unwrap(), &attributes, "$.x").unwrap()
    }

    #[test]
    fn task_definition_blocks_become_the_api_shape() {
        let converted = aws(
            "aws_ecs_task_definition",
            json!({
                "family": "web",
                "container_definitions": "[{\"name\":\"app\",\"image\":\"nginx\",\"readonlyRootFilesystem\":true}]",
                "task_role_arn": "arn:aws:iam::111122223333:role/app",
                "network_mode": "awsvpc",
                "pid_mode": "",
                "requires_compatibilities": ["FARGATE"],
                "runtime_platform": [{"operating_system_family": "LINUX", "cpu_architecture": "ARM64"}],
                "volume": [{"name": "data", "host_path": null, "efs_volume_configuration": [{
                    "file_system_id": "fs-1", "transit_encryption": "ENABLED",
                    "authorization_config": [{"iam": "ENABLED", "access_point_id": "fsap-1"}]
                }], "docker_volume_configuration": []}],
                "tags": {"team": "web"},
                "tags_all": {"team": "web", "env": "prod"}
            }),
        );
        assert_eq!(
            converted,
            json!({
                "family": "web",
                "containerDefinitions": [{"name": "app", "image": "nginx", "readonlyRootFilesystem": true}],
                "taskRoleArn": "arn:aws:iam::111122223333:role/app",
                "networkMode": "awsvpc",
                "pidMode": "",
                "requiresCompatibilities": ["FARGATE"],
                "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"},
                "volumes": [{"name": "data", "efsVolumeConfiguration": {
                    "fileSystemId": "fs-1", "transitEncryption": "ENABLED",
                    "authorizationConfig": {"iam": "ENABLED", "accessPointId": "fsap-1"}
                }}],
                "tags": {"team": "web", "env": "prod"}
            })
        );
    }

    #[test]
    fn service_network_and_service_connect_become_the_api_shape() {
        let converted = aws(
            "aws_ecs_service",
            json!({
                "name": "web",
                "launch_type": "FARGATE",
                "network_configuration": [{"subnets": ["subnet-1"], "assign_public_ip": true}],
                "deployment_controller": [{"type": "ECS"}],
                "capacity_provider_strategy": [],
                "service_connect_configuration": [{"enabled": true, "namespace": "ns", "service": [
                    {"port_name": "http", "discovery_name": "web", "client_alias": [{"port": 80}], "tls": []},
                    {"port_name": "grpc", "tls": [{"issuer_cert_authority": [{"aws_pca_authority_arn": "arn:ca"}]}]}
                ]}]
            }),
        );
        assert_eq!(
            converted,
            json!({
                "serviceName": "web",
                "launchType": "FARGATE",
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "ENABLED"}},
                "deploymentController": {"type": "ECS"},
                "capacityProviderStrategy": [],
                "serviceConnectConfiguration": {"enabled": true, "namespace": "ns", "services": [
                    {"portName": "http", "discoveryName": "web", "clientAlias": [{"port": 80}]},
                    {"portName": "grpc", "tls": {"issuerCertAuthority": {"awsPcaAuthorityArn": "arn:ca"}}}
                ]}
            })
        );
    }

    #[test]
    fn cluster_settings_and_task_set_network() {
        let cluster = aws(
            "aws_ecs_cluster",
            json!({"name": "main", "setting": [{"name": "containerInsights", "value": "enabled"}],
                   "configuration": [{"execute_command_configuration": [{"logging": "DEFAULT"}]}]}),
        );
        assert_eq!(
            cluster,
            json!({"clusterName": "main", "settings": [{"name": "containerInsights", "value": "enabled"}],
                   "configuration": {"executeCommandConfiguration": {"logging": "DEFAULT"}}})
        );
        let audited = aws(
            "aws_ecs_cluster",
            json!({"name": "main", "configuration": [{
                "execute_command_configuration": [{"kms_key_id": "k", "logging": "OVERRIDE", "log_configuration": [{
                    "cloud_watch_encryption_enabled": true, "cloud_watch_log_group_name": "/ecs/exec",
                    "s3_bucket_name": "exec-logs", "s3_bucket_encryption_enabled": false, "s3_key_prefix": null}]}],
                "managed_storage_configuration": [{"fargate_ephemeral_storage_kms_key_id": "f", "kms_key_id": null}]}]}),
        );
        assert_eq!(
            audited["configuration"],
            json!({"executeCommandConfiguration": {"kmsKeyId": "k", "logging": "OVERRIDE", "logConfiguration": {
                    "cloudWatchEncryptionEnabled": true, "cloudWatchLogGroupName": "/ecs/exec",
                    "s3BucketName": "exec-logs", "s3EncryptionEnabled": false}},
                   "managedStorageConfiguration": {"fargateEphemeralStorageKmsKeyId": "f"}})
        );
        let task_set = aws(
            "aws_ecs_task_set",
            json!({"task_set_id": "ecs-svc/1", "service": "arn:aws:ecs:us-east-1:111122223333:service/main/web",
                   "network_configuration": [{"assign_public_ip": false}]}),
        );
        assert_eq!(
            task_set,
            json!({"id": "ecs-svc/1", "service": "arn:aws:ecs:us-east-1:111122223333:service/main/web",
                   "networkConfiguration": {"awsvpcConfiguration": {"assignPublicIp": "DISABLED"}}})
        );
    }

    #[test]
    fn launch_template_data_moves_under_launch_template_data() {
        let converted = aws(
            "aws_launch_template",
            json!({"name": "ecs-hosts", "image_id": "ami-1", "user_data": "RUNTX0NMVVNURVI9d2Vi",
                   "metadata_options": [{"http_tokens": "required", "http_put_response_hop_limit": 1}],
                   "tags_all": {"team": "platform"}}),
        );
        assert_eq!(
            converted,
            json!({"launchTemplateName": "ecs-hosts", "imageId": "ami-1", "tags": {"team": "platform"},
                   "launchTemplateData": {"userData": "RUNTX0NMVVNURVI9d2Vi",
                       "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}}})
        );
    }

    #[test]
    fn cloud_control_keys_become_camel_case() {
        let converted = convert(
            kind_of("awscc_ecs_service").unwrap(),
            &json!({"service_name": "web", "network_configuration": {"awsvpc_configuration": {"assign_public_ip": "ENABLED"}},
                    "tags": [{"key": "team", "value": "web"}], "deployment_controller": null}),
            "$",
        )
        .unwrap();
        assert_eq!(
            converted,
            json!({"serviceName": "web", "networkConfiguration": {"awsvpcConfiguration": {"assignPublicIp": "ENABLED"}},
                   "tags": [{"key": "team", "value": "web"}]})
        );
    }

    #[test]
    fn markers_stay_markers_wherever_they_stand() {
        let converted = aws(
            "aws_ecs_service",
            json!({"name": unresolved("var.name"), "network_configuration": [unresolved("dynamic")],
                   "tags_all": unresolved("(known after apply)")}),
        );
        assert_eq!(
            converted,
            json!({"serviceName": {"$unresolved": "var.name"}, "networkConfiguration": {"$unresolved": "dynamic"},
                   "tags": {"$unresolved": "(known after apply)"}})
        );
    }

    #[test]
    fn container_definitions_that_are_not_json_name_the_path() {
        let error = convert(
            kind_of("aws_ecs_task_definition").unwrap(),
            &json!({"container_definitions": "[{\"name\": \"app\", \"environment\": [{\"value\": \"hunter2\"}"}),
            "$.resource_changes[0].change.after",
        )
        .unwrap_err();
        assert_eq!(
            error.path(),
            Some("$.resource_changes[0].change.after.container_definitions")
        );
        assert!(error.message.contains("not a JSON document"), "{error}");
        assert!(!error.message.contains("hunter2"), "{error}");
    }

    #[test]
    fn a_block_written_twice_is_an_error() {
        let error = convert(
            kind_of("aws_ecs_task_definition").unwrap(),
            &json!({"runtime_platform": [{"operating_system_family": "LINUX"}, {"operating_system_family": "WINDOWS_SERVER_2022_CORE"}]}),
            "$.resource.aws_ecs_task_definition.app",
        )
        .unwrap_err();
        assert_eq!(
            error.path(),
            Some("$.resource.aws_ecs_task_definition.app.runtime_platform")
        );
    }

    #[test]
    fn templates_merge_literals_and_unwrap_single_parts() {
        assert_eq!(
            template(vec![json!("a"), json!(""), json!("b")]),
            json!("ab")
        );
        assert_eq!(template(vec![unresolved("var.x")]), unresolved("var.x"));
        assert_eq!(
            template(vec![
                unresolved("var.repo"),
                json!(":"),
                json!({"$template": ["lat", unresolved("var.y")]})
            ]),
            json!({"$template": [{"$unresolved": "var.repo"}, ":lat", {"$unresolved": "var.y"}]})
        );
    }
}
