"""Tourism routes: tickets (filled by its strand)."""

from __future__ import annotations

from sanic import Blueprint


def add_routes(bp: Blueprint) -> None:
    """Add this module's routes to the tourism blueprint."""
