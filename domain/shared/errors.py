"""The one error model: every rule the domain refuses is a DomainError with a stable code.

The mini-program switches on ``code``, people read ``message`` (translated at render time), and
tests assert on ``code``. ``kind`` says what sort of refusal it is; ``server/errors.py`` maps kinds
to HTTP statuses in one place, so domain code never speaks HTTP.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from domain.shared.i18n import LazyText, _


class ErrorKind(StrEnum):
    MALFORMED = "malformed"  # the request cannot be read at all (400)
    INVALID = "invalid"  # readable, but the values are wrong (422)
    UNAUTHENTICATED = "unauthenticated"  # who is calling is unknown (401)
    FORBIDDEN = "forbidden"  # known caller, not allowed (403)
    NOT_FOUND = "not_found"  # 404
    CONFLICT = "conflict"  # the state does not allow it now (409)
    RATE_LIMITED = "rate_limited"  # 429
    UNAVAILABLE = "unavailable"  # an outside platform failed (503)


class DomainError(Exception):
    """A refusal with a stable ``code``, a translatable ``message`` and structured ``details``."""

    code: str = "domain_error"
    kind: ErrorKind = ErrorKind.INVALID
    message: LazyText = _("The request could not be completed.")

    def __init__(
        self,
        message: LazyText | None = None,
        *,
        code: str | None = None,
        kind: ErrorKind | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or type(self).message
        self.code = code or type(self).code
        self.kind = kind or type(self).kind
        self.details = details or {}
        super().__init__(f"{self.code}: {self.message}")


class NotFound(DomainError):
    code = "not_found"
    kind = ErrorKind.NOT_FOUND
    message = _("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    kind = ErrorKind.FORBIDDEN
    message = _("You are not allowed to do this.")


class Unauthenticated(DomainError):
    code = "unauthenticated"
    kind = ErrorKind.UNAUTHENTICATED
    message = _("Please log in first.")


class InvalidInput(DomainError):
    code = "invalid_input"
    kind = ErrorKind.INVALID
    message = _("Some fields are not valid.")


class Conflict(DomainError):
    code = "conflict"
    kind = ErrorKind.CONFLICT
    message = _("This cannot be done in the current state.")


class RateLimited(DomainError):
    code = "rate_limited"
    kind = ErrorKind.RATE_LIMITED
    message = _("Too many requests; please try again later.")


class PlatformUnavailable(DomainError):
    code = "platform_unavailable"
    kind = ErrorKind.UNAVAILABLE
    message = _("An outside service is not answering; please try again later.")


# What PalmCity itself stands on. A request that needs one of them while it is down is answered
# 503 with a code of its own and ``Retry-After`` (``details.retry_after``): the outage is brief
# and the request may be sent again as it is. It is never a 500: server/errors.py classifies
# connection failures into these.
OUTAGE_RETRY_AFTER_SECONDS = 5


class StoreUnavailable(DomainError):
    kind = ErrorKind.UNAVAILABLE
    message = _("PalmCity is briefly unavailable; please try again in a few seconds.")

    def __init__(self, details: dict[str, Any] | None = None) -> None:
        super().__init__(details={"retry_after": OUTAGE_RETRY_AFTER_SECONDS, **(details or {})})


class DatabaseUnavailable(StoreUnavailable):
    code = "database_unavailable"


class RedisUnavailable(StoreUnavailable):
    code = "redis_unavailable"
