//! HARDEN.5: Container images should come from trusted registries.

use super::{container_offenders, own_nist};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::image::{parse_image, registry_matches, Match};
use crate::model::{Field, TaskDefinition};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "HARDEN.5",
    slug: "images-trusted-registries",
    title: "Container images should come from trusted registries",
    severity: Severity::High,
    params: &[ParamSpec {
        name: "allowedRegistries",
        kind: ParamKind::List { max_items: None },
        default: "{account}.dkr.ecr.{region}.amazonaws.com,{account}.dkr.ecr.{region}.amazonaws.com.cn,{account}.dkr.ecr-fips.{region}.amazonaws.com,{account}.dkr-ecr.{region}.on.aws,{account}.dkr-ecr-fips.{region}.on.aws,{account}.dkr-ecr.{region}.on.amazonwebservices.com.cn",
        description: "Registry host globs: * matches within one DNS label; {account} and {region} are the resource's own (any 12-digit id / any Region when unknown). The default is the account's own private ECR registry in each of its endpoint forms: IPv4, FIPS and dual-stack, in the aws and aws-cn partitions.",
    }],
    mappings: &[own_nist(&["CM-14", "SR-11"])],
    remediation: "Mirror third-party images into your own ECR registry (pull-through cache) and reference them there, or add the registry to allowedRegistries.",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when any container image's registry host matches none of
/// `allowedRegistries` (default: the resource's own private ECR registry in every endpoint form:
/// `.amazonaws.com`, `.amazonaws.com.cn`, `dkr.ecr-fips`, dual-stack `dkr-ecr.<region>.on.aws`
/// and its FIPS and China forms). Docker Hub short names (`nginx:1.27`, `bitnami/redis:7.4`)
/// are `docker.io`. Where account or Region is unknown (a file, a template), `{account}`
/// matches any 12-digit id and `{region}` any Region. An image whose registry part is
/// unresolved (`${Repo}:1.2`) cannot be judged and never fails.
///
/// **Why**: images from public or foreign registries can change under the same tag and are
/// outside your scanning and signing controls.
///
/// **Example**: `nginx:1.27.3-alpine` fails with the default: its registry is `docker.io`.
///
/// **Fix**: an ECR pull-through cache rule, and the image referenced from your registry.
pub fn evaluate(td: &TaskDefinition, params: &Params) -> Outcome {
    let allowed = params.list("allowedRegistries");
    let account = td.account.as_deref();
    let region = td.region.as_deref();
    container_offenders(
        td,
        "image",
        "Images from untrusted registries",
        "Use a registry in allowedRegistries.",
        |c| {
            let Field::Known(image) = &c.image else {
                return None;
            };
            // A registry that is not written down cannot be judged.
            let Field::Known(registry) = parse_image(image).registry else {
                return None;
            };
            let mut verdict = Match::No;
            for pattern in allowed {
                match registry_matches(&registry, pattern, account, region) {
                    Match::Yes => return None,
                    Match::Unknown => verdict = Match::Unknown,
                    Match::No => {}
                }
            }
            (verdict == Match::No)
                .then(|| format!("{} ({})", c.display_name(), registry.display()))
        },
    )
}
