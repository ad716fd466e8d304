"""``python bench/scanning.py``: QR credential scans per second, verify-only and verify-plus-action,
beside bare Sanic in the same run.

Same method as ``bench/catalog.py`` and ``bench/booking.py`` (whose helpers in ``bench/run.py`` and
``bench/postgres.py`` it reuses): one bare Sanic process (``bench/bare_app.py``) stays up for the
whole run, one PalmCity process per backend, each a single Sanic process pinned to CPU 0, the load
generator pinned to CPU 1; a bare round runs before each of PalmCity's rounds, so both sides of a
ratio see the same machine.

* Backends: the embedded default (a fresh SQLite file, the in-process Redis and worker) and the
  production path (a fresh PostgreSQL database ``palmcity_bench_scanning`` on ``--database-url``,
  dropped afterwards, and a real Redis, the bench's keys deleted afterwards). Both migrated with
  ``python -m server.cli migrate`` and loaded with ``python -m server.cli seed-demo``: the hospital
  site QY-PEOPLE, its triage desk ``clinic.qy`` (allowed health cards there) and the verified demo
  residents ``alice`` (L3) and ``chen`` (L4).
* Through the API, as the apps do it: the residents log in (``POST /api/v1/auth/wechat/login``)
  and are issued a health card each (``POST /api/v1/health-cards``); the desk logs in
  (``POST /api/v1/staff/auth/login``) and registers a scanner device at QY-PEOPLE.
* Rate limits raised to 10⁹/min through ``PALMCITY_RATE_LIMIT_*`` (every request comes from
  127.0.0.1 and one staff account); the limiter still runs on every request.
* Verify only: ``POST /api/v1/staff/credentials/verify`` (signature, expiry, the subject's state,
  the desk's allowed kinds), repeatable with one code; each round cycles over ``--verify-codes``
  fresh dynamic codes minted just before it (``GET /api/v1/credentials/health_card/{id}``).
* Verify and act: ``POST /api/v1/staff/scans`` with ``purpose: register`` (the device, the code,
  the kind, a Redis ``SET NX`` on the nonce, then the scan row, the card's use, its report job in
  the outbox and the audit record in one transaction). A dynamic code is single-use, so each scan
  gets its own: the round's codes are minted just before it (valid 90 s), alternating between the
  two cards. After every round the database must hold exactly one card use, one admitted scan row
  and one ``scan.admitted`` audit record per ``200``.
* Load: ``bench/http_post.py`` (keep-alive, the next request as soon as the answer is complete)
  with ``--clients`` connections for PalmCity and for bare Sanic's ``GET /json`` alike, so the
  generator's cost per request is the same on both sides. Requests/s, p50/p99, the server's own
  CPU per request; the median of ``--rounds`` rounds.
* In this process: Ed25519 verification and token decoding timed on their own, so the reader sees
  how much of a verify is cryptography.

Goals (issue 6): verify-only ≥ 40 % of bare Sanic's requests/s; p99 < 50 ms at 50 clients. Results
in ``var/bench/scanning.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # type: ignore[import-untyped]  # noqa: E402

from bench import http_post, postgres, run  # noqa: E402  (run: servers, pinning; http_post: the load)

VERIFY_RATIO_GOAL = 0.40
P99_GOAL_MS = 50.0
DEFAULT_DATABASE = "palmcity_bench_scanning"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
RESIDENTS = ("alice", "chen")  # server/demo: verified residents (L3 and L4)
STAFF_USERNAME = "clinic.qy"  # server/demo: scans health cards and appointment passes at QY-PEOPLE
SITE = "QY-PEOPLE"
VERIFY_PATH = "/api/v1/staff/credentials/verify"
SCAN_PATH = "/api/v1/staff/scans"
MINT_CONCURRENCY = 16


@dataclass(frozen=True)
class Prepared:
    """What the scans need: the desk's bearer header, its device, the residents and their cards."""

    staff: tuple[tuple[str, str], ...]
    device: str
    holders: tuple[tuple[str, int], ...]  # (resident's access token, their card id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/scanning.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round, fewer requests")
    postgres.add_backend_arguments(
        parser,
        database=DEFAULT_DATABASE,
        redis_url=DEFAULT_REDIS,
        backends_help="embedded (SQLite, in-process Redis), postgres (PostgreSQL and a real Redis), or both",
    )
    parser.add_argument("--clients", type=int, default=50, help="keep-alive connections")
    parser.add_argument("--verify-requests", type=int, default=10_000, help="verifies per round")
    parser.add_argument("--verify-warmup", type=int, default=1_000)
    parser.add_argument("--verify-codes", type=int, default=20, help="codes a verify round cycles over")
    parser.add_argument("--scans", type=int, default=1_000, help="scans per round, one fresh code each")
    parser.add_argument("--scan-warmup", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds; the median is kept")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time cap of one round")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "scanning.json")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.verify_requests, args.verify_warmup = 1, 3_000, 300
        args.scans, args.scan_warmup = 500, 100
    backends = postgres.chosen_backends(parser, args)

    started = run.start()
    results: dict[str, Any] = {"crypto": _crypto()}
    try:
        results |= run.backends_beside_bare(
            "palmcity-bench-scanning-",
            backends,
            lambda bare: _bare_round(bare, args.verify_warmup, args),  # the bare server's warm-up
            lambda backend, bare, workdir: _backend(backend, bare, workdir, args),
        )
    except postgres.FAILURES as exc:
        return postgres.failed(exc)

    report = _report(results, args, started.pinned, backends)
    run.write_report(report, started, args.out, lambda: _print(report, backends))
    return run.exit_status(report, args.strict)


# -- one backend -------------------------------------------------------------------------------------


def _backend(backend: str, bare: run.Server, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    folder = workdir / backend
    folder.mkdir()
    with postgres.backend_env(backend, folder, args.database_url, args.database_name, args.redis_url) as env:
        database_url = env["PALMCITY_DATABASE_URL"]
        run._migrate(env, folder / "migrate.log")
        run.run_cli("seed-demo", env, folder / "seed.log")
        with run._server("server.main:create_app", env, folder / "palmcity.log") as palm:
            prepared = postgres.run_loop(_prepare(palm.port))
            print(f"{backend}: verify only", flush=True)
            verify = _verify_rounds(palm, bare, prepared, args)
            print(f"{backend}: verify and act (scans)", flush=True)
            scans = _scan_rounds(palm, bare, prepared, database_url, args)
            totals = _counts(database_url)
    admitted = scans.pop("admitted_all_rounds")
    return {
        "palmcity": "SQLite, in-process Redis and worker (embedded default)"
        if backend == "embedded"
        else "PostgreSQL (Tortoise's asyncpg pool), a real Redis",
        "verify": verify,
        "scan": scans,
        # Warm-up included: every 200 of the whole run against the database at the end.
        "totals": {"scans_answered_200": admitted, **totals},
    }


async def _prepare(port: int) -> Prepared:
    """Log the demo residents in and issue their health cards; log the desk in, register a device."""
    import aiohttp

    from server.demo import DEMO_STAFF_PASSWORD

    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:

        async def call(method: str, path: str, expected: int, token: str | None = None, **kw: Any) -> Any:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            async with session.request(method, path, headers=headers, **kw) as r:
                if r.status != expected:
                    raise run.BenchError(f"{method} {path} answered {r.status}: {(await r.text())[:300]}")
                return await r.json()

        holders = []
        for name in RESIDENTS:
            login = await call("POST", "/api/v1/auth/wechat/login", 200, json={"code": f"dev:{name}"})
            token = login["access_token"]
            card = await call("POST", "/api/v1/health-cards", 201, token, json={})
            holders.append((token, int(card["id"])))
        staff = await call(
            "POST",
            "/api/v1/staff/auth/login",
            200,
            json={"username": STAFF_USERNAME, "password": DEMO_STAFF_PASSWORD},
        )
        staff_token = staff["access_token"]
        device = await call(
            "POST", "/api/v1/staff/scanner-devices", 201, staff_token, json={"site": SITE, "name": "bench"}
        )
    return Prepared((("Authorization", f"Bearer {staff_token}"),), str(device["code"]), tuple(holders))


async def _mint(port: int, prepared: Prepared, count: int) -> tuple[list[str], float]:
    """``count`` fresh dynamic codes, alternating between the cards, as the resident's app fetches
    them; and the seconds minting took."""
    import aiohttp

    tokens: list[str] = [""] * count
    limit = asyncio.Semaphore(MINT_CONCURRENCY)
    started = time.perf_counter()
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:

        async def one(n: int) -> None:
            token, card_id = prepared.holders[n % len(prepared.holders)]
            async with (
                limit,
                session.get(
                    f"/api/v1/credentials/health_card/{card_id}", headers={"Authorization": f"Bearer {token}"}
                ) as r,
            ):
                if r.status != 200:
                    raise run.BenchError(f"minting answered {r.status}: {(await r.text())[:300]}")
                tokens[n] = (await r.json())["token"]

        await asyncio.gather(*(one(n) for n in range(count)))
    return tokens, time.perf_counter() - started


# -- rounds ----------------------------------------------------------------------------------------


def _drive(port: int, requests: list[http_post.Request], args: argparse.Namespace) -> http_post.Result:
    return postgres.run_loop(
        http_post.run(port, requests, connections=args.clients, max_seconds=args.max_seconds)
    )


def _bare_round(bare: run.Server, count: int, args: argparse.Namespace) -> tuple[float, float]:
    """Bare Sanic's ``GET /json`` through the same generator: its requests/s and CPU ms per request."""
    cpu_before = postgres.cpu_seconds(bare.process.pid)
    answered = _drive(bare.port, [http_post.Request("GET", run.BARE.path)] * count, args)
    cpu = postgres.cpu_seconds(bare.process.pid) - cpu_before
    if answered.broken or any(a.status != 200 for a in answered.answers):
        raise run.BenchError(f"bare Sanic: {answered.statuses()}")
    rps = len(answered.answers) / answered.elapsed if answered.elapsed else 0.0
    return rps, 1000 * cpu / max(len(answered.answers), 1)


def _figures(result: http_post.Result, server_cpu: float) -> dict[str, Any]:
    answered = len(result.answers)
    return {
        "answered": answered,
        "ok_200": sum(1 for a in result.answers if a.status == 200),
        "statuses": result.statuses(),
        "broken_connections": result.broken,
        "requests_per_second": round(answered / result.elapsed, 1) if result.elapsed else 0.0,
        "p50_ms": round(result.percentile(50) * 1000, 2),
        "p90_ms": round(result.percentile(90) * 1000, 2),
        "p99_ms": round(result.percentile(99) * 1000, 2),
        "max_ms": round(max((a.latency for a in result.answers), default=0.0) * 1000, 2),
        "seconds": round(result.elapsed, 3),
        # The server's own CPU per request: steadier than requests/s on a busy machine.
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(answered, 1), 3),
        "server_cpu_percent": round(100 * server_cpu / result.elapsed, 1) if result.elapsed else None,
        "generator_cpu_percent": round(100 * result.client_cpu / result.elapsed, 1)
        if result.elapsed
        else None,
        "timed_out": result.timed_out,
    }


def _measured(
    palm: run.Server, requests: list[http_post.Request], args: argparse.Namespace
) -> dict[str, Any]:
    cpu_before = postgres.cpu_seconds(palm.process.pid)
    result = _drive(palm.port, requests, args)
    return _figures(result, postgres.cpu_seconds(palm.process.pid) - cpu_before)


def _verify_requests(tokens: list[str], prepared: Prepared, count: int) -> list[http_post.Request]:
    bodies = [json.dumps({"code": t}).encode() for t in tokens]
    return [
        http_post.Request("POST", VERIFY_PATH, bodies[n % len(bodies)], prepared.staff) for n in range(count)
    ]


def _verify_rounds(
    palm: run.Server, bare: run.Server, prepared: Prepared, args: argparse.Namespace
) -> dict[str, Any]:
    tokens, _ = postgres.run_loop(_mint(palm.port, prepared, args.verify_codes))
    warm = _measured(palm, _verify_requests(tokens, prepared, args.verify_warmup), args)
    if warm["ok_200"] != warm["answered"] or warm["broken_connections"]:
        raise run.BenchError(f"verify warm-up: {warm['statuses']}; see {palm.log}")
    rounds = []
    for number in range(args.rounds):
        beside, bare_cpu = _bare_round(bare, args.verify_requests, args)
        tokens, _ = postgres.run_loop(_mint(palm.port, prepared, args.verify_codes))  # fresh: 90 s each
        figures = _measured(palm, _verify_requests(tokens, prepared, args.verify_requests), args)
        figures["bare_requests_per_second"] = round(beside, 1)
        figures["bare_server_cpu_ms_per_request"] = round(bare_cpu, 3)
        rounds.append(figures)
        print(
            f"  round {number + 1}/{args.rounds}: {figures['requests_per_second']:,.0f} req/s "
            f"(bare {beside:,.0f}), p99 {figures['p99_ms']:.1f} ms, {figures['statuses']}",
            flush=True,
        )
    return _median(rounds)


def _scan_requests(tokens: list[str], prepared: Prepared) -> list[http_post.Request]:
    return [
        http_post.Request(
            "POST",
            SCAN_PATH,
            json.dumps({"device": prepared.device, "code": t, "purpose": "register"}).encode(),
            prepared.staff,
        )
        for t in tokens
    ]


def _scan_rounds(
    palm: run.Server, bare: run.Server, prepared: Prepared, database_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    tokens, _ = postgres.run_loop(_mint(palm.port, prepared, args.scan_warmup))
    warm = _measured(palm, _scan_requests(tokens, prepared), args)
    if warm["ok_200"] != warm["answered"] or warm["broken_connections"]:
        raise run.BenchError(f"scan warm-up: {warm['statuses']}; see {palm.log}")
    admitted = warm["ok_200"]
    rounds = []
    for number in range(args.rounds):
        beside, bare_cpu = _bare_round(bare, args.verify_requests, args)
        tokens, mint_seconds = postgres.run_loop(_mint(palm.port, prepared, args.scans))
        before = _counts(database_url)
        figures = _measured(palm, _scan_requests(tokens, prepared), args)
        after = _counts(database_url)
        admitted += figures["ok_200"]
        recorded = {name: after[name] - before[name] for name in after}
        figures["recorded"] = recorded
        figures["recorded_exactly"] = all(v == figures["ok_200"] for v in recorded.values())
        figures["mint_seconds"] = round(mint_seconds, 2)
        figures["bare_requests_per_second"] = round(beside, 1)
        figures["bare_server_cpu_ms_per_request"] = round(bare_cpu, 3)
        rounds.append(figures)
        print(
            f"  round {number + 1}/{args.rounds}: {figures['requests_per_second']:,.0f} scans/s "
            f"(bare {beside:,.0f}), p99 {figures['p99_ms']:.1f} ms, {figures['statuses']}, "
            f"recorded {recorded} (codes minted in {mint_seconds:.1f} s)",
            flush=True,
        )
    chosen = _median(rounds)
    chosen["rounds_recorded_exactly"] = [r["recorded_exactly"] for r in rounds]
    chosen["admitted_all_rounds"] = admitted
    return chosen


def _median(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    chosen = dict(sorted(rounds, key=lambda r: r["requests_per_second"])[len(rounds) // 2])
    bare = statistics.median(r["bare_requests_per_second"] for r in rounds)
    chosen["bare_beside_requests_per_second"] = round(bare, 1)
    chosen["requests_per_second_vs_bare"] = round(chosen["requests_per_second"] / bare, 3) if bare else None
    # The same ratio from the servers' own CPU per request: what each request costs, whatever share
    # of CPU 0 the rest of the machine left the server during the round.
    bare_cpu = statistics.median(r["bare_server_cpu_ms_per_request"] for r in rounds)
    cpu = statistics.median(r["server_cpu_ms_per_request"] for r in rounds)
    chosen["bare_beside_server_cpu_ms_per_request"] = round(bare_cpu, 3)
    chosen["median_server_cpu_ms_per_request"] = round(cpu, 3)
    chosen["cpu_vs_bare"] = round(bare_cpu / cpu, 3) if cpu else None
    chosen["rounds_requests_per_second"] = [r["requests_per_second"] for r in rounds]
    chosen["rounds_bare_requests_per_second"] = [r["bare_requests_per_second"] for r in rounds]
    chosen["rounds_p99_ms"] = [r["p99_ms"] for r in rounds]
    chosen["rounds_server_cpu_ms_per_request"] = [r["server_cpu_ms_per_request"] for r in rounds]
    return chosen


# -- what the database recorded ------------------------------------------------------------------------

_COUNTS = {
    "card_uses": "SELECT count(*) FROM health_card_use",
    "admitted_scans": "SELECT count(*) FROM scan WHERE outcome = 'admitted'",
    "audited": "SELECT count(*) FROM audit_record WHERE action = 'scan.admitted'",
}


def _counts(database_url: str) -> dict[str, int]:
    if database_url.startswith("sqlite://"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite://"), timeout=30)
        try:
            return {name: int(connection.execute(query).fetchone()[0]) for name, query in _COUNTS.items()}
        finally:
            connection.close()
    return asyncio.run(_pg_counts(postgres.without_query(database_url)))


async def _pg_counts(dsn: str) -> dict[str, int]:
    connection = await asyncpg.connect(dsn)
    try:
        return {name: int(await connection.fetchval(query)) for name, query in _COUNTS.items()}
    finally:
        await connection.close()


# -- cryptography alone, in this process -------------------------------------------------------------


def _crypto(iterations: int = 5_000) -> dict[str, Any]:
    """Microseconds per Ed25519 verification and per token decode (parse + verify), one core."""
    from domain.credentials import qr
    from domain.credentials import token as wire
    from domain.credentials.kinds import Kind
    from domain.shared.signing import KeyRing

    ring = KeyRing({"bench": os.urandom(32)}, "bench")
    now = int(time.time())
    claims = wire.Claims(Kind.HEALTH_CARD, "ABCDEFGHJKLMNPQR", now, now + 90, os.urandom(10), "bench")
    token = wire.encode(claims, ring)
    _, body, signature = wire.parse(token)

    def each(work: Any, times: int = iterations) -> float:
        started = time.perf_counter()
        for _ in range(times):
            work()
        return round(1e6 * (time.perf_counter() - started) / times, 1)

    figures: dict[str, Any] = {
        "ed25519_verify_us": each(lambda: ring.verify_raw(body, "bench", signature)),
        "token_decode_us": each(lambda: wire.decode(token, ring)),
        "token_mint_us": each(lambda: wire.encode(claims, ring)),
        "token_chars": len(token),
    }
    # What the resident's GET of a code adds to the minting: the QR's version and its SVG (segno).
    figures["qr_version_and_svg_ms"] = round(
        each(lambda: (qr.version_of(token), qr.svg(token)), 20) / 1000, 1
    )
    figures["qr_encode_ms"] = round(each(lambda: qr.make(token), 20) / 1000, 1)
    return figures


# -- report ----------------------------------------------------------------------------------------


def _report(
    results: dict[str, Any], args: argparse.Namespace, pinned: bool, backends: list[str]
) -> dict[str, Any]:
    goals: dict[str, Any] = {}
    for backend in backends:
        verify, scan, totals = (results[backend][k] for k in ("verify", "scan", "totals"))
        goals[f"{backend}_verify_vs_bare"] = {
            "target": f"verify >= {VERIFY_RATIO_GOAL:.0%} of bare Sanic requests/s",
            "value": verify["requests_per_second_vs_bare"],
            "met": (verify["requests_per_second_vs_bare"] or 0) >= VERIFY_RATIO_GOAL,
        }
        for key, figures in (("verify", verify), ("scan", scan)):
            goals[f"{backend}_{key}_p99"] = {
                "target": f"{key} p99 < {P99_GOAL_MS:.0f} ms at {args.clients} clients",
                "value": figures["p99_ms"],
                "met": figures["p99_ms"] < P99_GOAL_MS,
            }
        exact = all(scan["rounds_recorded_exactly"]) and all(
            totals[k] == totals["scans_answered_200"] for k in ("card_uses", "admitted_scans", "audited")
        )
        goals[f"{backend}_uses_recorded_exactly"] = {
            "target": "one card use, one admitted scan, one audit record per 200 (every round, and in all)",
            "value": totals,
            "met": exact,
        }
    return {
        "bench": "scanning",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "sanic": run._version("sanic"), "pinned": pinned},
        "settings": {
            "clients": args.clients,
            "verify_requests_per_round": args.verify_requests,
            "verify_warmup": args.verify_warmup,
            "verify_codes": args.verify_codes,
            "scans_per_round": args.scans,
            "scan_warmup": args.scan_warmup,
            "rounds": args.rounds,
            "backends": backends,
            "server": "one Sanic process (--single-process), access logs off, sandbox platforms, JSON "
            "logs, rate limits raised to 1e9/min through PALMCITY_RATE_LIMIT_* (the limiter still runs)",
        },
        "results": results,
        "goals": goals,
        "caveats": [
            "The load generator (Python) runs on the same 2-core machine, pinned to the other CPU; "
            "PostgreSQL and Redis are not pinned and share both cores.",
            "'bare' is the median of the bare-Sanic rounds run just before each of PalmCity's rounds, "
            "through the same generator (GET /json).",
            "CPU ms/req: the server process's user + system CPU during a round ÷ its requests "
            "(PostgreSQL's and Redis's CPU not included); 'cpu_vs_bare' is bare's ÷ PalmCity's, "
            "steadier than requests/s when the machine is shared.",
        ],
    }


def _print(report: dict[str, Any], backends: list[str]) -> None:
    s, r = report["settings"], report["results"]
    print(
        f"\nPalmCity scanning bench — {s['clients']} clients; verify {s['verify_requests_per_round']:,} "
        f"requests a round over {s['verify_codes']} codes, scans {s['scans_per_round']:,} a round (one "
        f"fresh code each); median of {s['rounds']} rounds"
    )
    columns = [("backend / target", 30), ("req/s", 8), ("bare", 8), ("vs bare", 9), ("p50 ms", 8)]
    columns += [("p99 ms", 8), ("CPU ms/req", 11), ("bare", 7), ("by CPU", 8), ("gen CPU", 9)]
    header = "".join(f"{n:<{w}}" if n.startswith("backend") else f"{n:>{w}}" for n, w in columns)
    header += "  statuses"
    print("\n" + header)
    print("-" * (len(header) + 12))
    for backend in backends:
        for key, label in (("verify", "verify only"), ("scan", "verify + act (scan)")):
            f = r[backend][key]
            print(
                f"{backend + ' ' + label:<30}{f['requests_per_second']:>8,.0f}"
                f"{f['bare_beside_requests_per_second']:>8,.0f}{f['requests_per_second_vs_bare']:>9.0%}"
                f"{f['p50_ms']:>8.2f}{f['p99_ms']:>8.2f}{f['median_server_cpu_ms_per_request']:>11.3f}"
                f"{f['bare_beside_server_cpu_ms_per_request']:>7.3f}{f['cpu_vs_bare']:>8.0%}"
                f"{f['generator_cpu_percent']:>8.0f}%  {f['statuses']}"
            )
    c = r["crypto"]
    print(
        f"\nin-process, one core: Ed25519 verify {c['ed25519_verify_us']:.0f} µs, token decode "
        f"(parse + verify) {c['token_decode_us']:.0f} µs, mint {c['token_mint_us']:.0f} µs; the QR a "
        f"code's GET renders: {c['qr_version_and_svg_ms']:.1f} ms "
        f"(one QR encoding {c['qr_encode_ms']:.1f} ms)"
    )
    print(
        "'bare': the median of the bare-Sanic rounds run just before PalmCity's; 'by CPU': bare's CPU "
        "ms/req ÷ PalmCity's, the same ratio from what each request cost the server"
    )
    run.print_footer(report, lambda name, value: f"{value:.0%}" if name.endswith("vs_bare") else value)


if __name__ == "__main__":
    raise SystemExit(main())
