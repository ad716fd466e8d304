"""Staff queues per department and role, claiming and releasing cases, and the overdue report.

A case in a queue is unclaimed; an officer claims it (one wins when several try at once: the claim
is a conditional update) and works on it until they release it or a step hands it back (受审分离:
after acceptance the case returns to the review queue for another officer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain.applications.errors import (
    ApplicationNotFound,
    CaseAlreadyClaimed,
    CaseNotClaimable,
    CaseNotClaimed,
    QueueUnknown,
)
from domain.applications.models import ServiceRequest, WarningLevel
from domain.applications.service import authorize_case_work, check_staff_scope
from domain.audit import service as audit
from domain.identity.service import today
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.roles import visible_scopes
from domain.workdays.service import calendar_known
from domain.workflows import engine

QUEUES = ("intake", "review", "mine", "waiting", "overdue")
MAX_LIST = 200


def _staff_states(workflow: engine.Workflow, roles: frozenset[str] | None = None) -> set[str]:
    """States in which ``workflow`` waits for a staff step (one that ``roles`` may take, if given)."""
    return {
        state
        for t in workflow.transitions.values()
        if t.actor == "staff" and (roles is None or not t.roles or t.roles & roles)
        for state in t.sources
    }


def _intake_states(workflow: engine.Workflow) -> set[str]:
    return {state for t in workflow.transitions.values() if t.starts_clock for state in t.sources}


def _in_states(pick: Callable[[engine.Workflow], set[str]]) -> Q:
    # Per workflow, so that a configured chain (the aid schemes) needs no code here and a state
    # name shared by two workflows (denied: final in one, appealable in another) is not confused.
    found = Q(id__in=[])
    for workflow in engine.DEFINITIONS.values():
        found |= Q(workflow_code=workflow.code, state__in=sorted(pick(workflow)))
    return found


def claimable(workflow: engine.Workflow, state: str, roles: frozenset[str] | None = None) -> bool:
    """Whether a case in ``state`` waits for staff (with one of ``roles``, if given): not for the
    applicant, not finished."""
    return state in _staff_states(workflow, roles) and state not in workflow.waiting_for_applicant


def _open(workflow: engine.Workflow) -> set[str]:
    return set(workflow.states) - workflow.final - {workflow.initial}


def _scoped(actor: Actor, department: str | None) -> QuerySet[ServiceRequest]:
    authorize_case_work(actor, department)
    query = ServiceRequest.all()
    if department is not None:
        return query.filter(department_code=department)
    scopes = visible_scopes(actor)
    return query if scopes is None else query.filter(department_code__in=sorted(scopes))


async def list_queue(actor: Actor, queue: str, *, department: str | None = None) -> list[ServiceRequest]:
    """The cases of one queue in the departments ``actor`` works for, oldest first."""
    query = _scoped(actor, department)
    if queue == "intake":
        query = query.filter(_in_states(_intake_states), claimed_by_id=None)
    elif queue == "review":
        # What the caller's roles can move on: a finance clerk sees payments, not reviews.
        query = query.filter(
            _in_states(
                lambda w: _staff_states(w, actor.roles) - _intake_states(w) - set(w.waiting_for_applicant)
            ),
            claimed_by_id=None,
        )
    elif queue == "mine":
        query = query.filter(claimed_by_id=actor.id)
    elif queue == "waiting":
        query = query.filter(_in_states(lambda w: set(w.waiting_for_applicant)))
    elif queue == "overdue":
        day = today()
        query = query.filter(_in_states(_open)).filter(
            Q(stage_due_on__lt=day) | Q(due_promised_on__lt=day, paused_since=None)
        )
    else:
        raise QueueUnknown(details={"allowed": list(QUEUES)})
    return await query.order_by("updated_at", "id").limit(MAX_LIST)


async def _case_for_staff(actor: Actor, request_id: int) -> ServiceRequest:
    authorize_case_work(actor)
    if not 0 < request_id < 2**63:
        raise ApplicationNotFound()
    req = await ServiceRequest.get_or_none(id=request_id)
    if req is None:
        raise ApplicationNotFound()
    check_staff_scope(actor, req)
    return req


async def claim(actor: Actor, request_id: int) -> ServiceRequest:
    """Take a case to work on (again, if already yours); when several officers try at once one wins."""
    req = await _case_for_staff(actor, request_id)
    if not claimable(engine.get(req.workflow_code), req.state, actor.roles):
        raise CaseNotClaimable(details={"state": req.state})
    now = clock.now()
    async with in_transaction() as conn:
        # Conditional on nobody else holding it: the database decides the race, not this process.
        # Claiming one's own case again is a no-op success (a supplement keeps the officer's claim).
        taken = (
            await ServiceRequest.filter(Q(claimed_by_id=None) | Q(claimed_by_id=actor.id), id=req.id)
            .using_db(conn)
            .update(claimed_by_id=actor.id, claimed_at=now)
        )
        if taken != 1:
            raise CaseAlreadyClaimed()
        await audit.record(
            actor, "applications.claimed", target_type="service_request", target_id=req.id, using_db=conn
        )
    req.claimed_by_id, req.claimed_at = actor.id, now
    return req


async def release(actor: Actor, request_id: int) -> ServiceRequest:
    """Hand a claimed case back to its queue."""
    req = await _case_for_staff(actor, request_id)
    async with in_transaction() as conn:
        freed = (
            await ServiceRequest.filter(id=req.id, claimed_by_id=actor.id)
            .using_db(conn)
            .update(claimed_by_id=None, claimed_at=None)
        )
        if freed != 1:
            raise CaseNotClaimed()
        await audit.record(
            actor, "applications.released", target_type="service_request", target_id=req.id, using_db=conn
        )
    req.claimed_by_id, req.claimed_at = None, None
    return req


# -- the overdue report ----------------------------------------------------------------------------


@dataclass
class DepartmentDeadlines:
    department: str
    open: int = 0
    yellow: int = 0
    red: int = 0
    past_legal_limit: int = 0
    stage_overdue: int = 0
    overdue_numbers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OverdueReport:
    day: dt.date
    # False when a year's holidays are not known yet: due dates then count Monday–Friday only.
    calendar_known: dict[int, bool]
    departments: list[DepartmentDeadlines]


async def overdue_report(actor: Actor, *, department: str | None = None) -> OverdueReport:
    """Open cases per department: warnings, breaches of the promised and legal limits."""
    day = today()
    rows = await _scoped(actor, department).filter(_in_states(_open)).order_by("id")
    by_department: dict[str, DepartmentDeadlines] = {}
    for req in rows:
        entry = by_department.setdefault(req.department_code, DepartmentDeadlines(req.department_code))
        entry.open += 1
        entry.yellow += req.warning == WarningLevel.YELLOW
        entry.red += req.warning == WarningLevel.RED
        legal_breach = req.due_legal_on is not None and req.paused_since is None and req.due_legal_on < day
        entry.past_legal_limit += legal_breach
        stage_late = req.stage_due_on is not None and req.stage_due_on < day
        entry.stage_overdue += stage_late
        if (legal_breach or stage_late or req.warning == WarningLevel.RED) and len(
            entry.overdue_numbers
        ) < 50:
            entry.overdue_numbers.append(req.number)
    years = {day.year: await calendar_known(day.year), day.year + 1: await calendar_known(day.year + 1)}
    return OverdueReport(day, years, sorted(by_department.values(), key=lambda d: d.department))
