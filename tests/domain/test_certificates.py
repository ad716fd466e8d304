"""E-certificates: signed over canonical JSON with a kid, verifiable offline, revocable, expiring."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tortoise import connections
from tortoise.transactions import in_transaction

from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.certificates import service
from domain.certificates.errors import (
    CertificateAlreadyRevoked,
    CertificateKeyUnknown,
    CertificateNotFound,
    CertificateNumberInvalid,
    CertificateSignatureInvalid,
)
from domain.certificates.models import ECertificate
from domain.outbox.models import OutboxMessage
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.signing import KeyRing, Signature, b64url_decode, canonical_json
from domain.staff.errors import StaffRoleRequired, StaffScopeRequired
from server.settings import Settings

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in China
KID = "cert-test-1"
SEED = b"palmcity-test-certificate-seed-1"
SCANNER = Actor(kind="staff", id=1, roles=frozenset({"scanner"}), scopes=frozenset({"SITE-1"}))
OFFICER = Actor(kind="staff", id=2, roles=frozenset({"case_officer"}), scopes=frozenset({"CDPF-GZ"}))


@pytest.fixture(autouse=True)
def ring() -> Iterator[KeyRing]:
    keys = KeyRing({KID: SEED}, KID)
    service.install_keys(keys)
    with clock.frozen_at(T0):
        yield keys


async def make_user(name: str = "alice", real_name: str | None = "张三丰") -> User:
    return await User.create(openid=f"openid-{name}", real_name=real_name, created_at=clock.now())


async def issue(
    holder: User,
    *,
    request_id: int = 1,
    type_code: str = "RA",
    data: dict[str, Any] | None = None,
    department_code: str = "CDPF-GZ",
    valid_days: int = 365,
) -> ECertificate:
    """What the applications module does on approval: issue inside its own transaction."""
    async with in_transaction() as conn:
        return await service.issue_for_request(
            request_id=request_id,
            holder_user_id=holder.id,
            type_code=type_code,
            data=data
            if data is not None
            else {"child": "李*", "aid_type": "autism", "amount_fen": 1_500_000},
            department_code=department_code,
            valid_days=valid_days,
            using_db=conn,
        )


async def test_an_issued_certificate_verifies_offline_with_only_the_published_key(settings: Settings) -> None:
    cert = await issue(await make_user())

    envelope = service.signed(cert)
    jwk = next(k for k in service.public_keys()["keys"] if k["kid"] == envelope.kid)
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    public.verify(b64url_decode(envelope.signature), canonical_json(envelope.document))  # raises if bad

    assert envelope.kid == KID and jwk["alg"] == "EdDSA" and jwk["crv"] == "Ed25519"
    assert envelope.document["holder"] == "张**"  # masked: the document travels
    assert envelope.document["valid_from"] == "2026-03-02"
    assert envelope.document["valid_until"] == "2027-03-01"
    assert envelope.document["number"] == cert.number


async def test_the_number_carries_a_check_character(settings: Settings) -> None:
    cert = await issue(await make_user())
    number = cert.number or ""
    assert number.startswith("RA-2026") and len(number) == len("RA-") + 4 + 10 + 1

    result = await service.verify(SCANNER, number=number)
    assert result.validity == service.Validity.VALID

    last = number[-1]
    altered = number[:-1] + ("0" if last != "0" else "1")
    with pytest.raises(CertificateNumberInvalid):
        await service.verify(SCANNER, number=altered)


async def test_verify_accepts_the_genuine_document(settings: Settings) -> None:
    cert = await issue(await make_user())

    result = await service.verify(SCANNER, envelope=service.signed(cert))

    assert result.certificate.id == cert.id and result.validity == service.Validity.VALID


async def test_a_tampered_document_is_refused(settings: Settings) -> None:
    envelope = service.signed(await issue(await make_user()))
    document = {**envelope.document, "data": {**envelope.document["data"], "amount_fen": 9_900_000}}

    with pytest.raises(CertificateSignatureInvalid):
        await service.verify(
            SCANNER, envelope=service.SignedCertificate(document, envelope.kid, envelope.signature)
        )


async def test_an_unknown_kid_is_refused(settings: Settings) -> None:
    envelope = service.signed(await issue(await make_user()))

    with pytest.raises(CertificateKeyUnknown):
        await service.verify(
            SCANNER, envelope=service.SignedCertificate(envelope.document, "cert-other", envelope.signature)
        )


async def test_a_document_signed_with_another_key_under_our_kid_is_refused(settings: Settings) -> None:
    envelope = service.signed(await issue(await make_user()))
    forger = KeyRing({KID: os.urandom(32)}, KID)
    forged = forger.sign(canonical_json(envelope.document))

    with pytest.raises(CertificateSignatureInvalid):
        await service.verify(
            SCANNER, envelope=service.SignedCertificate(envelope.document, KID, forged.value)
        )


async def test_a_row_altered_in_the_database_no_longer_verifies(settings: Settings) -> None:
    cert = await issue(await make_user())
    await ECertificate.filter(id=cert.id).update(valid_until=date(2099, 1, 1))

    with pytest.raises(CertificateSignatureInvalid):
        await service.verify(SCANNER, number=cert.number)


async def test_a_certificate_expires_after_its_last_valid_day(settings: Settings) -> None:
    cert = await issue(await make_user(), valid_days=30)  # 2026-03-02 … 2026-03-31

    with clock.frozen_at(datetime(2026, 3, 31, 15, 59, tzinfo=UTC)):  # 23:59 on the 31st in China
        assert (await service.verify(SCANNER, number=cert.number)).validity == service.Validity.VALID
    with clock.frozen_at(datetime(2026, 3, 31, 16, 0, tzinfo=UTC)):  # 00:00 on 1 April in China
        assert (await service.verify(SCANNER, number=cert.number)).validity == service.Validity.EXPIRED


async def test_revocation_is_audited_and_shows_in_verification(settings: Settings) -> None:
    cert = await issue(await make_user())

    await service.revoke(OFFICER, cert.id, reason="issued in error")

    assert (await service.verify(SCANNER, number=cert.number)).validity == service.Validity.REVOKED
    record = await AuditRecord.get(action="certificate.revoked", target_id=str(cert.id))
    assert record.actor_id == OFFICER.id and record.after["status"] == "revoked"
    with pytest.raises(CertificateAlreadyRevoked):
        await service.revoke(OFFICER, cert.id, reason="again")


async def test_only_officers_of_the_issuing_department_revoke(settings: Settings) -> None:
    cert = await issue(await make_user(), department_code="CDPF-GZ")
    elsewhere = Actor(kind="staff", id=3, roles=frozenset({"case_officer"}), scopes=frozenset({"HR-SZ"}))

    with pytest.raises(StaffScopeRequired):
        await service.revoke(elsewhere, cert.id, reason="x")
    with pytest.raises(StaffRoleRequired):
        await service.revoke(SCANNER, cert.id, reason="x")
    with pytest.raises(CertificateNotFound):
        await service.revoke(OFFICER, cert.id + 1000, reason="x")


async def test_issue_is_idempotent_per_request_and_type_and_tells_the_holder(settings: Settings) -> None:
    holder = await make_user()

    first = await issue(holder, request_id=7)
    again = await issue(holder, request_id=7)

    assert again.id == first.id
    assert await ECertificate.all().count() == 1
    job = await OutboxMessage.get(topic="certificates.issued")
    assert job.payload == {"certificate_id": first.id, "user_id": holder.id}
    assert await AuditRecord.filter(action="certificate.issued").count() == 1


async def test_data_is_encrypted_at_rest(settings: Settings) -> None:
    cert = await issue(await make_user(), data={"child": "李四"})

    rows = await connections.get("default").execute_query_dict(
        "SELECT data FROM e_certificate WHERE id = " + str(int(cert.id))
    )
    assert "李四" not in rows[0]["data"] and rows[0]["data"].startswith("v")
    assert service.data_of(await ECertificate.get(id=cert.id)) == {"child": "李四"}


def test_the_key_ring_answers_false_for_garbage_signatures(ring: KeyRing) -> None:
    data = b"{}"

    assert ring.verify(data, ring.sign(data))
    assert not ring.verify(data, Signature(KID, "not base64 !!"))
    assert not ring.verify(data, Signature(KID, base64.urlsafe_b64encode(b"x" * 64).decode()))
    assert not ring.verify(data, Signature("nope", ring.sign(data).value))
