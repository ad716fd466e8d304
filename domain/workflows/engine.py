"""Workflow definitions as data, and the one check every state change of a case goes through.

A definition (``definitions/<code>.json``) names its states, its initial and final states and its
transitions; each transition says who may take it (the applicant, staff with given roles, or the
system), its time limit in working days, whether it pauses the clock (waiting for the applicant)
and any public-notice period. ``"extends": "<code>"`` adds transitions to another definition, so a
variant (秒批) is a few lines, not a copy.

Every definition is validated when this module is imported, so a bad file stops the start-up
instead of a case in the middle of its life.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from domain.shared.actor import Actor
from domain.shared.errors import Conflict, Forbidden
from domain.shared.i18n import _

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
TransitionActor = Literal["applicant", "staff", "system"]
_ACTORS: dict[str, TransitionActor] = {"applicant": "applicant", "staff": "staff", "system": "system"}
# The Actor kind that may take a transition of each kind.
_ACTOR_KIND: dict[TransitionActor, str] = {"applicant": "resident", "staff": "staff", "system": "system"}


class InvalidTransition(Conflict):
    """details: ``state``, ``transition`` and ``allowed`` (the transitions open from this state)."""

    code = "invalid_transition"
    message = _("This step is not possible for the case in its current state.")


class TransitionRoleRequired(Forbidden):
    code = "transition_role_required"
    message = _("Your role does not allow this step.")


class WorkflowDefinitionInvalid(ValueError):
    """A definition file is wrong: raised at start-up, never to a client."""


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    sources: frozenset[str]
    to: str
    actor: TransitionActor
    roles: frozenset[str] = frozenset()
    limit_working_days: int | None = None
    pauses_clock: bool = False
    starts_clock: bool = False
    public_notice_days: int = 0
    needs_reasons: bool = False
    # Review steps: with separate_acceptance_review, the officer who accepted may not take them.
    reviewer: bool = False
    decision: bool = False
    # A decision that grants the application: the item's e-certificate is issued when it is taken.
    grants: bool = False


@dataclass(frozen=True)
class Workflow:
    code: str
    states: tuple[str, ...]
    initial: str
    final: frozenset[str]
    waiting_for_applicant: frozenset[str]
    separate_acceptance_review: bool
    transitions: dict[str, TransitionSpec]

    def transition(self, name: str) -> TransitionSpec | None:
        return self.transitions.get(name)

    def open_from(self, state: str, actor: TransitionActor | None = None) -> list[str]:
        """Names of the transitions whose source includes ``state`` (taken by ``actor``, if given)."""
        return sorted(
            t.name
            for t in self.transitions.values()
            if state in t.sources and (actor is None or t.actor == actor)
        )

    def stage_limit(self, state: str) -> int | None:
        """Working days staff have to move a case on from ``state`` (the tightest outgoing limit)."""
        limits = [
            t.limit_working_days
            for t in self.transitions.values()
            if state in t.sources and t.limit_working_days is not None
        ]
        return min(limits) if limits else None


def check(workflow: Workflow, state: str, name: str, actor: Actor) -> TransitionSpec:
    """The transition ``name`` if ``actor`` may take it from ``state``; else 409 ``invalid_transition``."""
    spec = workflow.transition(name)
    if spec is None or state not in spec.sources or _ACTOR_KIND[spec.actor] != actor.kind:
        # ``allowed``: the steps open to this kind of caller (staff are not told of the applicant's).
        mine = next((kind for kind, actor_kind in _ACTOR_KIND.items() if actor_kind == actor.kind), None)
        allowed = workflow.open_from(state, mine) if mine is not None else []
        raise InvalidTransition(details={"state": state, "transition": name, "allowed": allowed})
    if spec.roles and not (spec.roles & actor.roles):
        raise TransitionRoleRequired(details={"roles": sorted(spec.roles)})
    return spec


# -- loading and validation ------------------------------------------------------------------------


def _fail(code: str, problem: str) -> WorkflowDefinitionInvalid:
    return WorkflowDefinitionInvalid(f"workflow {code!r}: {problem}")


def _names(value: Any, code: str, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(code, f"{what} must be a list of names")
    return list(value)


def _transition(raw: Any, code: str, states: set[str]) -> TransitionSpec:
    if not isinstance(raw, dict):
        raise _fail(code, "each transition must be an object")
    known = {
        "name", "from", "to", "actor", "roles", "limit_working_days", "pauses_clock", "starts_clock",
        "public_notice_days", "needs_reasons", "reviewer", "decision", "grants",
    }  # fmt: skip
    unknown = set(raw) - known
    if unknown:
        raise _fail(code, f"unknown transition keys {sorted(unknown)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(code, "a transition needs a name")
    sources = _names(raw.get("from"), code, f"{name}.from")
    target = raw.get("to")
    for state in [*sources, target]:
        if state not in states:
            raise _fail(code, f"{name} names unknown state {state!r}")
    actor = _ACTORS.get(str(raw.get("actor")))
    if actor is None:
        raise _fail(code, f"{name}.actor must be one of {sorted(_ACTORS)}")
    limit = raw.get("limit_working_days")
    notice = raw.get("public_notice_days", 0)
    for label, number in (("limit_working_days", limit), ("public_notice_days", notice)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 0):
            raise _fail(code, f"{name}.{label} must be a whole number of working days")
    flags = {
        k: raw.get(k, False)
        for k in ("pauses_clock", "starts_clock", "needs_reasons", "reviewer", "decision", "grants")
    }
    if not all(isinstance(v, bool) for v in flags.values()):
        raise _fail(code, f"{name}: flags must be true or false")
    if flags["grants"] and not flags["decision"]:
        raise _fail(code, f"{name}: only a decision can grant")
    return TransitionSpec(
        name=name,
        sources=frozenset(sources),
        to=str(target),
        actor=actor,
        roles=frozenset(_names(raw.get("roles", []), code, f"{name}.roles")),
        limit_working_days=limit,
        public_notice_days=int(notice),
        **flags,
    )


def parse_definition(raw: Any, bases: dict[str, Workflow] | None = None) -> Workflow:
    """Validate one definition document (``extends`` looks its base up in ``bases``)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("code"), str):
        raise WorkflowDefinitionInvalid("a workflow definition needs a code")
    code: str = raw["code"]
    base = None
    if "extends" in raw:
        base = (bases or {}).get(raw["extends"])
        if base is None:
            raise _fail(code, f"extends unknown workflow {raw['extends']!r}")
    states = _names(raw["states"], code, "states") if "states" in raw else list(base.states if base else [])
    if not states or len(set(states)) != len(states):
        raise _fail(code, "states must be a non-empty list without repeats")
    state_set = set(states)
    initial = raw.get("initial", base.initial if base else None)
    if initial not in state_set:
        raise _fail(code, "initial must be one of the states")
    final = set(_names(raw["final"], code, "final")) if "final" in raw else set(base.final if base else ())
    waiting = (
        set(_names(raw["waiting_for_applicant"], code, "waiting_for_applicant"))
        if "waiting_for_applicant" in raw
        else set(base.waiting_for_applicant if base else ())
    )
    if not (final | waiting) <= state_set:
        raise _fail(code, "final and waiting_for_applicant must name states")
    transitions = dict(base.transitions) if base else {}
    raw_transitions = raw.get("transitions", [])
    if not isinstance(raw_transitions, list):
        raise _fail(code, "transitions must be a list")
    for item in raw_transitions:
        spec = _transition(item, code, state_set)
        if spec.name in transitions and base is None:
            raise _fail(code, f"transition {spec.name!r} defined twice")
        transitions[spec.name] = spec
    for spec in transitions.values():
        if spec.sources & final:
            raise _fail(code, f"{spec.name} leaves a final state")
        if spec.pauses_clock and spec.to not in waiting:
            raise _fail(code, f"{spec.name} pauses the clock but {spec.to!r} is not waiting_for_applicant")
    separate = raw.get("separate_acceptance_review", base.separate_acceptance_review if base else False)
    if not isinstance(separate, bool):
        raise _fail(code, "separate_acceptance_review must be true or false")
    workflow = Workflow(
        code=code,
        states=tuple(states),
        initial=str(initial),
        final=frozenset(final),
        waiting_for_applicant=frozenset(waiting),
        separate_acceptance_review=separate,
        transitions=transitions,
    )
    _check_reachable(workflow)
    return workflow


def _check_reachable(workflow: Workflow) -> None:
    reached, frontier = {workflow.initial}, [workflow.initial]
    while frontier:
        state = frontier.pop()
        for spec in workflow.transitions.values():
            if state in spec.sources and spec.to not in reached:
                reached.add(spec.to)
                frontier.append(spec.to)
    missing = set(workflow.states) - reached
    if missing:
        raise _fail(workflow.code, f"states {sorted(missing)} cannot be reached")


def load_definitions(folder: Path = DEFINITIONS_DIR) -> dict[str, Workflow]:
    """Every ``*.json`` in ``folder``, bases before the definitions that extend them."""
    raw: dict[str, Any] = {}
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("code") != path.stem:
            raise WorkflowDefinitionInvalid(f"{path.name}: the code must equal the file name")
        raw[path.stem] = document
    loaded: dict[str, Workflow] = {}
    while len(loaded) < len(raw):
        ready = [c for c, d in raw.items() if c not in loaded and d.get("extends", c) in (*loaded, c)]
        if not ready:
            raise WorkflowDefinitionInvalid(
                f"circular or missing extends among {sorted(set(raw) - set(loaded))}"
            )
        for code in ready:
            loaded[code] = parse_definition(raw[code], loaded)
    return loaded


DEFINITIONS: dict[str, Workflow] = load_definitions()


def staff_roles() -> list[str]:
    """Every role some workflow's staff step needs, the case officer's first: who works on cases."""
    roles = {role for w in DEFINITIONS.values() for t in w.transitions.values() for role in t.roles}
    return sorted(roles, key=lambda role: (role != "case_officer", role))


def get(code: str) -> Workflow:
    """The loaded workflow ``code``; an unknown code is a catalogue data error (ValueError)."""
    workflow = DEFINITIONS.get(code)
    if workflow is None:
        raise WorkflowDefinitionInvalid(f"unknown workflow {code!r}")
    return workflow
