//! `evidence` on the command line, before and without AWS: the register is read (from
//! `--exceptions` or the `--config` file) and judged before the aggregator is asked, so an
//! invalid register fails at once; `evidence verify` on a folder that is not a bundle fails;
//! `--bundle` writes every format, so it takes neither `--format` nor `--out`. The reports
//! themselves are tested end to end against the local endpoint (tests/tests/evidence.rs).

use std::path::PathBuf;
use std::process::{Command, Output};

/// 2026-12-05T00:00:00Z: the date the register is judged on.
const TODAY_EPOCH: &str = "1796428800";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-harden"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        // Nothing may reach AWS: an endpoint nobody listens on.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .output()
        .expect("run ecs-harden")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ecs-harden-evidence-cli-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_invalid_register_named_by_the_config_file_fails_before_aws_is_asked() {
    let dir = scratch("config");
    std::fs::write(
        dir.join("exceptions.yaml"),
        "exceptions:
  - id: EXC-7
    controls: [ECS.4]
    resources: [cadvisor]
    reason: needs privileged
    owner: platform-team
    approvedBy: ciso
    expires: 2030-01-01
",
    )
    .unwrap();
    std::fs::write(dir.join("ecs-harden.yaml"), "exceptions: exceptions.yaml\n").unwrap();
    let config = dir.join("ecs-harden.yaml");
    let output = run(&["evidence", "--config", config.to_str().unwrap()]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains("exceptions[0] (EXC-7).expires: 2030-01-01 is more than 365 days"),
        "{message}"
    );
    assert!(
        !message.contains("127.0.0.1:9"),
        "the register is judged before the aggregator is read: {message}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verify_fails_on_a_folder_that_is_not_a_bundle() {
    let dir = scratch("verify");
    std::fs::write(dir.join("report.md"), "# not a bundle\n").unwrap();
    let output = run(&["evidence", "verify", dir.to_str().unwrap()]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("MANIFEST.json: cannot read"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bundle_takes_no_format_or_out() {
    let output = run(&["evidence", "--bundle", "b", "--format", "csv"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("cannot be used with"), "{message}");
}
