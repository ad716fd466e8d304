"""QR images of a token (segno, pure Python): SVG for the app, PNG for printing a static code.

Error correction M, never boosted, so that the version we report is the one a scanner has to read
(the budget is version 10; tokens come out at version 8).
"""

from __future__ import annotations

import io

import segno

MAX_VERSION = 10


def make(token: str) -> segno.QRCode:
    return segno.make(token, error="m", micro=False, boost_error=False)


def version_of(token: str) -> int:
    version = make(token).version
    assert isinstance(version, int)  # never a Micro QR here
    return version


def svg(token: str, *, scale: int = 4) -> str:
    return svg_of(make(token), scale=scale)


def svg_of(code: segno.QRCode, *, scale: int = 4) -> str:
    """The SVG of a code already made (making one is the expensive part: milliseconds)."""
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def png(token: str, *, scale: int = 6) -> bytes:
    out = io.BytesIO()
    make(token).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
