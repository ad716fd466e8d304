"""What PalmCity asks the population register (人口库): who are a child's guardians.

Adding a child under 14 to a family lets the adding resident act for the child and take the
child's health card, so the resident must be among the child's guardians as the register records
them (the parents on the birth record, or a guardian the register has been told of). PalmCity
only compares the answer with the resident's own verified ID number and keeps the relation; the
other guardians' ID numbers are never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable


class GuardianRelation(StrEnum):
    """What the guardian is to the child, as the register records it."""

    FATHER = "father"  # 父亲
    MOTHER = "mother"  # 母亲
    OTHER_GUARDIAN = "other_guardian"  # 其他监护人 (a grandparent, an appointed guardian...)


@dataclass(frozen=True)
class Guardian:
    id_number: str = field(repr=False)
    relation: GuardianRelation


class PopulationRegisterError(Exception):
    """The register refused the question (``code`` is its error code, for logs)."""

    def __init__(self, code: str, message: str = "") -> None:
        self.code = code
        super().__init__(f"population register {code}: {message}")


class PopulationRegisterUnavailable(PopulationRegisterError):
    """No usable answer: network, timeout, 5xx, a busy register or an unreadable body. Ask again later."""


class PersonNotFound(PopulationRegisterError):
    """The register has no one under that ID number."""


class PopulationRegister(Protocol):
    async def guardians_of(self, child_id_number: str) -> list[Guardian]:
        """The child's guardians (possibly none: e.g. guardianship not yet registered)."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SandboxPopulationDesk(Protocol):
    """The sandbox register's own counter: seats a child in a household (tests and the demo)."""

    def add_household(self, child_id_number: str, guardians: list[Guardian]) -> None: ...
