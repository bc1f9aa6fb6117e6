//! Reading one resource body into the typed model. The same readers serve all three shapes:
//! keys are matched case-insensitively and the few spellings that differ are listed together.

use crate::error::ParseResult;
use crate::model::{
    AssignPublicIp, AutoScalingGroupProvider, Capabilities, CapacityProvider, Cluster, Container,
    EfsVolume, EnvVar, ExceptionRef, ExecuteCommandConfiguration, ExecuteCommandLogConfiguration,
    Field, LaunchTemplate, List, LogConfiguration, Policy, PolicyDocument, RefSource, Role,
    Service, ServiceConnect, ServiceConnectService, Statement, Tags, TaskDefinition, TaskSet, Text,
    Volume,
};
use crate::parse::tree::{either, Node};

/// The warning on a task definition whose container list is not known before deployment (a
/// parameter, a variable, a local, another resource's attribute): the controls that read
/// containers judge none of them, and say so rather than pass in silence.
const UNKNOWN_CONTAINERS: &str = "containerDefinitions is not known before deployment (a \
    parameter, variable, local or reference): no control judged its containers";

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
        memory: node.str_at(&["memory"])?,
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
                node.cx
                    .warnings
                    .borrow_mut()
                    .push(UNKNOWN_CONTAINERS.into());
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
                    if !td.containers.incomplete {
                        node.cx.warnings.borrow_mut().push(format!(
                            "{}: this container definition is not known before deployment: \
                             no control judged it",
                            element.path()
                        ));
                    }
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
        memory: node.number_at(&["memory"])?,
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
                    Some(value) => match value.plain_str() {
                        // The usual case, read without building a text.
                        Some(text) => Field::Known(!text.is_empty()),
                        None => match value.text("value")? {
                            Field::Known(text) if text.is_literal_once_deployed() => {
                                Field::Known(!text.is_empty())
                            }
                            Field::Known(_) | Field::Unknown => Field::Unknown,
                            Field::Absent => Field::Known(false),
                        },
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
        enable_execute_command: node.bool_at(&["enableExecuteCommand"])?,
        task_definition: node.text_at(&["taskDefinition"])?,
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
    if let Some(running) = primary_task_definition(&node)? {
        s.task_definition = running;
    }
    Ok(s)
}

/// The task definition the `PRIMARY` deployment runs, when the document lists deployments.
fn primary_task_definition(node: &Node<'_>) -> ParseResult<Option<Field<Text>>> {
    let Some(deployments) = node.get(&["deployments"]) else {
        return Ok(None);
    };
    if deployments.expect_array("deployments")?.is_unknown() {
        return Ok(None);
    }
    for deployment in deployments.elements() {
        if deployment.as_object().is_some()
            && deployment.str_at(&["status"])?.eq_ignore_case("PRIMARY")
        {
            return Ok(Some(deployment.text_at(&["taskDefinition"])?));
        }
    }
    Ok(None)
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
    if let Some(configuration) = node.get(&["configuration"]) {
        if configuration.expect_object("configuration")?.is_unknown() {
            c.execute_command = Field::Unknown;
            c.fargate_ephemeral_storage_kms_key = Field::Unknown;
        } else {
            if let Some(exec) = configuration.get(&["executeCommandConfiguration"]) {
                c.execute_command = execute_command(exec)?;
            }
            if let Some(storage) = configuration.get(&["managedStorageConfiguration"]) {
                c.fargate_ephemeral_storage_kms_key =
                    match storage.expect_object("managedStorageConfiguration")? {
                        Field::Known(()) => storage.str_at(&["fargateEphemeralStorageKmsKeyId"])?,
                        _ => Field::Unknown,
                    };
            }
        }
    }
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

fn execute_command(node: Node<'_>) -> ParseResult<Field<ExecuteCommandConfiguration>> {
    if node
        .expect_object("executeCommandConfiguration")?
        .is_unknown()
    {
        return Ok(Field::Unknown);
    }
    let log_configuration = match node.get(&["logConfiguration"]) {
        None => Field::Absent,
        Some(log) => match log.expect_object("logConfiguration")? {
            Field::Known(()) => Field::Known(ExecuteCommandLogConfiguration {
                cloud_watch_log_group_name: log.str_at(&["cloudWatchLogGroupName"])?,
                cloud_watch_encryption_enabled: log.bool_at(&["cloudWatchEncryptionEnabled"])?,
                s3_bucket_name: log.str_at(&["s3BucketName"])?,
                s3_encryption_enabled: log.bool_at(&["s3EncryptionEnabled"])?,
            }),
            _ => Field::Unknown,
        },
    };
    Ok(Field::Known(ExecuteCommandConfiguration {
        kms_key_id: node.str_at(&["kmsKeyId"])?,
        logging: node.str_at(&["logging"])?,
        log_configuration,
    }))
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

/// The register entries a resource names in its `ecs-harden:exception` tag (`<id>[,<id>..]`),
/// whatever the tags' shape (see [`tags`]). An unresolved value names nothing.
pub fn exception_tag(node: Option<Node<'_>>) -> Vec<ExceptionRef> {
    let Some(node) = node else {
        return Vec::new();
    };
    let value = if let Some(object) = node.value.as_object() {
        object
            .iter()
            .find(|(key, _)| key.as_str() == crate::exceptions::TAG_KEY)
            .map(|(_, value)| value)
    } else {
        node.value.as_array().and_then(|items| {
            items.iter().find_map(|item| {
                let object = item.as_object()?;
                let key = object
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("key"))?
                    .1
                    .as_str()?;
                (key == crate::exceptions::TAG_KEY).then(|| {
                    object
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("value"))
                        .map(|(_, v)| v)
                })?
            })
        })
    };
    value
        .and_then(serde_json::Value::as_str)
        .map(|text| references(text.split(','), RefSource::Tag))
        .unwrap_or_default()
}

/// The register entries a CloudFormation resource names in
/// `Metadata: {ecs-harden: {exceptions: [<id>..]}}`.
pub fn exception_metadata(resource: Node<'_>) -> Vec<ExceptionRef> {
    let ids = resource
        .value
        .get("Metadata")
        .and_then(|m| m.get("ecs-harden"))
        .and_then(|m| m.get("exceptions"));
    match ids {
        Some(serde_json::Value::Array(items)) => references(
            items.iter().filter_map(serde_json::Value::as_str),
            RefSource::Metadata,
        ),
        Some(serde_json::Value::String(one)) => references(one.split(','), RefSource::Metadata),
        _ => Vec::new(),
    }
}

fn references<'a>(ids: impl Iterator<Item = &'a str>, source: RefSource) -> Vec<ExceptionRef> {
    ids.map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| ExceptionRef {
            id: id.to_string(),
            source,
        })
        .collect()
}

/// An EC2 launch template: CloudFormation's `LaunchTemplateData` (with `UserData` base64 or
/// `Fn::Base64` of text), EC2's `DescribeLaunchTemplateVersions` element and AWS Config's item
/// (the default version's data) spell it alike once case is ignored.
pub fn launch_template(node: Node<'_>, tags: Tags) -> ParseResult<LaunchTemplate> {
    node.expect_object("a launch template")?;
    let mut template = LaunchTemplate {
        name: node.lenient_str_at(&["launchTemplateName"]),
        tags,
        ..LaunchTemplate::default()
    };
    let Some(data) = node.get(&["launchTemplateData"]) else {
        return Ok(template);
    };
    if data.expect_object("launchTemplateData")?.is_unknown() {
        template.user_data = Field::Unknown;
        template.http_tokens = Field::Unknown;
        template.http_put_response_hop_limit = Field::Unknown;
        return Ok(template);
    }
    if let Some(options) = data.get(&["metadataOptions"]) {
        if options.expect_object("metadataOptions")?.is_unknown() {
            template.http_tokens = Field::Unknown;
            template.http_put_response_hop_limit = Field::Unknown;
        } else {
            template.http_tokens = options.str_at(&["httpTokens"])?;
            template.http_put_response_hop_limit =
                options.number_at(&["httpPutResponseHopLimit"])?;
        }
    }
    if let Some(user_data) = data.get(&["userData"]) {
        template.user_data = user_data_text(user_data)?;
    }
    Ok(template)
}

/// User data: `Fn::Base64` of a (possibly partly known) text, or base64 text written out.
/// Base64 that decodes to something other than text (gzip-compressed user data) is unknown;
/// a string that is not base64 at all (Terraform's `base64encode` of a partly known text) is
/// taken as written.
fn user_data_text(node: Node<'_>) -> ParseResult<Field<Text>> {
    if let Some(("Fn::Base64", _)) = node.intrinsic() {
        if let Some(text) = node.get(&["Fn::Base64"]) {
            return text.text("UserData");
        }
    }
    Ok(match node.text("UserData")? {
        Field::Known(text) => match text.as_literal() {
            Some(encoded) => match decode_base64_bytes(encoded).map(String::from_utf8) {
                Some(Ok(decoded)) => Field::Known(Text::literal(decoded)),
                Some(Err(_)) => Field::Unknown,
                None => Field::Known(text),
            },
            None => Field::Known(text),
        },
        other => other,
    })
}

/// Standard base64 (padding optional, line breaks ignored) to bytes; `None` when a character
/// is not of the base64 alphabet.
fn decode_base64_bytes(encoded: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(encoded.len() * 3 / 4);
    for byte in encoded.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// An IAM role: CloudFormation's `AWS::IAM::Role` (`ManagedPolicyArns`, `Policies`) and AWS
/// Config's item (`attachedManagedPolicies`, `rolePolicyList` with URL-encoded documents).
/// A role is only ever read beside what a control judges: what cannot be read of it is a
/// warning and leaves the role incomplete (unknown), never an error in the way of verdicts.
pub fn role(node: Node<'_>) -> ParseResult<Role> {
    node.expect_object("a role")?;
    let mut role = Role {
        name: node.lenient_str_at(&["roleName"]),
        ..Role::default()
    };
    if let Err(error) = role_policies(node, &mut role) {
        node.cx.warnings.borrow_mut().push(error.to_string());
        role.managed_policy_arns.incomplete = true;
        role.policies.incomplete = true;
    }
    Ok(role)
}

fn role_policies(node: Node<'_>, role: &mut Role) -> ParseResult<()> {
    if let Some(list) = node.get(&["managedPolicyArns"]) {
        if list.expect_array("managedPolicyArns")?.is_unknown() {
            role.managed_policy_arns.incomplete = true;
        }
        for arn in list.elements() {
            match arn.text("a managed policy ARN")? {
                Field::Known(text) => role.managed_policy_arns.items.push(text),
                _ => role.managed_policy_arns.incomplete = true,
            }
        }
    }
    if let Some(list) = node.get(&["attachedManagedPolicies"]) {
        list.expect_array("attachedManagedPolicies")?;
        for attached in list.elements() {
            match attached.text_at(&["policyArn"])? {
                Field::Known(text) => role.managed_policy_arns.items.push(text),
                _ => role.managed_policy_arns.incomplete = true,
            }
        }
    }
    if let Some(list) = node.get(&["policies", "rolePolicyList"]) {
        if list.expect_array("policies")?.is_unknown() {
            role.policies.incomplete = true;
        }
        for policy in list.elements() {
            if policy.expect_object("a policy")?.is_unknown() {
                role.policies.incomplete = true;
                continue;
            }
            let name = policy
                .lenient_str_at(&["policyName"])
                .known()
                .cloned()
                .unwrap_or_else(|| "(unnamed policy)".to_string());
            if let Some(document) = policy.get(&["policyDocument"]) {
                match policy_document(document, format!("inline policy {name}"))? {
                    Some(document) => role.policies.items.push(document),
                    None => role.policies.incomplete = true,
                }
            }
        }
    }
    Ok(())
}

/// An IAM policy resource: CloudFormation's `AWS::IAM::Policy` / `ManagedPolicy` / `RolePolicy`
/// (`PolicyDocument`, `Roles` or `RoleName`), Terraform's role policies and attachments
/// (`policy`, `role`, `policy_arn`, converted to these names), and AWS Config's
/// `AWS::IAM::Policy` item (the default version of `policyVersionList`). Like a role, what
/// cannot be read of it is a warning, never an error.
pub fn policy(node: Node<'_>) -> ParseResult<Policy> {
    node.expect_object("a policy")?;
    let mut policy = Policy {
        name: node.lenient_str_at(&["policyName", "managedPolicyName"]),
        ..Policy::default()
    };
    let name = policy
        .name
        .known()
        .cloned()
        .unwrap_or_else(|| "(unnamed policy)".to_string());
    let read = |policy: &mut Policy| -> ParseResult<()> {
        if let Some(document) = node.get(&["policyDocument"]) {
            policy.document = match policy_document(document, format!("policy {name}"))? {
                Some(document) => Field::Known(document),
                None => Field::Unknown,
            };
        } else if let Some(versions) = node.get(&["policyVersionList"]) {
            policy.document = Field::Unknown;
            for version in versions.elements() {
                if version.bool_at(&["isDefaultVersion"])? == Field::Known(true) {
                    if let Some(document) = version.get(&["document"]) {
                        if let Some(document) = policy_document(document, format!("policy {name}"))?
                        {
                            policy.document = Field::Known(document);
                        }
                    }
                }
            }
        }
        for key in ["roles", "roleName"] {
            if let Some(roles) = node.get(&[key]) {
                if roles.value.is_array() {
                    for role in roles.elements() {
                        match role.text("a role")? {
                            Field::Known(text) => policy.roles.items.push(text),
                            _ => policy.roles.incomplete = true,
                        }
                    }
                } else {
                    match roles.text("a role")? {
                        Field::Known(text) => policy.roles.items.push(text),
                        _ => policy.roles.incomplete = true,
                    }
                }
            }
        }
        if let Some(arn) = node.get(&["policyArn"]) {
            match arn.text("policyArn")? {
                Field::Known(text) => policy.attaches.items.push(text),
                _ => policy.attaches.incomplete = true,
            }
        }
        Ok(())
    };
    if let Err(error) = read(&mut policy) {
        node.cx.warnings.borrow_mut().push(error.to_string());
        policy.document = Field::Unknown;
        policy.roles.incomplete = true;
    }
    Ok(policy)
}

/// A policy document: an object, or a JSON string (URL-encoded, as AWS Config records it, or
/// not); `None` when it is unresolved.
pub fn policy_document(node: Node<'_>, name: String) -> ParseResult<Option<PolicyDocument>> {
    if node.intrinsic().is_some() {
        return Ok(None);
    }
    if let Some(text) = node.value.as_str() {
        let decoded = if text.trim_start().starts_with('{') {
            text.to_string()
        } else {
            percent_decode(text)
        };
        let value: serde_json::Value = serde_json::from_str(&decoded)
            .map_err(|e| node.error(format!("the policy document is not JSON: {e}")))?;
        let path = node.path();
        let cx = node.cx.clone();
        let document = Node::root(&value, &path, &cx);
        return statements(document, name).map(Some);
    }
    node.expect_object("a policy document")?;
    statements(node, name).map(Some)
}

fn statements(document: Node<'_>, name: String) -> ParseResult<PolicyDocument> {
    let mut out = PolicyDocument {
        name,
        statements: List::default(),
    };
    let Some(list) = document.get(&["Statement"]) else {
        return Ok(out);
    };
    // A single statement may stand without a list.
    let items: Vec<Node<'_>> = if list.as_object().is_some() {
        vec![list]
    } else {
        if list.expect_array("Statement")?.is_unknown() {
            out.statements.incomplete = true;
        }
        list.elements().collect()
    };
    for item in items {
        if item.expect_object("a statement")?.is_unknown() {
            out.statements.incomplete = true;
            continue;
        }
        let allow = match item.str_at(&["Effect"])? {
            Field::Known(effect) => Field::Known(effect.eq_ignore_ascii_case("Allow")),
            Field::Absent => Field::Absent,
            Field::Unknown => Field::Unknown,
        };
        out.statements.items.push(Statement {
            allow,
            actions: one_or_many(item, "Action")?,
            not_actions: one_or_many(item, "NotAction")?,
            resources: one_or_many(item, "Resource")?,
            conditional: item.get(&["Condition"]).is_some(),
        });
    }
    Ok(out)
}

/// `"Action": "s3:GetObject"` or `"Action": ["s3:GetObject", …]`.
fn one_or_many(node: Node<'_>, key: &str) -> ParseResult<List<Field<String>>> {
    let Some(value) = node.get(&[key]) else {
        return Ok(List::default());
    };
    if value.value.is_string() || value.intrinsic().is_some() && !value.value.is_array() {
        return Ok(match value.string(key)? {
            Field::Known(one) => List::from(vec![Field::Known(one)]),
            _ => List {
                items: Vec::new(),
                incomplete: true,
            },
        });
    }
    Ok(string_list(node.strings_at(&[key])?))
}

/// `%7B%22Version%22…` as AWS Config records policy documents.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::tree::ReadContext;
    use serde_json::json;

    #[test]
    fn base64_and_percent_encoding() {
        assert_eq!(
            decode_base64_bytes(
                "IyEvYmluL2Jhc2gKZWNobyBFQ1NfQ0xVU1RFUj13ZWIgPj4gL2V0Yy9lY3MvZWNzLmNvbmZpZw=="
            )
            .as_deref(),
            Some(&b"#!/bin/bash\necho ECS_CLUSTER=web >> /etc/ecs/ecs.config"[..])
        );
        assert_eq!(
            percent_decode("%7B%22Version%22%3A%222012-10-17%22%7D"),
            r#"{"Version":"2012-10-17"}"#
        );
    }

    #[test]
    fn roles_read_as_config_records_them() {
        let document = percent_encode_all(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        );
        let item = json!({
            "roleName": "orders-task",
            "attachedManagedPolicies": [{"policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "policyName": "ReadOnlyAccess"}],
            "rolePolicyList": [{"policyName": "everything", "policyDocument": document}],
        });
        let cx = ReadContext::default();
        let read = role(Node::root(&item, "$", &cx)).unwrap();
        assert_eq!(read.managed_policy_arns.len(), 1);
        let statement = &read.policies.items[0].statements.items[0];
        assert_eq!(statement.allow, Field::Known(true));
        assert_eq!(statement.actions.items, vec![Field::Known("*".to_string())]);
        assert_eq!(read.policies.items[0].name, "inline policy everything");
    }

    #[test]
    fn user_data_that_is_not_text_is_unknown() {
        let cx = ReadContext::default();
        let read = |user_data: &str| {
            let template = json!({"LaunchTemplateData": {"UserData": user_data}});
            launch_template(Node::root(&template, "$", &cx), Tags::default())
                .unwrap()
                .user_data
        };
        // The gzip magic bytes 1f 8b 08: compressed user data.
        assert_eq!(read("H4sI"), Field::Unknown);
        assert_eq!(
            read("RUNTX0NMVVNURVI9d2Vi"),
            Field::Known(Text::literal("ECS_CLUSTER=web"))
        );
        assert_eq!(
            read("#!/bin/bash\nECS_CLUSTER=web"),
            Field::Known(Text::literal("#!/bin/bash\nECS_CLUSTER=web"))
        );
    }

    fn percent_encode_all(text: &str) -> String {
        text.bytes().map(|b| format!("%{b:02X}")).collect()
    }
}
