"""An e-certificate as a QR code: shown by its holder, scanned at a counter to see its verified data."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.certificates import service
from domain.certificates.errors import CertificateNotFound
from domain.certificates.models import ECertificate
from domain.credentials import service as credentials
from domain.credentials.kinds import Kind
from domain.scanning import registry
from domain.shared.actor import Actor


@credentials.holder(Kind.CERTIFICATE)
async def held(actor: Actor, certificate_id: int) -> credentials.Held:
    cert = await service.get_own(actor, certificate_id)
    return credentials.Held(object_id=cert.id, holder_user_id=cert.holder_id)


@registry.action(Kind.CERTIFICATE)
async def shown(context: registry.ScanContext, conn: BaseDBAsyncClient) -> registry.Outcome:
    """The certificate's signed content and today's validity; a row altered since signing is refused."""
    cert = await ECertificate.filter(id=context.object_id).using_db(conn).first()
    if cert is None:
        raise CertificateNotFound()
    service.check_stored(cert)
    document = service.document_of(cert)
    return registry.Outcome(
        action="certificate.verified",
        shown={**document, "validity": service.validity(cert).value},
    )
