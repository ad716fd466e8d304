"""秒批 rule evaluation with explanations, on top of the catalogue's condition language.

The format (``{"field", "op", "value"}`` combined with ``all``/``any``) and its plain true/false
semantics are ``domain.catalog.conditions``; this module adds what a decision must record: for
each comparison, the value found and whether it passed, so staff see why a case fell through and
an instant approval shows which rules it met. The aid schemes reuse it for their form rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from domain.catalog.conditions import AllOf, AnyOf, Comparison, Condition, compare, lookup

_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


class RuleInvalid(ValueError):
    """A rule document that does not follow the format (a catalogue data error, never a client's)."""


@dataclass(frozen=True)
class RuleResult:
    passed: bool
    explanation: str  # the rule in its own notation, for those who maintain rules
    children: tuple[RuleResult, ...] = field(default_factory=tuple)
    # What a checklist line is made of (``domain.applications.checklist``): a comparison's field,
    # operator, the value it wants and the value found; a group's word (``all`` or ``any``).
    comparison: dict[str, Any] | None = None
    group: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, stored with the decision: staff read it as a checklist."""
        out: dict[str, Any] = {"passed": self.passed, "explanation": self.explanation}
        if self.comparison is not None:
            out["comparison"] = self.comparison
        if self.group is not None:
            out["group"] = self.group
        if self.children:
            out["children"] = [child.as_dict() for child in self.children]
        return out


def parse(rule: Condition | dict[str, Any]) -> Condition:
    """A rule as the catalogue's condition model; ``RuleInvalid`` when malformed."""
    if isinstance(rule, Comparison | AllOf | AnyOf):
        return rule
    try:
        return _CONDITION.validate_python(rule)
    except (ValidationError, ValueError) as exc:
        raise RuleInvalid(str(exc)) from exc


def evaluate(rule: Condition | dict[str, Any], data: dict[str, Any]) -> RuleResult:
    """Evaluate ``rule`` against ``data``; never raises on the data's values."""
    condition = parse(rule)
    if isinstance(condition, AllOf | AnyOf):
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        children = tuple(evaluate(part, data) for part in parts)
        count = sum(child.passed for child in children)
        need_all = isinstance(condition, AllOf)
        passed = count == len(children) if need_all else count > 0
        word = "all" if need_all else "any"
        return RuleResult(passed, f"{word}: {count} of {len(children)} passed", children, group=word)
    actual = lookup(data, condition.field)
    passed = compare(condition, actual)
    found = actual if isinstance(actual, str | int | float | bool | list) else None
    # lookup's sentinel: the platform holds no such value
    shown = "missing" if actual is not None and found is None else actual
    test = "present" if condition.op == "present" else f"{condition.op} {condition.value!r}"
    return RuleResult(
        passed,
        f"{condition.field} = {shown!r}; {test}: {'passed' if passed else 'failed'}",
        comparison={"field": condition.field, "op": condition.op, "value": condition.value, "actual": found},
    )
