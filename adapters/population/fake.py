"""The sandbox population register: answers from its own seeded households, nothing else.

The households are in ``sandbox_households.json`` (the demo residents' children, e.g. alice's
李小宝); tests seat more through :meth:`SandboxPopulationRegister.add_household`. A child it does
not know is ``PersonNotFound``, as the real register would answer: the sandbox never confirms a
guardian it was not told about, so the demo shows both roads (confirmed at once, or a birth
certificate for staff to check).
"""

from __future__ import annotations

import json
from pathlib import Path

from adapters.population.port import (
    Guardian,
    GuardianRelation,
    PersonNotFound,
    PopulationRegisterUnavailable,
)

HOUSEHOLDS = Path(__file__).with_name("sandbox_households.json")


class SandboxPopulationRegister:
    def __init__(self, households: Path | None = HOUSEHOLDS) -> None:
        self._children: dict[str, list[Guardian]] = {}
        self.failing = False  # tests switch the register off
        self.asked: list[str] = []  # the ID numbers asked about, for tests
        if households is not None:
            for entry in json.loads(households.read_text(encoding="utf-8"))["households"]:
                self.add_household(
                    entry["child"],
                    [Guardian(g["id_number"], GuardianRelation(g["relation"])) for g in entry["guardians"]],
                )

    def add_household(self, child_id_number: str, guardians: list[Guardian]) -> None:
        known = self._children.setdefault(child_id_number.upper(), [])
        known.extend(g for g in guardians if g not in known)

    async def guardians_of(self, child_id_number: str) -> list[Guardian]:
        self.asked.append(child_id_number)
        if self.failing:
            raise PopulationRegisterUnavailable("UNAVAILABLE", "sandbox switched off")
        found = self._children.get(child_id_number.upper())
        if found is None:
            raise PersonNotFound("PERSON_NOT_FOUND", "no such person in the sandbox households")
        return list(found)

    async def aclose(self) -> None:
        return None
