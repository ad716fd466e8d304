"""The capacity engine's jobs: the sweep that gives back holds nobody confirmed (a registration
left unpaid), and the report of each lapse to the owner of its resource.

Taking a place already gives back the slot's lapsed holds, so a full slot frees itself when
someone tries; the sweep covers slots nobody tries, so that availability and the owners
(``capacity.hold_expired``) learn of the lapse within a minute.
"""

from __future__ import annotations

from datetime import timedelta

from domain.capacity import service
from domain.capacity.gate import Gate
from domain.capacity.models import Reservation
from domain.capacity.owners import OwnerMissing, capacity_owners
from domain.outbox.jobs import Job, handler, schedule

EXPIRE_TOPIC = "capacity.expire_holds"


@handler(EXPIRE_TOPIC)
async def expire_holds(job: Job) -> None:
    await service.expire_holds(Gate(job.context.redis, job.context.keys))


schedule(EXPIRE_TOPIC, every=timedelta(minutes=1))


@handler(service.HOLD_EXPIRED_TOPIC)
async def hold_expired(job: Job) -> None:
    """Tell the owner of the lapsed hold's resource, and no other module."""
    reservation_id = int(job.payload["reservation_id"])
    kind = await Reservation.filter(id=reservation_id).first().values_list("slot__resource__owner", flat=True)
    if kind is None:
        return  # gone with its slot (cascade): nothing left to tell
    owner = capacity_owners.get(str(kind))
    if owner is None:
        raise OwnerMissing(f"no capacity owner {kind!r} is registered (reservation {reservation_id})")
    await owner.hold_expired(reservation_id, job)
