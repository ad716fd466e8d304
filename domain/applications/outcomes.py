"""What a case's decision sets going, in the transaction of the step that made it.

- A granting decision (a transition marked ``grants``) issues the item's e-certificate
  (``result_certificate_type``) to the person the case is for.
- 办结: a decision, or staff closing the case in a final state, makes it rateable (好差评); the
  applicant's own withdrawal does not.
- An item whose only delivery mode is the e-certificate needs no clerk to deliver it: the system
  takes ``deliver_electronically`` where the workflow has it.
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.applications.models import ServiceRequest
from domain.catalog.schema import ItemDocument
from domain.certificates import service as certificates
from domain.certificates import types as certificate_types
from domain.certificates.models import ECertificate
from domain.evaluations import service as evaluations
from domain.evaluations.models import RateableService, TargetType
from domain.family.models import FamilyMember
from domain.workflows import engine

ELECTRONIC_DELIVERY = "deliver_electronically"


def finishes(workflow: engine.Workflow, spec: engine.TransitionSpec) -> bool:
    """Whether taking ``spec`` finishes the service (办结) for the resident, who may then rate it."""
    return spec.decision or (spec.to in workflow.final and spec.actor == "staff")


def follow_up(workflow: engine.Workflow, state: str, document: ItemDocument) -> str | None:
    """The system step to take at once after ``state``, if any."""
    electronic_only = document.delivery == ["e_certificate"] and document.result_certificate_type
    if electronic_only and ELECTRONIC_DELIVERY in workflow.open_from(state):
        return ELECTRONIC_DELIVERY
    return None


async def mark_finished(req: ServiceRequest, conn: BaseDBAsyncClient) -> None:
    await evaluations.service_finished(
        target_type=TargetType.SERVICE_REQUEST,
        target_id=req.id,
        user_id=req.applicant_id,
        item_code=req.item_code,
        department_code=req.department_code,
        using_db=conn,
    )


async def issue_result(
    req: ServiceRequest, document: ItemDocument, form: dict[str, Any], conn: BaseDBAsyncClient
) -> ECertificate | None:
    """The item's e-certificate for an approved case (idempotent per case), or None if it has none."""
    if document.result_certificate_type is None:
        return None
    kind = certificate_types.BY_KEY[document.result_certificate_type]
    holder_id, holder_name = req.applicant_id, None
    if req.on_behalf_of_id is not None:
        member = await FamilyMember.filter(id=req.on_behalf_of_id).using_db(conn).first()
        if member is not None and member.member_user_id is not None:
            holder_id = member.member_user_id  # an adult with their own login carries it themselves
        elif member is not None:
            holder_name = member.name  # a child's certificate sits in the guardian's wallet
    return await certificates.issue_for_request(
        request_id=req.id,
        holder_user_id=holder_id,
        holder_name=holder_name,
        type_code=kind.code,
        data=certificate_data(req, document, form),
        department_code=req.department_code,
        valid_days=kind.valid_days,
        using_db=conn,
    )


def certificate_data(req: ServiceRequest, document: ItemDocument, form: dict[str, Any]) -> dict[str, Any]:
    """What the certificate states, in the official language (简体中文): the item, the case and the
    answers the item prints (``certificate_fields``), select answers by their option's name."""
    fields = {f.key: f for f in document.form.fields}
    printed = []
    for key in document.certificate_fields:
        if key not in form:
            continue  # a conditional field that did not apply
        field, value = fields[key], form[key]
        options = {o.value: o.label.zh_Hans for o in field.options or []}
        printed.append({"key": key, "label": field.label.zh_Hans, "value": options.get(str(value), value)})
    return {
        "item_code": req.item_code,
        "item_name": document.name.zh_Hans,
        "application_number": req.number,
        "fields": printed,
    }


async def rating_state(request_ids: list[int]) -> dict[int, str]:
    """Per case: ``open`` (rateable, not yet rated) or ``rated``; cases not finished are absent."""
    rows = await RateableService.filter(
        target_type=TargetType.SERVICE_REQUEST, target_id__in=request_ids
    ).values_list("target_id", "evaluated_at")
    return {int(target): ("rated" if at is not None else "open") for target, at in rows}
