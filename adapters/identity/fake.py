"""The sandbox identity platform: a form anyone can fill in, with the real protocol's checks.

Its authorize page (``/sandbox/identity/authorize``, served only when the sandbox is on) asks for
a name, a document (any kind PalmCity accepts, with a birth date for those whose number holds
none) and a level, then issues a code through :meth:`issue_code`. Codes are
single-use, live five minutes, and are bound to the PKCE challenge, the redirect URI and the
nonce exactly as a real provider binds them, so the flow is exercised end to end. With a Redis
client the codes are shared by all workers; without one they live in this process.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from typing import Any, Protocol
from urllib.parse import urlencode

from redis.asyncio import Redis

from adapters.identity.port import IdentityCodeInvalid, VerifiedIdentity

CODE_TTL_SECONDS = 300
AUTHORIZE_PATH = "/sandbox/identity/authorize"


class KeyNamer(Protocol):
    def of(self, *parts: object) -> str: ...


def s256(verifier: str) -> str:
    """The PKCE S256 challenge for ``verifier`` (RFC 7636 §4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class SandboxIdentityProvider:
    def __init__(self, *, base_url: str, redis: Redis | None = None, keys: KeyNamer | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._redis = redis if keys is not None else None
        self._keys = keys
        self._codes: dict[str, tuple[float, dict[str, Any]]] = {}

    def authorize_url(
        self,
        *,
        state: str,
        nonce: str,
        code_challenge: str,
        redirect_uri: str,
        document_kind: str | None = None,
    ) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": "palmcity-sandbox",
                "redirect_uri": redirect_uri,
                "state": state,
                "nonce": nonce,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
                **({"id_type": document_kind} if document_kind else {}),
            }
        )
        return f"{self._base_url}{AUTHORIZE_PATH}?{query}"

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
    ) -> str:
        code = "sandbox-" + secrets.token_urlsafe(24)
        grant = {
            "name": name,
            "id_number": id_number,
            "document_kind": document_kind,
            "birth_date": birth_date.isoformat() if birth_date else None,
            "level": level,
            "code_challenge": code_challenge,
            "redirect_uri": redirect_uri,
            "nonce": nonce,
        }
        if self._redis is not None and self._keys is not None:
            await self._redis.set(
                self._keys.of("sandbox", "identity", "code", code), json.dumps(grant), ex=CODE_TTL_SECONDS
            )
        else:
            self._forget_expired()
            self._codes[code] = (time.monotonic() + CODE_TTL_SECONDS, grant)
        return code

    async def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> VerifiedIdentity:
        grant = await self._take(code)
        if grant is None:
            raise IdentityCodeInvalid("unknown, spent or expired code")
        if grant["redirect_uri"] != redirect_uri:
            raise IdentityCodeInvalid("redirect_uri differs from the authorization request")
        if not hmac.compare_digest(s256(code_verifier), grant["code_challenge"]):
            raise IdentityCodeInvalid("PKCE verifier does not match the challenge")
        return VerifiedIdentity(
            subject="sandbox-" + hashlib.sha256(grant["id_number"].encode()).hexdigest()[:24],
            name=grant["name"],
            id_number=grant["id_number"],
            level=int(grant["level"]),
            nonce=grant["nonce"],
            document_kind=grant.get("document_kind") or "resident_id",
            birth_date=dt.date.fromisoformat(grant["birth_date"]) if grant.get("birth_date") else None,
        )

    async def aclose(self) -> None:
        return None

    async def _take(self, code: str) -> dict[str, Any] | None:
        if self._redis is not None and self._keys is not None:
            raw = await self._redis.getdel(self._keys.of("sandbox", "identity", "code", code))
            return json.loads(raw) if raw else None
        self._forget_expired()
        expires_and_grant = self._codes.pop(code, None)
        return expires_and_grant[1] if expires_and_grant else None

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for code in [c for c, (expires, _g) in self._codes.items() if expires < now]:
            del self._codes[code]
