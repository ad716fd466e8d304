"""Background work that cannot be lost: written in the caller's transaction, delivered at least once.

The life of a job:

1. ``enqueue`` inserts an ``OutboxMessage`` with the caller's connection, so the job exists if and
   only if the caller's change commits.
2. A relay (``relay_once``, looped by the worker) leases due rows — ``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, so relays in several processes never take the same row — increments ``attempts``
   and sends ``(id, attempt)`` to taskiq.
3. The taskiq task calls ``execute``: it skips a delivery whose attempt is stale or whose lease
   has run out, runs the handler with a deadline inside the lease, and marks the row done, or
   records the error and schedules a retry with exponential backoff (``dead`` after the handler's
   ``max_attempts``).
4. A row whose lease runs out without being settled — the worker died, Redis lost the message —
   is due again and the relay dispatches it anew. Nothing held only in Redis or in memory is
   ever the last copy of a job; hence handlers must be idempotent (see ``domain.outbox.jobs``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain.outbox import jobs
from domain.outbox.models import OutboxMessage, OutboxState
from domain.shared import clock, sql
from domain.shared.kv import Keys, Redis
from domain.shared.pii import scrub

log = logging.getLogger("palmcity.outbox")

BATCH_SIZE = 50
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
# A handler must be finished this long before its lease ends, so that the relay never re-dispatches
# a row whose handler is still running (clocks of API, worker and database hosts may drift a little).
LEASE_MARGIN = timedelta(seconds=5)
# How long a row whose hand-off to taskiq failed (Redis down) waits before the relay tries again.
REDISPATCH_DELAY = timedelta(seconds=5)
DEFAULT_MAX_ATTEMPTS = 10
_ERROR_CHARS = 2000


class Outcome(StrEnum):
    DONE = "done"
    RETRY = "retry"  # failed; due again after the backoff
    DEAD = "dead"  # failed for the last time
    STALE = "stale"  # not run: already settled, re-leased, or the lease ran out
    RELEASED = "released"  # interrupted by shutdown; due again at once


@dataclass(frozen=True)
class Dispatch:
    """One leased row on its way to a worker; ``attempt`` fences off older deliveries."""

    message_id: int
    attempt: int
    topic: str


Send = Callable[[Dispatch], Awaitable[None]]


async def enqueue(
    topic: str,
    payload: dict[str, Any],
    *,
    using_db: BaseDBAsyncClient,
    delay: timedelta | None = None,
    key: str | None = None,
    new_key: bool = False,
) -> OutboxMessage:
    """Add a job inside the caller's transaction; with ``key``, return the job already holding that key.

    ``new_key``: the key names something this transaction just created (a new row's id), so no job
    can hold it yet and it is not looked up; the unique index still refuses a duplicate.
    """
    if key is not None and not new_key:
        # Two transactions enqueueing the same new key at once: the unique index lets one commit
        # and fails the other with IntegrityError (callers that race on purpose catch it).
        existing = await OutboxMessage.filter(key=key).using_db(using_db).first()
        if existing is not None:
            return existing
    now = clock.now()
    return await OutboxMessage.create(
        topic=topic,
        payload=payload,
        key=key,
        created_at=now,
        available_at=now + (delay or timedelta(0)),
        using_db=using_db,
    )


def new_job(
    topic: str, payload: dict[str, Any], *, delay: timedelta | None = None, key: str | None = None
) -> OutboxMessage:
    """A job for :func:`enqueue_new`, not yet written."""
    now = clock.now()
    return OutboxMessage(
        topic=topic, payload=payload, key=key, created_at=now, available_at=now + (delay or timedelta(0))
    )


async def enqueue_new(messages: list[OutboxMessage], *, using_db: BaseDBAsyncClient) -> None:
    """Add jobs (from :func:`new_job`) inside the caller's transaction, all in one statement, as
    ``enqueue(..., new_key=True)`` adds each: their keys name something this transaction just
    created, so they are not looked up (the unique index still refuses a duplicate). Their ids
    are not read back."""
    await sql.insert_all(using_db, messages)


def backoff(attempt: int) -> timedelta:
    """Wait before retrying after failed attempt ``attempt`` (1-based): 10 s, 20 s, 40 s … capped at 1 h."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (1 << min(attempt - 1, 20)))


async def claim_due(*, lease: timedelta, limit: int = BATCH_SIZE) -> list[Dispatch]:
    """Lease up to ``limit`` due rows to the caller; rows another relay holds are skipped, not waited for."""
    if limit <= 0:
        return []
    now = clock.now()
    async with in_transaction() as conn:
        # PostgreSQL gets FOR UPDATE SKIP LOCKED; SQLite drops the clause, which is safe only
        # because the embedded default runs one relay in one process (Tortoise serialises its
        # SQLite transactions).
        rows = (
            await OutboxMessage.filter(state=OutboxState.PENDING, available_at__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .order_by("available_at", "id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            .using_db(conn)
        )
        if not rows:
            return []
        await (
            OutboxMessage.filter(id__in=[row.id for row in rows])
            .using_db(conn)
            .update(attempts=F("attempts") + 1, dispatched_at=now, lease_until=now + lease)
        )
    return [Dispatch(message_id=row.id, attempt=row.attempts + 1, topic=row.topic) for row in rows]


async def relay_once(*, send: Send, lease: timedelta, limit: int = BATCH_SIZE) -> int:
    """Lease due rows and hand each to ``send``; returns how many were leased."""
    dispatches = await claim_due(lease=lease, limit=limit)
    for dispatch in dispatches:
        try:
            await send(dispatch)
        except Exception as exc:  # the broker is down: give the row back rather than wait out the lease
            log.warning(
                "outbox dispatch failed; will retry",
                extra={"outbox_id": dispatch.message_id, "topic": dispatch.topic, "error": repr(exc)},
            )
            await _undo_claim(dispatch, error=f"dispatch failed: {_describe(exc)}", delay=REDISPATCH_DELAY)
    return len(dispatches)


async def execute(message_id: int, attempt: int, *, context: jobs.JobContext) -> Outcome:
    """Run one delivered job within its lease and settle the row (done, retry later, or dead)."""
    row = await OutboxMessage.get_or_none(id=message_id)
    now = clock.now()
    if row is None or row.state != OutboxState.PENDING or row.attempts != attempt:
        return Outcome.STALE  # a duplicate or late delivery: another attempt owns the row now
    if row.lease_until is None or row.lease_until - LEASE_MARGIN <= now:
        # Waited too long in the queue: the relay re-dispatches it, so running it here could overlap.
        return Outcome.STALE
    spec = jobs.handler_for(row.topic)
    if spec is None:
        # Perhaps a rolling deploy where this worker is older than the code that enqueued it.
        return await _fail(
            row, attempt, DEFAULT_MAX_ATTEMPTS, f"no handler registered for topic {row.topic!r}"
        )
    job = jobs.Job(id=row.id, topic=row.topic, payload=row.payload, attempt=attempt, context=context)
    budget = (row.lease_until - LEASE_MARGIN - now).total_seconds()
    try:
        async with asyncio.timeout(budget):
            await spec.run(job)
    except asyncio.CancelledError:
        # The worker is stopping: hand the row back now instead of after the lease.
        await _undo_claim(
            Dispatch(row.id, attempt, row.topic), error="interrupted by worker shutdown", delay=timedelta(0)
        )
        raise
    except TimeoutError:
        return await _fail(row, attempt, spec.max_attempts, f"timed out after {budget:.0f} s (lease)")
    except Exception as exc:  # any handler failure is recorded and retried; nothing escapes the worker
        log.warning(
            "outbox handler failed",
            extra={"outbox_id": row.id, "topic": row.topic, "attempt": attempt, "error": repr(exc)},
        )
        return await _fail(row, attempt, spec.max_attempts, _describe(exc))
    await _settled(row.id, attempt).update(state=OutboxState.DONE, done_at=clock.now(), lease_until=None)
    return Outcome.DONE


async def requeue(message_id: int) -> bool:
    """Give a dead job a fresh set of attempts (an operator's action after fixing the cause)."""
    updated = await OutboxMessage.filter(id=message_id, state=OutboxState.DEAD).update(
        state=OutboxState.PENDING, attempts=0, available_at=clock.now(), lease_until=None
    )
    return updated == 1


async def enqueue_due_schedules(*, redis: Redis, keys: Keys, now: datetime | None = None) -> list[str]:
    """Enqueue each schedule's current slot once across all workers; returns the topics enqueued."""
    now = now or clock.now()
    enqueued = []
    for sched in jobs.SCHEDULES.values():
        slot = sched.slot(now)
        marker = keys.of("outbox", "schedule", sched.topic, slot.strftime("%Y%m%dT%H%M%SZ"))
        if await redis.exists(marker):
            continue
        # A short lock, not the marker itself: if the winner dies before committing, another
        # worker takes the slot a minute later.
        if not await redis.set(marker + ":lock", "1", nx=True, ex=60):
            continue
        try:
            async with in_transaction() as conn:
                await enqueue(sched.topic, dict(sched.payload), using_db=conn, key=sched.key(slot))
        except IntegrityError:
            pass  # Redis forgot the marker (restart) but the row's unique key did not: already enqueued
        ttl = int(sched.every.total_seconds()) + 3600
        await redis.set(marker, "1", ex=ttl)
        enqueued.append(sched.topic)
    return enqueued


async def _fail(row: OutboxMessage, attempt: int, max_attempts: int, error: str) -> Outcome:
    if attempt >= max_attempts:
        await _settled(row.id, attempt).update(state=OutboxState.DEAD, last_error=error, lease_until=None)
        log.error(
            "outbox job gave up",
            extra={"outbox_id": row.id, "topic": row.topic, "attempts": attempt, "error": error},
        )
        return Outcome.DEAD
    await _settled(row.id, attempt).update(
        available_at=clock.now() + backoff(attempt), last_error=error, lease_until=None
    )
    return Outcome.RETRY


async def _undo_claim(dispatch: Dispatch, *, error: str, delay: timedelta) -> None:
    # The attempt never reached a handler (or was cut short by shutdown), so it does not count
    # towards max_attempts: a Redis outage must not kill jobs. The next claim reuses the attempt
    # number; if a failed send did reach Redis after all, the two copies settle once (conditional
    # updates) and overlap only in the rare case two workers run them at the same moment.
    await _settled(dispatch.message_id, dispatch.attempt).update(
        attempts=F("attempts") - 1,
        available_at=clock.now() + delay,
        lease_until=None,
        last_error=error,
    )


def _settled(message_id: int, attempt: int) -> QuerySet[OutboxMessage]:
    # Every settlement is conditional on the attempt still owning the row, so a late finisher can
    # never overwrite the outcome of a newer attempt.
    return OutboxMessage.filter(id=message_id, attempts=attempt, state=OutboxState.PENDING)


def _describe(exc: BaseException) -> str:
    return scrub(f"{type(exc).__name__}: {exc}")[:_ERROR_CHARS]
