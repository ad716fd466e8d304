"""Per-request context: a request id for every line logged, and the caller's locale."""

from __future__ import annotations

import os
import re
from typing import Any

from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

from domain.shared.i18n import negotiate

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def install_request_context(app: Sanic[Any, Any]) -> None:
    app.middleware(_identify, "request", priority=900)
    app.middleware(_tag, "response", priority=900)


async def _identify(request: Request) -> None:
    incoming = request.headers.get("x-request-id", "")
    # 32 random hex digits, as uuid4().hex gave, without building a UUID object.
    request.ctx.request_id = incoming if incoming and _SAFE_ID.match(incoming) else os.urandom(16).hex()
    # Refined by server.auth once the caller (and their saved preference) is known.
    request.ctx.locale = negotiate(request.headers.get("accept-language"))


async def _tag(request: Request, response: BaseHTTPResponse) -> None:
    request_id = getattr(request.ctx, "request_id", None)
    if request_id:
        response.headers["X-Request-ID"] = request_id
    response.headers.setdefault(
        "Content-Language", getattr(request.ctx, "locale", "zh_Hans").replace("_", "-")
    )
