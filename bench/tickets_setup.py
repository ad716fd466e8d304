"""What ``bench/tickets.py`` needs before it measures: spots seeded through the domain, verified
residents and a gate's staff through the API, visitors with valid ID numbers, and the database's
counts read back afterwards (SQLite or PostgreSQL).

Residents verify through the sandbox identity pages exactly as the mini-program's users do
(``POST /api/v1/identity/sessions``, the sandbox authorize form, the return redirect,
``POST /api/v1/identity/callback``): the orders route serves verified residents only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg  # type: ignore[import-untyped]

from bench import postgres, run

SETUP_CONCURRENCY = 16
REGION = "441800"  # Qingyuan
NAMES = {"zh_Hans": "压测景区", "zh_Hant": "壓測景區", "en": "Bench spot"}
STAFF_USERNAME = "bench.gate"
STAFF_PASSWORD = "bench gate password 1"  # a fresh database's own account, deleted with it
RETURN_TO = "/h5/#/pages/identity/callback"
ID_AREA = "110101"  # 东城区: python-stdnum checks that the area code existed in the birth year
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def id_number(n: int, *, serial: int) -> str:
    """The ``n``-th valid resident ID number of a series (check digit right): born 1 January 1975
    plus ``n`` days (adults on any visit day for n < 10,000), serial ``serial``."""
    from stdnum.cn import ric

    born = dt.date(1975, 1, 1) + dt.timedelta(days=n)
    body = f"{ID_AREA}{born:%Y%m%d}{serial:03d}"
    return body + str(ric.calc_check_digit(body + "0"))  # it reads all but the last character


def companion(n: int) -> dict[str, Any]:
    """The ``n``-th companion visitor as the orders route takes one: by ID card, name, no claims."""
    return {
        "document_kind": "resident_id",
        "document_number": id_number(n, serial=1),
        "name": "王小明",
        "claims": [],
    }


# -- the spots, seeded through the domain ----------------------------------------------------------


@dataclass(frozen=True)
class SpotRef:
    code: str
    spot_id: int
    resource_id: int
    slot_id: int
    day: dt.date


def daily_max_for(tickets: int, policy_percent: int) -> int:
    """The smallest published maximum whose policy share is exactly ``tickets`` (667 × 75 % = 500)."""
    return -(-tickets * 100 // policy_percent)


Seeded = tuple[list[SpotRef], SpotRef, SpotRef]


def seed_apart(database_url: str, **settings: Any) -> Seeded:
    """:func:`seed` in a process of its own: Tortoise keeps its first backend's SQL dialect in the
    models, so a second backend seeded from the same process would send SQLite's SQL to PostgreSQL."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_seed_sync, database_url, settings).result()


def _seed_sync(database_url: str, settings: dict[str, Any]) -> Seeded:
    return postgres.run_loop(seed(database_url, **settings))


async def seed(
    database_url: str, *, flash_codes: list[str], tickets: int, warm_tickets: int, price_fen: int
) -> Seeded:
    """Per flash round a spot whose one slot tomorrow and whose day both allow exactly ``tickets``
    under its 75 % policy cap (no walk-in share: everything is sold online); a smaller one for the
    warm-up; and the gate spot, free (tickets confirmed at once), with one-hour slots today and
    room for every admission. The gate's staff account scans tickets at all of them."""
    from tortoise import Tortoise

    from domain.staff.service import create_staff
    from server.db import tortoise_config

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        flash = [await _spot(code, tickets, price_fen, whole_day=True) for code in flash_codes]
        warm = await _spot("BENCH-FLASH-WARM", warm_tickets, price_fen, whole_day=True)
        gate = await _spot("BENCH-GATE", 100_000, 0, whole_day=False)
        await create_staff(
            username=STAFF_USERNAME,
            password=STAFF_PASSWORD,
            display_name="Bench gate",
            roles=["scanner"],
            scopes=[gate.code, warm.code, *flash_codes],
            scan_kinds=["ticket"],
        )
        return flash, warm, gate
    finally:
        await Tortoise.close_connections()


async def _spot(code: str, places: int, price_fen: int, *, whole_day: bool) -> SpotRef:
    from domain.capacity.models import CapacitySlot
    from domain.shared import clock
    from domain.shared.clock import china_day
    from domain.tourism import service
    from domain.tourism.models import SpotKind
    from domain.tourism.service import SpotSettings

    policy = 75
    daily = daily_max_for(places, policy)
    settings = SpotSettings(
        daily_max=daily,
        instant_max=daily,
        opens_minute=0,
        closes_minute=24 * 60,
        # The flash spot: one slot a day, so the slot and the day both allow exactly ``places``.
        slot_entries=daily,
        slot_minutes=24 * 60 if whole_day else 60,
        policy_percent=policy,
        walk_in_percent=0,
    )
    spot = await service.create_spot(
        code, SpotKind.SCENIC, NAMES, settings, region_code=REGION, prices={"full_cents": price_fen}
    )
    if not whole_day:
        # The gate's tickets admit all day (bought for a slot still ahead, admitted now): the bench
        # measures admitting, not the entry window, which admission checks all the same.
        spot.rules = {"entry": {"early_minutes": 24 * 60, "late_minutes": None}}
        await spot.save(update_fields=["rules"])
    now = clock.now()
    today = china_day(now)
    # The sale is for tomorrow; the gate admits today's tickets (admission checks the day).
    day = today + dt.timedelta(days=1) if whole_day else today
    await service.open_day(spot, day)
    slots = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("starts_at")
    if whole_day:
        slot = slots[0]
    else:
        # The gate's tickets: today's last slot not started yet (the current one after 23:00).
        ahead = [s for s in slots if china_day(s.starts_at) == today and s.starts_at > now]
        slot = ahead[-1] if ahead else slots[-1]
    return SpotRef(code, spot.id, spot.resource_id, slot.id, day)


# -- residents and staff, through the API ----------------------------------------------------------


async def verify_all(port: int, tokens: list[str]) -> None:
    """Verify every resident's real name through the sandbox pages (L3, a valid ID number each)."""
    import aiohttp

    limit = asyncio.Semaphore(SETUP_CONCURRENCY)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:

        async def one(n: int, token: str) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            async with limit:
                started = await _json(
                    session, "POST", "/api/v1/identity/sessions", 201, headers, {"return_to": RETURN_TO}
                )
                authorize = urlsplit(started["authorize_url"])
                async with session.get(f"{authorize.path}?{authorize.query}") as page:
                    hidden = {k: html.unescape(v) for k, v in _HIDDEN.findall(await page.text())}
                form = {
                    **hidden,
                    "name": "李测试",
                    "id_number": id_number(n, serial=901),
                    "level": "L3",
                    "action": "submit",
                }
                async with session.post(authorize.path, data=form, allow_redirects=False) as submitted:
                    back = urlsplit(_location(submitted))
                async with session.get(f"{back.path}?{back.query}", allow_redirects=False) as bounced:
                    query = parse_qs(_location(bounced).split("?", 1)[1])
                await _json(
                    session,
                    "POST",
                    "/api/v1/identity/callback",
                    200,
                    headers,
                    {"code": query["code"][0], "state": query["state"][0]},
                )

        await asyncio.gather(*(one(n, t) for n, t in enumerate(tokens)))


def _location(response: Any) -> str:
    if response.status != 302:
        raise run.BenchError(f"sandbox verification answered {response.status}, not a redirect")
    return str(response.headers["Location"])


async def _json(
    session: Any, method: str, path: str, expected: int, headers: dict[str, str], body: Any = None
) -> Any:
    async with session.request(method, path, headers=headers, json=body) as r:
        if r.status != expected:
            raise run.BenchError(f"{method} {path} answered {r.status}: {(await r.text())[:300]}")
        return await r.json()


async def staff_token(port: int) -> str:
    import aiohttp

    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
        body = {"username": STAFF_USERNAME, "password": STAFF_PASSWORD}
        answered = await _json(session, "POST", "/api/v1/staff/auth/login", 200, {}, body)
    return str(answered["access_token"])


async def register_device(port: int, token: str, site: str) -> str:
    import aiohttp

    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
        headers = {"Authorization": f"Bearer {token}"}
        device = await _json(
            session, "POST", "/api/v1/staff/scanner-devices", 201, headers, {"site": site, "name": "gate"}
        )
    return str(device["code"])


async def routes(port: int) -> set[str]:
    """The paths the server documents (``/docs/openapi.json``): which of the routes a figure needs
    exist yet. Empty when the document cannot be read (then every route is tried)."""
    import aiohttp

    async with (
        aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session,
        session.get("/docs/openapi.json") as r,
    ):
        if r.status != 200:
            return set()
        return set((await r.json()).get("paths", {}))


@dataclass(frozen=True)
class GateTicket:
    ticket_id: int
    owner: str  # the resident's access token
    document_number: str


async def buy_gate_tickets(
    port: int, tokens: list[str], spot: SpotRef, count: int, first: int
) -> list[GateTicket]:
    """``count`` free tickets for today at the gate spot, one companion each (visitors ``first``…),
    ordered through ``POST /api/v1/tourism/orders`` by the residents in turn."""
    import aiohttp

    bought: list[GateTicket | None] = [None] * count
    limit = asyncio.Semaphore(SETUP_CONCURRENCY)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:

        async def one(n: int) -> None:
            token = tokens[n % len(tokens)]
            visitor = companion(first + n)
            body = {"spot": spot.code, "slot_id": spot.slot_id, "visitors": [visitor]}
            async with limit:
                order = await _json(
                    session, "POST", "/api/v1/tourism/orders", 201, {"Authorization": f"Bearer {token}"}, body
                )
            ticket = order["tickets"][0]
            if ticket["state"] != "confirmed":
                raise run.BenchError(f"a free gate ticket is {ticket['state']}, not confirmed")
            bought[n] = GateTicket(int(ticket["id"]), token, visitor["document_number"])

        await asyncio.gather(*(one(n) for n in range(count)))
    return [b for b in bought if b is not None]


async def mint(port: int, tickets: list[GateTicket]) -> tuple[list[str], float]:
    """A fresh dynamic code per ticket, fetched by its owner as the app does; and the seconds it took."""
    import time

    import aiohttp

    codes: list[str] = [""] * len(tickets)
    limit = asyncio.Semaphore(SETUP_CONCURRENCY)
    started = time.perf_counter()
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:

        async def one(n: int, ticket: GateTicket) -> None:
            path = f"/api/v1/tourism/tickets/{ticket.ticket_id}/credential"
            async with limit:
                answered = await _json(session, "GET", path, 200, {"Authorization": f"Bearer {ticket.owner}"})
            codes[n] = str(answered["token"])

        await asyncio.gather(*(one(n, t) for n, t in enumerate(tickets)))
    return codes, time.perf_counter() - started


# -- what the database holds -------------------------------------------------------------------------


def sold(database_url: str, spot: SpotRef) -> dict[str, int]:
    """The flash spot's sale read back: live tickets, the day's and the slot's counters, the live
    reservations, the tickets' payment orders, and all ticket orders (refused ones included)."""
    s, r = spot.spot_id, spot.resource_id
    return counts(
        database_url,
        {
            "tickets": f"SELECT count(*) FROM tourism_ticket WHERE spot_id = {s} "
            "AND state IN ('held', 'confirmed')",
            # The worker's tourism.open_days opens the coming week: the sale's day is one of them.
            "day_taken": f"SELECT taken FROM tourism_spot_day WHERE spot_id = {s} "
            f"AND day = '{spot.day.isoformat()}'",
            "slot_taken": f"SELECT held + confirmed FROM capacity_slot WHERE id = {spot.slot_id}",
            "reservations": f"SELECT count(*) FROM capacity_reservation WHERE resource_id = {r} "
            "AND state IN ('held', 'confirmed')",
            "payment_orders": "SELECT count(*) FROM payment_order WHERE purpose IN "
            f"(SELECT 'ticket:' || id FROM tourism_ticket WHERE spot_id = {s})",
            "orders": f"SELECT count(*) FROM tourism_ticket_order WHERE spot_id = {s}",
        },
    )


def admitted(database_url: str, spot: SpotRef) -> dict[str, int]:
    """The gate spot's count: who is inside and entered today, tickets used, admitted scan rows."""
    s = spot.spot_id
    day = f"'{spot.day.isoformat()}'"
    return counts(
        database_url,
        {
            "inside": f"SELECT coalesce(sum(inside), 0) FROM tourism_occupancy WHERE spot_id = {s} "
            f"AND day = {day}",
            "entered": f"SELECT coalesce(sum(entered), 0) FROM tourism_occupancy WHERE spot_id = {s} "
            f"AND day = {day}",
            "tickets_used": f"SELECT count(*) FROM tourism_ticket WHERE spot_id = {s} AND state = 'used'",
            "admitted_scans": "SELECT count(*) FROM scan WHERE outcome = 'admitted'",
        },
    )


def counts(database_url: str, queries: dict[str, str]) -> dict[str, int]:
    """Each query's one number (ids in the SQL are the bench's own integers, nothing from outside)."""
    if database_url.startswith("sqlite://"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite://"), timeout=30)
        try:
            return {k: int((connection.execute(q).fetchone() or [0])[0] or 0) for k, q in queries.items()}
        finally:
            connection.close()
    return postgres.run_loop(_pg_counts(postgres.without_query(database_url), queries))


async def _pg_counts(dsn: str, queries: dict[str, str]) -> dict[str, int]:
    connection = await _connect(dsn)
    try:
        return {k: int(await connection.fetchval(q) or 0) for k, q in queries.items()}
    finally:
        await connection.close()


async def _connect(dsn: str, attempts: int = 20) -> Any:
    """A connection for the counts, waiting for one when the shared server has none to spare (other
    people's tests use it too): a count missed would void the round's exactness check."""
    for _ in range(attempts - 1):
        try:
            return await asyncpg.connect(dsn)
        except asyncpg.exceptions.TooManyConnectionsError:
            await asyncio.sleep(1.0)
    return await asyncpg.connect(dsn)
