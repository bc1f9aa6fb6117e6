use ecs_harden_aws::errors::CallContext;
use ecs_harden_core::runner::io::ApiError;

use super::lines;
use crate::doctor::{
    render, Account, Aggregated, Aggregator, Bootstrap, Check, ConfigView, ExistingRole, Facts,
    Format, Line, Options, Organization, Read, Recorder, RecordingGroup, SourceStatus, Status,
    TargetError,
};

const ADMIN: &str = "444455556666";
const MANAGEMENT: &str = "123456789012";
const PAYMENTS: &str = "111122223333";
const SANDBOX: &str = "777788889999";
const REGION: &str = "us-east-1";

fn options() -> Options {
    Options {
        profile: None,
        regions: vec![REGION.into()],
        target_ous: vec!["ou-ab12-cdef3456".into()],
        excluded_accounts: Vec::new(),
        config_source_accounts: Vec::new(),
        member_role_name: "ecs-harden-member".into(),
        gate_member_role_name: "ecs-harden-member-gate".into(),
        format: Format::Text,
        verbose: false,
    }
}

fn recorder(account: &str, region: &str) -> Recorder {
    Recorder {
        account: account.into(),
        region: region.into(),
        name: "default".into(),
        recording: Some(true),
        group: RecordingGroup {
            all_supported: true,
            include_global_resource_types: true,
            ..RecordingGroup::default()
        },
    }
}

/// An organization ready for the deploy: everything enabled and registered, a started recorder
/// recording everything in both target accounts, CDK bootstrapped.
fn healthy() -> Facts {
    Facts {
        calls: CallContext {
            region: Some(REGION.into()),
            ..CallContext::default()
        },
        regions: vec![REGION.into()],
        read: Ok(Read {
            caller: ADMIN.into(),
            organization: Ok(Organization {
                id: "o-a1b2c3d4e5".into(),
                management_account: MANAGEMENT.into(),
                feature_set: "ALL".into(),
            }),
            trusted_access: Ok(super::principals().map(str::to_string).collect()),
            delegated_administrators: super::principals()
                .map(|p| (p, Ok(vec![ADMIN.to_string()])))
                .collect(),
            targets: Ok(vec![
                Account {
                    id: PAYMENTS.into(),
                    name: Some("payments-prod".into()),
                },
                Account {
                    id: SANDBOX.into(),
                    name: None,
                },
            ]),
            region_status: Ok(vec![
                (REGION.into(), "ENABLED_BY_DEFAULT".into()),
                ("eu-west-1".into(), "ENABLED_BY_DEFAULT".into()),
                ("af-south-1".into(), "DISABLED".into()),
                ("me-central-1".into(), "ENABLED".into()),
            ]),
            config: ConfigView::Found(Box::new(Aggregated {
                aggregator: Aggregator {
                    name: "ecs-harden-organization".into(),
                    region: REGION.into(),
                    all_regions: true,
                    regions: Vec::new(),
                },
                sources: Ok(vec![SourceStatus {
                    region: REGION.into(),
                    status: "SUCCEEDED".into(),
                    error_code: None,
                    error_message: None,
                }]),
                recorders: Ok(vec![recorder(PAYMENTS, REGION), recorder(SANDBOX, REGION)]),
                roles: Ok(Vec::new()),
            })),
            bootstrap: vec![(
                REGION.into(),
                Ok(Some(Bootstrap {
                    status: "UPDATE_COMPLETE".into(),
                    version: Some("21".into()),
                })),
            )],
        }),
    }
}

fn read(facts: &mut Facts) -> &mut Read {
    facts.read.as_mut().expect("facts with a caller")
}

fn aggregated(facts: &mut Facts) -> &mut Aggregated {
    match &mut read(facts).config {
        ConfigView::Found(aggregated) => aggregated,
        _ => panic!("facts with an aggregator"),
    }
}

fn denied(action: &'static str) -> ApiError {
    ApiError::new(
        action,
        "AccessDeniedException",
        "You don't have permissions to access this resource.",
        false,
    )
}

fn with_status(lines: &[Line], status: Status) -> Vec<&Line> {
    lines.iter().filter(|l| l.status == status).collect()
}

/// The one line of `status`; fails listing every line otherwise.
fn only(lines: &[Line], status: Status) -> Line {
    let found = with_status(lines, status);
    assert_eq!(
        found.len(),
        1,
        "expected one {status:?} line, got:\n{}",
        lines.iter().map(|l| format!("{l}\n")).collect::<String>()
    );
    found[0].clone()
}

fn fix_text(line: &Line) -> String {
    line.fix.join("\n")
}

#[test]
fn a_healthy_organization_passes_every_check() {
    let lines = lines(&healthy(), &options());
    let not_ok: Vec<String> = lines
        .iter()
        .filter(|l| l.status != Status::Ok)
        .map(ToString::to_string)
        .collect();
    assert!(not_ok.is_empty(), "{not_ok:#?}");
    let checks: Vec<Check> = lines.iter().map(|l| l.check).collect();
    for check in [
        Check::Organization,
        Check::TrustedAccess,
        Check::DelegatedAdministrator,
        Check::TargetAccounts,
        Check::OptInRegion,
        Check::Recorder,
        Check::RoleNames,
        Check::CdkBootstrap,
    ] {
        assert!(checks.contains(&check), "no {check:?} line in {checks:?}");
    }
    assert!(lines.iter().all(|l| l.fix.is_empty()));
}

#[test]
fn a_missing_recorder_fails_in_its_account_and_region_with_the_commands_that_start_one() {
    let mut facts = healthy();
    aggregated(&mut facts).recorders = Ok(vec![recorder(PAYMENTS, REGION)]);
    let lines = lines(&facts, &options());
    let line = only(&lines, Status::Fail);
    assert_eq!(line.check, Check::Recorder);
    assert_eq!(line.account.as_deref(), Some(SANDBOX));
    assert_eq!(line.region.as_deref(), Some(REGION));
    assert!(
        line.message
            .contains("no customer managed configuration recorder"),
        "{line}"
    );
    let fix = fix_text(&line);
    for command in [
        "With credentials of account 777788889999, in us-east-1:",
        "aws configservice put-configuration-recorder --configuration-recorder name=default,roleARN=arn:aws:iam::777788889999:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        "aws configservice put-delivery-channel",
        "aws configservice start-configuration-recorder --configuration-recorder-name default --region us-east-1",
    ] {
        assert!(fix.contains(command), "{command} not in:\n{fix}");
    }
    let ok = lines
        .iter()
        .find(|l| l.check == Check::Recorder && l.status == Status::Ok)
        .expect("the account that has one");
    assert!(
        ok.message
            .contains("in 1 of 2 target account/Region pair(s)"),
        "{ok}"
    );
}

#[test]
fn excluded_accounts_are_not_checked() {
    let mut facts = healthy();
    aggregated(&mut facts).recorders = Ok(vec![recorder(PAYMENTS, REGION)]);
    for options in [
        Options {
            excluded_accounts: vec![SANDBOX.into()],
            ..options()
        },
        Options {
            config_source_accounts: vec![PAYMENTS.into()],
            ..options()
        },
    ] {
        let lines = lines(&facts, &options);
        assert!(with_status(&lines, Status::Fail).is_empty(), "{lines:#?}");
        let targets = lines
            .iter()
            .find(|l| l.check == Check::TargetAccounts)
            .expect("a target accounts line");
        assert!(targets.message.starts_with("1 active member account(s) (1 more left out by --excluded-accounts or --config-source-accounts)"), "{targets}");
    }
}

#[test]
fn a_service_linked_recorder_is_no_recorder_for_the_conformance_pack() {
    let mut facts = healthy();
    let mut service_linked = recorder(SANDBOX, REGION);
    service_linked.name = "AWSConfigurationRecorderForSecurityHub".into();
    aggregated(&mut facts).recorders = Ok(vec![recorder(PAYMENTS, REGION), service_linked]);
    let line = only(&lines(&facts, &options()), Status::Fail);
    assert_eq!(line.account.as_deref(), Some(SANDBOX));
    assert!(
        line.message
            .starts_with("no customer managed configuration recorder"),
        "{line}"
    );
}

#[test]
fn a_stopped_recorder_fails_with_the_command_that_starts_it() {
    let mut facts = healthy();
    let mut stopped = recorder(SANDBOX, REGION);
    stopped.recording = Some(false);
    stopped.name = "config-recorder".into();
    aggregated(&mut facts).recorders = Ok(vec![recorder(PAYMENTS, REGION), stopped]);
    let line = only(&lines(&facts, &options()), Status::Fail);
    assert!(
        line.message.contains("recorder config-recorder is stopped"),
        "{line}"
    );
    assert!(fix_text(&line).contains(
        "aws configservice start-configuration-recorder --configuration-recorder-name config-recorder --region us-east-1"
    ));
}

#[test]
fn a_recorder_that_leaves_out_ecs_types_is_a_warning_naming_them() {
    let mut facts = healthy();
    let mut narrow = recorder(SANDBOX, REGION);
    narrow.group = RecordingGroup {
        resource_types: vec!["AWS::ECS::TaskDefinition".into(), "AWS::IAM::Role".into()],
        strategy: Some("INCLUSION_BY_RESOURCE_TYPES".into()),
        ..RecordingGroup::default()
    };
    aggregated(&mut facts).recorders = Ok(vec![recorder(PAYMENTS, REGION), narrow]);
    let line = only(&lines(&facts, &options()), Status::Warn);
    assert_eq!(line.account.as_deref(), Some(SANDBOX));
    assert!(line.message.contains("AWS::ECS::Service"), "{line}");
    assert!(line.message.contains("AWS::ECS::Cluster"), "{line}");
    assert!(!line.message.contains("AWS::ECS::TaskDefinition"), "{line}");
}

#[test]
fn a_failing_aggregator_source_is_a_warning_instead_of_a_missing_recorder_per_account() {
    let mut facts = healthy();
    let aggregated = aggregated(&mut facts);
    aggregated.recorders = Ok(Vec::new());
    aggregated.sources = Ok(vec![SourceStatus {
        region: REGION.into(),
        status: "FAILED".into(),
        error_code: Some("OrganizationAccessDeniedException".into()),
        error_message: Some("trusted access is not enabled".into()),
    }]);
    let lines = lines(&facts, &options());
    assert!(with_status(&lines, Status::Fail).is_empty());
    let line = lines
        .iter()
        .find(|l| l.check == Check::Recorder)
        .expect("a recorder line");
    assert_eq!(line.status, Status::Warn);
    assert!(
        line.message
            .contains("OrganizationAccessDeniedException: trusted access is not enabled"),
        "{line}"
    );
    assert!(fix_text(line).contains("describe-configuration-aggregator-sources-status --configuration-aggregator-name ecs-harden-organization --region us-east-1"));
}

#[test]
fn an_aggregator_that_leaves_out_a_region_cannot_vouch_for_it() {
    let mut facts = healthy();
    aggregated(&mut facts).aggregator.all_regions = false;
    aggregated(&mut facts).aggregator.regions = vec!["eu-west-1".into()];
    let line = only(&lines(&facts, &options()), Status::Warn);
    assert_eq!(line.check, Check::Recorder);
    assert!(
        line.message.contains("does not collect from us-east-1"),
        "{line}"
    );
}

#[test]
fn without_an_organization_aggregator_recorders_and_roles_are_warnings_with_how_to_make_one() {
    let mut facts = healthy();
    read(&mut facts).config = ConfigView::NoAggregator {
        searched: vec![REGION.into()],
    };
    let lines = lines(&facts, &options());
    assert!(with_status(&lines, Status::Fail).is_empty());
    let warnings = with_status(&lines, Status::Warn);
    assert_eq!(
        warnings.iter().map(|l| l.check).collect::<Vec<_>>(),
        [Check::Recorder, Check::RoleNames]
    );
    assert!(fix_text(warnings[0]).contains("aws configservice put-configuration-aggregator --configuration-aggregator-name ecs-harden-doctor --organization-aggregation-source RoleArn=arn:aws:iam::444455556666:role/ecs-harden-doctor-aggregator,AllAwsRegions=true --region us-east-1"));
}

#[test]
fn missing_trusted_access_fails_with_the_management_accounts_command() {
    let mut facts = healthy();
    read(&mut facts).trusted_access = Ok(vec!["config.amazonaws.com".into()]);
    let lines = lines(&facts, &options());
    let failed = with_status(&lines, Status::Fail);
    assert_eq!(failed.len(), 2, "{failed:#?}");
    assert!(failed.iter().all(|l| l.check == Check::TrustedAccess));
    assert_eq!(
        failed[0].fix,
        [
            "In the management account (123456789012):",
            "aws organizations enable-aws-service-access --service-principal config-multiaccountsetup.amazonaws.com"
        ]
    );
    assert!(failed[1]
        .title
        .ends_with("member.org.stacksets.cloudformation.amazonaws.com"));
    assert!(fix_text(failed[1]).contains("aws cloudformation activate-organizations-access"));
}

#[test]
fn access_denied_on_organizations_reads_is_a_warning_saying_what_cannot_be_checked() {
    let mut facts = healthy();
    let read = read(&mut facts);
    read.trusted_access = Err(denied("organizations:ListAWSServiceAccessForOrganization"));
    read.delegated_administrators = super::principals()
        .map(|p| (p, Err(denied("organizations:ListDelegatedAdministrators"))))
        .collect();
    let lines = lines(&facts, &options());
    assert!(with_status(&lines, Status::Fail).is_empty());
    let trusted = lines
        .iter()
        .find(|l| l.check == Check::TrustedAccess)
        .expect("a trusted access line");
    assert_eq!(trusted.status, Status::Warn);
    assert_eq!(trusted.title, "Trusted access for AWS Config and StackSets");
    assert!(trusted.message.starts_with("cannot be checked. Access denied: the credentials in use may not call organizations:ListAWSServiceAccessForOrganization"), "{trusted}");
    assert!(trusted
        .message
        .contains("only in the management account and in delegated administrators"));
    assert!(fix_text(trusted).contains("Grant `organizations:ListAWSServiceAccessForOrganization`"));
    assert!(
        fix_text(trusted).contains("aws organizations list-aws-service-access-for-organization")
    );
    assert!(trusted
        .aws_error
        .as_deref()
        .is_some_and(|e| e.contains("AccessDeniedException")));
    let admin = lines
        .iter()
        .find(|l| l.check == Check::DelegatedAdministrator)
        .expect("a delegated administrator line");
    assert_eq!(admin.status, Status::Warn);
    assert!(fix_text(admin).contains("aws organizations register-delegated-administrator --account-id 444455556666 --service-principal config.amazonaws.com"));
}

#[test]
fn an_unregistered_delegated_administrator_fails_with_the_register_command() {
    let mut facts = healthy();
    read(&mut facts).delegated_administrators[2].1 = Ok(vec!["999999999999".into()]);
    let line = only(&lines(&facts, &options()), Status::Fail);
    assert_eq!(line.check, Check::DelegatedAdministrator);
    assert!(
        line.message
            .contains("444455556666 is not registered (registered: 999999999999)"),
        "{line}"
    );
    assert_eq!(
        line.fix[1],
        "aws organizations register-delegated-administrator --account-id 444455556666 --service-principal member.org.stacksets.cloudformation.amazonaws.com"
    );
}

#[test]
fn the_management_account_is_told_to_run_as_the_delegated_administrator() {
    let mut facts = healthy();
    read(&mut facts).caller = MANAGEMENT.into();
    let line = only(&lines(&facts, &options()), Status::Fail);
    assert_eq!(line.check, Check::DelegatedAdministrator);
    assert!(line.message.contains("management account"), "{line}");
    assert!(line.message.contains("CallAs DELEGATED_ADMIN"), "{line}");
}

#[test]
fn a_taken_role_name_fails_in_its_account_with_the_way_out() {
    let mut facts = healthy();
    aggregated(&mut facts).roles = Ok(vec![ExistingRole {
        account: PAYMENTS.into(),
        name: "ecs-harden-member".into(),
        ours: Some(false),
    }]);
    let lines = lines(&facts, &options());
    let line = only(&lines, Status::Fail);
    assert_eq!(line.check, Check::RoleNames);
    assert_eq!(
        line.title,
        "Role ecs-harden-member in 111122223333 (payments-prod)"
    );
    assert_eq!(line.account.as_deref(), Some(PAYMENTS));
    assert!(line.message.contains("already exists"), "{line}");
    assert!(fix_text(&line).contains("-c memberRoleName=<name> (doctor --member-role-name <name>)"));
    assert!(!lines
        .iter()
        .any(|l| l.check == Check::RoleNames && l.status == Status::Ok));
}

#[test]
fn roles_from_an_earlier_deploy_are_not_in_the_way() {
    let mut facts = healthy();
    aggregated(&mut facts).roles = Ok(vec![ExistingRole {
        account: PAYMENTS.into(),
        name: "ecs-harden-gate-forward-us-east-1".into(),
        ours: Some(true),
    }]);
    let lines = lines(&facts, &options());
    assert!(with_status(&lines, Status::Fail).is_empty());
    let ok = lines
        .iter()
        .find(|l| l.check == Check::RoleNames)
        .expect("a role names line");
    assert!(ok.message.contains("or made by an earlier ecs-harden deploy from 444455556666 (1 account(s)), which the deploy updates"), "{ok}");
}

#[test]
fn role_names_in_accounts_that_record_no_iam_roles_are_a_warning() {
    let mut facts = healthy();
    let mut no_iam = recorder(SANDBOX, REGION);
    no_iam.group.include_global_resource_types = false;
    aggregated(&mut facts).recorders = Ok(vec![recorder(PAYMENTS, REGION), no_iam]);
    let line = only(&lines(&facts, &options()), Status::Warn);
    assert_eq!(line.check, Check::RoleNames);
    assert!(
        line.message
            .contains("1 target account(s) record no IAM roles"),
        "{line}"
    );
    assert!(line.message.ends_with(SANDBOX), "{line}");
    assert!(fix_text(&line).contains("aws iam get-role --role-name ecs-harden-member"));
}

#[test]
fn regions_not_enabled_fail_and_opt_in_regions_ask_for_the_management_account() {
    let mut facts = healthy();
    facts.regions = vec![
        "af-south-1".into(),
        "me-central-1".into(),
        "xx-nowhere-9".into(),
    ];
    read(&mut facts).bootstrap.clear();
    let lines = lines(&facts, &options());
    let regions: Vec<(&str, Status)> = lines
        .iter()
        .filter(|l| l.check == Check::OptInRegion)
        .map(|l| (l.region.as_deref().unwrap_or_default(), l.status))
        .collect();
    assert_eq!(
        regions,
        [
            ("af-south-1", Status::Fail),
            ("me-central-1", Status::Warn),
            ("xx-nowhere-9", Status::Fail)
        ]
    );
    let disabled = lines
        .iter()
        .find(|l| l.region.as_deref() == Some("af-south-1") && l.check == Check::OptInRegion)
        .expect("af-south-1");
    assert!(fix_text(disabled).contains("aws account enable-region --region-name af-south-1"));
    let enabled = lines
        .iter()
        .find(|l| l.region.as_deref() == Some("me-central-1") && l.check == Check::OptInRegion)
        .expect("me-central-1");
    assert!(enabled.message.contains("management account"), "{enabled}");
    assert!(fix_text(enabled).contains("In the management account (123456789012): aws account get-region-opt-status --region-name me-central-1"));
}

#[test]
fn the_cdk_bootstrap_must_exist_be_usable_and_be_recent_enough() {
    let stack = |status: &str, version: Option<&str>| {
        Ok(Some(Bootstrap {
            status: status.into(),
            version: version.map(str::to_string),
        }))
    };
    type Found = Result<Option<Bootstrap>, ApiError>;
    let cases: [(Found, Status, &str); 7] = [
        (Ok(None), Status::Fail, "no CDKToolkit stack"),
        (
            stack("CREATE_COMPLETE", Some("5")),
            Status::Fail,
            "bootstrap version 5; the pinned CDK needs 6 or later",
        ),
        (
            stack("CREATE_COMPLETE", Some("6")),
            Status::Ok,
            "bootstrap version 6",
        ),
        (
            stack("UPDATE_ROLLBACK_COMPLETE", Some("30")),
            Status::Ok,
            "bootstrap version 30",
        ),
        (
            stack("ROLLBACK_COMPLETE", Some("30")),
            Status::Fail,
            "CDKToolkit is ROLLBACK_COMPLETE",
        ),
        (
            stack("UPDATE_IN_PROGRESS", Some("30")),
            Status::Warn,
            "CDKToolkit is UPDATE_IN_PROGRESS",
        ),
        (
            stack("CREATE_COMPLETE", None),
            Status::Fail,
            "no BootstrapVersion output",
        ),
    ];
    for (found, status, message) in cases {
        let mut facts = healthy();
        read(&mut facts).bootstrap = vec![(REGION.into(), found)];
        let lines = lines(&facts, &options());
        let line = lines
            .iter()
            .find(|l| l.check == Check::CdkBootstrap)
            .expect("a bootstrap line");
        assert_eq!(line.status, status, "{line}");
        assert!(line.message.contains(message), "{message} not in {line}");
        if status == Status::Fail {
            assert!(
                fix_text(line).contains("cd cdk && npx cdk bootstrap aws://444455556666/us-east-1"),
                "{line:?}"
            );
        }
    }
}

#[test]
fn an_unknown_target_ou_fails_and_leaves_recorders_and_roles_unchecked() {
    let mut facts = healthy();
    read(&mut facts).targets = Err(TargetError::UnknownTarget(
        "ou-ab12-cdef3456".into(),
        ApiError::new(
            "organizations:ListAccountsForParent",
            "ParentNotFoundException",
            "We can't find a root or OU with the ParentId that you specified.",
            false,
        ),
    ));
    let lines = lines(&facts, &options());
    let line = only(&lines, Status::Fail);
    assert_eq!(line.check, Check::TargetAccounts);
    assert!(
        line.message.contains(
            "ou-ab12-cdef3456 is not an OU or root of this organization (ParentNotFoundException)"
        ),
        "{line}"
    );
    let unchecked: Vec<Check> = with_status(&lines, Status::Warn)
        .iter()
        .map(|l| l.check)
        .collect();
    assert_eq!(unchecked, [Check::Recorder, Check::RoleNames]);
}

#[test]
fn without_credentials_one_line_says_so_and_nothing_else_is_checked() {
    let mut facts = healthy();
    facts.read = Err(ApiError::new(
        "sts:GetCallerIdentity",
        ecs_harden_aws::errors::NO_CREDENTIALS,
        "no credentials",
        false,
    ));
    let lines = lines(&facts, &options());
    let line = only(&lines, Status::Fail);
    assert_eq!(lines.len(), 1);
    assert_eq!(line.check, Check::CallerIdentity);
    assert!(
        line.message.starts_with("No AWS credentials found"),
        "{line}"
    );
    assert!(fix_text(&line).contains("aws sso login"));
}

/// The text checklist, as a person reads it: one line per check, the fix indented below.
#[test]
fn the_text_checklist_puts_each_fix_under_its_line() {
    let mut facts = healthy();
    read(&mut facts).trusted_access = Ok(vec![
        "config.amazonaws.com".into(),
        "config-multiaccountsetup.amazonaws.com".into(),
    ]);
    let text = render::text(&facts, &options(), &lines(&facts, &options()));
    let expected = "\
ecs-harden doctor (read-only): account 444455556666, Regions us-east-1, targets ou-ab12-cdef3456

OK    Organization o-a1b2c3d4e5: all features enabled, management account 123456789012
OK    Trusted access for config.amazonaws.com: enabled for AWS Config (the organization aggregator)
OK    Trusted access for config-multiaccountsetup.amazonaws.com: enabled for AWS Config rules and conformance packs across accounts
FAIL  Trusted access for member.org.stacksets.cloudformation.amazonaws.com: not enabled: CloudFormation StackSets with service-managed permissions cannot act in the organization
      fix: In the management account (123456789012):
           aws cloudformation activate-organizations-access   (or: CloudFormation console, StackSets, Activate trusted access)
OK    Delegated administrator for config.amazonaws.com: 444455556666 is registered
OK    Delegated administrator for config-multiaccountsetup.amazonaws.com: 444455556666 is registered
OK    Delegated administrator for member.org.stacksets.cloudformation.amazonaws.com: 444455556666 is registered
OK    Target accounts in ou-ab12-cdef3456: 2 active member account(s); the management account is left out, as StackSets leave it out
OK    Region us-east-1: enabled by default in every account
OK    Config recorders and delivery channels: a started recorder in 2 of 2 target account/Region pair(s) (a recorder starts only with a delivery channel), read through aggregator ecs-harden-organization
OK    Role names: ecs-harden-member, ecs-harden-member-gate, ecs-harden-gate-forward-us-east-1 free in the 2 target account(s) whose IAM roles Config records
OK    CDK bootstrap in 444455556666, us-east-1: CDKToolkit UPDATE_COMPLETE, bootstrap version 21 (the pinned CDK needs 6 or later)

1 FAIL, 0 WARN, 11 OK: the deploy would fail. Fix the FAIL lines, then run ecs-harden doctor again.
";
    assert_eq!(text, expected);
}

#[test]
fn the_raw_aws_error_is_shown_with_verbose_only() {
    let mut facts = healthy();
    read(&mut facts).trusted_access =
        Err(denied("organizations:ListAWSServiceAccessForOrganization"));
    let quiet = render::text(&facts, &options(), &lines(&facts, &options()));
    assert!(!quiet.contains("AWS error:"));
    assert!(quiet.contains(
        "0 FAIL, 1 WARN, 9 OK: nothing found that fails the deploy; read the WARN lines"
    ));
    let verbose_options = Options {
        verbose: true,
        ..options()
    };
    let verbose = render::text(&facts, &verbose_options, &lines(&facts, &verbose_options));
    assert!(verbose.contains(
        "      AWS error: organizations:ListAWSServiceAccessForOrganization failed: AccessDeniedException: You don't have permissions to access this resource.\n"
    ));
}

#[test]
fn the_json_checklist_has_every_line_with_its_place_and_fix() {
    let mut facts = healthy();
    aggregated(&mut facts).recorders = Ok(vec![recorder(PAYMENTS, REGION)]);
    let lines = lines(&facts, &options());
    let document: serde_json::Value =
        serde_json::from_str(&render::json(&facts, &options(), &lines)).expect("JSON");
    assert_eq!(document["account"], ADMIN);
    assert_eq!(document["deployWouldFail"], true);
    assert_eq!(document["summary"]["fail"], 1);
    assert_eq!(
        document["checks"].as_array().map(Vec::len),
        Some(lines.len())
    );
    let failed = document["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["status"] == "FAIL"))
        .expect("the failing check");
    assert_eq!(failed["check"], "recorder");
    assert_eq!(failed["account"], SANDBOX);
    assert_eq!(failed["region"], REGION);
    assert!(failed["fix"].as_array().is_some_and(|fix| fix
        .iter()
        .filter_map(|f| f.as_str())
        .any(|f| f.starts_with("aws configservice put-configuration-recorder"))));
}
