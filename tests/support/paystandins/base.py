"""What both stand-ins share: the server on 127.0.0.1, the request log, faults, error answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, Literal, Protocol, Self, TypeVar

from aiohttp import web
from aiohttp.test_utils import TestServer

CHINA = dt.timezone(dt.timedelta(hours=8))
MAX_SKEW_SECONDS = 300
SLOW_SECONDS = 1.5  # longer than the clients' timeout in the tests (CLIENT_TIMEOUT)
CLIENT_TIMEOUT = 0.5

Fault = Literal["slow", "reset", "server_error", "proxy_refusal", "forged"]


class Refusal(Exception):
    """An error answer in the provider's shape: ``{"code", "message"}`` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message or code


def china(at: dt.datetime) -> str:
    return at.astimezone(CHINA).isoformat(timespec="seconds")


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


class Client(Protocol):
    async def aclose(self) -> None: ...


C = TypeVar("C", bound=Client)


class StandIn:
    """What both stand-ins share: the server, the request log, one-shot faults, error answers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []  # (method, path with query, JSON body)
        self.faults: list[tuple[str, Fault]] = []
        self.base_url = ""
        self._clients: list[Client] = []

    def opened(self, client: C) -> C:
        """A client of this stand-in, closed when the stand-in stops."""
        self._clients.append(client)
        return client

    # -- what a test arms and reads ---------------------------------------------------------------

    def fault(self, route: str, kind: Fault, *, times: int = 1) -> None:
        """The next ``times`` requests whose path contains ``route`` meet ``kind``. (aiohttp asks a
        GET again once by itself when a kept-alive connection drops: a reset GET needs two.)"""
        self.faults.extend([(route, kind)] * times)

    def asked(self, method: str, route: str) -> list[Any]:
        return [body for m, path, body in self.requests if m == method and route in path]

    # -- what each provider defines ---------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    def authenticate(self, request: web.Request, body: bytes) -> None:
        """Raise ``Refusal`` unless the caller signed this request."""
        raise NotImplementedError

    def signed(self, response: web.Response, *, forged: bool = False) -> web.Response:
        raise NotImplementedError

    def system_error(self) -> web.Response:
        return self.json({"code": "SYSTEM_ERROR", "message": "系统错误"}, status=500)

    # -- the machinery ----------------------------------------------------------------------------

    def json(self, data: Any, status: int = 200) -> web.Response:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return web.Response(text=text, status=status, content_type="application/json")

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Self]:
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(self.routes())
        server = TestServer(app, host="127.0.0.1")  # an ephemeral port
        await server.start_server()
        self.base_url = str(server.make_url("")).rstrip("/")
        try:
            yield self
        finally:
            for client in self._clients:
                await client.aclose()
            await server.close()

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        body = await request.read()
        self.requests.append((request.method, request.raw_path, json.loads(body) if body else None))
        fault = next((f for f in self.faults if f[0] in request.raw_path), None)
        if fault is not None:
            self.faults.remove(fault)
        if fault is not None and fault[1] == "reset":
            _reset(request)
            raise asyncio.CancelledError  # nothing more is written on a reset connection
        if fault is not None and fault[1] == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        if fault is not None and fault[1] == "server_error":
            return self.signed(self.system_error())
        if fault is not None and fault[1] == "proxy_refusal":
            return web.Response(status=403)  # a gateway's bare refusal: no code, no signature
        try:
            self.authenticate(request, body)
            response = await handler(request)
        except Refusal as refusal:
            response = self.json({"code": refusal.code, "message": refusal.message}, refusal.status)
        return self.signed(response, forged=fault is not None and fault[1] == "forged")


def _reset(request: web.Request) -> None:
    """Close the connection with a TCP reset (SO_LINGER 0), as a dropped link or a proxy would."""
    transport = request.transport
    assert transport is not None
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
