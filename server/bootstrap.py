"""The one place that decides which outside platforms are real and which are sandbox fakes."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.identity.port import IdentityProvider
from adapters.payments.port import Payments
from adapters.storage.port import Storage
from adapters.wechat.port import WeChat
from domain.shared.kv import Keys, Redis
from server.settings import Settings


@dataclass
class Adapters:
    wechat: WeChat
    identity: IdentityProvider
    # Material files. Defaults to memory so that callers building their own fakes need not care.
    storage: Storage = field(default_factory=lambda: _memory_storage())
    # Registration fees. Only the sandbox until the payments module brings the real providers:
    # outside the sandbox a fee is refused with 503 payments_unavailable, never taken half-way.
    payments: Payments | None = None

    async def aclose(self) -> None:
        for adapter in (self.wechat, self.identity, self.storage, self.payments):
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


def build_adapters(settings: Settings, redis: Redis, keys: Keys) -> Adapters:
    if settings.sandbox:
        from adapters.identity.fake import SandboxIdentityProvider
        from adapters.payments.fake import SandboxPayments
        from adapters.wechat.fake import SandboxWeChat

        return Adapters(
            wechat=SandboxWeChat(appid=settings.wechat_appid),
            # Codes live in Redis so that every worker can exchange them.
            identity=SandboxIdentityProvider(base_url=settings.public_base_url, redis=redis, keys=keys),
            storage=_storage(settings),
            payments=SandboxPayments(redis, keys),
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
    )
