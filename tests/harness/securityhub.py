"""AWS Security Hub findings: BatchImportFindings, GetFindings and BatchUpdateFindings.

moto 5.2.5 stores imported findings by Id alone, validates almost nothing, ignores every
GetFindings filter and has no BatchUpdateFindings. The harness answers these three calls
itself, per account and Region, with findings keyed by (ProductArn, Id) and the update rules of
the Security Hub documentation (see README.md, "AWS Security Hub"). EnableSecurityHub,
DescribeHub and DisableSecurityHub stay with moto; whether the hub is enabled is read from moto.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Callable

from harness_common import CLOCK, AwsError, iso8601, offset_page, to_epoch

SCHEMA_VERSION = "2018-10-08"
REQUIRED = (
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "CreatedAt",
    "UpdatedAt",
    "Title",
    "Description",
    "Resources",
)
# Fields only customers change (BatchUpdateFindings); BatchImportFindings cannot update them.
CUSTOMER_FIELDS = ("Note", "UserDefinedFields", "VerificationState", "Workflow", "WorkflowState")
# Fields a provider sets through FindingProviderFields once the finding exists.
PROVIDER_FIELDS = ("Confidence", "Criticality", "RelatedFindings", "Severity", "Types")
SEVERITY_LABELS = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
LABEL_TO_NORMALIZED = {"INFORMATIONAL": 0, "LOW": 1, "MEDIUM": 40, "HIGH": 70, "CRITICAL": 90}
WORKFLOW_STATUSES = ("NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED")
# The deprecated WorkflowState that goes with each Workflow.Status.
WORKFLOW_STATE = {"NEW": "NEW", "NOTIFIED": "ASSIGNED", "RESOLVED": "RESOLVED", "SUPPRESSED": "DEFERRED"}
COMPLIANCE_STATUSES = ("PASSED", "WARNING", "FAILED", "NOT_AVAILABLE")
RECORD_STATES = ("ACTIVE", "ARCHIVED")
VERIFICATION_STATES = ("UNKNOWN", "TRUE_POSITIVE", "FALSE_POSITIVE", "BENIGN_POSITIVE")
TYPE_PATTERN = re.compile(r"^([^/]+)(/[^/]+){0,2}$")
MAX_FINDING_BYTES = 240 * 1024


def default_product_arn(account: str, region: str) -> str:
    return f"arn:aws:securityhub:{region}:{account}:product/{account}/default"


def not_subscribed(account: str) -> AwsError:
    return AwsError("InvalidAccessException", f"Account {account} is not subscribed to AWS Security Hub", 401)


def hub_enabled(account: str, region: str) -> bool:
    from moto.securityhub.models import securityhub_backends

    return bool(securityhub_backends[account][region].enabled)


def invalid_input(message: str) -> AwsError:
    return AwsError("InvalidInputException", message)


class FindingStore:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        # (account, region) -> (ProductArn, Id) -> {"finding": ASFF, "customer": fields BatchUpdateFindings set}
        self.findings: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {}

    def of(self, account: str, region: str) -> dict[tuple[str, str], dict[str, Any]]:
        return self.findings.setdefault((account, region), {})


STORE = FindingStore()


# ---------------------------------------------------------------------------------------------
# ASFF validation, in the words Security Hub uses ("Finding does not adhere to Amazon Finding
# Format. data.Resources[0].Type should NOT be shorter than 1 characters.")
# ---------------------------------------------------------------------------------------------


def is_timestamp(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        to_epoch(value, "timestamp")
    except AwsError:
        return False
    return True


def string_problem(path: str, value: Any, least: int, most: int | None) -> str | None:
    if not isinstance(value, str):
        return f"{path} should be string"
    if len(value) < least:
        return f"{path} should NOT be shorter than {least} characters"
    if most is not None and len(value) > most:
        return f"{path} should NOT be longer than {most} characters"
    return None


def enum_problem(path: str, value: Any, allowed: tuple[str, ...]) -> str | None:
    return None if value in allowed else f"{path} should be equal to one of the allowed values"


def asff_problem(finding: Any) -> str | None:
    """The first way `finding` breaks the AWS Security Finding Format, or None."""
    if not isinstance(finding, dict):
        return "data should be object"
    for name in REQUIRED:
        if name not in finding:
            return f"data should have required property '{name}'"
    checks = [
        string_problem("data.Id", finding["Id"], 1, 512),
        string_problem("data.GeneratorId", finding["GeneratorId"], 1, 512),
        string_problem("data.ProductArn", finding["ProductArn"], 1, None),
        string_problem("data.AwsAccountId", finding["AwsAccountId"], 12, 12),
        string_problem("data.Title", finding["Title"], 1, 256),
        string_problem("data.Description", finding["Description"], 1, 1024),
        None
        if finding["SchemaVersion"] == SCHEMA_VERSION
        else "data.SchemaVersion should be equal to one of the allowed values",
    ]
    for stamp in ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt"):
        if stamp in finding and not is_timestamp(finding[stamp]):
            checks.append(f'data.{stamp} should match format "date-time"')
    for problem in checks:
        if problem:
            return problem
    resources = finding["Resources"]
    if not isinstance(resources, list):
        return "data.Resources should be array"
    if not resources:
        return "data.Resources should NOT have fewer than 1 items"
    if len(resources) > 32:
        return "data.Resources should NOT have more than 32 items"
    for index, resource in enumerate(resources):
        path = f"data.Resources[{index}]"
        if not isinstance(resource, dict):
            return f"{path} should be object"
        for name in ("Type", "Id"):
            if name not in resource:
                return f"{path} should have required property '{name}'"
        problem = string_problem(f"{path}.Type", resource["Type"], 1, 256) or string_problem(
            f"{path}.Id", resource["Id"], 1, None
        )
        if problem:
            return problem
    provider = finding.get("FindingProviderFields") or {}
    if not isinstance(provider, dict):
        return "data.FindingProviderFields should be object"
    severity = finding.get("Severity", provider.get("Severity"))
    types = finding.get("Types", provider.get("Types"))
    if severity is None or types is None:
        return "data should have required property 'FindingProviderFields', data should match some schema in anyOf"
    for path, value in (
        ("data.Severity", finding.get("Severity")),
        ("data.FindingProviderFields.Severity", provider.get("Severity")),
    ):
        if value is None:
            continue
        if not isinstance(value, dict):
            return f"{path} should be object"
        if "Label" in value:
            problem = enum_problem(f"{path}.Label", value["Label"], SEVERITY_LABELS)
            if problem:
                return problem
        if "Normalized" in value and (not isinstance(value["Normalized"], int) or not 0 <= value["Normalized"] <= 100):
            return f"{path}.Normalized should be <= 100"
    for path, value in (
        ("data.Types", finding.get("Types")),
        ("data.FindingProviderFields.Types", provider.get("Types")),
    ):
        if value is None:
            continue
        if not isinstance(value, list):
            return f"{path} should be array"
        if len(value) > 50:
            return f"{path} should NOT have more than 50 items"
        for index, kind in enumerate(value):
            if not isinstance(kind, str) or not TYPE_PATTERN.match(kind):
                return f'{path}[{index}] should match pattern "^([^/]+)(/[^/]+){{0,2}}$"'
    compliance = finding.get("Compliance")
    if compliance is not None:
        if not isinstance(compliance, dict):
            return "data.Compliance should be object"
        if "Status" in compliance:
            problem = enum_problem("data.Compliance.Status", compliance["Status"], COMPLIANCE_STATUSES)
            if problem:
                return problem
        related = compliance.get("RelatedRequirements")
        if related is not None and (not isinstance(related, list) or len(related) > 32):
            return "data.Compliance.RelatedRequirements should NOT have more than 32 items"
    for name, allowed in (("RecordState", RECORD_STATES), ("VerificationState", VERIFICATION_STATES)):
        if name in finding:
            problem = enum_problem(f"data.{name}", finding[name], allowed)
            if problem:
                return problem
    workflow = finding.get("Workflow")
    if isinstance(workflow, dict) and "Status" in workflow:
        problem = enum_problem("data.Workflow.Status", workflow["Status"], WORKFLOW_STATUSES)
        if problem:
            return problem
    text = ((finding.get("Remediation") or {}).get("Recommendation") or {}).get("Text")
    if text is not None:
        problem = string_problem("data.Remediation.Recommendation.Text", text, 1, 512)
        if problem:
            return problem
    note = finding.get("Note")
    if note is not None:
        if not isinstance(note, dict):
            return "data.Note should be object"
        for name in ("Text", "UpdatedBy", "UpdatedAt"):
            if name not in note:
                return f"data.Note should have required property '{name}'"
        problem = string_problem("data.Note.Text", note["Text"], 1, 512)
        if problem:
            return problem
    return None


# ---------------------------------------------------------------------------------------------
# BatchImportFindings
# ---------------------------------------------------------------------------------------------


def fill_severity(severity: dict[str, Any]) -> None:
    """Label from Normalized or Normalized from Label, as Security Hub fills the one left out."""
    if "Label" in severity and "Normalized" not in severity:
        severity["Normalized"] = LABEL_TO_NORMALIZED[severity["Label"]]
    elif "Normalized" in severity and "Label" not in severity:
        severity["Label"] = label_of(severity["Normalized"])


def label_of(normalized: int) -> str:
    if normalized == 0:
        return "INFORMATIONAL"
    if normalized < 40:
        return "LOW"
    if normalized < 70:
        return "MEDIUM"
    if normalized < 90:
        return "HIGH"
    return "CRITICAL"


def set_workflow(finding: dict[str, Any], status: str) -> None:
    finding["Workflow"] = {"Status": status}
    finding["WorkflowState"] = WORKFLOW_STATE[status]


def create(finding: dict[str, Any], region: str) -> dict[str, Any]:
    stored = copy.deepcopy(finding)
    stored["Region"] = region  # set by Security Hub, whatever the provider sent
    stored.setdefault("RecordState", "ACTIVE")
    set_workflow(stored, (stored.get("Workflow") or {}).get("Status", "NEW"))
    provider = stored.setdefault("FindingProviderFields", {})
    for name in PROVIDER_FIELDS:
        if name in finding and name not in provider:
            provider[name] = copy.deepcopy(finding[name])
        if name not in stored and name in provider:
            stored[name] = copy.deepcopy(provider[name])
    if isinstance(stored.get("Severity"), dict):
        fill_severity(stored["Severity"])
    stored["ProcessedAt"] = iso8601(CLOCK.now())
    return stored


def update(existing: dict[str, Any], finding: dict[str, Any]) -> None:
    """A provider's re-import: newer UpdatedAt wins; customer fields and customer-set top-level
    fields are kept; Workflow goes back to NEW where the Workflow.Status documentation says."""
    old = existing["finding"]
    if to_epoch(finding["UpdatedAt"], "UpdatedAt") <= to_epoch(old["UpdatedAt"], "UpdatedAt"):
        return  # the same or an older version of the finding: ignored
    new = copy.deepcopy(finding)
    for name in CUSTOMER_FIELDS:
        new.pop(name, None)
        if name in old:
            new[name] = copy.deepcopy(old[name])
    requested = finding.get("FindingProviderFields") or {}
    provider = copy.deepcopy(old.get("FindingProviderFields") or {})
    for name in PROVIDER_FIELDS:
        if name in requested:
            provider[name] = copy.deepcopy(requested[name])
        elif name in finding:
            provider[name] = copy.deepcopy(finding[name])
        if name in existing["customer"] and name in old:
            new[name] = copy.deepcopy(old[name])
        elif name in provider:
            new[name] = copy.deepcopy(provider[name])
    new["FindingProviderFields"] = provider
    if isinstance(new.get("Severity"), dict):
        fill_severity(new["Severity"])
    new.setdefault("RecordState", old.get("RecordState", "ACTIVE"))
    new["Region"] = old.get("Region")
    status = (old.get("Workflow") or {}).get("Status", "NEW")
    reopened = old.get("RecordState") == "ARCHIVED" and new["RecordState"] == "ACTIVE"
    failing_again = (old.get("Compliance") or {}).get("Status") == "PASSED" and (new.get("Compliance") or {}).get(
        "Status"
    ) in ("WARNING", "FAILED", "NOT_AVAILABLE")
    if status in ("NOTIFIED", "RESOLVED") and (reopened or failing_again):
        status = "NEW"
    set_workflow(new, status)
    new["ProcessedAt"] = iso8601(CLOCK.now())
    existing["finding"] = new


def batch_import_findings(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    body = req.json_body()
    findings = body.get("Findings")
    if not isinstance(findings, list) or not findings:
        raise invalid_input("Findings is required: a list of 1 to 100 findings in the AWS Security Finding Format.")
    if len(findings) > 100:
        raise invalid_input(
            "1 validation error detected: Value at 'findings' failed to satisfy constraint: "
            "Member must have length less than or equal to 100"
        )
    account, region = req.account_id, req.region or "us-east-1"
    product = default_product_arn(account, region)
    for finding in findings:
        if not isinstance(finding, dict):
            continue
        arn, owner = finding.get("ProductArn"), finding.get("AwsAccountId")
        if (isinstance(arn, str) and arn != product) or (isinstance(owner, str) and owner != account):
            raise AwsError(
                "AccessDeniedException",
                f"User: arn:aws:iam::{account}:root is not authorized to perform: securityhub:BatchImportFindings "
                f"on resource: {arn if isinstance(arn, str) else product}",
                403,
            )
    failed: list[dict[str, Any]] = []
    injected = 0
    if fault is not None and fault["kind"] == "failFindings":
        record["faulted"] = True
        record["fault"] = "failFindings"
        injected = min(fault.get("failOnly", len(findings)), len(findings))
    enabled = hub_enabled(account, region)
    store = STORE.of(account, region)
    for index, finding in enumerate(findings):
        ident = finding.get("Id") if isinstance(finding, dict) and isinstance(finding.get("Id"), str) else ""
        if index < injected:
            failed.append(
                {
                    "Id": ident,
                    "ErrorCode": fault.get("errorCode", "InternalFailure"),
                    "ErrorMessage": fault.get("message", "Internal failure (injected)"),
                }
            )
            continue
        if not enabled:
            failed.append(
                {
                    "Id": ident,
                    "ErrorCode": "InvalidAccess",
                    "ErrorMessage": f"Account {account} is not subscribed to AWS Security Hub",
                }
            )
            continue
        problem = asff_problem(finding)
        if problem is None and len(json.dumps(finding)) > MAX_FINDING_BYTES:
            problem = "Finding size exceeds the limit of 240 KB"
        if problem:
            failed.append(
                {
                    "Id": ident,
                    "ErrorCode": "InvalidInput",
                    "ErrorMessage": f"Finding does not adhere to Amazon Finding Format. {problem}.",
                }
            )
            continue
        key = (finding["ProductArn"], finding["Id"])
        if key in store:
            update(store[key], finding)
        else:
            store[key] = {"finding": create(finding, region), "customer": set()}
    return {"FailedCount": len(failed), "SuccessCount": len(findings) - len(failed), "FailedFindings": failed}


# ---------------------------------------------------------------------------------------------
# GetFindings
# ---------------------------------------------------------------------------------------------


def values(*path: str) -> Callable[[dict[str, Any]], list[str]]:
    def get(finding: dict[str, Any]) -> list[str]:
        node: Any = finding
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, list):
            return [v for v in node if isinstance(v, str)]
        return [node] if isinstance(node, str) else []

    return get


def each(list_key: str, member: str) -> Callable[[dict[str, Any]], list[str]]:
    def get(finding: dict[str, Any]) -> list[str]:
        return [
            item[member]
            for item in finding.get(list_key) or []
            if isinstance(item, dict) and isinstance(item.get(member), str)
        ]

    return get


STRING_FILTERS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "Id": values("Id"),
    "ProductArn": values("ProductArn"),
    "GeneratorId": values("GeneratorId"),
    "AwsAccountId": values("AwsAccountId"),
    "Region": values("Region"),
    "Title": values("Title"),
    "Description": values("Description"),
    "RecordState": values("RecordState"),
    "ComplianceStatus": values("Compliance", "Status"),
    "ComplianceSecurityControlId": values("Compliance", "SecurityControlId"),
    "WorkflowStatus": values("Workflow", "Status"),
    "WorkflowState": values("WorkflowState"),
    "SeverityLabel": values("Severity", "Label"),
    "VerificationState": values("VerificationState"),
    "Type": values("Types"),
    "ResourceType": each("Resources", "Type"),
    "ResourceId": each("Resources", "Id"),
    "ResourceRegion": each("Resources", "Region"),
    "ResourcePartition": each("Resources", "Partition"),
    "NoteText": values("Note", "Text"),
    "FindingProviderFieldsSeverityLabel": values("FindingProviderFields", "Severity", "Label"),
    "FindingProviderFieldsTypes": values("FindingProviderFields", "Types"),
}
DATE_FILTERS = ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt")
POSITIVE = ("EQUALS", "PREFIX", "CONTAINS")
NEGATIVE = ("NOT_EQUALS", "PREFIX_NOT_EQUALS", "NOT_CONTAINS")


def compare(comparison: str, actual: str, wanted: str) -> bool:
    if comparison in ("EQUALS", "NOT_EQUALS"):
        return actual == wanted
    if comparison in ("PREFIX", "PREFIX_NOT_EQUALS"):
        return actual.startswith(wanted)
    return wanted in actual


def string_filter(name: str, filters: list[Any]) -> Callable[[dict[str, Any]], bool]:
    comparisons = set()
    for entry in filters:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("Value"), str)
            or entry.get("Comparison") not in POSITIVE + NEGATIVE
        ):
            raise invalid_input(
                f"Filter {name}: each entry needs Value and a Comparison of {', '.join(POSITIVE + NEGATIVE)}"
            )
        comparisons.add(entry["Comparison"])
    if "CONTAINS" in comparisons and comparisons - {"CONTAINS"}:
        raise invalid_input(f"Filter {name}: CONTAINS filters can only be used with other CONTAINS filters.")
    if "NOT_CONTAINS" in comparisons and comparisons - {"NOT_CONTAINS"}:
        raise invalid_input(f"Filter {name}: NOT_CONTAINS filters can only be used with other NOT_CONTAINS filters.")
    if "EQUALS" in comparisons and comparisons & {"NOT_EQUALS", "PREFIX_NOT_EQUALS"}:
        raise invalid_input(
            f"Filter {name}: an EQUALS filter cannot be combined with NOT_EQUALS or "
            "PREFIX_NOT_EQUALS on the same field."
        )
    getter = STRING_FILTERS[name]
    positive = [f for f in filters if f["Comparison"] in POSITIVE]
    negative = [f for f in filters if f["Comparison"] in NEGATIVE]

    def matches(finding: dict[str, Any]) -> bool:
        actual = getter(finding)
        if positive and not any(compare(f["Comparison"], a, f["Value"]) for f in positive for a in actual):
            return False
        return not any(compare(f["Comparison"], a, f["Value"]) for f in negative for a in actual)

    return matches


def date_filter(name: str, filters: list[Any]) -> Callable[[dict[str, Any]], bool]:
    windows = []
    now = CLOCK.now()
    for entry in filters:
        if not isinstance(entry, dict):
            raise invalid_input(f"Filter {name}: each entry needs Start and End, or DateRange")
        if isinstance(entry.get("DateRange"), dict):
            span = entry["DateRange"]
            if span.get("Unit") != "DAYS" or not isinstance(span.get("Value"), int):
                raise invalid_input(f"Filter {name}: DateRange needs an integer Value and Unit DAYS")
            edge = now - span["Value"] * 86400
            windows.append((None, edge) if span.get("Comparison") == "OLDER_THAN" else (edge, None))
        else:
            start = to_epoch(entry["Start"], f"{name}.Start") if entry.get("Start") else None
            end = to_epoch(entry["End"], f"{name}.End") if entry.get("End") else None
            windows.append((start, end))

    def matches(finding: dict[str, Any]) -> bool:
        if not isinstance(finding.get(name), str):
            return False
        moment = to_epoch(finding[name], name)
        return any((s is None or moment >= s) and (e is None or moment <= e) for s, e in windows)

    return matches


def finding_filter(filters: Any) -> Callable[[dict[str, Any]], bool]:
    if filters is None:
        return lambda finding: True
    if not isinstance(filters, dict):
        raise invalid_input("Filters must be an object")
    used = {k: v for k, v in filters.items() if v}
    if len(used) > 10:
        raise invalid_input("You can filter by up to 10 finding attributes.")
    tests = []
    for name, entries in used.items():
        if not isinstance(entries, list):
            raise invalid_input(f"Filter {name} must be a list")
        if len(entries) > 20:
            raise invalid_input(f"Filter {name}: you can provide up to 20 filter values.")
        if name in STRING_FILTERS:
            tests.append(string_filter(name, entries))
        elif name in DATE_FILTERS:
            tests.append(date_filter(name, entries))
        else:
            raise invalid_input(
                f"Filter {name} is not supported by the local endpoint; supported: "
                f"{', '.join(sorted(STRING_FILTERS) + list(DATE_FILTERS))}"
            )
    return lambda finding: all(test(finding) for test in tests)


def get_findings(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    body = req.json_body()
    account, region = req.account_id, req.region or "us-east-1"
    if not hub_enabled(account, region):
        raise not_subscribed(account)
    size = body.get("MaxResults", 100)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 100:
        raise invalid_input("MaxResults must be a number between 1 and 100")
    keep = finding_filter(body.get("Filters"))
    found = [entry["finding"] for entry in STORE.of(account, region).values() if keep(entry["finding"])]
    for criterion in reversed(body.get("SortCriteria") or []):
        field_name = criterion.get("Field") if isinstance(criterion, dict) else None
        if field_name in STRING_FILTERS:
            getter = STRING_FILTERS[field_name]
            found.sort(key=lambda f: (getter(f) or [""])[0], reverse=criterion.get("SortOrder") == "desc")
        elif field_name in DATE_FILTERS:
            found.sort(
                key=lambda f: to_epoch(f.get(field_name) or "1970-01-01T00:00:00Z", field_name),
                reverse=criterion.get("SortOrder") == "desc",
            )
        else:
            raise invalid_input(f"SortCriteria: Field {field_name!r} is not supported by the local endpoint")
    scope = f"gf:{json.dumps(body.get('Filters'), sort_keys=True)}:{json.dumps(body.get('SortCriteria'))}"
    page, token = offset_page(
        copy.deepcopy(found),
        size,
        body.get("NextToken"),
        scope,
        ("InvalidInputException", "The NextToken is not valid."),
    )
    out: dict[str, Any] = {"Findings": page}
    if token:
        out["NextToken"] = token
    return out


# ---------------------------------------------------------------------------------------------
# BatchUpdateFindings
# ---------------------------------------------------------------------------------------------


def ratio(body: dict[str, Any], name: str) -> None:
    if name in body and (not isinstance(body[name], int) or not 0 <= body[name] <= 100):
        raise invalid_input(f"{name} must be an integer between 0 and 100")


def batch_update_findings(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    body = req.json_body()
    identifiers = body.get("FindingIdentifiers")
    if not isinstance(identifiers, list) or not identifiers:
        raise invalid_input("FindingIdentifiers is required: a list of 1 to 100 {Id, ProductArn}.")
    if len(identifiers) > 100:
        raise invalid_input("BatchUpdateFindings can update up to 100 findings at a time.")
    for ident in identifiers:
        if (
            not isinstance(ident, dict)
            or not isinstance(ident.get("Id"), str)
            or not isinstance(ident.get("ProductArn"), str)
        ):
            raise invalid_input("Each FindingIdentifier needs Id and ProductArn.")
    workflow = body.get("Workflow")
    if workflow is not None and (not isinstance(workflow, dict) or workflow.get("Status") not in WORKFLOW_STATUSES):
        raise invalid_input("Workflow.Status must be one of NEW, NOTIFIED, RESOLVED, SUPPRESSED")
    note = body.get("Note")
    if note is not None and (
        not isinstance(note, dict)
        or not isinstance(note.get("Text"), str)
        or not isinstance(note.get("UpdatedBy"), str)
        or not 1 <= len(note["Text"]) <= 512
    ):
        raise invalid_input("Note needs Text (1 to 512 characters) and UpdatedBy")
    severity = body.get("Severity")
    if severity is not None and (
        not isinstance(severity, dict) or ("Label" in severity and severity["Label"] not in SEVERITY_LABELS)
    ):
        raise invalid_input(f"Severity.Label must be one of {', '.join(SEVERITY_LABELS)}")
    if "VerificationState" in body and body["VerificationState"] not in VERIFICATION_STATES:
        raise invalid_input(f"VerificationState must be one of {', '.join(VERIFICATION_STATES)}")
    ratio(body, "Confidence")
    ratio(body, "Criticality")
    account, region = req.account_id, req.region or "us-east-1"
    if not hub_enabled(account, region):
        raise not_subscribed(account)
    injected = 0
    if fault is not None and fault["kind"] == "failFindings":
        record["faulted"] = True
        record["fault"] = "failFindings"
        injected = min(fault.get("failOnly", len(identifiers)), len(identifiers))
    store = STORE.of(account, region)
    processed, unprocessed, seen = [], [], set()
    for index, ident in enumerate(identifiers):
        key = (ident["ProductArn"], ident["Id"])
        pair = {"Id": ident["Id"], "ProductArn": ident["ProductArn"]}
        if index < injected:
            unprocessed.append(
                {
                    "FindingIdentifier": pair,
                    "ErrorCode": fault.get("errorCode", "ConcurrentUpdateError"),
                    "ErrorMessage": fault.get("message", "Concurrent update (injected)"),
                }
            )
            continue
        if key in seen:
            unprocessed.append(
                {
                    "FindingIdentifier": pair,
                    "ErrorCode": "DuplicatedFindingIdentifier",
                    "ErrorMessage": "The request included two or more findings with the same FindingIdentifier.",
                }
            )
            continue
        seen.add(key)
        entry = store.get(key)
        if entry is None:
            unprocessed.append(
                {
                    "FindingIdentifier": pair,
                    "ErrorCode": "FindingNotFound",
                    "ErrorMessage": "The FindingIdentifier included in the request did not match an existing finding.",
                }
            )
            continue
        apply_customer_update(entry, body)
        processed.append(pair)
    return {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}


def apply_customer_update(entry: dict[str, Any], body: dict[str, Any]) -> None:
    """BatchUpdateFindings changes; UpdatedAt stays as the provider set it."""
    finding = entry["finding"]
    if "Workflow" in body:
        set_workflow(finding, body["Workflow"]["Status"])
    if "Note" in body:
        finding["Note"] = {
            "Text": body["Note"]["Text"],
            "UpdatedBy": body["Note"]["UpdatedBy"],
            "UpdatedAt": iso8601(CLOCK.now()),
        }
    if "Severity" in body:
        severity = {k: v for k, v in body["Severity"].items() if k in ("Label", "Normalized", "Product")}
        fill_severity(severity)
        finding["Severity"] = {**(finding.get("Severity") or {}), **severity}
        entry["customer"].add("Severity")
    for name in ("Confidence", "Criticality", "Types", "RelatedFindings"):
        if name in body:
            finding[name] = copy.deepcopy(body[name])
            entry["customer"].add(name)
    for name in ("VerificationState", "UserDefinedFields"):
        if name in body:
            finding[name] = copy.deepcopy(body[name])


def findings_view(query: dict[str, list[str]]) -> dict[str, Any]:
    """GET /_harness/securityhub/findings[?accountId=&region=]: every stored finding."""
    rows = []
    for (account, region), findings in sorted(STORE.findings.items()):
        if query.get("accountId") and query["accountId"][0] != account:
            continue
        if query.get("region") and query["region"][0] != region:
            continue
        for entry in findings.values():
            rows.append(
                {
                    "accountId": account,
                    "region": region,
                    "finding": entry["finding"],
                    "customerUpdated": sorted(entry["customer"]),
                }
            )
    return {"findings": rows}


HANDLERS: dict[tuple[str, str], Callable[..., dict[str, Any] | None]] = {
    ("securityhub", "BatchImportFindings"): batch_import_findings,
    ("securityhub", "GetFindings"): get_findings,
    ("securityhub", "BatchUpdateFindings"): batch_update_findings,
}
