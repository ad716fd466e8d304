"""The HTTP contract with the mini-program: thin blueprints, one package per domain.

Every blueprint is listed here, so the whole URL surface is visible from one file.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.blueprint_group import BlueprintGroup


def build_api(*, with_sandbox: bool) -> BlueprintGroup:
    # Imported here so that each app built (tests build many) gets fresh blueprint objects.
    from api import (
        accounts,
        aid,
        applications,
        appointments,
        cases,
        catalog,
        certificates,
        credentials,
        evaluations,
        family,
        favourites,
        health_cards,
        identity,
        inbox,
        payments,
        sandbox,
        scanning,
        staff,
        tourism,
    )

    versioned = Blueprint.group(
        accounts.build(),
        identity.build(),
        family.build(),
        staff.build(),
        catalog.build(),
        certificates.build(),
        evaluations.build(),
        inbox.build(),
        favourites.build(),
        applications.build(),
        cases.build(),
        aid.build(),
        appointments.build(),
        payments.build(),
        credentials.build(),
        health_cards.build(),
        scanning.build(),
        tourism.build(),
        version=1,
        version_prefix="/api/v",
    )
    if not with_sandbox:
        return versioned
    # The sandbox platforms' own pages (/sandbox/...), outside the versioned API.
    return Blueprint.group(versioned, sandbox.build())
