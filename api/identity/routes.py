"""Real-name verification: start, the provider's return, and completion."""

from __future__ import annotations

from sanic import HTTPResponse, Request, redirect
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import body, documented, parse, respond
from api.accounts.schemas import UserOut
from api.identity.schemas import (
    CallbackIn,
    DocumentKindOut,
    DocumentKindsOut,
    ReturnQuery,
    SessionIn,
    SessionOut,
)
from domain.identity import service
from domain.identity.documents import DocumentKind

# Registered with the identity platform as our only redirect URI (exact match).
RETURN_PATH = "/api/v1/identity/return"


def redirect_uri(request: Request) -> str:
    base: str = request.app.ctx.runtime.settings.public_base_url
    return base.rstrip("/") + RETURN_PATH


@openapi.summary("Start real-name verification: get the identity platform's page to open")
@openapi.description(
    "`return_to` must be a path or a URL of this site (`identity_return_to_invalid` otherwise). "
    "The verification must be completed within 10 minutes. An unknown `document_kind` is refused "
    "by the body's validation."
)
@openapi.tag("identity")
@documented(SessionOut, 201)
@requires("resident")
@body(SessionIn)
async def start(request: Request) -> HTTPResponse:
    data: SessionIn = request.ctx.body
    runtime = request.app.ctx.runtime
    url = await service.start_verification(
        actor_of(request),
        return_to=data.return_to,
        provider=runtime.adapters.identity,
        redirect_uri=redirect_uri(request),
        public_base_url=runtime.settings.public_base_url,
        redis=runtime.redis,
        keys=runtime.keys,
        document_kind=data.document_kind,
    )
    return respond(SessionOut(authorize_url=url, expires_in=service.STATE_TTL_SECONDS), status=201)


@openapi.summary("The identity documents residents can verify with, in the caller's language")
@openapi.description(
    "Resident ID card, residence permit for Hong Kong, Macau and Taiwan residents, Home Return "
    "Permit, Taiwan permit and passport, in the order the start page offers them."
)
@openapi.tag("identity")
@documented(DocumentKindsOut)
async def document_kinds(request: Request) -> HTTPResponse:
    return respond(DocumentKindsOut(items=[DocumentKindOut.of(kind) for kind in DocumentKind]))


@openapi.summary("Where the identity platform sends the browser back (redirect URI)")
@openapi.description(
    "Answers 302 to the `return_to` given at the start, with `code` and `state` (or `error` and "
    "`state`) appended; with a hash route they go after the route."
)
@openapi.tag("identity")
@openapi.response(302, description="Back to the app page")
async def provider_return(request: Request) -> HTTPResponse:
    query = parse(ReturnQuery, {name: request.args.get(name) for name in ("state", "code", "error")})
    runtime = request.app.ctx.runtime
    target = await service.return_target(
        state=query.state, code=query.code, error=query.error, redis=runtime.redis, keys=runtime.keys
    )
    return redirect(target, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@openapi.summary("Complete real-name verification: the new level applies at once, no refresh needed")
@openapi.description(
    "The state is single-use and must be this resident's (`identity_state_invalid`, "
    "`identity_state_used`); the platform's answer must carry our nonce (`identity_nonce_mismatch`). "
    "One person can be verified on one account only (`identity_already_bound`). The new identity "
    "level applies at once, also to the access token in use; tokens refreshed from now on carry it "
    "in `lvl`, so there is no need to log in again."
)
@openapi.tag("identity")
@documented(UserOut)
@requires("resident")
@body(CallbackIn)
async def complete(request: Request) -> HTTPResponse:
    data: CallbackIn = request.ctx.body
    runtime = request.app.ctx.runtime
    user = await service.complete_verification(
        actor_of(request),
        code=data.code,
        state=data.state,
        provider=runtime.adapters.identity,
        redirect_uri=redirect_uri(request),
        redis=runtime.redis,
        keys=runtime.keys,
    )
    return respond(UserOut.of(user))
