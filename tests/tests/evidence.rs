//! Audit evidence end to end: the real rule Lambdas report into two member accounts of an
//! organization, the central account's aggregator is read by `ecs-harden evidence` with an
//! exception register, and every format of the bundle's report is compared with its golden
//! file; the bundle verifies and stops verifying when one byte changes; a second bundle after a
//! fix and a new register entry, compared with the first, shows both; the HTML page is rendered
//! by headless Chromium.
//!
//! `UPDATE_GOLDEN=1 cargo test -p ecs-harden-e2e --test evidence` rewrites tests/golden/ and then
//! fails, so that the new files are reviewed before the test passes again.

use std::path::{Path, PathBuf};
use std::process::Command;

use ecs_harden_e2e::{
    fargate_task_definition, http, scheduled_event, target_dir, workspace, Lambda, Moto, Reply,
    FIXTURE_ACCOUNT, MEMBER_ACCOUNT, OWN_ACCOUNT, REGION,
};
use serde_json::{json, Value};

/// 2026-11-20T06:00:00Z: when the harness records results, and the report's date.
const RECORDED_EPOCH: i64 = 1_795_154_400;
/// A week later: the second bundle.
const WEEK_LATER_EPOCH: i64 = RECORDED_EPOCH + 7 * 86_400;
const AGGREGATOR: &str = "org-aggregator";

/// The register of the first bundle: log-shipper's privileged container is accepted risk in
/// payments-prod until 2026-12-10 (20 days after the report: listed as expiring soon); EXC-2
/// covers a control and resource with no failure.
const REGISTER: &str = "exceptions:
  - id: EXC-1
    controls: [ECS.4]
    resources: [log-shipper]
    accounts: ['111122223333']
    reason: The log shipper reads the host's container logs and needs privileged mode.
    owner: platform-team@example.com
    approvedBy: security-architecture@example.com
    expires: 2026-12-10
    ticket: SEC-101
  - id: EXC-2
    controls: [ECS.8]
    resources: [checkout]
    reason: Test entry for a resource that passes.
    owner: payments-team@example.com
    approvedBy: security-architecture@example.com
    expires: 2027-06-30
";

/// The register a week later: EXC-3 accepts the sandbox's experiment without a read-only root.
const REGISTER_LATER: &str = "  - id: EXC-3
    controls: [ECS.5]
    resources: [experiment]
    accounts: ['444455556666']
    reason: Sandbox experiments write to their root filesystem until the next image.
    owner: data-science@example.com
    approvedBy: security-architecture@example.com
    expires: 2027-02-28
    ticket: SEC-117
";

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

/// Root ─ Workloads ─ Prod: payments-prod (111122223333); Root ─ Sandbox: sandbox
/// (444455556666); the management account (123456789012) at the root.
fn organization(moto: &Moto) {
    organizations(moto, "CreateOrganization", json!({"FeatureSet": "ALL"}));
    let root = organizations(moto, "ListRoots", json!({}))["Roots"][0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let ou = |parent: &str, name: &str| {
        organizations(
            moto,
            "CreateOrganizationalUnit",
            json!({"ParentId": parent, "Name": name}),
        )["OrganizationalUnit"]["Id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let workloads = ou(&root, "Workloads");
    let prod = ou(&workloads, "Prod");
    let sandbox = ou(&root, "Sandbox");
    for (name, id, target) in [
        ("payments-prod", FIXTURE_ACCOUNT, &prod),
        ("sandbox", MEMBER_ACCOUNT, &sandbox),
    ] {
        organizations(
            moto,
            "CreateAccount",
            json!({"AccountName": name, "Email": format!("{name}@example.com")}),
        );
        moto.control_post("organizations/pin-account", json!({"name": name, "id": id}))
            .unwrap();
        organizations(
            moto,
            "MoveAccount",
            json!({"AccountId": id, "SourceParentId": root, "DestinationParentId": target}),
        );
    }
}

fn task_definition(family: &str, privileged: bool, secret_env: bool, readonly: bool) -> Value {
    let mut environment = vec![json!({"name": "LOG_LEVEL", "value": "info"})];
    if secret_env {
        environment.push(json!({"name": "AWS_SECRET_ACCESS_KEY", "value": "hunter2-prod-db"}));
    }
    let mut td = fargate_task_definition(family, privileged);
    let container = &mut td["containerDefinitions"][0];
    container["image"] = json!("111122223333.dkr.ecr.us-east-1.amazonaws.com/app@sha256:0f8c2d8f2e5ab6b1b2a9a1c1d7e5c9b0a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9");
    container["readonlyRootFilesystem"] = json!(readonly);
    container["environment"] = json!(environment);
    container["linuxParameters"] = json!({"capabilities": {"drop": ["ALL"]}});
    td
}

/// Resources in the two member accounts.
fn member_resources(moto: &Moto) {
    let payments = moto.key_for(FIXTURE_ACCOUNT).unwrap();
    for td in [
        task_definition("checkout", false, false, true),
        task_definition("ledger", false, true, true),
        task_definition("log-shipper", true, false, false),
    ] {
        moto.ecs_as(&payments, "RegisterTaskDefinition", td)
            .unwrap();
    }
    moto.ecs_as(
        &payments,
        "CreateCluster",
        json!({"clusterName": "payments", "settings": [{"name": "containerInsights", "value": "enabled"}]}),
    )
    .unwrap();
    let sandbox = moto.key_for(MEMBER_ACCOUNT).unwrap();
    for td in [
        task_definition("experiment", false, false, false),
        task_definition("notebook", false, false, true),
    ] {
        moto.ecs_as(&sandbox, "RegisterTaskDefinition", td).unwrap();
    }
    moto.ecs_as(
        &sandbox,
        "CreateCluster",
        json!({"clusterName": "scratch", "settings": [{"name": "containerInsights", "value": "disabled"}]}),
    )
    .unwrap();
}

/// Each control's real Lambda, periodic, in both member accounts; its rule named as an
/// organization conformance pack names it in members.
fn report_evaluations(moto: &Moto) {
    for (crate_name, control) in [
        ("ecs-4-containers-not-privileged", "ECS.4"),
        ("ecs-5-containers-readonly-root", "ECS.5"),
        ("ecs-8-no-environment-secrets", "ECS.8"),
        ("ecs-12-cluster-container-insights", "ECS.12"),
        ("harden-1-containers-drop-all-capabilities", "HARDEN.1"),
    ] {
        let rule = ecs_harden_core::catalogue::find(control)
            .unwrap()
            .rule_name();
        let member_rule = format!("{rule}-conformance-pack-q7x2k9m1");
        let lambda = Lambda::start(crate_name, moto, &[]).unwrap();
        for account in [FIXTURE_ACCOUNT, MEMBER_ACCOUNT] {
            evaluate(
                moto,
                &lambda,
                control,
                &member_rule,
                account,
                "2026-11-20T05:59:00.000Z",
            );
        }
    }
}

/// One periodic evaluation of `control`'s rule in `account` at `time`.
fn evaluate(moto: &Moto, lambda: &Lambda, control: &str, rule: &str, account: &str, time: &str) {
    let token = format!("{control}-{account}-{time}");
    moto.control_post(
        "tokens",
        json!({"resultToken": token, "configRuleName": rule}),
    )
    .unwrap();
    let event = scheduled_event(rule, &token, account, time, &json!({}));
    match lambda.invoke(&event).unwrap() {
        Reply::Response(_) => {}
        other => panic!("{control} in {account}: {other:?}"),
    }
}

fn evidence(moto: &Moto, args: &[&str]) -> (i32, String) {
    evidence_at(moto, RECORDED_EPOCH, args)
}

/// `ecs-harden evidence ARGS` on the date `epoch`, from the output folder (where the registers
/// are, so that reports name them by a path that does not depend on the machine).
fn evidence_at(moto: &Moto, epoch: i64, args: &[&str]) -> (i32, String) {
    let output = moto
        .cli()
        .unwrap()
        .current_dir(out_dir())
        .arg("evidence")
        .args(args)
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .output()
        .expect("run ecs-harden evidence");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

/// `ecs-harden evidence verify DIR`: exit code and stderr.
fn verify(moto: &Moto, dir: &Path) -> (i32, String) {
    evidence(moto, &["verify", dir.to_str().unwrap()])
}

fn out_dir() -> PathBuf {
    let dir = target_dir().unwrap().join("tmp/evidence");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compares `produced` with tests/golden/`name`. With `UPDATE_GOLDEN` set, rewrites the golden
/// file instead and returns its path, so that the test can fail once every file is written: a
/// run that rewrote goldens never passes.
fn golden(name: &str, produced: &Path) -> Option<PathBuf> {
    let golden = workspace().join("tests/golden").join(name);
    let text = std::fs::read_to_string(produced).unwrap();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &text).unwrap();
        return Some(golden);
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (UPDATE_GOLDEN=1 cargo test -p ecs-harden-e2e --test evidence writes it)",
            golden.display()
        )
    });
    if text != expected {
        let line = text
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or(text.lines().count().min(expected.lines().count()), |i| i);
        panic!(
            "{} differs from {} from line {}:\n  got:      {:?}\n  expected: {:?}\n(UPDATE_GOLDEN=1 rewrites it after review)",
            produced.display(),
            golden.display(),
            line + 1,
            text.lines().nth(line).unwrap_or(""),
            expected.lines().nth(line).unwrap_or("")
        );
    }
    None
}

#[test]
fn evidence_from_the_aggregator_matches_the_golden_reports_and_renders() {
    let moto = Moto::start().unwrap();
    moto.control_post("clock", json!({"epoch": RECORDED_EPOCH}))
        .unwrap();
    organization(&moto);
    member_resources(&moto);
    report_evaluations(&moto);
    moto.config(
        "PutConfigurationAggregator",
        json!({
            "ConfigurationAggregatorName": AGGREGATOR,
            "OrganizationAggregationSource": {
                "RoleArn": format!("arn:aws:iam::{OWN_ACCOUNT}:role/aws-config-aggregator"),
                "AllAwsRegions": true,
            },
        }),
    )
    .unwrap();
    moto.control_post(
        "conformance-packs",
        json!([
            {"ConformancePackName": "OrgConformsPack-ecs-harden-q7x2k9m1", "AccountId": FIXTURE_ACCOUNT, "AwsRegion": REGION, "ComplianceType": "NON_COMPLIANT"},
            {"ConformancePackName": "OrgConformsPack-ecs-harden-q7x2k9m1", "AccountId": MEMBER_ACCOUNT, "AwsRegion": REGION, "ComplianceType": "NON_COMPLIANT"},
            {"ConformancePackName": "OrgConformsPack-pci-q7x2k9m1", "AccountId": FIXTURE_ACCOUNT, "AwsRegion": REGION, "ComplianceType": "COMPLIANT"},
        ]),
    )
    .unwrap();
    let dir = out_dir();
    std::fs::write(dir.join("exceptions.yaml"), REGISTER).unwrap();
    let first = dir.join("bundle-first");
    let _ = std::fs::remove_dir_all(&first);
    let (code, stderr) = evidence(
        &moto,
        &[
            "--aggregator",
            AGGREGATOR,
            "--exceptions",
            "exceptions.yaml",
            "--bundle",
            first.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let mut rewritten = Vec::new();
    for (format, file) in [
        ("md", "evidence.md"),
        ("csv", "evidence.csv"),
        ("json", "evidence.json"),
        ("html", "evidence.html"),
    ] {
        let bundled = first.join(format!("report.{format}"));
        rewritten.extend(golden(file, &bundled));
        // --format and --out write what the bundle holds.
        let out = dir.join(file);
        let (code, stderr) = evidence(
            &moto,
            &[
                "--aggregator",
                AGGREGATOR,
                "--exceptions",
                "exceptions.yaml",
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{format}: {stderr}");
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(&bundled).unwrap(),
            "{format}: --out and --bundle agree"
        );
    }

    // The JSON agrees with what the Lambdas delivered: 5 controls × 2 accounts.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("evidence.json")).unwrap()).unwrap();
    let delivered = moto.evaluations().unwrap().len() as u64;
    let totals = &report["totals"];
    assert_eq!(
        totals["compliant"].as_u64().unwrap()
            + totals["nonCompliant"].as_u64().unwrap()
            + totals["notApplicable"].as_u64().unwrap(),
        delivered,
        "every delivered evaluation is in the report"
    );
    let accounts = report["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0]["name"], "payments-prod");
    assert_eq!(accounts[0]["ouPath"], "Root/Workloads/Prod");
    assert_eq!(accounts[1]["ouPath"], "Root/Sandbox");
    let pci = &report["frameworks"][0];
    assert_eq!(pci["key"], "pci");
    let status = |id: &str| {
        pci["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["status"].clone())
            .unwrap()
    };
    assert_eq!(
        status("8.6.2"),
        "NON_COMPLIANT",
        "ledger's AWS_SECRET_ACCESS_KEY"
    );
    assert_eq!(status("1.4.4"), "NO_DATA", "ECS.2/ECS.16 did not report");
    let text = std::fs::read_to_string(dir.join("evidence.md")).unwrap();
    assert!(
        !text.contains("hunter2-prod-db"),
        "secret values never reach evidence"
    );

    // Accepted risk: log-shipper's privileged container (ECS.4, payments-prod) stays
    // NON_COMPLIANT and carries EXC-1; nothing else is accepted.
    assert_eq!(
        (
            totals["nonCompliant"].as_u64(),
            totals["acceptedRisk"].as_u64()
        ),
        (Some(5), Some(1))
    );
    let ecs4 = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ECS.4")
        .unwrap();
    assert_eq!(
        (
            ecs4["counts"]["nonCompliant"].as_u64(),
            ecs4["counts"]["acceptedRisk"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let accepted_row = "| payments-prod (111122223333) | us-east-1 | AWS::ECS::TaskDefinition `arn:aws:ecs:us-east-1:111122223333:task-definition/log-shipper:1` | NON_COMPLIANT | EXC-1 (owner platform-team@example.com, approved by security-architecture@example.com, until 2026-12-10, ticket SEC-101) |";
    assert!(text.contains(accepted_row), "{text}");
    assert!(
        text.contains("- EXC-1 (owner platform-team@example.com): expires 2026-12-10, in 20 days"),
        "EXC-1 is listed as expiring within 30 days"
    );
    let register = &report["exceptions"];
    assert_eq!(register["expiringSoon"], json!(["EXC-1"]));
    assert_eq!(
        register["entries"][1]["acceptedResults"], 0,
        "EXC-2: checkout passes"
    );

    // The bundle: every file in the manifest, and what the report was built from.
    let (code, stderr) = verify(&moto, &first);
    assert_eq!(code, 0, "{stderr}");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("MANIFEST.json")).unwrap())
            .unwrap();
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "aggregator/config-rules.json",
            "aggregator/evaluation-results.json",
            "bundle.json",
            "exceptions.json",
            "organizations/accounts.json",
            "report.csv",
            "report.html",
            "report.json",
            "report.md",
        ]
    );
    let raw: Value = serde_json::from_str(
        &std::fs::read_to_string(first.join("aggregator/evaluation-results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        raw.as_array().unwrap().len() as u64,
        delivered,
        "the aggregator's answers, one per evaluation"
    );
    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("bundle.json")).unwrap()).unwrap();
    assert_eq!(bundle["exceptions"]["source"], "exceptions.yaml");
    assert_eq!(
        bundle["deployedRules"].as_array().unwrap().len(),
        10,
        "5 rules in 2 accounts"
    );
    assert!(bundle["deployedRules"][0]["configRuleName"]
        .as_str()
        .unwrap()
        .ends_with("-conformance-pack-q7x2k9m1"));
    let in_force: Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("exceptions.json")).unwrap())
            .unwrap();
    assert_eq!(
        in_force["exceptions"][0]["approvedBy"],
        "security-architecture@example.com"
    );

    // One byte of a bundled file changed: verify fails and names the file; a missing and an
    // extra file too.
    let csv = first.join("report.csv");
    let original = std::fs::read(&csv).unwrap();
    let mut tampered = original.clone();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(&csv, &tampered).unwrap();
    let (code, stderr) = verify(&moto, &first);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("report.csv: changed"), "{stderr}");
    std::fs::write(&csv, &original).unwrap();
    std::fs::rename(
        first.join("exceptions.json"),
        dir.join("exceptions.json.moved"),
    )
    .unwrap();
    std::fs::write(first.join("aggregator/extra.json"), "[]\n").unwrap();
    let (code, stderr) = verify(&moto, &first);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("exceptions.json: missing"), "{stderr}");
    assert!(
        stderr.contains("aggregator/extra.json: not listed"),
        "{stderr}"
    );
    std::fs::rename(
        dir.join("exceptions.json.moved"),
        first.join("exceptions.json"),
    )
    .unwrap();
    std::fs::remove_file(first.join("aggregator/extra.json")).unwrap();
    let (code, stderr) = verify(&moto, &first);
    assert_eq!(code, 0, "restored: {stderr}");

    // A week later: the sandbox cluster has Container Insights and its rule says so; the
    // register has a new entry for the sandbox's experiment.
    let sandbox = moto.key_for(MEMBER_ACCOUNT).unwrap();
    moto.ecs_as(
        &sandbox,
        "UpdateCluster",
        json!({"cluster": "scratch", "settings": [{"name": "containerInsights", "value": "enabled"}]}),
    )
    .unwrap();
    let ecs12 = ecs_harden_core::catalogue::find("ECS.12")
        .unwrap()
        .rule_name();
    let lambda = Lambda::start("ecs-12-cluster-container-insights", &moto, &[]).unwrap();
    evaluate(
        &moto,
        &lambda,
        "ECS.12",
        &format!("{ecs12}-conformance-pack-q7x2k9m1"),
        MEMBER_ACCOUNT,
        "2026-11-27T05:59:00.000Z",
    );
    std::fs::write(
        dir.join("exceptions-later.yaml"),
        format!("{REGISTER}{REGISTER_LATER}"),
    )
    .unwrap();
    let second = dir.join("bundle-second");
    let _ = std::fs::remove_dir_all(&second);
    let (code, stderr) = evidence_at(
        &moto,
        WEEK_LATER_EPOCH,
        &[
            "--aggregator",
            AGGREGATOR,
            "--exceptions",
            "exceptions-later.yaml",
            "--bundle",
            second.to_str().unwrap(),
            "--compare",
            first.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = verify(&moto, &second);
    assert_eq!(code, 0, "{stderr}");
    let later: Value =
        serde_json::from_str(&std::fs::read_to_string(second.join("report.json")).unwrap())
            .unwrap();
    let changes = &later["changes"];
    assert_eq!(
        changes["fixed"],
        json!([{
            "accountId": MEMBER_ACCOUNT,
            "region": REGION,
            "control": "ECS.12",
            "resourceType": "AWS::ECS::Cluster",
            "resourceId": "scratch",
            "before": "NON_COMPLIANT",
            "now": "COMPLIANT",
        }])
    );
    assert_eq!(
        changes["newExceptions"],
        json!([{"id": "EXC-3", "owner": "data-science@example.com", "expires": "2027-02-28"}])
    );
    assert_eq!(changes["newFailures"], json!([]));
    assert_eq!(changes["expiredExceptions"], json!([]));
    assert_eq!(
        later["totals"]["acceptedRisk"], 2,
        "EXC-1 and now EXC-3 (experiment's writable root)"
    );
    let later_md = std::fs::read_to_string(second.join("report.md")).unwrap();
    assert!(later_md.contains("### Fixed: 1"), "{later_md}");
    assert!(
        later_md.contains("- EXC-3 (owner data-science@example.com, expires 2027-02-28)"),
        "{later_md}"
    );

    // --compare only against a bundle that verifies.
    std::fs::write(first.join("report.json"), "{}\n").unwrap();
    let (code, stderr) = evidence(
        &moto,
        &[
            "--aggregator",
            AGGREGATOR,
            "--format",
            "json",
            "--compare",
            first.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("the previous bundle does not verify: report.json: changed"),
        "{stderr}"
    );

    // Filters: one framework; one conformance pack's accounts only.
    let out = dir.join("pci-sandbox-pack.json");
    let (code, stderr) = evidence(
        &moto,
        &[
            "--framework",
            "pci",
            "--conformance-pack",
            "pci",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let filtered: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(filtered["frameworks"].as_array().unwrap().len(), 1);
    let accounts: Vec<&str> = filtered["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        accounts,
        [FIXTURE_ACCOUNT],
        "the pci pack is only in payments-prod"
    );

    // A wrong aggregator name is a clear error.
    let (code, stderr) = evidence(&moto, &["--aggregator", "nope", "--format", "md"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no configuration aggregator named \"nope\""),
        "{stderr}"
    );

    render_in_chromium(&dir.join("evidence.html"), &dir.join("evidence-report.png"));

    assert!(
        rewritten.is_empty(),
        "UPDATE_GOLDEN is set: rewrote {}; review the change (`git diff tests/golden`), then run \
         the test again without UPDATE_GOLDEN",
        rewritten
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// Headless Chromium (Debian's, installed by `cargo xtask setup`) loads the page: its DOM has
/// the charts and the tables, and a PNG of it is written for review.
fn render_in_chromium(html: &Path, png: &Path) {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("Chromium is missing: `cargo xtask setup` installs Debian's chromium package")
        });
    let url = format!("file://{}", html.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        "--allow-file-access-from-files",
    ];
    let dom = Command::new(chromium)
        .args(common)
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<h1>ECS hardening evidence</h1>"), "{dom}");
    assert_eq!(dom.matches("<svg").count(), 2, "two charts");
    assert!(dom.contains("Evaluations by account"));
    assert!(dom.contains("payments-prod (111122223333)"));
    assert!(dom.contains("class=\"status NON_COMPLIANT\""));
    let _ = std::fs::remove_file(png);
    let shot = Command::new(chromium)
        .args(common)
        .args([
            "--window-size=1280,2200",
            &format!("--screenshot={}", png.display()),
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = std::fs::read(png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert!(
        bytes.len() > 20_000,
        "a rendered page, not a blank one: {} bytes",
        bytes.len()
    );
    println!("rendered evidence page: {}", png.display());
}
