"""A biopsy case speaks the biopsy pack's words: on the console, in its history and in its
explanation; and the explanation checks catch a lie told in those words.

The pack declares its words (case "scan", subject "patient", risk "malignancy", "is
malignant") and its lexicon (how prose names its outcomes and actions); nothing below the
pack may fall back on credit's ("p(bad)", "applicant", "turns out bad", approve/decline).
"""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from assistant.views import Accept, Escalate
from events.errors import AwaitingSenior
from guardrails.facts import CaseFacts
from guardrails.prose import check_prose
from tests.packs.biopsy import WORDS
from tests.packs.conftest import Open, open_selected_case
from tests.tui.conftest import SIZE, settle
from tui.app import DocketApp
from tui.screens.case import CaseScreen
from tui.screens.health import render_health
from tui.screens.policy import render_preview

CREDIT_WORDS = re.compile(r"p\(bad\)|applicant|turns out bad|\bapprov\w*|\bdeclin\w*|\bloan\b|"
                          r"\bdefault\b", re.IGNORECASE)


async def test_the_console_shows_a_scan_in_the_packs_words(
    biopsy: Open, scans: list[dict[str, object]]
) -> None:
    rita = biopsy()
    rita.ingest("biopsy", scans[:3])
    app = DocketApp(rita, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue_header = app.queue_screen.table.labels
        assert "p(malignancy)" in " ".join(queue_header)
        shown = await open_selected_case(pilot)
    assert "p(malignancy)" in shown
    assert "is malignant" in shown and "per scan" in shown  # the template explanation
    assert not CREDIT_WORDS.search(shown), CREDIT_WORDS.findall(shown)


def footer_labels(app: DocketApp) -> dict[str, str]:
    """What the footer shows for each action on the current screen."""
    return {a.binding.action: a.binding.description for a in app.screen.active_bindings.values()}


def rendered(renderable: object) -> str:
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


async def test_the_consoles_keys_and_tables_use_the_packs_words(
    biopsy: Open, scans: list[dict[str, object]]
) -> None:
    """The escalation key reads "Review" (the pack's escalation action) on the queue and
    the case screen; the policy preview and health tables say "per scan" and name the
    pack's own actions."""
    rita = biopsy()
    rita.ingest("biopsy", scans[:3])
    app = DocketApp(rita, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert footer_labels(app)["send_up"] == "Review"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert footer_labels(app)["send_up"] == "Review"
    cleo = biopsy("cleo", "clinical_lead")
    policy = cleo.policy("biopsy")
    preview = rendered(render_preview(
        cleo.preview_policy("biopsy", {"escalate_band": (0.2, 0.6)}), policy.words.per_case))
    assert "cost per scan" in preview
    assert "discharge rate" in preview and "review rate" in preview
    health = rendered(render_health(cleo.health("biopsy"), policy.words.per_case))
    assert "cost per scan" in health
    shown = preview + health
    assert "per case" not in shown and "escalat" not in shown.lower()
    assert not CREDIT_WORDS.search(shown), CREDIT_WORDS.findall(shown)


def test_the_explanation_and_audit_use_the_packs_words(
    biopsy: Open, scans: list[dict[str, object]]
) -> None:
    rita = biopsy()
    [case_id] = rita.ingest("biopsy", scans[:1]).opened
    explanation = rita.explain(case_id)
    assert explanation.status == "pass", explanation.fallback_reason
    assert "probability that this scan is malignant" in explanation.text
    assert not CREDIT_WORDS.search(explanation.text)
    rita.decide(case_id, Escalate("unsure"))
    # Escalations go to the pack's consultant: named so, never "a senior reviewer".
    with pytest.raises(AwaitingSenior, match="waiting for a consultant$"):
        biopsy("rob", "radiologist").decide(case_id, Accept())
    audit = biopsy("ava", "auditor").audit(case_id)
    scored = [e.sentence for e in audit.timeline if e.event == "Scored"]
    assert scored and all("p(malignancy)" in s for s in scored)
    assert [e.sentence for e in audit.timeline if e.event == "Escalated"] == [
        "escalated to a consultant: “unsure”"]


FACTS = CaseFacts(
    features={"worst_radius": 23.4, "worst_concave_points": 0.18, "mean_texture": 17.0},
    attributions={"worst_radius": 1.2, "worst_concave_points": 0.7, "mean_texture": -0.2},
    recommended_action="biopsy",
    p_bad=0.91,
    expected_costs={"discharge": 18.2, "biopsy": 0.09, "review": 0.29},
    actions=("discharge", "biopsy", "review"),
    lexicon=WORDS.lexicon,
)


def blocked(summary: str) -> set[str]:
    return {v.rule for v in check_prose(summary, FACTS) if v.failed}


@pytest.mark.parametrize(
    "summary",
    [
        "Biopsy: a 91% probability that this scan is malignant.",
        "Biopsy rather than discharge: discharge would cost 18.2 against 0.09.",
        "The worst radius raises the risk; the mean texture lowers it.",
        "The patient is likely to be malignant, so a biopsy is recommended.",
    ],
)
def test_honest_biopsy_prose_passes(summary: str) -> None:
    assert blocked(summary) == set(), [v for v in check_prose(summary, FACTS) if v.failed]


@pytest.mark.parametrize(
    ("summary", "rule"),
    [
        ("Send her home: nothing to act on.", "prose_actions"),
        ("No further tests are needed for this patient.", "prose_actions"),
        ("Do not take a tissue sample.", "prose_actions"),
        ("A consultant should look first.", "prose_actions"),
        ("The patient is unlikely to be malignant.", "prose_judgement"),
        ("The mass looks benign overall; the patient is a good patient.", "prose_judgement"),
        ("The worst radius lowers the chance of malignancy.", "prose_directions"),
        ("The mean texture raises the likelihood of cancer.", "prose_directions"),
        ("The worst concave points make it more likely benign, which counts in her favour.",
         "prose_directions"),
    ],
)
def test_a_lie_in_the_biopsy_packs_words_is_refused(summary: str, rule: str) -> None:
    assert rule in blocked(summary)
