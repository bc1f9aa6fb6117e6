#!/usr/bin/env python3
"""Self-test of tests/harness/moto_ext.py: .venv/bin/python tests/harness/selftest.py

Starts the server on port 0 as a subprocess, drives it with boto3 (dummy credentials,
us-east-1), checks the Config extension, fault injection, call recording and account mapping,
then stops it with SIGTERM. Exits non-zero on any failure.
"""

from __future__ import annotations

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


def client(url: str, service: str, **creds):
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=creds.get("key", "AKIAIOSFODNN7EXAMPLE"),
        aws_secret_access_key=creds.get("secret", "dummy-secret"),
        aws_session_token=creds.get("token"),
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
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

    for rev in range(3):
        ecs.register_task_definition(family="zeta", containerDefinitions=[{"name": "c", "image": "x", "memory": 64}])
    ecs.register_task_definition(family="gone", containerDefinitions=[{"name": "c", "image": "x", "memory": 64}])
    ecs.deregister_task_definition(taskDefinition="gone:1")
    tds = ecs.list_task_definitions(sort="DESC", maxResults=2)
    check([a.rsplit("/", 1)[1] for a in tds["taskDefinitionArns"]] == ["zeta:3", "zeta:2"], f"DESC: {tds}")
    check(ecs.list_task_definition_families(status="ACTIVE")["families"] == ["app", "zeta"], "ACTIVE families")
    check(ecs.list_task_definition_families(status="INACTIVE")["families"] == ["gone"], "INACTIVE families")

    for name in ("cp-a", "cp-b"):
        ecs.create_capacity_provider(name=name, autoScalingGroupProvider={
            "autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/a",
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


TESTS = [
    test_put_and_query,
    test_validation,
    test_faults,
    test_ecs_counted,
    test_ecs_realism,
    test_assumed_role,
    test_config_history,
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
