"""Staff accounts over HTTP: password login and lockout, sessions, roles and scopes, administration."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sanic import HTTPResponse, Request, json

from api._access import requires_staff
from domain.audit.models import AuditRecord
from domain.shared import clock
from domain.staff import service
from domain.staff.errors import (
    StaffPasswordTooShort,
    StaffRoleUnknown,
    StaffScopeInvalid,
    StaffUsernameInvalid,
)
from domain.staff.models import StaffAccount
from domain.staff.roles import Role
from server.settings import Settings
from tests.support import environment
from tests.support.apps import client_for, error_code, running

PASSWORD = "correct horse battery"
LOGIN = "/api/v1/staff/auth/login"
ACCOUNTS = "/api/v1/staff/accounts"


# -- helpers (also used by test_guards and test_errors) -----------------------------------------


async def make_staff(
    username: str = "admin",
    *,
    roles: Iterable[str] = ("admin",),
    scopes: Iterable[str] = ("*",),
    password: str = PASSWORD,
    scan_kinds: Iterable[str] = (),
) -> StaffAccount:
    return await service.create_staff(
        username=username,
        password=password,
        display_name=username.title(),
        roles=roles,
        scopes=scopes,
        scan_kinds=scan_kinds,
    )


async def log_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    r = await client.post(LOGIN, json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    tokens: dict[str, Any] = r.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def staff_client(client: httpx.AsyncClient, username: str, **kwargs: Any) -> dict[str, str]:
    """Create a staff account, log it in, and return the auth headers."""
    await make_staff(username, **kwargs)
    return bearer(await log_in(client, username))


# -- login ---------------------------------------------------------------------------------------


async def test_staff_member_logs_in_and_reads_their_own_account(client: httpx.AsyncClient) -> None:
    await make_staff("wang.li", roles=["scanner"], scopes=["GZ-PARK-01"])

    r = await client.post(LOGIN, json={"username": "wang.li", "password": PASSWORD})

    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    assert body["account"]["username"] == "wang.li"
    assert body["account"]["roles"] == ["scanner"] and body["account"]["scopes"] == ["GZ-PARK-01"]
    assert "password_hash" not in body["account"]
    me = await client.get("/api/v1/staff/me", headers=bearer(body))
    assert me.status_code == 200
    assert me.json()["username"] == "wang.li"
    assert me.json()["last_login_at"] is not None


async def test_usernames_are_case_insensitive(client: httpx.AsyncClient) -> None:
    await make_staff("Chen.Wei", roles=["scanner"])
    assert (await StaffAccount.get()).username == "chen.wei"
    await log_in(client, "  CHEN.wei ")


async def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    await make_staff("wang.li", roles=["scanner"])

    wrong_password = await client.post(LOGIN, json={"username": "wang.li", "password": "not the password"})
    unknown_user = await client.post(LOGIN, json={"username": "li.wang", "password": "not the password"})

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json()["error"] == unknown_user.json()["error"]
    assert error_code(wrong_password) == "staff_credentials_invalid"


async def test_the_account_locks_after_too_many_failures_and_unlocks_when_the_lock_ends(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await make_staff("wang.li", roles=["scanner"])
    threshold = settings.staff_lockout_threshold

    for _ in range(threshold - 1):
        r = await client.post(LOGIN, json={"username": "wang.li", "password": "guess guess guess"})
        assert error_code(r) == "staff_credentials_invalid"
    r = await client.post(LOGIN, json={"username": "wang.li", "password": "guess guess guess"})

    assert r.status_code == 403
    assert error_code(r) == "staff_locked"
    assert r.json()["error"]["details"]["retry_after"] == settings.staff_lockout_seconds
    datetime.fromisoformat(r.json()["error"]["details"]["locked_until"])
    # While locked, even the right password is refused, and the wait shrinks as time passes.
    with clock.shifted(timedelta(seconds=60)):
        r = await client.post(LOGIN, json={"username": "wang.li", "password": PASSWORD})
        assert error_code(r) == "staff_locked"
        assert r.json()["error"]["details"]["retry_after"] == settings.staff_lockout_seconds - 60
    with clock.shifted(timedelta(seconds=settings.staff_lockout_seconds + 1)):
        await log_in(client, "wang.li")
    account = await StaffAccount.get(username="wang.li")
    assert account.failed_attempts == 0 and account.locked_until is None


@pytest.mark.postgres
async def test_concurrent_guesses_cannot_slip_past_the_threshold(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    clerk = await make_staff("wang.li", roles=["scanner"])
    guesses = 3 * settings.staff_lockout_threshold

    answers = await asyncio.gather(
        *(
            client.post(LOGIN, json={"username": "wang.li", "password": f"guess {n:04}"})
            for n in range(guesses)
        )
    )

    codes = [error_code(r) for r in answers]
    assert codes.count("staff_credentials_invalid") == settings.staff_lockout_threshold - 1
    assert codes.count("staff_locked") == guesses - settings.staff_lockout_threshold + 1
    assert await AuditRecord.filter(action="staff.locked", target_id=str(clerk.id)).count() == 1
    assert await AuditRecord.filter(action="staff.login_failed", target_id=str(clerk.id)).count() == guesses


async def test_the_lock_is_kept_in_the_database_and_survives_losing_redis(
    client: httpx.AsyncClient, settings: Settings, runtime: Any
) -> None:
    await make_staff("wang.li", roles=["scanner"])
    for _ in range(settings.staff_lockout_threshold):
        await client.post(LOGIN, json={"username": "wang.li", "password": "guess guess guess"})

    await environment.clear_redis_prefix(runtime.redis, settings.redis_prefix)

    r = await client.post(LOGIN, json={"username": "wang.li", "password": PASSWORD})
    assert error_code(r) == "staff_locked"


async def test_a_successful_login_forgets_earlier_failures(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await make_staff("wang.li", roles=["scanner"])
    for _ in range(settings.staff_lockout_threshold - 1):
        await client.post(LOGIN, json={"username": "wang.li", "password": "guess guess guess"})
    await log_in(client, "wang.li")

    r = await client.post(LOGIN, json={"username": "wang.li", "password": "guess guess guess"})

    assert error_code(r) == "staff_credentials_invalid"
    assert (await StaffAccount.get(username="wang.li")).failed_attempts == 1


async def test_a_disabled_account_cannot_log_in(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    clerk = await make_staff("wang.li", roles=["scanner"])
    await client.patch(f"{ACCOUNTS}/{clerk.id}", json={"active": False}, headers=admin)

    right = await client.post(LOGIN, json={"username": "wang.li", "password": PASSWORD})
    wrong = await client.post(LOGIN, json={"username": "wang.li", "password": "guess guess guess"})

    assert (right.status_code, error_code(right)) == (403, "staff_account_disabled")
    assert error_code(wrong) == "staff_credentials_invalid"  # only the right password learns it is disabled


# -- sessions ------------------------------------------------------------------------------------


async def test_refresh_rotates_the_tokens_and_a_spent_one_ends_the_session(client: httpx.AsyncClient) -> None:
    await make_staff("wang.li", roles=["scanner"])
    first = await log_in(client, "wang.li")

    r = await client.post("/api/v1/staff/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/v1/staff/me", headers=bearer(second))).status_code == 200

    with clock.shifted(timedelta(minutes=5)):  # past the grace window for retries
        replay = await client.post(
            "/api/v1/staff/auth/refresh", json={"refresh_token": first["refresh_token"]}
        )
    assert error_code(replay) == "refresh_token_reused"
    assert (await client.get("/api/v1/staff/me", headers=bearer(second))).status_code == 401


async def test_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    await make_staff("wang.li", roles=["scanner"])
    tokens = await log_in(client, "wang.li")

    r = await client.post("/api/v1/staff/auth/logout", json={"refresh_token": tokens["refresh_token"]})

    assert r.status_code == 204
    me = await client.get("/api/v1/staff/me", headers=bearer(tokens))
    assert (me.status_code, error_code(me)) == (401, "token_invalid")
    again = await client.post("/api/v1/staff/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401
    # Logging out twice, or with nonsense, is not an error.
    assert (
        await client.post("/api/v1/staff/auth/logout", json={"refresh_token": "nonsense"})
    ).status_code == 204


async def test_changing_roles_ends_the_accounts_sessions_so_new_roles_apply_at_once(
    client: httpx.AsyncClient,
) -> None:
    admin = await staff_client(client, "admin")
    clerk = await make_staff("wang.li", roles=["scanner"])
    tokens = await log_in(client, "wang.li")

    r = await client.patch(f"{ACCOUNTS}/{clerk.id}", json={"roles": ["case_officer"]}, headers=admin)

    assert r.status_code == 200 and r.json()["roles"] == ["case_officer"]
    assert (await client.get("/api/v1/staff/me", headers=bearer(tokens))).status_code == 401
    fresh = await log_in(client, "wang.li")
    assert fresh["account"]["roles"] == ["case_officer"]


async def test_a_resident_token_does_not_open_staff_routes(client: httpx.AsyncClient, runtime: Any) -> None:
    pair = await runtime.tokens.start_family(subject="1", audience="resident", extra={})
    r = await client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {pair.access_token}"})
    assert (r.status_code, error_code(r)) == (401, "unauthenticated")
    r = await client.get(ACCOUNTS, headers={"Authorization": f"Bearer {pair.access_token}"})
    assert (r.status_code, error_code(r)) == (401, "unauthenticated")


async def test_a_resident_refresh_token_is_refused_by_the_staff_refresh(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    pair = await runtime.tokens.start_family(subject="1", audience="resident", extra={})
    r = await client.post("/api/v1/staff/auth/refresh", json={"refresh_token": pair.refresh_token})
    assert (r.status_code, error_code(r)) == (401, "token_invalid")


# -- roles and scopes ----------------------------------------------------------------------------


async def test_a_route_for_another_role_is_refused_with_the_role_needed(client: httpx.AsyncClient) -> None:
    scanner = await staff_client(client, "wang.li", roles=["scanner"])

    r = await client.get(ACCOUNTS, headers=scanner)

    assert r.status_code == 403
    assert error_code(r) == "staff_role_required"
    assert r.json()["error"]["details"]["role"] == "admin"
    assert r.json()["error"]["details"]["role_name"]


async def test_staff_routes_need_a_login(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", ACCOUNTS),
        ("POST", ACCOUNTS),
        ("GET", "/api/v1/staff/me"),
        ("GET", "/api/v1/staff/audit"),
    ]:
        r = await client.request(method, path, json={})
        assert (r.status_code, error_code(r)) == (401, "unauthenticated"), (method, path)


async def test_scopes_limit_where_a_role_applies(settings: Settings) -> None:
    # A route naming its department in the URL, as a case-handling route would.
    async with running(settings) as app:

        @app.get("/test/departments/<department>/cases")
        @requires_staff(Role.CASE_OFFICER, scope_from="department")
        async def cases(request: Request, department: str) -> HTTPResponse:
            return json({"department": department})

        @app.get("/test/cases")
        @requires_staff(Role.CASE_OFFICER, scope_from="department")
        async def all_cases(request: Request) -> HTTPResponse:
            return json({"department": request.args.get("department")})

        async with client_for(app) as client:
            officer = await staff_client(client, "officer", roles=["case_officer"], scopes=["GZ-HRSS"])
            everywhere = await staff_client(client, "chief", roles=["case_officer"], scopes=["*"])

            assert (await client.get("/test/departments/GZ-HRSS/cases", headers=officer)).status_code == 200
            assert (await client.get("/test/cases?department=GZ-HRSS", headers=officer)).status_code == 200
            other = await client.get("/test/departments/SZ-HRSS/cases", headers=officer)
            assert (other.status_code, error_code(other)) == (403, "staff_scope_required")
            assert other.json()["error"]["details"] == {"scopes": ["SZ-HRSS"]}
            # Naming no department means all of them, which needs "*".
            unscoped = await client.get("/test/cases", headers=officer)
            assert error_code(unscoped) == "staff_scope_required"
            assert (await client.get("/test/cases", headers=everywhere)).status_code == 200
            assert (
                await client.get("/test/departments/SZ-HRSS/cases", headers=everywhere)
            ).status_code == 200


async def test_roles_are_listed_with_names_in_the_callers_language(client: httpx.AsyncClient) -> None:
    headers = await staff_client(client, "wang.li", roles=["scanner"])
    r = await client.get("/api/v1/staff/roles", headers={**headers, "Accept-Language": "en"})
    assert r.status_code == 200
    codes = [item["code"] for item in r.json()["items"]]
    assert codes == [role.value for role in Role]
    assert r.json()["items"][0]["name"] == Role.ADMIN.label.render("en")


# -- administration ------------------------------------------------------------------------------


async def test_an_admin_creates_an_account_that_can_then_log_in(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")

    r = await client.post(
        ACCOUNTS,
        json={
            "username": "Zhou.Min",
            "password": PASSWORD,
            "display_name": "周敏",
            "roles": ["case_officer", "scanner", "case_officer"],
            "scopes": ["GZ-HRSS", "GZ-HRSS-TIANHE"],
        },
        headers=admin,
    )

    assert r.status_code == 201, r.text
    created = r.json()
    assert created["username"] == "zhou.min" and created["display_name"] == "周敏"
    assert created["roles"] == ["case_officer", "scanner"]
    assert r.headers["location"] == f"{ACCOUNTS}/{created['id']}"
    assert (await log_in(client, "zhou.min"))["account"]["id"] == created["id"]
    shown = await client.get(f"{ACCOUNTS}/{created['id']}", headers=admin)
    assert shown.json() == {**created, "last_login_at": shown.json()["last_login_at"]}


async def test_a_username_can_be_taken_only_once(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    account = {"username": "zhou.min", "password": PASSWORD, "display_name": "Zhou", "roles": ["scanner"]}
    assert (await client.post(ACCOUNTS, json=account, headers=admin)).status_code == 201

    r = await client.post(ACCOUNTS, json={**account, "username": "ZHOU.MIN"}, headers=admin)

    assert (r.status_code, error_code(r)) == (409, "staff_username_taken")


async def test_creating_an_account_checks_each_field(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")

    r = await client.post(
        ACCOUNTS,
        json={"username": "x", "password": "short", "display_name": "", "roles": ["boss"], "scopes": ["a b"]},
        headers=admin,
    )

    assert (r.status_code, error_code(r)) == (422, "invalid_input")
    fields = {f["field"]: f["code"] for f in r.json()["error"]["details"]["fields"]}
    assert fields == {
        "username": "too_short",
        "password": "too_short",
        "display_name": "too_short",
        "roles.0": "not_allowed",
        "scopes.0": "bad_format",
    }


async def test_admins_list_accounts_page_by_page(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    for name in ("a.one", "a.two", "a.three"):
        await make_staff(name, roles=["scanner"])

    r = await client.get(f"{ACCOUNTS}?limit=2&offset=1", headers=admin)

    assert r.status_code == 200
    assert r.json()["total"] == 4
    assert [a["username"] for a in r.json()["items"]] == ["a.one", "a.two"]
    bad = await client.get(f"{ACCOUNTS}?limit=0", headers=admin)
    assert (bad.status_code, error_code(bad)) == (422, "invalid_input")


async def test_an_admin_unlocks_a_locked_account(client: httpx.AsyncClient, settings: Settings) -> None:
    admin = await staff_client(client, "admin")
    clerk = await make_staff("wang.li", roles=["scanner"])
    for _ in range(settings.staff_lockout_threshold):
        await client.post(LOGIN, json={"username": "wang.li", "password": "guess guess guess"})
    assert (await StaffAccount.get(id=clerk.id)).locked_until is not None

    r = await client.patch(f"{ACCOUNTS}/{clerk.id}", json={"unlock": True}, headers=admin)

    assert r.status_code == 200 and r.json()["locked_until"] is None
    await log_in(client, "wang.li")


async def test_an_admin_resets_a_password(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    clerk = await make_staff("wang.li", roles=["scanner"])
    r = await client.patch(f"{ACCOUNTS}/{clerk.id}", json={"password": "a brand new secret"}, headers=admin)
    assert r.status_code == 200
    old = await client.post(LOGIN, json={"username": "wang.li", "password": PASSWORD})
    assert error_code(old) == "staff_credentials_invalid"
    await log_in(client, "wang.li", "a brand new secret")


async def test_an_admin_cannot_lock_themselves_out(client: httpx.AsyncClient) -> None:
    me = await make_staff("admin")
    admin = bearer(await log_in(client, "admin"))

    for change in ({"active": False}, {"roles": ["scanner"]}):
        r = await client.patch(f"{ACCOUNTS}/{me.id}", json=change, headers=admin)
        assert (r.status_code, error_code(r)) == (409, "staff_self_lockout")


async def test_changing_a_missing_account_is_not_found(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    r = await client.patch(f"{ACCOUNTS}/999999", json={"active": False}, headers=admin)
    assert (r.status_code, error_code(r)) == (404, "staff_account_not_found")


async def test_staff_may_read_only_their_own_account(client: httpx.AsyncClient) -> None:
    clerk = await make_staff("wang.li", roles=["scanner"])
    other = await make_staff("zhou.min", roles=["scanner"])
    headers = bearer(await log_in(client, "wang.li"))
    assert (await client.get(f"{ACCOUNTS}/{clerk.id}", headers=headers)).status_code == 200
    r = await client.get(f"{ACCOUNTS}/{other.id}", headers=headers)
    assert error_code(r) == "staff_role_required"


async def test_admins_read_the_audit_trail_of_one_account(client: httpx.AsyncClient) -> None:
    admin = await staff_client(client, "admin")
    clerk = await make_staff("wang.li", roles=["scanner"])
    await client.post(LOGIN, json={"username": "wang.li", "password": "guess guess guess"})
    await client.patch(f"{ACCOUNTS}/{clerk.id}", json={"scopes": ["GZ-HRSS"]}, headers=admin)

    r = await client.get(
        f"/api/v1/staff/audit?target_type=staff_account&target_id={clerk.id}&limit=10", headers=admin
    )

    assert r.status_code == 200
    actions = [item["action"] for item in r.json()["items"]]
    assert actions == ["staff.account_updated", "staff.login_failed", "staff.account_created"]
    updated = r.json()["items"][0]
    assert updated["before"] == {"scopes": ["*"]} and updated["after"] == {"scopes": ["GZ-HRSS"]}
    assert updated["actor_kind"] == "staff" and updated["ip"] == "203.0.113.7"
    assert updated["request_id"] == r.json()["items"][0]["request_id"]
    scanner = bearer(await log_in(client, "wang.li"))
    denied = await client.get("/api/v1/staff/audit", headers=scanner)
    assert error_code(denied) == "staff_role_required"


# -- the service the operator CLI calls ----------------------------------------------------------


async def test_create_staff_checks_what_the_cli_passes(db: str) -> None:
    cases: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"password": "too short"}, StaffPasswordTooShort),
        ({"roles": ["root"]}, StaffRoleUnknown),
        ({"scopes": ["no spaces"]}, StaffScopeInvalid),
        ({"username": "é"}, StaffUsernameInvalid),
    ]
    for change, error in cases:
        arguments = {
            "username": "ops",
            "password": PASSWORD,
            "display_name": "Ops",
            "roles": ["admin"],
            "scopes": ["*"],
            **change,
        }
        with pytest.raises(error):
            await service.create_staff(**arguments)
    assert await StaffAccount.all().count() == 0

    account = await service.create_staff(
        username="ops", password=PASSWORD, display_name="Ops", roles=["admin"], scopes=["GZ", "*"]
    )
    assert account.scopes == ["*"] and account.password_hash.startswith("$argon2id$")
    assert await AuditRecord.filter(action="staff.account_created", actor_kind="system").count() == 1
