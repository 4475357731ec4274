"""The demand pack (real hourly rentals, declared economics) and its quantile specialist:
time-ordered validation, ONNX parity on real rows, refusal of unfaithful conversions,
serving without training libraries."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from assistant.domains.decision import QuantityShape, ShapeError
from assistant.domains.demand import DATA_SHA256, SHAPE, make_pack, round_order
from assistant.domains.demand.history import HOURS_PER_WEEK, load_history
from assistant.specialists.artifacts import MODEL_FILE
from assistant.specialists.quantile import (
    TreeSettings,
    check_parity,
    convert_levels,
    feature_matrix,
    fit_levels,
    predict_levels,
)
from assistant.specialists.quantile_serving import QuantileSpecialist
from assistant.specialists.quantile_training import TrainedQuantiles, train_quantiles
from events.errors import DocketError, ModelError

REPO = Path(__file__).resolve().parents[2]
SMALL = TreeSettings(n_estimators=15, max_depth=3)
ROWS = 3000  # the first ~18 weeks: enough to learn the daily shape, fast to fit


@cache
def trained(root: str) -> TrainedQuantiles:
    pack = make_pack()
    h = pack.history
    return train_quantiles(pack, h.rows[:ROWS], h.demand[:ROWS], h.hour_index[:ROWS],
                           h.sha256, root, settings=SMALL, validation_hours=14 * 24)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> TrainedQuantiles:
    return trained(str(tmp_path_factory.mktemp("demand-models")))


# --- the pack and its data -------------------------------------------------------------------


def test_history_is_the_real_file_in_time_order_with_last_weeks_demand() -> None:
    h = make_pack().history
    assert h.sha256 == DATA_SHA256
    assert 8000 < len(h) < 8645  # hours whose week-earlier hour is missing are left out
    assert h.hour_index == sorted(h.hour_index)
    by_hour = dict(zip(h.hour_index, h.demand, strict=True))
    lagged = [(i, row["bikers_same_hour_last_week"]) for i, row in zip(h.hour_index, h.rows,
                                                                         strict=True)]
    checked = [(by_hour[i - HOURS_PER_WEEK], lag) for i, lag in lagged
               if i - HOURS_PER_WEEK in by_hour]
    assert len(checked) > 7000 and all(a == b for a, b in checked)
    assert "bikers" not in h.rows[0] and "casual" not in h.rows[0]  # the target never leaks


def test_altered_data_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "bikeshare.csv"
    content = make_pack().data_path.read_bytes()
    copy.write_bytes(content.replace(b"clear", b"clear", 1)[:-2] + b"9\n")
    with pytest.raises(DocketError, match="altered"):
        load_history(copy, DATA_SHA256)


def test_bad_input_names_each_field() -> None:
    row = dict(make_pack().history.rows[0])
    row |= {"hr": 24, "weathersit": "sunny", "bikers_same_hour_last_week": True}
    row.pop("temp")
    problems = make_pack().validate(row)
    assert isinstance(problems, list)
    assert {p.field for p in problems} == {"hr", "weathersit", "bikers_same_hour_last_week",
                                           "temp"}
    assert make_pack().validate({**make_pack().history.rows[0], "bikers": 3}) != []


def test_shape_refuses_impossible_declarations() -> None:
    with pytest.raises(ShapeError, match="underage_cost"):
        dataclasses.replace(SHAPE, underage_cost=0.0)
    with pytest.raises(ShapeError, match="interval"):
        dataclasses.replace(SHAPE, interval=(0.05, 0.99))
    with pytest.raises(ShapeError, match="multiples"):
        dataclasses.replace(SHAPE, minimum_order=12)
    assert SHAPE.critical_fractile == pytest.approx(0.8)
    assert SHAPE.with_costs(1.0, 1.0).critical_fractile == pytest.approx(0.5)


def test_orders_round_up_to_packs_within_the_declared_limits() -> None:
    shape: QuantityShape = SHAPE
    assert round_order(0.0, shape) == shape.minimum_order
    assert round_order(41.0, shape) == 45
    assert round_order(45.0, shape) == 45
    assert round_order(10_000.0, shape) == shape.capacity
    assert make_pack().baseline({"bikers_same_hour_last_week": 101}) == 105
    assert shape.feasible(45) is None and shape.feasible(47) and shape.feasible(900)


# --- the specialist --------------------------------------------------------------------------


def test_validation_is_time_ordered(model: TrainedQuantiles) -> None:
    v = model.card["validation"]
    hours = make_pack().history.hour_index[:ROWS]
    cut, lead = max(hours) + 1 - 14 * 24, make_pack().shape.lead_time
    # Orders are placed an hour ahead: the hour before the validation period is not learnt.
    assert lead == 1 and v["trained_on_hours_before"] == cut - lead
    assert v["hours"] == sum(h >= cut for h in hours)
    cover = v["coverage"]
    assert cover["0.05"] < cover["0.5"] < cover["0.95"]  # levels mean what they say


def test_served_quantiles_match_scikit_learn_on_real_rows(model: TrainedQuantiles) -> None:
    pack = make_pack()
    h = pack.history
    served = QuantileSpecialist.load(model.path)
    later = h.rows[ROWS:ROWS + 500]  # rows the model never saw
    x = feature_matrix(pack, h.rows[:ROWS])
    pipelines = fit_levels(pack, x, np.asarray(h.demand[:ROWS], float), SHAPE.quantiles,
                           settings=SMALL)
    expected = np.maximum(np.sort(predict_levels(pipelines, feature_matrix(pack, later)),
                                  axis=1), 0.0)
    got = served.predict(later)
    assert got.shape == (500, len(SHAPE.quantiles))
    assert np.abs(got - expected).max() < 1e-3
    assert np.all(np.diff(got, axis=1) >= 0)
    assert model.card["parity"]["max_abs_diff"] < 1e-3 and model.card["parity"]["rows"] == ROWS


def test_an_unfaithful_conversion_is_refused() -> None:
    pack = make_pack()
    h = pack.history
    x = feature_matrix(pack, h.rows[:800])
    y = np.asarray(h.demand[:800], float)
    levels = (0.5, 0.8)
    fitted = fit_levels(pack, x, y, levels, settings=SMALL)
    other = fit_levels(pack, x, y * 1.01, levels, settings=SMALL)  # a slightly different model
    model = convert_levels(other, 1, len(pack.numeric))
    with pytest.raises(ModelError, match="not faithful"):
        check_parity(fitted, model, x, 1)


def test_a_swapped_model_file_is_refused(model: TrainedQuantiles, tmp_path: Path) -> None:
    copy = tmp_path / model.path.name
    shutil.copytree(model.path, copy)
    (copy / MODEL_FILE).write_bytes((copy / MODEL_FILE).read_bytes()[:-10])
    with pytest.raises(ModelError, match="does not match its model card"):
        QuantileSpecialist.load(copy)
    card = json.loads((model.path / "card.json").read_text())
    assert card["prediction"] == "quantiles"


def test_serving_quantiles_never_imports_training_libraries(model: TrainedQuantiles) -> None:
    script = textwrap.dedent(f"""
        import sys
        from assistant.domains.demand import make_pack
        from assistant.specialists.quantile_serving import QuantileSpecialist
        pack = make_pack()
        rows = pack.history.rows[:3]
        print(QuantileSpecialist.load({str(model.path)!r}).predict(rows).shape)
        heavy = sorted(m for m in sys.modules
                       if m.split(".")[0] in ("sklearn", "skl2onnx", "pandas", "litellm"))
        print(heavy)
        sys.exit(1 if heavy else 0)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_lead_time_the_features_cannot_meet_is_refused() -> None:
    pack = make_pack()
    with pytest.raises(ShapeError, match="lead_time: must not be negative"):
        dataclasses.replace(pack.shape, lead_time=-1)
    # Last week's demand is not known a week ahead.
    week = dataclasses.replace(pack.shape, lead_time=168)
    with pytest.raises(ShapeError, match="bikers_same_hour_last_week"):
        dataclasses.replace(pack, shape=week)


def test_a_case_scored_alone_gets_the_quantiles_it_gets_in_a_batch(
        model: TrainedQuantiles) -> None:
    """Bit for bit: an hour decided alone (one ingested row, the last row of a file) must
    record the quantiles, and so the order, that the same hour gets inside any batch."""
    served = QuantileSpecialist.load(model.path)
    later = make_pack().history.rows[ROWS:ROWS + 300]  # hours the model never saw
    batch = served.predict(later)
    alone = np.vstack([served.predict([row]) for row in later])
    assert alone.tobytes() == batch.tobytes(), np.abs(alone - batch).max()
