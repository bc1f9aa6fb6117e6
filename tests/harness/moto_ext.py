#!/usr/bin/env python3
"""Local AWS endpoint for ecs-harden end-to-end tests: moto server plus a small extension.

Start:  .venv/bin/python tests/harness/moto_ext.py --port 0
Prints exactly one line, ``READY http://127.0.0.1:<port>``, on stdout once it accepts
connections; exits 0 on SIGTERM/SIGINT. Binds 127.0.0.1 only.

Everything moto serves is served (all services, moto's own /moto-api/ too). In front of moto a
WSGI middleware:

* answers these AWS Config (JSON 1.1, ``X-Amz-Target: StarlingDoveService.<Action>``) actions
  itself: PutEvaluations (stored; moto refuses them outside test mode and keeps none),
  GetComplianceDetailsByConfigRule, GetComplianceDetailsByResource, the aggregator's compliance
  calls, and GetResourceConfigHistory for resources seeded through the control API;
* answers Config's inventory calls for ECS, IAM role, launch template and recorder resources
  from moto's state (config_inventory.py), Security Hub's finding calls (securityhub.py) and
  Account Management's Region calls (account_regions.py), and corrects moto's Organizations,
  IAM and CloudFormation where a client depends on it (moto_patches.py);
* injects faults (throttling, HTTP 500, partial batch failures) for the next N calls of an action;
* records every AWS call it sees (service, action, account, status, fault);
* serves a JSON control API under /_harness/ (see README.md beside this file).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections import deque
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

# Installed before the slow moto imports, so an early SIGTERM/SIGINT still stops us cleanly.
STOP = threading.Event()
if __name__ == "__main__":
    for _sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(_sig, lambda signum, frame: STOP.set())

import account_regions  # noqa: E402
import config_inventory  # noqa: E402
import moto_patches  # noqa: E402
import securityhub  # noqa: E402
from harness_common import (  # noqa: E402
    CLOCK,
    AwsError,
    decode_token,
    encode_token,
    json_object,
    required_string,
    to_epoch,
)
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.iam.models import get_account_id_from  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402

JSON_CT = "application/x-amz-json-1.1"

# X-Amz-Target prefixes -> service name, for requests without a SigV4 credential scope.
TARGET_SERVICES = {
    "StarlingDoveService": "config",
    "AmazonEC2ContainerServiceV20141113": "ecs",
    "AWSOrganizationsV20161128": "organizations",
}
# REST APIs whose action the harness names (from the botocore model's method and request URI),
# so their calls are recorded with an action and faults can target them.
REST_SERVICES = ("securityhub", "account")
# How each service throttles: (HTTP status, error code, message). Security Hub and Account
# Management answer HTTP 429 TooManyRequestsException; Organizations TooManyRequestsException;
# the other JSON services ThrottlingException; query-protocol services Throttling.
THROTTLE_SHAPES = {
    "securityhub": (429, "TooManyRequestsException", "Too Many Requests"),
    "account": (429, "TooManyRequestsException", "Too Many Requests"),
    "organizations": (400, "TooManyRequestsException",
                      "AWS Organizations can't complete your request because another request is already in progress."),
}

CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")
RPCV2_PATH_RE = re.compile(r"^/service/[^/]+/operation/([^/?]+)")

COMPLIANCE_FILTER_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
PUT_COMPLIANCE_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
FAULT_KINDS = ("throttle", "error500", "failEvaluations", "unprocessedKeys", "failFindings")
# Faults that answer HTTP 200 with part of the batch failed: kind -> actions it applies to.
PARTIAL_FAULTS = {
    "failEvaluations": ("PutEvaluations",),
    "unprocessedKeys": ("BatchGetResourceConfig", "BatchGetAggregateResourceConfig"),
    "failFindings": ("BatchImportFindings", "BatchUpdateFindings"),
}
_REST_ROUTES: dict[str, list[tuple[str, re.Pattern, str]]] = {}


def rest_routes(service: str) -> list[tuple[str, re.Pattern, str]]:
    """(method, path pattern, action) for a REST service, most specific first, from botocore."""
    if service not in _REST_ROUTES:
        from botocore.loaders import Loader

        model = Loader().load_service_model(service, "service-2")
        routes = []
        for action, operation in model["operations"].items():
            uri = operation["http"]["requestUri"].split("?", 1)[0]
            pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(uri))
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
            routes.append((operation["http"]["method"], re.compile(f"^{pattern}/?$"), action, len(uri)))
        routes.sort(key=lambda r: -r[3])
        _REST_ROUTES[service] = [(m, p, a) for m, p, a, _ in routes]
    return _REST_ROUTES[service]


class RequestInfo:
    def __init__(self, environ: dict[str, Any], body: bytes):
        self.environ = environ
        self.body = body
        self.method = environ.get("REQUEST_METHOD", "GET")
        self.path = environ.get("PATH_INFO", "")
        self.query = parse_qs(environ.get("QUERY_STRING", ""))
        self.target = environ.get("HTTP_X_AMZ_TARGET")
        auth = environ.get("HTTP_AUTHORIZATION", "")
        match = CREDENTIAL_RE.search(auth)
        self.access_key = match.group(1) if match else None
        self.region = match.group(2) if match else None
        self.service = match.group(3).lower() if match else None
        self.form: dict[str, list[str]] = {}
        ctype = environ.get("CONTENT_TYPE", "")
        if ctype.startswith("application/x-www-form-urlencoded") and body:
            try:
                self.form = parse_qs(body.decode("utf-8"))
            except UnicodeDecodeError:
                self.form = {}
        if self.service is None and self.target:
            self.service = TARGET_SERVICES.get(self.target.split(".", 1)[0])
        self.action = self._action()
        self.account_id = self._account()
        # How an error for this request must be shaped.
        if self.service in REST_SERVICES and not self.target:
            self.protocol = "rest"
        elif self.target or "json" in ctype:
            self.protocol = "json"
        elif "Action" in self.query or "Action" in self.form:
            self.protocol = "query"
        else:
            self.protocol = "rest"

    def _action(self) -> str | None:
        if self.target:
            return self.target.rsplit(".", 1)[-1]
        for params in (self.query, self.form):
            if params.get("Action"):
                return params["Action"][0]
        match = RPCV2_PATH_RE.match(self.path)
        if match:
            return match.group(1)
        if self.service in REST_SERVICES:
            for method, pattern, action in rest_routes(self.service):
                if method == self.method and pattern.match(self.path):
                    return action
        return None

    def _account(self) -> str:
        # Same order as moto's BaseResponse.get_current_account, so the account recorded here
        # is the account whose moto backend serves the call.
        if "MOTO_ACCOUNT_ID" in os.environ:
            return os.environ["MOTO_ACCOUNT_ID"]
        header = self.environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        if header:
            return header
        if self.access_key:
            return get_account_id_from(self.access_key)
        return DEFAULT_ACCOUNT_ID

    def json_body(self) -> dict[str, Any]:
        return json_object(self.body)


class HarnessState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.seq = 0
        self.calls: list[dict[str, Any]] = []
        # PutEvaluations calls that stored something.
        self.put_calls: list[dict[str, Any]] = []
        # (service or None, action) -> deque of fault dicts
        self.faults: dict[tuple[str | None, str], deque] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        # (resourceType, resourceId) -> list of items (captureTime epoch, item)
        self.history: dict[tuple[str, str], list[tuple[float, dict[str, Any]]]] = {}
        # Conformance packs as member accounts report them to an aggregator (moto has none).
        self.conformance_packs: list[dict[str, Any]] = []
        # When set, the time PutEvaluations results are recorded at (reproducible reports).
        CLOCK.fixed = None

    # -- faults --------------------------------------------------------------------------------
    def add_fault(self, spec: dict[str, Any]) -> None:
        action = spec.get("action")
        if not isinstance(action, str) or not action:
            raise ValueError("fault needs 'action' (e.g. \"PutEvaluations\")")
        service = spec.get("service")
        if service is not None and not isinstance(service, str):
            raise ValueError("'service' must be a string")
        kinds = [k for k in FAULT_KINDS if k in spec]
        if not kinds:
            raise ValueError(f"fault needs one of {', '.join(FAULT_KINDS)} (a call count)")
        for kind, actions in PARTIAL_FAULTS.items():
            if kind in spec and action not in actions:
                raise ValueError(f"{kind} applies to {' and '.join(actions)} only")
        for key in ("code", "errorCode"):
            if key in spec and not isinstance(spec[key], str):
                raise ValueError(f"'{key}' must be a string")
        if "status" in spec and (not isinstance(spec["status"], int) or not 400 <= spec["status"] <= 599):
            raise ValueError("'status' must be an HTTP error status (400-599)")
        fail_only = spec.get("failOnly")
        if fail_only is not None and (not isinstance(fail_only, int) or fail_only < 1):
            raise ValueError("'failOnly' must be a positive integer")
        entries = []
        for kind in kinds:
            count = spec[kind]
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ValueError(f"'{kind}' must be a non-negative integer")
            for _ in range(count):
                entry: dict[str, Any] = {"kind": kind}
                if kind in PARTIAL_FAULTS and fail_only is not None:
                    entry["failOnly"] = fail_only
                if spec.get("message") and kind != "failEvaluations":
                    entry["message"] = str(spec["message"])
                if kind == "throttle":
                    for key in ("code", "status"):
                        if key in spec:
                            entry[key] = spec[key]
                if kind in ("failFindings",) and "errorCode" in spec:
                    entry["errorCode"] = spec["errorCode"]
                entries.append(entry)
        key = (service.lower() if service else None, action)
        self.faults.setdefault(key, deque()).extend(entries)

    def take_fault(self, service: str | None, action: str | None) -> dict[str, Any] | None:
        if not action:
            return None
        for key in ((service, action), (None, action)):
            queue = self.faults.get(key)
            if queue:
                fault = queue.popleft()
                if not queue:
                    del self.faults[key]
                return fault
        return None

    def pending_faults(self) -> list[dict[str, Any]]:
        out = []
        for (service, action), queue in self.faults.items():
            for entry in queue:
                out.append({"service": service, "action": action, **entry})
        return out

    # -- tokens -----------------------------------------------------------------------------
    def rule_for_token(self, token: str | None) -> str | None:
        if token is None:
            return None
        registered = self.tokens.get(token)
        if registered:
            return registered["configRuleName"]
        # Not registered: a token that is (base64 of) a JSON object naming the rule also works.
        candidates = [token]
        try:
            candidates.append(base64.b64decode(token + "=" * (-len(token) % 4)).decode())
        except Exception:
            pass
        for text in candidates:
            try:
                data = json.loads(text)
            except Exception:
                continue
            if isinstance(data, dict):
                for key in ("configRuleName", "ConfigRuleName"):
                    if isinstance(data.get(key), str):
                        return data[key]
        return None


STATE = HarnessState()


# ---------------------------------------------------------------------------------------------
# AWS Config actions answered by the harness
# ---------------------------------------------------------------------------------------------

def validate_evaluation(index: int, ev: Any) -> float:
    prefix = f"evaluations.{index + 1}.member"
    if not isinstance(ev, dict):
        raise AwsError("ValidationException", f"{prefix}: not an object")
    for field, max_len in (("ComplianceResourceType", 256), ("ComplianceResourceId", 768)):
        value = ev.get(field)
        if not isinstance(value, str) or not value:
            raise AwsError(
                "ValidationException",
                f"1 validation error detected: Value at '{prefix}.{field[0].lower() + field[1:]}' "
                "failed to satisfy constraint: Member must not be null",
            )
        if len(value) > max_len:
            raise AwsError(
                "ValidationException",
                f"1 validation error detected: Value at '{prefix}.{field[0].lower() + field[1:]}' "
                f"failed to satisfy constraint: Member must have length less than or equal to {max_len}",
            )
    compliance = ev.get("ComplianceType")
    if compliance not in PUT_COMPLIANCE_TYPES:
        if compliance == "INSUFFICIENT_DATA":
            raise AwsError(
                "InvalidParameterValueException",
                "The value INSUFFICIENT_DATA is not valid for ComplianceType in a PutEvaluations request.",
            )
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{compliance}' at '{prefix}.complianceType' failed to "
            "satisfy constraint: Member must satisfy enum value set: [COMPLIANT, NON_COMPLIANT, "
            "NOT_APPLICABLE, INSUFFICIENT_DATA]",
        )
    annotation = ev.get("Annotation")
    if annotation is not None:
        if not isinstance(annotation, str) or not annotation or len(annotation) > 256:
            raise AwsError(
                "ValidationException",
                f"1 validation error detected: Value at '{prefix}.annotation' failed to satisfy "
                "constraint: Member must have length less than or equal to 256 and greater than or equal to 1",
            )
    if "OrderingTimestamp" not in ev:
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value at '{prefix}.orderingTimestamp' failed to satisfy "
            "constraint: Member must not be null",
        )
    return to_epoch(ev["OrderingTimestamp"], f"{prefix}.orderingTimestamp")


def put_evaluations(req: RequestInfo, record: dict[str, Any], fault: dict[str, Any] | None):
    body = req.json_body()
    token = body.get("ResultToken")
    if not isinstance(token, str) or not token:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'resultToken' failed to satisfy constraint: "
            "Member must not be null",
        )
    evaluations = body.get("Evaluations") or []
    if not isinstance(evaluations, list):
        raise AwsError("SerializationException", "Evaluations must be a list")
    if len(evaluations) > 100:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'evaluations' failed to satisfy constraint: "
            "Member must have length less than or equal to 100",
        )
    stamps = [validate_evaluation(i, ev) for i, ev in enumerate(evaluations)]
    test_mode = bool(body.get("TestMode", False))

    failed_idx: set[int] = set()
    if fault is not None and fault["kind"] == "failEvaluations":
        n = fault.get("failOnly", len(evaluations))
        failed_idx = set(range(min(n, len(evaluations))))
        record["faulted"] = True
        record["fault"] = "failEvaluations"
    failed = [evaluations[i] for i in sorted(failed_idx)]

    now = CLOCK.now()
    kept = [
        {"evaluation": ev, "orderingEpoch": stamps[i]}
        for i, ev in enumerate(evaluations)
        if i not in failed_idx
    ]
    if kept:
        STATE.put_calls.append(
            {
                "seq": record["seq"],
                "receivedAt": now,
                "accountId": req.account_id,
                "region": req.region or "us-east-1",
                "resultToken": token,
                "testMode": test_mode,
                "partialFailure": bool(failed),
                "items": kept,
                "failed": failed,
            }
        )
    return {"FailedEvaluations": failed}


def all_latest_results() -> dict[tuple[str, str, str, str, str], dict[str, Any]]:
    """Latest evaluation per (account, region, rule, resourceType, resourceId)."""
    latest: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
    for call in STATE.put_calls:
        if call["testMode"]:
            continue
        rule = STATE.rule_for_token(call["resultToken"])
        if rule is None:
            continue
        token_info = STATE.tokens.get(call["resultToken"], {})
        for item in call["items"]:
            ev = item["evaluation"]
            key = (call["accountId"], call["region"], rule, ev["ComplianceResourceType"], ev["ComplianceResourceId"])
            current = latest.get(key)
            # Ties in OrderingTimestamp: the later PutEvaluations wins.
            if current is None or item["orderingEpoch"] >= current["orderingEpoch"]:
                latest[key] = {
                    "rule": rule,
                    "accountId": call["accountId"],
                    "region": call["region"],
                    "evaluation": ev,
                    "orderingEpoch": item["orderingEpoch"],
                    "recordedAt": call["receivedAt"],
                    "invokedAt": token_info.get("invokedEpoch", call["receivedAt"]),
                    "evaluationMode": token_info.get("evaluationMode", "DETECTIVE"),
                }
    return latest


def stored_results(account_id: str, region: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Latest evaluation per (rule, resourceType, resourceId) for one account and region."""
    return {
        (rule, rtype, rid): entry
        for (account, reg, rule, rtype, rid), entry in all_latest_results().items()
        if account == account_id and reg == region
    }


def evaluation_result(entry: dict[str, Any]) -> dict[str, Any]:
    ev = entry["evaluation"]
    result = {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": entry["rule"],
                "ResourceType": ev["ComplianceResourceType"],
                "ResourceId": ev["ComplianceResourceId"],
                "EvaluationMode": entry["evaluationMode"],
            },
            "OrderingTimestamp": entry["orderingEpoch"],
        },
        "ComplianceType": ev["ComplianceType"],
        "ResultRecordedTime": entry["recordedAt"],
        "ConfigRuleInvokedTime": entry["invokedAt"],
    }
    if ev.get("Annotation"):
        result["Annotation"] = ev["Annotation"]
    return result


def compliance_filter(body: dict[str, Any]) -> set[str]:
    types = body.get("ComplianceTypes") or []
    if not isinstance(types, list) or len(types) > 3:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'complianceTypes' failed to satisfy constraint: "
            "Member must have length less than or equal to 3",
        )
    for value in types:
        if value not in COMPLIANCE_FILTER_TYPES:
            raise AwsError(
                "InvalidParameterValueException",
                f"The value {value} is not valid for ComplianceTypes: use COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE.",
            )
    return set(types) if types else set(COMPLIANCE_FILTER_TYPES) | {"INSUFFICIENT_DATA"}


def get_compliance_details_by_config_rule(req: RequestInfo, record, fault):
    body = req.json_body()
    rule = body.get("ConfigRuleName")
    if not isinstance(rule, str) or not rule:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'configRuleName' failed to satisfy constraint: "
            "Member must not be null",
        )
    wanted = compliance_filter(body)
    limit = body.get("Limit", 0) or 0
    if not isinstance(limit, int) or limit < 0 or limit > 100:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 100",
        )
    limit = limit or 10
    offset = 0
    if body.get("NextToken"):
        payload = decode_token(body["NextToken"])
        if payload.get("rule") != rule or not isinstance(payload.get("offset"), int):
            raise AwsError("InvalidNextTokenException", "The specified next token is invalid.")
        offset = payload["offset"]
    latest = stored_results(req.account_id, req.region or "us-east-1")
    matching = sorted(
        (v for (r, _, _), v in latest.items() if r == rule and v["evaluation"]["ComplianceType"] in wanted),
        key=lambda v: (v["evaluation"]["ComplianceResourceType"], v["evaluation"]["ComplianceResourceId"]),
    )
    page = matching[offset : offset + limit]
    out: dict[str, Any] = {"EvaluationResults": [evaluation_result(v) for v in page]}
    if offset + limit < len(matching):
        out["NextToken"] = encode_token({"rule": rule, "offset": offset + limit})
    return out


def get_compliance_details_by_resource(req: RequestInfo, record, fault):
    body = req.json_body()
    rtype, rid = body.get("ResourceType"), body.get("ResourceId")
    if body.get("ResourceEvaluationId"):
        # Proactive evaluations are not modelled: nothing is stored for them.
        return {"EvaluationResults": []}
    if not isinstance(rtype, str) or not rtype or not isinstance(rid, str) or not rid:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: ResourceType and ResourceId are required",
        )
    wanted = compliance_filter(body)
    latest = stored_results(req.account_id, req.region or "us-east-1")
    matching = sorted(
        (
            v
            for (r, t, i), v in latest.items()
            if t == rtype and i == rid and v["evaluation"]["ComplianceType"] in wanted
        ),
        key=lambda v: v["rule"],
    )
    return {"EvaluationResults": [evaluation_result(v) for v in matching]}


def history_item_out(item: dict[str, Any]) -> dict[str, Any]:
    out = dict(item)
    out["configurationItemCaptureTime"] = to_epoch(
        item["configurationItemCaptureTime"], "configurationItemCaptureTime"
    )
    if out.get("resourceCreationTime") is not None:
        out["resourceCreationTime"] = to_epoch(out["resourceCreationTime"], "resourceCreationTime")
    if "configuration" in out and not isinstance(out["configuration"], str):
        out["configuration"] = json.dumps(out["configuration"])
    supp = out.get("supplementaryConfiguration")
    if isinstance(supp, dict):
        out["supplementaryConfiguration"] = {
            k: v if isinstance(v, str) else json.dumps(v) for k, v in supp.items()
        }
    return out


def get_resource_config_history(req: RequestInfo, record, fault):
    """Answered from seeded items, else from the inventory (config_inventory.py); returns None
    (pass through to moto) for a resource neither knows."""
    body = req.json_body()
    key = (body.get("resourceType"), body.get("resourceId"))
    items = STATE.history.get(key)  # type: ignore[arg-type]
    if not items:
        return config_inventory.resource_config_history(req, body)
    later = to_epoch(body["laterTime"], "laterTime") if body.get("laterTime") is not None else None
    earlier = to_epoch(body["earlierTime"], "earlierTime") if body.get("earlierTime") is not None else None
    if later is not None and earlier is not None and earlier > later:
        raise AwsError("InvalidTimeRangeException", "The specified time range is not valid.")
    limit = body.get("limit", 0) or 0
    if not isinstance(limit, int) or limit < 0 or limit > 100:
        raise AwsError("InvalidLimitException", "The specified limit is outside the allowable range.")
    limit = limit or 10
    chosen = [
        (t, item)
        for t, item in items
        if (later is None or t <= later) and (earlier is None or t >= earlier)
    ]
    chosen.sort(key=lambda pair: pair[0], reverse=body.get("chronologicalOrder", "Reverse") != "Forward")
    offset = 0
    if body.get("nextToken"):
        payload = decode_token(body["nextToken"])
        if not isinstance(payload.get("offset"), int):
            raise AwsError("InvalidNextTokenException", "The specified next token is invalid.")
        offset = payload["offset"]
    page = chosen[offset : offset + limit]
    out: dict[str, Any] = {"configurationItems": [history_item_out(item) for _, item in page]}
    if offset + limit < len(chosen):
        out["nextToken"] = encode_token({"offset": offset + limit})
    return out


# -- aggregator (organization view) ------------------------------------------------------------


def aggregator_sources(req: RequestInfo, body: dict[str, Any]) -> Callable[[str, str], bool]:
    """The named aggregator of the caller's account and region, as a (account, region) filter."""
    from moto.config.models import config_backends

    name = required_string(body, "ConfigurationAggregatorName")
    backend = config_backends[req.account_id][req.region or "us-east-1"]
    aggregator = backend.config_aggregators.get(name)
    if aggregator is None:
        raise AwsError(
            "NoSuchConfigurationAggregatorException",
            "The configuration aggregator does not exist. Check the configuration aggregator name and try again.",
        )
    sources = aggregator.account_aggregation_sources
    if not sources:
        return lambda account, region: True  # organization source: every account

    def included(account: str, region: str) -> bool:
        for source in sources:
            regions = getattr(source, "aws_regions", None) or []
            all_regions = bool(getattr(source, "all_aws_regions", False))
            if account in (getattr(source, "account_ids", None) or []) and (all_regions or region in regions):
                return True
        return False

    return included


def page_of(
    items: list[Any], body: dict[str, Any], scope: str, default: int, most: int
) -> tuple[list[Any], str | None]:
    limit = body.get("Limit", 0) or 0
    if not isinstance(limit, int) or limit < 0 or limit > most:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'limit' failed to satisfy constraint: "
            f"Member must have value less than or equal to {most}",
        )
    limit = limit or default
    offset = 0
    if body.get("NextToken"):
        payload = decode_token(body["NextToken"])
        if payload.get("scope") != scope or not isinstance(payload.get("offset"), int):
            raise AwsError("InvalidNextTokenException", "The specified next token is invalid.")
        offset = payload["offset"]
    page = items[offset : offset + limit]
    token = encode_token({"scope": scope, "offset": offset + limit}) if offset + limit < len(items) else None
    return page, token


def describe_aggregate_compliance_by_config_rules(req: RequestInfo, record, fault):
    body = req.json_body()
    included = aggregator_sources(req, body)
    filters = body.get("Filters") or {}
    per_rule: dict[tuple[str, str, str], list[str]] = {}
    for (account, region, rule, _, _), entry in all_latest_results().items():
        if not included(account, region):
            continue
        per_rule.setdefault((rule, account, region), []).append(entry["evaluation"]["ComplianceType"])
    rows = []
    for (rule, account, region), kinds in sorted(per_rule.items()):
        noncompliant = kinds.count("NON_COMPLIANT")
        if noncompliant:
            compliance = {
                "ComplianceType": "NON_COMPLIANT",
                "ComplianceContributorCount": {
                    "CappedCount": min(noncompliant, 100),
                    "CapExceeded": noncompliant > 100,
                },
            }
        elif "COMPLIANT" in kinds:
            compliance = {"ComplianceType": "COMPLIANT"}
        else:
            compliance = {"ComplianceType": "INSUFFICIENT_DATA"}
        row = {"ConfigRuleName": rule, "Compliance": compliance, "AccountId": account, "AwsRegion": region}
        if filters.get("ConfigRuleName") not in (None, rule):
            continue
        if filters.get("AccountId") not in (None, account) or filters.get("AwsRegion") not in (None, region):
            continue
        if filters.get("ComplianceType") not in (None, compliance["ComplianceType"]):
            continue
        rows.append(row)
    page, token = page_of(rows, body, "aggregate-rules", 1000, 1000)
    out: dict[str, Any] = {"AggregateComplianceByConfigRules": page}
    if token:
        out["NextToken"] = token
    return out


def get_aggregate_compliance_details_by_config_rule(req: RequestInfo, record, fault):
    body = req.json_body()
    included = aggregator_sources(req, body)
    rule = required_string(body, "ConfigRuleName")
    account = required_string(body, "AccountId")
    region = required_string(body, "AwsRegion")
    wanted = body.get("ComplianceType")
    if wanted is not None and wanted not in ("COMPLIANT", "NON_COMPLIANT"):
        raise AwsError(
            "InvalidParameterValueException",
            f"The value {wanted} is not valid for ComplianceType: use COMPLIANT or NON_COMPLIANT.",
        )
    rows = []
    if included(account, region):
        for (acc, reg, r, _, _), entry in sorted(all_latest_results().items()):
            if (acc, reg, r) != (account, region, rule):
                continue
            if wanted and entry["evaluation"]["ComplianceType"] != wanted:
                continue
            result = evaluation_result(entry)
            result["AccountId"] = acc
            result["AwsRegion"] = reg
            rows.append(result)
    page, token = page_of(rows, body, f"aggregate-details:{rule}:{account}:{region}", 50, 100)
    out: dict[str, Any] = {"AggregateEvaluationResults": page}
    if token:
        out["NextToken"] = token
    return out


def describe_aggregate_compliance_by_conformance_packs(req: RequestInfo, record, fault):
    body = req.json_body()
    included = aggregator_sources(req, body)
    rows = [
        {
            "ConformancePackName": pack["ConformancePackName"],
            "Compliance": {"ComplianceType": pack.get("ComplianceType", "INSUFFICIENT_DATA")},
            "AccountId": pack["AccountId"],
            "AwsRegion": pack["AwsRegion"],
        }
        for pack in STATE.conformance_packs
        if included(pack["AccountId"], pack["AwsRegion"])
    ]
    page, token = page_of(rows, body, "aggregate-packs", 5, 5)
    out: dict[str, Any] = {"AggregateComplianceByConformancePacks": page}
    if token:
        out["NextToken"] = token
    return out


CONFIG_HANDLERS: dict[str, Callable[..., dict[str, Any] | None]] = {
    "PutEvaluations": put_evaluations,
    "GetComplianceDetailsByConfigRule": get_compliance_details_by_config_rule,
    "GetComplianceDetailsByResource": get_compliance_details_by_resource,
    "GetResourceConfigHistory": get_resource_config_history,
    "DescribeAggregateComplianceByConfigRules": describe_aggregate_compliance_by_config_rules,
    "GetAggregateComplianceDetailsByConfigRule": get_aggregate_compliance_details_by_config_rule,
    "DescribeAggregateComplianceByConformancePacks": describe_aggregate_compliance_by_conformance_packs,
}

# (service, action) -> handler(req, record, fault): a response dict, or None to let moto answer.
HANDLERS: dict[tuple[str, str], Callable[..., dict[str, Any] | None]] = {
    **{("config", action): handler for action, handler in CONFIG_HANDLERS.items()},
    **config_inventory.HANDLERS,
    **securityhub.HANDLERS,
    **account_regions.HANDLERS,
    **moto_patches.HANDLERS,
}


def before_moto(req: RequestInfo) -> None:
    """State the harness keeps beside moto's, brought up to date before any handler or moto runs."""
    if req.service == "organizations":
        moto_patches.patch_organizations()
    elif req.service == "iam":
        moto_patches.load_named_aws_managed_policies(req.account_id, req.body, req.query)
    elif req.service == "cloudformation":
        moto_patches.patch_ssm_parameter_attributes()
    config_inventory.note_call(req.service, req.action, req.account_id, req.region)


# ---------------------------------------------------------------------------------------------
# ECS: where moto differs from AWS in ways a client's control flow depends on
# ---------------------------------------------------------------------------------------------
# (list key, default page size, max page size); moto ignores maxResults/nextToken and returns
# everything at once, which would leave a client's pagination loop untested.
ECS_PAGED = {
    "ListServices": ("serviceArns", 10, 100),
    "ListClusters": ("clusterArns", 100, 100),
    "ListTaskDefinitions": ("taskDefinitionArns", 100, 100),
    "ListTaskDefinitionFamilies": ("families", 100, 100),
    "DescribeCapacityProviders": ("capacityProviders", 10, 10),
}
ECS_DESCRIBE_LIMITS = {"DescribeServices": ("services", 10, "service names")}


def ecs_backend(req: RequestInfo):
    from moto.ecs.models import ecs_backends

    return ecs_backends[req.account_id][req.region or "us-east-1"]


def taskdef_sort_key(arn: str) -> tuple[str, int]:
    name = arn.rsplit("/", 1)[-1]
    family, _, rev = name.rpartition(":")
    try:
        return family, int(rev)
    except ValueError:
        return name, 0


def ecs_realism(req: RequestInfo, call_moto) -> tuple[int, list, bytes] | None:
    """AWS behaviour moto lacks, for the actions in ECS_PAGED / ECS_DESCRIBE_LIMITS.

    Returns a full response, or None to let moto answer unchanged. Raises AwsError.
    """
    action = req.action or ""
    if action in ECS_DESCRIBE_LIMITS:
        key, limit, what = ECS_DESCRIBE_LIMITS[action]
        items = req.json_body().get(key) or []
        if isinstance(items, list) and len(items) > limit:
            raise AwsError("InvalidParameterException", f"{what} can have at most {limit} items.")
        return None
    if action not in ECS_PAGED:
        return None
    list_key, default_size, max_size = ECS_PAGED[action]
    body = req.json_body()
    if action == "DescribeCapacityProviders":
        if body.get("capacityProviders"):
            return None
        # moto fails (HTTP 500) without names; AWS lists them all.
        body["capacityProviders"] = list(ecs_backend(req).capacity_providers)
    size = body.pop("maxResults", None)
    token = body.pop("nextToken", None)
    if size is not None and (not isinstance(size, int) or size < 1 or size > max_size):
        raise AwsError(
            "InvalidParameterException", f"maxResults must be between 1 and {max_size}."
        )
    size = size or default_size
    offset = 0
    if token:
        try:
            payload = decode_token(token)
        except AwsError:
            raise AwsError("InvalidParameterException", "Invalid token") from None
        if payload.get("action") != action or not isinstance(payload.get("offset"), int):
            raise AwsError("InvalidParameterException", "Invalid token")
        offset = payload["offset"]
    status, headers, raw = call_moto(json.dumps(body).encode())
    if status != 200:
        return status, headers, raw
    result = json.loads(raw or b"{}")
    items = result.get(list_key) or []
    if action == "ListTaskDefinitions":
        items.sort(key=taskdef_sort_key, reverse=body.get("sort") == "DESC")
    if action == "ListTaskDefinitionFamilies":
        wanted = body.get("status") or "ALL"
        defs = ecs_backend(req).task_definitions
        def has_active(family: str) -> bool:
            return any(td.status == "ACTIVE" for td in defs.get(family, {}).values())
        if wanted == "ACTIVE":
            items = [f for f in items if has_active(f)]
        elif wanted == "INACTIVE":
            items = [f for f in items if not has_active(f)]
        items.sort()
    result[list_key] = items[offset : offset + size]
    result.pop("nextToken", None)
    if offset + size < len(items):
        result["nextToken"] = encode_token({"action": action, "offset": offset + size})
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    return 200, headers, json.dumps(result).encode()


# ---------------------------------------------------------------------------------------------
# Control API
# ---------------------------------------------------------------------------------------------

def normalize_seed_item(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError("a configuration item must be a JSON object")
    item = dict(raw)
    # Accept the rule-event shape (awsAccountId, ARN) as well as the history shape.
    if "awsAccountId" in item and "accountId" not in item:
        item["accountId"] = item.pop("awsAccountId")
    if "ARN" in item and "arn" not in item:
        item["arn"] = item.pop("ARN")
    if not isinstance(item.get("resourceType"), str) or not isinstance(item.get("resourceId"), str):
        raise ValueError("a configuration item needs resourceType and resourceId")
    item.setdefault("configurationItemCaptureTime", time.time())
    try:
        to_epoch(item["configurationItemCaptureTime"], "configurationItemCaptureTime")
    except AwsError as err:
        raise ValueError(err.message) from None
    item.setdefault("version", "1.3")
    item.setdefault("accountId", DEFAULT_ACCOUNT_ID)
    item.setdefault("awsRegion", "us-east-1")
    item.setdefault("configurationItemStatus", "OK")
    item.setdefault("configurationStateId", str(int(time.time() * 1000)))
    return item


def control(method: str, path: str, query: dict[str, list[str]], body: bytes):
    """Returns (status, json-able)."""
    route = path[len("/_harness") :].rstrip("/") or "/"
    data: Any = None
    if body:
        try:
            data = json.loads(body)
        except ValueError:
            return 400, {"error": "body is not valid JSON"}

    def one_or_many(value: Any, list_key: str) -> list[Any]:
        if isinstance(value, list):
            return value
        if isinstance(value, dict) and isinstance(value.get(list_key), list):
            return value[list_key]
        return [value]

    try:
        with STATE.lock:
            if route == "/health" and method == "GET":
                return 200, {"ok": True}
            if route == "/config/inventory" and method == "GET":
                return 200, config_inventory.known_view()
            if route == "/config/options" and method == "POST":
                return 200, config_inventory.set_options(data)
            if route == "/config/aggregator-source-status" and method == "POST":
                return 200, config_inventory.set_source_status(one_or_many(data, "statuses"))
            if route == "/securityhub/findings" and method == "GET":
                return 200, securityhub.findings_view(query)
            if route == "/account/regions":
                if method == "POST":
                    return 200, account_regions.set_statuses(one_or_many(data, "regions"))
                if method == "GET":
                    return 200, account_regions.set_statuses([])
            if route == "/reset" and method == "POST":
                reset_moto = not (isinstance(data, dict) and data.get("moto") is False)
                STATE.reset()
                config_inventory.INVENTORY.reset()
                securityhub.STORE.reset()
                account_regions.REGIONS.reset()
                if reset_moto:
                    from moto.moto_api._internal.models import moto_api_backend

                    moto_api_backend.reset()
                return 200, {"reset": True, "moto": reset_moto}
            if route == "/calls" and method == "GET":
                calls = STATE.calls
                for field in ("service", "action", "accountId"):
                    if query.get(field):
                        calls = [c for c in calls if c[field] == query[field][0]]
                return 200, {"calls": calls}
            if route == "/evaluations" and method == "GET":
                out = []
                for call in STATE.put_calls:
                    out.append(
                        {
                            "seq": call["seq"],
                            "receivedAt": call["receivedAt"],
                            "accountId": call["accountId"],
                            "region": call["region"],
                            "resultToken": call["resultToken"],
                            "configRuleName": STATE.rule_for_token(call["resultToken"]),
                            "testMode": call["testMode"],
                            "partialFailure": call["partialFailure"],
                            "evaluations": [i["evaluation"] for i in call["items"]],
                            "failedEvaluations": call["failed"],
                        }
                    )
                return 200, {"calls": out}
            if route == "/faults":
                if method == "GET":
                    return 200, {"pending": STATE.pending_faults()}
                if method == "DELETE":
                    STATE.faults.clear()
                    return 200, {"pending": []}
                if method == "POST":
                    specs = one_or_many(data, "faults")
                    for spec in specs:
                        if not isinstance(spec, dict):
                            raise ValueError("a fault must be a JSON object")
                        STATE.add_fault(spec)
                    return 200, {"pending": STATE.pending_faults()}
            if route == "/tokens" and method == "POST":
                for spec in one_or_many(data, "tokens"):
                    if not isinstance(spec, dict) or not isinstance(spec.get("resultToken"), str) or not isinstance(
                        spec.get("configRuleName"), str
                    ):
                        raise ValueError("a token needs resultToken and configRuleName (strings)")
                    entry: dict[str, Any] = {"configRuleName": spec["configRuleName"]}
                    if spec.get("invokedTime") is not None:
                        try:
                            entry["invokedEpoch"] = to_epoch(spec["invokedTime"], "invokedTime")
                        except AwsError as err:
                            raise ValueError(err.message) from None
                    if spec.get("evaluationMode"):
                        entry["evaluationMode"] = str(spec["evaluationMode"])
                    STATE.tokens[spec["resultToken"]] = entry
                return 200, {"tokens": len(STATE.tokens)}
            if route == "/conformance-packs" and method == "POST":
                for pack in one_or_many(data, "conformancePacks"):
                    if not isinstance(pack, dict) or not all(
                        isinstance(pack.get(k), str) for k in ("ConformancePackName", "AccountId", "AwsRegion")
                    ):
                        raise ValueError("a conformance pack needs ConformancePackName, AccountId and AwsRegion")
                    STATE.conformance_packs.append(pack)
                return 200, {"conformancePacks": len(STATE.conformance_packs)}
            if route == "/organizations/pin-account" and method == "POST":
                # moto gives created accounts random ids; tests need the fixed ids their other
                # resources live in.
                from moto.organizations.models import organizations_backends

                if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("name", "id")):
                    raise ValueError("pin-account needs name and id (strings)")
                management = str(data.get("managementAccount") or DEFAULT_ACCOUNT_ID)
                backend = organizations_backends[management]["aws"]
                account = next((a for a in backend.accounts if a.name == data["name"]), None)
                if account is None:
                    raise ValueError(f"no account named {data['name']!r} in the organization of {management}")
                old = account.id
                account.id = data["id"]
                if old in organizations_backends.master_accounts:
                    organizations_backends.master_accounts[data["id"]] = organizations_backends.master_accounts.pop(old)
                return 200, {"id": account.id, "was": old}
            if route == "/clock" and method == "POST":
                epoch = data.get("epoch") if isinstance(data, dict) else None
                if epoch is not None and not isinstance(epoch, (int, float)):
                    raise ValueError("epoch must be a number (seconds) or null")
                CLOCK.fixed = float(epoch) if epoch is not None else None
                return 200, {"epoch": CLOCK.fixed}
            if route == "/config-history":
                if method == "GET":
                    return 200, {
                        "items": [item for items in STATE.history.values() for _, item in items]
                    }
                if method == "POST":
                    for raw in one_or_many(data, "items"):
                        if isinstance(raw, dict) and isinstance(raw.get("item"), dict):
                            raw = raw["item"]
                        item = normalize_seed_item(raw)
                        stamp = to_epoch(item["configurationItemCaptureTime"], "configurationItemCaptureTime")
                        STATE.history.setdefault((item["resourceType"], item["resourceId"]), []).append(
                            (stamp, item)
                        )
                    return 200, {"items": sum(len(v) for v in STATE.history.values())}
    except ValueError as err:
        return 400, {"error": str(err)}
    return 404, {"error": f"no such control route: {method} {path}"}


# ---------------------------------------------------------------------------------------------
# WSGI middleware
# ---------------------------------------------------------------------------------------------

def read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            body = stream.read(int(length))
        except ValueError:
            body = b""
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def error_response(req: RequestInfo, code: str, message: str, status: int):
    request_id = str(uuid.uuid4())
    if req.protocol == "query":
        kind = "Receiver" if status >= 500 else "Sender"
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], xml.encode()
    body = json.dumps({"__type": code, "message": message}).encode()
    return (
        status,
        [
            ("Content-Type", JSON_CT if req.protocol == "json" else "application/json"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", code),
        ],
        body,
    )


STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def respond(start_response, status: int, headers: list[tuple[str, str]], body: bytes) -> Iterable[bytes]:
    headers = headers + [("Content-Length", str(len(body)))]
    start_response(f"{status} {STATUS_TEXT.get(status, 'Status')}", headers)
    return [body]


class HarnessMiddleware:
    def __init__(self, moto_app: Callable, raw_ecs: bool = False):
        self.moto_app = moto_app
        self.raw_ecs = raw_ecs

    def call_moto(self, environ: dict[str, Any], body: bytes) -> tuple[int, list, bytes]:
        """Runs moto on a copy of the request with another body; returns its whole response."""
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        captured: dict[str, Any] = {}

        def start_response(status_line, headers, exc_info=None):
            captured["status"] = int(status_line.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return lambda data: None

        result = self.moto_app(env, start_response)
        try:
            raw = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return captured["status"], captured["headers"], raw

    def __call__(self, environ: dict[str, Any], start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_harness" or path.startswith("/_harness/"):
            body = read_body(environ)
            status, payload = control(
                environ.get("REQUEST_METHOD", "GET"), path, parse_qs(environ.get("QUERY_STRING", "")), body
            )
            return respond(
                start_response, status, [("Content-Type", "application/json")], json.dumps(payload).encode()
            )
        if path.startswith("/moto-api"):
            return self.moto_app(environ, start_response)

        body = read_body(environ)
        req = RequestInfo(environ, body)
        with STATE.lock:
            STATE.seq += 1
            record: dict[str, Any] = {
                "seq": STATE.seq,
                "time": time.time(),
                "service": req.service,
                "action": req.action,
                "accountId": req.account_id,
                "region": req.region,
                "method": req.method,
                "path": path,
                "status": None,
                "faulted": False,
                "fault": None,
            }
            STATE.calls.append(record)
            fault = STATE.take_fault(req.service, req.action)
            if fault is not None and fault["kind"] in ("throttle", "error500"):
                record["faulted"] = True
                record["fault"] = fault["kind"]
                if fault["kind"] == "throttle":
                    status, code, message = THROTTLE_SHAPES.get(
                        req.service or "", (400, "ThrottlingException", "Rate exceeded")
                    )
                    if req.protocol == "query":
                        code = "Throttling"
                    status, headers, payload = error_response(
                        req, fault.get("code", code), fault.get("message", message), fault.get("status", status)
                    )
                else:
                    status, headers, payload = error_response(
                        req, "InternalFailure", fault.get("message", "Internal failure (injected)"), 500
                    )
                record["status"] = status
                return respond(start_response, status, headers, payload)

            try:
                before_moto(req)
                handler = HANDLERS.get((req.service or "", req.action or ""))
                result = handler(req, record, fault) if handler is not None else None
            except AwsError as err:
                status, headers, payload = error_response(req, err.code, err.message, err.status)
                record["status"] = status
                return respond(start_response, status, headers, payload)
            if result is not None:
                record["status"] = 200
                content_type = "application/json" if req.protocol == "rest" else JSON_CT
                return respond(
                    start_response,
                    200,
                    [("Content-Type", content_type), ("x-amzn-RequestId", str(uuid.uuid4()))],
                    json.dumps(result).encode(),
                )

        if not self.raw_ecs and req.service == "ecs" and req.target:
            try:
                fixed = ecs_realism(req, lambda new_body: self.call_moto(environ, new_body))
            except AwsError as err:
                fixed = error_response(req, err.code, err.message, err.status)
            if fixed is not None:
                status, headers, payload = fixed
                with STATE.lock:
                    record["status"] = status
                return respond(start_response, status, headers, payload)

        def recording_start_response(status_line: str, headers, exc_info=None):
            try:
                code = int(status_line.split(" ", 1)[0])
            except ValueError:
                code = None
            with STATE.lock:
                record["status"] = code
            if exc_info is not None:
                return start_response(status_line, headers, exc_info)
            return start_response(status_line, headers)

        return self.moto_app(environ, recording_start_response)


def build_app(raw_ecs: bool = False) -> HarnessMiddleware:
    return HarnessMiddleware(DomainDispatcherApplication(create_backend_app), raw_ecs=raw_ecs)


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = a free one)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument(
        "--raw-ecs",
        action="store_true",
        help="serve moto's ECS answers unchanged (no pagination, limits or listing fixes)",
    )
    parser.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="exit when the process that started this one dies (for test runners)",
    )
    args = parser.parse_args(argv)

    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.ERROR)
    if not args.verbose:
        logging.basicConfig(level=logging.ERROR)

    stop = STOP
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: stop.set())
    if stop.is_set():
        return 0
    server = make_server(
        "127.0.0.1", args.port, build_app(args.raw_ecs), threaded=True, request_handler=MotoRequestHandler
    )

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()

    print(f"READY http://127.0.0.1:{server.server_port}", flush=True)
    # Nothing else goes to stdout (a parent may stop reading it after READY; moto prints now
    # and then): anything later printed goes to stderr.
    sys.stdout = sys.stderr

    parent = os.getppid()
    while not stop.is_set():
        stop.wait(0.5)
        if args.exit_with_parent and os.getppid() != parent:
            break
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
