"""Schemathesis against the OpenAPI document as published: no 5xx, no answer outside the document.

A real server process (on the test database: PostgreSQL and Redis in CI, like the rest of the
suite) with the demo data; schemathesis reads ``/docs/openapi.json`` from it over HTTP, exactly as
a client generator would, and sends generated requests, valid and invalid, to every operation:
the resident's as the demo resident `alice` (L3), the staff's (``/api/v1/staff/...``) as `admin`.
Every answer must be documented (status, content type, body schema), no answer may be a 5xx, and
an operation that declares the bearer scheme must refuse a request without it.

Bounded and repeatable: deterministic generation, a few examples per operation, and
a time limit per pass (FUZZ_MAX_EXAMPLES, FUZZ_TIME_LIMIT to change them locally). The report of
each pass lands in ``var/fuzz/`` (JUnit XML, and a pytest file reproducing any failure).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.demo import DEMO_STAFF_PASSWORD
from tests.support.server_process import ROOT, free_port, seed_demo, server_environment, serving

pytestmark = pytest.mark.fuzz

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
REPORTS = ROOT / "var" / "fuzz"
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "10")
# No --max-time: with one, schemathesis fuzzes until the time is spent, so what a run covers would
# depend on the machine's speed. The examples are bounded instead, and this only stops a hung run.
TIME_LIMIT = int(os.environ.get("FUZZ_TIME_LIMIT", "600"))  # seconds per pass
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "ignored_auth",
        "unsupported_method",
        "allow_header_conformance",
    ]
)
STAFF = "/api/v1/staff/"


def _post(base: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


@pytest.fixture
def published(db: str) -> Iterator[str]:
    port = free_port()
    env = server_environment(
        db,
        f"http://127.0.0.1:{port}",
        # The fuzzer is one client sending thousands of requests: no per-IP or per-user limit may
        # turn its answers into 429s (which are documented, but test nothing).
        PALMCITY_RATE_LIMIT_PER_IP="1000000",
        PALMCITY_RATE_LIMIT_PER_USER="1000000",
        PALMCITY_RATE_LIMIT_LOGIN_PER_IP="1000000",
        PALMCITY_ACCESS_TOKEN_TTL_SECONDS="3600",
        PALMCITY_STAFF_ACCESS_TOKEN_TTL_SECONDS="3600",
    )
    seed_demo(env)
    with serving(env, port, name="fuzz") as base:
        yield base


def _fuzz(base: str, name: str, token: str, include: list[str], exclude: list[str]) -> str | None:
    """Run one pass; its output when it found problems, None when it passed."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{base}/docs/openapi.json",
        "--url",
        base,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        MAX_EXAMPLES,
        # The same requests every run (schemathesis then needs no seed, and ignores one).
        "--generation-deterministic",
        "--no-shrink",
        # One worker: Hypothesis parses lambdas' source with `ast` and CPython 3.11 trips over two
        # threads doing that at once ("AST constructor recursion depth mismatch").
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--continue-on-failure",
        "--no-color",
        "--report",
        "junit,pytest",
        "--report-dir",
        str(REPORTS / name),
        *[arg for pattern in include for arg in ("--include-path-regex", pattern)],
        *[arg for pattern in exclude for arg in ("--exclude-path-regex", pattern)],
    ]
    ran = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIME_LIMIT)
    output = ran.stdout + ran.stderr
    (REPORTS / f"{name}.txt").write_text(output, encoding="utf-8")
    return None if ran.returncode == 0 else output[-12000:]


def test_the_api_answers_as_its_published_document_says(published: str) -> None:
    """One server and one seeding for both passes: the residents' operations as `alice`, the
    staff's as `admin` (each pass runs to its end, so a failure in one still reports the other)."""
    alice = _post(published, "/api/v1/auth/wechat/login", {"code": "dev:alice"})
    admin = _post(
        published, "/api/v1/staff/auth/login", {"username": "admin", "password": DEMO_STAFF_PASSWORD}
    )
    problems = {
        "resident": _fuzz(published, "resident", alice["access_token"], include=[], exclude=[STAFF]),
        "staff": _fuzz(published, "staff", admin["access_token"], include=[STAFF], exclude=[]),
    }
    found = {name: output for name, output in problems.items() if output is not None}
    assert not found, "\n\n".join(
        f"schemathesis ({name}) found problems:\n{out}" for name, out in found.items()
    )
