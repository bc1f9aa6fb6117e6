//! `ecs-harden scan` against the local AWS endpoint: 500 resources, every one evaluated, the
//! exact number of describe calls, throttling ridden out.

use ecs_harden_e2e::{Moto, REGION};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Runs the CLI against moto; returns (exit code, stdout, stderr).
fn scan(moto: &Moto, args: &[&str]) -> (i32, String, String) {
    let output = moto.cli().unwrap().arg("scan").args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn scanning_500_resources_describes_each_once_in_the_largest_batches() {
    let moto = Moto::start().unwrap();
    // 345 families (every 9th privileged), 15 of them with an older ACTIVE revision.
    let mut privileged = BTreeMap::new();
    let mut revisions: usize = 0;
    for i in 0..345 {
        let family = format!("scan-{i:03}");
        if i < 15 {
            moto.register_task_definition(&family, true).unwrap();
            revisions += 1;
        }
        let td = moto.register_task_definition(&family, i % 9 == 0).unwrap();
        revisions += 1;
        privileged.insert(
            td["taskDefinitionArn"].as_str().unwrap().to_string(),
            i % 9 == 0,
        );
    }
    // 4 clusters, 150 services in three of them, 1 capacity provider.
    let (subnets, group) = moto.default_network("testing").unwrap();
    let service_td = privileged.keys().next().unwrap().clone();
    let mut public = BTreeMap::new();
    let mut clusters = BTreeSet::new();
    let mut services_per_cluster: BTreeMap<String, usize> = BTreeMap::new();
    for c in 0..4 {
        let cluster = format!("cluster-{c}");
        let created = moto
            .ecs("CreateCluster", json!({"clusterName": cluster}))
            .unwrap();
        clusters.insert(
            created["cluster"]["clusterName"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        if c == 3 {
            continue;
        }
        for i in 0..50 {
            let enabled = i % 5 == 0;
            let created = moto
                .ecs(
                    "CreateService",
                    json!({
                        "cluster": cluster,
                        "serviceName": format!("{cluster}-svc-{i:02}"),
                        "taskDefinition": service_td,
                        "desiredCount": 1,
                        "launchType": "FARGATE",
                        "networkConfiguration": {"awsvpcConfiguration": {
                            "subnets": [subnets[0]],
                            "securityGroups": [group],
                            "assignPublicIp": if enabled { "ENABLED" } else { "DISABLED" },
                        }},
                    }),
                )
                .unwrap();
            public.insert(
                created["service"]["serviceArn"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                enabled,
            );
            *services_per_cluster.entry(cluster.clone()).or_default() += 1;
        }
    }
    let provider = moto.ecs(
        "CreateCapacityProvider",
        json!({"name": "batch-asg", "autoScalingGroupProvider": {
            "autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1a2b3c4d:autoScalingGroupName/batch",
            "managedTerminationProtection": "DISABLED"}}),
    )
    .unwrap();
    let providers = BTreeSet::from([provider["capacityProvider"]["name"]
        .as_str()
        .unwrap()
        .to_string()]);
    let registered = privileged.len() + public.len() + clusters.len() + providers.len();
    assert_eq!(registered, 500, "the scenario this test is named after");
    moto.reset_calls().unwrap();

    let started = std::time::Instant::now();
    let (code, stdout, stderr) = scan(&moto, &["--format", "json"]);
    println!(
        "scan of 500 resources against the local endpoint: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(code, 1, "NON_COMPLIANT resources exist; stderr: {stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["errors"], json!([]), "{stderr}");
    let results = report["results"].as_array().unwrap();
    let mut resources: BTreeMap<(&str, &str), Vec<&Value>> = BTreeMap::new();
    for r in results {
        assert_eq!(r["path"], format!("aws://123456789012/{REGION}"));
        resources
            .entry((
                r["resourceType"].as_str().unwrap(),
                r["resourceId"].as_str().unwrap(),
            ))
            .or_default()
            .push(r);
    }
    // Exactly what was registered, each resource once: the latest revision of each family,
    // every service, cluster and capacity provider (Config's ids: ARNs, names for clusters and
    // capacity providers).
    let scanned = |t: &str| -> BTreeSet<String> {
        resources
            .keys()
            .filter(|(rt, _)| *rt == t)
            .map(|(_, id)| id.to_string())
            .collect()
    };
    assert_eq!(
        scanned("AWS::ECS::TaskDefinition"),
        privileged.keys().cloned().collect::<BTreeSet<_>>(),
        "latest revisions only"
    );
    assert_eq!(
        scanned("AWS::ECS::Service"),
        public.keys().cloned().collect::<BTreeSet<_>>()
    );
    assert_eq!(scanned("AWS::ECS::Cluster"), clusters);
    assert_eq!(scanned("AWS::ECS::CapacityProvider"), providers);
    assert_eq!(resources.len(), registered);

    // Every resource got every control of its type; verdicts match what was registered.
    let verdict = |t: &str, id: &str, control: &str| -> String {
        resources[&(t, id)]
            .iter()
            .find(|r| r["control"] == control)
            .map(|r| r["verdict"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{control} missing for {id}"))
    };
    for (arn, is_privileged) in &privileged {
        let expected = if *is_privileged {
            "NON_COMPLIANT"
        } else {
            "COMPLIANT"
        };
        assert_eq!(
            verdict("AWS::ECS::TaskDefinition", arn, "ECS.4"),
            expected,
            "{arn}"
        );
    }
    for (arn, is_public) in &public {
        let expected = if *is_public {
            "NON_COMPLIANT"
        } else {
            "COMPLIANT"
        };
        assert_eq!(
            verdict("AWS::ECS::Service", arn, "ECS.2"),
            expected,
            "{arn}"
        );
    }
    let per_type = |t: &str| {
        ecs_harden_core::CATALOGUE
            .iter()
            .filter(|c| c.resource_type().aws_name() == t)
            .count()
    };
    for ((t, id), found) in &resources {
        assert_eq!(found.len(), per_type(t), "{t} {id}: one result per control");
    }

    // Exactly the describes the batching rules give for what was registered.
    assert_eq!(
        moto.count("DescribeTaskDefinition").unwrap(),
        privileged.len(),
        "one per family: its latest revision"
    );
    assert_eq!(
        moto.count("DescribeClusters").unwrap(),
        clusters.len().div_ceil(100),
        "≤ 100 per call"
    );
    assert_eq!(
        moto.count("DescribeServices").unwrap(),
        services_per_cluster
            .values()
            .map(|n| n.div_ceil(10))
            .sum::<usize>(),
        "per cluster, 10 services per call"
    );
    assert_eq!(moto.count("DescribeCapacityProviders").unwrap(), 1);
    assert_eq!(
        moto.count("ListTaskDefinitions").unwrap(),
        revisions.div_ceil(100),
        "{revisions} ARNs, pages of 100"
    );
    let list_services = moto.count("ListServices").unwrap();
    assert!(
        (clusters.len()..=2 * clusters.len()).contains(&list_services),
        "one or two pages per cluster: {list_services}"
    );
}

#[test]
fn scan_rides_out_throttling_and_names_the_region_in_every_output() {
    let moto = Moto::start().unwrap();
    for i in 0..12 {
        moto.register_task_definition(&format!("throttled-{i:02}"), i == 0)
            .unwrap();
    }
    moto.control_post(
        "faults",
        json!([
            {"service": "ecs", "action": "DescribeTaskDefinition", "throttle": 6},
            {"service": "ecs", "action": "ListTaskDefinitions", "throttle": 2},
        ]),
    )
    .unwrap();
    let (code, stdout, stderr) = scan(
        &moto,
        &[
            "--format",
            "json",
            "--controls",
            "ECS.4",
            "--region",
            REGION,
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["errors"], json!([]));
    assert_eq!(report["results"].as_array().unwrap().len(), 12);
    assert_eq!(
        moto.control_get("faults").unwrap()["pending"],
        json!([]),
        "every injected fault was met and retried"
    );

    // Text output names the account and Region like a file; SARIF validates elsewhere.
    let (code, stdout, _) = scan(&moto, &["--controls", "ECS.4", "--color", "never"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(&format!("aws://123456789012/{REGION}")),
        "{stdout}"
    );
    assert!(stdout.contains("throttled-00"), "{stdout}");

    // Every commercial Region, one "file" each; the resources are only in us-east-1.
    let (code, stdout, stderr) = scan(
        &moto,
        &["--all-regions", "--controls", "ECS.4", "--color", "never"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("33 files, 12 resources, 1 control"),
        "{stdout}"
    );

    // An unreachable endpoint is an error (exit 2) with the operation named, not a hang.
    let output = moto
        .cli()
        .unwrap()
        .args(["scan", "--region", REGION, "--format", "json"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GetCallerIdentity"), "{stderr}");
}
