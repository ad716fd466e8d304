"""Writing an error as ``{"error": {"code", "message", "details"}, "request_id"}``.

DomainError kinds map to HTTP statuses here and nowhere else; ``server.errors`` uses this for
every failure, and ``api._idempotency`` to keep a refusal for replay.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sanic import HTTPResponse, Request, json

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import LazyText

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


# The error statuses every operation documents (server/openapi.py), each with the shape below: the
# statuses of STATUS_BY_KIND and Sanic's own refusals (server/errors.py). 401 is there for public
# operations too: a bearer token that is sent is checked, and an invalid one is refused.
ERROR_RESPONSES = {
    400: "Malformed request (`malformed_json`, `bad_request`, ...).",
    401: "No valid bearer token (`unauthenticated`, `token_invalid`, ...).",
    403: "Not allowed to the caller (role, scope, identity level, owner).",
    404: "No such object, or no such address (`route_not_found`).",
    409: "Conflicts with the current state (`details` says which).",
    413: "The request body is too large (`body_too_large`).",
    422: "Invalid input: `details.fields` lists each bad field with its own code.",
    429: "Too many requests (`rate_limited`); see `Retry-After`.",
    503: (
        "A platform or store PalmCity depends on is unavailable; try again (`database_unavailable`,"
        " `redis_unavailable`: after `Retry-After`)."
    ),
}


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable: switch on it.")
    message: str = Field(description="In the caller's language, for people.")
    details: dict[str, Any] = Field(description="What the code needs to be acted on, e.g. `fields`.")


class ErrorOut(BaseModel):
    """Every error PalmCity answers."""

    error: ErrorDetail
    request_id: str | None = Field(description="Quote it when reporting a problem.")


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


_RETRY_LATER = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE})


def render_domain_error(request: Request | None, exc: DomainError) -> HTTPResponse:
    headers = {}
    # A limit's window, or how long a brief outage of the database or Redis is expected to last.
    if exc.kind in _RETRY_LATER and "retry_after" in exc.details:
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
