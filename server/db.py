"""Tortoise ORM configuration, shared by the app, the migration CLI and the tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
    "domain.favourites.models",
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
    "domain.tourism.models",
]


# PostgreSQL connections one process keeps (asyncpg's pool). Tortoise's own default is 5: with
# 50 requests at once, requests queued for a connection made a long tail (verify p99 400 ms against
# 116 ms with 20 in bench/scanning.py). A ``maxsize`` in the URL wins.
DEFAULT_POOL_MAX = 20


def tortoise_config(database_url: str, pool_max: int = DEFAULT_POOL_MAX) -> dict[str, Any]:
    return {
        "connections": {"default": with_pool(database_url, pool_max)},
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


def with_pool(database_url: str, pool_max: int) -> str:
    """The URL with ``maxsize`` set for PostgreSQL, unless it names one already."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return database_url
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("maxsize", str(pool_max))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _module_config() -> dict[str, Any]:
    return tortoise_config(Settings().database_url)


# For `python -m tortoise -c server.db.TORTOISE_ORM ...` (make migrations / make migrate).
TORTOISE_ORM = _module_config()
