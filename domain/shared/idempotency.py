"""Idempotency keys for creating requests (draft-ietf-httpapi-idempotency-key-header).

A client that sends ``Idempotency-Key`` may retry a create as often as it likes and gets the first
outcome back instead of a second object. One Redis hash per (caller, method, route, key) holds
either ``pending`` (a request is running) or ``done`` (its status, content type and body).

- A new key is claimed atomically, with a short lease: if the worker dies mid-request, the key
  frees itself after ``pending_ttl`` instead of answering "in progress" for a day.
- A finished outcome is kept for ``ttl`` (24 h) and replayed to the same request; the same key
  with a different request is refused as a mismatch.
- Only the claim's owner may complete or abandon it, so a request whose lease ran out cannot
  overwrite the one that took over.

The database stays the last line of defence (unique constraints), since Redis may lose data.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _
from domain.shared.kv import Keys, Redis

MAX_KEY_LENGTH = 128


class IdempotencyKeyRequired(DomainError):
    code = "idempotency_key_required"
    kind = ErrorKind.MALFORMED
    message = _("This request needs an Idempotency-Key header.")


class IdempotencyKeyInvalid(DomainError):
    code = "idempotency_key_invalid"
    kind = ErrorKind.MALFORMED
    message = _("The Idempotency-Key header must be 1 to 128 visible ASCII characters.")


class IdempotencyKeyMismatch(DomainError):
    code = "idempotency_key_mismatch"
    kind = ErrorKind.INVALID
    message = _("This Idempotency-Key was already used for a different request.")


class IdempotencyKeyInProgress(DomainError):
    code = "idempotency_key_in_progress"
    kind = ErrorKind.CONFLICT
    message = _("A request with this Idempotency-Key is still being processed; please retry shortly.")


def check_key(raw: str) -> str:
    """The key from the header value. A structured-field string (``"abc"``) is unquoted."""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(0x21 <= ord(c) <= 0x7E for c in key):
        raise IdempotencyKeyInvalid()
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(
            len(part).to_bytes(8, "big")
        )  # length-prefixed: no two requests collide by concatenation
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    content_type: str
    location: str | None = None


@dataclass(frozen=True)
class Claim:
    """A running request's hold on its key."""

    key: str
    owner: str


# KEYS: 1 record. ARGV: 1 owner, 2 fingerprint, 3 lease seconds.
# Returns {} when claimed for this request, else the existing record's fields.
_BEGIN = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'state', 'pending', 'owner', ARGV[1], 'fp', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return {}
"""

# KEYS: 1 record. ARGV: 1 owner, 2 status, 3 content type, 4 body (base64), 5 location, 6 ttl.
_COMPLETE = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'state') ~= 'pending' then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'done', 'status', ARGV[2], 'ctype', ARGV[3],
  'body', ARGV[4], 'location', ARGV[5])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
return 1
"""

# KEYS: 1 record. ARGV: 1 owner.
_ABANDON = """
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] and redis.call('HGET', KEYS[1], 'state') == 'pending' then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class IdempotencyStore:
    def __init__(self, redis: Redis, keys: Keys, *, ttl: int = 24 * 3600, pending_ttl: int = 120) -> None:
        self.redis = redis
        self._keys = keys
        self._ttl = ttl
        self._pending_ttl = pending_ttl
        self._begin = redis.register_script(_BEGIN)
        self._complete = redis.register_script(_COMPLETE)
        self._abandon = redis.register_script(_ABANDON)

    def record_key(self, *, caller: str, method: str, route: str, key: str) -> str:
        # Hashed: the client's key may hold any visible character, "{" and "}" included.
        scope = hashlib.sha256("\n".join((caller, method.upper(), route, key)).encode()).hexdigest()[:40]
        return self._keys.tagged("idem", scope)

    async def begin(self, record_key: str, fingerprint: str) -> Claim | StoredResponse:
        """Claim the key for this request, or return the finished outcome to replay.

        Raises :class:`IdempotencyKeyMismatch` for another request under the same key and
        :class:`IdempotencyKeyInProgress` while the first one is still running.
        """
        owner = secrets.token_hex(16)
        raw = await self._begin(keys=[record_key], args=[owner, fingerprint, self._pending_ttl])
        if not raw:
            return Claim(record_key, owner)
        record = dict(zip(raw[::2], raw[1::2], strict=True))
        if record.get("fp") != fingerprint:
            raise IdempotencyKeyMismatch()
        if record.get("state") != "done":
            raise IdempotencyKeyInProgress()
        return StoredResponse(
            status=int(record["status"]),
            body=base64.b64decode(record.get("body", "")),
            content_type=record.get("ctype", ""),
            location=record.get("location") or None,
        )

    async def complete(self, claim: Claim, response: StoredResponse) -> bool:
        """Keep the outcome for replay. False when the claim was lost (its lease ran out)."""
        done = await self._complete(
            keys=[claim.key],
            args=[
                claim.owner,
                response.status,
                response.content_type,
                base64.b64encode(response.body).decode(),
                response.location or "",
                self._ttl,
            ],
        )
        return bool(done)

    async def abandon(self, claim: Claim) -> bool:
        """Forget the key, so that the client's retry runs the request again."""
        return bool(await self._abandon(keys=[claim.key], args=[claim.owner]))
