"""Material files in memory: for tests, and sandboxes that need no disk."""

from __future__ import annotations

from adapters.storage.port import StoredFileMissing, check_key


class InMemoryStorage:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes) -> None:
        self.files[check_key(key)] = data

    async def get(self, key: str) -> bytes:
        try:
            return self.files[check_key(key)]
        except KeyError as exc:
            raise StoredFileMissing(key) from exc

    async def delete(self, key: str) -> None:
        self.files.pop(check_key(key), None)

    async def aclose(self) -> None:
        return None
