//! `ecs-harden doctor` end to end: an organization built in moto (Organizations, Config
//! recorders and an organization aggregator, IAM, CloudFormation, Account Regions), the real
//! CLI run with the delegated administrator's credentials against it.
//!
//! Root ─ Workloads ─ Prod: payments-prod (111122223333)
//!      │           └ Dev: sandbox (444455556666)
//!      ├ Security: audit (222233334444), the delegated administrator
//!      └ Legacy: legacy (555566667777), outside the target OU, no recorder
//! and the management account (123456789012) at the root.

use std::net::TcpListener;
use std::process::{Command, Output};

use ecs_harden_e2e::{http, workspace, Lambda, Moto, FIXTURE_ACCOUNT, MEMBER_ACCOUNT, REGION};
use serde_json::{json, Value};

const ADMIN: &str = "222233334444";
const LEGACY: &str = "555566667777";
const STACKSETS: &str = "member.org.stacksets.cloudformation.amazonaws.com";
const PRINCIPALS: [&str; 3] = [
    "config.amazonaws.com",
    "config-multiaccountsetup.amazonaws.com",
    STACKSETS,
];

/// What differs from a healthy organization.
#[derive(Default)]
struct Breakage {
    no_stacksets_trusted_access: bool,
    no_recorder_in_sandbox: bool,
    member_role_taken_in_payments: bool,
}

fn organizations(moto: &Moto, action: &str, body: Value) -> Value {
    http::aws_json(
        &moto.address,
        "testing",
        "organizations",
        &format!("AWSOrganizationsV20161128.{action}"),
        &body,
    )
    .unwrap_or_else(|e| panic!("{action}: {e}"))
}

fn query(moto: &Moto, key: &str, service: &str, params: &[(&str, &str)]) -> String {
    http::aws_query(&moto.address, key, service, params)
        .unwrap_or_else(|e| panic!("{service} {params:?}: {e}"))
}

/// The organization; the id of the Workloads OU, the StackSet's target.
fn organization(moto: &Moto, breakage: &Breakage) -> String {
    organizations(moto, "CreateOrganization", json!({"FeatureSet": "ALL"}));
    let root = organizations(moto, "ListRoots", json!({}))["Roots"][0]["Id"]
        .as_str()
        .expect("a root")
        .to_string();
    let ou = |parent: &str, name: &str| {
        organizations(
            moto,
            "CreateOrganizationalUnit",
            json!({"ParentId": parent, "Name": name}),
        )["OrganizationalUnit"]["Id"]
            .as_str()
            .expect("an OU id")
            .to_string()
    };
    let workloads = ou(&root, "Workloads");
    let prod = ou(&workloads, "Prod");
    let dev = ou(&workloads, "Dev");
    let security = ou(&root, "Security");
    let legacy = ou(&root, "Legacy");
    for (name, id, parent) in [
        ("payments-prod", FIXTURE_ACCOUNT, &prod),
        ("sandbox", MEMBER_ACCOUNT, &dev),
        ("audit", ADMIN, &security),
        ("legacy", LEGACY, &legacy),
    ] {
        organizations(
            moto,
            "CreateAccount",
            json!({"AccountName": name, "Email": format!("{name}@example.com")}),
        );
        moto.control_post("organizations/pin-account", json!({"name": name, "id": id}))
            .expect("pin the account id");
        organizations(
            moto,
            "MoveAccount",
            json!({"AccountId": id, "SourceParentId": root, "DestinationParentId": parent}),
        );
    }
    for principal in PRINCIPALS {
        if principal == STACKSETS && breakage.no_stacksets_trusted_access {
            continue;
        }
        organizations(
            moto,
            "EnableAWSServiceAccess",
            json!({"ServicePrincipal": principal}),
        );
        organizations(
            moto,
            "RegisterDelegatedAdministrator",
            json!({"AccountId": ADMIN, "ServicePrincipal": principal}),
        );
    }
    workloads
}

/// A recorder of every type (IAM roles included) with a delivery channel, started.
fn start_recorder(moto: &Moto, key: &str, account: &str) {
    let config = |action: &str, body: Value| {
        moto.config_as(key, action, body)
            .unwrap_or_else(|e| panic!("{action} in {account}: {e}"))
    };
    config(
        "PutConfigurationRecorder",
        json!({"ConfigurationRecorder": {
            "name": "default",
            "roleARN": format!("arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"),
            "recordingGroup": {"allSupported": true, "includeGlobalResourceTypes": true},
        }}),
    );
    config(
        "PutDeliveryChannel",
        json!({"DeliveryChannel": {"name": "default", "s3BucketName": format!("config-{account}")}}),
    );
    config(
        "StartConfigurationRecorder",
        json!({"ConfigurationRecorderName": "default"}),
    );
}

fn create_role(moto: &Moto, key: &str, name: &str, trusted: &str) {
    let trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}]});
    query(
        moto,
        key,
        "iam",
        &[
            ("Action", "CreateRole"),
            ("Version", "2010-05-08"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", &trust.to_string()),
        ],
    );
}

/// The CDK bootstrap stack as `cdk bootstrap` makes it report its version: an SSM parameter
/// and the `BootstrapVersion` output read from it.
fn bootstrap(moto: &Moto, key: &str) {
    let template = json!({
        "Resources": {"CdkBootstrapVersion": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Name": "/cdk-bootstrap/hnb659fds/version", "Value": "29"}}},
        "Outputs": {"BootstrapVersion": {"Value": {"Fn::GetAtt": ["CdkBootstrapVersion", "Value"]}}},
    });
    query(
        moto,
        key,
        "cloudformation",
        &[
            ("Action", "CreateStack"),
            ("Version", "2010-05-15"),
            ("StackName", "CDKToolkit"),
            ("TemplateBody", &template.to_string()),
        ],
    );
}

/// A healthy organization but for `breakage`; the delegated administrator's credentials and
/// the target OU.
fn build(moto: &Moto, breakage: &Breakage) -> ((String, String), String) {
    let workloads = organization(moto, breakage);
    let admin = moto
        .assume_role(&format!("arn:aws:iam::{ADMIN}:role/ecs-harden-deployer"))
        .expect("credentials of the delegated administrator");
    let payments = moto.key_for(FIXTURE_ACCOUNT).expect("payments-prod");
    let sandbox = moto.key_for(MEMBER_ACCOUNT).expect("sandbox");
    start_recorder(moto, &payments, FIXTURE_ACCOUNT);
    if !breakage.no_recorder_in_sandbox {
        start_recorder(moto, &sandbox, MEMBER_ACCOUNT);
    }
    start_recorder(moto, &admin.0, ADMIN);
    moto.config_as(
        &admin.0,
        "PutConfigurationAggregator",
        json!({
            "ConfigurationAggregatorName": "ecs-harden-organization",
            "OrganizationAggregationSource": {
                "RoleArn": format!("arn:aws:iam::{ADMIN}:role/aws-config-aggregator"),
                "AllAwsRegions": true,
            },
        }),
    )
    .expect("the organization aggregator");
    // A gate member role an earlier deploy from the delegated administrator made: in the way
    // of nothing.
    create_role(
        moto,
        &sandbox,
        "ecs-harden-member-gate",
        &format!("arn:aws:iam::{ADMIN}:role/ecs-harden-gate-{REGION}"),
    );
    if breakage.member_role_taken_in_payments {
        create_role(
            moto,
            &payments,
            "ecs-harden-member",
            &format!("arn:aws:iam::{FIXTURE_ACCOUNT}:role/ci-deployer"),
        );
    }
    bootstrap(moto, &admin.0);
    (admin, workloads)
}

fn doctor(moto: &Moto, (key, secret): &(String, String), args: &[&str]) -> (i32, String) {
    let output: Output = moto
        .cli()
        .expect("the ecs-harden binary")
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .arg("doctor")
        .args(args)
        .output()
        .expect("run ecs-harden doctor");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.is_empty(),
        "doctor wrote to stderr:\n{stderr}\nstdout:\n{stdout}"
    );
    (output.status.code().unwrap_or(-1), stdout)
}

/// The checklist line that starts with `start`, with its fix lines.
fn block<'a>(stdout: &'a str, start: &str) -> Vec<&'a str> {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with(start));
    let Some(first) = lines.next() else {
        panic!("no line starting with {start:?} in:\n{stdout}");
    };
    let mut block = vec![first];
    block.extend(lines.take_while(|l| l.starts_with("      ")));
    block
}

fn statuses(stdout: &str, status: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with(&format!("{status:<4}  ")))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_healthy_organization_passes() {
    let moto = Moto::start().expect("moto");
    let (admin, workloads) = build(&moto, &Breakage::default());
    let (code, stdout) = doctor(
        &moto,
        &admin,
        &["--region", REGION, "--target-ous", &workloads],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(statuses(&stdout, "FAIL").is_empty(), "{stdout}");
    assert!(statuses(&stdout, "WARN").is_empty(), "{stdout}");
    for expected in [
        "OK    Organization o-",
        "OK    Trusted access for member.org.stacksets.cloudformation.amazonaws.com: enabled",
        "OK    Delegated administrator for config-multiaccountsetup.amazonaws.com: 222233334444 is registered",
        &format!("OK    Target accounts in {workloads}: 2 active member account(s)"),
        "OK    Region us-east-1: enabled by default",
        "OK    Config recorders and delivery channels: a started recorder in 2 of 2 target account/Region pair(s) (a recorder starts only with a delivery channel), read through aggregator ecs-harden-organization",
        "OK    Role names: ecs-harden-member, ecs-harden-member-gate, ecs-harden-gate-forward-us-east-1 free in the 2 target account(s) whose IAM roles Config records, or made by an earlier ecs-harden deploy from 222233334444 (1 account(s))",
        "OK    CDK bootstrap in 222233334444, us-east-1: CDKToolkit CREATE_COMPLETE, bootstrap version 29",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(expected)),
            "no line starting with {expected:?} in:\n{stdout}"
        );
    }
    assert!(
        stdout.ends_with("0 FAIL, 0 WARN, 12 OK: nothing found that fails the deploy.\n"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(LEGACY),
        "an account outside the target OU was checked:\n{stdout}"
    );

    let (code, json_out) = doctor(
        &moto,
        &admin,
        &[
            "--region",
            REGION,
            "--target-ous",
            &workloads,
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let document: Value = serde_json::from_str(&json_out).expect("JSON");
    assert_eq!(document["account"], ADMIN);
    assert_eq!(document["deployWouldFail"], false);
    assert_eq!(document["summary"]["ok"], 12);
}

#[test]
fn a_missing_recorder_in_one_member_account_fails_with_the_commands_for_that_account() {
    let moto = Moto::start().expect("moto");
    let breakage = Breakage {
        no_recorder_in_sandbox: true,
        ..Breakage::default()
    };
    let (admin, workloads) = build(&moto, &breakage);
    let (code, stdout) = doctor(
        &moto,
        &admin,
        &["--region", REGION, "--target-ous", &workloads],
    );
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(statuses(&stdout, "FAIL").len(), 1, "{stdout}");
    assert_eq!(
        block(&stdout, "FAIL  Config recorder in 444455556666 (sandbox), us-east-1"),
        [
            "FAIL  Config recorder in 444455556666 (sandbox), us-east-1: no customer managed configuration recorder: the conformance pack, and with it the stack instance, fails here",
            "      fix: With credentials of account 444455556666, in us-east-1:",
            "           aws iam create-service-linked-role --aws-service-name config.amazonaws.com   (if the account has no AWSServiceRoleForConfig yet)",
            "           aws configservice put-configuration-recorder --configuration-recorder name=default,roleARN=arn:aws:iam::444455556666:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig --recording-group allSupported=true --region us-east-1",
            "           aws configservice put-delivery-channel --delivery-channel name=default,s3BucketName=<config bucket> --region us-east-1",
            "           aws configservice start-configuration-recorder --configuration-recorder-name default --region us-east-1",
            "           (or leave the account out with the CDK app's excludedAccounts)",
        ]
    );
    assert!(
        stdout.contains("in 1 of 2 target account/Region pair(s)"),
        "{stdout}"
    );
    // Without a recorder, Config has none of that account's IAM roles either.
    assert!(
        block(
            &stdout,
            "WARN  Role names: 1 target account(s) record no IAM roles"
        )[0]
        .ends_with("444455556666 (sandbox)"),
        "{stdout}"
    );
}

#[test]
fn missing_trusted_access_for_stacksets_fails_with_the_management_accounts_command() {
    let moto = Moto::start().expect("moto");
    let breakage = Breakage {
        no_stacksets_trusted_access: true,
        ..Breakage::default()
    };
    let (admin, workloads) = build(&moto, &breakage);
    let (code, stdout) = doctor(
        &moto,
        &admin,
        &["--region", REGION, "--target-ous", &workloads],
    );
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        block(&stdout, "FAIL  Trusted access for member.org.stacksets"),
        [
            "FAIL  Trusted access for member.org.stacksets.cloudformation.amazonaws.com: not enabled: CloudFormation StackSets with service-managed permissions cannot act in the organization",
            "      fix: In the management account (123456789012):",
            "           aws cloudformation activate-organizations-access   (or: CloudFormation console, StackSets, Activate trusted access)",
        ]
    );
    // Without trusted access the delegated administrator for StackSets was not registered
    // either.
    assert!(
        stdout.contains(&format!("aws organizations register-delegated-administrator --account-id {ADMIN} --service-principal {STACKSETS}")),
        "{stdout}"
    );
    assert_eq!(statuses(&stdout, "FAIL").len(), 2, "{stdout}");
}

#[test]
fn a_taken_role_name_fails_in_its_account_with_the_way_out() {
    let moto = Moto::start().expect("moto");
    let breakage = Breakage {
        member_role_taken_in_payments: true,
        ..Breakage::default()
    };
    let (admin, workloads) = build(&moto, &breakage);
    let (code, stdout) = doctor(
        &moto,
        &admin,
        &["--region", REGION, "--target-ous", &workloads],
    );
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(statuses(&stdout, "FAIL").len(), 1, "{stdout}");
    assert_eq!(
        block(&stdout, "FAIL  Role ecs-harden-member in"),
        [
            "FAIL  Role ecs-harden-member in 111122223333 (payments-prod): already exists (not made by ecs-harden from this account): the StackSet cannot create it, and the stack instance fails",
            "      fix: In account 111122223333: delete or rename the role (aws iam get-role --role-name ecs-harden-member shows what it is for), or choose another name with -c memberRoleName=<name> (doctor --member-role-name <name>).",
        ]
    );
    // Under another member role name the same organization passes.
    let (code, stdout) = doctor(
        &moto,
        &admin,
        &[
            "--region",
            REGION,
            "--target-ous",
            &workloads,
            "--member-role-name",
            "ecs-harden-rules-member",
            "--gate-member-role-name",
            "ecs-harden-member-gate",
        ],
    );
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn a_member_account_that_is_no_delegated_administrator_is_told_what_cannot_be_checked() {
    let moto = Moto::start().expect("moto");
    let (_, workloads) = build(&moto, &Breakage::default());
    let legacy = moto
        .assume_role(&format!("arn:aws:iam::{LEGACY}:role/ecs-harden-deployer"))
        .expect("credentials of a plain member account");
    let (code, stdout) = doctor(
        &moto,
        &legacy,
        &["--region", REGION, "--target-ous", &workloads],
    );
    let trusted = block(&stdout, "WARN  Trusted access for AWS Config and StackSets: cannot be checked. Access denied: the credentials in use may not call organizations:ListAWSServiceAccessForOrganization");
    assert!(
        trusted[0].ends_with("Organizations answers ListAWSServiceAccessForOrganization only in the management account and in delegated administrators."),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("aws organizations register-delegated-administrator --account-id {LEGACY} --service-principal config.amazonaws.com")),
        "{stdout}"
    );
    assert!(
        block(
            &stdout,
            &format!("WARN  Target accounts in {workloads}: cannot be checked. Access denied")
        )[0]
        .contains("organizations:ListAccountsForParent"),
        "{stdout}"
    );
    // What does fail the deploy is still named: this account has no CDK bootstrap.
    assert_eq!(
        statuses(&stdout, "FAIL"),
        [format!("FAIL  CDK bootstrap in {LEGACY}, us-east-1: no CDKToolkit stack: cdk deploy has nowhere to put the Lambda code and templates")],
        "{stdout}"
    );
    assert_eq!(code, 1);
}

#[test]
fn an_endpoint_that_cannot_be_reached_is_one_failing_line() {
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let output = Command::new(Lambda::binary("ecs-harden").expect("the ecs-harden binary"))
        .current_dir(workspace())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .args(["doctor", "--region", REGION])
        .output()
        .expect("run ecs-harden doctor");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(
        statuses(&stdout, "FAIL"),
        [format!("FAIL  Caller identity: Cannot reach {endpoint} (sts, Region us-east-1) for sts:GetCallerIdentity: the connection was refused. Nothing else can be checked.")],
        "{stdout}"
    );
    assert!(
        stdout.contains("fix: Check that the endpoint is up and its URL is right"),
        "{stdout}"
    );
}
