"""A staff scope by its name: the department or site a code stands for, or everywhere."""

from __future__ import annotations

from collections.abc import Iterable

from domain.appointments.directory import site_labels
from domain.org.names import department_names
from domain.shared.i18n import _
from domain.shared.labels import UNKNOWN, Label
from domain.staff.roles import ALL_SCOPES
from domain.tourism.service import spot_labels

EVERYWHERE = _("Everywhere")


async def scope_names(codes: Iterable[str]) -> dict[str, Label]:
    """Scope code → its name: a department's, a site's or a scenic spot's (``QY-HALL`` is
    清远市政务服务中心, ``QY-GULONGXIA`` 古龙峡)."""
    wanted = set(codes)
    names: dict[str, Label] = dict.fromkeys(wanted, UNKNOWN)
    names.update(await department_names(wanted))
    names.update(await site_labels(wanted))
    names.update(await spot_labels(wanted))
    if ALL_SCOPES in wanted:
        names[ALL_SCOPES] = EVERYWHERE
    return names
