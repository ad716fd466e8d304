"""Family members: the list, adding and removing, answering invitations, proving guardianship of a
child; and the case officers' check of birth certificates."""

from __future__ import annotations

from sanic import HTTPResponse, Request, empty, raw
from sanic_ext import openapi

from api._access import actor_of, requires
from api._idempotency import idempotent
from api._kit import body, documented, documented_media, respond
from api.applications.routes import uploaded_file
from api.family.schemas import (
    AddMemberIn,
    CertificatesToCheckOut,
    CertificateToCheckOut,
    InvitationOut,
    InvitationsOut,
    MemberOut,
    MembersOut,
    ProofOut,
    RefuseIn,
)
from domain.applications.materials import CONTENT_TYPES
from domain.family import birth_certificates, service

FAMILY_PATH = "/api/v1/family"


@openapi.summary("My family members")
@openapi.tag("family")
@documented(MembersOut)
@requires("resident")
async def list_members(request: Request) -> HTTPResponse:
    members = await service.list_members(actor_of(request))
    return respond(MembersOut(items=[MemberOut.of(m) for m in members]))


@openapi.summary("Add a family member")
@openapi.description(
    "Needs real-name verification (L3, `identity_level_required`). A child under 14 is active at once "
    "and asked about in the population register: `guardianship` is `proven` when the register lists "
    "you among the child's guardians, else `pending` (nobody acts for the child until a later check "
    "confirms or staff accept the child's birth certificate). Anyone older stays `pending_consent` "
    "until they accept in their own app after verifying the same ID number. Refusals: "
    "`id_number_invalid`, `family_relation_not_allowed`, `family_member_is_self`, "
    "`family_member_duplicate`, `family_limit_reached`."
)
@openapi.tag("family")
@documented(MemberOut, 201)
@requires("resident")
@body(AddMemberIn)
async def add_member(request: Request) -> HTTPResponse:
    data: AddMemberIn = request.ctx.body
    added = await service.add_member(
        actor_of(request),
        request.app.ctx.runtime.adapters.population,
        relation=data.relation,
        name=data.name,
        id_number=data.id_number,
    )
    response = respond(MemberOut.of(added), status=201)
    response.headers["Location"] = f"{FAMILY_PATH}/{added.member.id}"
    return response


@openapi.summary("Ask the population register again whether I am this child's guardian")
@openapi.description(
    "For a child whose guardianship is `pending` or `refused` (the register was down, or has been "
    "updated). Refusals: `family_member_not_found`, `family_member_ended`, `guardianship_not_pending`."
)
@openapi.tag("family")
@documented(MemberOut)
@requires("resident")
async def check_guardianship(request: Request, member_id: int) -> HTTPResponse:
    runtime = request.app.ctx.runtime
    checked = await service.check_guardianship(actor_of(request), runtime.adapters.population, member_id)
    return respond(MemberOut.of(checked))


@openapi.summary("Send the child's birth certificate (出生医学证明) for staff to check")
@openapi.description(
    "`multipart/form-data` with `file` (PDF, JPEG or PNG, recognised by content). Replaces one still "
    "waiting. Refusals: `guardianship_not_pending`, `family_member_ended`, `material_too_large`, "
    "`material_type_not_allowed`, `material_disguised`, `material_file_required`."
)
@openapi.tag("family")
@documented(MemberOut, 201)
@requires("resident")
@idempotent()
async def submit_birth_certificate(request: Request, member_id: int) -> HTTPResponse:
    submitted = await birth_certificates.submit(
        actor_of(request), request.app.ctx.runtime.adapters.storage, member_id, **uploaded_file(request)
    )
    return respond(MemberOut.of(submitted), status=201)


@openapi.summary("Remove a family member")
@openapi.tag("family")
@openapi.response(204, description="Removed")
@requires("resident")
async def remove_member(request: Request, member_id: int) -> HTTPResponse:
    await service.remove_member(actor_of(request), member_id)
    return empty()


@openapi.summary("Invitations to be someone's family member, awaiting my answer")
@openapi.description("Found by my verified ID number; empty until I have verified my real name.")
@openapi.tag("family")
@documented(InvitationsOut)
@requires("resident")
async def list_invitations(request: Request) -> HTTPResponse:
    invitations = await service.list_invitations(actor_of(request))
    return respond(InvitationsOut(items=[InvitationOut.of(m) for m in invitations]))


@openapi.summary("Accept an invitation: the inviting resident may act for me")
@openapi.tag("family")
@documented(InvitationOut)
@requires("resident")
async def accept_invitation(request: Request, member_id: int) -> HTTPResponse:
    return respond(InvitationOut.of(await service.accept_invitation(actor_of(request), member_id)))


@openapi.summary("Decline an invitation")
@openapi.tag("family")
@documented(InvitationOut)
@requires("resident")
async def decline_invitation(request: Request, member_id: int) -> HTTPResponse:
    return respond(InvitationOut.of(await service.decline_invitation(actor_of(request), member_id)))


# -- case officers: birth certificates to check --------------------------------------------------------


@openapi.summary("Birth certificates waiting for a check in my regions")
@openapi.description(
    "Case officers (`case_officer`) whose departments cover the child's county of registration (the "
    "ID number's address code; a city or province department covers what lies under it). Oldest first."
)
@openapi.tag("family")
@documented(CertificatesToCheckOut)
@requires("staff")
async def certificates_to_check(request: Request) -> HTTPResponse:
    found = await birth_certificates.to_check(actor_of(request))
    return respond(CertificatesToCheckOut(items=[CertificateToCheckOut.of(c) for c in found]))


@openapi.summary("Download a birth certificate to check")
@openapi.tag("family")
@documented_media(
    *CONTENT_TYPES.values(), "application/octet-stream", description="The certificate, as uploaded"
)
@requires("staff")
async def certificate_file(request: Request, proof_id: int) -> HTTPResponse:
    storage = request.app.ctx.runtime.adapters.storage
    found = await birth_certificates.read_file(actor_of(request), storage, proof_id)
    return raw(
        found.data,
        content_type=found.proof.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="birth-certificate-{found.proof.id}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@openapi.summary("Accept a birth certificate: the resident is proven the child's guardian")
@openapi.description("Refusals: `guardianship_proof_not_found`, `guardianship_proof_decided`.")
@openapi.tag("family")
@documented(ProofOut)
@requires("staff")
async def approve_certificate(request: Request, proof_id: int) -> HTTPResponse:
    return respond(ProofOut.of(await birth_certificates.approve(actor_of(request), proof_id)))


@openapi.summary("Refuse a birth certificate, saying why (the resident reads it)")
@openapi.description(
    "Refusals: `guardianship_proof_not_found`, `guardianship_proof_decided`, `guardianship_reason_required`."
)
@openapi.tag("family")
@documented(ProofOut)
@requires("staff")
@body(RefuseIn)
async def refuse_certificate(request: Request, proof_id: int) -> HTTPResponse:
    data: RefuseIn = request.ctx.body
    return respond(ProofOut.of(await birth_certificates.refuse(actor_of(request), proof_id, data.reason)))
