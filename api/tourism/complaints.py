"""Tourism complaints: a resident files one about a ticket order; the spot's case officers accept or
refuse it, record the operator's answer and close it (``/staff/tourism/complaints``), each on the
clock of 《旅游投诉处理办法》. Parse → one domain call → render."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._idempotency import idempotent
from api._kit import body, documented, parse_query, respond
from api._labels import LabelText, OptionalLabelText
from domain.tourism import complaints
from domain.tourism.models import ComplaintState

_REFUSALS = (
    "Refused with `staff_role_required` (a case officer; for the answer, also the spot's manager), "
    "`staff_scope_required` (the spot's code), "
    "`complaint_not_found` (404), `complaint_state_conflict` (409: not in a state that allows it)"
)


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: int = Field(gt=0, lt=2**63, description="One of the caller's ticket orders.")
    matter: str = Field(min_length=1, max_length=2000, description="What went wrong, and what is asked.")
    complainants: int = Field(
        default=1,
        ge=1,
        le=complaints.MAX_COMPLAINANTS,
        description="How many visitors complain of the same matter (the filer included); 4 or more: a "
        "joint complaint.",
    )


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        default="",
        max_length=2000,
        description="The reason (refuse), the operator's answer (answer) or the outcome (close); "
        "required for those, ignored on accept.",
    )


class ComplaintsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spot: str | None = Field(default=None, max_length=40)
    state: ComplaintState | None = None


class ComplaintOut(BaseModel):
    id: int
    order_id: int
    spot: str
    spot_name: str
    visit_day: date
    matter: str
    complainants: int
    kind: complaints.ComplaintKind = Field(description="`joint` for 4 or more complainants.")
    kind_label: LabelText
    state: ComplaintState
    state_label: LabelText
    received_on: date
    accept_by: date = Field(description="The 5th working day after receipt.")
    answer_by: date | None = Field(description="Once accepted: 10 days (calendar) for the answer.")
    close_by: date | None = Field(description="Once accepted: 60 days (calendar) to close.")
    step: complaints.Step | None = Field(description="The clock now running; null once refused or closed.")
    step_label: OptionalLabelText
    due: date | None = Field(description="The running clock's last day.")
    overdue: bool
    reason: str | None = Field(description="Why it was not accepted.")
    answer: str | None = Field(description="The operator's answer.")
    decision: str | None = Field(description="The outcome it was closed with.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, shown: complaints.Shown, locale: str) -> ComplaintOut:
        c, spot = shown.complaint, shown.spot
        clock_now = complaints.running(c)
        kind = complaints.kind_of(c)
        outcome = complaints.outcome_of(c)
        return cls(
            id=c.id,
            order_id=c.order_id,
            spot=spot.code,
            spot_name=spot.name_in(locale),
            visit_day=c.visit_day,
            matter=c.matter,
            complainants=c.complainants,
            kind=kind,
            kind_label=complaints.KIND_LABELS(kind),
            state=c.state,
            state_label=complaints.STATE_LABELS(c.state),
            received_on=c.received_on,
            accept_by=c.accept_by,
            answer_by=c.answer_by,
            close_by=c.close_by,
            step=clock_now[0] if clock_now else None,
            step_label=complaints.STEP_LABELS(clock_now[0]) if clock_now else None,
            due=clock_now[1] if clock_now else None,
            overdue=complaints.is_overdue(c),
            reason=outcome.get("reason"),
            answer=outcome.get("answer"),
            decision=outcome.get("decision"),
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


class ComplaintsOut(BaseModel):
    items: list[ComplaintOut]


@openapi.summary("File a complaint about one of my ticket orders (《旅游投诉处理办法》)")
@openapi.description(
    "Refused with `complaint_order_not_found` (404: not one of the caller's orders), "
    "`complaint_too_late` (409: more than 90 days after the visit day; `details.last_day`). "
    "Accepted or refused within 5 working days (`accept_by`); 4 or more complainants make a joint "
    "complaint (`kind`)."
)
@openapi.tag("tourism")
@documented(ComplaintOut, 201)
@requires("resident")
@idempotent()
@body(ComplaintIn)
async def file(request: Request) -> HTTPResponse:
    data: ComplaintIn = request.ctx.body
    shown = await complaints.file(
        actor_of(request),
        complaints.Filing(order_id=data.order_id, matter=data.matter, complainants=data.complainants),
    )
    return respond(ComplaintOut.of(shown, request.ctx.locale), status=201)


@openapi.summary("My tourism complaints, newest first")
@openapi.tag("tourism")
@documented(ComplaintsOut)
@requires("resident")
async def mine(request: Request) -> HTTPResponse:
    found = await complaints.mine(actor_of(request))
    return respond(ComplaintsOut(items=[ComplaintOut.of(s, request.ctx.locale) for s in found]))


@openapi.summary("Complaints about my spots (case officers, spot managers), overdue first")
@openapi.description(
    "Without `spot`, every spot in the caller's scopes. Refused with `staff_role_required`, "
    "`staff_scope_required`, `spot_not_found`."
)
@openapi.parameter("spot", str, "query")
@openapi.parameter("state", str, "query")
@openapi.tag("tourism")
@documented(ComplaintsOut)
@requires("staff")
async def staff_list(request: Request) -> HTTPResponse:
    query = parse_query(request, ComplaintsQuery)
    found = await complaints.staff_list(actor_of(request), spot_code=query.spot, state=query.state)
    return respond(ComplaintsOut(items=[ComplaintOut.of(s, request.ctx.locale) for s in found]))


# action → its summary and what it adds to the refusals (each its own route of the contract).
_STEPS: dict[str, tuple[str, str]] = {
    "accept": (
        "Accept a complaint (within 5 working days of receipt)",
        "Sets `answer_by` (10 days) and `close_by` (60 days).",
    ),
    "refuse": ("Refuse a complaint, with the reason", "`complaint_text_required` without a reason."),
    "answer": (
        "Record the operator's written answer to an accepted complaint",
        "`complaint_text_required` without the answer.",
    ),
    "close": (
        "Close an accepted or answered complaint, with its outcome",
        "`complaint_text_required` without the outcome.",
    ),
}


def _step_route(action: str) -> Callable[..., Coroutine[Any, Any, HTTPResponse]]:
    """The staff route that takes ``action`` on a complaint: one call of ``complaints.move``."""

    async def step(request: Request, complaint_id: int) -> HTTPResponse:
        data: StepIn = request.ctx.body
        shown = await complaints.move(actor_of(request), complaint_id, action, data.text)
        return respond(ComplaintOut.of(shown, request.ctx.locale))

    # Named before the decorators copy the name: each action is its own operation in OpenAPI.
    step.__name__ = step.__qualname__ = f"complaint_{action}"
    summary, more = _STEPS[action]
    decorated = requires("staff")(body(StepIn)(step))  # who, before the body is read
    decorated = documented(ComplaintOut)(decorated)
    decorated = openapi.tag("tourism")(decorated)
    return openapi.summary(summary)(openapi.description(f"{_REFUSALS}. {more}")(decorated))


def add_routes(bp: Blueprint) -> None:
    """Add this module's routes to the tourism blueprint."""
    bp.add_route(file, "/tourism/complaints", methods=["POST"], name="complaint_file")
    bp.add_route(mine, "/tourism/complaints", methods=["GET"], name="complaints_mine")
    staff = "/staff/tourism/complaints"
    bp.add_route(staff_list, staff, methods=["GET"], name="complaints_staff")
    for action in _STEPS:
        path = f"{staff}/<complaint_id:id>/{action}"
        bp.add_route(_step_route(action), path, methods=["POST"], name=f"complaint_{action}")
