"""Who is calling: the bearer token becomes ``request.ctx.actor``; routes declare who may call.

This module is the only path from a request to an Actor. Routes use ``@requires("resident")`` or
``@requires("staff", role=...)``; role and scope rules themselves live in ``domain.staff.roles``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

from sanic import HTTPResponse, Request, Sanic

from domain.accounts.tokens import Audience, TokenInvalid
from domain.shared.actor import Actor
from domain.shared.errors import Unauthenticated
from domain.shared.i18n import SUPPORTED_LOCALES

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[HTTPResponse]])


def install(app: Sanic) -> None:
    @app.on_request(priority=800)
    async def _authenticate(request: Request) -> None:
        request.ctx.actor = None
        request.ctx.claims = None
        header = request.headers.get("authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return
        runtime = request.app.ctx.runtime
        claims = runtime.tokens.verify_access(token.strip())
        audience = claims.audience
        if not await runtime.tokens.is_family_alive(claims.family):
            raise TokenInvalid(details={"reason": "logged_out"})
        request.ctx.claims = claims
        request.ctx.actor = Actor(
            kind=audience,
            id=int(claims.subject),
            identity_level=int(claims.extra.get("lvl", 1)),
            roles=frozenset(claims.extra.get("roles", ())),
            scopes=frozenset(claims.extra.get("scopes", ())),
            ip=request.remote_addr or request.ip,
            request_id=request.ctx.request_id,
        )
        saved = await runtime.redis.get(runtime.keys.of("prefs", "locale", audience, claims.subject))
        if saved in SUPPORTED_LOCALES:
            request.ctx.locale = saved


def anonymous_actor(request: Request) -> Actor:
    return Actor(kind="system", id=None, ip=request.remote_addr or request.ip, request_id=request.ctx.request_id)


def requires(audience: Audience) -> Callable[[Handler], Handler]:
    """Refuse the route unless the caller holds a valid token of ``audience``."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            actor: Actor | None = request.ctx.actor
            if actor is None or actor.kind != audience:
                raise Unauthenticated()
            return await handler(request, *args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
