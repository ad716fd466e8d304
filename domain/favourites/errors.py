"""Refusals of favourites. Each code is stable: the mini-program switches on it."""

from __future__ import annotations

from domain.favourites.models import MAX_FAVOURITES
from domain.shared.errors import Conflict
from domain.shared.i18n import _


class FavouritesFull(Conflict):
    """details: ``limit``."""

    code = "favourites_full"
    message = _("You can keep at most {limit} favourite services; remove one first.", limit=MAX_FAVOURITES)
