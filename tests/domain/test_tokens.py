"""TokenService: signing keys that rotate, lifetimes on our clock, refresh families in real Redis."""

from __future__ import annotations

import base64
import json
import os
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.accounts.tokens import RefreshTokenReused, TokenExpired, TokenInvalid, TokenService
from domain.shared import clock
from server.settings import Settings


def _seed() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


OLD, NEW = _seed(), _seed()


def service(settings: Settings, runtime: Any, keys: dict[str, str], active: str) -> TokenService:
    rotated = Settings(**{**settings.model_dump(), "jwt_keys": json.dumps(keys), "jwt_active_kid": active})
    return TokenService.from_settings(rotated, runtime.redis, runtime.keys)


async def test_a_token_signed_by_the_old_key_still_verifies_after_the_new_key_is_active(
    settings: Settings, runtime: Any
) -> None:
    before = service(settings, runtime, {"2026-01": OLD}, "2026-01")
    old_token = before.mint_access(subject="7", audience="resident", family="f" * 32, extra={"lvl": 3})

    after = service(settings, runtime, {"2026-01": OLD, "2026-07": NEW}, "2026-07")
    claims = after.verify_access(old_token)
    assert (claims.subject, claims.extra["lvl"]) == ("7", 3)
    new_token = after.mint_access(subject="7", audience="resident", family="f" * 32, extra={})
    assert jwt.get_unverified_header(new_token)["kid"] == "2026-07"
    assert {k["kid"] for k in after.jwks()["keys"]} == {"2026-01", "2026-07"}


async def test_a_token_whose_key_was_retired_or_never_known_is_refused(
    settings: Settings, runtime: Any
) -> None:
    before = service(settings, runtime, {"2026-01": OLD}, "2026-01")
    old_token = before.mint_access(subject="7", audience="resident", family="f" * 32, extra={})
    retired = service(settings, runtime, {"2026-07": NEW}, "2026-07")
    with pytest.raises(TokenInvalid) as refused:
        retired.verify_access(old_token)
    assert refused.value.details == {"reason": "unknown_kid"}


async def test_a_kid_naming_a_key_that_did_not_sign_is_refused(settings: Settings, runtime: Any) -> None:
    tokens = service(settings, runtime, {"2026-01": OLD, "2026-07": NEW}, "2026-07")
    stranger = Ed25519PrivateKey.generate()
    now = int(clock.now().timestamp())
    payload = {"iss": "palmcity", "aud": "resident", "sub": "1", "iat": now, "exp": now + 60, "jti": "x"}
    forged = jwt.encode(payload, stranger, algorithm="EdDSA", headers={"kid": "2026-07"})
    with pytest.raises(TokenInvalid):
        tokens.verify_access(forged)
    unsigned = jwt.encode(payload, None, algorithm="none", headers={"kid": "2026-07"})
    with pytest.raises(TokenInvalid):
        tokens.verify_access(unsigned)


async def test_lifetimes_follow_our_clock(settings: Settings, runtime: Any) -> None:
    tokens = service(settings, runtime, {"k": OLD}, "k")
    token = tokens.mint_access(subject="1", audience="resident", family="f" * 32, extra={})
    with clock.shifted(timedelta(minutes=14)):
        tokens.verify_access(token)
    with clock.shifted(timedelta(minutes=16)), pytest.raises(TokenExpired):
        tokens.verify_access(token)
    with clock.shifted(timedelta(minutes=10)):
        from_the_future = tokens.mint_access(subject="1", audience="resident", family="f" * 32, extra={})
    with pytest.raises(TokenInvalid) as refused:
        tokens.verify_access(from_the_future)
    assert refused.value.details == {"reason": "not_yet_valid"}


async def test_the_audience_is_checked(settings: Settings, runtime: Any) -> None:
    tokens = service(settings, runtime, {"k": OLD}, "k")
    staff = tokens.mint_access(subject="1", audience="staff", family="f" * 32, extra={})
    assert tokens.verify_access(staff).audience == "staff"
    with pytest.raises(TokenInvalid):
        tokens.verify_access(staff, audience="resident")


async def test_a_refresh_token_of_another_audience_is_refused_without_spending_it(
    settings: Settings, runtime: Any
) -> None:
    tokens = service(settings, runtime, {"k": OLD}, "k")
    pair = await tokens.start_family(subject="1", audience="staff", extra={})
    with pytest.raises(TokenInvalid):
        await tokens.rotate(pair.refresh_token, audience="resident")
    rotated = await tokens.rotate(pair.refresh_token, audience="staff")
    assert rotated.refresh_token != pair.refresh_token


async def test_the_grace_window_ends(settings: Settings, runtime: Any) -> None:
    tokens = service(settings, runtime, {"k": OLD}, "k")
    pair = await tokens.start_family(subject="1", audience="resident", extra={})
    first = await tokens.rotate(pair.refresh_token)
    assert (await tokens.rotate(pair.refresh_token)).refresh_token == first.refresh_token
    with clock.shifted(timedelta(seconds=settings.refresh_grace_seconds + 1)):
        with pytest.raises(RefreshTokenReused) as reused:
            await tokens.rotate(pair.refresh_token)
        assert (reused.value.subject, reused.value.audience) == ("1", "resident")
        with pytest.raises(TokenInvalid):
            await tokens.rotate(first.refresh_token)
    assert not await tokens.is_family_alive(pair.family)


async def test_claims_for_gives_current_claims_on_rotation(settings: Settings, runtime: Any) -> None:
    tokens = service(settings, runtime, {"k": OLD}, "k")
    pair = await tokens.start_family(subject="1", audience="resident", extra={"lvl": 1})

    async def current(subject: str) -> dict[str, Any]:
        return {"lvl": 4}

    rotated = await tokens.rotate(pair.refresh_token, claims_for=current)
    assert tokens.verify_access(rotated.access_token).extra["lvl"] == 4


async def test_the_successor_is_not_kept_in_clear_after_the_grace_window(
    settings: Settings, runtime: Any
) -> None:
    tokens = service(settings, runtime, {"k": OLD}, "k")
    pair = await tokens.start_family(subject="1", audience="resident", extra={})
    successor = await tokens.rotate(pair.refresh_token)
    stored = [
        (key, await runtime.redis.type(key))
        async for key in runtime.redis.scan_iter(match=f"{settings.redis_prefix}:refresh:*")
    ]
    clear = [
        key
        for key, kind in stored
        if kind == "string" and await runtime.redis.get(key) == successor.refresh_token
    ]
    assert len(clear) == 1
    assert 0 < await runtime.redis.ttl(clear[0]) <= settings.refresh_grace_seconds
