"""Code run in separate processes by the concurrency and durability tests.

``python -m tests.events.workers bulk URL N BATCH`` writes N cases in batches and
prints ``ack <case id>`` lines only after each batch has committed.
"""

from __future__ import annotations

import sys
from typing import Any

from events.errors import DocketError
from tests.events.helpers import open_signed


def decide_race(url: str, name: str, case_ids: list[str], barrier: Any, results: Any) -> None:
    """Decide each case at the same moment as the other worker (spawned process)."""
    log = open_signed(url, name)
    for case_id in case_ids:
        barrier.wait(timeout=60)
        try:
            if name == "ana":
                log.update(case_id, lambda c: c.accept(actor=name, role="operator"))
            else:
                log.update(
                    case_id,
                    lambda c: c.escalate(
                        reason_text="hm",
                        actor=name,
                        role="operator",
                    ),
                )
            results.put((case_id, name, "ok"))
        except DocketError as exc:
            results.put((case_id, name, f"{type(exc).__name__}: {exc}"))
    log.close()


def bulk(url: str, n: int, batch: int) -> None:
    from tests.events.helpers import new_case

    log = open_signed(url)

    def ack(ids: list[Any]) -> None:
        sys.stdout.write("".join(f"ack {i}\n" for i in ids))
        sys.stdout.flush()

    log.save_in_batches((new_case(f"bulk-{i}") for i in range(n)), batch_size=batch, on_commit=ack)
    sys.stdout.write("done\n")


if __name__ == "__main__":
    if sys.argv[1] == "bulk":
        bulk(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
