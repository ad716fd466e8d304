"""The outbox: a job exists iff its transaction commits, runs once, retries with backoff, survives crashes."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time, timedelta

import fakeredis
import pytest
from tortoise.transactions import in_transaction

from domain.outbox import jobs, service
from domain.outbox.models import OutboxMessage, OutboxState
from domain.shared import clock
from domain.shared.kv import Keys
from domain.shared.registry import DuplicateRegistration
from server.settings import Settings
from server.tasks import OutboxTasks
from server.worker import import_job_modules

LEASE = timedelta(seconds=60)
T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Handlers registered by a test vanish with it; the real ones (imported first) stay.
    import_job_modules()
    monkeypatch.setattr(jobs, "HANDLERS", jobs.HANDLERS.copy())
    monkeypatch.setattr(jobs, "SCHEDULES", jobs.SCHEDULES.copy())
    yield


@pytest.fixture
def context() -> jobs.JobContext:
    return jobs.JobContext(
        redis=fakeredis.FakeAsyncRedis(decode_responses=True),
        keys=Keys(f"palmcity:test:{uuid.uuid4().hex[:8]}"),
        adapters=None,
    )


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen_at(T0):
        yield


def _at(elapsed: timedelta) -> AbstractContextManager[None]:
    return clock.frozen_at(T0 + elapsed)


@pytest.fixture
async def in_memory(db: str, context: jobs.JobContext) -> AsyncIterator[OutboxTasks]:
    """The embedded default's taskiq wiring: the relay sends, an in-memory broker runs the task."""
    settings = Settings(env="test", database_url=db, redis_url="memory://")
    tasks = OutboxTasks(settings, context.redis, context.keys, context)
    await tasks.broker.startup()
    yield tasks
    await tasks.broker.shutdown()


async def _enqueue(topic: str, payload: dict[str, object] | None = None, **kwargs: object) -> OutboxMessage:
    async with in_transaction() as conn:
        return await service.enqueue(topic, payload or {}, using_db=conn, **kwargs)  # type: ignore[arg-type]


async def _relay_and_run(tasks: OutboxTasks) -> int:
    leased = await service.relay_once(send=tasks.send, lease=LEASE)
    await tasks.broker.wait_all()  # type: ignore[attr-defined]
    return leased


def _record_runs(topic: str, *, fail_times: int = 0, max_attempts: int = 10) -> list[jobs.Job]:
    runs: list[jobs.Job] = []

    @jobs.handler(topic, max_attempts=max_attempts)
    async def record(job: jobs.Job) -> None:
        runs.append(job)
        if len(runs) <= fail_times:
            raise RuntimeError(f"platform said no to 13800138000 (run {len(runs)})")

    return runs


async def test_a_job_enqueued_in_a_transaction_that_rolls_back_does_not_exist(
    db: str, registry: None
) -> None:
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            await service.enqueue("test.note", {"n": 1}, using_db=conn)
            raise RuntimeError("the caller's change failed")
    assert await OutboxMessage.all().count() == 0
    assert await service.claim_due(lease=LEASE) == []


async def test_a_committed_job_runs_its_handler_exactly_once(
    in_memory: OutboxTasks, registry: None, frozen: None
) -> None:
    runs = _record_runs("test.note")
    message = await _enqueue("test.note", {"resident_id": 7})

    assert await _relay_and_run(in_memory) == 1
    assert await _relay_and_run(in_memory) == 0

    assert [(job.id, job.payload, job.attempt) for job in runs] == [(message.id, {"resident_id": 7}, 1)]
    row = await OutboxMessage.get(id=message.id)
    assert (row.state, row.attempts, row.done_at, row.lease_until) == (OutboxState.DONE, 1, T0, None)
    # A duplicate delivery of the same dispatch (taskiq retried, Redis replayed) does nothing.
    assert await service.execute(message.id, 1, context=in_memory.context) == service.Outcome.STALE
    assert len(runs) == 1


async def test_a_delayed_job_waits_for_its_time(in_memory: OutboxTasks, registry: None, frozen: None) -> None:
    runs = _record_runs("test.later")
    await _enqueue("test.later", delay=timedelta(minutes=5))

    assert await _relay_and_run(in_memory) == 0
    with _at(timedelta(minutes=5)):
        assert await _relay_and_run(in_memory) == 1
    assert len(runs) == 1


async def test_a_failing_handler_is_retried_later_with_backoff_and_the_error_kept(
    in_memory: OutboxTasks, registry: None, frozen: None
) -> None:
    runs = _record_runs("test.flaky", fail_times=2)
    message = await _enqueue("test.flaky")

    await _relay_and_run(in_memory)
    row = await OutboxMessage.get(id=message.id)
    assert (row.state, row.attempts, row.lease_until) == (OutboxState.PENDING, 1, None)
    assert row.available_at == T0 + timedelta(seconds=10)
    # The error is kept, with personal data masked.
    assert row.last_error == "RuntimeError: platform said no to 138****8000 (run 1)"

    assert await _relay_and_run(in_memory) == 0  # not before the backoff
    with _at(timedelta(seconds=10)):
        assert await _relay_and_run(in_memory) == 1
        row = await OutboxMessage.get(id=message.id)
        assert row.attempts == 2
        assert row.available_at == T0 + timedelta(seconds=10) + timedelta(seconds=20)  # doubled
    with _at(timedelta(seconds=30)):
        await _relay_and_run(in_memory)

    row = await OutboxMessage.get(id=message.id)
    assert (row.state, row.attempts, len(runs)) == (OutboxState.DONE, 3, 3)


def test_backoff_doubles_and_is_capped() -> None:
    assert [service.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert service.backoff(50) == timedelta(hours=1)


async def test_a_job_that_keeps_failing_is_marked_dead_after_its_max_attempts(
    in_memory: OutboxTasks, registry: None, frozen: None
) -> None:
    runs = _record_runs("test.doomed", fail_times=99, max_attempts=2)
    message = await _enqueue("test.doomed")

    await _relay_and_run(in_memory)
    with _at(timedelta(hours=2)):
        await _relay_and_run(in_memory)
    with _at(timedelta(hours=4)):
        assert await _relay_and_run(in_memory) == 0

    row = await OutboxMessage.get(id=message.id)
    assert (row.state, row.attempts, len(runs)) == (OutboxState.DEAD, 2, 2)
    assert row.last_error is not None and row.last_error.startswith("RuntimeError")

    assert await service.requeue(message.id)  # an operator fixed the cause
    with _at(timedelta(hours=4)):
        assert await _relay_and_run(in_memory) == 1
    assert (await OutboxMessage.get(id=message.id)).state == OutboxState.PENDING  # still failing: retrying


async def test_an_expired_lease_is_dispatched_again_after_a_crash(
    db: str, context: jobs.JobContext, registry: None, frozen: None
) -> None:
    runs = _record_runs("test.crashy")
    message = await _enqueue("test.crashy")
    lost: list[service.Dispatch] = []

    async def send_into_the_void(dispatch: service.Dispatch) -> None:
        lost.append(dispatch)  # the worker took the message and died, or Redis restarted empty

    assert await service.relay_once(send=send_into_the_void, lease=LEASE) == 1
    assert await service.relay_once(send=send_into_the_void, lease=LEASE) == 0  # leased: not yet

    resent: list[service.Dispatch] = []

    async def send(dispatch: service.Dispatch) -> None:
        resent.append(dispatch)

    with _at(LEASE):
        assert await service.relay_once(send=send, lease=LEASE) == 1
        assert [(d.message_id, d.attempt) for d in resent] == [(message.id, 2)]
        # If the lost message turns up after all, its attempt is stale and it does not run.
        assert await service.execute(message.id, 1, context=context) == service.Outcome.STALE
        assert await service.execute(message.id, 2, context=context) == service.Outcome.DONE
    assert [job.attempt for job in runs] == [2]


async def test_a_delivery_that_arrives_after_its_lease_ran_out_is_not_run(
    db: str, context: jobs.JobContext, registry: None, frozen: None
) -> None:
    runs = _record_runs("test.slowqueue")
    message = await _enqueue("test.slowqueue")
    [dispatch] = await service.claim_due(lease=LEASE)

    with _at(LEASE - service.LEASE_MARGIN):
        assert await service.execute(message.id, dispatch.attempt, context=context) == service.Outcome.STALE
    assert runs == []


async def test_a_failed_hand_off_to_the_broker_gives_the_row_back_without_using_an_attempt(
    db: str, registry: None, frozen: None
) -> None:
    message = await _enqueue("test.note")

    async def redis_is_down(dispatch: service.Dispatch) -> None:
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    assert await service.relay_once(send=redis_is_down, lease=LEASE) == 1
    row = await OutboxMessage.get(id=message.id)
    assert (row.attempts, row.lease_until) == (0, None)
    assert row.available_at == T0 + service.REDISPATCH_DELAY
    assert row.last_error is not None and "Connection refused" in row.last_error


async def test_a_job_without_a_registered_handler_is_retried(
    db: str, context: jobs.JobContext, registry: None, frozen: None
) -> None:
    message = await _enqueue("test.from_a_newer_release")
    [dispatch] = await service.claim_due(lease=LEASE)

    assert await service.execute(message.id, dispatch.attempt, context=context) == service.Outcome.RETRY
    row = await OutboxMessage.get(id=message.id)
    assert row.last_error == "no handler registered for topic 'test.from_a_newer_release'"


async def test_a_handler_that_outlives_its_lease_is_cut_off_and_retried(
    db: str, context: jobs.JobContext, registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    @jobs.handler("test.stuck")
    async def stuck(job: jobs.Job) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(service, "LEASE_MARGIN", timedelta(0))
    message = await _enqueue("test.stuck")
    [dispatch] = await service.claim_due(lease=timedelta(milliseconds=200))

    assert await service.execute(message.id, dispatch.attempt, context=context) == service.Outcome.RETRY
    row = await OutboxMessage.get(id=message.id)
    assert row.last_error is not None and row.last_error.startswith("timed out")


async def test_enqueue_with_a_key_is_idempotent(db: str) -> None:
    first = await _enqueue("test.note", {"n": 1}, key="reminder:appointment:42")
    second = await _enqueue("test.note", {"n": 2}, key="reminder:appointment:42")
    assert second.id == first.id
    assert await OutboxMessage.all().count() == 1


async def test_purge_done_deletes_done_rows_older_than_the_retention_only(
    db: str, context: jobs.JobContext, frozen: None
) -> None:
    old_done = await _enqueue("test.note")
    new_done = await _enqueue("test.note")
    old_dead = await _enqueue("test.note")
    pending = await _enqueue("test.note")
    await OutboxMessage.filter(id=old_done.id).update(state=OutboxState.DONE, done_at=T0 - timedelta(days=8))
    await OutboxMessage.filter(id=new_done.id).update(state=OutboxState.DONE, done_at=T0 - timedelta(days=6))
    await OutboxMessage.filter(id=old_dead.id).update(state=OutboxState.DEAD)

    job = jobs.Job(
        id=0, topic="outbox.purge_done", payload={"older_than_days": 7}, attempt=1, context=context
    )
    await jobs.purge_done(job)

    remaining = set(await OutboxMessage.all().values_list("id", flat=True))
    assert remaining == {new_done.id, old_dead.id, pending.id}


def test_the_daily_purge_is_scheduled_at_half_past_three_china_time() -> None:
    purge = jobs.SCHEDULES["outbox.purge_done"]
    assert purge.every == timedelta(days=1)
    # 02:00 UTC is 10:00 in China: the latest slot is 03:30 China time today, 19:30 UTC yesterday.
    assert purge.slot(T0) == datetime(2025, 2, 28, 19, 30, tzinfo=UTC)
    assert purge.slot(datetime(2025, 2, 28, 19, 29, tzinfo=UTC)) == datetime(2025, 2, 27, 19, 30, tzinfo=UTC)


async def test_each_schedule_slot_is_enqueued_once_however_many_workers_ask(
    db: str, context: jobs.JobContext, registry: None
) -> None:
    for topic in jobs.SCHEDULES.names():  # only this test's schedule (the fixture's copy)
        jobs.SCHEDULES.remove(topic)
    jobs.schedule("test.tick", every=timedelta(minutes=5), at=time(0, 1), payload={"x": 1})

    results = await asyncio.gather(
        *(service.enqueue_due_schedules(redis=context.redis, keys=context.keys, now=T0) for _ in range(5))
    )
    assert sorted(len(r) for r in results) == [0, 0, 0, 0, 1]
    # Redis restarted and forgot the marker: the row's unique key still holds.
    forgetful = fakeredis.FakeAsyncRedis(decode_responses=True)
    await service.enqueue_due_schedules(redis=forgetful, keys=context.keys, now=T0)
    # The next slot is a new job.
    await service.enqueue_due_schedules(redis=context.redis, keys=context.keys, now=T0 + timedelta(minutes=5))

    rows = await OutboxMessage.all().order_by("id").values("topic", "payload", "key")
    assert rows == [
        {"topic": "test.tick", "payload": {"x": 1}, "key": "schedule:test.tick:20250301T015600Z"},
        {"topic": "test.tick", "payload": {"x": 1}, "key": "schedule:test.tick:20250301T020100Z"},
    ]


@pytest.mark.postgres
async def test_two_relays_racing_on_postgresql_never_run_a_job_twice(
    db: str, context: jobs.JobContext, registry: None
) -> None:
    runs: Counter[int] = Counter()

    @jobs.handler("test.race")
    async def count(job: jobs.Job) -> None:
        runs[job.payload["n"]] += 1
        await asyncio.sleep(0)

    async with in_transaction() as conn:
        for n in range(200):
            await service.enqueue("test.race", {"n": n}, using_db=conn)

    async def run_now(dispatch: service.Dispatch) -> None:
        await service.execute(dispatch.message_id, dispatch.attempt, context=context)

    async def relay() -> None:
        # Small batches so the relays keep meeting on the same rows.
        while await service.relay_once(send=run_now, lease=LEASE, limit=7):
            pass

    await asyncio.gather(*(relay() for _ in range(6)))

    assert len(runs) == 200
    assert set(runs.values()) == {1}
    assert await OutboxMessage.filter(state=OutboxState.DONE, attempts=1).count() == 200


def test_a_second_handler_or_schedule_of_a_topic_fails_at_import(registry: None) -> None:
    async def first(job: jobs.Job) -> None: ...

    async def second(job: jobs.Job) -> None: ...

    jobs.handler("test.once")(first)
    jobs.handler("test.once")(first)  # the same definition again (a module imported twice)
    with pytest.raises(DuplicateRegistration, match="outbox handler 'test.once'"):
        jobs.handler("test.once")(second)  # a copied handler left on the old topic
    assert jobs.handler_for("test.once") is not None and jobs.HANDLERS["test.once"].run is first

    jobs.schedule("test.once", every=timedelta(minutes=5))
    jobs.schedule("test.once", every=timedelta(minutes=5))
    with pytest.raises(DuplicateRegistration, match="outbox schedule 'test.once'"):
        jobs.schedule("test.once", every=timedelta(minutes=10))
