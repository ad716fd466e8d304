"""Rate limits for every request.

Rate limits (``domain.shared.ratelimit``) are counted per client IP before authentication — a
request with a forged token still counts — with a stricter bucket for the login routes, and per
user once ``server.auth`` knows the caller.

With a Redis server, a request that bears a token has its IP counted after authentication,
together with its user's, in one script call (``RateLimiter.hit_all``): the same decisions in the
same order (the IP's first; a refused IP does not count against the user) in one round trip
instead of two. If authentication fails, the IP is counted before the refusal
(``count_deferred``, from ``server.auth``), so a forged token still counts and is still answered
429 over the limit; a refusal by the IP's limit is rendered as before authentication. The embedded
limiter counts in the process, where there is no round trip to save: it counts as before.

Health checks, metrics and payment notifications are never limited: the platforms that send
notifications retry on refusal, and they are checked by signature instead. If Redis does not
answer, requests are let through (and logged) rather than refused: the limiter protects the
service, it must not become the outage.

A route that reads Redis keys first thing (the catalogue's cache generation, a service's
availability generation) may name them with ``ctx_redis_reads=`` (a function of ``Keys`` and the
route's parameters, ``request.match_info``); with a Redis server the IP check then reads them in
its own round trip (the IP's and the user's, for a request with a token) and leaves them in
``request.ctx.redis_reads``.

Idempotency keys are a route decorator: ``api._idempotency.idempotent``.

The body size limit (``max_body_bytes``) is enforced by Sanic's own HTTP server before the body is
read; under an ASGI server (and the tests' ASGI client) Sanic does not, so it is checked here too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from redis.exceptions import RedisError
from sanic import Request, Sanic
from sanic.exceptions import PayloadTooLarge

from api._access import client_ip
from domain.shared.errors import RateLimited
from domain.shared.kv import Keys
from domain.shared.ratelimit import Decision, Limiter, LocalRateLimiter, RateLimiter

log = logging.getLogger("palmcity.guards")

LOGIN_PATHS = frozenset({"/api/v1/auth/wechat/login", "/api/v1/staff/auth/login"})
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/h5"})
# Payment notifications are admitted by their signature alone (a provider retrying must never be
# refused). The H5 app's files are static and cached: one page load fetches dozens of them, and a
# family behind one carrier-grade NAT address would otherwise lock each other out of the app.
UNLIMITED_PREFIXES = ("/api/v1/payments/notify/", "/h5/")


def install(app: Sanic[Any, Any]) -> None:
    # Priorities: the request id and locale are set at 900, the caller at 800 (server.auth).
    app.middleware(limit_by_ip, "request", priority=850)  # before auth: forged tokens count too
    app.middleware(limit_body_size, "request", priority=840)
    app.middleware(limit_by_user, "request", priority=700)  # after auth: the caller is known


@dataclass(frozen=True)
class _Deferred:
    """An IP count left for after authentication (see the module's docstring)."""

    ip: str
    reads: list[str]
    locale: str  # as before authentication, for a refusal by the IP's limit


async def limit_by_ip(request: Request) -> None:
    path = normalized_path(request.path)
    if is_unlimited(path):
        return
    settings = request.app.ctx.runtime.settings
    ip = _client_ip(request) or "unknown"
    reads = _reads_of(request)
    if (
        path not in LOGIN_PATHS
        and settings.rate_limit_per_ip > 0
        and _bears_token(request)
        and isinstance(_limiter(request), RateLimiter)
    ):
        request.ctx.ip_deferred = _Deferred(ip, reads, request.ctx.locale)  # see limit_by_user
        return
    await _enforce(request, "ip", ip, settings.rate_limit_per_ip, reads=reads)
    if path in LOGIN_PATHS:
        await _enforce(request, "login", ip, settings.rate_limit_login_per_ip)


async def limit_body_size(request: Request) -> None:
    limit = request.app.ctx.runtime.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if (declared.isdigit() and int(declared) > limit) or len(request.body or b"") > limit:
        await count_deferred(request)  # the IP's limit first, as for any request
        raise PayloadTooLarge("Request body exceeds the size limit")


async def limit_by_user(request: Request) -> None:
    deferred = _take_deferred(request)
    settings = request.app.ctx.runtime.settings
    actor = getattr(request.ctx, "actor", None)
    if actor is None or actor.id is None or is_unlimited(normalized_path(request.path)):
        if deferred is not None:
            await _enforce(request, "ip", deferred.ip, settings.rate_limit_per_ip, reads=deferred.reads)
        return
    subject = f"{actor.kind}:{actor.id}"
    if deferred is None:
        await _enforce(request, "user", subject, settings.rate_limit_per_user)
    elif settings.rate_limit_per_user <= 0:
        await _enforce(request, "ip", deferred.ip, settings.rate_limit_per_ip, reads=deferred.reads)
    else:
        await _enforce_ip_and_user(request, deferred, subject)


async def count_deferred(request: Request) -> None:
    """Count the IP now if its count was left for after authentication: for a request refused
    before ``limit_by_user`` (a forged or ended token, a body too large)."""
    deferred = _take_deferred(request)
    if deferred is not None:
        limit = request.app.ctx.runtime.settings.rate_limit_per_ip
        await _enforce(request, "ip", deferred.ip, limit, reads=deferred.reads)


def _bears_token(request: Request) -> bool:
    """Whether ``server.auth`` will look for a caller (as it reads the header)."""
    scheme, _sep, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token)


def _take_deferred(request: Request) -> _Deferred | None:
    deferred: _Deferred | None = getattr(request.ctx, "ip_deferred", None)
    if deferred is not None:
        request.ctx.ip_deferred = None  # counted once
    return deferred


async def _enforce_ip_and_user(request: Request, deferred: _Deferred, subject: str) -> None:
    """The IP's limit, then the user's, in one script call (the limiter is on Redis)."""
    settings = request.app.ctx.runtime.settings
    limiter = _limiter(request)
    assert isinstance(limiter, RateLimiter)  # only then is the IP's count deferred
    hits = [("ip", deferred.ip, settings.rate_limit_per_ip), ("user", subject, settings.rate_limit_per_user)]
    try:
        refused, decision, values = await limiter.hit_all(hits, window=60, reads=deferred.reads)
    except RedisError as exc:
        log.warning("rate limiter unavailable; request let through", extra={"error": repr(exc)})
        return
    if deferred.reads:
        request.ctx.redis_reads = dict(zip(deferred.reads, values, strict=True))
    if refused is None:
        return
    if refused == 0:
        # Refused by the IP's limit: answered as it was before authentication, caller unknown.
        request.ctx.actor = request.ctx.claims = None
        request.ctx.locale = deferred.locale
    limit = hits[refused][2]
    raise RateLimited(details={"retry_after": decision.retry_after, "limit": limit, "window": 60})


def normalized_path(path: str) -> str:
    """``//api/v1//x/`` → ``/api/v1/x``: the router forgives these, so the limiter must too."""
    if "//" not in path and (len(path) == 1 or not path.endswith("/")) and path.startswith("/"):
        return path  # already normal: the usual case
    return "/" + "/".join(part for part in path.split("/") if part)


def _client_ip(request: Request) -> str | None:
    """``api._access.client_ip``, remembered per raw address: parsing one costs more than the limit check."""
    return _parsed_ip(request.remote_addr or request.ip)


@lru_cache(maxsize=8192)
def _parsed_ip(raw: str) -> str | None:
    return client_ip(_RawAddress(raw))  # type: ignore[arg-type]


class _RawAddress:
    """Just enough of a request for ``client_ip``: the address as the proxies or the peer gave it."""

    __slots__ = ("ip", "remote_addr")

    def __init__(self, raw: str) -> None:
        self.remote_addr = raw
        self.ip = raw


def is_unlimited(path: str) -> bool:
    return path in UNLIMITED_PATHS or path.startswith(UNLIMITED_PREFIXES)


def _reads_of(request: Request) -> list[str]:
    """The Redis keys the route reads first thing, if it says so (``ctx_redis_reads`` on the route)."""
    route = request.route
    reads: Callable[[Keys, Mapping[str, Any]], list[str]] | None = (
        getattr(route.ctx, "redis_reads", None) if route else None
    )
    return reads(request.app.ctx.runtime.keys, request.match_info) if reads else []


async def _enforce(
    request: Request, bucket: str, subject: str, limit: int, *, reads: list[str] | None = None
) -> None:
    """Count the request in ``bucket``; with a Redis limiter, also GET ``reads`` in the same round
    trip and leave them in ``request.ctx.redis_reads`` for the route (one round trip, not two)."""
    if limit <= 0:
        return  # a limit of 0 switches the bucket off
    limiter = _limiter(request)
    decision: Decision
    if isinstance(limiter, LocalRateLimiter):
        decision = limiter.hit_now(bucket, subject, limit=limit, window=60)
    else:
        try:
            if reads and isinstance(limiter, RateLimiter):
                decision, values = await limiter.hit_and_read(
                    bucket, subject, limit=limit, window=60, reads=reads
                )
                request.ctx.redis_reads = dict(zip(reads, values, strict=True))
            else:
                decision = await limiter.hit(bucket, subject, limit=limit, window=60)
        except RedisError as exc:
            log.warning("rate limiter unavailable; request let through", extra={"error": repr(exc)})
            return
    if not decision.allowed:
        raise RateLimited(details={"retry_after": decision.retry_after, "limit": limit, "window": 60})


def _limiter(request: Request) -> Limiter:
    """This app's limiter, made once per runtime: in memory for the embedded Redis, else on Redis."""
    runtime = request.app.ctx.runtime
    made: tuple[object, Limiter] | None = getattr(request.app.ctx, "rate_limiter", None)
    if made is not None and made[0] is runtime:
        return made[1]
    limiter: Limiter = (
        LocalRateLimiter()
        if runtime.settings.uses_embedded_redis
        else RateLimiter(runtime.redis, runtime.keys)
    )
    request.app.ctx.rate_limiter = (runtime, limiter)
    return limiter
