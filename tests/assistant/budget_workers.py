"""Run in separate (spawned) processes by the exploration-budget concurrency test."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def ingest_race(
    store: str, data_dir: str, key_file: str, start: int, n: int, batch: int, barrier: Any,
    results: Any,
) -> None:
    """Ingest ``n`` real applications from row ``start`` in batches of ``batch``, starting
    when the other worker does; report the ids opened and how often the batch had to be
    assessed again because the other process spent from the budget first."""
    from assistant.domains import get_pack
    from assistant.service import DocketService, SigningKey
    from assistant.usecases import exploration_ledger, intake

    rows = get_pack("credit").load_dataset().rows[start : start + n]
    raws = [{**row, "case_ref": f"race-{start + i:04d}"} for i, row in enumerate(rows)]
    stale = [0]
    charge = exploration_ledger.charge

    def counting(*args: Any, **kwargs: Any) -> Any:
        try:
            return charge(*args, **kwargs)
        except exploration_ledger.StaleBudget:
            stale[0] += 1
            raise

    exploration_ledger.charge = counting  # type: ignore[assignment]
    intake.INGEST_BATCH = batch  # many small transactions, so the two interleave
    service = DocketService.open(store, keys=[SigningKey.load(Path(key_file))], role="operator",
                                 data_dir=data_dir)  # fmt: skip
    try:
        barrier.wait(timeout=120)
        report = service.ingest("credit", raws)
        results.put((start, report.opened, stale[0], ""))
    except Exception as exc:  # reported to the test, which fails naming it
        results.put((start, [], stale[0], f"{type(exc).__name__}: {exc}"))
    finally:
        service.close()
