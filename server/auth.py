"""Who is calling: the bearer token becomes ``request.ctx.actor``; routes declare who may call.

This module is the only path from a request to an Actor. Routes declare who may call them with
the decorators in ``api._access`` (``@requires("resident")``, ``@requires_staff(role, ...)``).
"""

from __future__ import annotations

from typing import Any

from sanic import Request, Sanic

from api._access import client_ip
from domain.accounts.tokens import TokenInvalid
from domain.shared.actor import Actor
from domain.shared.i18n import SUPPORTED_LOCALES
from server import guards


def install(app: Sanic[Any, Any]) -> None:
    app.middleware(_authenticate, "request", priority=800)


async def _authenticate(request: Request) -> None:
    try:
        await _identify_caller(request)
    except Exception:
        # A forged or ended token still counts against its IP, and is refused 429 over that limit.
        await guards.count_deferred(request)
        raise


async def _identify_caller(request: Request) -> None:
    request.ctx.actor = None
    request.ctx.claims = None
    header = request.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return
    runtime = request.app.ctx.runtime
    claims = runtime.tokens.verify_access(token.strip())
    audience = claims.audience
    # One round trip: is the login still alive (logout ends it at once), the saved locale, and the
    # identity level when it changed after this token was minted (domain.accounts.service.publish_level).
    async with runtime.redis.pipeline(transaction=False) as pipe:
        pipe.exists(runtime.tokens.family_key(claims.family))
        # Two GETs, not an MGET: the keys may live in different slots of a Redis Cluster.
        pipe.get(runtime.keys.of("prefs", "locale", audience, claims.subject))
        pipe.get(runtime.keys.of("prefs", "level", audience, claims.subject))
        alive, saved, level = await pipe.execute()
    if not alive:
        raise TokenInvalid(details={"reason": "logged_out"})
    request.ctx.claims = claims
    request.ctx.actor = Actor(
        kind=audience,
        id=int(claims.subject),
        identity_level=int(level) if level and str(level).isdigit() else int(claims.extra.get("lvl", 1)),
        roles=frozenset(claims.extra.get("roles", ())),
        scopes=frozenset(claims.extra.get("scopes", ())),
        scan_kinds=frozenset(claims.extra.get("scan", ())),
        ip=client_ip(request),
        request_id=request.ctx.request_id,
    )
    if saved in SUPPORTED_LOCALES:
        request.ctx.locale = saved
