"""Departments by their names: the authority a certificate or a case shows, never its code."""

from __future__ import annotations

from collections.abc import Iterable

from domain.org.models import Department
from domain.shared.labels import Names


async def department_names(codes: Iterable[str]) -> dict[str, Names]:
    """Department code → its names, for the codes that are departments."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {d.code: Names.of(d) for d in await Department.filter(code__in=wanted)}
