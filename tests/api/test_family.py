"""Family members over HTTP: who may be added, consent, limits, and acting for a member."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest

from domain.audit.models import AuditRecord
from domain.family import service
from domain.family.errors import FamilyConsentRequired, FamilyMemberNotFound
from domain.family.models import FamilyMember, MemberStatus
from domain.shared.actor import Actor
from tests.support.apps import error_code
from tests.support.residents import Resident, login, new_id_number, verified, verify

FAMILY = "/api/v1/family"
INVITATIONS = "/api/v1/family/invitations"


async def add(
    client: httpx.AsyncClient, owner: Resident, relation: str, name: str, number: str
) -> httpx.Response:
    return await client.post(
        FAMILY, json={"relation": relation, "name": name, "id_number": number}, headers=owner.headers
    )


def actor_of(resident: Resident, level: int = 3) -> Actor:
    return Actor(kind="resident", id=resident.id, identity_level=level)


# -- adding --------------------------------------------------------------------------------------


async def test_a_child_under_14_is_added_by_the_guardian_and_active_at_once(
    client: httpx.AsyncClient,
) -> None:
    parent = await verified(client, "parent")
    number = new_id_number(years_old=6)
    r = await add(client, parent, "child", "王小明", number)
    assert r.status_code == 201
    member = r.json()
    assert member["status"] == "active" and member["is_minor"] is True and member["relation"] == "child"
    assert member["name"] == "王**" and member["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in r.text and "王小明" not in r.text
    assert r.headers["location"] == f"{FAMILY}/{member['id']}"
    listed = (await client.get(FAMILY, headers=parent.headers)).json()
    assert listed == {"items": [member], "limit": 5}
    audit = await AuditRecord.get(action="family.member_added")
    assert (audit.actor_id, audit.target_id) == (parent.id, str(member["id"]))
    assert audit.after == {
        "relation": "child",
        "status": "active",
        "name": "王**",
        "id_number": member["id_number"],
        "minor": True,
    }


async def test_a_child_under_14_cannot_be_added_as_a_spouse_or_parent(client: httpx.AsyncClient) -> None:
    parent = await verified(client, "parent")
    for relation in ("spouse", "parent"):
        r = await add(client, parent, relation, "王小明", new_id_number(years_old=10))
        assert r.status_code == 422 and error_code(r) == "family_relation_not_allowed", relation
    assert (await add(client, parent, "other", "外甥", new_id_number(years_old=10))).status_code == 201


async def test_only_a_verified_resident_may_add_family_members(client: httpx.AsyncClient) -> None:
    stranger = await login(client, "stranger")
    r = await add(client, stranger, "child", "王小明", new_id_number(years_old=6))
    assert r.status_code == 403 and error_code(r) == "identity_level_required"
    assert r.json()["error"]["details"] == {"required": "L3", "current": "L1"}
    assert await FamilyMember.all().count() == 0


async def test_id_numbers_and_relations_are_checked(client: httpx.AsyncClient) -> None:
    parent = await verified(client, "parent")
    bad_checksum = await add(client, parent, "child", "王小明", "110101201001011230")
    assert bad_checksum.status_code == 422 and error_code(bad_checksum) == "id_number_invalid"
    unborn = await add(client, parent, "child", "王小明", new_id_number(born=dt.date(2090, 1, 1)))
    assert unborn.status_code == 422 and error_code(unborn) == "id_number_invalid"
    relation = await add(client, parent, "cousin", "王小明", new_id_number(years_old=6))
    assert relation.status_code == 422
    assert relation.json()["error"]["details"]["fields"][0]["code"] == "not_allowed"
    blank = await add(client, parent, "child", "   ", new_id_number(years_old=6))
    assert blank.status_code == 422 and error_code(blank) == "name_invalid"


async def test_nobody_is_added_twice_and_nobody_adds_themselves(client: httpx.AsyncClient) -> None:
    own_number = new_id_number(years_old=35)
    parent = await login(client, "parent")
    await verify(client, parent, name="王大明", id_number=own_number)
    assert (await add(client, parent, "other", "王大明", own_number)).json()["error"][
        "code"
    ] == "family_member_is_self"
    child = new_id_number(years_old=6)
    assert (await add(client, parent, "child", "王小明", child)).status_code == 201
    again = await add(client, parent, "child", "王小明", child.lower())
    assert again.status_code == 409 and error_code(again) == "family_member_duplicate"


async def test_at_most_five_family_members(client: httpx.AsyncClient) -> None:
    parent = await verified(client, "parent")
    for age in range(1, 6):
        assert (await add(client, parent, "child", "王小明", new_id_number(years_old=age))).status_code == 201
    sixth = await add(client, parent, "child", "王小明", new_id_number(years_old=7))
    assert sixth.status_code == 409 and error_code(sixth) == "family_limit_reached"
    assert sixth.json()["error"]["details"] == {"limit": 5}
    assert "5" in sixth.json()["error"]["message"]
    assert await FamilyMember.all().count() == 5


async def test_removing_a_member_is_audited_and_only_the_owner_may(client: httpx.AsyncClient) -> None:
    parent = await verified(client, "parent")
    other = await verified(client, "other")
    member = (await add(client, parent, "child", "王小明", new_id_number(years_old=6))).json()
    assert (await client.delete(f"{FAMILY}/{member['id']}", headers=other.headers)).status_code == 404
    r = await client.delete(f"{FAMILY}/{member['id']}", headers=parent.headers)
    assert r.status_code == 204
    assert (await client.delete(f"{FAMILY}/{member['id']}", headers=parent.headers)).status_code == 404
    assert (await client.get(FAMILY, headers=parent.headers)).json()["items"] == []
    audit = await AuditRecord.get(action="family.member_removed")
    assert audit.before is not None and audit.before["name"] == "王**"
    huge = await client.delete(f"{FAMILY}/{10**30}", headers=parent.headers)
    assert huge.status_code == 404


# -- consent -------------------------------------------------------------------------------------


async def test_an_adult_stays_pending_until_they_accept_in_their_own_app(client: httpx.AsyncClient) -> None:
    son = await verified(client, "son")
    mother_number = new_id_number(years_old=62)
    added = await add(client, son, "parent", "李秀英", mother_number)
    assert added.status_code == 201
    assert added.json()["status"] == "pending_consent" and added.json()["is_minor"] is False

    # The mother logs in with her own WeChat: nothing to see until she has verified her real name.
    mother = await login(client, "mother")
    assert (await client.get(INVITATIONS, headers=mother.headers)).json() == {"items": []}
    refused = await client.post(f"{INVITATIONS}/{added.json()['id']}/accept", headers=mother.headers)
    assert refused.status_code == 403 and error_code(refused) == "identity_level_required"
    await verify(client, mother, name="李秀英", id_number=mother_number)
    invitations = (await client.get(INVITATIONS, headers=mother.headers)).json()["items"]
    assert [(i["id"], i["relation"], i["from_name"]) for i in invitations] == [
        (added.json()["id"], "parent", "s**")
    ]

    accepted = await client.post(f"{INVITATIONS}/{added.json()['id']}/accept", headers=mother.headers)
    assert accepted.status_code == 200 and accepted.json()["status"] == "active"
    assert (await client.get(FAMILY, headers=son.headers)).json()["items"][0]["status"] == "active"
    assert (await client.get(INVITATIONS, headers=mother.headers)).json() == {"items": []}
    member = await FamilyMember.get(id=added.json()["id"])
    assert member.member_user_id == mother.id
    audit = await AuditRecord.get(action="family.consent_given")
    assert audit.actor_id == mother.id and audit.after is not None and audit.after["status"] == "active"


async def test_nobody_but_that_adult_can_accept(client: httpx.AsyncClient) -> None:
    son = await verified(client, "son")
    added = (await add(client, son, "parent", "李秀英", new_id_number(years_old=62))).json()
    impostor = await verified(client, "impostor")  # verified, but as somebody else
    assert (await client.get(INVITATIONS, headers=impostor.headers)).json() == {"items": []}
    r = await client.post(f"{INVITATIONS}/{added['id']}/accept", headers=impostor.headers)
    assert r.status_code == 404 and error_code(r) == "family_invitation_not_found"
    own = await client.post(f"{INVITATIONS}/{added['id']}/accept", headers=son.headers)
    assert own.status_code == 404
    assert (await FamilyMember.get(id=added["id"])).status == MemberStatus.PENDING_CONSENT


async def test_a_declined_invitation_stays_declined(client: httpx.AsyncClient) -> None:
    son = await verified(client, "son")
    number = new_id_number(years_old=62)
    added = (await add(client, son, "parent", "李秀英", number)).json()
    mother = await verified(client, "mother", id_number=number)
    declined = await client.post(f"{INVITATIONS}/{added['id']}/decline", headers=mother.headers)
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    late = await client.post(f"{INVITATIONS}/{added['id']}/accept", headers=mother.headers)
    assert late.status_code == 404
    assert (await client.get(FAMILY, headers=son.headers)).json()["items"][0]["status"] == "declined"
    assert await AuditRecord.filter(action="family.consent_declined", actor_id=mother.id).count() == 1


# -- acting for a member -------------------------------------------------------------------------


async def test_acting_for_an_active_member_names_them_in_the_actor(client: httpx.AsyncClient) -> None:
    parent = await verified(client, "parent")
    child = (await add(client, parent, "child", "王小明", new_id_number(years_old=6))).json()
    actor = actor_of(parent)
    acting = await service.acting_for(actor, child["id"])
    assert acting == dataclasses.replace(actor, on_behalf_of=child["id"])


async def test_acting_for_a_member_who_has_not_consented_is_refused(client: httpx.AsyncClient) -> None:
    son = await verified(client, "son")
    pending = (await add(client, son, "parent", "李秀英", new_id_number(years_old=62))).json()
    with pytest.raises(FamilyConsentRequired) as refused:
        await service.acting_for(actor_of(son), pending["id"])
    assert refused.value.details == {"status": "pending_consent"}


async def test_acting_for_someone_elses_member_is_not_found(client: httpx.AsyncClient) -> None:
    parent = await verified(client, "parent")
    other = await verified(client, "other")
    child = (await add(client, parent, "child", "王小明", new_id_number(years_old=6))).json()
    with pytest.raises(FamilyMemberNotFound):
        await service.acting_for(actor_of(other), child["id"])
    with pytest.raises(FamilyMemberNotFound):
        await service.acting_for(Actor(kind="staff", id=parent.id), child["id"])
