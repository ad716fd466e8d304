"""The one place that decides which outside platforms are real and which are sandbox fakes."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.healthcard.port import HealthCardPlatform
from adapters.identity.port import IdentityProvider
from adapters.population.port import PopulationRegister
from adapters.publicpay.port import PublicPayment
from adapters.storage.port import Storage
from adapters.wechat.port import WeChat
from adapters.wechatpay.port import WeChatPay
from domain.shared.kv import Keys, Redis
from server.settings import Settings


@dataclass
class Adapters:
    wechat: WeChat
    identity: IdentityProvider
    # Material files. Defaults to memory so that callers building their own fakes need not care.
    storage: Storage = field(default_factory=lambda: _memory_storage())
    # WeChat Pay; None where it is not configured (a fee is then refused before anything is taken).
    wechatpay: WeChatPay | None = None
    # The unified public payment platform (government fees); None where it is not configured.
    publicpay: PublicPayment | None = None
    # The provincial health card platform; None where it is not configured (no card can be issued).
    healthcard: HealthCardPlatform | None = None
    # The population register's guardianship look-up; None where it is not configured (a child
    # under 14 is then proven by a birth certificate that staff check).
    population: PopulationRegister | None = None

    async def aclose(self) -> None:
        adapters = (
            self.wechat,
            self.identity,
            self.storage,
            self.wechatpay,
            self.publicpay,
            self.healthcard,
            self.population,
        )
        for adapter in adapters:
            if adapter is not None:
                await adapter.aclose()


def _memory_storage() -> Storage:
    from adapters.storage.fake import InMemoryStorage

    return InMemoryStorage()


def _storage(settings: Settings) -> Storage:
    # Files are local in the sandbox too: `make run` keeps uploads across restarts.
    if settings.storage_backend == "memory":
        return _memory_storage()
    from adapters.storage.client import LocalDiskStorage

    return LocalDiskStorage(settings.upload_dir)


# The sandbox merchant number: WeChat Pay's documentation example.
SANDBOX_MCHID = "1900000109"


def build_adapters(settings: Settings, redis: Redis, keys: Keys) -> Adapters:
    if settings.sandbox:
        from adapters.healthcard.fake import SandboxHealthCardPlatform
        from adapters.identity.fake import SandboxIdentityProvider
        from adapters.population.fake import SandboxPopulationRegister
        from adapters.publicpay.fake import SandboxPublicPayment
        from adapters.sandbox_state import SandboxState
        from adapters.wechat.fake import SandboxWeChat
        from adapters.wechatpay.fake import SandboxWeChatPay, load_keys

        # Keys from a file only when one is given (bench/payments.py signs notifications outside
        # the server); otherwise the sandbox makes its own at start-up.
        pay_keys = (
            load_keys(settings.sandbox_wechatpay_keys_file) if settings.sandbox_wechatpay_keys_file else None
        )
        return Adapters(
            wechat=SandboxWeChat(appid=settings.wechat_appid),
            # Codes live in Redis so that every worker can exchange them.
            identity=SandboxIdentityProvider(base_url=settings.public_base_url, redis=redis, keys=keys),
            storage=_storage(settings),
            # Orders, notices, cards and seated children in Redis too: every worker (and machine)
            # sees one platform, as it would see the real one.
            wechatpay=SandboxWeChatPay(
                mchid=SANDBOX_MCHID,
                appid=settings.wechat_appid,
                keys=pay_keys,
                state=SandboxState("wechatpay", redis, keys),
            ),
            publicpay=SandboxPublicPayment(SandboxState("publicpay", redis, keys)),
            healthcard=SandboxHealthCardPlatform(SandboxState("healthcard", redis, keys)),
            population=SandboxPopulationRegister(state=SandboxState("population", redis, keys)),
        )
    from adapters.identity.client import OidcIdentityProvider
    from adapters.wechat.client import WeChatClient

    return Adapters(
        wechat=WeChatClient(
            appid=settings.wechat_appid,
            secret=settings.wechat_secret,
            api_base=settings.wechat_api_base,
            redis=redis,
            keys=keys,
        ),
        identity=OidcIdentityProvider(
            client_id=settings.identity_client_id,
            client_secret=settings.identity_client_secret,
            authorize_url=settings.identity_authorize_url,
            token_url=settings.identity_token_url,
            userinfo_url=settings.identity_userinfo_url,
        ),
        storage=_storage(settings),
        wechatpay=_wechatpay(settings),
        publicpay=_publicpay(settings),
        healthcard=_healthcard(settings),
        population=_population(settings),
    )


def _population(settings: Settings) -> PopulationRegister | None:
    if not settings.population_api_base:
        return None
    from adapters.population.client import PopulationRegisterClient

    return PopulationRegisterClient(
        base_url=settings.population_api_base,
        app_id=settings.population_app_id,
        app_secret=settings.population_app_secret,
    )


def _healthcard(settings: Settings) -> HealthCardPlatform | None:
    if not settings.health_card_api_base:
        return None
    from adapters.healthcard.client import HealthCardClient

    return HealthCardClient(
        base_url=settings.health_card_api_base,
        app_id=settings.health_card_app_id,
        app_secret=settings.health_card_app_secret,
        hospital_id=settings.health_card_hospital_id,
        channel=settings.health_card_channel,
    )


def _publicpay(settings: Settings) -> PublicPayment | None:
    if not settings.public_payment_base_url:
        return None
    from adapters.publicpay.client import PublicPaymentClient

    return PublicPaymentClient(
        base_url=settings.public_payment_base_url,
        agency_code=settings.public_payment_agency_code,
        key=settings.public_payment_key.encode(),
    )


def _wechatpay(settings: Settings) -> WeChatPay | None:
    if not settings.wechatpay_mchid:
        return None
    from adapters.wechatpay.client import WeChatPayClient

    return WeChatPayClient.from_settings(
        mchid=settings.wechatpay_mchid,
        appid=settings.wechat_appid,
        api_base=settings.wechatpay_api_base,
        merchant_serial=settings.wechatpay_merchant_serial,
        private_key_pem=settings.wechatpay_private_key_file.read_bytes()
        if settings.wechatpay_private_key_file
        else b"",
        apiv3_key=settings.wechatpay_apiv3_key,
        platform_keys=settings.wechatpay_platform_keys,
        notify_url=settings.wechatpay_notify_url,
    )
