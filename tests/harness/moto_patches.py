"""Small corrections to moto's Organizations and IAM, applied when those services are first used.

* Organizations: moto lets only six services have a delegated administrator. AWS Config
  (config.amazonaws.com, for aggregators), CloudFormation StackSets
  (member.org.stacksets.cloudformation.amazonaws.com), Security Hub and Account Management are
  refused with "You specified an unrecognized service principal", and a refused registration
  still leaves the account listed as a delegated administrator. The harness adds those
  principals and refuses an unsupported one before moto half-registers it.
* Organizations reads by a delegated administrator: AWS answers ListAccounts,
  ListAWSServiceAccessForOrganization, ListDelegatedAdministrators and the other reads "only from
  the organization's management account or by a member account that is a delegated
  administrator". moto answers them from the caller's own backend, so a member account sees an
  empty organization. The harness answers a delegated administrator's reads from the management
  account's backend and refuses other member accounts with AccessDeniedException.
* CloudFormation: moto's AWS::SSM::Parameter has no Fn::GetAtt attributes, so a stack output
  {"Fn::GetAtt": [param, "Value"]} is silently dropped. The CDK bootstrap stack (CDKToolkit)
  reports its BootstrapVersion output exactly so. The harness adds the documented attributes
  Type and Value.
* IAM: moto knows no AWS managed policy (arn:aws:iam::aws:policy/...) unless every one of them
  is loaded into every account at startup, which takes seconds. The harness loads a single AWS
  managed policy, from moto's own copy of their documents, into the caller's account the first
  time a call names it, so AttachRolePolicy with AdministratorAccess works as in AWS.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from harness_common import AwsError

DELEGATED_ADMIN_PRINCIPALS = (
    "config.amazonaws.com",
    "config-multiaccountsetup.amazonaws.com",
    "member.org.stacksets.cloudformation.amazonaws.com",
    "securityhub.amazonaws.com",
    "account.amazonaws.com",
)
AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"

_organizations_patched = False
_ssm_parameter_patched = False
_aws_managed_by_arn: dict[str, tuple[str, dict[str, Any]]] | None = None


def patch_organizations() -> None:
    global _organizations_patched
    if _organizations_patched:
        return
    from moto.organizations.models import FakeDelegatedAdministrator

    for principal in DELEGATED_ADMIN_PRINCIPALS:
        if principal not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
            FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(principal)
    _organizations_patched = True


def patch_ssm_parameter_attributes() -> None:
    global _ssm_parameter_patched
    if _ssm_parameter_patched:
        return
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.ssm.models import Parameter

    def has_cfn_attr(cls: Any, attr: str) -> bool:
        return attr in ("Type", "Value")

    def get_cfn_attribute(self: Any, attribute_name: str) -> str:
        if attribute_name == "Value":
            return self.value
        if attribute_name == "Type":
            return self.parameter_type
        raise UnformattedGetAttTemplateException()

    Parameter.has_cfn_attr = classmethod(has_cfn_attr)
    Parameter.get_cfn_attribute = get_cfn_attribute
    _ssm_parameter_patched = True


def register_delegated_administrator(req: Any, record: dict[str, Any], fault: Any) -> None:
    """Refuses an unsupported principal before moto half-registers the account; else moto answers."""
    from moto.organizations.models import FakeDelegatedAdministrator

    principal = req.json_body().get("ServicePrincipal")
    if not FakeDelegatedAdministrator.supported_service(principal):
        raise AwsError("InvalidInputException", "You specified an unrecognized service principal.")
    return None


# Organizations reads a delegated administrator may make, and moto's method for each.
DELEGATED_READS = {
    "DescribeAccount": "describe_account",
    "DescribeOrganizationalUnit": "describe_organizational_unit",
    "ListAWSServiceAccessForOrganization": "list_aws_service_access_for_organization",
    "ListAccounts": "list_accounts",
    "ListAccountsForParent": "list_accounts_for_parent",
    "ListChildren": "list_children",
    "ListDelegatedAdministrators": "list_delegated_administrators",
    "ListDelegatedServicesForAccount": "list_delegated_services_for_account",
    "ListOrganizationalUnitsForParent": "list_organizational_units_for_parent",
    "ListParents": "list_parents",
    "ListRoots": "list_roots",
}


def delegated_read(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any] | None:
    """A member account's Organizations read: answered from the management account's backend
    for a delegated administrator (of any service), AccessDeniedException for other members.
    The management account and accounts outside any organization go to moto."""
    from moto.organizations.models import organizations_backends
    from moto.organizations.responses import OrganizationsResponse

    owner = organizations_backends.master_accounts.get(req.account_id)
    if owner is None:
        return None
    management, partition = owner
    backend = organizations_backends[management][partition]
    if not any(admin.account.id == req.account_id for admin in backend.admins):
        raise AwsError("AccessDeniedException", "You don't have permissions to access this resource.")
    response = OrganizationsResponse()
    response.body = req.body.decode("utf-8") if req.body else "{}"
    response.current_account = management
    response.partition = partition
    return json.loads(getattr(response, DELEGATED_READS[req.action])())


def aws_managed_policies() -> dict[str, tuple[str, dict[str, Any]]]:
    global _aws_managed_by_arn
    if _aws_managed_by_arn is None:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        parsed = json.loads(aws_managed_policies_data)
        _aws_managed_by_arn = {
            f"arn:aws:iam::aws:policy{data.get('Path', '/')}{name}": (name, data) for name, data in parsed.items()
        }
    return _aws_managed_by_arn


def load_named_aws_managed_policies(account: str, body: bytes, query: dict[str, list[str]]) -> None:
    """Before moto answers an IAM call: the AWS managed policies it names, into the account."""
    params = dict(query)
    if body:
        try:
            params.update(parse_qs(body.decode("utf-8")))
        except UnicodeDecodeError:
            return
    arns = [
        v
        for key in ("PolicyArn", "PermissionsBoundary")
        for v in params.get(key, [])
        if v.startswith(AWS_MANAGED_PREFIX)
    ]
    if not arns:
        return
    from moto.iam.models import AWSManagedPolicy, iam_backends

    backend = iam_backends[account]["aws"]
    for arn in arns:
        if arn in backend.managed_policies or arn not in aws_managed_policies():
            continue
        name, data = aws_managed_policies()[arn]
        policy = AWSManagedPolicy.from_data(name, account, backend.region_name, data)
        backend.managed_policies[policy.arn] = policy
        backend.aws_managed_policies.append(policy)


HANDLERS = {
    ("organizations", "RegisterDelegatedAdministrator"): register_delegated_administrator,
    **{("organizations", action): delegated_read for action in DELEGATED_READS},
}
