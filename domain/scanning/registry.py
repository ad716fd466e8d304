"""What scanning a kind does, registered by the module that owns the kind (``domain/<name>/credential.py``).

An action runs inside the scan's transaction and returns what the scanner shows (masked, and
nothing more than the person at the counter needs); refusing is raising the owner's DomainError,
which rolls the whole scan back.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.credentials.kinds import Kind
from domain.credentials.service import Verified
from domain.scanning.models import ScannerDevice
from domain.shared.actor import Actor
from domain.shared.registry import Registry

DOMAIN_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ScanContext:
    actor: Actor
    device: ScannerDevice
    verified: Verified
    purpose: str | None
    at: dt.datetime  # when it was scanned
    scan_id: int
    offline: bool = False

    @property
    def object_id(self) -> int:
        return int(self.verified.subject.object_id)


@dataclass(frozen=True)
class Outcome:
    action: str  # the audit action, e.g. "health_card.used"
    shown: dict[str, Any]


Action = Callable[[ScanContext, BaseDBAsyncClient], Awaitable[Outcome]]
# kind -> what scanning it does; one owning module per kind (a second registration fails at import).
_ACTIONS: Registry[Kind, Action] = Registry("scan action")


def action(kind: Kind) -> Callable[[Action], Action]:
    return _ACTIONS.register(kind)


def action_for(kind: Kind) -> Action | None:
    return _ACTIONS.get(kind)


def load_owners() -> list[str]:
    """Import every ``domain/<name>/credential.py`` (holders and actions register at import)."""
    names = sorted(f"domain.{path.parent.name}.credential" for path in DOMAIN_DIR.glob("*/credential.py"))
    for name in names:
        importlib.import_module(name)
    return names
