"""What a card holder and clinic staff read for a health card's state."""

from __future__ import annotations

from domain.health_cards.models import CardState
from domain.shared.i18n import _
from domain.shared.labels import LabelTable

state = LabelTable.of_enum(
    CardState,
    {CardState.ACTIVE: _("Active"), CardState.FROZEN: _("Frozen"), CardState.REVOKED: _("Revoked")},
)
