//! `cargo xtask demo`: the main job on the local default. Starts the local AWS endpoint (moto
//! with the project's Config extension), creates the resources of `tests/harness/demo-account.json`,
//! runs every control's real Config rule Lambda over the account (periodic event), prints the
//! compliance table the AWS Config console would show, scans the same account live with
//! `ecs-harden scan`, writes the organization's evidence report with `ecs-harden evidence`
//! (`demo/evidence.{md,html}` in the target directory), stops the endpoint, then checks the
//! example files with `ecs-harden check`. Every binary comes from the target directory cargo
//! names (`CARGO_TARGET_DIR` included), built from today's sources first.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{bail, Context};
use ecs_harden_core::catalogue::CATALOGUE;
use ecs_harden_e2e::{
    build_binaries, http, scheduled_event, Lambda, Moto, Reply, OWN_ACCOUNT, REGION,
};
use serde_json::{json, Value};

use crate::{project_root, setup, target_dir, timed};

fn seed(moto: &Moto, account: &Value) -> anyhow::Result<usize> {
    let mut created = 0;
    let list = |key: &str| account[key].as_array().cloned().unwrap_or_default();
    for cluster in list("clusters") {
        moto.ecs("CreateCluster", cluster)?;
        created += 1;
    }
    for td in list("taskDefinitions") {
        moto.ecs("RegisterTaskDefinition", td)?;
        created += 1;
    }
    let (subnets, group) = moto.default_network("testing")?;
    for mut service in list("services") {
        let assign = service
            .as_object_mut()
            .and_then(|s| s.remove("assignPublicIp"))
            .unwrap_or(json!("DISABLED"));
        service["networkConfiguration"] = json!({"awsvpcConfiguration": {
            "subnets": [subnets.first().cloned().unwrap_or_default()],
            "securityGroups": [group],
            "assignPublicIp": assign,
        }});
        moto.ecs("CreateService", service)?;
        created += 1;
    }
    for provider in list("capacityProviders") {
        moto.ecs("CreateCapacityProvider", provider)?;
        created += 1;
    }
    Ok(created)
}

fn compliance(moto: &Moto, rule: &str) -> anyhow::Result<Vec<Value>> {
    let mut results = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = json!({"ConfigRuleName": rule, "Limit": 100});
        if let Some(t) = &token {
            request["NextToken"] = json!(t);
        }
        let page = moto.config("GetComplianceDetailsByConfigRule", request)?;
        results.extend(
            page["EvaluationResults"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        token = page["NextToken"].as_str().map(str::to_string);
        if token.is_none() {
            return Ok(results);
        }
    }
}

pub fn run() -> anyhow::Result<()> {
    setup()?;
    timed(
        "build the Lambdas and ecs-harden (cargo build --workspace --bins)",
        build_binaries,
    )?;
    let binary = Lambda::binary("ecs-harden")?;
    let account: Value = serde_json::from_str(
        &std::fs::read_to_string(project_root().join("tests/harness/demo-account.json"))
            .context("cannot read tests/harness/demo-account.json")?,
    )?;
    let moto = Moto::start()?;
    println!(
        "==> local AWS endpoint (moto + Config extension) at {}",
        moto.url
    );
    let created = seed(&moto, &account)?;
    println!("==> created {created} ECS resources from tests/harness/demo-account.json");

    let mut failures = Vec::new();
    for control in CATALOGUE {
        let rule = control.rule_name();
        let token = format!("demo-{}", control.id);
        moto.control_post(
            "tokens",
            json!({"resultToken": token, "configRuleName": rule}),
        )?;
        let lambda = Lambda::start(&control.crate_name(), &moto, &[])?;
        let event = scheduled_event(
            &rule,
            &token,
            OWN_ACCOUNT,
            "2025-03-05T00:00:00.000Z",
            &json!({}),
        );
        if let Reply::Error(e) = lambda.invoke(&event)? {
            failures.push(format!("{rule}: {e}"));
        }
    }

    println!(
        "\nAWS Config compliance, account {OWN_ACCOUNT}, {REGION} (as the console shows it)\n"
    );
    println!(
        "{:<52} {:<9} {:<8} {:>13} {:>10} {:>15}",
        "RULE", "CONTROL", "SEVERITY", "NON_COMPLIANT", "COMPLIANT", "NOT_APPLICABLE"
    );
    let mut offenders = Vec::new();
    for control in CATALOGUE {
        let rule = control.rule_name();
        let results = compliance(&moto, &rule)?;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for r in &results {
            let verdict = r["ComplianceType"].as_str().unwrap_or_default().to_string();
            *counts.entry(verdict.clone()).or_default() += 1;
            if verdict == "NON_COMPLIANT" {
                let q = &r["EvaluationResultIdentifier"]["EvaluationResultQualifier"];
                offenders.push(format!(
                    "  {:<9} {}  {}\n            {}",
                    control.id,
                    q["ResourceType"].as_str().unwrap_or_default(),
                    q["ResourceId"].as_str().unwrap_or_default(),
                    r["Annotation"].as_str().unwrap_or_default()
                ));
            }
        }
        let get = |k: &str| counts.get(k).copied().unwrap_or(0);
        println!(
            "{:<52} {:<9} {:<8} {:>13} {:>10} {:>15}",
            rule,
            control.id,
            control.severity.as_str(),
            get("NON_COMPLIANT"),
            get("COMPLIANT"),
            get("NOT_APPLICABLE")
        );
    }
    println!("\nNon-compliant resources:");
    for line in &offenders {
        println!("{line}");
    }
    let put_calls = moto.count("PutEvaluations")?;

    println!(
        "\n==> {} scan --region {REGION}  (the same account live through the ECS API, before any rule is deployed)\n",
        binary.display()
    );
    let status = moto
        .cli()?
        .args(["scan", "--region", REGION])
        .status()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    if !matches!(status.code(), Some(0 | 1)) {
        bail!("ecs-harden scan failed: {status}");
    }

    // The organization's view: an aggregator in this (delegated administrator) account.
    http::aws_json(
        &moto.address,
        "testing",
        "organizations",
        "AWSOrganizationsV20161128.CreateOrganization",
        &json!({"FeatureSet": "ALL"}),
    )?;
    moto.config(
        "PutConfigurationAggregator",
        json!({
            "ConfigurationAggregatorName": "ecs-harden-organization",
            "OrganizationAggregationSource": {
                "RoleArn": format!("arn:aws:iam::{OWN_ACCOUNT}:role/aws-config-aggregator"),
                "AllAwsRegions": true,
            },
        }),
    )?;
    let out = target_dir()?.join("demo");
    std::fs::create_dir_all(&out)?;
    for (format, file) in [("md", "evidence.md"), ("html", "evidence.html")] {
        let path = out.join(file);
        let status = moto
            .cli()?
            .args(["evidence", "--format", format, "--out"])
            .arg(&path)
            .status()
            .with_context(|| format!("cannot run {}", binary.display()))?;
        if !status.success() {
            bail!("ecs-harden evidence --format {format} failed: {status}");
        }
    }
    println!(
        "\n==> ecs-harden evidence: open {} (or read {})",
        out.join("evidence.html").display(),
        out.join("evidence.md").display()
    );
    drop(moto);
    println!(
        "\n{} rules ran, {put_calls} PutEvaluations calls; the local endpoint is stopped.",
        CATALOGUE.len()
    );
    if !failures.is_empty() {
        bail!("some rule invocations failed:\n{}", failures.join("\n"));
    }

    println!(
        "\n==> {} check examples/  (files in CI, no AWS at all)\n",
        binary.display()
    );
    let status = Command::new(&binary)
        .current_dir(project_root())
        .args(["check", "examples"])
        .status()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    match status.code() {
        Some(0 | 1) => {
            println!("\nexit status {} (1: something is non-compliant, as the examples are meant to show)", status.code().unwrap_or(-1));
            Ok(())
        }
        _ => bail!("ecs-harden check failed: {status}"),
    }
}
