"""Applications (办件): a case, who may see it, and its form.

A resident sees their own cases (and those filed for them as a family member); staff with a case
role see the cases of their departments. Personal answers (ID numbers, phones) are kept encrypted
and shown masked. The jobs on a case are beside this module: ``drafts`` (starting and editing),
``materials`` (files and e-certificates offered as materials), ``submission`` (submitting with
秒批, the applicant's later steps and fee) and ``steps`` (every workflow step and the clock);
staff queues in ``queues``, the fee in ``fees``, results in ``outcomes``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from domain.applications import catalog, fees, outcomes, prefill
from domain.applications.checklist import Line, lines_of
from domain.applications.errors import ApplicationNotEditable, ApplicationNotFound, MaterialNotFound
from domain.applications.models import Material, ServiceRequest, Transition
from domain.catalog.schema import PERSONAL_FIELD_TYPES, ItemDocument
from domain.payments.models import PaymentOrder
from domain.shared import pii
from domain.shared.actor import Actor
from domain.staff.errors import StaffScopeRequired
from domain.staff.roles import Role, authorize_any
from domain.workflows import engine

_MAX_ID = 2**63 - 1
# Editable by the applicant: a draft, and a case waiting for their supplement.
_APPLICANT_EDITABLE = frozenset({"draft", "supplement_requested"})


# -- reading -----------------------------------------------------------------------------------------


def check_id(value: int, error: type[ApplicationNotFound | MaterialNotFound]) -> None:
    if not 0 < value <= _MAX_ID:
        raise error()


def _visible_to_resident(actor: Actor) -> Q:
    # The applicant (who may be acting for a family member), and that member from their own login.
    return Q(applicant_id=actor.id) | Q(on_behalf_of__member_user_id=actor.id)


async def load(actor: Actor, request_id: int, *, using_db: BaseDBAsyncClient | None = None) -> ServiceRequest:
    """The case if ``actor`` may see it: a resident theirs, staff a case officer in its department."""
    check_id(request_id, ApplicationNotFound)
    if actor.kind == "staff":
        authorize_case_work(actor)  # before the look-up: no role, no hint whether it exists
    query = ServiceRequest.filter(id=request_id)
    if actor.kind == "resident":
        query = query.filter(_visible_to_resident(actor))
    elif actor.kind != "staff":
        raise ApplicationNotFound()
    found = await (query.using_db(using_db) if using_db is not None else query).first()
    if found is None:
        raise ApplicationNotFound()
    if using_db is not None:
        # Lock by id alone: PostgreSQL cannot lock through the outer join of the visibility check.
        found = await ServiceRequest.filter(id=found.id).using_db(using_db).select_for_update().first()
        if found is None:
            raise ApplicationNotFound()
    if actor.kind == "staff":
        check_staff_scope(actor, found)
    return found


# Who works on cases: every role a workflow's staff step names (case officers; finance, which pays
# out medical aid). Each sees the cases of the departments in its scopes; the workflow then decides
# which steps its role may take.
CASE_ROLES = tuple(Role(role) for role in engine.staff_roles())


def authorize_case_work(actor: Actor, department: str | None = None) -> None:
    authorize_any(actor, CASE_ROLES, department)


def check_staff_scope(actor: Actor, req: ServiceRequest) -> None:
    """Staff with a case role in the case's department pass; others are told it does not exist."""
    authorize_case_work(actor)  # a missing role is 403: it says nothing about the case
    try:
        authorize_case_work(actor, req.department_code)
    except StaffScopeRequired:
        raise ApplicationNotFound() from None


async def list_mine(actor: Actor, *, limit: int = 50) -> list[ServiceRequest]:
    """The resident's applications, newest first."""
    return await ServiceRequest.filter(_visible_to_resident(actor)).order_by("-id").limit(limit)


@dataclass(frozen=True)
class CaseView:
    request: ServiceRequest
    transitions: list[Transition]
    materials: list[Material]
    rating: str | None  # 好差评: "open" once the case is finished, "rated" after; None before
    fee_fen: int
    payment: PaymentOrder | None  # the fee's order (the latest, once paid again), once asked for
    fee: fees.FeeStatus  # what happens to the fee: due, closed (pay again), paid, coming back
    checklist: list[Line] | None  # the 秒批 record in words; None without 秒批 rules
    names: catalog.CaseNames  # the item's and the department's names
    prefilled: list[str]  # the form fields filled from verified records, not typed (shown read-only)


async def view(actor: Actor, request_id: int) -> CaseView:
    """A case with its timeline and materials, for its applicant or a case officer in scope."""
    req = await load(actor, request_id)
    document = await catalog.item_version(req.item_version_id)
    fee_fen = document.fee_fen
    payment = await fees.order_of(req)
    return CaseView(
        request=req,
        transitions=await Transition.filter(request_id=req.id).order_by("id"),
        materials=await Material.filter(request_id=req.id).order_by("id"),
        rating=(await outcomes.rating_state([req.id])).get(req.id),
        fee_fen=fee_fen,
        payment=payment,
        fee=await fees.status_of(req, fee_fen, payment),
        checklist=lines_of(req.rule_results, document),
        names=await catalog.names_of([req]),
        prefilled=sorted(prefill.marked(document)),
    )


# -- the form ------------------------------------------------------------------------------------------


def _secrets(req: ServiceRequest) -> dict[str, tuple[str, Any]]:
    stored: dict[str, list[Any]] = json.loads(req.form_secrets) if req.form_secrets else {}
    return {key: (kind, value) for key, (kind, value) in stored.items()}


def form_of(req: ServiceRequest) -> dict[str, Any]:
    """All form values, the encrypted personal ones in clear (for checks, never for display)."""
    return {**req.form_data, **{key: value for key, (_kind, value) in _secrets(req).items()}}


_MASKS = {"id_number": pii.mask_id_number, "phone": pii.mask_phone}


def masked_form(req: ServiceRequest) -> dict[str, Any]:
    """The form as shown: ID numbers and phones masked."""
    shown = {key: _MASKS[kind](str(value)) for key, (kind, value) in _secrets(req).items() if kind in _MASKS}
    return {**req.form_data, **shown}


def unmasked(req: ServiceRequest, form: dict[str, Any]) -> dict[str, Any]:
    """``form`` with each personal answer sent back as shown (masked) replaced by the stored one:
    an app that edits the form it read must not overwrite an ID number with its mask."""
    kept = {
        key: value
        for key, (kind, value) in _secrets(req).items()
        if kind in _MASKS and form.get(key) == _MASKS[kind](str(value))
    }
    return {**form, **kept}


def split_form(document: ItemDocument, data: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    # Personal answers (ID numbers, phones) are kept encrypted in form_secrets, the rest readable.
    kinds = {f.key: f.type for f in document.form.fields}
    plain = {k: v for k, v in data.items() if kinds.get(k) not in PERSONAL_FIELD_TYPES}
    secret = {k: [kinds[k], v] for k, v in data.items() if kinds.get(k) in PERSONAL_FIELD_TYPES}
    return plain, (json.dumps(secret, ensure_ascii=False) if secret else None)


# -- for the jobs on a case ----------------------------------------------------------------------------


def snapshot(req: ServiceRequest) -> dict[str, Any]:
    return {"state": req.state, "number": req.number, "item_code": req.item_code}


def as_applicant(actor: Actor, req: ServiceRequest) -> Actor:
    # Audit records of a case filed for a family member name that member (staff act as themselves).
    if actor.kind != "resident":
        return actor
    return Actor(
        kind=actor.kind,
        id=actor.id,
        on_behalf_of=req.on_behalf_of_id,
        identity_level=actor.identity_level,
        ip=actor.ip,
        request_id=actor.request_id,
    )


def require_editable(req: ServiceRequest) -> None:
    """Only the applicant's draft, or a case waiting for their supplement, takes their changes."""
    if req.state not in _APPLICANT_EDITABLE:
        raise ApplicationNotEditable(details={"state": req.state})
