"""Bodies of the health card API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api._labels import LabelText, OptionalLabelText
from domain.health_cards import labels
from domain.health_cards.models import CardState, CardUse, HealthCard
from domain.shared.labels import Names


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_member_id: int | None = Field(
        default=None, gt=0, lt=2**63, description="An active family member's card; omit for your own."
    )


class CardOut(BaseModel):
    id: int
    number: str
    holder_name: str = Field(
        description="A family member's card: the name the caller gave them; anyone else's masked, e.g. 张*."
    )
    id_number: str = Field(description="Masked, e.g. 4418**********1234.")
    family_member_id: int | None = Field(description="Set when the card is a family member's.")
    state: CardState
    state_label: LabelText
    pin_set: bool = Field(description="Whether the static code can be shown (it needs the PIN).")
    issued_at: datetime

    @classmethod
    def of(cls, card: HealthCard, *, pin_set: bool, holder_name: str | None = None) -> CardOut:
        return cls(
            id=card.id,
            number=card.number or "",
            holder_name=holder_name or card.holder_name_masked,
            id_number=card.id_number_masked,
            family_member_id=card.family_member_id,
            state=card.state,
            state_label=labels.state(card.state),
            pin_set=pin_set,
            issued_at=card.issued_at,
        )


class CardsOut(BaseModel):
    items: list[CardOut]


class PinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: str = Field(min_length=6, max_length=6, pattern=r"^\d{6}$")


class UseOut(BaseModel):
    id: int
    site_code: str
    site_label: OptionalLabelText = Field(description="The site's name, where the site is known.")
    site_name: str | None = Field(description="The same as `site_label` (kept for older clients).")
    purpose: str = Field(description="register, treat or pay.")
    used_at: datetime

    @classmethod
    def of(cls, use: CardUse, site: Names | None, locale: str) -> UseOut:
        return cls(
            id=use.id,
            site_code=use.site_code,
            site_label=site,
            site_name=site.render(locale) if site else None,
            purpose=use.purpose,
            used_at=use.used_at,
        )


class UsesOut(BaseModel):
    items: list[UseOut]
