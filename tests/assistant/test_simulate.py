"""The closed-loop simulator: outcomes only where the pack says the action reveals them, estimates
against the truth."""

from __future__ import annotations

import pytest

from assistant.domains import get_pack
from assistant.evaluation.simulate import simulate
from tests.packs.biopsy import make_tissue_pack


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


# --- what shows an outcome is the pack's declaration, whichever actions those are ----------

def test_outcomes_show_where_the_pack_says_not_where_the_accepting_action_is() -> None:
    """The loop took the first action costing something under the risk outcome (discharge)
    as the one that reveals: every outcome it showed was a discharged patient's, the
    opposite of the declaration. Without exploration the policy biopsies above
    p = 1/21, so every outcome seen is such a case and the discharged ones have no chance."""
    pack = make_tissue_pack()
    result = simulate(pack, [0], rounds=2, n_boot=20)
    [repeat] = result.repeats
    assert repeat.revealed, "no biopsy in the loop"
    assert min(p for _, p, _ in repeat.revealed) > 1 / 21
    assert repeat.n_observed == len(repeat.revealed) < repeat.n
    assert repeat.ips is None  # the discharged patients could never show an outcome
    assert repeat.dr[1] <= repeat.dr[0] <= repeat.dr[2]


def test_exploring_on_a_pack_whose_revealing_action_is_not_approve_supports_ips() -> None:
    pack = make_tissue_pack()
    result = simulate(pack, [0, 1], rounds=2, n_boot=50,
                      exploration={"rate": 0.2, "max_regret": 25.0})
    for repeat in result.repeats:
        assert repeat.ips is not None
        # explored discharges are the only discharges that could show anything: none does
        assert 0 < repeat.n_observed < repeat.n


def test_a_pack_that_declares_no_reveals_shows_every_outcome() -> None:
    """Biopsy declares nothing: every action reveals. Every case then has an outcome and
    IPS is the truth itself, without exploration (it was 'not supported': only discharges
    were taken to reveal)."""
    from tests.packs.biopsy import make_pack

    result = simulate(make_pack(), [0], rounds=2, n_boot=20)
    [repeat] = result.repeats
    assert repeat.n_observed == repeat.n
    assert repeat.ips is not None and repeat.ips[0] == pytest.approx(repeat.truth)
    assert result.ips_coverage == 1.0


def test_a_pack_where_nothing_or_only_one_outcome_shows_is_refused_naming_the_action() -> None:
    import dataclasses

    from tests.packs.biopsy import DECISION, make_pack

    pack = make_pack()
    blind = dataclasses.replace(pack, decision=dataclasses.replace(
        pack.decision, reveals={"discharge": frozenset(), "biopsy": frozenset(),
                                "review": frozenset()}))
    with pytest.raises(ValueError, match=r"none of biopsy's actions .* reveals an outcome"):
        simulate(blind, [0], rounds=2, n_boot=20)
    only_one = dataclasses.replace(pack, decision=dataclasses.replace(
        DECISION, reveals={"discharge": frozenset({"Yes"}), "biopsy": frozenset({"Yes"})}))
    with pytest.raises(ValueError, match=r"none of biopsy's actions .* reveals every outcome "
                       r"\(some only: \{'discharge': \['Yes'\], 'biopsy': \['Yes'\]\}\)"):
        simulate(only_one, [0], rounds=2, n_boot=20)


def test_an_action_that_shows_a_malignancy_only_is_simulated_not_refused() -> None:
    """The loop refused a pack whose discharge shows a malignancy only (she comes back),
    never a benign mass. Now it simulates the reveal: the malignancies among the discharged
    show, and count in the naive figure only; IPS, DR and retraining rest on the biopsies,
    as docket quality's do, so they are those of a clinic that never hears of them."""
    from tests.packs.biopsy import make_clinic_pack

    seeds = [0, 1, 2]
    explore = {"rate": 0.1, "max_regret": 1e6}
    clinic = simulate(make_clinic_pack(), seeds, rounds=2, n_boot=50, exploration=explore)
    blind = simulate(make_tissue_pack(), seeds, rounds=2, n_boot=50, exploration=explore)
    came_back = 0
    for c, b in zip(clinic.repeats, blind.repeats, strict=True):
        assert c.truth == b.truth and c.n_observed == b.n_observed < c.n
        assert c.dr == b.dr and c.ips == b.ips
        # the malignancies among the discharged join the naive figure's cases
        came_back += c.naive != b.naive
    assert came_back >= 1


def test_the_adversarial_script_takes_the_pack_and_its_reveals() -> None:
    """scripts/selective_adversarial.py ran on credit only, with approve as the action that
    reveals; on a pack whose biopsy alone reveals, its outcomes are the biopsied cases', the
    operators' 'decline' is the refusing action (biopsy) and every range holds the truth."""
    from scripts.selective_adversarial import run

    out = run("overrides_decline", 0, n_boot=50, pack=make_tissue_pack())
    truth, logged = out["logged"]
    span = logged["range"]
    assert 0 < logged["n_obs"] < span.n  # type: ignore[attr-defined]
    assert span.n_unseen == span.n - logged["n_obs"]  # type: ignore[attr-defined]
    for key in ("policy", "baseline", "cand", "logged"):
        t, found = out[key]
        r = found["range"]
        assert r.low <= t <= r.high, key  # type: ignore[attr-defined]


def test_the_adversarial_script_shows_what_a_partial_action_reveals() -> None:
    """scripts/selective_adversarial.py refused a pack whose discharge shows a malignancy
    only; now the malignancies among the discharged are recorded (never a benign mass), the
    range counts them and IPS/DR leave them out."""
    from scripts.selective_adversarial import run
    from tests.packs.biopsy import make_clinic_pack

    out = run("explore", 2, n_boot=50, pack=make_clinic_pack())  # 2 came back
    truth, logged = out["logged"]
    _, policy = out["policy"]
    assert logged["n_obs"] > policy["n_obs"] > 0  # type: ignore[operator]
    for key in ("operators", "policy", "baseline", "cand", "logged"):
        t, found = out[key]
        r = found["range"]
        assert r is None or r.low <= t <= r.high, key  # type: ignore[attr-defined]
