"""The spot manager's routes: notices published, edited and withdrawn as residents see them on the
spot's page; the limits and rules changed, refused below what is sold or when invalid; only the
spot's manager (notices: or its tourism bureau), audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from domain.audit.models import AuditRecord
from domain.shared import clock
from domain.tourism import tickets
from domain.tourism.models import Advisory, Spot, SpotDay, Ticket, TicketState
from tests.api.test_ticket_window import CHINA, DAY, first_slot_at_nine, small_spot, staff, vault  # noqa: F401
from tests.api.test_tickets import someone, visitor
from tests.support.apps import error_code


@pytest.fixture(autouse=True)
def morning() -> Any:
    with clock.frozen_at(dt.datetime(2026, 5, 1, 9, 30, tzinfo=CHINA)):
        yield


def base(spot: Spot) -> str:
    return f"/api/v1/staff/tourism/spots/{spot.code}"


NOTICE = {
    "title": {"zh_Hans": "森林防火期", "zh_Hant": "森林防火期", "en": "Forest-fire season"},
    "text": {"zh_Hans": "严禁携带火种进山。", "en": "No fire on the mountain."},
    "first_day": "2026-05-01",
    "last_day": "2026-05-01",
}


async def test_a_published_notice_is_on_the_spot_s_page_until_withdrawn_or_expired(
    client: httpx.AsyncClient,
) -> None:
    spot = await small_spot()
    _, manager = await staff(client, ["spot_manager"], spot.code)
    url = f"{base(spot)}/advisories"
    once = {**manager, "Idempotency-Key": "notice-1"}
    r = await client.post(url, json=NOTICE, headers=once)
    assert r.status_code == 201, r.text
    published = r.json()
    assert (published["state"], published["title"]["en"], published["text"]["zh_Hant"]) == (
        "shown",
        "Forest-fire season",
        "",
    )
    again = await client.post(url, json=NOTICE, headers=once)
    assert (again.status_code, again.json()["id"]) == (201, published["id"])
    assert await Advisory.filter(spot_id=spot.id).count() == 1  # the retry published nothing more

    page = (
        await client.get(f"/api/v1/tourism/spots/{spot.code}", headers={"Accept-Language": "zh-TW"})
    ).json()
    assert page["advisories"] == [
        {
            "title": "森林防火期",
            "text": "严禁携带火种进山。",
            "first_day": "2026-05-01",
            "last_day": "2026-05-01",
        }
    ]
    page = (await client.get(f"/api/v1/tourism/spots/{spot.code}", headers={"Accept-Language": "en"})).json()
    assert [(a["title"], a["text"]) for a in page["advisories"]] == [
        ("Forest-fire season", "No fire on the mountain.")
    ]

    tomorrow = {**NOTICE, "first_day": "2026-05-02", "last_day": "2026-05-03"}
    r = await client.put(f"{url}/{published['id']}", json=tomorrow, headers=manager)
    assert (r.status_code, r.json()["state"]) == (200, "scheduled")
    assert (await client.get(f"/api/v1/tourism/spots/{spot.code}")).json()["advisories"] == []
    with clock.frozen_at(dt.datetime(2026, 5, 2, 8, 0, tzinfo=CHINA)):
        _, manager = await staff(client, ["spot_manager"], spot.code)  # yesterday's login has lapsed
        assert len((await client.get(f"/api/v1/tourism/spots/{spot.code}")).json()["advisories"]) == 1
        r = await client.post(f"{url}/{published['id']}/withdraw", headers=manager)
        assert (r.status_code, r.json()["state"]) == (200, "withdrawn")
        assert (await client.get(f"/api/v1/tourism/spots/{spot.code}")).json()["advisories"] == []
        r = await client.post(f"{url}/{published['id']}/withdraw", headers=manager)
        assert (r.status_code, error_code(r)) == (409, "advisory_withdrawn")
    _, manager = await staff(client, ["spot_manager"], spot.code)
    r = await client.post(url, json=NOTICE, headers=manager)  # today only
    assert r.status_code == 201, r.text
    with clock.frozen_at(dt.datetime(2026, 5, 2, 8, 0, tzinfo=CHINA)):
        assert (await client.get(f"/api/v1/tourism/spots/{spot.code}")).json()["advisories"] == []
        _, manager = await staff(client, ["spot_manager"], spot.code)
        listed = (await client.get(url, headers=manager)).json()["advisories"]
    assert [a["state"] for a in listed] == ["expired", "withdrawn"]

    actions = [
        a.action for a in await AuditRecord.filter(target_type="spot", target_id=str(spot.id)).order_by("id")
    ]
    assert actions == [
        "tourism.advisory_published",
        "tourism.advisory_edited",
        "tourism.advisory_withdrawn",
        "tourism.advisory_published",
    ]
    _, manager = await staff(client, ["spot_manager"], spot.code)
    r = await client.post(url, json={**NOTICE, "title": {"zh_Hans": ""}}, headers=manager)
    assert (r.status_code, error_code(r)) == (422, "invalid_input")
    r = await client.post(url, json={**NOTICE, "last_day": "2026-04-30"}, headers=manager)
    assert (r.status_code, error_code(r)) == (422, "advisory_invalid")
    r = await client.put(f"{url}/999999", json=NOTICE, headers=manager)
    assert (r.status_code, error_code(r)) == (404, "advisory_not_found")


async def test_lowering_the_day_with_tickets_sold_keeps_them_and_is_refused_below_them(
    client: httpx.AsyncClient,
) -> None:
    spot = await small_spot()  # 10 a day, 2 for the window
    slot = await first_slot_at_nine(spot)
    ordered = await tickets.create_order(
        await someone(), spot, slot.id, [visitor(dt.date(1990, 1, 1), f"00{n}") for n in range(3)], None
    )
    manager_id, manager = await staff(client, ["spot_manager"], spot.code)
    r = await client.get(f"{base(spot)}/settings", headers=manager)
    assert r.status_code == 200, r.text
    assert (r.json()["day_capacity"], r.json()["walk_in"], r.json()["instant_limit"]) == (10, 2, 10)
    assert [s["level"] for s in r.json()["crowd_ladder"]] == ["yellow", "orange", "red"]

    r = await client.patch(f"{base(spot)}/limits", json={"daily_max": 6, "instant_max": 20}, headers=manager)
    assert r.status_code == 200, r.text
    shown = r.json()
    assert (shown["daily_max"], shown["day_capacity"], shown["walk_in"], shown["days_changed"]) == (
        6,
        6,
        1,
        1,
    )
    assert (shown["instant_limit"], shown["level"]) == (20, "comfortable")
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    assert (day.capacity, day.walk_in_reserved, day.taken) == (6, 1, 3)

    r = await client.patch(f"{base(spot)}/limits", json={"daily_max": 2}, headers=manager)
    assert (r.status_code, error_code(r)) == (409, "spot_capacity_below_sold")
    assert r.json()["error"]["details"] == {"day": "2026-05-01", "sold": 3, "capacity": 2}
    assert (await SpotDay.get(spot_id=spot.id, day=DAY)).capacity == 6
    held = {t.state for t in await Ticket.filter(order_id=ordered.order.id)}
    assert held == {TicketState.HELD}
    r = await client.patch(f"{base(spot)}/limits", json={"policy_percent": 0}, headers=manager)
    assert (r.status_code, error_code(r)) == (422, "invalid_input")
    r = await client.patch(
        f"{base(spot)}/limits", json={"crowd_ladder": [[90, "red"], [95, "orange"]]}, headers=manager
    )
    assert (r.status_code, error_code(r)) == (422, "spot_crowd_ladder_invalid")
    record = await AuditRecord.get(action="tourism.spot_limits_set")
    assert (record.actor_id, record.before, record.after) == (
        manager_id,
        {
            "daily_max": 10,
            "instant_max": 10,
            "policy_percent": 100,
            "walk_in_percent": 20,
            "crowd_ladder": [],
        },
        {
            "daily_max": 6,
            "instant_max": 20,
            "policy_percent": 100,
            "walk_in_percent": 20,
            "crowd_ladder": [],
            "days_changed": 1,
            "slots_changed": 0,
        },
    )


async def test_rules_are_refused_when_invalid_and_replaced_when_valid(client: httpx.AsyncClient) -> None:
    spot = await small_spot()
    _, manager = await staff(client, ["spot_manager"], spot.code)
    r = await client.put(
        f"{base(spot)}/rules", json={"rules": {"refunds": {"tiers": [[10, 0], [60, 0]]}}}, headers=manager
    )
    assert (r.status_code, error_code(r)) == (422, "spot_rules_invalid")
    r = await client.put(f"{base(spot)}/rules", json={"rules": {"cancel_quota": {"day": 1}}}, headers=manager)
    assert r.status_code == 200, r.text
    assert r.json()["rules"]["cancel_quota"] == {"day": 1, "week": 4, "month": 6, "year": 12}
    assert await AuditRecord.filter(action="tourism.spot_rules_set").count() == 1


async def test_another_spot_s_manager_and_the_gate_are_refused(client: httpx.AsyncClient) -> None:
    spot = await small_spot()
    _, elsewhere = await staff(client, ["spot_manager"], "ELSEWHERE")
    _, gate = await staff(client, ["scanner"], spot.code)
    _, bureau = await staff(client, ["case_officer"], spot.code)
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "advisories", None),
        ("POST", "advisories", NOTICE),
        ("GET", "settings", None),
        ("PATCH", "limits", {"daily_max": 5}),
        ("PUT", "rules", {"rules": {}}),
    ]
    for method, path, json in calls:
        for headers, code in ((elsewhere, "staff_scope_required"), (gate, "staff_role_required")):
            r = await client.request(method, f"{base(spot)}/{path}", json=json, headers=headers)
            assert (r.status_code, error_code(r)) == (403, code), (method, path)
    r = await client.post(f"{base(spot)}/advisories", json=NOTICE, headers=bureau)
    assert r.status_code == 201, r.text  # the city's tourism bureau publishes notices
    r = await client.patch(f"{base(spot)}/limits", json={"daily_max": 5}, headers=bureau)
    assert (r.status_code, error_code(r)) == (403, "staff_role_required")  # not the spot's limits
    assert (await client.get(f"{base(spot)}/advisories")).status_code == 401
    assert not await AuditRecord.filter(action="tourism.spot_limits_set").exists()
