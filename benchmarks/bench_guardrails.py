"""Guardrail and template-explainer latency, each against a baseline in the same run.

    python benchmarks/bench_guardrails.py [--quick]

Figures: output guardrails on one explanation (parse + all rules; target p99 < 5 ms) vs a
bare ``json.loads`` + pydantic validation, and vs the same check with the pack's words in
English only (what the other languages' action words cost), and on the same answer written
in German (read by the German number and risk-word tables too); input guardrails on one
case (placeholders, note redaction, injection scan); the template explainer (target p99 < 1 ms)
vs building the same payload dict with ``json.dumps`` only; and the whole guarded pipeline.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.domains.credit import WORDS  # noqa: E402
from assistant.explainers import ExplanationRequest, TemplateExplainer, explain_guarded  # noqa: E402
from benchmarks.figures import add_json_option, record, write_json  # noqa: E402
from guardrails import ExplanationOutput, check_output, prepare_input  # noqa: E402

REQUEST = ExplanationRequest(
    domain="credit",
    features={"status_of_existing_checking_account": "0 <= ... < 200 DM", "duration_in_month": 48,
              "credit_history": "existing credits paid back duly till now",
              "purpose": "radio/television", "credit_amount": 5951,
              "savings_account_and_bonds": "... < 100 DM", "age_in_years": 22, "housing": "own"},
    feature_descriptions={"duration_in_month": "Duration in months"},
    p_bad=0.617, recommended_action="decline",
    expected_costs={"approve": 3.085, "decline": 0.383, "escalate": 0.45},
    attributions={"duration_in_month": 0.81, "status_of_existing_checking_account": 0.52,
                  "age_in_years": 0.31, "credit_amount": 0.2, "purpose": -0.44, "housing": -0.1},
    personal={"name": "Jane Doe", "email": "jane.doe@example.com", "phone": "+49 30 1234567",
              "iban": "DE89 3704 0044 0532 0130 00"},
    note="I've been pre-qualified by my bank. Call me on +49 30 1234567 or write to "
         "jane.doe@example.com. The TV is for my parents; salary paid on the 25th.",
    actions=["approve", "decline", "escalate"],
    lexicon=WORDS.lexicon,  # as the service asks: the pack's words, every language
)
ANSWER = json.dumps({
    "summary": "Decline recommended for «PERSON_1»: the model puts the risk of default at 62%, "
               "mainly because of the 48-month duration and the 5,951 DM amount.",
    "action": "decline",
    "claims": [{"feature": "duration_in_month", "value": 48, "direction": "raises_risk"},
               {"feature": "status_of_existing_checking_account", "value": "0 <= ... < 200 DM",
                "direction": "raises_risk"},
               {"feature": "purpose", "value": "radio/television", "direction": "lowers_risk"}],
})

# The same answer in German: figures in words, so the German number tables are read too.
GERMAN_ANSWER = json.dumps({
    **json.loads(ANSWER),
    "summary": "Ablehnen empfohlen für «PERSON_1»: das Modell schätzt das Ausfallrisiko auf "
               "zweiundsechzig Prozent, vor allem wegen der Laufzeit von 48 Monaten und des "
               "Betrags von 5,951 DM."})


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    for _ in range(min(200, repeat)):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e3)
    return samples


def p(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=1000)[int(q * 1000) - 1]


def report(name: str, samples: list[float], baseline: list[float] | None, target_us: float | None,
           key: str) -> None:
    """Print one line, and record its p50 and p99 in ms as ``KEY_p50_ms``, ``KEY_p99_ms``."""
    p50, p99 = p(samples, 0.5), p(samples, 0.99)
    record(f"{key}_p50_ms", p50 / 1000)
    record(f"{key}_p99_ms", p99 / 1000)
    line = f"{name:<44} p50 {p50:8.1f} µs  p99 {p99:8.1f} µs"
    if baseline:
        line += f"  ({p50 / p(baseline, 0.5):5.1f}x baseline p50)"
    if target_us:
        line += f"  target p99 < {target_us / 1000:g} ms: {'ok' if p99 < target_us else 'MISSED'}"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    add_json_option(parser)
    args = parser.parse_args()
    repeat = 500 if args.quick else 5000

    prepared = prepare_input(REQUEST.personal, REQUEST.note)
    facts = REQUEST.facts(placeholders=prepared.pseudonyms.by_placeholder.keys())
    assert check_output(ANSWER, facts).ok
    template = TemplateExplainer()
    payload = json.loads(template.explain(REQUEST).raw)

    bare = timed(lambda: ExplanationOutput.model_validate(json.loads(ANSWER)), repeat)
    report("baseline: json.loads + pydantic validate", bare, None, None, "bare_validate")
    report("output guardrails (check_output)", timed(lambda: check_output(ANSWER, facts), repeat),
           bare, 5000, "check_output")
    english = dataclasses.replace(
        facts, lexicon=dataclasses.replace(WORDS.lexicon, action_words=()))
    assert check_output(ANSWER, english).ok
    report("  the same, the pack's words in English only",
           timed(lambda: check_output(ANSWER, english), repeat), bare, 5000, "check_output_english")
    assert check_output(GERMAN_ANSWER, facts).ok
    report("  the same answer written in German",
           timed(lambda: check_output(GERMAN_ANSWER, facts), repeat), bare, 5000,
           "check_output_german")
    report("input guardrails (prepare_input)",
           timed(lambda: prepare_input(REQUEST.personal, REQUEST.note), repeat), bare, None,
           "prepare_input")
    dumps = timed(lambda: json.dumps(payload, ensure_ascii=False), repeat)
    report("baseline: json.dumps of the template payload", dumps, None, None, "dumps")
    report("template explainer (explain)", timed(lambda: template.explain(REQUEST), repeat),
           dumps, 1000, "template_explain")
    report("explain_guarded(template), whole pipeline",
           timed(lambda: explain_guarded(REQUEST, template), max(100, repeat // 5)), bare, None,
           "explain_guarded")
    write_json(args.json)


if __name__ == "__main__":
    main()
