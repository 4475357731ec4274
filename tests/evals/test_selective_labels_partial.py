"""The selective_labels suite on a pack with an action that reveals some outcomes only."""

from __future__ import annotations

from assistant.views import SimulationView
from evals.core import Sample, Solved
from evals.suites.selective_labels import score


def _view(partial: tuple[tuple[str, tuple[str, ...]], ...]) -> SimulationView:
    return SimulationView(
        exploring=True, exploration={"rate": 0.1, "max_regret": 1e6}, repeats=2, truth=0.17,
        naive_bias=0.05, dr_bias=0.0, dr_coverage=1.0, ips_coverage=1.0,
        mean_observed_share=0.5,
        rows=[(0, 0.17, 0.2, 0.17, 0.17, 0.1, 0.3, 140, 285)] * 2, approval_by_round={},
        revealing=("biopsy",), accepting="discharge", partial=partial)


def test_the_report_names_an_action_that_shows_a_malignancy_only() -> None:
    """The note said the log shows the outcome of the cases biopsied, and said nothing of a
    discharge that shows a malignancy only: a reader took the naive figure for the
    biopsies'."""
    sample = Sample("exploring", {"exploration": {"rate": 0.1}})
    notes = score([Solved(sample, _view((("discharge", ("Yes",)),)))]).notes
    [shown] = [n for n in notes if "the log shows the outcome" in n]
    assert "'biopsy' (the actions the pack declares reveal every outcome)" in shown
    assert ("'discharge' shows 'Yes' only, whose outcomes count in the naive figure alone"
            in shown)
    plain = score([Solved(sample, _view(()))]).notes
    assert not any("'discharge' shows" in n for n in plain)
