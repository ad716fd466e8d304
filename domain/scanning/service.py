"""Scanner devices, the scan, and offline uploads.

A scan is: the device is the caller's and still in their scope → the code verifies (signature,
time, state) → the caller may scan its kind → the static code's PIN → the kind's action. The action,
the scan row and the audit record commit together or not at all. A single-use code is spent by the
scan row's unique ``spent_nonce``; a Redis ``SET NX`` in front answers a second gate at once
without waiting on the database, which stays the truth.
"""

from __future__ import annotations

import datetime as dt
import secrets
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.audit import service as audit
from domain.credentials import service as credentials
from domain.credentials import token as wire
from domain.credentials.errors import CredentialAlreadyUsed, CredentialKindUnsupported, CredentialPinRequired
from domain.credentials.kinds import POLICIES, Kind
from domain.scanning import registry
from domain.scanning.errors import (
    ScanActionConflict,
    ScanBatchTooLarge,
    ScanKindNotAllowed,
    ScannerDeviceNotFound,
    ScanTimeInvalid,
)
from domain.scanning.models import Scan, ScannerDevice, ScanOutcome
from domain.shared import clock, sql
from domain.shared.actor import Actor
from domain.shared.errors import DomainError
from domain.shared.kv import Keys, Redis
from domain.staff.roles import Role, authorize

MAX_BATCH = 200
OFFLINE_MAX_AGE = dt.timedelta(days=7)
SEEN_EVERY = dt.timedelta(minutes=1)
_DEVICE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_MAX_ID = 2**63 - 1
_DEVICE_KEYS = ("code", "staff_id", "active")


# -- devices -----------------------------------------------------------------------------------------


async def register_device(actor: Actor, *, site_code: str, name: str) -> ScannerDevice:
    """A scanner at one of the caller's sites, registered to the caller."""
    authorize(actor, Role.SCANNER, site_code)
    async with in_transaction() as conn:
        device = await ScannerDevice.create(
            code="SD-" + "".join(secrets.choice(_DEVICE_ALPHABET) for _ in range(12)),
            staff_id=actor.id,
            site_code=site_code,
            name=name.strip()[:64],
            registered_at=clock.now(),
            using_db=conn,
        )
        await audit.record(
            actor,
            "scanner.device_registered",
            target_type="scanner_device",
            target_id=device.id,
            after={"site": site_code, "name": device.name},
            using_db=conn,
        )
    return device


async def my_devices(actor: Actor) -> list[ScannerDevice]:
    authorize(actor, Role.SCANNER)
    return await ScannerDevice.filter(staff_id=actor.id, active=True).order_by("id")


async def retire_device(actor: Actor, device_id: int) -> ScannerDevice:
    authorize(actor, Role.SCANNER)
    async with in_transaction() as conn:
        device = (
            await ScannerDevice.filter(id=device_id, staff_id=actor.id, active=True)
            .using_db(conn)
            .select_for_update()
            .first()
            if 0 < device_id <= _MAX_ID
            else None
        )
        if device is None:
            raise ScannerDeviceNotFound()
        device.active = False
        await device.save(using_db=conn, update_fields=["active"])
        await audit.record(
            actor, "scanner.device_retired", target_type="scanner_device", target_id=device.id, using_db=conn
        )
    return device


async def _device(actor: Actor, code: str) -> ScannerDevice:
    authorize(actor, Role.SCANNER)
    # As SQL: every scan reads it (``ScannerDevice.get_or_none(code=…, staff_id=…, active=True)``).
    conn = ScannerDevice._choose_db()
    where = " AND ".join(
        f"{sql.column(ScannerDevice, name)} = ${n}" for n, name in enumerate(_DEVICE_KEYS, 1)
    )
    values = [
        sql.db_value(ScannerDevice, name, value)
        for name, value in zip(_DEVICE_KEYS, (code.strip().upper(), actor.id, True), strict=True)
    ]
    device = await sql.first(conn, ScannerDevice, where, values)
    if device is None:
        raise ScannerDeviceNotFound()
    authorize(actor, Role.SCANNER, device.site_code)  # scopes change: checked at every scan
    return device


async def _seen(device: ScannerDevice, now: dt.datetime) -> None:
    """When the device last scanned, to the minute: one write a minute, not one a scan."""
    if device.last_seen_at is None or now - device.last_seen_at >= SEEN_EVERY:
        await ScannerDevice.filter(id=device.id).update(last_seen_at=now)


def _allow_kind(actor: Actor, kind: Kind) -> None:
    # The staff token carries the kinds (changing them ends the account's sessions).
    if kind.value not in actor.scan_kinds:
        allowed = [k.value for k in Kind if k.value in actor.scan_kinds]
        raise ScanKindNotAllowed(details={"kind": kind.value, "allowed": allowed})


# -- spending single-use codes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Spent:
    """The Redis side of "used once": answers a second gate at once; the database decides."""

    redis: Redis
    keys: Keys

    def _key(self, nonce: str) -> str:
        return self.keys.of("credential", "spent", nonce)

    async def claim(self, claims: wire.Claims, now: dt.datetime) -> bool:
        ttl = max(60, claims.expires_at - int(now.timestamp()) + 60)  # outlive the code itself
        try:
            return bool(await self.redis.set(self._key(claims.nonce_hex), "1", nx=True, ex=ttl))
        except RedisError:
            return True  # Redis away: the scan row's unique nonce still admits the code once

    async def is_spent(self, claims: wire.Claims) -> bool:
        # The key outlives the code, so while the code is valid its absence means "not yet used".
        try:
            return bool(await self.redis.exists(self._key(claims.nonce_hex)))
        except RedisError:
            return await Scan.exists(spent_nonce=claims.nonce_hex)  # the truth, one query dearer

    async def release(self, claims: wire.Claims) -> None:
        with suppress(RedisError):  # a key left behind expires with the code
            await self.redis.delete(self._key(claims.nonce_hex))


# -- the scan ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scanned:
    scan: Scan
    kind: Kind


@dataclass(frozen=True)
class Checked:
    verified: credentials.Verified
    # A single-use code a scan has already admitted: genuine, but no longer admissible.
    spent: bool


async def verify_only(actor: Actor, spent: Spent, token: str) -> Checked:
    """Check a code without acting on it (a scanner's "is this genuine?"); nothing is spent."""
    authorize(actor, Role.SCANNER)
    verified = await credentials.verify(token)
    _allow_kind(actor, verified.claims.kind)
    claims = verified.claims
    single_use = POLICIES[claims.kind].single_use and not claims.static
    return Checked(verified, spent=single_use and await spent.is_spent(claims))


async def scan(
    actor: Actor,
    spent: Spent,
    *,
    device_code: str,
    token: str,
    pin: str | None = None,
    purpose: str | None = None,
) -> Scanned:
    """Verify and act, online. Refusals are audited with their code, then raised."""
    device = await _device(actor, device_code)
    now = clock.now()
    try:
        verified = await credentials.verify(token, at=now)
        _allow_kind(actor, verified.claims.kind)
        if verified.claims.static:
            await credentials.check_pin(verified.subject, pin)
        found = await _act(actor, spent, device, verified, purpose=purpose, at=now, offline=False)
    except DomainError as exc:
        await _refused(actor, device, exc)
        raise
    await _seen(device, now)
    return found


async def _act(
    actor: Actor,
    spent: Spent,
    device: ScannerDevice,
    verified: credentials.Verified,
    *,
    purpose: str | None,
    at: dt.datetime,
    offline: bool,
    upload_key: str | None = None,
) -> Scanned:
    claims = verified.claims
    act = registry.action_for(claims.kind)
    if act is None:
        raise CredentialKindUnsupported(details={"kind": claims.kind.value})
    spends = POLICIES[claims.kind].single_use and not claims.static  # a static code is guarded by its PIN
    if spends and not await spent.claim(claims, clock.now()):
        raise CredentialAlreadyUsed()
    try:
        async with in_transaction() as conn:
            # The row first: a second gate's insert of the same nonce waits here, then fails.
            row = await _spend(
                conn,
                **_scan_of(actor, device, claims, at, offline=offline, upload_key=upload_key),
                spent_nonce=claims.nonce_hex if spends else None,
                outcome=ScanOutcome.ADMITTED,
                purpose=purpose,
            )
            context = registry.ScanContext(
                actor=actor,
                device=device,
                verified=verified,
                purpose=purpose,
                at=at,
                scan_id=row.id,
                offline=offline,
            )
            try:
                outcome = await act(context, conn)
            except IntegrityError as exc:
                # The owner's own constraint (two codes of one appointment at two gates at once):
                # not this code being used. Nothing is kept, and the code may be scanned again.
                raise ScanActionConflict(details={"kind": claims.kind.value}) from exc
            row.action, row.shown = outcome.action, outcome.shown
            await row.save(using_db=conn, update_fields=["action", "shown"])
            await audit.record(
                actor,
                "scan.admitted",
                target_type="scan",
                target_id=row.id,
                after={
                    "kind": claims.kind.value,
                    "action": outcome.action,
                    "device": device.code,
                    "site": device.site_code,
                    "offline": offline,
                },
                using_db=conn,
            )
    except (CredentialAlreadyUsed, UploadedBefore):
        raise  # another scan spent the code (or recorded this very upload): it stays spent
    except BaseException:
        if spends:
            await spent.release(claims)  # refused before spending: the code may be shown again
        raise
    return Scanned(row, claims.kind)


class UploadedBefore(Exception):
    """The same offline scan (device and nonce) was recorded by an upload running at the same time."""


def _unique_violated(exc: IntegrityError, column: str) -> bool:
    """Whether ``exc`` is the scan table's unique constraint on ``column``: PostgreSQL names it
    ``scan_<column>_key``, SQLite says ``scan.<column>``."""
    table = Scan._meta.db_table
    text = str(exc)
    return f"{table}_{column}_key" in text or f"{table}.{column}" in text


async def _spend(conn: BaseDBAsyncClient, **columns: Any) -> Scan:
    """Write the scan row; its unique columns say whether the code was spent already."""
    try:
        return await Scan.create(**columns, using_db=conn)
    except IntegrityError as exc:
        if _unique_violated(exc, "spent_nonce"):
            raise CredentialAlreadyUsed() from None  # the database's answer: another scan spent it
        if _unique_violated(exc, "upload_key"):
            raise UploadedBefore() from None
        raise


def _scan_of(
    actor: Actor,
    device: ScannerDevice,
    claims: wire.Claims,
    at: dt.datetime,
    *,
    offline: bool,
    upload_key: str | None,
) -> dict[str, Any]:
    """The columns every scan row has: who, where, which code, when."""
    return {
        "device_id": device.id,
        "staff_id": actor.id,
        "site_code": device.site_code,
        "kind": claims.kind.value,
        "subject_ref": claims.subject,
        "nonce": claims.nonce_hex,
        "upload_key": upload_key,
        "offline": offline,
        "scanned_at": at,
        "received_at": clock.now(),
    }


async def _refused(actor: Actor, device: ScannerDevice, exc: DomainError, **extra: Any) -> None:
    await audit.record(
        actor,
        "scan.refused",
        target_type="scanner_device",
        target_id=device.id,
        after={"code": exc.code, "site": device.site_code, **extra},
    )


# -- offline uploads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfflineScan:
    token: str
    scanned_at: dt.datetime
    purpose: str | None = None


@dataclass(frozen=True)
class UploadResult:
    index: int
    status: str  # admitted, duplicate, conflict, refused
    scan: Scan | None = None
    error: DomainError | None = None
    # Refused without spending the code: it may be scanned again (a fresh code, if it expired).
    code_given_back: bool = False


async def upload(
    actor: Actor, spent: Spent, *, device_code: str, scans: list[OfflineScan]
) -> list[UploadResult]:
    """Scans a device made without network, uploaded later. Each is judged as at the moment it was
    made; the batch may be uploaded again (``duplicate``); a single-use code another gate already
    spent is recorded and reported as ``conflict``."""
    if len(scans) > MAX_BATCH:
        raise ScanBatchTooLarge(details={"max": MAX_BATCH})
    device = await _device(actor, device_code)
    results = [await _upload_one(actor, spent, device, i, item) for i, item in enumerate(scans)]
    await _seen(device, clock.now())
    return results


async def _upload_one(
    actor: Actor, spent: Spent, device: ScannerDevice, index: int, item: OfflineScan
) -> UploadResult:
    try:
        claims, _body, _signature = wire.parse(item.token)
        upload_key = f"{device.id}:{claims.nonce_hex}"
        earlier = await Scan.get_or_none(upload_key=upload_key)
        if earlier is not None:
            return UploadResult(index, "duplicate", earlier)
        now = clock.now()
        at = item.scanned_at.astimezone(dt.UTC)
        if not now - OFFLINE_MAX_AGE <= at <= now + dt.timedelta(seconds=credentials.CLOCK_SKEW_SECONDS):
            raise ScanTimeInvalid(
                details={"oldest": (now - OFFLINE_MAX_AGE).isoformat(), "newest": now.isoformat()}
            )
        verified = await credentials.verify(item.token, at=at)
        _allow_kind(actor, verified.claims.kind)
        if verified.claims.static:
            raise CredentialPinRequired()  # a PIN cannot be checked offline
        try:
            done = await _act(
                actor,
                spent,
                device,
                verified,
                purpose=item.purpose,
                at=at,
                offline=True,
                upload_key=upload_key,
            )
        except UploadedBefore:  # the same batch uploading at once: the other upload recorded it
            return UploadResult(index, "duplicate", await Scan.get_or_none(upload_key=upload_key))
        except CredentialAlreadyUsed:
            try:
                return UploadResult(
                    index, "conflict", await _conflict(actor, device, verified, at, upload_key)
                )
            except IntegrityError:  # the same batch uploading at once: the other upload recorded it
                return UploadResult(index, "duplicate", await Scan.get_or_none(upload_key=upload_key))
        return UploadResult(index, "admitted", done.scan)
    except DomainError as exc:
        # Refused for a reason other than being used: nothing was spent (``_act`` gave the nonce
        # back), and the answer says so, so the code may be scanned again once the reason is fixed.
        await _refused(actor, device, exc, offline=True)
        return UploadResult(index, "refused", error=exc, code_given_back=True)


async def _conflict(
    actor: Actor, device: ScannerDevice, verified: credentials.Verified, at: dt.datetime, upload_key: str
) -> Scan:
    """Record the losing scan beside the one that spent the code, and audit it for follow-up."""
    claims = verified.claims
    first = await Scan.get_or_none(spent_nonce=claims.nonce_hex)
    async with in_transaction() as conn:
        row = await Scan.create(
            **_scan_of(actor, device, claims, at, offline=True, upload_key=upload_key),
            outcome=ScanOutcome.CONFLICT,
            conflict_with_id=first.id if first else None,
            using_db=conn,
        )
        await audit.record(
            actor,
            "scan.conflict",
            target_type="scan",
            target_id=row.id,
            after={
                "kind": claims.kind.value,
                "conflict_with": row.conflict_with_id,
                "site": device.site_code,
            },
            using_db=conn,
        )
    return row
