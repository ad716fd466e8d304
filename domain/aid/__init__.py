"""The two aid schemes of the palm office: medical aid (seed 000) and rehabilitation aid (seed 001).

Each scheme's rules are data, written once and used two ways: by the Python functions the
calculators and tests call, and, in the catalogue's condition format, by the item's form and
秒批 rules (``domain.aid.items``). Both ways evaluate with ``domain.catalog.conditions``, so the
form and the calculator cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from domain.catalog.conditions import Condition, holds

_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


@dataclass(frozen=True)
class NamedRule:
    """One rule as the item document carries it: a code, the article it comes from, a condition."""

    code: str
    article: str
    line: int
    condition: dict[str, Any]

    def document(self) -> dict[str, Any]:
        return {"code": self.code, "source": f"Art. {self.article}, L{self.line}", "rule": self.condition}


def cmp(name: str, op: str, value: Any = None) -> dict[str, Any]:
    """One comparison in the condition format."""
    rule: dict[str, Any] = {"field": name, "op": op}
    if op != "present":
        rule["value"] = value
    return rule


def failed_rules(rules: Sequence[NamedRule], facts: Mapping[str, Any]) -> list[str]:
    """Evaluate ``rules`` with the catalogue's own evaluator, so form and calculator agree."""
    return [r.code for r in rules if not holds(_CONDITION.validate_python(r.condition), facts)]
