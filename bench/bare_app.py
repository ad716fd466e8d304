"""The baseline: Sanic with one trivial JSON handler and nothing else."""

from __future__ import annotations

from typing import Any

from sanic import HTTPResponse, Request, Sanic, json


def create_app() -> Sanic[Any, Any]:
    app = Sanic("bare", configure_logging=False)

    @app.get("/json")
    async def hello(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    return app
