"""Children in the sandbox population register, so that adding them proves guardianship at once.

    number = new_id_number(years_old=6)
    await seat_child(client, parent, number)          # the register lists parent as the mother
    r = await client.post("/api/v1/family", json={..., "id_number": number}, headers=parent.headers)
    assert r.json()["guardianship"] == "proven"

A child the register does not know is added ``pending``: nobody acts for it until proven.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.population.fake import SandboxPopulationRegister
from adapters.population.port import Guardian, GuardianRelation
from domain.accounts.models import User
from tests.support.residents import Resident, new_id_number


def register_of(client: httpx.AsyncClient) -> SandboxPopulationRegister:
    """The sandbox register of the app ``client`` talks to (tests' clients are ASGI transports)."""
    app = client._transport.app  # type: ignore[attr-defined]
    register = app.ctx.runtime.adapters.population
    assert isinstance(register, SandboxPopulationRegister), "the app does not run the sandbox register"
    return register


async def seat_child(
    client: httpx.AsyncClient,
    guardian: Resident,
    child_id_number: str,
    relation: GuardianRelation = GuardianRelation.MOTHER,
) -> None:
    """Record ``guardian`` (by their verified ID number) as a guardian of the child in the register."""
    user = await User.get(id=guardian.id)
    assert user.id_number, f"{guardian.name} has not verified their real name"
    register_of(client).add_household(child_id_number, [Guardian(user.id_number, relation)])


async def registered_child(client: httpx.AsyncClient, guardian: Resident, **born: Any) -> str:
    """A new child's ID number (``new_id_number``'s arguments), seated under ``guardian``."""
    number = new_id_number(**born)
    await seat_child(client, guardian, number)
    return number
