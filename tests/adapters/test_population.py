"""The population register client against a local stand-in of its documented shape, and the sandbox.

The stand-in is a small aiohttp app on 127.0.0.1 that checks the request's signature and answers
in the ``{code, message, data: {guardians}}`` shape the client's docstring fixes. Nothing touches
the Internet.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.population import client as client_module
from adapters.population.client import PATH, PopulationRegisterClient, sign
from adapters.population.fake import SandboxPopulationRegister
from adapters.population.port import (
    Guardian,
    GuardianRelation,
    PersonNotFound,
    PopulationRegisterError,
    PopulationRegisterUnavailable,
    SandboxPopulationDesk,
)

CHILD = "441803201803050025"
MOTHER = "441802199001010025"
FATHER = "441802198805120030"
GRANDFATHER = "11010119520618001X"
SECRET = "register-secret"


class Register:
    """What the stand-in answers; ``reply`` overrides the normal answer for one test."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply: tuple[int, Any] | None = None
        self.delay = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if request.headers.get("X-Signature") != sign(SECRET, raw):
            return web.json_response({"code": "SIGNATURE_INVALID", "message": "bad signature"}, status=401)
        body = json.loads(raw)
        self.requests.append(body)
        await asyncio.sleep(self.delay)
        if self.reply is not None:
            status, answer = self.reply
            return web.Response(status=status, text=answer if isinstance(answer, str) else json.dumps(answer))
        if body["childIdNumber"] != CHILD:
            return web.json_response({"code": "PERSON_NOT_FOUND", "message": "no such person"})
        guardians = [
            {"idNumber": MOTHER, "relation": "52"},
            {"idNumber": GRANDFATHER.lower(), "relation": "61"},
        ]
        return web.json_response({"code": "0", "message": "ok", "data": {"guardians": guardians}})


@pytest.fixture
async def register() -> AsyncIterator[tuple[Register, str]]:
    stand_in = Register()
    app = web.Application()
    app.router.add_post(PATH, stand_in.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield stand_in, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


def client_for(base: str, secret: str = SECRET) -> PopulationRegisterClient:
    return PopulationRegisterClient(base_url=base, app_id="palmcity", app_secret=secret)


async def test_the_client_asks_signed_and_reads_the_guardians(register: tuple[Register, str]) -> None:
    stand_in, base = register
    client = client_for(base)
    try:
        guardians = await client.guardians_of(CHILD)
    finally:
        await client.aclose()
    assert guardians == [
        Guardian(MOTHER, GuardianRelation.MOTHER),
        Guardian(GRANDFATHER, GuardianRelation.OTHER_GUARDIAN),  # upper-cased; not 51/52: other
    ]
    (asked,) = stand_in.requests
    assert asked["childIdNumber"] == CHILD and asked["appId"] == "palmcity"
    assert len(asked["requestId"]) == 32 and isinstance(asked["timestamp"], int)


async def test_unknown_people_refusals_and_failures_are_told_apart(register: tuple[Register, str]) -> None:
    stand_in, base = register
    client = client_for(base)
    try:
        with pytest.raises(PersonNotFound):
            await client.guardians_of("110101201001011234")
        stand_in.reply = (200, {"code": "SYSTEM_BUSY", "message": "busy"})
        with pytest.raises(PopulationRegisterUnavailable) as busy:
            await client.guardians_of(CHILD)
        assert busy.value.code == "SYSTEM_BUSY"
        stand_in.reply = (502, "<html>bad gateway</html>")
        with pytest.raises(PopulationRegisterUnavailable) as gateway:
            await client.guardians_of(CHILD)
        assert gateway.value.code == "HTTP_502"
        stand_in.reply = (200, {"code": "0", "data": {"guardians": [{"relation": "51"}]}})
        with pytest.raises(PopulationRegisterUnavailable) as malformed:
            await client.guardians_of(CHILD)
        assert malformed.value.code == "MALFORMED"
        stand_in.reply = (200, {"code": "0", "data": {}})
        with pytest.raises(PopulationRegisterUnavailable):
            await client.guardians_of(CHILD)
        stand_in.reply = (200, {"code": "NO_PERMISSION", "message": "not onboarded"})
        with pytest.raises(PopulationRegisterError) as refused:
            await client.guardians_of(CHILD)
        assert refused.value.code == "NO_PERMISSION"
        assert not isinstance(refused.value, PopulationRegisterUnavailable)
    finally:
        await client.aclose()

    forged = client_for(base, secret="wrong")
    try:
        with pytest.raises(PopulationRegisterError) as unsigned:
            await forged.guardians_of(CHILD)
    finally:
        await forged.aclose()
    assert unsigned.value.code == "SIGNATURE_INVALID"

    nowhere = client_for("http://127.0.0.1:9")  # discard port: nothing listens
    try:
        with pytest.raises(PopulationRegisterUnavailable) as down:
            await nowhere.guardians_of(CHILD)
    finally:
        await nowhere.aclose()
    assert down.value.code == "NETWORK" and CHILD not in str(down.value)


async def test_a_register_that_does_not_answer_in_time_is_unavailable(
    register: tuple[Register, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiohttp

    stand_in, base = register
    stand_in.delay = 1.0
    monkeypatch.setattr(client_module, "TIMEOUT", aiohttp.ClientTimeout(total=0.1))
    client = client_for(base)
    try:
        with pytest.raises(PopulationRegisterUnavailable) as slow:
            await client.guardians_of(CHILD)
    finally:
        await client.aclose()
    assert slow.value.code == "NETWORK"


async def test_the_sandbox_answers_from_its_seeded_households_only() -> None:
    sandbox = SandboxPopulationRegister()
    assert isinstance(sandbox, SandboxPopulationDesk)
    assert await sandbox.guardians_of(CHILD) == [
        Guardian(MOTHER, GuardianRelation.MOTHER),
        Guardian(FATHER, GuardianRelation.FATHER),
    ]
    with pytest.raises(PersonNotFound):
        await sandbox.guardians_of("110101201001011234")
    sandbox.add_household("110101201001011234", [Guardian(FATHER, GuardianRelation.FATHER)])
    sandbox.add_household("110101201001011234", [Guardian(FATHER, GuardianRelation.FATHER)])  # once
    assert await sandbox.guardians_of("110101201001011234") == [Guardian(FATHER, GuardianRelation.FATHER)]
    sandbox.failing = True
    with pytest.raises(PopulationRegisterUnavailable):
        await sandbox.guardians_of(CHILD)
    with pytest.raises(PersonNotFound):  # no seeded households: it knows nobody
        await SandboxPopulationRegister(households=None).guardians_of(CHILD)
