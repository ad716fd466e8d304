"""WeChat Pay's stand-in (a real HTTP server speaking APIv3, signed both ways) and the real client
pointed at it, for the WeChat Pay client's tests. A module with a provider of its own (the identity
platform's) overrides ``provider``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.wechatpay.client import WeChatPayClient
from tests.support.paystandins.wechatpay import WeChatPayStandIn


@pytest.fixture
async def provider() -> AsyncIterator[WeChatPayStandIn]:
    async with WeChatPayStandIn().running() as stand_in:
        yield stand_in


@pytest.fixture
def wechatpay(provider: WeChatPayStandIn) -> WeChatPayClient:
    return provider.client()  # closed with the stand-in
