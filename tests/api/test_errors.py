"""The error model: every refusal has the same shape, a stable code, a request id and a localised message,
and nothing a client sends produces a 5xx."""

from __future__ import annotations

import json
import random
import string
from typing import Any

import httpx
import pytest

from api._kit import MalformedJson
from domain.staff.errors import StaffCredentialsInvalid
from server.settings import Settings
from tests.api.test_staff import (
    ACCOUNTS,
    LOGIN,
    PASSWORD,
    log_in,
    make_staff,
    staff_client,
)
from tests.support.apps import client_for, error_code, running


def assert_error_shape(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = r.json()
    assert set(body) == {"error", "request_id"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["request_id"] and body["request_id"] == r.headers["x-request-id"]
    return body


async def test_an_unknown_route_is_route_not_found(client: httpx.AsyncClient) -> None:
    assert_error_shape(await client.get("/api/v1/no/such/thing"), 404, "route_not_found")


async def test_a_wrong_method_is_method_not_allowed(client: httpx.AsyncClient) -> None:
    assert_error_shape(await client.delete(LOGIN), 405, "method_not_allowed")
    assert_error_shape(await client.put(ACCOUNTS, json={}), 405, "method_not_allowed")


@pytest.mark.parametrize("content", [b"{not json", b'{"username": ', b"\xff\xfe\x00", b"[1, 2,"])
async def test_malformed_json_is_malformed_json(client: httpx.AsyncClient, content: bytes) -> None:
    r = await client.post(LOGIN, content=content, headers={"Content-Type": "application/json"})
    assert_error_shape(r, 400, "malformed_json")


async def test_a_body_over_the_limit_is_body_too_large(settings: Settings) -> None:
    async with running(settings, max_body_bytes=1024) as app, client_for(app) as client:
        payload = json.dumps({"username": "x" * 2000, "password": "y"}).encode()
        r = await client.post(LOGIN, content=payload, headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "body_too_large"


async def test_validation_lists_each_bad_field_with_its_own_code(client: httpx.AsyncClient) -> None:
    r = await client.post(LOGIN, json={"password": "", "remember_me": True, "username": 42})

    body = assert_error_shape(r, 422, "invalid_input")
    fields = {f["field"]: f for f in body["error"]["details"]["fields"]}
    assert {name: f["code"] for name, f in fields.items()} == {
        "username": "wrong_type",
        "password": "too_short",
        "remember_me": "unknown_field",
    }
    assert all(f["message"] for f in fields.values())


async def test_an_empty_body_lists_the_required_fields(client: httpx.AsyncClient) -> None:
    r = await client.post(LOGIN)
    body = assert_error_shape(r, 422, "invalid_input")
    assert {f["field"]: f["code"] for f in body["error"]["details"]["fields"]} == {
        "username": "required",
        "password": "required",
    }


async def test_a_json_body_that_is_not_an_object_is_invalid_input(client: httpx.AsyncClient) -> None:
    for content in (b"[]", b"42", b'"text"', b"null"):
        r = await client.post(LOGIN, content=content, headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 422) and r.json()["error"]["code"] in (
            "invalid_input",
            "malformed_json",
        ), content


@pytest.mark.parametrize(
    ("accept_language", "locale"),
    [
        (None, "zh_Hans"),
        ("zh-CN,zh;q=0.9", "zh_Hans"),
        ("zh-TW", "zh_Hant"),
        ("zh-Hant", "zh_Hant"),
        ("en-GB", "en"),
    ],
)
async def test_messages_follow_accept_language(
    client: httpx.AsyncClient, accept_language: str | None, locale: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    r = await client.post(LOGIN, json={"username": "nobody", "password": "whatever"}, headers=headers)

    body = assert_error_shape(r, 401, "staff_credentials_invalid")
    assert r.headers["content-language"] == locale.replace("_", "-")
    assert body["error"]["message"] == StaffCredentialsInvalid.message.render(locale)


async def test_english_and_chinese_messages_differ_once_translated(client: httpx.AsyncClient) -> None:
    en = await client.post(
        LOGIN, content=b"{", headers={"Accept-Language": "en", "Content-Type": "application/json"}
    )
    zh = await client.post(
        LOGIN, content=b"{", headers={"Accept-Language": "zh-CN", "Content-Type": "application/json"}
    )
    assert en.json()["error"]["message"] == MalformedJson.message.render("en")
    assert zh.json()["error"]["message"] != en.json()["error"]["message"]


# -- nothing a client sends produces a 5xx -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("GET", f"{ACCOUNTS}/99999999999999999999", None, 404),  # beyond the id column's range
        ("PATCH", f"{ACCOUNTS}/99999999999999999999", {"active": True}, 404),
        ("GET", f"{ACCOUNTS}/0", None, 404),
        ("GET", f"{ACCOUNTS}?offset=100000000000000000000", None, 422),
        ("GET", "/api/v1/staff/audit?target_id=%00", None, 422),  # PostgreSQL text cannot hold NUL
        ("GET", "/api/v1/staff/audit?target_type=a%00b", None, 422),
        ("POST", ACCOUNTS, {"username": "abc", "password": PASSWORD, "display_name": "a\u0000b"}, 422),
        ("POST", ACCOUNTS, {"username": "abc", "password": PASSWORD, "display_name": "   "}, 422),
        ("POST", LOGIN, {"username": "abc\u0000", "password": "x\u0000"}, 422),  # bad_characters
        ("POST", "/api/v1/staff/auth/refresh", {"refresh_token": "a" * 32 + ".\u0000"}, 422),
        ("DELETE", "/api/v1/family/99999999999999999999", None, 404),
        ("POST", "/api/v1/family/invitations/-1/accept", None, 404),
    ],
)
async def test_hostile_values_are_refused_not_crashed_on(
    client: httpx.AsyncClient, method: str, path: str, payload: Any, status: int
) -> None:
    admin = await staff_client(client, "admin")
    r = await client.request(method, path, json=payload, headers=admin)
    assert r.status_code == status, r.text


FIELDS = [
    "username",
    "password",
    "display_name",
    "roles",
    "scopes",
    "active",
    "unlock",
    "refresh_token",
    "limit",
]
QUERY_PIECES = ["", "%00", "%ff", "-1", "0", "99999999999999999999", "1e9", "true", "%E4%B8%AD", "%"]
HEADER_NAMES = [
    "Authorization",
    "Idempotency-Key",
    "Accept-Language",
    "X-Request-ID",
    "Content-Type",
    "X-Forwarded-For",
]


def garbage_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 2 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**63, -(2**70), 10**400 if rng.random() < 0.1 else 7])
    if kind == 3:
        return rng.choice([1.5, -0.0, 1e308])
    if kind == 4:
        return "".join(
            rng.choice(string.printable + "中文é\u0000\ud7ff") for _ in range(rng.randrange(0, 300))
        )
    if kind == 5:
        return rng.choice(["admin", "*", "scanner", "", " ", "a" * 5000, PASSWORD])
    if kind == 6:
        return [garbage_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    return {rng.choice(FIELDS): garbage_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))}


def garbage_body(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.5:
        document = {rng.choice(FIELDS): garbage_value(rng) for _ in range(rng.randrange(0, 6))}
        return json.dumps(document, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if roll < 0.7:
        return json.dumps(garbage_value(rng)).encode("utf-8", "surrogatepass")
    return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))


def garbage_headers(rng: random.Random, valid_auth: dict[str, str]) -> dict[str, str]:
    headers: dict[str, str] = dict(valid_auth) if rng.random() < 0.5 else {}
    for name in rng.sample(HEADER_NAMES, rng.randrange(0, len(HEADER_NAMES))):
        value = "".join(rng.choice(string.printable.strip() + " ") for _ in range(rng.randrange(0, 200)))
        headers[name] = rng.choice(
            [value, "Bearer " + value, "application/json", "zh-TW;q=abc,en;q=", "x" * 129]
        )
    return headers


async def test_random_garbage_never_gets_a_5xx(settings: Settings) -> None:
    rng = random.Random(20240611)
    async with (
        running(settings, rate_limit_per_ip=0, rate_limit_per_user=0, rate_limit_login_per_ip=0) as app,
        client_for(app) as client,
    ):
        admin = await staff_client(client, "admin")
        clerk = await make_staff("wang.li", roles=["scanner"])
        routes = [
            ("POST", LOGIN),
            ("POST", "/api/v1/staff/auth/refresh"),
            ("POST", "/api/v1/staff/auth/logout"),
            ("POST", ACCOUNTS),
            ("GET", ACCOUNTS + "?limit={q}&offset={q}&active={q}"),
            ("PATCH", f"{ACCOUNTS}/{clerk.id}"),
            ("PATCH", f"{ACCOUNTS}/{{q}}"),
            ("GET", "/api/v1/staff/audit?target_type={q}&target_id={q}&limit={q}"),
            ("GET", "/api/v1/staff/me"),
        ]
        seen: set[int] = set()
        for _ in range(300):
            method, path = rng.choice(routes)
            query = rng.choice(QUERY_PIECES) + "".join(
                rng.choice(string.ascii_letters + string.digits + "-%.*~") for _ in range(rng.randrange(0, 8))
            )
            r = await client.request(
                method,
                path.replace("{q}", query),
                content=garbage_body(rng),
                headers=garbage_headers(rng, admin),
            )
            seen.add(r.status_code)
            assert r.status_code < 500, (method, path, r.status_code, r.text)
            if r.status_code >= 400:
                assert "code" in r.json()["error"]
        assert {200, 400, 401, 422} <= seen  # the garbage reached past the parsers too
        await make_staff("late.comer", roles=["scanner"])
        await log_in(client, "late.comer")  # and the service still works


async def test_absurdly_nested_json_is_malformed_not_a_crash(client: httpx.AsyncClient) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    r = await client.post(LOGIN, content=deep, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and error_code(r) == "malformed_json"
    nested = b'{"username": ' + b"[" * 5_000 + b"]" * 5_000 + b', "password": "x"}'
    r = await client.post(LOGIN, content=nested, headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.text
