"""The small condition language shared by form ``show_if`` and 秒批 ``instant_rules``.

``{"field": "age", "op": "lt", "value": 7}``, combined with ``{"all": [...]}`` / ``{"any": [...]}``
(docs/palm-office.md). This module holds the shape and the plain true/false evaluation; 秒批 adds
its explanations on top (``domain.applications.rules``). Evaluation never raises: a value of the
wrong type simply does not satisfy a comparison, so a resident's input cannot crash a rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.catalog.errors import CatalogDocumentInvalid
from domain.shared.i18n import _

Op = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "present"]
FieldPath = str
_FIELD = r"^[a-z][a-z0-9_]{0,39}(\.[a-z][a-z0-9_]{0,39}){0,3}$"
Scalar = str | int | float | bool | None


class Comparison(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: FieldPath = Field(pattern=_FIELD)
    op: Op
    value: Scalar | list[str | int | float] = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Comparison:
        many = isinstance(self.value, list)
        if self.op in ("in", "not_in") and not many:
            raise CatalogDocumentInvalid(
                _("This comparison needs a list of values."), code="condition_needs_list"
            )
        if self.op not in ("in", "not_in") and many:
            raise CatalogDocumentInvalid(
                _("Only in and not_in compare with a list."), code="condition_list_not_allowed"
            )
        if self.op == "present" and self.value is not None:
            raise CatalogDocumentInvalid(
                _("A presence check takes no value."), code="condition_value_not_allowed"
            )
        return self


class AllOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    all: list[Condition] = Field(min_length=1, max_length=20)


class AnyOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    any: list[Condition] = Field(min_length=1, max_length=20)


Condition = Comparison | AllOf | AnyOf
AllOf.model_rebuild()
AnyOf.model_rebuild()


def fields_of(condition: Condition) -> Iterator[str]:
    """Every field path a condition reads."""
    if isinstance(condition, Comparison):
        yield condition.field
        return
    for part in condition.all if isinstance(condition, AllOf) else condition.any:
        yield from fields_of(part)


def holds(condition: Condition, data: Mapping[str, Any]) -> bool:
    """Whether ``data`` satisfies ``condition``; dotted paths read nested mappings."""
    if isinstance(condition, AllOf):
        return all(holds(part, data) for part in condition.all)
    if isinstance(condition, AnyOf):
        return any(holds(part, data) for part in condition.any)
    return compare(condition, lookup(data, condition.field))


_MISSING = object()


def lookup(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def compare(rule: Comparison, actual: Any) -> bool:
    """One comparison against the value found (``lookup``'s sentinel when the field is absent)."""
    if rule.op == "present":
        return actual is not _MISSING and actual is not None and actual != ""
    if actual is _MISSING:
        return False
    expected = rule.value
    if rule.op == "eq":
        return _same(actual, expected)
    if rule.op == "ne":
        return not _same(actual, expected)
    if rule.op in ("in", "not_in"):
        inside = isinstance(expected, list) and any(_same(actual, e) for e in expected)
        return inside if rule.op == "in" else not inside
    if not _comparable(actual, expected):
        return False
    if rule.op == "lt":
        return bool(actual < expected)
    if rule.op == "le":
        return bool(actual <= expected)
    if rule.op == "gt":
        return bool(actual > expected)
    return bool(actual >= expected)


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; a form's boolean must not equal a select's "1" or a number 1.
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (isinstance(a, str) and isinstance(b, str))
