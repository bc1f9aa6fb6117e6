//! The catalogue: every control, the single source of truth for everything generated.

use crate::controls;
use crate::model::{
    Body, CapacityProvider, Cluster, LaunchTemplate, Resource, ResourceType, Service,
    TaskDefinition, TaskSet,
};
use crate::params::{ParamError, ParamSpec, Params};
use crate::related::{Context, Nothing};
use crate::verdict::Outcome;

/// Severity as Security Hub grades it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
        }
    }
}

/// A compliance framework that controls map to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Framework {
    PciDss4,
    Nist80053R5,
}

impl Framework {
    pub const ALL: [Framework; 2] = [Framework::PciDss4, Framework::Nist80053R5];

    pub fn name(self) -> &'static str {
        match self {
            Framework::PciDss4 => "PCI DSS v4.0.1",
            Framework::Nist80053R5 => "NIST SP 800-53 Rev. 5",
        }
    }

    /// Short key used on the command line and in file names: `pci`, `nist`.
    pub fn key(self) -> &'static str {
        match self {
            Framework::PciDss4 => "pci",
            Framework::Nist80053R5 => "nist",
        }
    }
}

/// Who made a mapping: AWS (as Security Hub lists it) or this project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MappingSource {
    AwsSecurityHub,
    EcsHarden,
}

impl MappingSource {
    pub fn label(self) -> &'static str {
        match self {
            MappingSource::AwsSecurityHub => "as AWS Security Hub maps it",
            MappingSource::EcsHarden => "ecs-harden's own",
        }
    }
}

/// Requirements of one framework a control maps to.
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    pub framework: Framework,
    pub requirements: &'static [&'static str],
    pub source: MappingSource,
}

/// A pure evaluator for one resource type.
#[derive(Clone, Copy)]
pub enum Evaluator {
    TaskDefinition(fn(&TaskDefinition, &Params) -> Outcome),
    Service(fn(&Service, &Params) -> Outcome),
    Cluster(fn(&Cluster, &Params) -> Outcome),
    TaskSet(fn(&TaskSet, &Params) -> Outcome),
    CapacityProvider(fn(&CapacityProvider, &Params) -> Outcome),
    LaunchTemplate(fn(&LaunchTemplate, &Params) -> Outcome),
    /// A task definition control that reads related resources (its role) too.
    TaskDefinitionInContext(fn(&TaskDefinition, &Params, &Context<'_>) -> Outcome),
    /// A service control that reads related resources (the revision it runs) too.
    ServiceInContext(fn(&Service, &Params, &Context<'_>) -> Outcome),
}

impl Evaluator {
    pub fn resource_type(&self) -> ResourceType {
        match self {
            Evaluator::TaskDefinition(_) | Evaluator::TaskDefinitionInContext(_) => {
                ResourceType::TaskDefinition
            }
            Evaluator::Service(_) | Evaluator::ServiceInContext(_) => ResourceType::Service,
            Evaluator::Cluster(_) => ResourceType::Cluster,
            Evaluator::TaskSet(_) => ResourceType::TaskSet,
            Evaluator::CapacityProvider(_) => ResourceType::CapacityProvider,
            Evaluator::LaunchTemplate(_) => ResourceType::LaunchTemplate,
        }
    }

    /// Whether the evaluator reads related resources (a [`Context`]).
    pub fn reads_related(&self) -> bool {
        matches!(
            self,
            Evaluator::TaskDefinitionInContext(_) | Evaluator::ServiceInContext(_)
        )
    }
}

/// One control of the catalogue.
pub struct Control {
    /// `ECS.4`, `HARDEN.1`.
    pub id: &'static str,
    /// Short name: the Config rule is `ecs-harden-<slug>`, the Lambda crate `rules/<id>-<slug>`.
    pub slug: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub params: &'static [ParamSpec],
    pub mappings: &'static [Mapping],
    /// What to change to pass, in a sentence or two.
    pub remediation: &'static str,
    pub evaluator: Evaluator,
}

impl Control {
    pub fn resource_type(&self) -> ResourceType {
        self.evaluator.resource_type()
    }

    /// The AWS Config rule name: `ecs-harden-<slug>`.
    pub fn rule_name(&self) -> String {
        format!("ecs-harden-{}", self.slug)
    }

    /// The Lambda crate directory under `rules/`: `ecs-4-containers-not-privileged`.
    pub fn crate_name(&self) -> String {
        format!(
            "{}-{}",
            self.id.to_ascii_lowercase().replace('.', "-"),
            self.slug
        )
    }

    /// Whether the control is from Security Hub's ECS set (as opposed to this project's own).
    pub fn is_security_hub(&self) -> bool {
        self.id.starts_with("ECS.")
    }

    pub fn default_params(&self) -> Result<Params, ParamError> {
        Params::defaults(self.id, self.params)
    }

    pub fn params_from_strings(
        &self,
        given: &std::collections::BTreeMap<String, String>,
    ) -> Result<Params, ParamError> {
        Params::from_strings(self.id, self.params, given)
    }

    pub fn mapping(&self, framework: Framework) -> Option<&Mapping> {
        self.mappings.iter().find(|m| m.framework == framework)
    }

    /// Evaluates a resource with no related resources known, or `None` when it is not of this
    /// control's type.
    pub fn evaluate(&self, resource: &Resource, params: &Params) -> Option<Outcome> {
        let context = Context {
            related: &Nothing,
            gated: &[],
        };
        self.evaluate_in(resource, params, &context)
    }

    /// Judges a resource's configuration whatever its lifecycle status (a deregistered
    /// revision a service still runs), or `None` when it is not of this control's type.
    pub fn judge_configuration(
        &self,
        resource: &Resource,
        params: &Params,
        context: &Context<'_>,
    ) -> Option<Outcome> {
        Some(match (&self.evaluator, &resource.body) {
            (Evaluator::TaskDefinition(f), Body::TaskDefinition(td)) => f(td, params),
            (Evaluator::TaskDefinitionInContext(f), Body::TaskDefinition(td)) => {
                f(td, params, context)
            }
            (Evaluator::Service(f), Body::Service(s)) => f(s, params),
            (Evaluator::ServiceInContext(f), Body::Service(s)) => f(s, params, context),
            (Evaluator::Cluster(f), Body::Cluster(c)) => f(c, params),
            (Evaluator::TaskSet(f), Body::TaskSet(t)) => f(t, params),
            (Evaluator::CapacityProvider(f), Body::CapacityProvider(c)) => f(c, params),
            (Evaluator::LaunchTemplate(f), Body::LaunchTemplate(t)) => f(t, params),
            _ => return None,
        })
    }

    /// Evaluates a resource, or `None` when it is not of this control's type; controls that
    /// look across resources read them from `context`. Lifecycle scope comes first: deleted or
    /// unrecorded items, and INACTIVE (or DELETE_IN_PROGRESS task definition) resources are
    /// NOT_APPLICABLE whatever their configuration says.
    pub fn evaluate_in(
        &self,
        resource: &Resource,
        params: &Params,
        context: &Context<'_>,
    ) -> Option<Outcome> {
        if resource.meta.resource_type != self.resource_type() {
            return None;
        }
        if let Some(status) = resource.meta.item_status {
            if !status.is_evaluated() {
                return Some(Outcome::not_applicable(format!(
                    "Configuration item status is {}: nothing to evaluate.",
                    status.as_str()
                )));
            }
        }
        if let Some(status) = &resource.meta.status {
            let out_of_scope = status.eq_ignore_ascii_case("INACTIVE")
                || (resource.meta.resource_type == ResourceType::TaskDefinition
                    && status.eq_ignore_ascii_case("DELETE_IN_PROGRESS"));
            if out_of_scope {
                return Some(Outcome::not_applicable(format!(
                    "The {} is {status}: only active resources are in scope.",
                    short_type(resource.meta.resource_type)
                )));
            }
        }
        if resource.body == Body::Gone {
            return Some(Outcome::not_applicable("The resource no longer exists."));
        }
        self.judge_configuration(resource, params, context)
    }
}

fn short_type(resource_type: ResourceType) -> &'static str {
    match resource_type {
        ResourceType::TaskDefinition => "task definition",
        ResourceType::Service => "service",
        ResourceType::Cluster => "cluster",
        ResourceType::TaskSet => "task set",
        ResourceType::CapacityProvider => "capacity provider",
        ResourceType::LaunchTemplate => "launch template",
        ResourceType::Role => "role",
        ResourceType::Policy => "policy",
    }
}

/// Every control, in catalogue order (the list is written once, in `crate::controls`).
pub static CATALOGUE: &[&Control] = controls::ALL;

/// Looks a control up by id (`ECS.4`, case-insensitive) or by Config rule name.
pub fn find(id_or_rule: &str) -> Option<&'static Control> {
    CATALOGUE.iter().copied().find(|c| {
        c.id.eq_ignore_ascii_case(id_or_rule) || c.rule_name().eq_ignore_ascii_case(id_or_rule)
    })
}

pub use crate::managed::{ManagedRule, Trigger};

/// Every AWS managed rule of the catalogue, in catalogue order (written once, in
/// `crate::managed`): AWS Config evaluates them, this project deploys and reports them.
pub static MANAGED: &[&ManagedRule] = crate::managed::ALL;

/// Looks an AWS managed rule up by its Security Hub control id (`ECR.1`, case-insensitive),
/// its AWS Config identifier or its rule name.
pub fn find_managed(id_or_rule: &str) -> Option<&'static ManagedRule> {
    MANAGED.iter().copied().find(|m| {
        m.id.eq_ignore_ascii_case(id_or_rule)
            || m.identifier.eq_ignore_ascii_case(id_or_rule)
            || m.rule_name().eq_ignore_ascii_case(id_or_rule)
    })
}

/// One entry of the catalogue: a control this project evaluates, or an AWS managed rule. What
/// reports and packs need of both.
#[derive(Clone, Copy)]
pub enum Entry {
    Control(&'static Control),
    Managed(&'static ManagedRule),
}

impl Entry {
    pub fn id(self) -> &'static str {
        match self {
            Entry::Control(c) => c.id,
            Entry::Managed(m) => m.id,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Entry::Control(c) => c.title,
            Entry::Managed(m) => m.title,
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Entry::Control(c) => c.severity,
            Entry::Managed(m) => m.severity,
        }
    }

    pub fn mappings(self) -> &'static [Mapping] {
        match self {
            Entry::Control(c) => c.mappings,
            Entry::Managed(m) => m.mappings,
        }
    }

    /// The AWS Config rule name the packs give it.
    pub fn rule_name(self) -> String {
        match self {
            Entry::Control(c) => c.rule_name(),
            Entry::Managed(m) => m.rule_name(),
        }
    }

    /// The AWS managed rule, when the entry is one.
    pub fn aws_managed(self) -> Option<&'static ManagedRule> {
        match self {
            Entry::Control(_) => None,
            Entry::Managed(m) => Some(m),
        }
    }
}

/// Every entry: the controls in catalogue order, then the AWS managed rules.
pub fn entries() -> impl Iterator<Item = Entry> {
    CATALOGUE
        .iter()
        .map(|c| Entry::Control(c))
        .chain(MANAGED.iter().map(|m| Entry::Managed(m)))
}
