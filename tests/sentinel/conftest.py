"""``tests/sentinel``: the Redis client behind Sentinel and over TLS, on private servers
(``tests/sentinel/servers.py``) started on free loopback ports for each test and ended after it.

Collected by the ordinary suite (``make test``'s first stage), as ``tests/outage`` is: without
``redis-server`` every test here is skipped with the reason (and in CI a skip fails the run).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sentinel import servers


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sentinel: a private Redis Sentinel group or TLS redis-server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = servers.available()
    for item in items:
        if item.get_closest_marker("sentinel") and missing:
            item.add_marker(pytest.mark.skip(reason=f"sentinel tests need private servers: {missing}"))


@pytest.fixture
def sentinel_group(request: pytest.FixtureRequest) -> Iterator[servers.SentinelGroup]:
    """A plain group, or ``auth``/``tls`` by indirect parametrisation."""
    group = servers.SentinelGroup.start(getattr(request, "param", "plain"))
    try:
        yield group
    finally:
        group.stop()


@pytest.fixture
def tls_server() -> Iterator[servers.TLSServer]:
    server = servers.TLSServer.start()
    try:
        yield server
    finally:
        server.stop()
