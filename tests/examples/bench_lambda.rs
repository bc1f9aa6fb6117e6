//! The Lambda half of `cargo xtask bench`, printing JSON on stdout (progress on stderr).
//!
//! ```text
//! bench_lambda cold  --rust BIN --python PY --handler-dir DIR --corpus DIR --families N --runs R
//! bench_lambda scale --rust BIN --corpus DIR --sizes 10,100,1000
//! ```
//!
//! `cold`: N task definition families in moto, then R times, alternately, a fresh process of the
//! Rust Lambda (BIN) and of the Python handler (`PY -m awslambdaric ecs4_handler.handler`, from
//! DIR) through the Runtime API emulator: init (process start → first poll for work), the first
//! (cold) event, a second (warm) event, the CPU time (user + system) of init and first event and
//! of the warm event, peak RSS and the AWS calls of one event. Twice: against an instant
//! endpoint (`ecs_harden_e2e::canned`, moto's answers to the same calls recorded beforehand and
//! served from memory), where the time is the handlers' own, and against moto itself.
//!
//! `scale`: for each size, registers families up to that many (register-task-definition
//! documents from the corpus, renamed) and runs one periodic event of a fresh Rust Lambda:
//! its wall time and the AWS calls it made, by action.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use ecs_harden_e2e::canned::{Answers, Canned};
use ecs_harden_e2e::{scheduled_event, Lambda, Moto, Reply, OWN_ACCOUNT, REGION};
use serde_json::{json, Value};

const RULE: &str = "ecs-harden-containers-not-privileged";
const FUNCTION: &str = "ecs-4-containers-not-privileged";
/// The invocation's budget, well above what 5,000 families need here; a run that fails (the
/// Lambda retries until its deadline) ends with the Lambda's logs.
const DEADLINE: Duration = Duration::from_secs(300);

fn main() {
    if let Err(e) = run() {
        eprintln!("bench_lambda: error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(mode) = args.first() else {
        bail!("usage: bench_lambda cold|scale --option value …");
    };
    let options = Options::parse(&args[1..])?;
    let report = match mode.as_str() {
        "cold" => cold(&options)?,
        "scale" => scale(&options)?,
        other => bail!("unknown mode {other:?} (cold or scale)"),
    };
    println!("{report}");
    Ok(())
}

struct Options(BTreeMap<String, String>);

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Options> {
        let mut map = BTreeMap::new();
        for pair in args.chunks(2) {
            match pair {
                [key, value] if key.starts_with("--") => {
                    map.insert(key.trim_start_matches("--").to_string(), value.clone());
                }
                _ => bail!("expected `--option value` pairs, got {pair:?}"),
            }
        }
        Ok(Options(map))
    }

    fn get(&self, key: &str) -> anyhow::Result<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .with_context(|| format!("--{key} is required"))
    }

    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        Ok(PathBuf::from(self.get(key)?))
    }

    fn number(&self, key: &str) -> anyhow::Result<usize> {
        self.get(key)?
            .parse()
            .with_context(|| format!("--{key} must be a number"))
    }
}

/// The corpus's register-task-definition documents, in file-name order.
fn corpus(dir: &Path) -> anyhow::Result<Vec<Value>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the corpus {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{} holds no task definitions", dir.display());
    }
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?;
            serde_json::from_str(&text).with_context(|| format!("{} is not JSON", f.display()))
        })
        .collect()
}

/// The document as ECS would store it: ECS rejects a `logConfiguration` without `logDriver`
/// (the corpus has some, for `ecs-harden check`); moto accepts it, and AWS SDKs then fail to read
/// it back.
fn registrable(document: &Value) -> Value {
    let mut document = document.clone();
    if let Some(containers) = document["containerDefinitions"].as_array_mut() {
        for container in containers {
            if let Some(object) = container.as_object_mut() {
                if object
                    .get("logConfiguration")
                    .is_some_and(|l| l.get("logDriver").is_none())
                {
                    object.remove("logConfiguration");
                }
            }
        }
    }
    document
}

/// Registers families `prefix-<from>` … `prefix-<to - 1>` over two connections at a time.
fn register(
    moto: &Moto,
    documents: &[Value],
    prefix: &str,
    from: usize,
    to: usize,
) -> anyhow::Result<()> {
    let workers = 2;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || -> anyhow::Result<()> {
                    for i in (from..to).filter(|i| i % workers == worker) {
                        let mut document = registrable(&documents[i % documents.len()]);
                        document["family"] = json!(format!("{prefix}-{i:05}"));
                        moto.ecs("RegisterTaskDefinition", document)
                            .with_context(|| format!("RegisterTaskDefinition {prefix}-{i:05}"))?;
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(result) => result?,
                Err(_) => bail!("a registering thread panicked"),
            }
        }
        Ok(())
    })
}

fn event(token: &str) -> Value {
    scheduled_event(
        RULE,
        token,
        OWN_ACCOUNT,
        "2025-03-05T00:00:00.000Z",
        &json!({}),
    )
}

/// One event; the reply must be a response that delivered `expected` evaluations.
fn invoke(lambda: &Lambda, event: &Value, expected: usize, who: &str) -> anyhow::Result<Duration> {
    let (reply, took) = lambda
        .runtime
        .invoke(event, DEADLINE, DEADLINE)
        .map_err(anyhow::Error::msg)
        .with_context(|| {
            format!(
                "{who}: invocation failed; logs:\n{}",
                lambda.logs().join("\n")
            )
        })?;
    match reply {
        Reply::Response(body) if body["delivered"] == expected => Ok(took),
        other => bail!(
            "{who}: expected {{\"delivered\": {expected}}}, got {other:?}; logs:\n{}",
            lambda.logs().join("\n")
        ),
    }
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn calls_by_action(moto: &Moto) -> anyhow::Result<BTreeMap<String, usize>> {
    let mut counts = BTreeMap::new();
    for call in moto.calls()? {
        let action = call["action"].as_str().unwrap_or("?").to_string();
        *counts.entry(action).or_default() += 1;
    }
    Ok(counts)
}

/// The answers of the instant endpoint: what moto answers to the calls of one periodic event
/// over the registered families (the recorders, the listing, each revision described with its
/// tags, and a PutEvaluations that fails nothing), recorded once.
fn recorded_answers(moto: &Moto) -> anyhow::Result<Answers> {
    const ECS: &str = "AmazonEC2ContainerServiceV20141113";
    let mut answers = Answers::default();
    let listed = moto.ecs(
        "ListTaskDefinitions",
        json!({"status": "ACTIVE", "maxResults": 100}),
    )?;
    if listed.get("nextToken").is_some() {
        bail!("the instant endpoint answers one page of ListTaskDefinitions: register at most 100 families");
    }
    for arn in listed["taskDefinitionArns"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let arn = arn
            .as_str()
            .context("a task definition ARN that is not a string")?;
        let described = moto.ecs(
            "DescribeTaskDefinition",
            json!({"taskDefinition": arn, "include": ["TAGS"]}),
        )?;
        answers.when(
            &format!("{ECS}.DescribeTaskDefinition"),
            "taskDefinition",
            arn,
            &described,
        );
    }
    answers.any(&format!("{ECS}.ListTaskDefinitions"), &listed);
    answers.any(
        "StarlingDoveService.PutEvaluations",
        &json!({"FailedEvaluations": []}),
    );
    // The Rust handler asks which types the configuration recorder records before choosing
    // the inventory path; the account has no recorder.
    answers.any(
        "StarlingDoveService.DescribeConfigurationRecorders",
        &moto.config("DescribeConfigurationRecorders", json!({}))?,
    );
    Ok(answers)
}

/// Where the handlers' AWS calls go in a cold-start run.
enum Endpoint<'a> {
    Moto(&'a Moto),
    Instant(&'a Canned),
}

impl Endpoint<'_> {
    fn url(&self) -> &str {
        match self {
            Endpoint::Moto(moto) => &moto.url,
            Endpoint::Instant(canned) => &canned.url,
        }
    }

    fn reset_calls(&self) -> anyhow::Result<()> {
        match self {
            Endpoint::Moto(moto) => moto.reset_calls(),
            Endpoint::Instant(canned) => {
                canned.reset_calls();
                Ok(())
            }
        }
    }

    fn calls(&self) -> anyhow::Result<usize> {
        match self {
            Endpoint::Moto(moto) => Ok(moto.calls()?.len()),
            Endpoint::Instant(canned) => {
                if canned.unanswered() > 0 {
                    bail!(
                        "the instant endpoint had no answer for {} call(s)",
                        canned.unanswered()
                    );
                }
                Ok(canned.calls())
            }
        }
    }
}

fn cold(options: &Options) -> anyhow::Result<Value> {
    let rust = options.path("rust")?;
    let python = options.path("python")?;
    let handler_dir = options.path("handler-dir")?;
    let families = options.number("families")?;
    let runs = options.number("runs")?;
    let documents = corpus(&options.path("corpus")?)?;
    let handler_dir = handler_dir
        .canonicalize()
        .with_context(|| format!("{} is missing", handler_dir.display()))?;
    let handler_path = handler_dir.to_string_lossy().to_string();

    let moto = Moto::start()?;
    register(&moto, &documents, "cold", 0, families)?;
    let canned = Canned::start(recorded_answers(&moto)?)?;
    let mut report = BTreeMap::new();
    for (name, endpoint) in [
        ("instant", Endpoint::Instant(&canned)),
        ("moto", Endpoint::Moto(&moto)),
    ] {
        let mut results: BTreeMap<&str, BTreeMap<&str, Vec<Value>>> = BTreeMap::new();
        for run in 0..runs {
            for who in ["rust", "python"] {
                endpoint.reset_calls()?;
                let token = format!("cold-{name}-{who}-{run}");
                moto.control_post(
                    "tokens",
                    json!({"resultToken": token, "configRuleName": RULE}),
                )?;
                let lambda = match who {
                    "rust" => Lambda::start_binary(&rust, FUNCTION, endpoint.url(), &[])?,
                    _ => Lambda::start_program(
                        &python,
                        &["-m", "awslambdaric", "ecs4_handler.handler"],
                        FUNCTION,
                        endpoint.url(),
                        &[
                            ("PYTHONPATH", &handler_path),
                            ("LAMBDA_TASK_ROOT", &handler_path),
                            // Lambda sets both; botocore reads only this one.
                            ("AWS_DEFAULT_REGION", REGION),
                        ],
                    )?,
                };
                let first = invoke(&lambda, &event(&token), families, who)?;
                let (cpu_cold, threads) = lambda
                    .cpu_time()
                    .with_context(|| format!("{who}: no schedstat in /proc"))?;
                let calls = endpoint.calls()?;
                let init = lambda
                    .init_time()
                    .with_context(|| format!("{who}: the function never polled for work"))?;
                let warm = invoke(&lambda, &event(&token), families, who)?;
                let (cpu_total, _) = lambda
                    .cpu_time()
                    .with_context(|| format!("{who}: no schedstat in /proc"))?;
                let rss = lambda
                    .peak_rss_kib()
                    .with_context(|| format!("{who}: no VmHWM in /proc"))?;
                eprintln!(
                    "bench_lambda: cold start ({name} endpoint) {who} run {}: init {:.1} ms, first event {:.1} ms, warm {:.1} ms, CPU {:.1} ms cold + {:.1} ms warm ({threads} threads), peak RSS {rss} KiB",
                    run + 1,
                    millis(init),
                    millis(first),
                    millis(warm),
                    millis(cpu_cold),
                    millis(cpu_total.saturating_sub(cpu_cold)),
                );
                let entry = results.entry(who).or_default();
                let mut push = |key, value: Value| entry.entry(key).or_default().push(value);
                push("init_ms", json!(millis(init)));
                push("first_event_ms", json!(millis(first)));
                push("warm_event_ms", json!(millis(warm)));
                push("cpu_cold_ms", json!(millis(cpu_cold)));
                push(
                    "cpu_warm_ms",
                    json!(millis(cpu_total.saturating_sub(cpu_cold))),
                );
                push("threads", json!(threads));
                push("peak_rss_kib", json!(rss));
                push("calls_per_event", json!(calls));
            }
        }
        report.insert(name, results);
    }
    Ok(json!({"families": families, "runs": runs, "endpoints": report}))
}

/// The most families the Config path is measured over: beyond, moto's SelectResourceConfig
/// (the project's extension, which reads every recorded revision for each page) answers a page
/// slower than the SDK's 10 s read timeout.
const CONFIG_PATH_MAX_FAMILIES: usize = 1000;

fn scale(options: &Options) -> anyhow::Result<Value> {
    let rust = options.path("rust")?;
    let documents = corpus(&options.path("corpus")?)?;
    let sizes: Vec<usize> = options
        .get("sizes")?
        .split(',')
        .map(|s| s.trim().parse().context("--sizes: comma-separated numbers"))
        .collect::<anyhow::Result<_>>()?;

    let moto = Moto::start()?;
    // A recorder of task definitions, started only for the runs on Config's path.
    moto.config(
        "PutConfigurationRecorder",
        json!({"ConfigurationRecorder": {
            "name": "default",
            "roleARN": format!("arn:aws:iam::{OWN_ACCOUNT}:role/aws-config"),
            "recordingGroup": {"allSupported": false, "resourceTypes": ["AWS::ECS::TaskDefinition"]},
        }}),
    )?;
    moto.config(
        "PutDeliveryChannel",
        json!({"DeliveryChannel": {"name": "default", "s3BucketName": "config-bucket"}}),
    )?;
    let mut registered = 0;
    let mut rows = Vec::new();
    for size in sizes {
        if size > registered {
            let started = Instant::now();
            register(&moto, &documents, "scale", registered, size)?;
            eprintln!(
                "bench_lambda: registered families {registered}..{size} in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            registered = size;
        }
        for path in ["ecs", "config"] {
            if path == "config" && registered > CONFIG_PATH_MAX_FAMILIES {
                eprintln!(
                    "bench_lambda: no Config path run over {registered} families: the local endpoint's SelectResourceConfig takes longer than the SDK's 10 s read timeout per page"
                );
                continue;
            }
            let recorder = if path == "config" {
                "StartConfigurationRecorder"
            } else {
                "StopConfigurationRecorder"
            };
            moto.config(recorder, json!({"ConfigurationRecorderName": "default"}))?;
            moto.reset_calls()?;
            let token = format!("scale-{path}-{size}");
            moto.control_post(
                "tokens",
                json!({"resultToken": token, "configRuleName": RULE}),
            )?;
            let lambda = Lambda::start_binary(&rust, FUNCTION, &moto.url, &[])?;
            let took = invoke(&lambda, &event(&token), registered, "rust")?;
            let calls = calls_by_action(&moto)?;
            let rss = lambda.peak_rss_kib().unwrap_or(0);
            eprintln!(
                "bench_lambda: periodic run over {registered} families ({path} path): {:.2} s, {} calls, peak RSS {rss} KiB",
                took.as_secs_f64(),
                calls.values().sum::<usize>()
            );
            rows.push(json!({
                "path": path,
                "families": registered,
                "revisions": registered,
                "wall_ms": millis(took),
                "init_ms": lambda.init_time().map(millis),
                "peak_rss_kib": rss,
                "calls": calls,
            }));
        }
    }
    Ok(json!({"rows": rows}))
}
