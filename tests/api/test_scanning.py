"""Staff scanning through the API: every way a code is refused, scopes, single use under concurrency
(on PostgreSQL in CI), the appointment pass and the e-certificate as codes, offline uploads, and the
offline verification kit (keys and the signed revocation list)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import random
import string
from collections import Counter
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from redis.exceptions import ConnectionError as RedisConnectionError

from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.credentials import token as wire
from domain.credentials.errors import CredentialAlreadyUsed
from domain.credentials.kinds import Kind
from domain.health_cards.models import CardUse
from domain.scanning import service as scanning
from domain.scanning.models import Scan, ScannerDevice, ScanOutcome
from domain.shared import clock, pii
from domain.shared.actor import Actor
from domain.shared.kv import Keys
from domain.shared.signing import KeyRing, b64url_decode, canonical_json
from domain.staff.models import StaffAccount
from tests.api.test_appointments import HALL, at, booked, open_hall, slots_on
from tests.api.test_appointments import MONDAY as APPOINTMENT_DAY
from tests.api.test_health_cards import CARDS, code_of, issued
from tests.api.test_staff import staff_client
from tests.domain.test_certificates import issue as issue_certificate
from tests.support.apps import error_code
from tests.support.residents import Resident, login, verified
from tests.support.scanning import (
    DEVICES,
    HOSPITAL,
    SCANS,
    hospital_scanner,
    hospital_site,
    scan_body,
    scanner,
)

BATCH = "/api/v1/staff/scans/batch"
VERIFY = "/api/v1/staff/credentials/verify"


async def card_code(client: httpx.AsyncClient, name: str = "alice") -> tuple[Resident, dict[str, Any], str]:
    resident = await verified(client, name)
    card = await issued(client, resident)
    r = await code_of(client, resident, card["id"])
    assert r.status_code == 200, r.text
    return resident, card, str(r.json()["token"])


def reencoded(token: str, change: Any) -> str:
    """The token's bytes, changed by ``change(bytearray)``, without signing again."""
    raw = bytearray(base64.b32decode(token[3:] + "=" * (-len(token[3:]) % 8)))
    change(raw)
    return "PC:" + base64.b32encode(bytes(raw)).decode().rstrip("=")


# -- what a code is --------------------------------------------------------------------------------------


async def test_a_code_carries_no_personal_data_and_fits_a_small_qr(client: httpx.AsyncClient) -> None:
    resident, card, _token = await card_code(client)
    r = await code_of(client, resident, card["id"])
    body = r.json()
    user = await User.get(id=resident.id)

    claims, _signed, _signature = wire.parse(body["token"])
    raw = base64.b32decode(body["token"][3:] + "=" * (-len(body["token"][3:]) % 8))
    for personal in (user.real_name, user.id_number, user.id_number[-8:], card["number"]):
        assert personal and personal.encode() not in raw, personal
    assert claims.kind == Kind.HEALTH_CARD and len(claims.subject) == 16 and claims.kid == "qr-dev-1"
    assert claims.expires_at - claims.issued_at == 90  # shown for 60 s, accepted 30 s beyond
    assert body["qr_version"] <= 10 and body["svg"].startswith("<svg")
    assert r.headers["cache-control"] == "no-store"
    png = await client.get(f"/api/v1/credentials/health_card/{card['id']}/qr.png", headers=resident.headers)
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert "x-credential-refresh-at" in png.headers
    unknown = await client.get(f"/api/v1/credentials/boarding_pass/{card['id']}", headers=resident.headers)
    assert unknown.status_code == 422 and error_code(unknown) == "credential_kind_unsupported"


async def test_each_bad_code_is_refused_with_its_own_reason_and_audited(client: httpx.AsyncClient) -> None:
    t0 = clock.now()
    with clock.frozen_at(t0):
        resident, card, good = await card_code(client)
        staff, device = await hospital_scanner(client)
        stale = (await code_of(client, resident, card["id"])).json()["token"]
        subject = wire.parse(good)[0].subject
    other_ring = KeyRing({"stolen-1": b"s" * 32}, "stolen-1")
    foreign = wire.encode(
        dataclasses.replace(wire.parse(good)[0], kid="stolen-1", nonce=b"n" * 10), other_ring
    )  # a well-formed code for a real subject, signed with a key PalmCity never published
    forged = reencoded(good, lambda raw: raw.__setitem__(slice(7, 11), (2**32 - 1).to_bytes(4, "big")))
    cases = {
        "credential_malformed": "PC:NOT-A-CODE",
        "credential_key_unknown": foreign,
        "credential_signature_invalid": forged,
    }
    with clock.frozen_at(t0 + dt.timedelta(seconds=10)):
        for code, token in cases.items():
            r = await client.post(SCANS, json=scan_body(device, token), headers=staff)
            assert (r.status_code, error_code(r)) == ((422, code)), (code, r.text)
        first = await client.post(SCANS, json=scan_body(device, good), headers=staff)
        replayed = await client.post(SCANS, json=scan_body(device, good), headers=staff)
    with clock.frozen_at(t0 + dt.timedelta(seconds=91)):  # a screenshot, a minute and a half later
        staff = await hospital_scanner_login(client)
        expired = await client.post(SCANS, json=scan_body(device, stale), headers=staff)

    assert first.status_code == 200 and first.json()["outcome"] == "admitted"
    assert replayed.status_code == 409 and error_code(replayed) == "credential_already_used"
    assert expired.status_code == 409 and error_code(expired) == "credential_expired"
    refused = await AuditRecord.filter(action="scan.refused").order_by("id").values_list("after", flat=True)
    assert [a["code"] for a in refused] == [*cases, "credential_already_used", "credential_expired"]
    assert await AuditRecord.filter(action="scan.admitted").count() == 1
    assert subject not in str(refused)


async def hospital_scanner_login(client: httpx.AsyncClient, username: str = "triage.desk") -> dict[str, str]:
    r = await client.post(
        "/api/v1/staff/auth/login", json={"username": username, "password": "correct horse battery"}
    )
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_a_code_from_before_the_scanners_clock_is_not_yet_valid(client: httpx.AsyncClient) -> None:
    resident = await verified(client, "alice")
    card = await issued(client, resident)
    with clock.shifted(dt.timedelta(minutes=5)):  # the holder's code minted "in the future"
        token = (await code_of(client, resident, card["id"])).json()["token"]
    staff, device = await hospital_scanner(client)

    r = await client.post(SCANS, json=scan_body(device, token), headers=staff)

    assert r.status_code == 409 and error_code(r) == "credential_not_yet_valid"


# -- who may scan what, where ----------------------------------------------------------------------------


async def test_staff_scan_only_their_kinds_at_their_sites_on_their_own_devices(
    client: httpx.AsyncClient,
) -> None:
    _resident, _card, token = await card_code(client)
    await hospital_site()
    counter, counter_device = await scanner(client, "counter", site=HOSPITAL, kinds=["certificate"])
    elsewhere = await client.post(DEVICES, json={"site": "QY-HALL", "name": "x"}, headers=counter)
    theirs, their_device = await hospital_scanner(client)

    wrong_kind = await client.post(SCANS, json=scan_body(counter_device, token), headers=counter)
    borrowed = await client.post(SCANS, json=scan_body(their_device, token), headers=counter)
    verify_only = await client.post(VERIFY, json={"code": token}, headers=counter)

    assert wrong_kind.status_code == 403 and error_code(wrong_kind) == "scan_kind_not_allowed"
    assert wrong_kind.json()["error"]["details"] == {"kind": "health_card", "allowed": ["certificate"]}
    assert elsewhere.status_code == 403 and error_code(elsewhere) == "staff_scope_required"
    assert borrowed.status_code == 404 and error_code(borrowed) == "scanner_device_not_found"
    assert verify_only.status_code == 403 and error_code(verify_only) == "scan_kind_not_allowed"
    # Moved to another site after registering the device: refused at the next scan.
    admin = await staff_client(client, "admin")
    account = await StaffAccount.get(username="triage.desk")
    moving = await client.patch(
        f"/api/v1/staff/accounts/{account.id}", json={"scopes": ["QY-HALL"]}, headers=admin
    )
    assert moving.status_code == 200 and moving.json()["scan_kinds"] == ["health_card", "appointment_pass"]
    theirs = await hospital_scanner_login(client)
    moved = await client.post(SCANS, json=scan_body(their_device, token), headers=theirs)
    assert moved.status_code == 403 and error_code(moved) == "staff_scope_required"
    assert await CardUse.all().count() == 0

    retired = await client.post(
        f"{DEVICES}/{(await ScannerDevice.get(code=counter_device)).id}/retire", headers=counter
    )
    assert retired.status_code == 200
    gone = await client.post(SCANS, json=scan_body(counter_device, token), headers=counter)
    assert gone.status_code == 404 and error_code(gone) == "scanner_device_not_found"
    assert (await client.get(DEVICES, headers=counter)).json()["items"] == []


async def test_verify_only_checks_a_code_without_spending_it(client: httpx.AsyncClient) -> None:
    _resident, _card, token = await card_code(client)
    staff, device = await hospital_scanner(client)

    checked = await client.post(VERIFY, json={"code": token}, headers=staff)
    again = await client.post(VERIFY, json={"code": token}, headers=staff)
    scanned = await client.post(SCANS, json=scan_body(device, token), headers=staff)
    after = await client.post(VERIFY, json={"code": token}, headers=staff)

    assert checked.status_code == 200 and checked.json()["kind"] == "health_card"
    assert checked.json()["kind_name"] == "电子健康卡" and checked.json()["spent"] is False
    assert again.json()["spent"] is False and scanned.status_code == 200  # checking spent nothing
    assert after.status_code == 200 and after.json()["spent"] is True
    [seen] = (await client.get(DEVICES, headers=staff)).json()["items"]
    assert seen["code"] == device and seen["last_seen_at"] is not None


# -- single use, at once --------------------------------------------------------------------------------


@pytest.mark.postgres  # SQLite serialises every write: only PostgreSQL shows the race
async def test_a_single_use_code_scanned_at_many_gates_at_once_is_admitted_once(
    client: httpx.AsyncClient,
) -> None:
    _resident, card, token = await card_code(client)
    await hospital_site()
    gates = [await scanner(client, f"gate.{i}", site=HOSPITAL, kinds=["health_card"]) for i in range(12)]

    answers = await asyncio.gather(
        *(client.post(SCANS, json=scan_body(device, token), headers=staff) for staff, device in gates)
    )

    assert Counter(r.status_code for r in answers) == {200: 1, 409: 11}
    assert {error_code(r) for r in answers if r.status_code == 409} == {"credential_already_used"}
    assert await CardUse.filter(card_id=card["id"]).count() == 1
    assert await Scan.filter(outcome=ScanOutcome.ADMITTED).count() == 1


class _NoRedis(scanning.Spent):
    """A Spent whose Redis always says "first": the database's unique nonce is the only guard."""

    async def claim(self, claims: wire.Claims, now: dt.datetime) -> bool:
        return True


@pytest.mark.postgres
async def test_without_the_redis_fast_path_the_database_still_admits_a_code_once(
    client: httpx.AsyncClient,
) -> None:
    _resident, card, token = await card_code(client)
    await hospital_site()
    gates = [await scanner(client, f"gate.{i}", site=HOSPITAL, kinds=["health_card"]) for i in range(8)]
    spent = _NoRedis(redis=None, keys=None)  # type: ignore[arg-type]

    async def at_gate(device_code: str) -> str:
        device = await ScannerDevice.get(code=device_code)
        staff = await StaffAccount.get(id=device.staff_id)
        actor = Actor(
            kind="staff",
            id=staff.id,
            roles=frozenset(staff.roles),
            scopes=frozenset(staff.scopes),
            scan_kinds=frozenset(staff.scan_kinds),
        )
        try:
            await scanning.scan(actor, spent, device_code=device_code, token=token)
        except CredentialAlreadyUsed:
            return "used"
        return "admitted"

    outcomes = await asyncio.gather(*(at_gate(device) for _staff, device in gates))

    assert Counter(outcomes) == {"admitted": 1, "used": 7}
    assert await CardUse.filter(card_id=card["id"]).count() == 1


# -- the appointment pass and the e-certificate ------------------------------------------------------------


async def test_an_appointment_pass_checks_in_at_its_own_site_once(client: httpx.AsyncClient) -> None:
    with at(APPOINTMENT_DAY):
        service = await open_hall()
        alice = await verified(client, "alice")
        slot = (await slots_on(client, service, APPOINTMENT_DAY))[0]
        appointment = await booked(client, alice, service, slot["slot_id"])
    with at(APPOINTMENT_DAY, 8, 50):
        alice = await login(client, "alice")
        r = await client.get(
            f"/api/v1/credentials/appointment_pass/{appointment['id']}", headers=alice.headers
        )
        assert r.status_code == 200, r.text
        token = r.json()["token"]
        await hospital_site()
        both, clinic_device = await scanner(
            client, "both.sites", site=HOSPITAL, kinds=["appointment_pass"], scopes=[HALL, HOSPITAL]
        )
        hall, hall_device = await scanner(client, "hall.gate", site=HALL, kinds=["appointment_pass"])

        wrong_site = await client.post(SCANS, json=scan_body(clinic_device, token), headers=both)
        checked = await client.post(SCANS, json=scan_body(hall_device, token), headers=hall)
        fresh = await client.get(
            f"/api/v1/credentials/appointment_pass/{appointment['id']}", headers=alice.headers
        )
        mine = (await client.get(f"/api/v1/appointments/{appointment['id']}", headers=alice.headers)).json()

    assert wrong_site.status_code == 403 and error_code(wrong_site) == "scan_wrong_site"
    assert wrong_site.json()["error"]["details"] == {"site": HALL}
    assert checked.status_code == 200, checked.text
    shown = checked.json()["shown"]
    assert checked.json()["action"] == "appointments.checked_in" and shown["ticket"] == "A001"
    assert shown["who"] == pii.mask_name("alice")
    assert mine["state"] == "checked_in"
    assert fresh.status_code == 409 and error_code(fresh) == "appointment_not_active"  # no pass once used


async def test_an_e_certificate_code_shows_its_verified_data_until_revoked(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    cert = await issue_certificate(await User.get(id=alice.id), request_id=7)
    await hospital_site()
    counter, device = await scanner(client, "counter", site=HOSPITAL, kinds=["certificate"])

    token = (await client.get(f"/api/v1/credentials/certificate/{cert.id}", headers=alice.headers)).json()[
        "token"
    ]
    first = await client.post(SCANS, json=scan_body(device, token), headers=counter)
    again = await client.post(SCANS, json=scan_body(device, token), headers=counter)  # not single-use
    bob = await login(client, "bob")
    theirs = await client.get(f"/api/v1/credentials/certificate/{cert.id}", headers=bob.headers)

    assert first.status_code == 200 and again.status_code == 200
    shown = first.json()["shown"]
    assert (
        shown["number"] == cert.number
        and shown["validity"] == "valid"
        and shown["data"]["aid_type"] == "autism"
    )
    assert theirs.status_code == 404 and error_code(theirs) == "certificate_not_found"

    officer = await staff_client(client, "officer", roles=["case_officer"], scopes=["*"])
    revoked = await client.post(
        f"/api/v1/staff/certificates/{cert.id}/revoke", json={"reason": "issued in error"}, headers=officer
    )
    assert revoked.status_code == 200, revoked.text
    after = await client.post(SCANS, json=scan_body(device, token), headers=counter)
    assert after.status_code == 409 and error_code(after) == "credential_revoked"


# -- offline ------------------------------------------------------------------------------------------------


async def test_offline_scans_upload_idempotently_and_a_code_spent_twice_is_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    t0 = clock.now()
    with clock.frozen_at(t0):
        resident, card, token = await card_code(client)
        second = (await code_of(client, resident, card["id"])).json()["token"]
        await hospital_site()
        gate_a, device_a = await scanner(client, "gate.a", site=HOSPITAL, kinds=["health_card"])
        gate_b, device_b = await scanner(client, "gate.b", site=HOSPITAL, kinds=["health_card"])
    scanned_at = (t0 + dt.timedelta(seconds=20)).isoformat()
    batch_a = {
        "device": device_a,
        "scans": [
            {"code": token, "scanned_at": scanned_at, "purpose": "treat"},
            {"code": second, "scanned_at": scanned_at},
            {"code": "PC:GARBAGE", "scanned_at": scanned_at},
        ],
    }
    with clock.frozen_at(t0 + dt.timedelta(hours=3)):  # long after the codes expired: judged as when scanned
        gate_a = await hospital_scanner_login(client, "gate.a")
        gate_b = await hospital_scanner_login(client, "gate.b")
        first = await client.post(BATCH, json=batch_a, headers=gate_a)
        again = await client.post(BATCH, json=batch_a, headers=gate_a)
        elsewhere = await client.post(
            BATCH,
            json={"device": device_b, "scans": [{"code": token, "scanned_at": scanned_at}]},
            headers=gate_b,
        )
        too_old = await client.post(
            BATCH,
            json={
                "device": device_b,
                "scans": [{"code": second, "scanned_at": (t0 - dt.timedelta(days=8)).isoformat()}],
            },
            headers=gate_b,
        )

    assert [(r["status"], r["error"] and r["error"]["code"]) for r in first.json()["results"]] == [
        ("admitted", None),
        ("admitted", None),
        ("refused", "credential_malformed"),
    ]
    assert first.json()["results"][0]["scan"]["offline"] is True
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate", "refused"]
    assert [r["scan"]["id"] for r in again.json()["results"][:2]] == [
        r["scan"]["id"] for r in first.json()["results"][:2]
    ]
    conflict = elsewhere.json()["results"][0]
    assert conflict["status"] == "conflict"
    assert conflict["scan"]["conflict_with"] == first.json()["results"][0]["scan"]["id"]
    assert too_old.json()["results"][0]["error"]["code"] == "scan_time_invalid"
    uses = (
        await client.get(f"{CARDS}/{card['id']}/uses", headers=(await login(client, "alice")).headers)
    ).json()
    assert sorted(u["purpose"] for u in uses["items"]) == ["register", "treat"]  # the conflict added nothing
    assert await AuditRecord.filter(action="scan.conflict").count() == 1


# -- the offline verification kit ----------------------------------------------------------------------


async def test_scanners_verify_codes_and_the_revocation_list_with_the_published_keys(
    client: httpx.AsyncClient,
) -> None:
    alice = await verified(client, "alice")
    card = await issued(client, alice)
    token = (await code_of(client, alice, card["id"])).json()["token"]
    jwks = (await client.get("/api/v1/credentials/keys")).json()
    empty = (await client.get("/api/v1/credentials/revocations")).json()

    await client.post(f"{CARDS}/{card['id']}/freeze", headers=alice.headers)
    frozen = (await client.get("/api/v1/credentials/revocations", params={"since": empty["version"]})).json()
    unchanged = (
        await client.get("/api/v1/credentials/revocations", params={"since": frozen["version"]})
    ).json()

    # An offline scanner with only the JWK set checks the code and the list itself.
    keys = {k["kid"]: Ed25519PublicKey.from_public_bytes(b64url_decode(k["x"])) for k in jwks["keys"]}
    claims, body, signature = wire.parse(token)
    keys[claims.kid].verify(signature, body)  # raises if it were not genuine
    keys[frozen["kid"]].verify(b64url_decode(frozen["signature"]), canonical_json(frozen["document"]))
    assert empty["document"]["entries"] == [] and frozen["version"] > empty["version"]
    assert frozen["changed"] is True
    assert frozen["document"]["entries"] == [
        {"ref": claims.subject, "kind": "health_card", "status": "frozen"}
    ]
    assert unchanged["changed"] is False and unchanged["document"]["entries"] == []


# -- hostile input ---------------------------------------------------------------------------------------


def mutated(token: str, rng: random.Random) -> str:
    """A real code with a few characters changed, dropped or added, or something else altogether."""
    roll = rng.random()
    if roll < 0.15:
        return "".join(rng.choice(string.printable + "中文é\u00ff") for _ in range(rng.randrange(0, 420)))
    chars = list(token)
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(len(chars))
        action = rng.randrange(3)
        if action == 0:
            chars[at] = rng.choice(string.ascii_letters + string.digits + "=:-/ ")
        elif action == 1 and len(chars) > 4:
            del chars[at]
        else:
            chars.insert(at, rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))
    return "".join(chars)


async def test_mangled_codes_and_garbage_bodies_never_get_a_5xx(client: httpx.AsyncClient) -> None:
    rng = random.Random(20261130)
    resident, card, token = await card_code(client)
    staff, device = await hospital_scanner(client)
    moments = [
        "2026-11-30T10:00:00+08:00",
        "2026-11-30T10:00:00",
        "yesterday",
        "9999-12-31T23:59:59Z",
        "",
        12,
    ]
    seen: set[int] = set()
    for _ in range(150):
        code = mutated(token, rng)
        choice = rng.randrange(4)
        if choice == 0:
            r = await client.post(
                SCANS,
                json=scan_body(device, code, purpose=rng.choice([None, "pay", "x" * 20])),
                headers=staff,
            )
        elif choice == 1:
            r = await client.post(
                VERIFY, json={"code": code, **({"extra": 1} if rng.random() < 0.1 else {})}, headers=staff
            )
        elif choice == 2:
            scans = [
                {"code": mutated(token, rng), "scanned_at": rng.choice(moments)}
                for _ in range(rng.randrange(0, 4))
            ]
            r = await client.post(
                BATCH, json={"device": rng.choice([device, "SD-NOPE", ""]), "scans": scans}, headers=staff
            )
        else:
            kind = rng.choice(["health_card", "certificate", "appointment_pass", "ticket", "x%00", "中文"])
            r = await client.get(
                f"/api/v1/credentials/{kind}/{card['id']}",
                params={"static": rng.choice(["true", "maybe", "1", ""])},
                headers=resident.headers,
            )
        seen.add(r.status_code)
        assert r.status_code < 500, (choice, code, r.text)
        if r.status_code >= 400:
            assert r.json()["error"]["code"]
    assert {200, 404, 422} <= seen  # some reached past the parsers


class _RedisAway:
    """A Redis that does not answer."""

    async def set(self, *args: Any, **kwargs: Any) -> None:
        raise RedisConnectionError("down")

    exists = delete = set


async def test_with_redis_away_a_code_is_still_admitted_once_and_known_as_spent(
    client: httpx.AsyncClient,
) -> None:
    _resident, _card, token = await card_code(client)
    _staff, device_code = await hospital_scanner(client)
    device = await ScannerDevice.get(code=device_code)
    staff = await StaffAccount.get(id=device.staff_id)
    actor = Actor(
        kind="staff",
        id=staff.id,
        roles=frozenset(staff.roles),
        scopes=frozenset(staff.scopes),
        scan_kinds=frozenset(staff.scan_kinds),
    )
    away = scanning.Spent(redis=_RedisAway(), keys=Keys("palmcity:test:away"))  # type: ignore[arg-type]

    before = await scanning.verify_only(actor, away, token)
    admitted = await scanning.scan(actor, away, device_code=device_code, token=token)
    with pytest.raises(CredentialAlreadyUsed):
        await scanning.scan(actor, away, device_code=device_code, token=token)
    after = await scanning.verify_only(actor, away, token)

    assert before.spent is False and admitted.scan.outcome == ScanOutcome.ADMITTED and after.spent is True


# -- offline batches: times with their zone, and codes given back ---------------------------------------


async def test_an_offline_scan_time_without_its_zone_is_refused_with_its_own_code(
    client: httpx.AsyncClient,
) -> None:
    _resident, _card, token = await card_code(client)
    gate, device = await hospital_scanner(client)
    naive = clock.now().replace(tzinfo=None).isoformat()
    r = await client.post(
        BATCH, json={"device": device, "scans": [{"code": token, "scanned_at": naive}]}, headers=gate
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"]["fields"] == [
        {
            "field": "scans.0.scanned_at",
            "code": "timezone_required",
            "message": r.json()["error"]["details"]["fields"][0]["message"],
        }
    ]
    assert not await Scan.exists()
    with_zone = await client.post(
        BATCH,
        json={"device": device, "scans": [{"code": token, "scanned_at": clock.now().isoformat()}]},
        headers=gate,
    )
    assert with_zone.json()["results"][0]["status"] == "admitted"


async def test_an_offline_scan_refused_for_a_fixable_reason_gives_its_code_back(
    client: httpx.AsyncClient,
) -> None:
    _resident, _card, token = await card_code(client)
    gate, device = await hospital_scanner(client)
    now = clock.now().isoformat()
    wrong = await client.post(
        BATCH,
        json={"device": device, "scans": [{"code": token, "scanned_at": now, "purpose": "dance"}]},
        headers=gate,
    )
    right = await client.post(
        BATCH,
        json={"device": device, "scans": [{"code": token, "scanned_at": now, "purpose": "treat"}]},
        headers=gate,
    )
    again = await client.post(SCANS, json=scan_body(device, token, purpose="pay"), headers=gate)

    [refused] = wrong.json()["results"]
    assert (refused["status"], refused["error"]["code"], refused["code_given_back"]) == (
        "refused", "health_card_purpose_invalid", True,
    )  # fmt: skip
    [admitted] = right.json()["results"]
    assert (admitted["status"], admitted["code_given_back"]) == ("admitted", False)
    assert error_code(again) == "credential_already_used"  # spent now, by the admitted scan


async def test_a_constraint_of_the_scans_action_is_not_reported_as_a_used_code(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tortoise.exceptions import IntegrityError

    from domain.scanning import registry

    _resident, _card, token = await card_code(client)
    gate, device = await hospital_scanner(client)
    real = registry.action_for(Kind.HEALTH_CARD)

    async def racing(context: Any, conn: Any) -> Any:
        # What a second gate checking in the same thing at the same moment runs into.
        raise IntegrityError('duplicate key value violates unique constraint "card_use_once"')

    monkeypatch.setattr(registry, "action_for", lambda kind: racing)
    now = clock.now().isoformat()
    online = await client.post(SCANS, json=scan_body(device, token, purpose="treat"), headers=gate)
    offline = await client.post(
        BATCH,
        json={"device": device, "scans": [{"code": token, "scanned_at": now, "purpose": "treat"}]},
        headers=gate,
    )
    monkeypatch.setattr(registry, "action_for", lambda kind: real)
    after = await client.post(SCANS, json=scan_body(device, token, purpose="treat"), headers=gate)

    assert online.status_code == 409 and error_code(online) == "scan_action_conflict"
    [result] = offline.json()["results"]
    assert (result["status"], result["error"]["code"], result["code_given_back"]) == (
        "refused", "scan_action_conflict", True,
    )  # fmt: skip
    assert after.status_code == 200, after.text  # the code was given back both times
    assert await Scan.filter(outcome=ScanOutcome.ADMITTED).count() == 1
