"""Bodies of the health card API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.health_cards.models import CardState, CardUse, HealthCard


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_member_id: int | None = Field(
        default=None, gt=0, lt=2**63, description="An active family member's card; omit for your own."
    )


class CardOut(BaseModel):
    id: int
    number: str
    holder_name: str = Field(description="Masked, e.g. 张*.")
    id_number: str = Field(description="Masked, e.g. 4418**********1234.")
    family_member_id: int | None = Field(description="Set when the card is a family member's.")
    state: CardState
    pin_set: bool = Field(description="Whether the static code can be shown (it needs the PIN).")
    issued_at: datetime

    @classmethod
    def of(cls, card: HealthCard, *, pin_set: bool) -> CardOut:
        return cls(
            id=card.id,
            number=card.number or "",
            holder_name=card.holder_name_masked,
            id_number=card.id_number_masked,
            family_member_id=card.family_member_id,
            state=card.state,
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
    site_name: str | None = Field(description="In the caller's language, where the site is known.")
    purpose: str = Field(description="register, treat or pay.")
    used_at: datetime

    @classmethod
    def of(cls, use: CardUse, site_name: str | None) -> UseOut:
        return cls(
            id=use.id, site_code=use.site_code, site_name=site_name, purpose=use.purpose, used_at=use.used_at
        )


class UsesOut(BaseModel):
    items: list[UseOut]
