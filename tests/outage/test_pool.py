"""The asyncpg pool after a connection broke (server/db.py): nothing of it stays behind in the task,
the pool gets its connection back, a wait for a connection is bounded."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from asyncpg import exceptions as pg
from tortoise import connections
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.transactions import in_transaction

from domain.accounts.models import User
from server import db as server_db
from server.db import is_database_outage

pytestmark = pytest.mark.postgres


def _pool() -> Any:
    return connections.get("default")._pool


def _in_use() -> int:
    pool = _pool()
    return int(pool.get_size() - pool.get_idle_size())


def _break_begin(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """BEGIN fails ``times`` times as on a connection that PostgreSQL closed in a restart."""
    failures: list[int] = []
    begin = TransactionWrapper.begin

    async def broken(self: TransactionWrapper) -> None:
        if len(failures) < times:
            failures.append(1)
            raise pg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        await begin(self)

    monkeypatch.setattr(TransactionWrapper, "begin", broken)
    return failures


async def test_a_failed_begin_leaves_no_dead_transaction_in_the_task(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await User.all().count()  # the pool is made
    before = _in_use()
    _break_begin(monkeypatch, times=2)
    with pytest.raises(pg.ConnectionDoesNotExistError) as failed:
        async with in_transaction():
            pass
    assert is_database_outage(failed.value)
    # The task's next statement runs on the pool, not on the transaction that never began.
    assert not isinstance(connections.get("default"), TransactionWrapper)
    assert await User.all().count() == 0
    assert _in_use() == before  # the connection went back


async def test_a_begin_on_a_broken_connection_is_tried_once_more(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = _break_begin(monkeypatch, times=1)
    async with in_transaction() as conn:
        rows = await conn.execute_query_dict("SELECT 1 AS one")
    assert rows == [{"one": 1}] and failures == [1]


async def test_waiting_for_a_pooled_connection_is_bounded(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool of one whose connection is taken (the shared server's slots are not ours to exhaust)."""
    monkeypatch.setattr(server_db, "ACQUIRE_TIMEOUT_SECONDS", 0.2)
    client = connections.get("default")
    small = await asyncpg.create_pool(
        db.replace("postgres://", "postgresql://", 1).split("?")[0], min_size=1, max_size=1
    )
    monkeypatch.setattr(client, "_pool", small)
    held = await small.acquire()
    try:
        with pytest.raises(TimeoutError) as waited:
            await User.all().count()
        assert is_database_outage(waited.value)
        with pytest.raises(TimeoutError):
            async with in_transaction():
                pass
    finally:
        await small.release(held)
        monkeypatch.undo()
        await small.close()


async def test_a_connection_that_breaks_as_it_is_given_back_leaves_nothing_behind(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """asyncpg resets a connection on release and raises when that fails (the server went away)."""
    await User.all().count()
    pool = _pool()
    release = type(pool).release

    async def breaking(self: Any, connection: Any, **kwargs: Any) -> None:
        await release(self, connection, **kwargs)
        raise pg.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    monkeypatch.setattr(type(pool), "release", breaking)
    async with in_transaction() as conn:
        await conn.execute_query("SELECT 1")  # committed: the broken hand-back does not undo it
    monkeypatch.undo()
    assert not isinstance(connections.get("default"), TransactionWrapper)
    assert await User.all().count() == 0
