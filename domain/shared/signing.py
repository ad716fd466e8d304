"""Ed25519 key rings with a ``kid``: the active key signs, every configured key verifies.

Shared by access tokens (``domain.accounts.tokens``) and e-certificates (``domain.certificates``),
each with its own ring: certificates live for years, so their keys retire on a different clock
than the 15-minute access tokens'.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALGORITHM = "EdDSA"


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """The inverse of :func:`b64url`; raises ValueError on anything that is not base64url."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc


def canonical_json(document: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same document always gives the same bytes to sign."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Signature:
    kid: str
    value: str  # base64url of the 64-byte Ed25519 signature


class KeyRing:
    """Ed25519 keys by ``kid``, built from 32-byte seeds."""

    def __init__(self, seeds: dict[str, bytes], active_kid: str) -> None:
        if active_kid not in seeds:
            raise ValueError(f"active kid {active_kid!r} is not among the configured keys")
        self.private = {kid: Ed25519PrivateKey.from_private_bytes(seed) for kid, seed in seeds.items()}
        self.public: dict[str, Ed25519PublicKey] = {kid: k.public_key() for kid, k in self.private.items()}
        self.active_kid = active_kid

    @property
    def active_key(self) -> Ed25519PrivateKey:
        return self.private[self.active_kid]

    def sign(self, data: bytes) -> Signature:
        """Sign ``data`` with the active key."""
        return Signature(kid=self.active_kid, value=b64url(self.active_key.sign(data)))

    def sign_raw(self, data: bytes) -> bytes:
        """The active key's 64-byte signature over ``data`` (for binary formats such as QR tokens)."""
        return self.active_key.sign(data)

    def verify(self, data: bytes, signature: Signature) -> bool:
        """True only for a well-formed signature by a configured key over exactly ``data``."""
        try:
            raw = b64url_decode(signature.value)
        except ValueError:
            return False
        return self.verify_raw(data, signature.kid, raw)

    def verify_raw(self, data: bytes, kid: str, signature: bytes) -> bool:
        """:meth:`verify` for a raw 64-byte signature."""
        key = self.public.get(kid)
        if key is None:
            return False
        try:
            key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def knows(self, kid: str) -> bool:
        return kid in self.public

    def jwks(self) -> dict[str, Any]:
        """Every public key that still verifies, as a JWK set."""
        return {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "kid": kid,
                    "alg": ALGORITHM,
                    "use": "sig",
                    "x": b64url(key.public_bytes(Encoding.Raw, PublicFormat.Raw)),
                }
                for kid, key in self.public.items()
            ]
        }
