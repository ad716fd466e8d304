"""Bodies of the real-name verification API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api._labels import LabelText
from domain.identity.documents import DocumentKind


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionIn(_Body):
    return_to: str = Field(
        min_length=1,
        max_length=512,
        description="The app page to come back to: a path (`/h5/#/pages/identity/callback`) or a URL of "
        "this site. `code` and `state` are appended.",
    )
    document_kind: DocumentKind | None = Field(
        default=None,
        description="The identity document the resident chose (`GET /identity/document-kinds`); the "
        "platform's page opens on it. Left out: the platform asks.",
    )


class SessionOut(BaseModel):
    authorize_url: str = Field(description="Open this page (in a web-view in the mini-program).")
    expires_in: int = Field(description="Seconds left to finish the verification.")


class DocumentKindOut(BaseModel):
    kind: DocumentKind
    label: LabelText
    birth_date_in_number: bool = Field(
        description="The number holds the birth date; for the others the platform answers it."
    )

    @classmethod
    def of(cls, kind: DocumentKind) -> DocumentKindOut:
        return cls(kind=kind, label=kind.label, birth_date_in_number=kind.carries_birth_date)


class DocumentKindsOut(BaseModel):
    items: list[DocumentKindOut]


class CallbackIn(_Body):
    code: str = Field(min_length=1, max_length=512)
    state: str = Field(min_length=1, max_length=256)


class ReturnQuery(BaseModel):
    """What the identity platform appends to our redirect URI."""

    model_config = ConfigDict(extra="ignore")

    state: str = Field(min_length=1, max_length=256)
    code: str | None = Field(default=None, min_length=1, max_length=512)
    error: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
