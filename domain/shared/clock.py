"""The one clock. Domain code asks ``now()``; tests move it with ``frozen_at``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC) + _offset


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    global _frozen
    previous, _frozen = _frozen, instant
    try:
        yield
    finally:
        _frozen = previous


@contextmanager
def shifted(by: timedelta) -> Iterator[None]:
    """Run as if ``by`` had passed: for expiry rules that Redis TTLs do not cover."""
    global _offset
    previous, _offset = _offset, _offset + by
    try:
        yield
    finally:
        _offset = previous
