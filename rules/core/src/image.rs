//! Container image references: registry host, tag and digest, and registry globs. Images may be
//! only partly known (`${Repo}:latest`, `${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app`):
//! what the known parts settle is known, and an unresolved part is never read as a tag or a
//! registry.

use crate::model::{Field, Hole, Part, Text};

/// Stand-ins for the unresolved parts of an image while it is taken apart. They are private-use
/// characters, which no image reference contains.
const OWN_ACCOUNT: char = '\u{E000}';
const OWN_REGION: char = '\u{E001}';
const UNRESOLVED: char = '\u{E002}';

/// The parts of an image reference such as
/// `111122223333.dkr.ecr.us-east-1.amazonaws.com/app/api:2.1@sha256:…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host, with its port when one is given; `docker.io` for Docker Hub short names.
    pub registry: Field<Registry>,
    pub tag: Field<String>,
    pub digest: Field<String>,
    /// The repository path after the registry (`app/api`), when it is written out.
    pub repository: Field<String>,
}

impl ImageRef {
    /// Whether the image is a CDK container asset: the bootstrap repository
    /// (`cdk-<qualifier>-container-assets-<account>-<region>`) with the asset's content hash
    /// as its tag. The tag names the image's content, so it is as good as a digest.
    pub fn is_cdk_container_asset(&self) -> bool {
        let repository = self
            .repository
            .known()
            .map(String::as_str)
            .unwrap_or_default();
        let tag = self.tag.known().map(String::as_str).unwrap_or_default();
        repository.starts_with("cdk-")
            && repository.contains("-container-assets-")
            && tag.len() == 64
            && tag.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

/// A registry host whose account and Region labels may be the resource's own, unresolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registry(String);

impl Registry {
    /// The host as a person reads it.
    pub fn display(&self) -> String {
        self.0
            .replace(OWN_ACCOUNT, "${AWS::AccountId}")
            .replace(OWN_REGION, "${AWS::Region}")
    }
}

/// Docker Hub, the registry of short names such as `nginx:1.27` or `bitnami/redis:7.4`.
pub const DOCKER_HUB: &str = "docker.io";

fn render(image: &Text) -> String {
    let mut out = String::new();
    for part in image.parts() {
        match part {
            Part::Literal(text) => out.push_str(text),
            Part::Hole(Hole::OwnAccount) => out.push(OWN_ACCOUNT),
            Part::Hole(Hole::OwnRegion) => out.push(OWN_REGION),
            Part::Hole(Hole::Parameter(_) | Hole::Expression(_)) => out.push(UNRESOLVED),
        }
    }
    out
}

/// Takes an image reference apart.
pub fn parse_image(image: &Text) -> ImageRef {
    let rendered = render(image);
    let (name, digest) = match rendered.split_once('@') {
        Some((name, digest)) => {
            let digest = if !digest.contains(UNRESOLVED) {
                Field::Known(digest.to_string())
            } else if digest.starts_with("sha256:") {
                // The algorithm is written; only the hash is unresolved.
                Field::Known("sha256:".to_string())
            } else {
                Field::Unknown
            };
            (name, digest)
        }
        None => {
            let last = rendered.rsplit('/').next().unwrap_or(&rendered);
            // An unresolved part at the end of the name may hold `@sha256:…`; one followed by
            // a written `:tag` cannot.
            let open_end = last
                .rsplit(UNRESOLVED)
                .next()
                .is_some_and(|after| !after.contains(':'));
            let digest = if last.contains(UNRESOLVED) && open_end {
                Field::Unknown
            } else {
                Field::Absent
            };
            (rendered.as_str(), digest)
        }
    };
    let registry = match name.split_once('/') {
        Some((first, _)) if first.contains(UNRESOLVED) => Field::Unknown,
        Some((first, _))
            if first.contains('.')
                || first.contains(':')
                || first == "localhost"
                || first.contains(OWN_ACCOUNT) =>
        {
            Field::Known(Registry(first.to_string()))
        }
        Some(_) => Field::Known(Registry(DOCKER_HUB.to_string())),
        // No `/`: a Docker Hub short name, unless an unresolved part before the tag may hold
        // a registry (`${Image}`, `${Repo}:1.2`). One after the `:` is a tag, which cannot
        // hold a `/` (`redis:${Version}`).
        None if name
            .split(':')
            .next()
            .is_some_and(|n| n.contains(UNRESOLVED)) =>
        {
            Field::Unknown
        }
        None => Field::Known(Registry(DOCKER_HUB.to_string())),
    };
    let repository = match (&registry, name.split_once('/')) {
        (Field::Known(Registry(host)), Some((first, rest))) if host == first => {
            let path = rest.rsplit_once(':').map_or(rest, |(path, _)| path);
            if path.contains(UNRESOLVED) {
                Field::Unknown
            } else {
                Field::Known(path.to_string())
            }
        }
        (Field::Known(_), _) if !name.contains(UNRESOLVED) => {
            let path = name.rsplit_once(':').map_or(name, |(path, _)| path);
            Field::Known(path.to_string())
        }
        _ => Field::Unknown,
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = match last.rsplit_once(':') {
        Some((_, tag)) if tag.contains(UNRESOLVED) => Field::Unknown,
        Some((_, "")) => Field::Absent,
        Some((_, tag)) => Field::Known(tag.to_string()),
        None if last.contains(UNRESOLVED) => Field::Unknown,
        None => Field::Absent,
    };
    ImageRef {
        registry,
        repository,
        tag,
        digest: match digest {
            Field::Known(d) if d.is_empty() => Field::Absent,
            other => other,
        },
    }
}

/// Three-valued answer for matches involving values CloudFormation leaves unresolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    Yes,
    No,
    Unknown,
}

/// Whether a registry host matches an `allowedRegistries` glob: `*` matches within one DNS
/// label, `{account}`/`{region}` are the resource's own (any 12-digit id / any Region when
/// unknown). A host label that is the unresolved own account or Region matches the
/// corresponding placeholder or `*`, and is unknown against anything else.
pub fn registry_matches(
    registry: &Registry,
    pattern: &str,
    account: Option<&str>,
    region: Option<&str>,
) -> Match {
    let host = registry.0.as_str();
    let with_port = host_matches(host, pattern, account, region);
    if with_port == Match::Yes {
        return Match::Yes;
    }
    match host.rsplit_once(':') {
        Some((bare, port))
            if port.bytes().all(|b| b.is_ascii_digit()) && !pattern.contains(':') =>
        {
            host_matches(bare, pattern, account, region)
        }
        _ => with_port,
    }
}

fn host_matches(host: &str, pattern: &str, account: Option<&str>, region: Option<&str>) -> Match {
    let dots = |text: &str| text.bytes().filter(|b| *b == b'.').count();
    if dots(host) != dots(pattern) {
        return Match::No;
    }
    let mut result = Match::Yes;
    for (label, glob) in host.split('.').zip(pattern.split('.')) {
        let m = if label.len() == OWN_ACCOUNT.len_utf8() && label.starts_with(OWN_ACCOUNT) {
            match glob {
                "{account}" | "*" => Match::Yes,
                "{region}" => Match::No,
                _ => Match::Unknown,
            }
        } else if label.len() == OWN_REGION.len_utf8() && label.starts_with(OWN_REGION) {
            match glob {
                "{region}" | "*" => Match::Yes,
                "{account}" => Match::No,
                _ => Match::Unknown,
            }
        } else if glob_label(label.as_bytes(), glob.as_bytes(), account, region) {
            Match::Yes
        } else if label.contains(OWN_ACCOUNT) || label.contains(OWN_REGION) {
            // Part of the label is the unknown account or Region (`acme-${AWS::Region}`).
            Match::Unknown
        } else {
            Match::No
        };
        match m {
            Match::No => return Match::No,
            Match::Unknown => result = Match::Unknown,
            Match::Yes => {}
        }
    }
    result
}

fn glob_label(text: &[u8], glob: &[u8], account: Option<&str>, region: Option<&str>) -> bool {
    if glob.is_empty() {
        return text.is_empty();
    }
    if glob[0] == b'*' {
        return (0..=text.len()).any(|skip| glob_label(&text[skip..], &glob[1..], account, region));
    }
    if let Some(rest) = glob.strip_prefix(b"{account}") {
        return match account {
            Some(acct) => text
                .strip_prefix(acct.as_bytes())
                .is_some_and(|t| glob_label(t, rest, account, region)),
            None => {
                text.len() >= 12
                    && text[..12].iter().all(u8::is_ascii_digit)
                    && glob_label(&text[12..], rest, account, region)
            }
        };
    }
    if let Some(rest) = glob.strip_prefix(b"{region}") {
        return match region {
            Some(r) => text
                .strip_prefix(r.as_bytes())
                .is_some_and(|t| glob_label(t, rest, account, region)),
            None => (1..=text.len()).any(|end| {
                is_region(&text[..end]) && glob_label(&text[end..], rest, account, region)
            }),
        };
    }
    !text.is_empty()
        && text[0].eq_ignore_ascii_case(&glob[0])
        && glob_label(&text[1..], &glob[1..], account, region)
}

/// `us-east-1`, `ap-southeast-2`, `us-gov-west-1`, `eu-central-2`…
fn is_region(text: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(image: &str) -> ImageRef {
        parse_image(&Text::literal(image))
    }

    fn registry(host: &str) -> Registry {
        Registry(host.to_string())
    }

    #[test]
    fn docker_hub_short_names() {
        assert_eq!(
            literal("nginx:1.27.3-alpine").registry,
            Field::Known(registry(DOCKER_HUB))
        );
        assert_eq!(
            literal("bitnami/redis:7.4.2").registry,
            Field::Known(registry(DOCKER_HUB))
        );
        assert_eq!(literal("nginx").tag, Field::Absent);
    }

    #[test]
    fn a_registry_port_is_not_a_tag() {
        let image = literal("registry.acme.internal:5000/reports/builder");
        assert_eq!(
            image.registry,
            Field::Known(registry("registry.acme.internal:5000"))
        );
        assert_eq!(image.tag, Field::Absent);
        let image = literal("registry.acme.internal:5000/reports/builder:2.0@sha256:abc");
        assert_eq!(image.tag, Field::Known("2.0".into()));
        assert_eq!(image.digest, Field::Known("sha256:abc".into()));
    }

    fn sub(parts: Vec<Part>) -> ImageRef {
        parse_image(&Text::from_parts(parts))
    }

    fn lit(text: &str) -> Part {
        Part::Literal(text.into())
    }

    fn expr(name: &str) -> Part {
        Part::Hole(Hole::Expression(format!("!Ref {name}")))
    }

    #[test]
    fn known_parts_settle_what_they_can() {
        // ${Repo}:latest is tagged latest whatever Repo is; nothing is known of its registry.
        let image = sub(vec![expr("Repo"), lit(":latest")]);
        assert_eq!(image.tag, Field::Known("latest".into()));
        assert_eq!(image.digest, Field::Absent);
        assert_eq!(image.registry, Field::Unknown);
        // The account's own ECR, unresolved: no tag, and the registry is the own account's.
        let image = sub(vec![
            Part::Hole(Hole::OwnAccount),
            lit(".dkr.ecr."),
            Part::Hole(Hole::OwnRegion),
            lit(".amazonaws.com/app"),
        ]);
        assert_eq!(image.tag, Field::Absent);
        assert_eq!(image.digest, Field::Absent);
        assert!(matches!(image.registry, Field::Known(_)));
        // An unresolved part is never a tag, a digest or a registry.
        let image = sub(vec![expr("Image")]);
        assert_eq!(
            (image.registry, image.tag, image.digest),
            (Field::Unknown, Field::Unknown, Field::Unknown)
        );
        let image = sub(vec![lit("acme.io/app:"), expr("Tag")]);
        assert_eq!(image.tag, Field::Unknown);
        assert_eq!(image.registry, Field::Known(registry("acme.io")));
        let image = sub(vec![expr("Registry"), lit("/team/app")]);
        assert_eq!(image.tag, Field::Absent);
        assert_eq!(image.registry, Field::Unknown);
        let image = sub(vec![lit("redis:"), expr("Version")]);
        assert_eq!(image.registry, Field::Known(registry(DOCKER_HUB)));
        assert_eq!(image.tag, Field::Unknown);
        let image = sub(vec![lit("acme.io/app@sha256:"), expr("Digest")]);
        assert_eq!(image.digest, Field::Known("sha256:".into()));
    }

    #[test]
    fn cdk_container_assets_are_pinned_by_their_content_hash() {
        let hash = "a".repeat(64);
        let image = sub(vec![
            Part::Hole(Hole::OwnAccount),
            lit(".dkr.ecr."),
            Part::Hole(Hole::OwnRegion),
            lit(".amazonaws.com/cdk-hnb659fds-container-assets-"),
            Part::Hole(Hole::OwnAccount),
            lit("-"),
            Part::Hole(Hole::OwnRegion),
            lit(&format!(":{hash}")),
        ]);
        assert!(image.is_cdk_container_asset());
        assert!(!literal("acme.io/cdk-x-container-assets-1-2:latest").is_cdk_container_asset());
        assert_eq!(
            literal("acme.io/team/app:1.2").repository,
            Field::Known("team/app".into())
        );
        assert_eq!(literal("nginx:1").repository, Field::Known("nginx".into()));
    }

    #[test]
    fn globs_stay_within_a_label() {
        let host = registry("111122223333.dkr.ecr.us-east-1.amazonaws.com");
        assert_eq!(
            registry_matches(&host, "*.amazonaws.com", None, None),
            Match::No
        );
        assert_eq!(
            registry_matches(&host, "*.dkr.ecr.us-east-1.amazonaws.com", None, None),
            Match::Yes
        );
        assert_eq!(
            registry_matches(
                &host,
                "{account}.dkr.ecr.{region}.amazonaws.com",
                None,
                None
            ),
            Match::Yes
        );
        assert_eq!(
            registry_matches(
                &host,
                "{account}.dkr.ecr.{region}.amazonaws.com",
                Some("444455556666"),
                Some("us-east-1")
            ),
            Match::No
        );
        assert_eq!(
            registry_matches(
                &registry("12345.dkr.ecr.us-east-1.amazonaws.com"),
                "{account}.dkr.ecr.{region}.amazonaws.com",
                None,
                None
            ),
            Match::No
        );
    }

    #[test]
    fn unresolved_own_account_and_region() {
        let image = sub(vec![
            Part::Hole(Hole::OwnAccount),
            lit(".dkr.ecr."),
            Part::Hole(Hole::OwnRegion),
            lit(".amazonaws.com/app:1"),
        ]);
        let Field::Known(host) = image.registry else {
            panic!("registry should be known")
        };
        assert_eq!(
            host.display(),
            "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com"
        );
        assert_eq!(
            registry_matches(
                &host,
                "{account}.dkr.ecr.{region}.amazonaws.com",
                None,
                None
            ),
            Match::Yes
        );
        assert_eq!(
            registry_matches(
                &host,
                "111122223333.dkr.ecr.us-east-1.amazonaws.com",
                None,
                None
            ),
            Match::Unknown
        );
        assert_eq!(registry_matches(&host, "ghcr.io", None, None), Match::No);
    }
}
