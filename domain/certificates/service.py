"""Issue, read, verify and revoke e-certificates (电子证照).

A certificate is signed once, at issue, over the canonical JSON of :func:`document_of` with the
certificate key ring's active key (Ed25519, ``kid`` in the envelope). Anyone holding the published
public keys (``GET /api/v1/certificates/keys``) can check a certificate offline; revocation and
expiry need the online check (:func:`verify`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from stdnum.iso7064 import mod_37_36
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.accounts.models import User
from domain.audit import service as audit
from domain.certificates.errors import (
    CertificateAlreadyRevoked,
    CertificateInputInvalid,
    CertificateKeyUnknown,
    CertificateNotFound,
    CertificateNumberInvalid,
    CertificateSignatureInvalid,
)
from domain.certificates.models import CertificateStatus, ECertificate
from domain.credentials import service as credentials
from domain.credentials.kinds import Kind
from domain.credentials.models import SubjectStatus
from domain.outbox.service import enqueue
from domain.shared import clock, pii
from domain.shared.actor import Actor
from domain.shared.signing import ALGORITHM, KeyRing, Signature, canonical_json
from domain.staff.errors import StaffRoleRequired
from domain.staff.roles import Role, authorize

ISSUED_TOPIC = "certificates.issued"
DOCUMENT_VERSION = 1
MAX_DATA_BYTES = 8192
MAX_VALID_DAYS = 100 * 366
_TYPE_CODE = re.compile(r"^[A-Z0-9]{2,16}$")
_NUMBER = re.compile(r"^([A-Z0-9]{2,16})-(\d{4}\d{10}[0-9A-Z])$")

_ring: KeyRing | None = None


def install_keys(ring: KeyRing) -> None:
    """Called once per process by the wiring (and by tests), like ``pii.install``."""
    global _ring
    _ring = ring


def keys() -> KeyRing:
    if _ring is None:
        raise RuntimeError("certificates.install_keys() has not been called")
    return _ring


def public_keys() -> dict[str, Any]:
    """The JWK set of every key that still verifies certificates."""
    return keys().jwks()


class Validity(StrEnum):
    VALID = "valid"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class SignedCertificate:
    """What a holder carries and a verifier checks offline."""

    document: dict[str, Any]
    kid: str
    signature: str
    alg: str = ALGORITHM

    def as_dict(self) -> dict[str, Any]:
        return {"document": self.document, "kid": self.kid, "alg": self.alg, "signature": self.signature}


@dataclass(frozen=True)
class Verification:
    certificate: ECertificate
    validity: Validity


def data_of(cert: ECertificate) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(cert.data)
    return loaded


def document_of(cert: ECertificate) -> dict[str, Any]:
    """The signed content: everything a verifier needs, nothing that identifies the holder in clear."""
    return {
        "v": DOCUMENT_VERSION,
        "number": cert.number,
        "type": cert.type_code,
        "holder": cert.holder_name_masked,
        "data": data_of(cert),
        "valid_from": cert.valid_from.isoformat(),
        "valid_until": cert.valid_until.isoformat(),
        "issuer": cert.department_code,
        "issued_at": cert.issued_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def signed(cert: ECertificate) -> SignedCertificate:
    return SignedCertificate(document=document_of(cert), kid=cert.kid or "", signature=cert.signature or "")


def validity(cert: ECertificate, today: dt.date | None = None) -> Validity:
    """Revocation first, then the validity window in China dates (both ends inclusive)."""
    today = today or clock.today_in_china()
    if cert.status == CertificateStatus.REVOKED:
        return Validity.REVOKED
    if today < cert.valid_from:
        return Validity.NOT_YET_VALID
    if today > cert.valid_until:
        return Validity.EXPIRED
    return Validity.VALID


def number_for(type_code: str, year: int, serial: int) -> str:
    body = f"{type_code}{year:04d}{serial:010d}"
    return f"{type_code}-{year:04d}{serial:010d}{mod_37_36.calc_check_digit(body)}"


def _check_number(number: str) -> str:
    match = _NUMBER.match(number)
    if match is None or not mod_37_36.is_valid(match.group(1) + match.group(2)):
        raise CertificateNumberInvalid()
    return number


async def issue_for_request(
    *,
    request_id: int,
    holder_user_id: int,
    holder_name: str | None = None,
    type_code: str,
    data: dict[str, Any],
    department_code: str,
    valid_days: int,
    using_db: BaseDBAsyncClient,
) -> ECertificate:
    """Issue an approved request's certificate in the caller's transaction; idempotent per request+type.

    ``holder_name`` is the name the certificate shows (masked) when it is not the holder's own: a
    child's certificate kept in the guardian's wallet.
    """
    existing = (
        await ECertificate.filter(request_id=request_id, type_code=type_code).using_db(using_db).first()
    )
    if existing is not None:
        return existing  # a retried approval must not issue twice
    encoded = json.dumps(data, ensure_ascii=False)
    if not _TYPE_CODE.match(type_code) or not 0 < valid_days <= MAX_VALID_DAYS or not department_code:
        raise CertificateInputInvalid(details={"type_code": type_code[:32], "valid_days": valid_days})
    if not isinstance(data, dict) or len(encoded.encode()) > MAX_DATA_BYTES:
        raise CertificateInputInvalid(details={"data": "object of at most 8 KiB"})
    holder = await User.filter(id=holder_user_id).using_db(using_db).first()
    if holder is None:
        raise CertificateInputInvalid(details={"holder_user_id": holder_user_id})
    now = clock.now()
    valid_from = clock.today_in_china()
    cert = await ECertificate.create(
        type_code=type_code,
        holder_id=holder.id,
        holder_name_masked=pii.mask_name(holder_name or holder.real_name),
        request_id=request_id,
        data=encoded,
        valid_from=valid_from,
        valid_until=valid_from + dt.timedelta(days=valid_days - 1),
        department_code=department_code[:64],
        issued_at=now.replace(microsecond=0),
        using_db=using_db,
    )
    cert.number = number_for(type_code, valid_from.year, cert.id)
    signature = keys().sign(canonical_json(document_of(cert)))
    cert.kid, cert.signature = signature.kid, signature.value
    await cert.save(using_db=using_db, update_fields=["number", "kid", "signature"])
    await audit.record(
        Actor.system(),
        "certificate.issued",
        target_type="e_certificate",
        target_id=cert.id,
        after={"number": cert.number, "type": type_code, "request_id": request_id, "kid": cert.kid},
        using_db=using_db,
    )
    await enqueue(
        ISSUED_TOPIC,
        {"certificate_id": cert.id, "user_id": holder.id},
        using_db=using_db,
        key=f"{ISSUED_TOPIC}:{cert.id}",
    )
    return cert


async def wallet(actor: Actor) -> list[ECertificate]:
    """The resident's own certificates, newest first."""
    return await ECertificate.filter(holder_id=actor.id).order_by("-issued_at", "-id")


async def get_own(actor: Actor, certificate_id: int) -> ECertificate:
    """One of the resident's own certificates; anyone else's is not found."""
    cert = await ECertificate.get_or_none(id=certificate_id, holder_id=actor.id)
    if cert is None:
        raise CertificateNotFound()
    return cert


async def verify(
    actor: Actor, *, number: str | None = None, envelope: SignedCertificate | None = None
) -> Verification:
    """Check a certificate by number or as a signed document: signature, then revocation and expiry."""
    _authorize_verifier(actor)
    if envelope is not None:
        if not keys().knows(envelope.kid):
            raise CertificateKeyUnknown(details={"kid": envelope.kid[:64]})
        if not keys().verify(canonical_json(envelope.document), Signature(envelope.kid, envelope.signature)):
            raise CertificateSignatureInvalid()
        presented = envelope.document.get("number")
        number = presented if isinstance(presented, str) else ""
    cert = await ECertificate.get_or_none(number=_check_number(number or ""))
    if cert is None:
        raise CertificateNotFound()
    return Verification(certificate=check_stored(cert), validity=validity(cert))


def check_stored(cert: ECertificate) -> ECertificate:
    """The stored row must still match what was signed: a row altered in the database fails here."""
    if not keys().verify(canonical_json(document_of(cert)), Signature(cert.kid or "", cert.signature or "")):
        raise CertificateSignatureInvalid()
    return cert


def _authorize_verifier(actor: Actor) -> None:
    # Frontline scanners check what residents show; case officers check certificates offered as
    # material. Either role suffices, in any scope: verifying reveals nothing the holder did not show.
    try:
        authorize(actor, Role.SCANNER)
    except StaffRoleRequired:
        authorize(actor, Role.CASE_OFFICER)


async def revoke(actor: Actor, certificate_id: int, *, reason: str) -> ECertificate:
    """Revoke a certificate (case officers of the issuing department); audited."""
    authorize(actor, Role.CASE_OFFICER)
    async with in_transaction() as conn:
        cert = await ECertificate.filter(id=certificate_id).using_db(conn).select_for_update().first()
        if cert is None:
            raise CertificateNotFound()
        authorize(actor, Role.CASE_OFFICER, cert.department_code)
        if cert.status == CertificateStatus.REVOKED:
            raise CertificateAlreadyRevoked()
        cert.status = CertificateStatus.REVOKED
        cert.revoked_at = clock.now()
        cert.revoked_reason = reason
        await cert.save(using_db=conn, update_fields=["status", "revoked_at", "revoked_reason"])
        # Its QR codes too, on the offline scanners' revocation list from now on.
        await credentials.set_status(
            Kind.CERTIFICATE, cert.id, cert.holder_id, SubjectStatus.REVOKED, using_db=conn
        )
        await audit.record(
            actor,
            "certificate.revoked",
            target_type="e_certificate",
            target_id=cert.id,
            before={"status": CertificateStatus.ACTIVE.value},
            after={"status": CertificateStatus.REVOKED.value, "reason": reason},
            using_db=conn,
        )
    return cert
