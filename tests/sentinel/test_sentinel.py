"""The app's Redis client behind Sentinel (``redis+sentinel://``, server/redis.py): it finds the
primary through the sentinel, runs commands, the rate limiter's scripts, pipelines and the outbox
broker on it, and when the primary is killed and the sentinel promotes the replica the same client
carries on by itself; meanwhile each command fails within a bound with an error the app answers
503 ``redis_unavailable``, and none hangs. Each on a plain group, one with passwords (the data
nodes' in the URL, the sentinel's as ``?sentinel_password=``) and one on TLS only
(``rediss+sentinel://`` with the CA in ``?ssl_ca_certs=``, shared with the sentinel's connections).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from domain.outbox import service
from domain.outbox.jobs import JobContext
from domain.shared.kv import Keys, is_cluster
from domain.shared.ratelimit import RateLimiter
from server.errors import outage_of
from server.redis import (
    MAX_CONNECTIONS,
    POOL_WAIT_SECONDS,
    BlockingSentinelConnectionPool,
    SentinelClient,
    connect,
)
from server.settings import Settings
from server.tasks import OutboxTasks
from tests.sentinel.servers import SentinelGroup

pytestmark = pytest.mark.sentinel

# A killed primary is seen down after 1 s (down-after-milliseconds); the election and promotion
# take a few more (measured 3 to 6 s on a busy 2-core machine). The client must use the new
# primary within this of the kill, and no command may take longer than HANG_SECONDS meanwhile.
RECOVERY_SECONDS = 25.0
HANG_SECONDS = 10.0


def _calls(redis: Any, limiter: RateLimiter) -> list[Callable[[], Awaitable[Any]]]:
    async def pipelined() -> Any:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.incr("counter")
            pipe.get("kept")
            pipe.mget(["kept", "missing"])
            return await pipe.execute()

    return [
        lambda: redis.get("kept"),
        pipelined,
        lambda: limiter.hit("login", "alice", limit=10_000),
        lambda: limiter.hit_all([("ip", "203.0.113.7", 10_000), ("user", "7", 10_000)], reads=["kept"]),
    ]


SECURITIES = pytest.mark.parametrize("sentinel_group", ["plain", "auth", "tls"], indirect=True)


@SECURITIES
async def test_the_client_finds_the_primary_through_the_sentinel(sentinel_group: SentinelGroup) -> None:
    settings = Settings(env="test", redis_url=sentinel_group.url)
    assert settings.uses_redis_sentinel and not settings.uses_redis_cluster
    redis = connect(settings)
    keys = Keys("palmcity:test:sentinel")
    limiter = RateLimiter(redis, keys)
    tasks = OutboxTasks(settings, redis, keys, JobContext(redis=redis, keys=keys, adapters=None))
    try:
        assert isinstance(redis, SentinelClient) and not is_cluster(redis)
        pool = redis.connection_pool
        # The single server's bounded, waiting pool and its retries (server.redis.pool_options).
        assert isinstance(pool, BlockingSentinelConnectionPool)
        assert (pool.max_connections, pool.timeout) == (MAX_CONNECTIONS, POOL_WAIT_SECONDS)
        assert pool.connection_kwargs["retry"].get_retries() == 3

        assert await redis.set("kept", "before") is True
        assert await redis.get("kept") == "before"  # decoded, as the app reads it
        # Twenty at once over the pool: GETs, pipelines (with an MGET) and both rate-limit scripts.
        outcomes = await asyncio.gather(*(c() for c in _calls(redis, limiter) * 5), return_exceptions=True)
        assert [o for o in outcomes if isinstance(o, BaseException)] == []
        pipelined: Any = outcomes[1]
        assert pipelined[1:] == ["before", ["before", None]]
        decision = await limiter.hit("login", "bob", limit=1)
        assert decision.allowed and not (await limiter.hit("login", "bob", limit=1)).allowed
        # Everything went to the primary the sentinel names (the replica would refuse the writes).
        assert sentinel_group.primary_address() == ("127.0.0.1", sentinel_group.primary_port)
        assert sentinel_group.node(sentinel_group.primary_port).get("kept") == "before"

        # The outbox's broker follows the same URL (taskiq-redis's ListQueueSentinelBroker).
        await tasks.send(service.Dispatch(message_id=1, attempt=1, topic="t"))
        assert await redis.llen(tasks.queue) == 1
        assert await tasks.room() > 0
    finally:
        await tasks.broker.shutdown()
        await redis.aclose()


@SECURITIES
async def test_a_killed_primary_is_replaced_and_the_same_client_follows(
    sentinel_group: SentinelGroup,
) -> None:
    settings = Settings(env="test", redis_url=sentinel_group.url)
    redis = connect(settings)
    keys = Keys("palmcity:test:sentinel")
    limiter = RateLimiter(redis, keys)
    tasks = OutboxTasks(settings, redis, keys, JobContext(redis=redis, keys=keys, adapters=None))
    calls = _calls(redis, limiter)
    try:
        await redis.set("kept", "before")
        # Twenty at once: twenty pooled connections to the primary, all of which the kill breaks.
        await asyncio.gather(*(c() for c in calls * 5))
        assert await redis.wait(1, 2000) == 1  # the replica has "kept"
        assert sentinel_group.primary_address() == ("127.0.0.1", sentinel_group.primary_port)

        sentinel_group.kill_primary()
        killed = time.monotonic()
        failures: list[BaseException] = []
        slowest = 0.0
        recovered_after: float | None = None
        n = 0
        while recovered_after is None:
            elapsed = time.monotonic() - killed
            assert elapsed < RECOVERY_SECONDS, (
                f"no command succeeded {RECOVERY_SECONDS:.0f} s after the primary was killed "
                f"({len(failures)} failed: {failures[-3:]})"
            )
            started = time.monotonic()
            try:
                await asyncio.wait_for(calls[n % len(calls)](), HANG_SECONDS)
            except TimeoutError:
                raise AssertionError(f"a command hung for {HANG_SECONDS:.0f} s during the failover") from None
            except Exception as failed:  # judged below: only an outage is fine
                outage = outage_of(failed)
                assert outage is not None and outage.code == "redis_unavailable", repr(failed)
                failures.append(failed)
            else:
                recovered_after = time.monotonic() - killed
            slowest = max(slowest, time.monotonic() - started)
            n += 1
            await asyncio.sleep(0.1)

        # The replica is the primary now, with what was written before the kill.
        assert sentinel_group.primary_address() == ("127.0.0.1", sentinel_group.replica_port)
        assert failures, "the kill went unnoticed: the test proved nothing"
        assert await redis.get("kept") == "before"
        # Every kind of call again, twenty at once, on the same client: none fails.
        outcomes = await asyncio.gather(*(c() for c in calls * 5), return_exceptions=True)
        assert [o for o in outcomes if isinstance(o, BaseException)] == []
        assert await redis.set("kept", "after") is True
        assert sentinel_group.node(sentinel_group.replica_port).get("kept") == "after"
        await tasks.send(service.Dispatch(message_id=2, attempt=1, topic="t"))
        assert await redis.llen(tasks.queue) == 1
        print(  # the figures docs/operations.md quotes (pytest -s)
            f"failover: first success {recovered_after:.1f} s after the kill, {len(failures)} "
            f"commands failed meanwhile, the slowest call took {slowest:.1f} s"
        )
    finally:
        await tasks.broker.shutdown()
        await redis.aclose()


def test_a_sentinel_url_is_checked_when_the_settings_are_read() -> None:
    for url, complaint in [
        ("redis+sentinel://127.0.0.1:26379", "names the primary's service"),
        ("redis+sentinel://127.0.0.1:26379/", "names the primary's service"),
        ("redis+sentinel://127.0.0.1:26379/palmcity/zero", "path is /<service>[/<db>]"),
        ("redis+sentinel://127.0.0.1:26379/palmcity/0/1", "path is /<service>[/<db>]"),
        ("redis+sentinel://127.0.0.1:port/palmcity", "port must be a number"),
        ("redis+sentinel://127.0.0.1:70000/palmcity", "port must be a number"),
        ("redis+sentinel://a:1,,b:2/palmcity", "host:port,host:port"),
        ("redis+sentinel://127.0.0.1/palmcity?socket_timeout=soon", "socket_timeout"),
    ]:
        with pytest.raises(ValueError, match="PALMCITY_REDIS_URL") as refused:
            Settings(env="test", redis_url=url)
        assert complaint in str(refused.value), (url, str(refused.value))
