"""The health card platform client against a local stand-in of the ISV interface, and the sandbox.

The stand-in is a small aiohttp app on 127.0.0.1: it issues app tokens, registers cards and takes
usage reports in the ``{commonIn, req}`` / ``{commonOut, rsp}`` shape. Nothing touches the Internet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.healthcard.client import PATH, HealthCardClient
from adapters.healthcard.fake import SandboxHealthCardPlatform
from adapters.healthcard.port import CardHolder, HealthCardPlatformError

HOLDER = CardHolder(name="张三", id_number="110101199001011237", phone="13800138000")
AT = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


class Platform:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.tokens_issued = 0
        self.fail_with: str | None = None

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.json()
        self.requests.append((method, body))
        if method == "getAppToken":
            self.tokens_issued += 1
            return web.json_response(
                {
                    "commonOut": {"resultCode": 0},
                    "rsp": {"appToken": f"t{self.tokens_issued}", "expiresIn": 7200},
                }
            )
        if body["commonIn"]["appToken"] != f"t{self.tokens_issued}":
            return web.json_response({"commonOut": {"resultCode": -10001, "errMsg": "token"}})
        if self.fail_with:
            return web.json_response({"commonOut": {"resultCode": self.fail_with, "errMsg": "refused"}})
        if method == "registerHealthCard":
            return web.json_response({"commonOut": {"resultCode": 0}, "rsp": {"healthCardId": "AB" * 32}})
        return web.json_response({"commonOut": {"resultCode": 0}, "rsp": {}})


@pytest.fixture
async def platform() -> AsyncIterator[tuple[Platform, str]]:
    stand_in = Platform()
    app = web.Application()
    app.router.add_post(PATH + "{method}", stand_in.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield stand_in, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


def client_for(base: str) -> HealthCardClient:
    return HealthCardClient(
        base_url=base, app_id="app", app_secret="secret", hospital_id="H440100", channel="ch1"
    )


async def test_the_client_registers_and_reports_with_one_cached_app_token(
    platform: tuple[Platform, str],
) -> None:
    stand_in, base = platform
    client = client_for(base)
    try:
        card_id = await client.register(HOLDER)
        await client.report_usage(card_id, purpose="pay", site_code="QY-PEOPLE", at=AT)
        await client.report_usage(card_id, purpose="treat", site_code="QY-PEOPLE", at=AT)  # no scene code
    finally:
        await client.aclose()

    assert card_id == "AB" * 32 and stand_in.tokens_issued == 1
    assert [m for m, _ in stand_in.requests] == ["getAppToken", "registerHealthCard", "reportHISData"]
    register = stand_in.requests[1][1]
    assert register["commonIn"]["hospitalId"] == "H440100" and register["commonIn"]["channelNum"] == "ch1"
    assert register["req"] == {
        "name": "张三",
        "idType": "01",
        "idNumber": HOLDER.id_number,
        "phone1": "13800138000",
    }
    report = stand_in.requests[2][1]["req"]
    assert report == {
        "healthCardId": card_id,
        "scene": "0101051",
        "department": "QY-PEOPLE",
        "time": "2026-11-30 10:00:00",
    }


async def test_platform_refusals_and_network_failures_are_its_errors(platform: tuple[Platform, str]) -> None:
    stand_in, base = platform
    stand_in.fail_with = "40001"
    client = client_for(base)
    try:
        with pytest.raises(HealthCardPlatformError) as refused:
            await client.register(HOLDER)
    finally:
        await client.aclose()
    assert refused.value.code == "40001"

    nowhere = client_for("http://127.0.0.1:9")  # discard port: nothing listens
    try:
        with pytest.raises(HealthCardPlatformError) as down:
            await nowhere.register(HOLDER)
    finally:
        await nowhere.aclose()
    assert down.value.code == "NETWORK"


async def test_the_sandbox_keeps_one_card_per_person_and_checks_reports() -> None:
    sandbox = SandboxHealthCardPlatform()
    first = await sandbox.register(HOLDER)
    assert await sandbox.register(HOLDER) == first and len(first) == 64
    with pytest.raises(HealthCardPlatformError):
        await sandbox.report_usage("unknown", purpose="pay", site_code="X", at=AT)
    await sandbox.report_usage(first, purpose="pay", site_code="X", at=AT)
    assert [r.purpose for r in sandbox.reports] == ["pay"]
