"""A staff scope by its name: the department or site a code stands for, or everywhere."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.models import Model

from domain.appointments.directory import site_labels
from domain.appointments.models import Site
from domain.org.models import Department
from domain.org.names import department_names
from domain.shared.i18n import _
from domain.shared.labels import UNKNOWN, Label
from domain.staff.roles import ALL_SCOPES
from domain.tourism.models import Spot
from domain.tourism.service import spot_labels

EVERYWHERE = _("Everywhere")


async def scope_names(codes: Iterable[str]) -> dict[str, Label]:
    """Scope code → its name: a department's, a site's or a scenic spot's (``QY-HALL`` is
    清远市政务服务中心, ``QY-GULONGXIA`` 古龙峡)."""
    wanted = set(codes)
    names: dict[str, Label] = dict.fromkeys(wanted, UNKNOWN)
    # A scope may be up to 64 characters; each look-up gets only the codes its column can hold (the
    # ORM refuses to compare a longer value: a staff member with a long scope could not log in).
    names.update(await department_names(_fitting(wanted, Department)))
    names.update(await site_labels(_fitting(wanted, Site)))
    names.update(await spot_labels(_fitting(wanted, Spot)))
    if ALL_SCOPES in wanted:
        names[ALL_SCOPES] = EVERYWHERE
    return names


def _fitting(codes: set[str], model: type[Model]) -> set[str]:
    length = getattr(model._meta.fields_map["code"], "max_length", None)
    return {code for code in codes if length is None or len(code) <= int(length)}
