"""Checking what a resident typed against an item's form definition (``validate_form``).

Each bad field is reported on its own as ``{"field", "code", "message"}`` inside one
``InvalidInput`` (the shape ``api._kit`` uses for bodies), so the app can mark every field at once.
A field whose ``show_if`` condition does not hold is not asked: it is neither required nor kept.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from domain.catalog.conditions import holds
from domain.catalog.schema import FormField, ItemDocument
from domain.identity.errors import IdNumberInvalid
from domain.identity.service import normalize_id_number
from domain.shared.errors import InvalidInput
from domain.shared.i18n import LazyText, _

MAX_TEXT_LENGTH = 2_000  # a text field without its own max: enough for an address or a reason
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The same message ids as api._kit's body errors, so one translation serves both.
_MESSAGES: dict[str, LazyText] = {
    "required": _("This field is required."),
    "wrong_type": _("This value has the wrong type."),
    "too_short": _("This value is too short."),
    "too_long": _("This value is too long."),
    "too_small": _("This value is too small."),
    "too_large": _("This value is too large."),
    "bad_format": _("This value is not in the expected format."),
    "not_allowed": _("This value is not one of the allowed choices."),
    "unknown_field": _("This field is not accepted."),
    "bad_characters": _("This value contains characters that are not allowed."),
    "phone_invalid": _("This is not a valid mainland mobile number."),
}


class _Bad(Exception):
    def __init__(self, code: str, message: LazyText | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or _MESSAGES[code]


def validate_form(document: ItemDocument, data: Any, *, prefix: str = "form") -> dict[str, Any]:
    """The cleaned form data (JSON-ready) or ``InvalidInput`` listing every bad field under ``prefix``."""
    if not isinstance(data, Mapping):
        raise InvalidInput(details={"fields": [_error(prefix, _Bad("wrong_type"))]})
    known = {f.key for f in document.form.fields}
    errors = [_error(f"{prefix}.{key}", _Bad("unknown_field")) for key in data if key not in known]
    cleaned: dict[str, Any] = {}
    for field in document.form.fields:
        # Conditions read the cleaned values above: a field is shown by what was accepted.
        if field.show_if is not None and not holds(field.show_if, cleaned):
            continue
        raw = data.get(field.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if field.required:
                errors.append(_error(f"{prefix}.{field.key}", _Bad("required")))
            continue
        try:
            cleaned[field.key] = _CLEANERS[field.type](field, raw)
        except _Bad as bad:
            errors.append(_error(f"{prefix}.{field.key}", bad))
    if errors:
        raise InvalidInput(details={"fields": errors})
    return cleaned


def _error(path: str, bad: _Bad) -> dict[str, Any]:
    return {"field": path, "code": bad.code, "message": bad.message}


def _text(field: FormField, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Bad("wrong_type")
    if _CONTROL.search(raw):
        raise _Bad("bad_characters")
    value = unicodedata.normalize("NFC", raw.strip())
    if field.min is not None and len(value) < int(float(field.min)):
        raise _Bad("too_short")
    if len(value) > (int(float(field.max)) if field.max is not None else MAX_TEXT_LENGTH):
        raise _Bad("too_long")
    if field.pattern is not None and not re.fullmatch(field.pattern, value):
        raise _Bad("bad_format")
    return value


def _number(field: FormField, raw: Any) -> int | float:
    # bool is an int in Python, but true is not a number a person typed.
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise _Bad("wrong_type")
    if isinstance(field.min, int | float) and raw < field.min:
        raise _Bad("too_small")
    if isinstance(field.max, int | float) and raw > field.max:
        raise _Bad("too_large")
    return raw


def _money(field: FormField, raw: Any) -> int:
    # In fen: the app turns the yuan typed (two decimals at most) into a whole number of fen.
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise _Bad("wrong_type")
    if isinstance(raw, float) and not raw.is_integer():  # a part of a fen: more than two decimals
        raise _Bad("bad_format")
    fen = int(raw)
    if fen < (int(field.min) if isinstance(field.min, int | float) else 0):
        raise _Bad("too_small")
    if isinstance(field.max, int | float) and fen > field.max:
        raise _Bad("too_large")
    return fen


def _date(field: FormField, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Bad("wrong_type")
    try:
        value = date.fromisoformat(raw) if _DATE.match(raw) else None
    except ValueError:
        value = None
    if value is None:
        raise _Bad("bad_format")
    # Bounds are ISO strings too (checked when the document was saved), so they compare as text.
    if isinstance(field.min, str) and raw < field.min:
        raise _Bad("too_small")
    if isinstance(field.max, str) and raw > field.max:
        raise _Bad("too_large")
    return raw


def _select(field: FormField, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Bad("wrong_type")
    if raw not in {o.value for o in field.options or []}:
        raise _Bad("not_allowed")
    return raw


def _boolean(field: FormField, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise _Bad("wrong_type")
    return raw


def _id_number(field: FormField, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Bad("wrong_type")
    try:
        return normalize_id_number(raw.strip())
    except IdNumberInvalid as exc:
        raise _Bad(exc.code, exc.message) from None


def _phone(field: FormField, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Bad("wrong_type")
    digits = re.sub(r"[\s-]", "", raw)
    digits = digits.removeprefix("+86")
    if not _PHONE.match(digits):
        raise _Bad("phone_invalid")
    return digits


_CLEANERS: dict[str, Callable[[FormField, Any], Any]] = {
    "text": _text,
    "number": _number,
    "money": _money,
    "date": _date,
    "select": _select,
    "boolean": _boolean,
    "id_number": _id_number,
    "phone": _phone,
}
