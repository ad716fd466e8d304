"""The 秒批 record as staff read it: one line per rule, in words, e.g. "低保对象：是 ✓".

A submission stores each rule's comparison (``rules.RuleResult.as_dict``); this module turns it into
lines of ``{label, passed, detail, requirement, depth}`` with the label of the item's form field
(or of the platform fact the rule reads), the value found and the value wanted in the reader's
words: yes/no, an option's name, an amount in yuan. No line carries a field path or an operator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from domain.catalog.schema import FormField, ItemDocument
from domain.shared.i18n import LazyText, _
from domain.shared.labels import Label, LabelTable, Names

# What the platform adds to the form for rules (``submission.platform_facts``, the aid schemes'
# derived answers): their names, as the form names its own fields.
FACTS = LabelTable(
    "rule facts",
    {
        "applicant.identity_level": _("The applicant's identity level"),
        "applicant.age": _("The applicant's age"),
        "subject.relation": _("Who the application is for"),
        "subject.age": _("Age of the person it is for"),
        "subject.identity_level": _("Identity level of the person it is for"),
        "today": _("Date of application"),
        "form.age_on_31_august": _("The child's age on 31 August"),
        "form.deposits_and_securities_per_capita_fen": _("Deposits and securities per household member"),
    },
)
_RELATIONS = {
    "self": _("Yourself"),
    "child": _("Child"),
    "spouse": _("Spouse"),
    "parent": _("Parent"),
    "other": _("Other family member"),
}
_REQUIREMENT: dict[str, LazyText] = {
    "eq": _("Must be: {value}"),
    "ne": _("Must not be: {value}"),
    "lt": _("Less than {value}"),
    "le": _("At most {value}"),
    "gt": _("More than {value}"),
    "ge": _("At least {value}"),
    "in": _("One of: {value}"),
    "not_in": _("None of: {value}"),
    "present": _("Must be given"),
}
_SEPARATOR = " / "


@dataclass(frozen=True)
class Line:
    label: Label  # what was checked
    passed: bool
    detail: Label  # the value found, in words
    requirement: Label  # what the rule wants, in words
    depth: int = 0  # lines of an "any one of" group sit one level in


@dataclass(frozen=True)
class _Words:
    """Several labels in a row (a list of options), rendered together."""

    parts: tuple[Any, ...]

    def render(self, locale: str = "zh_Hans") -> str:
        return _SEPARATOR.join(p.render(locale) if hasattr(p, "render") else str(p) for p in self.parts)


def lines_of(results: dict[str, Any] | None, document: ItemDocument) -> list[Line] | None:
    """The stored 秒批 record as lines (None when the item has no 秒批 rules)."""
    if not results:
        return None
    fields = {f"form.{f.key}": f for f in document.form.fields}
    return list(_lines(results, fields, 0))


def _lines(node: dict[str, Any], fields: dict[str, FormField], depth: int) -> Iterator[Line]:
    children = node.get("children") or []
    if children:
        inner = depth
        if node.get("group") == "any":
            met = sum(bool(c.get("passed")) for c in children)
            yield Line(
                _("At least one of the following"),
                bool(node.get("passed")),
                _("{met} of {total} met", met=met, total=len(children)),
                _("At least one"),
                depth,
            )
            inner = depth + 1
        for child in children:
            yield from _lines(child, fields, inner)
        return
    comparison = node.get("comparison")
    if not isinstance(comparison, dict):  # recorded before rules kept their comparison
        verdict = _("Met") if node.get("passed") else _("Not met")
        yield Line(_("A rule of the item"), bool(node.get("passed")), verdict, verdict, depth)
        return
    path = str(comparison.get("field", ""))
    field = fields.get(path)
    op = str(comparison.get("op", ""))
    wanted = comparison.get("value")
    yield Line(
        label=_label(path, field),
        passed=bool(node.get("passed")),
        detail=_value(comparison.get("actual"), path, field),
        requirement=_requirement(op, _value(wanted, path, field)),
        depth=depth,
    )


def _requirement(op: str, wanted: Label) -> LazyText:
    template = _REQUIREMENT.get(op)
    return LazyText(template.msgid, {"value": wanted}) if template is not None else _("Met")


def _label(path: str, field: FormField | None) -> Label:
    if field is not None:
        return Names(field.label.zh_Hans, field.label.zh_Hant, field.label.en)
    return FACTS(path)


def _value(value: Any, path: str, field: FormField | None) -> Label:
    """A value in words: yes or no, an option's name, an amount in yuan, a relation."""
    if value is None or value == "":
        return _("Not given")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return _Words(tuple(_value(v, path, field) for v in value))
    options = {o.value: o.label for o in (field.options or [])} if field is not None else {}
    if str(value) in options:
        label = options[str(value)]
        return Names(label.zh_Hans, label.zh_Hant, label.en)
    if path.endswith("_fen") and isinstance(value, int | float):
        return _("¥{amount}", amount=f"{value / 100:,.2f}")
    if path == "subject.relation" and str(value) in _RELATIONS:
        return _RELATIONS[str(value)]
    return _Words((value,))
