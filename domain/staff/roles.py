"""Staff roles and scopes, and the one function that checks them.

A role says what kind of work an account does; a scope says where: department or site codes, or
``"*"`` for everywhere. Roles do not imply one another — an administrator manages accounts but
does not decide cases unless also given ``case_officer`` — so that every decision in the audit log
was taken by someone whose role was explicitly granted for it.

Routes check with ``server.auth.requires_staff`` when the scope is in the URL. When the scope
comes from a stored object (a case's department, a venue's site), the service loads it and calls
:func:`authorize` itself; nothing else compares roles or scopes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from domain.credentials.kinds import Kind
from domain.shared.actor import Actor
from domain.shared.i18n import LazyText, _
from domain.staff.errors import (
    StaffRoleRequired,
    StaffRoleUnknown,
    StaffScanKindUnknown,
    StaffScopeInvalid,
    StaffScopeRequired,
)

ALL_SCOPES = "*"
_SCOPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class Role(StrEnum):
    ADMIN = "admin"
    CATALOGUE_EDITOR = "catalogue_editor"
    CASE_OFFICER = "case_officer"  # 受理/审核: accepts and reviews service requests
    SCANNER = "scanner"  # frontline: scans tickets, appointments and health cards
    FINANCE = "finance"
    # A scenic spot's staff (scope: the spot's code): the manual ticket window, and who runs the spot.
    TICKET_SELLER = "ticket_seller"
    SPOT_MANAGER = "spot_manager"

    @property
    def label(self) -> LazyText:
        return _ROLE_LABELS[self]


_ROLE_LABELS: dict[Role, LazyText] = {
    Role.ADMIN: _("Administrator"),
    Role.CATALOGUE_EDITOR: _("Catalogue editor"),
    Role.CASE_OFFICER: _("Case officer"),
    Role.SCANNER: _("Scanner"),
    Role.FINANCE: _("Finance"),
    Role.TICKET_SELLER: _("Ticket seller"),
    Role.SPOT_MANAGER: _("Spot manager"),
}


def authorize(actor: Actor | None, role: Role, scope: str | Iterable[str] | None = None) -> None:
    """Refuse unless ``actor`` is staff holding ``role`` and, when given, one of the ``scope`` codes.

    ``scope`` may name several codes (a site and its department): any one of them suffices.
    """
    if actor is None or actor.kind != "staff" or role.value not in actor.roles:
        raise StaffRoleRequired(details={"role": role.value, "role_name": role.label})
    if scope is None:
        return
    wanted = {scope} if isinstance(scope, str) else set(scope)
    if ALL_SCOPES in actor.scopes or actor.scopes & wanted:
        return
    raise StaffScopeRequired(details={"scopes": sorted(wanted)})


def authorize_any(actor: Actor | None, roles: Iterable[Role], scope: str | None = None) -> None:
    """Like :func:`authorize`, for work that any one of ``roles`` may do (the first is named when
    none is held)."""
    wanted = list(roles)
    held = [r for r in wanted if actor is not None and r.value in actor.roles]
    authorize(actor, held[0] if held else wanted[0], scope)


def visible_scopes(actor: Actor) -> frozenset[str] | None:
    """The codes a staff list query should filter on; None when the actor sees everything."""
    return None if ALL_SCOPES in actor.scopes else actor.scopes


def parse_roles(values: Iterable[str]) -> list[Role]:
    """Role codes → roles, deduplicated in a stable order; unknown codes are refused."""
    roles: list[Role] = []
    for value in values:
        try:
            role = Role(value)
        except ValueError:
            raise StaffRoleUnknown(
                details={"role": str(value)[:64], "allowed": [r.value for r in Role]}
            ) from None
        if role not in roles:
            roles.append(role)
    return sorted(roles, key=list(Role).index)


def parse_scan_kinds(values: Iterable[str]) -> list[str]:
    """Credential kinds a scanner may scan, deduplicated in the kinds' order; unknown ones refused."""
    wanted = set(values)
    unknown = sorted(wanted - {k.value for k in Kind})
    if unknown:
        raise StaffScanKindUnknown(details={"kind": unknown[0][:64], "allowed": [k.value for k in Kind]})
    return [k.value for k in Kind if k.value in wanted]


def parse_scopes(values: Iterable[str]) -> list[str]:
    """Scope codes, deduplicated and sorted; ``"*"`` swallows the rest."""
    scopes: set[str] = set()
    for value in values:
        if value != ALL_SCOPES and not _SCOPE_RE.match(value):
            raise StaffScopeInvalid(details={"scope": str(value)[:64]})
        scopes.add(value)
    return [ALL_SCOPES] if ALL_SCOPES in scopes else sorted(scopes)
