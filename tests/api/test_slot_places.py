"""The site changes one slot's places: staff only, in scope, never below what is taken, audited, and
residents see the new availability at once."""

from __future__ import annotations

import httpx

from domain.audit.models import AuditRecord
from tests.api.test_appointments import MONDAY, STAFF, at, booked, open_hall, slots_on
from tests.api.test_staff import staff_client
from tests.support.apps import error_code
from tests.support.residents import verified


async def test_staff_change_a_slots_places_never_below_what_is_taken(client: httpx.AsyncClient) -> None:
    with at(MONDAY):
        service = await open_hall(places=10)
        first = (await slots_on(client, service, MONDAY))[0]
        for name in ("alice", "bob"):
            await booked(client, await verified(client, name), service, first["slot_id"])
        hall = await staff_client(client, "hall.places", roles=["scanner"], scopes=["QY-HALL"])
        url = f"{STAFF}/slots/{first['slot_id']}/places"

        below = await client.put(url, json={"places": 1}, headers=hall)
        fewer = await client.put(url, json={"places": 3}, headers=hall)
        seen = (await slots_on(client, service, MONDAY))[0]
        back = await client.put(url, json={"places": None}, headers=hall)
        seen_back = (await slots_on(client, service, MONDAY))[0]

    assert below.status_code == 409 and error_code(below) == "capacity_below_taken"
    assert below.json()["error"]["details"]["taken"] == 2
    assert fewer.status_code == 200, fewer.text
    assert {k: fewer.json()[k] for k in ("override_places", "capacity", "taken", "left")} == {
        "override_places": 3, "capacity": 3, "taken": 2, "left": 1,
    }  # fmt: skip
    assert (seen["capacity"], seen["left"]) == (3, 1)  # the cached availability moved on
    assert back.json()["override_places"] is None and (seen_back["capacity"], seen_back["left"]) == (10, 8)
    audited = await AuditRecord.filter(action="appointments.slot_places_set").order_by("id")
    assert [(a.before, a.after) for a in audited] == [
        ({"override_places": None, "capacity": 10}, {"override_places": 3, "capacity": 3}),
        ({"override_places": 3, "capacity": 3}, {"override_places": None, "capacity": 10}),
    ]


async def test_only_the_sites_own_staff_change_its_places(client: httpx.AsyncClient) -> None:
    with at(MONDAY):
        service = await open_hall(places=10)
        slot_id = (await slots_on(client, service, MONDAY))[0]["slot_id"]
        elsewhere = await staff_client(client, "other.site", roles=["scanner"], scopes=["QY-PEOPLE"])
        no_role = await staff_client(client, "cataloguer", roles=["catalogue_editor"], scopes=["QY-HALL"])
        alice = await verified(client, "alice")
        url = f"{STAFF}/slots/{slot_id}/places"

        other_site = await client.put(url, json={"places": 5}, headers=elsewhere)
        wrong_role = await client.put(url, json={"places": 5}, headers=no_role)
        resident = await client.put(url, json={"places": 5}, headers=alice.headers)
        negative = await client.put(url, json={"places": -1}, headers=elsewhere)
        missing = await client.put(url, json={}, headers=elsewhere)

    assert other_site.status_code == 404 and error_code(other_site) == "appointment_not_found"
    assert wrong_role.status_code == 403
    assert resident.status_code == 401  # a resident token is no staff token
    assert negative.status_code == 422 and missing.status_code == 422
    assert not await AuditRecord.filter(action="appointments.slot_places_set").exists()
