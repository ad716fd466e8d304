"""Issue credentials to their holders, verify what a scanner read, and publish what verifies offline.

The owning module of a kind registers who may show its credential with :func:`holder`, and tells
this module when the thing is frozen, revoked or active again with :func:`set_status` (inside its
own transaction, so that the revocation list never disagrees with the owner).

Dynamic codes are minted on demand: valid for ``dynamic_ttl`` seconds plus a short ``grace`` for
the scan itself, so a screenshot stops working within a couple of minutes. A static code is the
same token every time (Ed25519 signatures are deterministic) until its nonce is replaced, and is
only accepted with the holder's PIN.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.credentials import token as wire
from domain.credentials.errors import (
    CredentialExpired,
    CredentialFrozen,
    CredentialKindUnsupported,
    CredentialNotFound,
    CredentialNotYetValid,
    CredentialPinInvalid,
    CredentialPinLocked,
    CredentialPinNotSet,
    CredentialPinRequired,
    CredentialPinWeak,
    CredentialRevoked,
    CredentialStaticNotAllowed,
)
from domain.credentials.kinds import POLICIES, Kind
from domain.credentials.models import CredentialSubject, RevocationEvent, SubjectStatus
from domain.shared import clock, passwords, sql
from domain.shared.actor import Actor
from domain.shared.registry import Registry
from domain.shared.signing import KeyRing, b64url, canonical_json

# A scanner's clock may run this far ahead of ours (or ours behind) before a code is "not yet valid".
CLOCK_SKEW_SECONDS = 30
STATIC_VALID_DAYS = 10 * 366
PIN_LENGTH = 6
PIN_MAX_FAILURES = 5
PIN_LOCK = dt.timedelta(minutes=15)
# Non-static codes live minutes; their subjects leave the revocation list a day after the change.
REVOCATION_HORIZON = dt.timedelta(days=1)
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_REF_LENGTH = 16  # 80 bits: unguessable, short enough for the QR budget


@dataclass(frozen=True)
class Config:
    ring: KeyRing
    dynamic_ttl_seconds: int = 60
    grace_seconds: int = 30


_config: Config | None = None


def install(config: Config) -> None:
    """Called once per process by the wiring (and by tests), like ``pii.install``."""
    global _config
    _config = config


def config() -> Config:
    if _config is None:
        raise RuntimeError("credentials.install() has not been called")
    return _config


def public_keys() -> dict[str, Any]:
    """The JWK set scanners verify codes with offline."""
    return config().ring.jwks()


# -- holders: who may show a kind ------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """What the owning module says about a thing its caller may show a code for."""

    object_id: int
    holder_user_id: int


HolderLookup = Callable[[Actor, int], Awaitable[Held]]
# kind -> who may show it; one owning module per kind (a second registration fails at import).
_HOLDERS: Registry[Kind, HolderLookup] = Registry("credential holder")


def holder(kind: Kind) -> Callable[[HolderLookup], HolderLookup]:
    """Register how to find the thing of ``kind`` with this id that the actor may show (or raise the
    owner's not-found error)."""
    return _HOLDERS.register(kind)


# -- subjects ----------------------------------------------------------------------------------------


def _new_ref() -> str:
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(_REF_LENGTH))


def _new_static_nonce(kind: Kind) -> str | None:
    return secrets.token_hex(wire.NONCE_BYTES) if POLICIES[kind].static_allowed else None


async def _create_subject(
    kind: Kind, object_id: int, holder_user_id: int, status: SubjectStatus, conn: BaseDBAsyncClient
) -> CredentialSubject:
    now = clock.now()
    return await CredentialSubject.create(
        ref=_new_ref(),
        kind=kind.value,
        object_id=object_id,
        holder_user_id=holder_user_id,
        status=status,
        static_nonce=_new_static_nonce(kind),
        created_at=now,
        updated_at=now,
        using_db=conn,
    )


async def subject_for(kind: Kind, object_id: int, holder_user_id: int) -> CredentialSubject:
    """The subject of a thing, made the first time a code is shown for it."""
    found = await CredentialSubject.get_or_none(kind=kind.value, object_id=object_id)
    if found is not None:
        return found
    try:
        async with in_transaction() as conn:
            return await _create_subject(kind, object_id, holder_user_id, SubjectStatus.ACTIVE, conn)
    except IntegrityError:  # two devices of the holder at once: the other made it
        return await CredentialSubject.get(kind=kind.value, object_id=object_id)


async def set_status(
    kind: Kind, object_id: int, holder_user_id: int, status: SubjectStatus, *, using_db: BaseDBAsyncClient
) -> None:
    """The owner froze, revoked or reactivated the thing: in the owner's transaction (which holds
    the owner's row lock, so the subject cannot be made twice here)."""
    subject = (
        await CredentialSubject.filter(kind=kind.value, object_id=object_id)
        .using_db(using_db)
        .select_for_update()
        .first()
    )
    if subject is None:
        if status == SubjectStatus.ACTIVE:
            return  # nothing was ever shown, and nothing is to be refused
        subject = await _create_subject(kind, object_id, holder_user_id, status, using_db)
    elif subject.status == status or subject.status == SubjectStatus.REVOKED:
        return  # revoked is for good
    else:
        subject.status, subject.updated_at = status, clock.now()
        await subject.save(using_db=using_db, update_fields=["status", "updated_at"])
    await RevocationEvent.create(
        ref=subject.ref, kind=kind.value, status=status, at=clock.now(), using_db=using_db
    )


def _check_status(subject: CredentialSubject) -> None:
    if subject.status == SubjectStatus.FROZEN:
        raise CredentialFrozen()
    if subject.status == SubjectStatus.REVOKED:
        raise CredentialRevoked()


# -- minting -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Minted:
    token: str
    kind: Kind
    static: bool
    issued_at: dt.datetime
    expires_at: dt.datetime
    # When the app should fetch the next code (None for a static code).
    refresh_at: dt.datetime | None


async def issue(actor: Actor, kind: Kind, object_id: int, *, static: bool = False) -> Minted:
    """A fresh code for something the actor may show; a static code needs the kind to allow one and a
    PIN set."""
    lookup = _HOLDERS.get(kind)
    if lookup is None:
        raise CredentialKindUnsupported(details={"kind": kind.value})
    held = await lookup(actor, object_id)
    subject = await subject_for(kind, held.object_id, held.holder_user_id)
    _check_status(subject)
    return mint(subject, static=static)


def mint(subject: CredentialSubject, *, static: bool = False) -> Minted:
    settings = config()
    kind = Kind(subject.kind)
    if static:
        if not POLICIES[kind].static_allowed or subject.static_nonce is None:
            raise CredentialStaticNotAllowed(details={"kind": kind.value})
        if subject.pin_hash is None:
            raise CredentialPinNotSet()
        issued = int(subject.created_at.timestamp())
        expires = issued + STATIC_VALID_DAYS * 86400
        nonce = bytes.fromhex(subject.static_nonce)
        refresh: int | None = None
    else:
        issued = int(clock.now().timestamp())
        refresh = issued + settings.dynamic_ttl_seconds
        expires = refresh + settings.grace_seconds
        nonce = secrets.token_bytes(wire.NONCE_BYTES)
    claims = wire.Claims(
        kind=kind,
        subject=subject.ref,
        issued_at=issued,
        expires_at=expires,
        nonce=nonce,
        kid=settings.ring.active_kid,
        static=static,
    )
    return Minted(
        token=wire.encode(claims, settings.ring),
        kind=kind,
        static=static,
        issued_at=instant(issued),
        expires_at=instant(expires),
        refresh_at=instant(refresh) if refresh is not None else None,
    )


def instant(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


# -- verifying ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    claims: wire.Claims
    subject: CredentialSubject


def check_claims(claims: wire.Claims, at: dt.datetime) -> None:
    """Time checks at ``at`` (now online; the moment of the scan for an offline upload)."""
    seconds = int(at.timestamp())
    if claims.issued_at > seconds + CLOCK_SKEW_SECONDS:
        raise CredentialNotYetValid()
    if seconds > claims.expires_at:
        raise CredentialExpired(details={"expired_at": instant(claims.expires_at).isoformat()})


async def verify(token: str, *, at: dt.datetime | None = None) -> Verified:
    """Signature, time, and the subject's state: each failure with its own code. It does not consume
    a single-use code: that is the scan's, in the scan's transaction."""
    claims = wire.decode(token, config().ring)
    check_claims(claims, at or clock.now())
    subject = await _subject_by_ref(claims.subject)
    if subject is None or subject.kind != claims.kind.value:
        raise CredentialNotFound()
    _check_status(subject)
    if claims.static and claims.nonce.hex() != subject.static_nonce:
        raise CredentialRevoked()  # a replaced static code
    return Verified(claims, subject)


async def _subject_by_ref(ref: str) -> CredentialSubject | None:
    """``CredentialSubject.get_or_none(ref=…)``, written as SQL: every verify and scan reads it."""
    conn = CredentialSubject._choose_db()
    where = f"{sql.column(CredentialSubject, 'ref')} = $1"
    return await sql.first(conn, CredentialSubject, where, [ref])


# -- the static code's PIN -----------------------------------------------------------------------------


def check_new_pin(pin: str) -> str:
    digits = pin.strip()
    steps = {int(b) - int(a) for a, b in zip(digits, digits[1:], strict=False)} if digits.isdigit() else set()
    if len(digits) != PIN_LENGTH or not digits.isdigit() or steps in ({0}, {1}, {-1}):
        raise CredentialPinWeak()
    return digits


async def set_pin(subject: CredentialSubject, pin: str, *, using_db: BaseDBAsyncClient) -> None:
    """Set or change the PIN (the owner checks that its caller is the holder)."""
    subject.pin_hash = await passwords.hash_secret(check_new_pin(pin))
    subject.pin_failures, subject.pin_locked_until, subject.updated_at = 0, None, clock.now()
    await subject.save(
        using_db=using_db, update_fields=["pin_hash", "pin_failures", "pin_locked_until", "updated_at"]
    )


async def check_pin(subject: CredentialSubject, pin: str | None) -> None:
    """At the scanner: the static code's PIN. Five wrong PINs lock the code for 15 minutes; the
    count is kept in the database, in its own transaction, so that no later refusal undoes it."""
    if not pin:
        raise CredentialPinRequired()
    now = clock.now()
    if subject.pin_locked_until is not None and subject.pin_locked_until > now:
        raise CredentialPinLocked(
            details={"retry_after": int((subject.pin_locked_until - now).total_seconds())}
        )
    if subject.pin_hash is None:
        raise CredentialPinNotSet()
    if await passwords.secret_matches(subject.pin_hash, pin):
        if subject.pin_failures:
            await CredentialSubject.filter(id=subject.id).update(pin_failures=0, pin_locked_until=None)
        return
    async with in_transaction() as conn:
        locked = await CredentialSubject.filter(id=subject.id).using_db(conn).select_for_update().get()
        locked.pin_failures += 1
        if locked.pin_failures >= PIN_MAX_FAILURES:
            locked.pin_failures, locked.pin_locked_until = 0, now + PIN_LOCK
        await locked.save(using_db=conn, update_fields=["pin_failures", "pin_locked_until"])
    if locked.pin_locked_until is not None and locked.pin_locked_until > now:
        raise CredentialPinLocked(details={"retry_after": int(PIN_LOCK.total_seconds())})
    raise CredentialPinInvalid(details={"attempts_left": PIN_MAX_FAILURES - locked.pin_failures})


# -- what offline scanners download --------------------------------------------------------------------


@dataclass(frozen=True)
class RevocationList:
    version: int
    changed: bool  # False: the scanner's ``since`` is the current version, and no entries are sent
    document: dict[str, Any]  # signed: {"version", "issued_at", "entries": [...]}
    kid: str
    signature: str


async def revocation_list(since: int | None = None) -> RevocationList:
    """Refs a scanner must refuse even though their signature is good: every frozen or revoked subject
    of a kind with a static code, and any other changed within the last day (their codes have
    expired by then). Signed with the credential key, so a scanner may keep it on disk. A scanner
    already at the current version (``since``) gets an empty, still signed, answer."""
    last = await RevocationEvent.all().order_by("-id").only("id").first()
    version = last.id if last else 0
    changed = since != version
    rows: list[CredentialSubject] = []
    if changed:
        static_kinds = [k.value for k, p in POLICIES.items() if p.static_allowed]
        since_day = clock.now() - REVOCATION_HORIZON
        inactive = [SubjectStatus.FROZEN, SubjectStatus.REVOKED]
        rows = await CredentialSubject.filter(status__in=inactive, updated_at__gte=since_day).order_by("id")
        rows += await CredentialSubject.filter(
            status__in=inactive, kind__in=static_kinds, updated_at__lt=since_day
        ).order_by("id")
    document = {
        "version": version,
        "issued_at": clock.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "entries": [{"ref": s.ref, "kind": s.kind, "status": s.status.value} for s in rows],
    }
    return RevocationList(
        version=version,
        changed=changed,
        document=document,
        kid=config().ring.active_kid,
        signature=_sign_document(document),
    )


def _sign_document(document: dict[str, Any]) -> str:
    """base64url Ed25519 over the document's canonical JSON, with the active credential key."""
    return b64url(config().ring.sign_raw(canonical_json(document)))
