"""The H5 app, driven in headless Chromium against a real server process.

Each ``miniprogram/e2e/*.mjs`` flow (files starting with ``_`` are shared helpers) runs against a
freshly started ``sanic server.main:create_app`` on a free port, on the test database, with the
sandbox platforms. A flow whose file says ``e2e: demo-data`` gets the demo data first
(``python -m server.cli seed-demo``: catalogue, staff, residents); the others start empty, so the
foundation flow pays nothing for it. A flow that says ``e2e: worker`` also gets the outbox worker
(``python -m server.worker``) beside a Redis server, as production runs it. A flow that says
``e2e: china-hours`` runs its server, worker and seed on a clock shifted into China business hours
(``PALMCITY_SANDBOX_CLOCK_SHIFT_MINUTES``, see ``china_hours_shift``). Screenshots land in
``var/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from domain.shared.clock import CHINA
from tests.support import environment
from tests.support.server_process import free_port, seed_demo, server_environment, serving

ROOT = environment.ROOT
FLOWS = sorted(p for p in (ROOT / "miniprogram" / "e2e").glob("*.mjs") if not p.name.startswith("_"))
H5 = ROOT / "miniprogram" / "dist" / "h5"
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.e2e


DEMO_MARK = "e2e: demo-data"


def _needs_demo_data(flow: Path) -> bool:
    return DEMO_MARK in flow.read_text(encoding="utf-8")[:2000]


WORKER_MARK = "e2e: worker"


def _needs_worker(flow: Path) -> bool:
    return WORKER_MARK in flow.read_text(encoding="utf-8")[:2000]


@contextmanager
def _worker(env: dict[str, str]) -> Iterator[None]:
    """``python -m server.worker`` beside the server, as production runs it with a Redis server (a
    flow whose outcome waits on the outbox: a payment's notice confirming tickets). With the
    embedded Redis the server runs the worker itself and a second process could not reach it."""
    if env["PALMCITY_REDIS_URL"].startswith("memory://"):
        yield
        return
    (ROOT / "var").mkdir(exist_ok=True)
    log = (ROOT / "var" / "e2e-worker.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.worker"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


CHINA_HOURS_MARK = "e2e: china-hours"


def _needs_china_hours(flow: Path) -> bool:
    return CHINA_HOURS_MARK in flow.read_text(encoding="utf-8")[:2000]


def china_hours_shift(wall: datetime | None = None) -> int:
    """Minutes to shift a sandbox's clock by (``PALMCITY_SANDBOX_CLOCK_SHIFT_MINUTES``) so that its
    China time is within business hours: none between 09:00 and 15:00 China time, else to 10:00 of
    the same China date (back in the evening, on in the small hours). The date stays, so the
    browser's dates (today, the coming week: on the real clock) are the server's. A flow that admits
    at a gate today (the tourism flow: its spot's slots run 09:00–17:00) then always has a slot of
    today to come, with hours to spare, whatever the hour CI runs at."""
    china = (wall or datetime.now(UTC)).astimezone(CHINA)
    if time(9, 0) <= china.time() < time(15, 0):
        return 0
    target = china.replace(hour=10, minute=0, second=0, microsecond=0)
    return round((target - china).total_seconds() / 60)


TIMEOUT_MARK = re.compile(r"e2e: timeout (\d+)")


def _timeout(flow: Path) -> int:
    """Seconds a flow may take: 180, or what its header says (``e2e: timeout 300``: the page audit)."""
    found = TIMEOUT_MARK.search(flow.read_text(encoding="utf-8")[:2000])
    return int(found.group(1)) if found else 180


@pytest.fixture
def server(db: str, request: pytest.FixtureRequest) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium fonts-noto-cjk)")
    if not (H5 / "index.html").exists():
        pytest.skip("needs the H5 build (make h5)")
    if not shutil.which("node"):
        pytest.skip("needs Node.js")
    port = free_port()
    env = server_environment(
        db,
        f"http://127.0.0.1:{port}",
        # One IP drives up to two browsers that reload the app: the per-IP limits (which also count
        # the H5 app's static files) would refuse a flow half-way.
        PALMCITY_RATE_LIMIT_PER_IP="6000",
        PALMCITY_RATE_LIMIT_LOGIN_PER_IP="600",
        # The page audit opens every page as one resident four times over within two minutes.
        PALMCITY_RATE_LIMIT_PER_USER="6000",
    )
    flow = request.node.callspec.params.get("flow") if hasattr(request.node, "callspec") else None
    if flow is not None and _needs_china_hours(flow):
        # the server, its worker and the seed share the setting: one shifted clock for all three
        shift = china_hours_shift()
        env["PALMCITY_SANDBOX_CLOCK_SHIFT_MINUTES"] = str(shift)
        print(f"{flow.stem}: the server's clock is shifted by {shift} minutes (e2e: china-hours)")
    if flow is not None and _needs_demo_data(flow):
        seed_demo(env)  # same database and settings as the server; the schema is already migrated
    worker = _worker(env) if flow is not None and _needs_worker(flow) else nullcontext()
    with serving(env, port) as base, worker:
        yield base


@pytest.mark.parametrize(
    ("wall", "shift"),
    [
        ("2026-12-07T01:00:00+00:00", 0),  # 09:00 in China: business hours
        ("2026-12-07T06:59:00+00:00", 0),  # 14:59
        ("2026-12-07T07:00:00+00:00", -300),  # 15:00: back to 10:00
        ("2026-12-07T14:30:00+00:00", -750),  # 22:30: back to 10:00, the same day
        ("2026-12-06T16:05:00+00:00", 595),  # 00:05 on the 7th: on to 10:00 of the 7th
        ("2026-12-07T00:59:00+00:00", 61),  # 08:59
    ],
)
def test_the_china_hours_shift_keeps_the_china_date(wall: str, shift: int) -> None:
    instant = datetime.fromisoformat(wall)
    assert china_hours_shift(instant) == shift
    moved = (instant + timedelta(minutes=shift)).astimezone(CHINA)
    assert moved.date() == instant.astimezone(CHINA).date()
    assert time(9, 0) <= moved.time() < time(15, 0)


@pytest.mark.parametrize("flow", FLOWS, ids=[p.stem for p in FLOWS])
def test_h5_flow(server: str, flow: Path) -> None:
    shots = ROOT / "var" / "screenshots" / flow.stem
    shots.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["node", str(flow)],
        cwd=ROOT / "miniprogram",
        env={**os.environ, "E2E_BASE_URL": server, "E2E_SCREENSHOTS": str(shots)},
        capture_output=True,
        text=True,
        timeout=_timeout(flow),
    )
    # the page audit lists every finding of its run: show them all (up to a limit)
    tail = 20000 if flow.stem == "audit" else 4000
    assert result.returncode == 0, f"{flow.name} failed:\n{result.stdout[-tail:]}\n{result.stderr[-4000:]}"
