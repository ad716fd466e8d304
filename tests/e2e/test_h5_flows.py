"""The H5 app, driven in headless Chromium against a real server process.

Each ``miniprogram/e2e/*.mjs`` flow (files starting with ``_`` are shared helpers) runs against a
freshly started ``sanic server.main:create_app`` on a free port, on the test database, with the
sandbox platforms. A flow whose file says ``e2e: demo-data`` gets the demo data first
(``python -m server.cli seed-demo``: catalogue, staff, residents); the others start empty, so the
foundation flow pays nothing for it. A flow that says ``e2e: worker`` also gets the outbox worker
(``python -m server.worker``) beside a Redis server, as production runs it. Screenshots land in
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
from pathlib import Path

import pytest

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
    if flow is not None and _needs_demo_data(flow):
        seed_demo(env)  # same database and settings as the server; the schema is already migrated
    worker = _worker(env) if flow is not None and _needs_worker(flow) else nullcontext()
    with serving(env, port) as base, worker:
        yield base


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
