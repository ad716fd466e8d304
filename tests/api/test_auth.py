"""Residents over HTTP: WeChat login, refresh rotation and reuse detection, logout, the profile."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import httpx
import jwt
from tortoise import connections

from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.shared import clock
from tests.support.apps import error_code
from tests.support.residents import login

LOGIN = "/api/v1/auth/wechat/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"


def claims_of(access_token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return decoded


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- login ---------------------------------------------------------------------------------------


async def test_first_login_creates_a_resident_at_level_one(client: httpx.AsyncClient) -> None:
    r = await client.post(LOGIN, json={"code": "dev:alice"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["user"] == {
        "id": body["user"]["id"],
        "nickname": None,
        "phone": None,
        "identity_level": "L1",
        "real_name_verified": False,
        "name": None,
        "id_number": None,
        "id_document_kind": None,
        "locale": "zh_Hans",
        "care_mode": False,
    }
    claims = claims_of(body["access_token"])
    assert claims["sub"] == str(body["user"]["id"]) and claims["aud"] == "resident" and claims["lvl"] == 1
    user = await User.get(id=body["user"]["id"])
    assert user.openid == "sandbox-openid-alice"
    actions = await AuditRecord.filter(target_type="user", target_id=str(user.id)).values_list(
        "action", flat=True
    )
    assert list(actions) == ["account.created", "auth.login"]


async def test_logging_in_again_finds_the_same_resident(client: httpx.AsyncClient) -> None:
    first = await login(client, "alice")
    again = await login(client, "alice")
    other = await login(client, "bob")
    assert first.id == again.id != other.id
    assert await User.filter(openid="sandbox-openid-alice").count() == 1
    assert await AuditRecord.filter(action="account.created").count() == 2


async def test_a_code_wechat_does_not_know_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post(LOGIN, json={"code": "0a3Xyz-not-a-sandbox-code"})
    assert r.status_code == 422
    assert error_code(r) == "wechat_code_invalid"
    assert await User.all().count() == 0


async def test_login_bodies_that_cannot_be_read_are_refused_with_codes(client: httpx.AsyncClient) -> None:
    missing = await client.post(LOGIN, json={})
    assert missing.status_code == 422
    assert missing.json()["error"]["details"]["fields"][0] == {
        "field": "code",
        "code": "required",
        "message": missing.json()["error"]["details"]["fields"][0]["message"],
    }
    wrong_type = await client.post(LOGIN, json={"code": ["dev:alice"]})
    assert wrong_type.status_code == 422
    not_json = await client.post(LOGIN, content=b"{code", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and error_code(not_json) == "malformed_json"
    not_an_object = await client.post(LOGIN, json=["dev:alice"])
    assert not_an_object.status_code == 422


# -- tokens --------------------------------------------------------------------------------------


async def test_refresh_rotates_the_refresh_token(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    r = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})
    assert r.status_code == 200
    body = r.json()
    assert body["refresh_token"] != alice.refresh_token
    assert body["user"]["id"] == alice.id
    assert claims_of(body["access_token"])["fam"] == claims_of(alice.access_token)["fam"]
    assert (await client.get(ME, headers=bearer(body["access_token"]))).status_code == 200


async def test_reusing_a_spent_refresh_token_ends_the_whole_login(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    successor = (await client.post(REFRESH, json={"refresh_token": alice.refresh_token})).json()
    with clock.shifted(timedelta(seconds=60)):  # well past the retry grace window
        replay = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})
        assert replay.status_code == 401
        assert error_code(replay) == "refresh_token_reused"
        # The legitimate successor dies with the family, and so do its access tokens.
        legit = await client.post(REFRESH, json={"refresh_token": successor["refresh_token"]})
        assert legit.status_code == 401 and error_code(legit) == "token_invalid"
        me = await client.get(ME, headers=bearer(successor["access_token"]))
        assert me.status_code == 401 and me.json()["error"]["details"] == {"reason": "logged_out"}
    audit = await AuditRecord.get(action="auth.refresh_reuse_detected")
    assert (audit.target_id, audit.ip) == (str(alice.id), "203.0.113.7")


async def test_a_retry_inside_the_grace_window_gets_the_same_successor(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    first = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})
    retry = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})
    assert retry.status_code == 200
    assert retry.json()["refresh_token"] == first.json()["refresh_token"]
    # No reuse alarm: the successor keeps working.
    onward = await client.post(REFRESH, json={"refresh_token": first.json()["refresh_token"]})
    assert onward.status_code == 200


async def test_refresh_tokens_that_are_not_ours_are_refused(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    family = alice.refresh_token.split(".")[0]
    for token in ("garbage", f"{family}.made-up-secret", "0" * 32 + ".x"):
        r = await client.post(REFRESH, json={"refresh_token": token})
        assert r.status_code == 401 and error_code(r) == "token_invalid", token


async def test_logout_ends_the_login_at_once(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    assert (await client.get(ME, headers=alice.headers)).status_code == 200
    r = await client.post(LOGOUT, json={"refresh_token": alice.refresh_token})
    assert r.status_code == 204
    me = await client.get(ME, headers=alice.headers)
    assert me.status_code == 401 and error_code(me) == "token_invalid"
    assert (await client.post(REFRESH, json={"refresh_token": alice.refresh_token})).status_code == 401
    assert await AuditRecord.filter(action="auth.logout", actor_id=alice.id).count() == 1
    # Logging out twice, or with a token we never issued, is not an error.
    assert (await client.post(LOGOUT, json={"refresh_token": alice.refresh_token})).status_code == 204
    assert (await client.post(LOGOUT, json={"refresh_token": "nonsense"})).status_code == 204


async def test_logout_leaves_other_logins_alone(client: httpx.AsyncClient) -> None:
    phone = await login(client, "alice")
    tablet = await login(client, "alice")
    await client.post(LOGOUT, json={"refresh_token": phone.refresh_token})
    assert (await client.get(ME, headers=tablet.headers)).status_code == 200


async def test_an_expired_access_token_is_refused_with_token_expired(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    with clock.shifted(timedelta(minutes=16)):
        r = await client.get(ME, headers=alice.headers)
    assert r.status_code == 401 and error_code(r) == "token_expired"


async def test_a_tampered_access_token_is_refused(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    header, payload, signature = alice.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["lvl"] = 5
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    for token in (f"{header}.{forged}.{signature}", "not.a.jwt", alice.access_token[:-4] + "AAAA"):
        r = await client.get(ME, headers=bearer(token))
        assert r.status_code == 401 and error_code(r) == "token_invalid", token


async def test_the_profile_needs_a_resident_token(client: httpx.AsyncClient) -> None:
    r = await client.get(ME)
    assert r.status_code == 401 and error_code(r) == "unauthenticated"
    basic = await client.get(ME, headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert basic.status_code == 401


# -- profile -------------------------------------------------------------------------------------


async def test_changing_the_language_applies_to_later_answers(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    alice = await login(client, "alice")
    r = await client.patch(ME, json={"locale": "en"}, headers=alice.headers)
    assert r.status_code == 200 and r.json()["locale"] == "en"
    assert await runtime.redis.get(runtime.keys.of("prefs", "locale", "resident", alice.id)) == "en"
    later = await client.get(ME, headers={**alice.headers, "Accept-Language": "zh-CN"})
    assert later.headers["content-language"] == "en"
    audit = await AuditRecord.get(action="account.profile_updated")
    assert audit.before == {"locale": "zh_Hans"} and audit.after == {"locale": "en"}


async def test_care_mode_and_nickname_change_only_when_sent(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    r = await client.patch(ME, json={"care_mode": True, "nickname": " 阿丽 "}, headers=alice.headers)
    assert r.status_code == 200
    assert (r.json()["care_mode"], r.json()["nickname"]) == (True, "阿丽")
    kept = await client.patch(ME, json={"locale": "zh_Hant"}, headers=alice.headers)
    assert (kept.json()["care_mode"], kept.json()["nickname"], kept.json()["locale"]) == (
        True,
        "阿丽",
        "zh_Hant",
    )
    cleared = await client.patch(ME, json={"nickname": None}, headers=alice.headers)
    assert cleared.json()["nickname"] is None


async def test_profile_values_outside_the_rules_are_refused_per_field(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    cases = [
        ({"locale": "fr"}, "locale", "not_allowed"),
        ({"care_mode": "yes"}, "care_mode", "wrong_type"),
        ({"nickname": "x" * 33}, "nickname", "too_long"),
        ({"nickname": "a\u0000b"}, "nickname", "bad_characters"),
        ({"nickname": "   "}, "nickname", "too_short"),
        ({"openid": "someone-else"}, "openid", "unknown_field"),
    ]
    for patch, field, code in cases:
        r = await client.patch(ME, json=patch, headers=alice.headers)
        assert r.status_code == 422, patch
        fields = r.json()["error"]["details"]["fields"]
        assert (fields[0]["field"], fields[0]["code"]) == (field, code), patch
    assert (await User.get(id=alice.id)).locale == "zh_Hans"


async def test_a_bound_phone_is_stored_encrypted_and_shown_masked(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    r = await client.post("/api/v1/me/phone", json={"code": "dev:13912345678"}, headers=alice.headers)
    assert r.status_code == 200
    assert r.json()["phone"] == "139****5678"
    assert "13912345678" not in r.text
    rows = await connections.get("default").execute_query_dict(
        "SELECT phone, phone_index FROM user_account WHERE id = $1"
        if connections.get("default").capabilities.dialect == "postgres"
        else "SELECT phone, phone_index FROM user_account WHERE id = ?",
        [alice.id],
    )
    assert rows[0]["phone"].startswith("v1:") and "13912345678" not in rows[0]["phone"]
    assert len(rows[0]["phone_index"]) == 64
    assert (await User.get(id=alice.id)).phone == "13912345678"
    audit = await AuditRecord.get(action="account.phone_bound")
    assert audit.after == {"phone": "139****5678"}


async def test_a_phone_code_wechat_refuses_changes_nothing(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    r = await client.post("/api/v1/me/phone", json={"code": "stolen-code"}, headers=alice.headers)
    assert r.status_code == 422 and error_code(r) == "wechat_code_invalid"
    assert (await User.get(id=alice.id)).phone is None
