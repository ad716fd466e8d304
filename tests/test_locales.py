"""Every user-facing message is translated in all three locales, and negotiation picks the right one."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from domain.shared.i18n import SUPPORTED_LOCALES, catalog, negotiate

ROOT = Path(__file__).resolve().parents[1]


def _msgids_in_source() -> set[str]:
    found: set[str] = set()
    for package in ("api", "domain", "adapters", "server"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords={"_": None}
        ):
            if isinstance(message, str) and message:
                found.add(message)
    return found


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_every_message_in_the_code_is_translated(locale: str) -> None:
    cat = catalog(locale)
    assert cat is not None, f"locales/{locale}/LC_MESSAGES/messages.po is missing"
    missing = sorted(m for m in _msgids_in_source() if not (cat.get(m) and cat.get(m).string))  # type: ignore[union-attr]
    assert not missing, (
        f"{len(missing)} message(s) untranslated in {locale} (run `make i18n`): {missing[:10]}"
    )


def test_english_catalog_exists() -> None:
    assert catalog("en") is not None


def test_traditional_and_simplified_differ_somewhere() -> None:
    hans, hant = catalog("zh_Hans"), catalog("zh_Hant")
    assert hans is not None and hant is not None
    differing = [m.id for m in hans if m.id and hant.get(m.id) and hant.get(m.id).string != m.string]  # type: ignore[union-attr]
    assert differing, "zh_Hant looks like a copy of zh_Hans"


@pytest.mark.parametrize(
    ("header", "preferred", "expected"),
    [
        (None, None, "zh_Hans"),
        ("en-US,en;q=0.9", None, "en"),
        ("zh-TW,zh;q=0.8", None, "zh_Hant"),
        ("zh-HK", None, "zh_Hant"),
        ("zh-Hant-CN", None, "zh_Hant"),
        ("zh-CN,en;q=0.5", None, "zh_Hans"),
        ("fr-FR,en;q=0.4,zh;q=0.3", None, "en"),
        ("fr-FR", None, "zh_Hans"),
        ("en;q=0.2,zh-Hant;q=0.9", None, "zh_Hant"),
        ("en", "zh_Hant", "zh_Hant"),  # the saved preference wins over the header
        ("en;q=abc,zh-TW", None, "zh_Hant"),  # a malformed weight is ignored, not fatal
    ],
)
def test_locale_negotiation(header: str | None, preferred: str | None, expected: str) -> None:
    assert negotiate(header, preferred) == expected


def test_supported_locales() -> None:
    assert SUPPORTED_LOCALES == ("zh_Hans", "zh_Hant", "en")
