"""Bodies of the e-certificate API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api._labels import LabelText, OptionalLabelText
from domain.certificates import labels, service
from domain.certificates.models import CertificateStatus, ECertificate
from domain.certificates.types import BY_CODE
from domain.org.names import department_names
from domain.shared.errors import InvalidInput
from domain.shared.i18n import _
from domain.shared.labels import Names


class SignedOut(BaseModel):
    document: dict[str, Any] = Field(description="The signed content; sign input is its canonical JSON.")
    kid: str = Field(description="Which key of `GET /api/v1/certificates/keys` signed it.")
    alg: str = Field(description="Always `EdDSA` (Ed25519).")
    signature: str = Field(description="base64url Ed25519 signature over the canonical JSON.")


class FieldOut(BaseModel):
    label: str = Field(description="The field's label from the item's form (the certificate's language).")
    value: Any = Field(description="The answer as printed: an option by its name.")


class CertificateOut(BaseModel):
    id: int
    number: str
    type_code: str = Field(description="The short code that starts the number, e.g. `CJKF`.")
    type_key: str | None = Field(description="The type as the catalogue names it (`certificate_type`).")
    type_name: str = Field(description="The type's name in the caller's language.")
    holder_name: str | None = Field(description="Masked, e.g. 张**.")
    item_name: str | None = Field(description="The service that issued it, as the certificate states it.")
    fields: list[FieldOut] = Field(description="What the certificate states, each with its label, in order.")
    data: dict[str, Any] = Field(description="The signed data as stored (for verifiers, not for display).")
    valid_from: date
    valid_until: date = Field(description="Inclusive.")
    department_code: str
    department_label: OptionalLabelText = Field(description="The issuing authority: its department's name.")
    status: CertificateStatus
    status_label: LabelText
    validity: service.Validity = Field(description="valid, not_yet_valid, expired or revoked, today.")
    validity_label: LabelText
    issued_at: datetime
    revoked_at: datetime | None
    signed: SignedOut = Field(description="Carry this for offline verification.")

    @classmethod
    def of(cls, cert: ECertificate, locale: str, department: Names | None = None) -> CertificateOut:
        envelope = service.signed(cert)
        kind = BY_CODE.get(cert.type_code)
        data = service.data_of(cert)
        shown = [f for f in data.get("fields") or [] if isinstance(f, dict) and "label" in f]
        validity = service.validity(cert)
        return cls(
            id=cert.id,
            number=cert.number or "",
            type_code=cert.type_code,
            type_key=kind.key if kind else None,
            type_name=kind.name(locale) if kind else cert.type_code,
            holder_name=cert.holder_name_masked,
            item_name=str(data["item_name"]) if data.get("item_name") else None,
            fields=[FieldOut(label=str(f["label"]), value=f.get("value")) for f in shown],
            data=data,
            valid_from=cert.valid_from,
            valid_until=cert.valid_until,
            department_code=cert.department_code,
            department_label=department,
            status=cert.status,
            status_label=labels.status(cert.status),
            validity=validity,
            validity_label=labels.validity(validity),
            issued_at=cert.issued_at,
            revoked_at=cert.revoked_at,
            signed=SignedOut(**envelope.as_dict()),
        )


class WalletOut(BaseModel):
    items: list[CertificateOut]


async def certificates_out(certs: list[ECertificate], locale: str) -> list[CertificateOut]:
    """Certificates with their issuing authorities' names."""
    names = await department_names(c.department_code for c in certs)
    return [CertificateOut.of(c, locale, names.get(c.department_code)) for c in certs]


async def certificate_out(cert: ECertificate, locale: str) -> CertificateOut:
    return (await certificates_out([cert], locale))[0]


class SignedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: dict[str, Any]
    kid: str = Field(min_length=1, max_length=64)
    alg: str = Field(default="EdDSA", pattern="^EdDSA$")
    signature: str = Field(min_length=1, max_length=128)


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str | None = Field(default=None, min_length=1, max_length=48)
    signed: SignedIn | None = Field(default=None, description="The holder's signed document.")

    @model_validator(mode="after")
    def _one_of(self) -> VerifyIn:
        if (self.number is None) == (self.signed is None):
            raise NumberOrDocument()
        return self


class NumberOrDocument(InvalidInput, ValueError):
    """A ValueError too, so that pydantic reports it as this field's error with this code."""

    code = "number_or_document"
    message = _("Give either the certificate number or the signed document.")


class VerificationOut(BaseModel):
    validity: service.Validity
    certificate: CertificateOut


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200)
