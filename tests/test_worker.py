"""The worker process and the in-process worker of the embedded default."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import fakeredis
import pytest
from asgi_lifespan import LifespanManager
from tortoise.transactions import in_transaction

from domain.outbox import jobs, service
from domain.outbox.models import OutboxMessage, OutboxState
from domain.shared.kv import Keys
from server import worker as worker_module
from server.redis import connect as connect_redis
from server.settings import Settings
from server.worker import Worker


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The real modules register first, so that what a test adds vanishes with it and nothing else does.
    worker_module.import_job_modules()
    monkeypatch.setattr(jobs, "HANDLERS", jobs.HANDLERS.copy())
    yield


async def _eventually(check: Callable[[], Awaitable[bool]], *, within: float = 15.0) -> None:
    # Waits for background work to happen; the bound only stops a broken test from hanging.
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the worker did not get there in time")
        await asyncio.sleep(0.02)


async def _enqueue(topic: str, payload: dict[str, object]) -> OutboxMessage:
    async with in_transaction() as conn:
        return await service.enqueue(topic, payload, using_db=conn)


def _embedded(settings: Settings) -> Settings:
    # The embedded default as `make run` has it: the worker in the app's process.
    return settings.model_copy(
        update={"redis_url": "memory://", "outbox_poll_seconds": 0.02, "worker_in_process": True}
    )


async def test_the_app_runs_jobs_in_process_in_the_embedded_mode(settings: Settings, registry: None) -> None:
    from server.main import create_app

    runs: list[int] = []

    @jobs.handler("test.embedded")
    async def record(job: jobs.Job) -> None:
        await job.context.redis.set(job.context.keys.of("seen", job.id), "1")  # the app's own Redis
        runs.append(job.payload["n"])

    app = create_app(_embedded(settings))
    async with LifespanManager(app):  # type: ignore[arg-type]
        assert app.ctx.worker is not None
        message = await _enqueue("test.embedded", {"n": 1})

        async def done() -> bool:
            return (await OutboxMessage.get(id=message.id)).state == OutboxState.DONE

        await _eventually(done)
        assert await app.ctx.runtime.redis.get(app.ctx.runtime.keys.of("seen", message.id)) == "1"
        # The daily purge's current slot was enqueued (and run) on start.
        purge = await OutboxMessage.get(topic="outbox.purge_done")
        assert purge.key is not None and purge.key.startswith("schedule:outbox.purge_done:")
    assert app.ctx.worker is None  # stopped with the app
    assert runs == [1]


async def test_the_app_does_not_run_a_worker_when_redis_is_real(settings: Settings) -> None:
    from server.main import create_app

    if settings.uses_embedded_redis:
        pytest.skip("this run has no real Redis")
    app = create_app(settings)
    async with LifespanManager(app):  # type: ignore[arg-type]
        assert getattr(app.ctx, "worker", None) is None


async def test_stopping_the_worker_hands_a_running_job_back_at_once(
    settings: Settings, registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()

    @jobs.handler("test.long")
    async def long(job: jobs.Job) -> None:
        started.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(worker_module, "SHUTDOWN_GRACE_SECONDS", 0.05)
    embedded = _embedded(settings)
    worker = Worker(embedded, fakeredis.FakeAsyncRedis(decode_responses=True), Keys("palmcity:test:w"), None)
    message = await _enqueue("test.long", {})
    worker.start()
    await asyncio.wait_for(started.wait(), 15)
    await worker.stop()

    row = await OutboxMessage.get(id=message.id)
    assert (row.state, row.attempts, row.lease_until) == (OutboxState.PENDING, 0, None)
    assert row.last_error == "interrupted by worker shutdown"


async def test_the_worker_process_runs_jobs_through_the_redis_queue(
    settings: Settings, registry: None
) -> None:
    if settings.uses_embedded_redis:
        pytest.skip("this run has no real Redis")
    runs: list[int] = []

    @jobs.handler("test.via_redis")
    async def record(job: jobs.Job) -> None:
        runs.append(job.payload["n"])

    fast = settings.model_copy(update={"outbox_poll_seconds": 0.02})
    redis = connect_redis(fast)
    worker = Worker(fast, redis, Keys(fast.redis_prefix), None)
    # The consumer's BRPOP waits as long as it takes: redis-py would cut it off after 5 s idle.
    assert worker.tasks.broker.connection_pool.connection_kwargs["socket_timeout"] is None  # type: ignore[attr-defined]
    messages = [await _enqueue("test.via_redis", {"n": n}) for n in range(5)]
    worker.start()
    try:

        async def all_done() -> bool:
            return await OutboxMessage.filter(topic="test.via_redis", state=OutboxState.DONE).count() == 5

        await _eventually(all_done)
    finally:
        await worker.stop()
        await redis.delete(worker.tasks.queue)
        await redis.aclose()
    assert sorted(runs) == [0, 1, 2, 3, 4]
    assert {m.id for m in messages} == set(
        await OutboxMessage.filter(topic="test.via_redis").values_list("id", flat=True)
    )


def test_the_worker_process_refuses_the_embedded_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALMCITY_REDIS_URL", "memory://")
    monkeypatch.setenv("PALMCITY_LOG_JSON", "false")
    assert worker_module.main([]) == 2


def test_every_domain_jobs_module_imports_and_each_schedule_has_a_handler() -> None:
    modules = worker_module.import_job_modules()
    assert "domain.outbox.jobs" in modules
    assert "outbox.purge_done" in jobs.HANDLERS
    # A schedule without a handler would only fail later, one dead job per slot.
    assert set(jobs.SCHEDULES) <= set(jobs.HANDLERS)
