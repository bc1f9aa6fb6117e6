//! End-to-end harness: moto (with the project's Config extension, `tests/harness/moto_ext.py`)
//! on 127.0.0.1 as the AWS endpoint, and the real Lambda binaries driven through
//! [`runtime_api::RuntimeApi`]. Used by the tests in `tests/tests/` and by `cargo xtask demo`.

pub mod canned;
pub mod fault_proxy;
pub mod http;
pub mod runtime_api;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::{json, Value};

pub use runtime_api::{Reply, RuntimeApi};

/// The central (delegated administrator) account: moto's account for static test credentials
/// and the account of the Lambdas' own ARN.
pub const OWN_ACCOUNT: &str = "123456789012";
/// The member account the fixture events come from, reached through STS AssumeRole.
pub const FIXTURE_ACCOUNT: &str = "111122223333";
/// A second member account.
pub const MEMBER_ACCOUNT: &str = "444455556666";
pub const REGION: &str = "us-east-1";

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The cargo that runs this process (`CARGO`, set by `cargo run` and `cargo test`), or the one
/// on `PATH`, in the workspace root, with the environment a terminal would give it.
///
/// `cargo run` and `cargo test` hand the program the variables cargo sets for the crate being
/// built (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME` …). A nested cargo that inherited them would
/// see a different environment than a terminal's cargo: build scripts that watch one of them
/// (ring's watches `CARGO_MANIFEST_DIR`) would run again, and everything above them would be
/// rebuilt, once here and once more at the next build from a terminal.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(workspace());
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_for_the_crate) {
            command.env_remove(name);
        }
    }
    command
}

/// Variables cargo sets while compiling and running a crate, as opposed to the ones a user sets
/// to configure cargo (`CARGO_HOME`, `CARGO_TARGET_DIR`, `CARGO_BUILD_*` …).
fn set_by_cargo_for_the_crate(name: &str) -> bool {
    const EXACT: [&str; 9] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    const PREFIXES: [&str; 4] = [
        "CARGO_PKG_",
        "CARGO_BIN_EXE_",
        "CARGO_CFG_",
        "CARGO_FEATURE_",
    ];
    EXACT.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

/// The workspace's target directory, as cargo itself resolves it (`CARGO_TARGET_DIR`,
/// `build.target-dir` in a config file, or `<workspace>/target`): `target_directory` of
/// `cargo metadata --format-version 1 --no-deps`, asked once per process. Every path under the
/// target directory, in the tests and in `cargo xtask`, starts here.
pub fn target_dir() -> anyhow::Result<PathBuf> {
    static TARGET_DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    TARGET_DIR
        .get_or_init(|| ask_cargo_for_target_dir().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn ask_cargo_for_target_dir() -> anyhow::Result<PathBuf> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run `cargo metadata` to find the target directory")?;
    if !output.status.success() {
        bail!(
            "`cargo metadata --format-version 1 --no-deps` failed ({}) in {}",
            output.status,
            workspace().display()
        );
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .context("`cargo metadata` did not print a JSON document")?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("`cargo metadata` printed no target_directory")
}

/// Builds every binary of the workspace (the Lambdas, the gate, `ecs-harden`) into the target
/// directory, once per process, so that a test or the demo runs what the sources say today,
/// never a binary left over from an earlier build. Cargo releases its build-directory lock
/// before `cargo test` runs the tests, so this nested build does not wait for the outer one;
/// another cargo working in the same target directory (an editor's check, a second terminal)
/// makes it wait, as cargo says on stderr.
pub fn build_binaries() -> anyhow::Result<()> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let started = std::time::Instant::now();
            let status = cargo()
                .args(["build", "--workspace", "--bins"])
                .status()
                .map_err(|e| format!("cannot run `cargo build --workspace --bins`: {e}"))?;
            if !status.success() {
                return Err(format!(
                    "`cargo build --workspace --bins` failed ({status}); its errors are above"
                ));
            }
            eprintln!(
                "built the workspace's binaries (cargo build --workspace --bins) in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// The moto server with the project's extension, stopped on drop.
pub struct Moto {
    child: Child,
    /// `127.0.0.1:<port>`
    pub address: String,
    pub url: String,
}

impl Moto {
    /// Starts `tests/harness/moto_ext.py` from the project's venv (`.venv`, which
    /// `cargo xtask test` creates).
    pub fn start() -> anyhow::Result<Moto> {
        let python = workspace().join(".venv/bin/python");
        if !python.exists() {
            bail!(
                "{} is missing: `cargo xtask test` (or `cargo xtask setup`) installs moto into .venv",
                python.display()
            );
        }
        let mut child = Command::new(&python)
            .arg(workspace().join("tests/harness/moto_ext.py"))
            .args(["--port", "0", "--exit-with-parent"])
            .env_remove("MOTO_ACCOUNT_ID")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", python.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(url) = line.trim().strip_prefix("READY ") else {
            let _ = child.kill();
            bail!("moto did not start: {line:?}");
        };
        let url = url.to_string();
        let address = url.trim_start_matches("http://").to_string();
        Ok(Moto {
            child,
            address,
            url,
        })
    }

    /// An ECS API call with the given access key (its account is moto's mapping of it).
    pub fn ecs_as(&self, access_key: &str, action: &str, body: Value) -> anyhow::Result<Value> {
        http::aws_json(
            &self.address,
            access_key,
            "ecs",
            &format!("AmazonEC2ContainerServiceV20141113.{action}"),
            &body,
        )
    }

    pub fn ecs(&self, action: &str, body: Value) -> anyhow::Result<Value> {
        self.ecs_as("testing", action, body)
    }

    pub fn config(&self, action: &str, body: Value) -> anyhow::Result<Value> {
        self.config_as("testing", action, body)
    }

    pub fn config_as(&self, access_key: &str, action: &str, body: Value) -> anyhow::Result<Value> {
        http::aws_json(
            &self.address,
            access_key,
            "config",
            &format!("StarlingDoveService.{action}"),
            &body,
        )
    }

    /// GET on the harness control API (`/_harness/...`).
    pub fn control_get(&self, path: &str) -> anyhow::Result<Value> {
        let (status, body) =
            http::request(&self.address, "GET", &format!("/_harness/{path}"), &[], b"")?;
        if status >= 300 {
            bail!(
                "GET /_harness/{path}: {status} {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(serde_json::from_slice(&body)?)
    }

    /// POST on the harness control API.
    pub fn control_post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let (status, response) = http::request(
            &self.address,
            "POST",
            &format!("/_harness/{path}"),
            &[("content-type", "application/json")],
            &serde_json::to_vec(&body)?,
        )?;
        if status >= 300 {
            bail!(
                "POST /_harness/{path}: {status} {}",
                String::from_utf8_lossy(&response)
            );
        }
        Ok(if response.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&response)?
        })
    }

    /// Every AWS call seen, in order.
    pub fn calls(&self) -> anyhow::Result<Vec<Value>> {
        let calls = self.control_get("calls")?;
        Ok(calls
            .get("calls")
            .and_then(Value::as_array)
            .or_else(|| calls.as_array())
            .cloned()
            .unwrap_or_default())
    }

    /// How many calls of `action` were answered (faulted ones included when `with_faults`).
    pub fn count(&self, action: &str) -> anyhow::Result<usize> {
        Ok(self
            .calls()?
            .iter()
            .filter(|c| c["action"] == action)
            .count())
    }

    /// Every evaluation stored from PutEvaluations, flattened, with the account it was sent as.
    pub fn evaluations(&self) -> anyhow::Result<Vec<Value>> {
        let stored = self.control_get("evaluations")?;
        let calls = stored
            .get("calls")
            .or_else(|| stored.get("evaluations"))
            .and_then(Value::as_array)
            .or_else(|| stored.as_array())
            .cloned()
            .unwrap_or_default();
        let mut out = Vec::new();
        for call in calls {
            let account = call
                .get("accountId")
                .or_else(|| call.get("account"))
                .cloned()
                .unwrap_or(Value::Null);
            match call.get("evaluations").and_then(Value::as_array) {
                Some(list) => {
                    for e in list {
                        let mut e = e.clone();
                        e["accountId"] = account.clone();
                        out.push(e);
                    }
                }
                None => out.push(call),
            }
        }
        Ok(out)
    }

    /// An access key that acts in `account` (through AssumeRole of a role there).
    pub fn key_for(&self, account: &str) -> anyhow::Result<String> {
        if account == OWN_ACCOUNT {
            return Ok("testing".into());
        }
        Ok(self
            .assume_role(&format!("arn:aws:iam::{account}:role/harness"))?
            .0)
    }

    /// Temporary credentials for `role_arn` through STS AssumeRole: (access key, secret).
    pub fn assume_role(&self, role_arn: &str) -> anyhow::Result<(String, String)> {
        let xml = http::aws_query(
            &self.address,
            "testing",
            "sts",
            &[
                ("Action", "AssumeRole"),
                ("Version", "2011-06-15"),
                ("RoleArn", role_arn),
                ("RoleSessionName", "harness"),
            ],
        )?;
        let key = http::xml_values(&xml, "AccessKeyId").into_iter().next();
        let secret = http::xml_values(&xml, "SecretAccessKey").into_iter().next();
        match (key, secret) {
            (Some(key), Some(secret)) => Ok((key, secret)),
            _ => bail!("AssumeRole answered without credentials: {xml}"),
        }
    }

    /// The default VPC's subnet ids and default security group id of the account behind
    /// `access_key` (moto creates them on first use).
    pub fn default_network(&self, access_key: &str) -> anyhow::Result<(Vec<String>, String)> {
        let subnets = http::aws_query(
            &self.address,
            access_key,
            "ec2",
            &[("Action", "DescribeSubnets"), ("Version", "2016-11-15")],
        )?;
        let groups = http::aws_query(
            &self.address,
            access_key,
            "ec2",
            &[
                ("Action", "DescribeSecurityGroups"),
                ("Version", "2016-11-15"),
            ],
        )?;
        let subnets = http::xml_values(&subnets, "subnetId");
        let group = http::xml_values(&groups, "groupId")
            .into_iter()
            .next()
            .context("no security group")?;
        Ok((subnets, group))
    }

    /// Registers [`fargate_task_definition`] in the harness's own account; the new revision
    /// (`taskDefinition` of the answer).
    pub fn register_task_definition(
        &self,
        family: &str,
        privileged: bool,
    ) -> anyhow::Result<Value> {
        Ok(self.ecs(
            "RegisterTaskDefinition",
            fargate_task_definition(family, privileged),
        )?["taskDefinition"]
            .clone())
    }

    /// The `ecs-harden` CLI ([`Lambda::binary`]) pointed at this endpoint with the harness's
    /// credentials, nothing from the user's own AWS configuration.
    pub fn cli(&self) -> anyhow::Result<Command> {
        let mut command = Command::new(Lambda::binary("ecs-harden")?);
        command
            .current_dir(workspace())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
        Ok(command)
    }

    /// Forgets recorded calls and evaluations but keeps moto's resources.
    pub fn reset_calls(&self) -> anyhow::Result<()> {
        self.control_post("reset", json!({"moto": false}))?;
        Ok(())
    }

    pub fn reset(&self) -> anyhow::Result<()> {
        self.control_post("reset", json!({}))?;
        Ok(())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A control's real Lambda binary, running against the emulated Runtime API; stopped on drop.
pub struct Lambda {
    child: Child,
    /// When the process was started.
    pub started: std::time::Instant,
    pub runtime: RuntimeApi,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Lambda {
    /// The debug binary of a workspace package (a `rules/<crate>` Lambda, `gate`,
    /// `ecs-harden`), built from today's sources first ([`build_binaries`]).
    pub fn binary(name: &str) -> anyhow::Result<PathBuf> {
        build_binaries()?;
        let binary = target_dir()?.join("debug").join(name);
        if !binary.exists() {
            bail!(
                "{} does not exist after `cargo build --workspace --bins`: no workspace package \
                 has a binary named {name:?}",
                binary.display()
            );
        }
        Ok(binary)
    }

    pub fn start(crate_name: &str, moto: &Moto, env: &[(&str, &str)]) -> anyhow::Result<Lambda> {
        Self::start_binary(&Self::binary(crate_name)?, crate_name, &moto.url, env)
    }

    pub fn start_binary(
        binary: &Path,
        name: &str,
        endpoint: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Lambda> {
        if !binary.exists() {
            bail!("{} does not exist", binary.display());
        }
        Self::start_program(binary, &[], name, endpoint, env)
    }

    /// Starts `program args…` as the function (e.g. an arm64 `bootstrap` under qemu-aarch64).
    pub fn start_program(
        binary: &Path,
        args: &[&str],
        name: &str,
        endpoint: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Lambda> {
        let arn = format!("arn:aws:lambda:{REGION}:{OWN_ACCOUNT}:function:{name}");
        let runtime = RuntimeApi::start(&arn)?;
        let mut command = Command::new(binary);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            // The deployment's log format (LoggingConfig JSON).
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_REGION", REGION)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_ENDPOINT_URL", endpoint)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let started = std::time::Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let logs: Arc<Mutex<Vec<String>>> = Arc::default();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let logs = logs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(mut logs) = logs.lock() {
                        logs.push(line);
                    }
                }
            });
        }
        Ok(Lambda {
            child,
            started,
            runtime,
            logs,
        })
    }

    /// Invokes the function with a deadline budget and waits (at most two minutes) for its
    /// reply. A function that exits instead of replying (a panic that aborts, a stack overflow)
    /// fails the call at once, with its last log lines.
    pub fn invoke_with_deadline(
        &self,
        event: &Value,
        deadline: Duration,
    ) -> anyhow::Result<(Reply, Duration)> {
        self.runtime
            .invoke_while(event, deadline, Duration::from_secs(120), &|| {
                self.exited().then(|| {
                    let logs = self.logs();
                    let last = &logs[logs.len().saturating_sub(20)..];
                    format!(
                        "the function exited; its last log lines:\n{}",
                        last.join("\n")
                    )
                })
            })
            .map_err(anyhow::Error::msg)
    }

    /// Whether the process has ended (gone, or a zombie not yet reaped).
    fn exited(&self) -> bool {
        match std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())) {
            // The state follows the command name in parentheses, which may itself hold spaces.
            Ok(stat) => stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state == "Z" || state == "X"),
            Err(_) => true,
        }
    }

    pub fn invoke(&self, event: &Value) -> anyhow::Result<Reply> {
        Ok(self.invoke_with_deadline(event, Duration::from_secs(60))?.0)
    }

    /// Time from process start to its first poll for work (the Lambda init phase).
    pub fn init_time(&self) -> Option<Duration> {
        self.runtime
            .first_poll()
            .map(|t| t.duration_since(self.started))
    }

    /// Log lines so far (stdout and stderr). A JSON log record's `fields` (where the tracing
    /// subscriber puts an event's message and fields) are lifted to the top level, as a log
    /// query flattens them; other lines are as written.
    ///
    /// A function writes its log lines before it replies, but the threads that read its pipes
    /// may not have taken the last ones yet when the reply arrives: the lines are read once
    /// none has come for 50 ms (at most 2 s of waiting).
    pub fn logs(&self) -> Vec<String> {
        let count = || self.logs.lock().map(|l| l.len()).unwrap_or_default();
        let mut seen = count();
        for _ in 0..40 {
            std::thread::sleep(Duration::from_millis(50));
            let now = count();
            if now == seen {
                break;
            }
            seen = now;
        }
        let lines = self.logs.lock().map(|l| l.clone()).unwrap_or_default();
        lines
            .into_iter()
            .map(|line| flatten_log_record(&line))
            .collect()
    }

    /// CPU time (user + system) the process has used so far, as the scheduler counts it in
    /// nanoseconds: the first field of `/proc/<pid>/task/<tid>/schedstat` summed over its
    /// threads (the tick-counted `utime` and `stime` of `/proc/<pid>/stat` are 10 ms coarse).
    /// With the number of threads, so that a caller can see none came and went.
    pub fn cpu_time(&self) -> Option<(Duration, usize)> {
        let mut nanos = 0u64;
        let mut threads = 0;
        for task in std::fs::read_dir(format!("/proc/{}/task", self.child.id())).ok()? {
            let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
            nanos += stat.split_whitespace().next()?.parse::<u64>().ok()?;
            threads += 1;
        }
        Some((Duration::from_nanos(nanos), threads))
    }

    /// Peak resident memory of the process so far, in KiB (Linux `VmHWM`).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse().ok())
    }
}

impl Drop for Lambda {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A one-container Fargate task definition to register: passes ECS.4 unless `privileged`, and
/// the other task-definition controls the tests look at (non-root user, read-only root,
/// logging, tagged).
pub fn fargate_task_definition(family: &str, privileged: bool) -> Value {
    json!({
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512",
        "containerDefinitions": [{
            "name": "app",
            "image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1.0",
            "privileged": privileged,
            "user": "1000",
            "readonlyRootFilesystem": true,
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"}},
        }],
        "tags": [{"key": "team", "value": "platform"}],
    })
}

/// A Config rule event: change notification carrying `item`.
pub fn change_event(
    rule: &str,
    token: &str,
    item: &Value,
    account: &str,
    parameters: &Value,
) -> Value {
    let capture = item["configurationItemCaptureTime"].clone();
    json!({
        "version": "1.0",
        "invokingEvent": json!({
            "configurationItemDiff": null,
            "configurationItem": item,
            "notificationCreationTime": capture,
            "messageType": "ConfigurationItemChangeNotification",
            "recordVersion": "1.3",
        }).to_string(),
        "ruleParameters": parameters.to_string(),
        "resultToken": token,
        "eventLeftScope": false,
        "executionRoleArn": format!("arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"),
        "configRuleArn": format!("arn:aws:config:{REGION}:{account}:config-rule/config-rule-{rule}"),
        "configRuleName": rule,
        "configRuleId": format!("config-rule-{rule}"),
        "accountId": account,
    })
}

/// A Config rule event: periodic (`ScheduledNotification`).
pub fn scheduled_event(
    rule: &str,
    token: &str,
    account: &str,
    time: &str,
    parameters: &Value,
) -> Value {
    json!({
        "version": "1.0",
        "invokingEvent": json!({
            "awsAccountId": account,
            "notificationCreationTime": time,
            "messageType": "ScheduledNotification",
            "recordVersion": "1.0",
        }).to_string(),
        "ruleParameters": parameters.to_string(),
        "resultToken": token,
        "eventLeftScope": false,
        "executionRoleArn": format!("arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"),
        "configRuleArn": format!("arn:aws:config:{REGION}:{account}:config-rule/config-rule-{rule}"),
        "configRuleName": rule,
        "accountId": account,
    })
}

/// A JSON log record with its `fields` object merged into the top level.
fn flatten_log_record(line: &str) -> String {
    let Ok(Value::Object(mut record)) = serde_json::from_str::<Value>(line) else {
        return line.to_string();
    };
    if let Some(Value::Object(fields)) = record.remove("fields") {
        for (key, value) in fields {
            record.insert(key, value);
        }
    }
    Value::Object(record).to_string()
}
