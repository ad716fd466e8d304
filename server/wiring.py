"""What every process (the app and the standalone worker) installs once, at start-up, before it
serves a request or runs a job.

The domain keeps process-wide configuration that jobs and other modules' transactions need where
no request (and so no settings) is at hand: the PII vault, the e-certificate and credential key
rings, the subscription template ids. And the generic engines learn who plugs into them by
importing the owners' modules (``domain/<name>/credential.py``: credential holders and scan
actions). Blueprints used to do part of this in ``before_server_start`` listeners, which the
standalone worker never runs (so its jobs had no templates and no keys) and which the test client
runs around every request; here it is one call, made by ``server.main.create_app`` and
``server.worker.serve``.
"""

from __future__ import annotations

from domain.certificates import service as certificates
from domain.credentials import service as credentials
from domain.notifications import service as notifications
from domain.scanning import registry as scanning
from domain.shared import pii
from domain.shared.signing import KeyRing
from server.settings import Settings


def install(settings: Settings) -> list[str]:
    """Install the domain's configuration from ``settings``; returns the owner modules imported.

    Idempotent: a second call (tests build many apps in one process) installs the same again.
    """
    pii.install(pii.Vault(settings.pii_key_versions, settings.blind_index_key.encode()))
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
