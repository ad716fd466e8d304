"""The typed shape of ``app.ctx``: what one worker process holds for its whole life."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.shared.kv import Keys, Redis
from server.bootstrap import Adapters
from server.metrics import Metrics
from server.settings import Settings

if TYPE_CHECKING:
    from domain.accounts.tokens import TokenService


@dataclass
class Runtime:
    settings: Settings
    adapters: Adapters
    redis: Redis
    keys: Keys
    tokens: TokenService
    metrics: Metrics
