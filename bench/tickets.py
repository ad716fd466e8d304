"""``python bench/tickets.py``: the scenic-spot flash sale and gate admission, beside bare Sanic in
the same run (issue 13).

Same method as ``bench/scanning.py`` (whose rounds, figures and medians it reuses) and
``bench/booking.py``: one bare Sanic process (``bench/bare_app.py``) stays up for the whole run, one
PalmCity process per backend, each a single Sanic process pinned to CPU 0, the load generator
(``bench/http_post.py``: keep-alive, a body and a bearer token per request) pinned to CPU 1; a bare
round (``GET /json``, same generator, same number of clients) runs just before each PalmCity round,
so both sides of a ratio see the same machine.

* Backends: the embedded default (a fresh SQLite file, the in-process Redis and worker) and the
  production path (a fresh PostgreSQL database ``palmcity_bench_tickets`` on ``--database-url``,
  dropped afterwards, and a Redis server, the bench's keys deleted afterwards). Both migrated with
  ``python -m server.cli migrate``; spots and the gate's staff account seeded through the domain
  (``bench/tickets_setup.py``).
* Residents: ``--residents`` (200) sandbox logins (``POST /api/v1/auth/wechat/login``), each
  verified to L3 through the sandbox identity pages as the app does it (the orders route serves
  verified residents only). Rate limits raised to 10⁹/min through ``PALMCITY_RATE_LIMIT_*`` (every
  request comes from 127.0.0.1); the limiter still runs.
* **The flash sale**, per round on a fresh spot: its one slot tomorrow and its day both allow
  exactly ``--tickets`` (500) under the 75 % policy cap (published maximum 667, no walk-in share),
  priced ``--price-fen`` (a winner holds its place and gets a payment order, as online). 200
  clients send ``--attempts`` (5,000) ``POST /api/v1/tourism/orders``, each for one companion
  named by a distinct valid ID number (5,000 different people: one person, one ticket per spot and
  day), from the 200 residents in turn, each with its own ``Idempotency-Key`` as the app sends.
  Read back from the database afterwards: live tickets, the day's and the slot's counters, live
  reservations, payment orders, all exactly ``--tickets``. Reported: statuses (no 5xx, no broken
  connection, no time-out), winners' p50/p99, the losers' rate (refusals answered per second, over
  the whole sale and over the refusal span), beside bare Sanic's rate.
* **Gate admission** on a free spot (tickets confirmed at once) for today, its tickets bought
  through the same route before the rounds: by the ticket's dynamic QR through the scanning route
  (``POST /api/v1/staff/scans``; each code minted by its owner through
  ``GET /api/v1/tourism/tickets/{id}/credential`` just before the round: codes are single-use) and
  by ID number (``POST /api/v1/staff/tourism/spots/{code}/admissions``), ``--gate-clients`` (50)
  clients. After every round ``inside``, tickets used and (QR) admitted scan rows must each have
  grown by the ``200``s. A route not served yet is skipped and said so (its strand may not have
  landed); ``/entries`` (a counted entry with no ticket) is measured beside them.

Goals (issue 13): every attempt answered, exactly 500 sold, losers answered at ≥ 50 % of bare
Sanic's rate; winners' p99 and admissions per second reported with the count exact. Results in
``var/bench/tickets.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench import booking, http_post, postgres, run, scanning  # noqa: E402
from bench import tickets_setup as setup  # noqa: E402

LOSERS_RATIO_GOAL = 0.50
DEFAULT_DATABASE = "palmcity_bench_tickets"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
GATE_MODES = ("qr", "id", "entries")
ORDERS_PATH = "/api/v1/tourism/orders"
SCAN_PATH = "/api/v1/staff/scans"
CREDENTIAL_ROUTE = "/api/v1/tourism/tickets/{id}/credential"
ADMISSIONS_ROUTE = "/api/v1/staff/tourism/spots/{code}/admissions"
ENTRIES_ROUTE = "/api/v1/staff/tourism/spots/{code}/entries"
WARM_TICKETS = 50


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/tickets.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of each, fewer admissions")
    postgres.add_backend_arguments(
        parser,
        database=DEFAULT_DATABASE,
        redis_url=DEFAULT_REDIS,
        backends_help="embedded, postgres, or both",
    )
    parser.add_argument("--clients", type=int, default=200, help="keep-alive connections in the sale")
    parser.add_argument("--attempts", type=int, default=5_000, help="orders sent in one sale")
    parser.add_argument("--tickets", type=int, default=500, help="what the slot and the day allow")
    parser.add_argument("--residents", type=int, default=200, help="verified residents ordering")
    parser.add_argument("--price-fen", type=int, default=6_000, help="the flash spot's full price")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds; the median is kept")
    parser.add_argument("--gate-clients", type=int, default=50, help="keep-alive connections at the gate")
    parser.add_argument("--admissions", type=int, default=500, help="admissions per gate round")
    parser.add_argument("--gate-warmup", type=int, default=100)
    parser.add_argument("--gate-modes", default=",".join(GATE_MODES), help="qr, id, entries")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="time cap of one round")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "tickets.json")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument(
        "--keep-logs", type=Path, default=None, help="copy each server's log into this folder"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.admissions, args.gate_warmup = 1, 300, 50
    backends = postgres.chosen_backends(parser, args)
    args.gate_modes = [m.strip() for m in args.gate_modes.split(",") if m.strip()]
    if any(m not in GATE_MODES for m in args.gate_modes):
        parser.error(f"--gate-modes: one or more of {', '.join(GATE_MODES)}")

    started = run.start()
    try:
        results = run.backends_beside_bare(
            "palmcity-bench-tickets-",
            backends,
            lambda bare: scanning._bare_round(bare, 1_000, args),  # the bare server's warm-up
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
        # A backend's run outlasts the access tokens' 15 (staff: 10) minutes on a busy machine: the
        # residents and the gate log in once, as a real app would refresh instead.
        env["PALMCITY_ACCESS_TOKEN_TTL_SECONDS"] = env["PALMCITY_STAFF_ACCESS_TOKEN_TTL_SECONDS"] = "7200"
        sale, gates = _backend_rounds(backend, bare, folder, env, args)
    return {
        "palmcity": "SQLite, in-process Redis and worker (embedded default)"
        if backend == "embedded"
        else "PostgreSQL (Tortoise's asyncpg pool), a Redis server",
        "sale": sale,
        "gate": gates,
    }


def _backend_rounds(
    backend: str, bare: run.Server, folder: Path, env: dict[str, str], args: argparse.Namespace
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One backend's run in ``env``: migrate, seed, start PalmCity, the sale and the gate rounds (the
    server's log kept on ``--keep-logs``)."""
    database_url = env["PALMCITY_DATABASE_URL"]
    try:
        run._migrate(env, folder / "migrate.log")
        flash, warm, gate = setup.seed_apart(
            database_url,
            flash_codes=[f"BENCH-FLASH-{n + 1}" for n in range(args.rounds)],
            tickets=args.tickets,
            warm_tickets=WARM_TICKETS,
            price_fen=args.price_fen,
        )
        with run._server("server.main:create_app", env, folder / "palmcity.log") as palm:
            served = postgres.run_loop(setup.routes(palm.port))
            tokens = postgres.run_loop(booking._login_all(palm.port, args.residents))
            postgres.run_loop(setup.verify_all(palm.port, tokens))
            print(f"{backend}: {len(tokens)} residents verified", flush=True)
            if _served(served, ORDERS_PATH):
                sale = _sale_rounds(palm, bare, tokens, flash, warm, database_url, args)
            else:
                sale = {"skipped": f"not served yet: {ORDERS_PATH}"}
            gates = _gate(palm, bare, tokens, gate, served, database_url, args)
    finally:
        if args.keep_logs is not None:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                shutil.copy(folder / "palmcity.log", args.keep_logs / f"tickets-{backend}.log")
    return sale, gates


# -- the flash sale ----------------------------------------------------------------------------------


def _order_requests(spot: setup.SpotRef, tokens: list[str], attempts: int) -> list[http_post.Request]:
    """One order per attempt, each for a different person, from the residents in turn."""
    return [
        http_post.Request(
            "POST",
            ORDERS_PATH,
            json.dumps(
                {"spot": spot.code, "slot_id": spot.slot_id, "visitors": [setup.companion(n)]}
            ).encode(),
            (("Authorization", f"Bearer {tokens[n % len(tokens)]}"), ("Idempotency-Key", str(uuid.uuid4()))),
        )
        for n in range(attempts)
    ]


def _sale(
    palm: run.Server, spot: setup.SpotRef, tokens: list[str], attempts: int, clients: int, limit: float
) -> tuple[http_post.Result, float]:
    requests = _order_requests(spot, tokens, attempts)  # built before the clock starts
    cpu_before = postgres.cpu_seconds(palm.process.pid)
    result = postgres.run_loop(http_post.run(palm.port, requests, connections=clients, max_seconds=limit))
    return result, postgres.cpu_seconds(palm.process.pid) - cpu_before


def _ms(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 2)


def _sale_figures(result: http_post.Result, server_cpu: float, tickets: int) -> dict[str, Any]:
    answers = result.answers
    won = [a for a in answers if a.status == 201]
    lost = [a for a in answers if 400 <= a.status < 500]
    failed = [a for a in answers if a.status >= 500]
    wins_done = sorted(a.done_at for a in won)
    sold_out_at = wins_done[tickets - 1] if len(wins_done) >= tickets else None
    # The refusal span: from the first refusal answered to the last. Once the places are promised
    # (the Redis gate counts holds in flight) every new attempt is a loser, while the winners'
    # transactions are still committing beside them: this is what a crowd at a sold-out sale gets.
    refused_done = sorted(a.done_at for a in lost)
    span = refused_done[-1] - refused_done[0] if len(refused_done) > 1 else 0.0
    return {
        "answered": len(answers),
        "won_201": len(won),
        "refused_4xx": len(lost),
        "failed_5xx": len(failed),
        "statuses": result.statuses(),
        "broken_connections": result.broken,
        "timed_out": result.timed_out,
        "seconds": round(result.elapsed, 3),
        "seconds_until_sold_out": round(sold_out_at - result.started, 3) if sold_out_at else None,
        "sold_per_second": round(tickets / (sold_out_at - result.started), 1) if sold_out_at else 0.0,
        "winners_p50_ms": _ms([a.latency for a in won], 50),
        "winners_p99_ms": _ms([a.latency for a in won], 99),
        "losers_p50_ms": _ms([a.latency for a in lost], 50),
        "losers_p99_ms": _ms([a.latency for a in lost], 99),
        "losers_per_second_whole_sale": round(len(lost) / result.elapsed, 1) if result.elapsed else 0.0,
        "refusal_span_seconds": round(span, 3),
        "losers_per_second": round((len(lost) - 1) / span, 1) if span else 0.0,
        "answers_per_second": round(len(answers) / result.elapsed, 1) if result.elapsed else 0.0,
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(len(answers), 1), 3),
        "server_cpu_percent": round(100 * server_cpu / result.elapsed, 1) if result.elapsed else None,
        "generator_cpu_percent": round(100 * result.client_cpu / result.elapsed, 1)
        if result.elapsed
        else None,
    }


def _sale_rounds(
    palm: run.Server,
    bare: run.Server,
    tokens: list[str],
    flash: list[setup.SpotRef],
    warm: setup.SpotRef,
    database_url: str,
    args: argparse.Namespace,
) -> dict[str, Any]:
    # Warm-up on a spot of its own: the first statements of each kind are prepared here.
    warmed, _ = _sale(palm, warm, tokens, WARM_TICKETS * 4, args.clients, args.max_seconds)
    if warmed.broken or sum(1 for a in warmed.answers if a.status == 201) != WARM_TICKETS:
        raise run.BenchError(f"sale warm-up: {warmed.statuses()}; see {palm.log}")
    rounds = []
    for number, spot in enumerate(flash):
        beside, bare_cpu = scanning._bare_round(bare, args.attempts, args)
        result, server_cpu = _sale(palm, spot, tokens, args.attempts, args.clients, args.max_seconds)
        figures = _sale_figures(result, server_cpu, args.tickets)
        figures["sold_in_database"] = setup.sold(database_url, spot)
        figures["bare_requests_per_second"] = round(beside, 1)
        figures["bare_server_cpu_ms_per_request"] = round(bare_cpu, 3)
        figures["losers_vs_bare"] = round(figures["losers_per_second"] / beside, 3)
        figures["losers_whole_sale_vs_bare"] = round(figures["losers_per_second_whole_sale"] / beside, 3)
        rounds.append(figures)
        print(
            f"  sale {number + 1}/{len(flash)}: {figures['statuses']}, sold out in "
            f"{figures['seconds_until_sold_out']} s, losers "
            f"{figures['losers_per_second']:,.0f}/s "
            f"over the refusal span ({figures['losers_per_second_whole_sale']:,.0f}/s whole sale; bare "
            f"{beside:,.0f}/s), winners p99 {figures['winners_p99_ms']:.0f} ms, "
            f"database {figures['sold_in_database']}",
            flush=True,
        )
    chosen = dict(sorted(rounds, key=lambda r: r["losers_per_second"])[len(rounds) // 2])
    for key in (
        "losers_per_second",
        "losers_per_second_whole_sale",
        "bare_requests_per_second",
        "losers_vs_bare",
        "winners_p99_ms",
        "server_cpu_ms_per_request",
        "statuses",
        "sold_in_database",
    ):
        chosen[f"rounds_{key}"] = [r[key] for r in rounds]
    return chosen


# -- the gate ----------------------------------------------------------------------------------------


def _shape(path: str) -> str:
    """A route's path with its parameters' names dropped: ``{id}`` and ``{ticket_id}`` alike."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _served(served: set[str], route: str) -> bool:
    return not served or _shape(route) in {_shape(p) for p in served}


def _gate(
    palm: run.Server,
    bare: run.Server,
    tokens: list[str],
    gate: setup.SpotRef,
    served: set[str],
    database_url: str,
    args: argparse.Namespace,
) -> dict[str, Any]:
    measured = argparse.Namespace(clients=args.gate_clients, max_seconds=args.max_seconds)
    staff = postgres.run_loop(setup.staff_token(palm.port))
    headers = (("Authorization", f"Bearer {staff}"),)
    per_mode = args.gate_warmup + args.rounds * args.admissions
    wanted = [m for m in args.gate_modes if m != "entries"]
    missing = {
        "qr": [r for r in (CREDENTIAL_ROUTE, SCAN_PATH) if not _served(served, r)],
        "id": [r for r in (ADMISSIONS_ROUTE,) if not _served(served, r)],
    }
    out: dict[str, Any] = {}
    for mode in list(wanted):
        if missing[mode]:
            out[mode] = {"skipped": f"not served yet: {', '.join(missing[mode])}"}
            wanted.remove(mode)
    if wanted and not _served(served, ORDERS_PATH):
        for mode in wanted:
            out[mode] = {"skipped": f"not served yet: {ORDERS_PATH} (the gate's tickets are bought there)"}
        wanted = []
    bought: dict[str, list[setup.GateTicket]] = {}
    for offset, mode in enumerate(wanted):
        first = 10_000 + offset * per_mode  # other people than the sale's (and than each other mode's)
        bought[mode] = postgres.run_loop(setup.buy_gate_tickets(palm.port, tokens, gate, per_mode, first))
        print(f"gate: {per_mode} tickets bought for {mode} admissions", flush=True)
    device = ""
    if "qr" in wanted:
        device = postgres.run_loop(setup.register_device(palm.port, staff, gate.code))
    for mode in wanted:
        print(f"gate: {mode} admissions", flush=True)
        out[mode] = _admission_rounds(
            palm, bare, mode, bought[mode], gate, device, headers, database_url, args, measured
        )
    if "entries" in args.gate_modes:
        print("gate: counted entries (no ticket)", flush=True)
        out["entries"] = _entry_rounds(palm, bare, gate, headers, database_url, args, measured)
    return out


def _admission_requests(
    palm: run.Server,
    mode: str,
    these: list[setup.GateTicket],
    gate: setup.SpotRef,
    device: str,
    headers: tuple[tuple[str, str], ...],
) -> tuple[list[http_post.Request], float]:
    if mode == "qr":
        codes, seconds = postgres.run_loop(setup.mint(palm.port, these))
        bodies = [{"device": device, "code": code} for code in codes]
        return [
            http_post.Request("POST", SCAN_PATH, json.dumps(b).encode(), headers) for b in bodies
        ], seconds
    path = ADMISSIONS_ROUTE.format(code=gate.code)
    bodies = [{"document_kind": "resident_id", "document_number": t.document_number} for t in these]
    return [http_post.Request("POST", path, json.dumps(b).encode(), headers) for b in bodies], 0.0


def _admission_rounds(
    palm: run.Server,
    bare: run.Server,
    mode: str,
    bought: list[setup.GateTicket],
    gate: setup.SpotRef,
    device: str,
    headers: tuple[tuple[str, str], ...],
    database_url: str,
    args: argparse.Namespace,
    measured: argparse.Namespace,
) -> dict[str, Any]:
    warm_requests, _ = _admission_requests(palm, mode, bought[: args.gate_warmup], gate, device, headers)
    warm = scanning._measured(palm, warm_requests, measured)
    if warm["ok_200"] != warm["answered"] or warm["broken_connections"]:
        raise run.BenchError(f"{mode} admission warm-up: {warm['statuses']}; see {palm.log}")
    rounds = []
    for number in range(args.rounds):
        start = args.gate_warmup + number * args.admissions
        these = bought[start : start + args.admissions]
        beside, bare_cpu = scanning._bare_round(bare, max(args.admissions, 1_000), measured)
        requests, mint_seconds = _admission_requests(palm, mode, these, gate, device, headers)
        before = setup.admitted(database_url, gate)
        figures = scanning._measured(palm, requests, measured)
        after = setup.admitted(database_url, gate)
        grown = {k: after[k] - before[k] for k in after}
        counted = ["inside", "entered", "tickets_used"] + (["admitted_scans"] if mode == "qr" else [])
        figures["recorded"] = grown
        figures["recorded_exactly"] = all(grown[k] == figures["ok_200"] for k in counted) and (
            mode == "qr" or grown["admitted_scans"] == 0
        )
        figures["mint_seconds"] = round(mint_seconds, 2)
        figures["bare_requests_per_second"] = round(beside, 1)
        figures["bare_server_cpu_ms_per_request"] = round(bare_cpu, 3)
        rounds.append(figures)
        print(
            f"  round {number + 1}/{args.rounds}: {figures['requests_per_second']:,.0f} admissions/s "
            f"(bare {beside:,.0f}), p99 {figures['p99_ms']:.1f} ms, {figures['statuses']}, grew {grown}",
            flush=True,
        )
    chosen = scanning._median(rounds)
    chosen["rounds_recorded_exactly"] = [r["recorded_exactly"] for r in rounds]
    chosen["totals"] = setup.admitted(database_url, gate)
    return chosen


def _entry_rounds(
    palm: run.Server,
    bare: run.Server,
    gate: setup.SpotRef,
    headers: tuple[tuple[str, str], ...],
    database_url: str,
    args: argparse.Namespace,
    measured: argparse.Namespace,
) -> dict[str, Any]:
    """The counted entry with no ticket (``/entries``, the gate's turnstile count): what admitting a
    ticket costs on top of counting a person."""
    request = http_post.Request("POST", ENTRIES_ROUTE.format(code=gate.code), b"", headers)
    scanning._measured(palm, [request] * args.gate_warmup, measured)
    rounds = []
    for _ in range(args.rounds):
        beside, bare_cpu = scanning._bare_round(bare, max(args.admissions, 1_000), measured)
        before = setup.admitted(database_url, gate)
        figures = scanning._measured(palm, [request] * args.admissions, measured)
        after = setup.admitted(database_url, gate)
        grown = {k: after[k] - before[k] for k in after}
        figures["recorded"] = grown
        figures["recorded_exactly"] = grown["inside"] == grown["entered"] == figures["ok_200"]
        figures["bare_requests_per_second"] = round(beside, 1)
        figures["bare_server_cpu_ms_per_request"] = round(bare_cpu, 3)
        rounds.append(figures)
    chosen = scanning._median(rounds)
    chosen["rounds_recorded_exactly"] = [r["recorded_exactly"] for r in rounds]
    return chosen


# -- report ----------------------------------------------------------------------------------------


def _report(
    results: dict[str, Any], args: argparse.Namespace, pinned: bool, backends: list[str]
) -> dict[str, Any]:
    goals: dict[str, Any] = {}
    for backend in backends:
        sale = results[backend]["sale"]
        if "skipped" in sale:
            goals[f"{backend}_sale"] = {
                "target": "the flash sale measured",
                "value": sale["skipped"],
                "met": False,
            }
            continue
        every = sale["rounds_statuses"]
        goals[f"{backend}_all_answered"] = {
            "target": f"every one of {args.attempts:,} attempts answered, no 5xx, no broken connection, "
            "no time-out (every round)",
            "value": every,
            "met": sale["failed_5xx"] == 0
            and all(not k.startswith("5") for s in every for k in s)
            and all(sum(s.values()) == args.attempts for s in every)
            and not sale["timed_out"]
            and not sale["broken_connections"],
        }
        goals[f"{backend}_sold_exactly"] = {
            "target": f"exactly {args.tickets} sold in every round (tickets, day and slot counters, "
            "reservations, payment orders)",
            "value": sale["rounds_sold_in_database"],
            "met": all(
                all(
                    v == args.tickets
                    for k, v in s.items()
                    if k != "orders" and (k != "payment_orders" or args.price_fen)
                )
                for s in sale["rounds_sold_in_database"]
            ),
        }
        goals[f"{backend}_losers_vs_bare"] = {
            "target": f"losers answered at >= {LOSERS_RATIO_GOAL:.0%} of bare Sanic's requests/s "
            "(over the refusal span)",
            "value": sale["losers_vs_bare"],
            "met": sale["losers_vs_bare"] >= LOSERS_RATIO_GOAL,
        }
        for mode, figures in results[backend]["gate"].items():
            if "skipped" in figures:
                continue
            goals[f"{backend}_gate_{mode}_count_exact"] = {
                "target": "inside, entered, tickets used (and admitted scans) grew by the 200s, every round",
                "value": figures["rounds_recorded_exactly"],
                "met": all(figures["rounds_recorded_exactly"]),
            }
    return {
        "bench": "tickets",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "sanic": run._version("sanic"), "pinned": pinned},
        "settings": {
            "clients": args.clients,
            "attempts": args.attempts,
            "tickets": args.tickets,
            "residents": args.residents,
            "price_fen": args.price_fen,
            "rounds": args.rounds,
            "gate_clients": args.gate_clients,
            "admissions_per_round": args.admissions,
            "gate_warmup": args.gate_warmup,
            "gate_modes": args.gate_modes,
            "backends": backends,
            "server": "one Sanic process (--single-process), access logs off, sandbox platforms, JSON "
            "logs, rate limits raised to 1e9/min through PALMCITY_RATE_LIMIT_* (the limiter still runs)",
        },
        "results": results,
        "goals": goals,
        "caveats": [
            "The load generator (Python) runs on the same 2-core machine, pinned to the other CPU; "
            "PostgreSQL and Redis are not pinned and share both cores.",
            "'bare' is bare Sanic's GET /json through the same generator with the same clients, in the "
            "round just before each PalmCity round (the median of those rounds for the gate).",
            "Losers' rate: refusals answered ÷ (last refusal answered − first refusal answered), the "
            "winners' transactions still committing beside them; 'whole sale' divides by first sent → "
            "last answered instead.",
        ],
    }


def _print(report: dict[str, Any], backends: list[str]) -> None:
    s, r = report["settings"], report["results"]
    print(
        f"\nPalmCity tickets bench — flash sale: {s['attempts']:,} attempts for {s['tickets']} tickets "
        f"from {s['clients']} clients ({s['residents']} residents, one companion each); gate: "
        f"{s['admissions_per_round']} admissions a round, {s['gate_clients']} clients; "
        f"median of {s['rounds']} rounds"
    )
    for backend in backends:
        sale = r[backend]["sale"]
        if "skipped" in sale:
            print(f"\n{backend} sale: skipped ({sale['skipped']})")
        else:
            _print_sale(backend, sale)
        for mode, f in r[backend]["gate"].items():
            if "skipped" in f:
                print(f"{backend} gate {mode}: skipped ({f['skipped']})")
                continue
            print(
                f"{backend} gate {mode}: {f['requests_per_second']:,.0f}/s (bare "
                f"{f['bare_beside_requests_per_second']:,.0f}: {f['requests_per_second_vs_bare']:.1%}), "
                f"p50 {f['p50_ms']:.1f} / p99 {f['p99_ms']:.1f} ms, "
                f"CPU {f['median_server_cpu_ms_per_request']:.2f} ms/req, {f['statuses']}, "
                f"exact {f['rounds_recorded_exactly']}"
            )
    run.print_footer(report)


def _print_sale(backend: str, sale: dict[str, Any]) -> None:
    print(
        f"\n{backend} sale: {sale['statuses']}; sold out in {sale['seconds_until_sold_out']} s "
        f"({sale['sold_per_second']:,.0f} tickets/s); winners p50 {sale['winners_p50_ms']:.0f} / p99 "
        f"{sale['winners_p99_ms']:.0f} ms; losers {sale['losers_per_second']:,.0f}/s over "
        f"the refusal span, {sale['losers_per_second_whole_sale']:,.0f}/s over the sale; bare "
        f"{sale['bare_requests_per_second']:,.0f}/s: {sale['losers_vs_bare']:.0%}; "
        f"database {sale['sold_in_database']}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
