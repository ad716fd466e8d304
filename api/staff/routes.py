"""Staff console API: login and sessions, accounts (administrators), the audit trail."""

from __future__ import annotations

from sanic import HTTPResponse, Request, empty
from sanic_ext import openapi

from api._access import actor_of, anonymous_actor, requires, requires_staff
from api._idempotency import idempotent
from api._kit import body, documented, parse_query, respond
from api.staff.schemas import (
    AccountListOut,
    AccountOut,
    AccountsQuery,
    AuditQuery,
    AuditRecordOut,
    AuditTrailOut,
    CreateAccountIn,
    LoginIn,
    LoginOut,
    RefreshIn,
    RoleOut,
    RolesOut,
    SessionOut,
    UpdateAccountIn,
)
from domain.staff import service
from domain.staff.models import StaffAccount
from domain.staff.roles import Role
from domain.staff.scopes import scope_names

ACCOUNTS_PATH = "/api/v1/staff/accounts"


def _sessions(request: Request) -> service.StaffSessions:
    runtime = request.app.ctx.runtime
    return service.StaffSessions(
        tokens=runtime.tokens,
        redis=runtime.redis,
        keys=runtime.keys,
        ttl=runtime.settings.refresh_token_ttl_seconds,
    )


def _policy(request: Request) -> service.LockoutPolicy:
    settings = request.app.ctx.runtime.settings
    return service.LockoutPolicy(
        threshold=settings.staff_lockout_threshold, seconds=settings.staff_lockout_seconds
    )


async def _accounts(accounts: list[StaffAccount]) -> list[AccountOut]:
    names = await scope_names(s for a in accounts for s in a.scopes)
    return [AccountOut.of(a, names) for a in accounts]


async def _account(account: StaffAccount) -> AccountOut:
    return (await _accounts([account]))[0]


# -- sessions ------------------------------------------------------------------------------------


@openapi.summary("Log in with a staff username and password")
@openapi.description(
    "Refused with `staff_credentials_invalid` for a wrong username or password alike, and with "
    "`staff_locked` (details: `retry_after` seconds) after too many failures in a row."
)
@documented(LoginOut)
@body(LoginIn)
async def login(request: Request) -> HTTPResponse:
    data: LoginIn = request.ctx.body
    account, pair = await service.login(
        username=data.username,
        password=data.password,
        actor=anonymous_actor(request),
        sessions=_sessions(request),
        policy=_policy(request),
    )
    return respond(
        LoginOut(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            account=await _account(account),
        )
    )


@openapi.summary("Exchange a staff refresh token for new tokens (the old one is spent)")
@documented(SessionOut)
@body(RefreshIn)
async def refresh(request: Request) -> HTTPResponse:
    data: RefreshIn = request.ctx.body
    pair = await service.refresh(refresh_token=data.refresh_token, sessions=_sessions(request))
    return respond(
        SessionOut(
            access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
        )
    )


@openapi.summary("End the staff session a refresh token belongs to")
@openapi.response(204, description="Logged out (also for an unknown token)")
@body(RefreshIn)
async def logout(request: Request) -> HTTPResponse:
    data: RefreshIn = request.ctx.body
    actor = request.ctx.actor or anonymous_actor(request)
    await service.logout(refresh_token=data.refresh_token, actor=actor, sessions=_sessions(request))
    return empty()


@openapi.summary("The calling staff member's own account")
@documented(AccountOut)
@requires("staff")
async def me(request: Request) -> HTTPResponse:
    actor = actor_of(request)
    return respond(await _account(await service.get_account(actor, actor.id or 0)))


@openapi.summary("Staff roles, with their names in the caller's language")
@documented(RolesOut)
@requires("staff")
async def roles(request: Request) -> HTTPResponse:
    locale = request.ctx.locale
    return respond(RolesOut(items=[RoleOut(code=r.value, name=r.label.render(locale)) for r in Role]))


# -- accounts (administrators) -------------------------------------------------------------------


@openapi.summary("Create a staff account (administrators)")
@openapi.description(
    "Honours `Idempotency-Key`: a retry with the same key and body replays the first answer."
)
@documented(AccountOut, 201)
@requires_staff(Role.ADMIN)
@idempotent()
@body(CreateAccountIn)
async def create_account(request: Request) -> HTTPResponse:
    data: CreateAccountIn = request.ctx.body
    account = await service.create_staff(
        username=data.username,
        password=data.password,
        display_name=data.display_name,
        roles=[r.value for r in data.roles],
        scopes=data.scopes,
        scan_kinds=[k.value for k in data.scan_kinds],
        actor=actor_of(request),
    )
    response = respond(await _account(account), status=201)
    response.headers["Location"] = f"{ACCOUNTS_PATH}/{account.id}"
    return response


@openapi.summary("List staff accounts (administrators)")
@openapi.parameter("active", bool, "query")
@openapi.parameter("limit", int, "query")
@openapi.parameter("offset", int, "query")
@documented(AccountListOut)
@requires_staff(Role.ADMIN)
async def list_accounts(request: Request) -> HTTPResponse:
    query = parse_query(request, AccountsQuery)
    items, total = await service.list_accounts(
        actor_of(request), active=query.active, limit=query.limit, offset=query.offset
    )
    return respond(
        AccountListOut(items=await _accounts(items), total=total, limit=query.limit, offset=query.offset)
    )


@openapi.summary("One staff account (administrators, or the account's owner)")
@documented(AccountOut)
@requires("staff")
async def get_account(request: Request, account_id: int) -> HTTPResponse:
    return respond(await _account(await service.get_account(actor_of(request), account_id)))


@openapi.summary(
    "Change a staff account: roles, scopes, scan kinds, active, password, unlock (administrators)"
)
@openapi.description("Changing roles, scopes, the password or `active` ends the account's sessions.")
@documented(AccountOut)
@requires_staff(Role.ADMIN)
@body(UpdateAccountIn)
async def update_account(request: Request, account_id: int) -> HTTPResponse:
    data: UpdateAccountIn = request.ctx.body
    account = await service.update_account(
        actor_of(request),
        account_id,
        sessions=_sessions(request),
        display_name=data.display_name,
        roles=None if data.roles is None else [r.value for r in data.roles],
        scopes=data.scopes,
        scan_kinds=None if data.scan_kinds is None else [k.value for k in data.scan_kinds],
        active=data.active,
        password=data.password,
        unlock=data.unlock,
    )
    return respond(await _account(account))


# -- audit ---------------------------------------------------------------------------------------


@openapi.summary("The audit trail, newest first (administrators)")
@openapi.parameter("target_type", str, "query")
@openapi.parameter("target_id", str, "query")
@openapi.parameter("limit", int, "query")
@documented(AuditTrailOut)
@requires_staff(Role.ADMIN)
async def audit_trail(request: Request) -> HTTPResponse:
    query = parse_query(request, AuditQuery)
    records = await service.audit_trail(
        actor_of(request), target_type=query.target_type, target_id=query.target_id, limit=query.limit
    )
    return respond(AuditTrailOut(items=[AuditRecordOut.model_validate(r) for r in records]))
