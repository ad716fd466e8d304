"""Every failure leaves as ``{"error": {"code", "message", "details"}, "request_id"}``.

DomainError kinds map to HTTP statuses here and nowhere else. Sanic's own refusals (unknown
route, wrong method, malformed or oversized body) are given stable codes in the same shape, and
anything unexpected is logged with its traceback and answered as ``internal_error`` without
leaking internals.
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import HTTPResponse, Request, json
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

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import LazyText, _

log = logging.getLogger("palmcity.errors")

STATUS_BY_KIND = {
    ErrorKind.MALFORMED: 400,
    ErrorKind.INVALID: 422,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
}

# Sanic's refusals, with the code and message clients see.
_SANIC_ERRORS: list[tuple[type[SanicException], str, LazyText]] = [
    (NotFound, "route_not_found", _("There is no such address.")),
    (MethodNotAllowed, "method_not_allowed", _("This address does not accept that method.")),
    (PayloadTooLarge, "body_too_large", _("The request body is too large.")),
    (RequestTimeout, "request_timeout", _("The request took too long to arrive.")),
    (RangeNotSatisfiable, "range_not_satisfiable", _("The requested range is not available.")),
    (BadRequest, "bad_request", _("The request is malformed.")),
]


def locale_of(request: Request | None) -> str:
    return getattr(getattr(request, "ctx", None), "locale", None) or "zh_Hans"


def request_id_of(request: Request | None) -> str | None:
    return getattr(getattr(request, "ctx", None), "request_id", None)


def error_response(
    request: Request | None,
    status: int,
    code: str,
    message: LazyText,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HTTPResponse:
    body = {
        "error": {"code": code, "message": message.render(locale_of(request)), "details": details or {}},
        "request_id": request_id_of(request),
    }
    return json(body, status=status, headers=headers, ensure_ascii=False)


def render_domain_error(request: Request | None, exc: DomainError) -> HTTPResponse:
    headers = {}
    if exc.kind is ErrorKind.RATE_LIMITED and "retry_after" in exc.details:
        headers["Retry-After"] = str(exc.details["retry_after"])
    details = _rendered(exc.details, locale_of(request))
    return error_response(request, STATUS_BY_KIND[exc.kind], exc.code, exc.message, details, headers)


def _rendered(value: Any, locale: str) -> Any:
    """Translate every LazyText inside ``details``, however deeply nested."""
    if isinstance(value, LazyText):
        return value.render(locale)
    if isinstance(value, dict):
        return {k: _rendered(v, locale) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rendered(v, locale) for v in value]
    return value


class PalmErrorHandler(ErrorHandler):
    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, DomainError):
            return render_domain_error(request, exception)
        if isinstance(exception, SanicException):
            for kind, code, message in _SANIC_ERRORS:
                if isinstance(exception, kind):
                    headers = dict(getattr(exception, "headers", None) or {})
                    return error_response(request, exception.status_code, code, message, headers=headers)
            if 400 <= exception.status_code < 500:
                return error_response(request, exception.status_code, "bad_request", _("The request is malformed."))
        log.exception("unhandled error", extra={"request_id": request_id_of(request)})
        return error_response(request, 500, "internal_error", _("Something went wrong on our side; please try again."))
