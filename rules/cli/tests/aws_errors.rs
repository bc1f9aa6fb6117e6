//! AWS failures as a user meets them: one sentence with what is wrong and how to fix it, the
//! SDK's own error only with `--verbose`. Nothing here reaches AWS: credentials come from
//! nowhere and the endpoint is a closed local port.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A closed port on this machine: connections are refused at once.
const UNREACHABLE: &str = "http://127.0.0.1:9";

/// An empty home with empty AWS config and credentials files, created once per test.
fn empty_home(name: &str) -> PathBuf {
    let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&home).unwrap();
    for file in ["config", "credentials"] {
        std::fs::write(home.join(file), "").unwrap();
    }
    home
}

/// `ecs-harden ARGS` as a new user would run it: no credentials anywhere (environment, files,
/// container or instance metadata) and AWS at an unreachable endpoint.
fn without_credentials(home: &str, args: &[&str]) -> Output {
    let home = empty_home(home);
    Command::new(env!("CARGO_BIN_EXE_ecs-harden"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        // Off so that a test machine in EC2 does not lend its instance role.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", UNREACHABLE)
        .output()
        .unwrap()
}

const NO_CREDENTIALS: &str = "No AWS credentials found for sts:GetCallerIdentity: none in the environment, the AWS config and credentials files, or container or instance metadata. Sign in with `aws sso login --profile NAME` (IAM Identity Center), choose a profile that has credentials with --profile or AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials).";

#[test]
fn scan_without_credentials_says_how_to_provide_them_in_one_line() {
    let output = without_credentials("no-credentials", &["scan", "--region", "us-east-1"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr, format!("ecs-harden: error: {NO_CREDENTIALS}\n"));
    for sdk_text in [
        "DispatchFailure",
        "ConnectorError",
        "dispatch failure",
        "CredentialsNotLoaded",
    ] {
        assert!(
            !stderr.contains(sdk_text),
            "{sdk_text} shown without --verbose: {stderr}"
        );
    }
    assert!(output.stdout.is_empty());
}

#[test]
fn verbose_adds_the_error_as_the_sdk_reported_it() {
    let output = without_credentials(
        "no-credentials-verbose",
        &["scan", "--region", "us-east-1", "--verbose"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let (first, rest) = stderr.split_once('\n').unwrap();
    assert_eq!(first, format!("ecs-harden: error: {NO_CREDENTIALS}"));
    assert!(
        rest.starts_with("  AWS error: sts:GetCallerIdentity failed: NoCredentials: ")
            && rest.contains("Ec2InstanceMetadata")
            && rest.contains("AWS_EC2_METADATA_DISABLED"),
        "{rest}"
    );
}

#[test]
fn evidence_without_credentials_says_the_same() {
    let output = without_credentials(
        "no-credentials-evidence",
        &["evidence", "--region", "us-east-1"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(
            "ecs-harden: error: No AWS credentials found for config:DescribeConfigurationAggregators:"
        ) && stderr.contains("`aws sso login --profile NAME`"),
        "{stderr}"
    );
    assert!(!stderr.contains("ConnectorError"), "{stderr}");
}

#[test]
fn an_unreachable_endpoint_is_named_with_what_to_check() {
    let home = empty_home("unreachable");
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-harden"))
        .args(["scan", "--region", "eu-west-1"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_ENDPOINT_URL", UNREACHABLE)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        "ecs-harden: error: Cannot reach http://127.0.0.1:9 (sts, Region eu-west-1) for sts:GetCallerIdentity: the connection was refused. Check that the endpoint is up and its URL is right, or unset AWS_ENDPOINT_URL (or the profile's endpoint_url) to use AWS's own endpoints.\n"
    );
}
