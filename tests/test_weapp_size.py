"""The WeChat build stays within WeChat's package limits: the main package (everything not under a
subpackage's root) at most 2 MB, each subpackage at most 2 MB, all of them at most 20 MB.

It measures ``miniprogram/dist/weapp`` as built (``make test`` builds it first: ``make weapp``);
without a build it skips. Source maps are not uploaded, so they are not counted.
"""

from __future__ import annotations

import json

import pytest

from tests.support import environment

WEAPP = environment.ROOT / "miniprogram" / "dist" / "weapp"
MB = 1024 * 1024
MAIN_LIMIT = 2 * MB
SUBPACKAGE_LIMIT = 2 * MB
TOTAL_LIMIT = 20 * MB


def _sizes() -> tuple[int, dict[str, int]]:
    """Bytes of the main package and of each subpackage root."""
    app = json.loads((WEAPP / "app.json").read_text(encoding="utf-8"))
    roots = [p["root"].strip("/") for p in app.get("subPackages") or app.get("subpackages") or []]
    main, subpackages = 0, dict.fromkeys(roots, 0)
    for file in WEAPP.rglob("*"):
        if not file.is_file() or file.suffix == ".map":
            continue
        relative = file.relative_to(WEAPP).as_posix()
        root = next((r for r in roots if relative.startswith(r + "/")), None)
        if root is None:
            main += file.stat().st_size
        else:
            subpackages[root] += file.stat().st_size
    return main, subpackages


@pytest.fixture
def sizes() -> tuple[int, dict[str, int]]:
    if not (WEAPP / "app.json").exists():
        pytest.skip("needs the weapp build (make weapp)")
    return _sizes()


def test_the_main_package_is_at_most_2_mb(sizes: tuple[int, dict[str, int]]) -> None:
    main, _ = sizes
    assert main <= MAIN_LIMIT, (
        f"main package {main / MB:.2f} MB: move pages into a subpackage (app.config.ts)"
    )


def test_each_subpackage_is_at_most_2_mb_and_all_at_most_20_mb(sizes: tuple[int, dict[str, int]]) -> None:
    main, subpackages = sizes
    assert subpackages, "app.config.ts declares no subpackage (new pages go into one)"
    for root, size in subpackages.items():
        assert 0 < size <= SUBPACKAGE_LIMIT, f"subpackage {root}: {size / MB:.2f} MB"
    assert main + sum(subpackages.values()) <= TOTAL_LIMIT
