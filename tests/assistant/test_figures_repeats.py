"""Headline figures over repeated cross-validation: mean ± sd over fold seeds."""

from __future__ import annotations

from assistant.domains import get_pack
from assistant.specialists.crossval import cost_table, format_cost_table


def test_repeated_cross_validation_reports_the_spread_over_fold_seeds() -> None:
    pack = get_pack("credit")
    once = cost_table(pack, ("logreg",), folds=3, seed=5)
    repeated = cost_table(pack, ("logreg",), folds=3, seed=5, repeats=3)
    by_name = {r.name: r for r in repeated}
    assert by_name["logreg"].repeats == 3 and by_name["logreg"].sd > 0
    # decline-everyone costs the same on any folds: no spread over repeats
    assert by_name["decline everyone"].sd < 1e-9
    # the first repeat is the single run with the same seed
    assert {r.name for r in once} == set(by_name)
    lines = format_cost_table(repeated)
    assert "repeated 3 times (fold seeds 5-7)" in lines[0]
    assert "fold seed 5" in format_cost_table(once)[0]
