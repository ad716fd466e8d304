"""Ticket prices: a spot's price list as data, and each visitor's category from their age on the
VISIT day (not the booking day) or from a claim that needs proof.

The defaults follow next-modules.md §2.3 (NDRC 2012 and common local practice): 6 and under free,
7 to 18 half, 60 to 64 half, 65 and over free; full-time students half, with a student card; the
disabled, active soldiers and fire-rescue staff free, with an e-certificate. Each spot may configure
its own bands (Shenzhen's 65-69 half and 70+ free) and claims. Pure functions: no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.shared.i18n import LazyText, _
from domain.shared.labels import LabelTable
from domain.tourism.errors import PricesInvalid

ADULT = "adult"


@dataclass(frozen=True)
class AgeBand:
    """Visitors aged ``first_age`` to ``last_age`` (None: and over) on the visit day pay ``percent``."""

    first_age: int
    last_age: int | None
    category: str
    percent: int

    def covers(self, age: int) -> bool:
        return self.first_age <= age and (self.last_age is None or age <= self.last_age)


@dataclass(frozen=True)
class PriceList:
    full_cents: int
    bands: tuple[AgeBand, ...]
    claims: dict[str, int]  # a category needing proof -> its percent of the full price


DEFAULT_BANDS = (
    AgeBand(0, 6, "child", 0),
    AgeBand(7, 18, "minor", 50),
    AgeBand(60, 64, "senior", 50),
    AgeBand(65, None, "elder", 0),
)
DEFAULT_BANDS_DATA = [[b.first_age, b.last_age, b.category, b.percent] for b in DEFAULT_BANDS]
DEFAULT_CLAIMS = {"student": 50, "disabled": 0, "soldier": 0, "fire_rescue": 0}

category_label = LabelTable(
    "ticket category",
    {
        ADULT: _("Adult"),
        "child": _("Child"),
        "minor": _("Young person"),
        "senior": _("Senior"),
        "elder": _("Elder"),
        "student": _("Student"),
        "disabled": _("Person with a disability"),
        "soldier": _("Soldier"),
        "fire_rescue": _("Fire rescue"),
    },
)
# What proves a claim: named now, verified against the e-certificate in a later step.
PROOF = {
    "student": _("a student card"),
    "disabled": _("a disability certificate"),
    "soldier": _("a soldier's certificate"),
    "fire_rescue": _("a fire-rescue certificate"),
}


def price_list(data: dict[str, Any]) -> PriceList:
    """A spot's stored price list (``Spot.prices``); bands and claims default to the national ones."""
    try:
        full = int(data["full_cents"])
        bands = tuple(
            AgeBand(int(a), None if b is None else int(b), str(c), int(p))
            for a, b, c, p in data.get("bands", DEFAULT_BANDS_DATA)
        )
        claims = {str(k): int(v) for k, v in dict(data.get("claims", DEFAULT_CLAIMS)).items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise PricesInvalid() from exc
    percents = [b.percent for b in bands] + list(claims.values())
    if full < 0 or any(not 0 <= p <= 100 for p in percents) or any(c not in PROOF for c in claims):
        raise PricesInvalid()
    if any(b.first_age < 0 or (b.last_age is not None and b.last_age < b.first_age) for b in bands):
        raise PricesInvalid()
    return PriceList(full, bands, claims)


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years on ``day``; one born on 29 February turns a year older on 1 March in other years."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class PriceLine:
    category: str
    percent: int
    amount_cents: int
    age: int
    proof: LazyText | None  # what the visitor must show for the category; None: their age decides
    explanation: LazyText


def price_line(
    prices: PriceList, born: dt.date, visit_day: dt.date, claims: frozenset[str] = frozenset()
) -> PriceLine:
    """The cheapest category the visitor is eligible for on ``visit_day``, with its explanation.
    ``claims``: categories the visitor asks for that need proof (unknown to the spot: ignored).
    On a tie, the age's category wins: it needs nothing shown."""
    age = age_on(born, visit_day)
    band = next((b for b in prices.bands if b.covers(age)), None)
    category, percent = (band.category, band.percent) if band else (ADULT, 100)
    proof: LazyText | None = None
    for claim in sorted(claims & prices.claims.keys()):
        if prices.claims[claim] < percent:
            category, percent, proof = claim, prices.claims[claim], PROOF[claim]
    amount = prices.full_cents * percent // 100  # rounded down: never more than the rule says
    label = category_label(category)
    if proof is not None:
        explanation = _(
            "{category} ({percent}% of the full price), with {proof}",
            category=label,
            percent=percent,
            proof=proof,
        )
    else:
        explanation = _(
            "{category}: aged {age} on the visit day, {percent}% of the full price",
            category=label,
            age=age,
            percent=percent,
        )
    return PriceLine(category, percent, amount, age, proof, explanation)


def explain(category: str, percent: int) -> LazyText:
    """A sold ticket's line, from what it keeps (its category and percent; the age is not kept)."""
    return _("{category}: {percent}% of the full price", category=category_label(category), percent=percent)


@dataclass(frozen=True)
class PriceRow:
    """One line of a spot's published price table."""

    category: str
    percent: int
    amount_cents: int
    first_age: int | None  # an age band's; None for a claim
    last_age: int | None
    proof: LazyText | None  # a claim's


def price_table(prices: PriceList) -> list[PriceRow]:
    """The full price, each age band and each claim, as a spot's page lists them."""
    rows = [PriceRow(ADULT, 100, prices.full_cents, None, None, None)]
    rows += [
        PriceRow(b.category, b.percent, prices.full_cents * b.percent // 100, b.first_age, b.last_age, None)
        for b in prices.bands
    ]
    rows += [
        PriceRow(claim, percent, prices.full_cents * percent // 100, None, None, PROOF[claim])
        for claim, percent in sorted(prices.claims.items())
    ]
    return rows
