"""The sandbox platforms' counters as the sandbox pages use them: async, so that the state they
change is the shared one (the app's Redis) whichever worker serves the page.

The ports' ``Sandbox*Desk`` protocols name the blocking test hooks (``pay``, ``add_household``);
these name their async twins, which the sandbox fakes also have.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from adapters.population.port import Guardian

Signed = tuple[dict[str, str], bytes]  # a notification or callback: headers and body


@runtime_checkable
class WeChatPayCounter(Protocol):
    async def apay(self, out_trade_no: str, *, at: dt.datetime | None = None) -> Signed: ...


@runtime_checkable
class PublicPaymentCounter(Protocol):
    async def apay(self, notice_number: str, *, at: dt.datetime | None = None) -> Signed: ...


@runtime_checkable
class PopulationCounter(Protocol):
    async def aadd_household(self, child_id_number: str, guardians: list[Guardian]) -> None: ...


class SeatedChildren:
    """What the domain's seating decides (it calls the blocking ``add_household``), collected so
    that the route writes it through the async counter."""

    def __init__(self) -> None:
        self.seated: list[tuple[str, list[Guardian]]] = []

    def add_household(self, child_id_number: str, guardians: list[Guardian]) -> None:
        self.seated.append((child_id_number, guardians))
