"""Every failure leaves as ``{"error": {"code", "message", "details"}, "request_id"}``.

DomainErrors are rendered by ``api._errors`` (which maps kinds to statuses). Sanic's own refusals (unknown
route, wrong method, malformed or oversized body) are given stable codes in the same shape, and
anything unexpected is logged with its traceback and answered as ``internal_error`` without
leaking internals.

An outage is not a bug: wherever in a request Redis or PostgreSQL fails to answer (a connection
refused or reset, a timeout, "too many clients"), the answer is 503 ``redis_unavailable`` or
``database_unavailable`` with ``Retry-After``, logged as one warning line without a traceback. The
same for a 503 the code raised itself because Redis failed under it (the idempotency store's).
"""

from __future__ import annotations

import logging

from redis import exceptions as redis_errors
from sanic import HTTPResponse, Request
from sanic.constants import HTTP_METHODS
from sanic.exceptions import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RangeNotSatisfiable,
    RequestTimeout,
    SanicException,
)
from sanic.handlers import ErrorHandler

from api._errors import error_response, render_domain_error, request_id_of
from domain.shared.errors import (
    DatabaseUnavailable,
    DomainError,
    ErrorKind,
    RedisUnavailable,
    StoreUnavailable,
)
from domain.shared.i18n import LazyText, _
from server.db import causes, is_database_outage

log = logging.getLogger("palmcity.errors")

# Sanic's refusals, with the code and message clients see.
_SANIC_ERRORS: list[tuple[type[SanicException], str, LazyText]] = [
    (NotFound, "route_not_found", _("There is no such address.")),
    (MethodNotAllowed, "method_not_allowed", _("This address does not accept that method.")),
    (PayloadTooLarge, "body_too_large", _("The request body is too large.")),
    (RequestTimeout, "request_timeout", _("The request took too long to arrive.")),
    (RangeNotSatisfiable, "range_not_satisfiable", _("The requested range is not available.")),
    (BadRequest, "bad_request", _("The request is malformed.")),
]


def _allowed_methods(request: Request) -> list[str]:
    """What a 405 must list (RFC 9110) when Sanic's router could not say: where a path has routes
    for several methods, its compiled tree refuses the others without naming them."""
    host = request.headers.getone("host", None)
    allowed: list[str] = []
    for method in HTTP_METHODS:
        try:
            request.app.router.get(request.path, method, host)
        except SanicException:
            continue
        allowed.append(method)
    return allowed


# Redis not answering, as redis-py says it (a cluster that lost a slot's master, or a replica that a
# failover left behind, too): not a bug in the request.
_REDIS_OUTAGES = (
    redis_errors.ConnectionError,  # refused, reset, still loading its data after a restart
    redis_errors.TimeoutError,
    redis_errors.ClusterDownError,
    redis_errors.SlotNotCoveredError,
    redis_errors.ReadOnlyError,
)


def is_redis_outage(exc: BaseException) -> bool:
    return any(isinstance(cause, _REDIS_OUTAGES) for cause in causes(exc))


def outage_of(exception: BaseException) -> StoreUnavailable | None:
    """The 503 that answers ``exception`` if it is Redis or PostgreSQL failing to answer."""
    if isinstance(exception, StoreUnavailable):
        return exception
    details = exception.details if isinstance(exception, DomainError) else {}
    if isinstance(exception, DomainError) and exception.kind is not ErrorKind.UNAVAILABLE:
        return None  # a refusal the code decided on, whatever happened before it
    if is_redis_outage(exception):
        return RedisUnavailable(details)
    if is_database_outage(exception):
        return DatabaseUnavailable(details)
    return None


class PalmErrorHandler(ErrorHandler):
    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        outage = outage_of(exception)
        if outage is not None:
            log.warning(
                "%s",
                outage.code,
                extra={"request_id": request_id_of(request), "error": repr(exception)[:300]},
            )
            return render_domain_error(request, outage)
        if isinstance(exception, DomainError):
            return render_domain_error(request, exception)
        if isinstance(exception, SanicException):
            for kind, code, message in _SANIC_ERRORS:
                if isinstance(exception, kind):
                    headers = dict(getattr(exception, "headers", None) or {})
                    if isinstance(exception, MethodNotAllowed) and "Allow" not in headers:
                        headers["Allow"] = ", ".join(_allowed_methods(request))
                    return error_response(request, exception.status_code, code, message, headers=headers)
            if 400 <= exception.status_code < 500:
                return error_response(
                    request, exception.status_code, "bad_request", _("The request is malformed.")
                )
        log.exception("unhandled error", extra={"request_id": request_id_of(request)})
        return error_response(
            request, 500, "internal_error", _("Something went wrong on our side; please try again.")
        )
