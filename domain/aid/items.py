"""The two aid schemes as catalogue item documents (``domain.catalog.schema.ItemDocument``).

The documents are data, ``documents/<workflow>.json``, as the workflows are
(``domain/workflows/definitions``): names, guides, materials, forms. What is logic stays here. The
秒批 ``instant_rules`` are the schemes' own rules (``domain.aid.medical``,
``domain.aid.rehabilitation``) moved under ``form.`` (where the applications service puts the form
when it evaluates them), so each rule is written once. Neither workflow has an instant approval:
the rules' results are recorded for the staff who decide.

Three rule inputs are computed, not asked, because the condition format cannot add, divide or read
a birth date: ``deposits_and_securities_per_capita_fen`` (Art. 5(六)),
``self_pay_share_of_income_permille`` (Art. 3(四)) and ``age_on_31_august`` (seed 001 Art. 5).
:func:`derived_form` adds them; whoever evaluates the rules merges its result into the form.
Money fields are whole fen, like every amount in the platform.

Each file is read and checked when this module is imported, so a bad file stops the start-up
instead of an application: it must validate as an ``ItemDocument``; a select field the rules and
calculators read must offer exactly its enum's values; a condition may compare a select field only
with values it offers; and what the Python policy owns (a time limit) must agree with it. The
catalogue's demo loader imports :data:`MEDICAL_AID_ITEM` and :data:`REHABILITATION_AID_ITEM`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from domain.aid import NamedRule
from domain.aid import medical as med
from domain.aid import rehabilitation as rehab
from domain.catalog.conditions import AllOf, Comparison, Condition
from domain.catalog.errors import CatalogDocumentInvalid
from domain.catalog.schema import ItemDocument

DOCUMENTS_DIR = Path(__file__).resolve().parent / "documents"


class AidDocumentInvalid(ValueError):
    """A document file disagrees with the schema or with its scheme's rules: raised at start-up."""


def under(prefix: str, condition: dict[str, Any]) -> dict[str, Any]:
    """``condition`` reading ``<prefix>.<field>`` instead of ``<field>``."""
    if "all" in condition:
        return {"all": [under(prefix, part) for part in condition["all"]]}
    if "any" in condition:
        return {"any": [under(prefix, part) for part in condition["any"]]}
    return {**condition, "field": f"{prefix}.{condition['field']}"}


def as_instant_rules(*groups: list[NamedRule]) -> dict[str, Any]:
    """Rule groups as one condition over ``form.*`` (one ``all`` per group keeps each under 20)."""
    return {"all": [{"all": [under("form", r.condition) for r in group]} for group in groups if group]}


@dataclass(frozen=True)
class _Scheme:
    workflow: str  # also the document file's name
    instant_rules: dict[str, Any]
    derive: Callable[[Mapping[str, Any], dt.date], dict[str, Any]]
    # Select fields whose options must be exactly an enum's values, in its order.
    options: Mapping[str, type[StrEnum]]
    # Document values the Python policy owns.
    fixed: Mapping[str, Any] = field(default_factory=dict)


_SCHEMES = {
    scheme.workflow: scheme
    for scheme in (
        _Scheme(
            "medical_aid",
            as_instant_rules(med.eligibility_rules(), [e.rule for e in med.EXCLUSIONS]),
            lambda form, _day: med.derived_facts(form),
            {"category": med.MedicalAidCategory, "low_income_group": med.LowIncomeGroup},
        ),
        _Scheme(
            "rehabilitation_aid",
            as_instant_rules(rehab.eligibility_rules()),
            rehab.derived_facts,
            {
                "disability_type": rehab.DisabilityType,
                "aid_item": rehab.RehabilitationItem,
                "institution_kind": rehab.Institution,
            },
            # L850: 10个工作日内审核完毕.
            {
                "promised_days": rehab.POLICY.review_working_days,
                "legal_days": rehab.POLICY.review_working_days,
            },
        ),
    )
}


def derived_form(workflow_code: str, form: Mapping[str, Any], day: dt.date) -> dict[str, Any]:
    """``form`` plus the computed inputs its aid rules read; other workflows' forms pass unchanged."""
    scheme = _SCHEMES.get(workflow_code)
    return dict(form) if scheme is None else scheme.derive(form, day)


# -- loading and checking ---------------------------------------------------------------------------


def _fail(workflow: str, problem: str) -> AidDocumentInvalid:
    return AidDocumentInvalid(f"aid document {workflow!r}: {problem}")


def load_document(workflow: str, directory: Path = DOCUMENTS_DIR) -> dict[str, Any]:
    """The item document of the scheme with ``workflow``, read from ``directory`` and checked."""
    scheme = _SCHEMES[workflow]
    raw = json.loads((directory / f"{workflow}.json").read_text(encoding="utf-8"))
    if raw.get("code") != scheme.workflow:
        raise _fail(scheme.workflow, "the file's code is not its name")
    written = raw["document"]
    # A guide is written as a list of paragraphs per locale, so the file reads and diffs by paragraph.
    guide = {locale: "\n".join(paragraphs) for locale, paragraphs in written["guide"].items()}
    document = {**written, "guide": guide, "instant_rules": scheme.instant_rules}
    try:
        parsed = ItemDocument.model_validate(document)
    except (ValidationError, CatalogDocumentInvalid) as exc:
        raise _fail(scheme.workflow, str(exc)) from exc
    _check_against_rules(scheme, parsed)
    return document


def _check_against_rules(scheme: _Scheme, document: ItemDocument) -> None:
    offered = {f.key: [o.value for o in f.options] for f in document.form.fields if f.options}
    for key, enum in scheme.options.items():
        if offered.get(key) != [member.value for member in enum]:
            raise _fail(scheme.workflow, f"the options of {key!r} are not the values of {enum.__name__}")
    conditions = [("", f.show_if) for f in document.form.fields if f.show_if is not None]
    if document.instant_rules is not None:
        conditions.append(("form.", document.instant_rules))
    for prefix, condition in conditions:
        for comparison in _comparisons(condition):
            key = comparison.field.removeprefix(prefix)
            values = comparison.value if isinstance(comparison.value, list) else [comparison.value]
            if key in offered and comparison.op != "present" and not set(values) <= set(offered[key]):
                raise _fail(scheme.workflow, f"a condition compares {key!r} with a value it does not offer")
    for key, value in scheme.fixed.items():
        if getattr(document, key) != value:
            raise _fail(scheme.workflow, f"{key} is not the policy's {value!r}")


def _comparisons(condition: Condition) -> Iterator[Comparison]:
    if isinstance(condition, Comparison):
        yield condition
        return
    for part in condition.all if isinstance(condition, AllOf) else condition.any:
        yield from _comparisons(part)


MEDICAL_AID_ITEM: dict[str, Any] = load_document("medical_aid")
REHABILITATION_AID_ITEM: dict[str, Any] = load_document("rehabilitation_aid")
