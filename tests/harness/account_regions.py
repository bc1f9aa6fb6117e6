"""AWS Account Management's Region opt-in calls: ListRegions, GetRegionOptStatus, EnableRegion,
DisableRegion (moto 5.2.5 has none of them: HTTP 404).

Regions launched before 20 March 2019 are ENABLED_BY_DEFAULT and cannot be enabled or disabled;
later ones are opt-in Regions, DISABLED until enabled (Account Management reference, "Enable or
disable AWS Regions in your account"). EnableRegion answers ENABLING and the Region reads as
ENABLED from the next read on (DisableRegion likewise: DISABLING, then DISABLED), so a client
sees the transition once. POST /_harness/account/regions sets any status directly.
"""

from __future__ import annotations

from typing import Any, Callable

from harness_common import AwsError, offset_page

DEFAULT_REGIONS = frozenset(
    (
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ap-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-north-1",
        "sa-east-1",
    )
)
STATUSES = ("ENABLED", "ENABLING", "DISABLING", "DISABLED", "ENABLED_BY_DEFAULT")
SETTLES = {"ENABLING": "ENABLED", "DISABLING": "DISABLED"}


class RegionState:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        # (account, region) -> status, for Regions whose status is not the default one.
        self.status: dict[tuple[str, str], str] = {}

    def read(self, account: str, region: str) -> str:
        """The status a read reports; a transition in progress completes after this read."""
        status = self.current(account, region)
        if status in SETTLES:
            self.status[(account, region)] = SETTLES[status]
        return status

    def current(self, account: str, region: str) -> str:
        if region in DEFAULT_REGIONS:
            return "ENABLED_BY_DEFAULT"
        return self.status.get((account, region), "DISABLED")


REGIONS = RegionState()


def all_regions() -> list[str]:
    from botocore.session import get_session

    return sorted(get_session().get_available_regions("ec2"))


def validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def target_account(req: Any, body: dict[str, Any]) -> str:
    """The account a call acts on: AccountId (a member, when the caller may act for it) or the caller."""
    from config_inventory import organization_accounts
    from moto.organizations.models import organizations_backends

    wanted = body.get("AccountId")
    if wanted is None or wanted == req.account_id:
        if wanted is not None and organization_accounts(req.account_id)[:1] == [req.account_id]:
            raise validation(
                "The management account can't specify its own AccountId. Call the operation without AccountId."
            )
        return req.account_id
    members = organization_accounts(req.account_id)
    allowed = False
    if members and wanted in members:
        backend = organizations_backends[members[0]]["aws"]
        trusted = any(s["ServicePrincipal"] == "account.amazonaws.com" for s in backend.services)
        delegated = any(
            admin.account.id == req.account_id and "account.amazonaws.com" in admin.services for admin in backend.admins
        )
        allowed = trusted and (req.account_id == members[0] or delegated)
    if not allowed:
        raise AwsError(
            "AccessDeniedException",
            f"Account {req.account_id} is not allowed to act on account {wanted}: the caller must be the "
            "organization's management account or the delegated administrator for account.amazonaws.com, "
            "with trusted access for account.amazonaws.com enabled.",
            403,
        )
    return wanted


def region_name(body: dict[str, Any]) -> str:
    name = body.get("RegionName")
    if not isinstance(name, str) or not name:
        raise validation("RegionName is required.")
    if name not in all_regions():
        raise validation(f"{name} is not a valid Region name.")
    return name


def list_regions(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    body = req.json_body()
    account = target_account(req, body)
    wanted = body.get("RegionOptStatusContains") or list(STATUSES)
    if not isinstance(wanted, list) or any(w not in STATUSES for w in wanted):
        raise validation(f"RegionOptStatusContains values must be among {', '.join(STATUSES)}.")
    size = body.get("MaxResults")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 50):
        raise validation("MaxResults must be between 1 and 50.")
    rows = []
    for region in all_regions():
        status = REGIONS.current(account, region)
        if status in wanted:
            rows.append({"RegionName": region, "RegionOptStatus": status})
    scope = f"lr:{account}:{','.join(wanted)}"
    page, token = offset_page(
        rows,
        size or len(rows) or 1,
        body.get("NextToken"),
        scope,
        ("ValidationException", "The NextToken is not valid."),
    )
    for row in page:
        row["RegionOptStatus"] = REGIONS.read(account, row["RegionName"])
    out: dict[str, Any] = {"Regions": page}
    if token:
        out["NextToken"] = token
    return out


def get_region_opt_status(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    body = req.json_body()
    account = target_account(req, body)
    region = region_name(body)
    return {"RegionName": region, "RegionOptStatus": REGIONS.read(account, region)}


def change_region(target: str) -> Callable[..., dict[str, Any]]:
    def handler(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
        body = req.json_body()
        account = target_account(req, body)
        region = region_name(body)
        if region in DEFAULT_REGIONS:
            raise validation(f"{region} is enabled by default and cannot be enabled or disabled.")
        status = REGIONS.current(account, region)
        if status in SETTLES and SETTLES[status] != target:
            raise AwsError(
                "ConflictException", f"{region} is {status} in account {account}; wait for it to finish.", 409
            )
        if status != target:
            REGIONS.status[(account, region)] = "ENABLING" if target == "ENABLED" else "DISABLING"
        return {}

    return handler


def set_statuses(data: Any) -> dict[str, Any]:
    """POST /_harness/account/regions: {"accountId", "region", "status"} or a list of them."""
    specs = data if isinstance(data, list) else [data]
    for spec in specs:
        if not isinstance(spec, dict) or not all(
            isinstance(spec.get(k), str) for k in ("accountId", "region", "status")
        ):
            raise ValueError("a Region status needs accountId, region and status (strings)")
        if spec["status"] not in STATUSES or spec["status"] == "ENABLED_BY_DEFAULT":
            raise ValueError("status must be ENABLED, ENABLING, DISABLING or DISABLED")
        if spec["region"] in DEFAULT_REGIONS:
            raise ValueError(f"{spec['region']} is enabled by default; its status cannot change")
        REGIONS.status[(spec["accountId"], spec["region"])] = spec["status"]
    return {"regions": [{"accountId": a, "region": r, "status": s} for (a, r), s in sorted(REGIONS.status.items())]}


HANDLERS: dict[tuple[str, str], Callable[..., dict[str, Any] | None]] = {
    ("account", "ListRegions"): list_regions,
    ("account", "GetRegionOptStatus"): get_region_opt_status,
    ("account", "EnableRegion"): change_region("ENABLED"),
    ("account", "DisableRegion"): change_region("DISABLED"),
}
