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


Function = ast.FunctionDef | ast.AsyncFunctionDef


def _element(value: ast.expr, index: int) -> list[ast.expr | None]:
    """What ``a, b = value`` gives its ``index``-th name: a tuple's element, either branch's."""
    if isinstance(value, ast.Tuple) and index < len(value.elts):
        return [value.elts[index]]
    if isinstance(value, ast.IfExp):
        return _element(value.body, index) + _element(value.orelse, index)
    return [None]


class Source:
    """One module: its syntax tree, and the module itself to resolve constants by importing it."""

    def __init__(self, path: Path, module: ModuleType | None = None) -> None:
        self.tree = ast.parse(path.read_text(encoding="utf-8")) if path.exists() else ast.Module([], [])
        self.module = module or importlib.import_module(
            ".".join(path.relative_to(ROOT).with_suffix("").parts)
        )
        self.functions = [n for n in ast.walk(self.tree) if isinstance(n, Function)]

    def enclosing(self, node: ast.AST) -> Function | None:
        line = getattr(node, "lineno", 0)
        around = [f for f in self.functions if f.lineno <= line <= (f.end_lineno or f.lineno)]
        return min(around, key=lambda f: (f.end_lineno or f.lineno) - f.lineno, default=None)

    def assigned(self, function: Function, name: str) -> list[ast.expr | None]:
        values: list[ast.expr | None] = []
        for node in ast.walk(function):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    values.append(node.value)
                elif isinstance(target, ast.Tuple):
                    names = [t.id if isinstance(t, ast.Name) else None for t in target.elts]
                    if name in names:
                        values += _element(node.value, names.index(name))
        return values

    def passed(self, function: Function, name: str) -> list[ast.expr | None]:
        """What the module's calls of ``function`` pass as its parameter ``name``."""
        params = [a.arg for a in function.args.args]
        position = params.index(name)
        found: list[ast.expr | None] = []
        for call in ast.walk(self.tree):
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) == function.name:
                by_name = {k.arg: k.value for k in call.keywords}
                found.append(call.args[position] if position < len(call.args) else by_name.get(name))
        return found or [None]

    def topics(self, expr: ast.expr | None, function: Function | None, depth: int = 0) -> set[str] | None:
        """The topics ``expr`` can be: a literal, a constant of the module (or one it imports), a
        conditional of those, a local variable assigned one of them, or a parameter that the
        module's calls pass one of them. None when it cannot be told."""
        if expr is None or depth > 5:
            return None
        if isinstance(expr, ast.IfExp):
            body, orelse = self.topics(expr.body, function, depth), self.topics(expr.orelse, function, depth)
            return None if body is None or orelse is None else body | orelse
        try:
            value = eval(compile(ast.Expression(expr), self.module.__name__, "eval"), vars(self.module))  # noqa: S307
        except NameError:
            value = None
        if isinstance(value, str):
            return {value}
        if not isinstance(expr, ast.Name) or function is None:
            return None
        if expr.id in [a.arg for a in function.args.args]:
            candidates = [
                (e, self.enclosing(e) if e is not None else None) for e in self.passed(function, expr.id)
            ]
        else:
            candidates = [(e, function) for e in self.assigned(function, expr.id) or [None]]
        found: set[str] = set()
        for candidate, where in candidates:
            topics = self.topics(candidate, where, depth + 1)
            if topics is None:
                return None
            found |= topics
        return found


def enqueue_sites() -> Iterator[Site]:
    """Every call in domain/, api/ and server/ that enqueues a job, with the topics it can enqueue."""
    for folder in ("domain", "api", "server"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if relative in _PLUMBING:
                continue
            source = Source(path)
            for node in ast.walk(source.tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name not in _ENQUEUERS or not node.args:
                    continue
                topics = source.topics(node.args[0], source.enclosing(node))
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


def test_the_search_finds_topics_behind_conditionals_local_variables_and_helpers(tmp_path: Path) -> None:
    code = (
        "def tell(conn, topic, order):\n"
        "    enqueue(topic, {})\n"
        "def paid(late):\n"
        "    action, topic = ('a', A) if late else ('b', B)\n"
        "    tell(None, topic, 1)\n"
        "    tell(None, topic=C, order=2)\n"
        "def dynamic(n):\n"
        "    enqueue(f'x.{n}', {})\n"
    )
    (tmp_path / "example.py").write_text(code)
    module = ModuleType("example")
    module.A, module.B, module.C = "x.paid_late", "x.paid", "x.other"  # type: ignore[attr-defined]
    source = Source(tmp_path / "example.py", module)
    tell, _paid, dynamic = source.functions
    [in_tell] = [n for n in ast.walk(tell) if isinstance(n, ast.Call)]
    assert source.topics(in_tell.args[0], tell) == {"x.paid_late", "x.paid", "x.other"}
    [in_dynamic] = [n for n in ast.walk(dynamic) if isinstance(n, ast.Call)]
    assert source.topics(in_dynamic.args[0], dynamic) is None


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


def test_a_sandbox_clock_shift_is_installed_for_the_whole_process_and_by_the_cli(settings: Settings) -> None:
    import datetime as dt

    from domain.shared import clock
    from server import cli

    shifted = settings.model_copy(update={"sandbox_clock_shift_minutes": -600})
    try:
        wiring.install(shifted)
        late = dt.datetime.now(dt.UTC) - dt.timedelta(hours=10)
        assert abs(clock.now() - late) < dt.timedelta(seconds=5)
        wiring.install(settings)  # no shift: the wall clock again
        assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
        cli._prepare(shifted)  # seed-demo dates its rows on the server's clock
        assert abs(clock.now() - (dt.datetime.now(dt.UTC) - dt.timedelta(hours=10))) < dt.timedelta(seconds=5)
    finally:
        clock.set_offset(dt.timedelta(0))


def test_the_standalone_worker_is_wired_the_same_way() -> None:
    source = (ROOT / "server" / "worker.py").read_text(encoding="utf-8")
    assert "wiring.install(settings)" in source
