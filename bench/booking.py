"""``python bench/booking.py``: contended booking on PostgreSQL and Redis, beside the raw SQL.

The workload pretix was measured on (22-24 orders/s on this machine), on PalmCity's production
path: PostgreSQL, a real Redis (the gate, the availability cache, the rate limiter, tokens), one
Sanic process pinned to CPU 0, the load generator pinned to CPU 1 (``bench/run.py``'s helpers).

* A fresh database (``palmcity_bench_booking`` on ``--database-url``, dropped afterwards) migrated
  with ``python -m server.cli migrate``; the bench's Redis keys are deleted afterwards.
* Seeded through the domain (``domain.appointments.setup``): one hall, and per round a service
  whose one slot has 100 places and a service whose one slot is unlimited (``places: null``), on
  the next working day; 700 residents logged in through ``POST /api/v1/auth/wechat/login``, so
  each booking carries its own bearer token and nobody books twice a day at one service.
* Rate limits raised for the bench through the environment (``PALMCITY_RATE_LIMIT_*``): every
  request comes from 127.0.0.1. The limiter still runs on every request.
* Load: 50 keep-alive clients send 300 ``POST /api/v1/appointments`` for the 100-place slot, then
  400 for the unlimited one. Bookings/s until sold out: 100 ÷ (first request sent → 100th 201
  received); for the unlimited slot, 400 ÷ (first sent → last answered). p50/p99 of all requests,
  statuses, and the count sold read back from the database (must be exactly 100 and 400).
* The raw baseline, in the same run and alternating with PalmCity's rounds: the statements of the
  booking transaction as PalmCity sends them (INSERT reservation, INSERT appointment, INSERT audit
  record, the reminders' outbox INSERTs, the conditional UPDATE of the slot last),
  through asyncpg with 50 connections, 300 attempts on a fresh 100-place slot and 400 on a fresh
  unlimited one. No HTTP, no Redis, no reads before the transaction: the floor.
* Availability reads: ``GET /api/v1/appointments/services/{id}/slots?date=`` with ``bench/load.py``,
  rounds alternating with bare Sanic's (``bench/bare_app.py``) as in ``bench/catalog.py``.

Goals: ≥ 500 bookings/s, p99 < 200 ms at 50 clients, exactly 100 sold; availability reads ≥ 50 %
of bare Sanic. Results in ``var/bench/booking.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import secrets
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # type: ignore[import-untyped]  # noqa: E402

from bench import http_post, load, postgres, run  # noqa: E402  (run: servers, pinning, measuring)

BOOKINGS_PER_SECOND_GOAL = 500.0
P99_GOAL_MS = 200.0
READ_RATIO_GOAL = 0.50
DEFAULT_DATABASE = "palmcity_bench_booking"
SCHEDULE_TEMPLATE = {"periods": [["09:00", "09:30"]], "slot_minutes": 30}
BOOK_PATH = "/api/v1/appointments"


@dataclass(frozen=True)
class Workload:
    key: str  # "limited" / "unlimited"
    places: int | None
    attempts: int

    @property
    def expected_sold(self) -> int:
        return self.attempts if self.places is None else min(self.places, self.attempts)


@dataclass(frozen=True)
class SlotRef:
    service_id: int
    slot_id: int
    resource_id: int
    site_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    day: dt.date


@dataclass
class Seeded:
    # round -> workload key -> slot, for PalmCity and for the raw baseline
    palmcity: list[dict[str, SlotRef]] = field(default_factory=list)
    raw: list[dict[str, SlotRef]] = field(default_factory=list)
    warmup: SlotRef | None = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/booking.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round, fewer availability reads")
    parser.add_argument(
        "--database-url",
        default=postgres.DEFAULT_SERVER,
        help="a PostgreSQL server (query options such as ?maxsize=20 are passed on to PalmCity)",
    )
    parser.add_argument("--database-name", default=DEFAULT_DATABASE, help="created, then dropped")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--limited-attempts", type=int, default=300)
    parser.add_argument("--unlimited-attempts", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3, help="booking rounds; the median is kept")
    parser.add_argument("--connections", type=int, default=32, help="availability reads")
    parser.add_argument("--requests", type=int, default=10_000, help="availability reads per round")
    parser.add_argument("--warmup", type=int, default=1_000, help="availability reads before measuring")
    parser.add_argument("--read-rounds", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="time cap of one round")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "booking.json")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.read_rounds, args.requests, args.warmup = 1, 1, 2_000, 300
    workloads = (
        Workload("limited", args.places, args.limited_attempts),
        Workload("unlimited", None, args.unlimited_attempts),
    )
    residents = args.limited_attempts + args.unlimited_attempts

    started = run.start()
    workdir = Path(tempfile.mkdtemp(prefix="palmcity-bench-booking-"))
    database_url = postgres.database_url(args.database_url, args.database_name)
    raw_dsn = postgres.without_query(database_url)
    results: dict[str, Any] = {"palmcity": {}, "raw": {}, "reads": {}}
    rounds: dict[str, list[dict[str, Any]]] = {
        f"{w}_{k}": [] for w in ("palmcity", "raw") for k in ("limited", "unlimited")
    }
    try:
        with postgres.fresh_database(args.database_url, args.database_name, args.redis_url):
            env = postgres.palmcity_env(database_url, args.redis_url)
            run._migrate(env, workdir / "migrate.log")
            seeded = asyncio.run(_seed(database_url, workloads, args.rounds))
            with run._server("server.main:create_app", env, workdir / "palmcity.log") as palm:
                tokens = postgres.run_loop(_login_all(palm.port, residents))
                limited_tokens, unlimited_tokens = (
                    tokens[: args.limited_attempts],
                    tokens[args.limited_attempts :],
                )
                assert seeded.warmup is not None
                # Warm-up on a slot of its own: the worker's first queries prepare their statements.
                warm = _book_all(palm.port, seeded.warmup, tokens[: args.clients], args)
                if warm.broken or any(a.status != 201 for a in warm.answers):
                    raise run.BenchError(f"warm-up bookings failed: {warm.statuses()}; see {palm.log}")
                for number in range(args.rounds):
                    for workload, these in zip(workloads, (limited_tokens, unlimited_tokens), strict=True):
                        slot = seeded.palmcity[number][workload.key]
                        cpu_before = postgres.cpu_seconds(palm.process.pid)
                        answered = _book_all(palm.port, slot, these, args)
                        server_cpu = postgres.cpu_seconds(palm.process.pid) - cpu_before
                        figures = _palmcity_figures(answered, workload)
                        # The server's own CPU per request: steadier than bookings/s on a busy machine.
                        figures["server_cpu_seconds"] = round(server_cpu, 3)
                        figures["server_cpu_ms_per_request"] = round(
                            1000 * server_cpu / max(len(answered.answers), 1), 2
                        )
                        figures["server_cpu_ms_per_booking"] = round(
                            1000 * server_cpu / max(figures["booked_201"], 1), 2
                        )
                        figures["sold_in_database"] = asyncio.run(_sold(raw_dsn, slot.slot_id))
                        rounds[f"palmcity_{workload.key}"].append(figures)
                        raw_slot = seeded.raw[number][workload.key]
                        raw = asyncio.run(
                            _raw_round(raw_dsn, raw_slot, workload, args.clients, args.max_seconds)
                        )
                        raw["sold_in_database"] = asyncio.run(_sold(raw_dsn, raw_slot.slot_id))
                        rounds[f"raw_{workload.key}"].append(raw)
                        print(
                            f"round {number + 1}/{args.rounds} {workload.key:<9}: PalmCity "
                            f"{figures['bookings_per_second']:,.0f}/s ({figures['statuses']}), "
                            f"raw {raw['bookings_per_second']:,.0f}/s",
                            flush=True,
                        )
                results["reads"] = _reads(palm, seeded.palmcity[0]["limited"], workdir, args)
    except postgres.FAILURES as exc:
        # The raw baseline opens --clients connections of its own beside PalmCity's pool.
        return postgres.failed(exc, "; rerun when fewer clients are connected")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    for name, measured in rounds.items():
        side, _, key = name.partition("_")
        results[side][key] = _median_round(measured)
    report = _report(results, args, started.pinned, workloads)
    run.write_report(report, started, args.out, lambda: _print(report))
    return run.exit_status(report, args.strict)


# -- seeding through the domain --------------------------------------------------------------------


def _name(text: str) -> dict[str, str]:
    return {"zh_Hans": text, "zh_Hant": text, "en": text}


async def _seed(database_url: str, workloads: tuple[Workload, ...], rounds: int) -> Seeded:
    """One hall; per round and workload a service with one slot on the next working day, for
    PalmCity and for the raw baseline; one unlimited slot for the warm-up."""
    from tortoise import Tortoise

    from domain.appointments import setup
    from domain.appointments.models import SiteKind
    from domain.capacity.models import CapacitySlot
    from domain.shared import clock
    from domain.shared.clock import china_day
    from server.db import tortoise_config

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        site = await setup.create_site(
            "BENCH-HALL", SiteKind.HALL, _name("压测大厅"), region_code="441800", department_code="bench"
        )
        tomorrow = china_day(clock.now()) + dt.timedelta(days=1)

        async def one(code: str, places: int | None) -> SlotRef:
            service = await setup.create_service(
                site, code, _name(code), business_type="B", schedule={**SCHEDULE_TEMPLATE, "places": places}
            )
            await setup.generate_slots(service, tomorrow, 7)  # the next working day's comes first
            slot = (
                await CapacitySlot.filter(resource_id=service.capacity_resource_id)
                .order_by("starts_at")
                .first()
            )
            if slot is None:
                raise run.BenchError("no working day in the next week: no slot generated")
            return SlotRef(
                service.id,
                slot.id,
                slot.resource_id,
                site.id,
                slot.starts_at,
                slot.ends_at,
                china_day(slot.starts_at),
            )

        seeded = Seeded(warmup=await one("warmup", None))
        for number in range(rounds):
            seeded.palmcity.append({w.key: await one(f"{w.key}-{number}", w.places) for w in workloads})
            seeded.raw.append({w.key: await one(f"raw-{w.key}-{number}", w.places) for w in workloads})
        return seeded
    finally:
        await Tortoise.close_connections()


async def _login_all(port: int, count: int) -> list[str]:
    """``count`` sandbox residents logged in through the API; their access tokens, in order."""
    import aiohttp

    tokens: list[str] = [""] * count
    limit = asyncio.Semaphore(8)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:

        async def login(n: int) -> None:
            async with (
                limit,
                session.post("/api/v1/auth/wechat/login", json={"code": f"dev:bench-{n:04d}"}) as r,
            ):
                if r.status != 200:
                    raise run.BenchError(f"login {n} answered {r.status}: {(await r.text())[:300]}")
                tokens[n] = (await r.json())["access_token"]

        await asyncio.gather(*(login(n) for n in range(count)))
    return tokens


async def _sold(dsn: str, slot_id: int) -> dict[str, int]:
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            """SELECT s.confirmed, s.held,
                      (SELECT count(*) FROM capacity_reservation r
                        WHERE r.slot_id = s.id AND r.state = 'confirmed') AS reservations,
                      (SELECT count(*) FROM appointment a WHERE a.slot_id = s.id AND a.state = 'booked')
                        AS appointments
                 FROM capacity_slot s WHERE s.id = $1""",
            slot_id,
        )
    finally:
        await connection.close()
    assert row is not None
    return {name: int(row[name]) for name in ("confirmed", "held", "reservations", "appointments")}


# -- PalmCity over HTTP ----------------------------------------------------------------------------


def _book_all(port: int, slot: SlotRef, tokens: list[str], args: argparse.Namespace) -> http_post.Result:
    body = json.dumps({"service_id": slot.service_id, "slot_id": slot.slot_id}).encode()
    requests = [
        http_post.Request("POST", BOOK_PATH, body, (("Authorization", f"Bearer {token}"),))
        for token in tokens
    ]
    return postgres.run_loop(
        http_post.run(port, requests, connections=args.clients, max_seconds=args.max_seconds)
    )


def _palmcity_figures(result: http_post.Result, workload: Workload) -> dict[str, Any]:
    booked = sorted(a.done_at for a in result.answers if a.status == 201)
    last = booked[workload.expected_sold - 1] if len(booked) >= workload.expected_sold else None
    until = (last - result.started) if last is not None else None
    return {
        "attempts": workload.attempts,
        "answered": len(result.answers),
        "booked_201": len(booked),
        "statuses": result.statuses(),
        "broken_connections": result.broken,
        "seconds_until_sold": round(until, 3) if until is not None else None,
        "bookings_per_second": round(workload.expected_sold / until, 1) if until else 0.0,
        "seconds_all_answered": round(result.elapsed, 3),
        "p50_ms": round(result.percentile(50) * 1000, 2),
        "p99_ms": round(result.percentile(99) * 1000, 2),
        "max_ms": round(max((a.latency for a in result.answers), default=0.0) * 1000, 2),
        "generator_cpu_percent": round(100 * result.client_cpu / result.elapsed, 1)
        if result.elapsed
        else None,
        "timed_out": result.timed_out,
    }


# -- the raw baseline: the booking transaction through asyncpg -------------------------------------

_INSERT_RESERVATION = (
    'INSERT INTO "capacity_reservation" ("resource_id","holder_key","walk_in","state","expires_at",'
    '"created_at","updated_at","slot_id") VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING "id"'
)
_INSERT_APPOINTMENT = (
    'INSERT INTO "appointment" ("number","subject_key","slot_id","reservation_id","starts_at","ends_at",'
    '"day","state","fee_fen","payment_id","pay_by","checkin_code","checked_in_at","cancelled_reason",'
    '"created_at","updated_at","on_behalf_of_id","service_id","site_id","user_id") '
    'VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20) RETURNING "id"'
)
_TAKE_PLACE = (
    'UPDATE "capacity_slot" SET "confirmed"="confirmed"+$1,"version"="version"+$2 '
    'WHERE "id"=$3 AND "state"=$4 AND "held"<"capacity"-"walk_in_reserved"-"confirmed"'
)
_REMINDERS = {"day": dt.timedelta(days=1), "hour": dt.timedelta(hours=1)}
_OUTBOX_COLUMNS = 11


def _insert_outbox(rows: int) -> str:
    """``postgres.INSERT_OUTBOX`` for ``rows`` rows in one statement (ids not read back)."""
    head = postgres.INSERT_OUTBOX.split(" VALUES ")[0]
    groups = (
        "(" + ",".join(f"${row * _OUTBOX_COLUMNS + i}" for i in range(1, _OUTBOX_COLUMNS + 1)) + ")"
        for row in range(rows)
    )
    return f"{head} VALUES {','.join(groups)}"


class _Full(Exception):
    pass


async def _raw_round(
    dsn: str, slot: SlotRef, workload: Workload, clients: int, max_seconds: float
) -> dict[str, Any]:
    """The booking transaction's statements, as PalmCity sends them, from ``clients`` connections."""
    users = [
        r["id"]
        for r in await _fetch(dsn, "SELECT id FROM user_account ORDER BY id LIMIT $1", workload.attempts)
    ]
    if len(users) < workload.attempts:
        raise run.BenchError(f"raw baseline: {len(users)} users, {workload.attempts} needed")

    async def book(connection: asyncpg.Connection, n: int) -> bool:
        now = datetime.now(UTC)
        subject = f"user:{users[n]}"
        try:
            async with connection.transaction():
                reservation = await connection.fetchval(
                    _INSERT_RESERVATION,
                    slot.resource_id,
                    subject,
                    False,
                    "confirmed",
                    None,
                    now,
                    now,
                    slot.slot_id,
                )
                appointment = await connection.fetchval(
                    _INSERT_APPOINTMENT,
                    f"{slot.day:%Y%m%d}{secrets.randbelow(10**8):08d}",
                    subject,
                    slot.slot_id,
                    reservation,
                    slot.starts_at,
                    slot.ends_at,
                    slot.day,
                    "booked",
                    0,
                    None,
                    None,
                    "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8)),
                    None,
                    None,
                    now,
                    now,
                    None,
                    slot.service_id,
                    slot.site_id,
                    users[n],
                )
                after = json.dumps(
                    {"state": "booked", "slot_id": slot.slot_id, "service_id": slot.service_id},
                    separators=(",", ":"),
                )
                await connection.fetchval(
                    postgres.INSERT_AUDIT, now, "resident", users[n], None, "appointments.booked",
                    "appointment", str(appointment), None, after, "127.0.0.1", secrets.token_hex(8),
                )  # fmt: skip
                reminders: list[object] = []
                for which, before in _REMINDERS.items():
                    at = slot.starts_at - before
                    if at > now:  # as schedule_reminders: only reminders still ahead
                        # No look-up of the key: it names the appointment just inserted (new_key).
                        key = f"appointments.reminder:{appointment}:{which}"
                        payload = json.dumps(
                            {"appointment_id": appointment, "user_id": users[n], "which": which},
                            separators=(",", ":"),
                        )
                        reminders += ["appointments.reminder", payload, key, "pending", now, at]
                        reminders += [0, None, None, None, None]
                if reminders:  # all in one statement, as outbox.enqueue_new
                    await connection.execute(_insert_outbox(len(reminders) // _OUTBOX_COLUMNS), *reminders)
                if workload.places is not None:  # unlimited slots keep no counters, as in capacity.book
                    taken = await connection.execute(_TAKE_PLACE, 1, 1, slot.slot_id, "open")
                    if taken != "UPDATE 1":
                        raise _Full()
        except _Full:
            return False
        return True

    driven = await postgres.drive(dsn, clients, range(workload.attempts), book, max_seconds)
    outcomes = driven.outcomes
    booked = sorted(done for ok, _, done in outcomes if ok)
    last = booked[workload.expected_sold - 1] if len(booked) >= workload.expected_sold else None
    until = (last - driven.started) if last is not None else None
    return {
        "attempts": workload.attempts,
        "answered": len(outcomes),
        "booked": len(booked),
        "full": len(outcomes) - len(booked),
        "seconds_until_sold": round(until, 3) if until is not None else None,
        "bookings_per_second": round(workload.expected_sold / until, 1) if until else 0.0,
        "seconds_all_answered": round(driven.elapsed, 3),
        "p50_ms": driven.percentile_ms(50),
        "p99_ms": driven.percentile_ms(99),
        "timed_out": driven.timed_out,
    }


async def _fetch(dsn: str, query: str, *params: object) -> list[Any]:
    connection = await asyncpg.connect(dsn)
    try:
        return list(await connection.fetch(query, *params))
    finally:
        await connection.close()


def _median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    chosen = dict(sorted(rounds, key=lambda r: r["bookings_per_second"])[len(rounds) // 2])
    chosen["rounds_bookings_per_second"] = [r["bookings_per_second"] for r in rounds]
    chosen["rounds_p99_ms"] = [r["p99_ms"] for r in rounds]
    if "server_cpu_ms_per_request" in chosen:
        chosen["rounds_server_cpu_ms_per_request"] = [r["server_cpu_ms_per_request"] for r in rounds]
    chosen["rounds_sold_in_database"] = [r["sold_in_database"] for r in rounds]
    return chosen


# -- availability reads ----------------------------------------------------------------------------


def _reads(palm: run.Server, slot: SlotRef, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    target = run.Target(
        "availability",
        "GET .../services/{id}/slots?date=",
        f"/api/v1/appointments/services/{slot.service_id}/slots?date={slot.day.isoformat()}",
    )
    measured = argparse.Namespace(
        connections=args.connections,
        requests=args.requests,
        warmup=args.warmup,
        rounds=args.read_rounds,
        max_seconds=min(args.max_seconds, 60.0),
    )
    bare_rounds: list[float] = []
    with run._server("bench.bare_app:create_app", run._bare_env(), workdir / "bare.log") as bare:

        def bare_round() -> None:  # before each PalmCity round, so both see the same machine
            result = run._run_async(
                load.run(
                    bare.port,
                    run.BARE.path,
                    connections=measured.connections,
                    requests=measured.requests,
                    max_seconds=measured.max_seconds,
                )
            )
            bare_rounds.append(result.rps)

        bare_round()  # bare's warm-up
        bare_rounds.clear()
        figures = run._measure(palm, target, {}, measured, before_each_round=bare_round)
    beside = round(statistics.median(bare_rounds), 1)
    figures["bare_beside_requests_per_second"] = beside
    figures["bare_rounds_requests_per_second"] = [round(r, 1) for r in bare_rounds]
    figures["requests_per_second_vs_bare"] = round(figures["requests_per_second"] / beside, 3)
    return dict(figures)


# -- report ----------------------------------------------------------------------------------------


def _report(
    results: dict[str, Any], args: argparse.Namespace, pinned: bool, workloads: tuple[Workload, ...]
) -> dict[str, Any]:
    goals: dict[str, Any] = {}
    for w in workloads:
        palm, raw = results["palmcity"][w.key], results["raw"][w.key]
        palm["vs_raw"] = (
            round(palm["bookings_per_second"] / raw["bookings_per_second"], 3)
            if raw["bookings_per_second"]
            else None
        )
        goals[f"{w.key}_bookings_per_second"] = {
            "target": f">= {BOOKINGS_PER_SECOND_GOAL:.0f} bookings/s",
            "value": palm["bookings_per_second"],
            "met": palm["bookings_per_second"] >= BOOKINGS_PER_SECOND_GOAL,
        }
        goals[f"{w.key}_p99"] = {
            "target": f"p99 < {P99_GOAL_MS:.0f} ms at {args.clients} clients",
            "value": palm["p99_ms"],
            "met": palm["p99_ms"] < P99_GOAL_MS,
        }
        sold = [r["appointments"] for r in palm["rounds_sold_in_database"]]
        counters = [r["confirmed"] for r in palm["rounds_sold_in_database"]] if w.places is not None else sold
        exact = all(s == w.expected_sold for s in sold) and all(c == w.expected_sold for c in counters)
        goals[f"{w.key}_sold_exactly"] = {
            "target": f"exactly {w.expected_sold} sold in every round (appointments and counters)",
            "value": sold,
            "met": exact,
        }
    reads = results["reads"]
    goals["availability_vs_bare"] = {
        "target": f">= {READ_RATIO_GOAL:.0%} of bare Sanic requests/s",
        "value": reads["requests_per_second_vs_bare"],
        "met": reads["requests_per_second_vs_bare"] >= READ_RATIO_GOAL,
    }
    return {
        "bench": "booking",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {
            "clients": args.clients,
            "places": args.places,
            "limited_attempts": args.limited_attempts,
            "unlimited_attempts": args.unlimited_attempts,
            "rounds": args.rounds,
            "read_connections": args.connections,
            "read_requests_per_round": args.requests,
            "read_rounds": args.read_rounds,
            "pinned": pinned,
            "database": _shown_url(postgres.database_url(args.database_url, args.database_name)),
            "redis": args.redis_url,
            "palmcity": "one Sanic process, PostgreSQL (Tortoise's asyncpg pool), a real Redis, sandbox "
            "platforms, JSON logs, rate limits raised to 1e9/min through PALMCITY_RATE_LIMIT_* "
            "(the limiter still runs)",
        },
        "results": results,
        "goals": goals,
        "caveats": [
            "PostgreSQL and Redis are not pinned: they share the two CPUs with the server and the generator.",
            "The raw baseline runs only the booking transaction (no HTTP, no Redis, no reads before it).",
            "Bookings/s until sold out: places ÷ (first request sent → the last place's 201 received).",
            "CPU ms/req: the PalmCity process's user + system CPU during a workload ÷ its requests "
            "(PostgreSQL's and Redis's CPU not included).",
        ],
    }


def _shown_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}:{parts.port}" if parts.username else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _print(report: dict[str, Any]) -> None:
    s, r = report["settings"], report["results"]
    print(
        f"\nPalmCity booking bench — {s['clients']} clients, {s['limited_attempts']} attempts on "
        f"{s['places']} places, {s['unlimited_attempts']} on an unlimited slot; "
        f"median of {s['rounds']} rounds"
    )
    print(f"PalmCity: {s['palmcity']}")
    columns = [("workload", 28), ("booked/s", 10), ("vs raw", 8), ("p50 ms", 9), ("p99 ms", 9), ("sold", 6)]
    columns += [("CPU ms/req", 12)]
    header = "".join(f"{n:<{w}}" if n == "workload" else f"{n:>{w}}" for n, w in columns) + "  statuses"
    print("\n" + header)
    print("-" * (len(header) + 20))
    for key in ("limited", "unlimited"):
        palm, raw = r["palmcity"][key], r["raw"][key]
        print(
            f"{'PalmCity ' + key:<28}{palm['bookings_per_second']:>10,.0f}{palm['vs_raw']:>8.0%}"
            f"{palm['p50_ms']:>9.2f}{palm['p99_ms']:>9.2f}{palm['sold_in_database']['appointments']:>6}"
            f"{palm['server_cpu_ms_per_request']:>12.2f}  {palm['statuses']}"
        )
        print(
            f"{'raw asyncpg ' + key:<28}{raw['bookings_per_second']:>10,.0f}{'100%':>8}"
            f"{raw['p50_ms']:>9.2f}{raw['p99_ms']:>9.2f}{raw['sold_in_database']['reservations']:>6}"
            f"{'':>12}  booked {raw['booked']}, full {raw['full']}"
        )
    reads = r["reads"]
    print(
        f"\n{'availability read':<28}{reads['requests_per_second']:>10,.0f} req/s, bare "
        f"{reads['bare_beside_requests_per_second']:,.0f} req/s: {reads['requests_per_second_vs_bare']:.0%}; "
        f"p50 {reads['p50_ms']:.2f} ms, p99 {reads['p99_ms']:.2f} ms"
    )
    run.print_footer(report)


if __name__ == "__main__":
    raise SystemExit(main())
