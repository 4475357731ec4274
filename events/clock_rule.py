"""The clock rule of ``verify``: an event's time against the log's order and the clocks that
vouch for it.

An event's ``timestamp`` is its writer's word. The case rule (:mod:`events.case_rule`) holds
each case's events to run forward in time; an insider holding a valid key can still stamp an
event *later* than it was written (post-date it), say a decision dated next month so that an
as-of audit shows the case undecided, or earlier than events the chain orders before it. Three
things contradict such a time, and this rule names the event:

* **verify's own clock**: no event is written after the moment the walk reads it. One timed
  more than :data:`CLOCK_SKEW` after the walk's clock was post-dated.
* **a signed checkpoint**: an event at or below the position of a checkpoint (kept outside the
  store, its time under its signer's key) was written before the checkpoint was signed.
* **the chain's order**: events are appended in order, and the service stamps each event when
  it records it, so an event timed more than :data:`CLOCK_SKEW` after one the chain orders
  after it is out of place. Which of the two lies is judged by the events around them: an
  event later than the one after it, and than nothing before it, stands alone and was
  post-dated; an event earlier than two (or more) events before it was backdated.

:data:`CLOCK_SKEW` is how far two writers' clocks may differ (the hosts of a team's store
keep their clocks with NTP; the service stamps a case's new event no earlier than its last
one, so a host whose clock is behind writes no inversion within a case).

What it reads: only events the walk decodes anyway (each decision and outcome, which the case
rule reads, and the key-ring, policy, model, seal and budget events, which are few); a case's
creation and assessment are not decoded for it (that would be one zstd inflate per case,
about 12 us, doubling the walk of a store of undecided cases). So a post-dated event of a case
nobody decided or gave an outcome since, or of an alert, is not named by this rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

#: How far the clocks of two hosts writing one store may differ, and how long an event may
#: wait between being stamped and being appended (a batch being built).
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Vouched:
    """A time someone outside the store vouches for: every event at or below ``position``
    was written by ``at`` (a checkpoint's signed time), according to ``by``."""

    position: int
    at: datetime
    by: str


class ClockRule:
    """Feed it each timed event in the walk's order (:meth:`add`); it returns the first
    problem as ``(position, reason)``."""

    def __init__(
        self,
        now: datetime,
        *,
        skew: timedelta = CLOCK_SKEW,
        vouched: Vouched | None = None,
    ) -> None:
        self.now, self.skew, self.vouched = now, skew, vouched
        #: The latest time met, where and on which event; and the latest before that one.
        self.top: tuple[datetime, int, str] | None = None
        self.below: datetime | None = None

    def add(self, position: int, at: datetime | None, name: str) -> tuple[int, str] | None:
        """Take the event ``name`` at ``position``, timed ``at`` (None: untimed, skipped)."""
        if at is None:
            return None
        late = self.now + self.skew
        if at > late:
            return position, (
                f"this {name} event is timed {at.isoformat()}, after verify's own clock "
                f"({self.now.isoformat(timespec='seconds')}) by more than the {_span(self.skew)} "
                "two clocks may differ: it was post-dated")  # fmt: skip
        sealed = self.vouched
        if sealed is not None and position <= sealed.position and at > sealed.at + self.skew:
            return position, (
                f"this {name} event is timed {at.isoformat()}, after the checkpoint signed by "
                f"{sealed.by} at {sealed.at.isoformat()}, which covers position "
                f"{sealed.position}: it was written before then, so it was post-dated")
        top = self.top
        if top is not None and at < top[0] - self.skew:
            if self.below is None or at >= self.below - self.skew:
                return top[1], (
                    f"this {top[2]} event is timed {top[0].isoformat()}, later than the {name} "
                    f"event at position {position} ({at.isoformat()}) that the chain orders "
                    f"after it, by more than the {_span(self.skew)} two clocks may differ: it "
                    "(or an event of its case before it, whose time it keeps) was post-dated")
            return position, (
                f"this {name} event is timed {at.isoformat()}, before events the chain orders "
                f"before it (position {top[1]}, {top[0].isoformat()}), by more than the "
                f"{_span(self.skew)} two clocks may differ: it was backdated")  # fmt: skip
        if top is None or at > top[0]:
            self.below = top[0] if top is not None else None
            self.top = (at, position, name)
        return None


def _span(skew: timedelta) -> str:
    minutes = skew.total_seconds() / 60
    return f"{minutes:g} minutes" if minutes >= 1 else f"{skew.total_seconds():g} s"


__all__ = ["CLOCK_SKEW", "ClockRule", "Vouched"]
