"""How the domains plug into each other: every registry takes a name once, every topic the code can
enqueue has a handler in the worker, and a process is wired once at start-up (not by blueprints)."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from domain.credentials import service as credentials
from domain.credentials.kinds import Kind
from domain.outbox import jobs
from domain.scanning import registry as scanning
from domain.shared.registry import DuplicateRegistration
from server import wiring
from server.settings import Settings
from server.worker import import_job_modules
from tests.support.environment import ROOT

# The calls that write an outbox row, and where the topic is among their arguments.
_ENQUEUERS = {"enqueue", "new_job"}
# The outbox's own plumbing enqueues whatever a schedule names: schedules are checked by themselves.
_PLUMBING = {"domain/outbox/service.py"}


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    topics: frozenset[str]
    unresolved: str | None = None


def _module_of(path: Path) -> ModuleType:
    return importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))


def _assignments(function: ast.AST, name: str) -> list[ast.expr]:
    return [
        node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]


def _topics(expr: ast.expr, module: ModuleType, function: ast.AST | None) -> set[str] | None:
    """The topics ``expr`` can be: a literal, a constant of the module (or one it imports), a
    conditional of those, or a local variable assigned one of them. None when it cannot be told."""
    if isinstance(expr, ast.IfExp):
        body, orelse = _topics(expr.body, module, function), _topics(expr.orelse, module, function)
        return None if body is None or orelse is None else body | orelse
    try:
        value = eval(compile(ast.Expression(expr), module.__name__, "eval"), vars(module))  # noqa: S307
    except NameError:
        value = None
    if isinstance(value, str):
        return {value}
    if isinstance(expr, ast.Name) and function is not None:
        found: set[str] = set()
        for assigned in _assignments(function, expr.id) or [None]:
            topics = None if assigned is None else _topics(assigned, module, function)
            if topics is None:
                return None
            found |= topics
        return found
    return None


def enqueue_sites() -> Iterator[Site]:
    """Every call in domain/, api/ and server/ that enqueues a job, with the topics it can enqueue."""
    for folder in ("domain", "api", "server"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if relative in _PLUMBING:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name not in _ENQUEUERS or not node.args:
                    continue
                enclosing = min(
                    (f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)),
                    key=lambda f: (f.end_lineno or f.lineno) - f.lineno,
                    default=None,
                )
                topics = _topics(node.args[0], _module_of(path), enclosing)
                yield Site(
                    relative,
                    node.lineno,
                    frozenset(topics or ()),
                    None if topics is not None else ast.unparse(node.args[0]),
                )


def test_every_topic_the_code_can_enqueue_has_a_handler_in_the_worker() -> None:
    import_job_modules()  # as every worker does at start
    sites = list(enqueue_sites())
    unresolved = [f"{s.path}:{s.line} enqueues {s.unresolved}" for s in sites if s.unresolved]
    assert not unresolved, f"name each topic with a module-level constant: {unresolved}"
    enqueued = {topic: s for s in sites for topic in s.topics}
    assert len(enqueued) >= 10  # the search itself works (reminders, notices, payments, holds...)
    missing = {
        topic: f"{site.path}:{site.line}"
        for topic, site in enqueued.items()
        if jobs.handler_for(topic) is None
    }
    assert not missing, f"enqueued but no domain/*/jobs.py handles them: {missing}"
    unscheduled = [topic for topic in jobs.SCHEDULES if jobs.handler_for(topic) is None]
    assert not unscheduled, f"scheduled without a handler: {unscheduled}"


def test_the_search_finds_topics_behind_a_conditional_and_a_local_variable() -> None:
    tree = ast.parse("def f(late):\n    topic = A if late else B\n    enqueue(topic, {})\n")
    function = tree.body[0]
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call))
    module = ModuleType("example")
    module.A, module.B = "x.paid_late", "x.paid"  # type: ignore[attr-defined]
    assert _topics(call.args[0], module, function) == {"x.paid_late", "x.paid"}
    assert _topics(ast.parse("f'x.{n}'", mode="eval").body, module, function) is None


# -- a name once, in every registry ----------------------------------------------------------------


def test_a_second_credential_holder_of_a_kind_fails_at_import(settings: Settings) -> None:
    wiring.install(settings)  # the owners' credential.py modules register first

    async def someone_elses(actor: Any, object_id: int) -> credentials.Held:
        raise AssertionError("never called")

    with pytest.raises(DuplicateRegistration, match="credential holder"):
        credentials.holder(Kind.HEALTH_CARD)(someone_elses)


def test_a_second_scan_action_of_a_kind_fails_at_import(settings: Settings) -> None:
    wiring.install(settings)

    async def someone_elses(context: scanning.ScanContext, conn: Any) -> scanning.Outcome:
        raise AssertionError("never called")

    with pytest.raises(DuplicateRegistration, match="scan action"):
        scanning.action(Kind.APPOINTMENT_PASS)(someone_elses)


# -- wired once, at start-up -------------------------------------------------------------------------


def test_building_the_app_wires_the_domain_before_any_request(settings: Settings) -> None:
    from server.main import create_app

    create_app(settings)
    assert credentials.config().ring is not None
    for kind in (Kind.HEALTH_CARD, Kind.APPOINTMENT_PASS, Kind.CERTIFICATE):
        assert scanning.action_for(kind) is not None


def test_no_blueprint_sets_the_domain_up_in_a_listener(settings: Settings) -> None:
    # The standalone worker never runs blueprints' listeners; the test client runs them around every
    # request. What a process needs is installed by server.wiring, once.
    from server.main import create_app

    app = create_app(settings)
    ours = [
        f.listener
        for blueprint in app.blueprints.values()
        for f in getattr(blueprint, "_future_listeners", [])
        if f.listener.__module__.startswith("api.")  # not sanic-ext's own (the OpenAPI document)
    ]
    assert len(app.blueprints) > 10 and not ours, f"set up in a blueprint's listener: {ours}"


def test_the_standalone_worker_is_wired_the_same_way() -> None:
    source = (ROOT / "server" / "worker.py").read_text(encoding="utf-8")
    assert "wiring.install(settings)" in source
