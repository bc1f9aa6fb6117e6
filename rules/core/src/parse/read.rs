//! Reading one resource body into the typed model. The same readers serve all three shapes:
//! keys are matched case-insensitively and the few spellings that differ are listed together.

use crate::error::ParseResult;
use crate::model::{
    AssignPublicIp, AutoScalingGroupProvider, Capabilities, CapacityProvider, Cluster, Container,
    EfsVolume, EnvVar, Field, LogConfiguration, Service, ServiceConnect, ServiceConnectService,
    Tags, TaskDefinition, TaskSet, Volume,
};
use crate::parse::tree::Node;

/// Whether a task definition document must list its containers (CloudFormation does not
/// require `ContainerDefinitions`; the ECS API and Config always carry it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Containers {
    Required,
    Optional,
}

pub fn task_definition(
    node: Node<'_>,
    containers_rule: Containers,
    tags: Tags,
) -> ParseResult<TaskDefinition> {
    node.expect_object("a task definition")?;
    let mut td = TaskDefinition {
        family: node.str_at(&["family"])?,
        revision: node.get(&["revision"]).and_then(|r| {
            r.value
                .as_u64()
                .or_else(|| r.value.as_str().and_then(|s| s.parse().ok()))
        }),
        account: node.cx.account.clone(),
        region: node.cx.region.clone(),
        network_mode: node.str_at(&["networkMode"])?,
        pid_mode: node.str_at(&["pidMode"])?,
        ipc_mode: node.str_at(&["ipcMode"])?,
        task_role_arn: node.str_at(&["taskRoleArn"])?,
        execution_role_arn: node.str_at(&["executionRoleArn"])?,
        tags,
        ..TaskDefinition::default()
    };
    if let Some(platform) = node.get(&["runtimePlatform"]) {
        if platform.expect_object("runtimePlatform")?.is_unknown() {
            td.os_family = Field::Unknown;
        } else {
            td.os_family = platform.str_at(&["operatingSystemFamily"])?;
        }
    }
    if let Field::Known(list) = node.strings_at(&["requiresCompatibilities"])? {
        td.requires_compatibilities = list
            .into_iter()
            .filter_map(|f| f.known().cloned())
            .collect();
    }

    match node.get(&["containerDefinitions"]) {
        None if containers_rule == Containers::Required => {
            return Err(crate::error::ParseError::at_path(
                node.child_path("containerDefinitions"),
                "containerDefinitions is missing: a task definition lists its containers there",
            ));
        }
        None => {}
        Some(list) => {
            if list.expect_array("containerDefinitions")?.is_unknown() {
                td.containers_unknown = true;
            }
            for element in list.elements() {
                if element.is_null() {
                    return Err(element.error(
                        "a container definition is null: expected an object with name and image",
                    ));
                }
                if element
                    .expect_object("a container definition")?
                    .is_unknown()
                {
                    td.containers_unknown = true;
                    continue;
                }
                td.containers.push(container(element)?);
            }
        }
    }

    if let Some(list) = node.get(&["volumes"]) {
        if list.expect_array("volumes")?.is_unknown() {
            td.volumes_unknown = true;
        }
        for element in list.elements() {
            if element.expect_object("a volume")?.is_unknown() {
                td.volumes_unknown = true;
                continue;
            }
            td.volumes.push(volume(element)?);
        }
    }
    Ok(td)
}

fn container(node: Node<'_>) -> ParseResult<Container> {
    let mut c = Container {
        name: node.str_at(&["name"])?,
        image: node.str_at(&["image"])?,
        privileged: node.bool_at(&["privileged"])?,
        readonly_root_filesystem: node.bool_at(&["readonlyRootFilesystem"])?,
        user: node.str_at(&["user"])?,
        ..Container::default()
    };
    if let Some(list) = node.get(&["environment"]) {
        if list
            .expect_array("environment (a list of {name, value} entries)")?
            .known()
            .is_some()
        {
            for entry in list.elements() {
                if entry.expect_object("an environment entry")?.is_unknown() {
                    c.environment.push(EnvVar {
                        name: Field::Unknown,
                        has_literal_value: Field::Unknown,
                    });
                    continue;
                }
                let name = entry.str_at(&["name"])?;
                let has_literal_value = match entry.get(&["value"]) {
                    None => Field::Known(false),
                    Some(value) => match value.string("value")? {
                        Field::Known(text) => Field::Known(!text.is_empty()),
                        Field::Absent => Field::Known(false),
                        Field::Unknown => Field::Unknown,
                    },
                };
                c.environment.push(EnvVar {
                    name,
                    has_literal_value,
                });
            }
        } else {
            c.environment.push(EnvVar {
                name: Field::Unknown,
                has_literal_value: Field::Unknown,
            });
        }
    }
    if let Some(log) = node.get(&["logConfiguration"]) {
        c.log_configuration = match log.expect_object("logConfiguration")? {
            Field::Known(()) => Field::Known(LogConfiguration {
                log_driver: log.str_at(&["logDriver"])?,
            }),
            _ => Field::Unknown,
        };
    }
    if let Some(linux) = node.get(&["linuxParameters"]) {
        if linux.expect_object("linuxParameters")?.is_unknown() {
            c.capabilities = Field::Unknown;
        } else if let Some(caps) = linux.get(&["capabilities"]) {
            c.capabilities = match caps.expect_object("capabilities")? {
                Field::Known(()) => {
                    let (add, add_unknown) = string_list(caps.strings_at(&["add"])?);
                    let (drop, drop_unknown) = string_list(caps.strings_at(&["drop"])?);
                    Field::Known(Capabilities {
                        add,
                        add_unknown,
                        drop,
                        drop_unknown,
                    })
                }
                _ => Field::Unknown,
            };
        }
    }
    Ok(c)
}

fn string_list(field: Field<Vec<Field<String>>>) -> (Vec<Field<String>>, bool) {
    match field {
        Field::Absent => (Vec::new(), false),
        Field::Known(list) => (list, false),
        Field::Unknown => (Vec::new(), true),
    }
}

fn volume(node: Node<'_>) -> ParseResult<Volume> {
    let mut v = Volume {
        name: node.str_at(&["name"])?,
        efs: Field::Absent,
    };
    if let Some(efs) = node.get(&["efsVolumeConfiguration"]) {
        v.efs = match efs.expect_object("efsVolumeConfiguration")? {
            Field::Known(()) => {
                let iam = match efs.get(&["authorizationConfig"]) {
                    None => Field::Absent,
                    Some(auth) => match auth.expect_object("authorizationConfig")? {
                        Field::Known(()) => auth.str_at(&["iam"])?,
                        _ => Field::Unknown,
                    },
                };
                Field::Known(EfsVolume {
                    file_system_id: efs.str_at(&["fileSystemId"])?,
                    transit_encryption: efs.str_at(&["transitEncryption"])?,
                    iam,
                })
            }
            _ => Field::Unknown,
        };
    }
    Ok(v)
}

/// Reads `networkConfiguration.awsvpcConfiguration.assignPublicIp` (services spell it
/// `awsvpcConfiguration`, CloudFormation task sets `AwsVpcConfiguration`: the same key once case
/// is ignored).
fn assign_public_ip(node: Node<'_>) -> ParseResult<Field<AssignPublicIp>> {
    let Some(network) = node.get(&["networkConfiguration"]) else {
        return Ok(Field::Absent);
    };
    if network.expect_object("networkConfiguration")?.is_unknown() {
        return Ok(Field::Unknown);
    }
    let Some(vpc) = network.get(&["awsvpcConfiguration"]) else {
        return Ok(Field::Absent);
    };
    if vpc.expect_object("awsvpcConfiguration")?.is_unknown() {
        return Ok(Field::Unknown);
    }
    let Some(value) = vpc.get(&["assignPublicIp"]) else {
        return Ok(Field::Absent);
    };
    if value.value.is_boolean() {
        return Err(
            value.error("assignPublicIp must be the string ENABLED or DISABLED, found a boolean")
        );
    }
    Ok(match value.string("assignPublicIp")? {
        Field::Known(text) if text.eq_ignore_ascii_case("ENABLED") => {
            Field::Known(AssignPublicIp::Enabled)
        }
        Field::Known(text) if text.eq_ignore_ascii_case("DISABLED") => {
            Field::Known(AssignPublicIp::Disabled)
        }
        Field::Known(_) => {
            return Err(value.error("assignPublicIp must be ENABLED or DISABLED"));
        }
        Field::Absent => Field::Absent,
        Field::Unknown => Field::Unknown,
    })
}

pub fn service(node: Node<'_>, tags: Tags) -> ParseResult<Service> {
    node.expect_object("a service")?;
    let mut s = Service {
        name: node.str_at(&["serviceName"])?,
        launch_type: node.str_at(&["launchType"])?,
        platform_version: node.str_at(&["platformVersion"])?,
        platform_family: node.str_at(&["platformFamily"])?,
        assign_public_ip: assign_public_ip(node)?,
        tags,
        ..Service::default()
    };
    if let Some(controller) = node.get(&["deploymentController"]) {
        s.deployment_controller = match controller.expect_object("deploymentController")? {
            Field::Known(()) => controller.str_at(&["type"])?,
            _ => Field::Unknown,
        };
    }
    if let Some(strategy) = node.get(&["capacityProviderStrategy"]) {
        if strategy
            .expect_array("capacityProviderStrategy")?
            .is_unknown()
        {
            s.capacity_providers_unknown = true;
        }
        for item in strategy.elements() {
            if item
                .expect_object("a capacity provider strategy item")?
                .is_unknown()
            {
                s.capacity_providers_unknown = true;
                continue;
            }
            s.capacity_providers
                .push(item.str_at(&["capacityProvider"])?);
        }
    }
    // describe-services reports Service Connect inside the PRIMARY deployment; CloudFormation,
    // Config and create-service input carry it at the top level.
    s.service_connect = match node.get(&["serviceConnectConfiguration"]) {
        Some(sc) => service_connect(sc)?,
        None => primary_service_connect(&node)?,
    };
    Ok(s)
}

fn primary_service_connect(node: &Node<'_>) -> ParseResult<Field<ServiceConnect>> {
    let Some(deployments) = node.get(&["deployments"]) else {
        return Ok(Field::Absent);
    };
    if deployments.expect_array("deployments")?.is_unknown() {
        return Ok(Field::Unknown);
    }
    for deployment in deployments.elements() {
        if deployment.as_object().is_none() {
            continue;
        }
        if deployment.str_at(&["status"])?.eq_ignore_case("PRIMARY") {
            return match deployment.get(&["serviceConnectConfiguration"]) {
                Some(sc) => service_connect(sc),
                None => Ok(Field::Absent),
            };
        }
    }
    Ok(Field::Absent)
}

fn service_connect(node: Node<'_>) -> ParseResult<Field<ServiceConnect>> {
    if node
        .expect_object("serviceConnectConfiguration")?
        .is_unknown()
    {
        return Ok(Field::Unknown);
    }
    let services = match node.get(&["services"]) {
        None => Field::Absent,
        Some(list) => {
            if list
                .expect_array("serviceConnectConfiguration.services")?
                .is_unknown()
            {
                Field::Unknown
            } else {
                let mut out = Vec::new();
                for item in list.elements() {
                    if item
                        .expect_object("a Service Connect service")?
                        .is_unknown()
                    {
                        out.push(ServiceConnectService {
                            tls: Field::Unknown,
                            ..ServiceConnectService::default()
                        });
                        continue;
                    }
                    let tls = match item.get(&["tls"]) {
                        None => Field::Known(false),
                        Some(tls) => match tls.expect_object("tls")? {
                            Field::Known(()) => Field::Known(true),
                            _ => Field::Unknown,
                        },
                    };
                    out.push(ServiceConnectService {
                        port_name: item.str_at(&["portName"])?,
                        discovery_name: item.str_at(&["discoveryName"])?,
                        tls,
                    });
                }
                Field::Known(out)
            }
        }
    };
    Ok(Field::Known(ServiceConnect {
        enabled: node.bool_at(&["enabled"])?,
        services,
    }))
}

pub fn cluster(node: Node<'_>, tags: Tags) -> ParseResult<Cluster> {
    node.expect_object("a cluster")?;
    let mut c = Cluster {
        name: node.str_at(&["clusterName"])?,
        tags,
        ..Cluster::default()
    };
    // The API calls them `settings`, CloudFormation and Config `ClusterSettings`.
    if let Some(settings) = node.get(&["settings", "clusterSettings"]) {
        if settings.expect_array("cluster settings")?.is_unknown() {
            c.container_insights = Field::Unknown;
        }
        for setting in settings.elements() {
            if setting.expect_object("a cluster setting")?.is_unknown() {
                c.container_insights = Field::Unknown;
                continue;
            }
            match setting.str_at(&["name"])? {
                Field::Known(name) if name.eq_ignore_ascii_case("containerInsights") => {
                    c.container_insights = setting.str_at(&["value"])?;
                }
                Field::Unknown => c.container_insights = Field::Unknown,
                _ => {}
            }
        }
    }
    Ok(c)
}

pub fn task_set(node: Node<'_>, tags: Tags) -> ParseResult<TaskSet> {
    node.expect_object("a task set")?;
    Ok(TaskSet {
        id: node.str_at(&["id"])?,
        assign_public_ip: assign_public_ip(node)?,
        tags,
    })
}

pub fn capacity_provider(node: Node<'_>, tags: Tags) -> ParseResult<CapacityProvider> {
    node.expect_object("a capacity provider")?;
    let auto_scaling_group = match node.get(&["autoScalingGroupProvider"]) {
        None => Field::Absent,
        Some(asg) => match asg.expect_object("autoScalingGroupProvider")? {
            Field::Known(()) => Field::Known(AutoScalingGroupProvider {
                managed_termination_protection: asg.str_at(&["managedTerminationProtection"])?,
            }),
            _ => Field::Unknown,
        },
    };
    Ok(CapacityProvider {
        name: node.str_at(&["name"])?,
        auto_scaling_group,
        tags,
    })
}

/// Tags in any of their shapes: the ECS API's `[{key, value}]`, CloudFormation's
/// `[{Key, Value}]`, a Config item's `{key: value}` map, or a select-resource-config row's
/// `[{key, value, tag}]`.
pub fn tags(node: Option<Node<'_>>) -> ParseResult<Tags> {
    let mut tags = Tags::default();
    let Some(node) = node else {
        return Ok(tags);
    };
    if node.intrinsic().is_some() {
        tags.unknown = true;
        return Ok(tags);
    }
    if node.as_object().is_some() {
        for (key, _) in node.members() {
            tags.keys.push(key.to_string());
        }
        return Ok(tags);
    }
    node.expect_array("tags")?;
    for item in node.elements() {
        if item.expect_object("a tag")?.is_unknown() {
            tags.unknown = true;
            continue;
        }
        match item.str_at(&["key"])? {
            Field::Known(key) => tags.keys.push(key),
            Field::Unknown => tags.unknown = true,
            Field::Absent => return Err(item.error("a tag has no key")),
        }
    }
    Ok(tags)
}
