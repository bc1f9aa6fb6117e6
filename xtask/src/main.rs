//! `cargo xtask`: the project's tasks, in Rust instead of shell scripts. The tasks and their
//! flags are declared in `flags.rs`; `cargo xtask help` lists them.

mod bench;
mod codegen;
mod demo;
mod deny;
mod flags;
mod lambdas;
mod packs;
mod prerequisites;
mod scaffold;
mod test;
mod wheel;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Parser;

use flags::{Task, Xtask};

fn main() {
    let flags = Xtask::parse();
    if let Err(e) = run(flags.task) {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

fn run(task: Task) -> anyhow::Result<()> {
    match task {
        Task::Test => test::run(),
        Task::Setup => prerequisites::install(),
        Task::Demo => demo::run(),
        Task::Codegen { check } => codegen::run(if check {
            codegen::Mode::Check
        } else {
            codegen::Mode::Overwrite
        }),
        Task::NewControl(args) => scaffold::run(&args),
        Task::BuildLambdas(args) => lambdas::run(&args),
        Task::LambdaSmoke => lambdas::packaging_test(),
        Task::WheelSmoke => wheel::test(),
        Task::Deploy(args) => deploy(&args),
        Task::Bench(args) => bench::run(&args),
    }
}

/// The workspace root.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The workspace's target directory, as cargo resolves it (`CARGO_TARGET_DIR` included); the
/// one function every path under it starts from, shared with the end-to-end harness.
pub fn target_dir() -> anyhow::Result<PathBuf> {
    ecs_harden_e2e::target_dir()
}

/// `path` relative to the workspace root when it is inside it, for messages.
pub fn shown(path: &Path) -> String {
    path.strip_prefix(project_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The cargo running this task, in the workspace root.
pub fn cargo() -> Command {
    ecs_harden_e2e::cargo()
}

/// The steps run so far in this process: (name, seconds).
static STEPS: Mutex<Vec<(String, f64)>> = Mutex::new(Vec::new());

/// Runs `work` as a named step: a line before, a line with its time after, and its time kept
/// for the summary of `cargo xtask test`.
pub fn timed<T>(name: &str, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    let started = Instant::now();
    println!("==> {name}");
    let value = work().with_context(|| format!("{name} failed"))?;
    let seconds = started.elapsed().as_secs_f64();
    println!("==> {name}: ok ({seconds:.1}s)");
    if let Ok(mut steps) = STEPS.lock() {
        steps.push((name.to_string(), seconds));
    }
    Ok(value)
}

/// Runs a command as a named step; fails when it cannot start or exits unsuccessfully.
pub fn step(name: &str, command: &mut Command) -> anyhow::Result<()> {
    timed(name, || {
        let status = command
            .status()
            .with_context(|| format!("cannot start {:?}", command.get_program()))?;
        if !status.success() {
            bail!("exit status {status}");
        }
        Ok(())
    })
}

/// The steps timed so far, in order.
pub fn step_times() -> Vec<(String, f64)> {
    STEPS.lock().map(|s| s.clone()).unwrap_or_default()
}

/// The Python venv with moto (the local AWS endpoint of the end-to-end tests) and cfn-lint,
/// created or refreshed when `tests/harness/requirements.txt` changed.
pub fn setup() -> anyhow::Result<()> {
    python_venv(".venv", "tests/harness/requirements.txt", "moto, cfn-lint")
}

/// A venv `name` in the workspace root with the pinned `requirements` installed, created or
/// refreshed only when the requirements file changed since the last install.
pub fn python_venv(name: &str, requirements: &str, what: &str) -> anyhow::Result<()> {
    let venv = project_root().join(name);
    let path = project_root().join(requirements);
    let wanted = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let stamp = venv.join(".requirements.installed");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        println!("==> python venv ({name}): up to date");
        return Ok(());
    }
    if !venv.join("bin/python").exists() {
        prerequisites::python_with_venv()?;
        step(
            &format!("python3 -m venv {name}"),
            Command::new("python3")
                .current_dir(project_root())
                .args(["-m", "venv", name]),
        )?;
    }
    step(
        &format!("pip install -r {requirements} ({what})"),
        Command::new(venv.join("bin/pip"))
            .current_dir(project_root())
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                requirements,
            ]),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

/// `cargo xtask deploy`: `ecs-harden doctor` unless skipped, every zip, then the CDK app
/// (central stacks, StackSets), with the user's own `-c key=value` context passed through.
fn deploy(args: &flags::Deploy) -> anyhow::Result<()> {
    if !args.skip_doctor {
        doctor(&args.context)?;
    }
    lambdas::run(&flags::BuildLambdas {
        arch: flags::Arch::Arm64,
        controls: Vec::new(),
    })?;
    prerequisites::node()?;
    let cdk = project_root().join("cdk");
    npm_ci(&cdk)?;
    let lambda_code = serde_json::json!({
        "zipDir": lambdas::zip_dir(flags::Arch::Arm64)?.display().to_string(),
    });
    let mut command = Command::new("npx");
    command
        .current_dir(&cdk)
        .args([
            "cdk",
            "deploy",
            "--all",
            "--no-notices",
            "--no-version-reporting",
            "--no-lookups",
            "-c",
        ])
        .arg(format!("lambdaCode={lambda_code}"));
    for context in &args.context {
        command.args(["-c", context]);
    }
    step("cdk deploy --all", &mut command)
}

/// `ecs-harden doctor` for the deployment the context describes; an error when a check fails.
fn doctor(context: &[String]) -> anyhow::Result<()> {
    let path = project_root().join("cdk/cdk.json");
    let cdk_json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", shown(&path)))?,
    )
    .with_context(|| format!("{} is not JSON", shown(&path)))?;
    let arguments = doctor_arguments(&cdk_json["context"], context);
    timed("ecs-harden doctor", || {
        let status = cargo()
            .args([
                "run",
                "--quiet",
                "-p",
                "ecs-harden-cli",
                "--bin",
                "ecs-harden",
                "--",
                "doctor",
            ])
            .args(&arguments)
            .status()
            .context("cannot run cargo")?;
        match status.code() {
            Some(0) => Ok(()),
            Some(1) => bail!(
                "a check failed (the FAIL lines above): fix it and deploy again, or deploy anyway with --skip-doctor"
            ),
            _ => bail!("doctor did not run ({status}); deploy without it with --skip-doctor"),
        }
    })
}

/// Doctor's arguments from the CDK context: cdk.json's `context`, each key overridden by its
/// last `-c KEY=VALUE`. Lists are JSON arrays or comma-separated, as the CDK app reads them.
fn doctor_arguments(cdk_context: &serde_json::Value, overrides: &[String]) -> Vec<String> {
    const KEYS: [(&str, &str); 6] = [
        ("regions", "--region"),
        ("targetOus", "--target-ous"),
        ("excludedAccounts", "--excluded-accounts"),
        ("configSourceAccounts", "--config-source-accounts"),
        ("memberRoleName", "--member-role-name"),
        ("gateMemberRoleName", "--gate-member-role-name"),
    ];
    let mut arguments = Vec::new();
    for (key, flag) in KEYS {
        let given = overrides
            .iter()
            .rev()
            .find_map(|c| c.strip_prefix(key)?.strip_prefix('='))
            .map(|text| {
                serde_json::from_str(text.trim())
                    .unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
            });
        let items: Vec<String> = match given.as_ref().unwrap_or(&cdk_context[key]) {
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .or_else(|| i.as_u64().map(|n| n.to_string()))
                })
                .collect(),
            serde_json::Value::String(text) => {
                text.split(',').map(|i| i.trim().to_string()).collect()
            }
            _ => Vec::new(),
        };
        let items: Vec<String> = items.into_iter().filter(|i| !i.is_empty()).collect();
        if !items.is_empty() {
            arguments.extend([flag.to_string(), items.join(",")]);
        }
    }
    arguments
}

/// Installs the CDK app's locked dependencies.
pub fn npm_ci(cdk: &Path) -> anyhow::Result<()> {
    step(
        "npm ci (cdk)",
        Command::new("npm")
            .current_dir(cdk)
            .args(["ci", "--no-audit", "--no-fund"]),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn doctor_checks_the_deployment_of_cdk_json_and_the_c_arguments() {
        let cdk_json = json!({
            "delegatedAdminAccount": "111122223333",
            "regions": ["us-east-1", "eu-west-1"],
            "targetOus": ["ou-exam-ple12345"],
            "memberRoleName": "ecs-harden-member",
        });
        let arguments = super::doctor_arguments(
            &cdk_json,
            &[
                "targetOus=ou-ab12-11111111, ou-ab12-22222222".to_string(),
                r#"excludedAccounts=["444455556666"]"#.to_string(),
                "regions=us-east-1".to_string(),
                "regions=eu-west-1".to_string(),
            ],
        );
        assert_eq!(
            arguments,
            [
                "--region",
                "eu-west-1",
                "--target-ous",
                "ou-ab12-11111111,ou-ab12-22222222",
                "--excluded-accounts",
                "444455556666",
                "--member-role-name",
                "ecs-harden-member"
            ]
        );
    }
}
