"""The one rule of every registry: a name is registered once."""

from __future__ import annotations

import pytest

from domain.shared.registry import DuplicateRegistration, Registry


def first() -> None: ...


def second() -> None: ...


def test_a_name_is_registered_once() -> None:
    registry: Registry[str, object] = Registry("test entry")
    registry.add("a", first)
    with pytest.raises(DuplicateRegistration, match="test entry 'a'"):
        registry.add("a", second)
    assert registry["a"] is first


def test_the_same_definition_may_register_again() -> None:
    registry: Registry[str, object] = Registry("test entry")
    registry.register("a")(first)
    registry.register("a")(first)  # a module imported twice
    assert registry.names() == ["a"] and "a" in registry and registry.get("b") is None
