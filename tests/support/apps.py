"""Building apps and clients in tests, beyond the default ``app``/``client`` fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sanic import Sanic

from server.bootstrap import Adapters
from server.settings import Settings
from tests.support import environment

DEFAULT_IP = "203.0.113.7"  # TEST-NET-3: never a real client


@asynccontextmanager
async def running(
    settings: Settings, adapters: Adapters | None = None, **overrides: Any
) -> AsyncIterator[Sanic]:
    """A started app for ``settings`` with ``overrides`` (and fake ``adapters`` a test steers)."""
    from server.main import create_app

    app = create_app(settings.model_copy(update=overrides), adapters)
    async with LifespanManager(app):  # type: ignore[arg-type]
        try:
            yield app
        finally:
            await environment.clear_redis_prefix(app.ctx.runtime.redis, settings.redis_prefix)


def client_for(app: Sanic, ip: str = DEFAULT_IP) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def error_code(r: httpx.Response) -> str:
    code: str = r.json()["error"]["code"]
    return code
