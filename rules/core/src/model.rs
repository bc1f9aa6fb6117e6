//! One typed model of the ECS resources the controls read, whatever shape they arrived in.
//!
//! Parsers (`crate::parse`) are the only code that knows about camelCase versus PascalCase,
//! CloudFormation's string scalars and intrinsic functions; evaluators only see these types.
//! The model never holds an environment variable's value: only whether it has one, so no
//! annotation can leak a secret.

use std::fmt;

/// A field as a control sees it: absent, known, or the unresolved result of a CloudFormation
/// intrinsic function (`Ref` to a parameter, `Fn::If`, `Fn::ImportValue`, …). A control never
/// fails a resource because of an unknown value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Field<T> {
    #[default]
    Absent,
    Known(T),
    Unknown,
}

impl<T> Field<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(value) => Some(value),
            _ => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown)
    }

    pub fn as_ref(&self) -> Field<&T> {
        match self {
            Field::Absent => Field::Absent,
            Field::Known(value) => Field::Known(value),
            Field::Unknown => Field::Unknown,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Absent => Field::Absent,
            Field::Known(value) => Field::Known(f(value)),
            Field::Unknown => Field::Unknown,
        }
    }
}

impl Field<String> {
    /// The known value, compared without regard to ASCII case.
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        self.known().is_some_and(|v| v.eq_ignore_ascii_case(other))
    }

    pub fn as_str(&self) -> Field<&str> {
        match self {
            Field::Absent => Field::Absent,
            Field::Known(value) => Field::Known(value.as_str()),
            Field::Unknown => Field::Unknown,
        }
    }
}

/// The five ECS resource types the controls cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceType {
    TaskDefinition,
    Service,
    Cluster,
    TaskSet,
    CapacityProvider,
}

impl ResourceType {
    pub const ALL: [ResourceType; 5] = [
        ResourceType::TaskDefinition,
        ResourceType::Service,
        ResourceType::Cluster,
        ResourceType::TaskSet,
        ResourceType::CapacityProvider,
    ];

    /// The CloudFormation / AWS Config type name, e.g. `AWS::ECS::TaskDefinition`.
    pub fn aws_name(self) -> &'static str {
        match self {
            ResourceType::TaskDefinition => "AWS::ECS::TaskDefinition",
            ResourceType::Service => "AWS::ECS::Service",
            ResourceType::Cluster => "AWS::ECS::Cluster",
            ResourceType::TaskSet => "AWS::ECS::TaskSet",
            ResourceType::CapacityProvider => "AWS::ECS::CapacityProvider",
        }
    }

    pub fn from_aws_name(name: &str) -> Option<ResourceType> {
        ResourceType::ALL
            .into_iter()
            .find(|t| t.aws_name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.aws_name())
    }
}

/// Which of the three shapes a resource arrived in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// ECS API JSON (camelCase): describe-* output or register-task-definition input.
    Api,
    /// An AWS Config configuration item (event, history or select-resource-config row).
    Config,
    /// CloudFormation resource properties (template, single resource or Hook request).
    CloudFormation,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Api => "api",
            Shape::Config => "config",
            Shape::CloudFormation => "cloudformation",
        }
    }
}

/// AWS Config's `configurationItemStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemStatus {
    Ok,
    ResourceDiscovered,
    ResourceNotRecorded,
    ResourceDeleted,
    ResourceDeletedNotRecorded,
}

impl ItemStatus {
    pub fn parse(text: &str) -> Option<ItemStatus> {
        Some(match text {
            "OK" => ItemStatus::Ok,
            "ResourceDiscovered" => ItemStatus::ResourceDiscovered,
            "ResourceNotRecorded" => ItemStatus::ResourceNotRecorded,
            "ResourceDeleted" => ItemStatus::ResourceDeleted,
            "ResourceDeletedNotRecorded" => ItemStatus::ResourceDeletedNotRecorded,
            _ => return None,
        })
    }

    /// Only `OK` and `ResourceDiscovered` items are evaluated.
    pub fn is_evaluated(self) -> bool {
        matches!(self, ItemStatus::Ok | ItemStatus::ResourceDiscovered)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Ok => "OK",
            ItemStatus::ResourceDiscovered => "ResourceDiscovered",
            ItemStatus::ResourceNotRecorded => "ResourceNotRecorded",
            ItemStatus::ResourceDeleted => "ResourceDeleted",
            ItemStatus::ResourceDeletedNotRecorded => "ResourceDeletedNotRecorded",
        }
    }
}

/// Identity and lifecycle of a resource: what the runner and the reports need, not the controls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    pub resource_type: ResourceType,
    pub shape: Shape,
    /// The id AWS Config knows the resource by (ARN for most ECS types, name for clusters), or,
    /// for a template, the logical id; for a lone file, the best name it carries.
    pub resource_id: String,
    pub arn: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// The resource's own lifecycle status (`ACTIVE`, `INACTIVE`, `DELETE_IN_PROGRESS`, …).
    pub status: Option<String>,
    /// The Config item's status, for configuration items.
    pub item_status: Option<ItemStatus>,
    /// `configurationItemCaptureTime`, for configuration items.
    pub capture_time: Option<String>,
    /// JSON path of the resource inside its document (`$`, `$.Resources.TaskDef`, `$.services[3]`).
    pub json_path: String,
}

/// User and system tags. Keys only: values never matter to a control.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags {
    pub keys: Vec<String>,
    /// Some tags (or the whole list) are unresolved intrinsics.
    pub unknown: bool,
}

impl Tags {
    /// Keys that count as user tags (system keys start with `aws:`).
    pub fn user_keys(&self) -> impl Iterator<Item = &str> {
        self.keys
            .iter()
            .map(String::as_str)
            .filter(|k| !k.starts_with("aws:"))
    }
}

/// An ECS task definition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskDefinition {
    pub family: Field<String>,
    pub revision: Option<u64>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// Containers the document lists; `containers_unknown` is set when some are unresolved.
    pub containers: Vec<Container>,
    pub containers_unknown: bool,
    pub volumes: Vec<Volume>,
    pub volumes_unknown: bool,
    pub network_mode: Field<String>,
    pub pid_mode: Field<String>,
    pub ipc_mode: Field<String>,
    /// `runtimePlatform.operatingSystemFamily`.
    pub os_family: Field<String>,
    pub task_role_arn: Field<String>,
    pub execution_role_arn: Field<String>,
    pub requires_compatibilities: Vec<String>,
    pub tags: Tags,
}

/// The operating system a task definition targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OsFamily {
    Linux,
    Windows,
    Unknown,
}

impl TaskDefinition {
    /// "Linux" is `operatingSystemFamily` unset or `LINUX`; "Windows" is any `WINDOWS_*` value.
    pub fn os(&self) -> OsFamily {
        match &self.os_family {
            Field::Absent => OsFamily::Linux,
            Field::Unknown => OsFamily::Unknown,
            Field::Known(v) if v.eq_ignore_ascii_case("LINUX") => OsFamily::Linux,
            Field::Known(v) if v.to_ascii_uppercase().starts_with("WINDOWS") => OsFamily::Windows,
            Field::Known(_) => OsFamily::Unknown,
        }
    }
}

/// One container definition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Container {
    pub name: Field<String>,
    pub image: Field<String>,
    pub privileged: Field<bool>,
    pub readonly_root_filesystem: Field<bool>,
    pub user: Field<String>,
    pub environment: Vec<EnvVar>,
    pub log_configuration: Field<LogConfiguration>,
    pub capabilities: Field<Capabilities>,
}

impl Container {
    /// The name to show in an annotation.
    pub fn display_name(&self) -> &str {
        match &self.name {
            Field::Known(name) => name,
            _ => "(unnamed container)",
        }
    }
}

/// An `environment[]` entry. The value itself is never kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvVar {
    pub name: Field<String>,
    /// Whether the entry has a non-empty literal value.
    pub has_literal_value: Field<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogConfiguration {
    pub log_driver: Field<String>,
}

/// `linuxParameters.capabilities`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub add: Vec<Field<String>>,
    pub add_unknown: bool,
    pub drop: Vec<Field<String>>,
    pub drop_unknown: bool,
}

/// A task definition volume.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Volume {
    pub name: Field<String>,
    pub efs: Field<EfsVolume>,
}

impl Volume {
    pub fn display_name(&self) -> &str {
        match &self.name {
            Field::Known(name) => name,
            _ => "(unnamed volume)",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EfsVolume {
    pub file_system_id: Field<String>,
    pub transit_encryption: Field<String>,
    /// `authorizationConfig.iam`; `Absent` also when there is no `authorizationConfig`.
    pub iam: Field<String>,
}

/// An ECS service.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Service {
    pub name: Field<String>,
    pub launch_type: Field<String>,
    pub capacity_providers: Vec<Field<String>>,
    pub capacity_providers_unknown: bool,
    pub platform_version: Field<String>,
    pub platform_family: Field<String>,
    pub deployment_controller: Field<String>,
    pub assign_public_ip: Field<AssignPublicIp>,
    pub service_connect: Field<ServiceConnect>,
    pub tags: Tags,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignPublicIp {
    Enabled,
    Disabled,
}

/// A service's Service Connect configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceConnect {
    pub enabled: Field<bool>,
    pub services: Field<Vec<ServiceConnectService>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceConnectService {
    pub port_name: Field<String>,
    pub discovery_name: Field<String>,
    /// Whether a `tls` block is present.
    pub tls: Field<bool>,
}

impl ServiceConnectService {
    pub fn display_name(&self) -> &str {
        match (&self.port_name, &self.discovery_name) {
            (Field::Known(name), _) => name,
            (_, Field::Known(name)) => name,
            _ => "(unnamed endpoint)",
        }
    }
}

/// An ECS cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cluster {
    pub name: Field<String>,
    /// The `containerInsights` setting's value, absent when the cluster has no such setting.
    pub container_insights: Field<String>,
    pub tags: Tags,
}

/// An ECS task set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskSet {
    pub id: Field<String>,
    pub assign_public_ip: Field<AssignPublicIp>,
    pub tags: Tags,
}

/// An ECS capacity provider.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapacityProvider {
    pub name: Field<String>,
    /// `autoScalingGroupProvider`, when the provider is backed by an Auto Scaling group.
    pub auto_scaling_group: Field<AutoScalingGroupProvider>,
    pub tags: Tags,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AutoScalingGroupProvider {
    pub managed_termination_protection: Field<String>,
}

/// The typed body of a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    TaskDefinition(TaskDefinition),
    Service(Service),
    Cluster(Cluster),
    TaskSet(TaskSet),
    CapacityProvider(CapacityProvider),
    /// A configuration item with no configuration (deleted or not recorded).
    Gone,
}

/// A resource: identity plus typed body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub meta: Meta,
    pub body: Body,
}
