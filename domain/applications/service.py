"""Applications (办件): drafts, materials, submission with 秒批, and every step of the workflow.

Every state change goes through :func:`_step`: the workflow definition decides whether it is
allowed (409 ``invalid_transition`` otherwise), the clock is moved in working days, and the new
state, its ``Transition`` row, the audit record and the ``applications.status_changed`` outbox
message are written in one transaction on the locked row.

The clock (seed 002, 承诺时限/法定时限): it starts on acceptance (受理); promised and legal due
dates are that day plus the item's limits in working days. While the case waits for the applicant
(补正) the clock is paused, and on resubmission both due dates move by the working days paused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from adapters.storage.port import Storage, StoredFileMissing
from domain.accounts.models import User
from domain.aid.items import derived_form
from domain.applications import catalog, fees, outcomes
from domain.applications.errors import (
    ApplicantKindNotAllowed,
    ApplicationNotEditable,
    ApplicationNotFound,
    AttachmentUnknown,
    CaseNotClaimed,
    MaterialCertificateMismatch,
    MaterialCertificateNotValid,
    MaterialCodeUnknown,
    MaterialDisguised,
    MaterialNotFound,
    MaterialsMissing,
    MaterialTooLarge,
    MaterialTypeNotAllowed,
    PublicNoticeRunning,
    ReasonsRequired,
    SeparationOfDuties,
    SupplementDeadlineInvalid,
)
from domain.applications.models import Material, ServiceRequest, Transition, WarningLevel
from domain.applications.rules import RuleResult, evaluate
from domain.audit import service as audit
from domain.catalog.schema import PERSONAL_FIELD_TYPES, ItemDocument
from domain.certificates import service as certificates
from domain.certificates import types as certificate_types
from domain.family import service as family
from domain.family.models import FamilyMember
from domain.identity.service import age_on, birth_date_of, require_level, today
from domain.outbox.service import enqueue
from domain.payments.models import PaymentOrder
from domain.payments.service import Providers
from domain.shared import clock, pii
from domain.shared.actor import Actor
from domain.shared.errors import PlatformUnavailable
from domain.staff.errors import StaffScopeRequired
from domain.staff.roles import Role, authorize_any
from domain.workdays.service import WorkCalendar, calendar_around
from domain.workflows import engine

STATUS_CHANGED_TOPIC = "applications.status_changed"
_MAX_ID = 2**63 - 1
# Editable by the applicant: a draft, and a case waiting for their supplement.
_APPLICANT_EDITABLE = frozenset({"draft", "supplement_requested"})
MAX_SUPPLEMENT_DAYS = 60
MAX_COMMENT_CHARS = 2000


# -- reading -----------------------------------------------------------------------------------------


def _check_id(value: int, error: type[ApplicationNotFound | MaterialNotFound]) -> None:
    if not 0 < value <= _MAX_ID:
        raise error()


def _visible_to_resident(actor: Actor) -> Q:
    # The applicant (who may be acting for a family member), and that member from their own login.
    return Q(applicant_id=actor.id) | Q(on_behalf_of__member_user_id=actor.id)


async def _load(
    actor: Actor, request_id: int, *, using_db: BaseDBAsyncClient | None = None
) -> ServiceRequest:
    """The case if ``actor`` may see it: a resident theirs, staff a case officer in its department."""
    _check_id(request_id, ApplicationNotFound)
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
    payment: PaymentOrder | None  # the fee's order, once asked for


async def view(actor: Actor, request_id: int) -> CaseView:
    """A case with its timeline and materials, for its applicant or a case officer in scope."""
    req = await _load(actor, request_id)
    return CaseView(
        request=req,
        transitions=await Transition.filter(request_id=req.id).order_by("id"),
        materials=await Material.filter(request_id=req.id).order_by("id"),
        rating=(await outcomes.rating_state([req.id])).get(req.id),
        fee_fen=(await catalog.item_version(req.item_version_id)).fee_fen,
        payment=await fees.order_of(req),
    )


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


def _unmasked(req: ServiceRequest, form: dict[str, Any]) -> dict[str, Any]:
    """``form`` with each personal answer sent back as shown (masked) replaced by the stored one:
    an app that edits the form it read must not overwrite an ID number with its mask."""
    kept = {
        key: value
        for key, (kind, value) in _secrets(req).items()
        if kind in _MASKS and form.get(key) == _MASKS[kind](str(value))
    }
    return {**form, **kept}


# -- drafts ------------------------------------------------------------------------------------------


def _new_number() -> str:
    # Date + 8 random digits: not guessable, not sequential (the count of cases is not public).
    return f"{today():%Y%m%d}{secrets.randbelow(10**8):08d}"


def _split_form(document: ItemDocument, data: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    # Personal answers (ID numbers, phones) are kept encrypted in form_secrets, the rest readable.
    kinds = {f.key: f.type for f in document.form.fields}
    plain = {k: v for k, v in data.items() if kinds.get(k) not in PERSONAL_FIELD_TYPES}
    secret = {k: [kinds[k], v] for k, v in data.items() if kinds.get(k) in PERSONAL_FIELD_TYPES}
    return plain, (json.dumps(secret, ensure_ascii=False) if secret else None)


def _snapshot(req: ServiceRequest) -> dict[str, Any]:
    return {"state": req.state, "number": req.number, "item_code": req.item_code}


async def create_draft(
    actor: Actor, *, item_code: str, on_behalf_of: int | None = None, form: dict[str, Any] | None = None
) -> ServiceRequest:
    """Start a draft for ``item_code``, for oneself or an active family member."""
    item = await catalog.current_item(item_code)
    document = item.document
    require_level(actor, document.min_identity_level)
    kind = "self" if on_behalf_of is None else "family_member"
    if kind not in document.applicant_kinds:
        raise ApplicantKindNotAllowed(details={"allowed": list(document.applicant_kinds)})
    acting = actor if on_behalf_of is None else await family.acting_for(actor, on_behalf_of)
    workflow = engine.get(document.workflow)
    plain, secret = _split_form(document, form or {})
    now = clock.now()
    for _attempt in range(3):
        try:
            async with in_transaction() as conn:
                req = await ServiceRequest.create(
                    number=_new_number(),
                    applicant_id=actor.id,
                    on_behalf_of_id=acting.on_behalf_of,
                    item_code=item.item_code,
                    item_version_id=item.version_id,
                    department_code=document.department,
                    workflow_code=workflow.code,
                    state=workflow.initial,
                    form_data=plain,
                    form_secrets=secret,
                    created_at=now,
                    updated_at=now,
                    using_db=conn,
                )
                await audit.record(
                    acting,
                    "applications.draft_created",
                    target_type="service_request",
                    target_id=req.id,
                    after={**_snapshot(req), "item_version_id": item.version_id},
                    using_db=conn,
                )
            return req
        except IntegrityError:
            continue  # the random number was taken: draw another
    raise PlatformUnavailable(details={"service": "application_number"})


async def update_form(actor: Actor, request_id: int, form: dict[str, Any]) -> ServiceRequest:
    """Replace the form answers of a draft (or of a case waiting for a supplement)."""
    async with in_transaction() as conn:
        req = await _load(actor, request_id, using_db=conn)
        if req.state not in _APPLICANT_EDITABLE:
            raise ApplicationNotEditable(details={"state": req.state})
        document = await catalog.item_version(req.item_version_id)
        req.form_data, req.form_secrets = _split_form(document, _unmasked(req, form))
        req.updated_at = clock.now()
        await req.save(using_db=conn, update_fields=["form_data", "form_secrets", "updated_at"])
        await audit.record(
            _as_applicant(actor, req),
            "applications.form_updated",
            target_type="service_request",
            target_id=req.id,
            after={"fields": sorted(form)},  # which answers changed hands, never their values
            using_db=conn,
        )
    return req


def _as_applicant(actor: Actor, req: ServiceRequest) -> Actor:
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


# -- materials ---------------------------------------------------------------------------------------

_MAGIC = (("pdf", b"%PDF-"), ("jpeg", b"\xff\xd8\xff"), ("png", b"\x89PNG\r\n\x1a\n"))
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
_EXTENSIONS = {"pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "png": "png"}
_GENERIC_TYPES = frozenset({"", "application/octet-stream"})
# A certificate offered as a material is stored as its signed JSON (never an upload's type).
CERTIFICATE_CONTENT_TYPE = "application/json"


def sniff(data: bytes) -> str | None:
    """The file type by its magic bytes: ``pdf``, ``jpeg``, ``png``, or None."""
    return next((kind for kind, magic in _MAGIC if data.startswith(magic)), None)


def check_file(data: bytes, *, filename: str, declared_type: str, max_bytes: int) -> str:
    """The sniffed type of an upload, refusing oversized, unknown and disguised files."""
    if len(data) > max_bytes:
        raise MaterialTooLarge(details={"limit": max_bytes})
    allowed = sorted(CONTENT_TYPES.values())
    detected = sniff(data)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    claimed_by_name = _EXTENSIONS.get(extension)
    declared = declared_type.split(";")[0].strip().lower()
    claimed_by_type = next((k for k, v in CONTENT_TYPES.items() if v == declared), None)
    if detected is None:
        raise MaterialTypeNotAllowed(details={"allowed": allowed})
    if extension and claimed_by_name is None:
        # A PDF named .exe is still refused: what it is called is how other programs will open it.
        raise MaterialDisguised(details={"detected": CONTENT_TYPES[detected], "claimed": extension[:16]})
    if declared not in _GENERIC_TYPES and claimed_by_type != detected:
        raise MaterialDisguised(details={"detected": CONTENT_TYPES[detected], "claimed": declared[:64]})
    if claimed_by_name is not None and claimed_by_name != detected:
        raise MaterialDisguised(details={"detected": CONTENT_TYPES[detected], "claimed": extension[:16]})
    return detected


def _material_code(document: ItemDocument, code: str) -> str:
    allowed = [m.code for m in document.materials]
    if code not in allowed:
        raise MaterialCodeUnknown(details={"allowed": allowed})
    return code


def _safe_filename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:120]


async def add_material(
    actor: Actor,
    storage: Storage,
    request_id: int,
    *,
    material_code: str,
    filename: str,
    declared_type: str,
    data: bytes,
    max_bytes: int,
) -> Material:
    """Upload a file for one of the item's materials (a draft, or a case waiting for a supplement)."""
    kind = check_file(data, filename=filename, declared_type=declared_type, max_bytes=max_bytes)
    req = await _load(actor, request_id)
    _require_editable(req)
    _material_code(await catalog.item_version(req.item_version_id), material_code)
    stored = await _store(storage, data, CONTENT_TYPES[kind], _safe_filename(filename))
    return await _attach(actor, request_id, material_code=material_code, fields=stored)


STAFF_ATTACHMENT = "staff_attachment"  # the material code of files staff add (a decision letter...)


async def add_staff_attachment(
    actor: Actor,
    storage: Storage,
    request_id: int,
    *,
    filename: str,
    declared_type: str,
    data: bytes,
    max_bytes: int,
) -> Material:
    """A file the officer holding the case adds, to cite in a step's ``attachments``; the applicant
    can read it too (a written decision, a notice)."""
    kind = check_file(data, filename=filename, declared_type=declared_type, max_bytes=max_bytes)
    req = await _load(actor, request_id)
    if req.claimed_by_id != actor.id:
        raise CaseNotClaimed()
    stored = await _store(storage, data, CONTENT_TYPES[kind], _safe_filename(filename))
    return await _attach(
        actor, request_id, material_code=STAFF_ATTACHMENT, fields={**stored, "uploaded_by": "staff"}
    )


async def _store(storage: Storage, data: bytes, content_type: str, filename: str) -> dict[str, Any]:
    """Put ``data`` in storage under its SHA-256; the material columns that describe it."""
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}"
    # Content-addressed: the same bytes uploaded twice are stored once, and a row rolled back
    # later leaves at most a file that a later identical upload reuses.
    await storage.put(key, data)
    return {
        "file_key": key,
        "sha256": digest,
        "content_type": content_type,
        "size": len(data),
        "filename": filename,
    }


async def reuse_material(actor: Actor, request_id: int, *, material_id: int, material_code: str) -> Material:
    """Attach a file the applicant uploaded for an earlier case, without uploading it again."""
    _check_id(material_id, MaterialNotFound)
    source = await Material.filter(id=material_id, owner_id=actor.id, uploaded_by="applicant").first()
    if source is None:
        raise MaterialNotFound()
    req = await _load(actor, request_id)
    _require_editable(req)
    _material_code(await catalog.item_version(req.item_version_id), material_code)
    return await _attach(
        actor,
        request_id,
        material_code=material_code,
        fields={
            "file_key": source.file_key,
            "sha256": source.sha256,
            "content_type": source.content_type,
            "size": source.size,
            "filename": source.filename,
            "reused_from_id": source.id,
            "certificate_id": source.certificate_id,
        },
    )


async def attach_certificate(
    actor: Actor, storage: Storage, request_id: int, *, certificate_id: int, material_code: str
) -> Material:
    """Offer one of the applicant's e-certificates instead of uploading a material (免提交).

    The material's file is the signed certificate (JSON, as issued): staff read and verify what was
    offered, whatever happens to the certificate later.
    """
    req = await _load(actor, request_id)
    _require_editable(req)
    document = await catalog.item_version(req.item_version_id)
    _material_code(document, material_code)
    cert = await certificates.get_own(actor, certificate_id)  # someone else's is not found
    accepted = next(m.certificate_type for m in document.materials if m.code == material_code)
    offered = certificate_types.BY_CODE.get(cert.type_code)
    if accepted is None or offered is None or offered.key != accepted:
        raise MaterialCertificateMismatch(details={"accepted": accepted})
    validity = certificates.validity(cert)
    if validity is not certificates.Validity.VALID:
        raise MaterialCertificateNotValid(details={"validity": validity.value})
    data = json.dumps(certificates.signed(cert).as_dict(), ensure_ascii=False, sort_keys=True).encode()
    stored = await _store(storage, data, CERTIFICATE_CONTENT_TYPE, f"{cert.number}.json")
    return await _attach(
        actor, request_id, material_code=material_code, fields={**stored, "certificate_id": cert.id}
    )


def _require_editable(req: ServiceRequest) -> None:
    if req.state not in _APPLICANT_EDITABLE:
        raise ApplicationNotEditable(details={"state": req.state})


async def _attach(actor: Actor, request_id: int, *, material_code: str, fields: dict[str, Any]) -> Material:
    async with in_transaction() as conn:
        req = await _load(actor, request_id, using_db=conn)  # locked: the state cannot move meanwhile
        if actor.kind == "staff":
            if req.claimed_by_id != actor.id:
                raise CaseNotClaimed()
        else:
            _require_editable(req)
        material = await Material.create(
            request_id=req.id,
            owner_id=req.applicant_id,
            material_code=material_code,
            created_at=clock.now(),
            using_db=conn,
            **fields,
        )
        await audit.record(
            _as_applicant(actor, req),
            "applications.material_added",
            target_type="service_request",
            target_id=req.id,
            after={
                "material_id": material.id,
                "material_code": material_code,
                "sha256": material.sha256,
                "reused_from": material.reused_from_id,
                "certificate_id": material.certificate_id,
            },
            using_db=conn,
        )
    return material


@dataclass(frozen=True)
class MaterialFile:
    material: Material
    data: bytes


async def read_material(actor: Actor, storage: Storage, request_id: int, material_id: int) -> MaterialFile:
    """A material's file: for the applicant, the member it was filed for, and case officers in scope."""
    _check_id(material_id, MaterialNotFound)
    req = await _load(actor, request_id)
    material = await Material.filter(id=material_id, request_id=req.id).first()
    if material is None:
        raise MaterialNotFound()
    try:
        return MaterialFile(material, await storage.get(material.file_key))
    except StoredFileMissing as exc:
        raise PlatformUnavailable(details={"service": "storage"}) from exc


# -- submission and 秒批 -------------------------------------------------------------------------------

RuleOutcome = dict[str, Any]


async def platform_facts(req: ServiceRequest) -> dict[str, Any]:
    """What the platform holds about the people on a case, for 秒批 rules (never shown in clear)."""
    user = await User.get(id=req.applicant_id)
    day = today()
    applicant_age = age_on(birth_date_of(user.id_number), day) if user.id_number else None
    subject: dict[str, Any] = {
        "relation": "self",
        "age": applicant_age,
        "identity_level": user.identity_level,
    }
    if req.on_behalf_of_id is not None:
        member = await FamilyMember.get_or_none(id=req.on_behalf_of_id)
        if member is not None:
            subject = {"relation": str(member.relation), "age": age_on(member.birth_date, day)}
    return {
        "applicant": {"identity_level": user.identity_level, "age": applicant_age},
        "subject": subject,
        "today": day.isoformat(),
    }


async def submit(actor: Actor, request_id: int) -> ServiceRequest:
    """Submit a draft: the form and materials are checked, then 秒批 rules decide or staff take it."""
    req = await _load(actor, request_id)
    # The state first: a submitted case gets invalid_transition, not a verdict on its old form.
    engine.check(engine.get(req.workflow_code), req.state, "submit", actor)
    document = await catalog.item_version(req.item_version_id)
    # The catalogue's check: each bad answer listed with its own code (InvalidInput, 422).
    form = catalog.validate_form(document, form_of(req))
    present = {m.material_code for m in await Material.filter(request_id=req.id).only("id", "material_code")}
    missing = [m.code for m in document.materials if m.required and not m.tolerated and m.code not in present]
    if missing:
        raise MaterialsMissing(details={"materials": missing})
    # Rules also read values computed from the answers (an aid scheme's sums, an age on a cut-off day).
    facts = {**(await platform_facts(req)), "form": derived_form(req.workflow_code, form, today())}
    result: RuleResult | None = None
    if document.instant_rules is not None:
        result = evaluate(document.instant_rules, facts)
    async with in_transaction() as conn:
        locked = await _load(actor, request_id, using_db=conn)
        locked.rule_results = result.as_dict() if result else None
        locked.form_data, locked.form_secrets = _split_form(document, form)  # the cleaned answers
        await _step(conn, locked, "submit", _as_applicant(actor, locked), document=document)
        workflow = engine.get(locked.workflow_code)
        instant = (
            result is not None and result.passed and "instant_approve" in workflow.open_from(locked.state)
        )
        if instant and await fees.settled(locked, document):  # an unpaid fee sends it to staff
            await _step(
                conn,
                locked,
                "instant_approve",
                Actor.system(actor.request_id),
                document=document,
                comment="instant approval: every rule passed",
            )
    return locked


async def withdraw(actor: Actor, request_id: int, *, comment: str = "") -> ServiceRequest:
    """The applicant withdraws a case before a decision."""
    return await act(actor, request_id, "withdraw", comment=comment)


async def resubmit(actor: Actor, request_id: int, *, comment: str = "") -> ServiceRequest:
    """The applicant hands in the supplement staff asked for; the clock runs again."""
    return await act(actor, request_id, "resubmit", comment=comment)


async def pay_fee(actor: Actor, providers: Providers, request_id: int) -> PaymentOrder:
    """The applicant pays the item's fee for a filed case (``application_fee_not_due`` otherwise)."""
    return await fees.pay(providers, await _load(actor, request_id))


async def appeal(actor: Actor, request_id: int, *, comment: str) -> ServiceRequest:
    """The applicant appeals a refusal, where the workflow allows one; the comment gives the grounds."""
    return await act(actor, request_id, "appeal", comment=comment)


# -- acting on a case ----------------------------------------------------------------------------------


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
        req = await _load(actor, request_id, using_db=conn)
        if actor.kind == "staff" and req.claimed_by_id != actor.id:
            raise CaseNotClaimed()
        if attachments:
            found = await Material.filter(request_id=req.id, id__in=attachments).using_db(conn).count()
            if found != len(set(attachments)):
                raise AttachmentUnknown(details={"material_ids": sorted(set(attachments))[:20]})
        document = await catalog.item_version(req.item_version_id)
        acting = _as_applicant(actor, req)
        await _step(
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


async def _step(
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
    if spec.reviewer and workflow.separate_acceptance_review and req.accepted_by_id == actor.id:
        raise SeparationOfDuties()
    if spec.grants:
        await fees.require_settled(req, document)
    cal = await calendar_around(day)
    if spec.pauses_clock:
        _check_supplement_due(cal, day, supplement_due_on)
    before = _snapshot(req)
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
        after={**_snapshot(req), "reasons": reasons or [], "attachments": attachments or []},
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
        await outcomes.issue_result(req, document, form_of(req), conn)
    if outcomes.finishes(workflow, spec):
        await outcomes.mark_finished(req, conn)
    follow_up = outcomes.follow_up(workflow, req.state, document)
    if follow_up is not None:
        await _step(conn, req, follow_up, Actor.system(actor.request_id), document=document)


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
