"""Family members: the list, adding and removing, and answering invitations."""

from __future__ import annotations

from sanic import HTTPResponse, Request, empty
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import body, documented, respond
from api.family.schemas import AddMemberIn, InvitationOut, InvitationsOut, MemberOut, MembersOut
from domain.family import service

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
    "Needs real-name verification (L3, `identity_level_required`). A child under 14 is active at once; "
    "anyone older stays `pending_consent` until they accept in their own app after verifying the same "
    "ID number. Refusals: `id_number_invalid`, `family_relation_not_allowed`, `family_member_is_self`, "
    "`family_member_duplicate`, `family_limit_reached`."
)
@openapi.tag("family")
@documented(MemberOut, 201)
@requires("resident")
@body(AddMemberIn)
async def add_member(request: Request) -> HTTPResponse:
    data: AddMemberIn = request.ctx.body
    member = await service.add_member(
        actor_of(request), relation=data.relation, name=data.name, id_number=data.id_number
    )
    response = respond(MemberOut.of(member), status=201)
    response.headers["Location"] = f"{FAMILY_PATH}/{member.id}"
    return response


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
