"""One typed settings object: the only code that reads the environment.

Every setting has a safe value for the embedded default (``make run``); outside ``dev`` and
``test`` the placeholder secrets are refused so that a deployment cannot start with them.
"""

from __future__ import annotations

import base64
import json
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

# Placeholders that are fine on a laptop and fatal in production. They are deterministic so that
# tokens survive a `make run` restart; never reuse them anywhere else.
DEV_PII_KEYS = "1:" + base64.urlsafe_b64encode(b"palmcity-dev-pii-key-0000000000!").decode()
DEV_BLIND_INDEX_KEY = base64.urlsafe_b64encode(b"palmcity-dev-blind-index-key-00!").decode()
DEV_JWT_SEED = base64.urlsafe_b64encode(b"palmcity-dev-jwt-ed25519-seed-0!").decode()
DEV_CERTIFICATE_SEED = base64.urlsafe_b64encode(b"palmcity-dev-cert-ed25519-seed-!").decode()
DEV_CERTIFICATE_KID = "cert-dev-1"
DEV_CREDENTIAL_SEED = base64.urlsafe_b64encode(b"palmcity-dev-qr-ed25519-seed-00!").decode()
DEV_CREDENTIAL_KID = "qr-dev-1"


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class Settings(BaseSettings):
    """Deployment-wide configuration. Per-department settings live in the database."""

    # hide_input_in_errors: a refused setting's error must not print the keys given beside it.
    model_config = SettingsConfigDict(
        env_prefix="PALMCITY_", env_file=".env", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    env: Environment = Environment.DEV
    # "sqlite://var/palmcity.sqlite3" (embedded) or "postgres://user@host:5432/db".
    database_url: str = Field(
        default="sqlite://var/palmcity.sqlite3",
        validation_alias=AliasChoices("PALMCITY_DATABASE_URL", "DATABASE_URL"),
    )
    # PostgreSQL connections per process (a maxsize in the URL wins); mind max_connections on the
    # server: processes × this.
    database_pool_max: int = Field(default=20, ge=1, le=200)
    # "memory://" is the embedded in-process Redis (fakeredis with Lua); "redis://host:port/db" (or
    # "rediss://", TLS) a Redis server; "redis+cluster://host:port" (or "rediss+cluster://") a Redis
    # Cluster, found from that one seed node; "redis+sentinel://[:password@]host:26379,host:26379/
    # <service>/<db>" (or "rediss+sentinel://") the primary of a Sentinel-watched group, found by asking
    # the sentinels (their own options as "?sentinel_password=..."). Query options are redis-py's
    # (e.g. "?socket_timeout=2", "?ssl_ca_certs=/path/ca.pem").
    redis_url: str = Field(
        default="memory://",
        validation_alias=AliasChoices("PALMCITY_REDIS_URL", "REDIS_URL"),
        pattern=r"^(memory|rediss?|unix|rediss?\+cluster|rediss?\+sentinel)://",
    )
    # Every Redis key starts with this, so that environments (and tests) sharing a server never meet.
    redis_prefix: str = "palmcity:dev"
    # Outside platforms: True wires the sandbox fakes, False the real clients.
    sandbox: bool = True
    # Sandbox only, dev or test (refused otherwise): every process runs its clock this many minutes
    # away from the wall (domain.shared.clock.set_offset), so that the browser flows find the demo
    # days' China business hours whatever the hour they run at (tests/e2e/test_h5_flows.py).
    sandbox_clock_shift_minutes: int = Field(default=0, ge=-7 * 24 * 60, le=7 * 24 * 60)
    public_base_url: str = "http://127.0.0.1:8000"
    h5_dist: Path = ROOT / "miniprogram" / "dist" / "h5"
    default_locale: str = "zh_Hans"
    log_level: str = "INFO"
    log_json: bool = True

    # Requests
    max_body_bytes: int = 1_048_576
    trusted_proxy_hops: int = 0
    rate_limit_per_ip: int = 120  # requests per minute
    rate_limit_per_user: int = 240
    rate_limit_login_per_ip: int = 20

    # Tokens. jwt_keys: JSON {"kid": "base64 Ed25519 seed", ...}; the newest kid (jwt_active_kid) signs,
    # every listed key verifies, which is how keys rotate without logging anyone out.
    jwt_keys: str = json.dumps({"dev-1": DEV_JWT_SEED})
    jwt_active_kid: str = "dev-1"
    jwt_issuer: str = "palmcity"
    access_token_ttl_seconds: int = 15 * 60
    staff_access_token_ttl_seconds: int = 10 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    # A retried refresh inside this window gets the same successor instead of tripping reuse detection.
    refresh_grace_seconds: int = 20

    # Personal data: "version:base64key,version:base64key"; every listed version decrypts and
    # pii_active_version encrypts (unset: the highest listed). List a new key first, switch the
    # active version once every process has it, then `server.cli reencrypt-pii`, then retire.
    pii_keys: str = DEV_PII_KEYS
    pii_active_version: int | None = None
    blind_index_key: str = DEV_BLIND_INDEX_KEY

    # WeChat mini-program
    wechat_appid: str = "wx-sandbox-appid"
    wechat_secret: str = "changethis"
    wechat_api_base: str = "https://api.weixin.qq.com"

    # WeChat Pay APIv3 (JSAPI, paid with the mini-program's appid). Keys and certificates come from
    # the environment or files mounted at run time, never from the repository. Empty: no WeChat Pay
    # outside the sandbox (a fee is then refused with payment_provider_unavailable).
    wechatpay_mchid: str = ""
    wechatpay_api_base: str = "https://api.mch.weixin.qq.com"
    wechatpay_merchant_serial: str = ""  # the merchant API certificate's serial number
    wechatpay_private_key_file: Path | None = None  # the merchant API private key (PEM)
    wechatpay_apiv3_key: str = ""  # 32 characters
    # Platform keys that sign responses and notifications, JSON {"serial or PUB_KEY_ID_...": "PEM"}:
    # several during a rotation.
    wechatpay_platform_keys: str = ""
    wechatpay_notify_url: str = ""  # https, public, without a query string
    # Sandbox only (refused otherwise): a JSON file with the sandbox WeChat Pay's platform key, serial
    # and APIv3 key (``adapters.wechatpay.fake.save_keys``), so that a bench outside the server can
    # sign notifications the sandbox believes. Unset: the sandbox makes its own keys at start-up.
    sandbox_wechatpay_keys_file: Path | None = None

    # The unified public payment platform (非税支付) for government fees. Empty: none outside the
    # sandbox (such a fee is refused with payment_provider_unavailable).
    public_payment_base_url: str = ""
    public_payment_agency_code: str = ""  # 执收单位编码
    public_payment_key: str = ""  # the HMAC key shared with the platform

    # Provincial unified identity platform (OAuth2/OIDC with PKCE)
    identity_client_id: str = "palmcity"
    identity_client_secret: str = "changethis"
    identity_authorize_url: str = ""
    identity_token_url: str = ""
    identity_userinfo_url: str = ""

    # Staff accounts
    staff_lockout_threshold: int = 5
    staff_lockout_seconds: int = 15 * 60

    # Background work. With the embedded Redis the outbox worker runs inside the app's process
    # (nothing else can reach that Redis); the tests switch it off and run the jobs themselves, as
    # they do with a Redis server, where the worker is a process of its own.
    worker_in_process: bool = True
    outbox_poll_seconds: float = 1.0
    outbox_lease_seconds: int = 60

    # Material files (掌上办 uploads): "local" keeps them under upload_dir, "memory" only in the process.
    storage_backend: Literal["local", "memory"] = "local"
    upload_dir: Path = ROOT / "var" / "uploads"
    # Must stay below max_body_bytes, which caps the whole multipart request.
    max_upload_bytes: int = 1_000_000

    # E-certificates (电子证照): their own Ed25519 keys, JSON {"kid": "base64 seed"}. Certificates stay
    # valid for years, so these keys are retired on that clock, not on the access tokens' one;
    # keep a retired kid listed for as long as certificates it signed are valid. Empty means the
    # development key in dev/test and is refused elsewhere (see certificate_key_seeds).
    certificate_keys: str = ""
    certificate_active_kid: str = ""

    # QR credentials (电子凭证: health cards, appointment passes...): their own Ed25519 keys, JSON
    # {"kid": "base64 seed"}, published for offline scanners at /api/v1/credentials/keys. Keep a
    # retired kid listed while static codes it signed are still in use. Empty: the development key
    # in dev/test, refused elsewhere. Keep kids short (at most 16 characters): they travel in the QR.
    credential_keys: str = ""
    credential_active_kid: str = ""
    # A dynamic code is shown for this long, then replaced; it is accepted for the grace beyond.
    credential_dynamic_ttl_seconds: int = Field(default=60, ge=10, le=600)
    credential_grace_seconds: int = Field(default=30, ge=0, le=300)

    # The provincial electronic health card platform (电子健康卡). Empty base URL: none outside the
    # sandbox (issuing a card is then refused with health_card_platform_unavailable).
    health_card_api_base: str = ""
    health_card_app_id: str = ""
    health_card_app_secret: str = ""
    health_card_hospital_id: str = ""  # the organisation code the platform knows us by
    health_card_channel: str = ""

    # The population register's guardianship look-up (人口库, adapters/population). Empty base URL:
    # none outside the sandbox (every child under 14 then needs a birth certificate staff check).
    population_api_base: str = ""
    population_app_id: str = ""
    population_app_secret: str = ""

    # WeChat subscribe-message template ids per notification kind, JSON {"kind": "template id"}.
    # A kind without a template goes to the in-app inbox only.
    subscribe_templates: str = json.dumps(
        {
            "application_status": "sandbox-tmpl-application-status",
            "deadline_warning": "sandbox-tmpl-deadline-warning",
            "evaluation_invite": "sandbox-tmpl-evaluation-invite",
            "certificate_issued": "sandbox-tmpl-certificate-issued",
            "payment_refunded": "sandbox-tmpl-payment-refunded",
        }
    )

    @model_validator(mode="after")
    def _refuse_placeholders_outside_dev(self) -> Settings:
        if self.sandbox_wechatpay_keys_file is not None and not self.sandbox:
            raise ValueError(
                "PALMCITY_SANDBOX_WECHATPAY_KEYS_FILE is for the sandbox only: unset it or set "
                "PALMCITY_SANDBOX=true"
            )
        if self.sandbox_clock_shift_minutes and not (
            self.sandbox and self.env in (Environment.DEV, Environment.TEST)
        ):
            raise ValueError(
                "PALMCITY_SANDBOX_CLOCK_SHIFT_MINUTES is for a dev or test sandbox only: unset it, or "
                "set PALMCITY_SANDBOX=true with PALMCITY_ENV=dev or test"
            )
        if self.env in (Environment.DEV, Environment.TEST):
            return self
        placeholders = {
            "PALMCITY_PII_KEYS": self.pii_keys == DEV_PII_KEYS,
            "PALMCITY_BLIND_INDEX_KEY": self.blind_index_key == DEV_BLIND_INDEX_KEY,
            "PALMCITY_JWT_KEYS": DEV_JWT_SEED in self.jwt_keys,
            "PALMCITY_CERTIFICATE_KEYS": DEV_CERTIFICATE_SEED in self.certificate_keys,
            "PALMCITY_CREDENTIAL_KEYS": DEV_CREDENTIAL_SEED in self.credential_keys,
            "PALMCITY_WECHAT_SECRET": self.wechat_secret == "changethis",
            "PALMCITY_IDENTITY_CLIENT_SECRET": self.identity_client_secret == "changethis",
            "PALMCITY_REDIS_URL": self.redis_url == "memory://",
        }
        bad = [name for name, is_placeholder in placeholders.items() if is_placeholder]
        if bad:
            raise ValueError(
                f"{', '.join(bad)} still hold development placeholders; set real values for env={self.env}"
            )
        if self.sandbox:
            raise ValueError("PALMCITY_SANDBOX must be false for env=prod: sandbox platforms accept anyone")
        return self

    @field_validator("redis_url")
    @classmethod
    def _sentinel_url_is_complete(cls, value: str) -> str:
        if value.startswith(("redis+sentinel://", "rediss+sentinel://")):
            from server.redis import parse_sentinel_url  # server.redis imports this module

            try:
                parse_sentinel_url(value)
            except ValueError as refused:
                raise ValueError(f"PALMCITY_REDIS_URL: {refused}") from None
        return value

    @field_validator("pii_active_version", mode="before")
    @classmethod
    def _empty_active_version_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _pii_active_version_is_listed(self) -> Settings:
        if self.pii_active_version is not None and self.pii_active_version not in self.pii_key_versions:
            raise ValueError(
                f"PALMCITY_PII_ACTIVE_VERSION {self.pii_active_version} is not a version in "
                f"PALMCITY_PII_KEYS ({', '.join(str(v) for v in sorted(self.pii_key_versions))})"
            )
        return self

    @cached_property
    def jwt_key_seeds(self) -> dict[str, bytes]:
        raw: dict[str, Any] = json.loads(self.jwt_keys)
        keys = {kid: base64.urlsafe_b64decode(seed) for kid, seed in raw.items()}
        if self.jwt_active_kid not in keys:
            raise ValueError(f"PALMCITY_JWT_ACTIVE_KID {self.jwt_active_kid!r} is not in PALMCITY_JWT_KEYS")
        return keys

    @cached_property
    def certificate_key_seeds(self) -> dict[str, bytes]:
        return self._ring_seeds(
            "CERTIFICATE",
            self.certificate_keys,
            self.certificate_active_kid,
            DEV_CERTIFICATE_KID,
            DEV_CERTIFICATE_SEED,
        )

    @property
    def certificate_signing_kid(self) -> str:
        return self.certificate_active_kid or DEV_CERTIFICATE_KID

    @cached_property
    def credential_key_seeds(self) -> dict[str, bytes]:
        seeds = self._ring_seeds(
            "CREDENTIAL",
            self.credential_keys,
            self.credential_active_kid,
            DEV_CREDENTIAL_KID,
            DEV_CREDENTIAL_SEED,
        )
        too_long = [kid for kid in seeds if not 0 < len(kid.encode()) <= 16 or not kid.isascii()]
        if too_long:
            raise ValueError(f"PALMCITY_CREDENTIAL_KEYS: kids must be 1-16 ASCII characters: {too_long}")
        return seeds

    @property
    def credential_signing_kid(self) -> str:
        return self.credential_active_kid or DEV_CREDENTIAL_KID

    def _ring_seeds(
        self, name: str, raw_keys: str, active_kid: str, dev_kid: str, dev_seed: str
    ) -> dict[str, bytes]:
        """An Ed25519 key ring's seeds from JSON {"kid": "base64 seed"}; empty means the development
        key in dev/test and is refused elsewhere."""
        if not raw_keys:
            if self.env not in (Environment.DEV, Environment.TEST):
                raise ValueError(f"PALMCITY_{name}_KEYS must be set for env={self.env}")
            return {dev_kid: base64.urlsafe_b64decode(dev_seed)}
        raw: dict[str, Any] = json.loads(raw_keys)
        keys = {kid: base64.urlsafe_b64decode(seed) for kid, seed in raw.items()}
        if active_kid not in keys:
            raise ValueError(f"PALMCITY_{name}_ACTIVE_KID {active_kid!r} is not in PALMCITY_{name}_KEYS")
        return keys

    @cached_property
    def subscribe_template_ids(self) -> dict[str, str]:
        raw: dict[str, Any] = json.loads(self.subscribe_templates)
        return {str(kind): str(template) for kind, template in raw.items() if template}

    @cached_property
    def pii_key_versions(self) -> dict[int, bytes]:
        versions: dict[int, bytes] = {}
        for part in self.pii_keys.split(","):
            version, _, key = part.strip().partition(":")
            versions[int(version)] = base64.urlsafe_b64decode(key)
        return versions

    @property
    def uses_embedded_redis(self) -> bool:
        return self.redis_url.startswith("memory://")

    @property
    def uses_redis_cluster(self) -> bool:
        return self.redis_url.startswith(("redis+cluster://", "rediss+cluster://"))

    @property
    def uses_redis_sentinel(self) -> bool:
        return self.redis_url.startswith(("redis+sentinel://", "rediss+sentinel://"))

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")
