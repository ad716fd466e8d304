"""What holds on a Redis Cluster beyond the Redis-dependent tests the stage re-runs on it: the
cluster is real (three masters, cross-slot scripts refused), the multi-key operations that span
slots work, the outbox queue carries jobs, and a restarted master is used again by the same client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.exceptions import RedisClusterException, ResponseError
from tortoise.transactions import in_transaction

from domain.outbox import jobs, service
from domain.outbox.models import OutboxMessage, OutboxState
from domain.shared.kv import Keys, Redis, is_cluster
from domain.shared.ratelimit import RateLimiter
from server import worker as worker_module
from server.redis import connect
from server.settings import Settings
from server.worker import Worker
from tests.support import environment
from tests.support.redis_cluster import LocalCluster


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = connect(settings)
    try:
        yield client
    finally:
        await environment.clear_redis_prefix(client, settings.redis_prefix)
        await client.aclose()


@pytest.fixture
def keys(settings: Settings) -> Keys:
    return Keys(settings.redis_prefix)


def _slot(redis: Redis, key: str) -> int:
    return int(redis.keyslot(key))  # type: ignore[attr-defined]  # RedisCluster's


async def test_the_stage_runs_on_a_three_master_cluster(redis: Redis) -> None:
    assert is_cluster(redis)
    await redis.ping()
    assert len(redis.get_primaries()) == 3  # type: ignore[attr-defined]
    # What the hash tags are for: the cluster refuses a script whose keys live in two slots.
    with pytest.raises((RedisClusterException, ResponseError)):
        await redis.eval("return 1", 2, "palmcity:a", "palmcity:b")


async def test_a_pipeline_reads_keys_of_several_slots_in_one_go(redis: Redis, keys: Keys) -> None:
    # The login check's shape (server/auth.py): the family, then the saved locale and level.
    family, locale, level = keys.tagged("refresh", "f1", "family"), keys.of("locale", 1), keys.of("level", 1)
    assert len({_slot(redis, family), _slot(redis, locale), _slot(redis, level)}) == 3
    await redis.set(family, "1")
    await redis.set(locale, "en")
    async with redis.pipeline(transaction=False) as pipe:
        pipe.exists(family)
        pipe.mget(locale, level)
        pipe.get(locale)
        assert await pipe.execute() == [1, ["en", None], "en"]


async def test_a_request_is_counted_in_buckets_of_several_slots_exactly(redis: Redis, keys: Keys) -> None:
    limiter = RateLimiter(redis, keys)
    assert _slot(redis, limiter._key("ip", "203.0.113.1")) != _slot(redis, limiter._key("user", "7"))
    outcomes = await asyncio.gather(
        *(limiter.hit_all([("ip", f"203.0.113.{n}", 100), ("user", "7", 10)]) for n in range(30))
    )
    refused = [index for index, _decision, _reads in outcomes]
    assert refused.count(None) == 10 and refused.count(1) == 20  # the user's limit, exactly
    # The buckets before the refusing one counted the request, as one script over both would.
    assert (await limiter.hit("ip", "203.0.113.3", limit=100)).remaining == 100 - 2


async def test_the_outbox_queue_on_a_cluster_carries_jobs_to_a_worker(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker_module.import_job_modules()
    monkeypatch.setattr(jobs, "HANDLERS", jobs.HANDLERS.copy())
    runs: list[int] = []

    @jobs.handler("test.via_cluster")
    async def record(job: jobs.Job) -> None:
        runs.append(job.payload["n"])

    fast = settings.model_copy(update={"outbox_poll_seconds": 0.02})
    redis = connect(fast)
    worker = Worker(fast, redis, Keys(fast.redis_prefix), None)
    async with in_transaction() as conn:
        for n in range(5):
            await service.enqueue("test.via_cluster", {"n": n}, using_db=conn)
    worker.start()
    try:
        for _ in range(750):
            if await OutboxMessage.filter(topic="test.via_cluster", state=OutboxState.DONE).count() == 5:
                break
            await asyncio.sleep(0.02)
    finally:
        await worker.stop()
        await redis.delete(worker.tasks.queue)
        await redis.aclose()
    assert sorted(runs) == [0, 1, 2, 3, 4]


async def test_a_restarted_master_is_used_again_by_the_same_client(
    redis: Redis, keys: Keys, cluster: LocalCluster
) -> None:
    limiter = RateLimiter(redis, keys)
    key = limiter._key("login", "alice")
    assert (await limiter.hit("login", "alice", limit=5)).remaining == 4
    node = redis.get_node_from_key(key)  # type: ignore[attr-defined]
    await asyncio.to_thread(cluster.restart_node, int(node.port))
    # Its data and scripts are gone with it (nothing is persisted); the client reconnects.
    assert (await limiter.hit("login", "alice", limit=5)).remaining == 4
    await redis.set(keys.of("after-restart"), "1")
    assert await redis.get(keys.of("after-restart")) == "1"


async def test_a_burst_of_first_commands_on_a_new_client_all_succeed(redis: Redis, keys: Keys) -> None:
    # 300 bookings at once on a process that just started: the client learns the cluster once.
    script = redis.register_script("return redis.call('INCR', KEYS[1])")
    outcomes = await asyncio.gather(
        *(script(keys=[keys.of("burst", n % 7)]) for n in range(300)), return_exceptions=True
    )
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    counts = [await redis.get(keys.of("burst", n)) for n in range(7)]
    assert sum(int(count or 0) for count in counts) == 300
