"""The OIDC identity client against a local stand-in provider, and the sandbox provider's checks."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import fakeredis
import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.identity.client import OidcIdentityProvider
from adapters.identity.fake import SandboxIdentityProvider, s256
from adapters.identity.port import IdentityCodeInvalid, IdentityProviderError, IdentityUnavailable
from domain.shared.kv import Keys

CLIENT_ID, SECRET = "palmcity", "client-secret"
REDIRECT = "https://palm.example/api/v1/identity/return"


@dataclass
class Provider:
    """A minimal OAuth 2.0 + OIDC provider that checks PKCE the way RFC 7636 says."""

    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    id_token_audience: str = CLIENT_ID
    userinfo: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "gd-42",
            "name": "张三",
            "id_number": "110101199001011237",
            "acr": "L4",
        }
    )
    fail_with: int | None = None

    def grant(self, verifier: str, nonce: str) -> str:
        code = secrets.token_urlsafe(8)
        self.codes[code] = {"challenge": s256(verifier), "nonce": nonce, "redirect_uri": REDIRECT}
        return code

    async def token(self, request: web.Request) -> web.Response:
        if self.fail_with:
            return web.Response(status=self.fail_with, text="down")
        form = dict(await request.post())
        self.token_requests.append({**form, "authorization": request.headers.get("Authorization", "")})
        grant = self.codes.pop(str(form.get("code")), None)
        if (
            grant is None
            or grant["challenge"] != s256(str(form.get("code_verifier")))
            or grant["redirect_uri"] != form.get("redirect_uri")
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        id_token = jwt.encode(
            {"sub": "gd-42", "aud": self.id_token_audience, "nonce": grant["nonce"], "iss": "gd"},
            "provider-signing-key-that-we-do-not-check",
            algorithm="HS256",
        )
        return web.json_response({"access_token": "at-1", "token_type": "Bearer", "id_token": id_token})

    async def me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer at-1":
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response(self.userinfo)


@pytest.fixture
async def provider() -> AsyncIterator[tuple[Provider, OidcIdentityProvider]]:
    state = Provider()
    app = web.Application()
    app.router.add_post("/oauth/token", state.token)
    app.router.add_get("/oauth/userinfo", state.me)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    client = OidcIdentityProvider(
        client_id=CLIENT_ID,
        client_secret=SECRET,
        authorize_url="https://idp.example/oauth/authorize",
        token_url=base + "/oauth/token",
        userinfo_url=base + "/oauth/userinfo",
    )
    try:
        yield state, client
    finally:
        await client.aclose()
        await server.close()


def test_the_authorize_url_asks_for_a_code_with_pkce_s256_and_a_nonce() -> None:
    client = OidcIdentityProvider(
        client_id=CLIENT_ID,
        client_secret=SECRET,
        authorize_url="https://idp.example/oauth/authorize?tenant=gd",
        token_url="https://idp.example/t",
        userinfo_url="https://idp.example/u",
    )
    url = client.authorize_url(state="st", nonce="no", code_challenge="ch", redirect_uri=REDIRECT)
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("idp.example", "/oauth/authorize")
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "tenant": "gd",
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "st",
        "nonce": "no",
        "code_challenge": "ch",
        "code_challenge_method": "S256",
    }
    assert SECRET not in url


async def test_exchanging_a_code_gives_the_verified_identity(
    provider: tuple[Provider, OidcIdentityProvider],
) -> None:
    state, client = provider
    verifier = secrets.token_urlsafe(48)
    code = state.grant(verifier, nonce="n-1")
    identity = await client.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    assert (identity.subject, identity.name, identity.id_number, identity.level, identity.nonce) == (
        "gd-42",
        "张三",
        "110101199001011237",
        4,
        "n-1",
    )
    assert "110101199001011237" not in repr(identity)
    sent = state.token_requests[0]
    assert sent["grant_type"] == "authorization_code" and sent["code_verifier"] == verifier
    assert sent["authorization"] == "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()


async def test_a_wrong_verifier_or_spent_code_is_an_invalid_code(
    provider: tuple[Provider, OidcIdentityProvider],
) -> None:
    state, client = provider
    verifier = secrets.token_urlsafe(48)
    code = state.grant(verifier, nonce="n")
    with pytest.raises(IdentityCodeInvalid):
        await client.exchange_code(
            code=code, code_verifier="another-verifier-" + "x" * 30, redirect_uri=REDIRECT
        )
    with pytest.raises(IdentityCodeInvalid):  # the failed attempt spent it
        await client.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)


async def test_an_id_token_for_another_client_is_refused(
    provider: tuple[Provider, OidcIdentityProvider],
) -> None:
    state, client = provider
    state.id_token_audience = "someone-else"
    verifier = secrets.token_urlsafe(48)
    with pytest.raises(IdentityProviderError):
        await client.exchange_code(
            code=state.grant(verifier, "n"), code_verifier=verifier, redirect_uri=REDIRECT
        )


async def test_userinfo_without_an_id_number_is_refused(
    provider: tuple[Provider, OidcIdentityProvider],
) -> None:
    state, client = provider
    state.userinfo = {"sub": "gd-42", "name": "张三"}
    verifier = secrets.token_urlsafe(48)
    with pytest.raises(IdentityProviderError):
        await client.exchange_code(
            code=state.grant(verifier, "n"), code_verifier=verifier, redirect_uri=REDIRECT
        )


@pytest.mark.parametrize(("acr", "level"), [("L3", 3), ("5", 5), (4, 4), ("gold", 2), (None, 2), ("L1", 2)])
async def test_levels_are_read_leniently_and_never_above_what_is_said(
    provider: tuple[Provider, OidcIdentityProvider], acr: Any, level: int
) -> None:
    state, client = provider
    state.userinfo = {**state.userinfo, "acr": acr}
    verifier = secrets.token_urlsafe(48)
    identity = await client.exchange_code(
        code=state.grant(verifier, "n"), code_verifier=verifier, redirect_uri=REDIRECT
    )
    assert identity.level == level


@pytest.mark.parametrize(
    ("claims", "kind", "born"),
    [
        ({}, "resident_id", None),  # a platform that only knows ID cards
        ({"id_type": "home_return_permit", "birthdate": "1975-03-09"}, "home_return_permit", "1975-03-09"),
        ({"id_type": "passport", "birthdate": "1975-3-9"}, "passport", None),  # not OIDC's form
        ({"id_type": "passport", "birthdate": "1975-02-30"}, "passport", None),
        ({"id_type": "passport", "birthdate": 19750309}, "passport", None),
    ],
)
async def test_the_document_kind_and_birth_date_come_from_their_claims(
    provider: tuple[Provider, OidcIdentityProvider], claims: dict[str, Any], kind: str, born: str | None
) -> None:
    state, client = provider
    state.userinfo = {**state.userinfo, **claims}
    verifier = secrets.token_urlsafe(48)
    identity = await client.exchange_code(
        code=state.grant(verifier, "n"), code_verifier=verifier, redirect_uri=REDIRECT
    )
    assert identity.document_kind == kind
    assert identity.birth_date == (dt.date.fromisoformat(born) if born else None)


def test_the_chosen_document_goes_to_the_platform_as_a_hint() -> None:
    client = OidcIdentityProvider(
        client_id=CLIENT_ID,
        client_secret=SECRET,
        authorize_url="https://idp.example/oauth/authorize",
        token_url="https://idp.example/t",
        userinfo_url="https://idp.example/u",
        document_kind_claim="cert_type",
    )
    url = client.authorize_url(
        state="st", nonce="no", code_challenge="ch", redirect_uri=REDIRECT, document_kind="taiwan_permit"
    )
    assert parse_qs(urlsplit(url).query)["cert_type"] == ["taiwan_permit"]


async def test_a_provider_that_is_down_is_unavailable(
    provider: tuple[Provider, OidcIdentityProvider],
) -> None:
    state, client = provider
    state.fail_with = 503
    with pytest.raises(IdentityUnavailable):
        await client.exchange_code(code="c", code_verifier="v" * 43, redirect_uri=REDIRECT)


# -- the sandbox provider ------------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
def sandbox(request: pytest.FixtureRequest) -> SandboxIdentityProvider:
    if request.param == "memory":
        return SandboxIdentityProvider(base_url="http://palm.test/")
    redis = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    return SandboxIdentityProvider(base_url="http://palm.test", redis=redis, keys=Keys("t"))


async def _issue(sandbox: SandboxIdentityProvider, verifier: str) -> str:
    return await sandbox.issue_code(
        name="张三",
        id_number="110101199001011237",
        level=3,
        code_challenge=s256(verifier),
        redirect_uri=REDIRECT,
        nonce="n-1",
    )


async def test_the_sandbox_authorize_url_is_its_own_page(sandbox: SandboxIdentityProvider) -> None:
    url = sandbox.authorize_url(state="s", nonce="n", code_challenge="c", redirect_uri=REDIRECT)
    assert url.startswith("http://palm.test/sandbox/identity/authorize?")
    assert parse_qs(urlsplit(url).query)["code_challenge_method"] == ["S256"]


async def test_the_sandbox_checks_the_pkce_verifier(sandbox: SandboxIdentityProvider) -> None:
    verifier = secrets.token_urlsafe(48)
    with pytest.raises(IdentityCodeInvalid):
        await sandbox.exchange_code(
            code=await _issue(sandbox, verifier), code_verifier="wrong", redirect_uri=REDIRECT
        )
    identity = await sandbox.exchange_code(
        code=await _issue(sandbox, verifier), code_verifier=verifier, redirect_uri=REDIRECT
    )
    assert (identity.name, identity.level, identity.nonce) == ("张三", 3, "n-1")


async def test_sandbox_codes_work_once_and_only_for_their_redirect_uri(
    sandbox: SandboxIdentityProvider,
) -> None:
    verifier = secrets.token_urlsafe(48)
    code = await _issue(sandbox, verifier)
    with pytest.raises(IdentityCodeInvalid):
        await sandbox.exchange_code(code=code, code_verifier=verifier, redirect_uri="https://evil.example/cb")
    code = await _issue(sandbox, verifier)
    await sandbox.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    with pytest.raises(IdentityCodeInvalid):
        await sandbox.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)


def test_s256_matches_rfc_7636_appendix_b() -> None:
    assert (
        s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    assert json.dumps(s256("x"))  # plain ASCII, safe in a URL
