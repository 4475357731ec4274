"""The eval suites on the biopsy pack: judged against its own baseline file; suites that
cannot apply (no protected groups, no note) are skipped with the reason, not failed."""

from __future__ import annotations

from pathlib import Path

from evals import baseline as baseline_file
from evals.runner import run, update_baseline
from tests.packs.conftest import Open


def test_suites_run_on_the_pack_against_its_own_baseline(biopsy: Open, tmp_path: Path) -> None:
    service = biopsy("docket/evals", "system")
    own = tmp_path / "biopsy.json"
    first = run(["replay", "fairness", "redteam"], service=service, domain="biopsy",
                baseline_path=own, record=False)
    by_suite = {r.suite: r for r in first.results}
    assert by_suite["replay"].status == "ok", by_suite["replay"].error
    assert by_suite["replay"].metric("read_model_differences").value == 0.0  # type: ignore[union-attr]
    assert by_suite["fairness"].status == "skipped"
    assert "no protected groups" in (by_suite["fairness"].error or "")
    assert by_suite["redteam"].status == "skipped"
    assert first.baseline_problem  # no baseline of its own yet

    accepted = update_baseline(first, own)
    assert accepted.domain == "biopsy" and set(accepted.suites) == {"replay"}
    again = run(["replay"], service=service, domain="biopsy", baseline_path=own, record=False)
    assert again.passed, again.baseline_problem

    # Credit's baseline never judges another pack.
    judged_by_credit = run(["replay"], service=service, domain="biopsy",
                           baseline_path=baseline_file.DEFAULT_PATH, record=False)
    assert "holds the credit baseline" in (judged_by_credit.baseline_problem or "")
    assert not judged_by_credit.passed
    assert baseline_file.path_for("biopsy") != baseline_file.DEFAULT_PATH
    assert baseline_file.path_for("credit") == baseline_file.DEFAULT_PATH


def test_the_selective_labels_simulator_runs_on_the_pack_and_says_why_no_group_is_followed(
    biopsy: Open,
) -> None:
    from evals.core import Sample, Solved
    from evals.suites.selective_labels import score

    view = biopsy("docket/evals", "system").simulate_selective_labels("biopsy", [0], None)
    assert view.repeats == 1 and view.approval_by_round == {}
    assert "biopsy declares no fairness groups" in view.groups_note
    scores = score([Solved(Sample("deterministic", {}), view)])
    assert view.groups_note in scores.notes
    assert not any("by age" in t.title for t in scores.tables)
    # Biopsy declares no reveals, so every action shows its outcome: IPS is supported
    # without exploration (the loop took discharge alone to reveal, and had it unsupported).
    assert view.revealing == ("discharge", "biopsy") and view.accepting == "discharge"
    assert view.rows[0][3] is not None and view.ips_coverage == 1.0
    assert ("the log shows the outcome of the cases decided 'discharge' or 'biopsy'"
            in " ".join(scores.notes))
