"""Background job handlers by topic, and the schedules that enqueue jobs at their time.

A domain registers its handlers in its own ``domain/<name>/jobs.py``::

    @handler("notifications.send")
    async def send_notification(job: Job) -> None: ...

and every worker imports every ``domain/*/jobs.py`` when it starts (``server.worker.job_modules``).

Delivery is at least once: a handler may run again after a worker crash, a lost Redis message,
a timeout or a failure in its own last step. **Handlers must be idempotent** — check state
before acting, use unique keys, make writes conditional — and finish well inside the lease
(``PALMCITY_OUTBOX_LEASE_SECONDS``); the worker cancels a handler when its lease runs out.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from domain.outbox.models import OutboxMessage, OutboxState
from domain.shared import clock
from domain.shared.kv import Keys, Redis
from domain.shared.registry import Registry


@dataclass(frozen=True)
class JobContext:
    """What a worker process lends its handlers besides the database."""

    redis: Redis
    keys: Keys
    # server.bootstrap.Adapters. Typed loosely because the domain may not import server; handlers
    # use the platform through its port (adapters/<platform>/port.py).
    adapters: Any


@dataclass(frozen=True)
class Job:
    id: int
    topic: str
    payload: dict[str, Any]
    attempt: int  # 1 on the first run
    context: JobContext


JobHandler = Callable[[Job], Awaitable[None]]


@dataclass(frozen=True)
class HandlerSpec:
    topic: str
    run: JobHandler
    max_attempts: int


# topic -> handler. Filled at import time by the @handler decorators of the domains' jobs modules;
# a second handler of a topic fails at import (``DuplicateRegistration``).
HANDLERS: Registry[str, HandlerSpec] = Registry("outbox handler")


def handler(topic: str, *, max_attempts: int = 10) -> Callable[[JobHandler], JobHandler]:
    """Register the handler of ``topic``; it must be idempotent, because delivery is at least once."""

    def register(fn: JobHandler) -> JobHandler:
        HANDLERS.add(topic, HandlerSpec(topic=topic, run=fn, max_attempts=max_attempts))
        return fn

    return register


def handler_for(topic: str) -> HandlerSpec | None:
    return HANDLERS.get(topic)


@dataclass(frozen=True)
class Schedule:
    """Enqueue ``topic`` once per period, at ``at`` China time (or on the period's boundaries)."""

    topic: str
    every: timedelta
    at: time = time(0, 0)
    payload: dict[str, Any] = field(default_factory=dict)

    def slot(self, now: datetime) -> datetime:
        """The latest occurrence at or before ``now`` (UTC); each slot is enqueued exactly once."""
        anchor = datetime.combine(date(2000, 1, 1), self.at, clock.CHINA)
        periods = math.floor((now - anchor) / self.every)
        return (anchor + periods * self.every).astimezone(UTC)

    def key(self, slot: datetime) -> str:
        return f"schedule:{self.topic}:{slot.strftime('%Y%m%dT%H%M%SZ')}"


# topic -> its schedule; one schedule per topic, like one handler.
SCHEDULES: Registry[str, Schedule] = Registry("outbox schedule")


def schedule(
    topic: str, *, every: timedelta, at: time = time(0, 0), payload: dict[str, Any] | None = None
) -> None:
    """Run ``topic`` periodically. One worker enqueues each slot (Redis NX, then the row's unique key)."""
    if every <= timedelta(0):
        raise ValueError("a schedule needs a positive period")
    SCHEDULES.add(topic, Schedule(topic=topic, every=every, at=at, payload=payload or {}))


# --- the outbox's own jobs ---------------------------------------------------------------------

PURGE_DONE_AFTER_DAYS = 7


@handler("outbox.purge_done")
async def purge_done(job: Job) -> None:
    """Delete done rows older than ``older_than_days``; dead rows stay for an operator to look at."""
    days = int(job.payload.get("older_than_days", PURGE_DONE_AFTER_DAYS))
    cutoff = clock.now() - timedelta(days=days)
    await OutboxMessage.filter(state=OutboxState.DONE, done_at__lt=cutoff).delete()


# 03:30 China time: after midnight batch work, before the morning rush.
schedule(
    "outbox.purge_done",
    every=timedelta(days=1),
    at=time(3, 30),
    payload={"older_than_days": PURGE_DONE_AFTER_DAYS},
)
