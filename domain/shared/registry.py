"""One rule for every registry through which domains plug into each other.

Outbox handlers and schedules, payment owners, capacity owners, credential holders and scan actions
are all filled at import time by the modules that use a generic engine. A second entry under a name
that is taken is a wiring mistake (two modules both claiming ``appointment``, a copied handler
left on the old topic): it fails at import, loudly, instead of one registration silently replacing
the other and a message reaching the wrong module in production.

The one tolerated repeat is the *same* definition registered again: the same object, a function
of the same module and qualified name (what ``importlib.reload`` of the registering module
produces), or a record (a dataclass: an outbox handler's spec, a schedule) whose fields are the
same in that sense. Anything else raises :class:`DuplicateRegistration`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class DuplicateRegistration(ValueError):
    """A name registered twice with two different entries."""


def _same(a: object, b: object) -> bool:
    if a is b:
        return True
    if is_dataclass(a) and not isinstance(a, type) and type(a) is type(b):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if not callable(a):
        return bool(a == b)  # plain values inside a record (a topic, a period, a payload)

    def origin(entry: object) -> tuple[object, object]:
        return getattr(entry, "__module__", None), getattr(entry, "__qualname__", None)

    return origin(a)[1] is not None and origin(a) == origin(b)


class Registry(Generic[K, V]):
    """Names → entries, each name once. ``what`` names the registry in error messages."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[K, V] = {}

    def add(self, name: K, entry: V) -> V:
        existing = self._entries.get(name)
        if existing is not None and not _same(existing, entry):
            raise DuplicateRegistration(f"{self.what} {name!r} is already registered: {existing!r}")
        self._entries[name] = entry
        return entry

    def register(self, name: K) -> Callable[[V], V]:
        """As a decorator: ``@registry.register("appointment")``."""

        def add(entry: V) -> V:
            return self.add(name, entry)

        return add

    def get(self, name: K) -> V | None:
        return self._entries.get(name)

    def __getitem__(self, name: K) -> V:
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[K]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def items(self) -> list[tuple[K, V]]:
        return list(self._entries.items())

    def values(self) -> list[V]:
        return list(self._entries.values())

    def names(self) -> list[K]:
        return sorted(self._entries, key=str)

    def copy(self) -> Registry[K, V]:
        """The same entries in a new registry: a test swaps it in and what it adds vanishes with it."""
        copied: Registry[K, V] = Registry(self.what)
        copied._entries = dict(self._entries)
        return copied

    def remove(self, name: K) -> None:
        """For tests that register a throwaway entry (never for production wiring)."""
        self._entries.pop(name, None)
