"""Residents' applications (办件): drafts, materials, submission, withdrawal, resubmission, reading."""

from __future__ import annotations

from typing import Any

from sanic import HTTPResponse, Request, raw
from sanic_ext import openapi

from api._access import actor_of, requires
from api._idempotency import idempotent
from api._kit import body, documented, documented_media, parse_json, respond
from api.applications.schemas import (
    ApplicationOut,
    ApplicationsOut,
    CaseOut,
    CommentIn,
    CreateApplicationIn,
    MaterialOut,
    MaterialSourceIn,
    UpdateFormIn,
    applications_out,
)
from api.payments.routes import providers_of
from api.payments.schemas import OrderOut
from domain.applications import drafts, materials, service, submission
from domain.applications.errors import MaterialFileRequired
from domain.applications.materials import MaterialFile

APPLICATIONS_PATH = "/api/v1/applications"


def file_response(found: MaterialFile) -> HTTPResponse:
    """A stored material as a download; never rendered inline, never sniffed by the browser."""
    return raw(
        found.data,
        content_type=found.material.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="material-{found.material.id}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def uploaded_file(request: Request) -> dict[str, Any]:
    """The multipart ``file`` field as the service's upload arguments (400-free: a 422 when absent)."""
    upload = request.files.get("file") if request.files else None
    if upload is None:
        raise MaterialFileRequired()
    return {
        "filename": upload.name or "",
        "declared_type": upload.type or "",
        "data": upload.body,
        "max_bytes": request.app.ctx.runtime.settings.max_upload_bytes,
    }


@openapi.summary("Start an application (draft)")
@openapi.description(
    "For yourself, or with `on_behalf_of` for an active family member. Needs the item's identity level "
    "(`identity_level_required`). Refusals: `catalog_item_not_found`, `catalog_item_retired`, "
    "`applicant_kind_not_allowed`, `family_member_not_found`, `family_consent_required`."
)
@openapi.tag("applications")
@documented(ApplicationOut, 201)
@requires("resident")
@idempotent()
@body(CreateApplicationIn)
async def create(request: Request) -> HTTPResponse:
    data: CreateApplicationIn = request.ctx.body
    req = await drafts.create_draft(
        actor_of(request), item_code=data.item_code, on_behalf_of=data.on_behalf_of, form=data.form
    )
    response = respond(ApplicationOut.of(req), status=201)
    response.headers["Location"] = f"{APPLICATIONS_PATH}/{req.id}"
    return response


@openapi.summary("My applications")
@openapi.tag("applications")
@documented(ApplicationsOut)
@requires("resident")
async def list_mine(request: Request) -> HTTPResponse:
    found = await service.list_mine(actor_of(request))
    return respond(await applications_out(found))


@openapi.summary("One of my applications, with its timeline and materials")
@openapi.tag("applications")
@documented(CaseOut)
@requires("resident")
async def get_one(request: Request, request_id: int) -> HTTPResponse:
    seen = await service.view(actor_of(request), request_id)
    return respond(CaseOut.of_view(seen, locale=request.ctx.locale))


@openapi.summary("Change the answers of a draft")
@openapi.description("Also while staff wait for a supplement. Refusal: `application_not_editable`.")
@openapi.tag("applications")
@documented(ApplicationOut)
@requires("resident")
@body(UpdateFormIn)
async def update_form(request: Request, request_id: int) -> HTTPResponse:
    data: UpdateFormIn = request.ctx.body
    return respond(ApplicationOut.of(await drafts.update_form(actor_of(request), request_id, data.form)))


@openapi.summary("Add a material: upload a file, reuse an earlier one, or offer an e-certificate (免提交)")
@openapi.description(
    "`multipart/form-data` with `material_code` and `file` (PDF, JPEG or PNG, recognised by content), "
    "or JSON `{material_code, reuse_material_id}`, or JSON `{material_code, certificate_id}` for one of "
    "your e-certificates whose type the material accepts (its signed document becomes the material). "
    "Refusals: `material_too_large`, `material_type_not_allowed`, `material_disguised` (content not "
    "matching name or type), `material_code_unknown`, `material_file_required`, "
    "`material_source_required`, `material_certificate_mismatch`, `material_certificate_not_valid`, "
    "`certificate_not_found`, `application_not_editable`."
)
@openapi.tag("applications")
@documented(MaterialOut, 201)
@requires("resident")
@idempotent()
async def add_material(request: Request, request_id: int) -> HTTPResponse:
    actor = actor_of(request)
    if (request.content_type or "").startswith("multipart/form-data"):
        runtime = request.app.ctx.runtime
        material = await materials.add_material(
            actor,
            runtime.adapters.storage,
            request_id,
            material_code=str((request.form.get("material_code") if request.form else None) or ""),
            **uploaded_file(request),
        )
    else:
        source = parse_json(request, MaterialSourceIn)
        if source.certificate_id is not None:
            material = await materials.attach_certificate(
                actor,
                request.app.ctx.runtime.adapters.storage,
                request_id,
                certificate_id=source.certificate_id,
                material_code=source.material_code,
            )
        else:
            assert source.reuse_material_id is not None  # one of the two, by MaterialSourceIn
            material = await materials.reuse_material(
                actor, request_id, material_id=source.reuse_material_id, material_code=source.material_code
            )
    return respond(MaterialOut.of(material), status=201)


@openapi.summary("Download a material of my application")
@openapi.tag("applications")
@documented_media(*materials.CONTENT_TYPES.values(), description="The file, as uploaded")
@requires("resident")
async def get_material(request: Request, request_id: int, material_id: int) -> HTTPResponse:
    storage = request.app.ctx.runtime.adapters.storage
    return file_response(await materials.read_material(actor_of(request), storage, request_id, material_id))


@openapi.summary("Submit a draft")
@openapi.description(
    "Checks the form (`invalid_input` with each field's code under `form.<key>`) and the required "
    "materials (`application_materials_missing`; 容缺 materials may follow later). Items with 秒批 rules "
    "are approved at once when every rule passes; `rule_results` shows each rule either way."
)
@openapi.tag("applications")
@documented(ApplicationOut)
@requires("resident")
async def submit(request: Request, request_id: int) -> HTTPResponse:
    return respond(ApplicationOut.of(await submission.submit(actor_of(request), request_id)))


@openapi.summary("Withdraw an application before a decision")
@openapi.tag("applications")
@documented(ApplicationOut)
@requires("resident")
@body(CommentIn)
async def withdraw(request: Request, request_id: int) -> HTTPResponse:
    data: CommentIn = request.ctx.body
    return respond(
        ApplicationOut.of(await submission.withdraw(actor_of(request), request_id, comment=data.comment))
    )


@openapi.summary("Hand in the supplement staff asked for")
@openapi.tag("applications")
@documented(ApplicationOut)
@requires("resident")
@body(CommentIn)
async def resubmit(request: Request, request_id: int) -> HTTPResponse:
    data: CommentIn = request.ctx.body
    return respond(
        ApplicationOut.of(await submission.resubmit(actor_of(request), request_id, comment=data.comment))
    )


@openapi.summary("Appeal a refusal (rehabilitation aid: to the federation one level up)")
@openapi.description(
    "Only where the item's workflow allows an appeal from the current state (`invalid_transition` "
    "otherwise); the comment states the grounds (`transition_reasons_required` when empty)."
)
@openapi.tag("applications")
@documented(ApplicationOut)
@requires("resident")
@body(CommentIn)
async def appeal(request: Request, request_id: int) -> HTTPResponse:
    data: CommentIn = request.ctx.body
    return respond(
        ApplicationOut.of(await submission.appeal(actor_of(request), request_id, comment=data.comment))
    )


@openapi.summary("Pay the item's fee for a filed application (government fees by notice number)")
@openapi.description(
    "Creates the fee's payment the first time, returns the same one after: `pay_params` are WeChat Pay's, "
    "or the public payment platform's notice number (缴款码) and page; the e-receipt follows payment. "
    "A granting decision needs the fee paid (`application_fee_unpaid`). Refusal: `application_fee_not_due`."
)
@openapi.tag("applications")
@documented(OrderOut)
@requires("resident")
async def pay_fee(request: Request, request_id: int) -> HTTPResponse:
    order = await submission.pay_fee(actor_of(request), providers_of(request), request_id)
    return respond(OrderOut.of(order))
