"""Credential routes: parse, one service call, render."""

from __future__ import annotations

from sanic import HTTPResponse, Request, json, raw
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import body, documented, documented_media, parse_query, respond
from api.credentials.schemas import (
    CodeOut,
    CodeQuery,
    JwksOut,
    RevocationsOut,
    RevocationsQuery,
    VerifiedOut,
    VerifyIn,
)
from domain.credentials import qr, service
from domain.credentials.errors import CredentialKindUnsupported
from domain.credentials.kinds import Kind, parse_kind
from domain.scanning import service as scanning
from domain.scanning.service import Spent


def spent_of(request: Request) -> Spent:
    runtime = request.app.ctx.runtime
    return Spent(runtime.redis, runtime.keys)


NO_STORE = {"Cache-Control": "no-store"}  # a code is the holder's alone and lives a minute


def _kind(value: str) -> Kind:
    kind = parse_kind(value)
    if kind is None:
        raise CredentialKindUnsupported(details={"kind": value[:32], "allowed": [k.value for k in Kind]})
    return kind


async def _minted(request: Request, kind: str, object_id: int) -> service.Minted:
    query = parse_query(request, CodeQuery)
    return await service.issue(actor_of(request), _kind(kind), object_id, static=query.static)


def _headers(minted: service.Minted) -> dict[str, str]:
    headers = {**NO_STORE, "X-Credential-Expires-At": minted.expires_at.isoformat()}
    if minted.refresh_at is not None:
        headers["X-Credential-Refresh-At"] = minted.refresh_at.isoformat()
    return headers


@openapi.summary("A fresh QR code for something the resident holds (health card, appointment pass...)")
@openapi.description(
    "`kind`: health_card, appointment_pass, ticket, certificate. Fetch the next one at `refresh_at`; "
    "`?static=true` gives a health card's printable static code, accepted only with its PIN."
)
@openapi.parameter("static", bool, "query")
@openapi.tag("credentials")
@documented(CodeOut)
@requires("resident")
async def code(request: Request, kind: str, object_id: int) -> HTTPResponse:
    minted = await _minted(request, kind, object_id)
    image = qr.make(minted.token)  # once: encoding is most of this request's time
    out = CodeOut(
        token=minted.token,
        kind=minted.kind,
        static=minted.static,
        issued_at=minted.issued_at,
        expires_at=minted.expires_at,
        refresh_at=minted.refresh_at,
        qr_version=int(image.version),
        svg=qr.svg_of(image),
    )
    return json(out.model_dump(mode="json"), headers=NO_STORE)


@openapi.summary("The same code as an SVG image")
@documented_media("image/svg+xml", description="The QR code")
@openapi.tag("credentials")
@requires("resident")
async def svg(request: Request, kind: str, object_id: int) -> HTTPResponse:
    minted = await _minted(request, kind, object_id)
    return raw(qr.svg(minted.token), content_type="image/svg+xml", headers=_headers(minted))


@openapi.summary("The same code as a PNG image (e.g. to print a static code)")
@documented_media("image/png", description="The QR code")
@openapi.tag("credentials")
@requires("resident")
async def png(request: Request, kind: str, object_id: int) -> HTTPResponse:
    minted = await _minted(request, kind, object_id)
    return raw(qr.png(minted.token), content_type="image/png", headers=_headers(minted))


@openapi.summary("Public keys that verify QR codes offline (JWK set, Ed25519, by kid)")
@openapi.tag("credentials")
@documented(JwksOut)
async def public_keys(request: Request) -> HTTPResponse:
    return json(service.public_keys(), headers={"Cache-Control": "public, max-age=3600"})


@openapi.summary("The signed revocation list offline scanners keep (frozen and revoked codes)")
@openapi.description("Send the last `version` you hold as `since`: `changed` is false when nothing changed.")
@openapi.parameter("since", int, "query")
@openapi.tag("credentials")
@documented(RevocationsOut)
async def revocations(request: Request) -> HTTPResponse:
    query = parse_query(request, RevocationsQuery)
    current = await service.revocation_list(query.since)
    return respond(
        RevocationsOut(
            version=current.version,
            changed=current.changed,
            document=current.document,
            kid=current.kid,
            signature=current.signature,
        )
    )


@openapi.summary("Check a code without acting on it (scanners)")
@openapi.description(
    "Refusals, each with its own code: `credential_malformed`, `credential_key_unknown`, "
    "`credential_signature_invalid`, `credential_expired`, `credential_not_yet_valid`, "
    "`credential_revoked`, `credential_frozen`, `scan_kind_not_allowed`."
)
@openapi.tag("scanning")
@documented(VerifiedOut)
@requires("staff")
@body(VerifyIn)
async def verify(request: Request) -> HTTPResponse:
    data: VerifyIn = request.ctx.body
    checked = await scanning.verify_only(actor_of(request), spent_of(request), data.code)
    claims = checked.verified.claims
    return respond(
        VerifiedOut(
            kind=claims.kind,
            kind_name=claims.kind.label.render(request.ctx.locale),
            static=claims.static,
            issued_at=service.instant(claims.issued_at),
            expires_at=service.instant(claims.expires_at),
            spent=checked.spent,
        )
    )
