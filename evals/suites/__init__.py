"""The eval suites, one file each; importing this package registers them (running order:
alphabetical, as imported here)."""

from evals.suites import (  # noqa: F401 - imported to register
    decisions,
    fairness,
    faithfulness,
    model_quality,
    orders,
    redteam,
    replay,
    selective_labels,
)
