//! The finding, in the AWS Security Finding Format, that an ecs-harden rule's evaluation of one
//! resource becomes, and what else a compliance change asks of Security Hub. Pure.

use serde_json::{json, Map, Value};

use super::event::{ComplianceChange, EvaluationResult};
use crate::catalogue::{Control, Framework, Severity};
use crate::exceptions::{accepted_in_annotation, Date};
use crate::verdict::Verdict;

/// The only ASFF version.
pub const SCHEMA_VERSION: &str = "2018-10-08";
/// `ProductName` and `CompanyName`: a custom integration may set them.
pub const PRODUCT_NAME: &str = "ecs-harden";
/// Who BatchUpdateFindings names as the author of a note.
pub const UPDATED_BY: &str = "ecs-harden";
/// Most requirements `Compliance.RelatedRequirements` takes.
pub const MAX_RELATED_REQUIREMENTS: usize = 32;
/// Most characters of a note's text.
pub const MAX_NOTE_CHARS: usize = 512;
const MAX_ID_CHARS: usize = 512;
const MAX_TITLE_CHARS: usize = 256;
const MAX_DESCRIPTION_CHARS: usize = 1024;
const MAX_RECOMMENDATION_CHARS: usize = 512;
/// The controls page of the repository, which `Remediation.Recommendation.Url` points into.
pub const CONTROLS_DOCUMENT: &str =
    concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/controls.md");
/// Every finding's type; framework classifiers are added where the control maps to one.
const BEST_PRACTICES_TYPE: &str = "Software and Configuration Checks/AWS Security Best Practices";

/// The default product of `account` in `region`: the `ProductArn` of every finding an
/// account imports itself.
pub fn product_arn(partition: &str, region: &str, account: &str) -> String {
    format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default")
}

/// The finding's `Id`: the same for every evaluation of one control on one resource, so that a
/// new evaluation updates the finding and a repeated one changes nothing.
pub fn finding_id(
    control: &Control,
    account: &str,
    region: &str,
    resource_type: &str,
    resource_id: &str,
) -> String {
    let id = format!(
        "ecs-harden/{}/{account}/{region}/{resource_type}/{resource_id}",
        control.id
    );
    if id.chars().count() <= MAX_ID_CHARS {
        return id;
    }
    // Config allows resource ids of 768 characters: keep the start and make the end unique.
    let digest = format!("/{:016x}", fnv1a(id.as_bytes()));
    let kept: String = id.chars().take(MAX_ID_CHARS - digest.len()).collect();
    kept + &digest
}

/// 64-bit FNV-1a: stable across builds and platforms, enough to tell long ids apart.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `Compliance.Status` of a verdict.
pub fn compliance_status(verdict: Option<Verdict>) -> &'static str {
    match verdict {
        Some(Verdict::Compliant) => "PASSED",
        Some(Verdict::NonCompliant) => "FAILED",
        Some(Verdict::NotApplicable) | None => "NOT_AVAILABLE",
    }
}

fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
    }
}

/// The control's requirements as Security Hub writes them in its own control findings:
/// `PCI DSS v4.0.1/1.4.4`, `NIST.800-53.r5 AC-3`; at most 32.
pub fn related_requirements(control: &Control) -> Vec<String> {
    control
        .mappings
        .iter()
        .flat_map(|mapping| {
            mapping
                .requirements
                .iter()
                .map(move |id| match mapping.framework {
                    Framework::PciDss4 => format!("PCI DSS v4.0.1/{id}"),
                    Framework::Nist80053R5 => format!("NIST.800-53.r5 {id}"),
                })
        })
        .take(MAX_RELATED_REQUIREMENTS)
        .collect()
}

fn types(control: &Control) -> Vec<&'static str> {
    let mut types = vec![BEST_PRACTICES_TYPE];
    for framework in Framework::ALL {
        if control.mapping(framework).is_some() {
            types.push(match framework {
                Framework::PciDss4 => {
                    "Software and Configuration Checks/Industry and Regulatory Standards/PCI-DSS"
                }
                Framework::Nist80053R5 => {
                    "Software and Configuration Checks/Industry and Regulatory Standards/NIST 800-53 Controls (USA)"
                }
            });
        }
    }
    types
}

/// GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as `-`.
pub fn heading_anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The control's section of docs/controls.md (`### ECS.4: <title>`).
pub fn remediation_url(control: &Control) -> String {
    format!(
        "{CONTROLS_DOCUMENT}#{}",
        heading_anchor(&format!("{}: {}", control.id, control.title))
    )
}

/// `text`, cut to `max` characters with an ellipsis.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The exception register entry that accepts a NON_COMPLIANT result, as the rule Lambdas
/// write it at the start of the annotation (`Accepted risk EXC-12 until 2027-06-30: …`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedRisk {
    pub id: String,
    pub until: Date,
}

fn accepted(result: Option<&EvaluationResult>) -> Option<AcceptedRisk> {
    result
        .filter(|r| r.verdict == Verdict::NonCompliant)
        .and_then(|r| r.annotation.as_deref())
        .and_then(accepted_in_annotation)
        .map(|(id, until)| AcceptedRisk { id, until })
}

/// The ARN of a resource Config names by id: its id when that is an ARN, else the ARN built
/// from the type's pattern (clusters and capacity providers by name, launch templates by id).
fn resource_arn(change: &ComplianceChange) -> String {
    let ComplianceChange {
        partition,
        region,
        account,
        resource_id: id,
        ..
    } = change;
    if id.starts_with("arn:") {
        return id.clone();
    }
    match change.resource_type.as_str() {
        "AWS::ECS::Cluster" => format!("arn:{partition}:ecs:{region}:{account}:cluster/{id}"),
        "AWS::ECS::TaskDefinition" => {
            format!("arn:{partition}:ecs:{region}:{account}:task-definition/{id}")
        }
        "AWS::ECS::CapacityProvider" => {
            format!("arn:{partition}:ecs:{region}:{account}:capacity-provider/{id}")
        }
        "AWS::EC2::LaunchTemplate" => {
            format!("arn:{partition}:ec2:{region}:{account}:launch-template/{id}")
        }
        _ => id.clone(),
    }
}

/// The part of an ARN after `:<kind>/`.
fn arn_path<'a>(arn: &'a str, kind: &str) -> Option<&'a str> {
    arn.splitn(6, ':')
        .nth(5)?
        .strip_prefix(kind)?
        .strip_prefix('/')
}

/// `(family, revision)` of a task definition revision's ARN.
pub fn task_definition_revision(arn: &str) -> Option<(&str, u64)> {
    let (family, revision) = arn_path(arn, "task-definition")?.rsplit_once(':')?;
    Some((family, revision.parse().ok()?))
}

/// `Resources[0]`: the ASFF type and, where the type has details, only what the resource's
/// identifier tells (the evaluation carries nothing else, and nothing of a configuration belongs
/// in a finding: environment values may be secrets).
pub fn resource(change: &ComplianceChange) -> Value {
    let arn = resource_arn(change);
    let (kind, details) = match change.resource_type.as_str() {
        "AWS::ECS::TaskDefinition" => (
            "AwsEcsTaskDefinition",
            task_definition_revision(&arn)
                .map(|(family, _)| json!({"AwsEcsTaskDefinition": {"Family": family}})),
        ),
        "AWS::ECS::Service" => (
            "AwsEcsService",
            arn_path(&arn, "service").map(|path| match path.split_once('/') {
                Some((cluster, name)) => json!({"AwsEcsService": {
                    "ServiceArn": arn,
                    "Name": name,
                    "Cluster": format!(
                        "arn:{}:ecs:{}:{}:cluster/{cluster}",
                        change.partition, change.region, change.account
                    ),
                }}),
                None => json!({"AwsEcsService": {"ServiceArn": arn, "Name": path}}),
            }),
        ),
        "AWS::ECS::Cluster" => (
            "AwsEcsCluster",
            arn_path(&arn, "cluster")
                .map(|name| json!({"AwsEcsCluster": {"ClusterArn": arn, "ClusterName": name}})),
        ),
        "AWS::EC2::LaunchTemplate" => (
            "AwsEc2LaunchTemplate",
            arn_path(&arn, "launch-template").map(|id| json!({"AwsEc2LaunchTemplate": {"Id": id}})),
        ),
        _ => ("Other", None),
    };
    let mut out = json!({
        "Type": kind,
        "Id": arn,
        "Partition": change.partition,
        "Region": change.region,
    });
    if let Some(details) = details {
        out["Details"] = details;
    }
    out
}

fn description(change: &ComplianceChange) -> String {
    let control = change.control;
    let verdict = change.new.as_ref().map(|r| r.verdict);
    let what = change
        .new
        .as_ref()
        .and_then(|r| r.annotation.clone())
        .unwrap_or_else(|| {
            match verdict {
                Some(Verdict::Compliant) => "The resource passes the control.",
                Some(Verdict::NonCompliant) => "The resource fails the control.",
                Some(Verdict::NotApplicable) => "The control does not apply to the resource.",
                None => "AWS Config no longer has an evaluation of the resource.",
            }
            .to_string()
        });
    let source = if control.is_security_hub() {
        "an AWS Security Hub control"
    } else {
        "an ecs-harden control"
    };
    cut(
        &format!(
            "{what}\n\n{} ({source}): {}. AWS Config rule {}, {} at {}.",
            control.id,
            control.title,
            change.rule_name,
            verdict.map_or("evaluation removed", Verdict::as_str),
            change.recorded_at
        ),
        MAX_DESCRIPTION_CHARS,
    )
}

/// The finding for `change`: `RecordState` ARCHIVED when the control no longer applies (the
/// resource was deleted, left the rule's scope, or is not evaluated), else ACTIVE.
pub fn finding(change: &ComplianceChange) -> Value {
    let control = change.control;
    let verdict = change.new.as_ref().map(|r| r.verdict);
    let archived = !matches!(verdict, Some(Verdict::Compliant | Verdict::NonCompliant));
    let mut product_fields = Map::new();
    product_fields.insert("ecs-harden/ControlId".into(), json!(control.id));
    product_fields.insert("ecs-harden/ConfigRuleName".into(), json!(change.rule_name));
    product_fields.insert(
        "ecs-harden/ConfigComplianceType".into(),
        json!(verdict.map_or("NONE", Verdict::as_str)),
    );
    if let Some(risk) = accepted(change.new.as_ref()) {
        product_fields.insert("ecs-harden/ExceptionId".into(), json!(risk.id));
        product_fields.insert(
            "ecs-harden/ExceptionExpires".into(),
            json!(risk.until.to_string()),
        );
    }
    json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(control, &change.account, &change.region, &change.resource_type, &change.resource_id),
        "ProductArn": product_arn(&change.partition, &change.region, &change.account),
        "ProductName": PRODUCT_NAME,
        "CompanyName": PRODUCT_NAME,
        "GeneratorId": control.id,
        "AwsAccountId": change.account,
        "CreatedAt": change.observed_at,
        "UpdatedAt": change.recorded_at,
        "LastObservedAt": change.recorded_at,
        "FindingProviderFields": {
            "Severity": {"Label": severity_label(control.severity), "Original": control.severity.as_str()},
            "Types": types(control),
        },
        "Title": cut(&format!("{} {}", control.id, control.title), MAX_TITLE_CHARS),
        "Description": description(change),
        "Remediation": {"Recommendation": {
            "Text": cut(control.remediation, MAX_RECOMMENDATION_CHARS),
            "Url": remediation_url(control),
        }},
        "ProductFields": product_fields,
        "Resources": [resource(change)],
        "Compliance": {
            "Status": compliance_status(verdict),
            "SecurityControlId": control.id,
            "RelatedRequirements": related_requirements(control),
        },
        "RecordState": if archived { "ARCHIVED" } else { "ACTIVE" },
    })
}

/// `Workflow.Status` values ecs-harden sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkflowStatus {
    New,
    Resolved,
    Suppressed,
}

impl WorkflowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::New => "NEW",
            WorkflowStatus::Resolved => "RESOLVED",
            WorkflowStatus::Suppressed => "SUPPRESSED",
        }
    }
}

/// A BatchUpdateFindings change: the workflow status, with a note saying why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowChange {
    pub status: WorkflowStatus,
    pub note: String,
}

impl WorkflowChange {
    fn new(status: WorkflowStatus, note: String) -> WorkflowChange {
        WorkflowChange {
            status,
            note: cut(&note, MAX_NOTE_CHARS),
        }
    }
}

/// Findings of older revisions of a task definition family that a passing latest revision
/// resolves: only the latest ACTIVE revision of a family is in scope of the task definition
/// controls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Superseded {
    /// The control's id: the findings' `GeneratorId`.
    pub generator_id: &'static str,
    /// `arn:…:task-definition/<family>:`, what every revision's ARN starts with.
    pub arn_prefix: String,
    pub revision: u64,
    pub change: WorkflowChange,
}

impl Superseded {
    /// Whether a finding's resource is an older revision of the family.
    pub fn covers(&self, resource_arn: &str) -> bool {
        resource_arn
            .strip_prefix(&self.arn_prefix)
            .and_then(|revision| revision.parse::<u64>().ok())
            .is_some_and(|revision| revision < self.revision)
    }
}

/// Everything a compliance change asks of Security Hub.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// To import (create or update), if any.
    pub finding: Option<Value>,
    /// To apply to that finding once Security Hub shows this version of it (an older
    /// evaluation delivered late must not resolve a newer failure).
    pub workflow: Option<WorkflowChange>,
    pub superseded: Option<Superseded>,
}

/// What to do for `change`:
///
/// | new evaluation | finding | workflow |
/// |---|---|---|
/// | COMPLIANT | PASSED, ACTIVE | RESOLVED (a task definition revision also resolves the failures of the family's older revisions) |
/// | NON_COMPLIANT, `Accepted risk <ID> until <date>: …` | FAILED, ACTIVE | SUPPRESSED, the note names the register entry |
/// | NON_COMPLIANT, accepted before but no longer | FAILED, ACTIVE | NEW, the note says the exception no longer applies |
/// | NON_COMPLIANT | FAILED, ACTIVE | unchanged (Security Hub reopens a RESOLVED finding by itself) |
/// | NOT_APPLICABLE or removed, after COMPLIANT or NON_COMPLIANT | NOT_AVAILABLE, ARCHIVED | unchanged |
/// | NOT_APPLICABLE, never evaluated otherwise | none | none |
pub fn plan(change: &ComplianceChange) -> Plan {
    let control = change.control;
    let verdict = change.new.as_ref().map(|r| r.verdict);
    let had_finding = change
        .old
        .as_ref()
        .is_some_and(|old| old.verdict != Verdict::NotApplicable);
    if !matches!(verdict, Some(Verdict::Compliant | Verdict::NonCompliant)) && !had_finding {
        return Plan {
            finding: None,
            workflow: None,
            superseded: None,
        };
    }
    let workflow = match verdict {
        Some(Verdict::Compliant) => Some(WorkflowChange::new(
            WorkflowStatus::Resolved,
            format!("Resolved: the resource passes {} (evaluated {}).", control.id, change.recorded_at),
        )),
        Some(Verdict::NonCompliant) => match (accepted(change.new.as_ref()), accepted(change.old.as_ref())) {
            (Some(risk), _) => Some(WorkflowChange::new(
                WorkflowStatus::Suppressed,
                format!(
                    "Accepted risk: exception register entry {} accepts this failure of {} until {}. \
                     The finding stays FAILED; it opens again when the entry expires or is removed.",
                    risk.id, control.id, risk.until
                ),
            )),
            (None, Some(before)) => Some(WorkflowChange::new(
                WorkflowStatus::New,
                format!(
                    "Exception register entry {} no longer accepts this failure of {} (expired or removed).",
                    before.id, control.id
                ),
            )),
            (None, None) => None,
        },
        _ => None,
    };
    let superseded = (verdict == Some(Verdict::Compliant)
        && change.resource_type == "AWS::ECS::TaskDefinition")
        .then(|| resource_arn(change))
        .and_then(|arn| {
            let (family, revision) = task_definition_revision(&arn)?;
            let (family_arn, _) = arn.rsplit_once(':')?;
            let arn_prefix = format!("{family_arn}:");
            Some(Superseded {
                generator_id: control.id,
                arn_prefix,
                revision,
                change: WorkflowChange::new(
                    WorkflowStatus::Resolved,
                    format!(
                        "Resolved by revision {revision} of {family}, which passes {} (evaluated {}): \
                         only the latest ACTIVE revision of a family is in scope.",
                        control.id, change.recorded_at
                    ),
                ),
            })
        });
    Plan {
        finding: Some(finding(change)),
        workflow,
        superseded,
    }
}
