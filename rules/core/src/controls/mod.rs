//! One file per control: its catalogue entry and its pure evaluator, with a doc comment saying
//! what it checks, why, an example and the fix. Helpers shared by several controls live here.

pub mod ecs_10;
pub mod ecs_12;
pub mod ecs_13;
pub mod ecs_14;
pub mod ecs_15;
pub mod ecs_16;
pub mod ecs_17;
pub mod ecs_18;
pub mod ecs_19;
pub mod ecs_2;
pub mod ecs_20;
pub mod ecs_21;
pub mod ecs_3;
pub mod ecs_4;
pub mod ecs_5;
pub mod ecs_8;
pub mod ecs_9;
pub mod harden_1;
pub mod harden_2;
pub mod harden_3;
pub mod harden_4;
pub mod harden_5;
pub mod harden_6;
pub mod harden_7;
pub mod harden_8;
pub mod harden_9;

use crate::catalogue::{Framework, Mapping, MappingSource};
use crate::model::{AssignPublicIp, Container, Field, Tags, TaskDefinition};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::Outcome;

pub(crate) const fn aws_pci(requirements: &'static [&'static str]) -> Mapping {
    Mapping {
        framework: Framework::PciDss4,
        requirements,
        source: MappingSource::AwsSecurityHub,
    }
}

pub(crate) const fn aws_nist(requirements: &'static [&'static str]) -> Mapping {
    Mapping {
        framework: Framework::Nist80053R5,
        requirements,
        source: MappingSource::AwsSecurityHub,
    }
}

pub(crate) const fn own_nist(requirements: &'static [&'static str]) -> Mapping {
    Mapping {
        framework: Framework::Nist80053R5,
        requirements,
        source: MappingSource::EcsHarden,
    }
}

/// NIST mapping AWS gives ECS.4, ECS.5 and ECS.17.
pub(crate) const NIST_LEAST_PRIVILEGE: &[&str] =
    &["AC-2(1)", "AC-3", "AC-3(7)", "AC-3(15)", "AC-5", "AC-6"];

/// `{name}` (a field) of a task definition equals `host`.
pub(crate) fn host_mode(field: &Field<String>, name: &str, consequence: &str) -> Outcome {
    if field.eq_ignore_case("host") {
        Outcome::non_compliant(format!("{name} is host: {consequence}"))
    } else {
        Outcome::compliant()
    }
}

/// Containers failing `offends`, or COMPLIANT.
pub(crate) fn container_offenders(
    td: &TaskDefinition,
    lead: &str,
    advice: &str,
    mut offends: impl FnMut(&Container) -> Option<String>,
) -> Outcome {
    let offenders: Vec<String> = td.containers.iter().filter_map(&mut offends).collect();
    if offenders.is_empty() {
        Outcome::compliant()
    } else {
        Outcome::offenders(lead, &offenders, advice)
    }
}

/// ECS.2 and ECS.16: `assignPublicIp` ENABLED (absent means DISABLED).
pub(crate) fn public_ip(assign_public_ip: &Field<AssignPublicIp>, what: &str) -> Outcome {
    match assign_public_ip {
        Field::Known(AssignPublicIp::Enabled) => Outcome::non_compliant(format!(
            "networkConfiguration.awsvpcConfiguration.assignPublicIp is ENABLED: the {what}'s \
             tasks get public IP addresses. Set it to DISABLED and reach the internet through a \
             NAT gateway or VPC endpoints."
        )),
        _ => Outcome::compliant(),
    }
}

/// The `requiredTagKeys` parameter of ECS.13, ECS.14 and ECS.15.
pub(crate) const REQUIRED_TAG_KEYS: [ParamSpec; 1] = [ParamSpec {
    name: "requiredTagKeys",
    kind: ParamKind::List { max_items: Some(6) },
    default: "",
    description: "Tag keys that must be present (case-sensitive, at most 6); empty means any user tag will do.",
}];

/// ECS.13–15: at least one user tag (keys starting `aws:` do not count), and every required key.
pub(crate) fn tagged(tags: &Tags, params: &Params, what: &str) -> Outcome {
    let required = params.list("requiredTagKeys");
    let user: Vec<&str> = tags.user_keys().collect();
    let missing: Vec<String> = required
        .iter()
        .filter(|key| !user.contains(&key.as_str()))
        .cloned()
        .collect();
    if tags.unknown {
        // Unresolved tags may hold what is missing: never fail on what cannot be known.
        return Outcome::compliant();
    }
    if user.is_empty() {
        let needed = if required.is_empty() {
            String::new()
        } else {
            format!(" (required tag keys: {})", required.join(", "))
        };
        return Outcome::non_compliant(format!(
            "The {what} has no user tag{needed}; keys starting aws: do not count. Add tags."
        ));
    }
    if !missing.is_empty() {
        return Outcome::offenders(
            &format!("The {what} lacks required tag keys (case-sensitive)"),
            &missing,
            "Add these tags.",
        );
    }
    Outcome::compliant()
}

/// EFS volumes whose `setting` is known and not `ENABLED` (absent fails), or COMPLIANT.
pub(crate) fn efs_offenders(
    td: &TaskDefinition,
    setting: fn(&crate::model::EfsVolume) -> &Field<String>,
    lead: &str,
    advice: &str,
) -> Outcome {
    let offenders: Vec<String> = td
        .volumes
        .iter()
        .filter(|v| match &v.efs {
            Field::Known(efs) => match setting(efs) {
                Field::Unknown => false,
                value => !value.eq_ignore_case("ENABLED"),
            },
            _ => false,
        })
        .map(|v| v.display_name().to_string())
        .collect();
    if offenders.is_empty() {
        Outcome::compliant()
    } else {
        Outcome::offenders(lead, &offenders, advice)
    }
}

/// NOT_APPLICABLE unless the task definition targets `wanted`; an unresolved OS family is
/// NOT_APPLICABLE too, since whether the control applies cannot be known.
pub(crate) fn only_for_os(
    td: &TaskDefinition,
    wanted: crate::model::OsFamily,
    control: &str,
) -> Option<Outcome> {
    use crate::model::OsFamily;
    match (td.os(), wanted) {
        (OsFamily::Unknown, _) => Some(Outcome::not_applicable(format!(
            "runtimePlatform.operatingSystemFamily is unresolved: cannot tell whether {control} applies."
        ))),
        (os, wanted) if os == wanted => None,
        (OsFamily::Windows, _) => Some(Outcome::not_applicable(format!(
            "Windows task definition: {control} covers Linux containers."
        ))),
        _ => Some(Outcome::not_applicable(format!(
            "Linux task definition: {control} covers Windows containers."
        ))),
    }
}
