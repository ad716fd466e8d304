"""E-certificate routes: parse, one service call with the actor, render."""

from __future__ import annotations

from sanic import HTTPResponse, Request, json
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import body, documented, respond
from api.certificates.schemas import (
    CertificateOut,
    RevokeIn,
    VerificationOut,
    VerifyIn,
    WalletOut,
    certificate_out,
    certificates_out,
)
from api.credentials.schemas import JwksOut
from domain.certificates import service


@openapi.summary("Public keys that verify e-certificates offline (JWK set, Ed25519, by kid)")
@openapi.tag("certificates")
@documented(JwksOut)
async def public_keys(request: Request) -> HTTPResponse:
    return json(service.public_keys(), headers={"Cache-Control": "public, max-age=3600"})


@openapi.summary("The resident's e-certificate wallet (电子证照)")
@documented(WalletOut)
@requires("resident")
async def wallet(request: Request) -> HTTPResponse:
    certificates = await service.wallet(actor_of(request))
    return respond(WalletOut(items=await certificates_out(certificates, request.ctx.locale)))


@openapi.summary("One of the resident's own e-certificates; anyone else's is 404")
@documented(CertificateOut)
@requires("resident")
async def get_one(request: Request, certificate_id: int) -> HTTPResponse:
    cert = await service.get_own(actor_of(request), certificate_id)
    return respond(await certificate_out(cert, request.ctx.locale))


@openapi.summary("Verify an e-certificate by number or signed document (scanners, case officers)")
@openapi.description(
    "A forged or altered document is refused (`certificate_signature_invalid`, `certificate_key_unknown`); "
    "a genuine one answers 200 with `validity`: valid, not_yet_valid, expired or revoked."
)
@documented(VerificationOut)
@requires("staff")
@body(VerifyIn)
async def verify(request: Request) -> HTTPResponse:
    data: VerifyIn = request.ctx.body
    envelope = (
        service.SignedCertificate(
            document=data.signed.document, kid=data.signed.kid, signature=data.signed.signature
        )
        if data.signed is not None
        else None
    )
    result = await service.verify(actor_of(request), number=data.number, envelope=envelope)
    return respond(
        VerificationOut(
            validity=result.validity,
            certificate=await certificate_out(result.certificate, request.ctx.locale),
        )
    )


@openapi.summary("Revoke an e-certificate (case officers of the issuing department); audited")
@documented(CertificateOut)
@requires("staff")
@body(RevokeIn)
async def revoke(request: Request, certificate_id: int) -> HTTPResponse:
    data: RevokeIn = request.ctx.body
    cert = await service.revoke(actor_of(request), certificate_id, reason=data.reason)
    return respond(await certificate_out(cert, request.ctx.locale))
