"""Tortoise ORM configuration, shared by the app, the migration CLI and the tests."""

from __future__ import annotations

from typing import Any

from server.settings import Settings

# Every module that defines models. A new domain adds its models module here (README checklist).
MODEL_MODULES = [
    "domain.org.models",
    "domain.accounts.models",
    "domain.family.models",
    "domain.staff.models",
    "domain.audit.models",
    "domain.outbox.models",
    "domain.catalog.models",
    "domain.workdays.models",
    "domain.applications.models",
    "domain.certificates.models",
    "domain.evaluations.models",
    "domain.notifications.models",
    "domain.capacity.models",
    "domain.appointments.models",
    "domain.payments.models",
    "domain.credentials.models",
    "domain.health_cards.models",
    "domain.scanning.models",
]


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {
            "palmcity": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _module_config() -> dict[str, Any]:
    return tortoise_config(Settings().database_url)


# For `python -m tortoise -c server.db.TORTOISE_ORM ...` (make migrations / make migrate).
TORTOISE_ORM = _module_config()
