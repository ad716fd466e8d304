"""``make bench``: PalmCity's request path against a bare Sanic app, on this machine, loopback only.

Starts two servers, one after the other, each a single Sanic process on a free 127.0.0.1 port:

* a bare Sanic app with one trivial JSON handler (``bench/bare_app.py``), the baseline;
* PalmCity (``server.main:create_app --factory``) in its embedded default — a fresh SQLite file
  migrated with ``python -m server.cli migrate``, the in-process Redis and worker, sandbox
  platforms — with one sandbox resident logged in through ``POST /api/v1/auth/wechat/login``.

and drives each with the pure-Python keep-alive load generator in ``bench/load.py``:
``GET /json`` (bare), ``GET /healthz`` and the authenticated ``GET /api/v1/me`` (PalmCity).
It prints requests/s, p50 and p99 latency and the server's RSS beside the bare-Sanic figures,
checks the targets (``/api/v1/me`` ≥ 60 % of bare Sanic's requests/s; ≤ 150 MB RSS per worker)
and writes everything to ``var/bench/foundation.json``.

Caveat: the load generator runs on the same 2-core machine. The server is pinned to CPU 0 and
the generator to CPU 1 for every target, so each target gets the same share; the generator's own
CPU use is reported, and a figure near 100 % means the generator, not the server, set the pace.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402

SERVER_CPU = 0
CLIENT_CPU = 1
ME_TARGET_RATIO = 0.60
RSS_TARGET_MB = 150.0
START_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    path: str
    authenticated: bool = False


BARE = Target("bare_json", "bare Sanic  GET /json", "/json")
HEALTHZ = Target("palmcity_healthz", "PalmCity    GET /healthz", "/healthz")
ME = Target("palmcity_me", "PalmCity    GET /api/v1/me", "/api/v1/me", authenticated=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description="PalmCity vs bare Sanic, loopback only."
    )
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--requests", type=int, default=20_000, help="requests per measured round")
    parser.add_argument("--warmup", type=int, default=2_000, help="requests before measuring, not counted")
    parser.add_argument(
        "--rounds", type=int, default=3, help="measured rounds per target; the median is kept"
    )
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time cap of one round")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "foundation.json")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--redis-url",
        default="memory://",
        help="PalmCity's Redis: the embedded default (memory://), or a real one such as "
        "redis://127.0.0.1:6379/15 to see the production path of the rate limiter and tokens "
        "(the bench's keys are deleted afterwards)",
    )
    args = parser.parse_args(argv)

    pinned = _pin_self()
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="palmcity-bench-"))
    results: dict[str, dict[str, Any]] = {}
    try:
        with _server("bench.bare_app:create_app", _bare_env(), workdir / "bare.log") as bare:
            results[BARE.key] = _measure(bare, BARE, {}, args)
        env = _palmcity_env(workdir, args.redis_url)
        _migrate(env, workdir / "migrate.log")
        with _server("server.main:create_app", env, workdir / "palmcity.log") as palm:
            token = _login(palm.port)
            results[HEALTHZ.key] = _measure(palm, HEALTHZ, {}, args)
            results[ME.key] = _measure(palm, ME, {"Authorization": f"Bearer {token}"}, args)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if args.redis_url != "memory://":
            _forget_bench_keys(args.redis_url)

    report = _report(results, args, pinned)
    # Anything else running skews the figures; the load average says how busy the machine was.
    report["machine"]["load_average_1min"] = {
        "before": round(load_before, 2),
        "after": round(os.getloadavg()[0], 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    _print_table(report)
    print(f"\nwritten: {_shown(args.out)}")
    return 1 if args.strict and not all(t["met"] for t in report["targets"].values()) else 0


class BenchError(RuntimeError):
    pass


# --- what every bench's main does first and last ---------------------------------------------------


@dataclass(frozen=True)
class Started:
    """When a bench began: whether it pinned itself to the generator's CPU, the machine's 1-minute
    load average then, and the monotonic clock (see :func:`start`)."""

    pinned: bool
    load_before: float
    at: float


def start() -> Started:
    """Pin this process to the generator's CPU and note the load average and the time: a bench's
    first step, before it starts any server."""
    pinned = _pin_self()
    return Started(pinned, os.getloadavg()[0], time.monotonic())


def write_report(report: dict[str, Any], started: Started, out: Path, show: Callable[[], None]) -> None:
    """A bench's last step: add the load average before and after (anything else running skews the
    figures) and the wall seconds to ``report``, write it to ``out`` as JSON, print it (``show``) and
    say where it was written."""
    report["load_average_1min"] = {
        "before": round(started.load_before, 2),
        "after": round(os.getloadavg()[0], 2),
    }
    report["wall_seconds"] = round(time.monotonic() - started.at, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    show()
    print(f"\nwritten: {_shown(out)}")


def backends_beside_bare(
    prefix: str,
    backends: list[str],
    warm_up: Callable[[Server], object],
    one: Callable[[str, Server, Path], dict[str, Any]],
) -> dict[str, Any]:
    """Each backend's figures (``one(backend, bare, workdir)``), measured beside one bare Sanic server
    that stays up for the whole run (``warm_up`` warms it first), in a scratch folder named after
    ``prefix`` and removed afterwards: bench/scanning.py and bench/tickets.py."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with _server("bench.bare_app:create_app", _bare_env(), workdir / "bare.log") as bare:
            warm_up(bare)
            return {backend: one(backend, bare, workdir) for backend in backends}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def exit_status(report: dict[str, Any], strict: bool) -> int:
    """1 when ``--strict`` was asked and a goal of ``report["goals"]`` is missed, else 0."""
    return 1 if strict and not all(g["met"] for g in report["goals"].values()) else 0


def print_footer(report: dict[str, Any], shown: Callable[[str, Any], object] | None = None) -> None:
    """A bench's printed footer: each goal of ``report["goals"]`` (when it has any) MET or MISS with its
    target and value (``shown(name, value)`` formats the value; as it is without), then the machine's
    load average before and after and each caveat."""
    if "goals" in report:
        print()
        for name, goal in report["goals"].items():
            value = goal["value"] if shown is None else shown(name, goal["value"])
            print(f"{'MET ' if goal['met'] else 'MISS'}  {name}: {goal['target']}: {value}")
    busy = report["load_average_1min"]
    print(f"\nmachine load average (1 min): {busy['before']} before, {busy['after']} after")
    for caveat in report["caveats"]:
        print(f"note: {caveat}")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path


@contextlib.contextmanager
def _server(factory: str, env: dict[str, str], log: Path) -> Any:
    port = _free_port()
    command = [
        *[sys.executable, "-m", "sanic", factory, "--factory"],
        *["--host", "127.0.0.1", "--port", str(port)],
        *["--single-process", "--no-motd", "--no-access-logs"],
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_pin_server
        )
    server = Server(process, port, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.send_signal(signal.SIGINT)  # Sanic's graceful stop
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _measure(
    server: Server,
    target: Target,
    headers: dict[str, str],
    args: argparse.Namespace,
    before_each_round: Callable[[], None] | None = None,
) -> dict[str, Any]:
    def once(requests: int) -> load.Result:
        return _run_async(
            load.run(
                server.port,
                target.path,
                headers=headers,
                connections=args.connections,
                requests=requests,
                max_seconds=args.max_seconds,
            )
        )

    warm = once(args.warmup)
    if warm.errors:
        raise BenchError(
            f"{target.label}: {warm.errors} errors in warm-up, statuses {warm.statuses}; see {server.log}"
        )
    rounds = []
    for _ in range(args.rounds):
        if before_each_round is not None:
            before_each_round()  # e.g. a baseline round, so both see the same machine
        rounds.append(once(args.requests))
    for r in rounds:
        if r.errors:
            raise BenchError(f"{target.label}: {r.errors} errors, statuses {r.statuses}")
    median = sorted(rounds, key=lambda r: r.rps)[len(rounds) // 2]
    rss, hwm = _memory_mb(server.process.pid)
    return {
        "label": target.label,
        "path": target.path,
        "requests_per_second": round(median.rps, 1),
        "p50_ms": round(median.percentile(50) * 1000, 3),
        "p90_ms": round(median.percentile(90) * 1000, 3),
        "p99_ms": round(median.percentile(99) * 1000, 3),
        "requests": median.requests,
        "seconds": round(median.elapsed, 3),
        "timed_out": median.timed_out,
        "rss_mb": rss,
        "peak_rss_mb": hwm,
        "generator_cpu_percent": round(100 * median.client_cpu / median.elapsed, 1)
        if median.elapsed
        else None,
        "rounds_requests_per_second": [round(r.rps, 1) for r in rounds],
        "rounds_spread_percent": _spread(rounds),
    }


def _spread(rounds: list[load.Result]) -> float | None:
    middle = statistics.median(r.rps for r in rounds)
    return (
        round(100 * (max(r.rps for r in rounds) - min(r.rps for r in rounds)) / middle, 1) if middle else None
    )


def _report(results: dict[str, dict[str, Any]], args: argparse.Namespace, pinned: bool) -> dict[str, Any]:
    bare = results[BARE.key]
    for figures in results.values():
        figures["requests_per_second_vs_bare"] = round(
            figures["requests_per_second"] / bare["requests_per_second"], 3
        )
        figures["p50_vs_bare"] = round(figures["p50_ms"] / bare["p50_ms"], 2) if bare["p50_ms"] else None
        figures["p99_vs_bare"] = round(figures["p99_ms"] / bare["p99_ms"], 2) if bare["p99_ms"] else None
        figures["rss_vs_bare"] = round(figures["rss_mb"] / bare["rss_mb"], 2) if bare["rss_mb"] else None
    me = results[ME.key]
    worst_rss = max(results[HEALTHZ.key]["peak_rss_mb"], me["peak_rss_mb"])
    return {
        "bench": "foundation",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "sanic": _version("sanic"),
            "server_cpu": SERVER_CPU if pinned else None,
            "generator_cpu": CLIENT_CPU if pinned else None,
        },
        "settings": {
            "connections": args.connections,
            "requests_per_round": args.requests,
            "warmup_requests": args.warmup,
            "rounds": args.rounds,
            "server": "one Sanic process (--single-process), access logs off",
            "palmcity": (
                "embedded default: SQLite, in-process Redis and worker, sandbox platforms, JSON logs"
                if args.redis_url == "memory://"
                else "SQLite, a real Redis (no in-process worker), sandbox platforms, JSON logs"
            ),
        },
        "results": results,
        "targets": {
            "me_vs_bare": {
                "target": f">= {ME_TARGET_RATIO:.0%} of bare Sanic requests/s",
                "value": me["requests_per_second_vs_bare"],
                "met": me["requests_per_second_vs_bare"] >= ME_TARGET_RATIO,
            },
            "rss_per_worker": {
                "target": f"<= {RSS_TARGET_MB:.0f} MB peak RSS per worker",
                "value": worst_rss,
                "met": worst_rss <= RSS_TARGET_MB,
            },
        },
        "caveats": [
            "The load generator runs on the same machine (2 cores): the server is pinned to one CPU and the "
            "generator to the other for every target, so each target gets the same share."
            if pinned
            else "The load generator shares the CPUs with the server (no second CPU to pin it to).",
            "The generator is Python: where its CPU use nears 100 %, it set the pace and the server "
            "may be faster.",
            "Loopback only: no network latency, TLS or proxy in the path.",
        ],
    }


def _print_table(report: dict[str, Any]) -> None:
    m, s = report["machine"], report["settings"]
    print(
        f"\nPalmCity foundation bench — Python {m['python']}, Sanic {m['sanic']}, {m['cpus']} CPUs"
        + (
            f" (server on CPU {m['server_cpu']}, generator on CPU {m['generator_cpu']})"
            if m["server_cpu"] is not None
            else ""
        )
    )
    print(
        f"{s['connections']} keep-alive connections, {s['requests_per_round']:,} requests per round, "
        f"median of {s['rounds']} rounds after {s['warmup_requests']:,} warm-up requests"
    )
    print(f"PalmCity: {s['palmcity']}\n")
    header = (
        f"{'target':<28}{'req/s':>9}{'vs bare':>9}{'p50 ms':>9}{'(bare)':>8}{'p99 ms':>9}{'(bare)':>8}"
        f"{'RSS MB':>8}{'(bare)':>8}{'gen CPU':>9}"
    )
    print(header)
    print("-" * len(header))
    bare = report["results"][BARE.key]
    for key in (BARE.key, HEALTHZ.key, ME.key):
        r = report["results"][key]
        is_bare = key == BARE.key
        base_p50 = "" if is_bare else f"{bare['p50_ms']:.2f}"
        base_p99 = "" if is_bare else f"{bare['p99_ms']:.2f}"
        base_rss = "" if is_bare else f"{bare['peak_rss_mb']:.1f}"
        print(
            f"{r['label']:<28}{r['requests_per_second']:>9,.0f}{r['requests_per_second_vs_bare']:>9.0%}"
            f"{r['p50_ms']:>9.2f}{base_p50:>8}{r['p99_ms']:>9.2f}{base_p99:>8}"
            f"{r['peak_rss_mb']:>8.1f}{base_rss:>8}{r['generator_cpu_percent']:>8.0f}%"
        )
    print()
    for name, t in report["targets"].items():
        value = f"{t['value']:.0%}" if name == "me_vs_bare" else f"{t['value']:.1f} MB"
        print(f"{'MET ' if t['met'] else 'MISS'}  {t['target']}: {value}")
    busy = report["machine"]["load_average_1min"]
    print(f"\nmachine load average (1 min): {busy['before']} before, {busy['after']} after")
    for caveat in report["caveats"]:
        print(f"note: {caveat}")


# --- processes and environment -----------------------------------------------------------------


def _pin_self() -> bool:
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "sched_setaffinity"):
        return False
    os.sched_setaffinity(0, {CLIENT_CPU})
    return True


def _pin_server() -> None:  # runs in the child between fork and exec
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {SERVER_CPU})


def _base_env() -> dict[str, str]:
    # Nothing from the caller's PalmCity configuration leaks in: the figures must mean the same everywhere.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PALMCITY_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _bare_env() -> dict[str, str]:
    return _base_env()


BENCH_PREFIX = f"palmcity:bench:{os.getpid()}"


def _palmcity_env(workdir: Path, redis_url: str) -> dict[str, str]:
    env = _base_env()
    env.update(
        {
            "PALMCITY_ENV": "dev",
            "PALMCITY_DATABASE_URL": f"sqlite://{workdir / 'bench.sqlite3'}",
            "PALMCITY_REDIS_URL": redis_url,
            "PALMCITY_REDIS_PREFIX": BENCH_PREFIX,
            "PALMCITY_SANDBOX": "true",
            "PALMCITY_LOG_LEVEL": "INFO",
            "PALMCITY_LOG_JSON": "true",
            # One client IP and one user make every request: the limiter still runs, it must not refuse.
            "PALMCITY_RATE_LIMIT_PER_IP": "1000000000",
            "PALMCITY_RATE_LIMIT_PER_USER": "1000000000",
            "PALMCITY_RATE_LIMIT_LOGIN_PER_IP": "1000000000",
        }
    )
    return env


def _forget_bench_keys(redis_url: str) -> None:
    import redis

    if redis_url.startswith("memory://"):
        return  # the in-process Redis went with the server
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=f"{BENCH_PREFIX}:*", count=500):
            client.delete(key)
    finally:
        client.close()


def _migrate(env: dict[str, str], log: Path) -> None:
    run_cli("migrate", env, log)


def run_cli(command: str, env: dict[str, str], log: Path) -> None:
    """``python -m server.cli <command>`` (``migrate``, ``seed-demo``) in ``env``, its output in ``log``;
    a :class:`BenchError` with the log's tail when it fails."""
    with log.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "server.cli", command],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        raise BenchError(f"{command} failed:\n{_tail(log)}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(f"server exited with {server.process.returncode}:\n{_tail(server.log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
            return
        time.sleep(0.1)
    raise BenchError(f"server did not listen within {START_TIMEOUT_SECONDS:.0f} s:\n{_tail(server.log)}")


def _login(port: int) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/wechat/login",
        data=json.dumps({"code": "dev:bench"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            token: str = json.loads(response.read())["access_token"]
            return token
    except urllib.error.HTTPError as exc:
        raise BenchError(f"sandbox login answered {exc.code}: {exc.read()[:500]!r}") from exc


def _memory_mb(pid: int) -> tuple[float, float]:
    """VmRSS (now) and VmHWM (peak) of one process, in MB, from /proc (psutil is not a dependency)."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024  # kB
    return round(fields["VmRSS"], 1), round(fields["VmHWM"], 1)


def _run_async(coroutine: Any) -> load.Result:
    try:
        import uvloop
    except ImportError:
        result: load.Result = asyncio.run(coroutine)
        return result
    return uvloop.run(coroutine)  # type: ignore[no-any-return]


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(ROOT))
    return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
