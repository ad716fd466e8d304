"""Personal data at rest and on display.

ID numbers, phones and plates are stored encrypted (AES-256-GCM, the key version in front so
keys can rotate) next to an HMAC-SHA256 blind index that allows exact look-ups without
decrypting. Everything shown to people or written to logs is masked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import fields

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _


class PiiKeyMissing(DomainError):
    code = "pii_key_missing"
    kind = ErrorKind.UNAVAILABLE
    message = _("Stored personal data cannot be read with the configured keys.")


class Vault:
    """Encrypts with the active key version; decrypts with whichever listed version a value names.

    The active version defaults to the highest listed. Naming it separately lets a new key be
    listed (every process can read it) before any process writes with it: the same add, switch,
    retire steps as the token key rings (docs/operations.md, "Rotating keys").
    """

    def __init__(
        self, keys: dict[int, bytes], blind_index_key: bytes, *, active_version: int | None = None
    ) -> None:
        if not keys:
            raise ValueError("at least one PII key is needed")
        for version, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"PII key version {version} must be 32 bytes, got {len(key)}")
        if active_version is not None and active_version not in keys:
            raise ValueError(f"PII key version {active_version} is active but not listed: {sorted(keys)}")
        self._keys = {v: AESGCM(k) for v, k in keys.items()}
        self._current = max(keys) if active_version is None else active_version
        self._blind_key = blind_index_key

    @property
    def active_version(self) -> int:
        return self._current

    @property
    def versions(self) -> frozenset[int]:
        """Every version this vault decrypts."""
        return frozenset(self._keys)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        # The column name is the associated data: a ciphertext copied into another column fails.
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), context.encode())
        return f"v{self._current}:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str, *, context: str) -> str:
        version, _sep, body = token.partition(":")
        aead = self._keys.get(int(version.lstrip("v") or 0))
        if aead is None:
            raise PiiKeyMissing(details={"key_version": version})
        raw = base64.urlsafe_b64decode(body)
        return aead.decrypt(raw[:12], raw[12:], context.encode()).decode()

    def blind_index(self, value: str, *, purpose: str) -> str:
        return hmac.new(self._blind_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


_vault: Vault | None = None


def install(vault: Vault) -> None:
    """Called once per process by the app factory (and by tests)."""
    global _vault
    _vault = vault


def vault() -> Vault:
    if _vault is None:
        raise RuntimeError("pii.install() has not been called")
    return _vault


class EncryptedField(fields.TextField):
    """A text column holding ``Vault.encrypt`` output; reads give back the plaintext."""

    def to_db_value(self, value: object, instance: object) -> str | None:
        if value is None:
            return None
        return vault().encrypt(str(value), context=self.context)

    def to_python_value(self, value: object) -> str | None:
        if value is None or not isinstance(value, str):
            return value  # type: ignore[return-value]
        if not value.startswith("v") or ":" not in value:
            return value  # already plaintext (a value set in memory, not yet saved)
        return vault().decrypt(value, context=self.context)

    @property
    def context(self) -> str:
        """The associated data every value of this column is sealed with: ``table.field``."""
        model = self.model
        return f"{model._meta.db_table if model else '?'}.{self.model_field_name}"


def blind_index(value: str, *, purpose: str) -> str:
    return vault().blind_index(value, purpose=purpose)


def mask_id_number(value: str | None) -> str | None:
    """``441802199001011234`` → ``4418**********1234``."""
    if not value:
        return None
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """``13800138000`` → ``138****8000``."""
    if not value:
        return None
    digits = value[-11:]
    return digits[:3] + "*" * max(len(digits) - 7, 0) + digits[-4:]


def mask_name(value: str | None) -> str | None:
    """``张三丰`` → ``张**``; Latin names keep their first letter."""
    if not value:
        return None
    return value[0] + "*" * (len(value) - 1)


def mask_plate(value: str | None) -> str | None:
    """``粤R12345`` → ``粤R***45``."""
    if not value:
        return None
    return value[:2] + "*" * max(len(value) - 4, 0) + value[-2:]


# What a log line must never carry in clear: 18-character ID numbers (and residence permits),
# Home Return Permit numbers and mainland mobile numbers. Taiwan permits and passports have no
# shape of their own to find them by: never log a document number.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
_HOME_RETURN_RE = re.compile(r"(?<![0-9A-Za-z])([HMhm]\d)\d{7}(\d{2})(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def scrub(text: str) -> str:
    """Mask ID numbers, Home Return Permits and phones wherever they appear in free text (logs)."""
    text = _ID_RE.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    text = _HOME_RETURN_RE.sub(lambda m: m.group(1) + "*" * 7 + m.group(2), text)
    return _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
