"""The WeChat client against a local stand-in of api.weixin.qq.com, and the sandbox fake.

The stand-in is a tiny aiohttp app on 127.0.0.1 that answers the way WeChat does, including its
habit of labelling JSON as text/plain. Nothing here touches the Internet.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import fakeredis
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.wechat.client import WeChatClient
from adapters.wechat.fake import SandboxWeChat
from adapters.wechat.port import (
    WeChatCodeInvalid,
    WeChatError,
    WeChatRateLimited,
    WeChatRecipientRefused,
    WeChatUnavailable,
)
from domain.shared.kv import Keys

APPID = "wx1234567890abcdef"


def _json(data: Any, status: int = 200) -> web.Response:
    # WeChat often answers JSON with Content-Type text/plain.
    return web.Response(text=json.dumps(data), status=status, content_type="text/plain")


@dataclass
class Platform:
    """What the stand-in answers, and what it was asked."""

    answers: dict[str, list[web.Response]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    tokens_issued: int = 0

    def answer(self, path: str, *responses: web.Response) -> None:
        self.answers.setdefault(path, []).extend(responses)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        self.requests.append((request.path, dict(request.query), body))
        queued = self.answers.get(request.path)
        if queued:
            return queued.pop(0)
        if request.path == "/cgi-bin/stable_token":
            self.tokens_issued += 1
            await asyncio.sleep(0.05)  # slow enough for concurrent callers to pile up
            return _json({"access_token": f"token-{self.tokens_issued}", "expires_in": 7200})
        return _json({"errcode": 0, "errmsg": "ok"})

    def calls(self, path: str) -> list[tuple[dict[str, str], Any]]:
        return [(query, body) for p, query, body in self.requests if p == path]


@pytest.fixture
async def platform() -> AsyncIterator[tuple[Platform, str]]:
    state = Platform()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield state, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
def redis() -> fakeredis.FakeAsyncRedis:
    return fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)


@pytest.fixture
async def wechat(
    platform: tuple[Platform, str], redis: fakeredis.FakeAsyncRedis
) -> AsyncIterator[WeChatClient]:
    client = _client(platform[1], redis)
    yield client
    await client.aclose()


def _client(base: str, redis: fakeredis.FakeAsyncRedis, prefix: str = "t") -> WeChatClient:
    return WeChatClient(appid=APPID, secret="s3cret", redis=redis, keys=Keys(prefix), api_base=base)


def _phone_answer(appid: str = APPID) -> web.Response:
    return _json(
        {
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": "+86 13912345678",
                "purePhoneNumber": "13912345678",
                "countryCode": "86",
                "watermark": {"timestamp": 1700000000, "appid": appid},
            },
        }
    )


# -- code2Session --------------------------------------------------------------------------------


async def test_code_to_session_reads_a_text_plain_answer(
    platform: tuple[Platform, str], wechat: WeChatClient
) -> None:
    state, _base = platform
    state.answer("/sns/jscode2session", _json({"openid": "o-1", "session_key": "sk", "unionid": "u-1"}))
    session = await wechat.code_to_session("the-code")
    assert (session.openid, session.unionid, session.session_key) == ("o-1", "u-1", "sk")
    assert "sk" not in repr(session)
    query, _body = state.calls("/sns/jscode2session")[0]
    assert query == {
        "appid": APPID,
        "secret": "s3cret",
        "js_code": "the-code",
        "grant_type": "authorization_code",
    }


@pytest.mark.parametrize(
    ("errcode", "error"),
    [
        (40029, WeChatCodeInvalid),
        (40163, WeChatCodeInvalid),
        (45011, WeChatRateLimited),
        (-1, WeChatUnavailable),
    ],
)
async def test_code_to_session_errors_become_typed_refusals(
    platform: tuple[Platform, str], wechat: WeChatClient, errcode: int, error: type[WeChatError]
) -> None:
    platform[0].answer("/sns/jscode2session", _json({"errcode": errcode, "errmsg": "nope"}))
    with pytest.raises(error) as refused:
        await wechat.code_to_session("c")
    assert refused.value.errcode == errcode


async def test_an_unknown_errcode_is_a_plain_wechat_error(
    platform: tuple[Platform, str], wechat: WeChatClient
) -> None:
    platform[0].answer("/sns/jscode2session", _json({"errcode": 40226, "errmsg": "high risk user"}))
    with pytest.raises(WeChatError) as refused:
        await wechat.code_to_session("c")
    assert type(refused.value) is WeChatError and refused.value.errcode == 40226


@pytest.mark.parametrize(
    "answer",
    [
        web.Response(text="<html>502 Bad Gateway</html>", status=502),
        web.Response(text="not json at all", content_type="text/plain"),
        _json(["a", "list"]),
        _json({"errcode": 0}),  # no openid
    ],
)
async def test_answers_that_cannot_be_used_mean_unavailable(
    platform: tuple[Platform, str], wechat: WeChatClient, answer: web.Response
) -> None:
    platform[0].answer("/sns/jscode2session", answer)
    with pytest.raises(WeChatUnavailable):
        await wechat.code_to_session("c")


async def test_a_platform_that_does_not_answer_is_unavailable(redis: fakeredis.FakeAsyncRedis) -> None:
    client = _client("http://127.0.0.1:9", redis)  # the discard port: connection refused
    try:
        with pytest.raises(WeChatUnavailable):
            await client.code_to_session("c")
    finally:
        await client.aclose()


# -- access token and phone number ---------------------------------------------------------------


async def test_phone_number_uses_a_stable_token_and_checks_the_watermark(
    platform: tuple[Platform, str], wechat: WeChatClient
) -> None:
    state, _base = platform
    state.answer("/wxa/business/getuserphonenumber", _phone_answer())
    assert await wechat.phone_number("phone-code") == "13912345678"
    token_query, token_body = state.calls("/cgi-bin/stable_token")[0]
    assert token_body == {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": "s3cret",
        "force_refresh": False,
    }
    query, body = state.calls("/wxa/business/getuserphonenumber")[0]
    assert query == {"access_token": "token-1"} and body == {"code": "phone-code"}


async def test_a_phone_number_for_another_appid_is_refused(
    platform: tuple[Platform, str], wechat: WeChatClient
) -> None:
    platform[0].answer("/wxa/business/getuserphonenumber", _phone_answer(appid="wx-someone-else"))
    with pytest.raises(WeChatCodeInvalid):
        await wechat.phone_number("phone-code")


async def test_workers_share_one_access_token(
    platform: tuple[Platform, str], redis: fakeredis.FakeAsyncRedis
) -> None:
    state, base = platform
    workers = [_client(base, redis) for _ in range(4)]
    try:
        tokens = await asyncio.gather(*(w.access_token() for w in workers))
        assert set(tokens) == {"token-1"}
        assert state.tokens_issued == 1
        assert await redis.get("t:wechat:access_token:" + APPID) == "token-1"
        assert 6800 <= await redis.ttl("t:wechat:access_token:" + APPID) <= 6900
    finally:
        for w in workers:
            await w.aclose()


async def test_a_refused_access_token_is_replaced_and_the_call_retried(
    platform: tuple[Platform, str], wechat: WeChatClient, redis: fakeredis.FakeAsyncRedis
) -> None:
    state, _base = platform
    await redis.set("t:wechat:access_token:" + APPID, "token-revoked")
    state.answer(
        "/wxa/business/getuserphonenumber", _json({"errcode": 40001, "errmsg": "invalid credential"})
    )
    state.answer("/wxa/business/getuserphonenumber", _phone_answer())
    assert await wechat.phone_number("phone-code") == "13912345678"
    sent = [query["access_token"] for query, _ in state.calls("/wxa/business/getuserphonenumber")]
    assert sent == ["token-revoked", "token-1"]


async def test_a_stale_token_that_comes_back_unchanged_is_force_refreshed(
    platform: tuple[Platform, str], wechat: WeChatClient, redis: fakeredis.FakeAsyncRedis
) -> None:
    state, _base = platform
    state.answer("/cgi-bin/stable_token", _json({"access_token": "dead", "expires_in": 7200}))
    assert await wechat.access_token(stale="dead") == "token-1"
    forced = [body["force_refresh"] for _query, body in state.calls("/cgi-bin/stable_token")]
    assert forced == [False, True]


# -- subscribe messages --------------------------------------------------------------------------


async def test_subscribe_messages_wrap_values(platform: tuple[Platform, str], wechat: WeChatClient) -> None:
    state, _base = platform
    await wechat.send_subscribe_message(
        "o-1", "tmpl-1", {"thing1": "体检预约", "time2": {"value": "10:00"}}, "pages/x"
    )
    _query, body = state.calls("/cgi-bin/message/subscribe/send")[0]
    assert body == {
        "touser": "o-1",
        "template_id": "tmpl-1",
        "page": "pages/x",
        "data": {"thing1": {"value": "体检预约"}, "time2": {"value": "10:00"}},
        "miniprogram_state": "formal",
        "lang": "zh_CN",
    }


async def test_a_refused_subscription_is_not_retryable(
    platform: tuple[Platform, str], wechat: WeChatClient
) -> None:
    platform[0].answer("/cgi-bin/message/subscribe/send", _json({"errcode": 43101, "errmsg": "user refuse"}))
    with pytest.raises(WeChatRecipientRefused):
        await wechat.send_subscribe_message("o-1", "tmpl-1", {"thing1": "x"})


# -- the sandbox fake ----------------------------------------------------------------------------


async def test_the_sandbox_gives_the_same_openid_for_the_same_name() -> None:
    fake = SandboxWeChat()
    alice = await fake.code_to_session("dev:alice")
    assert alice.openid == "sandbox-openid-alice"
    assert (await fake.code_to_session("dev:alice")).openid == alice.openid
    assert (await fake.code_to_session("dev:bob")).openid != alice.openid
    long_name = await fake.code_to_session("dev:" + "名" * 60)
    assert (
        len(long_name.openid) <= 64
        and long_name.openid == (await fake.code_to_session("dev:" + "名" * 60)).openid
    )


@pytest.mark.parametrize("code", ["alice", "dev:", "dev:   ", "prod:alice", ""])
async def test_the_sandbox_refuses_codes_that_are_not_dev_codes(code: str) -> None:
    with pytest.raises(WeChatCodeInvalid):
        await SandboxWeChat().code_to_session(code)


async def test_the_sandbox_phone_numbers_are_deterministic() -> None:
    fake = SandboxWeChat()
    assert await fake.phone_number("dev-phone") == "13800138000"
    assert await fake.phone_number("dev:13912345678") == "13912345678"
    with pytest.raises(WeChatCodeInvalid):
        await fake.phone_number("real-looking-code")


async def test_the_sandbox_records_subscribe_messages() -> None:
    fake = SandboxWeChat(unsubscribed={"o-2"})
    await fake.send_subscribe_message("o-1", "tmpl", {"thing1": "x"}, page="pages/a")
    assert [(m.openid, m.template_id, m.data, m.page) for m in fake.sent] == [
        ("o-1", "tmpl", {"thing1": "x"}, "pages/a")
    ]
    with pytest.raises(WeChatRecipientRefused):
        await fake.send_subscribe_message("o-2", "tmpl", {})


def test_keys_are_namespaced_per_environment() -> None:
    prefix = f"palmcity:test:{uuid.uuid4().hex[:6]}"
    client = WeChatClient(
        appid=APPID,
        secret="s",
        redis=fakeredis.FakeAsyncRedis(),
        keys=Keys(prefix),
        api_base="http://127.0.0.1:9",
    )
    assert client._token_key == f"{prefix}:wechat:access_token:{APPID}"
