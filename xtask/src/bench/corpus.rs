//! The corpus of the throughput runs: task definitions generated from the fixture corpus
//! (`tests/fixtures`), the same on every run.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};
use serde_json::{json, Map, Value};

use super::read_json;

/// How many task definitions the corpus holds.
pub const SIZE: usize = 1000;

/// A small deterministic generator (xorshift64*), so every run builds the same corpus.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

pub struct Corpus {
    pub files: usize,
    pub containers: usize,
    pub containers_histogram: BTreeMap<usize, usize>,
    pub bases: usize,
    pub container_pool: usize,
    pub api_bytes: u64,
    pub cfn_bytes: u64,
    pub terraform_bytes: u64,
}

/// Every fixture case: (path relative to the fixtures, the case document).
pub fn fixture_cases(fixtures: &Path) -> anyhow::Result<Vec<(String, Value)>> {
    let manifest = read_json(&fixtures.join("MANIFEST.json"))?;
    let entries = manifest
        .as_array()
        .context("MANIFEST.json is not an array")?;
    entries
        .iter()
        .map(|entry| {
            let path = entry["path"]
                .as_str()
                .context("a MANIFEST.json entry without path")?;
            Ok((path.to_string(), read_json(&fixtures.join(path))?))
        })
        .collect()
}

/// 1,000 task definitions built from the fixtures' active, API-shape task definitions: a task
/// definition's settings, 1–10 of the fixtures' containers (renamed), extra environment
/// variables, ports and bind mounts. Each one is written three times: as a
/// `register-task-definition` document (`api/`), as a CloudFormation template (`cfn/`) and as
/// the `terraform show -json` output of a plan that creates it (`terraform/`).
pub fn generate(fixtures: &Path, out: &Path) -> anyhow::Result<Corpus> {
    let mut bases = Vec::new();
    let mut pool = Vec::new();
    for (_, case) in fixture_cases(fixtures)? {
        if case["shape"] != "api" || case["resourceType"] != "AWS::ECS::TaskDefinition" {
            continue;
        }
        let mut td = case["resource"].clone();
        let tags = td.get("tags").cloned();
        if let Some(inner) = td.get("taskDefinition") {
            td = inner.clone();
        }
        if matches!(
            td["status"].as_str(),
            Some("INACTIVE" | "DELETE_IN_PROGRESS")
        ) {
            continue;
        }
        let Some(object) = td.as_object_mut() else {
            continue;
        };
        for key in [
            "taskDefinitionArn",
            "revision",
            "status",
            "registeredAt",
            "registeredBy",
            "deregisteredAt",
            "requiresAttributes",
            "compatibilities",
        ] {
            object.remove(key);
        }
        if let Some(tags) = tags {
            object.entry("tags").or_insert(tags);
        }
        if let Some(containers) = object
            .remove("containerDefinitions")
            .and_then(|c| c.as_array().cloned())
        {
            pool.extend(containers.into_iter().filter(Value::is_object));
        }
        bases.push(td);
    }
    if bases.is_empty() || pool.is_empty() {
        bail!("the fixtures hold no active API-shape task definitions to build the corpus from");
    }

    let _ = std::fs::remove_dir_all(out);
    let (api_dir, cfn_dir, terraform_dir) =
        (out.join("api"), out.join("cfn"), out.join("terraform"));
    for dir in [&api_dir, &cfn_dir, &terraform_dir] {
        std::fs::create_dir_all(dir)?;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut corpus = Corpus {
        files: 0,
        containers: 0,
        containers_histogram: BTreeMap::new(),
        bases: bases.len(),
        container_pool: pool.len(),
        api_bytes: 0,
        cfn_bytes: 0,
        terraform_bytes: 0,
    };
    for i in 0..SIZE {
        let mut td = bases[rng.below(bases.len())].clone();
        td["family"] = json!(format!("bench-{i:04}"));
        let count = 1 + rng.below(10);
        let mut containers = Vec::new();
        let mut volumes = td["volumes"].as_array().cloned().unwrap_or_default();
        for j in 0..count {
            let mut container = pool[rng.below(pool.len())].clone();
            let name = container["name"].as_str().unwrap_or("app").to_string();
            container["name"] = json!(format!("{name}-{j}"));
            // Registrable as it is (the periodic runs register the corpus): without a task-level
            // memory, every container needs its own hard limit.
            if td.get("memory").is_none() && container.get("memory").is_none() {
                let reserved = container["memoryReservation"].as_u64().unwrap_or(0);
                container["memory"] = json!(reserved.max(512));
            }
            let mut environment = container["environment"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for k in 0..rng.below(16) {
                environment.push(
                    json!({"name": format!("SETTING_{k}"), "value": format!("value-{i}-{j}-{k}")}),
                );
            }
            container["environment"] = json!(environment);
            let mut ports = container["portMappings"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for k in 0..rng.below(4) {
                let port = 8000 + j * 10 + k;
                ports.push(json!({"containerPort": port, "hostPort": port, "protocol": "tcp"}));
            }
            container["portMappings"] = json!(ports);
            let mut mounts = container["mountPoints"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for k in 0..rng.below(3) {
                let volume = format!("scratch-{j}-{k}");
                volumes.push(
                    json!({"name": volume, "host": {"sourcePath": format!("/srv/{volume}")}}),
                );
                mounts.push(json!({"sourceVolume": volume, "containerPath": format!("/mnt/{volume}"), "readOnly": k % 2 == 0}));
            }
            container["mountPoints"] = json!(mounts);
            containers.push(container);
        }
        td["containerDefinitions"] = json!(containers);
        if !volumes.is_empty() {
            td["volumes"] = json!(volumes);
        }
        let api = serde_json::to_string_pretty(&td)?;
        let template = json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": format!("ecs-harden benchmark corpus, task definition {i}"),
            "Resources": {"TaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": cloudformation(&td)}},
        });
        let cfn = serde_json::to_string_pretty(&template)?;
        let terraform = serde_json::to_string_pretty(&terraform_plan(i, &td))?;
        std::fs::write(api_dir.join(format!("td-{i:04}.json")), &api)?;
        std::fs::write(cfn_dir.join(format!("td-{i:04}.json")), &cfn)?;
        std::fs::write(terraform_dir.join(format!("td-{i:04}.json")), &terraform)?;
        corpus.files += 1;
        corpus.containers += count;
        *corpus.containers_histogram.entry(count).or_default() += 1;
        corpus.api_bytes += api.len() as u64;
        corpus.cfn_bytes += cfn.len() as u64;
        corpus.terraform_bytes += terraform.len() as u64;
    }
    Ok(corpus)
}

/// A task definition's ECS API (camelCase) keys as CloudFormation spells them; maps whose keys
/// are the user's own (log options, labels) are copied as they are.
fn cloudformation(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let converted = match key.as_str() {
                        "options" | "dockerLabels" | "driverOpts" | "labels" => value.clone(),
                        _ => cloudformation(value),
                    };
                    (cloudformation_key(key), converted)
                })
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(cloudformation).collect()),
        other => other.clone(),
    }
}

fn cloudformation_key(key: &str) -> String {
    match key {
        "efsVolumeConfiguration" => "EFSVolumeConfiguration".into(),
        "fileSystemId" => "FilesystemId".into(),
        "iam" => "IAM".into(),
        _ => {
            let mut chars = key.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// `terraform show -json` of a plan that creates the task definition with the `aws` provider's
/// `aws_ecs_task_definition`: the resource in `planned_values` and in `resource_changes`, as
/// Terraform 1.x writes both.
fn terraform_plan(index: usize, td: &Value) -> Value {
    let address = format!("aws_ecs_task_definition.td_{index:04}");
    let values = terraform_values(td);
    json!({
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [{
            "address": address,
            "mode": "managed",
            "type": "aws_ecs_task_definition",
            "name": format!("td_{index:04}"),
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "schema_version": 1,
            "values": values,
            "sensitive_values": {},
        }]}},
        "resource_changes": [{
            "address": address,
            "mode": "managed",
            "type": "aws_ecs_task_definition",
            "name": format!("td_{index:04}"),
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["create"], "before": null, "after": values, "after_unknown": {"arn": true, "revision": true}},
        }],
    })
}

/// A task definition's ECS API fields as the `aws` provider's attributes: snake_case names,
/// `container_definitions` a JSON string (the containers as ECS takes them), blocks it allows
/// once as lists of one, `volume` blocks with `host_path`, tags as a map.
fn terraform_values(td: &Value) -> Value {
    let mut out = Map::new();
    let Some(object) = td.as_object() else {
        return Value::Object(out);
    };
    for (key, value) in object {
        match key.as_str() {
            "containerDefinitions" => {
                out.insert("container_definitions".into(), json!(value.to_string()));
            }
            "volumes" => {
                let volumes: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(terraform_volume)
                    .collect();
                out.insert("volume".into(), json!(volumes));
            }
            "tags" => {
                let tags: Map<String, Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|tag| {
                        Some((tag["key"].as_str()?.to_string(), tag["value"].clone()))
                    })
                    .collect();
                out.insert("tags".into(), Value::Object(tags.clone()));
                out.insert("tags_all".into(), Value::Object(tags));
            }
            _ => {
                out.insert(snake(key), terraform_block(key, value));
            }
        }
    }
    Value::Object(out)
}

/// A `volume` block: the host's path as `host_path`, the EFS and Docker settings as blocks.
fn terraform_volume(volume: &Value) -> Value {
    let mut out = Map::new();
    for (key, value) in volume.as_object().into_iter().flatten() {
        match key.as_str() {
            "host" => {
                if let Some(path) = value.get("sourcePath") {
                    out.insert("host_path".into(), path.clone());
                }
            }
            _ => {
                out.insert(snake(key), terraform_block(key, value));
            }
        }
    }
    Value::Object(out)
}

/// Objects become blocks (a list of one) with snake_case members; maps of the user's own keys
/// stay as they are.
fn terraform_block(key: &str, value: &Value) -> Value {
    match value {
        Value::Object(map)
            if matches!(key, "options" | "dockerLabels" | "driverOpts" | "labels") =>
        {
            Value::Object(map.clone())
        }
        Value::Object(map) => json!([Value::Object(
            map.iter()
                .map(|(k, v)| (snake(k), terraform_block(k, v)))
                .collect::<Map<String, Value>>()
        )]),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| match item {
                    Value::Object(map) => Value::Object(
                        map.iter()
                            .map(|(k, v)| (snake(k), terraform_block(k, v)))
                            .collect(),
                    ),
                    other => other.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `executionRoleArn` → `execution_role_arn`.
fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
