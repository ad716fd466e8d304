"""Who may call a route: decorators that read ``request.ctx.actor`` (set by ``server.auth``).

Role and scope rules live in ``domain.staff.roles``; identity levels in ``domain.identity``. These
decorators only connect a route to them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from sanic import HTTPResponse, Request

from api._kit import keep_openapi, secured
from domain.accounts.tokens import Audience
from domain.identity.service import require_level
from domain.shared.actor import Actor
from domain.shared.errors import Unauthenticated
from domain.staff.roles import ALL_SCOPES, Role, authorize

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[HTTPResponse]])


def client_ip(request: Request) -> str | None:
    """The caller's address: the one trusted proxies forwarded (PROXIES_COUNT), else the peer.

    A forwarded value that is not an IP address is dropped rather than stored or logged.
    """
    raw = request.remote_addr or request.ip
    try:
        return str(ipaddress.ip_address(raw)) if raw else None
    except ValueError:
        return None


def actor_of(request: Request) -> Actor:
    """The authenticated caller; use it only in routes behind ``requires``/``requires_staff``."""
    actor: Actor = request.ctx.actor
    return actor


def anonymous_actor(request: Request) -> Actor:
    return Actor(kind="system", id=None, ip=client_ip(request), request_id=request.ctx.request_id)


def requires(audience: Audience) -> Callable[[Handler], Handler]:
    """Refuse the route unless the caller holds a valid token of ``audience``."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            actor: Actor | None = request.ctx.actor
            if actor is None or actor.kind != audience:
                raise Unauthenticated()
            return await handler(request, *args, **kwargs)

        keep_openapi(handler, guarded)
        return secured(guarded)  # type: ignore[return-value]

    return decorate


def requires_level(level: int) -> Callable[[Handler], Handler]:
    """Refuse the route unless a resident caller has verified their identity to at least ``level``.

    403 ``identity_level_required`` with ``details: {"required": "L3", "current": "L1"}``.
    """

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            actor: Actor | None = request.ctx.actor
            if actor is None or actor.kind != "resident":
                raise Unauthenticated()
            require_level(actor, level)
            return await handler(request, *args, **kwargs)

        keep_openapi(handler, guarded)
        return secured(guarded)  # type: ignore[return-value]

    return decorate


ScopeSource = str | Callable[[Request], str | Iterable[str] | None]


def requires_staff(role: Role, *, scope_from: ScopeSource | None = None) -> Callable[[Handler], Handler]:
    """Refuse the route unless a staff caller holds ``role`` (and the scope the request names).

    ``scope_from`` names a path parameter or query argument holding a department or site code, or
    is a function of the request returning the code(s). A request that names no scope acts across
    all of them, so it needs the ``"*"`` scope. When the scope belongs to a stored object, check in
    the service with ``domain.staff.roles.authorize`` instead.
    """

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            actor: Actor | None = request.ctx.actor
            if actor is None or actor.kind != "staff":
                raise Unauthenticated()
            authorize(
                actor, role, None if scope_from is None else (_scope_of(request, scope_from) or ALL_SCOPES)
            )
            return await handler(request, *args, **kwargs)

        keep_openapi(handler, guarded)
        return secured(guarded)  # type: ignore[return-value]

    return decorate


def _scope_of(request: Request, source: ScopeSource) -> str | Iterable[str] | None:
    if callable(source):
        return source(request)
    value = request.match_info.get(source)
    return str(value) if value is not None else request.args.get(source)
