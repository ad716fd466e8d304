"""The H5 app, driven in headless Chromium against a real server process.

Each ``miniprogram/e2e/*.mjs`` flow (files starting with ``_`` are shared helpers) runs against a
freshly started ``sanic server.main:create_app`` on a free port, on the test database, with the
sandbox platforms. A flow whose file says ``e2e: demo-data`` gets the demo data first
(``python -m server.cli seed-demo``: catalogue, staff, residents); the others start empty, so the
foundation flow pays nothing for it. Screenshots land in ``var/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import environment

ROOT = environment.ROOT
FLOWS = sorted(p for p in (ROOT / "miniprogram" / "e2e").glob("*.mjs") if not p.name.startswith("_"))
H5 = ROOT / "miniprogram" / "dist" / "h5"
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


DEMO_MARK = "e2e: demo-data"


def _needs_demo_data(flow: Path) -> bool:
    return DEMO_MARK in flow.read_text(encoding="utf-8")[:2000]


@pytest.fixture
def server(db: str, request: pytest.FixtureRequest) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium fonts-noto-cjk)")
    if not (H5 / "index.html").exists():
        pytest.skip("needs the H5 build (make h5)")
    if not shutil.which("node"):
        pytest.skip("needs Node.js")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PALMCITY_ENV": "test",
        "PALMCITY_DATABASE_URL": db,
        "PALMCITY_REDIS_URL": environment.redis_url(),
        "PALMCITY_REDIS_PREFIX": f"palmcity:e2e:{uuid.uuid4().hex[:8]}",
        "PALMCITY_PUBLIC_BASE_URL": base,
        "PALMCITY_SANDBOX": "true",
        "PALMCITY_LOG_LEVEL": "WARNING",
        # One IP drives up to two browsers that reload the app: the per-IP limits (which also count
        # the H5 app's static files) would refuse a flow half-way.
        "PALMCITY_RATE_LIMIT_PER_IP": "6000",
        "PALMCITY_RATE_LIMIT_LOGIN_PER_IP": "600",
    }
    flow = request.node.callspec.params.get("flow") if hasattr(request.node, "callspec") else None
    if flow is not None and _needs_demo_data(flow):
        # Same database and settings as the server below; the schema is already migrated by `db`.
        seeded = subprocess.run(
            [sys.executable, "-m", "server.cli", "seed-demo"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert seeded.returncode == 0, f"seed-demo failed:\n{seeded.stdout[-2000:]}\n{seeded.stderr[-2000:]}"
    log = (ROOT / "var" / "e2e-server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sanic",
            "server.main:create_app",
            "--factory",
            "--single-process",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start; see {log.name}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
        timeout=180,
    )
    assert result.returncode == 0, f"{flow.name} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
