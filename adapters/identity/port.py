"""What PalmCity needs from the unified identity platform, and how it says no.

The flow is OAuth 2.0 authorization code with PKCE S256 (RFC 7636) and an OIDC ``nonce``; the
token exchange happens server to server, so the client secret never reaches the mini-program.
The platform's onboarding spec is not public (tech-facts §6): claim names live in the client.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class VerifiedIdentity:
    subject: str  # the platform's stable id for this person
    name: str = field(repr=False)
    id_number: str = field(repr=False)  # the number of the document below, as the platform gives it
    level: int  # assurance level 2..5 (L3 = name + ID number checked, L4 = face, ...)
    nonce: str | None
    # Which document the person proved themselves with (``domain.identity.documents.DocumentKind``
    # values); platforms that only know ID cards leave it out.
    document_kind: str = "resident_id"
    # The platform's birth date: permits and passports do not carry one in their number.
    birth_date: dt.date | None = field(default=None, repr=False)


class IdentityProviderError(Exception):
    """The platform refused or failed in a way we do not handle more specifically."""


class IdentityCodeInvalid(IdentityProviderError):
    """The authorization code is unknown, spent, expired, or bound to another verifier/redirect."""


class IdentityUnavailable(IdentityProviderError):
    """The platform did not answer usefully (network, timeout, 5xx, unreadable body)."""


class IdentityProvider(Protocol):
    def authorize_url(
        self,
        *,
        state: str,
        nonce: str,
        code_challenge: str,
        redirect_uri: str,
        document_kind: str | None = None,
    ) -> str:
        """Where to send the person to prove who they are (with the document they chose, if any)."""
        ...

    async def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> VerifiedIdentity:
        """Trade the authorization code (plus the PKCE verifier) for the verified identity."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SandboxIdentityDesk(Protocol):
    """The sandbox provider's own counter: the sandbox authorize page issues codes through it."""

    async def issue_code(
        self,
        *,
        name: str,
        id_number: str,
        level: int,
        code_challenge: str,
        redirect_uri: str,
        nonce: str,
        document_kind: str = "resident_id",
        birth_date: dt.date | None = None,
    ) -> str: ...
