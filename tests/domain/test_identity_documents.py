"""Identity documents: one validator per kind, the person key across renewals, index and masking."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from domain.identity.documents import DocumentKind, document, parse_kind
from domain.identity.errors import (
    DocumentCheckDigitInvalid,
    DocumentKindUnknown,
    DocumentNumberFormatInvalid,
)
from domain.shared import clock, pii
from domain.shared.errors import DomainError


@pytest.fixture(autouse=True)
def vault() -> None:
    pii.install(pii.Vault({1: b"k" * 32}, b"blind-key"))


def gb11643(region: str, born: str = "19900101", seq: str = "123") -> str:
    body = f"{region}{born}{seq}"
    return body + ric.calc_check_digit(body + "0")


def with_wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def refusal(kind: str, number: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        document(kind, number)
    return caught.value


# -- per kind: valid and invalid examples --------------------------------------------------------

VALID = [
    (DocumentKind.RESIDENT_ID, gb11643("441802"), gb11643("441802")),
    (DocumentKind.RESIDENT_ID, gb11643("441802").lower() + "", gb11643("441802")),
    (DocumentKind.RESIDENCE_PERMIT, gb11643("810000"), gb11643("810000")),
    (DocumentKind.RESIDENCE_PERMIT, gb11643("820000"), gb11643("820000")),
    (DocumentKind.RESIDENCE_PERMIT, gb11643("830000"), gb11643("830000")),
    (DocumentKind.HOME_RETURN_PERMIT, "H12345678 01", "H1234567801"),
    (DocumentKind.HOME_RETURN_PERMIT, "m1234567800", "M1234567800"),
    (DocumentKind.HOME_RETURN_PERMIT, "Ｈ１２３４５６７８００", "H1234567800"),  # full-width input
    (DocumentKind.TAIWAN_PERMIT, "01234567", "01234567"),
    (DocumentKind.TAIWAN_PERMIT, "12345678(B)", "12345678B"),  # the older booklet
    (DocumentKind.PASSPORT, "E12345678", "E12345678"),
    (DocumentKind.PASSPORT, "ea1234567", "EA1234567"),
    (DocumentKind.PASSPORT, "123456789", "123456789"),
]


@pytest.mark.parametrize(("kind", "raw", "canonical"), VALID)
def test_valid_numbers_are_accepted_in_their_canonical_form(
    kind: DocumentKind, raw: str, canonical: str
) -> None:
    doc = document(kind.value, raw)
    assert (doc.kind, doc.number) == (kind, canonical)


FORMAT_INVALID = [
    (DocumentKind.RESIDENT_ID, "44180219900101123"),  # 17 characters
    (DocumentKind.RESIDENT_ID, "4418021990010112A4"),
    (DocumentKind.RESIDENT_ID, gb11643("441802", born="19901301")),  # no 13th month
    (DocumentKind.RESIDENT_ID, gb11643("810000")),  # a residence permit is not an ID card
    (DocumentKind.RESIDENCE_PERMIT, gb11643("441802")),  # nor the other way round
    (DocumentKind.RESIDENCE_PERMIT, gb11643("710000")),
    (DocumentKind.HOME_RETURN_PERMIT, "H123456780"),  # 10 characters
    (DocumentKind.HOME_RETURN_PERMIT, "K1234567800"),  # neither H nor M
    (DocumentKind.HOME_RETURN_PERMIT, "H12345678AB"),
    (DocumentKind.TAIWAN_PERMIT, "1234567"),
    (DocumentKind.TAIWAN_PERMIT, "1234567890123"),
    (DocumentKind.TAIWAN_PERMIT, "A1234567"),
    (DocumentKind.PASSPORT, "ABCDEFGH"),  # no digit
    (DocumentKind.PASSPORT, "E12"),
    (DocumentKind.PASSPORT, "E1234567/8"),
]


@pytest.mark.parametrize(("kind", "raw"), FORMAT_INVALID)
def test_malformed_numbers_get_the_format_code(kind: DocumentKind, raw: str) -> None:
    error = refusal(kind.value, raw)
    assert isinstance(error, DocumentNumberFormatInvalid)
    assert error.code == "document_number_format_invalid" and error.details["kind"] == kind.value


@pytest.mark.parametrize("kind", [DocumentKind.RESIDENT_ID, DocumentKind.RESIDENCE_PERMIT])
def test_a_wrong_check_digit_gets_its_own_code(kind: DocumentKind) -> None:
    region = "441802" if kind is DocumentKind.RESIDENT_ID else "820000"
    error = refusal(kind.value, with_wrong_check_digit(gb11643(region)))
    assert isinstance(error, DocumentCheckDigitInvalid) and error.code == "document_check_digit_invalid"


def test_a_birth_date_after_today_is_refused() -> None:
    tomorrow = clock.today_in_china() + dt.timedelta(days=2)
    error = refusal("resident_id", gb11643("441802", born=f"{tomorrow:%Y%m%d}"))
    assert isinstance(error, DocumentNumberFormatInvalid)
    assert error.details["reason"] == "birth_date_in_future"


def test_an_unknown_kind_gets_its_own_code() -> None:
    for raw in ("driving_licence", "", "RESIDENT_ID"):
        error = refusal(raw, "E12345678")
        assert isinstance(error, DocumentKindUnknown) and error.code == "document_kind_unknown"
    with pytest.raises(DocumentKindUnknown):
        parse_kind("x" * 100)


def test_every_refusal_is_a_422_with_a_translated_message() -> None:
    for error_type in (DocumentKindUnknown, DocumentNumberFormatInvalid, DocumentCheckDigitInvalid):
        error = error_type()
        assert error.kind == "invalid"
        assert error.message.render("zh_Hans") != error.message.render("en")


# -- the person key: the same person across renewals ---------------------------------------------


def test_a_home_return_permit_is_the_same_person_across_renewals() -> None:
    first, renewed = (
        document("home_return_permit", "H1234567800"),
        document("home_return_permit", "H1234567803"),
    )
    assert first.person_key == renewed.person_key == "H12345678"
    assert first.index == renewed.index
    # Another person, and the same digits issued in Macau, are other people.
    assert document("home_return_permit", "H1234567900").index != first.index
    assert document("home_return_permit", "M1234567800").index != first.index


def test_the_old_taiwan_booklet_and_the_card_are_the_same_person() -> None:
    assert document("taiwan_permit", "12345678(B)").index == document("taiwan_permit", "12345678").index


def test_the_index_depends_on_the_kind() -> None:
    # The same eight digits as a Taiwan permit and as a passport are two different documents.
    assert document("taiwan_permit", "12345678").index != document("passport", "12345678").index


def test_id_cards_keep_the_index_they_had_before_documents_had_kinds() -> None:
    number = gb11643("441802")
    assert document("resident_id", number).index == pii.blind_index(number, purpose="id_number")


def test_the_index_hides_the_number() -> None:
    doc = document("home_return_permit", "H1234567800")
    assert "12345678" not in doc.index and len(doc.index) == 64
    assert "H1234567800" not in repr(doc)


# -- masking and the birth date ------------------------------------------------------------------


def test_masking_per_kind() -> None:
    number = gb11643("441802")
    assert document("resident_id", number).masked == number[:4] + "*" * 10 + number[-4:]
    assert document("residence_permit", gb11643("810000")).masked.startswith("8100**********")
    assert document("home_return_permit", "H1234567801").masked == "H1*******01"
    assert document("taiwan_permit", "12345678").masked == "12****78"
    assert document("passport", "E12345678").masked == "E1*****78"


def test_only_the_gb11643_kinds_carry_the_birth_date() -> None:
    assert document("resident_id", gb11643("441802", born="19850704")).birth_date == dt.date(1985, 7, 4)
    assert document("residence_permit", gb11643("830000", born="20100228")).birth_date == dt.date(2010, 2, 28)
    for kind, number in (("home_return_permit", "H1234567800"), ("passport", "E12345678")):
        doc = document(kind, number)
        assert doc.birth_date is None and not doc.kind.carries_birth_date


def test_every_kind_has_a_translated_label() -> None:
    for kind in DocumentKind:
        assert kind.label.render("zh_Hans") != kind.label.render("en")


def test_log_lines_mask_home_return_permits_as_responses_do() -> None:
    line = "verify H1234567801 for m8765432100 (ref XH12345678012)"
    assert pii.scrub(line) == "verify H1*******01 for m8*******00 (ref XH12345678012)"
    assert document("home_return_permit", "H1234567801").masked in pii.scrub(line)
