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
        assert len(result.approval_by_round()["age_band"]) == 2


def test_approval_is_followed_for_every_fairness_group_the_pack_declares() -> None:
    result = simulate(get_pack("credit"), [0], rounds=2, n_boot=20)
    by_round = result.approval_by_round()
    assert set(by_round) == {"sex", "foreign_worker", "age_band"}
    assert list(by_round["age_band"][0][1]) == ["under 25", "25-34", "35-49", "50+"]
    assert [r for r, _ in by_round["age_band"]] == [1, 2]
    assert all(0.0 <= rate <= 1.0 for _, rates in by_round["sex"] for rate in rates.values())


def test_a_yes_no_pack_without_fairness_groups_runs_and_follows_no_group() -> None:
    from tests.packs.biopsy import make_pack

    result = simulate(make_pack(), [0], rounds=2, n_boot=20, initial=300)
    assert result.groups == {} and result.approval_by_round() == {}
    [repeat] = result.repeats
    assert repeat.n_observed > 0 and repeat.approval == {}
