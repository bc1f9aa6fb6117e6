//! HARDEN.16: Containers on ECS container instances should not reach the instance metadata service.

use super::own_nist;
use crate::catalogue::{Control, Evaluator, Severity};
use crate::model::{Field, Hole, LaunchTemplate, Part, Text};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::verdict::{Outcome, Within};

pub static CONTROL: Control = Control {
    id: "HARDEN.16",
    slug: "instance-metadata-blocked",
    title: "Containers on ECS container instances should not reach the instance metadata service",
    severity: Severity::High,
    params: &[ParamSpec {
        name: "requireAwsvpcBlockImds",
        kind: ParamKind::Bool,
        default: "true",
        description: "Whether the user data must also set ECS_AWSVPC_BLOCK_IMDS=true (tasks in awsvpc network mode); false only for fleets that run no awsvpc tasks.",
    }],
    mappings: &[own_nist(&["AC-6", "SC-7(21)"])],
    remediation: "In the launch template set MetadataOptions HttpTokens to required and HttpPutResponseHopLimit to 1, and write ECS_AWSVPC_BLOCK_IMDS=true to /etc/ecs/ecs.config in the user data.",
    evaluator: Evaluator::LaunchTemplate(evaluate),
};

/// **What**: judges EC2 launch templates of ECS container instances: templates whose user data
/// (`LaunchTemplateData.UserData`, decoded from base64) writes `ECS_CLUSTER=` on a line that is
/// not a `#` comment. Every other template is NOT_APPLICABLE: no user data, user data without
/// `ECS_CLUSTER=`, and user data that cannot be read (unresolved, compressed or binary, or
/// left out of an AWS Config item), the last with a reason that says so. Templates that rely
/// on the ECS-optimized AMI's `default` cluster without writing `ECS_CLUSTER=`, and Windows
/// instances registered with `Initialize-ECSAgent`, are not recognised. A template in scope is
/// NON_COMPLIANT unless all of these hold, and the annotation names each that does not:
/// - `MetadataOptions.HttpTokens` is `required` (IMDSv2 only). Absent fails: the instance then
///   takes the account's IMDS default or its AMI's, `optional` unless one of them requires
///   IMDSv2.
/// - `MetadataOptions.HttpPutResponseHopLimit` is `1`. Absent fails: EC2 documents 1 as the
///   launch template's default, but an AMI with `ImdsSupport` `v2.0` (Amazon Linux 2023) gives
///   its instances 2, and an account-level default may give any value.
/// - with `requireAwsvpcBlockImds` (default `true`), the user data sets
///   `ECS_AWSVPC_BLOCK_IMDS` to a value the ECS agent reads as true (`true`, `True`, `TRUE`,
///   `t`, `T`, `1`); the last assignment counts.
///
/// Unresolved values never fail: an unresolved `HttpTokens` or hop limit, an
/// `ECS_AWSVPC_BLOCK_IMDS=` followed by an unresolved value or a shell variable, and user data
/// with an unresolved part at the start of a line (which may be the setting). Unresolved parts
/// inside a line (`ECS_CLUSTER=${Cluster}`) are values, not settings. `HttpEndpoint` is not
/// read: the ECS agent itself needs the instance metadata service.
///
/// **Why**: a container that reaches the instance metadata service gets the instance role's
/// credentials, what the ECS agent may do, instead of its task role's. With IMDSv2 required
/// and a hop limit of 1, a `bridge`-mode container (one network hop from the instance) cannot
/// get a token; IMDSv1 calls ignore the hop limit, hence `required`. `awsvpc` tasks are kept
/// out by the agent's `ECS_AWSVPC_BLOCK_IMDS`. Nothing keeps `host`-mode tasks out (HARDEN.3
/// can forbid that mode). AWS's own advice for `bridge` mode is an iptables rule dropping
/// `169.254.169.254` from `docker+` interfaces, which this control does not read.
///
/// **Example**: user data `echo ECS_CLUSTER=web >> /etc/ecs/ecs.config` with
/// `HttpTokens: optional` fails naming `HttpTokens`; with `required`, hop limit 1 and
/// `echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config` it passes.
///
/// **Fix**: `MetadataOptions: {HttpTokens: required, HttpPutResponseHopLimit: 1}` and
/// `ECS_AWSVPC_BLOCK_IMDS=true` in `/etc/ecs/ecs.config` from the user data.
pub fn evaluate(template: &LaunchTemplate, params: &Params) -> Outcome {
    let user_data = match &template.user_data {
        Field::Absent => {
            return Outcome::not_applicable(
                "The launch template has no user data: it does not register an ECS container instance.",
            )
        }
        Field::Unknown => {
            return Outcome::not_applicable(
                "The launch template's user data is unresolved, compressed or not recorded: cannot tell whether it registers an ECS container instance.",
            )
        }
        Field::Known(text) => UserData::read(text),
    };
    if !user_data.registers_cluster {
        return Outcome::not_applicable(if user_data.open_lines {
            "The known part of the user data does not write ECS_CLUSTER=, and an unresolved part may: cannot tell whether it registers an ECS container instance."
        } else {
            "The user data does not write ECS_CLUSTER=: not an ECS container instance."
        });
    }

    let mut offences = Vec::new();
    let mut first: Option<&'static str> = None;
    let mut offend = |field: &'static str, offence: String| {
        first.get_or_insert(field);
        offences.push(offence);
    };
    match &template.http_tokens {
        Field::Known(tokens) if tokens.eq_ignore_ascii_case("required") => {}
        Field::Known(tokens) => offend("httpTokens", format!("HttpTokens is {tokens}")),
        Field::Absent => offend("httpTokens", "HttpTokens is not set".into()),
        Field::Unknown => {}
    }
    match &template.http_put_response_hop_limit {
        Field::Known(1) | Field::Unknown => {}
        Field::Known(limit) => offend(
            "httpPutResponseHopLimit",
            format!("HttpPutResponseHopLimit is {limit}"),
        ),
        Field::Absent => offend(
            "httpPutResponseHopLimit",
            "HttpPutResponseHopLimit is not set".into(),
        ),
    }
    if params.boolean("requireAwsvpcBlockImds") {
        match user_data.block_imds {
            Setting::True | Setting::Unknown => {}
            Setting::Other(value) => offend(
                "userData",
                format!("user data sets ECS_AWSVPC_BLOCK_IMDS={value}"),
            ),
            Setting::Unset if user_data.open_lines => {}
            Setting::Unset => offend(
                "userData",
                "user data does not set ECS_AWSVPC_BLOCK_IMDS=true".into(),
            ),
        }
    }
    match first {
        None => Outcome::compliant(),
        Some(field) => Outcome::offenders(
            "Containers can reach the instance metadata service",
            &offences,
            "Set HttpTokens required, HttpPutResponseHopLimit 1 and ECS_AWSVPC_BLOCK_IMDS=true.",
        )
        .at(Within::Resource, field),
    }
}

/// What the user data says about the ECS agent's settings.
struct UserData {
    /// A line that is not a comment writes `ECS_CLUSTER=`.
    registers_cluster: bool,
    /// A line starts with an unresolved part, which may be any setting.
    open_lines: bool,
    /// The last `ECS_AWSVPC_BLOCK_IMDS=` outside comments.
    block_imds: Setting,
}

/// The value of an agent setting.
#[derive(Debug, PartialEq, Eq)]
enum Setting {
    Unset,
    True,
    Other(String),
    /// Set to an unresolved part or a shell variable.
    Unknown,
}

/// Stands for an unresolved part while the text is read line by line; user data never holds
/// it (a NUL byte ends a shell script's line and is not valid in cloud-init's formats).
const HOLE: char = '\0';

impl UserData {
    fn read(text: &Text) -> UserData {
        let flat: String = text
            .parts()
            .iter()
            .map(|part| match part {
                Part::Literal(literal) => literal.replace(HOLE, ""),
                Part::Hole(Hole::OwnAccount | Hole::OwnRegion) => "x".to_string(),
                Part::Hole(_) => HOLE.to_string(),
            })
            .collect();
        let mut out = UserData {
            registers_cluster: false,
            open_lines: false,
            block_imds: Setting::Unset,
        };
        for line in flat.lines() {
            let line = line.trim_start();
            if line.starts_with('#') {
                continue;
            }
            if line.starts_with(HOLE) {
                out.open_lines = true;
            }
            if setting_values(line, "ECS_CLUSTER").next().is_some() {
                out.registers_cluster = true;
            }
            for value in setting_values(line, "ECS_AWSVPC_BLOCK_IMDS") {
                out.block_imds = value;
            }
        }
        out
    }
}

/// The values `line` assigns to `name` (`NAME=value`, the name not part of a longer one).
fn setting_values<'a>(line: &'a str, name: &'a str) -> impl Iterator<Item = Setting> + 'a {
    line.match_indices(name)
        .filter(move |(at, _)| {
            let before = line[..*at].chars().next_back();
            !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && line[*at + name.len()..].starts_with('=')
        })
        .map(move |(at, _)| value_of(&line[at + name.len() + 1..]))
}

/// The value at the start of `rest`, after an optional quote: letters and digits up to the
/// first other character.
fn value_of(rest: &str) -> Setting {
    let rest = rest.trim_start_matches(['"', '\'']);
    if rest.starts_with(HOLE) || rest.starts_with('$') {
        return Setting::Unknown;
    }
    let value: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    // The agent reads booleans with Go's strconv.ParseBool.
    if ["1", "t", "T", "TRUE", "true", "True"].contains(&value.as_str()) {
        Setting::True
    } else {
        Setting::Other(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(parts: Vec<Part>) -> UserData {
        UserData::read(&Text::from_parts(parts))
    }

    fn literal(text: &str) -> Part {
        Part::Literal(text.to_string())
    }

    #[test]
    fn settings_are_read_from_lines_that_are_not_comments() {
        let data = read(vec![literal(
            "#!/bin/bash\n# ECS_AWSVPC_BLOCK_IMDS=true is set below\necho \"ECS_CLUSTER=web\" >> /etc/ecs/ecs.config\necho ECS_AWSVPC_BLOCK_IMDS=false >> /etc/ecs/ecs.config\necho 'ECS_AWSVPC_BLOCK_IMDS=True' >> /etc/ecs/ecs.config\n",
        )]);
        assert!(data.registers_cluster);
        assert!(!data.open_lines);
        assert_eq!(data.block_imds, Setting::True);
        let commented = read(vec![literal("# ECS_CLUSTER=web\nMY_ECS_CLUSTER=web\n")]);
        assert!(!commented.registers_cluster);
    }

    #[test]
    fn unresolved_values_and_lines_are_told_apart() {
        let value_hole = read(vec![
            literal("ECS_CLUSTER="),
            Part::Hole(Hole::Parameter("Cluster".into())),
            literal("\nECS_AWSVPC_BLOCK_IMDS="),
            Part::Hole(Hole::Parameter("Block".into())),
            literal("\n"),
        ]);
        assert!(value_hole.registers_cluster && !value_hole.open_lines);
        assert_eq!(value_hole.block_imds, Setting::Unknown);
        let line_hole = read(vec![
            literal("ECS_CLUSTER=web\n"),
            Part::Hole(Hole::Expression("!Ref ExtraSettings".into())),
        ]);
        assert!(line_hole.open_lines);
        assert_eq!(line_hole.block_imds, Setting::Unset);
        let shell = read(vec![literal(
            "ECS_CLUSTER=web\nECS_AWSVPC_BLOCK_IMDS=\"$BLOCK\"\n",
        )]);
        assert_eq!(shell.block_imds, Setting::Unknown);
        let no = read(vec![literal("ECS_CLUSTER=web\nECS_AWSVPC_BLOCK_IMDS=no\n")]);
        assert_eq!(no.block_imds, Setting::Other("no".into()));
    }
}
