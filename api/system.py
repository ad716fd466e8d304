"""Operational routes outside the versioned API: liveness, readiness, metrics, published keys."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sanic import HTTPResponse, Request, Sanic, json
from sanic_ext import openapi
from tortoise import connections

from api._kit import documented
from api.credentials.schemas import JwksOut

log = logging.getLogger("palmcity.health")

_STATUS = {"type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"]}
_READINESS = {
    "type": "object",
    "properties": {
        "status": {"enum": ["ready", "unavailable"]},
        "checks": {"type": "object", "additionalProperties": {"enum": ["ok", "unavailable"]}},
    },
    "required": ["status", "checks"],
}


def install_system_routes(app: Sanic[Any, Any]) -> None:
    @app.get("/healthz", name="healthz")
    @openapi.summary("Liveness: the process answers")
    @openapi.tag("system")
    @openapi.response(200, {"application/json": _STATUS}, "Alive")
    async def healthz(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.get("/readyz", name="readyz")
    @openapi.summary("Readiness: the database and Redis answer")
    @openapi.tag("system")
    @openapi.response(200, {"application/json": _READINESS}, "Ready")
    @openapi.response(503, {"application/json": _READINESS}, "Not ready: `checks` says what is unavailable")
    async def readyz(request: Request) -> HTTPResponse:
        runtime = request.app.ctx.runtime
        checks = {"database": "ok", "redis": "ok"}
        try:
            await asyncio.wait_for(connections.get("default").execute_query("SELECT 1"), 2)
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log
            log.warning("database not ready", extra={"error": repr(exc)})
            checks["database"] = "unavailable"
        try:
            await asyncio.wait_for(runtime.redis.ping(), 2)
        except Exception as exc:
            log.warning("redis not ready", extra={"error": repr(exc)})
            checks["redis"] = "unavailable"
        ready = all(v == "ok" for v in checks.values())
        return json(
            {"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
        )

    @app.get("/metrics", name="metrics")
    @openapi.exclude()
    async def metrics(request: Request) -> HTTPResponse:
        rendered: HTTPResponse = request.app.ctx.runtime.metrics.render()
        return rendered

    @app.get("/.well-known/jwks.json", name="jwks")
    @openapi.summary("Public keys that verify PalmCity access tokens (JWKS)")
    @openapi.tag("system")
    @documented(JwksOut)
    async def jwks(request: Request) -> HTTPResponse:
        return json(request.app.ctx.runtime.tokens.jwks(), headers={"Cache-Control": "public, max-age=300"})
