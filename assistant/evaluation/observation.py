"""Which outcomes a decision lets anyone see (selective labels).

A pack declares, per action, the outcomes that taking it reveals
(:attr:`~assistant.domains.decision.ClassificationShape.reveals`): credit's approve reveals
good/bad, decline reveals nothing. An outcome is recorded for a case only when its final
action reveals it, or when an outside source (a bureau, a court record) reported it; such an
outcome is recorded with a source named ``outside:<who>``, so every figure can tell the two
apart (an outside source's reporting rate is unknown, so off-policy estimates leave it out).
"""

from __future__ import annotations

from assistant.domains.base import DomainPack
from assistant.domains.decision import ClassificationShape
from events.case_rule import OUTSIDE  # the log's prefix: verify judges by the same one


def is_outside(source: str | None) -> bool:
    """Whether an outcome came from an outside source rather than the action's own result."""
    return bool(source) and str(source).startswith(OUTSIDE)


def reveals(pack: DomainPack, action: str | None) -> bool:
    """Whether taking ``action`` shows the case's outcome (no final action: nothing shown)."""
    if action is None:
        return False
    shape = pack.decision
    if not isinstance(shape, ClassificationShape):
        return True  # a quantity decision sees its demand whatever was ordered
    seen = shape.reveals.get(action)
    return seen is None or bool(seen)


def partly_reveals(pack: DomainPack, action: str | None) -> tuple[str, ...]:
    """The outcomes ``action`` reveals when it reveals some and not all of them (``()``
    otherwise): a discharged patient shows a malignancy when she comes back, never that the
    mass was benign. Whether such an action shows an outcome depends on the outcome itself,
    so no propensity can weigh what it shows: the estimates count its cases as unseen."""
    shape = pack.decision
    if action is None or not isinstance(shape, ClassificationShape):
        return ()
    seen = shape.reveals.get(action)
    if seen is None or not seen or seen >= set(shape.outcomes):
        return ()
    return tuple(o for o in shape.outcomes if o in seen)


def reveals_every_outcome(pack: DomainPack, action: str | None) -> bool:
    """Whether taking ``action`` shows the case's outcome whichever it is (what an
    off-policy weight may rest on)."""
    return reveals(pack, action) and not partly_reveals(pack, action)


def outcome_refusal(pack: DomainPack, final_action: str | None, source: str,
                    outcome: str | None = None) -> str | None:
    """Why ``outcome`` may not be recorded for a case whose final action is ``final_action``
    (None: it may). Outside sources may report any case. An action that reveals some outcomes
    only (a discharge shows a malignancy when the patient comes back, never a benign mass)
    refuses the others: seen after it, one would count as an observation of the decision."""
    if is_outside(source):
        return None
    shown = partly_reveals(pack, final_action)
    if shown and outcome is not None and outcome not in shown:
        listed = " or ".join(repr(o) for o in shown)
        return (f"{outcome!r} cannot be observed after {final_action!r}, which shows only "
                f"{listed}; only an outside source can report it, recorded with source "
                f"'{OUTSIDE}NAME' (e.g. {OUTSIDE}registry)")
    if reveals(pack, final_action):
        return None
    if final_action is None:
        return ("the case has no final action yet, so no outcome can follow it "
                f"(an outside source's report is recorded with source '{OUTSIDE}NAME')")
    return (f"a case whose final action was {final_action!r} shows no outcome; only an "
            f"outside source can report one, recorded with source '{OUTSIDE}NAME' "
            f"(e.g. {OUTSIDE}bureau)")


__all__ = ["OUTSIDE", "is_outside", "outcome_refusal", "partly_reveals", "reveals",
           "reveals_every_outcome"]
