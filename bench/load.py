"""A small HTTP/1.1 load generator: N keep-alive connections, a fixed number of requests, a time cap.

Pure Python on uvloop (asyncio when uvloop is missing), with just enough HTTP parsing for the
responses it expects: a status line, headers with Content-Length, a body. Loopback only — the
caller passes 127.0.0.1 — and bounded in both request count and seconds.
"""

from __future__ import annotations

import asyncio
import resource
import time
from dataclasses import dataclass, field


@dataclass
class Result:
    requests: int = 0
    errors: int = 0  # non-200 answers and broken connections
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds, one per completed request
    elapsed: float = 0.0
    client_cpu: float = 0.0  # CPU seconds the generator itself used
    timed_out: bool = False

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class _Connection(asyncio.Protocol):
    """One keep-alive connection that sends the next request as soon as the last answer is complete."""

    def __init__(
        self, request: bytes, budget: _Budget, result: Result, finished: asyncio.Future[None]
    ) -> None:
        self.request = request
        self.budget = budget
        self.result = result
        self.finished = finished
        self.buffer = bytearray()
        self.sent_at = 0.0
        self.transport: asyncio.WriteTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not asyncio's classes
        self._send_next()

    def _send_next(self) -> None:
        assert self.transport is not None
        if not self.budget.take():
            self.transport.close()
            return
        self.sent_at = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = bytes(self.buffer[:head_end])
            length = _content_length(head)
            total = head_end + 4 + length
            if len(self.buffer) < total:
                return
            del self.buffer[:total]
            status = int(head[9:12])
            self.result.latencies.append(time.perf_counter() - self.sent_at)
            self.result.requests += 1
            self.result.statuses[status] = self.result.statuses.get(status, 0) + 1
            if status != 200:
                self.result.errors += 1
            self._send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self.result.errors += 1
        if not self.finished.done():
            self.finished.set_result(None)


class _Budget:
    def __init__(self, total: int) -> None:
        self.left = total

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0  # 204/304, or a response without a body


def build_request(port: int, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def run(
    port: int,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    connections: int,
    requests: int,
    max_seconds: float,
) -> Result:
    """Send ``requests`` GETs over ``connections`` keep-alive connections to 127.0.0.1:``port``."""
    loop = asyncio.get_running_loop()
    result = Result()
    budget = _Budget(requests)
    request = build_request(port, path, headers)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    waiters: list[asyncio.Future[None]] = []
    transports: list[asyncio.BaseTransport] = []  # uvloop's transports are not asyncio's classes
    for _ in range(connections):
        finished: asyncio.Future[None] = loop.create_future()
        transport, _protocol = await loop.create_connection(
            lambda f=finished: _Connection(request, budget, result, f),  # type: ignore[misc]
            "127.0.0.1",
            port,
        )
        waiters.append(finished)
        transports.append(transport)
    try:
        await asyncio.wait_for(asyncio.gather(*waiters), max_seconds)
    except TimeoutError:
        result.timed_out = True
        budget.left = 0
        for each in transports:
            each.close()
    result.elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    result.client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    return result
