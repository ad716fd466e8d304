"""Nearby halls: sites nearest the device first when it tells where it is, else by name."""

from __future__ import annotations

import httpx

from domain.appointments import setup
from domain.appointments.models import SiteKind
from tests.support.apps import error_code

NEARBY = "/api/v1/appointments/nearby-sites"
# Qingyuan: the city's service centre, a hospital 2.8 km away, and a town hall without a location.
CENTRE = (23.6820, 113.0560)


def _name(zh: str, en: str) -> dict[str, str]:
    return {"zh_Hans": zh, "zh_Hant": zh, "en": en}


async def sites() -> None:
    await setup.create_site(
        "QY-HALL",
        SiteKind.HALL,
        _name("清远市政务服务中心", "Hall"),
        region_code="441800",
        department_code="qy-admin",
        location=CENTRE,
    )
    await setup.create_site(
        "QY-PEOPLE",
        SiteKind.HOSPITAL,
        _name("清远市人民医院", "Hospital"),
        region_code="441800",
        department_code="qy-health",
        location=(23.7013, 113.0396),
    )
    await setup.create_site(
        "QX-TOWN",
        SiteKind.HALL,
        _name("太和镇便民服务中心", "Town hall"),
        region_code="441803",
        department_code="qx-taihe-town",
    )


async def test_the_nearest_first_with_the_distance_and_unlocated_sites_last(
    client: httpx.AsyncClient,
) -> None:
    await sites()
    # Standing beside the hospital.
    r = await client.get(NEARBY, params={"lat": 23.7010, "lng": 113.0400})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [s["code"] for s in items] == ["QY-PEOPLE", "QY-HALL", "QX-TOWN"]
    assert items[0]["distance_m"] < 100
    assert 2_500 < items[1]["distance_m"] < 3_100
    assert items[2]["distance_m"] is None and items[2]["latitude"] is None
    assert (items[1]["latitude"], items[1]["longitude"]) == CENTRE


async def test_without_a_position_by_name_and_filtered_by_kind(client: httpx.AsyncClient) -> None:
    await sites()
    r = await client.get(NEARBY)
    names = [s["name"] for s in r.json()["items"]]
    assert names == sorted(names) and all(s["distance_m"] is None for s in r.json()["items"])

    r = await client.get(NEARBY, params={"lat": 23.7, "lng": 113.04, "kind": "hall", "limit": 1})
    assert [s["code"] for s in r.json()["items"]] == ["QY-HALL"]


async def test_half_a_position_or_one_off_the_globe_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.get(NEARBY, params={"lat": 23.7})
    assert r.status_code == 422 and r.json()["error"]["details"]["fields"][0]["code"] == "position_incomplete"
    r = await client.get(NEARBY, params={"lat": 91, "lng": 113})
    assert r.status_code == 422, error_code(r)
