"""The Redis clients (server/redis.py) outlive a Redis restart: every pooled connection is dead
when Redis comes back, and each must be replaced on its next use rather than fail a request.

A private ``redis-server`` on a free port, stopped and started by the test (never the shared one).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from domain.outbox import service
from domain.outbox.jobs import JobContext
from domain.shared.kv import Keys, is_cluster
from domain.shared.ratelimit import RateLimiter
from server.redis import SentinelClient, connect, parse_sentinel_url, redis_py_url
from server.settings import Settings
from server.tasks import OutboxTasks
from tests.support.redis_cluster import free_ports

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


class PrivateRedis:
    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True, check=False
            ).stdout.strip()
            != "PONG"
        ):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis(free_ports(1)[0])
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _pipelined_get(redis: Any) -> Any:
    async with redis.pipeline(transaction=False) as pipe:
        pipe.get("a")
        pipe.get("b")
        return await pipe.execute()


async def test_pooled_connections_outlive_a_redis_restart(private_redis: PrivateRedis) -> None:
    redis = connect(Settings(env="test", redis_url=private_redis.url))
    limiter = RateLimiter(redis, Keys("palmcity:test:restart"))
    calls: list[Callable[[], Awaitable[Any]]] = [
        lambda: redis.get("a"),
        lambda: _pipelined_get(redis),
        lambda: limiter.hit("login", "alice", limit=100),
        lambda: limiter.hit_all([("ip", "203.0.113.7", 100), ("user", "7", 100)], reads=["a"]),
    ]
    try:
        # Twenty at once: twenty connections in the pool, all of which the restart kills.
        await asyncio.gather(*(calls[n % len(calls)]() for n in range(20)))
        private_redis.stop()
        private_redis.start()  # empty: no keys, no scripts
        outcomes = await asyncio.gather(*(calls[n % len(calls)]() for n in range(20)), return_exceptions=True)
        assert [o for o in outcomes if isinstance(o, BaseException)] == []
    finally:
        await redis.aclose()


async def test_while_redis_is_down_a_command_fails_fast(
    private_redis: PrivateRedis,
) -> None:
    from redis.exceptions import ConnectionError

    redis = connect(Settings(env="test", redis_url=private_redis.url))
    try:
        await redis.set("a", "1")
        private_redis.stop()
        started = time.monotonic()
        with pytest.raises(ConnectionError):
            await redis.get("a")
        assert time.monotonic() - started < 3  # the retries' backoff, then the error for a 503
    finally:
        await redis.aclose()


async def test_the_outbox_broker_sends_again_after_a_redis_restart(private_redis: PrivateRedis) -> None:
    settings = Settings(env="test", redis_url=private_redis.url)
    redis = connect(settings)
    keys = Keys("palmcity:test:broker")
    tasks = OutboxTasks(settings, redis, keys, JobContext(redis=redis, keys=keys, adapters=None))
    try:
        await tasks.send(service.Dispatch(message_id=1, attempt=1, topic="t"))
        private_redis.stop()
        private_redis.start()
        await tasks.send(service.Dispatch(message_id=2, attempt=1, topic="t"))
        assert await redis.llen(tasks.queue) == 1  # the second message (the first died with Redis)
        assert await tasks.room() > 0
    finally:
        await tasks.broker.shutdown()
        await redis.aclose()


def test_the_url_chooses_the_client() -> None:
    assert not is_cluster(connect(Settings(env="test", redis_url="redis://127.0.0.1:6379/0")))
    assert is_cluster(connect(Settings(env="test", redis_url="redis+cluster://127.0.0.1:7000")))
    assert (
        redis_py_url("rediss+cluster://h:7000/0?ssl_cert_reqs=none") == "rediss://h:7000/0?ssl_cert_reqs=none"
    )
    assert redis_py_url("redis://h:6379/1") == "redis://h:6379/1"
    with pytest.raises(ValueError, match="REDIS_URL"):
        Settings(env="test", redis_url="http://127.0.0.1:6379")
    sentinel = connect(Settings(env="test", redis_url="redis+sentinel://127.0.0.1:26379/palmcity/0"))
    assert isinstance(sentinel, SentinelClient) and not is_cluster(sentinel)


def test_a_sentinel_url_names_the_sentinels_the_service_and_each_side_s_options() -> None:
    """``redis+sentinel://`` after the Redis-Sentinel-Url package (redis-py has no URL for it):
    the password and options are the data nodes'; ``sentinel_*`` options the sentinels'."""
    from redis.asyncio.sentinel import SentinelManagedSSLConnection

    target = parse_sentinel_url(
        "redis+sentinel://:s3cret@10.0.0.1:26380,10.0.0.2,[::1]:26381/palmcity/2"
        "?socket_timeout=1.5&sentinel_password=watch&sentinel_username=ops"
    )
    assert target.sentinels == [("10.0.0.1", 26380), ("10.0.0.2", 26379), ("::1", 26381)]
    assert target.service_name == "palmcity"
    assert target.connection == {"password": "s3cret", "db": 2, "socket_timeout": 1.5}
    assert target.sentinel == {"password": "watch", "username": "ops"}
    assert parse_sentinel_url("redis+sentinel://h/palmcity").connection == {}  # db 0 by default

    tls = parse_sentinel_url(
        "rediss+sentinel://h:26379/palmcity?ssl_ca_certs=/ca.pem&ssl_cert_reqs=required"
        "&sentinel_ssl_ca_certs=/sentinel-ca.pem"
    )
    assert tls.connection == {
        "ssl_ca_certs": "/ca.pem",
        "ssl_cert_reqs": "required",
        "connection_class": SentinelManagedSSLConnection,
    }
    # The sentinels share the nodes' TLS options unless given their own.
    assert tls.sentinel == {"ssl": True, "ssl_ca_certs": "/sentinel-ca.pem", "ssl_cert_reqs": "required"}
