"""taskiq for the outbox: the broker, its one task, and how much this worker has in hand.

Production hands jobs over a Redis list (taskiq-redis ``ListQueueBroker``, or on a Redis Cluster
its ``ListQueueClusterBroker``: the queue is one key, so one node) so any worker process may run
any job; the embedded default runs them in the app's own event loop (``InMemoryBroker``).
Either way the broker is only a courier: the outbox row, not the message, is the job, so a
message lost with Redis or a dying worker is re-sent when its lease runs out.
"""

from __future__ import annotations

import asyncio
from typing import Any

from taskiq import AsyncBroker, InMemoryBroker
from taskiq.receiver import Receiver
from taskiq_redis import ListQueueBroker, ListQueueClusterBroker, ListQueueSentinelBroker

from domain.outbox import service
from domain.outbox.jobs import JobContext
from domain.shared.kv import Keys, Redis
from server.redis import client_options, parse_sentinel_url, redis_py_url
from server.settings import Settings

TASK_NAME = "palmcity.outbox.execute"
# Jobs one worker process runs at once.
MAX_IN_FLIGHT = 32
# Messages allowed to wait in Redis before the relay stops leasing more: leases tick while a
# message waits, so a deep queue would only produce expired, re-sent work.
MAX_QUEUED = 200


class OutboxTasks:
    """The broker that carries ``(message_id, attempt)`` and the task that executes it."""

    def __init__(self, settings: Settings, redis: Redis, keys: Keys, context: JobContext) -> None:
        self.embedded = settings.uses_embedded_redis
        self.queue = keys.of("outbox", "queue")
        self.context = context
        self._redis = redis
        self.broker: AsyncBroker
        if self.embedded:
            self.broker = InMemoryBroker(max_async_tasks=MAX_IN_FLIGHT)
        else:
            # The app's retries and health checks (server/redis.py), except the socket timeout:
            # BRPOP blocks until a message comes, and a timeout would break it off every few
            # seconds (taskiq-redis does not catch that). Keepalive finds dead peers instead.
            options = {**client_options(), "socket_timeout": None}
            url = redis_py_url(settings.redis_url)
            if settings.uses_redis_cluster:
                self.broker = ListQueueClusterBroker(url=url, queue_name=self.queue, **options)
            elif settings.uses_redis_sentinel:  # the primary the sentinels name, at each send
                target = parse_sentinel_url(settings.redis_url)
                self.broker = ListQueueSentinelBroker(
                    sentinels=target.sentinels,
                    master_name=target.service_name,
                    queue_name=self.queue,
                    sentinel_kwargs={**client_options(), **target.sentinel},
                    **{**options, **target.connection},
                )
            else:
                self.broker = ListQueueBroker(url=url, queue_name=self.queue, **options)
        self.running: set[asyncio.Task[Any]] = set()
        self._kicked = 0  # embedded only: sent and not yet finished

        # A plain function per broker: taskiq renames and re-exports what it registers, which a
        # bound method does not allow.
        async def execute_outbox_message(message_id: int, attempt: int) -> str:
            return await self._execute(message_id, attempt)

        self._task = self.broker.register_task(execute_outbox_message, task_name=TASK_NAME)

    async def _execute(self, message_id: int, attempt: int) -> str:
        current = asyncio.current_task()
        if current is not None:
            self.running.add(current)  # so that shutdown can wait for (or cancel) it
        try:
            outcome = await service.execute(message_id, attempt, context=self.context)
            return outcome.value
        finally:
            if current is not None:
                self.running.discard(current)
            if self.embedded:
                self._kicked -= 1

    async def send(self, dispatch: service.Dispatch) -> None:
        if self.embedded:
            self._kicked += 1
        try:
            await self._task.kiq(dispatch.message_id, dispatch.attempt)
        except BaseException:
            if self.embedded:
                self._kicked -= 1
            raise

    async def room(self) -> int:
        """How many more jobs the relay may lease now."""
        if self.embedded:  # the in-memory broker starts every job at once: bound what runs
            return max(0, MAX_IN_FLIGHT - self._kicked)
        return max(0, MAX_QUEUED - int(await self._redis.llen(self.queue)))

    def receiver(self, *, grace_seconds: float) -> Receiver:
        """The consumer for the Redis queue (production); the in-memory broker has its own."""
        return Receiver(
            broker=self.broker,
            max_async_tasks=MAX_IN_FLIGHT,
            run_startup=False,
            # On stop it waits this long for running jobs; the worker then cancels the rest, and
            # they hand their rows back.
            wait_tasks_timeout=grace_seconds,
        )
