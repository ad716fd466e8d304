"""Tourism's part of the engines' protocols: the capacity owner of every spot's places.

A lapsed hold (a ticket left unpaid) gave its slot place back in the engine; its day place comes
back here, once however often the report is delivered (``service.return_day_place``).
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from domain.capacity.owners import capacity_owners
from domain.outbox.jobs import Job
from domain.tourism import service


class TicketPlaces:
    async def hold_expired(self, reservation_id: int, job: Job) -> None:
        async with in_transaction() as conn:
            await service.return_day_place(conn, reservation_id)


capacity_owners.add(service.CAPACITY_OWNER, TicketPlaces())
