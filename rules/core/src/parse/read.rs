//! Reading one resource body into the typed model. The same readers serve all three shapes:
//! keys are matched case-insensitively and the few spellings that differ are listed together.

use crate::error::ParseResult;
use crate::model::{
    AssignPublicIp, AutoScalingGroupProvider, Capabilities, CapacityProvider, Cluster, Container,
    EfsVolume, EnvVar, Field, List, LogConfiguration, Service, ServiceConnect,
    ServiceConnectService, Tags, TaskDefinition, TaskSet, Volume,
};
use crate::parse::tree::{either, Node};

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
        family: node.lenient_str_at(&["family"]),
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
        task_role_arn: node.text_at(&["taskRoleArn"])?,
        execution_role_arn: node.text_at(&["executionRoleArn"])?,
        tags,
        ..TaskDefinition::default()
    };
    if let Some(platform) = node.get(&["runtimePlatform"]) {
        td.os_family = os_family(platform)?;
    }
    match node.strings_at(&["requiresCompatibilities"]) {
        Ok(Field::Known(list)) => {
            td.requires_compatibilities = list
                .into_iter()
                .filter_map(|f| f.known().cloned())
                .collect();
        }
        Ok(_) => {}
        // No control reads it: a warning, not an error.
        Err(error) => node.cx.warnings.borrow_mut().push(error.to_string()),
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
                td.containers.incomplete = true;
            }
            for (index, element) in list.elements().enumerate() {
                if element.is_null() {
                    return Err(element.error(
                        "a container definition is null: expected an object with name and image",
                    ));
                }
                if element
                    .expect_object("a container definition")?
                    .is_unknown()
                {
                    td.containers.incomplete = true;
                    continue;
                }
                td.containers.items.push(container(element, index)?);
            }
        }
    }

    if let Some(list) = node.get(&["volumes"]) {
        if list.expect_array("volumes")?.is_unknown() {
            td.volumes.incomplete = true;
        }
        for element in list.elements() {
            if element.expect_object("a volume")?.is_unknown() {
                td.volumes.incomplete = true;
                continue;
            }
            td.volumes.items.push(volume(element)?);
        }
    }
    Ok(td)
}

/// `runtimePlatform.operatingSystemFamily`; an `Fn::If` between platforms of the same family is
/// that family.
fn os_family(platform: Node<'_>) -> ParseResult<Field<String>> {
    if let Some(branches) = platform.if_branches() {
        return either(branches, |branch| {
            if branch.is_null() {
                return Ok(Field::Absent);
            }
            os_family(branch)
        });
    }
    if platform.expect_object("runtimePlatform")?.is_unknown() {
        return Ok(Field::Unknown);
    }
    platform.str_at(&["operatingSystemFamily"])
}

fn container(node: Node<'_>, index: usize) -> ParseResult<Container> {
    let mut c = Container {
        index,
        name: node.lenient_str_at(&["name"]),
        image: node.text_at(&["image"])?,
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
                // A value CloudFormation resolves at deploy time from the template's own
                // parameters or pseudo parameters is written into the task definition as a
                // literal; one that names another resource or an import stays unknown.
                let has_literal_value = match entry.get(&["value"]) {
                    None => Field::Known(false),
                    Some(value) => match value.text("value")? {
                        Field::Known(text) if text.is_literal_once_deployed() => {
                            Field::Known(!text.is_empty())
                        }
                        Field::Known(_) | Field::Unknown => Field::Unknown,
                        Field::Absent => Field::Known(false),
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
                Field::Known(()) => Field::Known(Capabilities {
                    add: string_list(caps.strings_at(&["add"])?),
                    drop: string_list(caps.strings_at(&["drop"])?),
                }),
                _ => Field::Unknown,
            };
        }
    }
    Ok(c)
}

fn string_list(field: Field<Vec<Field<String>>>) -> List<Field<String>> {
    match field {
        Field::Absent => List::default(),
        Field::Known(list) => List::from(list),
        Field::Unknown => List {
            items: Vec::new(),
            incomplete: true,
        },
    }
}

fn volume(node: Node<'_>) -> ParseResult<Volume> {
    let mut v = Volume {
        name: node.lenient_str_at(&["name"]),
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
        name: node.lenient_str_at(&["serviceName"]),
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
            s.capacity_providers.incomplete = true;
        }
        for item in strategy.elements() {
            if item
                .expect_object("a capacity provider strategy item")?
                .is_unknown()
            {
                s.capacity_providers.incomplete = true;
                continue;
            }
            s.capacity_providers
                .items
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
                        port_name: item.lenient_str_at(&["portName"]),
                        discovery_name: item.lenient_str_at(&["discoveryName"]),
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
        name: node.lenient_str_at(&["clusterName"]),
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
        id: node.lenient_str_at(&["id"]),
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
        name: node.lenient_str_at(&["name"]),
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
        tags.incomplete = true;
        return Ok(tags);
    }
    if node.as_object().is_some() {
        for (key, _) in node.members() {
            tags.items.push(key.to_string());
        }
        return Ok(tags);
    }
    node.expect_array("tags")?;
    for item in node.elements() {
        if item.expect_object("a tag")?.is_unknown() {
            tags.incomplete = true;
            continue;
        }
        match item.str_at(&["key"])? {
            Field::Known(key) => tags.items.push(key),
            Field::Unknown => tags.incomplete = true,
            Field::Absent => return Err(item.error("a tag has no key")),
        }
    }
    Ok(tags)
}
