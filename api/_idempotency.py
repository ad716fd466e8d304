"""``Idempotency-Key`` on creating routes (draft-ietf-httpapi-idempotency-key-header).

The Redis side (claims, fingerprints, stored responses) is ``domain.shared.idempotency``; this
module connects it to a route.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

from redis.exceptions import RedisError
from sanic import HTTPResponse, Request

from api._access import client_ip
from api._errors import render_domain_error
from api._kit import keep_openapi
from domain.shared.errors import DomainError, PlatformUnavailable
from domain.shared.idempotency import (
    Claim,
    IdempotencyKeyRequired,
    IdempotencyStore,
    StoredResponse,
    check_key,
    fingerprint,
)

log = logging.getLogger("palmcity.idempotency")

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[HTTPResponse]])

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


def _idempotency(request: Request) -> IdempotencyStore:
    runtime = request.app.ctx.runtime
    store: IdempotencyStore | None = getattr(request.app.ctx, "idempotency", None)
    if store is None or store.redis is not runtime.redis:
        store = request.app.ctx.idempotency = IdempotencyStore(runtime.redis, runtime.keys)
    return store


def idempotent(required: bool = False) -> Callable[[Handler], Handler]:
    """Honour ``Idempotency-Key`` on a creating route; ``required=True`` refuses requests without one.

    The key is scoped to the caller (user, else IP), the method and the route. A retry of a
    finished request replays its response with ``Idempotent-Replayed: true``; 4xx outcomes are
    answers too and are replayed; a 5xx or an unexpected error frees the key for a retry. Put it
    below authentication (so the caller is known) and above body parsing.
    """

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            raw = request.headers.get(IDEMPOTENCY_HEADER)
            if raw is None:
                if required:
                    raise IdempotencyKeyRequired()
                return await handler(request, *args, **kwargs)
            key = check_key(raw)
            store = _idempotency(request)
            record_key = store.record_key(
                caller=_caller(request),
                method=request.method,
                route=request.route.path if request.route else request.path,
                key=key,
            )
            try:
                outcome = await store.begin(
                    record_key, fingerprint(request.method, request.path, request.body or b"")
                )
            except RedisError as exc:
                log.warning("idempotency store unavailable", extra={"error": repr(exc)})
                raise PlatformUnavailable(details={"service": "idempotency"}) from exc
            if isinstance(outcome, StoredResponse):
                return _replay(outcome)
            return await _run_claimed(store, outcome, handler, request, *args, **kwargs)

        keep_openapi(handler, guarded)
        return guarded  # type: ignore[return-value]

    return decorate


async def _run_claimed(
    store: IdempotencyStore, claim: Claim, handler: Handler, request: Request, *args: Any, **kwargs: Any
) -> HTTPResponse:
    try:
        response = await handler(request, *args, **kwargs)
    except DomainError as exc:
        response = render_domain_error(request, exc)  # a refusal is the answer: keep it for replay
    except BaseException:
        await _quietly(store.abandon(claim))
        raise
    if response.status >= 500 or response.body is None:
        await _quietly(store.abandon(claim))
        return response
    stored = StoredResponse(
        status=response.status,
        body=bytes(response.body),
        content_type=response.content_type or "",
        location=response.headers.get("location"),
    )
    await _quietly(store.complete(claim, stored))
    return response


async def _quietly(step: Awaitable[bool]) -> None:
    # The response is already decided; a Redis failure here only shortens what can be replayed.
    try:
        await step
    except RedisError as exc:
        log.warning("idempotency store unavailable", extra={"error": repr(exc)})


def _replay(stored: StoredResponse) -> HTTPResponse:
    headers = {REPLAYED_HEADER: "true"}
    if stored.location:
        headers["Location"] = stored.location
    return HTTPResponse(
        stored.body, status=stored.status, headers=headers, content_type=stored.content_type or None
    )


def _caller(request: Request) -> str:
    actor = getattr(request.ctx, "actor", None)
    if actor is not None and actor.id is not None:
        return f"{actor.kind}:{actor.id}"
    return f"ip:{client_ip(request) or 'unknown'}"
