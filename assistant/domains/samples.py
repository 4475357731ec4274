"""Sample files from a pack's own shipped data, for any pack (no pack writes code for it).

``docket sample DOMAIN cases`` writes the last periods (or rows) of the pack's data file as
case input, ``docket sample DOMAIN outcomes`` what then turned out to be needed (or the
label), both with the same ``case_ref``; ``docket demo`` opens the same cases. A quantity
pack's history comes from its ``read_history`` (checked against its sha256), a yes/no pack's
from its data file and label column. These rows are in the shipped data the default model is
trained on: a walk-through, not an evaluation (``docket figures`` is the held-out one).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from assistant.domains import get_pack, get_quantity_pack, is_quantity_pack
from assistant.domains.base import CASE_REF

Kind = Literal["cases", "outcomes"]
#: A case's reference from its position in the data (a quantity pack: the period's index)
#: and its input; the default is ``<pack>-<position>``.
Reference = Callable[[int, dict[str, Any]], str]


@dataclass(frozen=True)
class SampleCase:
    """One case of the shipped data: its input (with ``case_ref``) and its outcome as text."""

    values: dict[str, Any]
    outcome: str

    @property
    def case_ref(self) -> str:
        return str(self.values[CASE_REF])


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def sample_cases(name: str, last: int, reference: Reference | None = None) -> list[SampleCase]:
    """The last ``last`` cases of pack ``name``'s shipped data, oldest first.

    Raises:
        NotFound: no pack called ``name``.
    """
    def ref(position: int, values: dict[str, Any]) -> str:
        return reference(position, values) if reference else f"{name}-{position}"

    count = max(0, last)
    if is_quantity_pack(name):
        h = get_quantity_pack(name).history
        picked = range(max(0, len(h) - count), len(h))
        return [SampleCase({CASE_REF: ref(h.period_index[i], h.rows[i]), **h.rows[i]},
                           _number(h.outcomes[i])) for i in picked]
    data = get_pack(name).load_dataset()
    picked = range(max(0, len(data.rows) - count), len(data.rows))
    return [SampleCase({CASE_REF: ref(i + 1, data.rows[i]), **data.rows[i]}, data.outcomes[i])
            for i in picked]


def write_sample(name: str, kind: Kind, last: int, out: TextIO,
                 reference: Reference | None = None) -> int:
    """Write ``kind`` for the last ``last`` cases of pack ``name`` as CSV; return how many.

    ``cases`` is what ``docket ingest`` reads, ``outcomes`` what ``docket outcomes`` reads
    (``case_ref``, ``outcome``, ``observed_at``: now).
    """
    found = sample_cases(name, last, reference)
    if kind == "cases":
        fields = list(found[0].values) if found else [CASE_REF]
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(c.values for c in found)
    else:
        observed = datetime.now(UTC).isoformat()  # to the microsecond: after a decision just made
        writer = csv.DictWriter(out, fieldnames=[CASE_REF, "outcome", "observed_at"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows({CASE_REF: c.case_ref, "outcome": c.outcome, "observed_at": observed}
                         for c in found)
    return len(found)


__all__ = ["Kind", "Reference", "SampleCase", "sample_cases", "write_sample"]
