"""ECS.4 (containers not privileged) as a Python AWS Config custom rule, the way rdklib structures
one: a pure evaluator, and a runner that turns a Config event into evaluations and reports them.

The benchmark's baseline for the Rust Lambda `ecs-4-containers-not-privileged`: same control,
same periodic work (list the ACTIVE task definitions, describe the latest revision of each family,
report older revisions NOT_APPLICABLE, PutEvaluations in batches of 100), same local endpoint
(boto3 reads AWS_ENDPOINT_URL). Run under awslambdaric: `python -m awslambdaric ecs4_handler.handler`.
"""

import json

import boto3

RESOURCE_TYPE = "AWS::ECS::TaskDefinition"
MAX_ANNOTATION = 256
BATCH = 100

# Clients are created during init, as a Lambda function would.
ECS = boto3.client("ecs")
CONFIG = boto3.client("config")


def is_true(value):
    return value is True or (isinstance(value, str) and value.lower() == "true")


def evaluate_compliance(task_definition):
    """(compliance type, annotation) of ECS.4 for one task definition (ECS API shape)."""
    if task_definition.get("status") in ("INACTIVE", "DELETE_IN_PROGRESS"):
        return "NOT_APPLICABLE", None
    privileged = [
        c.get("name", "?")
        for c in task_definition.get("containerDefinitions", [])
        if is_true(c.get("privileged"))
    ]
    if not privileged:
        return "COMPLIANT", None
    annotation = "privileged containers: " + ", ".join(privileged)
    if len(annotation) > MAX_ANNOTATION:
        annotation = annotation[: MAX_ANNOTATION - 1] + "…"
    return "NON_COMPLIANT", annotation


def family_and_revision(arn):
    family, _, revision = arn.rsplit("/", 1)[-1].rpartition(":")
    return family, int(revision)


def active_task_definitions():
    arns = []
    for page in ECS.get_paginator("list_task_definitions").paginate(
        status="ACTIVE", PaginationConfig={"PageSize": 100}
    ):
        arns.extend(page.get("taskDefinitionArns", []))
    return arns


def evaluations_for(arns, ordering_timestamp):
    latest = {}
    for arn in arns:
        family, revision = family_and_revision(arn)
        if family not in latest or revision > latest[family][0]:
            latest[family] = (revision, arn)
    newest = {arn for _, arn in latest.values()}
    out = []
    for arn in arns:
        if arn in newest:
            described = ECS.describe_task_definition(taskDefinition=arn, include=["TAGS"])
            compliance, annotation = evaluate_compliance(described["taskDefinition"])
        else:
            compliance, annotation = "NOT_APPLICABLE", None
        evaluation = {
            "ComplianceResourceType": RESOURCE_TYPE,
            "ComplianceResourceId": arn,
            "ComplianceType": compliance,
            "OrderingTimestamp": ordering_timestamp,
        }
        if annotation:
            evaluation["Annotation"] = annotation
        out.append(evaluation)
    return out


def put_evaluations(evaluations, token):
    for start in range(0, len(evaluations), BATCH):
        batch = evaluations[start : start + BATCH]
        response = CONFIG.put_evaluations(Evaluations=batch, ResultToken=token)
        failed = response.get("FailedEvaluations", [])
        if failed:
            raise RuntimeError(f"PutEvaluations rejected {len(failed)} evaluations")


def handler(event, _context):
    invoking_event = json.loads(event["invokingEvent"])
    if invoking_event.get("messageType") != "ScheduledNotification":
        raise ValueError("this benchmark handler evaluates periodic (scheduled) events only")
    evaluations = evaluations_for(
        active_task_definitions(), invoking_event["notificationCreationTime"]
    )
    put_evaluations(evaluations, event["resultToken"])
    return {"delivered": len(evaluations)}
