//! One file per control: its catalogue entry and its pure evaluator, with a doc comment saying
//! what it checks, why, an example and the fix. Helpers shared by several controls live here.

/// The one list of controls: each name is a module of this folder (declared here) and, in this
/// order, an entry of `crate::catalogue::CATALOGUE`. Adding a control is adding its name here.
macro_rules! controls {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every control, in catalogue order.
        pub(crate) static ALL: &[&crate::catalogue::Control] = &[$(&$module::CONTROL),*];

        /// Each control's source file, in catalogue order: the generated docs quote the doc
        /// comment of its evaluator.
        pub(crate) static SOURCES: &[&str] = &[$(include_str!(concat!(stringify!($module), ".rs"))),*];
    };
}

// One control a line, so that adding one is adding a line.
#[rustfmt::skip]
controls![
    ecs_2,
    ecs_3,
    ecs_4,
    ecs_5,
    ecs_8,
    ecs_9,
    ecs_10,
    ecs_12,
    ecs_13,
    ecs_14,
    ecs_15,
    ecs_16,
    ecs_17,
    ecs_18,
    ecs_19,
    ecs_20,
    ecs_21,
    harden_1,
    harden_2,
    harden_3,
    harden_4,
    harden_5,
    harden_6,
    harden_7,
    harden_8,
    harden_9,
    harden_10,
    harden_11,
    harden_12,
    harden_13,
    harden_14,
    harden_15,
    harden_16,
];

use crate::catalogue::{Framework, Mapping, MappingSource};
use crate::model::{AssignPublicIp, Container, Field, Tags, TaskDefinition};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::{Outcome, Within};

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

pub(crate) const fn own_pci(requirements: &'static [&'static str]) -> Mapping {
    Mapping {
        framework: Framework::PciDss4,
        requirements,
        source: MappingSource::EcsHarden,
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
pub(crate) fn host_mode(field: &Field<String>, name: &'static str, consequence: &str) -> Outcome {
    if field.eq_ignore_case("host") {
        Outcome::non_compliant(format!("{name} is host: {consequence}")).at(Within::Resource, name)
    } else {
        Outcome::compliant()
    }
}

/// Containers failing `offends`, or COMPLIANT; the outcome points at `field` of the first
/// offending container.
pub(crate) fn container_offenders(
    td: &TaskDefinition,
    field: &'static str,
    lead: &str,
    advice: &str,
    mut offends: impl FnMut(&Container) -> Option<String>,
) -> Outcome {
    let mut first = None;
    let offenders: Vec<String> = td
        .containers
        .iter()
        .filter_map(|c| {
            let offence = offends(c)?;
            first.get_or_insert(c.index);
            Some(offence)
        })
        .collect();
    match first {
        None => Outcome::compliant(),
        Some(index) => {
            Outcome::offenders(lead, &offenders, advice).at(Within::Container(index), field)
        }
    }
}

/// ECS.2 and ECS.16: `assignPublicIp` ENABLED (absent means DISABLED).
pub(crate) fn public_ip(assign_public_ip: &Field<AssignPublicIp>, what: &str) -> Outcome {
    match assign_public_ip {
        Field::Known(AssignPublicIp::Enabled) => Outcome::non_compliant(format!(
            "networkConfiguration.awsvpcConfiguration.assignPublicIp is ENABLED: the {what}'s \
             tasks get public IP addresses. Set it to DISABLED and reach the internet through a \
             NAT gateway or VPC endpoints."
        ))
        .at(Within::Resource, "assignPublicIp"),
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
    if tags.incomplete {
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
        ))
        .at(Within::Resource, "tags");
    }
    if !missing.is_empty() {
        return Outcome::offenders(
            &format!("The {what} lacks required tag keys (case-sensitive)"),
            &missing,
            "Add these tags.",
        )
        .at(Within::Resource, "tags");
    }
    Outcome::compliant()
}

/// EFS volumes whose `setting` is known and not `ENABLED` (absent fails), or COMPLIANT.
pub(crate) fn efs_offenders(
    td: &TaskDefinition,
    setting: fn(&crate::model::EfsVolume) -> &Field<String>,
    field: &'static str,
    lead: &str,
    advice: &str,
) -> Outcome {
    let mut first = None;
    let offenders: Vec<String> = td
        .volumes
        .iter()
        .enumerate()
        .filter(|(_, v)| match &v.efs {
            Field::Known(efs) => match setting(efs) {
                Field::Unknown => false,
                value => !value.eq_ignore_case("ENABLED"),
            },
            _ => false,
        })
        .map(|(index, v)| {
            first.get_or_insert(index);
            v.display_name().to_string()
        })
        .collect();
    match first {
        None => Outcome::compliant(),
        Some(index) => {
            Outcome::offenders(lead, &offenders, advice).at(Within::Volume(index), field)
        }
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
