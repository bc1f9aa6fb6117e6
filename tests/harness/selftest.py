#!/usr/bin/env python3
"""Self-test of tests/harness/moto_ext.py: .venv/bin/python tests/harness/selftest.py

Starts the server on port 0 as a subprocess, drives it with boto3 (dummy credentials,
us-east-1), checks the Config extension, fault injection, call recording and account mapping,
then stops it with SIGTERM. Exits non-zero on any failure.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import traceback
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = Path(__file__).resolve().parent
REGION = "us-east-1"
ASSUMED_ACCOUNT = "444455556666"


def start_server() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "moto_ext.py"), "--port", "0", "--exit-with-parent"],
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    line = proc.stdout.readline()  # blocks until READY (or EOF if the server died)
    if not line.startswith("READY http://127.0.0.1:") or time.time() > deadline:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, line.split()[1]


class Harness:
    def __init__(self, url: str):
        self.url = url

    def _call(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def get(self, path):
        return self._call("GET", path)

    def post(self, path, body=None):
        return self._call("POST", path, body if body is not None else {})


def client(url: str, service: str, validate: bool = True, **creds):
    """A boto3 client without retries; validate=False lets malformed requests reach the server."""
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=creds.get("key", "AKIAIOSFODNN7EXAMPLE"),
        aws_secret_access_key=creds.get("secret", "dummy-secret"),
        aws_session_token=creds.get("token"),
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=validate),
    )


def evaluation(rid: str, compliance: str, when: datetime, annotation: str | None = None) -> dict:
    ev = {
        "ComplianceResourceType": "AWS::ECS::TaskDefinition",
        "ComplianceResourceId": rid,
        "ComplianceType": compliance,
        "OrderingTimestamp": when,
    }
    if annotation:
        ev["Annotation"] = annotation
    return ev


def error_code(fn) -> str:
    try:
        fn()
    except ClientError as err:
        return err.response["Error"]["Code"]
    return "no error"


def check(cond: bool, what: str):
    if not cond:
        raise AssertionError(what)


T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_put_and_query(url: str, h: Harness):
    cfg = client(url, "config")
    h.post("/_harness/tokens", {"resultToken": "tok-1", "configRuleName": "ecs-harden-ECS-4"})
    out = cfg.put_evaluations(
        ResultToken="tok-1",
        Evaluations=[
            evaluation("app:1", "NON_COMPLIANT", T0, "container web is privileged"),
            evaluation("app:2", "COMPLIANT", T0),
            evaluation("app:3", "NOT_APPLICABLE", T0),
        ],
    )
    check(out["FailedEvaluations"] == [], f"FailedEvaluations: {out}")
    # A newer evaluation of app:2 wins; an older one of app:1 does not.
    cfg.put_evaluations(
        ResultToken="tok-1",
        Evaluations=[
            evaluation("app:2", "NON_COMPLIANT", T0 + timedelta(minutes=5), "now privileged"),
            evaluation("app:1", "COMPLIANT", T0 - timedelta(minutes=5)),
        ],
    )
    res = cfg.get_compliance_details_by_config_rule(ConfigRuleName="ecs-harden-ECS-4")
    by_id = {
        r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]: r
        for r in res["EvaluationResults"]
    }
    check(sorted(by_id) == ["app:1", "app:2", "app:3"], f"resources: {sorted(by_id)}")
    check(by_id["app:1"]["ComplianceType"] == "NON_COMPLIANT", "app:1 latest is NON_COMPLIANT")
    check(by_id["app:1"]["Annotation"] == "container web is privileged", "annotation kept")
    check(by_id["app:2"]["ComplianceType"] == "NON_COMPLIANT", "app:2 latest is the newer one")
    r = by_id["app:2"]
    q = r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
    check(q["ConfigRuleName"] == "ecs-harden-ECS-4", "qualifier rule name")
    check(q["ResourceType"] == "AWS::ECS::TaskDefinition", "qualifier resource type")
    check(q["EvaluationMode"] == "DETECTIVE", "evaluation mode")
    check(
        r["EvaluationResultIdentifier"]["OrderingTimestamp"] == T0 + timedelta(minutes=5),
        f"ordering timestamp {r['EvaluationResultIdentifier']['OrderingTimestamp']}",
    )
    check(isinstance(r["ResultRecordedTime"], datetime), "ResultRecordedTime is a timestamp")
    check(isinstance(r["ConfigRuleInvokedTime"], datetime), "ConfigRuleInvokedTime is a timestamp")
    check("Annotation" not in by_id["app:3"], "no annotation when none was sent")

    nc = cfg.get_compliance_details_by_config_rule(
        ConfigRuleName="ecs-harden-ECS-4", ComplianceTypes=["NON_COMPLIANT"]
    )
    check(len(nc["EvaluationResults"]) == 2, "ComplianceTypes filter")

    seen, token, pages = [], None, 0
    while True:
        kw = {"ConfigRuleName": "ecs-harden-ECS-4", "Limit": 2}
        if token:
            kw["NextToken"] = token
        page = cfg.get_compliance_details_by_config_rule(**kw)
        pages += 1
        seen += [
            x["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]
            for x in page["EvaluationResults"]
        ]
        token = page.get("NextToken")
        if not token:
            break
    check(pages == 2 and seen == ["app:1", "app:2", "app:3"], f"pagination: {pages} {seen}")

    byres = cfg.get_compliance_details_by_resource(
        ResourceType="AWS::ECS::TaskDefinition", ResourceId="app:1"
    )
    check(len(byres["EvaluationResults"]) == 1, f"by resource: {byres['EvaluationResults']}")
    check(
        cfg.get_compliance_details_by_resource(
            ResourceType="AWS::ECS::TaskDefinition", ResourceId="app:1", ComplianceTypes=["COMPLIANT"]
        )["EvaluationResults"]
        == [],
        "by resource filter",
    )
    # A token registered after the fact still maps its stored evaluations to the rule.
    cfg.put_evaluations(ResultToken="tok-late", Evaluations=[evaluation("late:1", "COMPLIANT", T0)])
    h.post("/_harness/tokens", {"resultToken": "tok-late", "configRuleName": "ecs-harden-ECS-5"})
    late = cfg.get_compliance_details_by_config_rule(ConfigRuleName="ecs-harden-ECS-5")
    check(len(late["EvaluationResults"]) == 1, "late token registration")

    stored = h.get("/_harness/evaluations")["calls"]
    check(len(stored) == 3, f"stored calls {len(stored)}")
    check(stored[0]["configRuleName"] == "ecs-harden-ECS-4" and stored[0]["accountId"] == "123456789012",
          f"stored call: {stored[0]}")
    check(len(stored[0]["evaluations"]) == 3, "evaluations of first call")


def test_validation(url: str, h: Harness):
    cfg = client(url, "config")
    many = [evaluation(f"x:{i}", "COMPLIANT", T0) for i in range(101)]
    check(error_code(lambda: cfg.put_evaluations(ResultToken="t", Evaluations=many)) == "ValidationException",
          "101 evaluations rejected")
    long = [evaluation("x:1", "COMPLIANT", T0, "a" * 257)]
    check(error_code(lambda: cfg.put_evaluations(ResultToken="t", Evaluations=long)) == "ValidationException",
          "257-char annotation rejected")
    check(len(h.get("/_harness/evaluations")["calls"]) == 0, "rejected calls store nothing")


def test_faults(url: str, h: Harness):
    cfg = client(url, "config")
    h.post("/_harness/tokens", {"resultToken": "tok-f", "configRuleName": "rule-f"})
    h.post("/_harness/faults", {"action": "PutEvaluations", "throttle": 2})
    evs = [evaluation("f:1", "COMPLIANT", T0), evaluation("f:2", "NON_COMPLIANT", T0, "bad")]
    put = lambda: cfg.put_evaluations(ResultToken="tok-f", Evaluations=evs)  # noqa: E731
    check(error_code(put) == "ThrottlingException", "first call throttled")
    check(error_code(put) == "ThrottlingException", "second call throttled")
    check(put()["FailedEvaluations"] == [], "third call succeeds")

    h.post("/_harness/faults", {"action": "PutEvaluations", "error500": 1})
    check(error_code(put) == "InternalFailure", "500 InternalFailure")

    h.post("/_harness/faults", {"action": "PutEvaluations", "failEvaluations": 1})
    failed = put()["FailedEvaluations"]
    check(len(failed) == 2 and failed[0]["ComplianceResourceId"] == "f:1", f"all failed: {failed}")

    h.post("/_harness/faults", {"action": "PutEvaluations", "failEvaluations": 1, "failOnly": 1})
    failed = put()["FailedEvaluations"]
    check([f["ComplianceResourceId"] for f in failed] == ["f:1"], f"first failed: {failed}")
    check(put()["FailedEvaluations"] == [], "fault queue drained")
    check(h.get("/_harness/faults")["pending"] == [], "no pending faults")

    calls = h.get("/_harness/calls?action=PutEvaluations")["calls"]
    summary = [(c["status"], c["fault"]) for c in calls]
    check(
        summary
        == [
            (400, "throttle"),
            (400, "throttle"),
            (200, None),
            (500, "error500"),
            (200, "failEvaluations"),
            (200, "failEvaluations"),
            (200, None),
        ],
        f"recorded calls: {summary}",
    )
    stored = h.get("/_harness/evaluations")["calls"]
    # success, partial (f:2 only), success; the throttled, 500 and all-failed calls store nothing
    check([len(c["evaluations"]) for c in stored] == [2, 1, 2], f"stored: {stored}")
    check(stored[1]["partialFailure"] is True, "partial flag")

    # Faults on any action, e.g. ECS DescribeServices.
    ecs = client(url, "ecs")
    h.post("/_harness/faults", {"service": "ecs", "action": "DescribeServices", "throttle": 1})
    check(error_code(lambda: ecs.describe_services(cluster="default", services=["s"])) == "ThrottlingException",
          "ECS throttled")


def test_ecs_counted(url: str, h: Harness):
    ecs = client(url, "ecs")
    ecs.create_cluster(clusterName="c1")
    ecs.describe_clusters(clusters=["c1"])
    ecs.describe_clusters(clusters=["c1"], include=["SETTINGS"])
    ecs.describe_services(cluster="c1", services=["nope"])
    calls = h.get("/_harness/calls?service=ecs")["calls"]
    actions = [c["action"] for c in calls]
    check(actions == ["CreateCluster", "DescribeClusters", "DescribeClusters", "DescribeServices"],
          f"ECS calls: {actions}")
    check(all(c["status"] == 200 and not c["faulted"] for c in calls), f"ECS statuses: {calls}")
    check(len(h.get("/_harness/calls?action=DescribeClusters")["calls"]) == 2, "action filter")


def test_ecs_realism(url: str, h: Harness):
    ecs = client(url, "ecs")
    ecs.create_cluster(clusterName="big")
    ecs.register_task_definition(family="app", containerDefinitions=[{"name": "c", "image": "x", "memory": 64}])
    for i in range(12):
        ecs.create_service(cluster="big", serviceName=f"s{i:02}", taskDefinition="app", desiredCount=0)
    first = ecs.list_services(cluster="big")
    check(len(first["serviceArns"]) == 10 and first.get("nextToken"), "ListServices pages by 10 by default")
    second = ecs.list_services(cluster="big", nextToken=first["nextToken"])
    check(len(second["serviceArns"]) == 2 and not second.get("nextToken"), "second page")
    pages = list(ecs.get_paginator("list_services").paginate(cluster="big", PaginationConfig={"PageSize": 5}))
    check([len(p["serviceArns"]) for p in pages] == [5, 5, 2], "boto3 paginator")
    names = [f"s{i:02}" for i in range(11)]
    check(error_code(lambda: ecs.describe_services(cluster="big", services=names)) == "InvalidParameterException",
          "DescribeServices refuses 11 services")
    check(len(ecs.describe_services(cluster="big", services=names[:10])["services"]) == 10, "10 services ok")

    for _ in range(3):
        ecs.register_task_definition(family="zeta", containerDefinitions=[{"name": "c", "image": "x", "memory": 64}])
    ecs.register_task_definition(family="gone", containerDefinitions=[{"name": "c", "image": "x", "memory": 64}])
    ecs.deregister_task_definition(taskDefinition="gone:1")
    tds = ecs.list_task_definitions(sort="DESC", maxResults=2)
    check([a.rsplit("/", 1)[1] for a in tds["taskDefinitionArns"]] == ["zeta:3", "zeta:2"], f"DESC: {tds}")
    check(ecs.list_task_definition_families(status="ACTIVE")["families"] == ["app", "zeta"], "ACTIVE families")
    check(ecs.list_task_definition_families(status="INACTIVE")["families"] == ["gone"], "INACTIVE families")

    for name in ("cp-a", "cp-b"):
        ecs.create_capacity_provider(name=name, autoScalingGroupProvider={
            "autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:"
                                   "autoScalingGroupName/a",
            "managedTerminationProtection": "ENABLED"})
    listed = ecs.describe_capacity_providers()["capacityProviders"]
    check(sorted(c["name"] for c in listed) == ["cp-a", "cp-b"], f"all capacity providers: {listed}")
    check(listed[0]["autoScalingGroupProvider"]["managedTerminationProtection"] == "ENABLED", "MTP")


def test_assumed_role(url: str, h: Harness):
    sts = client(url, "sts")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{ASSUMED_ACCOUNT}:role/ecs-harden-audit", RoleSessionName="selftest"
    )["Credentials"]
    cfg = client(url, "config", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                 token=creds["SessionToken"])
    h.post("/_harness/tokens", {"resultToken": "tok-x", "configRuleName": "rule-x"})
    cfg.put_evaluations(ResultToken="tok-x", Evaluations=[evaluation("x:1", "COMPLIANT", T0)])
    stored = h.get("/_harness/evaluations")["calls"]
    check(len(stored) == 1 and stored[0]["accountId"] == ASSUMED_ACCOUNT, f"assumed account: {stored}")
    # Compliance is per account: visible to the assumed account, not to the default one.
    check(len(cfg.get_compliance_details_by_config_rule(ConfigRuleName="rule-x")["EvaluationResults"]) == 1,
          "visible in assumed account")
    check(client(url, "config").get_compliance_details_by_config_rule(ConfigRuleName="rule-x")
          ["EvaluationResults"] == [], "invisible in default account")
    ecs = client(url, "ecs", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                 token=creds["SessionToken"])
    ecs.create_cluster(clusterName="in-other-account")
    arn = ecs.describe_clusters(clusters=["in-other-account"])["clusters"][0]["clusterArn"]
    check(f":{ASSUMED_ACCOUNT}:" in arn, f"moto served the assumed account: {arn}")
    calls = h.get("/_harness/calls")["calls"]
    check(calls[0]["service"] == "sts" and calls[0]["action"] == "AssumeRole"
          and calls[0]["accountId"] == "123456789012", f"sts call: {calls[0]}")
    accounts = [(c["service"], c["action"], c["accountId"]) for c in calls[1:]]
    check(accounts == [
        ("config", "PutEvaluations", ASSUMED_ACCOUNT),
        ("config", "GetComplianceDetailsByConfigRule", ASSUMED_ACCOUNT),
        ("config", "GetComplianceDetailsByConfigRule", "123456789012"),
        ("ecs", "CreateCluster", ASSUMED_ACCOUNT),
        ("ecs", "DescribeClusters", ASSUMED_ACCOUNT),
    ], f"recorded accounts: {accounts}")


def test_config_history(url: str, h: Harness):
    cfg = client(url, "config")
    for minute, image in ((0, "old"), (10, "new")):
        h.post("/_harness/config-history", {
            "resourceType": "AWS::ECS::TaskDefinition",
            "resourceId": "td-1",
            "configurationItemCaptureTime": (T0 + timedelta(minutes=minute)).isoformat(),
            "configuration": {"containerDefinitions": [{"image": image}]},
        })
    res = cfg.get_resource_config_history(
        resourceType="AWS::ECS::TaskDefinition", resourceId="td-1",
        laterTime=T0 + timedelta(minutes=5), limit=1,
    )
    items = res["configurationItems"]
    check(len(items) == 1, f"history items {items}")
    check(isinstance(items[0]["configuration"], str), "configuration is a JSON string")
    check(json.loads(items[0]["configuration"])["containerDefinitions"][0]["image"] == "old", "at or before")
    check(items[0]["configurationItemCaptureTime"] == T0, "capture time")
    newest = cfg.get_resource_config_history(resourceType="AWS::ECS::TaskDefinition", resourceId="td-1", limit=1)
    check(json.loads(newest["configurationItems"][0]["configuration"])["containerDefinitions"][0]["image"] == "new",
          "newest without laterTime")
    # Unseeded: moto answers (an ECS resource it never discovered).
    code = error_code(lambda: cfg.get_resource_config_history(
        resourceType="AWS::ECS::TaskDefinition", resourceId="unseeded"))
    check(code == "ResourceNotDiscoveredException", f"pass-through: {code}")


def start_recorder(cfg, recording_group: dict | None = None, name: str = "default") -> None:
    """A configuration recorder with a delivery channel, started (what the inventory needs)."""
    recorder = {"name": name, "roleARN": "arn:aws:iam::123456789012:role/aws-config"}
    if recording_group is not None:
        recorder["recordingGroup"] = recording_group
    cfg.put_configuration_recorder(ConfigurationRecorder=recorder)
    if not cfg.describe_delivery_channels()["DeliveryChannels"]:
        cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-bucket"})
    cfg.start_configuration_recorder(ConfigurationRecorderName=name)


def discovered(cfg, rtype: str, **kw) -> list[dict]:
    pages = cfg.get_paginator("list_discovered_resources").paginate(resourceType=rtype, **kw)
    return [i for page in pages for i in page["resourceIdentifiers"]]


def items_by_name(cfg, rtype: str) -> dict[str, dict]:
    keys = [{"resourceType": rtype, "resourceId": i["resourceId"]} for i in discovered(cfg, rtype)]
    out = cfg.batch_get_resource_config(resourceKeys=keys)
    check(out["unprocessedResourceKeys"] == [], f"unprocessed: {out['unprocessedResourceKeys']}")
    return {i["resourceName"]: i for i in out["baseConfigurationItems"]}


def network(url: str) -> tuple[str, str]:
    ec2 = client(url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    return subnet, group


def test_config_inventory_ecs(url: str, h: Harness):
    cfg, ecs = client(url, "config"), client(url, "ecs")
    start_recorder(cfg, {"allSupported": True})
    subnet, group = network(url)
    ecs.create_cluster(
        clusterName="payments", tags=[{"key": "team", "value": "payments"}],
        settings=[{"name": "containerInsights", "value": "enhanced"}],
        configuration={"executeCommandConfiguration": {
            "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1", "logging": "OVERRIDE",
            "logConfiguration": {"cloudWatchLogGroupName": "/ecs/exec", "cloudWatchEncryptionEnabled": True}}},
    )
    container = {
        "name": "api", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.0", "memory": 256,
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/api"}},
        "dockerLabels": {"com.example.team": "payments"},
    }
    ecs.register_task_definition(
        family="api", containerDefinitions=[container], tags=[{"key": "team", "value": "payments"}],
        volumes=[{"name": "data", "efsVolumeConfiguration": {
            "fileSystemId": "fs-12345678", "transitEncryption": "ENABLED", "authorizationConfig": {"iam": "ENABLED"}}}],
        cpu="256", memory="512", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
    )
    ecs.register_task_definition(family="api", containerDefinitions=[dict(container, image="api:2.0")],
                                 cpu="256", memory="512", requiresCompatibilities=["FARGATE"], networkMode="awsvpc")
    ecs.register_task_definition(family="worker", containerDefinitions=[dict(container, name="worker")])
    ecs.deregister_task_definition(taskDefinition="api:1")
    ecs.create_service(cluster="payments", serviceName="api", taskDefinition="api:2", desiredCount=2,
                       launchType="FARGATE", deploymentController={"type": "EXTERNAL"},
                       tags=[{"key": "team", "value": "payments"}])
    ecs.create_task_set(cluster="payments", service="api", taskDefinition="api:2", externalId="blue",
                        launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
                            "subnets": [subnet], "securityGroups": [group], "assignPublicIp": "DISABLED"}})
    ecs.create_capacity_provider(name="gpu", autoScalingGroupProvider={
        "autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/gpu",
        "managedTerminationProtection": "ENABLED"})

    tds = discovered(cfg, "AWS::ECS::TaskDefinition")
    check(sorted(i["resourceName"] for i in tds) == ["api:1", "api:2", "worker:1"], f"task definitions: {tds}")
    check(tds[0]["resourceId"] == "arn:aws:ecs:us-east-1:123456789012:task-definition/api:1",
          f"task definition id is its ARN: {tds[0]}")
    td = items_by_name(cfg, "AWS::ECS::TaskDefinition")
    check("tags" not in td["api:1"], "BatchGetResourceConfig returns no tags")
    check(isinstance(td["api:1"]["configuration"], str), "configuration is a JSON string")
    inactive, active = json.loads(td["api:1"]["configuration"]), json.loads(td["api:2"]["configuration"])
    check(inactive["Status"] == "INACTIVE" and active["Status"] == "ACTIVE", "deregistered revision: Status INACTIVE")
    check(td["api:1"]["configurationItemStatus"] == "ResourceDiscovered", f"status: {td['api:1']}")
    check(td["api:1"]["arn"] == tds[0]["resourceId"] and td["api:1"]["awsRegion"] == REGION, "arn and Region")
    first = inactive["ContainerDefinitions"][0]
    check(first["Image"] == container["image"] and first["Memory"] == 256, f"container: {first}")
    check(first["LogConfiguration"]["Options"] == {"awslogs-group": "/ecs/api"}, "option keys kept as written")
    check(first["DockerLabels"] == {"com.example.team": "payments"}, "docker label keys kept as written")
    efs = inactive["Volumes"][0]["EfsVolumeConfiguration"]
    check(efs["FileSystemId"] == "fs-12345678" and efs["AuthorizationConfig"]["Iam"] == "ENABLED", f"EFS: {efs}")
    check(inactive["Cpu"] == "256" and inactive["Family"] == "api" and "Revision" not in inactive,
          f"task-level fields: {sorted(inactive)}")

    cluster = json.loads(items_by_name(cfg, "AWS::ECS::Cluster")["payments"]["configuration"])
    check(cluster["ClusterName"] == "payments" and cluster["Arn"].endswith(":cluster/payments"), f"cluster: {cluster}")
    check(cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enhanced"}], "ClusterSettings")
    check(cluster["Configuration"]["ExecuteCommandConfiguration"]["LogConfiguration"]["CloudWatchEncryptionEnabled"]
          is True, f"exec configuration: {cluster['Configuration']}")
    service = json.loads(items_by_name(cfg, "AWS::ECS::Service")["api"]["configuration"])
    check(service["Cluster"].endswith(":cluster/payments") and service["DesiredCount"] == 2
          and service["TaskDefinition"].endswith("task-definition/api:2"), f"service: {service}")
    check(service["ServiceArn"].endswith(":service/payments/api") and service["Name"] == "api", "service names")
    task_set_ids = discovered(cfg, "AWS::ECS::TaskSet")
    check(len(task_set_ids) == 1 and task_set_ids[0]["resourceId"].startswith(
        "arn:aws:ecs:us-east-1:123456789012:task-set/payments/api/ecs-svc/"), f"task set: {task_set_ids}")
    task_set = json.loads(next(iter(items_by_name(cfg, "AWS::ECS::TaskSet").values()))["configuration"])
    check(task_set["NetworkConfiguration"]["AwsVpcConfiguration"]["Subnets"] == [subnet]
          and task_set["ExternalId"] == "blue", f"task set: {task_set}")
    provider = json.loads(items_by_name(cfg, "AWS::ECS::CapacityProvider")["gpu"]["configuration"])
    check(provider["AutoScalingGroupProvider"]["ManagedTerminationProtection"] == "ENABLED", f"provider: {provider}")

    # Pagination: limit 2 over three revisions.
    page = cfg.list_discovered_resources(resourceType="AWS::ECS::TaskDefinition", limit=2)
    check(len(page["resourceIdentifiers"]) == 2 and page.get("nextToken"), "first page of 2")
    rest = cfg.list_discovered_resources(resourceType="AWS::ECS::TaskDefinition", limit=2, nextToken=page["nextToken"])
    check([i["resourceName"] for i in rest["resourceIdentifiers"]] == ["worker:1"] and "nextToken" not in rest,
          "page 2")
    by_name = cfg.list_discovered_resources(resourceType="AWS::ECS::TaskDefinition", resourceName="worker:1")
    check([i["resourceName"] for i in by_name["resourceIdentifiers"]] == ["worker:1"], "resourceName filter")

    # A changed configuration: a new item (status OK, later capture time, new state id).
    before = items_by_name(cfg, "AWS::ECS::Service")["api"]
    ecs.update_service(cluster="payments", service="api", desiredCount=3)
    after = items_by_name(cfg, "AWS::ECS::Service")["api"]
    check(json.loads(after["configuration"])["DesiredCount"] == 3 and after["configurationItemStatus"] == "OK"
          and after["configurationItemCaptureTime"] >= before["configurationItemCaptureTime"]
          and after["configurationStateId"] != before["configurationStateId"], f"changed item: {after}")

    # A deleted cluster: listed only with includeDeletedResources, absent from BatchGetResourceConfig.
    ecs.delete_service(cluster="payments", service="api", force=True)
    ecs.delete_cluster(cluster="payments")
    check(discovered(cfg, "AWS::ECS::Cluster") == [], "deleted cluster not listed by default")
    gone = discovered(cfg, "AWS::ECS::Cluster", includeDeletedResources=True)
    check(len(gone) == 1 and isinstance(gone[0]["resourceDeletionTime"], datetime), f"deleted: {gone}")
    fetched = cfg.batch_get_resource_config(
        resourceKeys=[{"resourceType": "AWS::ECS::Cluster", "resourceId": "payments"}])
    check(fetched["baseConfigurationItems"] == [], "BatchGetResourceConfig skips deleted resources")
    history = cfg.get_resource_config_history(resourceType="AWS::ECS::Cluster", resourceId="payments", limit=1)
    item = history["configurationItems"][0]
    check(item["configurationItemStatus"] == "ResourceDeleted" and item.get("configuration") is None,
          f"history of a deleted cluster: {item}")
    ecs.delete_capacity_provider(capacityProvider="gpu")
    providers = discovered(cfg, "AWS::ECS::CapacityProvider", includeDeletedResources=True)
    check(discovered(cfg, "AWS::ECS::CapacityProvider") == [] and len(providers) == 1
          and "resourceDeletionTime" in providers[0], f"capacity provider gone from moto: {providers}")
    services = discovered(cfg, "AWS::ECS::Service", includeDeletedResources=True)
    check([s.get("resourceDeletionTime") is not None for s in services] == [True], f"deleted service: {services}")
    task_def_history = cfg.get_resource_config_history(
        resourceType="AWS::ECS::TaskDefinition", resourceId=tds[2]["resourceId"])["configurationItems"]
    check(len(task_def_history) == 1 and task_def_history[0]["tags"] == {}
          and json.loads(task_def_history[0]["configuration"])["Family"] == "worker", f"history: {task_def_history}")
    tagged = cfg.get_resource_config_history(resourceType="AWS::ECS::TaskDefinition", resourceId=tds[0]["resourceId"])
    check(tagged["configurationItems"][0]["tags"] == {"team": "payments"}, "history carries tags as a map")


def test_config_inventory_limits_and_faults(url: str, h: Harness):
    cfg, ecs = client(url, "config"), client(url, "ecs")
    check(error_code(lambda: cfg.list_discovered_resources(resourceType="AWS::ECS::Cluster"))
          == "NoAvailableConfigurationRecorderException", "no recorder")
    start_recorder(cfg, {"allSupported": True})
    for i in range(3):
        ecs.create_cluster(clusterName=f"c{i}")
    keys = [{"resourceType": "AWS::ECS::Cluster", "resourceId": f"c{i}"} for i in range(101)]
    check(error_code(lambda: cfg.batch_get_resource_config(resourceKeys=keys)) == "ValidationException", "101 keys")
    check(len(cfg.batch_get_resource_config(resourceKeys=keys[:100])["baseConfigurationItems"]) == 3,
          "100 keys: the three clusters that exist")
    check(error_code(lambda: cfg.list_discovered_resources(resourceType="AWS::ECS::Cluster", limit=101))
          == "InvalidLimitException", "limit 101")
    check(error_code(lambda: cfg.list_discovered_resources(
        resourceType="AWS::ECS::Cluster", resourceIds=["c0"], resourceName="c0")) == "ValidationException",
        "resourceIds with resourceName")
    check(error_code(lambda: cfg.list_discovered_resources(
        resourceType="AWS::ECS::Cluster", nextToken="bogus")) == "InvalidNextTokenException", "bad token")
    ids = cfg.list_discovered_resources(resourceType="AWS::ECS::Cluster", resourceIds=["c1", "nope"])
    check([i["resourceId"] for i in ids["resourceIdentifiers"]] == ["c1"], "resourceIds filter")

    h.post("/_harness/faults", [
        {"action": "ListDiscoveredResources", "throttle": 1},
        {"action": "BatchGetResourceConfig", "unprocessedKeys": 1, "failOnly": 1},
    ])
    check(error_code(lambda: cfg.list_discovered_resources(resourceType="AWS::ECS::Cluster")) == "ThrottlingException",
          "throttled ListDiscoveredResources")
    partial = cfg.batch_get_resource_config(resourceKeys=keys[:3])
    check(partial["unprocessedResourceKeys"] == keys[:1] and len(partial["baseConfigurationItems"]) == 2,
          f"one key unprocessed: {partial['unprocessedResourceKeys']}")
    calls = [(c["action"], c["status"], c["fault"]) for c in h.get("/_harness/calls?service=config")["calls"]
             if c["action"] in ("ListDiscoveredResources", "BatchGetResourceConfig")]
    check(("ListDiscoveredResources", 400, "throttle") in calls and ("BatchGetResourceConfig", 200, "unprocessedKeys")
          in calls, f"recorded: {calls}")

    # A type moto records itself goes to moto (S3 buckets here).
    client(url, "s3").create_bucket(Bucket="evidence-bucket")
    buckets = discovered(cfg, "AWS::S3::Bucket")
    check([b["resourceId"] for b in buckets] == ["evidence-bucket"], f"moto's own type: {buckets}")
    known = h.get("/_harness/config/inventory")["resources"]
    check(sorted(r["resourceId"] for r in known if r["resourceType"] == "AWS::ECS::Cluster") == ["c0", "c1", "c2"],
          f"control view: {known}")


def test_config_inventory_recording_group(url: str, h: Harness):
    cfg, ecs, iam = client(url, "config"), client(url, "ecs"), client(url, "iam")
    ecs.create_cluster(clusterName="c1")
    ecs.register_task_definition(family="app", containerDefinitions=[{"name": "c", "image": "x", "memory": 64}])
    iam.create_role(RoleName="task-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    cfg.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::123456789012:role/aws-config",
        "recordingGroup": {"allSupported": False, "resourceTypes": ["AWS::ECS::TaskDefinition"]}})
    check(discovered(cfg, "AWS::ECS::TaskDefinition") == [], "a recorder never started has recorded nothing")
    start_recorder(cfg, {"allSupported": False, "resourceTypes": ["AWS::ECS::TaskDefinition"]})
    check(len(discovered(cfg, "AWS::ECS::TaskDefinition")) == 1, "included type recorded")
    check(discovered(cfg, "AWS::ECS::Cluster") == [], "type outside resourceTypes not recorded")
    check(discovered(cfg, "AWS::IAM::Role") == [], "IAM role not in resourceTypes")

    start_recorder(cfg, {"allSupported": False, "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
                         "exclusionByResourceTypes": {"resourceTypes": ["AWS::ECS::Cluster"]}})
    check(discovered(cfg, "AWS::ECS::Cluster") == [], "excluded type not recorded")
    check(len(discovered(cfg, "AWS::IAM::Role")) == 1, "exclusion strategy records global IAM types")
    ecs.register_task_definition(family="later", containerDefinitions=[{"name": "c", "image": "x", "memory": 64}])
    check(len(discovered(cfg, "AWS::ECS::TaskDefinition")) == 2, "recorded type follows moto")

    start_recorder(cfg, {"allSupported": True})
    check(discovered(cfg, "AWS::IAM::Role") != [] , "roles Config discovered stay listed")
    iam.create_role(RoleName="new-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    check([r["resourceName"] for r in discovered(cfg, "AWS::IAM::Role")] == ["task-role"],
          "allSupported without includeGlobalResourceTypes records no new IAM role")
    start_recorder(cfg, {"allSupported": True, "includeGlobalResourceTypes": True})
    check(sorted(r["resourceName"] for r in discovered(cfg, "AWS::IAM::Role")) == ["new-role", "task-role"],
          "includeGlobalResourceTypes records IAM roles")
    recorders = cfg.list_discovered_resources(resourceType="AWS::Config::ConfigurationRecorder")["resourceIdentifiers"]
    check([r["resourceId"] for r in recorders] == ["default"], f"the recorder records itself: {recorders}")


def selected_rows(cfg, expression: str, limit: int = 100) -> tuple[list[dict], int]:
    """Every result of an advanced query, parsed, and how many pages it took."""
    rows, pages, token = [], 0, None
    while True:
        kwargs = {"Expression": expression, "Limit": limit}
        if token:
            kwargs["NextToken"] = token
        out = cfg.select_resource_config(**kwargs)
        pages += 1
        rows.extend(json.loads(r) for r in out["Results"])
        token = out.get("NextToken")
        if not token:
            return rows, pages


def test_config_advanced_query(url: str, h: Harness):
    cfg, ecs = client(url, "config"), client(url, "ecs")
    start_recorder(cfg, {"allSupported": False, "resourceTypes": ["AWS::ECS::TaskDefinition"]})
    container = {"name": "c", "image": "x", "memory": 64}
    for family in ("app", "web"):
        ecs.register_task_definition(family=family, containerDefinitions=[container],
                                     tags=[{"key": "team", "value": family}])
    ecs.register_task_definition(family="app", containerDefinitions=[dict(container, privileged=True)])
    ecs.deregister_task_definition(taskDefinition="web:1")
    ecs.register_task_definition(family="web", containerDefinitions=[container])

    rows, _ = selected_rows(cfg, "SELECT resourceId, configuration.Status, tags "
                                 "WHERE resourceType = 'AWS::ECS::TaskDefinition'")
    by_name = {r["resourceId"].rsplit("/", 1)[1]: r for r in rows}
    check(sorted(by_name) == ["app:1", "app:2", "web:1", "web:2"], f"every revision: {sorted(by_name)}")
    check(by_name["web:1"] == {"resourceId": by_name["web:1"]["resourceId"],
                               "configuration": {"Status": "INACTIVE"},
                               "tags": [{"key": "team", "value": "web"}]},
          f"only the selected properties, nested, tags as key/value: {by_name['web:1']}")
    check(by_name["app:2"]["configuration"]["Status"] == "ACTIVE" and by_name["app:2"]["tags"] == [],
          f"an untagged revision: {by_name['app:2']}")

    full, _ = selected_rows(cfg, "SELECT resourceId, configuration, configurationItemStatus WHERE "
                                 "resourceType = 'AWS::ECS::TaskDefinition' AND configuration.Status = 'ACTIVE' "
                                 "AND configuration.ContainerDefinitions.Privileged IN ('true', 'True')")
    check([r["resourceId"].rsplit("/", 1)[1] for r in full] == ["app:2"], f"AND, IN, arrays: {full}")
    check(full[0]["configuration"]["ContainerDefinitions"][0]["Name"] == "c", "configuration is an object")
    check(full[0]["configurationItemStatus"] in ("ResourceDiscovered", "OK"), f"item status: {full[0]}")

    for index in range(5):
        ecs.register_task_definition(family=f"many-{index}", containerDefinitions=[container])
    rows, pages = selected_rows(cfg, "SELECT resourceId WHERE resourceType = 'AWS::ECS::TaskDefinition'", limit=3)
    check(len(rows) == 9 and pages == 3, f"pages of Limit: {len(rows)} rows in {pages} pages")
    check(error_code(lambda: cfg.select_resource_config(
        Expression="SELECT resourceId WHERE resourceType = 'AWS::ECS::TaskDefinition'", Limit=101))
        == "InvalidLimitException", "Limit above 100")
    check(error_code(lambda: cfg.select_resource_config(
        Expression="SELECT resourceId WHERE resourceType LIKE 'AWS::ECS::%'")) == "InvalidExpressionException",
        "an unsupported condition is refused, never ignored")
    check(selected_rows(cfg, "SELECT resourceId WHERE resourceType = 'AWS::ECS::Cluster'")[0] == [],
          "a type the recorder does not record has no results")


TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ADMIN_INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def test_config_inventory_iam_and_launch_templates(url: str, h: Harness):
    cfg, iam, ec2 = client(url, "config"), client(url, "iam"), client(url, "ec2")
    start_recorder(cfg, {"allSupported": True, "includeGlobalResourceTypes": True})
    role = iam.create_role(RoleName="payments-task", AssumeRolePolicyDocument=json.dumps(TRUST),
                           Tags=[{"Key": "team", "Value": "payments"}])["Role"]
    iam.attach_role_policy(RoleName="payments-task", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.put_role_policy(RoleName="payments-task", PolicyName="everything", PolicyDocument=json.dumps(ADMIN_INLINE))
    attached = iam.list_attached_role_policies(RoleName="payments-task")["AttachedPolicies"]
    check(attached == [{"PolicyName": "AdministratorAccess",
                        "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
          f"AWS managed policy attachable: {attached}")
    roles = discovered(cfg, "AWS::IAM::Role")
    check(roles == [{"resourceType": "AWS::IAM::Role", "resourceId": role["RoleId"], "resourceName": "payments-task"}],
          f"role listed by RoleId: {roles}")
    item = items_by_name(cfg, "AWS::IAM::Role")["payments-task"]
    check(item["resourceId"] == role["RoleId"] and item["awsRegion"] == "global", f"role item: {item}")
    config = json.loads(item["configuration"])
    check(config["attachedManagedPolicies"] == [{"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
                                                 "policyName": "AdministratorAccess"}], f"attached: {config}")
    inline = config["rolePolicyList"][0]
    check(inline["policyName"] == "everything" and json.loads(unquote(inline["policyDocument"])) == ADMIN_INLINE,
          f"inline policy (URL-encoded): {inline}")
    check(json.loads(unquote(config["assumeRolePolicyDocument"])) == TRUST, "trust policy")
    check(config["tags"] == [{"key": "team", "value": "payments"}] and config["createDate"].endswith("Z"), "role tags")

    iam.create_role(RoleName="short-lived", AssumeRolePolicyDocument=json.dumps(TRUST))
    check(len(discovered(cfg, "AWS::IAM::Role")) == 2, "two roles")
    iam.delete_role(RoleName="short-lived")
    deleted = [r for r in discovered(cfg, "AWS::IAM::Role", includeDeletedResources=True)
               if "resourceDeletionTime" in r]
    check([r["resourceName"] for r in deleted] == ["short-lived"], f"deleted role: {deleted}")

    user_data = base64.b64encode(b"#!/bin/bash\necho ECS_CLUSTER=payments >> /etc/ecs/ecs.config\n").decode()
    template = ec2.create_launch_template(LaunchTemplateName="ecs-hosts", LaunchTemplateData={
        "ImageId": "ami-12345678", "UserData": user_data,
        "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"}})
    template_id = template["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData={
        "ImageId": "ami-12345678", "MetadataOptions": {"HttpTokens": "optional", "HttpPutResponseHopLimit": 2}})
    templates = discovered(cfg, "AWS::EC2::LaunchTemplate")
    check([(t["resourceId"], t["resourceName"]) for t in templates] == [(template_id, "ecs-hosts")], f"{templates}")
    lt = json.loads(items_by_name(cfg, "AWS::EC2::LaunchTemplate")["ecs-hosts"]["configuration"])
    data = lt["LaunchTemplateData"]
    check(lt["DefaultVersionNumber"] == "1" and lt["LatestVersionNumber"] == "2", f"versions: {lt}")
    check(data["MetadataOptions"]
          == {"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"},
          f"the default version's metadata options: {data}")
    check("ECS_CLUSTER=payments" in base64.b64decode(data["UserData"]).decode(), "user data (base64)")
    h.post("/_harness/config/options", {"launchTemplateUserData": False})
    without = json.loads(items_by_name(cfg, "AWS::EC2::LaunchTemplate")["ecs-hosts"]["configuration"])
    check("UserData" not in without["LaunchTemplateData"]
          and without["LaunchTemplateData"]["ImageId"] == "ami-12345678",
          f"UserData left out on request: {without}")


def test_config_aggregator_inventory(url: str, h: Harness):
    org = client(url, "organizations")
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="member", Email="member@example.com")
    h.post("/_harness/organizations/pin-account", {"name": "member", "id": ASSUMED_ACCOUNT})
    cfg = client(url, "config")
    start_recorder(cfg, {"allSupported": True})
    member = assumed(url, ASSUMED_ACCOUNT)
    member_cfg = client(url, "config", **member)
    start_recorder(member_cfg, {"allSupported": False, "resourceTypes": ["AWS::ECS::Cluster"]})
    client(url, "ecs", **member).create_cluster(clusterName="member-cluster")
    cfg.put_configuration_aggregator(ConfigurationAggregatorName="org", OrganizationAggregationSource={
        "RoleArn": "arn:aws:iam::123456789012:role/aggregator", "AllAwsRegions": True})

    recorders = cfg.list_aggregate_discovered_resources(
        ConfigurationAggregatorName="org", ResourceType="AWS::Config::ConfigurationRecorder")["ResourceIdentifiers"]
    check(sorted((r["SourceAccountId"], r["SourceRegion"]) for r in recorders)
          == [("123456789012", REGION), (ASSUMED_ACCOUNT, REGION)], f"recorders via the aggregator: {recorders}")
    items = cfg.batch_get_aggregate_resource_config(ConfigurationAggregatorName="org", ResourceIdentifiers=[
        {k: r[k] for k in ("SourceAccountId", "SourceRegion", "ResourceId", "ResourceType")} for r in recorders])
    states = {i["accountId"]: json.loads(i["configuration"]) for i in items["BaseConfigurationItems"]}
    check(states[ASSUMED_ACCOUNT]["Recording"] is True
          and states[ASSUMED_ACCOUNT]["RecordingGroup"]["ResourceTypes"] == ["AWS::ECS::Cluster"],
          f"member recorder: {states}")
    clusters = cfg.list_aggregate_discovered_resources(ConfigurationAggregatorName="org",
                                                       ResourceType="AWS::ECS::Cluster")["ResourceIdentifiers"]
    check([(c["SourceAccountId"], c["ResourceId"]) for c in clusters] == [(ASSUMED_ACCOUNT, "member-cluster")],
          f"member clusters: {clusters}")
    counts = cfg.get_aggregate_discovered_resource_counts(ConfigurationAggregatorName="org", GroupByKey="ACCOUNT_ID")
    grouped = {g["GroupName"]: g["ResourceCount"] for g in counts["GroupedResourceCounts"]}
    check(grouped == {"123456789012": 1, ASSUMED_ACCOUNT: 2}, f"counts by account: {counts}")

    sources = cfg.describe_configuration_aggregator_sources_status(ConfigurationAggregatorName="org")
    statuses = {(s["SourceType"], s["LastUpdateStatus"]) for s in sources["AggregatedSourceStatusList"]}
    check(statuses == {("ORGANIZATION", "FAILED")}, f"no trusted access: {statuses}")
    org.enable_aws_service_access(ServicePrincipal="config.amazonaws.com")
    sources = cfg.describe_configuration_aggregator_sources_status(ConfigurationAggregatorName="org", Limit=5)
    first = sources["AggregatedSourceStatusList"]
    check(len(first) == 5 and sources.get("NextToken") and all(s["LastUpdateStatus"] == "SUCCEEDED" for s in first),
          f"trusted access: {first}")

    cfg.put_configuration_aggregator(ConfigurationAggregatorName="accounts", AccountAggregationSources=[
        {"AccountIds": [ASSUMED_ACCOUNT], "AwsRegions": [REGION]}])
    failed = cfg.describe_configuration_aggregator_sources_status(
        ConfigurationAggregatorName="accounts")["AggregatedSourceStatusList"]
    check([(s["SourceId"], s["LastUpdateStatus"]) for s in failed] == [(ASSUMED_ACCOUNT, "FAILED")], f"{failed}")
    member_cfg.put_aggregation_authorization(AuthorizedAccountId="123456789012", AuthorizedAwsRegion=REGION)
    ok = cfg.describe_configuration_aggregator_sources_status(ConfigurationAggregatorName="accounts",
                                                              UpdateStatus=["SUCCEEDED"])["AggregatedSourceStatusList"]
    check([s["SourceId"] for s in ok] == [ASSUMED_ACCOUNT], f"authorized: {ok}")
    h.post("/_harness/config/aggregator-source-status", {
        "accountId": "123456789012", "region": REGION, "aggregatorName": "accounts", "sourceId": ASSUMED_ACCOUNT,
        "sourceRegion": REGION, "LastUpdateStatus": "OUTDATED"})
    outdated = cfg.describe_configuration_aggregator_sources_status(
        ConfigurationAggregatorName="accounts")["AggregatedSourceStatusList"]
    check([s["LastUpdateStatus"] for s in outdated] == ["OUTDATED"], f"set by the control route: {outdated}")

    channels = cfg.describe_delivery_channel_status()["DeliveryChannelsStatus"]
    check(channels[0]["name"] == "default" and channels[0]["configHistoryDeliveryInfo"]["lastStatus"] == "Success",
          f"delivery channel status: {channels}")
    recorder_status = cfg.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    check(recorder_status[0]["recording"] is True, f"recorder status (moto): {recorder_status}")


def assumed(url: str, account: str) -> dict:
    creds = client(url, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/ecs-harden-audit", RoleSessionName="selftest")["Credentials"]
    return {"key": creds["AccessKeyId"], "secret": creds["SecretAccessKey"], "token": creds["SessionToken"]}


def finding(fid: str, updated: str, account: str = "123456789012", **extra) -> dict:
    out = {
        "SchemaVersion": "2018-10-08",
        "Id": fid,
        "ProductArn": f"arn:aws:securityhub:{REGION}:{account}:product/{account}/default",
        "GeneratorId": "ecs-harden/ECS.4",
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": "2024-05-01T12:00:00Z",
        "UpdatedAt": updated,
        "Severity": {"Label": "HIGH"},
        "Title": "ECS.4 containers run without privileges",
        "Description": "Container web is privileged.",
        "Resources": [{"Type": "AwsEcsTaskDefinition",
                       "Id": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"}],
        "Compliance": {"Status": "FAILED", "SecurityControlId": "ECS.4",
                       "RelatedRequirements": ["NIST.800-53.r5 AC-6"]},
    }
    out.update(extra)
    return out


def test_securityhub(url: str, h: Harness):
    hub = client(url, "securityhub")
    out = hub.batch_import_findings(Findings=[finding("f-1", "2024-05-01T12:00:00Z")])
    check(out["FailedCount"] == 1 and out["FailedFindings"][0]["ErrorCode"] == "InvalidAccess",
          f"hub not enabled: {out}")
    check(error_code(lambda: hub.get_findings()) == "InvalidAccessException", "GetFindings without a hub")
    hub.enable_security_hub(EnableDefaultStandards=False)
    check(hub.describe_hub()["HubArn"] == f"arn:aws:securityhub:{REGION}:123456789012:hub/default", "DescribeHub")

    out = client(url, "securityhub", validate=False).batch_import_findings(Findings=[
        finding("f-1", "2024-05-01T12:00:00Z"),
        finding("f-2", "2024-05-01T12:00:00Z", GeneratorId="ecs-harden/ECS.5", Compliance={"Status": "PASSED"}),
        {k: v for k, v in finding("f-bad", "2024-05-01T12:00:00Z").items() if k != "Title"},
        finding("f-long", "2024-05-01T12:00:00Z", Compliance={"Status": "FAILED", "RelatedRequirements": ["r"] * 33}),
    ])
    check(out["SuccessCount"] == 2 and out["FailedCount"] == 2, f"two imported: {out}")
    errors = {f["Id"]: f for f in out["FailedFindings"]}
    check(errors["f-bad"]["ErrorCode"] == "InvalidInput"
          and "required property 'Title'" in errors["f-bad"]["ErrorMessage"],
          f"missing Title: {errors['f-bad']}")
    check("RelatedRequirements should NOT have more than 32 items" in errors["f-long"]["ErrorMessage"],
          "33 requirements")
    stored = hub.get_findings(Filters={"Id": [{"Value": "f-1", "Comparison": "EQUALS"}]})["Findings"]
    check(len(stored) == 1 and stored[0]["Workflow"] == {"Status": "NEW"} and stored[0]["RecordState"] == "ACTIVE"
          and stored[0]["FindingProviderFields"]["Severity"]["Label"] == "HIGH"
          and stored[0]["Severity"]["Normalized"] == 70 and stored[0]["Region"] == REGION, f"stored: {stored}")

    # Re-importing the same Id updates it; an older UpdatedAt is ignored; Workflow from the provider is ignored.
    hub.batch_import_findings(Findings=[finding("f-1", "2024-05-02T12:00:00Z", Title="ECS.4 (updated)",
                                                Workflow={"Status": "SUPPRESSED"})])
    hub.batch_import_findings(Findings=[finding("f-1", "2024-04-30T12:00:00Z", Title="stale")])
    all_findings = hub.get_findings()["Findings"]
    check(len(all_findings) == 2, f"no duplicate: {[f['Id'] for f in all_findings]}")
    f1 = next(f for f in all_findings if f["Id"] == "f-1")
    check(f1["Title"] == "ECS.4 (updated)" and f1["Workflow"]["Status"] == "NEW"
          and f1["UpdatedAt"] == "2024-05-02T12:00:00Z",
          f"update rules: {f1}")

    wrong = finding("f-3", "2024-05-01T12:00:00Z", ProductArn="arn:aws:securityhub:us-east-1::product/aws/securityhub")
    check(error_code(lambda: hub.batch_import_findings(Findings=[wrong])) == "AccessDeniedException",
          "not the caller's default product")
    many = [finding(f"m-{i}", "2024-05-01T12:00:00Z") for i in range(101)]
    check(error_code(lambda: hub.batch_import_findings(Findings=many)) == "InvalidInputException", "101 findings")

    resolved = hub.batch_update_findings(
        FindingIdentifiers=[{"Id": "f-1", "ProductArn": f1["ProductArn"]},
                            {"Id": "nope", "ProductArn": f1["ProductArn"]}],
        Workflow={"Status": "RESOLVED"}, Note={"Text": "fixed in revision 4", "UpdatedBy": "ecs-harden"})
    check(resolved["ProcessedFindings"] == [{"Id": "f-1", "ProductArn": f1["ProductArn"]}]
          and resolved["UnprocessedFindings"][0]["ErrorCode"] == "FindingNotFound", f"update: {resolved}")
    f1 = hub.get_findings(Filters={"WorkflowStatus": [{"Value": "RESOLVED", "Comparison": "EQUALS"}]})["Findings"]
    check([f["Id"] for f in f1] == ["f-1"] and f1[0]["Note"]["Text"] == "fixed in revision 4"
          and f1[0]["UpdatedAt"] == "2024-05-02T12:00:00Z", f"resolved, UpdatedAt unchanged: {f1}")
    # PASSED -> FAILED on f-2 after it was resolved: back to NEW.
    f2_arn = f1[0]["ProductArn"]
    hub.batch_update_findings(FindingIdentifiers=[{"Id": "f-2", "ProductArn": f2_arn}], Workflow={"Status": "RESOLVED"})
    hub.batch_import_findings(Findings=[finding("f-2", "2024-05-03T12:00:00Z", GeneratorId="ecs-harden/ECS.5")])
    f2 = hub.get_findings(Filters={"GeneratorId": [{"Value": "ecs-harden/ECS.5", "Comparison": "EQUALS"}]})["Findings"]
    check(f2[0]["Workflow"]["Status"] == "NEW", f"failing again reopens: {f2}")
    hub.batch_import_findings(Findings=[finding("f-1", "2024-05-04T12:00:00Z", RecordState="ARCHIVED",
                                                Compliance={"Status": "PASSED"})])
    active = hub.get_findings(Filters={"RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
                                       "ProductArn": [{"Value": f2_arn, "Comparison": "EQUALS"}]})["Findings"]
    check([f["Id"] for f in active] == ["f-2"], f"archived f-1 filtered out: {[f['Id'] for f in active]}")
    passed = hub.get_findings(Filters={"ComplianceStatus": [{"Value": "PASSED", "Comparison": "EQUALS"}]})["Findings"]
    check([f["Id"] for f in passed] == ["f-1"] and passed[0]["Workflow"]["Status"] == "RESOLVED", f"{passed}")
    not_f1 = hub.get_findings(Filters={"Id": [{"Value": "f-1", "Comparison": "NOT_EQUALS"}]})["Findings"]
    check([f["Id"] for f in not_f1] == ["f-2"], "NOT_EQUALS")

    pages = list(hub.get_paginator("get_findings").paginate(PaginationConfig={"PageSize": 1}))
    check([len(p["Findings"]) for p in pages] == [1, 1], f"pages of one: {[len(p['Findings']) for p in pages]}")
    check(error_code(lambda: hub.get_findings(MaxResults=101)) == "InvalidInputException", "MaxResults 101")

    h.post("/_harness/faults", [{"service": "securityhub", "action": "BatchImportFindings", "throttle": 1},
                                {"action": "BatchImportFindings", "failFindings": 1, "failOnly": 1}])
    try:
        hub.batch_import_findings(Findings=[finding("f-1", "2024-05-05T12:00:00Z")])
        raise AssertionError("throttle fault not applied")
    except ClientError as err:
        check(err.response["Error"]["Code"] == "TooManyRequestsException"
              and err.response["ResponseMetadata"]["HTTPStatusCode"] == 429, f"429: {err.response}")
    partial = hub.batch_import_findings(Findings=[finding("f-9", "2024-05-05T12:00:00Z"),
                                                  finding("f-10", "2024-05-05T12:00:00Z")])
    check(partial["FailedCount"] == 1 and partial["FailedFindings"][0]["Id"] == "f-9", f"failFindings: {partial}")
    actions = [(c["action"], c["status"], c["fault"]) for c in h.get("/_harness/calls?service=securityhub")["calls"]]
    check(("BatchImportFindings", 429, "throttle") in actions and ("GetFindings", 200, None) in actions
          and ("BatchUpdateFindings", 200, None) in actions, f"REST calls recorded with actions: {actions}")

    other = client(url, "securityhub", **assumed(url, ASSUMED_ACCOUNT))
    other.enable_security_hub()
    check(other.get_findings()["Findings"] == [], "findings are per account")
    view = h.get("/_harness/securityhub/findings?accountId=123456789012")["findings"]
    check(sorted(v["finding"]["Id"] for v in view) == ["f-1", "f-10", "f-2"], f"control view: {view}")


def test_account_regions(url: str, h: Harness):
    account = client(url, "account")
    regions = {r["RegionName"]: r["RegionOptStatus"] for r in account.list_regions()["Regions"]}
    check(regions["us-east-1"] == "ENABLED_BY_DEFAULT" and regions["af-south-1"] == "DISABLED", f"{regions}")
    opt_in = account.list_regions(RegionOptStatusContains=["DISABLED"])["Regions"]
    check("il-central-1" in [r["RegionName"] for r in opt_in] and "eu-west-1" not in [r["RegionName"] for r in opt_in],
          "opt-in Regions filter")
    pages = list(account.get_paginator("list_regions").paginate(PaginationConfig={"PageSize": 10}))
    check(sum(len(p["Regions"]) for p in pages) == len(regions) and len(pages) > 1, "pagination")
    account.enable_region(RegionName="af-south-1")
    first = account.get_region_opt_status(RegionName="af-south-1")["RegionOptStatus"]
    second = account.get_region_opt_status(RegionName="af-south-1")["RegionOptStatus"]
    check((first, second) == ("ENABLING", "ENABLED"), f"enable transition: {first}, {second}")
    check(error_code(lambda: account.enable_region(RegionName="us-east-1")) == "ValidationException", "default Region")
    h.post("/_harness/account/regions", {"accountId": "123456789012", "region": "me-south-1", "status": "DISABLING"})
    check(account.get_region_opt_status(RegionName="me-south-1")["RegionOptStatus"] == "DISABLING", "control route")

    org = client(url, "organizations")
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="member", Email="member@example.com")
    h.post("/_harness/organizations/pin-account", {"name": "member", "id": ASSUMED_ACCOUNT})
    check(error_code(lambda: account.get_region_opt_status(AccountId=ASSUMED_ACCOUNT, RegionName="af-south-1"))
          == "AccessDeniedException", "member account without trusted access")
    org.enable_aws_service_access(ServicePrincipal="account.amazonaws.com")
    check(account.get_region_opt_status(AccountId=ASSUMED_ACCOUNT, RegionName="af-south-1")["RegionOptStatus"]
          == "DISABLED", "member account's own status")
    h.post("/_harness/faults", {"action": "ListRegions", "throttle": 1})
    check(error_code(lambda: account.list_regions()) == "TooManyRequestsException", "throttled ListRegions")


def test_doctor_reads(url: str, h: Harness):
    org = client(url, "organizations")
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="audit", Email="audit@example.com")
    h.post("/_harness/organizations/pin-account", {"name": "audit", "id": ASSUMED_ACCOUNT})
    for principal in ("config-multiaccountsetup.amazonaws.com", "member.org.stacksets.cloudformation.amazonaws.com"):
        org.enable_aws_service_access(ServicePrincipal=principal)
    access = org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    enabled = [s["ServicePrincipal"] for s in access]
    check(enabled == ["config-multiaccountsetup.amazonaws.com", "member.org.stacksets.cloudformation.amazonaws.com"],
          f"trusted access: {enabled}")
    for principal in ("config.amazonaws.com", "config-multiaccountsetup.amazonaws.com",
                      "member.org.stacksets.cloudformation.amazonaws.com"):
        org.register_delegated_administrator(AccountId=ASSUMED_ACCOUNT, ServicePrincipal=principal)
    admins = org.list_delegated_administrators(ServicePrincipal="member.org.stacksets.cloudformation.amazonaws.com")
    check([a["Id"] for a in admins["DelegatedAdministrators"]] == [ASSUMED_ACCOUNT], f"StackSets admin: {admins}")
    services = org.list_delegated_services_for_account(AccountId=ASSUMED_ACCOUNT)["DelegatedServices"]
    check(sorted(s["ServicePrincipal"] for s in services) == ["config-multiaccountsetup.amazonaws.com",
          "config.amazonaws.com", "member.org.stacksets.cloudformation.amazonaws.com"], f"services: {services}")
    check(error_code(lambda: org.register_delegated_administrator(
        AccountId=ASSUMED_ACCOUNT, ServicePrincipal="bogus.amazonaws.com")) == "InvalidInputException", "bad principal")
    check(len(org.list_delegated_administrators()["DelegatedAdministrators"]) == 1, "no half-registered admin")
    admin_org = client(url, "organizations", **assumed(url, ASSUMED_ACCOUNT))
    access = admin_org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    seen = [s["ServicePrincipal"] for s in access]
    check(seen == enabled, f"trusted access read by the delegated administrator: {seen}")
    accounts = [a["Id"] for a in org.list_accounts()["Accounts"]]
    check([a["Id"] for a in admin_org.list_accounts()["Accounts"]] == accounts,
          "accounts read by the delegated administrator")
    org.create_account(AccountName="workload", Email="workload@example.com")
    h.post("/_harness/organizations/pin-account", {"name": "workload", "id": "777788889999"})
    workload_org = client(url, "organizations", **assumed(url, "777788889999"))
    check(error_code(lambda: workload_org.list_delegated_administrators()) == "AccessDeniedException",
          "a member account that is no delegated administrator")

    iam = client(url, "iam")
    check(error_code(lambda: iam.get_role(RoleName="ecs-harden-member")) == "NoSuchEntity", "role name free")
    iam.create_role(RoleName="ecs-harden-member", AssumeRolePolicyDocument=json.dumps(TRUST))
    check(iam.get_role(RoleName="ecs-harden-member")["Role"]["RoleName"] == "ecs-harden-member", "role name taken")

    cfn, ssm = client(url, "cloudformation"), client(url, "ssm")
    check(error_code(lambda: cfn.describe_stacks(StackName="CDKToolkit")) == "ValidationError", "no bootstrap stack")
    check(error_code(lambda: ssm.get_parameter(Name="/cdk-bootstrap/hnb659fds/version")) == "ParameterNotFound",
          "no bootstrap version")
    cfn.create_stack(StackName="CDKToolkit", TemplateBody=json.dumps({
        "Resources": {"CdkBootstrapVersion": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Name": "/cdk-bootstrap/hnb659fds/version", "Value": "21"}}},
        "Outputs": {"BootstrapVersion": {"Value": {"Fn::GetAtt": ["CdkBootstrapVersion", "Value"]}}}}))
    stack = cfn.describe_stacks(StackName="CDKToolkit")["Stacks"][0]
    check(stack["StackStatus"] == "CREATE_COMPLETE"
          and stack["Outputs"] == [{"OutputKey": "BootstrapVersion", "OutputValue": "21"}], f"stack: {stack}")
    check(ssm.get_parameter(Name="/cdk-bootstrap/hnb659fds/version")["Parameter"]["Value"] == "21", "bootstrap version")


TESTS = [
    test_put_and_query,
    test_validation,
    test_faults,
    test_ecs_counted,
    test_ecs_realism,
    test_assumed_role,
    test_config_history,
    test_config_inventory_ecs,
    test_config_inventory_limits_and_faults,
    test_config_inventory_recording_group,
    test_config_advanced_query,
    test_config_inventory_iam_and_launch_templates,
    test_config_aggregator_inventory,
    test_securityhub,
    test_account_regions,
    test_doctor_reads,
]


def main() -> int:
    proc, url = start_server()
    h = Harness(url)
    passed = failed = 0
    try:
        for test in TESTS:
            h.post("/_harness/reset")
            try:
                test(url, h)
                passed += 1
                print(f"ok   {test.__name__}")
            except Exception:
                failed += 1
                print(f"FAIL {test.__name__}")
                traceback.print_exc()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = None
    if code != 0:
        failed += 1
        print(f"FAIL server exit on SIGTERM: {code}")
    else:
        passed += 1
        print("ok   server exited 0 on SIGTERM")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.pop("AWS_PROFILE", None)
    sys.exit(main())
