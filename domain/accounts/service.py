"""Residents logging in with WeChat, staying logged in, and keeping their profile."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from adapters.wechat.port import (
    WeChat,
    WeChatError,
)
from adapters.wechat.port import (
    WeChatCodeInvalid as PlatformCodeInvalid,
)
from adapters.wechat.port import (
    WeChatRateLimited as PlatformRateLimited,
)
from domain.accounts.errors import UserNotFound, WeChatCodeInvalid, WeChatRateLimited
from domain.accounts.models import User
from domain.accounts.tokens import RefreshTokenReused, TokenPair, TokenService
from domain.audit import service as audit
from domain.shared import clock, pii
from domain.shared.actor import Actor
from domain.shared.errors import PlatformUnavailable
from domain.shared.i18n import SUPPORTED_LOCALES
from domain.shared.kv import Keys, Redis

# How long a changed identity level overrides the `lvl` claim of tokens minted before the change
# (server/auth.py reads it). Tokens minted afterwards carry the new level themselves, so this only
# has to outlive the access tokens already out there.
LEVEL_OVERRIDE_SECONDS = 24 * 3600
_UNSET: Any = object()
T = TypeVar("T")


def token_claims(user: User) -> dict[str, Any]:
    """What an access token says about a resident besides who they are."""
    return {"lvl": user.identity_level}


def locale_key(keys: Keys, user_id: int) -> str:
    return keys.of("prefs", "locale", "resident", user_id)


def level_key(keys: Keys, user_id: int) -> str:
    return keys.of("prefs", "level", "resident", user_id)


async def publish_level(redis: Redis, keys: Keys, user: User) -> None:
    """Make a changed identity level count at once, even for access tokens minted before."""
    await redis.set(level_key(keys, user.id), str(user.identity_level), ex=LEVEL_OVERRIDE_SECONDS)


# -- login ---------------------------------------------------------------------------------------


async def login_with_wechat(
    actor: Actor, *, code: str, wechat: WeChat, tokens: TokenService, redis: Redis, keys: Keys
) -> tuple[User, TokenPair]:
    """Find or create the resident behind a ``wx.login`` code and start a new login (token family)."""
    session = await _wechat(wechat.code_to_session(code))
    user = await _find_or_create(actor, session.openid, session.unionid)
    resident = dataclasses.replace(actor, kind="resident", id=user.id)
    async with in_transaction() as conn:
        user.last_login_at = clock.now()
        if session.unionid and user.unionid != session.unionid:
            user.unionid = session.unionid
        await user.save(using_db=conn, update_fields=["last_login_at", "unionid"])
        await audit.record(resident, "auth.login", target_type="user", target_id=user.id, using_db=conn)
    # server/auth.py reads the saved locale from Redis; re-publish it in case Redis lost it.
    await redis.set(locale_key(keys, user.id), user.locale)
    pair = await tokens.start_family(subject=str(user.id), audience="resident", extra=token_claims(user))
    return user, pair


async def _find_or_create(actor: Actor, openid: str, unionid: str | None) -> User:
    user = await User.get_or_none(openid=openid)
    if user is not None:
        return user
    try:
        async with in_transaction() as conn:
            user = await User.create(openid=openid, unionid=unionid, created_at=clock.now(), using_db=conn)
            await audit.record(
                dataclasses.replace(actor, kind="resident", id=user.id),
                "account.created",
                target_type="user",
                target_id=user.id,
                using_db=conn,
            )
            return user
    except IntegrityError:
        # Two first logins of the same account at once: the other one created it.
        return await User.get(openid=openid)


async def refresh(actor: Actor, *, refresh_token: str, tokens: TokenService) -> tuple[User, TokenPair]:
    """Rotate a refresh token. The new access token carries the resident's current identity level."""
    found: dict[str, User] = {}

    async def current_claims(subject: str) -> dict[str, Any]:
        user = await User.get_or_none(id=int(subject))
        if user is None:
            raise UserNotFound()
        found["user"] = user
        return token_claims(user)

    try:
        pair = await tokens.rotate(refresh_token, audience="resident", claims_for=current_claims)
    except RefreshTokenReused as reused:
        if reused.subject and reused.subject.isdigit():
            # Someone presented a spent token: the owner's login was ended. Who asked, from where, is
            # what an investigation needs, so the caller's (anonymous) actor is recorded.
            await audit.record(
                actor,
                "auth.refresh_reuse_detected",
                target_type="user",
                target_id=reused.subject,
                after={"family_revoked": True},
            )
        raise
    return found["user"], pair


async def logout(actor: Actor, *, refresh_token: str, tokens: TokenService) -> None:
    """End the login ``refresh_token`` belongs to: its access tokens stop working at once."""
    owner = await tokens.family_owner(refresh_token)
    family = await tokens.revoke_by_refresh_token(refresh_token)
    if family is None or owner is None:
        return  # unknown or already ended: logging out twice is not an error
    subject, audience = owner
    if subject.isdigit():
        who = dataclasses.replace(actor, kind=audience, id=int(subject))
        await audit.record(
            who, "auth.logout", target_type="user" if audience == "resident" else "staff", target_id=subject
        )


# -- profile -------------------------------------------------------------------------------------


async def get_user(actor: Actor) -> User:
    user = await User.get_or_none(id=actor.id) if actor.kind == "resident" and actor.id is not None else None
    if user is None:
        raise UserNotFound()
    return user


async def update_profile(
    actor: Actor,
    *,
    redis: Redis,
    keys: Keys,
    locale: str | None = None,
    care_mode: bool | None = None,
    nickname: str | None = _UNSET,
) -> User:
    """Change display preferences. ``nickname=None`` clears it; leaving it out keeps it."""
    if locale is not None and locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")  # the schema only lets supported ones through
    async with in_transaction() as conn:
        user = await User.filter(id=actor.id).using_db(conn).select_for_update().first()
        if user is None:
            raise UserNotFound()
        before = {"locale": user.locale, "care_mode": user.care_mode, "nickname": user.nickname}
        if locale is not None:
            user.locale = locale
        if care_mode is not None:
            user.care_mode = care_mode
        if nickname is not _UNSET:
            user.nickname = nickname
        after = {"locale": user.locale, "care_mode": user.care_mode, "nickname": user.nickname}
        if after != before:
            await user.save(using_db=conn, update_fields=["locale", "care_mode", "nickname"])
            changed = {k for k in after if after[k] != before[k]}
            await audit.record(
                actor,
                "account.profile_updated",
                target_type="user",
                target_id=user.id,
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
                using_db=conn,
            )
    if locale is not None:
        await redis.set(locale_key(keys, user.id), user.locale)
    return user


async def bind_phone(actor: Actor, *, code: str, wechat: WeChat) -> User:
    """Store the phone number WeChat vouches for (encrypted, with a blind index)."""
    phone = await _wechat(wechat.phone_number(code))
    async with in_transaction() as conn:
        user = await User.filter(id=actor.id).using_db(conn).select_for_update().first()
        if user is None:
            raise UserNotFound()
        before = {"phone": pii.mask_phone(user.phone)}
        user.phone = phone
        user.phone_index = pii.blind_index(phone, purpose="phone")
        await user.save(using_db=conn, update_fields=["phone", "phone_index"])
        await audit.record(
            actor,
            "account.phone_bound",
            target_type="user",
            target_id=user.id,
            before=before,
            after={"phone": pii.mask_phone(phone)},
            using_db=conn,
        )
    return user


async def _wechat(call: Awaitable[T]) -> T:
    """Await a WeChat call, turning the platform's refusals into ours."""
    try:
        return await call
    except PlatformCodeInvalid as exc:
        raise WeChatCodeInvalid(details={"errcode": exc.errcode}) from exc
    except PlatformRateLimited as exc:
        raise WeChatRateLimited(details={"retry_after": 60}) from exc
    except WeChatError as exc:
        raise PlatformUnavailable(details={"platform": "wechat", "errcode": exc.errcode}) from exc
