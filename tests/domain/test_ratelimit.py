"""The two rate limiters give the same answers: in memory (the embedded default) and on Redis (Lua).

The Lua limiter runs on the Redis this suite uses (a server when there is one) and on the
embedded stand-in; the in-memory limiter must agree with both, decision by decision: allowed or
not, the remaining allowance, and the Retry-After seconds.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import fakeredis
import pytest

from domain.shared import clock
from domain.shared.kv import Keys
from domain.shared.ratelimit import Decision, Limiter, LocalRateLimiter, RateLimiter
from server.redis import connect
from server.settings import Settings
from tests.support import environment

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

# (milliseconds after T0, bucket, subject, limit, window in seconds)
Hit = tuple[int, str, str, int, int]


@pytest.fixture(params=["configured", "embedded"])
async def lua_limiter(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[RateLimiter]:
    chosen = (
        settings if request.param == "configured" else settings.model_copy(update={"redis_url": "memory://"})
    )
    redis = connect(chosen)
    try:
        yield RateLimiter(redis, Keys(settings.redis_prefix))
    finally:
        await environment.clear_redis_prefix(redis, settings.redis_prefix)
        await redis.aclose()


async def answers(limiter: Limiter, hits: list[Hit]) -> list[Decision]:
    decisions = []
    for at, bucket, subject, limit, window in hits:
        with clock.frozen_at(T0 + timedelta(milliseconds=at)):
            decisions.append(await limiter.hit(bucket, subject, limit=limit, window=window))
    return decisions


SCRIPTED: list[Hit] = [
    # Three allowed, the fourth refused until the first leaves the 60 s window.
    (0, "ip", "198.51.100.1", 3, 60),
    (1_000, "ip", "198.51.100.1", 3, 60),
    (30_000, "ip", "198.51.100.1", 3, 60),
    (30_001, "ip", "198.51.100.1", 3, 60),  # refused: retry after 29.999 s → 30
    (59_000, "ip", "198.51.100.1", 3, 60),  # refused, and not counted: retry after 1 s
    (59_999, "ip", "198.51.100.1", 3, 60),  # refused: 1 ms left rounds up to 1 s
    (60_000, "ip", "198.51.100.1", 3, 60),  # the first request leaves the window exactly now
    (60_500, "ip", "198.51.100.1", 3, 60),  # refused: the one at 1 s leaves at 61 s → 1 s
    # Another subject and another bucket have their own allowance.
    (60_500, "ip", "198.51.100.2", 3, 60),
    (60_500, "user", "resident:7", 1, 60),
    (60_600, "user", "resident:7", 1, 60),  # refused: 59.9 s → 60
    (60_600, "login", "198.51.100.1", 2, 60),
    # Several requests in the same millisecond each count.
    (61_000, "login", "198.51.100.1", 2, 60),
    (61_000, "login", "198.51.100.1", 2, 60),  # refused
    # The clock going back (tests shift it) still leaves the oldest request first.
    (10_000, "user", "staff:3", 2, 60),
    (5_000, "user", "staff:3", 2, 60),
    (6_000, "user", "staff:3", 2, 60),  # refused: the one at 5 s leaves at 65 s → 59 s
    (65_000, "user", "staff:3", 2, 60),  # allowed: only the one at 10 s is left
]


async def test_the_in_memory_limiter_answers_as_the_lua_script_does(lua_limiter: RateLimiter) -> None:
    expected = await answers(lua_limiter, SCRIPTED)

    assert await answers(LocalRateLimiter(), SCRIPTED) == expected
    assert [(d.allowed, d.retry_after) for d in expected[:8]] == [
        (True, 0),
        (True, 0),
        (True, 0),
        (False, 30),
        (False, 1),
        (False, 1),
        (True, 0),
        (False, 1),
    ]
    assert [d.remaining for d in expected[:3]] == [2, 1, 0]


async def test_both_agree_on_a_long_random_run(lua_limiter: RateLimiter) -> None:
    rng = random.Random(20261130)
    hits: list[Hit] = []
    at = 0
    for _ in range(400):
        at = max(0, at + rng.choice([0, 1, 7, 120, 450, 900, -300]))
        hits.append((at, rng.choice(["ip", "user"]), rng.choice("abc"), rng.choice([1, 3, 5]), 2))

    expected = await answers(lua_limiter, hits)

    assert await answers(LocalRateLimiter(), hits) == expected
    assert {d.allowed for d in expected} == {True, False}  # the run exercises both answers


async def test_idle_buckets_are_forgotten_as_redis_expires_them() -> None:
    limiter = LocalRateLimiter()
    limiter.SWEEP_EVERY = 5
    with clock.frozen_at(T0):
        for n in range(4):
            await limiter.hit("ip", f"198.51.100.{n}", limit=10, window=60)
    assert len(limiter) == 4
    with clock.frozen_at(T0 + timedelta(seconds=61)):
        decision = await limiter.hit("ip", "198.51.100.9", limit=10, window=60)  # the fifth hit sweeps
    assert decision.allowed
    assert len(limiter) == 1


async def test_a_hit_can_read_keys_in_the_same_round_trip(
    lua_limiter: RateLimiter, settings: Settings
) -> None:
    redis, generation = lua_limiter.redis, f"{settings.redis_prefix}:catalog:generation"
    await redis.set(generation, "41")
    with clock.frozen_at(T0):
        first, read = await lua_limiter.hit_and_read(
            "ip", "a", limit=2, reads=[generation, generation + ":x"]
        )
        second = await lua_limiter.hit("ip", "a", limit=2)
        third, _ = await lua_limiter.hit_and_read("ip", "a", limit=2, reads=[generation])

    assert read == ["41", None]
    assert [first, second, third] == [
        Decision(True, 1, 0),
        Decision(True, 0, 0),
        Decision(False, 0, 60),
    ]


async def test_reading_with_a_hit_survives_redis_forgetting_the_script() -> None:
    # On the embedded stand-in: flushing a shared Redis server's scripts would disturb other users.
    redis = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    limiter = RateLimiter(redis, Keys("palmcity:test:flush"))
    with clock.frozen_at(T0):
        await limiter.hit("ip", "b", limit=2)
        await redis.script_flush()
        decision, read = await limiter.hit_and_read("ip", "b", limit=2, reads=["nothing:here"])
    assert decision == Decision(True, 0, 0) and read == [None]
    await redis.aclose()


async def test_one_call_for_several_buckets_answers_as_hits_on_each_in_turn(
    lua_limiter: RateLimiter, settings: Settings
) -> None:
    """``hit_all`` (an IP's and a user's limits in one script call) against the in-memory limiter's
    hits one after the other, stopping at the first refusal: decision by decision, and the counts
    left behind (a request refused by the IP's limit does not count against the user)."""
    rng = random.Random(20261201)
    generation = f"{settings.redis_prefix}:capacity:generation:1"
    await lua_limiter.redis.set(generation, "7")
    one_by_one = LocalRateLimiter()
    at = 0
    seen: list[tuple[int | None, Decision]] = []
    for n in range(300):
        at = max(0, at + rng.choice([0, 1, 7, 120, 450, 900, -300]))
        hits = [
            ("ip", rng.choice("ab"), rng.choice([1, 3, 5])),
            ("user", rng.choice("xyz"), rng.choice([1, 2, 4])),
        ]
        with clock.frozen_at(T0 + timedelta(milliseconds=at)):
            reads = [generation] if n % 2 else []
            refused, decision, read = await lua_limiter.hit_all(hits, window=2, reads=reads)
            expected: tuple[int | None, Decision] = (None, Decision(True, 0, 0))
            for index, (bucket, subject, limit) in enumerate(hits):
                answer = one_by_one.hit_now(bucket, subject, limit=limit, window=2)
                expected = (None if answer.allowed else index, answer)
                if not answer.allowed:
                    break
        assert (refused, decision) == expected, n
        assert read == (["7"] if reads else [])
        seen.append(expected)

    assert {r for r, _ in seen} == {None, 0, 1}  # allowed, refused by the IP, refused by the user
