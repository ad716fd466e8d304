"""Codes longer than any spot's or region's are answered as unknown, never 500 (found by the fuzz:
the ORM refuses to compare a value longer than its column)."""

from __future__ import annotations

import httpx

from tests.api.test_ticket_window import staff

LONG = "X" * 41


async def test_a_spot_code_longer_than_any_is_not_found(client: httpx.AsyncClient) -> None:
    _, headers = await staff(client, ["spot_manager", "scanner"], "QY-ANY")
    r = await client.get(f"/api/v1/staff/tourism/spots/{LONG}/dashboard", headers=headers)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "spot_not_found")
    r = await client.get(f"/api/v1/tourism/spots/{LONG}")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "spot_not_found")


async def test_a_region_code_longer_than_any_lists_no_spots(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/tourism/spots", params={"region": "4" * 13})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert r.json()["spots"] == []
    r = await client.get("/api/v1/tourism/crowd", params={"region": "4" * 13})
    assert r.status_code in (200, 422), r.text


async def test_a_staff_member_with_a_scope_longer_than_any_code_logs_in(client: httpx.AsyncClient) -> None:
    # Scopes may have 64 characters; departments' codes 32, spots' 40: the names are looked up
    # only among codes that fit (it was a 500 at login).
    _, headers = await staff(client, ["spot_manager"], "X" * 64)
    r = await client.get("/api/v1/staff/me", headers=headers)
    assert r.status_code == 200, r.text
