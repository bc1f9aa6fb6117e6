//! AWS Config managed rules the catalogue lists where AWS already has exactly the right rule,
//! instead of rewriting it. They go into the conformance packs (`Source.Owner: AWS`), the
//! framework mappings and the evidence, and `ecs-harden controls` shows them as "AWS managed".
//! AWS Config evaluates them: they have no evaluator and no Lambda, and `check` and `scan` do
//! not judge them.
//!
//! Each entry is written from the rule's page in the AWS Config Developer Guide (identifier,
//! resource type, trigger, parameters) and its Security Hub control (id, title, severity,
//! related requirements).

use crate::catalogue::{Framework, Mapping, Severity};
use crate::controls::{aws_nist, aws_pci};
use crate::params::ParamSpec;

/// When AWS Config runs a managed rule (the rule's "Trigger type").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// On every change of a resource in scope.
    ConfigurationChanges,
    /// On a schedule (`MaximumExecutionFrequency`, 24 hours unless set).
    Periodic,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::ConfigurationChanges => "Configuration changes",
            Trigger::Periodic => "Periodic",
        }
    }
}

/// An AWS Config managed rule of the catalogue.
pub struct ManagedRule {
    /// The Security Hub control id: `ECR.1`.
    pub id: &'static str,
    /// Short name: the rule is deployed as `ecs-harden-<slug>`.
    pub slug: &'static str,
    /// The Security Hub control's title.
    pub title: &'static str,
    pub severity: Severity,
    /// AWS Config's identifier of the rule, its `Source.SourceIdentifier`.
    pub identifier: &'static str,
    /// The resource types the rule evaluates (its `Scope.ComplianceResourceTypes`).
    pub resource_types: &'static [&'static str],
    pub trigger: Trigger,
    /// The rule's parameters with their defaults, as AWS documents them.
    pub params: &'static [ParamSpec],
    pub mappings: &'static [Mapping],
    /// What the rule checks, as AWS Config's documentation says it.
    pub checks: &'static str,
    /// What to change to pass, in a sentence or two.
    pub remediation: &'static str,
    /// The rule's page in the AWS Config Developer Guide.
    pub documentation: &'static str,
}

impl ManagedRule {
    /// The AWS Config rule name the packs give it: `ecs-harden-<slug>`.
    pub fn rule_name(&self) -> String {
        format!("ecs-harden-{}", self.slug)
    }

    pub fn mapping(&self, framework: Framework) -> Option<&Mapping> {
        self.mappings.iter().find(|m| m.framework == framework)
    }
}

pub static ECR_1: ManagedRule = ManagedRule {
    id: "ECR.1",
    slug: "ecr-image-scanning",
    title: "ECR private repositories should have image scanning configured",
    severity: Severity::High,
    identifier: "ECR_PRIVATE_IMAGE_SCANNING_ENABLED",
    resource_types: &["AWS::ECR::Repository"],
    trigger: Trigger::Periodic,
    params: &[],
    mappings: &[aws_pci(&["6.2.3", "6.2.4"]), aws_nist(&["RA-5"])],
    checks: "NON_COMPLIANT if the private Amazon ECR repository's scan frequency is not scan on push or continuous scan.",
    remediation: "Configure the registry's scanning for the repository: scan on push (basic scanning), or scan on push or continuous scanning (enhanced scanning with Amazon Inspector).",
    documentation: "https://docs.aws.amazon.com/config/latest/developerguide/ecr-private-image-scanning-enabled.html",
};

pub static ECR_2: ManagedRule = ManagedRule {
    id: "ECR.2",
    slug: "ecr-tag-immutability",
    title: "ECR private repositories should have tag immutability configured",
    severity: Severity::Medium,
    identifier: "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED",
    resource_types: &["AWS::ECR::Repository"],
    trigger: Trigger::ConfigurationChanges,
    params: &[],
    mappings: &[aws_nist(&["CA-9(1)", "CM-2", "CM-8(1)"])],
    checks: "NON_COMPLIANT if tag immutability is not enabled for the private Amazon ECR repository.",
    remediation: "Set the repository's image tag mutability to IMMUTABLE (imageTagMutability, ImageTagMutability in CloudFormation, image_tag_mutability in Terraform).",
    documentation: "https://docs.aws.amazon.com/config/latest/developerguide/ecr-private-tag-immutability-enabled.html",
};

pub static GUARDDUTY_12: ManagedRule = ManagedRule {
    id: "GuardDuty.12",
    slug: "guardduty-ecs-runtime-monitoring",
    title: "GuardDuty ECS Runtime Monitoring should be enabled",
    severity: Severity::Medium,
    identifier: "GUARDDUTY_ECS_PROTECTION_RUNTIME_ENABLED",
    resource_types: &["AWS::GuardDuty::Detector"],
    trigger: Trigger::Periodic,
    params: &[],
    mappings: &[],
    checks: "NON_COMPLIANT if ECS Runtime Monitoring with automated agent management is not enabled for the GuardDuty detector of the account, or of at least one member account of the organization (Security Hub reports it in the delegated GuardDuty administrator account only).",
    remediation: "Enable GuardDuty Runtime Monitoring with automated agent management for AWS Fargate (ECS only), for every member account from the delegated GuardDuty administrator.",
    documentation: "https://docs.aws.amazon.com/config/latest/developerguide/guardduty-ecs-protection-runtime-enabled.html",
};

/// Every AWS managed rule of the catalogue, in catalogue order.
pub(crate) static ALL: &[&ManagedRule] = &[&ECR_1, &ECR_2, &GUARDDUTY_12];
