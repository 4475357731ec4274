"""The closed-loop simulator: outcomes only where approved, estimates against the truth."""

from __future__ import annotations

from assistant.domains import get_pack
from assistant.evaluation.simulate import simulate


def test_without_exploration_ips_is_unsupported_and_with_it_every_figure_exists() -> None:
    pack = get_pack("credit")
    plain = simulate(pack, [0, 1], rounds=2, n_boot=100)
    exploring = simulate(pack, [0, 1], rounds=2, n_boot=100,
                         exploration={"rate": 0.1, "max_regret": 5.0})
    assert all(r.ips is None for r in plain.repeats)
    assert all(r.ips is not None for r in exploring.repeats)
    for result in (plain, exploring):
        for r in result.repeats:
            assert 0 < r.n_observed < r.n  # only approved cases show outcomes
            assert r.dr[1] <= r.dr[0] <= r.dr[2]
            assert 0.0 <= r.truth <= 5.0
        assert len(result.approval_by_round()) == 2
