"""Prometheus metrics: request counts and latencies by route (the route pattern, never the raw path)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from sanic import HTTPResponse, Request, Sanic
from sanic.response import BaseHTTPResponse, raw


class Metrics:
    def __init__(self) -> None:
        # One registry per app keeps tests (many apps in one process) from colliding.
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "palmcity_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "palmcity_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def install(self, app: Sanic[Any, Any]) -> None:
        app.middleware(self._start_timer, "request", priority=1000)
        app.middleware(self._observe, "response", priority=-1000)

    @staticmethod
    async def _start_timer(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    async def _observe(self, request: Request, response: BaseHTTPResponse) -> None:
        started = getattr(request.ctx, "started", None)
        route = request.route.path if request.route else "unmatched"
        # The labelled children are looked up once per (method, route, status): `labels()` takes a
        # lock and validates its arguments on every call. Routes are patterns, so this stays small.
        key = (request.method, route, response.status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(request.method, route, str(response.status)),
                self.latency.labels(request.method, route),
            )
        children[0].inc()
        if started is not None:
            children[1].observe(time.perf_counter() - started)

    def render(self) -> HTTPResponse:
        return raw(generate_latest(self.registry), content_type="text/plain; version=0.0.4")
