"""Family members over HTTP: who may be added, consent, limits, and acting for a member."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import httpx
import pytest
from sanic import Sanic

import domain.family.jobs  # noqa: F401 - registers the guardianship notice job
from domain.appointments.models import Appointment
from domain.audit.models import AuditRecord
from domain.family import service
from domain.family.errors import FamilyConsentRequired, FamilyGuardianshipUnproven, FamilyMemberNotFound
from domain.family.models import FamilyMember, GuardianshipProof, MemberStatus
from domain.health_cards.models import HealthCard
from domain.notifications.models import InboxMessage
from domain.notifications.service import body_of
from domain.shared.actor import Actor
from server.demo import load_regions
from tests.api.test_appointments import MONDAY, at, book, open_hall, slots_on
from tests.api.test_inbox import run_due_jobs
from tests.api.test_staff import staff_client
from tests.support.apps import error_code
from tests.support.households import register_of, seat_child
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
    await seat_child(client, parent, number)  # the population register lists parent as the mother
    r = await add(client, parent, "child", "王小明", number)
    assert r.status_code == 201
    member = r.json()
    assert member["status"] == "active" and member["is_minor"] is True and member["relation"] == "child"
    assert member["guardianship"] == "proven"
    assert member["proof"]["method"] == "register" and member["proof"]["outcome"] == "confirmed"
    assert member["name"] == "王小明" and member["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in r.text  # the name is theirs to read; the ID number stays masked
    assert r.headers["location"] == f"{FAMILY}/{member['id']}"
    listed = (await client.get(FAMILY, headers=parent.headers)).json()
    assert listed == {"items": [member], "limit": 5}
    audit = await AuditRecord.get(action="family.member_added")
    assert (audit.actor_id, audit.target_id) == (parent.id, str(member["id"]))
    assert audit.after == {
        "relation": "child",
        "status": "active",
        "guardianship": "proven",
        "name": "王**",
        "id_number": member["id_number"],
        "minor": True,
        "register": "confirmed",
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
    number = new_id_number(years_old=6)
    await seat_child(client, parent, number)
    child = (await add(client, parent, "child", "王小明", number)).json()
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


# -- guardianship of a child under 14 ------------------------------------------------------------

PROOFS = "/api/v1/staff/guardianship-proofs"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def add_unconfirmed_child(client: httpx.AsyncClient, resident: Resident) -> dict[str, Any]:
    """A child of Qingxin district that the population register does not list under ``resident``."""
    number = new_id_number(years_old=6, area="441803")
    r = await add(client, resident, "child", "王小明", number)
    assert r.status_code == 201, r.text
    member: dict[str, Any] = r.json()
    return member


async def send_certificate(
    client: httpx.AsyncClient, resident: Resident, member_id: int, data: bytes = PNG
) -> httpx.Response:
    return await client.post(
        f"{FAMILY}/{member_id}/birth-certificate",
        files={"file": ("birth.png", data, "image/png")},
        headers=resident.headers,
    )


async def case_officer(client: httpx.AsyncClient, name: str, *scopes: str) -> dict[str, str]:
    await load_regions()  # departments and their regions: what an officer's scopes cover
    return await staff_client(client, name, roles=["case_officer"], scopes=list(scopes))


async def test_a_child_the_register_does_not_confirm_is_pending_and_nobody_acts_for_it(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    with at(MONDAY):  # the booking's day, and tokens minted on it
        impostor = await verified(client, "impostor")
        mother = await verified(client, "mother")
        listed_elsewhere = new_id_number(years_old=6)
        await seat_child(client, mother, listed_elsewhere)

        unknown = await add_unconfirmed_child(client, impostor)  # the register has no such child
        not_theirs = (await add(client, impostor, "child", "李小宝", listed_elsewhere)).json()

        assert unknown["status"] == "active" and unknown["guardianship"] == "pending"
        assert unknown["proof"]["outcome"] == "not_found"
        assert not_theirs["guardianship"] == "pending" and not_theirs["proof"]["outcome"] == "not_listed"
        for member in (unknown, not_theirs):
            with pytest.raises(FamilyGuardianshipUnproven) as refused:
                await service.acting_for(actor_of(impostor), member["id"])
            assert refused.value.details == {"guardianship": "pending"}
            card = await client.post(
                "/api/v1/health-cards", json={"family_member_id": member["id"]}, headers=impostor.headers
            )
            assert card.status_code == 403 and error_code(card) == "family_guardianship_unproven"
        hall = await open_hall()
        slot = (await slots_on(client, hall, MONDAY))[1]
        booking = await book(client, impostor, hall, slot["slot_id"], on_behalf_of=unknown["id"])
    assert booking.status_code == 403 and error_code(booking) == "family_guardianship_unproven"
    assert "监护关系" in booking.json()["error"]["message"]  # translated (zh_Hans by default)
    assert await HealthCard.all().count() == 0 and await Appointment.all().count() == 0
    audit = await AuditRecord.get(action="family.member_added", target_id=str(unknown["id"]))
    assert audit.after is not None and audit.after["register"] == "not_found"
    assert register_of(client).asked[1:] == [listed_elsewhere]  # asked once per child added


async def test_a_register_that_was_down_is_asked_again(client: httpx.AsyncClient) -> None:
    parent = await verified(client, "parent")
    number = new_id_number(years_old=3)
    register = register_of(client)
    register.failing = True
    added = (await add(client, parent, "child", "王小明", number)).json()
    assert added["guardianship"] == "pending" and added["proof"]["outcome"] == "unavailable"

    register.failing = False
    await seat_child(client, parent, number)
    checked = await client.post(f"{FAMILY}/{added['id']}/guardianship/check", headers=parent.headers)

    assert checked.status_code == 200, checked.text
    assert checked.json()["guardianship"] == "proven" and checked.json()["proof"]["outcome"] == "confirmed"
    again = await client.post(f"{FAMILY}/{added['id']}/guardianship/check", headers=parent.headers)
    assert again.status_code == 409 and error_code(again) == "guardianship_not_pending"
    record = await AuditRecord.get(action="family.guardianship_checked")
    assert record.after is not None and record.after["guardianship"] == "proven"
    adult = (await add(client, parent, "parent", "王大爷", new_id_number(years_old=70))).json()
    assert adult["guardianship"] == "not_required" and adult["proof"] is None
    nothing_to_prove = await client.post(f"{FAMILY}/{adult['id']}/guardianship/check", headers=parent.headers)
    assert nothing_to_prove.status_code == 409


async def test_staff_in_the_childs_region_accept_a_birth_certificate_and_the_guardian_is_told(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    parent = await verified(client, "parent")
    child = await add_unconfirmed_child(client, parent)
    sent = await send_certificate(client, parent, child["id"])
    assert sent.status_code == 201, sent.text
    assert sent.json()["guardianship"] == "pending"
    assert sent.json()["proof"]["method"] == "birth_certificate"
    assert sent.json()["proof"]["outcome"] == "submitted"
    proof_id = sent.json()["proof"]["id"]
    qingxin = await case_officer(client, "officer.qx", "qx-civil-affairs")
    qingyuan = await case_officer(client, "officer.qy", "qy-service-center")  # the city above
    shanwei = await case_officer(client, "officer.sw", "sw-disabled-persons")
    scanner = await staff_client(client, "scanner.qx", roles=["scanner"], scopes=["qx-health"])

    waiting = (await client.get(PROOFS, headers=qingxin)).json()["items"]
    assert [(p["id"], p["child_name"], p["guardian_name"]) for p in waiting] == [
        (proof_id, "王小明", "parent")
    ]
    assert waiting[0]["child_id_number"] == child["id_number"] and waiting[0]["region_code"] == "441803"
    assert [p["id"] for p in (await client.get(PROOFS, headers=qingyuan)).json()["items"]] == [proof_id]
    assert (await client.get(PROOFS, headers=shanwei)).json()["items"] == []
    assert (await client.get(PROOFS, headers=scanner)).status_code == 403
    outsider = await client.post(f"{PROOFS}/{proof_id}/approve", headers=shanwei)
    assert outsider.status_code == 404 and error_code(outsider) == "guardianship_proof_not_found"
    file = await client.get(f"{PROOFS}/{proof_id}/file", headers=qingxin)
    assert file.status_code == 200 and file.content == PNG and file.headers["content-type"] == "image/png"

    approved = await client.post(f"{PROOFS}/{proof_id}/approve", headers=qingxin)

    assert approved.status_code == 200, approved.text
    assert approved.json()["outcome"] == "approved"
    twice = await client.post(f"{PROOFS}/{proof_id}/approve", headers=qingyuan)
    assert twice.status_code == 409 and error_code(twice) == "guardianship_proof_decided"
    member = (await client.get(FAMILY, headers=parent.headers)).json()["items"][0]
    assert member["guardianship"] == "proven" and member["proof"]["outcome"] == "approved"
    assert await service.acting_for(actor_of(parent), child["id"])
    record = await AuditRecord.get(action="family.birth_certificate_approved")
    assert (
        record.actor_kind == "staff" and record.after is not None and record.after["guardianship"] == "proven"
    )
    assert await AuditRecord.filter(action="family.birth_certificate_submitted").count() == 1
    await run_due_jobs(app)
    (notice,) = await InboxMessage.filter(user_id=parent.id)
    assert notice.kind == "guardianship" and notice.link == "/pages/family/index"
    assert body_of(notice, "en") == "Staff accepted the birth certificate: you may now act for 王**."
    assert "王**" in body_of(notice, "zh_Hans") and "王**" in body_of(notice, "zh_Hant")


async def test_a_refused_birth_certificate_says_why_and_another_may_be_sent(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    parent = await verified(client, "parent")
    child = await add_unconfirmed_child(client, parent)
    first = (await send_certificate(client, parent, child["id"])).json()["proof"]["id"]
    officer = await case_officer(client, "officer.qx", "qx-civil-affairs")
    blank = await client.post(f"{PROOFS}/{first}/refuse", json={"reason": "   "}, headers=officer)
    assert blank.status_code == 422 and error_code(blank) == "guardianship_reason_required"

    refused = await client.post(
        f"{PROOFS}/{first}/refuse", json={"reason": "The names do not match."}, headers=officer
    )

    assert refused.status_code == 200 and refused.json()["outcome"] == "refused"
    member = (await client.get(FAMILY, headers=parent.headers)).json()["items"][0]
    assert member["guardianship"] == "refused" and member["proof"]["reason"] == "The names do not match."
    with pytest.raises(FamilyGuardianshipUnproven):
        await service.acting_for(actor_of(parent), child["id"])
    await run_due_jobs(app)
    (notice,) = await InboxMessage.filter(user_id=parent.id)
    assert "The names do not match." in body_of(notice, "en") and "王**" in body_of(notice, "en")

    second = await send_certificate(client, parent, child["id"])
    third = await send_certificate(client, parent, child["id"])  # replaces the one still waiting
    assert second.json()["guardianship"] == "pending" and third.status_code == 201
    waiting = (await client.get(PROOFS, headers=officer)).json()["items"]
    assert [p["id"] for p in waiting] == [third.json()["proof"]["id"]]
    withdrawn = await client.post(f"{PROOFS}/{second.json()['proof']['id']}/approve", headers=officer)
    assert withdrawn.status_code == 409 and withdrawn.json()["error"]["details"] == {"outcome": "withdrawn"}
    disguised = await send_certificate(client, parent, child["id"], data=b"MZ not an image")
    assert disguised.status_code == 422 and error_code(disguised) == "material_type_not_allowed"
    stranger = await verified(client, "stranger")
    theirs = await send_certificate(client, stranger, child["id"])
    assert theirs.status_code == 404 and error_code(theirs) == "family_member_not_found"


async def test_a_tester_seats_a_child_in_the_sandbox_register_through_its_own_page(
    client: httpx.AsyncClient,
) -> None:
    number = new_id_number(years_old=4)
    unverified = await login(client, "bob")
    refused = await client.post(
        "/sandbox/population/children", json={"id_number": number}, headers=unverified.headers
    )
    assert refused.status_code == 403 and error_code(refused) == "identity_level_required"
    father = await verified(client, "father")
    seated = await client.post(
        "/sandbox/population/children",
        json={"id_number": number.lower(), "relation": "father"},
        headers=father.headers,
    )
    assert seated.status_code == 204, seated.text
    added = (await add(client, father, "child", "王小明", number)).json()
    assert added["guardianship"] == "proven" and added["proof"]["outcome"] == "confirmed"
    assert (await GuardianshipProof.get(id=added["proof"]["id"])).relation == "father"
