"""Issue 14's lies through the REAL service: each is refused, the template is shown, and
the refusal (rule and reason) is recorded on the case in the log.

One real credit case, scored by the session's ONNX models, with a note holding a third
party's personal data; a hostile OpenAI-compatible server on 127.0.0.1 answers each lie,
built from the case's own figures so that it is false for this case. ``service.explain``
runs the guardrails and records the result; the test reads the recorded explanation back
(``service.case``) and the log's audit (``service.audit``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from assistant.views import CaseDetail
from tests.assistant.llm_server import Reply, ScriptedLLM
from tests.conftest import ServiceFactory

Rows = Callable[..., list[dict[str, Any]]]

NOTE = ("My brother Jan Novák co-signs. We live at Bergstraße 12, 10115 Berlin. I was born on "
        "3 March 1985, passport number C01X00T47. Papers: jane [at] example [dot] com.")


@pytest.fixture
def server() -> Iterator[ScriptedLLM]:
    llm = ScriptedLLM().start()
    yield llm
    llm.stop()


def lies(detail: CaseDetail) -> dict[str, tuple[str, list[dict[str, Any]], str]]:
    """name -> (summary, claims, the rule that must refuse it), false for this case."""
    rec = detail.recommendation or ""
    other = next(a for a in ("approve", "decline", "escalate") if a != rec)
    p_bad = float(detail.p_bad or 0.0)
    pct = round(p_bad * 100)
    top = detail.attributions[0]
    wrong = "lowers" if top.contribution > 0 else "raises"
    duration = next(f.value for f in detail.fields if f.name == "duration_in_month")
    foreign = {"approve": "genehmigen", "decline": "ablehnen", "escalate": "eskalieren"}[other]
    head = f"{rec.capitalize()} at {pct}%"
    return {
        "prose-speaks-for-another-action": (f"{other.capitalize()} this application: the risk "
                                            f"is {pct}%.", [], "prose_actions"),
        "another-action-in-german": (f"{head}; trotzdem {foreign}.", [], "prose_actions"),
        "attribution-flipped-in-prose": (
            f"{head}; the {top.feature.replace('_', ' ')} {wrong} the risk.", [],
            "prose_directions"),
        "only-4-percent": (f"{head}, although the risk is only 4%.", [], "prose_numbers"),
        "one-in-twenty": (f"{head}, though only about one in twenty such cases go bad.", [],
                          "prose_numbers"),
        "looks-trustworthy": (f"{head}, but the applicant looks trustworthy overall.", [],
                              "prose_judgement"),
        "obeys-undetected-note": (f"{head}, although the income was verified by compliance.",
                                  [], "prose_judgement"),
        "rich-markup": ("[bold green]Recommendation: APPROVE[/]", [], "prose_markup"),
        "terminal-controls": (f"{head}.\r\x1b[K\x1b[1mRecommendation: APPROVE", [],
                              "prose_markup"),
        "claim-value-carries-text": (
            f"{head}.", [{"feature": "duration_in_month", "value": f"{duration} (approve)",
                          "direction": "raises_risk"}], "value_matches"),
        "third-party-name": (f"{head}; the guarantor Jan Novák was not considered.", [],
                             "personal_data"),
        "address-without-digits": (f"{head}; the applicant lives on Bergstraße.", [],
                                   "personal_data"),
        "birth-date-in-words": (f"{head}; born on the third of March, nineteen eighty-five.",
                                [], "personal_data"),
        "passport": (f"{head}; passport C01X00T47 is on file.", [], "personal_data"),
        "obfuscated-email": (f"{head}; write to jane [at] example [dot] com.", [],
                             "personal_data"),
    }


def test_every_lie_is_refused_and_the_reason_recorded_on_the_case(
    open_service: ServiceFactory, credit_rows: Rows, server: ScriptedLLM,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = open_service("ana", "operator")
    rows = [{**row, "applicant_note": NOTE} for row in credit_rows(20)]
    opened = service.ingest("credit", rows).opened
    # A case where "only 4%" and "one in twenty" are lies: p(bad) well away from 0.05.
    detail = next(d for d in map(service.case, opened) if 0.2 < float(d.p_bad or 0) < 0.8)
    case_id = detail.case_id
    assert detail.p_bad is not None and detail.attributions and not detail.input_flags
    monkeypatch.setenv("DOCKET_LLM_API_BASE", server.api_base)
    monkeypatch.setenv("DOCKET_LLM_API_KEY", "test")
    monkeypatch.setenv("DOCKET_LLM_MAX_RETRIES", "0")

    top = detail.attributions[0]
    true_claim = {"feature": top.feature, "value": top.value,
                  "direction": "raises_risk" if top.contribution > 0 else "lowers_risk"}

    def answer(name: str, summary: str, claims: list[dict[str, Any]]) -> None:
        reply = Reply(json.dumps({"summary": summary, "action": detail.recommendation,
                                  "claims": claims or [true_claim]}))
        server.scripts[name] = lambda body: reply
        monkeypatch.setenv("DOCKET_LLM_MODEL", f"openai/{name}")

    pct = round(detail.p_bad * 100)
    faithful = f"{(detail.recommendation or '').capitalize()}: the risk is {pct}%."
    answer("faithful", faithful, [])
    shown = service.explain(case_id, refresh=True)
    assert shown.status == "pass" and shown.text == faithful, shown.verdicts
    for name, (summary, claims, rule) in lies(detail).items():
        answer(name, summary, claims)
        shown = service.explain(case_id, refresh=True)
        assert shown.status == "fallback" and shown.explainer == "template/v1", (name, shown)
        assert shown.text.startswith(f"Recommendation: {detail.recommendation}"), name
        recorded = service.case(case_id).explanation  # read back from the log's read model
        assert recorded is not None and recorded.fallback_reason is not None, name
        assert f"{rule}:" in recorded.fallback_reason, (name, recorded.fallback_reason)
        assert any(v.rule == rule and v.outcome == "blocked" for v in recorded.verdicts), name
        assert recorded.text == shown.text
    audit = service.audit(case_id).case_as_of
    assert audit is not None
    refused = [e for e in audit.explanations if e.fallback_reason]
    assert len(refused) == len(lies(detail))  # every refusal is in the log
    everything = "\n".join(server.raw_bodies)
    for value in ("Novák", "Bergstra", "10115", "1985", "C01X00T47", "[at]"):
        assert value not in everything, value
