"""The electronic health card through the API: issuing (L3, family consent, one person one card),
the holder's freeze/unfreeze/cancel and PIN, the usage log, and the platform adapter's part."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sanic import Sanic

import domain.health_cards.jobs  # noqa: F401 - registers the usage-report job
from adapters.healthcard.fake import SandboxHealthCardPlatform
from domain.audit.models import AuditRecord
from domain.family.models import FamilyMember, Guardianship, MemberStatus
from domain.health_cards.models import CardState, HealthCard
from domain.health_cards.service import is_valid_number
from domain.notifications.models import InboxMessage
from domain.notifications.service import body_of
from tests.api.test_inbox import run_due_jobs
from tests.support.apps import error_code
from tests.support.households import seat_child
from tests.support.residents import Resident, login, new_id_number, verified
from tests.support.scanning import SCANS, hospital_scanner, scan_body

CARDS = "/api/v1/health-cards"


def platform_of(app: Sanic) -> SandboxHealthCardPlatform:
    platform: SandboxHealthCardPlatform = app.ctx.runtime.adapters.healthcard
    return platform


async def issued(client: httpx.AsyncClient, who: Resident, **body: Any) -> dict[str, Any]:
    r = await client.post(CARDS, json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    card: dict[str, Any] = r.json()
    return card


async def code_of(client: httpx.AsyncClient, who: Resident, card_id: int, **query: Any) -> httpx.Response:
    return await client.get(f"/api/v1/credentials/health_card/{card_id}", params=query, headers=who.headers)


async def add_child(
    client: httpx.AsyncClient,
    parent: Resident,
    name: str = "王小明",
    *,
    number: str | None = None,
    registered: bool = True,
) -> dict[str, Any]:
    """``parent`` adds a child; ``registered``: the population register lists them as its guardian."""
    number = number or new_id_number(years_old=6)
    if registered:
        await seat_child(client, parent, number)
    r = await client.post(
        "/api/v1/family",
        json={"relation": "child", "name": name, "id_number": number},
        headers=parent.headers,
    )
    assert r.status_code == 201, r.text
    member: dict[str, Any] = r.json()
    return member


# -- issuing -------------------------------------------------------------------------------------------


async def test_a_verified_resident_gets_one_card_registered_with_the_platform(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    unverified = await login(client, "bob")
    refused = await client.post(CARDS, json={}, headers=unverified.headers)
    assert refused.status_code == 403 and error_code(refused) == "identity_level_required"
    assert refused.json()["error"]["details"]["required"] == "L3"

    number = new_id_number(years_old=40)
    alice = await verified(client, "张三丰", id_number=number)
    card = await issued(client, alice)

    assert is_valid_number(card["number"]) and card["number"].startswith("44")
    assert card["state"] == "active" and card["family_member_id"] is None and card["pin_set"] is False
    assert card["holder_name"] == "张**" and card["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in (await client.get(CARDS, headers=alice.headers)).text
    row = await HealthCard.get(id=card["id"])
    assert row.platform_card_id in platform_of(app)._cards.values()  # registered before it existed here
    assert await AuditRecord.filter(action="health_card.issued", target_id=str(card["id"])).count() == 1

    again = await client.post(CARDS, json={}, headers=alice.headers)
    assert again.status_code == 409 and error_code(again) == "health_card_exists"
    assert again.json()["error"]["details"] == {"card_id": card["id"]}


async def test_the_platform_being_down_issues_nothing(client: httpx.AsyncClient, app: Sanic) -> None:
    alice = await verified(client, "alice")
    platform_of(app).failing = True

    r = await client.post(CARDS, json={}, headers=alice.headers)

    assert r.status_code == 503 and error_code(r) == "health_card_platform_unavailable"
    assert await HealthCard.all().count() == 0
    platform_of(app).failing = False
    assert (await client.post(CARDS, json={}, headers=alice.headers)).status_code == 201


async def test_a_family_member_gets_a_card_only_with_consent_and_the_holder_sees_its_uses(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    mother = await verified(client, "mother")
    child = await add_child(client, mother)
    adult = await client.post(
        "/api/v1/family",
        json={"relation": "spouse", "name": "李四", "id_number": new_id_number(years_old=35)},
        headers=mother.headers,
    )
    assert adult.json()["status"] == "pending_consent"  # the spouse has not consented from their own login

    pending = await client.post(CARDS, json={"family_member_id": adult.json()["id"]}, headers=mother.headers)
    assert pending.status_code == 403 and error_code(pending) == "family_consent_required"
    stranger = await verified(client, "stranger")
    theirs = await client.post(CARDS, json={"family_member_id": child["id"]}, headers=stranger.headers)
    assert theirs.status_code == 404 and error_code(theirs) == "family_member_not_found"

    card = await issued(client, mother, family_member_id=child["id"])
    own = await issued(client, mother)
    listed = (await client.get(CARDS, headers=mother.headers)).json()["items"]
    assert [c["id"] for c in listed] == [own["id"], card["id"]]
    assert card["family_member_id"] == child["id"] and card["holder_name"] == "王小明"

    staff, device = await hospital_scanner(client)
    code = (await code_of(client, mother, card["id"])).json()["token"]
    scanned = await client.post(SCANS, json=scan_body(device, code, purpose="pay"), headers=staff)
    assert scanned.status_code == 200, scanned.text
    assert scanned.json()["shown"]["holder"] == "王**"

    uses = (await client.get(f"{CARDS}/{card['id']}/uses", headers=mother.headers)).json()["items"]
    assert [(u["site_code"], u["purpose"]) for u in uses] == [("QY-PEOPLE", "pay")]
    assert uses[0]["site_name"] == "清远市人民医院"
    assert (await client.get(f"{CARDS}/{own['id']}/uses", headers=mother.headers)).json()["items"] == []
    nosy = await client.get(f"{CARDS}/{card['id']}/uses", headers=stranger.headers)
    assert nosy.status_code == 404 and error_code(nosy) == "health_card_not_found"

    assert await run_due_jobs(app)  # the use is reported to the provincial platform
    reports = platform_of(app).reports
    assert [(r.purpose, r.site_code) for r in reports] == [("pay", "QY-PEOPLE")]
    assert reports[0].platform_card_id == (await HealthCard.get(id=card["id"])).platform_card_id


async def test_someone_elses_card_and_its_code_are_not_found(client: httpx.AsyncClient) -> None:
    alice, bob = await verified(client, "alice"), await verified(client, "bob")
    card = await issued(client, alice)
    for r in (
        await client.get(f"{CARDS}/{card['id']}", headers=bob.headers),
        await code_of(client, bob, card["id"]),
        await client.post(f"{CARDS}/{card['id']}/freeze", headers=bob.headers),
    ):
        assert r.status_code == 404 and error_code(r) == "health_card_not_found"


# -- the holder's controls ------------------------------------------------------------------------------


async def test_a_frozen_card_shows_no_code_and_its_codes_are_refused_until_unfrozen(
    client: httpx.AsyncClient,
) -> None:
    alice = await verified(client, "alice")
    card = await issued(client, alice)
    staff, device = await hospital_scanner(client)
    before = (await code_of(client, alice, card["id"])).json()["token"]

    frozen = await client.post(f"{CARDS}/{card['id']}/freeze", headers=alice.headers)
    assert frozen.status_code == 200 and frozen.json()["state"] == "frozen"
    no_code = await code_of(client, alice, card["id"])
    assert no_code.status_code == 409 and error_code(no_code) == "credential_frozen"
    refused = await client.post(SCANS, json=scan_body(device, before), headers=staff)
    assert refused.status_code == 409 and error_code(refused) == "credential_frozen"
    twice = await client.post(f"{CARDS}/{card['id']}/freeze", headers=alice.headers)
    assert twice.status_code == 409 and error_code(twice) == "health_card_not_active"

    thawed = await client.post(f"{CARDS}/{card['id']}/unfreeze", headers=alice.headers)
    assert thawed.json()["state"] == "active"
    assert (await client.post(SCANS, json=scan_body(device, before), headers=staff)).status_code == 200
    actions = await AuditRecord.filter(target_type="health_card", target_id=str(card["id"])).values_list(
        "action", flat=True
    )
    assert list(actions) == ["health_card.issued", "health_card.frozen", "health_card.unfrozen"]


async def test_a_cancelled_card_is_revoked_for_good_and_a_new_one_can_be_issued(
    client: httpx.AsyncClient,
) -> None:
    alice = await verified(client, "alice")
    card = await issued(client, alice)
    staff, device = await hospital_scanner(client)
    code = (await code_of(client, alice, card["id"])).json()["token"]

    cancelled = await client.post(f"{CARDS}/{card['id']}/cancel", headers=alice.headers)
    assert cancelled.json()["state"] == "revoked"
    refused = await client.post(SCANS, json=scan_body(device, code), headers=staff)
    assert refused.status_code == 409 and error_code(refused) == "credential_revoked"
    thaw = await client.post(f"{CARDS}/{card['id']}/unfreeze", headers=alice.headers)
    assert thaw.status_code == 409 and error_code(thaw) == "health_card_not_active"

    fresh = await issued(client, alice)
    assert fresh["id"] != card["id"] and fresh["state"] == "active"


async def test_the_static_code_needs_a_pin_and_wrong_pins_lock_it(client: httpx.AsyncClient) -> None:
    alice = await verified(client, "alice")
    card = await issued(client, alice)
    staff, device = await hospital_scanner(client)

    no_pin = await code_of(client, alice, card["id"], static="true")
    assert no_pin.status_code == 409 and error_code(no_pin) == "credential_pin_not_set"
    for weak in ("111111", "123456", "654321"):
        r = await client.put(f"{CARDS}/{card['id']}/pin", json={"pin": weak}, headers=alice.headers)
        assert r.status_code == 422 and error_code(r) == "credential_pin_weak", weak
    bad_shape = await client.put(f"{CARDS}/{card['id']}/pin", json={"pin": "12a456"}, headers=alice.headers)
    assert bad_shape.status_code == 422 and error_code(bad_shape) == "invalid_input"
    assert (
        await client.put(f"{CARDS}/{card['id']}/pin", json={"pin": "274901"}, headers=alice.headers)
    ).status_code == 204
    assert (await client.get(f"{CARDS}/{card['id']}", headers=alice.headers)).json()["pin_set"] is True

    first = await code_of(client, alice, card["id"], static="true")
    second = await code_of(client, alice, card["id"], static="true")
    assert first.status_code == 200 and first.json()["static"] is True and first.json()["refresh_at"] is None
    assert first.json()["token"] == second.json()["token"]  # printable: the same code every time
    static = first.json()["token"]

    missing = await client.post(SCANS, json=scan_body(device, static), headers=staff)
    assert missing.status_code == 422 and error_code(missing) == "credential_pin_required"
    for left in (4, 3, 2, 1):
        wrong = await client.post(SCANS, json=scan_body(device, static, pin="000001"), headers=staff)
        assert wrong.status_code == 403 and error_code(wrong) == "credential_pin_invalid"
        assert wrong.json()["error"]["details"]["attempts_left"] == left
    locked = await client.post(SCANS, json=scan_body(device, static, pin="000001"), headers=staff)
    assert locked.status_code == 429 and error_code(locked) == "credential_pin_locked"
    still = await client.post(SCANS, json=scan_body(device, static, pin="274901"), headers=staff)
    assert still.status_code == 429 and error_code(still) == "credential_pin_locked"


async def test_the_right_pin_admits_a_static_code_more_than_once(client: httpx.AsyncClient) -> None:
    alice = await verified(client, "alice")
    card = await issued(client, alice)
    await client.put(f"{CARDS}/{card['id']}/pin", json={"pin": "274901"}, headers=alice.headers)
    static = (await code_of(client, alice, card["id"], static="true")).json()["token"]
    staff, device = await hospital_scanner(client)

    for purpose in ("register", "treat"):
        r = await client.post(
            SCANS, json=scan_body(device, static, pin="274901", purpose=purpose), headers=staff
        )
        assert r.status_code == 200, r.text
    uses = (await client.get(f"{CARDS}/{card['id']}/uses", headers=alice.headers)).json()["items"]
    assert sorted(u["purpose"] for u in uses) == ["register", "treat"]


@pytest.mark.parametrize("purpose", ["surgery", ""])
async def test_a_scan_for_an_unknown_purpose_records_nothing(client: httpx.AsyncClient, purpose: str) -> None:
    alice = await verified(client, "alice")
    card = await issued(client, alice)
    staff, device = await hospital_scanner(client)
    code = (await code_of(client, alice, card["id"])).json()["token"]

    r = await client.post(SCANS, json=scan_body(device, code, purpose=purpose or None), headers=staff)

    if purpose:
        assert r.status_code == 422 and error_code(r) == "health_card_purpose_invalid"
        assert (await client.get(f"{CARDS}/{card['id']}/uses", headers=alice.headers)).json()["items"] == []
        retry = await client.post(SCANS, json=scan_body(device, code), headers=staff)
        assert retry.status_code == 200  # the refused scan did not spend the code
    else:
        assert r.status_code == 200 and r.json()["shown"]["purpose"] == "register"  # the default


async def test_a_card_held_for_a_family_member_is_revoked_when_the_member_leaves_the_family(
    client: httpx.AsyncClient,
) -> None:
    mother = await verified(client, "mother")
    child = await add_child(client, mother)
    card = await issued(client, mother, family_member_id=child["id"])
    code = (await code_of(client, mother, card["id"])).json()["token"]
    staff, device = await hospital_scanner(client)

    removed = await client.delete(f"/api/v1/family/{child['id']}", headers=mother.headers)

    assert removed.status_code == 204, removed.text
    after = (await client.get(f"{CARDS}/{card['id']}", headers=mother.headers)).json()
    assert after["state"] == "revoked" and after["family_member_id"] is None
    refused = await client.post(SCANS, json=scan_body(device, code), headers=staff)
    assert refused.status_code == 409 and error_code(refused) == "credential_revoked"
    record = await AuditRecord.get(action="health_card.revoked", target_id=str(card["id"]))
    assert record.after == {"state": "revoked", "reason": "family_member_removed"}
    assert (await HealthCard.get(id=card["id"])).live_person_index is None  # the child may have one again


# -- reclaiming a child's card -------------------------------------------------------------------------


async def squatted_card(client: httpx.AsyncClient, squatter: Resident, number: str) -> dict[str, Any]:
    """A card a resident took for someone else's child before guardianship had to be proven: what
    migration 0011 leaves behind (the entry ``pending``, the card live)."""
    child = await add_child(client, squatter, "王小明", number=number, registered=False)
    await FamilyMember.filter(id=child["id"]).update(guardianship=Guardianship.PROVEN)  # as before 0011
    card = await issued(client, squatter, family_member_id=child["id"])
    await FamilyMember.filter(id=child["id"]).update(guardianship=Guardianship.PENDING)  # 0011's step
    return card


async def test_a_proven_guardian_reclaims_the_card_a_squatter_took_and_both_are_told(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    number = new_id_number(years_old=7)
    squatter = await verified(client, "squatter")
    taken = await squatted_card(client, squatter, number)
    squatter_code = (await code_of(client, squatter, taken["id"])).json()["token"]
    mother = await verified(client, "mother")
    child = await add_child(client, mother, "王小明", number=number)
    assert child["guardianship"] == "proven"

    card = await issued(client, mother, family_member_id=child["id"])

    assert card["family_member_id"] == child["id"] and card["id"] != taken["id"]
    old = await HealthCard.get(id=taken["id"])
    assert old.state == CardState.REVOKED and old.live_person_index is None
    assert (await HealthCard.get(id=card["id"])).platform_card_id == old.platform_card_id  # one person
    entry = await FamilyMember.get(id=taken["family_member_id"])
    assert entry.status == MemberStatus.ENDED
    for attempt in (
        await client.post(CARDS, json={"family_member_id": entry.id}, headers=squatter.headers),
        await client.post(f"/api/v1/family/{entry.id}/guardianship/check", headers=squatter.headers),
    ):
        assert attempt.status_code == 403 and error_code(attempt) == "family_member_ended"
    staff, device = await hospital_scanner(client)
    refused = await client.post(SCANS, json=scan_body(device, squatter_code), headers=staff)
    assert refused.status_code == 409 and error_code(refused) == "credential_revoked"
    mine = (await client.get(CARDS, headers=squatter.headers)).json()["items"]
    assert [(c["id"], c["state"]) for c in mine] == [(taken["id"], "revoked")]

    revoked = await AuditRecord.get(action="health_card.revoked", target_id=str(taken["id"]))
    assert revoked.actor_id == mother.id and revoked.after == {
        "state": "revoked",
        "reason": "reclaimed_by_guardian",
    }
    ended = await AuditRecord.get(action="family.member_ended", target_id=str(entry.id))
    assert ended.after is not None and ended.after["reason"] == "reclaimed_by_guardian"
    reclaimed = await AuditRecord.get(action="health_card.reclaimed", target_id=str(card["id"]))
    assert reclaimed.before is not None and reclaimed.before["owner_id"] == squatter.id
    assert reclaimed.after is not None and reclaimed.after["owner_id"] == mother.id

    await run_due_jobs(app)
    (to_mother,) = await InboxMessage.filter(user_id=mother.id)
    (to_squatter,) = await InboxMessage.filter(user_id=squatter.id)
    assert body_of(to_mother, "en").startswith("王**'s health card is now yours")
    assert to_mother.link == f"/pages/healthcards/card?id={card['id']}"
    assert "cancelled" in body_of(to_squatter, "en") and to_squatter.link == "/pages/family/index"


async def test_a_card_held_by_a_proven_guardian_is_not_reclaimed(client: httpx.AsyncClient) -> None:
    number = new_id_number(years_old=7)
    mother = await verified(client, "mother")
    father = await verified(client, "father")
    held = await issued(
        client, mother, family_member_id=(await add_child(client, mother, number=number))["id"]
    )
    child = await add_child(client, father, number=number)

    r = await client.post(CARDS, json={"family_member_id": child["id"]}, headers=father.headers)

    assert r.status_code == 409 and error_code(r) == "health_card_exists"
    assert r.json()["error"]["details"] == {}  # not the father's card: its id is not his to know
    assert (await HealthCard.get(id=held["id"])).state == CardState.ACTIVE
    assert await AuditRecord.filter(action="health_card.reclaimed").count() == 0


@pytest.mark.postgres
async def test_both_proven_parents_reclaiming_at_once_end_with_one_card(client: httpx.AsyncClient) -> None:
    number = new_id_number(years_old=5)
    squatter = await verified(client, "squatter")
    taken = await squatted_card(client, squatter, number)
    mother, father = await verified(client, "mother"), await verified(client, "father")
    children = [await add_child(client, parent, number=number) for parent in (mother, father)]

    answers = await asyncio.gather(
        *(
            client.post(CARDS, json={"family_member_id": child["id"]}, headers=parent.headers)
            for parent, child in zip((mother, father), children, strict=True)
        )
    )

    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    assert [error_code(r) for r in answers if r.status_code == 409] == ["health_card_exists"]
    assert await HealthCard.filter(live_person_index__isnull=False).count() == 1
    assert (await HealthCard.get(id=taken["id"])).state == CardState.REVOKED
    assert await AuditRecord.filter(action="health_card.reclaimed").count() == 1
    assert await AuditRecord.filter(action="family.member_ended").count() == 1
