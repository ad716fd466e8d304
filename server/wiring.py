"""What every process (the app and the standalone worker) installs once, at start-up, before it
serves a request or runs a job.

The domain keeps process-wide configuration that jobs and other modules' transactions need where
no request (and so no settings) is at hand: the PII vault, the e-certificate and credential key
rings, the subscription template ids, and the clock (a dev/test sandbox's shift, ``install_clock``,
which ``server.cli`` also calls before it seeds the demo data). And the generic engines learn who
plugs into them by importing the owners' modules (``domain/<name>/credential.py``: credential holders and scan
actions). Blueprints used to do part of this in ``before_server_start`` listeners, which the
standalone worker never runs (so its jobs had no templates and no keys) and which the test client
runs around every request; here it is one call, made by ``server.main.create_app`` and
``server.worker.serve``.
"""

from __future__ import annotations

from datetime import timedelta

from domain.certificates import service as certificates
from domain.credentials import service as credentials
from domain.notifications import service as notifications
from domain.scanning import registry as scanning
from domain.shared import clock, pii
from domain.shared.signing import KeyRing
from server.settings import Settings


def install(settings: Settings) -> list[str]:
    """Install the domain's configuration from ``settings``; returns the owner modules imported.

    Idempotent: a second call (tests build many apps in one process) installs the same again.
    """
    install_clock(settings)
    pii.install(
        pii.Vault(
            settings.pii_key_versions,
            settings.blind_index_key.encode(),
            active_version=settings.pii_active_version,
        )
    )
    # The domain signs at issue time inside other modules' transactions (an application granted,
    # a job): it gets its key rings once per process, like the PII vault.
    certificates.install_keys(KeyRing(settings.certificate_key_seeds, settings.certificate_signing_kid))
    credentials.install(
        credentials.Config(
            ring=KeyRing(settings.credential_key_seeds, settings.credential_signing_kid),
            dynamic_ttl_seconds=settings.credential_dynamic_ttl_seconds,
            grace_seconds=settings.credential_grace_seconds,
        )
    )
    # Notification jobs run away from any request: they get the template ids here.
    notifications.install_templates(settings.subscribe_template_ids)
    # Every domain's credential.py: who may show a kind, and what scanning it does.
    return scanning.load_owners()


def install_clock(settings: Settings) -> None:
    """The process's clock: the wall's, or a dev/test sandbox's shifted one (the settings refuse a
    shift anywhere else). Every process of a deployment makes this call (the app, the worker, and
    ``server.cli`` before it seeds the demo data), so that they agree on the time."""
    clock.set_offset(timedelta(minutes=settings.sandbox_clock_shift_minutes))
