"""Background worker (being written)."""

from __future__ import annotations

from sanic import Sanic


def start_in_process_if_embedded(app: Sanic) -> None:
    return None


async def stop_in_process(app: Sanic) -> None:
    return None
