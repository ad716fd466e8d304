"""The production topology, started once for the stage: see ``tests/support/topology.py``."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.support import environment
from tests.support.topology import Topology, connect_database, serving


@pytest.fixture(scope="session")
def topology(request: pytest.FixtureRequest) -> Iterator[Topology]:
    if shutil.which("redis-server") is None and environment.redis_url() == "memory://":
        pytest.skip("needs a Redis server: redis-server on the PATH, or one at REDIS_URL or 127.0.0.1:6379")
    with serving(failed=lambda: request.session.testsfailed > 0) as running:
        yield running


@pytest.fixture
async def database(topology: Topology) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the test's own to the topology's database (to look, and to hold locks)."""
    conn = await connect_database(topology.dsn)
    try:
        yield conn
    finally:
        await conn.close()
