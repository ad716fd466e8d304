"""Personal data: encrypted at rest with key versions, blind-indexed, masked for display and logs."""

from __future__ import annotations

import os

import pytest
from cryptography.exceptions import InvalidTag

from domain.shared import pii


def _vault(*versions: int) -> pii.Vault:
    return pii.Vault({v: bytes([v]) * 32 for v in versions}, b"blind-key")


def test_encrypts_with_the_newest_key_and_reads_older_versions() -> None:
    old = _vault(1)
    token_v1 = old.encrypt("441802199001011234", context="user.id_number")
    rotated = _vault(1, 2)
    token_v2 = rotated.encrypt("441802199001011234", context="user.id_number")
    assert token_v1.startswith("v1:") and token_v2.startswith("v2:")
    assert rotated.decrypt(token_v1, context="user.id_number") == "441802199001011234"
    assert rotated.decrypt(token_v2, context="user.id_number") == "441802199001011234"
    assert "441802" not in token_v2


def test_the_active_version_encrypts_and_every_listed_version_decrypts() -> None:
    listed_first = pii.Vault({1: bytes([1]) * 32, 2: bytes([2]) * 32}, b"blind-key", active_version=1)
    token = listed_first.encrypt("13800138000", context="user.phone")
    assert token.startswith("v1:") and listed_first.active_version == 1
    assert listed_first.versions == {1, 2}
    switched = pii.Vault({1: bytes([1]) * 32, 2: bytes([2]) * 32}, b"blind-key", active_version=2)
    assert switched.decrypt(token, context="user.phone") == "13800138000"
    assert listed_first.decrypt(switched.encrypt("x", context="c"), context="c") == "x"
    with pytest.raises(ValueError, match="active but not listed"):
        pii.Vault({1: bytes([1]) * 32}, b"blind-key", active_version=2)


def test_same_value_encrypts_differently_each_time() -> None:
    v = _vault(1)
    assert v.encrypt("13800138000", context="c") != v.encrypt("13800138000", context="c")


def test_ciphertext_moved_to_another_column_does_not_decrypt() -> None:
    v = _vault(1)
    token = v.encrypt("13800138000", context="user.phone")
    with pytest.raises(InvalidTag):
        v.decrypt(token, context="family_member.id_number")


def test_unknown_key_version_is_a_clear_error() -> None:
    token = _vault(3).encrypt("x", context="c")
    with pytest.raises(pii.PiiKeyMissing):
        _vault(1).decrypt(token, context="c")


def test_blind_index_is_stable_per_purpose_and_keyed() -> None:
    v = _vault(1)
    assert v.blind_index("441802199001011234", purpose="id") == v.blind_index(
        "441802199001011234", purpose="id"
    )
    assert v.blind_index("441802199001011234", purpose="id") != v.blind_index(
        "441802199001011234", purpose="phone"
    )
    other = pii.Vault({1: os.urandom(32)}, b"another-key")
    assert other.blind_index("441802199001011234", purpose="id") != v.blind_index(
        "441802199001011234", purpose="id"
    )


def test_keys_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        pii.Vault({1: b"short"}, b"k")


@pytest.mark.parametrize(
    ("mask", "value", "shown"),
    [
        (pii.mask_id_number, "441802199001011234", "4418**********1234"),
        (pii.mask_phone, "13800138000", "138****8000"),
        (pii.mask_phone, "+8613800138000", "138****8000"),
        (pii.mask_name, "张三丰", "张**"),
        (pii.mask_plate, "粤R12345", "粤R***45"),
        (pii.mask_id_number, None, None),
    ],
)
def test_masking(mask, value, shown) -> None:  # type: ignore[no-untyped-def]
    assert mask(value) == shown


def test_log_scrubbing_masks_ids_and_phones_in_free_text() -> None:
    line = "verify 44180219900101123X for 13800138000 order 202611220001"
    assert pii.scrub(line) == "verify 4418**********123X for 138****8000 order 202611220001"
