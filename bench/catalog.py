"""``python bench/catalog.py``: the public catalogue reads against bare Sanic, with 100 and 10,000 items.

Same method as ``bench/run.py`` (whose servers, pinning and measurement it reuses): one bare Sanic
process as the baseline, then PalmCity in its embedded default twice, on a catalogue of 100 and of
10,000 published items (the demo catalogue plus generated items, written straight to the tables:
the import's per-item transactions would take minutes for 10,000). Targets, anonymous as residents
browse: the first page of the list, a Chinese search, a search the synonym table expands, a
filtered list and one item's guide.

Goals: each catalogue read ≥ 50 % of bare Sanic's requests/s, and the cost per request with
10,000 items within ±25 % of that with 100. Reads are served from the Redis cache after the
first one, which is the point of it; the first (uncached) request's latency is reported as
``cold_ms`` for each size, so the cost of a miss is visible too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, run  # noqa: E402  (its helpers: servers, pinning, measuring)

SIZES = (100, 10_000)
RATIO_TARGET = 0.50
COST_TOLERANCE = 0.25
TARGETS = (
    run.Target("list", "GET /catalog/items", "/api/v1/catalog/items"),
    run.Target("search", "GET /catalog/items?q=公积金", "/api/v1/catalog/items?q=" + quote("公积金")),
    # A query the synonym table expands (临时居民身份证, 临时二代证, ...): more LIKE terms on a miss.
    run.Target(
        "synonym", "GET /catalog/items?q=临时身份证", "/api/v1/catalog/items?q=" + quote("临时身份证")
    ),
    run.Target(
        "filtered", "GET ?theme&region", "/api/v1/catalog/items?theme=social_security&region=441803&limit=50"
    ),
    run.Target("item", "GET /catalog/items/{code}", "/api/v1/catalog/items/QR0001-441800"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/catalog.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run: fewer requests, one round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "catalog.json")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument(
        "--redis-url",
        default="memory://",
        help="as in bench/run.py: the embedded Redis, or a real one such as redis://127.0.0.1:6379/15",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.connections, args.requests, args.warmup, args.rounds = 16, 2_000, 300, 1

    pinned = run._pin_self()
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="palmcity-bench-catalog-"))
    results: dict[str, Any] = {}
    try:
        # The bare server stays up all along (it idles between its rounds): each target's rounds
        # alternate with bare rounds, so a machine whose load changes during the run (others' test
        # runs) shifts both sides of a ratio alike.
        with run._server("bench.bare_app:create_app", run._bare_env(), workdir / "bare.log") as bare:
            results["bare"] = run._measure(bare, run.BARE, {}, args)
            for size in SIZES:
                folder = workdir / str(size)
                folder.mkdir()
                env = run._palmcity_env(folder, args.redis_url)
                run._migrate(env, folder / "migrate.log")
                seeded = asyncio.run(_seed(env["PALMCITY_DATABASE_URL"], size))
                with run._server("server.main:create_app", env, folder / "palmcity.log") as palm:
                    for target in TARGETS:
                        cold = _cold_ms(palm.port, target.path)
                        figures, beside = _measure_beside(palm, target, bare, args)
                        results[f"{target.key}_{size}"] = {
                            **figures,
                            "cold_ms": cold,
                            "items": seeded,
                            "bare_beside_requests_per_second": beside,
                        }
    except run.BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if args.redis_url != "memory://":
            run._forget_bench_keys(args.redis_url)

    report = _report(results, args, pinned)
    report["load_average_1min"] = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    _print(report)
    print(f"\nwritten: {run._shown(args.out)}")
    return 1 if args.strict and not all(g["met"] for g in report["goals"].values()) else 0


async def _seed(database_url: str, size: int) -> int:
    """Regions, the demo catalogue, and generated published items up to ``size``."""
    from tortoise import Tortoise

    from domain.catalog.models import CatalogItem, CatalogItemTag, CatalogItemVersion, ItemStatus
    from domain.catalog.schema import ItemDocument
    from domain.catalog.service import projection
    from server.db import tortoise_config
    from server.demo import load_regions
    from server.demo.catalog import DATA, load_catalog

    await Tortoise.init(config=tortoise_config(database_url))
    await Tortoise.generate_schemas(safe=True)  # until the catalogue's migration exists
    try:
        await load_regions()
        await load_catalog()
        templates = [
            ItemDocument.model_validate(e["document"]) for e in json.loads(DATA.read_text())["items"]
        ]
        now = datetime.now(UTC)
        missing = size - await CatalogItem.all().count()
        for start in range(0, missing, 500):
            batch = []
            for n in range(start, min(start + 500, missing)):
                template = templates[n % len(templates)]
                document = template.model_copy(
                    update={
                        "name": template.name.model_copy(
                            update={"zh_Hans": f"{template.name.zh_Hans}（{n}）"}
                        )
                    }
                )
                basic = f"QT{n:06d}"
                batch.append((basic, document))
            items = [
                CatalogItem(
                    code=f"{basic}-{doc.region}",
                    basic_code=basic,
                    department_code=doc.department,
                    region_code=doc.region,
                    status=ItemStatus.PUBLISHED,
                    latest_version=1,
                    current_version=1,
                    created_at=now,
                    updated_at=now,
                    **projection(basic, doc),
                )
                for basic, doc in batch
            ]
            await CatalogItem.bulk_create(items)
            stored = {i.code: i.id for i in await CatalogItem.filter(code__in=[i.code for i in items])}
            await CatalogItemVersion.bulk_create(
                [
                    CatalogItemVersion(
                        item_id=stored[f"{basic}-{doc.region}"],
                        number=1,
                        document=doc.model_dump(mode="json"),
                        created_at=now,
                        published_at=now,
                    )
                    for basic, doc in batch
                ]
            )
            await CatalogItemTag.bulk_create(
                [
                    CatalogItemTag(item_id=stored[f"{basic}-{doc.region}"], kind=kind, value=value)
                    for basic, doc in batch
                    for kind, values in (
                        ("theme", doc.themes),
                        ("life_event", doc.life_events),
                        ("applicant", doc.applicant_kinds),
                    )
                    for value in values
                ]
            )
        return await CatalogItem.filter(status=ItemStatus.PUBLISHED).count()
    finally:
        await Tortoise.close_connections()


def _measure_beside(
    palm: run.Server, target: run.Target, bare: run.Server, args: argparse.Namespace
) -> tuple[dict[str, Any], float]:
    """``run._measure`` of ``target``, with a bare round before each of its rounds; returns the
    figures and the median requests/s of those bare rounds."""
    bare_rounds: list[float] = []

    def bare_round() -> None:
        result = run._run_async(
            load.run(
                bare.port,
                run.BARE.path,
                connections=args.connections,
                requests=args.requests,
                max_seconds=args.max_seconds,
            )
        )
        bare_rounds.append(result.rps)

    figures = run._measure(palm, target, {}, args, before_each_round=bare_round)
    return figures, round(statistics.median(bare_rounds), 1)


def _cold_ms(port: int, path: str) -> float:
    """One request before any other to ``path``: a cache miss, so a database query."""
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        response.read()
    return round((time.perf_counter() - started) * 1000, 2)


def _report(results: dict[str, Any], args: argparse.Namespace, pinned: bool) -> dict[str, Any]:
    goals: dict[str, Any] = {}
    for target in TARGETS:
        small, large = results[f"{target.key}_{SIZES[0]}"], results[f"{target.key}_{SIZES[1]}"]
        for figures in (small, large):
            # Against the bare rounds that alternated with this target's rounds.
            figures["requests_per_second_vs_bare"] = round(
                figures["requests_per_second"] / figures["bare_beside_requests_per_second"], 3
            )
        worst = min(small["requests_per_second_vs_bare"], large["requests_per_second_vs_bare"])
        goals[f"{target.key}_vs_bare"] = {
            "target": f">= {RATIO_TARGET:.0%} of bare Sanic requests/s (both sizes)",
            "value": worst,
            "met": worst >= RATIO_TARGET,
        }
        # Cost per request is 1 / throughput: 10,000 items against 100.
        cost = round(small["requests_per_second"] / large["requests_per_second"], 3)
        goals[f"{target.key}_cost_{SIZES[1]}_vs_{SIZES[0]}"] = {
            "target": f"cost with {SIZES[1]:,} items within ±{COST_TOLERANCE:.0%} of {SIZES[0]}",
            "value": cost,
            "met": abs(cost - 1) <= COST_TOLERANCE,
        }
    return {
        "bench": "catalog",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {
            "connections": args.connections,
            "requests_per_round": args.requests,
            "warmup_requests": args.warmup,
            "rounds": args.rounds,
            "pinned": pinned,
            "palmcity": "SQLite, one Sanic process, anonymous reads, Redis: "
            + ("in-process (embedded default)" if args.redis_url == "memory://" else "a real server"),
        },
        "results": results,
        "goals": goals,
        "caveats": [
            "Reads after the first are Redis cache hits (the design); cold_ms is one uncached request.",
            "The load generator is Python on the same machine; see bench/run.py for the method.",
            "Each ratio is against the bare rounds run alternately with that target's rounds.",
        ],
    }


def _print(report: dict[str, Any]) -> None:
    s, r = report["settings"], report["results"]
    print(
        f"\nPalmCity catalogue bench — {s['connections']} connections, {s['requests_per_round']:,} requests "
        f"per round, median of {s['rounds']}"
    )
    columns = [("target", 30), ("items", 7), ("req/s", 9), ("bare", 8), ("vs bare", 9)]
    columns += [("p50 ms", 8), ("p99 ms", 8), ("cold ms", 9)]
    header = "".join(f"{n:<{w}}" if n == "target" else f"{n:>{w}}" for n, w in columns)
    print(header)
    print("-" * len(header))
    bare = r["bare"]
    print(
        f"{'bare Sanic GET /json (first)':<30}{'':>7}{bare['requests_per_second']:>9,.0f}{'':>8}{'100%':>9}"
        f"{bare['p50_ms']:>8.2f}{bare['p99_ms']:>8.2f}{'':>9}"
    )
    for target in TARGETS:
        for size in SIZES:
            f = r[f"{target.key}_{size}"]
            print(
                f"{target.label:<30}{size:>7,}{f['requests_per_second']:>9,.0f}"
                f"{f['bare_beside_requests_per_second']:>8,.0f}{f['requests_per_second_vs_bare']:>9.0%}{f['p50_ms']:>8.2f}{f['p99_ms']:>8.2f}{f['cold_ms']:>9.2f}"
            )
    print()
    for name, goal in report["goals"].items():
        value = f"{goal['value']:.0%}" if name.endswith("vs_bare") else f"{goal['value']:.2f}×"
        print(f"{'MET ' if goal['met'] else 'MISS'}  {name}: {goal['target']}: {value}")
    busy = report["load_average_1min"]
    print(f"\nmachine load average (1 min): {busy['before']} before, {busy['after']} after")
    print("'bare' is the median of the bare-Sanic rounds that alternated with that target's rounds.")


if __name__ == "__main__":
    raise SystemExit(main())
