//! `doctor`: a read-only preflight of the organization before `cargo xtask deploy`, run with
//! credentials of the delegated administrator. Two steps, as in `scan`:
//!
//! 1. [`fetch`] reads AWS (Organizations, Account Management, the Config aggregator,
//!    CloudFormation) into [`Facts`]; a call that fails is kept as its error, never a crash.
//! 2. [`checks::lines`] turns the facts into the checklist, one [`Line`] per check, each failing
//!    line with the command that fixes it. Pure, so every verdict is unit-tested.
//!
//! A FAIL line means the deploy would fail (exit 1); a WARN line says what could not be
//! checked or needs a look elsewhere (exit 0).

mod checks;
mod fetch;
mod render;

use std::fmt;

use anyhow::bail;
use ecs_harden_aws::errors::CallContext;
use ecs_harden_core::runner::io::ApiError;

/// The member role name the CDK app uses unless `memberRoleName` says otherwise.
pub const DEFAULT_MEMBER_ROLE: &str = "ecs-harden-member";

/// The gate's member role name the CDK app uses unless `gateMemberRoleName` says otherwise.
pub fn default_gate_member_role(member: &str) -> String {
    format!("{member}-gate")
}

/// Roles the CDK app's member template creates in every target account: the two account-wide
/// roles and, per Region, the forwarder of `RegisterTaskDefinition` events.
pub fn member_template_roles(member: &str, gate_member: &str, regions: &[String]) -> Vec<String> {
    let mut names = vec![member.to_string(), gate_member.to_string()];
    names.extend(
        regions
            .iter()
            .map(|r| format!("ecs-harden-gate-forward-{r}")),
    );
    names
}

/// What the user asked for.
pub struct Options {
    pub profile: Option<String>,
    pub regions: Vec<String>,
    pub target_ous: Vec<String>,
    /// Accounts of the target OUs the StackSet leaves out (`excludedAccounts`).
    pub excluded_accounts: Vec<String>,
    /// When set, the only accounts the StackSet deploys to (`configSourceAccounts`).
    pub config_source_accounts: Vec<String>,
    pub member_role_name: String,
    pub gate_member_role_name: String,
    pub format: Format,
    /// Show AWS errors as AWS reported them, beside the explanation.
    pub verbose: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Checks the arguments (exit 2 when they are wrong), reads AWS, prints the checklist; 1 when
/// a line failed.
pub fn run(options: Options) -> anyhow::Result<u8> {
    validate(&options)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    let facts = runtime.block_on(fetch::facts(&options))?;
    let lines = checks::lines(&facts, &options);
    let rendered = match options.format {
        Format::Text => render::text(&facts, &options, &lines),
        Format::Json => render::json(&facts, &options, &lines),
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = std::io::Write::write_all(&mut stdout, rendered.as_bytes());
    Ok(if lines.iter().any(|l| l.status == Status::Fail) {
        1
    } else {
        0
    })
}

/// Usage errors, before any call: Region names, OU ids and role names that AWS would refuse.
fn validate(options: &Options) -> anyhow::Result<()> {
    for region in &options.regions {
        if !is_region_name(region) {
            bail!("--region {region:?} is not a Region name (such as eu-west-1)");
        }
    }
    for target in &options.target_ous {
        if !is_ou_or_root(target) {
            bail!("--target-ous {target:?} is neither an OU id (ou-xxxx-xxxxxxxx) nor a root id (r-xxxx)");
        }
    }
    for (flag, accounts) in [
        ("--excluded-accounts", &options.excluded_accounts),
        ("--config-source-accounts", &options.config_source_accounts),
    ] {
        if let Some(bad) = accounts
            .iter()
            .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
        {
            bail!("{flag} {bad:?} is not a 12-digit account id");
        }
    }
    for (flag, name) in [
        ("--member-role-name", &options.member_role_name),
        ("--gate-member-role-name", &options.gate_member_role_name),
    ] {
        if !is_role_name(name) {
            bail!(
                "{flag} {name:?} is not an IAM role name (1 to 64 of letters, digits and +=,.@_-)"
            );
        }
    }
    if options.member_role_name == options.gate_member_role_name {
        bail!(
            "--gate-member-role-name must differ from --member-role-name, as the CDK app requires"
        );
    }
    Ok(())
}

fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// `ou-` + 4–32 root characters + `-` + 8–32 characters, or `r-` + 4–32 characters
/// (Organizations' patterns).
fn is_ou_or_root(id: &str) -> bool {
    let lower_alnum = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    if let Some(rest) = id.strip_prefix("ou-") {
        return rest.split_once('-').is_some_and(|(root, ou)| {
            (4..=32).contains(&root.len())
                && (8..=32).contains(&ou.len())
                && lower_alnum(root)
                && lower_alnum(ou)
        });
    }
    id.strip_prefix("r-")
        .is_some_and(|root| (4..=32).contains(&root.len()) && lower_alnum(root))
}

fn is_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// Result of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// The checks, in the order they are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    CallerIdentity,
    Organization,
    TrustedAccess,
    DelegatedAdministrator,
    TargetAccounts,
    OptInRegion,
    Recorder,
    RoleNames,
    CdkBootstrap,
}

impl Check {
    /// The id in JSON output.
    pub fn id(self) -> &'static str {
        match self {
            Check::CallerIdentity => "caller-identity",
            Check::Organization => "organization",
            Check::TrustedAccess => "trusted-access",
            Check::DelegatedAdministrator => "delegated-administrator",
            Check::TargetAccounts => "target-accounts",
            Check::OptInRegion => "opt-in-region",
            Check::Recorder => "recorder",
            Check::RoleNames => "role-names",
            Check::CdkBootstrap => "cdk-bootstrap",
        }
    }
}

/// One line of the checklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub status: Status,
    pub check: Check,
    /// What was checked, with the account and Region it concerns.
    pub title: String,
    pub account: Option<String>,
    pub region: Option<String>,
    /// What was found.
    pub message: String,
    /// How to fix it: commands or console steps, one per entry (empty on OK lines).
    pub fix: Vec<String>,
    /// The AWS error behind the line, as AWS reported it (shown with --verbose).
    pub aws_error: Option<String>,
}

impl Line {
    fn new(
        status: Status,
        check: Check,
        title: impl Into<String>,
        message: impl Into<String>,
    ) -> Line {
        Line {
            status,
            check,
            title: title.into(),
            account: None,
            region: None,
            message: message.into(),
            fix: Vec::new(),
            aws_error: None,
        }
    }

    fn account(mut self, account: &str) -> Line {
        self.account = Some(account.to_string());
        self
    }

    fn region(mut self, region: &str) -> Line {
        self.region = Some(region.to_string());
        self
    }

    fn fix(mut self, fix: impl IntoIterator<Item = String>) -> Line {
        self.fix.extend(fix);
        self
    }

    fn aws_error(mut self, error: &ApiError) -> Line {
        self.aws_error = Some(error.to_string());
        self
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.label(),
            self.title,
            self.message
        )
    }
}

/// Everything read from AWS.
#[derive(Clone, Debug)]
pub struct Facts {
    /// Where the calls went, to explain their failures.
    pub calls: CallContext,
    /// The Regions checked (`--region`, else the profile's).
    pub regions: Vec<String>,
    /// What was read, or why the caller's account could not be known (then nothing was).
    pub read: Result<Read, ApiError>,
}

/// What was read with the caller's credentials; each part that could not be read is its error.
#[derive(Clone, Debug)]
pub struct Read {
    /// The caller's account.
    pub caller: String,
    pub organization: Result<Organization, ApiError>,
    /// Service principals with trusted access.
    pub trusted_access: Result<Vec<String>, ApiError>,
    /// For each service principal the deploy needs, its delegated administrators.
    pub delegated_administrators: Vec<(&'static str, Result<Vec<String>, ApiError>)>,
    pub targets: Result<Vec<Account>, TargetError>,
    /// Opt-in status of every Region of the partition, for the caller's account.
    pub region_status: Result<Vec<(String, String)>, ApiError>,
    pub config: ConfigView,
    /// Per Region of `regions`: the CDK bootstrap stack, if there is one.
    pub bootstrap: Vec<(String, Result<Option<Bootstrap>, ApiError>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub management_account: String,
    /// `ALL` or `CONSOLIDATED_BILLING`.
    pub feature_set: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
}

/// Why the target accounts could not be listed.
#[derive(Clone, Debug)]
pub enum TargetError {
    /// An id of `--target-ous` is not in the organization.
    UnknownTarget(String, ApiError),
    Unreadable(ApiError),
}

/// What the organization's Config aggregator says.
#[derive(Clone, Debug)]
pub enum ConfigView {
    /// No aggregator with an organization source in the caller's account, in any of these
    /// Regions.
    NoAggregator {
        searched: Vec<String>,
    },
    /// The aggregators of the caller's account could not be listed in a Region.
    Unreadable {
        region: String,
        error: ApiError,
    },
    Found(Box<Aggregated>),
}

#[derive(Clone, Debug)]
pub struct Aggregated {
    pub aggregator: Aggregator,
    /// The organization source's status, per Region.
    pub sources: Result<Vec<SourceStatus>, ApiError>,
    /// Every configuration recorder the aggregator knows, in every account and Region.
    pub recorders: Result<Vec<Recorder>, ApiError>,
    /// Roles of the member template's names that already exist.
    pub roles: Result<Vec<ExistingRole>, ApiError>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aggregator {
    pub name: String,
    /// Where it lives (and where its calls go).
    pub region: String,
    pub all_regions: bool,
    pub regions: Vec<String>,
}

impl Aggregator {
    pub fn covers(&self, region: &str) -> bool {
        self.all_regions || self.regions.iter().any(|r| r == region)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceStatus {
    pub region: String,
    /// `SUCCEEDED`, `FAILED` or `OUTDATED`.
    pub status: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// A configuration recorder as the aggregator has it (`AWS::Config::ConfigurationRecorder`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorder {
    pub account: String,
    pub region: String,
    pub name: String,
    /// `configuration.Recording`: whether the recorder is started; absent when the item does
    /// not say.
    pub recording: Option<bool>,
    pub group: RecordingGroup,
}

/// `configuration.RecordingGroup` of a recorder item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordingGroup {
    pub all_supported: bool,
    pub include_global_resource_types: bool,
    pub resource_types: Vec<String>,
    pub exclusion_resource_types: Vec<String>,
    /// `RecordingStrategy.UseOnly`.
    pub strategy: Option<String>,
}

impl RecordingGroup {
    /// Whether the recorder records `resource_type`, as the RecordingGroup reference reads:
    /// an exclusion list records everything else; `AllSupported` records every type but the
    /// global IAM types, which need `IncludeGlobalResourceTypes`; otherwise the listed types.
    pub fn records(&self, resource_type: &str) -> bool {
        if self.strategy.as_deref() == Some("EXCLUSION_BY_RESOURCE_TYPES") {
            return !self
                .exclusion_resource_types
                .iter()
                .any(|t| t == resource_type);
        }
        if self.all_supported {
            return !resource_type.starts_with("AWS::IAM::") || self.include_global_resource_types;
        }
        self.resource_types.iter().any(|t| t == resource_type)
    }
}

/// A role of one of the member template's names that exists in an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingRole {
    pub account: String,
    pub name: String,
    /// Made by an earlier ecs-harden deploy from this delegated administrator: its policies
    /// name this account's ecs-harden roles or gate bus. `None` when its configuration could
    /// not be read.
    pub ours: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bootstrap {
    pub status: String,
    /// The stack's `BootstrapVersion` output.
    pub version: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        Options {
            profile: None,
            regions: vec!["eu-west-1".into()],
            target_ous: vec!["ou-ab12-cdef3456".into(), "r-ab12".into()],
            excluded_accounts: vec!["111122223333".into()],
            config_source_accounts: Vec::new(),
            member_role_name: "ecs-harden-member".into(),
            gate_member_role_name: "ecs-harden-member-gate".into(),
            format: Format::Text,
            verbose: false,
        }
    }

    #[test]
    fn arguments_aws_would_refuse_are_usage_errors() {
        assert!(validate(&options()).is_ok());
        type Change = fn(&mut Options);
        let cases: [(&str, Change); 6] = [
            ("--region \"eu_west_1\"", |o| {
                o.regions = vec!["eu_west_1".into()]
            }),
            ("--target-ous \"ou-1\"", |o| {
                o.target_ous = vec!["ou-1".into()]
            }),
            ("--target-ous \"123456789012\"", |o| {
                o.target_ous = vec!["123456789012".into()]
            }),
            ("--member-role-name \"a b\"", |o| {
                o.member_role_name = "a b".into()
            }),
            ("--excluded-accounts \"1111\"", |o| {
                o.excluded_accounts = vec!["1111".into()]
            }),
            ("must differ", |o| {
                o.gate_member_role_name = o.member_role_name.clone()
            }),
        ];
        for (expected, change) in cases {
            let mut o = options();
            change(&mut o);
            let error = validate(&o).expect_err(expected).to_string();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn recording_groups_follow_the_recording_group_reference() {
        let all = RecordingGroup {
            all_supported: true,
            ..RecordingGroup::default()
        };
        assert!(all.records("AWS::ECS::TaskDefinition"));
        assert!(!all.records("AWS::IAM::Role"));
        let all_global = RecordingGroup {
            include_global_resource_types: true,
            ..all.clone()
        };
        assert!(all_global.records("AWS::IAM::Role"));
        let listed = RecordingGroup {
            resource_types: vec!["AWS::IAM::Role".into()],
            strategy: Some("INCLUSION_BY_RESOURCE_TYPES".into()),
            ..RecordingGroup::default()
        };
        assert!(listed.records("AWS::IAM::Role"));
        assert!(!listed.records("AWS::ECS::Service"));
        let excluding = RecordingGroup {
            exclusion_resource_types: vec!["AWS::ECS::TaskSet".into()],
            strategy: Some("EXCLUSION_BY_RESOURCE_TYPES".into()),
            ..RecordingGroup::default()
        };
        assert!(excluding.records("AWS::IAM::Role"));
        assert!(!excluding.records("AWS::ECS::TaskSet"));
    }

    /// The names doctor checks are the ones the CDK app gives its member roles
    /// (cdk/lib/config.ts): the defaults and the forwarder's per-Region name.
    #[test]
    fn the_member_template_roles_follow_the_cdk_app() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../cdk/lib/config.ts");
        let config = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e} (the CDK app is part of the repository)"));
        let names = member_template_roles(DEFAULT_MEMBER_ROLE, "G", &["R".into()]);
        for expected in [
            format!("str(ctx, 'memberRoleName', '{}')", names[0]),
            format!(
                "str(ctx, 'gateMemberRoleName', `{}`)",
                default_gate_member_role("${memberRoleName}")
            ),
            format!(
                "forwardRole: (region: string) => `{}`",
                names[2].replace('R', "${region}")
            ),
        ] {
            assert!(
                config.contains(&expected),
                "cdk/lib/config.ts no longer says {expected}: update member_template_roles and DEFAULT_MEMBER_ROLE"
            );
        }
    }
}
