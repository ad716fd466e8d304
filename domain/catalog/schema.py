"""``ItemDocument``: the frozen JSON document of one catalogue item version (docs/palm-office.md).

Everything a resident reads and an application is judged by lives in the document, so that an
application filed under version 3 keeps version 3's materials, form and rules whatever editors do
later. Cross-field rules raise ``CatalogDocumentInvalid`` with their own ``code``, so an editor sees
e.g. ``form.fields.2.show_if: show_if_unknown_field`` rather than one vague refusal.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.catalog.conditions import Condition, fields_of
from domain.catalog.errors import CatalogDocumentInvalid, CatalogThemeUnknown
from domain.catalog.themes import LIFE_EVENT_CODES, THEME_CODES
from domain.certificates.types import KEYS as CERTIFICATE_TYPES
from domain.shared.i18n import LazyText, _

CODE_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
DEPARTMENT_PATTERN = r"^[a-z0-9][a-z0-9-]{1,31}$"
REGION_PATTERN = r"^\d{6}(\d{3})?$"
PlainText = r"^[^\x00-\x1f\x7f]*$"
MAX_DEPTH = 12  # nesting of a whole document; conditions are the only part that can nest deeply

# money: an amount the resident types in yuan (two decimals at most) and the answer keeps in fen, a
# whole number, like every amount in PalmCity; its bounds are in fen too.
FieldType = Literal["text", "number", "money", "date", "select", "boolean", "id_number", "phone"]
# Answers of these types are personal data: kept encrypted and shown masked.
PERSONAL_FIELD_TYPES = frozenset({"id_number", "phone"})
# Where a field's answer comes from instead of the resident (``domain.applications.prefill``): the
# verified record of the person the application is for (``subject``: the family member acted for, or
# the resident applying for themself) or of the resident filing it (``applicant``).
Prefill = Literal[
    "subject.name",
    "subject.id_number",
    "subject.birth_date",
    "subject.sex",
    "applicant.name",
    "applicant.id_number",
]
# The field type each record value fits; sex is a select offering these two values.
PREFILL_TYPES: dict[str, str] = {
    "name": "text",
    "id_number": "id_number",
    "birth_date": "date",
    "sex": "select",
}
SEX_VALUES = frozenset({"male", "female"})
ApplicantKind = Literal["self", "family_member", "enterprise"]
DeliveryMode = Literal["e_certificate", "post", "pickup"]
RegionLevel = Literal["province", "city", "county", "town"]
Key = Annotated[str, Field(pattern=CODE_PATTERN)]
Keyword = Annotated[str, Field(min_length=1, max_length=32, pattern=PlainText)]


def _refuse(code: str, message: LazyText) -> CatalogDocumentInvalid:
    return CatalogDocumentInvalid(message, code=code)


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Localized(_Part):
    zh_Hans: str  # noqa: N815 - locale names as in domain.shared.i18n
    zh_Hant: str  # noqa: N815
    en: str

    def text(self, locale: str) -> str:
        return str(getattr(self, locale, self.zh_Hans))


class Name(_Localized):
    zh_Hans: str = Field(min_length=1, max_length=120, pattern=PlainText)  # noqa: N815
    zh_Hant: str = Field(min_length=1, max_length=120, pattern=PlainText)  # noqa: N815
    en: str = Field(min_length=1, max_length=200, pattern=PlainText)


class Text(_Localized):
    """Longer text (a guide): line breaks allowed."""

    zh_Hans: str = Field(min_length=1, max_length=20_000)  # noqa: N815
    zh_Hant: str = Field(min_length=1, max_length=20_000)  # noqa: N815
    en: str = Field(min_length=1, max_length=40_000)


class Material(_Part):
    code: Key
    name: Name
    required: bool = True
    # The e-certificate type that replaces this material (免提交) when the applicant holds one.
    certificate_type: Key | None = None
    # 容缺受理: the case may be accepted while this material is still missing.
    tolerated: bool = False

    @field_validator("certificate_type")
    @classmethod
    def _known_certificate_type(cls, value: str | None) -> str | None:
        return _known_certificate_type(value)

    @model_validator(mode="after")
    def _tolerated_only_when_required(self) -> Material:
        if self.tolerated and not self.required:
            raise _refuse(
                "tolerated_needs_required", _("Only a required material can be accepted as missing.")
            )
        return self


class Option(_Part):
    value: str = Field(min_length=1, max_length=64, pattern=PlainText)
    label: Name


class FormField(_Part):
    key: Key
    type: FieldType
    label: Name
    help: Name | None = None
    required: bool = False
    # number: the value's bounds; text: its length; date: ISO dates.
    min: float | str | None = None
    max: float | str | None = None
    pattern: str | None = Field(default=None, max_length=200)
    options: list[Option] | None = Field(default=None, max_length=100)
    show_if: Condition | None = None
    # boolean: the answer preselected on a new form, for a question nearly everyone answers the same
    # way (an exclusion such as "caused by one's own illegal act?"); None leaves the choice to the resident.
    default: bool | None = None
    # Filled by the server from a verified record, never from what the client sends.
    prefill: Prefill | None = None

    @model_validator(mode="after")
    def _fits_type(self) -> FormField:
        if self.prefill is not None:
            _check_prefill(self.prefill, self.type, self.options)
        if self.options is not None and self.type != "select":
            raise _refuse("options_not_allowed", _("Only a select field has options."))
        if self.default is not None and self.type != "boolean":
            raise _refuse("default_not_allowed", _("Only a yes/no field has a default."))
        if self.type == "select":
            values = [o.value for o in self.options or []]
            if not values:
                raise _refuse("options_required", _("A select field needs at least one option."))
            if len(set(values)) != len(values):
                raise _refuse("options_duplicate", _("Two options have the same value."))
        if self.pattern is not None:
            if self.type != "text":
                raise _refuse("pattern_not_allowed", _("Only a text field has a pattern."))
            try:
                re.compile(self.pattern)
            except re.error:
                raise _refuse("pattern_invalid", _("This is not a valid regular expression.")) from None
        for bound in (self.min, self.max):
            if bound is not None and not _bound_fits(self.type, bound):
                raise _refuse("bound_not_allowed", _("This bound does not fit the field's type."))
        if self.min is not None and self.max is not None and _ordered(self.min) > _ordered(self.max):
            raise _refuse("bounds_inverted", _("The minimum is above the maximum."))
        return self


def _check_prefill(prefill: str, kind: str, options: list[Option] | None) -> None:
    fact = prefill.split(".")[1]
    if PREFILL_TYPES[fact] != kind or (kind == "select" and {o.value for o in options or []} != SEX_VALUES):
        raise _refuse("prefill_type_mismatch", _("This field's type cannot hold the value filled in for it."))


def _bound_fits(kind: str, bound: float | str) -> bool:
    if kind == "number":
        return isinstance(bound, int | float)
    if kind == "money":
        return isinstance(bound, int | float) and float(bound).is_integer() and bound >= 0
    if kind == "text":
        return isinstance(bound, int | float) and float(bound).is_integer() and 0 <= bound <= 10_000
    if kind == "date":
        return isinstance(bound, str) and _iso_date(bound) is not None
    return False


def _ordered(bound: float | str) -> Any:
    return bound if isinstance(bound, int | float) else _iso_date(bound)


def _iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    except ValueError:
        return None


class Form(_Part):
    fields: list[FormField] = Field(default_factory=list, max_length=60)

    @model_validator(mode="after")
    def _keys_and_conditions(self) -> Form:
        seen: set[str] = set()
        for field in self.fields:
            if field.key in seen:
                raise _refuse("duplicate_key", _("Two fields have the same key."))
            # show_if may only read fields above it: the form is filled top-down and no cycle can form.
            if field.show_if is not None and any(
                path.split(".")[0] not in seen for path in fields_of(field.show_if)
            ):
                raise _refuse("show_if_unknown_field", _("A condition may only refer to a field above it."))
            seen.add(field.key)
        return self


class ItemDocument(_Part):
    """One version of a catalogue item, as editors write it and residents read it."""

    name: Name
    summary: Name | None = None
    guide: Text
    keywords: list[Keyword] = Field(default_factory=list, max_length=30)
    kind: Literal["administrative", "public_service"] = "public_service"
    department: str = Field(pattern=DEPARTMENT_PATTERN)
    region: str = Field(pattern=REGION_PATTERN)
    region_level: RegionLevel
    themes: list[Key] = Field(default_factory=list, max_length=10)
    life_events: list[Key] = Field(default_factory=list, max_length=10)
    online_depth: int = Field(ge=1, le=4, description="1 information … 4 fully online (全程网办)")
    at_most_one_visit: bool = Field(default=False, description="最多跑一次")
    zero_visit: bool = Field(default=False, description="零跑动")
    promised_days: int = Field(ge=0, le=365, description="promised time limit, working days")
    legal_days: int = Field(ge=0, le=365, description="legal time limit, working days")
    fee_fen: int = Field(default=0, ge=0, le=100_000_000, description="0 = free")
    non_tax_item_code: str | None = Field(default=None, max_length=32, pattern=r"^[0-9A-Za-z-]+$")
    min_identity_level: int = Field(default=3, ge=1, le=5)
    applicant_kinds: list[ApplicantKind] = Field(min_length=1, max_length=3)
    delivery: list[DeliveryMode] = Field(default_factory=list, max_length=3)
    result_certificate_type: Key | None = None
    # Form answers printed on the e-certificate issued on approval (the rest stays in the case).
    certificate_fields: list[Key] = Field(default_factory=list, max_length=20)
    materials: list[Material] = Field(default_factory=list, max_length=50)
    form: Form = Field(default_factory=Form)
    workflow: Key
    instant_rules: Condition | None = None

    @model_validator(mode="before")
    @classmethod
    def _not_too_deep(cls, data: Any) -> Any:
        # Refuse absurd nesting before pydantic recurses into it, so it is a 422, never a crash.
        if _depth(data) > MAX_DEPTH:
            raise _refuse("too_deep", _("This document is nested too deeply."))
        return data

    @field_validator("result_certificate_type")
    @classmethod
    def _known_result_type(cls, value: str | None) -> str | None:
        return _known_certificate_type(value)

    @field_validator("themes")
    @classmethod
    def _known_themes(cls, value: list[str]) -> list[str]:
        return _known(value, THEME_CODES)

    @field_validator("life_events")
    @classmethod
    def _known_life_events(cls, value: list[str]) -> list[str]:
        return _known(value, LIFE_EVENT_CODES)

    @model_validator(mode="after")
    def _consistent(self) -> ItemDocument:
        if self.promised_days > self.legal_days:
            raise _refuse(
                "promised_exceeds_legal", _("The promised time limit is longer than the legal one.")
            )
        if self.zero_visit and not self.at_most_one_visit:
            raise _refuse(
                "zero_visit_needs_at_most_one", _("An item with no visit is also an at-most-one-visit item.")
            )
        if len(set(self.applicant_kinds)) != len(self.applicant_kinds):
            raise _refuse("duplicate_applicant_kind", _("An applicant kind is listed twice."))
        codes = [m.code for m in self.materials]
        if len(set(codes)) != len(codes):
            raise _refuse("duplicate_material", _("Two materials have the same code."))
        kinds = {f.key: f.type for f in self.form.fields}
        if any(key not in kinds for key in self.certificate_fields):
            raise _refuse("certificate_field_unknown", _("A certificate field is not a field of the form."))
        if any(kinds[key] in PERSONAL_FIELD_TYPES for key in self.certificate_fields):
            # A certificate is shown to every verifier: no ID number or phone in clear on it.
            raise _refuse(
                "certificate_field_personal", _("An ID number or phone cannot be printed on a certificate.")
            )
        if self.certificate_fields and self.result_certificate_type is None:
            raise _refuse(
                "certificate_fields_without_type", _("Certificate fields need a result certificate type.")
            )
        return self

    def keyword_text(self) -> str:
        """Everything a search should match, all locales together."""
        parts = [self.name.zh_Hans, self.name.zh_Hant, self.name.en, *self.keywords]
        if self.summary is not None:
            parts += [self.summary.zh_Hans, self.summary.zh_Hant, self.summary.en]
        return " ".join(parts)


def _known_certificate_type(value: str | None) -> str | None:
    if value is not None and value not in CERTIFICATE_TYPES:
        raise _refuse("certificate_type_unknown", _("There is no e-certificate of this type."))
    return value


def _known(values: list[str], allowed: frozenset[str]) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise CatalogThemeUnknown(details={"unknown": unknown, "allowed": sorted(allowed)})
    return list(dict.fromkeys(values))


def _depth(data: Any) -> int:
    """Nesting depth of JSON-like data, without recursion (the input may be hostile)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest
