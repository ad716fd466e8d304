"""Settings refuse development placeholders outside dev/test, and read keys as documented."""

from __future__ import annotations

import base64
import json
import os

import pytest
from pydantic import ValidationError

from server.settings import Settings


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


REAL = {
    "pii_keys": f"1:{_key()}",
    "blind_index_key": _key(),
    "jwt_keys": json.dumps({"2026-11": _key()}),
    "jwt_active_kid": "2026-11",
    "wechat_secret": "real-secret",
    "identity_client_secret": "real-secret",
    "redis_url": "redis://redis:6379/0",
    "sandbox": False,
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about defaults: what CI or a developer exported must not leak in."""
    for name in list(os.environ):
        if name.startswith("PALMCITY_") or name in ("DATABASE_URL", "REDIS_URL"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(os.path.dirname(__file__))  # no project .env


def test_production_refuses_every_placeholder_by_name() -> None:
    with pytest.raises(ValidationError) as exc:
        Settings(env="prod")
    message = str(exc.value)
    for name in ("PALMCITY_PII_KEYS", "PALMCITY_JWT_KEYS", "PALMCITY_WECHAT_SECRET", "PALMCITY_REDIS_URL"):
        assert name in message


def test_production_refuses_the_sandbox_platforms() -> None:
    with pytest.raises(ValidationError, match="PALMCITY_SANDBOX"):
        Settings(env="prod", **{**REAL, "sandbox": True})


def test_production_starts_with_real_values() -> None:
    settings = Settings(env="prod", **REAL)
    assert settings.jwt_key_seeds.keys() == {"2026-11"}
    assert list(settings.pii_key_versions) == [1]


def test_dev_accepts_the_placeholders() -> None:
    assert Settings(env="dev").sandbox is True


def test_the_active_kid_must_be_one_of_the_keys() -> None:
    settings = Settings(env="test", jwt_keys=json.dumps({"a": _key()}), jwt_active_kid="b")
    with pytest.raises(ValueError, match="PALMCITY_JWT_ACTIVE_KID"):
        _ = settings.jwt_key_seeds


def test_the_pii_active_version_must_be_one_of_the_keys() -> None:
    keys = f"1:{_key()},2:{_key()}"
    assert Settings(env="prod", **{**REAL, "pii_keys": keys}).pii_active_version is None  # the highest
    assert Settings(env="prod", **{**REAL, "pii_keys": keys, "pii_active_version": 1}).pii_active_version == 1
    with pytest.raises(ValidationError, match="PALMCITY_PII_ACTIVE_VERSION 3 is not a version"):
        Settings(env="prod", **{**REAL, "pii_keys": keys, "pii_active_version": 3})


def test_database_and_redis_urls_come_from_the_conventional_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/palmcity")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/1")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "postgres://u@db:5432/palmcity"
    assert settings.redis_url == "redis://cache:6379/1"
    assert not settings.uses_sqlite and not settings.uses_embedded_redis


def test_the_sandbox_wechatpay_keys_file_is_refused_outside_the_sandbox() -> None:
    with pytest.raises(ValidationError, match="PALMCITY_SANDBOX_WECHATPAY_KEYS_FILE"):
        Settings(env="dev", sandbox=False, sandbox_wechatpay_keys_file="/tmp/keys.json")
    with pytest.raises(ValidationError, match="PALMCITY_SANDBOX_WECHATPAY_KEYS_FILE"):
        Settings(env="prod", **REAL, sandbox_wechatpay_keys_file="/tmp/keys.json")
    assert Settings(env="dev", sandbox_wechatpay_keys_file="/tmp/keys.json").sandbox


def test_the_sandbox_clock_shift_is_for_a_dev_or_test_sandbox_only(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="PALMCITY_SANDBOX_CLOCK_SHIFT_MINUTES"):
        Settings(env="test", sandbox=False, sandbox_clock_shift_minutes=60)
    with pytest.raises(ValidationError, match="PALMCITY_SANDBOX_CLOCK_SHIFT_MINUTES"):
        Settings(env="prod", **REAL, sandbox_clock_shift_minutes=60)
    with pytest.raises(ValidationError, match="PALMCITY_SANDBOX_CLOCK_SHIFT_MINUTES"):
        Settings(env="prod", **{**REAL, "sandbox": True}, sandbox_clock_shift_minutes=-60)
    assert Settings(env="prod", **REAL).sandbox_clock_shift_minutes == 0  # no shift: nothing to refuse
    assert Settings(env="dev", sandbox_clock_shift_minutes=-600).sandbox_clock_shift_minutes == -600
    monkeypatch.setenv("PALMCITY_ENV", "test")
    monkeypatch.setenv("PALMCITY_SANDBOX_CLOCK_SHIFT_MINUTES", "90")
    assert Settings(_env_file=None).sandbox_clock_shift_minutes == 90  # type: ignore[call-arg]


def test_production_needs_its_own_credential_keys_with_short_kids() -> None:
    with pytest.raises(ValueError, match="PALMCITY_CREDENTIAL_KEYS must be set"):
        _ = Settings(env="prod", **REAL).credential_key_seeds
    long_kid = "q" * 17  # kids travel inside every QR code: 16 characters at most
    with pytest.raises(ValueError, match="kids must be 1-16 ASCII"):
        _ = Settings(
            env="prod", **REAL, credential_keys=json.dumps({long_kid: _key()}), credential_active_kid=long_kid
        ).credential_key_seeds
    with pytest.raises(ValueError, match="PALMCITY_CREDENTIAL_ACTIVE_KID"):
        _ = Settings(env="prod", **REAL, credential_keys=json.dumps({"qr-1": _key()})).credential_key_seeds
    ready = Settings(
        env="prod", **REAL, credential_keys=json.dumps({"qr-1": _key()}), credential_active_kid="qr-1"
    )
    assert ready.credential_key_seeds.keys() == {"qr-1"} and ready.credential_signing_kid == "qr-1"


def test_a_postgres_url_gets_the_pool_size_unless_it_names_one() -> None:
    from server.db import tortoise_config

    def url(config: dict[str, object]) -> str:
        return config["connections"]["default"]  # type: ignore[index,no-any-return]

    assert (
        url(tortoise_config("postgres://u@db:5432/palmcity", 30))
        == "postgres://u@db:5432/palmcity?maxsize=30"
    )
    assert (
        url(tortoise_config("postgres://u@db/p?maxsize=5&ssl=true", 30))
        == "postgres://u@db/p?maxsize=5&ssl=true"
    )
    assert url(tortoise_config("sqlite://var/palmcity.sqlite3", 30)) == "sqlite://var/palmcity.sqlite3"
    assert Settings(env="test").database_pool_max == 20
