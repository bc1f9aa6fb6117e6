//! The checklist from the facts: pure, one function per check. Every FAIL line carries the
//! command that fixes it; a read that failed is a WARN line saying what could not be checked,
//! with the explanation every command of the CLI gives ([`ecs_harden_aws::errors::explain`]).

use std::collections::{BTreeMap, BTreeSet};

use ecs_harden_aws::errors::{explain, CallContext, Problem};
use ecs_harden_core::catalogue::CATALOGUE;
use ecs_harden_core::runner::io::ApiError;

use super::{
    member_template_roles, Account, Aggregated, Check, ConfigView, Facts, Line, Options, Read,
    Recorder, Status, TargetError,
};

/// The lowest `BootstrapVersion` the pinned CDK deploys with: aws-cdk-lib's
/// DefaultStackSynthesizer puts a `CheckBootstrapVersion` rule requiring 6 into every template
/// (`requiresBootstrapStackVersion` in cdk.out/manifest.json).
pub const MIN_BOOTSTRAP_VERSION: u32 = 6;

/// A service principal the deploy needs trusted access and a delegated administrator for.
struct Principal {
    name: &'static str,
    purpose: &'static str,
    /// Turns trusted access on, in the management account.
    enable: &'static str,
}

const PRINCIPALS: [Principal; 3] = [
    Principal {
        name: "config.amazonaws.com",
        purpose: "AWS Config (the organization aggregator)",
        enable: "aws organizations enable-aws-service-access --service-principal config.amazonaws.com",
    },
    Principal {
        name: "config-multiaccountsetup.amazonaws.com",
        purpose: "AWS Config rules and conformance packs across accounts",
        enable: "aws organizations enable-aws-service-access --service-principal config-multiaccountsetup.amazonaws.com",
    },
    Principal {
        name: "member.org.stacksets.cloudformation.amazonaws.com",
        purpose: "CloudFormation StackSets with service-managed permissions",
        enable: "aws cloudformation activate-organizations-access   (or: CloudFormation console, StackSets, Activate trusted access)",
    },
];

/// The service principals, in the order they are checked.
pub fn principals() -> impl Iterator<Item = &'static str> {
    PRINCIPALS.iter().map(|p| p.name)
}

/// The checklist, in order.
pub fn lines(facts: &Facts, options: &Options) -> Vec<Line> {
    let read = match &facts.read {
        Ok(read) => read,
        Err(error) => {
            let explained = explain(error, &facts.calls);
            return vec![Line::new(
                Status::Fail,
                Check::CallerIdentity,
                "Caller identity",
                format!("{} Nothing else can be checked.", explained.summary),
            )
            .fix(non_empty(explained.fix))
            .aws_error(error)];
        }
    };
    let caller = read.caller.as_str();
    let mut out = Vec::new();
    let management = organization(facts, read, &mut out);
    trusted_access(facts, read, management, &mut out);
    delegated_administrators(facts, read, caller, management, &mut out);
    let targets = target_accounts(facts, read, options, &mut out);
    opt_in_regions(facts, read, caller, management, &mut out);
    config_view(facts, read, caller, targets.as_deref(), options, &mut out);
    cdk_bootstrap(facts, read, caller, &mut out);
    out
}

fn non_empty(fix: String) -> Vec<String> {
    if fix.is_empty() {
        Vec::new()
    } else {
        vec![fix]
    }
}

/// A WARN line for a read that failed: the check named by `title` cannot be made, and why.
fn unreadable(check: Check, title: &str, error: &ApiError, calls: &CallContext) -> Line {
    let explained = explain(error, calls);
    Line::new(
        Status::Warn,
        check,
        title,
        format!("cannot be checked. {}", explained.summary),
    )
    .fix(non_empty(explained.fix))
    .aws_error(error)
}

fn in_management(management: Option<&str>) -> String {
    match management {
        Some(account) => format!("In the management account ({account}):"),
        None => "In the management account:".to_string(),
    }
}

fn in_account(account: &str, region: &str) -> String {
    format!("With credentials of account {account}, in {region}:")
}

/// The organization; its management account when known.
fn organization<'a>(facts: &Facts, read: &'a Read, out: &mut Vec<Line>) -> Option<&'a str> {
    match &read.organization {
        Ok(org) if org.feature_set != "ALL" => {
            out.push(
                Line::new(
                    Status::Fail,
                    Check::Organization,
                    format!("Organization {}", org.id),
                    format!(
                        "has feature set {}; StackSets with service-managed permissions and delegated administrators need all features",
                        org.feature_set
                    ),
                )
                .fix([
                    in_management(Some(&org.management_account)),
                    "aws organizations enable-all-features   (then every member account accepts the handshake)".to_string(),
                ]),
            );
            Some(org.management_account.as_str())
        }
        Ok(org) => {
            out.push(Line::new(
                Status::Ok,
                Check::Organization,
                format!("Organization {}", org.id),
                format!(
                    "all features enabled, management account {}",
                    org.management_account
                ),
            ));
            Some(org.management_account.as_str())
        }
        Err(error) if error.code == "AWSOrganizationsNotInUseException" => {
            out.push(
                Line::new(
                    Status::Fail,
                    Check::Organization,
                    "Organization",
                    "this account is not in an AWS Organization; ecs-harden deploys to an organization's accounts",
                )
                .fix(["Run doctor with credentials of the organization's delegated administrator account (--profile).".to_string()])
                .aws_error(error),
            );
            None
        }
        Err(error) => {
            out.push(unreadable(
                Check::Organization,
                "Organization",
                error,
                &facts.calls,
            ));
            None
        }
    }
}

fn trusted_access(facts: &Facts, read: &Read, management: Option<&str>, out: &mut Vec<Line>) {
    let enabled = match &read.trusted_access {
        Ok(enabled) => enabled,
        Err(error) => {
            let mut line = unreadable(
                Check::TrustedAccess,
                "Trusted access for AWS Config and StackSets",
                error,
                &facts.calls,
            );
            if explain(error, &facts.calls).problem == Problem::AccessDenied {
                line.message.push_str(" Organizations answers ListAWSServiceAccessForOrganization only in the management account and in delegated administrators.");
                line.fix.push(format!(
                    "{} aws organizations list-aws-service-access-for-organization   (it must list {})",
                    in_management(management),
                    principals().collect::<Vec<_>>().join(", ")
                ));
            }
            out.push(line);
            return;
        }
    };
    for principal in &PRINCIPALS {
        let title = format!("Trusted access for {}", principal.name);
        if enabled.iter().any(|e| e == principal.name) {
            out.push(Line::new(
                Status::Ok,
                Check::TrustedAccess,
                title,
                format!("enabled for {}", principal.purpose),
            ));
        } else {
            out.push(
                Line::new(
                    Status::Fail,
                    Check::TrustedAccess,
                    title,
                    format!(
                        "not enabled: {} cannot act in the organization",
                        principal.purpose
                    ),
                )
                .fix([in_management(management), principal.enable.to_string()]),
            );
        }
    }
}

fn register_command(account: &str, principal: &str) -> String {
    format!(
        "aws organizations register-delegated-administrator --account-id {account} --service-principal {principal}"
    )
}

fn delegated_administrators(
    facts: &Facts,
    read: &Read,
    caller: &str,
    management: Option<&str>,
    out: &mut Vec<Line>,
) {
    if management == Some(caller) {
        let mut fix = vec![
            "Run doctor and the deploy with credentials of the delegated administrator account. To make one, in this management account:".to_string(),
        ];
        fix.extend(principals().map(|p| register_command("<ADMIN_ACCOUNT_ID>", p)));
        out.push(
            Line::new(
                Status::Fail,
                Check::DelegatedAdministrator,
                format!("Delegated administrator {caller}"),
                "this is the organization's management account, which cannot be a delegated administrator; the CDK app creates the StackSet as a delegated administrator (CallAs DELEGATED_ADMIN)",
            )
            .account(caller)
            .fix(fix),
        );
        return;
    }
    for (principal, admins) in &read.delegated_administrators {
        let title = format!("Delegated administrator for {principal}");
        match admins {
            Ok(admins) if admins.iter().any(|a| a == caller) => out.push(
                Line::new(
                    Status::Ok,
                    Check::DelegatedAdministrator,
                    title,
                    format!("{caller} is registered"),
                )
                .account(caller),
            ),
            Ok(admins) => {
                let others = if admins.is_empty() {
                    "no account is registered".to_string()
                } else {
                    format!("registered: {}", admins.join(", "))
                };
                out.push(
                    Line::new(
                        Status::Fail,
                        Check::DelegatedAdministrator,
                        title,
                        format!("{caller} is not registered ({others})"),
                    )
                    .account(caller)
                    .fix([
                        in_management(management),
                        register_command(caller, principal),
                    ]),
                );
            }
            Err(error) => {
                let mut line =
                    unreadable(Check::DelegatedAdministrator, &title, error, &facts.calls)
                        .account(caller);
                if explain(error, &facts.calls).problem == Problem::AccessDenied {
                    line.message.push_str(" Organizations answers ListDelegatedAdministrators only in the management account and in delegated administrators, so this account is probably not registered for any service.");
                    line.fix.extend([
                        in_management(management),
                        register_command(caller, principal),
                    ]);
                }
                out.push(line);
            }
        }
    }
}

/// The StackSet's targets, as the checklist names them.
pub fn targets_text(options: &Options) -> String {
    if options.target_ous.is_empty() {
        "the whole organization".to_string()
    } else {
        options.target_ous.join(", ")
    }
}

/// The accounts the StackSet deploys the member template to: the listed ones, less
/// `excludedAccounts`, and only those of `configSourceAccounts` when it is set.
fn deployed_to(listed: &[Account], options: &Options) -> Vec<Account> {
    listed
        .iter()
        .filter(|a| !options.excluded_accounts.contains(&a.id))
        .filter(|a| {
            options.config_source_accounts.is_empty()
                || options.config_source_accounts.contains(&a.id)
        })
        .cloned()
        .collect()
}

fn target_accounts(
    facts: &Facts,
    read: &Read,
    options: &Options,
    out: &mut Vec<Line>,
) -> Option<Vec<Account>> {
    let title = format!("Target accounts in {}", targets_text(options));
    match &read.targets {
        Ok(listed) => {
            let accounts = deployed_to(listed, options);
            let left_out = listed.len() - accounts.len();
            let scoped = if left_out > 0 {
                format!(" ({left_out} more left out by --excluded-accounts or --config-source-accounts)")
            } else {
                String::new()
            };
            if accounts.is_empty() {
                out.push(
                    Line::new(
                        Status::Warn,
                        Check::TargetAccounts,
                        title,
                        format!("no active member account{scoped}: the StackSet would deploy to no account (it never deploys to the management account)"),
                    )
                    .fix(["Check --target-ous against the CDK app's targetOus: aws organizations list-organizational-units-for-parent --parent-id <root or OU id>".to_string()]),
                );
            } else {
                out.push(Line::new(
                    Status::Ok,
                    Check::TargetAccounts,
                    title,
                    format!(
                        "{} active member account(s){scoped}; the management account is left out, as StackSets leave it out",
                        accounts.len()
                    ),
                ));
            }
            Some(accounts)
        }
        Err(TargetError::UnknownTarget(target, error)) => {
            out.push(
                Line::new(
                    Status::Fail,
                    Check::TargetAccounts,
                    title,
                    format!(
                        "{target} is not an OU or root of this organization ({})",
                        error.code
                    ),
                )
                .fix([
                    "Use the ids of your OUs (the CDK app's targetOus): aws organizations list-roots, then aws organizations list-organizational-units-for-parent --parent-id <root id>".to_string(),
                ])
                .aws_error(error),
            );
            None
        }
        Err(TargetError::Unreadable(error)) => {
            out.push(unreadable(
                Check::TargetAccounts,
                &title,
                error,
                &facts.calls,
            ));
            None
        }
    }
}

fn opt_in_regions(
    facts: &Facts,
    read: &Read,
    caller: &str,
    management: Option<&str>,
    out: &mut Vec<Line>,
) {
    let statuses: BTreeMap<&str, &str> = match &read.region_status {
        Ok(list) => list.iter().map(|(r, s)| (r.as_str(), s.as_str())).collect(),
        Err(error) => {
            out.push(unreadable(
                Check::OptInRegion,
                "Opt-in Regions",
                error,
                &facts.calls,
            ));
            return;
        }
    };
    let in_management_account = |region: &str| {
        format!(
            "{} aws account get-region-opt-status --region-name {region}   (enable it with aws account enable-region --region-name {region})",
            in_management(management)
        )
    };
    for region in &facts.regions {
        let title = format!("Region {region}");
        let line = match statuses.get(region.as_str()).copied() {
            Some("ENABLED_BY_DEFAULT") => Line::new(
                Status::Ok,
                Check::OptInRegion,
                title,
                "enabled by default in every account",
            ),
            Some("ENABLED") => Line::new(
                Status::Warn,
                Check::OptInRegion,
                title,
                format!("an opt-in Region, enabled in {caller}; StackSets also need it enabled in the management account, which doctor cannot read (the recorder check covers the target accounts)"),
            )
            .fix([in_management_account(region)]),
            Some("ENABLING") => Line::new(
                Status::Warn,
                Check::OptInRegion,
                title,
                format!("still being enabled in {caller}; this can take minutes to hours"),
            )
            .fix([format!(
                "Wait until aws account get-region-opt-status --region-name {region} says ENABLED, then run doctor again."
            )]),
            Some(status) => Line::new(
                Status::Fail,
                Check::OptInRegion,
                title,
                format!("{status} in {caller}: an opt-in Region that is not enabled; stack instances there fail"),
            )
            .fix([
                format!("aws account enable-region --region-name {region}   (in {caller})"),
                in_management_account(region),
                format!("And for each target account, from the management account: aws account enable-region --account-id <account> --region-name {region}"),
            ]),
            None => Line::new(
                Status::Fail,
                Check::OptInRegion,
                title,
                format!("not a Region of {caller}'s partition"),
            )
            .fix(["Leave it out of --region and the CDK app's regions, or correct its name (aws account list-regions).".to_string()]),
        };
        out.push(line.account(caller).region(region));
    }
}

/// The resource types the rules evaluate, from the catalogue: a recorder must record them for
/// the rules to see anything.
fn evaluated_types() -> BTreeSet<&'static str> {
    CATALOGUE
        .iter()
        .map(|c| c.resource_type())
        .filter(|t| !t.is_related_only())
        .map(|t| t.aws_name())
        .collect()
}

const IAM_ROLE: &str = "AWS::IAM::Role";
/// The name prefix AWS Config reserves for service-linked recorders.
const SERVICE_LINKED_PREFIX: &str = "AWSConfigurationRecorderFor";
const RECORDERS_TITLE: &str = "Config recorders and delivery channels";
const ROLES_TITLE: &str = "Role names";

fn config_view(
    facts: &Facts,
    read: &Read,
    caller: &str,
    targets: Option<&[Account]>,
    options: &Options,
    out: &mut Vec<Line>,
) {
    let Some(targets) = targets else {
        for (check, title) in [
            (Check::Recorder, RECORDERS_TITLE),
            (Check::RoleNames, ROLES_TITLE),
        ] {
            out.push(Line::new(
                Status::Warn,
                check,
                title,
                "cannot be checked without the list of target accounts (see the target accounts line)",
            ));
        }
        return;
    };
    match &read.config {
        ConfigView::NoAggregator { searched } => {
            let region = searched.first().map_or("<region>", String::as_str);
            let create = [
                "The deploy creates the aggregator ecs-harden-organization; to check before the first deploy, create one in this account:".to_string(),
                r#"aws iam create-role --role-name ecs-harden-doctor-aggregator --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"sts:AssumeRole"}]}'"#.to_string(),
                "aws iam attach-role-policy --role-name ecs-harden-doctor-aggregator --policy-arn arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations".to_string(),
                format!("aws configservice put-configuration-aggregator --configuration-aggregator-name ecs-harden-doctor --organization-aggregation-source RoleArn=arn:aws:iam::{caller}:role/ecs-harden-doctor-aggregator,AllAwsRegions=true --region {region}"),
                "Then wait until it has collected (aws configservice describe-configuration-aggregator-sources-status) and run doctor again.".to_string(),
            ];
            let message = format!(
                "no AWS Config aggregator with an organization source in {caller} ({}), so the target accounts' recorders cannot be read",
                searched.join(", ")
            );
            out.push(
                Line::new(
                    Status::Warn,
                    Check::Recorder,
                    RECORDERS_TITLE,
                    message.clone(),
                )
                .account(caller)
                .fix(create),
            );
            out.push(
                Line::new(
                    Status::Warn,
                    Check::RoleNames,
                    ROLES_TITLE,
                    format!("{message}, nor their IAM roles"),
                )
                .account(caller)
                .fix(["Create the aggregator the recorder line describes.".to_string()]),
            );
        }
        ConfigView::Unreadable { region, error } => {
            let calls = facts.calls.in_region(region);
            out.push(unreadable(Check::Recorder, RECORDERS_TITLE, error, &calls).region(region));
            out.push(unreadable(Check::RoleNames, ROLES_TITLE, error, &calls).region(region));
        }
        ConfigView::Found(aggregated) => {
            recorders(facts, aggregated, targets, out);
            role_names(facts, caller, aggregated, targets, options, out);
        }
    }
}

fn account_label(account: &Account) -> String {
    match &account.name {
        Some(name) => format!("{} ({name})", account.id),
        None => account.id.clone(),
    }
}

/// Why an organization source fails in a Region, as the aggregator reports it.
fn source_failure(aggregated: &Aggregated, region: &str) -> Option<Line> {
    let aggregator = &aggregated.aggregator;
    let failed = aggregated
        .sources
        .as_ref()
        .ok()?
        .iter()
        .find(|s| s.region == region && s.status == "FAILED")?;
    let why = match (&failed.error_code, &failed.error_message) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.clone(),
        (None, Some(message)) => message.clone(),
        (None, None) => "no reason given".to_string(),
    };
    let mut fix = Vec::new();
    if failed.error_code.as_deref() == Some("OrganizationAccessDeniedException") {
        fix.push("Enable trusted access for config.amazonaws.com and register this account as its delegated administrator (the lines above), then wait for the aggregator to collect:".to_string());
    }
    fix.push(format!(
        "aws configservice describe-configuration-aggregator-sources-status --configuration-aggregator-name {} --region {}",
        aggregator.name, aggregator.region
    ));
    Some(
        Line::new(
            Status::Warn,
            Check::Recorder,
            format!("Config recorders in {region}"),
            format!(
                "aggregator {} cannot collect from the organization in {region} ({why}), so the recorders there cannot be read",
                aggregator.name
            ),
        )
        .region(region)
        .fix(fix),
    )
}

fn recorders(facts: &Facts, aggregated: &Aggregated, targets: &[Account], out: &mut Vec<Line>) {
    let aggregator = &aggregated.aggregator;
    let calls = facts.calls.in_region(&aggregator.region);
    let found = match &aggregated.recorders {
        Ok(found) => found,
        Err(error) => {
            out.push(
                unreadable(
                    Check::Recorder,
                    &format!("{RECORDERS_TITLE} (aggregator {})", aggregator.name),
                    error,
                    &calls,
                )
                .region(&aggregator.region),
            );
            return;
        }
    };
    if let Err(error) = &aggregated.sources {
        out.push(
            unreadable(
                Check::Recorder,
                &format!("Sources of aggregator {}", aggregator.name),
                error,
                &calls,
            )
            .region(&aggregator.region),
        );
    }
    // Conformance packs need a customer managed recorder; service-linked ones (another
    // service's, named AWSConfigurationRecorderFor…) do not count.
    let by_place: BTreeMap<(&str, &str), &Recorder> = found
        .iter()
        .filter(|r| !r.name.starts_with(SERVICE_LINKED_PREFIX))
        .map(|r| ((r.account.as_str(), r.region.as_str()), r))
        .collect();
    let wanted = evaluated_types();
    let mut good = 0;
    let mut checked = 0;
    for region in &facts.regions {
        if !aggregator.covers(region) {
            out.push(
                Line::new(
                    Status::Warn,
                    Check::Recorder,
                    format!("Config recorders in {region}"),
                    format!(
                        "aggregator {} does not collect from {region}, so its recorders cannot be read",
                        aggregator.name
                    ),
                )
                .region(region)
                .fix([format!(
                    "Add {region} to the aggregator's Regions: aws configservice put-configuration-aggregator --configuration-aggregator-name {} --organization-aggregation-source RoleArn=<its role>,AllAwsRegions=true --region {}",
                    aggregator.name, aggregator.region
                )]),
            );
            continue;
        }
        if let Some(line) = source_failure(aggregated, region) {
            out.push(line);
            continue;
        }
        for account in targets {
            checked += 1;
            let title = format!("Config recorder in {}, {region}", account_label(account));
            match by_place.get(&(account.id.as_str(), region.as_str())) {
                None => out.push(
                    Line::new(
                        Status::Fail,
                        Check::Recorder,
                        title,
                        "no customer managed configuration recorder: the conformance pack, and with it the stack instance, fails here",
                    )
                    .account(&account.id)
                    .region(region)
                    .fix([
                        in_account(&account.id, region),
                        "aws iam create-service-linked-role --aws-service-name config.amazonaws.com   (if the account has no AWSServiceRoleForConfig yet)".to_string(),
                        format!("aws configservice put-configuration-recorder --configuration-recorder name=default,roleARN=arn:aws:iam::{}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig --recording-group allSupported=true --region {region}", account.id),
                        format!("aws configservice put-delivery-channel --delivery-channel name=default,s3BucketName=<config bucket> --region {region}"),
                        format!("aws configservice start-configuration-recorder --configuration-recorder-name default --region {region}"),
                        "(or leave the account out with the CDK app's excludedAccounts)".to_string(),
                    ]),
                ),
                Some(recorder) if recorder.recording == Some(false) => out.push(
                    Line::new(
                        Status::Fail,
                        Check::Recorder,
                        title,
                        format!(
                            "recorder {} is stopped: the conformance pack fails while no recorder runs",
                            recorder.name
                        ),
                    )
                    .account(&account.id)
                    .region(region)
                    .fix([
                        in_account(&account.id, region),
                        format!("aws configservice start-configuration-recorder --configuration-recorder-name {} --region {region}   (on NoAvailableDeliveryChannelException, create the delivery channel first: aws configservice put-delivery-channel)", recorder.name),
                    ]),
                ),
                Some(recorder) => {
                    good += 1;
                    let missing: Vec<&str> = wanted
                        .iter()
                        .copied()
                        .filter(|t| !recorder.group.records(t))
                        .collect();
                    if !missing.is_empty() {
                        out.push(
                            Line::new(
                                Status::Warn,
                                Check::Recorder,
                                title,
                                format!(
                                    "recorder {} does not record {}: the rules will find none of these resources",
                                    recorder.name,
                                    missing.join(", ")
                                ),
                            )
                            .account(&account.id)
                            .region(region)
                            .fix([
                                in_account(&account.id, region),
                                format!("Add them to the recording group of {} (AWS Config console, Settings, Edit; or aws configservice put-configuration-recorder with the same name and the whole recording group).", recorder.name),
                            ]),
                        );
                    }
                }
            }
        }
    }
    if good > 0 {
        out.push(Line::new(
            Status::Ok,
            Check::Recorder,
            RECORDERS_TITLE,
            format!(
                "a started recorder in {good} of {checked} target account/Region pair(s) (a recorder starts only with a delivery channel), read through aggregator {}",
                aggregator.name
            ),
        ));
    }
}

fn role_names(
    facts: &Facts,
    caller: &str,
    aggregated: &Aggregated,
    targets: &[Account],
    options: &Options,
    out: &mut Vec<Line>,
) {
    let aggregator = &aggregated.aggregator;
    let names = member_template_roles(
        &options.member_role_name,
        &options.gate_member_role_name,
        &facts.regions,
    );
    let existing = match &aggregated.roles {
        Ok(existing) => existing,
        Err(error) => {
            out.push(
                unreadable(
                    Check::RoleNames,
                    &format!("{ROLES_TITLE} {}", names.join(", ")),
                    error,
                    &facts.calls.in_region(&aggregator.region),
                )
                .region(&aggregator.region),
            );
            return;
        }
    };
    // IAM roles are in the aggregator only from accounts whose recorder records them.
    let recording_roles: BTreeSet<&str> = match &aggregated.recorders {
        Ok(recorders) => recorders
            .iter()
            .filter(|r| r.recording != Some(false) && r.group.records(IAM_ROLE))
            .map(|r| r.account.as_str())
            .collect(),
        Err(_) => BTreeSet::new(),
    };
    let mut taken = 0;
    let mut ours = BTreeSet::new();
    for account in targets {
        for role in existing.iter().filter(|r| r.account == account.id) {
            if role.ours == Some(true) {
                ours.insert(account.id.as_str());
                continue;
            }
            taken += 1;
            let rename = if role.name == options.member_role_name {
                ", or choose another name with -c memberRoleName=<name> (doctor --member-role-name <name>)"
            } else if role.name == options.gate_member_role_name {
                ", or choose another name with -c gateMemberRoleName=<name> (doctor --gate-member-role-name <name>)"
            } else {
                ""
            };
            let why = if role.ours.is_none() {
                "its policies could not be read to tell whether an earlier ecs-harden deploy made it"
            } else {
                "not made by ecs-harden from this account"
            };
            out.push(
                Line::new(
                    Status::Fail,
                    Check::RoleNames,
                    format!("Role {} in {}", role.name, account_label(account)),
                    format!("already exists ({why}): the StackSet cannot create it, and the stack instance fails"),
                )
                .account(&account.id)
                .fix([format!(
                    "In account {}: delete or rename the role (aws iam get-role --role-name {} shows what it is for){rename}.",
                    account.id, role.name
                )]),
            );
        }
    }
    let unknown: Vec<&Account> = targets
        .iter()
        .filter(|a| !recording_roles.contains(a.id.as_str()))
        .collect();
    if !unknown.is_empty() {
        const SHOWN: usize = 10;
        let mut listed: Vec<String> = unknown
            .iter()
            .take(SHOWN)
            .map(|a| account_label(a))
            .collect();
        if unknown.len() > SHOWN {
            listed.push(format!("and {} more", unknown.len() - SHOWN));
        }
        out.push(
            Line::new(
                Status::Warn,
                Check::RoleNames,
                ROLES_TITLE,
                format!(
                    "{} target account(s) record no IAM roles in AWS Config, so the names cannot be checked there: {}",
                    unknown.len(),
                    listed.join(", ")
                ),
            )
            .fix([
                format!(
                    "In each: aws iam get-role --role-name {}   (NoSuchEntity means the name is free; likewise for {})",
                    options.member_role_name,
                    names[1..].join(", ")
                ),
                "Or record AWS::IAM::Role in one Region of each account (a recording group with includeGlobalResourceTypes=true).".to_string(),
            ]),
        );
    }
    let checked = targets.len() - unknown.len();
    if taken == 0 && checked > 0 {
        let earlier = if ours.is_empty() {
            String::new()
        } else {
            format!(
                ", or made by an earlier ecs-harden deploy from {caller} ({} account(s)), which the deploy updates",
                ours.len()
            )
        };
        out.push(Line::new(
            Status::Ok,
            Check::RoleNames,
            ROLES_TITLE,
            format!(
                "{} free in the {checked} target account(s) whose IAM roles Config records{earlier}",
                names.join(", ")
            ),
        ));
    }
}

/// Stack statuses in which a bootstrap stack's resources are in place.
const USABLE_STACK_STATUSES: [&str; 5] = [
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
];

fn cdk_bootstrap(facts: &Facts, read: &Read, caller: &str, out: &mut Vec<Line>) {
    for (region, found) in &read.bootstrap {
        let title = format!("CDK bootstrap in {caller}, {region}");
        let bootstrap = format!("cd cdk && npx cdk bootstrap aws://{caller}/{region}");
        let line = match found {
            Err(error) => unreadable(
                Check::CdkBootstrap,
                &title,
                error,
                &facts.calls.in_region(region),
            ),
            Ok(None) => Line::new(
                Status::Fail,
                Check::CdkBootstrap,
                title,
                "no CDKToolkit stack: cdk deploy has nowhere to put the Lambda code and templates",
            )
            .fix([bootstrap]),
            Ok(Some(stack)) if stack.status.ends_with("_IN_PROGRESS") => Line::new(
                Status::Warn,
                Check::CdkBootstrap,
                title,
                format!("CDKToolkit is {}", stack.status),
            )
            .fix([format!(
                "Wait for it to finish: aws cloudformation describe-stacks --stack-name CDKToolkit --region {region}"
            )]),
            Ok(Some(stack)) if !USABLE_STACK_STATUSES.contains(&stack.status.as_str()) => {
                Line::new(
                    Status::Fail,
                    Check::CdkBootstrap,
                    title,
                    format!("CDKToolkit is {}", stack.status),
                )
                .fix([
                    format!("See why: aws cloudformation describe-stack-events --stack-name CDKToolkit --region {region}"),
                    format!("then bootstrap again: {bootstrap}"),
                ])
            }
            Ok(Some(stack)) => match stack.version.as_deref().map(str::parse::<u32>) {
                Some(Ok(version)) if version >= MIN_BOOTSTRAP_VERSION => Line::new(
                    Status::Ok,
                    Check::CdkBootstrap,
                    title,
                    format!(
                        "CDKToolkit {}, bootstrap version {version} (the pinned CDK needs {MIN_BOOTSTRAP_VERSION} or later)",
                        stack.status
                    ),
                ),
                Some(Ok(version)) => Line::new(
                    Status::Fail,
                    Check::CdkBootstrap,
                    title,
                    format!(
                        "bootstrap version {version}; the pinned CDK needs {MIN_BOOTSTRAP_VERSION} or later"
                    ),
                )
                .fix([bootstrap]),
                Some(Err(_)) | None => Line::new(
                    Status::Fail,
                    Check::CdkBootstrap,
                    title,
                    format!(
                        "CDKToolkit has {}: not the modern bootstrap stack a CDK v2 app needs",
                        stack.version.as_deref().map_or_else(
                            || "no BootstrapVersion output".to_string(),
                            |v| format!("BootstrapVersion {v:?}")
                        )
                    ),
                )
                .fix([bootstrap]),
            },
        };
        out.push(line.account(caller).region(region));
    }
}

#[cfg(test)]
mod tests;
