"""A replay of a real store builds, row for row, the read models the 0f12810 code built.

``tests/fixtures/store-0f12810-replay.sqlite`` (made at 0f12810, see the fixtures' README)
holds real credit cases in the layout Docket writes (bulk ``Assessed`` events with their
steps' authors in the head), decisions of each kind, explanations, outcomes and a quarantined
row. :data:`GOLDEN` is each table's digest (:func:`events.readmodel_check.table_digest`: every
row's values and types, in key order) of the read models the 0f12810 code rebuilt from it, so
a faster replay that changes any value (a float's spelling, a JSON key's order) fails here.

Also: the decoding the fold uses (the steps' authors checked, not written back) gives the
same state as the general one, but those authors, for every stored event of the store.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

import assistant.domains  # noqa: F401  (the credit pack's compression words)
from events import compression, readmodel_check
from events.readmodels import ReadModels, rebuild, replayed
from events.store import open_log

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store-0f12810-replay.sqlite"

#: The 0f12810 code's table digests of this store's read models (batch 10,000 and 7 alike).
GOLDEN = {
    "cases": "e7361df4384df47b3dcee9464ecd02fd06e26a161bb001b9d3120aee24b9bc47",
    "decisions": "f7ce0df513f314e8aa81fbbf854d6985cfeaf8ffec114a217399192f719ed7e4",
    "overrides": "560610bf1347d1e8291dd2d5a4845f5ac8843eb57a2edddd7a7499773f2798ba",
    "outcomes": "b60cab6f0b4944b6da1957e8f96afac4063e11f8980cf925c2f497cc9a3a3c4b",
    "quarantine": "b698e837539d08f9f5f190f79135faa84eaf42b99b15c1c5b8fc9924e2915f6a",
    "explanations": "a6130551642c823e46315a8bb73b309642bc6ea1e895f66755d793a0e7762803",
    "policy_history": "48a6ff3e8034743aae4ff9322e1edfc79a1350f22f12fbb017937a5396a3fbfd",
    "models": "78d83343a1ef47888f667a63f093bffb62e83cee694bd0e3bc15000573ce0174",
    "model_history": "3ab1798850c21ec492e081c2b4867f23402d0edf93faf2816fe2a02047c3ed25",
    "eval_runs": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "alerts": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "_position": "24c0cedf6dc754168172d9eaf55d6338dd8c870b4e4649439ac624555e7ec5f5",
    "_policy_ids": "c14cf646b570873a17142ed44aff0235ae952f7e4657a720be166af8061c4a49",
}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    shutil.copyfile(FIXTURE, path)  # never write to the fixture itself
    return path


def _digests(views: ReadModels) -> dict[str, str]:
    return {t: readmodel_check.table_digest(views, t).hex() for t in views.table_names()}


@pytest.mark.parametrize("batch", [10_000, 7])  # 7: cases span batches (decided later)
def test_a_replay_builds_the_rows_the_0f12810_code_built(
    store: Path, tmp_path: Path, batch: int
) -> None:
    log = open_log(str(store))
    views = replayed(log, tmp_path / "views.sqlite", batch=batch, workers=1)
    try:
        assert _digests(views) == GOLDEN
    finally:
        views.close()


def test_a_rebuild_split_over_processes_builds_them_too(store: Path, tmp_path: Path) -> None:
    views = rebuild(open_log(str(store)), tmp_path / "views.sqlite", workers=2)
    try:
        assert _digests(views) == GOLDEN
    finally:
        views.close()


def _without_step_authors(state: Any) -> Any:
    if isinstance(state, dict) and isinstance(state.get("steps"), list):
        steps = [{k: v for k, v in s.items() if k not in ("actor", "role")} for s in state["steps"]]
        return {**state, "steps": steps}
    return state


def test_the_folds_decoding_is_the_whole_state_but_the_steps_authors(store: Path) -> None:
    log = open_log(str(store))
    rows = log.chained_recorder.select_rows(1, 10_000)
    assessed = 0
    for *_, raw in rows:
        whole = compression.read_state(raw)
        general = whole
        if raw[:1] == b"\x02":  # the path every head took before the fast one
            head, body = compression._split(raw)
            general = compression._merged(compression._body(compression.unsqueeze(body)), head)
        assert list(whole) == list(general) and whole == general
        assert orjson.dumps(whole) == orjson.dumps(general)  # steps' keys in the same order
        lean = compression.read_state(raw, step_authors=False)
        assert lean == _without_step_authors(whole)
        assessed += "steps" in whole
    assert assessed == 54

