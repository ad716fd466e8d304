"""Identity documents (身份证件): one type for every document a person can verify or book with.

Each kind has its own validator. What all kinds share is the *person key*: the part of the
number that stays the same for one person across renewals, so that "one person" rules (one
ticket per person per day, one account per person) look people up by ``(kind, person key)``
through a blind index, never by the number in clear.

- 居民身份证 (resident ID card): 18 characters, GB 11643 check digit, birth date inside.
- 港澳台居民居住证 (residence permit for Hong Kong, Macau and Taiwan residents): the ID card's
  scheme with region 81 (HK), 82 (Macau) or 83 (Taiwan); check digit and birth date alike.
- 港澳居民来往内地通行证 (Home Return Permit): H or M, an 8-digit lifelong number, then 2 digits
  counting renewals (00 first). The first 9 characters are the person (MPS rule,
  next-modules.md §2.3).
- 台湾居民来往大陆通行证 (Taiwan permit): 8 digits on the card issued since 2015; the older
  booklet added one or two issue characters (printed e.g. ``12345678(B)``) [unverified]: the
  first 8 digits are the person.
- Passport: ICAO 9303 allows letters and digits; we take 5 to 17 with at least one digit. The
  number is the person key (the issuing state is not asked for yet).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from domain.identity.errors import (
    DocumentCheckDigitInvalid,
    DocumentKindUnknown,
    DocumentNumberFormatInvalid,
)
from domain.shared import clock, pii
from domain.shared.i18n import LazyText, _


class DocumentKind(StrEnum):
    RESIDENT_ID = "resident_id"
    RESIDENCE_PERMIT = "residence_permit"
    HOME_RETURN_PERMIT = "home_return_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    PASSPORT = "passport"

    @property
    def label(self) -> LazyText:
        return _KIND_LABELS[self]

    @property
    def carries_birth_date(self) -> bool:
        """Only the GB 11643 numbers hold the birth date; the others need the platform's answer."""
        return self in _GB11643_KINDS


_KIND_LABELS = {
    DocumentKind.RESIDENT_ID: _("Resident ID card"),
    DocumentKind.RESIDENCE_PERMIT: _("Residence permit for Hong Kong, Macau and Taiwan residents"),
    DocumentKind.HOME_RETURN_PERMIT: _("Home Return Permit (Hong Kong and Macau residents)"),
    DocumentKind.TAIWAN_PERMIT: _("Taiwan residents' travel permit to the mainland"),
    DocumentKind.PASSPORT: _("Passport"),
}
_GB11643_KINDS = frozenset({DocumentKind.RESIDENT_ID, DocumentKind.RESIDENCE_PERMIT})
NUMBERS_WITH_BIRTH_DATE = tuple(kind.value for kind in _GB11643_KINDS)
_RESIDENCE_PERMIT_REGIONS = ("81", "82", "83")
_HOME_RETURN = re.compile(r"^[HM]\d{10}$")
_TAIWAN = re.compile(r"^\d{8}(?:[0-9A-Z]{1,2})?$")
_PASSPORT = re.compile(r"^(?=[A-Z]*\d)[A-Z0-9]{5,17}$")
# What people type between the parts: spaces, hyphens, the old Taiwan booklet's brackets.
_SEPARATORS = re.compile(r"[\s\-()]")


def parse_kind(raw: str) -> DocumentKind:
    try:
        return DocumentKind(raw)
    except ValueError as exc:
        raise DocumentKindUnknown(details={"kind": raw[:32]}) from exc


@dataclass(frozen=True)
class IdentityDocument:
    """A validated document number in its canonical form (upper case, no separators)."""

    kind: DocumentKind
    number: str = field(repr=False)

    @property
    def person_key(self) -> str:
        """The part of the number that names the person across renewals."""
        if self.kind is DocumentKind.HOME_RETURN_PERMIT:
            return self.number[:9]
        if self.kind is DocumentKind.TAIWAN_PERMIT:
            return self.number[:8]
        return self.number

    @property
    def index(self) -> str:
        """The blind index of ``(kind, person key)``.

        The two GB 11643 kinds keep the ID card's index (purpose ``id_number``), so every row
        stored before documents had kinds still matches; their region codes never overlap, so
        sharing one index space cannot join two people.
        """
        if self.kind in _GB11643_KINDS:
            return pii.blind_index(self.number, purpose="id_number")
        return pii.blind_index(f"{self.kind.value}:{self.person_key}", purpose="id_document")

    @property
    def masked(self) -> str:
        return mask_number(self.kind, self.number) or ""

    @property
    def birth_date(self) -> dt.date | None:
        return ric.get_birth_date(self.number) if self.kind in _GB11643_KINDS else None


def mask_number(kind: str | None, number: str | None) -> str | None:
    """ID card and residence permit as today (4 + 4 kept); the shorter numbers keep 2 + 2.

    Takes a stored number as it is (rows from before documents had kinds have no kind: ID cards).
    """
    if not number:
        return None
    if kind in (None, *_GB11643_KINDS):
        return pii.mask_id_number(number)
    return number[:2] + "*" * max(len(number) - 4, 0) + number[-2:]


def document(kind: DocumentKind | str, raw_number: str) -> IdentityDocument:
    """Validate ``raw_number`` as a ``kind`` document, or refuse with the check it failed."""
    kind = kind if isinstance(kind, DocumentKind) else parse_kind(kind)
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw_number)).upper()
    if kind in _GB11643_KINDS:
        _check_gb11643(kind, number)
    elif not _PATTERNS[kind].match(number):
        raise DocumentNumberFormatInvalid(details={"kind": kind.value})
    return IdentityDocument(kind, number)


_PATTERNS = {
    DocumentKind.HOME_RETURN_PERMIT: _HOME_RETURN,
    DocumentKind.TAIWAN_PERMIT: _TAIWAN,
    DocumentKind.PASSPORT: _PASSPORT,
}


def _check_gb11643(kind: DocumentKind, number: str) -> None:
    details = {"kind": kind.value}
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise DocumentNumberFormatInvalid(details=details)
    is_permit = number.startswith(_RESIDENCE_PERMIT_REGIONS)
    if is_permit != (kind is DocumentKind.RESIDENCE_PERMIT):
        # An 81/82/83 number is a residence permit, never an ID card, and the other way round.
        raise DocumentNumberFormatInvalid(details={**details, "reason": "region"})
    if number[17] != ric.calc_check_digit(number):
        raise DocumentCheckDigitInvalid(details=details)
    try:
        born = ric.get_birth_date(number)
    except (ValidationError, ValueError) as exc:
        raise DocumentNumberFormatInvalid(details={**details, "reason": "birth_date"}) from exc
    if born > clock.today_in_china():
        raise DocumentNumberFormatInvalid(details={**details, "reason": "birth_date_in_future"})


__all__ = ["DocumentKind", "IdentityDocument", "document", "mask_number", "parse_kind"]
