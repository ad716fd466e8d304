"""The crowd routes: staff gates' entries and exits (one out, one in), the public crowd board with
diversions to nearby calmer spots, and a resident's subscription."""

from __future__ import annotations

import uuid

import httpx

from domain.staff import service as staff_service
from domain.tourism import service
from domain.tourism.models import CrowdSubscription, Spot, SpotKind
from domain.tourism.service import SpotSettings
from tests.support.residents import login

PASSWORD = "correct horse battery"


async def spot(instant_max: int, location: tuple[float, float]) -> Spot:
    return await service.create_spot(
        f"C{uuid.uuid4().hex[:8]}",
        SpotKind.SCENIC,
        {"zh_Hans": "测试景区", "zh_Hant": "測試景區", "en": "Test spot"},
        SpotSettings(
            daily_max=100,
            instant_max=instant_max,
            opens_minute=8 * 60,
            closes_minute=12 * 60,
            slot_entries=40,
        ),
        region_code="441802",
        prices={"full_cents": 8000},
        location=location,
    )


async def gate_staff(client: httpx.AsyncClient, scope: str) -> dict[str, str]:
    username = f"gate{uuid.uuid4().hex[:6]}"
    await staff_service.create_staff(
        username=username,
        password=PASSWORD,
        display_name="Gate",
        roles=["scanner"],
        scopes=[scope],
        scan_kinds=[],
    )
    r = await client.post("/api/v1/staff/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_gates_one_out_one_in_and_the_board_diverts(client: httpx.AsyncClient) -> None:
    busy = await spot(instant_max=2, location=(23.70, 113.05))
    far = await spot(instant_max=50, location=(24.70, 113.05))
    near = await spot(instant_max=50, location=(23.71, 113.05))
    staff = await gate_staff(client, busy.code)
    gate = f"/api/v1/staff/tourism/spots/{busy.code}"
    assert (await client.post(f"{gate}/entries", headers=staff)).json()["inside"] == 1
    r = await client.post(f"{gate}/entries", headers=staff)
    assert r.json()["level"] == "red"
    r = await client.post(f"{gate}/entries", headers=staff)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "spot_at_instant_max")
    board = (await client.get("/api/v1/tourism/crowd?region=441800")).json()["spots"]
    shown = {s["code"]: s for s in board}
    assert (shown[busy.code]["inside"], shown[busy.code]["limit"]) == (2, 2)
    assert [d["code"] for d in shown[busy.code]["diversions"]] == [near.code, far.code]
    assert shown[near.code]["diversions"] == []
    r = await client.post(f"{gate}/exits", headers=staff)
    assert (r.json()["inside"], r.json()["counted"]) == (1, True)
    assert (await client.post(f"{gate}/entries", headers=staff)).status_code == 200
    other = await gate_staff(client, near.code)
    r = await client.post(f"{gate}/entries", headers=other)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_scope_required")
    assert (await client.post(f"{gate}/entries")).status_code == 401


async def test_a_resident_subscribes_to_a_spot_s_level(client: httpx.AsyncClient) -> None:
    s = await spot(instant_max=10, location=(23.70, 113.05))
    resident = await login(client, "alice")
    headers = {"Authorization": f"Bearer {resident.access_token}"}
    url = f"/api/v1/tourism/spots/{s.code}/crowd/subscription"
    for _ in range(2):
        r = await client.put(url, headers=headers)
        assert r.status_code == 200, r.text
    assert await CrowdSubscription.filter(spot_id=s.id).count() == 1
    r = await client.put("/api/v1/tourism/spots/nope/crowd/subscription", headers=headers)
    assert r.json()["error"]["code"] == "spot_not_found"
