"""Staff alerts: a spot's crowd level change alerts its scanners, sellers and manager once however
often the job runs, each reads it in their own language, and nobody else reads it."""

from __future__ import annotations

import datetime as dt

import httpx

from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.i18n import _
from domain.staff import alerts
from domain.staff.models import StaffAlert
from domain.staff.roles import Role
from domain.tourism import occupancy
from tests.api.test_ticket_window import CHINA, small_spot, staff, vault  # noqa: F401 - vault: a fixture
from tests.domain.test_tourism_crowd import run_crowd_jobs

ALERTS = "/api/v1/staff/alerts"


async def test_a_level_change_alerts_the_spot_s_staff_once_in_their_language(
    client: httpx.AsyncClient,
) -> None:
    with clock.frozen_at(dt.datetime(2026, 5, 1, 9, 30, tzinfo=CHINA)):
        spot = await small_spot()
        other = await small_spot()
        spot.instant_max = 2
        await spot.save(update_fields=["instant_max"])
        gate = Actor("staff", 8, roles=frozenset({"scanner"}), scopes=frozenset({spot.code}))
        for _entry in range(2):
            await occupancy.scan(gate, spot, entering=True)  # 2 of 2 inside: red
        await run_crowd_jobs()
        await run_crowd_jobs()  # delivered again: nothing more is written
        assert sorted(await StaffAlert.filter(scope=spot.code).values_list("role", flat=True)) == [
            "scanner",
            "spot_manager",
            "ticket_seller",
        ]
        _, both = await staff(client, ["scanner", "ticket_seller"], spot.code)
        _, manager = await staff(client, ["spot_manager"], spot.code)
        _, everywhere = await staff(client, ["scanner"], "*")
        _, finance = await staff(client, ["finance"], spot.code)
        _, next_door = await staff(client, ["scanner", "ticket_seller", "spot_manager"], other.code)
        read = {}
        for locale, headers in (("zh-CN", both), ("zh-TW", manager), ("en", everywhere)):
            r = await client.get(ALERTS, headers={**headers, "Accept-Language": locale})
            assert r.status_code == 200, r.text
            read[locale] = r.json()["items"]
        assert [(a["kind"], a["scope"]) for a in read["zh-CN"]] == [("tourism_crowd", spot.code)]  # once
        assert (read["zh-CN"][0]["title"], read["zh-CN"][0]["body"]) == (
            "人流等级已变化",
            "测试景区：现为已满（红色）：今日停止售票。",
        )
        assert (read["zh-TW"][0]["title"], read["zh-TW"][0]["body"]) == (
            "人流等級已變化",
            "測試景區：現為已滿（紅色）：今日停止售票。",
        )
        assert (read["en"][0]["title"], read["en"][0]["body"]) == (
            "Crowd level changed",
            "Test spot: now full (red): no more entries sold today.",
        )
        assert read["en"][0]["link"] == f"/pages/spotstaff/dashboard?spot={spot.code}"
        for headers in (finance, next_door):
            assert (await client.get(ALERTS, headers=headers)).json()["items"] == []
        assert (await client.get(ALERTS)).status_code == 401


async def test_newest_first_and_written_once_per_key(db: str) -> None:
    what = alerts.Alert("test", _("Crowd level changed"), _("Crowd level changed"))
    with clock.frozen_at(dt.datetime(2026, 5, 1, 9, 0, tzinfo=CHINA)):
        await alerts.alert("SPOT-A", [Role.SCANNER], what, source_key="first")
    with clock.frozen_at(dt.datetime(2026, 5, 1, 9, 5, tzinfo=CHINA)):
        again = await alerts.alert("SPOT-A", [Role.SCANNER, Role.SCANNER], what, source_key="second")
        assert len(again) == 1
        assert await alerts.alert("SPOT-A", [Role.SCANNER], what, source_key="second") == again
    reader = Actor("staff", 1, roles=frozenset({"scanner"}), scopes=frozenset({"SPOT-A"}))
    assert [a.source_key for a in await alerts.readable(reader)] == ["second#scanner", "first#scanner"]
    assert await alerts.readable(Actor("resident", 1)) == []
