"""Tourism's jobs: the rolling window of open days, and the capacity owner of every spot's places.

A lapsed hold (a ticket left unpaid) gave its slot place back in the engine; its day place comes
back here, once however often the report is delivered (``service.return_day_place``).
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

from domain.capacity.owners import capacity_owners
from domain.outbox.jobs import Job, handler, schedule
from domain.tourism import service, tickets

OPEN_DAYS_TOPIC = "tourism.open_days"


@handler(OPEN_DAYS_TOPIC)
async def open_days(job: Job) -> None:
    """Every spot takes entries for the coming ``service.BOOKING_DAYS`` days (missing days opened)."""
    await service.open_coming_days()


schedule(OPEN_DAYS_TOPIC, every=timedelta(hours=1))


class TicketPlaces:
    async def hold_expired(self, reservation_id: int, job: Job) -> None:
        async with in_transaction() as conn:
            await service.return_day_place(conn, reservation_id)
            await tickets.hold_lapsed(conn, reservation_id)


capacity_owners.add(service.CAPACITY_OWNER, TicketPlaces())
