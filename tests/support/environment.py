"""Which real services this test run has, and the test database's life cycle.

PostgreSQL is used when ``DATABASE_URL`` is a postgres URL or 127.0.0.1:5432 answers; Redis when
``REDIS_URL`` is set or 127.0.0.1:6379 answers. Otherwise the embedded default (SQLite and the
in-process Redis) runs the suite, and only tests marked ``postgres`` are skipped, with the reason.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient

from server.db import tortoise_config

ROOT = Path(__file__).resolve().parents[2]
PG_SKIP_REASON = (
    "needs PostgreSQL (row locks, real concurrency); none answers at DATABASE_URL or 127.0.0.1:5432"
)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _base_postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    if not url and _answers("127.0.0.1", 5432):
        return "postgres://postgres@127.0.0.1:5432/postgres"
    return None


POSTGRES_URL = _base_postgres_url()


def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    return "redis://127.0.0.1:6379/0" if _answers("127.0.0.1", 6379) else "memory://"


def describe() -> list[str]:
    return [
        "palmcity database: "
        + (f"PostgreSQL {_redact(POSTGRES_URL)}" if POSTGRES_URL else "SQLite (embedded)"),
        f"palmcity redis: {'embedded (fakeredis)' if redis_url() == 'memory://' else _redact(redis_url())}",
    ]


def _redact(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}@{host}:{parts.port or ''}"))


def apply_skips(items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.skip(reason=PG_SKIP_REASON))


def skipped_for_services(session: pytest.Session) -> bool:
    return not POSTGRES_URL or redis_url() == "memory://"


def orm_config(url: str) -> dict[str, Any]:
    return tortoise_config(url)


async def create_test_database() -> str:
    if POSTGRES_URL:
        import asyncpg

        name = f"palmcity_test_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(POSTGRES_URL.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        parts = urlsplit(POSTGRES_URL)
        return urlunsplit(parts._replace(path=f"/{name}", query="maxsize=40"))
    folder = ROOT / "var" / "test"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite://{folder / ('palmcity-' + uuid.uuid4().hex[:10] + '.sqlite3')}"


async def drop_test_database(url: str) -> None:
    if url.startswith("sqlite://"):
        Path(url.removeprefix("sqlite://")).unlink(missing_ok=True)  # noqa: ASYNC240 - once per run
        return
    import asyncpg

    assert POSTGRES_URL
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(POSTGRES_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def migrate(url: str) -> None:
    """Apply ``migrations/`` exactly as ``make migrate`` does."""
    from tortoise.migrations.api import migrate as run_migrations

    await run_migrations(config=orm_config(url))
    await Tortoise.close_connections()


async def truncate_all(conn: BaseDBAsyncClient) -> None:
    tables = [
        model._meta.db_table
        for app in Tortoise.apps.values()  # type: ignore[union-attr]
        for model in app.values()
    ]
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(
            f"TRUNCATE {', '.join(chr(34) + t + chr(34) for t in tables)} RESTART IDENTITY CASCADE"
        )
    else:
        # Rows reference each other (regions their parents); order does not matter with checks off.
        deletes = "".join(f'DELETE FROM "{table}";' for table in tables)
        await conn.execute_script(f"PRAGMA foreign_keys=OFF;{deletes}PRAGMA foreign_keys=ON;")


async def clear_redis_prefix(redis: Any, prefix: str) -> None:
    async for key in redis.scan_iter(match=f"{prefix}:*", count=500):
        await redis.delete(key)
