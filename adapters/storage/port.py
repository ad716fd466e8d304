"""The storage port: put, get and delete opaque bytes under a key the caller chooses."""

from __future__ import annotations

from typing import Protocol


class StoredFileMissing(Exception):
    """No file under that key (deleted, or the store lost it)."""


class StorageKeyInvalid(ValueError):
    """A key outside the allowed alphabet: keys must never name a path of their own."""


def check_key(key: str) -> str:
    # Keys are made by the domain (hex digests and slashes); anything else is a bug or an attack.
    parts = key.split("/")
    if not key or any(not p or not all(c in "0123456789abcdef" for c in p) for p in parts):
        raise StorageKeyInvalid(key)
    return key


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``; writing the same key again replaces it."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``, or ``StoredFileMissing``."""
        ...

    async def delete(self, key: str) -> None: ...

    async def aclose(self) -> None: ...
