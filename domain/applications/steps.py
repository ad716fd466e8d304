"""Every step of a case's workflow, taken by its applicant, staff or the system.

Every state change goes through :func:`step`: the workflow definition decides whether it is
allowed (409 ``invalid_transition`` otherwise), the clock is moved in working days, and the new
state, its ``Transition`` row, the audit record and the ``applications.status_changed`` outbox
message are written in one transaction on the locked row.

The clock (seed 002, 承诺时限/法定时限): it starts on acceptance (受理); promised and legal due
dates are that day plus the item's limits in working days. While the case waits for the applicant
(补正) the clock is paused, and on resubmission both due dates move by the working days paused.
"""

from __future__ import annotations

import datetime as dt

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.applications import catalog, fees, outcomes, service
from domain.applications.errors import (
    AttachmentUnknown,
    CaseNotClaimed,
    PublicNoticeRunning,
    ReasonsRequired,
    SeparationOfDuties,
    SupplementDeadlineInvalid,
)
from domain.applications.models import Material, ServiceRequest, Transition, WarningLevel
from domain.audit import service as audit
from domain.catalog.schema import ItemDocument
from domain.identity.service import today
from domain.outbox.service import enqueue
from domain.shared import clock
from domain.shared.actor import Actor
from domain.workdays.service import WorkCalendar, calendar_around
from domain.workflows import engine

STATUS_CHANGED_TOPIC = "applications.status_changed"
MAX_SUPPLEMENT_DAYS = 60
MAX_COMMENT_CHARS = 2000


async def act(
    actor: Actor,
    request_id: int,
    name: str,
    *,
    comment: str = "",
    reasons: list[str] | None = None,
    attachments: list[int] | None = None,
    supplement_due_on: dt.date | None = None,
) -> ServiceRequest:
    """Take the workflow step ``name`` on a case (staff steps need the case claimed)."""
    async with in_transaction() as conn:
        req = await service.load(actor, request_id, using_db=conn)
        if actor.kind == "staff" and req.claimed_by_id != actor.id:
            raise CaseNotClaimed()
        if attachments:
            found = await Material.filter(request_id=req.id, id__in=attachments).using_db(conn).count()
            if found != len(set(attachments)):
                raise AttachmentUnknown(details={"material_ids": sorted(set(attachments))[:20]})
        document = await catalog.item_version(req.item_version_id)
        acting = service.as_applicant(actor, req)
        await step(
            conn,
            req,
            name,
            acting,
            document=document,
            comment=comment,
            reasons=reasons or [],
            attachments=sorted(set(attachments or [])),
            supplement_due_on=supplement_due_on,
        )
    return req


async def step(
    conn: BaseDBAsyncClient,
    req: ServiceRequest,
    name: str,
    actor: Actor,
    *,
    document: ItemDocument,
    comment: str = "",
    reasons: list[str] | None = None,
    attachments: list[int] | None = None,
    supplement_due_on: dt.date | None = None,
) -> None:
    workflow = engine.get(req.workflow_code)
    spec = engine.check(workflow, req.state, name, actor)
    day = today()
    if req.notice_ends_on is not None and day <= req.notice_ends_on:
        raise PublicNoticeRunning(details={"until": req.notice_ends_on.isoformat()})
    if spec.needs_reasons and not (reasons or comment.strip()):
        raise ReasonsRequired()
    if _separated(workflow, spec, req, actor):
        raise SeparationOfDuties()
    if spec.grants:
        await fees.require_settled(req, document)
    cal = await calendar_around(day)
    if spec.pauses_clock:
        _check_supplement_due(cal, day, supplement_due_on)
    before = service.snapshot(req)
    _move_clock(req, workflow, spec, cal, day, document, supplement_due_on)
    if name == "accept":
        req.accepted_by_id = actor.id
        if workflow.separate_acceptance_review:
            req.claimed_by_id, req.claimed_at = None, None  # back to the queue, for a reviewer
    if name == "submit":
        req.submitted_at = clock.now()
    if spec.decision:
        req.decided_at = clock.now()
    if spec.to in workflow.final:
        req.claimed_by_id, req.claimed_at = None, None
    req.updated_at = clock.now()
    await req.save(using_db=conn)
    await Transition.create(
        request_id=req.id,
        name=name,
        from_state=before["state"],
        to_state=req.state,
        actor_kind=actor.kind,
        actor_id=actor.id,
        on_behalf_of=actor.on_behalf_of,
        comment=comment[:MAX_COMMENT_CHARS],
        reasons=reasons or [],
        attachments=attachments or [],
        at=clock.now(),
        using_db=conn,
    )
    await audit.record(
        actor,
        f"applications.{name}",
        target_type="service_request",
        target_id=req.id,
        before=before,
        after={**service.snapshot(req), "reasons": reasons or [], "attachments": attachments or []},
        using_db=conn,
    )
    await enqueue(
        STATUS_CHANGED_TOPIC,
        {
            "request_id": req.id,
            "reference": req.number,
            "user_id": req.applicant_id,
            "item_code": req.item_code,
            "transition": name,
            "from": before["state"],
            "state": req.state,
        },
        using_db=conn,
    )
    if spec.grants:
        await outcomes.issue_result(req, document, service.form_of(req), conn)
    if outcomes.finishes(workflow, spec):
        await outcomes.mark_finished(req, conn)
    await fees.case_moved(conn, req, workflow, actor)  # ended ungranted: the fee goes back
    follow_up = outcomes.follow_up(workflow, req.state, document)
    if follow_up is not None:
        await step(conn, req, follow_up, Actor.system(actor.request_id), document=document)


def offered(req: ServiceRequest, actor: Actor) -> list[str]:
    """The staff steps open from the case's state that ``actor`` may take: its roles include the
    step's, and 受审分离 does not bar it (the officer who accepted is not offered a review step, which
    :func:`step` would refuse). Still checked when taken: the claim and a running public notice."""
    workflow = engine.get(req.workflow_code)
    open_steps = [workflow.transitions[name] for name in workflow.open_from(req.state, "staff")]
    return [
        spec.name
        for spec in open_steps
        if (not spec.roles or spec.roles & actor.roles) and not _separated(workflow, spec, req, actor)
    ]


def _separated(
    workflow: engine.Workflow, spec: engine.TransitionSpec, req: ServiceRequest, actor: Actor
) -> bool:
    """受审分离: a review step, on a workflow that separates them, by the officer who accepted."""
    return spec.reviewer and workflow.separate_acceptance_review and req.accepted_by_id == actor.id


def _check_supplement_due(cal: WorkCalendar, day: dt.date, due: dt.date | None) -> None:
    if due is None or due <= day or (due - day).days > MAX_SUPPLEMENT_DAYS or not cal.is_workday(due):
        raise SupplementDeadlineInvalid(details={"max_days": MAX_SUPPLEMENT_DAYS})


def _move_clock(
    req: ServiceRequest,
    workflow: engine.Workflow,
    spec: engine.TransitionSpec,
    cal: WorkCalendar,
    day: dt.date,
    document: ItemDocument,
    supplement_due_on: dt.date | None,
) -> None:
    if req.paused_since is not None:  # leaving a wait for the applicant: the due dates move on
        paused = cal.working_days_between(req.paused_since, day)
        req.paused_working_days += paused
        req.pauses = [*req.pauses[:-1], {**req.pauses[-1], "to": day.isoformat(), "working_days": paused}]
        if req.due_promised_on is not None:
            req.due_promised_on = cal.add_working_days(req.due_promised_on, paused)
        if req.due_legal_on is not None:
            req.due_legal_on = cal.add_working_days(req.due_legal_on, paused)
        req.paused_since, req.supplement_due_on = None, None
    if spec.starts_clock and req.started_on is None:
        req.started_on = day
        req.due_promised_on = cal.add_working_days(day, document.promised_days)
        req.due_legal_on = cal.add_working_days(day, document.legal_days)
    if spec.pauses_clock:
        req.paused_since, req.supplement_due_on = day, supplement_due_on
        req.pauses = [*req.pauses, {"from": day.isoformat(), "to": None, "working_days": 0}]
    req.notice_ends_on = (
        cal.add_working_days(day, spec.public_notice_days) if spec.public_notice_days else None
    )
    req.state, req.state_entered_on = spec.to, day
    limit = workflow.stage_limit(spec.to)
    req.stage_due_on = cal.add_working_days(day, limit) if limit is not None else None
    if spec.to in workflow.final or spec.decision:
        req.warning = WarningLevel.NONE
