"""AWS Config's inventory, answered from moto's own ECS, IAM, EC2 and Config state.

moto's Config discovers no ECS resources and records IAM roles with the wrong resource id, so
the harness answers the inventory calls for these types itself:

* ListDiscoveredResources, BatchGetResourceConfig, GetDiscoveredResourceCounts and, for
  resources nobody seeded, GetResourceConfigHistory;
* SelectResourceConfig (advanced query, which moto lacks), for the query forms the rules use;
* the aggregator's ListAggregateDiscoveredResources, BatchGetAggregateResourceConfig,
  GetAggregateDiscoveredResourceCounts and DescribeConfigurationAggregatorSourcesStatus;
* DescribeDeliveryChannelStatus (HTTP 500 in moto).

Items are built the way AWS Config records each type (see README.md, "AWS Config inventory"):
ECS types with their configuration in Config's PascalCase spelling, IAM roles in IAM's camelCase
with URL-encoded policy documents, launch templates with the default version's data. A type is
in the inventory of an account and Region only while that account's configuration recorder in
that Region has been started and its recording group covers the type.

Config keeps what it discovered: the harness remembers every resource it has listed, so one that
disappears from moto (or that moto marks INACTIVE) becomes a deleted resource with a deletion
time, listed with includeDeletedResources and absent from BatchGetResourceConfig.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import quote

from harness_common import CLOCK, AwsError, iso8601, offset_page, required_string, to_epoch

TASK_DEFINITION = "AWS::ECS::TaskDefinition"
CLUSTER = "AWS::ECS::Cluster"
SERVICE = "AWS::ECS::Service"
TASK_SET = "AWS::ECS::TaskSet"
CAPACITY_PROVIDER = "AWS::ECS::CapacityProvider"
IAM_ROLE = "AWS::IAM::Role"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
RECORDER = "AWS::Config::ConfigurationRecorder"

HANDLED_TYPES = (
    TASK_DEFINITION,
    CLUSTER,
    SERVICE,
    TASK_SET,
    CAPACITY_PROVIDER,
    IAM_ROLE,
    LAUNCH_TEMPLATE,
    RECORDER,
)
# Recorded by an allSupported recorder only with includeGlobalResourceTypes (RecordingGroup docs).
GLOBAL_IAM_TYPES = ("AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy")

# ECS API keys whose values are free-form maps: their keys stay as the user wrote them.
ECS_MAP_KEYS = frozenset(("options", "dockerLabels", "driverOpts", "labels"))
# DescribeTaskDefinition fields that are not part of the recorded configuration.
TASK_DEFINITION_API_ONLY = frozenset(
    (
        "revision",
        "compatibilities",
        "requiresAttributes",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
        "deleteRequestedAt",
    )
)
# (DescribeServices key, Config key)
SERVICE_FIELDS = (
    ("taskDefinition", "TaskDefinition"),
    ("desiredCount", "DesiredCount"),
    ("launchType", "LaunchType"),
    ("capacityProviderStrategy", "CapacityProviderStrategy"),
    ("platformVersion", "PlatformVersion"),
    ("networkConfiguration", "NetworkConfiguration"),
    ("loadBalancers", "LoadBalancers"),
    ("serviceRegistries", "ServiceRegistries"),
    ("deploymentConfiguration", "DeploymentConfiguration"),
    ("deploymentController", "DeploymentController"),
    ("placementConstraints", "PlacementConstraints"),
    ("placementStrategy", "PlacementStrategies"),
    ("healthCheckGracePeriodSeconds", "HealthCheckGracePeriodSeconds"),
    ("schedulingStrategy", "SchedulingStrategy"),
    ("enableECSManagedTags", "EnableECSManagedTags"),
    ("propagateTags", "PropagateTags"),
    ("enableExecuteCommand", "EnableExecuteCommand"),
    ("roleArn", "Role"),
    ("availabilityZoneRebalancing", "AvailabilityZoneRebalancing"),
)
TASK_SET_FIELDS = (
    ("externalId", "ExternalId"),
    ("launchType", "LaunchType"),
    ("capacityProviderStrategy", "CapacityProviderStrategy"),
    ("platformVersion", "PlatformVersion"),
    ("taskDefinition", "TaskDefinition"),
    ("loadBalancers", "LoadBalancers"),
    ("serviceRegistries", "ServiceRegistries"),
    ("scale", "Scale"),
)
CLUSTER_FIELDS = (
    ("settings", "ClusterSettings"),
    ("capacityProviders", "CapacityProviders"),
    ("defaultCapacityProviderStrategy", "DefaultCapacityProviderStrategy"),
    ("configuration", "Configuration"),
    ("serviceConnectDefaults", "ServiceConnectDefaults"),
)


def pascal(value: Any) -> Any:
    """ECS API camelCase to Config's PascalCase, leaving free-form map keys alone."""
    if isinstance(value, list):
        return [pascal(v) for v in value]
    if isinstance(value, dict):
        return {
            key[:1].upper() + key[1:]: (inner if key in ECS_MAP_KEYS else pascal(inner)) for key, inner in value.items()
        }
    return value


def tag_map(tags: Any) -> dict[str, str]:
    """Tags as Config's item-level map, from ECS {key, value} or IAM/EC2 {Key, Value} lists."""
    out: dict[str, str] = {}
    for tag in tags or []:
        if isinstance(tag, dict):
            key = tag.get("key", tag.get("Key"))
            if isinstance(key, str):
                out[key] = str(tag.get("value", tag.get("Value", "")))
    return out


def epoch_of(moment: datetime) -> float:
    """moto keeps naive UTC datetimes; aware ones are taken as they are."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def picked(api: dict[str, Any], fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {
        config_key: pascal(api[api_key]) for api_key, config_key in fields if api.get(api_key) not in (None, {}, "")
    }


# ---------------------------------------------------------------------------------------------
# moto state -> resources
# ---------------------------------------------------------------------------------------------


@dataclass
class Resource:
    """One resource as moto holds it now."""

    rtype: str
    rid: str
    name: str
    arn: str
    aws_region: str
    availability_zone: str
    created: float | None
    deleted: bool
    configuration: Callable[[], dict[str, Any]]
    tags: Callable[[], dict[str, str]]


class EcsSerializer:
    """moto's own JSON serializer for ECS describe outputs, so items carry what DescribeX says."""

    def __init__(self) -> None:
        from moto.core.serialize import JSONSerializer, XFormedAttributePicker
        from moto.core.utils import get_service_model

        model = get_service_model("ecs")
        self._serializer = JSONSerializer
        self._picker = XFormedAttributePicker
        self._ops = {
            name: model.operation_model(name)
            for name in (
                "DescribeTaskDefinition",
                "DescribeClusters",
                "DescribeServices",
                "DescribeTaskSets",
                "DescribeCapacityProviders",
            )
        }

    def one(self, operation: str, key: str, obj: Any, many: bool = True) -> dict[str, Any]:
        serializer = self._serializer(operation_model=self._ops[operation], value_picker=self._picker())
        body = serializer.serialize({key: [obj] if many else obj})["body"]
        data = json.loads(body)[key]
        return data[0] if many else data


_ECS_SERIALIZER: EcsSerializer | None = None


def ecs_serializer() -> EcsSerializer:
    global _ECS_SERIALIZER
    if _ECS_SERIALIZER is None:
        _ECS_SERIALIZER = EcsSerializer()
    return _ECS_SERIALIZER


def ecs_resources(account: str, region: str, rtype: str) -> list[Resource]:
    from moto.ecs.models import ecs_backends

    if region not in ecs_backends[account]:
        return []
    backend = ecs_backends[account][region]
    out: list[Resource] = []
    if rtype == TASK_DEFINITION:
        for family, revisions in backend.task_definitions.items():
            for revision, td in revisions.items():
                out.append(task_definition_resource(backend, region, family, revision, td))
    elif rtype == CLUSTER:
        for cluster in backend.clusters.values():
            out.append(cluster_resource(region, cluster))
    elif rtype == SERVICE:
        for service in backend.services.values():
            out.append(service_resource(region, service))
    elif rtype == TASK_SET:
        for service in backend.services.values():
            for task_set in getattr(service, "task_sets", None) or []:
                out.append(task_set_resource(region, service, task_set))
    elif rtype == CAPACITY_PROVIDER:
        for provider in backend.capacity_providers.values():
            out.append(capacity_provider_resource(region, provider))
    return out


def task_definition_resource(backend: Any, region: str, family: str, revision: int, td: Any) -> Resource:
    def configuration() -> dict[str, Any]:
        api = ecs_serializer().one("DescribeTaskDefinition", "taskDefinition", td, many=False)
        return pascal({k: v for k, v in api.items() if k not in TASK_DEFINITION_API_ONLY})

    return Resource(
        rtype=TASK_DEFINITION,
        rid=td.arn,
        name=f"{family}:{revision}",
        arn=td.arn,
        aws_region=region,
        availability_zone="Regional",
        created=None,
        deleted=False,
        configuration=configuration,
        tags=lambda: tag_map(backend.list_tags_for_resource(td.arn)),
    )


def cluster_resource(region: str, cluster: Any) -> Resource:
    def configuration() -> dict[str, Any]:
        api = ecs_serializer().one("DescribeClusters", "clusters", cluster)
        return {"Arn": api["clusterArn"], "ClusterName": api["clusterName"], **picked(api, CLUSTER_FIELDS)}

    return Resource(
        rtype=CLUSTER,
        rid=cluster.name,
        name=cluster.name,
        arn=cluster.arn,
        aws_region=region,
        availability_zone="Regional",
        created=None,
        deleted=cluster.status == "INACTIVE",
        configuration=configuration,
        tags=lambda: tag_map(cluster.tags),
    )


def service_resource(region: str, service: Any) -> Resource:
    def configuration() -> dict[str, Any]:
        api = ecs_serializer().one("DescribeServices", "services", service)
        config = {
            "ServiceArn": api["serviceArn"],
            "Name": api["serviceName"],
            "ServiceName": api["serviceName"],
            "Cluster": api["clusterArn"],
            **picked(api, SERVICE_FIELDS),
        }
        # AWS reports Service Connect only in the deployments; the PRIMARY one is the service's.
        primary = next((d for d in api.get("deployments") or [] if d.get("status") == "PRIMARY"), None)
        if primary and primary.get("serviceConnectConfiguration"):
            config["ServiceConnectConfiguration"] = pascal(primary["serviceConnectConfiguration"])
        return config

    arn = service.arn
    return Resource(
        rtype=SERVICE,
        rid=arn,
        name=service.name,
        arn=arn,
        aws_region=region,
        availability_zone="Regional",
        created=None,
        deleted=service.status == "INACTIVE",
        configuration=configuration,
        tags=lambda: tag_map(service.tags),
    )


def task_set_resource(region: str, service: Any, task_set: Any) -> Resource:
    def configuration() -> dict[str, Any]:
        api = ecs_serializer().one("DescribeTaskSets", "taskSets", task_set)
        config = {
            "Cluster": api.get("clusterArn") or service.cluster_arn,
            "Service": api.get("serviceArn") or service.arn,
            "Id": api["id"],
            **picked(api, TASK_SET_FIELDS),
        }
        awsvpc = (api.get("networkConfiguration") or {}).get("awsvpcConfiguration")
        if awsvpc:
            # Config spells the task set's block AwsVpcConfiguration (the service's: Awsvpc).
            config["NetworkConfiguration"] = {"AwsVpcConfiguration": pascal(awsvpc)}
        return config

    return Resource(
        rtype=TASK_SET,
        rid=task_set.task_set_arn,
        name=task_set.id,
        arn=task_set.task_set_arn,
        aws_region=region,
        availability_zone="Regional",
        created=None,
        deleted=False,
        configuration=configuration,
        tags=lambda: tag_map(task_set.tags),
    )


def capacity_provider_resource(region: str, provider: Any) -> Resource:
    def configuration() -> dict[str, Any]:
        api = ecs_serializer().one("DescribeCapacityProviders", "capacityProviders", provider)
        config: dict[str, Any] = {"Name": api["name"]}
        if api.get("autoScalingGroupProvider"):
            config["AutoScalingGroupProvider"] = pascal(api["autoScalingGroupProvider"])
        return config

    return Resource(
        rtype=CAPACITY_PROVIDER,
        rid=provider.name,
        name=provider.name,
        arn=provider.capacity_provider_arn,
        aws_region=region,
        availability_zone="Regional",
        created=None,
        deleted=provider.status == "INACTIVE",
        configuration=configuration,
        tags=lambda: tag_map(provider.tags),
    )


def iam_roles(account: str) -> list[Resource]:
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["aws"]
    return [iam_role_resource(backend, role) for role in backend.roles.values()]


def iam_role_resource(backend: Any, role: Any) -> Resource:
    def configuration() -> dict[str, Any]:
        attached = []
        for arn in role.managed_policies:
            policy = backend.managed_policies.get(arn)
            attached.append({"policyArn": arn, "policyName": policy.name if policy else arn.rsplit("/", 1)[-1]})
        profiles = []
        for profile in backend.instance_profiles.values():
            if any(r.name == role.name for r in profile.roles):
                profiles.append(
                    {
                        "path": profile.path,
                        "instanceProfileName": profile.name,
                        "instanceProfileId": profile.id,
                        "arn": profile.arn,
                        "createDate": iso8601(epoch_of(profile.create_date)),
                        "roles": [
                            {
                                "path": role.path,
                                "roleName": role.name,
                                "roleId": role.id,
                                "arn": role.arn,
                                "createDate": iso8601(epoch_of(role.create_date)),
                            }
                        ],
                    }
                )
        boundary = None
        if role.permissions_boundary_arn:
            boundary = {
                "permissionsBoundaryType": "PermissionsBoundaryPolicy",
                "permissionsBoundaryArn": role.permissions_boundary_arn,
            }
        return {
            "path": role.path,
            "roleName": role.name,
            "roleId": role.id,
            "arn": role.arn,
            "createDate": iso8601(epoch_of(role.create_date)),
            # IAM returns policy documents URL-encoded (RFC 3986), and Config keeps them so.
            "assumeRolePolicyDocument": quote(role.assume_role_policy_document or "", safe=""),
            "instanceProfileList": profiles,
            "rolePolicyList": [
                {"policyName": name, "policyDocument": quote(document, safe="")}
                for name, document in role.policies.items()
            ],
            "attachedManagedPolicies": attached,
            "permissionsBoundary": boundary,
            "tags": [{"key": t["Key"], "value": t["Value"]} for t in role.tags or []],
            "roleLastUsed": None,
        }

    return Resource(
        rtype=IAM_ROLE,
        rid=role.id,
        name=role.name,
        arn=role.arn,
        aws_region="global",
        availability_zone="Not Applicable",
        created=epoch_of(role.create_date),
        deleted=False,
        configuration=configuration,
        tags=lambda: tag_map(role.tags),
    )


def launch_templates(account: str, region: str) -> list[Resource]:
    from moto.ec2.models import ec2_backends

    if region not in ec2_backends[account]:
        return []
    return [
        launch_template_resource(account, region, t) for t in ec2_backends[account][region].launch_templates.values()
    ]


def launch_template_resource(account: str, region: str, template: Any) -> Resource:
    def configuration() -> dict[str, Any]:
        default = template.default_version()
        data = json.loads(json.dumps(default.data, default=str))
        # A tag specification for the template itself tags the template, not what it launches.
        specs = [s for s in data.get("TagSpecifications") or [] if s.get("ResourceType") != "launch-template"]
        if specs:
            data["TagSpecifications"] = specs
        else:
            data.pop("TagSpecifications", None)
        if not INVENTORY.options["launchTemplateUserData"]:
            data.pop("UserData", None)
        return {
            "Id": template.id,
            "LaunchTemplateName": template.name,
            "DefaultVersionNumber": str(template.default_version_number),
            "LatestVersionNumber": str(template.latest_version_number),
            "LaunchTemplateData": data,
        }

    return Resource(
        rtype=LAUNCH_TEMPLATE,
        rid=template.id,
        name=template.name,
        arn=f"arn:aws:ec2:{region}:{account}:launch-template/{template.id}",
        aws_region=region,
        availability_zone="Not Applicable",
        created=epoch_of(template.create_time),
        deleted=False,
        configuration=configuration,
        tags=lambda: tag_map(template.tags),
    )


def recorder_resources(account: str, region: str) -> list[Resource]:
    recorder = recorder_of(account, region)
    if recorder is None:
        return []

    def configuration() -> dict[str, Any]:
        group = recorder.recording_group
        return {
            "Name": recorder.name,
            "RoleARN": recorder.role_arn,
            "RecordingGroup": {
                "AllSupported": bool(group.all_supported),
                "IncludeGlobalResourceTypes": bool(group.include_global_resource_types),
                "ResourceTypes": list(group.resource_types or []),
                "ExclusionByResourceTypes": {
                    "ResourceTypes": list((group.exclusion_by_resource_types or {}).get("resourceTypes") or [])
                },
                "RecordingStrategy": {"UseOnly": (group.recording_strategy or {}).get("useOnly")},
            },
            "RecordingMode": {"RecordingFrequency": "CONTINUOUS", "RecordingModeOverrides": []},
            "Recording": bool(recorder.status.recording),
        }

    return [
        Resource(
            rtype=RECORDER,
            rid=recorder.name,
            name=recorder.name,
            arn=f"arn:aws:config:{region}:{account}:configuration-recorder/{recorder.name}",
            aws_region=region,
            availability_zone="Regional",
            created=None,
            deleted=False,
            configuration=configuration,
            tags=dict,
        )
    ]


def moto_resources(account: str, region: str, rtype: str) -> list[Resource]:
    if rtype == IAM_ROLE:
        return iam_roles(account)
    if rtype == LAUNCH_TEMPLATE:
        return launch_templates(account, region)
    if rtype == RECORDER:
        return recorder_resources(account, region)
    return ecs_resources(account, region, rtype)


# ---------------------------------------------------------------------------------------------
# The recorder
# ---------------------------------------------------------------------------------------------


def recorder_of(account: str, region: str) -> Any:
    """The account's configuration recorder in the Region (moto's), or None."""
    from moto.config.models import config_backends

    if region not in config_backends[account]:
        return None
    recorders = config_backends[account][region].recorders
    return next(iter(recorders.values()), None)


def records(recorder: Any, rtype: str) -> bool:
    """Whether a started recorder records `rtype` now (RecordingGroup / RecordingStrategy docs)."""
    if recorder is None or recorder.status.last_start_time is None:
        return False
    if rtype == RECORDER:
        return True  # a system type, recorded by default in every Region
    group = recorder.recording_group
    strategy = (group.recording_strategy or {}).get("useOnly")
    if strategy == "EXCLUSION_BY_RESOURCE_TYPES":
        return rtype not in ((group.exclusion_by_resource_types or {}).get("resourceTypes") or [])
    if group.all_supported:
        return rtype not in GLOBAL_IAM_TYPES or bool(group.include_global_resource_types)
    return rtype in (group.resource_types or [])


def require_recorder(account: str, region: str) -> Any:
    recorder = recorder_of(account, region)
    if recorder is None:
        raise AwsError(
            "NoAvailableConfigurationRecorderException",
            "There are no customer managed configuration recorders available to record your resources. "
            "Use the PutConfigurationRecorder operation to create the customer managed configuration recorder.",
        )
    return recorder


# ---------------------------------------------------------------------------------------------
# What Config has discovered
# ---------------------------------------------------------------------------------------------


@dataclass
class Known:
    """A resource Config has discovered, and its latest configuration item."""

    rtype: str
    rid: str
    name: str
    arn: str
    aws_region: str
    availability_zone: str
    created: float
    capture: float
    status: str
    digest: str | None = None
    deleted_at: float | None = None
    last_item: dict[str, Any] | None = None
    last_tags: dict[str, str] = field(default_factory=dict)


class Inventory:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        # (account, scope, type) -> resourceId -> Known; scope is the Region, "global" for IAM.
        self.known: dict[tuple[str, str, str], dict[str, Known]] = {}
        # Calls that may change moto's state bump this; synced views are reused until it moves.
        self.generation = 0
        self.synced: dict[tuple[str, str, str], tuple[int, dict[str, Resource]]] = {}
        # (aggregator ARN, source id, Region) -> {LastUpdateStatus, LastErrorCode, LastErrorMessage}
        self.source_status: dict[tuple[str, str, str], dict[str, str]] = {}
        # Choices where AWS's documentation leaves the item's content open (POST /_harness/config/options).
        self.options: dict[str, bool] = {"launchTemplateUserData": True}

    def sync(self, account: str, region: str, rtype: str) -> tuple[dict[str, Known], dict[str, Resource]]:
        """Brings what Config knows of (account, Region, type) up to moto's present state."""
        scope = "global" if rtype == IAM_ROLE else region
        key = (account, scope, rtype)
        known = self.known.setdefault(key, {})
        cached = self.synced.get((account, region, rtype))
        if cached and cached[0] == self.generation:
            return known, cached[1]
        now = CLOCK.now()
        present = {r.rid: r for r in moto_resources(account, region, rtype)}
        for rid, res in present.items():
            entry = known.get(rid)
            if entry is None:
                known[rid] = Known(
                    rtype=rtype,
                    rid=rid,
                    name=res.name,
                    arn=res.arn,
                    aws_region=res.aws_region,
                    availability_zone=res.availability_zone,
                    created=res.created or now,
                    capture=now,
                    status="ResourceDeleted" if res.deleted else "ResourceDiscovered",
                    deleted_at=now if res.deleted else None,
                )
            elif res.deleted and entry.deleted_at is None:
                mark_deleted(entry, now)
            elif not res.deleted and entry.deleted_at is not None:
                # Created again under the same id (a cluster re-created with the same name).
                entry.deleted_at, entry.status, entry.capture, entry.digest = None, "ResourceDiscovered", now, None
        for rid, entry in known.items():
            if rid not in present and entry.deleted_at is None:
                mark_deleted(entry, now)
        self.synced[(account, region, rtype)] = (self.generation, present)
        return known, present

    def current_item(self, account: str, region: str, rtype: str, rid: str) -> Known | None:
        """The latest item of a resource that exists, refreshed if its configuration changed."""
        recorder = recorder_of(account, region)
        if records(recorder, rtype):
            known, present = self.sync(account, region, rtype)
            entry, res = known.get(rid), present.get(rid)
            if entry is None or entry.deleted_at is not None or res is None:
                return None
            configuration = res.configuration()
            digest = hashlib.sha256(json.dumps(configuration, sort_keys=True).encode()).hexdigest()
            if entry.digest is not None and entry.digest != digest:
                entry.capture, entry.status = CLOCK.now(), "OK"
            entry.digest = digest
            entry.name = res.name
            entry.last_item = configuration
            entry.last_tags = res.tags()
            return entry
        # Not recorded (any more): Config still has what it recorded last.
        scope = "global" if rtype == IAM_ROLE else region
        entry = self.known.get((account, scope, rtype), {}).get(rid)
        if entry is None or entry.deleted_at is not None or entry.last_item is None:
            return None
        return entry

    def discovered(self, account: str, region: str, rtype: str) -> dict[str, Known]:
        """Every resource of the type Config has discovered (deleted ones included)."""
        if records(recorder_of(account, region), rtype):
            return self.sync(account, region, rtype)[0]
        scope = "global" if rtype == IAM_ROLE else region
        return self.known.get((account, scope, rtype), {})


def mark_deleted(entry: Known, now: float) -> None:
    entry.deleted_at, entry.status, entry.capture = now, "ResourceDeleted", now


INVENTORY = Inventory()

READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Select")
# Services whose calls never change what the inventory is built from.
UNRELATED_SERVICES = ("sts", "securityhub", "account", "organizations", "logs", "s3", "ssm")


def note_call(service: str | None, action: str | None, account: str, region: str | None) -> None:
    """Called for every AWS call before moto answers it.

    A call that may change moto's state ends the reuse of synced views (CloudFormation stacks
    create ECS resources too, so every service counts but those listed as unrelated, and of
    Config only the recorder calls). Before a delete, the resources about to go are synced, so
    Config knows them afterwards as deleted.
    """
    if not action or action.startswith(READ_PREFIXES) or service in UNRELATED_SERVICES:
        return
    if service == "config" and "ConfigurationRecorder" not in action:
        return
    if service in ("ecs", "iam", "ec2", "config") and action.startswith(("Delete", "Deregister")):
        if service == "iam":
            for scope in recorder_regions(account):
                if records(recorder_of(account, scope), IAM_ROLE):
                    INVENTORY.sync(account, scope, IAM_ROLE)
        else:
            scope = region or "us-east-1"
            recorder = recorder_of(account, scope)
            for rtype in HANDLED_TYPES:
                if rtype != IAM_ROLE and records(recorder, rtype):
                    INVENTORY.sync(account, scope, rtype)
    INVENTORY.generation += 1


def recorder_regions(account: str) -> list[str]:
    """Regions where the account has a configuration recorder."""
    from moto.config.models import config_backends

    backends = config_backends[account]
    return [region for region in list(backends.keys()) if backends[region].recorders]


# ---------------------------------------------------------------------------------------------
# Item shapes
# ---------------------------------------------------------------------------------------------


def base_item(account: str, entry: Known) -> dict[str, Any]:
    """A BaseConfigurationItem (BatchGetResourceConfig): no tags, configuration a JSON string."""
    return {
        "version": "1.3",
        "accountId": account,
        "configurationItemCaptureTime": entry.capture,
        "configurationItemStatus": entry.status,
        "configurationStateId": str(int(entry.capture * 1000)),
        "arn": entry.arn,
        "resourceType": entry.rtype,
        "resourceId": entry.rid,
        "resourceName": entry.name,
        "awsRegion": entry.aws_region,
        "availabilityZone": entry.availability_zone,
        "resourceCreationTime": entry.created,
        "configuration": json.dumps(entry.last_item),
        "supplementaryConfiguration": {},
    }


def history_item(account: str, entry: Known) -> dict[str, Any]:
    """A ConfigurationItem (GetResourceConfigHistory): adds tags (a map) and relationships."""
    item = base_item(account, entry)
    item["configurationItemMD5Hash"] = ""
    item["tags"] = {} if entry.deleted_at is not None else dict(entry.last_tags)
    item["relatedEvents"] = []
    item["relationships"] = []
    if entry.deleted_at is not None:
        item["configuration"] = None
    return item


def limit_of(body: dict[str, Any], key: str, default: int, most: int) -> int:
    value = body.get(key, 0) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > most:
        raise AwsError(
            "InvalidLimitException",
            f"Value '{value}' at '{key[0].lower() + key[1:]}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {most}",
        )
    return value or default


# ---------------------------------------------------------------------------------------------
# Handlers (one account and Region)
# ---------------------------------------------------------------------------------------------


def list_discovered_resources(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any] | None:
    body = req.json_body()
    rtype = required_string(body, "resourceType")
    if rtype not in HANDLED_TYPES:
        return None
    ids = body.get("resourceIds") or []
    name = body.get("resourceName")
    if ids and name:
        raise AwsError("ValidationException", "Both Resource ID and Resource Name cannot be specified in the request")
    if not isinstance(ids, list) or len(ids) > 20:
        raise AwsError(
            "ValidationException",
            "The specified list had more than 20 resource ID's. It must have '20' or less items",
        )
    limit = limit_of(body, "limit", 100, 100)
    region = req.region or "us-east-1"
    require_recorder(req.account_id, region)
    with_deleted = bool(body.get("includeDeletedResources"))
    entries = [
        e
        for e in INVENTORY.discovered(req.account_id, region, rtype).values()
        if (with_deleted or e.deleted_at is None) and (not ids or e.rid in ids) and (name is None or e.name == name)
    ]
    entries.sort(key=lambda e: e.rid)
    scope = f"ldr:{rtype}:{with_deleted}:{','.join(ids)}:{name}"
    page, token = offset_page(entries, limit, body.get("nextToken"), scope)
    identifiers = []
    for entry in page:
        ident: dict[str, Any] = {"resourceType": rtype, "resourceId": entry.rid, "resourceName": entry.name}
        if entry.deleted_at is not None:
            ident["resourceDeletionTime"] = entry.deleted_at
        identifiers.append(ident)
    out: dict[str, Any] = {"resourceIdentifiers": identifiers}
    if token:
        out["nextToken"] = token
    return out


def partial_fault(record: dict[str, Any], fault: Any, kind: str, count: int) -> int:
    """How many leading entries an `unprocessedKeys` fault leaves unprocessed (0 without one)."""
    if fault is None or fault["kind"] != kind:
        return 0
    record["faulted"] = True
    record["fault"] = kind
    return min(fault.get("failOnly", count), count)


def batch_get_resource_config(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    body = req.json_body()
    keys = body.get("resourceKeys")
    if not isinstance(keys, list) or not keys:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'resourceKeys' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1",
        )
    if len(keys) > 100:
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{keys}' at 'resourceKeys' failed to satisfy constraint: "
            "Member must have length less than or equal to 100",
        )
    for index, key in enumerate(keys):
        if not isinstance(key, dict) or not key.get("resourceType") or not key.get("resourceId"):
            raise AwsError(
                "ValidationException",
                f"1 validation error detected: Value at 'resourceKeys.{index + 1}.member' failed to satisfy "
                "constraint: resourceType and resourceId must not be null",
            )
    region = req.region or "us-east-1"
    require_recorder(req.account_id, region)
    skipped = partial_fault(record, fault, "unprocessedKeys", len(keys))
    items = []
    for key in keys[skipped:]:
        if key["resourceType"] in HANDLED_TYPES:
            entry = INVENTORY.current_item(req.account_id, region, key["resourceType"], key["resourceId"])
            if entry is not None:
                items.append(base_item(req.account_id, entry))
        else:
            items.extend(moto_batch_get(req.account_id, region, key))
    return {"baseConfigurationItems": items, "unprocessedResourceKeys": keys[:skipped]}


def moto_batch_get(account: str, region: str, key: dict[str, Any]) -> list[dict[str, Any]]:
    """Types moto records itself (S3 buckets, IAM policies, ...): moto's own items."""
    from moto.config.models import config_backends

    found = config_backends[account][region].batch_get_resource_config([key], region)
    items = []
    for item in found["baseConfigurationItems"]:
        item = dict(item)
        item.pop("tags", None)
        for stamp in ("configurationItemCaptureTime", "resourceCreationTime"):
            if isinstance(item.get(stamp), str):
                item[stamp] = to_epoch(item[stamp].replace(" ", "T"), stamp)
        items.append(item)
    return items


def get_discovered_resource_counts(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    body = req.json_body()
    wanted = body.get("resourceTypes") or list(HANDLED_TYPES)
    if not isinstance(wanted, list) or len(wanted) > 100:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'resourceTypes' failed to satisfy constraint: "
            "Member must have length less than or equal to 100",
        )
    limit = limit_of(body, "limit", 100, 100)
    region = req.region or "us-east-1"
    counts = []
    for rtype in sorted(t for t in wanted if t in HANDLED_TYPES):
        alive = sum(1 for e in INVENTORY.discovered(req.account_id, region, rtype).values() if e.deleted_at is None)
        if alive:
            counts.append({"resourceType": rtype, "count": alive})
    total = sum(c["count"] for c in counts)
    page, token = offset_page(counts, limit, body.get("nextToken"), f"gdrc:{','.join(wanted)}")
    out: dict[str, Any] = {"totalDiscoveredResources": total, "resourceCounts": page}
    if token:
        out["nextToken"] = token
    return out


def resource_config_history(req: Any, body: dict[str, Any]) -> dict[str, Any] | None:
    """History of an unseeded resource of a handled type: its latest item (one item: the
    harness keeps no older configurations), filtered by the time window. None if unknown."""
    rtype, rid = body.get("resourceType"), body.get("resourceId")
    if rtype not in HANDLED_TYPES or not isinstance(rid, str):
        return None
    region = req.region or "us-east-1"
    if recorder_of(req.account_id, region) is None:
        return None
    entry = INVENTORY.discovered(req.account_id, region, rtype).get(rid)
    if entry is None:
        return None
    if entry.deleted_at is None:
        entry = INVENTORY.current_item(req.account_id, region, rtype, rid) or entry
    if entry.deleted_at is None and entry.last_item is None:
        return None
    later = to_epoch(body["laterTime"], "laterTime") if body.get("laterTime") is not None else None
    earlier = to_epoch(body["earlierTime"], "earlierTime") if body.get("earlierTime") is not None else None
    if later is not None and earlier is not None and earlier > later:
        raise AwsError("InvalidTimeRangeException", "The specified time range is not valid.")
    limit_of(body, "limit", 10, 100)
    inside = (later is None or entry.capture <= later) and (earlier is None or entry.capture >= earlier)
    return {"configurationItems": [history_item(req.account_id, entry)] if inside else []}


def describe_delivery_channel_status(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    from moto.config.models import config_backends

    body = req.json_body()
    region = req.region or "us-east-1"
    backend = config_backends[req.account_id][region]
    names = body.get("DeliveryChannelNames") or list(backend.delivery_channels)
    recorder = recorder_of(req.account_id, region)
    started = recorder is not None and recorder.status.last_start_time is not None
    out = []
    for name in names:
        channel = backend.delivery_channels.get(name)
        if channel is None:
            raise AwsError(
                "NoSuchDeliveryChannelException", f"Cannot find delivery channel with specified name '{name}'."
            )
        when = float(recorder.status.last_start_time) if started else None
        delivered = (
            {"lastStatus": "Success", "lastAttemptTime": when, "lastSuccessfulTime": when}
            if started
            else {"lastStatus": "Not_Applicable"}
        )
        stream = (
            {"lastStatus": "Success", "lastStatusChangeTime": when}
            if started and channel.sns_topic_arn
            else {"lastStatus": "Not_Applicable"}
        )
        out.append(
            {
                "name": name,
                "configSnapshotDeliveryInfo": {"lastStatus": "Not_Applicable"},
                "configHistoryDeliveryInfo": delivered,
                "configStreamDeliveryInfo": stream,
            }
        )
    return {"DeliveryChannelsStatus": out}


# ---------------------------------------------------------------------------------------------
# The aggregator (organization view)
# ---------------------------------------------------------------------------------------------


def partition_regions() -> list[str]:
    from botocore.session import get_session

    return sorted(get_session().get_available_regions("config"))


def organization_accounts(account: str) -> list[str]:
    """Accounts of the organization `account` belongs to (management account first)."""
    from moto.organizations.models import organizations_backends

    for owner in list(organizations_backends.keys()):
        backend = organizations_backends[owner]["aws"]
        org = getattr(backend, "org", None)
        if org is None:
            continue
        members = [a.id for a in backend.accounts]
        if account == owner or account in members:
            return [owner] + [m for m in members if m != owner]
    return []


def aggregator_of(req: Any, body: dict[str, Any]) -> Any:
    from moto.config.models import config_backends

    name = required_string(body, "ConfigurationAggregatorName")
    backend = config_backends[req.account_id][req.region or "us-east-1"]
    aggregator = backend.config_aggregators.get(name)
    if aggregator is None:
        raise AwsError(
            "NoSuchConfigurationAggregatorException",
            "The configuration aggregator does not exist. Check the configuration aggregator name and try again.",
        )
    return aggregator


def aggregator_scope(req: Any, aggregator: Any) -> list[tuple[str, str]]:
    """Every (account, Region) the aggregator collects from."""
    pairs: list[tuple[str, str]] = []
    org_source = aggregator.organization_aggregation_source
    if org_source is not None:
        regions = partition_regions() if org_source.all_aws_regions else list(org_source.aws_regions or [])
        for account in organization_accounts(req.account_id):
            pairs.extend((account, region) for region in regions)
    for source in aggregator.account_aggregation_sources or []:
        regions = partition_regions() if source.all_aws_regions else list(source.aws_regions or [])
        for account in source.account_ids or []:
            pairs.extend((account, region) for region in regions)
    return sorted(set(pairs))


def aggregate_entries(req: Any, aggregator: Any, rtype: str) -> list[tuple[str, str, Known]]:
    out = []
    for account, region in aggregator_scope(req, aggregator):
        if recorder_of(account, region) is None:
            continue
        for entry in INVENTORY.discovered(account, region, rtype).values():
            if entry.deleted_at is None:
                out.append((account, region, entry))
    return out


def list_aggregate_discovered_resources(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any] | None:
    body = req.json_body()
    aggregator = aggregator_of(req, body)
    rtype = required_string(body, "ResourceType")
    if rtype not in HANDLED_TYPES:
        return None
    filters = body.get("Filters") or {}
    limit = limit_of(body, "Limit", 100, 100)
    rows = [
        {
            "SourceAccountId": account,
            "SourceRegion": region,
            "ResourceId": e.rid,
            "ResourceType": rtype,
            "ResourceName": e.name,
        }
        for account, region, e in aggregate_entries(req, aggregator, rtype)
        if filters.get("AccountId") in (None, account)
        and filters.get("Region") in (None, region)
        and filters.get("ResourceId") in (None, e.rid)
        and filters.get("ResourceName") in (None, e.name)
    ]
    scope = f"lagr:{aggregator.configuration_aggregator_name}:{rtype}:{json.dumps(filters, sort_keys=True)}"
    page, token = offset_page(rows, limit, body.get("NextToken"), scope)
    out: dict[str, Any] = {"ResourceIdentifiers": page}
    if token:
        out["NextToken"] = token
    return out


def batch_get_aggregate_resource_config(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    body = req.json_body()
    aggregator = aggregator_of(req, body)
    identifiers = body.get("ResourceIdentifiers")
    if not isinstance(identifiers, list) or not identifiers or len(identifiers) > 100:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'resourceIdentifiers' failed to satisfy constraint: "
            "Member must have length between 1 and 100",
        )
    for index, ident in enumerate(identifiers):
        if not isinstance(ident, dict) or not all(
            isinstance(ident.get(k), str) and ident.get(k)
            for k in ("SourceAccountId", "SourceRegion", "ResourceId", "ResourceType")
        ):
            raise AwsError(
                "ValidationException",
                f"1 validation error detected: Value at 'resourceIdentifiers.{index + 1}.member' failed to "
                "satisfy constraint: SourceAccountId, SourceRegion, ResourceId and ResourceType must not be null",
            )
    skipped = partial_fault(record, fault, "unprocessedKeys", len(identifiers))
    scope = set(aggregator_scope(req, aggregator))
    items = []
    for ident in identifiers[skipped:]:
        account, region, rtype = ident["SourceAccountId"], ident["SourceRegion"], ident["ResourceType"]
        if rtype not in HANDLED_TYPES or (account, region) not in scope:
            continue
        entry = INVENTORY.current_item(account, region, rtype, ident["ResourceId"])
        if entry is not None:
            items.append(base_item(account, entry))
    return {"BaseConfigurationItems": items, "UnprocessedResourceIdentifiers": identifiers[:skipped]}


GROUP_KEYS = {"RESOURCE_TYPE": 2, "ACCOUNT_ID": 0, "AWS_REGION": 1}


def get_aggregate_discovered_resource_counts(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    body = req.json_body()
    aggregator = aggregator_of(req, body)
    filters = body.get("Filters") or {}
    group_by = body.get("GroupByKey")
    if group_by is not None and group_by not in GROUP_KEYS:
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{group_by}' at 'groupByKey' failed to satisfy constraint: "
            "Member must satisfy enum value set: [RESOURCE_TYPE, ACCOUNT_ID, AWS_REGION]",
        )
    limit = limit_of(body, "Limit", 1000, 1000)
    types = [filters["ResourceType"]] if filters.get("ResourceType") else list(HANDLED_TYPES)
    rows = []
    for rtype in types:
        if rtype not in HANDLED_TYPES:
            continue
        for account, region, _ in aggregate_entries(req, aggregator, rtype):
            if filters.get("AccountId") in (None, account) and filters.get("Region") in (None, region):
                rows.append((account, region, rtype))
    out: dict[str, Any] = {"TotalDiscoveredResources": len(rows)}
    if group_by:
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[GROUP_KEYS[group_by]]] = counts.get(row[GROUP_KEYS[group_by]], 0) + 1
        grouped = [{"GroupName": k, "ResourceCount": v} for k, v in sorted(counts.items())]
        page, token = offset_page(grouped, limit, body.get("NextToken"), f"gadrc:{group_by}:{json.dumps(filters)}")
        out["GroupByKey"] = group_by
        out["GroupedResourceCounts"] = page
        if token:
            out["NextToken"] = token
    else:
        out["GroupedResourceCounts"] = []
    return out


UPDATE_STATUSES = ("FAILED", "SUCCEEDED", "OUTDATED")


def describe_configuration_aggregator_sources_status(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    """One status per source and Region: an organization source is one ORGANIZATION entry per
    Region (SUCCEEDED while the organization has trusted access for config.amazonaws.com), an
    account source one ACCOUNT entry per account and Region (SUCCEEDED when the source account
    authorized the aggregator's account and Region, or is that account). A status set through
    POST /_harness/config/aggregator-source-status replaces the computed one."""
    from moto.config.models import config_backends
    from moto.organizations.models import organizations_backends

    body = req.json_body()
    aggregator = aggregator_of(req, body)
    wanted = body.get("UpdateStatus") or list(UPDATE_STATUSES)
    if not isinstance(wanted, list) or any(w not in UPDATE_STATUSES for w in wanted):
        raise AwsError("InvalidParameterValueException", "UpdateStatus values must be FAILED, SUCCEEDED or OUTDATED.")
    limit = limit_of(body, "Limit", 100, 100)
    here = req.region or "us-east-1"
    when = float(aggregator.creation_time)
    rows: list[dict[str, Any]] = []
    org_source = aggregator.organization_aggregation_source
    if org_source is not None:
        members = organization_accounts(req.account_id)
        org_id, trusted = None, False
        if members:
            backend = organizations_backends[members[0]]["aws"]
            org_id = backend.org.id
            trusted = any(s["ServicePrincipal"] == "config.amazonaws.com" for s in backend.services)
        regions = partition_regions() if org_source.all_aws_regions else list(org_source.aws_regions or [])
        for region in regions:
            row = {
                "SourceId": org_id or req.account_id,
                "SourceType": "ORGANIZATION",
                "AwsRegion": region,
                "LastUpdateTime": when,
            }
            if trusted:
                row["LastUpdateStatus"] = "SUCCEEDED"
            else:
                row.update(
                    LastUpdateStatus="FAILED",
                    LastErrorCode="OrganizationAccessDeniedException",
                    LastErrorMessage="Trusted access for config.amazonaws.com is not enabled in the "
                    "organization, or this account is not in an organization.",
                )
            rows.append(row)
    for source in aggregator.account_aggregation_sources or []:
        regions = partition_regions() if source.all_aws_regions else list(source.aws_regions or [])
        for account in source.account_ids or []:
            for region in regions:
                authorized = account == req.account_id or (
                    region in config_backends[account]
                    and f"{req.account_id}/{here}" in config_backends[account][region].aggregation_authorizations
                )
                row = {"SourceId": account, "SourceType": "ACCOUNT", "AwsRegion": region, "LastUpdateTime": when}
                if authorized:
                    row["LastUpdateStatus"] = "SUCCEEDED"
                else:
                    row.update(
                        LastUpdateStatus="FAILED",
                        LastErrorCode="AuthorizationNotFound",
                        LastErrorMessage=f"Account {account} has not authorized aggregator account "
                        f"{req.account_id} in {here} (PutAggregationAuthorization).",
                    )
                rows.append(row)
    for row in rows:
        override = INVENTORY.source_status.get(
            (aggregator.configuration_aggregator_arn, row["SourceId"], row["AwsRegion"])
        )
        if override:
            for key in ("LastErrorCode", "LastErrorMessage"):
                row.pop(key, None)
            row.update(override)
    rows = [r for r in rows if r["LastUpdateStatus"] in wanted]
    scope = f"dcass:{aggregator.configuration_aggregator_name}:{','.join(wanted)}"
    page, token = offset_page(rows, limit, body.get("NextToken"), scope)
    out: dict[str, Any] = {"AggregatedSourceStatusList": page}
    if token:
        out["NextToken"] = token
    return out


def set_source_status(data: Any) -> dict[str, Any]:
    """POST /_harness/config/aggregator-source-status."""
    from moto.config.models import config_backends

    specs = data if isinstance(data, list) else [data]
    for spec in specs:
        if not isinstance(spec, dict) or not all(
            isinstance(spec.get(k), str) for k in ("accountId", "region", "aggregatorName", "sourceId", "sourceRegion")
        ):
            raise ValueError(
                "a source status needs accountId, region and aggregatorName (the aggregator's), "
                "sourceId and sourceRegion (strings), and LastUpdateStatus"
            )
        status = spec.get("LastUpdateStatus")
        if status not in UPDATE_STATUSES:
            raise ValueError("LastUpdateStatus must be FAILED, SUCCEEDED or OUTDATED")
        aggregator = config_backends[spec["accountId"]][spec["region"]].config_aggregators.get(spec["aggregatorName"])
        if aggregator is None:
            raise ValueError(f"no aggregator {spec['aggregatorName']!r} in {spec['accountId']} {spec['region']}")
        entry = {"LastUpdateStatus": status}
        for key in ("LastErrorCode", "LastErrorMessage"):
            if isinstance(spec.get(key), str):
                entry[key] = spec[key]
        INVENTORY.source_status[(aggregator.configuration_aggregator_arn, spec["sourceId"], spec["sourceRegion"])] = (
            entry
        )
    return {"sourceStatuses": len(INVENTORY.source_status)}


def set_options(data: Any) -> dict[str, Any]:
    """POST /_harness/config/options: {"launchTemplateUserData": false} leaves UserData out of
    launch template items (Config's searchable schema lists no UserData; the content is unverified)."""
    if not isinstance(data, dict) or any(
        key not in INVENTORY.options or not isinstance(value, bool) for key, value in data.items()
    ):
        raise ValueError(f"options are booleans among: {', '.join(INVENTORY.options)}")
    INVENTORY.options.update(data)
    INVENTORY.generation += 1
    return {"options": INVENTORY.options}


def known_view() -> dict[str, Any]:
    """GET /_harness/config/inventory: what Config has discovered, per account and Region."""
    rows = []
    for (account, scope, rtype), entries in sorted(INVENTORY.known.items()):
        for entry in sorted(entries.values(), key=lambda e: e.rid):
            rows.append(
                {
                    "accountId": account,
                    "region": scope,
                    "resourceType": rtype,
                    "resourceId": entry.rid,
                    "resourceName": entry.name,
                    "configurationItemStatus": entry.status,
                    "captureTime": entry.capture,
                    "deletedAt": entry.deleted_at,
                }
            )
    return {"resources": rows}


# ---------------------------------------------------------------------------------------------
# Advanced query (SelectResourceConfig)
# ---------------------------------------------------------------------------------------------

_SELECT = re.compile(r"^\s*SELECT\s+(?P<fields>.+?)\s+WHERE\s+(?P<where>.+?)\s*$", re.IGNORECASE | re.DOTALL)
_CONDITION = re.compile(
    r"^\s*(?P<path>[A-Za-z][\w.]*)\s*(?:=\s*'(?P<value>[^']*)'|IN\s*\((?P<values>[^)]*)\))\s*$",
    re.IGNORECASE | re.DOTALL,
)
_PATH = re.compile(r"^[A-Za-z][\w]*(\.[A-Za-z][\w]*)*$")


def unsupported(expression: str, what: str) -> AwsError:
    return AwsError("InvalidExpressionException", f"{what} (the local endpoint answers SELECT <properties> WHERE "
                    f"<property> = '<value>' [AND <property> IN ('<value>', ...)] ...): {expression}")


def parse_select(expression: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(selected properties, AND-joined conditions as (property, accepted values))."""
    match = _SELECT.match(expression)
    if match is None:
        raise unsupported(expression, "Not a SELECT ... WHERE ... query")
    fields = [f.strip() for f in match["fields"].split(",")]
    if not fields or any(not _PATH.match(f) for f in fields):
        raise unsupported(expression, "Only property names can be selected")
    conditions = []
    for part in re.split(r"\s+AND\s+", match["where"], flags=re.IGNORECASE):
        condition = _CONDITION.match(part)
        if condition is None:
            raise unsupported(expression, f"Unsupported condition {part.strip()!r}")
        if condition["value"] is not None:
            values = [condition["value"]]
        else:
            values = [v.strip() for v in condition["values"].split(",")]
            if any(len(v) < 2 or v[0] != "'" or v[-1] != "'" for v in values):
                raise unsupported(expression, f"IN takes quoted strings: {part.strip()!r}")
            values = [v[1:-1] for v in values]
        conditions.append((condition["path"], values))
    return fields, conditions


def property_values(record: Any, path: list[str]) -> list[Any]:
    """The values at `path`, looking into every element of the arrays on the way."""
    if not path:
        return record if isinstance(record, list) else [record]
    if isinstance(record, list):
        return [v for item in record for v in property_values(item, path)]
    if isinstance(record, dict) and path[0] in record:
        return property_values(record[path[0]], path[1:])
    return []


def selected(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The selected properties of a record, nested as Config nests them (`configuration.Status`
    gives `{"configuration": {"Status": ...}}`); absent ones are left out."""
    out: dict[str, Any] = {}
    for name in fields:
        path = name.split(".")
        value: Any = record
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
            if value is None:
                break
        if value is None:
            continue
        target = out
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    return out


def query_record(account: str, entry: Known) -> dict[str, Any]:
    """A resource as advanced query sees it: the item's properties, configuration an object,
    tags a list of {key, value}."""
    return {
        "version": "1.3",
        "accountId": account,
        "configurationItemCaptureTime": iso8601(entry.capture),
        "configurationItemStatus": entry.status,
        "configurationStateId": str(int(entry.capture * 1000)),
        "arn": entry.arn,
        "resourceType": entry.rtype,
        "resourceId": entry.rid,
        "resourceName": entry.name,
        "awsRegion": entry.aws_region,
        "availabilityZone": entry.availability_zone,
        "resourceCreationTime": iso8601(entry.created),
        "configuration": entry.last_item,
        "tags": [{"key": k, "value": v} for k, v in sorted(entry.last_tags.items())],
    }


def select_resource_config(req: Any, record: dict[str, Any], fault: Any) -> dict[str, Any]:
    body = req.json_body()
    expression = required_string(body, "Expression")
    if len(expression) > 4096:
        raise AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'expression' failed to satisfy constraint: "
            "Member must have length less than or equal to 4096",
        )
    limit = limit_of(body, "Limit", 100, 100)
    fields, conditions = parse_select(expression)
    types = [values for path, values in conditions if path == "resourceType"]
    if len(types) != 1 or any(t not in HANDLED_TYPES for t in types[0]):
        raise unsupported(expression, "The query must name its resource types with one resourceType condition "
                          f"among {', '.join(HANDLED_TYPES)}")
    region = req.region or "us-east-1"
    recorder = recorder_of(req.account_id, region)
    rows = []
    for rtype in types[0]:
        # Advanced query covers only what the recorder records now, and resources that exist.
        if not records(recorder, rtype):
            continue
        for rid in sorted(INVENTORY.sync(req.account_id, region, rtype)[0]):
            entry = INVENTORY.current_item(req.account_id, region, rtype, rid)
            if entry is None:
                continue
            row = query_record(req.account_id, entry)
            if all(
                any(isinstance(v, (str, int, float, bool)) and str(v) in values
                    for v in property_values(row, path.split(".")))
                for path, values in conditions
            ):
                rows.append(json.dumps(selected(row, fields)))
    page, token = offset_page(rows, limit, body.get("NextToken"), f"select:{expression}")
    out: dict[str, Any] = {"Results": page, "QueryInfo": {"SelectFields": [{"Name": f} for f in fields]}}
    if token:
        out["NextToken"] = token
    return out


HANDLERS: dict[tuple[str, str], Callable[..., dict[str, Any] | None]] = {
    ("config", "ListDiscoveredResources"): list_discovered_resources,
    ("config", "BatchGetResourceConfig"): batch_get_resource_config,
    ("config", "SelectResourceConfig"): select_resource_config,
    ("config", "GetDiscoveredResourceCounts"): get_discovered_resource_counts,
    ("config", "DescribeDeliveryChannelStatus"): describe_delivery_channel_status,
    ("config", "ListAggregateDiscoveredResources"): list_aggregate_discovered_resources,
    ("config", "BatchGetAggregateResourceConfig"): batch_get_aggregate_resource_config,
    ("config", "GetAggregateDiscoveredResourceCounts"): get_aggregate_discovered_resource_counts,
    ("config", "DescribeConfigurationAggregatorSourcesStatus"): describe_configuration_aggregator_sources_status,
}
