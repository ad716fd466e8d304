"""Tourism complaints linked to a ticket order, on the clocks of 《旅游投诉处理办法》, and the
好差评 of a visit (strand A5).

The rules are those of National Tourism Administration Order 32 (in force 2010-07-01; see
docs/tourism.md, "Complaints", for the sources):

- a complaint is decided, accepted or refused, within **5 working days** of its receipt (Art. 15);
- once accepted, the operator complained of answers in writing within **10 days** of being told, and
  the case ends within **60 days** of acceptance: the Order says 日 there, not 工作日, so these two
  are calendar days;
- a complaint more than **90 days** after the contract ended (for a ticket: the visit day) is not
  accepted;
- **4 or more** complainants on the same matter make a joint complaint.

A calendar-day period starts the day after its event and, when its last day is not a working day,
ends on the next working day (Civil Code arts. 201 and 203), so every deadline goes through the
working-day calendar (``domain.workdays``). Staff move a complaint with conditional UPDATEs (the state
read is the state changed), each audited, and its resident is told through the outbox.

A visit is rateable (好差评, ``TargetType.SPOT_VISIT``) once a ticket of its order is used at a gate:
one rating per **order** (the target id), whatever number of its tickets are used. Its department
code is the spot's code, so a 差评's rectification work order lands with the case officers scoped
to the spot, the same staff who handle its complaints; its item code is ``tourism.spot_visit``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from adapters.wechat.port import WeChat
from domain.accounts.models import User
from domain.audit import service as audit
from domain.evaluations import service as evaluations
from domain.evaluations.models import RateableService, TargetType
from domain.notifications.service import Notice, deliver
from domain.outbox.jobs import Job, handler, schedule
from domain.outbox.service import enqueue
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.errors import Conflict, DomainError, ErrorKind, NotFound
from domain.shared.i18n import LazyText, _
from domain.shared.labels import Label, LabelTable, Names
from domain.staff import alerts
from domain.staff.roles import Role, authorize_any, visible_scopes
from domain.tourism import admission, service
from domain.tourism.models import (
    Complaint,
    ComplaintState,
    SaleChannel,
    Spot,
    Ticket,
    TicketOrder,
    TicketState,
)
from domain.workdays.service import calendar_around

ACCEPT_WORKING_DAYS = 5  # Art. 15: 接到投诉之日起5个工作日内 accepted or refused
ANSWER_DAYS = 10  # 接到通知之日起10日内作出书面答复 (calendar days)
CLOSE_DAYS = 60  # 受理旅游投诉之日起60日内 (calendar days)
FILE_WITHIN_DAYS = 90  # 超过旅游合同结束之日90天的 not accepted
JOINT_FROM = 4  # 投诉人4人以上，以同一事由投诉同一被投诉人
MAX_COMPLAINANTS = 999

# Who handles a spot's complaints (the spot's code among their scopes). The Order gives accepting,
# refusing and ending a case to the complaint-handling body, not to the operator complained of:
# case officers. The operator's written answer may be recorded by the spot's manager too.
OFFICERS = (Role.CASE_OFFICER,)
STAFF_ROLES = (Role.CASE_OFFICER, Role.SPOT_MANAGER)

CHANGED_TOPIC = "tourism.complaint_changed"  # {complaint_id, state}: the complainant is told
FILED_TOPIC = "tourism.complaint_filed"  # {complaint_id}: the spot's staff are alerted
OVERDUE_TOPIC = "tourism.complaints_overdue"  # daily: the spot's staff alerted of each late clock
OVERDUE_BATCH = 500
NOTICE_KIND = "tourism_complaint"


class ComplaintNotFound(NotFound):
    code = "complaint_not_found"
    message = _("There is no such complaint.")


class ComplaintOrderNotFound(NotFound):
    """The order is not the resident's, or does not exist: the same answer, nothing leaks."""

    code = "complaint_order_not_found"
    message = _("There is no such ticket order of yours.")


class ComplaintTooLate(DomainError):
    """details: ``visit_day``, ``last_day`` (the 90th day after the visit, moved past a holiday)."""

    code = "complaint_too_late"
    kind = ErrorKind.CONFLICT
    message = _("A complaint is accepted up to 90 days after the visit.")


class ComplaintStateConflict(Conflict):
    """details: ``state`` (the complaint's now), ``action``."""

    code = "complaint_state_conflict"
    message = _("The complaint is not in a state that allows this.")


class ComplaintTextRequired(DomainError):
    code = "complaint_text_required"
    kind = ErrorKind.INVALID
    message = _("Say what the complaint is about, or give the reason, answer or outcome.")


class ComplaintComplainantsInvalid(DomainError):
    code = "complaint_complainants_invalid"
    kind = ErrorKind.INVALID
    message = _("The number of complainants is not valid.")


STATE_LABELS = LabelTable.of_enum(
    ComplaintState,
    {
        ComplaintState.SUBMITTED: _("Received, to be accepted"),
        ComplaintState.ACCEPTED: _("Accepted, awaiting the operator's answer"),
        ComplaintState.REFUSED: _("Not accepted"),
        ComplaintState.ANSWERED: _("Answered by the operator"),
        ComplaintState.CLOSED: _("Case closed"),
    },
)


class ComplaintKind(StrEnum):
    SINGLE = "single"
    JOINT = "joint"  # 4 or more complainants on the same matter


KIND_LABELS = LabelTable.of_enum(
    ComplaintKind,
    {ComplaintKind.SINGLE: _("Complaint"), ComplaintKind.JOINT: _("Joint complaint")},
)


class Step(StrEnum):
    """The clock now running: what the handler must do next, and by when."""

    ACCEPT = "accept"
    ANSWER = "answer"
    CLOSE = "close"


STEP_LABELS = LabelTable.of_enum(
    Step,
    {
        Step.ACCEPT: _("Accept or refuse by"),
        Step.ANSWER: _("The operator answers by"),
        Step.CLOSE: _("Closed by"),
    },
)


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[ComplaintState]
    target: ComplaintState
    field: str  # the outcome's key for the text it takes ("" for none)
    roles: tuple[Role, ...] = OFFICERS


_SUBMITTED, _ACCEPTED = frozenset({ComplaintState.SUBMITTED}), frozenset({ComplaintState.ACCEPTED})
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("accept", _SUBMITTED, ComplaintState.ACCEPTED, ""),
        Action("refuse", _SUBMITTED, ComplaintState.REFUSED, "reason"),
        Action("answer", _ACCEPTED, ComplaintState.ANSWERED, "answer", STAFF_ROLES),
        # Mediation may end without the operator's answer (a missing answer does not stop the case).
        Action(
            "close",
            _ACCEPTED | {ComplaintState.ANSWERED},
            ComplaintState.CLOSED,
            "decision",
        ),
    )
}


# -- the clocks ----------------------------------------------------------------------------------


async def accept_by(received_on: dt.date) -> dt.date:
    """The 5th working day after receipt (the day of receipt not counted)."""
    calendar = await calendar_around(received_on, days_after=60)
    return calendar.add_working_days(received_on, ACCEPT_WORKING_DAYS)


async def days_after(start: dt.date, days: int) -> dt.date:
    """The last day of a period of ``days`` calendar days from ``start`` (not counted, Civil Code
    art. 201), moved to the next working day when it is not one (art. 203)."""
    calendar = await calendar_around(start, days_after=days + 60)
    last = start + dt.timedelta(days=days)
    while not calendar.is_workday(last):
        last += dt.timedelta(days=1)
    return last


def kind_of(complaint: Complaint) -> ComplaintKind:
    return ComplaintKind.JOINT if complaint.complainants >= JOINT_FROM else ComplaintKind.SINGLE


def running(complaint: Complaint) -> tuple[Step, dt.date] | None:
    """The clock now running and its last day; None once refused or closed."""
    if complaint.state == ComplaintState.SUBMITTED:
        return Step.ACCEPT, complaint.accept_by
    if complaint.state == ComplaintState.ACCEPTED and complaint.answer_by is not None:
        return Step.ANSWER, complaint.answer_by
    if complaint.state == ComplaintState.ANSWERED and complaint.close_by is not None:
        return Step.CLOSE, complaint.close_by
    return None


def is_overdue(complaint: Complaint, today: dt.date | None = None) -> bool:
    """Past the last day of the clock now running."""
    clock_now = running(complaint)
    # An accepted case's answer is due before its close, so one comparison covers both.
    return clock_now is not None and (today or clock.today_in_china()) > clock_now[1]


def outcome_of(complaint: Complaint) -> dict[str, str]:
    """The texts staff wrote: ``reason`` (refused), ``answer`` (the operator's), ``decision`` (closed)."""
    try:
        found = json.loads(complaint.outcome) if complaint.outcome else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


# -- residents -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    order_id: int
    matter: str
    complainants: int = 1


@dataclass(frozen=True)
class Shown:
    """A complaint with its spot, as lists and pages show it."""

    complaint: Complaint
    spot: Spot


async def file(actor: Actor, filing: Filing) -> Shown:
    """File a complaint about one of the resident's ticket orders (audited)."""
    matter = filing.matter.strip()
    if not matter:
        raise ComplaintTextRequired()
    if not 1 <= filing.complainants <= MAX_COMPLAINANTS:
        raise ComplaintComplainantsInvalid(details={"complainants": filing.complainants})
    order = await TicketOrder.get_or_none(id=filing.order_id, user_id=actor.id)
    if order is None:
        raise ComplaintOrderNotFound()
    today = clock.today_in_china()
    last_day = await days_after(order.day, FILE_WITHIN_DAYS)
    if today > last_day:
        raise ComplaintTooLate(details={"visit_day": order.day.isoformat(), "last_day": last_day.isoformat()})
    due = await accept_by(today)
    now = clock.now()
    spot = await Spot.get(id=order.spot_id)
    async with in_transaction() as conn:
        complaint = await Complaint.create(
            user_id=actor.id,
            order_id=order.id,
            spot_id=order.spot_id,
            visit_day=order.day,
            matter=matter,
            complainants=filing.complainants,
            received_on=today,
            accept_by=due,
            created_at=now,
            updated_at=now,
            using_db=conn,
        )
        # The matter is free text (names, phones): the audit keeps its size, not its words.
        await audit.record(
            actor,
            "tourism.complaint_filed",
            target_type="tourism_complaint",
            target_id=complaint.id,
            after={
                "order_id": order.id,
                "spot": spot.code,
                "complainants": complaint.complainants,
                "kind": kind_of(complaint).value,
                "accept_by": due.isoformat(),
            },
            using_db=conn,
        )
        await enqueue(
            FILED_TOPIC,
            {"complaint_id": complaint.id},
            using_db=conn,
            key=f"{FILED_TOPIC}:{complaint.id}",
            new_key=True,
        )
    return Shown(complaint, spot)


async def mine(actor: Actor) -> list[Shown]:
    """The resident's complaints, newest first."""
    return await _shown(await Complaint.filter(user_id=actor.id).order_by("-created_at", "-id"))


async def _shown(complaints: list[Complaint]) -> list[Shown]:
    ids = {c.spot_id for c in complaints}
    spots = {s.id: s for s in await Spot.filter(id__in=sorted(ids))} if ids else {}
    return [Shown(c, spots[c.spot_id]) for c in complaints]


# -- staff ---------------------------------------------------------------------------------------


async def staff_list(
    actor: Actor, *, spot_code: str | None = None, state: ComplaintState | None = None
) -> list[Shown]:
    """Complaints about the spots in the caller's scopes (or one spot), oldest deadline first."""
    authorize_any(actor, STAFF_ROLES, spot_code)
    query = Complaint.all()
    if spot_code is not None:
        query = query.filter(spot_id=(await service.spot_by_code(spot_code)).id)
    else:
        scopes = visible_scopes(actor)
        if scopes is not None:
            ids = await Spot.filter(code__in=sorted(scopes)).values_list("id", flat=True)
            query = query.filter(spot_id__in=list(ids) or [0])
    if state is not None:
        query = query.filter(state=state)
    found = await query.order_by("accept_by", "id").limit(500)
    shown = await _shown(found)
    # Overdue first, then by the deadline now running.
    return sorted(shown, key=lambda s: (not is_overdue(s.complaint), _due_key(s.complaint)))


def _due_key(complaint: Complaint) -> tuple[int, dt.date, int]:
    clock_now = running(complaint)
    return (0, clock_now[1], complaint.id) if clock_now else (1, complaint.updated_at.date(), complaint.id)


async def move(actor: Actor, complaint_id: int, action_name: str, text: str = "") -> Shown:
    """Accept, refuse (with a reason), record the operator's answer, or close (with the outcome);
    the answer by a case officer or the spot's manager, the rest by case officers only.

    Conditional on the state read: of two staff moving the same complaint at once, one wins and
    the other is answered ``complaint_state_conflict``. Audited; the resident is told (inbox)."""
    action = ACTIONS[action_name]
    authorize_any(actor, action.roles)
    complaint = await Complaint.get_or_none(id=complaint_id)
    if complaint is None:
        raise ComplaintNotFound()
    spot = await Spot.get(id=complaint.spot_id)
    authorize_any(actor, action.roles, spot.code)
    text = text.strip()
    if action.field and not text:
        raise ComplaintTextRequired()
    if complaint.state not in action.sources:
        raise ComplaintStateConflict(details={"state": complaint.state.value, "action": action.name})
    changes: dict[str, Any] = {"state": action.target, "handled_by": actor.id, "updated_at": clock.now()}
    if action.field:
        changes["outcome"] = json.dumps({**outcome_of(complaint), action.field: text}, ensure_ascii=False)
    if action.target == ComplaintState.ACCEPTED:
        today = clock.today_in_china()
        changes["answer_by"] = await days_after(today, ANSWER_DAYS)
        changes["close_by"] = await days_after(today, CLOSE_DAYS)
    async with in_transaction() as conn:
        moved = (
            await Complaint.filter(id=complaint.id, state=complaint.state).using_db(conn).update(**changes)
        )
        if moved != 1:
            now_state = await Complaint.filter(id=complaint.id).using_db(conn).values_list("state", flat=True)
            raise ComplaintStateConflict(
                details={"state": str(now_state[0]) if now_state else "", "action": action.name}
            )
        await audit.record(
            actor,
            f"tourism.complaint_{action.target.value}",
            target_type="tourism_complaint",
            target_id=complaint.id,
            before={"state": complaint.state.value},
            after={
                "state": action.target.value,
                "spot": spot.code,
                **({"answer_by": changes["answer_by"].isoformat()} if "answer_by" in changes else {}),
                **({"close_by": changes["close_by"].isoformat()} if "close_by" in changes else {}),
            },
            using_db=conn,
        )
        await enqueue(
            CHANGED_TOPIC,
            {"complaint_id": complaint.id, "state": action.target.value},
            using_db=conn,
            key=f"{CHANGED_TOPIC}:{complaint.id}:{action.target.value}",
        )
    return Shown(await Complaint.get(id=complaint.id), spot)


async def _of_job(job: Job) -> tuple[Complaint, Spot] | None:
    """The job's complaint and its spot (None: the complaint is gone)."""
    complaint = await Complaint.get_or_none(id=int(job.payload["complaint_id"]))
    return None if complaint is None else (complaint, await Spot.get(id=complaint.spot_id))


@handler(CHANGED_TOPIC)
async def complaint_changed(job: Job) -> None:
    """Tell the complainant their complaint moved (once per step: the inbox keys on the job)."""
    found = await _of_job(job)
    if found is None:
        return
    complaint, spot = found
    state: LazyText = STATE_LABELS(job.payload["state"])
    wechat: WeChat = job.context.adapters.wechat
    await deliver(
        Notice(
            user_id=complaint.user_id,
            kind=NOTICE_KIND,
            title=_("Complaint update"),
            body=_("Your complaint about {spot} is now: {state}.", spot=Names.of(spot), state=state),
            link="/pages/tourism/complaints",
        ),
        source_key=f"{job.topic}:{job.id}",
        wechat=wechat,
    )


@handler(FILED_TOPIC)
async def complaint_filed(job: Job) -> None:
    """Alert the spot's case officers and manager of a new complaint and its 5-working-day clock."""
    found = await _of_job(job)
    if found is None:
        return
    complaint, spot = found
    what = alerts.Alert(
        kind=NOTICE_KIND,
        title=_("New tourism complaint"),
        body=_(
            "{spot}: complaint no. {number} to accept or refuse by {day}.",
            spot=Names.of(spot),
            number=complaint.id,
            day=complaint.accept_by.isoformat(),
        ),
    )
    await alerts.alert(spot.code, STAFF_ROLES, what, source_key=f"{job.topic}:{complaint.id}")


_LATE: dict[ComplaintState, str] = {
    ComplaintState.SUBMITTED: "accept_by",
    ComplaintState.ACCEPTED: "answer_by",
    ComplaintState.ANSWERED: "close_by",
}


async def overdue(today: dt.date | None = None) -> list[Complaint]:
    """Complaints past the last day of the clock now running, oldest first."""
    day = today or clock.today_in_china()
    found: list[Complaint] = []
    for state, due_field in _LATE.items():
        found += (
            await Complaint.filter(state=state, **{f"{due_field}__lt": day})
            .order_by("id")
            .limit(OVERDUE_BATCH)
        )
    return sorted(found, key=lambda c: c.id)


@handler(OVERDUE_TOPIC)
async def complaints_overdue(job: Job) -> None:
    """Alert the spot's staff of each complaint whose clock ran out: once per complaint and clock
    (keyed by both), however many days it stays late; the staff list flags it meanwhile."""
    late = await overdue()
    spots = {s.id: s for s in await Spot.filter(id__in=sorted({c.spot_id for c in late}))} if late else {}
    for complaint in late:
        clock_now = running(complaint)
        if clock_now is None:
            continue
        spot = spots[complaint.spot_id]
        what = alerts.Alert(
            kind=NOTICE_KIND,
            title=_("Complaint overdue"),
            body=_(
                "{spot}: complaint no. {number} is overdue ({step} {day}).",
                spot=Names.of(spot),
                number=complaint.id,
                step=STEP_LABELS(clock_now[0]),
                day=clock_now[1].isoformat(),
            ),
        )
        key = f"{OVERDUE_TOPIC}:{complaint.id}:{clock_now[0].value}"
        await alerts.alert(spot.code, STAFF_ROLES, what, source_key=key)


schedule(OVERDUE_TOPIC, every=dt.timedelta(days=1), at=dt.time(9, 0))


# -- 好差评 of a visit ------------------------------------------------------------------------------

SPOT_VISIT_ITEM = "tourism.spot_visit"  # the evaluations' item code of every spot visit


async def _visited_spot(rateable: RateableService) -> Label | None:
    """A visit's invitation to rate it names the spot (its rateable's department is the spot)."""
    return (await service.spot_labels({rateable.department_code})).get(rateable.department_code)


evaluations.rated_names.add(TargetType.SPOT_VISIT, _visited_spot)


@handler(admission.TICKET_USED_TOPIC)
async def ticket_used(job: Job) -> None:
    """A ticket was used at a gate: its order's visit may be rated by the resident who ordered it.

    Once per order: ``service_finished`` returns the rateable service already made, and when two
    tickets of one order are handled at the same moment the unique (target type, target id) lets
    one make it; the other's IntegrityError means it is done. A window sale belongs to the spot's
    window account, which nobody logs in as (``window.window_account``): nothing is made."""
    ticket = await Ticket.get_or_none(id=int(job.payload["ticket_id"]))
    if ticket is None or ticket.state != TicketState.USED:
        return
    order = await TicketOrder.get(id=ticket.order_id)
    if order.channel == SaleChannel.WINDOW or not await User.exists(id=order.user_id):
        return
    spot = await Spot.get(id=order.spot_id)
    try:
        async with in_transaction() as conn:
            await evaluations.service_finished(
                target_type=TargetType.SPOT_VISIT,
                target_id=order.id,
                user_id=order.user_id,
                item_code=SPOT_VISIT_ITEM,
                department_code=spot.code,
                using_db=conn,
            )
    except IntegrityError:
        return  # another ticket of the order made it rateable at the same moment
