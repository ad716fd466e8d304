"""The sandbox WeChat Pay's keys can be shared through a file (``PALMCITY_SANDBOX_WECHATPAY_KEYS_FILE``),
so that a process outside the server (``bench/payments.py``) signs notifications the server believes."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import fakeredis
import pytest

from adapters.wechatpay.fake import SandboxKeys, SandboxWeChatPay, load_keys, save_keys
from adapters.wechatpay.port import NotificationInvalid
from domain.shared.kv import Keys
from server.bootstrap import SANDBOX_MCHID, build_adapters
from server.settings import Settings

APPID = "wx-sandbox-appid"


def test_a_provider_with_saved_keys_believes_notifications_signed_outside(tmp_path: Path) -> None:
    outside = SandboxWeChatPay(mchid=SANDBOX_MCHID, appid=APPID)
    path = tmp_path / "keys.json"
    save_keys(SandboxKeys(outside.platform_key, outside.serial, outside.apiv3_key), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    settings = Settings(env="test", sandbox=True, storage_backend="memory", sandbox_wechatpay_keys_file=path)
    server = build_adapters(settings, fakeredis.FakeAsyncRedis(), Keys("test:paykeys")).wechatpay
    assert isinstance(server, SandboxWeChatPay) and server.serial == outside.serial

    now = dt.datetime.now(dt.UTC)
    headers, body = outside.sign("TRANSACTION.SUCCESS", {"out_trade_no": "P1", "mchid": SANDBOX_MCHID})
    notice = server.verify(headers, body, now)
    assert notice.resource == {"out_trade_no": "P1", "mchid": SANDBOX_MCHID}
    # A provider with keys of its own refuses the same notification.
    with pytest.raises(NotificationInvalid):
        SandboxWeChatPay(mchid=SANDBOX_MCHID, appid=APPID).verify(headers, body, now)


def test_without_a_keys_file_each_sandbox_makes_its_own_keys() -> None:
    settings = Settings(env="test", sandbox=True, storage_backend="memory")
    assert settings.sandbox_wechatpay_keys_file is None
    first = build_adapters(settings, fakeredis.FakeAsyncRedis(), Keys("test:a")).wechatpay
    second = build_adapters(settings, fakeredis.FakeAsyncRedis(), Keys("test:b")).wechatpay
    assert isinstance(first, SandboxWeChatPay) and isinstance(second, SandboxWeChatPay)
    assert first.serial != second.serial and first.apiv3_key != second.apiv3_key


def test_a_keys_file_with_a_wrong_apiv3_key_is_refused(tmp_path: Path) -> None:
    keys = SandboxKeys.generate()
    path = tmp_path / "keys.json"
    save_keys(SandboxKeys(keys.platform_key, keys.serial, "short"), path)
    with pytest.raises(ValueError, match="APIv3"):
        load_keys(path)
