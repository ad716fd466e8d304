"""Residents for tests: log in through the sandbox WeChat, verify through the sandbox identity pages.

    alice = await login(client, "alice")
    await verify(client, alice, name="张三", id_number=new_id_number(years_old=30))
    r = await client.get("/api/v1/me", headers=alice.headers)

Everything goes through the public API, exactly as the mini-program does it.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from stdnum.cn import ric

from domain.identity.service import today

RETURN_TO = "/h5/#/pages/identity/callback"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_serials = itertools.count(101)


@dataclass
class Resident:
    """A logged-in resident: their tokens and the user JSON from the last answer."""

    name: str
    access_token: str
    refresh_token: str
    user: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @property
    def id(self) -> int:
        return int(self.user["id"])


async def login(client: httpx.AsyncClient, name: str) -> Resident:
    """Log in as ``name`` (the sandbox gives the same account for the same name)."""
    r = await client.post("/api/v1/auth/wechat/login", json={"code": f"dev:{name}"})
    assert r.status_code == 200, r.text
    body = r.json()
    return Resident(
        name=name, access_token=body["access_token"], refresh_token=body["refresh_token"], user=body["user"]
    )


def new_id_number(
    *,
    years_old: int | None = None,
    born: dt.date | None = None,
    area: str = "110101",
    serial: int | None = None,
) -> str:
    """A valid resident ID number (checksum, place, birth date) for someone of that age or birth date."""
    if born is None:
        day = today()
        born = day.replace(year=day.year - (years_old if years_old is not None else 30), day=min(day.day, 28))
        born -= dt.timedelta(days=1)  # a day past the birthday, whatever today is
    seq = serial if serial is not None else next(_serials)
    body = f"{area}{born:%Y%m%d}{seq % 1000:03d}"
    return body + str(ric.calc_check_digit(body + "0"))


async def start_verification(
    client: httpx.AsyncClient, resident: Resident, return_to: str = RETURN_TO
) -> str:
    r = await client.post(
        "/api/v1/identity/sessions", json={"return_to": return_to}, headers=resident.headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["authorize_url"])


async def fill_sandbox_form(
    client: httpx.AsyncClient,
    authorize_url: str,
    *,
    name: str,
    id_number: str,
    level: str = "L3",
    **document: str,
) -> httpx.Response:
    """Open the sandbox authorize page and submit it, as a tester would; returns the POST's answer.

    ``document`` may name another document than the ID card (``document_kind``, ``birth_date``).
    """
    page = await client.get(authorize_url)
    assert page.status_code == 200, page.text
    hidden = {k: html.unescape(v) for k, v in _HIDDEN.findall(page.text)}
    form = {**hidden, **document, "name": name, "id_number": id_number, "level": level, "action": "submit"}
    return await client.post(urlsplit(authorize_url).path, data=form)


async def code_and_state(
    client: httpx.AsyncClient,
    resident: Resident,
    *,
    name: str,
    id_number: str,
    level: str = "L3",
    **document: str,
) -> tuple[str, str]:
    """Run the browser part: start, fill the sandbox page, follow the redirects back to the app page."""
    authorize_url = await start_verification(client, resident)
    submitted = await fill_sandbox_form(
        client, authorize_url, name=name, id_number=id_number, level=level, **document
    )
    assert submitted.status_code == 302, submitted.text
    bounced = await client.get(submitted.headers["location"])
    assert bounced.status_code == 302, bounced.text
    target = bounced.headers["location"]
    assert target.startswith(RETURN_TO + "?"), target
    query = parse_qs(target.split("?", 1)[1])
    return query["code"][0], query["state"][0]


async def verify(
    client: httpx.AsyncClient,
    resident: Resident,
    *,
    name: str = "张三",
    id_number: str | None = None,
    level: str = "L3",
) -> dict[str, Any]:
    """Verify ``resident``'s real name end to end; returns the updated user JSON."""
    number = id_number or new_id_number(years_old=30)
    code, state = await code_and_state(client, resident, name=name, id_number=number, level=level)
    r = await client.post(
        "/api/v1/identity/callback", json={"code": code, "state": state}, headers=resident.headers
    )
    assert r.status_code == 200, r.text
    resident.user = r.json()
    return resident.user


async def verified(
    client: httpx.AsyncClient, name: str, *, id_number: str | None = None, level: str = "L3"
) -> Resident:
    """Log in as ``name`` and verify their real name (L3 by default)."""
    resident = await login(client, name)
    await verify(client, resident, name=name, id_number=id_number, level=level)
    return resident
