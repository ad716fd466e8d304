"""Graceful shutdown: a Sanic worker told to stop (SIGTERM) stops accepting connections and finishes
the request it is serving before it exits (``GRACEFUL_SHUTDOWN_TIMEOUT``, server/main.py)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from typing import IO

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from tests.outage.conftest import Stack
from tests.outage.load import wait_ready
from tests.support import server_process

pytestmark = pytest.mark.outage


def _start(env: dict[str, str], port: int, log: IO[str]) -> subprocess.Popen[bytes]:
    """The app as ``server_process.serving`` starts it, but stopped by the test itself."""
    argv = ["-m", "sanic", "server.main:create_app", "--factory", "--single-process", "--port", str(port)]
    return subprocess.Popen([sys.executable, *argv], cwd=server_process.ROOT, env=env, stdout=log, stderr=log)


async def test_a_stopping_server_finishes_the_booking_in_flight(stack: Stack) -> None:
    port = server_process.free_port()
    base = f"http://127.0.0.1:{port}"
    log = (server_process.ROOT / "var" / "outage-shutdown-server.log").open("w")
    server = _start(stack.env, port, log)
    lock = await asyncpg.connect(stack.database_url.replace("postgres://", "postgresql://", 1))
    try:
        await wait_ready(base, 30)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            login = await http.post("/api/v1/auth/wechat/login", json={"code": "dev:outage-shutdown"})
            auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
            # The booking's last step updates the slot's row: held here, the booking waits in flight.
            locked = lock.transaction()
            await locked.start()
            await lock.execute("SELECT 1 FROM capacity_slot WHERE id = $1 FOR UPDATE", stack.slot_id)
            body = {"service_id": stack.service_id, "slot_id": stack.slot_id}
            booking = asyncio.create_task(http.post("/api/v1/appointments", json=body, headers=auth))
            await asyncio.sleep(1.5)
            assert not booking.done()
            server.send_signal(signal.SIGTERM)
            await asyncio.sleep(1.5)
            async with httpx.AsyncClient(base_url=base, timeout=2) as other:
                with pytest.raises(httpx.ConnectError):  # no longer listening
                    await other.get("/healthz")
            assert server.poll() is None and not booking.done()  # still serving the booking
            released_at = time.monotonic()
            await locked.rollback()
            booked = await booking
        assert booked.status_code == 201, booked.text
        assert await asyncio.to_thread(server.wait, 20) == 0
        assert time.monotonic() - released_at < 20
        assert await lock.fetchval("SELECT count(*) FROM appointment WHERE id = $1", booked.json()["id"]) == 1
    finally:
        await lock.close()
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
