//! HARDEN.6: Container images should be pinned by tag or digest, never `latest`.

use super::{container_offenders, own_nist};
use crate::catalogue::{Control, Evaluator, Severity};
use crate::image::parse_image;
use crate::model::{Field, TaskDefinition};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::Outcome;

pub static CONTROL: Control = Control {
    id: "HARDEN.6",
    slug: "images-pinned",
    title: "Container images should be pinned to a version or digest",
    severity: Severity::Medium,
    params: &[ParamSpec {
        name: "requireDigest",
        kind: ParamKind::Bool,
        default: "false",
        description: "When true, every image must be pinned by @sha256: digest.",
    }],
    mappings: &[own_nist(&["CM-14", "SR-11"])],
    remediation: "Reference images by an immutable version tag or, better, by @sha256: digest (and enable ECR tag immutability).",
    evaluator: Evaluator::TaskDefinition(evaluate),
};

/// **What**: NON_COMPLIANT when any image has neither tag nor digest, has tag `latest` without
/// a digest, or (with `requireDigest` true) has no `@sha256:` digest. A registry port such as
/// `:5000` is not a tag; a digest pins the image whatever its tag. A CDK container asset (the
/// bootstrap `cdk-…-container-assets-…` repository, tagged with the asset's content hash)
/// counts as pinned by digest. Only what is written decides: `${Repo}:latest` is tagged
/// `latest`, an image whose tag or digest is unresolved never fails.
///
/// **Why**: a mutable reference means the code that runs can change without a new task
/// definition revision, and a rollback may not roll back.
///
/// **Example**: `payments-api:latest` fails; `payments-api:2.14.3` passes.
///
/// **Fix**: an immutable tag, or `@sha256:…`.
pub fn evaluate(td: &TaskDefinition, params: &Params) -> Outcome {
    let require_digest = params.boolean("requireDigest");
    container_offenders(
        td,
        "image",
        "Images not pinned",
        "Pin a version tag or @sha256: digest.",
        |c| {
            let Field::Known(image) = &c.image else {
                return None;
            };
            let parsed = parse_image(image);
            let problem = match (&parsed.digest, require_digest) {
                // Whatever an unresolved part holds may be the digest: never fail on it.
                (Field::Unknown, _) => None,
                (Field::Known(digest), true) if digest.starts_with("sha256:") => None,
                (_, true) if parsed.is_cdk_container_asset() => None,
                (_, true) => Some("no @sha256: digest"),
                (Field::Known(_), false) => None,
                (Field::Absent, false) => match parsed.tag.as_str() {
                    Field::Absent => Some("no tag or digest"),
                    Field::Known("latest") => Some(":latest"),
                    _ => None,
                },
            };
            problem.map(|p| format!("{} ({p})", c.display_name()))
        },
    )
}
