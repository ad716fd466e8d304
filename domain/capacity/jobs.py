"""The sweep that gives back holds nobody confirmed (a registration left unpaid).

Taking a place already gives back the slot's lapsed holds, so a full slot frees itself when
someone tries; the sweep covers slots nobody tries, so that availability and the owners
(``capacity.hold_expired``) learn of the lapse within a minute.
"""

from __future__ import annotations

from datetime import timedelta

from domain.capacity import service
from domain.capacity.gate import Gate
from domain.outbox.jobs import Job, handler, schedule

EXPIRE_TOPIC = "capacity.expire_holds"


@handler(EXPIRE_TOPIC)
async def expire_holds(job: Job) -> None:
    await service.expire_holds(Gate(job.context.redis, job.context.keys))


schedule(EXPIRE_TOPIC, every=timedelta(minutes=1))
