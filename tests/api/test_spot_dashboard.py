"""The spot's dashboard: today's sales by channel, the day's limit, the window's share left, who is
inside, and the level over time as steps a chart draws, for the spot's staff only."""

from __future__ import annotations

import datetime as dt

import httpx

from domain.capacity.models import CapacitySlot
from domain.shared import clock
from domain.shared.actor import Actor
from domain.tourism import occupancy, tickets, window
from domain.tourism.models import CrowdChange
from tests.api.test_ticket_window import CHINA, small_spot, staff, vault  # noqa: F401 - vault: a fixture
from tests.api.test_tickets import id_card, someone, visitor


def at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 5, 1, hour, minute, tzinfo=CHINA)


async def test_the_dashboard_shows_today_s_figures_and_the_level_over_time(client: httpx.AsyncClient) -> None:
    with clock.frozen_at(at(9, 0)):
        spot = await small_spot()  # 10 a day, 2 kept for the window
        spot.instant_max = 4
        await spot.save(update_fields=["instant_max"])
        slot = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("starts_at").first()
        assert slot is not None
        online = [visitor(dt.date(1990, 1, 1), "001"), visitor(dt.date(1991, 1, 1), "002")]
        await tickets.create_order(await someone(), spot, slot.id, online, None)
        seller = Actor("staff", 7, roles=frozenset({"ticket_seller"}), scopes=frozenset({spot.code}))
        counter = window.Counter("resident_id", id_card(dt.date(1970, 1, 1), "039"), "张三")
        await window.sell(seller, spot, [counter], window.PaidBy.CASH)
    gate = Actor("staff", 8, roles=frozenset({"scanner"}), scopes=frozenset({spot.code}))
    with clock.frozen_at(at(9, 10)):
        for _ in range(4):
            await occupancy.scan(gate, spot, entering=True)  # 4 of 4 inside: red
    with clock.frozen_at(at(9, 20)):
        await occupancy.scan(gate, spot, entering=False)  # 3 of 4: comfortable again
    assert await CrowdChange.filter(spot_id=spot.id).count() == 2

    with clock.frozen_at(at(9, 30)):
        _, manager = await staff(client, ["spot_manager"], spot.code)
        url = f"/api/v1/staff/tourism/spots/{spot.code}/dashboard"
        shown = {
            locale: (await client.get(url, headers={**manager, "Accept-Language": locale})).json()
            for locale in ("zh-CN", "zh-TW", "en")
        }
    board = shown["en"]
    assert board["sold"] == {"online": 2, "window": 1, "waitlist": 0, "total": 3}
    assert (board["sold_online"], board["sold_window"], board["taken"], board["capacity"]) == (2, 1, 3, 10)
    # The window's sale came out of its share (2 → 1); online keeps 10 − 1 − 3.
    assert (board["walk_in_left"], board["online_left"], board["window_left"]) == (1, 6, 7)
    assert (board["inside"], board["limit"], board["entered"], board["exited"]) == (3, 4, 4, 1)
    assert (board["level"], board["booking_required"]) == ("comfortable", True)
    steps = [(p["at"][11:16], p["level"], p["rank"], p["inside"]) for p in board["series"]]
    assert steps == [
        ("00:00", "comfortable", 0, 0),  # the opening, 08:00 in China
        ("01:10", "red", 3, 4),
        ("01:20", "comfortable", 0, 3),
        ("01:30", "comfortable", 0, 3),  # now
    ]
    assert [p["level_label"] for p in board["series"][:2]] == [
        "comfortable",
        "full (red): no more entries sold today",
    ]
    assert shown["zh-CN"]["series"][1]["level_label"] == "已满（红色）：今日停止售票"
    assert shown["zh-TW"]["series"][1]["level_label"] == "已滿（紅色）：今日停止售票"
    assert (shown["zh-CN"]["level_label"], shown["zh-TW"]["level_label"]) == ("舒适", "舒適")
    assert (shown["zh-CN"]["spot_name"], shown["zh-TW"]["spot_name"], board["spot_name"]) == (
        "测试景区",
        "測試景區",
        "Test spot",
    )


async def test_only_the_spot_s_staff_read_its_dashboard(client: httpx.AsyncClient) -> None:
    with clock.frozen_at(at(9, 30)):
        spot = await small_spot()
        url = f"/api/v1/staff/tourism/spots/{spot.code}/dashboard"
        for role in ("scanner", "ticket_seller", "spot_manager"):
            _, headers = await staff(client, [role], spot.code)
            assert (await client.get(url, headers=headers)).status_code == 200
        _, finance = await staff(client, ["finance"], spot.code)
        r = await client.get(url, headers=finance)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_role_required")
        _, elsewhere = await staff(client, ["spot_manager"], "ELSEWHERE")
        r = await client.get(url, headers=elsewhere)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_scope_required")
        _, headers = await staff(client, ["spot_manager"], spot.code)
        r = await client.get("/api/v1/staff/tourism/spots/nope/dashboard", headers=headers)
        assert (r.status_code, r.json()["error"]["code"]) == (404, "spot_not_found")
        quiet = (await client.get(url, headers=headers)).json()
    assert (quiet["sold"]["total"], quiet["inside"], quiet["level"]) == (0, 0, "comfortable")
    assert [p["level"] for p in quiet["series"]] == ["comfortable", "comfortable"]
