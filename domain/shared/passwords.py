"""Secrets people type (staff passwords, a health card's PIN): argon2id, always off the event loop.

argon2 takes tens of milliseconds of CPU by design; run on the loop it would stall every request.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2id with argon2-cffi's defaults (RFC 9106 "low memory" profile: t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_hasher.hash, secret)


async def secret_matches(secret_hash: str, secret: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, secret_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(secret_hash: str) -> bool:
    return _hasher.check_needs_rehash(secret_hash)
