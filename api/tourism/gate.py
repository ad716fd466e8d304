"""Gate routes: a ticket's dynamic QR code for its resident, and admission by ID number at the gate
for visitors without a phone (``/staff/tourism``). A ticket's QR code itself is scanned through
the scanning route (``POST /staff/scans``), whose action is ``domain.tourism.admission``."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import body, documented, respond
from api._labels import LabelText
from api.credentials import routes as credential_routes
from api.credentials.schemas import CodeOut
from domain.credentials.kinds import Kind
from domain.identity.documents import DocumentKind
from domain.tourism import admission, crowd, pricing, service

STAFF_SPOT = "/staff/tourism/spots/<code:str>"


class AdmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_kind: DocumentKind = Field(
        description="The document the visitor shows (`GET /identity/document-kinds`)."
    )
    document_number: str = Field(
        min_length=5,
        max_length=32,
        description="As printed; a Home Return Permit's renewal digits may differ.",
    )


class AdmissionOut(BaseModel):
    ticket_id: int
    ticket: str = Field(description="The ticket's code.")
    spot: str
    day: dt.date
    name_masked: str = Field(description="The visitor's name as the gate shows it (张*); empty if not given.")
    document_kind: str
    document_kind_label: LabelText
    document_masked: str
    category: str = Field(
        description="The price category, for the gate to check a child's or senior's discount."
    )
    category_label: LabelText
    percent: int = Field(description="Of the full price.")
    used_at: dt.datetime
    inside: int
    limit: int = Field(description="Inside at once at most: the instantaneous maximum × policy.")
    level: str
    level_label: LabelText

    @classmethod
    def of(cls, admitted: admission.Admitted) -> AdmissionOut:
        ticket, count = admitted.ticket, admitted.count
        assert ticket.used_at is not None  # admitted: used
        return cls(
            ticket_id=ticket.id,
            ticket=ticket.code,
            spot=admitted.spot.code,
            day=ticket.day,
            name_masked=ticket.name_masked,
            document_kind=ticket.document_kind,
            document_kind_label=DocumentKind(ticket.document_kind).label,
            document_masked=ticket.document_masked,
            category=ticket.category,
            category_label=pricing.category_label(ticket.category),
            percent=ticket.percent,
            used_at=ticket.used_at,
            inside=count.inside,
            limit=count.limit,
            level=count.level.value,
            level_label=crowd.LABELS[count.level],
        )


@openapi.summary("A ticket's dynamic QR code, to show at the gate")
@openapi.description(
    "The resident's own ticket, confirmed (paid or free) and not for a past day. Fetch the next code "
    "at `refresh_at`. Refused with `ticket_not_found` (404, also another's ticket), "
    "`ticket_not_admissible` (409, not paid or ended), `ticket_already_used` (409), "
    "`ticket_not_today` (409, its day is past). Scanned at the gate through `POST /staff/scans`, which "
    "admits it within its entry window only (`ticket_not_yet`, `ticket_entry_passed`)."
)
@openapi.tag("tourism")
@documented(CodeOut)
@requires("resident")
async def credential(request: Request, ticket_id: int) -> HTTPResponse:
    # The same code and rendering as the credential route of every kind (one place for both).
    return await credential_routes.code(request, Kind.TICKET.value, ticket_id)


@openapi.summary("Admit a visitor by their ID number (no phone, no QR code)")
@openapi.description(
    "Staff with the `scanner` role for the spot's code. Finds the visitor's ticket for today at this "
    "spot by the document (a Home Return Permit by its first 9 characters, whatever its renewal digits), "
    "marks it used and counts the entry, together, within the ticket's entry window (the spot's rules, "
    "`entry`: by default from 30 minutes before its slot until the slot ends). Refused with "
    "`ticket_not_found` (404: no live ticket today), `ticket_already_used`, `ticket_not_admissible` (not "
    "paid), `ticket_not_yet` and `ticket_entry_passed` (409, outside the window: `details` `opens`, "
    "`closes` (hh:mm) and `opens_at`, `closes_at` in China time; the ticket stays unused), "
    "`spot_at_instant_max` (409, one out, one in: the ticket stays unused), the document's own "
    "(`document_number_format_invalid`, "
    "`document_check_digit_invalid`), `spot_not_found`, `staff_role_required`, `staff_scope_required`."
)
@openapi.tag("tourism")
@documented(AdmissionOut)
@requires("staff")
@body(AdmissionIn)
async def admit(request: Request, code: str) -> HTTPResponse:
    data: AdmissionIn = request.ctx.body
    spot = await service.spot_by_code(code)
    admitted = await admission.admit_by_document(
        actor_of(request), spot, data.document_kind, data.document_number
    )
    return respond(AdmissionOut.of(admitted))


def add_routes(bp: Blueprint) -> None:
    """Add this module's routes to the tourism blueprint."""
    bp.add_route(
        credential, "/tourism/tickets/<ticket_id:id>/credential", methods=["GET"], name="ticket_credential"
    )
    bp.add_route(admit, f"{STAFF_SPOT}/admissions", methods=["POST"], name="gate_admission")
