//! Parsers for the three shapes an ECS resource arrives in, and detection of which one a
//! document is. Every resource in a document is read on its own: a broken one gives an error
//! naming its JSON path and the others are still returned.

pub mod load;
pub mod position;
mod read;
pub mod terraform;
pub mod tree;
pub mod yaml;

use serde_json::Value;

use crate::error::{ParseError, ParseResult};
use crate::model::{Body, ItemStatus, Meta, Resource, ResourceType, Shape, Tags};
pub use load::{load, load_all, Syntax};
use read::Containers;
use tree::{Node, ReadContext};

/// Account and Region a CloudFormation document is deployed to, when known (a Hook request
/// knows them; a template file does not).
#[derive(Clone, Debug, Default)]
pub struct Deployment {
    pub account: Option<String>,
    pub region: Option<String>,
    /// The template's parameter names (see `ReadContext::parameters`).
    pub parameters: std::sync::Arc<[String]>,
}

/// Reads every ECS resource in a document's text (every document of a YAML stream).
pub fn parse_text(text: &str, syntax: Syntax) -> Vec<ParseResult<Resource>> {
    match read_text(text, syntax) {
        Ok(resources) => resources,
        Err(error) => vec![Err(error)],
    }
}

/// Reads every ECS resource in a text: `Err` when the text is not valid in its syntax at all;
/// otherwise one result per resource, and none for a document that holds no ECS resource.
/// The resources of a YAML stream's second and later documents have JSON paths that say which
/// document they come from (`(document 2) $.Resources.Web`).
pub fn read_text(text: &str, syntax: Syntax) -> ParseResult<Vec<ParseResult<Resource>>> {
    if syntax == Syntax::Hcl {
        return Ok(terraform::hcl(text)?
            .into_iter()
            .map(|c| c.and_then(terraform_resource))
            .collect());
    }
    let documents = load_all(text, syntax)?;
    Ok(documents
        .iter()
        .enumerate()
        .flat_map(|(index, document)| {
            let root = match index {
                0 => "$".to_string(),
                n => format!("(document {}) $", n + 1),
            };
            parse_document(document, &root)
        })
        .collect())
}

/// Reads a resource a Terraform converter produced (ECS API shape with unresolved markers).
fn terraform_resource(converted: terraform::Converted) -> ParseResult<Resource> {
    let account = converted
        .arn
        .as_deref()
        .and_then(|a| arn_part(a, 4))
        .map(str::to_string);
    let region = converted
        .arn
        .as_deref()
        .and_then(|a| arn_part(a, 3))
        .map(str::to_string);
    let cx = ReadContext {
        markers: true,
        account: account.clone(),
        region: region.clone(),
        ..ReadContext::default()
    };
    let node = Node::root(&converted.value, &converted.json_path, &cx);
    let tags = read::tags(node.get(&["tags"]))?;
    let exceptions = read::exception_tag(node.get(&["tags"]));
    let body = body(node, converted.resource_type, Containers::Optional, tags)?;
    let warnings = node.take_warnings();
    Ok(Resource {
        meta: Meta {
            resource_type: converted.resource_type,
            shape: converted.shape,
            resource_id: converted.address,
            arn: converted.arn,
            account,
            region,
            status: None,
            item_status: None,
            capture_time: None,
            json_path: converted.json_path,
            warnings,
            exceptions,
        },
        body,
    })
}

/// Reads every ECS resource in a decoded document, detecting its shape.
pub fn parse_value(value: &Value) -> Vec<ParseResult<Resource>> {
    parse_document(value, "$")
}

/// Reads every ECS resource in a decoded document whose root has the JSON path `root_path`.
pub fn parse_document(value: &Value, root_path: &str) -> Vec<ParseResult<Resource>> {
    let cx = ReadContext::default();
    let root = Node::root(value, root_path, &cx);
    detect(root)
}

/// Reads the ECS resources of a document. A document that holds none and shows no sign of ECS
/// content (a package.json, a workflow, a template of other resources) gives nothing: it is not
/// an ECS document. One that shows signs but cannot be read gives an error.
fn detect(root: Node<'_>) -> Vec<ParseResult<Resource>> {
    let Some(_) = root.as_object() else {
        if !shows_ecs_content(root.value, 0) {
            return Vec::new();
        }
        return vec![Err(root.error(format!(
            "expected a JSON object holding an ECS resource, a CloudFormation template or a \
             describe-* output, found {}",
            root.type_name()
        )))];
    };

    // A fixture case file of this project: {"control", "shape", "resourceType", "resource", "expected"}.
    if root.has(&["resource"]) && root.has(&["expected"]) && root.has(&["control"]) {
        return fixture_case(root);
    }
    // Terraform: `terraform show -json` output (plan or state), or a `.tf.json` configuration.
    if let Some(converted) = terraform::json_document(root.value) {
        return converted
            .into_iter()
            .map(|c| c.and_then(terraform_resource))
            .collect();
    }
    // A CloudFormation template.
    if let Some(resources) = root.get(&["Resources"]) {
        if resources.as_object().is_some() {
            let parameters = root
                .get(&["Parameters"])
                .map(|p| p.members().map(|(name, _)| name.to_string()).collect())
                .unwrap_or_default();
            let deployment = Deployment {
                parameters,
                ..Deployment::default()
            };
            return template(resources, &deployment);
        }
    }
    // A single CloudFormation resource: {"Type": "AWS::ECS::…", "Properties": {…}}.
    if let Some(kind) = root.get(&["Type"]).and_then(|t| t.value.as_str()) {
        if let Some(resource_type) = ResourceType::from_aws_name(kind) {
            return vec![cloudformation_resource(
                root,
                resource_type,
                None,
                &Deployment::default(),
            )];
        }
    }
    // A CloudFormation Lambda Hook request.
    if root.has(&["requestData"]) && root.has(&["actionInvocationPoint"]) {
        return vec![hook_request(root)];
    }
    // An AWS Config rule's Lambda event: the item inside `invokingEvent` (a JSON string).
    if let Some(invoking) = root.get(&["invokingEvent"]) {
        return config_rule_event(invoking);
    }
    // An EventBridge event for a RegisterTaskDefinition call (CloudTrail): the revision it
    // registered, as the API answered.
    if let Some(registered) = root.get(&["detail"]).and_then(|detail| {
        let call = detail.get(&["eventName"])?;
        (call.value.as_str() == Some("RegisterTaskDefinition")).then_some(())?;
        let response = detail.get(&["responseElements"])?;
        let task_definition = response.get(&["taskDefinition"])?;
        Some(api_resource_with_tags(
            task_definition,
            ResourceType::TaskDefinition,
            response.get(&["tags"]),
        ))
    }) {
        return vec![registered];
    }
    // An AWS Config configuration item.
    if root.has(&["configurationItemCaptureTime"])
        || (root.has(&["configuration"]) && root.has(&["resourceType"]))
    {
        return vec![config_item(root)];
    }
    // select-resource-config output: {"Results": ["<item as a JSON string>", …]}.
    if let Some(results) = root.get(&["Results"]) {
        if results.value.is_array() {
            return results.elements().map(config_item_string).collect();
        }
    }
    // GetResourceConfigHistory response: {"configurationItems": [item, …]}.
    if let Some(items) = root.get(&["configurationItems"]) {
        if items.value.is_array() {
            return items.elements().map(config_item_string).collect();
        }
    }
    api_document(root)
}

fn fixture_case(root: Node<'_>) -> Vec<ParseResult<Resource>> {
    let Some(resource) = root.get(&["resource"]) else {
        return vec![Err(ParseError::at_path(
            root.child_path("resource"),
            "the case has no resource",
        ))];
    };
    let hint = root
        .get(&["resourceType"])
        .and_then(|t| t.value.as_str())
        .and_then(ResourceType::from_aws_name);
    let shape = root.get(&["shape"]).and_then(|s| s.value.as_str());
    // A Terraform configuration case carries its `.tf` text as a string.
    let detected = match (resource.value.as_str(), shape) {
        (Some(text), Some(shape)) if shape == Shape::TerraformHcl.name() => {
            parse_text(text, Syntax::Hcl)
        }
        _ => detect(resource),
    };
    if detected.is_empty() {
        return vec![Err(
            resource.error("the case's resource holds no ECS resource")
        )];
    }
    // The case judges its resource of `resourceType`; a document may hold the resources that
    // one relates to (the task definition a service runs, a role) beside it.
    if let (Some(hint), Some(shape)) = (hint, shape) {
        let read: Vec<&Resource> = detected.iter().flatten().collect();
        if let Some(r) = read.iter().find(|r| r.meta.shape.name() != shape) {
            return vec![Err(resource.error(format!(
                "the case says {shape}, but the resource reads as {}",
                r.meta.shape.name()
            )))];
        }
        if !read.is_empty() && !read.iter().any(|r| r.meta.resource_type == hint) {
            return vec![Err(resource.error(format!(
                "the case says {hint}, but the document holds {}",
                read[0].meta.resource_type
            )))];
        }
    }
    detected
}

/// Reads the ECS resources of a CloudFormation template's `Resources` section; other types
/// are skipped.
pub fn template(resources: Node<'_>, deployment: &Deployment) -> Vec<ParseResult<Resource>> {
    let mut out = Vec::new();
    for (logical_id, resource) in resources.members() {
        let Some(kind) = resource.get(&["Type"]).and_then(|t| t.value.as_str()) else {
            continue;
        };
        if let Some(resource_type) = ResourceType::from_aws_name(kind) {
            out.push(cloudformation_resource(
                resource,
                resource_type,
                Some(logical_id),
                deployment,
            ));
        }
    }
    out
}

fn cloudformation_resource(
    node: Node<'_>,
    resource_type: ResourceType,
    logical_id: Option<&str>,
    deployment: &Deployment,
) -> ParseResult<Resource> {
    let cx = ReadContext {
        intrinsics: true,
        account: deployment.account.clone(),
        region: deployment.region.clone(),
        parameters: deployment.parameters.clone(),
        ..ReadContext::default()
    };
    let path = node.path();
    let empty = Value::Object(Default::default());
    let properties = match node.get(&["Properties"]) {
        Some(p) => {
            if p.as_object().is_none() {
                return Err(p.error(format!(
                    "Properties must be an object, found {}",
                    p.type_name()
                )));
            }
            p.value
        }
        None => &empty,
    };
    let properties_path = format!("{path}.Properties");
    let props = Node::root(properties, &properties_path, &cx);
    let mut resource = cloudformation_properties(props, resource_type, logical_id, path.clone())?;
    resource
        .meta
        .exceptions
        .extend(read::exception_metadata(node));
    Ok(resource)
}

/// Reads CloudFormation resource properties (from a template, a Hook request or a Cloud Control
/// model). `deployment` gives the account and Region `${AWS::AccountId}`/`${AWS::Region}` mean.
pub fn parse_cloudformation_properties(
    properties: &Value,
    resource_type: ResourceType,
    logical_id: Option<&str>,
    deployment: &Deployment,
    root_path: &str,
) -> ParseResult<Resource> {
    let cx = ReadContext {
        intrinsics: true,
        account: deployment.account.clone(),
        region: deployment.region.clone(),
        parameters: deployment.parameters.clone(),
        ..ReadContext::default()
    };
    let props = Node::root(properties, root_path, &cx);
    if props.as_object().is_none() {
        return Err(props.error(format!(
            "resource properties must be an object, found {}",
            props.type_name()
        )));
    }
    cloudformation_properties(props, resource_type, logical_id, root_path.to_string())
}

fn cloudformation_properties(
    props: Node<'_>,
    resource_type: ResourceType,
    logical_id: Option<&str>,
    json_path: String,
) -> ParseResult<Resource> {
    let tags = read::tags(props.get(&["Tags"]))?;
    let exceptions = read::exception_tag(props.get(&["Tags"]));
    let name_key = match resource_type {
        ResourceType::TaskDefinition => "Family",
        ResourceType::Service => "ServiceName",
        ResourceType::Cluster => "ClusterName",
        ResourceType::TaskSet => "ExternalId",
        ResourceType::CapacityProvider => "Name",
        ResourceType::LaunchTemplate => "LaunchTemplateName",
        ResourceType::Role => "RoleName",
        ResourceType::Policy => "PolicyName",
    };
    let name = props
        .get(&[name_key])
        .and_then(|n| n.value.as_str())
        .map(str::to_string);
    let resource_id = logical_id
        .map(str::to_string)
        .or(name)
        .unwrap_or_else(|| resource_type.aws_name().to_string());
    let body = body(props, resource_type, Containers::Optional, tags)?;
    Ok(Resource {
        meta: Meta {
            resource_type,
            shape: Shape::CloudFormation,
            resource_id,
            arn: None,
            account: props.cx.account.clone(),
            region: props.cx.region.clone(),
            status: None,
            item_status: None,
            capture_time: None,
            json_path,
            warnings: props.take_warnings(),
            exceptions,
        },
        body,
    })
}

fn body(
    node: Node<'_>,
    resource_type: ResourceType,
    containers: Containers,
    tags: Tags,
) -> ParseResult<Body> {
    Ok(match resource_type {
        ResourceType::TaskDefinition => {
            Body::TaskDefinition(read::task_definition(node, containers, tags)?)
        }
        ResourceType::Service => Body::Service(read::service(node, tags)?),
        ResourceType::Cluster => Body::Cluster(read::cluster(node, tags)?),
        ResourceType::TaskSet => Body::TaskSet(read::task_set(node, tags)?),
        ResourceType::CapacityProvider => {
            Body::CapacityProvider(read::capacity_provider(node, tags)?)
        }
        ResourceType::LaunchTemplate => Body::LaunchTemplate(read::launch_template(node, tags)?),
        ResourceType::Role => Body::Role(read::role(node)?),
        ResourceType::Policy => Body::Policy(read::policy(node)?),
    })
}

fn hook_request(root: Node<'_>) -> ParseResult<Resource> {
    let account = root
        .get(&["awsAccountId"])
        .and_then(|a| a.value.as_str())
        .map(str::to_string);
    let region = root
        .get(&["stackId"])
        .and_then(|s| s.value.as_str())
        .and_then(|arn| arn_part(arn, 3))
        .map(str::to_string);
    let Some(request) = root.get(&["requestData"]) else {
        return Err(ParseError::at_path(
            root.child_path("requestData"),
            "requestData is missing",
        ));
    };
    let kind = request
        .get(&["targetType", "targetName"])
        .and_then(|t| t.value.as_str())
        .unwrap_or_default();
    let Some(resource_type) = ResourceType::from_aws_name(kind) else {
        return Err(ParseError::at_path(
            request.child_path("targetType"),
            format!("the hook target is {kind:?}, not an ECS resource type"),
        ));
    };
    let logical_id = request
        .get(&["targetLogicalId"])
        .and_then(|t| t.value.as_str())
        .map(str::to_string);
    let Some(model) = request.get(&["targetModel"]) else {
        return Err(ParseError::at_path(
            request.child_path("targetModel"),
            "targetModel is missing",
        ));
    };
    let Some(properties) = model.get(&["resourceProperties"]) else {
        return Err(ParseError::at_path(
            model.child_path("resourceProperties"),
            "resourceProperties is missing (a delete request carries none)",
        ));
    };
    let path = properties.path();
    parse_cloudformation_properties(
        properties.value,
        resource_type,
        logical_id.as_deref(),
        &Deployment {
            account,
            region,
            ..Deployment::default()
        },
        &path,
    )
}

/// An AWS Config rule's Lambda event: the item it carries. An oversized or scheduled
/// notification carries none, so there is nothing to read offline.
fn config_rule_event(invoking: Node<'_>) -> Vec<ParseResult<Resource>> {
    match config_rule_event_item(invoking) {
        Ok(Some(resource)) => vec![Ok(resource)],
        Ok(None) => Vec::new(),
        Err(error) => vec![Err(error)],
    }
}

fn config_rule_event_item(invoking: Node<'_>) -> ParseResult<Option<Resource>> {
    let decoded = match invoking.value.as_str() {
        Some(text) => load(text, Syntax::Json).map_err(|e| {
            invoking.error(format!(
                "invokingEvent is not a JSON document: {}",
                e.message
            ))
        })?,
        None => invoking.value.clone(),
    };
    let cx = ReadContext::default();
    let event = Node::root(&decoded, "$", &cx);
    let path = format!("{}.configurationItem", invoking.path());
    match event.get(&["configurationItem"]) {
        Some(item) => config_item(Node::root(item.value, &path, &cx)).map(Some),
        None => Ok(None),
    }
}

/// The `index`th colon-separated part of an ARN (3 = Region, 4 = account), when non-empty.
pub fn arn_part(arn: &str, index: usize) -> Option<&str> {
    arn.split(':').nth(index).filter(|s| !s.is_empty())
}

fn config_item_string(node: Node<'_>) -> ParseResult<Resource> {
    let Some(text) = node.value.as_str() else {
        return config_item(node);
    };
    let value: Value = serde_json::from_str(text)
        .map_err(|e| node.error(format!("the result is not a JSON configuration item: {e}")))?;
    let path = node.path();
    let cx = ReadContext::default();
    config_item(Node::root(&value, &path, &cx))
}

/// Reads an AWS Config configuration item (as in a rule's `invokingEvent`, a
/// `GetResourceConfigHistory` response or a `select-resource-config` row).
pub fn parse_config_item(value: &Value, root_path: &str) -> ParseResult<Resource> {
    let cx = ReadContext::default();
    config_item(Node::root(value, root_path, &cx))
}

fn config_item(item: Node<'_>) -> ParseResult<Resource> {
    if item.as_object().is_none() {
        return Err(item.error(format!(
            "a configuration item must be an object, found {}",
            item.type_name()
        )));
    }
    let kind = match item.str_at(&["resourceType"])? {
        crate::model::Field::Known(kind) => kind,
        _ => {
            return Err(ParseError::at_path(
                item.child_path("resourceType"),
                "resourceType is missing",
            ))
        }
    };
    let Some(resource_type) = ResourceType::from_aws_name(&kind) else {
        return Err(ParseError::at_path(
            item.child_path("resourceType"),
            format!("{kind} is not one of the ECS resource types the controls cover"),
        ));
    };
    let text =
        |keys: &[&str]| -> ParseResult<Option<String>> { Ok(item.str_at(keys)?.known().cloned()) };
    let arn = text(&["ARN", "arn"])?;
    let account = text(&["awsAccountId", "accountId"])?.or_else(|| {
        arn.as_deref()
            .and_then(|a| arn_part(a, 4))
            .map(str::to_string)
    });
    let region = text(&["awsRegion"])?.or_else(|| {
        arn.as_deref()
            .and_then(|a| arn_part(a, 3))
            .map(str::to_string)
    });
    let item_status = match text(&["configurationItemStatus"])? {
        Some(status) => Some(ItemStatus::parse(&status).ok_or_else(|| {
            ParseError::at_path(
                item.child_path("configurationItemStatus"),
                format!("unknown configurationItemStatus {status:?}"),
            )
        })?),
        None => None,
    };
    let resource_id = text(&["resourceId"])?
        .or_else(|| arn.clone())
        .or(text(&["resourceName"])?)
        .unwrap_or_else(|| resource_type.aws_name().to_string());
    let mut meta = Meta {
        resource_type,
        shape: Shape::Config,
        resource_id,
        arn,
        account,
        region,
        status: None,
        item_status,
        capture_time: text(&["configurationItemCaptureTime"])?,
        json_path: item.path(),
        warnings: Vec::new(),
        exceptions: read::exception_tag(item.get(&["tags"])),
    };
    let tags = read::tags(item.get(&["tags"]))?;

    let Some(configuration) = item.get(&["configuration"]) else {
        if item_status.is_some_and(|s| !s.is_evaluated()) {
            return Ok(Resource {
                meta,
                body: Body::Gone,
            });
        }
        return Err(ParseError::at_path(
            item.child_path("configuration"),
            "configuration is missing from a configuration item whose status is not deleted",
        ));
    };
    let cx = ReadContext {
        account: meta.account.clone(),
        region: meta.region.clone(),
        ..ReadContext::default()
    };
    // GetResourceConfigHistory returns `configuration` as a JSON string.
    let decoded;
    let configuration_path = configuration.path();
    let body_node = if let Some(text) = configuration.value.as_str() {
        decoded = load(text, Syntax::Json).map_err(|e| {
            configuration.error(format!(
                "configuration is a string that is not JSON: {}",
                e.message
            ))
        })?;
        Node::root(&decoded, &configuration_path, &cx)
    } else {
        Node::root(configuration.value, &configuration_path, &cx)
    };
    meta.status = body_node.str_at(&["status"])?.known().cloned();
    let body = match body(body_node, resource_type, Containers::Required, tags)? {
        // Config's launch template item need not carry `UserData` (its schema lists none):
        // absent there says nothing about the template's user data.
        Body::LaunchTemplate(mut template) if template.user_data.is_absent() => {
            template.user_data = crate::model::Field::Unknown;
            Body::LaunchTemplate(template)
        }
        body => body,
    };
    meta.warnings = body_node.take_warnings();
    Ok(Resource { meta, body })
}

/// Reads an ECS API document of a known type (a describe-* element or register input).
pub fn parse_api(
    value: &Value,
    resource_type: ResourceType,
    root_path: &str,
) -> ParseResult<Resource> {
    let cx = ReadContext::default();
    let node = Node::root(value, root_path, &cx);
    api_resource(node, resource_type)
}

fn api_document(root: Node<'_>) -> Vec<ParseResult<Resource>> {
    // describe-task-definition output: {"taskDefinition": {…}, "tags": […]}
    if let Some(inner) = root.get(&["taskDefinition"]) {
        if inner.as_object().is_some() {
            // describe-task-definition puts tags beside the task definition; ecspresso's
            // task definition files put them inside.
            let tags = root.get(&["tags"]).or_else(|| inner.get(&["tags"]));
            return vec![api_resource_with_tags(
                inner,
                ResourceType::TaskDefinition,
                tags,
            )];
        }
    }
    if let Some(resource_type) = api_type(root) {
        return vec![api_resource(root, resource_type)];
    }
    // describe-services / describe-clusters / … output.
    for (key, resource_type) in [
        ("services", ResourceType::Service),
        ("clusters", ResourceType::Cluster),
        ("taskSets", ResourceType::TaskSet),
        ("capacityProviders", ResourceType::CapacityProvider),
        ("taskDefinitions", ResourceType::TaskDefinition),
        ("launchTemplateVersions", ResourceType::LaunchTemplate),
    ] {
        if let Some(list) = root.get(&[key]) {
            if list
                .value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_object))
            {
                return list
                    .elements()
                    .map(|element| api_resource(element, resource_type))
                    .collect();
            }
        }
    }
    if shows_ecs_content(root.value, 0) {
        return vec![Err(root.error(
            "not a recognised ECS document: expected a task definition, service, cluster, task \
             set or capacity provider (ECS API, AWS Config item, CloudFormation or Terraform)",
        ))];
    }
    Vec::new()
}

/// Keys only ECS documents carry (compared without regard to case, `_` or `-`).
const ECS_KEYS: [&str; 6] = [
    "containerdefinitions",
    "taskdefinitionarn",
    "servicearn",
    "clusterarn",
    "tasksetarn",
    "capacityproviderarn",
];

/// Whether a document shows signs of ECS content anywhere: an ECS-only key, a CloudFormation
/// `Type: AWS::ECS::…`, or a Terraform `aws_ecs_…` resource type. Such a document that cannot
/// be read is an error, not something to skip.
pub fn shows_ecs_content(value: &Value, depth: usize) -> bool {
    if depth > load::MAX_DEPTH {
        return false;
    }
    match value {
        Value::Object(object) => object.iter().any(|(key, value)| {
            let normalized = position::normalize(key);
            ECS_KEYS.contains(&normalized.as_str())
                || normalized.starts_with("awsecs")
                || normalized.starts_with("awsccecs")
                || (normalized == "type"
                    && value
                        .as_str()
                        .is_some_and(|t| t.to_ascii_uppercase().starts_with("AWS::ECS::")))
                || shows_ecs_content(value, depth + 1)
        }),
        Value::Array(items) => items.iter().any(|item| shows_ecs_content(item, depth + 1)),
        _ => false,
    }
}

/// Whether a text that could not be parsed shows signs of ECS content, so that a broken file
/// met in a directory walk is reported and an unrelated one (a tsconfig.json with comments, a
/// Helm template) is not.
pub fn text_shows_ecs_content(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "containerdefinitions",
        "container_definitions",
        "aws::ecs::",
        "aws_ecs_",
        "awscc_ecs_",
        "taskdefinitionarn",
    ]
    .iter()
    .any(|sign| lower.contains(sign))
}

fn api_type(node: Node<'_>) -> Option<ResourceType> {
    // One element of describe-launch-template-versions.
    if node.has(&["launchTemplateData"]) {
        return Some(ResourceType::LaunchTemplate);
    }
    if node.has(&["containerDefinitions", "taskDefinitionArn"]) {
        return Some(ResourceType::TaskDefinition);
    }
    if node.has(&["taskSetArn"]) {
        return Some(ResourceType::TaskSet);
    }
    if node.has(&["serviceArn", "serviceName"]) {
        return Some(ResourceType::Service);
    }
    if node.has(&["capacityProviderArn", "autoScalingGroupProvider"]) {
        return Some(ResourceType::CapacityProvider);
    }
    if node.has(&["clusterArn", "clusterName"]) {
        return Some(ResourceType::Cluster);
    }
    // A task definition without its containers (an error to report), but only when more than
    // a `family` says so: `family` alone is common in other files.
    if node.has(&["family"]) && node.has(&TASK_DEFINITION_KEYS) {
        return Some(ResourceType::TaskDefinition);
    }
    // A service definition without a name: ecspresso's `ecs-service-def.json`, whose service
    // and cluster come from its own configuration.
    let service_keys = SERVICE_DEFINITION_KEYS
        .iter()
        .filter(|k| node.has(&[k]))
        .count();
    if service_keys >= 2 {
        return Some(ResourceType::Service);
    }
    None
}

/// Task definition fields besides `family`.
const TASK_DEFINITION_KEYS: [&str; 9] = [
    "networkMode",
    "requiresCompatibilities",
    "taskRoleArn",
    "executionRoleArn",
    "volumes",
    "runtimePlatform",
    "pidMode",
    "ipcMode",
    "placementConstraints",
];

/// Fields of a service definition (create-service input, ecspresso) that other documents do
/// not combine.
const SERVICE_DEFINITION_KEYS: [&str; 10] = [
    "deploymentConfiguration",
    "desiredCount",
    "launchType",
    "schedulingStrategy",
    "loadBalancers",
    "serviceRegistries",
    "enableExecuteCommand",
    "enableECSManagedTags",
    "healthCheckGracePeriodSeconds",
    "serviceConnectConfiguration",
];

/// An API resource whose tags sit beside its other fields (register input, describe-* elements).
fn api_resource(node: Node<'_>, resource_type: ResourceType) -> ParseResult<Resource> {
    api_resource_with_tags(node, resource_type, node.get(&["tags"]))
}

fn api_resource_with_tags(
    node: Node<'_>,
    resource_type: ResourceType,
    tags: Option<Node<'_>>,
) -> ParseResult<Resource> {
    let exceptions = read::exception_tag(tags);
    let tags = read::tags(tags)?;
    let text =
        |keys: &[&str]| -> ParseResult<Option<String>> { Ok(node.str_at(keys)?.known().cloned()) };
    let arn = match resource_type {
        ResourceType::TaskDefinition => text(&["taskDefinitionArn"])?,
        ResourceType::Service => text(&["serviceArn"])?,
        ResourceType::Cluster => text(&["clusterArn"])?,
        ResourceType::TaskSet => text(&["taskSetArn"])?,
        ResourceType::CapacityProvider => text(&["capacityProviderArn"])?,
        ResourceType::LaunchTemplate | ResourceType::Role | ResourceType::Policy => text(&["arn"])?,
    };
    let account = arn
        .as_deref()
        .and_then(|a| arn_part(a, 4))
        .map(str::to_string);
    let region = arn
        .as_deref()
        .and_then(|a| arn_part(a, 3))
        .map(str::to_string);
    let arn_name = arn
        .as_deref()
        .and_then(|a| a.rsplit_once('/'))
        .map(|(_, name)| name.to_string());
    // Resource ids as AWS Config records them: ARNs, but names for clusters and capacity providers.
    let resource_id = match resource_type {
        ResourceType::TaskDefinition => arn.clone().or_else(|| {
            let family = text(&["family"]).ok().flatten()?;
            Some(match node.get(&["revision"]).map(|r| r.value.to_string()) {
                Some(revision) => format!("{family}:{revision}"),
                None => family,
            })
        }),
        ResourceType::Service => arn.clone().or(text(&["serviceName"])?),
        ResourceType::Cluster => text(&["clusterName"])?.or(arn_name),
        ResourceType::TaskSet => arn.clone().or(text(&["id"])?),
        ResourceType::CapacityProvider => text(&["name"])?.or(arn_name),
        ResourceType::LaunchTemplate => {
            let id = text(&["launchTemplateId"])?.or(text(&["launchTemplateName"])?);
            // A version other than the default one (describe-launch-template-versions lists
            // them all) is named with its number: `lt-0abc…:3`.
            match (
                node.bool_at(&["defaultVersion"])?,
                node.get(&["versionNumber"]),
            ) {
                (crate::model::Field::Known(false), Some(version)) => {
                    id.map(|id| format!("{id}:{}", version.value))
                }
                _ => id,
            }
        }
        ResourceType::Role => text(&["roleName"])?.or(arn_name),
        ResourceType::Policy => text(&["policyName"])?.or(arn_name),
    }
    .unwrap_or_else(|| resource_type.aws_name().to_string());
    let cx = ReadContext {
        account: account.clone(),
        region: region.clone(),
        ..ReadContext::default()
    };
    let path = node.path();
    let body_node = Node::root(node.value, &path, &cx);
    let status = body_node.str_at(&["status"])?.known().cloned();
    let body = body(body_node, resource_type, Containers::Required, tags)?;
    let warnings = body_node.take_warnings();
    Ok(Resource {
        meta: Meta {
            resource_type,
            shape: Shape::Api,
            resource_id,
            arn,
            account,
            region,
            status,
            item_status: None,
            capture_time: None,
            json_path: path,
            warnings,
            exceptions,
        },
        body,
    })
}
