"""The sandbox population register: answers from its own seeded households, nothing else.

The households are in ``sandbox_households.json`` (the demo residents' children, e.g. alice's
李小宝), the same in every process; testers and tests seat more through :meth:`add_household`
(or :meth:`aadd_household`), kept in the app's Redis (``adapters.sandbox_state``) so that a child
seated through one worker is known to every other. A child it does not know is
``PersonNotFound``, as the real register would answer: the sandbox never confirms a guardian it was
not told about, so the demo shows both roads (confirmed at once, or a birth certificate for staff to
check).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from adapters.population.port import (
    Guardian,
    GuardianRelation,
    PersonNotFound,
    PopulationRegisterUnavailable,
)
from adapters.sandbox_state import Decision, Record, SandboxState

HOUSEHOLDS = Path(__file__).with_name("sandbox_households.json")
FOREVER = 0  # a seated child stays, as in the real register


class SandboxPopulationRegister:
    def __init__(self, households: Path | None = HOUSEHOLDS, state: SandboxState | None = None) -> None:
        """``state``: where seated children live (the app's Redis: every process sees them); without
        one, in this process."""
        self._state = state or SandboxState("population")
        self._seeded: dict[str, list[Guardian]] = {}
        self.failing = False  # tests switch the register (of this process) off
        self.asked: list[str] = []  # the ID numbers this process asked about, for tests
        if households is not None:
            for entry in json.loads(households.read_text(encoding="utf-8"))["households"]:
                known = self._seeded.setdefault(entry["child"].upper(), [])
                known.extend(_guardian(g) for g in entry["guardians"] if _guardian(g) not in known)

    def add_household(self, child_id_number: str, guardians: list[Guardian]) -> None:
        """Seat a child (a test's hook: blocking)."""
        self._state.change_now(self._child_key(child_id_number), _seating(guardians), ttl=FOREVER)

    async def aadd_household(self, child_id_number: str, guardians: list[Guardian]) -> None:
        """``add_household`` for the app's sandbox route."""
        await self._state.change(self._child_key(child_id_number), _seating(guardians), ttl=FOREVER)

    async def guardians_of(self, child_id_number: str) -> list[Guardian]:
        self.asked.append(child_id_number)
        if self.failing:
            raise PopulationRegisterUnavailable("UNAVAILABLE", "sandbox switched off")
        seeded = self._seeded.get(child_id_number.upper())
        seated = await self._state.read(self._child_key(child_id_number))
        if seeded is None and seated is None:
            raise PersonNotFound("PERSON_NOT_FOUND", "no such person in the sandbox households")
        found = list(seeded or [])
        found.extend(g for g in map(_guardian, (seated or {}).get("guardians", [])) if g not in found)
        return found

    async def aclose(self) -> None:
        self._state.close()

    def _child_key(self, child_id_number: str) -> str:
        return self._state.key("child", child_id_number.upper())


def _guardian(raw: dict[str, str]) -> Guardian:
    return Guardian(raw["id_number"], GuardianRelation(raw["relation"]))


def _seating(guardians: list[Guardian]) -> Callable[[Record | None], Decision[None]]:
    def seating(found: Record | None) -> Decision[None]:
        known: list[dict[str, str]] = (found or {}).get("guardians", [])
        added = [{"id_number": g.id_number, "relation": g.relation.value} for g in guardians]
        return {"guardians": known + [g for g in added if g not in known]}, None

    return seating
