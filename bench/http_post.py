"""A small HTTP/1.1 client for benches whose requests differ one from another (a body, a token each).

``bench/load.py`` repeats one GET; a booking bench sends N different POSTs, each with its own
bearer token and body, and needs each answer's status, error code, latency and completion time.
Same approach: pure Python on uvloop (asyncio without it), N keep-alive connections that each
send the next request as soon as the previous answer is complete, just enough HTTP parsing for
the responses PalmCity sends (Content-Length bodies). Loopback only, bounded in requests and time.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None  # the error code of an error body ({"error": {"code": ...}}), else None
    sent_at: float  # perf_counter seconds
    done_at: float

    @property
    def latency(self) -> float:
        return self.done_at - self.sent_at


@dataclass
class Result:
    answers: list[Answer] = field(default_factory=list)
    broken: int = 0  # connections lost with an error
    started: float = 0.0
    elapsed: float = 0.0
    client_cpu: float = 0.0
    timed_out: bool = False

    def statuses(self) -> dict[str, int]:
        counted = Counter(f"{a.status} {a.code}" if a.code else str(a.status) for a in self.answers)
        return dict(sorted(counted.items()))

    def percentile(self, p: float) -> float:
        ordered = sorted(a.latency for a in self.answers)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def encode(port: int, request: Request) -> bytes:
    lines = [
        f"{request.method} {request.path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Accept: application/json",
    ]
    if request.body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(request.body)}"]
    lines += [f"{name}: {value}" for name, value in request.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + request.body


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _error_code(status: int, body: bytes) -> str | None:
    if status < 400 or not body:
        return None
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return str(code)


class _Connection(asyncio.Protocol):
    def __init__(self, queue: Iterator[bytes], result: Result, finished: asyncio.Future[None]) -> None:
        self.queue = queue
        self.result = result
        self.finished = finished
        self.buffer = bytearray()
        self.sent_at = 0.0
        self.transport: asyncio.WriteTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not asyncio's

    def _send_next(self) -> None:
        assert self.transport is not None
        payload = next(self.queue, None)
        if payload is None:
            self.transport.close()
            return
        self.sent_at = time.perf_counter()
        self.transport.write(payload)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = bytes(self.buffer[:head_end])
            total = head_end + 4 + _content_length(head)
            if len(self.buffer) < total:
                return
            body = bytes(self.buffer[head_end + 4 : total])
            del self.buffer[:total]
            status = int(head[9:12])
            now = time.perf_counter()
            self.result.answers.append(Answer(status, _error_code(status, body), self.sent_at, now))
            self._send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self.result.broken += 1
        if not self.finished.done():
            self.finished.set_result(None)


async def run(port: int, requests: list[Request], *, connections: int, max_seconds: float) -> Result:
    """Send ``requests`` in order over ``connections`` keep-alive connections to 127.0.0.1:``port``;
    each connection takes the next unsent request when its previous answer is complete."""
    loop = asyncio.get_running_loop()
    result = Result()
    queue = iter([encode(port, r) for r in requests])  # encoded before the clock starts
    stoppable = _Stoppable(queue)
    transports: list[asyncio.BaseTransport] = []
    protocols: list[_Connection] = []
    waiters: list[asyncio.Future[None]] = []
    # Connect first, send after: the measured time is requests, not TCP handshakes.
    for _ in range(connections):
        finished: asyncio.Future[None] = loop.create_future()
        transport, protocol = await loop.create_connection(
            lambda f=finished: _Connection(stoppable, result, f),  # type: ignore[misc]
            "127.0.0.1",
            port,
        )
        transports.append(transport)
        protocols.append(protocol)
        waiters.append(finished)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    result.started = time.perf_counter()
    for each in protocols:
        each._send_next()
    try:
        await asyncio.wait_for(asyncio.gather(*waiters), max_seconds)
    except TimeoutError:
        result.timed_out = True
        stoppable.stopped = True
        for open_one in transports:
            open_one.close()
    result.elapsed = time.perf_counter() - result.started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    result.client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    return result


class _Stoppable:
    """The shared queue of encoded requests; stopped at the time cap."""

    def __init__(self, queue: Iterator[bytes]) -> None:
        self.queue = queue
        self.stopped = False

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self.stopped:
            raise StopIteration
        return next(self.queue)
