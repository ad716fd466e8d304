"""The credential wire format: round trips, tampering anywhere is refused, and the QR budget holds."""

from __future__ import annotations

import base64
import secrets

import pytest

from domain.credentials import qr
from domain.credentials import token as wire
from domain.credentials.errors import (
    CredentialKeyUnknown,
    CredentialMalformed,
    CredentialPinWeak,
    CredentialSignatureInvalid,
)
from domain.credentials.kinds import Kind
from domain.credentials.service import check_new_pin
from domain.shared.signing import KeyRing

RING = KeyRing({"qr-2026-11": b"k" * 32, "qr-2025-01": b"o" * 32}, "qr-2026-11")


def claims(
    kind: Kind = Kind.HEALTH_CARD, *, kid: str = "qr-2026-11", subject: str = "CX9U7JHAZFPRR873"
) -> wire.Claims:
    return wire.Claims(
        kind=kind,
        subject=subject,
        issued_at=1_796_000_000,
        expires_at=1_796_000_090,
        nonce=secrets.token_bytes(wire.NONCE_BYTES),
        kid=kid,
    )


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_round_trips_and_case_does_not_matter(kind: Kind) -> None:
    original = claims(kind)
    token = wire.encode(original, RING)
    assert wire.decode(token, RING) == original
    assert wire.decode(token.lower(), RING) == original  # a scanner may lower-case what it read
    assert set(token[3:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")  # QR alphanumeric mode


def test_a_retired_key_still_verifies_and_an_unknown_one_does_not() -> None:
    old_ring = KeyRing({"qr-2025-01": b"o" * 32}, "qr-2025-01")
    old = wire.encode(claims(kid="qr-2025-01"), old_ring)
    assert wire.decode(old, RING).kid == "qr-2025-01"
    stranger = KeyRing({"qr-elsewhere": b"x" * 32}, "qr-elsewhere")
    with pytest.raises(CredentialKeyUnknown):
        wire.decode(wire.encode(claims(kid="qr-elsewhere"), stranger), RING)


def test_flipping_any_bit_of_a_code_is_refused() -> None:
    token = wire.encode(claims(), RING)
    raw = base64.b32decode(token[3:] + "=" * (-len(token[3:]) % 8))
    for position in range(len(raw)):
        for bit in (0x01, 0x80):
            changed = bytearray(raw)
            changed[position] ^= bit
            tampered = "PC:" + base64.b32encode(bytes(changed)).decode().rstrip("=")
            with pytest.raises((CredentialMalformed, CredentialSignatureInvalid, CredentialKeyUnknown)):
                wire.decode(tampered, RING)


@pytest.mark.parametrize(
    "text",
    ["", "PC:", "PC:!!!!", "XX:" + "A" * 100, "PC:" + "A" * 500, "PC:AAAAAAAA", "https://example.com/"],
)
def test_what_is_not_a_code_is_malformed(text: str) -> None:
    with pytest.raises(CredentialMalformed):
        wire.decode(text, RING)


def test_the_longest_code_we_mint_fits_qr_version_10_at_level_m() -> None:
    # The settings allow kids of up to 16 characters; subject references are 16.
    ring = KeyRing({"k" * 16: b"z" * 32}, "k" * 16)
    token = wire.encode(claims(kid="k" * 16, subject="Z" * 16), ring)
    assert qr.version_of(token) <= qr.MAX_VERSION
    assert qr.svg(token).startswith("<svg") and qr.png(token).startswith(b"\x89PNG")


@pytest.mark.parametrize("pin", ["111111", "123456", "987654", "12345", "1234567", "12a456", ""])
def test_weak_or_malformed_pins_are_refused(pin: str) -> None:
    with pytest.raises(CredentialPinWeak):
        check_new_pin(pin)


def test_a_pin_with_no_pattern_is_accepted() -> None:
    assert check_new_pin("274901") == "274901"
