"""Real-name verification over HTTP, through the sandbox identity platform's own pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from sanic import HTTPResponse, Request, json
from stdnum.cn import ric
from tortoise import connections

from adapters.identity.fake import SandboxIdentityProvider
from adapters.identity.port import VerifiedIdentity
from adapters.wechat.fake import SandboxWeChat
from api._access import requires_level
from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.identity.errors import IdentityReturnToInvalid
from domain.identity.service import append_query, birth_date_of_user, check_return_to, document_of
from server.bootstrap import Adapters
from server.settings import Settings
from tests.support import environment
from tests.support.apps import client_for, error_code, running
from tests.support.residents import (
    RETURN_TO,
    Resident,
    code_and_state,
    fill_sandbox_form,
    login,
    new_id_number,
    start_verification,
    verify,
)

CALLBACK = "/api/v1/identity/callback"
SESSIONS = "/api/v1/identity/sessions"


# -- the whole flow ------------------------------------------------------------------------------


async def test_verifying_through_the_sandbox_pages_raises_the_level(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    number = new_id_number(years_old=35)
    user = await verify(client, alice, name="张三丰", id_number=number, level="L4")
    assert user["identity_level"] == "L4" and user["real_name_verified"] is True
    assert user["name"] == "张**"
    assert user["id_number"] == number[:4] + "*" * 10 + number[-4:]
    me = (await client.get("/api/v1/me", headers=alice.headers)).json()
    assert me == user
    stored = await User.get(id=alice.id)
    assert (stored.real_name, stored.id_number, stored.identity_level) == ("张三丰", number, 4)
    audit = await AuditRecord.get(action="identity.verified")
    assert audit.actor_id == alice.id
    assert audit.before == {"identity_level": "L1"}
    assert audit.after == {
        "identity_level": "L4",
        "name": "张**",
        "document_kind": "resident_id",
        "id_number": user["id_number"],
    }


async def test_name_and_id_number_are_encrypted_at_rest(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    number = new_id_number(years_old=35)
    await verify(client, alice, name="张三", id_number=number)
    conn = connections.get("default")
    placeholder = "$1" if conn.capabilities.dialect == "postgres" else "?"
    row = (
        await conn.execute_query_dict(
            f"SELECT real_name, id_number, id_number_index FROM user_account WHERE id = {placeholder}",
            [alice.id],
        )
    )[0]
    assert row["real_name"].startswith("v1:") and row["id_number"].startswith("v1:")
    assert number not in str(row) and "张三" not in str(row)


async def test_the_new_level_counts_at_once_and_in_refreshed_tokens(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    child = {"relation": "child", "name": "小明", "id_number": new_id_number(years_old=6)}
    before = await client.post("/api/v1/family", json=child, headers=alice.headers)
    assert before.status_code == 403
    assert before.json()["error"]["details"] == {"required": "L3", "current": "L1"}
    await verify(client, alice)
    # The access token minted at level 1 now acts at level 3 ...
    after = await client.post("/api/v1/family", json=child, headers=alice.headers)
    assert after.status_code == 201, after.text
    # ... and refreshed tokens carry the level themselves.
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
    claims = jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})
    assert claims["lvl"] == 3
    assert refreshed.json()["user"]["identity_level"] == "L3"


async def test_the_provider_redirect_bounces_to_the_app_page_with_code_and_state(
    client: httpx.AsyncClient,
) -> None:
    alice = await login(client, "alice")
    authorize_url = await start_verification(
        client, alice, return_to="http://testserver/h5/?from=profile#/pages/cb"
    )
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == ["http://testserver/api/v1/identity/return"]
    submitted = await fill_sandbox_form(client, authorize_url, name="张三", id_number=new_id_number())
    bounced = await client.get(submitted.headers["location"])
    assert bounced.status_code == 302
    target = bounced.headers["location"]
    assert target.startswith("http://testserver/h5/?from=profile#/pages/cb?code=")
    assert target.endswith("&state=" + query["state"][0])


async def test_cancelling_on_the_provider_page_comes_back_with_an_error(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    authorize_url = await start_verification(client, alice)
    page = await client.get(authorize_url)
    for element in ('id="name"', 'id="id_number"', 'id="level"', 'id="submit"', "姓名", "Name"):
        assert element in page.text
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    form = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    cancelled = await client.post("/sandbox/identity/authorize", data={**form, "action": "cancel"})
    bounced = await client.get(cancelled.headers["location"])
    assert bounced.headers["location"] == f"{RETURN_TO}?error=access_denied&state={state}"


async def test_the_sandbox_page_refuses_an_invalid_id_number(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    authorize_url = await start_verification(client, alice)
    r = await fill_sandbox_form(client, authorize_url, name="张三", id_number="440106199001011234")
    assert r.status_code == 422
    assert 'id="error"' in r.text and "440106199001011234" in r.text  # the form keeps what was typed


async def test_the_sandbox_page_only_redirects_to_our_redirect_uri(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    authorize_url = await start_verification(client, alice)
    evil = authorize_url.replace("http%3A%2F%2Ftestserver%2Fapi", "https%3A%2F%2Fevil.example%2Fapi")
    assert evil != authorize_url
    assert (await client.get(evil)).status_code == 400


async def test_sandbox_pages_do_not_exist_without_the_sandbox(settings: Settings) -> None:
    async with running(settings, sandbox=False) as app, client_for(app) as c:
        r = await c.get("/sandbox/identity/authorize")
        assert r.status_code == 404 and error_code(r) == "route_not_found"


# -- identity documents: every kind through the sandbox ------------------------------------------


def _residence_permit(region: str = "810000", born: str = "19880512") -> str:
    body = f"{region}{born}123"
    return body + ric.calc_check_digit(body + "0")


DOCUMENTS = [
    # kind, number typed, masked, birth date typed on the sandbox page, birth date kept
    ("residence_permit", _residence_permit(), "8100**********" + _residence_permit()[-4:], "", "1988-05-12"),
    ("home_return_permit", "H12345678 02", "H1*******02", "1975-03-09", "1975-03-09"),
    ("taiwan_permit", "01234567", "01****67", "2001-11-30", "2001-11-30"),
    ("passport", "E98765432", "E9*****32", "1990-01-31", "1990-01-31"),
]


@pytest.mark.parametrize(("kind", "number", "masked", "typed_birth", "born"), DOCUMENTS)
async def test_each_document_kind_verifies_through_the_sandbox(
    client: httpx.AsyncClient, kind: str, number: str, masked: str, typed_birth: str, born: str
) -> None:
    alice = await login(client, "alice")
    code, state = await code_and_state(
        client, alice, name="陈大文", id_number=number, document_kind=kind, birth_date=typed_birth
    )
    r = await client.post(CALLBACK, json={"code": code, "state": state}, headers=alice.headers)
    assert r.status_code == 200, r.text
    user = r.json()
    assert user["identity_level"] == "L3" and user["real_name_verified"] is True
    assert (user["id_document_kind"], user["id_number"]) == (kind, masked)
    stored = await User.get(id=alice.id)
    assert (stored.id_document_kind, str(stored.birth_date)) == (kind, born)
    assert birth_date_of_user(stored) == dt.date.fromisoformat(born)
    proven = document_of(stored)
    assert proven is not None and proven.index == stored.id_number_index and proven.masked == masked
    audit = await AuditRecord.get(action="identity.verified", target_id=str(alice.id))
    assert audit.after["document_kind"] == kind and audit.after["id_number"] == masked
    assert number.replace(" ", "") not in str(audit.after)


async def test_a_renewed_home_return_permit_is_the_same_person(client: httpx.AsyncClient) -> None:
    first = await login(client, "alice")
    permit = {"document_kind": "home_return_permit", "birth_date": "1980-06-01"}
    await verify_with(client, first, "H8765432100", **permit)
    # The same person on another phone with the renewed permit: one person, one account.
    second = await login(client, "alice-second-phone")
    code, state = await code_and_state(client, second, name="陈大文", id_number="H8765432101", **permit)
    r = await client.post(CALLBACK, json={"code": code, "state": state}, headers=second.headers)
    assert r.status_code == 409 and error_code(r) == "identity_already_bound"
    # On the first account the renewed permit is the same person: it replaces the old number.
    renewed = await verify_with(client, first, "H8765432101", **permit)
    assert renewed["id_number"] == "H8*******01"


async def verify_with(
    client: httpx.AsyncClient, resident: Resident, number: str, **document: str
) -> dict[str, Any]:
    code, state = await code_and_state(client, resident, name="陈大文", id_number=number, **document)
    r = await client.post(CALLBACK, json={"code": code, "state": state}, headers=resident.headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_sandbox_page_offers_every_kind_and_refuses_bad_numbers_by_their_check(
    client: httpx.AsyncClient,
) -> None:
    alice = await login(client, "alice")
    authorize_url = await start_verification(client, alice)
    page = await client.get(authorize_url)
    for kind in ("resident_id", "residence_permit", "home_return_permit", "taiwan_permit", "passport"):
        assert f'value="{kind}"' in page.text
    assert "港澳居民来往内地通行证" in page.text
    bad = [
        ("home_return_permit", "H123456780", "证件号码的格式与该类证件不符"),
        ("residence_permit", _residence_permit()[:17] + "Y", "证件号码的格式与该类证件不符"),
        ("residence_permit", _residence_permit("820000")[:17] + "0", "校验位"),
        ("driving_licence", "E12345678", "不支持这种身份证件"),
    ]
    for kind, number, message in bad:
        if kind == "residence_permit" and number.endswith("0") and _residence_permit("820000").endswith("0"):
            continue  # the right digit happens to be 0: nothing to refuse
        r = await fill_sandbox_form(
            client,
            authorize_url,
            name="陈大文",
            id_number=number,
            document_kind=kind,
            birth_date="1980-01-01",
        )
        assert r.status_code == 422 and message in r.text, (kind, number)


async def test_the_start_page_lists_the_documents_in_the_callers_language(client: httpx.AsyncClient) -> None:
    for language, permit in (("zh-CN", "港澳居民来往内地通行证"), ("zh-TW", "港澳居民來往內地通行證")):
        r = await client.get("/api/v1/identity/document-kinds", headers={"Accept-Language": language})
        assert r.status_code == 200
        items = r.json()["items"]
        assert [i["kind"] for i in items] == [
            "resident_id",
            "residence_permit",
            "home_return_permit",
            "taiwan_permit",
            "passport",
        ]
        assert items[2]["label"] == permit
        assert [i["birth_date_in_number"] for i in items] == [True, True, False, False, False]


async def test_the_chosen_document_opens_the_platforms_page_on_it(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    r = await client.post(
        SESSIONS, json={"return_to": RETURN_TO, "document_kind": "taiwan_permit"}, headers=alice.headers
    )
    assert r.status_code == 201, r.text
    authorize_url = r.json()["authorize_url"]
    assert parse_qs(urlsplit(authorize_url).query)["id_type"] == ["taiwan_permit"]
    page = await client.get(authorize_url)
    assert '<option value="taiwan_permit" selected>' in page.text
    unknown = await client.post(
        SESSIONS, json={"return_to": RETURN_TO, "document_kind": "military_id"}, headers=alice.headers
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"]["fields"][0]["field"] == "document_kind"


async def test_a_permit_needs_the_platforms_birth_date(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    authorize_url = await start_verification(client, alice)
    for typed in ("", "2999-01-01", "1980-02-30"):
        r = await fill_sandbox_form(
            client,
            authorize_url,
            name="陈大文",
            id_number="M1234567800",
            document_kind="home_return_permit",
            birth_date=typed,
        )
        assert r.status_code == 422 and "出生日期" in r.text, typed


async def test_id_card_users_verified_before_kinds_are_unaffected(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    number = new_id_number(born=dt.date(1950, 7, 1))
    await verify(client, alice, name="张三", id_number=number)
    # A row as the data migration leaves one from before: kind marked, no birth date stored.
    await User.filter(id=alice.id).update(id_document_kind="resident_id", birth_date=None)
    stored = await User.get(id=alice.id)
    assert birth_date_of_user(stored) == dt.date(1950, 7, 1)
    proven = document_of(stored)
    assert proven is not None and proven.index == stored.id_number_index
    assert document_of(await User.get(id=(await login(client, "bob")).id)) is None
    me = (await client.get("/api/v1/me", headers=alice.headers)).json()
    assert me["id_document_kind"] == "resident_id"
    assert me["id_number"] == number[:4] + "*" * 10 + number[-4:]
    # The index is today's, so the same card verifies again (a higher level) on the same account.
    upgraded = await verify(client, alice, name="张三", id_number=number, level="L4")
    assert upgraded["identity_level"] == "L4"


# -- refusals ------------------------------------------------------------------------------------


async def test_an_unknown_state_is_refused(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    r = await client.post(
        CALLBACK, json={"code": "sandbox-x", "state": "never-issued"}, headers=alice.headers
    )
    assert r.status_code == 422 and error_code(r) == "identity_state_invalid"
    bounce = await client.get("/api/v1/identity/return", params={"code": "x", "state": "never-issued"})
    assert bounce.status_code == 422 and error_code(bounce) == "identity_state_invalid"
    assert (await client.get("/api/v1/identity/return")).status_code == 422


async def test_a_state_works_once(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    code, state = await code_and_state(client, alice, name="张三", id_number=new_id_number())
    first = await client.post(CALLBACK, json={"code": code, "state": state}, headers=alice.headers)
    assert first.status_code == 200
    again = await client.post(CALLBACK, json={"code": code, "state": state}, headers=alice.headers)
    assert again.status_code == 409 and error_code(again) == "identity_state_used"


async def test_someone_elses_state_is_refused_and_stays_usable_for_them(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    mallory = await login(client, "mallory")
    code, state = await code_and_state(client, alice, name="张三", id_number=new_id_number())
    stolen = await client.post(CALLBACK, json={"code": code, "state": state}, headers=mallory.headers)
    assert stolen.status_code == 422 and error_code(stolen) == "identity_state_invalid"
    assert (await User.get(id=mallory.id)).identity_level == 1
    own = await client.post(CALLBACK, json={"code": code, "state": state}, headers=alice.headers)
    assert own.status_code == 200


async def test_a_code_from_another_verification_is_refused(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    code_a, _state_a = await code_and_state(client, alice, name="张三", id_number=new_id_number())
    _code_b, state_b = await code_and_state(client, alice, name="张三", id_number=new_id_number())
    # Code A was bound to verification A's PKCE challenge; B's verifier does not match it.
    r = await client.post(CALLBACK, json={"code": code_a, "state": state_b}, headers=alice.headers)
    assert r.status_code == 422 and error_code(r) == "identity_code_invalid"


async def test_return_addresses_off_this_site_are_refused(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    for bad in (
        "https://evil.example/cb",
        "//evil.example/cb",
        "/\\evil.example",
        "javascript:alert(1)",
        "https://testserver/cb",  # another scheme is another origin
        "http://testserver:8080/cb",
        "http://user@testserver/cb",
        "pages/relative-without-slash",
        "/h5/\n#/x",
    ):
        r = await client.post(SESSIONS, json={"return_to": bad}, headers=alice.headers)
        assert r.status_code == 422 and error_code(r) == "identity_return_to_invalid", bad
    for good in ("/h5/#/pages/identity/callback", "http://testserver/h5/#/x", "http://TESTSERVER:80/cb"):
        r = await client.post(SESSIONS, json={"return_to": good}, headers=alice.headers)
        assert r.status_code == 201, good


def test_codes_are_appended_after_a_hash_route() -> None:
    params = {"code": "c", "state": "s"}
    assert append_query("/h5/#/pages/cb", params) == "/h5/#/pages/cb?code=c&state=s"
    assert append_query("/h5/#/pages/cb?x=1", params) == "/h5/#/pages/cb?x=1&code=c&state=s"
    assert append_query("/cb", params) == "/cb?code=c&state=s"
    assert append_query("/cb?x=1", params) == "/cb?x=1&code=c&state=s"
    with pytest.raises(IdentityReturnToInvalid):
        check_return_to("http://evil.example/", "http://testserver")


async def test_one_person_cannot_verify_two_wechat_accounts(client: httpx.AsyncClient) -> None:
    number = new_id_number(years_old=40)
    first = await login(client, "alice")
    await verify(client, first, name="张三", id_number=number)
    second = await login(client, "alice-second-phone")
    code, state = await code_and_state(client, second, name="张三", id_number=number)
    r = await client.post(CALLBACK, json={"code": code, "state": state}, headers=second.headers)
    assert r.status_code == 409 and error_code(r) == "identity_already_bound"
    assert (await User.get(id=second.id)).identity_level == 1


async def test_a_verified_account_cannot_become_another_person(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    await verify(client, alice, name="张三", id_number=new_id_number(years_old=30))
    code, state = await code_and_state(client, alice, name="李四", id_number=new_id_number(years_old=50))
    r = await client.post(CALLBACK, json={"code": code, "state": state}, headers=alice.headers)
    assert r.status_code == 409 and error_code(r) == "identity_person_changed"
    # The same person verifying again at a higher level is fine.
    upgraded = await verify(
        client, alice, name="张三", id_number=(await User.get(id=alice.id)).id_number, level="L4"
    )
    assert upgraded["identity_level"] == "L4"


async def test_a_self_declared_identity_is_not_a_real_name_verification(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    code, state = await code_and_state(client, alice, name="张三", id_number=new_id_number(), level="L2")
    r = await client.post(CALLBACK, json={"code": code, "state": state}, headers=alice.headers)
    assert r.status_code == 422 and error_code(r) == "identity_assurance_too_low"
    assert (await User.get(id=alice.id)).id_number is None


class AlteredAnswerProvider(SandboxIdentityProvider):
    """A provider whose answer differs from what its page issued by ``changes``."""

    def __init__(self, *, base_url: str, **changes: str) -> None:
        super().__init__(base_url=base_url)
        self._changes = changes

    async def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> VerifiedIdentity:
        identity = await super().exchange_code(
            code=code, code_verifier=code_verifier, redirect_uri=redirect_uri
        )
        return dataclasses.replace(identity, **self._changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"nonce": "other"}, "identity_nonce_mismatch"),  # the answer to another request
        ({"document_kind": "military_id"}, "document_kind_unknown"),  # a kind PalmCity does not know
    ],
)
async def test_an_answer_the_request_did_not_ask_for_is_refused(
    settings: Settings, changes: dict[str, str], code: str
) -> None:
    provider = AlteredAnswerProvider(base_url=settings.public_base_url, **changes)
    async with (
        running(settings, Adapters(wechat=SandboxWeChat(), identity=provider)) as app,
        client_for(app) as c,
    ):
        alice = await login(c, "alice")
        code_, state = await code_and_state(c, alice, name="张三", id_number=new_id_number())
        r = await c.post(CALLBACK, json={"code": code_, "state": state}, headers=alice.headers)
        assert r.status_code == 422 and error_code(r) == code
        assert (await User.get(id=alice.id)).identity_level == 1


async def test_verification_needs_a_resident(client: httpx.AsyncClient) -> None:
    r = await client.post(SESSIONS, json={"return_to": RETURN_TO})
    assert r.status_code == 401


# -- the level guard -----------------------------------------------------------------------------


async def test_requires_level_refuses_lower_levels_with_details(settings: Settings) -> None:
    from server.main import create_app

    app = create_app(Settings(**{**settings.model_dump(), "redis_prefix": settings.redis_prefix + ":lvl"}))

    @app.get("/test/needs-l3")
    @requires_level(3)
    async def needs_l3(request: Request) -> HTTPResponse:
        return json({"level": request.ctx.actor.identity_level})

    async with LifespanManager(app), client_for(app) as c:  # type: ignore[arg-type]
        try:
            assert (await c.get("/test/needs-l3")).status_code == 401
            alice = await login(c, f"alice-{uuid.uuid4().hex[:6]}")
            refused = await c.get("/test/needs-l3", headers=alice.headers)
            assert refused.status_code == 403
            assert refused.json()["error"]["code"] == "identity_level_required"
            assert refused.json()["error"]["details"] == {"required": "L3", "current": "L1"}
            await verify(c, alice)
            allowed = await c.get("/test/needs-l3", headers=alice.headers)
            assert allowed.status_code == 200 and allowed.json() == {"level": 3}
        finally:
            await environment.clear_redis_prefix(app.ctx.runtime.redis, settings.redis_prefix)
