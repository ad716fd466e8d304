"""Operational routes: liveness, readiness, metrics, published keys, request ids, the H5 app."""

from __future__ import annotations

import json
import logging

import httpx

from server.logging import JsonFormatter


async def test_healthz_answers_and_echoes_a_request_id(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "client-chosen-id-123"})
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert r.headers["x-request-id"] == "client-chosen-id-123"


async def test_an_unsafe_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert r.headers["x-request-id"] != "<script>" and len(r.headers["x-request-id"]) == 32


async def test_readyz_checks_database_and_redis(client: httpx.AsyncClient) -> None:
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


async def test_readyz_reports_a_dead_redis(client: httpx.AsyncClient, runtime) -> None:  # type: ignore[no-untyped-def]
    async def broken() -> None:
        raise ConnectionError("redis is down")

    runtime.redis.ping = broken
    r = await client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"] == {"database": "ok", "redis": "unavailable"}


async def test_metrics_count_requests_by_route_pattern(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    await client.get("/no/such/place")
    text = (await client.get("/metrics")).text
    assert 'palmcity_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "palmcity_http_request_seconds_bucket" in text


async def test_jwks_publishes_every_verifying_key(client: httpx.AsyncClient) -> None:
    keys = (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert [k["kid"] for k in keys] == ["dev-1"]
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519" and "d" not in keys[0]


async def test_openapi_document_is_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/docs/openapi.json")).json()
    assert spec["info"]["title"] == "PalmCity API"
    assert "/healthz" in spec["paths"]


def test_json_log_lines_mask_personal_data() -> None:
    record = logging.makeLogRecord(
        {
            "name": "palmcity.test",
            "levelname": "INFO",
            "msg": "verified 441802199001011234",
            "phone": "13800138000",
        }
    )
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["msg"] == "verified 4418**********1234"
    assert entry["phone"] == "138****8000"
    assert "441802199001011234" not in line and "13800138000" not in line
