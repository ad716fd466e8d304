"""The public tourism routes: the spots list with today's entries left, a spot's page (content,
published maximums, today's advisories, prices), a day's slots, and an explained price."""

from __future__ import annotations

import datetime as dt

import httpx

from domain.shared import clock
from domain.tourism import service
from domain.tourism.models import Advisory, Spot
from tests.domain.test_tourism import NAMES, nothing, slots_of, spot
from tests.support.apps import error_code

SPOTS = "/api/v1/tourism/spots"
EN = {"Accept-Language": "en"}


async def opened(**settings: object) -> Spot:
    s = await spot(**settings)
    await service.open_day(s, clock.today_in_china())
    return s


async def test_the_list_shows_each_spot_with_today_s_entries_left(client: httpx.AsyncClient) -> None:
    open_today = await opened(daily_max=100, walk_in_percent=10)  # 75, 7 for the window: 68 online
    closed_today = await spot()
    closed_today.region_code = "440100"
    await closed_today.save()

    r = await client.get(SPOTS, headers=EN)
    assert r.status_code == 200, r.text
    listed = {s["code"]: s for s in r.json()["spots"]}
    assert listed[open_today.code]["name"] == NAMES["en"]
    assert listed[open_today.code]["today"] == {"booking_required": True, "capacity": 68, "left": 68}
    assert listed[open_today.code]["from_cents"] == 8000
    assert (listed[open_today.code]["daily_max"], listed[open_today.code]["policy_percent"]) == (100, 75)
    assert listed[closed_today.code]["today"] is None

    open_today.region_code = "441803"  # a county of Qingyuan (441800)
    await open_today.save()
    for region in ("441800", "4418", "441803", "440000"):
        r = await client.get(SPOTS, params={"region": region})
        expected = [open_today.code] if region != "440000" else sorted([open_today.code, closed_today.code])
        assert [s["code"] for s in r.json()["spots"]] == expected, region
    assert r.json()["spots"][0]["name"] == NAMES["zh_Hans"]
    assert (await client.get(SPOTS, params={"region": "441802"})).json()["spots"] == []
    assert error_code(await client.get(SPOTS, params={"region": "x"})) == "invalid_input"


async def test_a_spot_s_page_shows_today_s_advisories_and_its_prices(client: httpx.AsyncClient) -> None:
    s = await opened()
    today = clock.today_in_china()
    for first, last, text in (
        (today, today, "now"),
        (today - dt.timedelta(days=9), today - dt.timedelta(days=1), "old"),
    ):
        await Advisory.create(
            spot_id=s.id, text_zh_hans=text, text_zh_hant=text, text_en=text, first_day=first, last_day=last
        )

    r = await client.get(f"{SPOTS}/{s.code}", headers=EN)
    assert r.status_code == 200, r.text
    page = r.json()
    assert [a["text"] for a in page["advisories"]] == ["now"]
    assert (page["opens"], page["closes"], page["slot_minutes"], page["instant_max"]) == (
        "08:00",
        "12:00",
        60,
        50,
    )
    prices = {row["category"]: row for row in page["prices"]}
    assert prices["adult"]["amount_cents"] == 8000
    assert (prices["minor"]["first_age"], prices["minor"]["last_age"], prices["minor"]["amount_cents"]) == (
        7,
        18,
        4000,
    )
    assert prices["elder"]["last_age"] is None and prices["elder"]["category_label"] == "Elder"
    assert prices["student"]["proof"] == "a student card"

    assert error_code(await client.get(f"{SPOTS}/NO-SUCH")) == "spot_not_found"


async def test_a_day_lists_its_slots_and_what_is_left(client: httpx.AsyncClient) -> None:
    s = await spot(opens_minute=0, closes_minute=24 * 60, slot_minutes=60)
    tomorrow = clock.today_in_china() + dt.timedelta(days=1)
    await service.open_day(s, tomorrow)
    first = (await slots_of(s))[0]
    await service.take_entry(None, s, first.id, "user:1", nothing)

    r = await client.get(f"{SPOTS}/{s.code}/days/{tomorrow.isoformat()}")
    assert r.status_code == 200, r.text
    day = r.json()
    assert (day["capacity"], day["left"], day["booking_required"]) == (75, 74, True)
    assert len(day["slots"]) == 24
    assert (day["slots"][0]["slot_id"], day["slots"][0]["capacity"], day["slots"][0]["left"]) == (
        first.id,
        30,
        29,
    )
    assert day["slots"][0]["starts_at"].startswith(f"{tomorrow.isoformat()}T00:00")

    later = (tomorrow + dt.timedelta(days=1)).isoformat()
    r = await client.get(f"{SPOTS}/{s.code}/days/{later}")
    assert error_code(r) == "spot_day_not_open" and r.json()["error"]["details"] == {"day": later}


async def test_a_price_is_explained_by_the_age_on_the_visit_day(client: httpx.AsyncClient) -> None:
    s = await spot()
    params = {"born": "2019-05-02", "date": "2026-05-01"}  # 6 on the visit day: free
    r = await client.get(f"{SPOTS}/{s.code}/price", params=params, headers=EN)
    assert r.status_code == 200, r.text
    assert (r.json()["category"], r.json()["amount_cents"], r.json()["age"]) == ("child", 0, 6)
    assert r.json()["explanation"] == "Child: aged 6 on the visit day, 0% of the full price"

    r = await client.get(f"{SPOTS}/{s.code}/price", params={**params, "date": "2026-05-02"})
    assert (r.json()["category"], r.json()["amount_cents"]) == ("minor", 4000)
    assert r.json()["category_label"] == "未成年人"

    r = await client.get(
        f"{SPOTS}/{s.code}/price", params={"born": "1990-01-01", "date": "2026-05-01", "claims": "student"}
    )
    assert (r.json()["category"], r.json()["amount_cents"], r.json()["proof"]) == ("student", 4000, "学生证")
    assert (
        error_code(await client.get(f"{SPOTS}/{s.code}/price", params={"born": "x", "date": "2026-05-01"}))
        == "invalid_input"
    )
