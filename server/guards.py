"""Rate limits and idempotency keys (being written)."""

from __future__ import annotations

from sanic import Sanic


def install(app: Sanic) -> None:
    return None
