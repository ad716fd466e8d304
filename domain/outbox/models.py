"""The transactional outbox: one row per piece of background work, written with the change that caused it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting, leased to a worker, or waiting for a retry
    DONE = "done"  # the handler finished; purged after a while (outbox.purge_done)
    DEAD = "dead"  # gave up after max_attempts; kept for an operator (service.requeue)


class OutboxMessage(Model):
    id = fields.BigIntField(primary_key=True)
    topic = fields.CharField(max_length=64)  # a handler registered in domain/*/jobs.py
    payload = fields.JSONField[dict[str, Any]]()  # ids and small values only; never clear personal data
    # Optional idempotency key: a second enqueue with the same key is a no-op (scheduled jobs use it).
    key = fields.CharField(max_length=160, null=True, unique=True)
    state = fields.CharEnumField(OutboxState, max_length=8, default=OutboxState.PENDING)
    created_at = fields.DatetimeField()
    # Due time: first run (now + delay), then each retry's backoff.
    available_at = fields.DatetimeField()
    # Dispatches so far. Incremented when a relay claims the row, so it doubles as the fencing
    # token carried by the taskiq message: a delivery whose number is stale is ignored.
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    dispatched_at = fields.DatetimeField(null=True)
    # While in the future, one worker owns the row. A lease that runs out without done means the
    # worker or Redis lost the message; the relay then dispatches the row again.
    lease_until = fields.DatetimeField(null=True)
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        # The relay asks "pending and due, oldest first"; the purge asks "done before X".
        indexes = (("state", "available_at"), ("state", "done_at"))

    def __str__(self) -> str:
        return f"OutboxMessage({self.id}, {self.topic}, {self.state}, attempt {self.attempts})"
