"""Bodies of the credential API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.credentials.kinds import Kind

TOKEN_FIELD = Field(min_length=1, max_length=400, description="What the scanner read: `PC:` and base32.")


class CodeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    static: bool = Field(default=False, description="The printable static code (needs a PIN set).")


class CodeOut(BaseModel):
    token: str = Field(description="The text inside the QR code.")
    kind: Kind
    static: bool
    issued_at: datetime
    expires_at: datetime = Field(description="Scanners refuse it after this (a screenshot stops working).")
    refresh_at: datetime | None = Field(description="When to fetch the next code; null for a static code.")
    qr_version: int = Field(description="QR version at error correction M (at most 10).")
    svg: str = Field(description="The QR code as an SVG document, for an <image> data URI.")


class JwksOut(BaseModel):
    keys: list[dict[str, Any]]


class RevocationsOut(BaseModel):
    version: int = Field(description="Grows with every change; send it back as `since`.")
    changed: bool = Field(description="False when `since` is already the current version (no entries).")
    document: dict[str, Any] = Field(
        description='{"version", "issued_at", "entries": [{"ref", "kind", "status"}]}'
    )
    kid: str
    alg: str = "EdDSA"
    signature: str = Field(description="base64url Ed25519 over the canonical JSON of `document`.")


class RevocationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: int | None = Field(default=None, ge=0)


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = TOKEN_FIELD


class VerifiedOut(BaseModel):
    kind: Kind
    kind_name: str
    static: bool
    issued_at: datetime
    expires_at: datetime
    spent: bool = Field(description="A single-use code already admitted by a scan: genuine, not admissible.")
