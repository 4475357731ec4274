"""Training the same data with the same code twice yields the same model version.

An auditor who retrains from the recorded data must land on the version the log names;
a version that changed with the run (a clock, a random seed, a temp path) would make every
model version unverifiable.
"""

from __future__ import annotations

from pathlib import Path

from assistant.domains import get_pack
from assistant.specialists.training import train


def test_two_trainings_of_the_same_data_give_the_same_versions(tmp_path: Path) -> None:
    pack = get_pack("credit")
    first = train(pack, tmp_path / "first", folds=2)
    second = train(pack, tmp_path / "second", folds=2)

    assert [m.version for m in first] == [m.version for m in second]
    for a, b in zip(first, second, strict=True):
        onnx_a = sorted(a.path.glob("*.onnx"))
        assert onnx_a, f"no ONNX file in {a.path}"
        for f in onnx_a:
            assert f.read_bytes() == (b.path / f.name).read_bytes()
    # A different holdout is different training data: a different version, not a clash.
    third = train(pack, tmp_path / "third", folds=2, holdout=range(900, 1000))
    assert {m.version for m in third}.isdisjoint({m.version for m in first})
