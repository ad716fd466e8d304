"""The wire format of a credential: small enough for a QR code that a cheap scanner reads off a phone.

    "PC:" + BASE32( body || Ed25519 signature over body )

    body = version (1) | kind (1) | flags (1) | issued (4) | expires (4) | nonce (10)
           | len (1) kid | len (1) subject reference

Times are Unix seconds (unsigned 32-bit, good until 2106). Base32 in upper case is QR's
alphanumeric mode (5.5 bits a character instead of 8 in byte mode), which keeps a token of
about 180 characters at QR version 8 with error correction M. The ``kid`` is inside the signed
bytes, so it cannot be swapped for another key's. Nothing here names the holder: the subject
reference is a random string that only PalmCity can resolve.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from domain.credentials.errors import CredentialKeyUnknown, CredentialMalformed, CredentialSignatureInvalid
from domain.credentials.kinds import KIND_OF_WIRE, WIRE_CODE, Kind
from domain.shared.signing import KeyRing

PREFIX = "PC:"
VERSION = 1
NONCE_BYTES = 10
SIGNATURE_BYTES = 64
FLAG_STATIC = 0x01
_HEAD = struct.Struct(">BBBII")  # version, kind, flags, issued, expires
_MAX_TEXT = 32  # kid and subject reference: short ASCII
MAX_TOKEN_CHARS = 400  # anything longer is not ours; refused before decoding


@dataclass(frozen=True)
class Claims:
    kind: Kind
    subject: str  # the opaque subject reference (CredentialSubject.ref)
    issued_at: int
    expires_at: int
    nonce: bytes
    kid: str
    static: bool = False

    @property
    def nonce_hex(self) -> str:
        return self.nonce.hex()


def _text(value: str) -> bytes:
    raw = value.encode("ascii")
    if not 0 < len(raw) <= _MAX_TEXT:
        raise ValueError(f"{value!r} must be 1-{_MAX_TEXT} ASCII characters")
    return bytes([len(raw)]) + raw


def body_of(claims: Claims) -> bytes:
    if len(claims.nonce) != NONCE_BYTES:
        raise ValueError("nonce must be 10 bytes")
    head = _HEAD.pack(
        VERSION,
        WIRE_CODE[claims.kind],
        FLAG_STATIC if claims.static else 0,
        claims.issued_at,
        claims.expires_at,
    )
    return head + claims.nonce + _text(claims.kid) + _text(claims.subject)


def encode(claims: Claims, ring: KeyRing) -> str:
    """Sign with the ring's active key (``claims.kid`` must be it) and encode for a QR code."""
    if claims.kid != ring.active_kid:
        raise ValueError("claims.kid must be the active kid")
    body = body_of(claims)
    return PREFIX + base64.b32encode(body + ring.sign_raw(body)).decode().rstrip("=")


def decode(token: str, ring: KeyRing) -> Claims:
    """Parse and check the signature; refuses with credential_malformed, credential_key_unknown or
    credential_signature_invalid. Expiry and state are the caller's (they depend on the clock and
    on the database)."""
    claims, body, signature = parse(token)
    if not ring.knows(claims.kid):
        raise CredentialKeyUnknown(details={"kid": claims.kid})
    if not ring.verify_raw(body, claims.kid, signature):
        raise CredentialSignatureInvalid()
    return claims


def parse(token: str) -> tuple[Claims, bytes, bytes]:
    """The claims, the signed body and the signature, without checking the signature."""
    text = token.strip().upper()
    if not text.startswith(PREFIX) or len(text) > MAX_TOKEN_CHARS:
        raise CredentialMalformed()
    encoded = text[len(PREFIX) :]
    try:
        raw = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    except (binascii.Error, ValueError):
        raise CredentialMalformed() from None
    body, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    try:
        version, wire_kind, flags, issued, expires = _HEAD.unpack_from(body)
        offset = _HEAD.size
        nonce = body[offset : offset + NONCE_BYTES]
        offset += NONCE_BYTES
        kid, offset = _read_text(body, offset)
        subject, offset = _read_text(body, offset)
    except (struct.error, IndexError, UnicodeDecodeError):
        raise CredentialMalformed() from None
    kind = KIND_OF_WIRE.get(wire_kind)
    if version != VERSION or kind is None or offset != len(body) or len(nonce) != NONCE_BYTES:
        raise CredentialMalformed()
    claims = Claims(
        kind=kind,
        subject=subject,
        issued_at=issued,
        expires_at=expires,
        nonce=nonce,
        kid=kid,
        static=bool(flags & FLAG_STATIC),
    )
    return claims, body, signature


def _read_text(body: bytes, offset: int) -> tuple[str, int]:
    length = body[offset]
    if not 0 < length <= _MAX_TEXT or offset + 1 + length > len(body):
        raise IndexError("text out of range")
    return body[offset + 1 : offset + 1 + length].decode("ascii"), offset + 1 + length
