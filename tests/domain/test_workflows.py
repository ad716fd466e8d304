"""Workflow definitions: loaded and checked at start-up, and the one transition check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domain.applications import rules
from domain.shared.actor import Actor
from domain.workflows import engine
from domain.workflows.engine import InvalidTransition, TransitionRoleRequired, WorkflowDefinitionInvalid

APPLICANT = Actor(kind="resident", id=1)
OFFICER = Actor(kind="staff", id=2, roles=frozenset({"case_officer"}), scopes=frozenset({"*"}))
SCANNER = Actor(kind="staff", id=3, roles=frozenset({"scanner"}), scopes=frozenset({"*"}))


def base() -> dict[str, Any]:
    return {
        "code": "t",
        "states": ["draft", "submitted", "done"],
        "initial": "draft",
        "final": ["done"],
        "transitions": [
            {"name": "submit", "from": ["draft"], "to": "submitted", "actor": "applicant"},
            {
                "name": "finish",
                "from": ["submitted"],
                "to": "done",
                "actor": "staff",
                "roles": ["case_officer"],
            },
        ],
    }


def test_the_shipped_definitions_load_and_instant_extends_standard() -> None:
    standard, instant = engine.get("standard"), engine.get("instant")
    assert standard.separate_acceptance_review
    assert set(standard.transitions) < set(instant.transitions)
    assert instant.open_from("submitted") == [
        "accept",
        "instant_approve",
        "not_accept",
        "request_supplement",
        "withdraw",
    ]
    assert standard.stage_limit("submitted") == 2
    assert standard.waiting_for_applicant == {"supplement_requested"}


def test_check_allows_the_right_actor_and_refuses_everything_else() -> None:
    standard = engine.get("standard")
    assert engine.check(standard, "draft", "submit", APPLICANT).to == "submitted"
    assert engine.check(standard, "submitted", "accept", OFFICER).starts_clock
    with pytest.raises(InvalidTransition) as refused:
        engine.check(standard, "draft", "accept", OFFICER)
    assert refused.value.code == "invalid_transition"
    # What is open to the caller's kind: a draft has nothing for staff (the applicant submits it).
    assert refused.value.details["allowed"] == []
    with pytest.raises(InvalidTransition) as refused_applicant:
        engine.check(standard, "submitted", "accept", APPLICANT)
    assert refused_applicant.value.details["allowed"] == ["withdraw"]
    with pytest.raises(InvalidTransition):
        engine.check(standard, "submitted", "accept", APPLICANT)  # the applicant cannot accept
    with pytest.raises(InvalidTransition):
        engine.check(standard, "approved", "withdraw", APPLICANT)  # too late: decided
    with pytest.raises(InvalidTransition):
        engine.check(standard, "submitted", "no_such_step", OFFICER)
    with pytest.raises(TransitionRoleRequired):
        engine.check(standard, "submitted", "accept", SCANNER)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(initial="nowhere"), "initial"),
        (lambda d: d["transitions"][0].update(to="nowhere"), "unknown state"),
        (lambda d: d["transitions"][0].update(actor="robot"), "actor"),
        (lambda d: d["transitions"][1].update(limit_working_days=-1), "whole number"),
        (lambda d: d["transitions"][1].update(pauses_clock=True), "waiting_for_applicant"),
        (lambda d: d["transitions"].append(dict(d["transitions"][0])), "twice"),
        (
            lambda d: d["transitions"].append(
                {"name": "x", "from": ["done"], "to": "draft", "actor": "staff"}
            ),
            "final",
        ),
        (lambda d: d["states"].append("orphan"), "cannot be reached"),
        (lambda d: d["transitions"][0].update(colour="red"), "unknown transition keys"),
    ],
)
def test_a_broken_definition_is_refused(change: Any, problem: str) -> None:
    document = base()
    change(document)
    with pytest.raises(WorkflowDefinitionInvalid, match=problem):
        engine.parse_definition(document)


def test_loading_refuses_a_file_whose_code_differs_from_its_name(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text(json.dumps(base()))
    with pytest.raises(WorkflowDefinitionInvalid, match="file name"):
        engine.load_definitions(tmp_path)


def test_loading_refuses_an_unknown_base(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps({"code": "t", "extends": "missing"}))
    with pytest.raises(WorkflowDefinitionInvalid):
        engine.load_definitions(tmp_path)


def test_rules_explain_each_comparison() -> None:
    rule = {
        "all": [
            {"field": "subject.age", "op": "lt", "value": 7},
            {
                "any": [
                    {"field": "form.kind", "op": "in", "value": ["hearing", "sight"]},
                    {"field": "form.x", "op": "present"},
                ]
            },
        ]
    }
    passed = rules.evaluate(rule, {"subject": {"age": 5}, "form": {"kind": "sight"}})
    assert passed.passed
    assert passed.children[0].explanation == "subject.age = 5; lt 7: passed"
    failed = rules.evaluate(rule, {"subject": {"age": "five"}, "form": {}})
    assert not failed.passed
    assert failed.as_dict()["children"][0] == {
        "passed": False,
        "explanation": "subject.age = 'five'; lt 7: failed",
        # What the checklist is made of (domain.applications.checklist).
        "comparison": {"field": "subject.age", "op": "lt", "value": 7, "actual": "five"},
    }
    assert "missing" in failed.children[1].children[1].explanation
    with pytest.raises(rules.RuleInvalid):
        rules.evaluate({"field": "x", "op": "like", "value": 1}, {})
