"""The background worker: the outbox relay, the job scheduler and the taskiq consumer.

Production runs it as its own process, ``python -m server.worker`` (compose's ``worker``
service; run as many as you like, they share the work through PostgreSQL row locks and Redis).
The embedded default (``PALMCITY_REDIS_URL=memory://``) has one process and no Redis to share,
so the app runs the same loops as asyncio tasks of its own (``start_in_process_if_embedded``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sanic import Sanic

from domain.outbox import service
from domain.outbox.jobs import JobContext
from domain.shared.kv import Keys, Redis
from server.settings import Settings
from server.tasks import OutboxTasks

log = logging.getLogger("palmcity.worker")

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"

# How often each worker checks whether a schedule's slot has come (the slot itself is exact).
SCHEDULE_CHECK_SECONDS = 30.0
# On stop, running jobs get this long to finish before they are cancelled (and hand their rows back).
SHUTDOWN_GRACE_SECONDS = 10.0
_MAX_ERROR_PAUSE_SECONDS = 30.0


def job_modules() -> list[str]:
    """Every ``domain/<name>/jobs.py``: a domain's handlers and schedules live there by convention."""
    return sorted(f"domain.{path.parent.name}.jobs" for path in DOMAIN_DIR.glob("*/jobs.py"))


def import_job_modules() -> list[str]:
    # Imported by every worker, so that any worker can run any topic. A jobs module that fails to
    # import stops the worker from starting, rather than leaving its topics to fail one by one.
    modules = job_modules()
    for module in modules:
        importlib.import_module(module)
    return modules


class Worker:
    """One process's share of the background work, as asyncio tasks that stop cleanly."""

    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        keys: Keys,
        adapters: Any,
        *,
        heartbeat: Path | None = None,
    ) -> None:
        import_job_modules()
        self.settings = settings
        self.redis = redis
        self.keys = keys
        self.heartbeat = heartbeat
        self.tasks = OutboxTasks(settings, redis, keys, JobContext(redis=redis, keys=keys, adapters=adapters))
        self._loops: list[asyncio.Task[None]] = []
        self._receiver: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        """Start the loops without waiting for them (safe inside a server listener)."""
        self._loops = [
            asyncio.create_task(self._relay_loop(), name="palmcity-outbox-relay"),
            asyncio.create_task(self._schedule_loop(), name="palmcity-outbox-schedules"),
        ]
        if not self.tasks.embedded:
            self._receiver = asyncio.create_task(self._receive(), name="palmcity-outbox-receiver")

    async def stop(self) -> None:
        """Stop leasing, let running jobs finish for a grace period, cancel the rest, close the broker."""
        # The loops stop between passes, never inside one: cancelling a pass mid-transaction can
        # leave Tortoise's SQLite connection locked for the rest of the process.
        self._stopping.set()
        if self._loops:
            _done, stuck = await asyncio.wait(self._loops, timeout=SHUTDOWN_GRACE_SECONDS)
            for task in stuck:  # a pass hanging on a dead database: nothing better left to do
                task.cancel()
            await asyncio.gather(*self._loops, return_exceptions=True)
            self._loops = []
        if self._receiver is not None:
            # The receiver stops fetching on the same event and waits for its running jobs.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._receiver, SHUTDOWN_GRACE_SECONDS + 5)
            self._receiver = None
        running = set(self.tasks.running)
        if running:
            _done, pending = await asyncio.wait(running, timeout=SHUTDOWN_GRACE_SECONDS)
            for task in pending:
                task.cancel()  # execute() hands the row back before it finishes cancelling
            await asyncio.gather(*pending, return_exceptions=True)
        await self.tasks.broker.shutdown()

    async def _receive(self) -> None:
        self.tasks.broker.is_worker_process = True
        await self.tasks.broker.startup()
        receiver = self.tasks.receiver(grace_seconds=SHUTDOWN_GRACE_SECONDS)
        while not self._stopping.is_set():
            try:
                await receiver.listen(self._stopping)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: keep trying, the outbox keeps the jobs meanwhile
                log.exception("taskiq receiver failed; restarting")
                await self._pause(1)

    async def _relay_loop(self) -> None:
        lease = timedelta(seconds=self.settings.outbox_lease_seconds)
        poll = self.settings.outbox_poll_seconds
        failures = 0
        if self.tasks.embedded:
            await self.tasks.broker.startup()
        while not self._stopping.is_set():
            try:
                limit = min(service.BATCH_SIZE, await self.tasks.room())
                leased = await service.relay_once(send=self.tasks.send, lease=lease, limit=limit)
                failures = 0
                self._beat()
            except Exception:  # the database or Redis is down: say so, back off, carry on
                failures += 1
                log.exception("outbox relay failed", extra={"consecutive_failures": failures})
                await self._pause(min(_MAX_ERROR_PAUSE_SECONDS, poll * 2**failures))
                continue
            if limit == 0 or leased < limit:  # a full batch means more may be due: go again at once
                await self._pause(poll)

    async def _schedule_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                enqueued = await service.enqueue_due_schedules(redis=self.redis, keys=self.keys)
                if enqueued:
                    log.info("scheduled jobs enqueued", extra={"topics": enqueued})
            except Exception:
                log.exception("outbox scheduler failed")
            await self._pause(SCHEDULE_CHECK_SECONDS)

    async def _pause(self, seconds: float) -> None:
        # Sleep, but wake at once when the worker is asked to stop.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _beat(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.touch()


def start_in_process_if_embedded(app: Sanic[Any, Any]) -> None:
    """Run the worker inside this app when Redis is the embedded stand-in (one process, no queue to share)."""
    settings: Settings = app.ctx.settings
    if not settings.uses_embedded_redis or not settings.worker_in_process:
        return
    runtime = app.ctx.runtime
    worker = Worker(settings, runtime.redis, runtime.keys, runtime.adapters)
    worker.start()
    app.ctx.worker = worker


async def stop_in_process(app: Sanic[Any, Any]) -> None:
    worker: Worker | None = getattr(app.ctx, "worker", None)
    if worker is not None:
        await worker.stop()
        app.ctx.worker = None


async def serve(settings: Settings, *, heartbeat: Path | None = None) -> None:
    """Run the worker until SIGTERM or SIGINT (``python -m server.worker``)."""
    from tortoise import Tortoise

    from server import db, wiring
    from server.bootstrap import build_adapters
    from server.redis import connect as connect_redis

    # Handlers read encrypted columns, sign and notify just like requests do.
    wiring.install(settings)
    await Tortoise.init(
        config=db.tortoise_config(settings.database_url, settings.database_pool_max),
        _enable_global_fallback=True,
    )
    redis = connect_redis(settings)
    keys = Keys(settings.redis_prefix)
    adapters = build_adapters(settings, redis, keys)
    worker = Worker(settings, redis, keys, adapters, heartbeat=heartbeat)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    worker.start()
    log.info("worker started", extra={"job_modules": job_modules(), "queue": worker.tasks.queue})
    try:
        await stopping.wait()
    finally:
        log.info("worker stopping")
        await worker.stop()
        await adapters.aclose()
        await redis.aclose()
        await Tortoise.close_connections()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m server.worker", description="Run the PalmCity background worker."
    )
    parser.add_argument(
        "--heartbeat",
        type=Path,
        help="touch this file after every relay pass (for a container health check)",
    )
    args = parser.parse_args(argv)
    from server import logging as palm_logging

    settings = Settings()
    palm_logging.configure(settings.log_level, settings.log_json)
    if settings.uses_embedded_redis:
        # The embedded Redis lives inside one process: a separate worker could never see the app's
        # queue. The app runs the worker itself in that mode.
        log.error("python -m server.worker needs a real Redis: set PALMCITY_REDIS_URL (redis://host:6379/0)")
        return 2
    started = time.monotonic()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings, heartbeat=args.heartbeat))
    log.info("worker stopped", extra={"uptime_seconds": round(time.monotonic() - started)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
