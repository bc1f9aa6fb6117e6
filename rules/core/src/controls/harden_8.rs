//! HARDEN.8: Service Connect endpoints should use TLS.

use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, Service};
use crate::params::Params;
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "HARDEN.8",
    slug: "service-connect-tls",
    title: "ECS Service Connect endpoints should use TLS",
    severity: Severity::Medium,
    params: &[],
    mappings: &[],
    remediation: "Add a tls block (issuerCertificateAuthority with an AWS Private CA, kmsKey, roleArn) to every serviceConnectConfiguration.services[] entry.",
    evaluator: Evaluator::Service(evaluate),
};

/// **What**: with Service Connect enabled, NON_COMPLIANT when any
/// `serviceConnectConfiguration.services[]` entry has no `tls`. The API reports the
/// configuration inside the `PRIMARY` entry of `deployments[]`; CloudFormation and Config at
/// the top level. Client-only configurations (no `services[]`) are COMPLIANT; Service Connect
/// absent or disabled is NOT_APPLICABLE.
///
/// **Why**: without TLS, traffic between services crosses the VPC in clear text.
///
/// **Example**: a `payments-http` endpoint without `tls` fails and is named.
///
/// **Fix**: a `tls` block with an AWS Private CA issuer.
pub fn evaluate(service: &Service, _params: &Params) -> Outcome {
    judge(service, _params).at(Within::Resource, "serviceConnectConfiguration")
}

fn judge(service: &Service, _params: &Params) -> Outcome {
    let sc = match &service.service_connect {
        Field::Absent => {
            return Outcome::not_applicable("The service does not use Service Connect.")
        }
        Field::Unknown => return Outcome::compliant(),
        Field::Known(sc) => sc,
    };
    match sc.enabled {
        Field::Known(true) => {}
        Field::Unknown => return Outcome::compliant(),
        _ => return Outcome::not_applicable("Service Connect is not enabled."),
    }
    let Field::Known(services) = &sc.services else {
        return Outcome::compliant();
    };
    let offenders: Vec<String> = services
        .iter()
        .filter(|s| s.tls == Field::Known(false))
        .map(|s| s.display_name().to_string())
        .collect();
    if offenders.is_empty() {
        Outcome::compliant()
    } else {
        Outcome::offenders(
            "Service Connect endpoints without tls",
            &offenders,
            "Add a tls block with a Private CA.",
        )
    }
}
