//! AWS SDK types to ECS API JSON (camelCase), the shape the core parser reads. Every field a
//! control reads is carried over; nothing else is.

use aws_sdk_ecs::types::{
    CapacityProvider, CapacityProviderStrategyItem, Cluster, ClusterConfiguration,
    ContainerDefinition, Deployment, NetworkConfiguration, Service, ServiceConnectConfiguration,
    Tag, TaskDefinition, TaskSet, Volume,
};
use serde_json::{json, Map, Value};

/// Inserts `key` only when the value is present.
fn put(object: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        object.insert(key.to_string(), value);
    }
}

fn text(value: Option<&str>) -> Option<Value> {
    value.map(|s| Value::String(s.to_string()))
}

pub fn tags(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"key": t.key(), "value": t.value()}))
            .collect(),
    )
}

fn container(c: &ContainerDefinition) -> Value {
    let mut o = Map::new();
    put(&mut o, "name", text(c.name()));
    put(&mut o, "image", text(c.image()));
    put(&mut o, "privileged", c.privileged().map(Value::Bool));
    put(
        &mut o,
        "readonlyRootFilesystem",
        c.readonly_root_filesystem().map(Value::Bool),
    );
    put(&mut o, "user", text(c.user()));
    put(&mut o, "memory", c.memory().map(|m| json!(m)));
    o.insert(
        "environment".into(),
        Value::Array(
            c.environment()
                .iter()
                .map(|kv| json!({"name": kv.name(), "value": kv.value()}))
                .collect(),
        ),
    );
    put(
        &mut o,
        "logConfiguration",
        c.log_configuration()
            .map(|l| json!({"logDriver": l.log_driver().as_str()})),
    );
    put(
        &mut o,
        "linuxParameters",
        c.linux_parameters().map(|l| {
            let mut p = Map::new();
            put(
                &mut p,
                "capabilities",
                l.capabilities()
                    .map(|k| json!({"add": k.add(), "drop": k.drop()})),
            );
            Value::Object(p)
        }),
    );
    Value::Object(o)
}

fn volume(v: &Volume) -> Value {
    let mut o = Map::new();
    put(&mut o, "name", text(v.name()));
    put(
        &mut o,
        "efsVolumeConfiguration",
        v.efs_volume_configuration().map(|e| {
            let mut c = Map::new();
            c.insert("fileSystemId".into(), json!(e.file_system_id()));
            put(
                &mut c,
                "transitEncryption",
                e.transit_encryption().map(|t| json!(t.as_str())),
            );
            put(
                &mut c,
                "authorizationConfig",
                e.authorization_config().map(|a| {
                    let mut auth = Map::new();
                    put(&mut auth, "accessPointId", text(a.access_point_id()));
                    put(&mut auth, "iam", a.iam().map(|i| json!(i.as_str())));
                    Value::Object(auth)
                }),
            );
            Value::Object(c)
        }),
    );
    Value::Object(o)
}

/// `describe-task-definition --include TAGS` output.
pub fn task_definition(td: &TaskDefinition, tag_list: &[Tag]) -> Value {
    let mut o = Map::new();
    put(&mut o, "taskDefinitionArn", text(td.task_definition_arn()));
    put(&mut o, "family", text(td.family()));
    o.insert("revision".into(), json!(td.revision()));
    put(&mut o, "status", td.status().map(|s| json!(s.as_str())));
    put(
        &mut o,
        "networkMode",
        td.network_mode().map(|m| json!(m.as_str())),
    );
    put(&mut o, "pidMode", td.pid_mode().map(|m| json!(m.as_str())));
    put(&mut o, "ipcMode", td.ipc_mode().map(|m| json!(m.as_str())));
    put(&mut o, "taskRoleArn", text(td.task_role_arn()));
    put(&mut o, "executionRoleArn", text(td.execution_role_arn()));
    put(&mut o, "memory", text(td.memory()));
    put(
        &mut o,
        "runtimePlatform",
        td.runtime_platform().map(|p| {
            let mut r = Map::new();
            put(
                &mut r,
                "operatingSystemFamily",
                p.operating_system_family().map(|f| json!(f.as_str())),
            );
            Value::Object(r)
        }),
    );
    o.insert(
        "requiresCompatibilities".into(),
        Value::Array(
            td.requires_compatibilities()
                .iter()
                .map(|c| json!(c.as_str()))
                .collect(),
        ),
    );
    o.insert(
        "containerDefinitions".into(),
        Value::Array(td.container_definitions().iter().map(container).collect()),
    );
    o.insert(
        "volumes".into(),
        Value::Array(td.volumes().iter().map(volume).collect()),
    );
    json!({"taskDefinition": Value::Object(o), "tags": tags(tag_list)})
}

fn strategy(items: &[CapacityProviderStrategyItem]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|i| json!({"capacityProvider": i.capacity_provider(), "weight": i.weight(), "base": i.base()}))
            .collect(),
    )
}

fn network(n: Option<&NetworkConfiguration>) -> Option<Value> {
    n.map(|n| {
        let mut vpc = Map::new();
        if let Some(a) = n.awsvpc_configuration() {
            put(
                &mut vpc,
                "assignPublicIp",
                a.assign_public_ip().map(|p| json!(p.as_str())),
            );
        }
        json!({"awsvpcConfiguration": Value::Object(vpc)})
    })
}

fn service_connect(sc: &ServiceConnectConfiguration) -> Value {
    json!({
        "enabled": sc.enabled(),
        "services": sc.services().iter().map(|s| {
            let mut o = Map::new();
            o.insert("portName".into(), json!(s.port_name()));
            put(&mut o, "discoveryName", text(s.discovery_name()));
            // Only whether tls is configured matters.
            put(&mut o, "tls", s.tls().map(|_| json!({})));
            Value::Object(o)
        }).collect::<Vec<_>>(),
    })
}

fn deployment(d: &Deployment) -> Value {
    let mut o = Map::new();
    put(&mut o, "status", text(d.status()));
    put(&mut o, "taskDefinition", text(d.task_definition()));
    put(
        &mut o,
        "serviceConnectConfiguration",
        d.service_connect_configuration().map(service_connect),
    );
    Value::Object(o)
}

pub fn task_set(t: &TaskSet) -> Value {
    let mut o = Map::new();
    put(&mut o, "taskSetArn", text(t.task_set_arn()));
    put(&mut o, "id", text(t.id()));
    put(&mut o, "status", text(t.status()));
    put(
        &mut o,
        "launchType",
        t.launch_type().map(|l| json!(l.as_str())),
    );
    put(&mut o, "platformVersion", text(t.platform_version()));
    put(
        &mut o,
        "networkConfiguration",
        network(t.network_configuration()),
    );
    o.insert("tags".into(), tags(t.tags()));
    Value::Object(o)
}

/// One element of `describe-services --include TAGS`, task sets included.
pub fn service(s: &Service) -> Value {
    let mut o = Map::new();
    put(&mut o, "serviceArn", text(s.service_arn()));
    put(&mut o, "serviceName", text(s.service_name()));
    put(&mut o, "clusterArn", text(s.cluster_arn()));
    put(&mut o, "status", text(s.status()));
    put(&mut o, "taskDefinition", text(s.task_definition()));
    put(
        &mut o,
        "launchType",
        s.launch_type().map(|l| json!(l.as_str())),
    );
    if !s.capacity_provider_strategy().is_empty() {
        o.insert(
            "capacityProviderStrategy".into(),
            strategy(s.capacity_provider_strategy()),
        );
    }
    put(&mut o, "platformVersion", text(s.platform_version()));
    put(&mut o, "platformFamily", text(s.platform_family()));
    o.insert(
        "enableExecuteCommand".into(),
        Value::Bool(s.enable_execute_command()),
    );
    put(
        &mut o,
        "deploymentController",
        s.deployment_controller()
            .map(|d| json!({"type": d.r#type().as_str()})),
    );
    put(
        &mut o,
        "networkConfiguration",
        network(s.network_configuration()),
    );
    o.insert(
        "deployments".into(),
        Value::Array(s.deployments().iter().map(deployment).collect()),
    );
    o.insert(
        "taskSets".into(),
        Value::Array(s.task_sets().iter().map(task_set).collect()),
    );
    o.insert("tags".into(), tags(s.tags()));
    Value::Object(o)
}

/// One element of `describe-clusters --include SETTINGS CONFIGURATIONS TAGS`.
pub fn cluster(c: &Cluster) -> Value {
    let mut o = Map::new();
    put(&mut o, "clusterArn", text(c.cluster_arn()));
    put(&mut o, "clusterName", text(c.cluster_name()));
    put(&mut o, "status", text(c.status()));
    put(
        &mut o,
        "configuration",
        c.configuration().map(cluster_configuration),
    );
    o.insert(
        "settings".into(),
        Value::Array(
            c.settings()
                .iter()
                .map(|s| json!({"name": s.name().map(|n| n.as_str()), "value": s.value()}))
                .collect(),
        ),
    );
    o.insert("tags".into(), tags(c.tags()));
    Value::Object(o)
}

/// `describe-clusters --include CONFIGURATIONS`: ECS Exec's and managed storage's settings.
fn cluster_configuration(c: &ClusterConfiguration) -> Value {
    let mut o = Map::new();
    put(
        &mut o,
        "executeCommandConfiguration",
        c.execute_command_configuration().map(|e| {
            let mut exec = Map::new();
            put(&mut exec, "kmsKeyId", text(e.kms_key_id()));
            put(&mut exec, "logging", e.logging().map(|l| json!(l.as_str())));
            put(
                &mut exec,
                "logConfiguration",
                e.log_configuration().map(|l| {
                    let mut log = Map::new();
                    put(
                        &mut log,
                        "cloudWatchLogGroupName",
                        text(l.cloud_watch_log_group_name()),
                    );
                    log.insert(
                        "cloudWatchEncryptionEnabled".into(),
                        Value::Bool(l.cloud_watch_encryption_enabled()),
                    );
                    put(&mut log, "s3BucketName", text(l.s3_bucket_name()));
                    log.insert(
                        "s3EncryptionEnabled".into(),
                        Value::Bool(l.s3_encryption_enabled()),
                    );
                    Value::Object(log)
                }),
            );
            Value::Object(exec)
        }),
    );
    put(
        &mut o,
        "managedStorageConfiguration",
        c.managed_storage_configuration().map(|m| {
            let mut storage = Map::new();
            put(
                &mut storage,
                "fargateEphemeralStorageKmsKeyId",
                text(m.fargate_ephemeral_storage_kms_key_id()),
            );
            Value::Object(storage)
        }),
    );
    Value::Object(o)
}

/// One element of `describe-capacity-providers --include TAGS`.
pub fn capacity_provider(p: &CapacityProvider) -> Value {
    let mut o = Map::new();
    put(
        &mut o,
        "capacityProviderArn",
        text(p.capacity_provider_arn()),
    );
    put(&mut o, "name", text(p.name()));
    put(&mut o, "status", p.status().map(|s| json!(s.as_str())));
    put(
        &mut o,
        "autoScalingGroupProvider",
        p.auto_scaling_group_provider().map(|a| {
            let mut g = Map::new();
            g.insert(
                "autoScalingGroupArn".into(),
                json!(a.auto_scaling_group_arn()),
            );
            put(
                &mut g,
                "managedTerminationProtection",
                a.managed_termination_protection()
                    .map(|m| json!(m.as_str())),
            );
            Value::Object(g)
        }),
    );
    o.insert("tags".into(), tags(p.tags()));
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecs::types::{
        ExecuteCommandConfiguration, ExecuteCommandLogConfiguration, ExecuteCommandLogging,
        ManagedStorageConfiguration,
    };
    use ecs_harden_core::catalogue;
    use ecs_harden_core::parse::parse_value;
    use ecs_harden_core::Verdict;

    use super::*;

    #[test]
    fn cluster_configuration_reaches_the_ecs_exec_and_storage_controls() {
        let described = Cluster::builder()
            .cluster_name("payments-prod")
            .status("ACTIVE")
            .configuration(
                ClusterConfiguration::builder()
                    .execute_command_configuration(
                        ExecuteCommandConfiguration::builder()
                            .kms_key_id("arn:aws:kms:us-east-1:111122223333:key/exec")
                            .logging(ExecuteCommandLogging::Override)
                            .log_configuration(
                                ExecuteCommandLogConfiguration::builder()
                                    .cloud_watch_log_group_name("/ecs/exec/payments-prod")
                                    .build(),
                            )
                            .build(),
                    )
                    .managed_storage_configuration(
                        ManagedStorageConfiguration::builder()
                            .fargate_ephemeral_storage_kms_key_id(
                                "arn:aws:kms:us-east-1:111122223333:key/storage",
                            )
                            .build(),
                    )
                    .build(),
            )
            .build();
        let converted = cluster(&described);
        assert_eq!(
            converted["configuration"],
            json!({
                "executeCommandConfiguration": {
                    "kmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/exec",
                    "logging": "OVERRIDE",
                    "logConfiguration": {
                        "cloudWatchLogGroupName": "/ecs/exec/payments-prod",
                        "cloudWatchEncryptionEnabled": false,
                        "s3EncryptionEnabled": false
                    }
                },
                "managedStorageConfiguration": {
                    "fargateEphemeralStorageKmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/storage"
                }
            })
        );
        let resources = parse_value(&converted);
        let resource = resources[0].as_ref().expect("the converted cluster reads");
        let verdict = |id: &str| {
            let control = catalogue::find(id).unwrap();
            let params = control.default_params().unwrap();
            control.evaluate(resource, &params).unwrap().verdict
        };
        assert_eq!(verdict("HARDEN.11"), Verdict::NonCompliant);
        assert_eq!(verdict("HARDEN.13"), Verdict::Compliant);
    }

    #[test]
    fn memory_and_ecs_exec_are_carried_over() {
        let td = TaskDefinition::builder()
            .family("invoice-worker")
            .memory("1024")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("invoice-worker")
                    .memory(512)
                    .build(),
            )
            .build();
        let converted = task_definition(&td, &[]);
        assert_eq!(converted["taskDefinition"]["memory"], json!("1024"));
        assert_eq!(
            converted["taskDefinition"]["containerDefinitions"][0]["memory"],
            json!(512)
        );
        let described_service = Service::builder()
            .service_name("payments-api")
            .enable_execute_command(true)
            .build();
        assert_eq!(
            service(&described_service)["enableExecuteCommand"],
            json!(true)
        );
    }
}
