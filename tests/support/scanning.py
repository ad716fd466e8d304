"""Scanners for tests: a staff account with its kinds and a registered device, through the API.

staff, device = await hospital_scanner(client)
r = await client.post(SCANS, json=scan_body(device, token), headers=staff)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from domain.appointments import setup
from domain.appointments.models import Site, SiteKind
from domain.staff import service as staff_service

SCANS = "/api/v1/staff/scans"
DEVICES = "/api/v1/staff/scanner-devices"
PASSWORD = "correct horse battery"
HOSPITAL = "QY-PEOPLE"


async def hospital_site() -> Site:
    found = await Site.get_or_none(code=HOSPITAL)
    if found is not None:
        return found
    name = {"zh_Hans": "清远市人民医院", "zh_Hant": "清遠市人民醫院", "en": "Qingyuan People's Hospital"}
    return await setup.create_site(
        HOSPITAL, SiteKind.HOSPITAL, name, region_code="441800", department_code="qy-health"
    )


async def scanner(
    client: httpx.AsyncClient,
    username: str,
    *,
    site: str,
    kinds: Iterable[str],
    scopes: Iterable[str] | None = None,
) -> tuple[dict[str, str], str]:
    """A scanner account allowed ``kinds`` in ``scopes`` (its site by default), logged in, with a
    device registered at ``site``: (auth headers, device code)."""
    await staff_service.create_staff(
        username=username,
        password=PASSWORD,
        display_name=username.title(),
        roles=["scanner"],
        scopes=list(scopes) if scopes is not None else [site],
        scan_kinds=kinds,
    )
    r = await client.post("/api/v1/staff/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    device = await client.post(DEVICES, json={"site": site, "name": f"{username} handheld"}, headers=headers)
    assert device.status_code == 201, device.text
    return headers, str(device.json()["code"])


async def hospital_scanner(
    client: httpx.AsyncClient, username: str = "triage.desk"
) -> tuple[dict[str, str], str]:
    await hospital_site()
    return await scanner(client, username, site=HOSPITAL, kinds=["health_card", "appointment_pass"])


def scan_body(device: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"device": device, "code": code, **{k: v for k, v in extra.items() if v is not None}}
