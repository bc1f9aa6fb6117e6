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

/// A text value that may be only partly known: literal parts and unresolved parts (a
/// CloudFormation `${Repo}` inside `Fn::Sub`, a `{{resolve:…}}` dynamic reference, a Terraform
/// variable). `${Repo}:latest` is certainly tagged `latest`; `${Repo}` alone says nothing.
/// Two unresolved parts written the same way (`!GetAtt AppRole.Arn` twice) have the same value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Text {
    parts: Vec<Part>,
}

/// One piece of a [`Text`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    Literal(String),
    Hole(Hole),
}

/// An unresolved piece of text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Hole {
    /// The account the resource is deployed to (`${AWS::AccountId}`), when the document does
    /// not say which.
    OwnAccount,
    /// The Region the resource is deployed to (`${AWS::Region}`), when unknown.
    OwnRegion,
    /// A template parameter (`!Ref Name` where the template declares `Name` under
    /// `Parameters`): unknown here, a literal once deployed.
    Parameter(String),
    /// Any other unresolved expression, written canonically (`!Ref Repo`, `!GetAtt Role.Arn`,
    /// `{{resolve:ssm:/app/image}}`, `var.image`): equal expressions have equal values.
    Expression(String),
}

impl Text {
    /// A fully known text.
    pub fn literal(text: impl Into<String>) -> Text {
        Text::from_parts([Part::Literal(text.into())])
    }

    /// A text that is one unresolved expression.
    pub fn expression(expression: impl Into<String>) -> Text {
        Text::from_parts([Part::Hole(Hole::Expression(expression.into()))])
    }

    /// Joins parts, merging neighbouring literals and dropping empty ones.
    pub fn from_parts(parts: impl IntoIterator<Item = Part>) -> Text {
        let mut out: Vec<Part> = Vec::new();
        for part in parts {
            match (out.last_mut(), part) {
                (_, Part::Literal(text)) if text.is_empty() => {}
                (Some(Part::Literal(last)), Part::Literal(text)) => last.push_str(&text),
                (_, part) => out.push(part),
            }
        }
        Text { parts: out }
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The whole text, when no part of it is unresolved.
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Literal(text)] => Some(text),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    pub fn has_holes(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Hole(_)))
    }

    /// Whether the deployed resource holds this text written out: every part is literal, the
    /// own account or Region, or a template parameter (CloudFormation writes their values in).
    pub fn is_literal_once_deployed(&self) -> bool {
        !self
            .parts
            .iter()
            .any(|p| matches!(p, Part::Hole(Hole::Expression(_))))
    }

    /// The literal text after the last unresolved part (all of it when fully known).
    pub fn known_suffix(&self) -> &str {
        match self.parts.last() {
            Some(Part::Literal(text)) => text,
            _ => "",
        }
    }

    /// The literal text before the first unresolved part (all of it when fully known).
    pub fn known_prefix(&self) -> &str {
        match self.parts.first() {
            Some(Part::Literal(text)) => text,
            _ => "",
        }
    }
}

impl fmt::Display for Text {
    /// The text as a person reads it: unresolved parts as `${…}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Literal(text) => f.write_str(text)?,
                Part::Hole(Hole::OwnAccount) => f.write_str("${AWS::AccountId}")?,
                Part::Hole(Hole::OwnRegion) => f.write_str("${AWS::Region}")?,
                Part::Hole(Hole::Parameter(name)) => write!(f, "${{{name}}}")?,
                Part::Hole(Hole::Expression(expression)) => {
                    let short = expression
                        .strip_prefix("!Ref ")
                        .or_else(|| expression.strip_prefix("!GetAtt "))
                        .filter(|name| name.len() <= 60)
                        .unwrap_or("…");
                    write!(f, "${{{short}}}")?
                }
            }
        }
        Ok(())
    }
}

/// A list whose entries may not all be known: `incomplete` is set when some entries (or the
/// whole list) are unresolved, so what is missing may hold what a control looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List<T> {
    pub items: Vec<T>,
    pub incomplete: bool,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List {
            items: Vec::new(),
            incomplete: false,
        }
    }
}

impl<T> List<T> {
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(items: Vec<T>) -> Self {
        List {
            items,
            incomplete: false,
        }
    }
}

impl<'a, T> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// The resource types the controls cover (the five ECS types and EC2 launch templates of ECS
/// container instances), and IAM roles, which controls read as related resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceType {
    TaskDefinition,
    Service,
    Cluster,
    TaskSet,
    CapacityProvider,
    LaunchTemplate,
    Role,
    Policy,
}

impl ResourceType {
    pub const ALL: [ResourceType; 8] = [
        ResourceType::TaskDefinition,
        ResourceType::Service,
        ResourceType::Cluster,
        ResourceType::TaskSet,
        ResourceType::CapacityProvider,
        ResourceType::LaunchTemplate,
        ResourceType::Role,
        ResourceType::Policy,
    ];

    /// The ECS types, which the ECS API lists.
    pub const ECS: [ResourceType; 5] = [
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
            ResourceType::LaunchTemplate => "AWS::EC2::LaunchTemplate",
            ResourceType::Role => "AWS::IAM::Role",
            ResourceType::Policy => "AWS::IAM::Policy",
        }
    }

    /// Whether the type is read only as a related resource (a task definition's role), never
    /// judged or reported on its own.
    pub fn is_related_only(self) -> bool {
        matches!(self, ResourceType::Role | ResourceType::Policy)
    }

    pub fn from_aws_name(name: &str) -> Option<ResourceType> {
        // CloudFormation's other spellings of an IAM policy attached to roles.
        if name.eq_ignore_ascii_case("AWS::IAM::ManagedPolicy")
            || name.eq_ignore_ascii_case("AWS::IAM::RolePolicy")
        {
            return Some(ResourceType::Policy);
        }
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
    /// A resource of `terraform show -json` output for a plan.
    TerraformPlan,
    /// A resource of `terraform show -json` output for a state.
    TerraformState,
    /// A `resource` block of a Terraform configuration (`.tf`, HCL, or `.tf.json`).
    TerraformHcl,
}

impl Shape {
    pub const ALL: [Shape; 6] = [
        Shape::Api,
        Shape::Config,
        Shape::CloudFormation,
        Shape::TerraformPlan,
        Shape::TerraformState,
        Shape::TerraformHcl,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shape::Api => "api",
            Shape::Config => "config",
            Shape::CloudFormation => "cloudformation",
            Shape::TerraformPlan => "terraform-plan",
            Shape::TerraformState => "terraform-state",
            Shape::TerraformHcl => "terraform-hcl",
        }
    }

    pub fn from_name(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|s| s.name() == name)
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
    /// Fields no control reads that could not be read (a `family` that is an object, say):
    /// reported beside the verdicts, never in their way.
    pub warnings: Vec<String>,
    /// The exception register entries the resource names (`crate::exceptions`): they take
    /// effect only as the register says.
    pub exceptions: Vec<ExceptionRef>,
}

/// A resource's reference to an entry of the exception register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionRef {
    pub id: String,
    pub source: RefSource,
}

/// Where a resource names an exception register entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefSource {
    /// The `ecs-harden:exception` tag (`<id>[,<id>..]`).
    Tag,
    /// CloudFormation `Metadata: {ecs-harden: {exceptions: [<id>..]}}`.
    Metadata,
}

impl RefSource {
    pub fn describe(self) -> &'static str {
        match self {
            RefSource::Tag => "tag ecs-harden:exception",
            RefSource::Metadata => "Metadata ecs-harden.exceptions",
        }
    }
}

/// User and system tag keys (values never matter to a control); incomplete when some tags (or
/// the whole list) are unresolved.
pub type Tags = List<String>;

impl List<String> {
    /// Keys that count as user tags (system keys start with `aws:`).
    pub fn user_keys(&self) -> impl Iterator<Item = &str> {
        self.items
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
    pub containers: List<Container>,
    pub volumes: List<Volume>,
    pub network_mode: Field<String>,
    pub pid_mode: Field<String>,
    pub ipc_mode: Field<String>,
    /// `runtimePlatform.operatingSystemFamily`.
    pub os_family: Field<String>,
    /// A role ARN or, as CloudFormation also takes, a role name.
    pub task_role_arn: Field<Text>,
    pub execution_role_arn: Field<Text>,
    pub requires_compatibilities: Vec<String>,
    /// Task-level `memory`, as written (`"1024"`, `"1 GB"`).
    pub memory: Field<String>,
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
    /// Position among the document's container definitions (unresolved entries included).
    pub index: usize,
    pub name: Field<String>,
    pub image: Field<Text>,
    pub privileged: Field<bool>,
    pub readonly_root_filesystem: Field<bool>,
    pub user: Field<String>,
    pub environment: Vec<EnvVar>,
    pub log_configuration: Field<LogConfiguration>,
    pub capabilities: Field<Capabilities>,
    /// `memory`, the container's hard limit in MiB.
    pub memory: Field<u64>,
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
    pub add: List<Field<String>>,
    pub drop: List<Field<String>>,
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
    pub capacity_providers: List<Field<String>>,
    pub platform_version: Field<String>,
    pub platform_family: Field<String>,
    pub deployment_controller: Field<String>,
    pub assign_public_ip: Field<AssignPublicIp>,
    pub service_connect: Field<ServiceConnect>,
    pub enable_execute_command: Field<bool>,
    /// The task definition the service runs: its `PRIMARY` deployment's revision where the
    /// document lists deployments (describe-services), else the service's `taskDefinition`
    /// (an ARN, `family:revision`, a template's `!Ref`, a Terraform reference).
    pub task_definition: Field<Text>,
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
    /// `configuration.executeCommandConfiguration`.
    pub execute_command: Field<ExecuteCommandConfiguration>,
    /// `configuration.managedStorageConfiguration.fargateEphemeralStorageKmsKeyId`.
    pub fargate_ephemeral_storage_kms_key: Field<String>,
    pub tags: Tags,
}

/// How ECS Exec sessions of a cluster are encrypted and logged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecuteCommandConfiguration {
    pub kms_key_id: Field<String>,
    /// `NONE`, `DEFAULT` or `OVERRIDE`; absent is `DEFAULT`.
    pub logging: Field<String>,
    pub log_configuration: Field<ExecuteCommandLogConfiguration>,
}

/// Where ECS Exec sessions are logged when `logging` is `OVERRIDE`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecuteCommandLogConfiguration {
    pub cloud_watch_log_group_name: Field<String>,
    pub cloud_watch_encryption_enabled: Field<bool>,
    pub s3_bucket_name: Field<String>,
    pub s3_encryption_enabled: Field<bool>,
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

/// An EC2 launch template (its default version's data), as container instances use it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LaunchTemplate {
    pub name: Field<String>,
    /// `LaunchTemplateData.UserData`, decoded from base64 when it was encoded.
    pub user_data: Field<Text>,
    /// `MetadataOptions.HttpTokens`: `required` or `optional`.
    pub http_tokens: Field<String>,
    /// `MetadataOptions.HttpPutResponseHopLimit`.
    pub http_put_response_hop_limit: Field<u64>,
    pub tags: Tags,
}

/// An IAM role, read as a related resource (a task definition's task role).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Role {
    pub name: Field<String>,
    /// ARNs of the managed policies attached.
    pub managed_policy_arns: List<Text>,
    /// Inline policies and the documents of attached customer managed policies the input holds.
    pub policies: List<PolicyDocument>,
}

/// An IAM policy that is its own resource (a customer managed policy, a policy attached to
/// roles), read as a related resource.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub name: Field<String>,
    /// The document, when written out.
    pub document: Field<PolicyDocument>,
    /// References to the roles it attaches to (`Roles`, `RoleName`, Terraform's `role`).
    pub roles: List<Text>,
    /// Managed policy ARNs it attaches (Terraform's `aws_iam_role_policy_attachment`).
    pub attaches: List<Text>,
}

/// An IAM policy document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyDocument {
    /// Where the document comes from, for annotations (`inline policy app-admin`).
    pub name: String,
    pub statements: List<Statement>,
}

/// One statement of a policy document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statement {
    /// `Effect` is `Allow`.
    pub allow: Field<bool>,
    pub actions: List<Field<String>>,
    pub not_actions: List<Field<String>>,
    pub resources: List<Field<String>>,
    /// The statement has a `Condition`.
    pub conditional: bool,
}

/// The typed body of a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    TaskDefinition(TaskDefinition),
    Service(Service),
    Cluster(Cluster),
    TaskSet(TaskSet),
    CapacityProvider(CapacityProvider),
    LaunchTemplate(LaunchTemplate),
    Role(Role),
    Policy(Policy),
    /// A configuration item with no configuration (deleted or not recorded).
    Gone,
}

/// A resource: identity plus typed body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub meta: Meta,
    pub body: Body,
}
