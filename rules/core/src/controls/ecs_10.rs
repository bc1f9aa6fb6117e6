//! ECS.10: ECS Fargate services should run on the latest Fargate platform version.

use super::aws_nist;
use super::aws_pci;
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, Service};
use crate::params::{ParamKind, ParamSpec, Params, Version};
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "ECS.10",
    slug: "fargate-platform-latest",
    title: "ECS Fargate services should run on the latest Fargate platform version",
    severity: Severity::Medium,
    params: &[
        ParamSpec {
            name: "latestLinuxVersion",
            kind: ParamKind::Version,
            default: "1.4.0",
            description: "Latest Fargate platform version for Linux.",
        },
        ParamSpec {
            name: "latestWindowsVersion",
            kind: ParamKind::Version,
            default: "1.0.0",
            description: "Latest Fargate platform version for Windows.",
        },
    ],
    mappings: &[
        aws_pci(&["6.3.3"]),
        aws_nist(&["SI-2", "SI-2(2)", "SI-2(4)", "SI-2(5)"]),
    ],
    remediation: "Set platformVersion to LATEST (or remove it) and redeploy the service.",
    evaluator: Evaluator::Service(evaluate),
};

/// **What**: for a Fargate service (launch type `FARGATE`, or a capacity provider strategy of
/// only `FARGATE`/`FARGATE_SPOT`), NON_COMPLIANT when `platformVersion` is neither `LATEST` nor
/// at least the latest version for its OS family (`platformFamily` `WINDOWS_*` → Windows, else
/// Linux). Versions compare numerically; absent means `LATEST`. Non-Fargate services,
/// services naming neither launch type nor strategy, and CODE_DEPLOY/EXTERNAL deployment
/// controllers (versions live on task sets) are NOT_APPLICABLE.
///
/// **Why**: old platform versions miss kernel, runtime and agent security fixes.
///
/// **Example**: `"platformVersion": "1.3.0"` on Linux fails.
///
/// **Fix**: `LATEST`, then force a new deployment.
pub fn evaluate(service: &Service, params: &Params) -> Outcome {
    judge(service, params).at(Within::Resource, "platformVersion")
}

fn judge(service: &Service, params: &Params) -> Outcome {
    if let Field::Known(controller) = &service.deployment_controller {
        if controller.eq_ignore_ascii_case("CODE_DEPLOY")
            || controller.eq_ignore_ascii_case("EXTERNAL")
        {
            return Outcome::not_applicable(format!(
                "Deployment controller {controller}: platform versions are set on task sets."
            ));
        }
    }
    match is_fargate(service) {
        Some(true) => {}
        Some(false) => return Outcome::not_applicable("Not a Fargate service."),
        None => {
            return Outcome::not_applicable(
                "Neither launch type nor capacity provider strategy identifies a Fargate service.",
            )
        }
    }
    let version = match &service.platform_version {
        Field::Absent | Field::Unknown => return Outcome::compliant(),
        Field::Known(v) if v.eq_ignore_ascii_case("LATEST") => return Outcome::compliant(),
        Field::Known(v) => v,
    };
    let windows = service
        .platform_family
        .known()
        .is_some_and(|f| f.to_ascii_uppercase().starts_with("WINDOWS"));
    let (os, key) = if windows {
        ("Windows", "latestWindowsVersion")
    } else {
        ("Linux", "latestLinuxVersion")
    };
    let Some(latest) = params.version(key) else {
        return Outcome::compliant();
    };
    match Version::parse(version) {
        Some(v) if &v >= latest => Outcome::compliant(),
        Some(_) => Outcome::non_compliant(format!(
            "platformVersion {version} is older than the latest {os} Fargate platform version \
             {latest}. Use LATEST."
        )),
        None => Outcome::non_compliant(format!(
            "platformVersion {version:?} is neither LATEST nor a version number. Use LATEST."
        )),
    }
}

/// Some(true) for Fargate, Some(false) for another launch type, None when not identifiable.
fn is_fargate(service: &Service) -> Option<bool> {
    match &service.launch_type {
        Field::Known(launch_type) => return Some(launch_type.eq_ignore_ascii_case("FARGATE")),
        Field::Unknown => return None,
        Field::Absent => {}
    }
    if service.capacity_providers.incomplete || service.capacity_providers.is_empty() {
        return None;
    }
    let mut all_fargate = true;
    for provider in &service.capacity_providers {
        match provider {
            Field::Known(p) if p == "FARGATE" || p == "FARGATE_SPOT" => {}
            Field::Known(_) => return Some(false),
            _ => all_fargate = false,
        }
    }
    all_fargate.then_some(true)
}
