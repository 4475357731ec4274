"""Why the closed loop's approved cases go bad more often than the model predicts.

On the selective-labels simulator's loop (German credit, 500 applications to train on, 500
more over five months, the pack's policy approving below its cost threshold), the ratio of
observed to predicted bad outcomes among the approved cases, for four ways of (re)training the
production logistic regression:

* ``loop``: retrained each month on the original rows plus the approved cases' outcomes (what
  the simulator does; all approvals have propensity 1 here, so IPS weights are 1);
* ``frozen``: never retrained;
* ``full feedback``: retrained on the original rows plus every case's outcome (no selection);
* the same loop and frozen model with ten times stronger regularisation (C = 0.1).

If the ratio is above 1 even for the frozen model and with full feedback, the loop's selection
is not the cause: the model's lowest probabilities are too low (a model fitted on a few hundred
rows with ~60 one-hot columns is over-confident, and the policy approves exactly the cases it
is most over-confident about). Seeds 5300-5319, never used elsewhere. Mean ± sd over seeds.

Run: ``python benchmarks/closed_loop_calibration.py`` (a few minutes).
"""

from __future__ import annotations

import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.domains import get_pack  # noqa: E402
from assistant.policies import recommend  # noqa: E402
from assistant.specialists.pipelines import build_pipeline, dataset_matrix  # noqa: E402

PACK = get_pack("credit")
X, Y = dataset_matrix(PACK, PACK.load_dataset())
POLICY = PACK.default_policy.with_changes({"escalate_band": [1.0, 0.0], "escalate_on_ood": False})


def fit(x: np.ndarray, y: np.ndarray, c: float):  # type: ignore[no-untyped-def]
    model = clone(build_pipeline("logreg", PACK, 0)).set_params(
        clf__solver="newton-cholesky", clf__C=c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, y)
    return model


def ratio(seed: int, variant: str, c: float, initial: int = 500, rounds: int = 5) -> float:
    """Observed / predicted bad outcomes among the approved cases of one loop."""
    order = np.random.default_rng(seed).permutation(len(Y))
    train = list(order[:initial])
    model = fit(X[train], Y[train], c)
    bad = predicted = 0.0
    for cases in np.array_split(order[initial:], rounds):
        p = model.predict_proba(X[cases])[:, 1]
        approved = np.array([recommend(float(q), None, POLICY).action == "approve" for q in p])
        bad += float(Y[cases][approved].sum())
        predicted += float(p[approved].sum())
        if variant == "frozen":
            continue
        train += list(cases[approved] if variant == "loop" else cases)
        model = fit(X[train], Y[train], c)
    return bad / predicted


def main() -> None:
    seeds = range(5300, 5320)
    for variant, c in (("loop", 1.0), ("frozen", 1.0), ("full feedback", 1.0),
                       ("loop", 0.1), ("frozen", 0.1)):
        found = [ratio(s, variant, c) for s in seeds]
        print(f"{variant:13} C={c:<4g} observed/predicted bad among approved: "
              f"{statistics.mean(found):.2f} ± {statistics.stdev(found):.2f} (20 loops)",
              flush=True)


if __name__ == "__main__":
    main()
