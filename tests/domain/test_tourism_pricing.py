"""Ticket prices: the category from the age on the VISIT day (not the booking day), its boundaries,
claims that need proof, a spot's own bands, and an explanation per line in every language."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.tourism.errors import PricesInvalid
from domain.tourism.pricing import PriceList, age_on, price_line, price_list

NATIONAL = price_list({"full_cents": 8001})
VISIT = dt.date(2026, 5, 1)


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (dt.date(2000, 5, 1), dt.date(2026, 5, 1), 26),  # the birthday itself
        (dt.date(2000, 5, 2), dt.date(2026, 5, 1), 25),  # the day before it
        (dt.date(2012, 2, 29), dt.date(2030, 2, 28), 17),  # 29 February: older on 1 March
        (dt.date(2012, 2, 29), dt.date(2030, 3, 1), 18),
        (dt.date(2012, 2, 29), dt.date(2032, 2, 29), 20),
        (dt.date(2026, 5, 1), dt.date(2026, 5, 1), 0),
    ],
)
def test_age_in_whole_years(born: dt.date, on: dt.date, age: int) -> None:
    assert age_on(born, on) == age


@pytest.mark.parametrize(
    ("age", "category", "percent"),
    [
        (0, "child", 0),
        (6, "child", 0),  # 6 and under free
        (7, "minor", 50),  # over 6 to 18 half
        (18, "minor", 50),
        (19, "adult", 100),
        (59, "adult", 100),
        (60, "senior", 50),  # 60 to 64 half
        (64, "senior", 50),
        (65, "elder", 0),  # 65 and over free
        (101, "elder", 0),
    ],
)
def test_the_national_ladder_at_its_boundaries(age: int, category: str, percent: int) -> None:
    born = dt.date(VISIT.year - age, VISIT.month, VISIT.day)  # exactly ``age`` on the visit day
    line = price_line(NATIONAL, born, VISIT)
    assert (line.category, line.percent, line.age) == (category, percent, age)
    assert line.amount_cents == 8001 * percent // 100 and line.proof is None


def test_the_age_on_the_visit_day_decides_not_the_booking_day() -> None:
    # Booked at 6 (free), visits after turning 7: half price.
    born = dt.date(2019, 4, 20)
    assert age_on(born, dt.date(2026, 4, 1)) == 6
    assert price_line(NATIONAL, born, dt.date(2026, 4, 25)).category == "minor"
    # Booked at 64 (half), visits at 65: free.
    elder = dt.date(1961, 4, 30)
    assert price_line(NATIONAL, elder, dt.date(2026, 4, 29)).category == "senior"
    assert price_line(NATIONAL, elder, dt.date(2026, 4, 30)).category == "elder"


def test_a_claim_needing_proof_wins_only_when_cheaper_and_names_the_proof() -> None:
    adult = dt.date(1996, 1, 1)
    student = price_line(NATIONAL, adult, VISIT, frozenset({"student"}))
    assert (student.category, student.amount_cents) == ("student", 4000)  # rounded down
    assert student.proof is not None and student.proof.render("en") == "a student card"
    assert student.explanation.render("en") == "Student (50% of the full price), with a student card"
    soldier = price_line(NATIONAL, adult, VISIT, frozenset({"student", "soldier"}))
    assert (soldier.category, soldier.amount_cents) == ("soldier", 0)
    # A child is free by age already: a claim changes nothing, and nothing need be shown.
    child = price_line(NATIONAL, dt.date(2022, 1, 1), VISIT, frozenset({"disabled"}))
    assert (child.category, child.proof) == ("child", None)
    # A claim the spot does not offer is ignored.
    spot = price_list({"full_cents": 1000, "claims": {"disabled": 0}})
    assert price_line(spot, adult, VISIT, frozenset({"student"})).category == "adult"


def test_a_spot_configures_its_own_bands() -> None:
    # Shenzhen's non-government spots: 65 to 69 half, 70 and over free.
    shenzhen = price_list(
        {"full_cents": 6000, "bands": [[0, 6, "child", 0], [65, 69, "senior", 50], [70, None, "elder", 0]]}
    )
    assert isinstance(shenzhen, PriceList)
    assert price_line(shenzhen, dt.date(1962, 1, 1), VISIT).category == "adult"  # 64: full here
    assert price_line(shenzhen, dt.date(1960, 1, 1), VISIT).category == "senior"  # 66
    assert price_line(shenzhen, dt.date(1956, 5, 1), VISIT).category == "elder"  # 70


def test_the_explanation_is_in_the_reader_s_language() -> None:
    line = price_line(NATIONAL, dt.date(2015, 1, 1), VISIT)
    assert line.explanation.render("en") == "Young person: aged 11 on the visit day, 50% of the full price"
    assert "11" in line.explanation.render("zh_Hans") and "11" in line.explanation.render("zh_Hant")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"full_cents": -1},
        {"full_cents": "x"},
        {"full_cents": 100, "bands": [[10, 5, "minor", 50]]},
        {"full_cents": 100, "bands": [[0, 6, "child", 120]]},
        {"full_cents": 100, "claims": {"vip": 0}},
        {"full_cents": 100, "bands": [[0, 6]]},
    ],
)
def test_invalid_price_lists_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(PricesInvalid):
        price_list(data)
