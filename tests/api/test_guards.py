"""Rate limits (per IP, per user, login) and idempotency keys, through HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sanic import HTTPResponse, Request, json

from api._idempotency import idempotent
from domain.shared import clock
from domain.shared.ratelimit import RateLimiter
from domain.staff import service
from domain.staff.models import StaffAccount
from server.settings import Settings
from tests.api.test_staff import (
    ACCOUNTS,
    LOGIN,
    PASSWORD,
    client_for,
    error_code,
    make_staff,
    running,
    staff_client,
)

ROLES = "/api/v1/staff/roles"


def new_account(username: str = "zhou.min", **changes: Any) -> dict[str, Any]:
    return {
        "username": username,
        "password": PASSWORD,
        "display_name": "Zhou Min",
        "roles": ["scanner"],
        **changes,
    }


# -- rate limits ---------------------------------------------------------------------------------
#
# Each runs twice: on the Redis this suite uses (the Lua limiter, shared between workers) and on
# the embedded default (memory://), whose limiter counts in the process: same limits, same answers.


@pytest.fixture(params=["configured", "embedded"])
def limit_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "embedded":
        return settings.model_copy(update={"redis_url": "memory://"})
    return settings


async def test_too_many_requests_from_one_ip_get_429_with_retry_after(limit_settings: Settings) -> None:
    async with running(limit_settings, rate_limit_per_ip=3) as app, client_for(app) as client:
        answers = [await client.get(ROLES) for _ in range(3)]
        assert [r.status_code for r in answers] == [401, 401, 401]

        r = await client.get(ROLES)

        assert r.status_code == 429
        assert error_code(r) == "rate_limited"
        assert r.json()["request_id"]
        retry_after = int(r.headers["retry-after"])
        assert 1 <= retry_after <= 60
        assert r.json()["error"]["details"]["retry_after"] == retry_after
        # Any route counts, unknown ones included.
        assert (await client.get("/no/such/page")).status_code == 429


async def test_the_window_slides_so_requests_are_allowed_again_later(limit_settings: Settings) -> None:
    async with running(limit_settings, rate_limit_per_ip=2) as app, client_for(app) as client:
        await client.get(ROLES)
        with clock.shifted(timedelta(seconds=30)):
            await client.get(ROLES)
            r = await client.get(ROLES)
            assert r.status_code == 429
            assert r.headers["retry-after"] == "30"  # when the first request leaves the window
        with clock.shifted(timedelta(seconds=61)):
            assert (await client.get(ROLES)).status_code == 401
            assert (await client.get(ROLES)).status_code == 429  # the one at +30 s still counts


async def test_each_ip_has_its_own_allowance(limit_settings: Settings) -> None:
    async with (
        running(limit_settings, rate_limit_per_ip=2) as app,
        client_for(app, "198.51.100.1") as first,
        client_for(app, "198.51.100.2") as second,
    ):
        for _ in range(2):
            await first.get(ROLES)
        assert (await first.get(ROLES)).status_code == 429
        assert (await second.get(ROLES)).status_code == 401


async def test_a_forged_token_does_not_escape_the_ip_limit(limit_settings: Settings) -> None:
    async with running(limit_settings, rate_limit_per_ip=2) as app, client_for(app) as client:
        forged = {"Authorization": "Bearer not.a.token"}
        assert [(await client.get(ROLES, headers=forged)).status_code for _ in range(2)] == [401, 401]
        assert (await client.get(ROLES, headers=forged)).status_code == 429


async def test_each_user_has_their_own_allowance_on_a_shared_ip(limit_settings: Settings) -> None:
    async with (
        running(limit_settings, rate_limit_per_user=3, rate_limit_per_ip=100) as app,
        client_for(app) as client,
    ):
        alice = await staff_client(client, "alice", roles=["scanner"])
        bob = await staff_client(client, "bob", roles=["scanner"])
        for _ in range(3):
            assert (await client.get(ROLES, headers=alice)).status_code == 200

        r = await client.get(ROLES, headers=alice)

        assert r.status_code == 429 and "retry-after" in r.headers
        assert (await client.get(ROLES, headers=bob)).status_code == 200
        assert (await client.get(ROLES)).status_code == 401  # anonymous callers on the IP are not held back


async def test_a_users_limit_follows_them_across_ips(limit_settings: Settings) -> None:
    async with (
        running(limit_settings, rate_limit_per_user=2, rate_limit_per_ip=100) as app,
        client_for(app, "198.51.100.1") as home,
        client_for(app, "198.51.100.2") as office,
    ):
        alice = await staff_client(home, "alice", roles=["scanner"])
        await home.get(ROLES, headers=alice)
        await office.get(ROLES, headers=alice)
        assert (await office.get(ROLES, headers=alice)).status_code == 429


async def test_a_request_refused_by_its_ips_limit_does_not_count_against_its_user(
    limit_settings: Settings,
) -> None:
    # With a Redis server both limits are counted in one call after authentication: in the same
    # order as one after the other, the IP's first.
    async with (
        running(limit_settings, rate_limit_per_ip=2, rate_limit_per_user=3) as app,
        client_for(app, "198.51.100.1") as home,
        client_for(app, "198.51.100.2") as office,
        client_for(app, "198.51.100.3") as elsewhere,
    ):
        alice = await staff_client(elsewhere, "alice", roles=["scanner"])
        at_home = [await home.get(ROLES, headers=alice) for _ in range(3)]
        at_office = [await office.get(ROLES, headers=alice) for _ in range(2)]

    assert [r.status_code for r in at_home] == [200, 200, 429]
    assert at_home[2].json()["error"]["details"]["limit"] == 2  # the IP's
    assert [r.status_code for r in at_office] == [200, 429]  # the third of the user's three, then refused
    assert at_office[1].json()["error"]["details"]["limit"] == 3


async def test_a_refused_body_still_counts_against_the_ip(limit_settings: Settings) -> None:
    async with (
        running(limit_settings, rate_limit_per_ip=2, max_body_bytes=64) as app,
        client_for(app) as client,
        client_for(app, "198.51.100.3") as elsewhere,
    ):
        alice = await staff_client(elsewhere, "alice", roles=["scanner"])
        answers = [await client.post(ROLES, headers=alice, content=b"x" * 100) for _ in range(3)]

    assert [r.status_code for r in answers] == [413, 413, 429]


async def test_login_routes_have_a_stricter_limit(limit_settings: Settings) -> None:
    async with (
        running(limit_settings, rate_limit_login_per_ip=2, rate_limit_per_ip=100) as app,
        client_for(app) as client,
    ):
        await make_staff("wang.li", roles=["scanner"])
        for _ in range(2):
            r = await client.post(LOGIN, json={"username": "wang.li", "password": "guess guess guess"})
            assert error_code(r) == "staff_credentials_invalid"

        r = await client.post(LOGIN, json={"username": "wang.li", "password": PASSWORD})

        assert r.status_code == 429 and "retry-after" in r.headers
        assert (await client.post("/api/v1//staff/auth/login/", json={})).status_code == 429
        assert (
            await client.post("/api/v1/auth/wechat/login", json={})
        ).status_code == 429  # residents' login
        assert (await client.get(ROLES)).status_code == 401  # other routes are not affected
        # The refused attempt was not counted against the account.
        assert (await StaffAccount.get(username="wang.li")).failed_attempts == 2


async def test_health_metrics_and_payment_notifications_are_never_limited(limit_settings: Settings) -> None:
    async with running(limit_settings, rate_limit_per_ip=1) as app, client_for(app) as client:
        for _ in range(5):
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.get("/metrics")).status_code == 200
            assert (await client.post("/api/v1/payments/notify/wechat", content=b"<xml/>")).status_code != 429


async def test_the_h5_apps_files_are_not_limited_but_its_api_calls_are(
    limit_settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>PalmCity</title>")
    (tmp_path / "app.css").write_text("body{}")
    async with (
        running(limit_settings, rate_limit_per_ip=2, h5_dist=tmp_path) as app,
        client_for(app) as client,
    ):
        files = [await client.get(path) for path in ("/h5/", "/h5/app.css") * 5]
        calls = [await client.get("/api/v1/catalog/themes") for _ in range(3)]
    assert {r.status_code for r in files} == {200}
    assert [r.status_code for r in calls] == [200, 200, 429]


async def test_a_limit_of_zero_switches_the_limit_off(limit_settings: Settings) -> None:
    async with running(limit_settings, rate_limit_per_ip=0) as app, client_for(app) as client:
        assert {(await client.get(ROLES)).status_code for _ in range(10)} == {401}


async def test_requests_go_through_when_redis_fails_under_the_limiter(settings: Settings) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    async with running(settings, rate_limit_per_ip=1) as app, client_for(app) as client:
        runtime = app.ctx.runtime
        limiter_redis = runtime.redis
        # The Redis limiter even when this suite runs on the embedded default (whose own limiter
        # counts in memory and has no Redis to lose; see the next test).
        app.ctx.rate_limiter = (runtime, RateLimiter(limiter_redis, runtime.keys))

        async def broken(*args: Any, **kwargs: Any) -> Any:
            raise RedisConnectionError("down")

        original = limiter_redis.evalsha
        limiter_redis.evalsha = broken
        try:
            assert [(await client.get("/api/v1/staff/roles")).status_code for _ in range(3)] == [
                401,
                401,
                401,
            ]
        finally:
            limiter_redis.evalsha = original


async def test_the_embedded_limiter_counts_in_the_process_not_in_redis(settings: Settings) -> None:
    embedded = settings.model_copy(update={"redis_url": "memory://"})
    async with running(embedded, rate_limit_per_ip=2) as app, client_for(app) as client:
        assert [(await client.get(ROLES)).status_code for _ in range(3)] == [401, 401, 429]
        redis = app.ctx.runtime.redis
        assert [k async for k in redis.scan_iter(match=f"{settings.redis_prefix}:ratelimit:*")] == []


async def test_with_a_redis_server_workers_share_the_limits(settings: Settings) -> None:
    if settings.uses_embedded_redis:
        pytest.skip("this run has no real Redis")
    # Two apps on one Redis and prefix stand for two workers: the limit is counted once for both.
    async with (
        running(settings, rate_limit_per_ip=3) as one,
        running(settings, rate_limit_per_ip=3) as other,
        client_for(one) as first,
        client_for(other) as second,
    ):
        assert [(await c.get(ROLES)).status_code for c in (first, second, first)] == [401, 401, 401]
        r = await second.get(ROLES)
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60


# -- idempotency keys ----------------------------------------------------------------------------


async def test_a_retried_create_replays_the_first_answer(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    headers = {**admin, "Idempotency-Key": "0b3c6f1e-create-zhou"}

    first = await client.post(ACCOUNTS, json=new_account(), headers=headers)
    second = await client.post(ACCOUNTS, json=new_account(), headers=headers)

    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["location"] == first.headers["location"]
    assert await StaffAccount.filter(username="zhou.min").count() == 1


async def test_the_same_key_with_another_body_is_refused(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    headers = {**admin, "Idempotency-Key": "key-1"}
    assert (await client.post(ACCOUNTS, json=new_account(), headers=headers)).status_code == 201

    r = await client.post(ACCOUNTS, json=new_account("li.na"), headers=headers)

    assert (r.status_code, error_code(r)) == (422, "idempotency_key_mismatch")
    assert not await StaffAccount.exists(username="li.na")


async def test_the_same_key_while_the_first_request_runs_is_409(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await staff_client(client, "admin")
    headers = {**admin, "Idempotency-Key": "key-slow"}
    entered, release = asyncio.Event(), asyncio.Event()
    create = service.create_staff

    async def slow_create(**kwargs: Any) -> StaffAccount:
        entered.set()
        await release.wait()
        return await create(**kwargs)

    monkeypatch.setattr(service, "create_staff", slow_create)
    first = asyncio.create_task(client.post(ACCOUNTS, json=new_account(), headers=headers))
    await asyncio.wait_for(entered.wait(), 5)

    second = await client.post(ACCOUNTS, json=new_account(), headers=headers)

    assert (second.status_code, error_code(second)) == (409, "idempotency_key_in_progress")
    release.set()
    assert (await first).status_code == 201
    third = await client.post(ACCOUNTS, json=new_account(), headers=headers)
    assert third.headers["idempotent-replayed"] == "true"


async def test_a_failed_request_frees_the_key_for_a_retry(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await staff_client(client, "admin")
    headers = {**admin, "Idempotency-Key": "key-flaky"}
    create = service.create_staff

    async def broken(**kwargs: Any) -> StaffAccount:
        raise RuntimeError("database fell over")

    monkeypatch.setattr(service, "create_staff", broken)
    failed = await client.post(ACCOUNTS, json=new_account(), headers=headers)
    assert (failed.status_code, error_code(failed)) == (500, "internal_error")

    monkeypatch.setattr(service, "create_staff", create)
    retried = await client.post(ACCOUNTS, json=new_account(), headers=headers)

    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers


async def test_a_refusal_is_an_answer_and_is_replayed(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    await make_staff("zhou.min", roles=["scanner"])
    headers = {**admin, "Idempotency-Key": "key-taken"}

    first = await client.post(ACCOUNTS, json=new_account(), headers=headers)
    second = await client.post(ACCOUNTS, json=new_account(), headers=headers)

    assert (first.status_code, error_code(first)) == (409, "staff_username_taken")
    assert second.status_code == 409 and second.headers["idempotent-replayed"] == "true"
    assert second.json()["error"] == first.json()["error"]


async def test_keys_belong_to_their_caller(client: httpx.AsyncClient) -> None:
    first_admin = await staff_client(client, "admin")
    second_admin = await staff_client(client, "root.admin")
    key = {"Idempotency-Key": "same-key"}

    a = await client.post(ACCOUNTS, json=new_account("li.na"), headers={**first_admin, **key})
    b = await client.post(ACCOUNTS, json=new_account("zhou.min"), headers={**second_admin, **key})

    assert a.status_code == b.status_code == 201
    assert "idempotent-replayed" not in b.headers


async def test_a_quoted_key_is_the_same_key(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    await client.post(ACCOUNTS, json=new_account(), headers={**admin, "Idempotency-Key": "abc-123"})
    r = await client.post(ACCOUNTS, json=new_account(), headers={**admin, "Idempotency-Key": '"abc-123"'})
    assert r.headers.get("idempotent-replayed") == "true"


@pytest.mark.parametrize("key", ["", " ", "x" * 129, "has space", "中文", "tab\there"])
async def test_a_malformed_key_is_refused(client: httpx.AsyncClient, key: str) -> None:
    admin = await staff_client(client, "admin")
    r = await client.post(ACCOUNTS, json=new_account(), headers={**admin, "Idempotency-Key": key.encode()})  # type: ignore[dict-item]
    assert (r.status_code, error_code(r)) == (400, "idempotency_key_invalid")
    assert not await StaffAccount.exists(username="zhou.min")


async def test_without_a_key_creates_are_not_deduplicated(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    assert (await client.post(ACCOUNTS, json=new_account(), headers=admin)).status_code == 201
    r = await client.post(ACCOUNTS, json=new_account(), headers=admin)
    assert error_code(r) == "staff_username_taken"


async def test_a_route_may_require_a_key(settings: Settings) -> None:
    async with running(settings) as app:

        @app.post("/test/orders")
        @idempotent(required=True)
        async def create_order(request: Request) -> HTTPResponse:
            return json({"order": 1}, status=201)

        async with client_for(app) as client:
            missing = await client.post("/test/orders", json={})
            assert (missing.status_code, error_code(missing)) == (400, "idempotency_key_required")
            # Anonymous callers are told apart by IP.
            first = await client.post("/test/orders", json={}, headers={"Idempotency-Key": "k"})
            again = await client.post("/test/orders", json={}, headers={"Idempotency-Key": "k"})
            assert first.status_code == again.status_code == 201
            assert again.headers["idempotent-replayed"] == "true"
            async with client_for(app, "198.51.100.9") as elsewhere:
                other = await elsewhere.post("/test/orders", json={}, headers={"Idempotency-Key": "k"})
                assert "idempotent-replayed" not in other.headers


async def test_a_finished_key_expires_after_a_day(client: httpx.AsyncClient, runtime: Any) -> None:
    admin = await staff_client(client, "admin")
    headers = {**admin, "Idempotency-Key": "key-ttl"}
    await client.post(ACCOUNTS, json=new_account(), headers=headers)
    keys = [k async for k in runtime.redis.scan_iter(match=f"{runtime.keys.prefix}:idem:*")]
    assert len(keys) == 1
    assert 23 * 3600 < await runtime.redis.ttl(keys[0]) <= 24 * 3600
