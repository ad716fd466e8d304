"""Booking races on PostgreSQL that are about who asks, not how many places are left."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from domain.appointments import service as appointments
from domain.appointments.models import Appointment, AppointmentState
from domain.capacity.gate import Gate
from domain.capacity.models import CapacitySlot
from domain.payments.service import Providers
from domain.shared.errors import DomainError
from domain.shared.kv import Keys
from tests.api.test_appointments import MONDAY, at, open_hall, residents, slots_on


async def attempt(actor: Any, gate: Gate | None, service_id: int, slot_id: int) -> str:
    try:
        await appointments.book(actor, gate, Providers(), service_id=service_id, slot_id=slot_id)
    except DomainError as exc:
        return exc.code
    return "ok"


@pytest.mark.postgres
@pytest.mark.parametrize("one_per_day", [True, False], ids=["one-per-day", "any-number-a-day"])
@pytest.mark.parametrize("gated", [False, True], ids=["database-only", "with-gate"])
async def test_the_same_resident_booking_one_slot_twice_at_once_is_told_it_is_a_duplicate(
    client: httpx.AsyncClient, runtime: Any, one_per_day: bool, gated: bool
) -> None:
    # The losers get what a second booking made after the first gets: the day's booking under
    # one_per_day (the default), else the engine's one place per person and slot; never slot_full
    # while places are free.
    gate = Gate(runtime.redis, Keys(runtime.settings.redis_prefix)) if gated else None
    with at(MONDAY):
        service = await open_hall(places=10, one_per_day=one_per_day)
        slot = (await slots_on(client, service, MONDAY))[0]
        [resident] = await residents(1)
        results = await asyncio.gather(
            *(attempt(resident, gate, service.id, slot["slot_id"]) for _ in range(6))
        )
    duplicate = "appointment_limit_reached" if one_per_day else "already_reserved"
    assert Counter(results) == {"ok": 1, duplicate: 5}
    with at(MONDAY):
        again = await attempt(resident, gate, service.id, slot["slot_id"])
    assert again == duplicate
    assert await Appointment.filter(state=AppointmentState.BOOKED).count() == 1
    assert (await CapacitySlot.get(id=slot["slot_id"])).confirmed == 1
