"""Staff accounts: creating and changing them, password login with lockout, and staff sessions.

Login failures are counted on the account row under a row lock, so concurrent guesses cannot
slip past the threshold, and the lock survives a Redis restart. Every failed login is audited.
Changing an account's roles, scopes, password or active flag ends its sessions at once, because
access tokens carry roles and scopes as claims.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.accounts.tokens import TokenInvalid, TokenPair, TokenService
from domain.audit import service as audit
from domain.audit.models import AuditRecord
from domain.shared import clock, passwords
from domain.shared.actor import Actor
from domain.shared.kv import Keys, Redis
from domain.staff.errors import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    StaffAccountDisabled,
    StaffAccountNotFound,
    StaffCredentialsInvalid,
    StaffDisplayNameInvalid,
    StaffLocked,
    StaffPasswordTooLong,
    StaffPasswordTooShort,
    StaffSelfLockout,
    StaffUsernameInvalid,
    StaffUsernameTaken,
)
from domain.staff.models import StaffAccount
from domain.staff.roles import Role, authorize, parse_roles, parse_scan_kinds, parse_scopes

TARGET = "staff_account"
MAX_ID = (
    2**31 - 1
)  # the id column is a 32-bit integer: a larger id names no account (and would fail the query)
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


# -- input rules ---------------------------------------------------------------------------------


def normalize_username(value: str) -> str:
    """Usernames are case-insensitive: stored and looked up in lower case."""
    name = value.strip().lower()
    if not _USERNAME_RE.match(name):
        raise StaffUsernameInvalid()
    return name


def check_display_name(value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= 64 or _CONTROL_RE.search(name):
        raise StaffDisplayNameInvalid()
    return name


def check_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise StaffPasswordTooShort(details={"min_length": MIN_PASSWORD_LENGTH})
    if len(value) > MAX_PASSWORD_LENGTH:
        raise StaffPasswordTooLong(details={"max_length": MAX_PASSWORD_LENGTH})
    return value


# -- passwords (domain.shared.passwords) ---------------------------------------------------------


async def hash_password(password: str) -> str:
    return await passwords.hash_secret(password)


async def _password_matches(password_hash: str, password: str) -> bool:
    return await passwords.secret_matches(password_hash, password)


_decoy: list[str] = []


async def _decoy_hash() -> str:
    """A real hash to verify against when the username is unknown, so both answers take as long."""
    if not _decoy:
        _decoy.append(await hash_password("palmcity-decoy-password"))
    return _decoy[0]


# -- sessions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int  # failed logins in a row that lock the account
    seconds: int  # how long the lock lasts


@dataclass(frozen=True)
class StaffSessions:
    """Staff token families, and the index of them per account that lets a change end them all."""

    tokens: TokenService
    redis: Redis
    keys: Keys
    ttl: int  # the refresh token lifetime: no family outlives it

    async def start(self, account: StaffAccount) -> TokenPair:
        pair = await self.tokens.start_family(
            subject=str(account.id), audience="staff", extra=_claims(account)
        )
        index = self._index(account.id)
        await self.redis.sadd(index, pair.family)
        await self.redis.expire(index, self.ttl)
        return pair

    async def end_all(self, account_id: int) -> int:
        index = self._index(account_id)
        families = {str(family) for family in await self.redis.smembers(index)}
        for family in families:
            await self.tokens.revoke_family(family)
        await self.redis.delete(index)
        return len(families)

    def _index(self, account_id: int) -> str:
        return self.keys.of("staff", "sessions", account_id)


def _claims(account: StaffAccount) -> dict[str, Any]:
    # In the token, so that a request needs no database read to know what its caller may do.
    return {"roles": list(account.roles), "scopes": list(account.scopes), "scan": list(account.scan_kinds)}


def _as_staff(account: StaffAccount, actor: Actor) -> Actor:
    return Actor(kind="staff", id=account.id, ip=actor.ip, request_id=actor.request_id)


def _snapshot(account: StaffAccount) -> dict[str, Any]:
    return {
        "username": account.username,
        "display_name": account.display_name,
        "roles": list(account.roles),
        "scopes": list(account.scopes),
        "scan_kinds": list(account.scan_kinds),
        "active": account.active,
    }


def _retry_after(locked_until: datetime) -> dict[str, Any]:
    seconds = max(1, math.ceil((locked_until - clock.now()).total_seconds()))
    return {"retry_after": seconds, "locked_until": locked_until.isoformat()}


# -- login ---------------------------------------------------------------------------------------


async def login(
    *, username: str, password: str, actor: Actor, sessions: StaffSessions, policy: LockoutPolicy
) -> tuple[StaffAccount, TokenPair]:
    """Password login. ``actor`` is the anonymous caller (its ip and request id are audited)."""
    try:
        name = normalize_username(username)
    except StaffUsernameInvalid:
        name = ""
    account = await StaffAccount.get_or_none(username=name) if name else None
    if account is None:
        await _password_matches(await _decoy_hash(), password)  # the same work as for a real account
        # The typed name is not stored: people type passwords into the username field.
        await audit.record(
            actor,
            "staff.login_failed",
            target_type=TARGET,
            target_id="unknown",
            after={"reason": "unknown_username"},
        )
        raise StaffCredentialsInvalid()

    if account.locked_until is not None and account.locked_until > clock.now():
        await audit.record(
            actor, "staff.login_failed", target_type=TARGET, target_id=account.id, after={"reason": "locked"}
        )
        raise StaffLocked(details=_retry_after(account.locked_until))

    if not await _password_matches(account.password_hash, password):
        locked_until = await _count_failure(account.id, actor, policy)
        if locked_until is not None:
            raise StaffLocked(details=_retry_after(locked_until))
        raise StaffCredentialsInvalid()

    if not account.active:
        await audit.record(
            actor,
            "staff.login_failed",
            target_type=TARGET,
            target_id=account.id,
            after={"reason": "disabled"},
        )
        raise StaffAccountDisabled()

    async with in_transaction() as conn:
        account.failed_attempts = 0
        account.locked_until = None
        account.last_login_at = clock.now()
        fields = ["failed_attempts", "locked_until", "last_login_at"]
        if passwords.needs_rehash(account.password_hash):
            account.password_hash = await hash_password(password)
            fields.append("password_hash")
        await account.save(using_db=conn, update_fields=fields)
        await audit.record(
            _as_staff(account, actor),
            "staff.logged_in",
            target_type=TARGET,
            target_id=account.id,
            using_db=conn,
        )
    return account, await sessions.start(account)


async def _count_failure(account_id: int, actor: Actor, policy: LockoutPolicy) -> datetime | None:
    """Count one wrong password; lock the account when the threshold is reached. Returns the lock's end."""
    async with in_transaction() as conn:
        account = await StaffAccount.filter(id=account_id).select_for_update().using_db(conn).get()
        now = clock.now()
        if account.locked_until is not None and account.locked_until > now:
            # A concurrent guess has just locked it: this one is refused as locked.
            await audit.record(
                actor,
                "staff.login_failed",
                target_type=TARGET,
                target_id=account_id,
                after={"reason": "locked"},
            )
            return account.locked_until
        attempts = account.failed_attempts + 1
        locked_until = None
        if attempts >= policy.threshold:
            # After the lock the count starts again, so the next lock needs as many failures.
            locked_until, attempts = now + timedelta(seconds=policy.seconds), 0
        account.failed_attempts, account.locked_until = attempts, locked_until
        await account.save(using_db=conn, update_fields=["failed_attempts", "locked_until"])
        after = {
            "reason": "wrong_password",
            "failed_attempts": attempts if locked_until is None else policy.threshold,
        }
        await audit.record(
            actor, "staff.login_failed", target_type=TARGET, target_id=account_id, after=after, using_db=conn
        )
        if locked_until is not None:
            await audit.record(
                actor,
                "staff.locked",
                target_type=TARGET,
                target_id=account_id,
                after={"locked_until": locked_until.isoformat()},
                using_db=conn,
            )
    return locked_until


async def refresh(*, refresh_token: str, sessions: StaffSessions) -> TokenPair:
    """Rotate a staff refresh token; the new access token carries the account's current roles and scopes."""

    async def current_claims(subject: str) -> dict[str, Any]:
        account = await StaffAccount.get_or_none(id=int(subject))
        if account is None or not account.active:
            await sessions.end_all(int(subject))
            raise TokenInvalid(details={"reason": "account_disabled"})
        return _claims(account)

    return await sessions.tokens.rotate(refresh_token, audience="staff", claims_for=current_claims)


async def logout(*, refresh_token: str, actor: Actor, sessions: StaffSessions) -> None:
    """End the staff session the refresh token belongs to. Anything else is ignored: logout never fails."""
    owner = await sessions.tokens.family_owner(refresh_token)
    if owner is None or owner[1] != "staff":
        return
    family = await sessions.tokens.revoke_by_refresh_token(refresh_token)
    if family is not None:
        staff = Actor(kind="staff", id=int(owner[0]), ip=actor.ip, request_id=actor.request_id)
        await audit.record(
            staff, "staff.logged_out", target_type=TARGET, target_id=owner[0], after={"session": family}
        )


# -- accounts ------------------------------------------------------------------------------------


async def create_staff(
    *,
    username: str,
    password: str,
    display_name: str,
    roles: Iterable[str],
    scopes: Iterable[str] = (),
    scan_kinds: Iterable[str] = (),
    actor: Actor | None = None,
) -> StaffAccount:
    """Create a staff account. Without ``actor`` (the operator CLI) it is audited as the system."""
    actor = actor or Actor.system()
    if actor.kind != "system":
        authorize(actor, Role.ADMIN)
    name = normalize_username(username)
    shown = check_display_name(display_name)
    granted = [r.value for r in parse_roles(roles)]
    where = parse_scopes(scopes)
    password_hash = await hash_password(check_password(password))
    if await StaffAccount.exists(username=name):
        raise StaffUsernameTaken(details={"username": name})
    now = clock.now()
    try:
        async with in_transaction() as conn:
            account = await StaffAccount.create(
                username=name,
                display_name=shown,
                password_hash=password_hash,
                roles=granted,
                scopes=where,
                scan_kinds=parse_scan_kinds(scan_kinds),
                created_at=now,
                updated_at=now,
                using_db=conn,
            )
            await audit.record(
                actor,
                "staff.account_created",
                target_type=TARGET,
                target_id=account.id,
                after=_snapshot(account),
                using_db=conn,
            )
    except IntegrityError:
        raise StaffUsernameTaken(details={"username": name}) from None  # lost a race with the same name
    return account


async def get_account(actor: Actor, account_id: int) -> StaffAccount:
    """One account: staff may read their own, administrators any."""
    if actor.kind != "staff" or actor.id != account_id:
        authorize(actor, Role.ADMIN)
    account = await StaffAccount.get_or_none(id=account_id) if 0 < account_id <= MAX_ID else None
    if account is None:
        raise StaffAccountNotFound()
    return account


async def list_accounts(
    actor: Actor, *, active: bool | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[StaffAccount], int]:
    """A page of accounts (by id) and the total count."""
    authorize(actor, Role.ADMIN)
    query = StaffAccount.all() if active is None else StaffAccount.filter(active=active)
    return await query.offset(offset).limit(limit), await query.count()


async def update_account(
    actor: Actor,
    account_id: int,
    *,
    sessions: StaffSessions,
    display_name: str | None = None,
    roles: Iterable[str] | None = None,
    scopes: Iterable[str] | None = None,
    scan_kinds: Iterable[str] | None = None,
    active: bool | None = None,
    password: str | None = None,
    unlock: bool = False,
) -> StaffAccount:
    """Change an account; ``None`` leaves a field as it is. Audited with the fields before and after."""
    authorize(actor, Role.ADMIN)
    changes: dict[str, Any] = {}
    if display_name is not None:
        changes["display_name"] = check_display_name(display_name)
    if roles is not None:
        changes["roles"] = [r.value for r in parse_roles(roles)]
    if scopes is not None:
        changes["scopes"] = parse_scopes(scopes)
    if scan_kinds is not None:
        changes["scan_kinds"] = parse_scan_kinds(scan_kinds)
    if active is not None:
        changes["active"] = active
    if actor.id == account_id and (
        changes.get("active") is False or ("roles" in changes and Role.ADMIN.value not in changes["roles"])
    ):
        raise StaffSelfLockout()  # someone must always be left able to manage accounts
    password_hash = await hash_password(check_password(password)) if password is not None else None

    if not 0 < account_id <= MAX_ID:
        raise StaffAccountNotFound()
    async with in_transaction() as conn:
        account = await StaffAccount.filter(id=account_id).select_for_update().using_db(conn).get_or_none()
        if account is None:
            raise StaffAccountNotFound()
        before = {k: getattr(account, k) for k, v in changes.items() if getattr(account, k) != v}
        after = {k: changes[k] for k in before}
        if unlock and (account.failed_attempts or account.locked_until):
            before["locked_until"] = account.locked_until.isoformat() if account.locked_until else None
            before["failed_attempts"] = account.failed_attempts
            after |= {"locked_until": None, "failed_attempts": 0}
        if password_hash is not None:
            before["password"], after["password"] = "(old)", "(reset)"  # never the hash itself
        if not after:
            return account
        for key, value in after.items():
            if key != "password":
                setattr(account, key, value)
        if password_hash is not None:
            account.password_hash = password_hash
        account.updated_at = clock.now()
        await account.save(using_db=conn)
        await audit.record(
            actor,
            "staff.account_updated",
            target_type=TARGET,
            target_id=account.id,
            before=before,
            after=after,
            using_db=conn,
        )
    if after.keys() & {"roles", "scopes", "scan_kinds", "active", "password"}:  # all in the tokens
        await sessions.end_all(account.id)
    return account


async def audit_trail(
    actor: Actor, *, target_type: str | None = None, target_id: str | None = None, limit: int = 100
) -> list[AuditRecord]:
    """The newest audit records, optionally for one target. Administrators only."""
    authorize(actor, Role.ADMIN)
    return await audit.history(target_type=target_type, target_id=target_id, limit=limit)
