//! Container image references: registry host, tag and digest, and registry globs.

use crate::parse::tree::{OWN_ACCOUNT_MARKER, OWN_REGION_MARKER};

/// The parts of an image reference such as
/// `111122223333.dkr.ecr.us-east-1.amazonaws.com/app/api:2.1@sha256:…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Registry host, with its port when one is given; `docker.io` for Docker Hub short names.
    pub registry: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Docker Hub, the registry of short names such as `nginx:1.27` or `bitnami/redis:7.4`.
pub const DOCKER_HUB: &str = "docker.io";

pub fn parse_image(image: &str) -> ImageRef<'_> {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let (registry, path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first, rest)
        }
        _ => (DOCKER_HUB, name),
    };
    let last = path.rsplit('/').next().unwrap_or(path);
    let tag = last
        .split_once(':')
        .map(|(_, tag)| tag)
        .filter(|t| !t.is_empty());
    ImageRef {
        registry,
        tag,
        digest: digest.filter(|d| !d.is_empty()),
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
/// unknown). A host label that is an unresolved `${AWS::AccountId}`/`${AWS::Region}` matches
/// the corresponding placeholder or `*`, and is unknown against anything else.
pub fn registry_matches(
    host: &str,
    pattern: &str,
    account: Option<&str>,
    region: Option<&str>,
) -> Match {
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
    let host_labels: Vec<&str> = host.split('.').collect();
    let pattern_labels: Vec<&str> = pattern.split('.').collect();
    if host_labels.len() != pattern_labels.len() {
        return Match::No;
    }
    let mut result = Match::Yes;
    for (label, glob) in host_labels.iter().zip(&pattern_labels) {
        let m = if *label == OWN_ACCOUNT_MARKER {
            match *glob {
                "{account}" | "*" => Match::Yes,
                "{region}" => Match::No,
                _ => Match::Unknown,
            }
        } else if *label == OWN_REGION_MARKER {
            match *glob {
                "{region}" | "*" => Match::Yes,
                "{account}" => Match::No,
                _ => Match::Unknown,
            }
        } else if glob_label(label.as_bytes(), glob.as_bytes(), account, region) {
            Match::Yes
        } else if label.contains(OWN_ACCOUNT_MARKER) || label.contains(OWN_REGION_MARKER) {
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

    #[test]
    fn docker_hub_short_names() {
        assert_eq!(parse_image("nginx:1.27.3-alpine").registry, DOCKER_HUB);
        assert_eq!(parse_image("bitnami/redis:7.4.2").registry, DOCKER_HUB);
        assert_eq!(parse_image("nginx").tag, None);
    }

    #[test]
    fn a_registry_port_is_not_a_tag() {
        let image = parse_image("registry.acme.internal:5000/reports/builder");
        assert_eq!(image.registry, "registry.acme.internal:5000");
        assert_eq!(image.tag, None);
        let image = parse_image("registry.acme.internal:5000/reports/builder:2.0@sha256:abc");
        assert_eq!(image.tag, Some("2.0"));
        assert_eq!(image.digest, Some("sha256:abc"));
    }

    #[test]
    fn globs_stay_within_a_label() {
        let host = "111122223333.dkr.ecr.us-east-1.amazonaws.com";
        assert_eq!(
            registry_matches(host, "*.amazonaws.com", None, None),
            Match::No
        );
        assert_eq!(
            registry_matches(host, "*.dkr.ecr.us-east-1.amazonaws.com", None, None),
            Match::Yes
        );
        assert_eq!(
            registry_matches(host, "{account}.dkr.ecr.{region}.amazonaws.com", None, None),
            Match::Yes
        );
        assert_eq!(
            registry_matches(
                host,
                "{account}.dkr.ecr.{region}.amazonaws.com",
                Some("444455556666"),
                Some("us-east-1")
            ),
            Match::No
        );
        assert_eq!(
            registry_matches(
                "12345.dkr.ecr.us-east-1.amazonaws.com",
                "{account}.dkr.ecr.{region}.amazonaws.com",
                None,
                None
            ),
            Match::No
        );
    }

    #[test]
    fn unresolved_pseudo_parameters() {
        let host = "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com";
        assert_eq!(
            registry_matches(host, "{account}.dkr.ecr.{region}.amazonaws.com", None, None),
            Match::Yes
        );
        assert_eq!(
            registry_matches(
                host,
                "111122223333.dkr.ecr.us-east-1.amazonaws.com",
                None,
                None
            ),
            Match::Unknown
        );
        assert_eq!(registry_matches(host, "ghcr.io", None, None), Match::No);
    }
}
