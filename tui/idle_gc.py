"""Full garbage collections moved to the moments the console is idle.

CPython runs a full (generation 2) collection of every tracked object whenever enough
collections of the younger generations have happened; where that falls is decided by
allocation, so in an interactive program it falls in the middle of a key press. The console
freezes its start-up objects (``gc.freeze()``, see :meth:`tui.app.DocketApp.started`), but
everything created after the first paint (the case screen, Textual's render caches, the
cases read) is still walked: measured with ``benchmarks/bench_tui.py``'s open-case loop on a
real 200-case store, a full collection landed inside 6 of 40 case openings (one every ~7)
and held the key press 67–182 ms (load 5–6), more than the 50 ms the whole opening may take.

:class:`IdleCollector` makes the automatic full collections rare (a backstop, for a console
that is never idle) and runs, instead, the ones that are due when nobody has pressed a key
or moved the mouse for :attr:`IdleCollector.idle_after` seconds (0.2 s: between two keys a
person chooses, not between the repeats of a held key); such a collection takes 16–39 ms of
CPU. With it, ``bench_tui.py --cases 10000`` counted 1–2 full collections begun inside a key
press per run instead of 6–10 (``--no-idle-gc``, alternating runs, load 2.4–4.3); the ones
left are collections that had just begun when a key arrived, or the backstop.

Re-freezing after each idle collection would make those collections cheaper still (5 ms),
but a frozen object that later becomes garbage in a reference cycle is never freed: that
leaked about 1,400 objects per case opened (87,107 after 60 cases, against 4,781 without
re-freezing), so the collector never freezes.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: Collections of the middle generation after which a full one is due: CPython's own
#: default (``gc.get_threshold()[2]`` is 10 in every release since 2.x).
DUE_AFTER = 10
#: The automatic full collection is kept, as a backstop, this many times further apart.
BACKSTOP_FACTOR = 5


class IdleCollector:
    """Holds back automatic full collections and runs the due ones when the console is idle.

    ``start()`` once the console runs, ``input_seen()`` on every key or mouse event,
    ``tick()`` from a timer (a few times a second), ``stop()`` when it closes.
    """

    #: Seconds without input after which the console counts as idle: longer than the
    #: 30–50 ms between the repeats of a held key, shorter than a person takes between two
    #: keys they choose (reading a row, a case).
    idle_after: float = 0.2

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_input = clock()
        self._saved: tuple[int, int, int] | None = None
        #: CPU seconds each idle collection took (the console's own record, for benchmarks).
        self.pauses: list[float] = []

    @property
    def running(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        if self._saved is not None:
            return
        self._saved = young, middle, full = gc.get_threshold()
        gc.set_threshold(young, middle, max(full, DUE_AFTER) * BACKSTOP_FACTOR)
        self._last_input = self._clock()

    def stop(self) -> None:
        """Give the collector its own thresholds back."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def input_seen(self) -> None:
        self._last_input = self._clock()

    def due(self) -> bool:
        """A full collection is due: as many middle collections happened since the last
        full one as would have triggered it with the default thresholds."""
        return gc.get_count()[2] >= DUE_AFTER

    def tick(self) -> bool:
        """Collect if a full collection is due and the console has been idle long enough;
        say whether it collected."""
        if self._saved is None or not gc.isenabled() or not self.due():
            return False
        if self._clock() - self._last_input < self.idle_after:
            return False
        began = time.thread_time()
        gc.collect()
        self.pauses.append(time.thread_time() - began)
        return True
