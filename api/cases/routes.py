"""The staff back office for cases: queues, claiming, acting, reading (case officers, by department)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._idempotency import idempotent
from api._kit import body, documented, documented_media, respond
from api.applications.routes import file_response, uploaded_file
from api.applications.schemas import ApplicationOut, ApplicationsOut, CaseOut, MaterialOut
from api.cases.schemas import ActionIn, OverdueReportOut, SupplementIn
from domain.applications import materials, queues, service, steps


def _department(request: Request) -> str | None:
    value = request.args.get("department")
    return str(value) if value else None


@openapi.summary("A queue of cases")
@openapi.description(
    "`queue`: `intake` (to accept), `review` (accepted, to review and decide), `mine` (claimed by me), "
    "`waiting` (补正, waiting for the applicant), `overdue`. `department` narrows to one department; "
    "otherwise all departments in your scope. Refusal: `queue_unknown`."
)
@openapi.parameter("queue", str, "query")
@openapi.parameter("department", str, "query")
@openapi.tag("cases")
@documented(ApplicationsOut)
@requires("staff")
async def list_queue(request: Request) -> HTTPResponse:
    actor = actor_of(request)
    found = await queues.list_queue(
        actor, str(request.args.get("queue", "intake")), department=_department(request)
    )
    return respond(ApplicationsOut(items=[ApplicationOut.of(r, staff=actor) for r in found]))


@openapi.summary("Deadlines per department: warnings and overdue cases")
@openapi.parameter("department", str, "query")
@openapi.tag("cases")
@documented(OverdueReportOut)
@requires("staff")
async def overdue_report(request: Request) -> HTTPResponse:
    report = await queues.overdue_report(actor_of(request), department=_department(request))
    return respond(OverdueReportOut.of(report))


@openapi.summary("A case with its timeline, materials and 秒批 rule results")
@openapi.tag("cases")
@documented(CaseOut)
@requires("staff")
async def get_case(request: Request, request_id: int) -> HTTPResponse:
    actor = actor_of(request)
    seen = await service.view(actor, request_id)
    return respond(CaseOut.of_view(seen, staff=actor, locale=request.ctx.locale))


@openapi.summary("Download a material of a case")
@openapi.tag("cases")
@documented_media(*materials.CONTENT_TYPES.values(), description="The file, as uploaded")
@requires("staff")
async def get_material(request: Request, request_id: int, material_id: int) -> HTTPResponse:
    storage = request.app.ctx.runtime.adapters.storage
    return file_response(await materials.read_material(actor_of(request), storage, request_id, material_id))


@openapi.summary("Attach a file to a case you hold (a written decision, a notice)")
@openapi.description(
    "`multipart/form-data` with `file` (PDF, JPEG or PNG, recognised by content). Cite its id in a "
    "step's `attachments`; the applicant can read it. Refusals: `case_not_claimed`, "
    "`material_too_large`, `material_type_not_allowed`, `material_disguised`, `material_file_required`."
)
@openapi.tag("cases")
@documented(MaterialOut, 201)
@requires("staff")
@idempotent()
async def add_attachment(request: Request, request_id: int) -> HTTPResponse:
    material = await materials.add_staff_attachment(
        actor_of(request), request.app.ctx.runtime.adapters.storage, request_id, **uploaded_file(request)
    )
    return respond(MaterialOut.of(material), status=201)


@openapi.summary("Take a case from its queue")
@openapi.description("Refusals: `case_already_claimed` (someone was quicker), `case_not_claimable`.")
@openapi.tag("cases")
@documented(ApplicationOut)
@requires("staff")
async def claim(request: Request, request_id: int) -> HTTPResponse:
    actor = actor_of(request)
    return respond(ApplicationOut.of(await queues.claim(actor, request_id), staff=actor))


@openapi.summary("Hand a claimed case back to its queue")
@openapi.tag("cases")
@documented(ApplicationOut)
@requires("staff")
async def release(request: Request, request_id: int) -> HTTPResponse:
    actor = actor_of(request)
    return respond(ApplicationOut.of(await queues.release(actor, request_id), staff=actor))


Route = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def action(step: str, summary: str) -> Route:
    """The route for workflow step ``step`` (same body and refusals for each)."""

    @openapi.summary(summary)
    @openapi.description(
        "Needs the case claimed by you (`case_not_claimed`). Refusals: `invalid_transition` (409, not "
        "possible from the current state), `separation_of_duties` (受审分离), `transition_reasons_required`, "
        "`attachment_unknown`, `public_notice_running`."
    )
    @openapi.tag("cases")
    @documented(ApplicationOut)
    @requires("staff")
    @body(ActionIn)
    async def act(request: Request, request_id: int) -> HTTPResponse:
        data: ActionIn = request.ctx.body
        actor = actor_of(request)
        req = await steps.act(
            actor,
            request_id,
            step,
            comment=data.comment,
            reasons=data.reasons,
            attachments=data.attachments,
        )
        return respond(ApplicationOut.of(req, staff=actor))

    act.__name__ = f"act_{step}"
    return act


@openapi.summary("Ask the applicant for a supplement (补正); the clock pauses")
@openapi.description(
    "`supplement_due_on`: a working day after today, within 60 days (`supplement_deadline_invalid`). "
    "Needs the case claimed by you; `invalid_transition` otherwise."
)
@openapi.tag("cases")
@documented(ApplicationOut)
@requires("staff")
@body(SupplementIn)
async def request_supplement(request: Request, request_id: int) -> HTTPResponse:
    data: SupplementIn = request.ctx.body
    actor = actor_of(request)
    req = await steps.act(
        actor,
        request_id,
        "request_supplement",
        comment=data.comment,
        reasons=data.reasons,
        attachments=data.attachments,
        supplement_due_on=data.supplement_due_on,
    )
    return respond(ApplicationOut.of(req, staff=actor))


@openapi.summary("Take any step of the case's workflow by its name (the aid schemes' chains)")
@openapi.description(
    "For the steps a configured workflow adds (medical aid: `investigate`, `post_first_notice`, "
    "`forward_to_district`, `propose_approval`, `request_funds`, `disburse`...; rehabilitation aid: "
    "`uphold_appeal`, `dismiss_appeal`, `close_denied`). The case's `next_steps` lists what is open. "
    "Refusals as for the named steps; an unknown or closed step is `invalid_transition` (409) with "
    "`allowed`."
)
@openapi.tag("cases")
@documented(ApplicationOut)
@requires("staff")
@body(ActionIn)
async def take_step(request: Request, request_id: int, step: str) -> HTTPResponse:
    data: ActionIn = request.ctx.body
    actor = actor_of(request)
    req = await steps.act(
        actor,
        request_id,
        step[:40],
        comment=data.comment,
        reasons=data.reasons,
        attachments=data.attachments,
    )
    return respond(ApplicationOut.of(req, staff=actor))


# URL segment → workflow step, for the steps that share ActionIn.
ACTIONS = {
    "accept": ("accept", "Accept a case (受理); the clock starts"),
    "not-accept": ("not_accept", "Refuse to accept a case, with reasons"),
    "review": ("review", "Start the review of an accepted case"),
    "approve": ("approve", "Approve a case under review"),
    "deny": ("deny", "Deny a case under review, with reasons"),
    "deliver": ("deliver", "Record the delivery of the result"),
    "close": ("close", "Close a delivered case"),
}
