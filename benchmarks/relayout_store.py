"""A twin of a real store whose headed states carry zstd bodies instead of zlib ones (the
same JSON, the same head), for the codec A/B of ``bench_store.py``:

    python benchmarks/relayout_store.py /tmp/docket-stores/credit-250000.sqlite OUT.sqlite
    python benchmarks/bench_store.py --store OUT.sqlite --parts size,replay

Each ``0x01`` state becomes what Docket writes now for the same event (``0x02``, its head,
its body's JSON compressed by :func:`events.compression.squeeze`); every other state is
copied as it is. The copy's read models are copied too. Its hash chain no longer matches
(the stored bytes changed), so it is for replay and size only: verify the original. It is
not vacuumed (rows keep their ids), so compare the stored state bytes, not the file sizes.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import assistant.domains  # noqa: E402,F401  (registers the packs' store words)
from events.compression import HEADED, HEADED_ZSTD, _split, inflate, squeeze  # noqa: E402


def relayout(raw: bytes) -> bytes:
    if raw[:1] != bytes([HEADED]):
        return raw
    _, body = _split(raw)
    return bytes([HEADED_ZSTD]) + raw[1 : len(raw) - len(body)] + squeeze(inflate(body))


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    start = time.perf_counter()
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
    shutil.copytree(f"{source}.data", f"{target}.data", dirs_exist_ok=True)
    views = sqlite3.connect(f"{source}.views.sqlite")
    copy = sqlite3.connect(f"{target}.views.sqlite")
    try:
        views.backup(copy)
    finally:
        views.close()
        copy.close()
    dst.execute("DROP TRIGGER IF EXISTS stored_events_no_update")
    changed = 0
    last = 0
    while True:
        rows = dst.execute(
            "SELECT rowid, state FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT 20000",
            (last,),
        ).fetchall()
        if not rows:
            break
        new = [(relayout(bytes(s)), i) for i, s in rows if bytes(s)[:1] == bytes([HEADED])]
        dst.executemany("UPDATE stored_events SET state = ? WHERE rowid = ?", new)
        dst.commit()
        changed += len(new)
        last = rows[-1][0]
    dst.close()
    print(f"{changed:,} states rewritten with zstd bodies in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
