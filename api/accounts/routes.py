"""Login with WeChat, token refresh and logout, and the resident's own profile."""

from __future__ import annotations

from sanic import HTTPResponse, Request, empty
from sanic_ext import openapi

from api._access import actor_of, anonymous_actor, requires
from api._kit import body, documented, respond
from api.accounts.schemas import PhoneIn, ProfilePatchIn, RefreshIn, SessionOut, UserOut, WeChatLoginIn
from domain.accounts import service
from domain.accounts.models import User
from domain.accounts.tokens import TokenPair


def _session(user: User, pair: TokenPair) -> HTTPResponse:
    return respond(
        SessionOut(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            user=UserOut.of(user),
        )
    )


@openapi.summary("Log in with a wx.login code")
@openapi.description(
    "Finds or creates the resident behind the code and starts a new login. Refused with "
    "`wechat_code_invalid` (422) for a wrong, spent or expired code, `wechat_rate_limited` (429) and "
    "`platform_unavailable` (503) when WeChat does not answer."
)
@openapi.tag("accounts")
@documented(SessionOut)
@body(WeChatLoginIn)
async def wechat_login(request: Request) -> HTTPResponse:
    data: WeChatLoginIn = request.ctx.body
    runtime = request.app.ctx.runtime
    user, pair = await service.login_with_wechat(
        anonymous_actor(request),
        code=data.code,
        wechat=runtime.adapters.wechat,
        tokens=runtime.tokens,
        redis=runtime.redis,
        keys=runtime.keys,
    )
    return _session(user, pair)


@openapi.summary("Exchange a refresh token for new tokens (the old one is spent)")
@openapi.description(
    "Refresh tokens rotate on every use. Presenting a spent one again ends the whole login "
    "(`refresh_token_reused`), except for a retry within a few seconds, which gets the same new "
    "tokens. The new access token carries the resident's current identity level (`lvl`)."
)
@openapi.tag("accounts")
@documented(SessionOut)
@body(RefreshIn)
async def refresh(request: Request) -> HTTPResponse:
    data: RefreshIn = request.ctx.body
    user, pair = await service.refresh(
        anonymous_actor(request), refresh_token=data.refresh_token, tokens=request.app.ctx.runtime.tokens
    )
    return _session(user, pair)


@openapi.summary("Log out: end the login a refresh token belongs to")
@openapi.description("Its access tokens stop working at once. Unknown or spent tokens are ignored.")
@openapi.tag("accounts")
@openapi.response(204, description="Logged out")
@body(RefreshIn)
async def logout(request: Request) -> HTTPResponse:
    data: RefreshIn = request.ctx.body
    actor = request.ctx.actor or anonymous_actor(request)
    await service.logout(actor, refresh_token=data.refresh_token, tokens=request.app.ctx.runtime.tokens)
    return empty()


@openapi.summary("The calling resident's profile (personal data masked)")
@openapi.tag("accounts")
@documented(UserOut)
@requires("resident")
async def me(request: Request) -> HTTPResponse:
    return respond(UserOut.of(await service.get_user(actor_of(request))))


@openapi.summary("Change language, care mode (关怀模式) or nickname")
@openapi.tag("accounts")
@documented(UserOut)
@requires("resident")
@body(ProfilePatchIn)
async def update_me(request: Request) -> HTTPResponse:
    data: ProfilePatchIn = request.ctx.body
    runtime = request.app.ctx.runtime
    changes = data.model_dump(include=data.model_fields_set)
    user = await service.update_profile(actor_of(request), redis=runtime.redis, keys=runtime.keys, **changes)
    return respond(UserOut.of(user))


@openapi.summary("Bind the phone number WeChat vouches for (getPhoneNumber code)")
@openapi.description("Refused with `wechat_code_invalid` (422) for a wrong, spent or foreign code.")
@openapi.tag("accounts")
@documented(UserOut)
@requires("resident")
@body(PhoneIn)
async def bind_phone(request: Request) -> HTTPResponse:
    data: PhoneIn = request.ctx.body
    user = await service.bind_phone(
        actor_of(request), code=data.code, wechat=request.app.ctx.runtime.adapters.wechat
    )
    return respond(UserOut.of(user))
