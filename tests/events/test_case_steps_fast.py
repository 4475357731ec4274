"""The step builders check plain values without building their pydantic models, and give
exactly what the models give; anything the models would convert or refuse goes to them."""

from __future__ import annotations

import math
from typing import Any
from uuid import uuid5

import numpy as np
import pytest

from events.domain import case_steps
from events.domain.case_rules import RecommendArgs, ScoreArgs
from events.domain.case_steps import recommendation_step, score_step
from events.domain.common import DOCKET_NAMESPACE, docket_id, fields_of, validate
from events.errors import InputRejected

WHO: dict[str, Any] = {"actor": "system", "role": "system"}


def score_args(**change: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "specialist": "gbt", "model_version": "gbt-v3", "model_sha256": "ab" * 32,
        "p_bad": 0.25, "attributions": {"age": 0.01, "amount": -0.2, "purpose": 0.0},
        "ood": False, "ood_score": 1.5, "latency_ms": 0.3, "shadow": False,
    }  # fmt: skip
    return args | change


def rec_args(**change: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "action": "approve", "source": "model", "policy_id": "p-1", "policy_version": 2,
        "expected_costs": {"approve": 0.1, "decline": 0.5, "escalate": 0.3},
        "reasons": ["cheapest"], "ood_reasons": [],
        "propensities": {"approve": 0.9, "decline": 0.05, "escalate": 0.05},
        "explored": False,
    }  # fmt: skip
    return args | change


def by_model(model: Any, args: dict[str, Any]) -> dict[str, Any] | list[Any]:
    """The model's fields, or the problems it names."""
    try:
        return fields_of(validate(model, **args))
    except InputRejected as exc:
        return sorted((p.field, p.problem) for p in exc.problems)


def by_builder(build: Any, event: str, args: dict[str, Any]) -> dict[str, Any] | list[Any]:
    try:
        step: dict[str, Any] = build(**args, **WHO)
    except InputRejected as exc:
        return sorted((p.field, p.problem) for p in exc.problems)
    assert step.pop("event") == event and step.pop("actor") == "system"
    assert step.pop("role") == "system"
    return step


VALID_SCORES = [
    score_args(),
    score_args(ood_score=None, shadow=True, ood=True, p_bad=0.0),
    score_args(p_bad=1.0, latency_ms=0.0, attributions={}),
    score_args(model_sha256="", attributions={"x": -1e300}),
]
ODD_SCORES = [  # each is judged by the model: converted, or refused with its words
    score_args(p_bad=1),  # an int: the model gives a float
    score_args(p_bad=np.float64(0.3)),
    score_args(p_bad=math.nan),
    score_args(p_bad=1.5),
    score_args(latency_ms=-0.1),
    score_args(ood_score=math.inf),
    score_args(specialist=""),
    score_args(attributions={"age": math.nan}),
    score_args(attributions={"age": 1}),
    score_args(attributions={1: 0.5}),
    score_args(ood=1),
    score_args(shadow="no"),
]


@pytest.mark.parametrize("args", VALID_SCORES + ODD_SCORES)
def test_a_score_step_holds_what_its_model_gives(args: dict[str, Any]) -> None:
    assert by_builder(score_step, "Scored", args) == by_model(ScoreArgs, args)


@pytest.mark.parametrize("args", ODD_SCORES)
def test_odd_score_values_go_to_the_model(args: dict[str, Any]) -> None:
    assert not case_steps._plain_score(**args)


VALID_RECS = [
    rec_args(),
    rec_args(source="baseline", policy_version=0, explored=True, ood_reasons=["far"]),
    rec_args(propensities={"approve": 1.0}, reasons=[]),
]
ODD_RECS = [
    rec_args(source="other"),
    rec_args(action=""),
    rec_args(policy_version=-1),
    rec_args(policy_version=True),
    rec_args(policy_version=2.0),
    rec_args(expected_costs={}),
    rec_args(expected_costs={"approve": math.inf}),
    rec_args(expected_costs={"approve": np.float64(0.2)}),
    rec_args(propensities={"approve": 0.5, "decline": 0.4}),
    rec_args(propensities={"approve": 1.2, "decline": -0.2}),
    rec_args(propensities={"approve": 1}),
    rec_args(reasons=["a", 3]),
    rec_args(reasons=("a",)),
    rec_args(explored=0),
]


@pytest.mark.parametrize("args", VALID_RECS + ODD_RECS)
def test_a_recommendation_step_holds_what_its_model_gives(args: dict[str, Any]) -> None:
    step = by_builder(recommendation_step, "Recommended", args)
    if isinstance(step, dict):
        for key in ("propensity_source", "quantity", "quantiles", "baseline_quantity"):
            step.pop(key)
    assert step == by_model(RecommendArgs, args)


@pytest.mark.parametrize("args", ODD_RECS)
def test_odd_recommendation_values_go_to_the_model(args: dict[str, Any]) -> None:
    assert case_steps._recommended(**args) is None


def test_plain_values_are_not_sent_through_the_models(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("the model was built for plain values")

    monkeypatch.setattr(case_steps, "validate", refuse)
    for args in VALID_SCORES:
        assert score_step(**args, **WHO)["p_bad"] == args["p_bad"]
    for args in VALID_RECS:
        assert recommendation_step(**args, **WHO)["action"] == args["action"]


def test_the_steps_hold_copies_of_the_callers_containers() -> None:
    args = score_args()
    step = score_step(**args, **WHO)
    assert step["attributions"] == args["attributions"]
    assert step["attributions"] is not args["attributions"]
    rec = rec_args()
    made = recommendation_step(**rec, **WHO)
    for key in ("expected_costs", "reasons", "propensities"):
        assert made[key] == rec[key] and made[key] is not rec[key]


@pytest.mark.parametrize("parts", [
    ("case", "credit", "A17"), ("case", "credit", ""), ("quarantine", "crédit", "ä€𝄞"), (),
    ("case", "credit", "x" * 5000),
])  # fmt: skip
def test_docket_ids_are_uuid5_of_the_joined_parts(parts: tuple[str, ...]) -> None:
    made = docket_id(*parts)
    assert made == uuid5(DOCKET_NAMESPACE, ":".join(parts))
    assert made.version == 5 and str(made) == str(uuid5(DOCKET_NAMESPACE, ":".join(parts)))
