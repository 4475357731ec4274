"""The log itself: verify the hash chain, rebuild the read models, check them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from assistant.domains import (
    ClassificationShape,
    available_packs,
    get_pack,
    get_quantity_pack,
    is_quantity_pack,
    pack_roles,
)
from assistant.evaluation.observation import partly_reveals, reveals
from assistant.usecases.context import Context
from assistant.views import Identity
from events import checkpoint, queries
from events.chain import VerifyReport, walk_end
from events.chain import verify as verify_chain
from events.checkpoint import CheckpointReport
from events.clock_rule import Vouched
from events.deployment import Deployments
from events.domain import KEY_ADMIN, ReadModelSeal
from events.errors import DocketError, NotAuthorised
from events.readmodel_check import ReadModelReport, in_background, verify_against_log
from events.readmodel_seal import Seal, recorded_seal, seal_at
from events.readmodels import check
from events.signing import SigningKey


def verify(
    ctx: Context,
    *,
    end: int | None = None,
    on_link: Callable[[int, bytes], None] | None = None,
    vouched: Vouched | None = None,
) -> VerifyReport:
    """The chain and signatures (:func:`events.chain.verify`), then the four-eyes rule on
    every model promotion up to the same end: a promotion recorded without a second
    person's approval (even correctly signed) is reported at its position. Every champion
    stopped by one person (the emergency stop) is listed in the report's ``notes``."""
    report = verify_chain(ctx.log, end=end, on_link=on_link, silent_actions=silent_actions(),
                          declarations=declarations(), hidden_outcomes=hidden_outcomes(),
                          vouched=vouched)
    if not report.ok:
        return report
    fold = Deployments(pack_managers=model_managers())
    fold.follow(ctx.log, stop=report.end)
    if fold.unapproved:
        position, reason = fold.unapproved[0]
        return replace(report, ok=False, first_bad_position=position, reason=reason)
    # The deliberate exception to four eyes: one person may stop a champion. It holds, and
    # every such stop is listed, naming who, when and why.
    notes = tuple(f"emergency stop at position {p}: {s}" for p, s in fold.stops)
    return replace(report, notes=report.notes + notes)


def model_managers() -> dict[str, tuple[str, ...]]:
    """By installed pack, the roles that manage its models: a model registered naming
    others (written around the service, say to let operators promote it) fails verify."""
    found: dict[str, tuple[str, ...]] = {}
    for name in available_packs():
        try:
            found[name] = tuple(pack_roles(name).model_managers)
        except DocketError:
            continue
    return found


def declarations() -> dict[str, dict[str, Any]]:
    """By installed pack, the declaration its cases record when they open: ``verify``
    compares each decided case's with it (a case opened with another, written around the
    service, could make a role, an action or an outcome label the pack forbids look
    allowed). A pack that cannot be loaded is left out: its cases are listed as unchecked."""
    found: dict[str, dict[str, Any]] = {}
    for name in available_packs():
        try:
            if is_quantity_pack(name):
                quantity = get_quantity_pack(name)
                found[name] = quantity.shape.case_record(quantity.roles)
            else:
                found[name] = get_pack(name).case_record()
        except DocketError:
            continue
    return found


def silent_actions() -> dict[str, tuple[str, ...]]:
    """By installed yes/no pack, the actions whose taking reveals no outcome (credit's
    decline): ``verify`` names an outcome recorded after one unless an outside source
    reported it, as the service refuses it (:func:`~assistant.evaluation.observation.
    outcome_refusal`)."""
    found: dict[str, tuple[str, ...]] = {}
    for name in available_packs():
        if is_quantity_pack(name):  # a quantity's demand is seen whatever was ordered
            continue
        try:
            pack = get_pack(name)
        except DocketError:  # a pack that cannot be loaded: verify names no outcome for it
            continue
        shape = pack.decision
        if isinstance(shape, ClassificationShape):
            found[name] = tuple(a for a in shape.actions if not reveals(pack, a))
    return found


def hidden_outcomes() -> dict[str, dict[str, tuple[str, ...]]]:
    """By installed yes/no pack, each action that reveals some outcomes only, with the
    outcomes it cannot show: ``verify`` notes such an outcome after it from no outside source
    (the service refuses it now, :func:`~assistant.evaluation.observation.outcome_refusal`;
    earlier releases recorded it, so it is noted, not named as a lie)."""
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    for name in available_packs():
        if is_quantity_pack(name):
            continue
        try:
            pack = get_pack(name)
        except DocketError:
            continue
        shape = pack.decision
        if isinstance(shape, ClassificationShape):
            hidden = {a: tuple(o for o in shape.outcomes if o not in shown)
                      for a in shape.actions if (shown := partly_reveals(pack, a))}
            if hidden:
                found[name] = hidden
    return found


def export_checkpoint(ctx: Context) -> dict[str, Any]:
    """A checkpoint of the log signed by the acting person's key (see events.checkpoint),
    with the seal of the read models a replay up to its position makes (so that a later
    ``verify`` against it replays only what changed since: events.readmodel_seal)."""
    who = ctx.who  # any enrolled person may vouch for what they verified
    key = ctx.log.signer
    assert isinstance(key, SigningKey)  # who succeeded: a held, enrolled key signs

    def sealed(position: int) -> dict[str, Any]:
        return seal_at(ctx.log, position).to_json()

    return checkpoint.export(ctx.log, key, who["actor"], key.public_key, read_models=sealed)


def verify_checkpoint(ctx: Context, data: Any) -> CheckpointReport:
    """Whether the log still holds the checkpoint's prefix unchanged; what was cut or
    rewritten otherwise. Needs no key."""
    return checkpoint.check(ctx.log, data)


def verify_against(ctx: Context, data: Any) -> tuple[CheckpointReport, VerifyReport | None]:
    """:func:`verify_checkpoint` and :func:`verify` in one walk of the log: the checkpoint's
    verdict, and the whole log's report (None when the checkpoint's own signature or signer
    failed, before any walk)."""
    made = checkpoint.claim(ctx.log, data)
    if isinstance(made, CheckpointReport):
        return made, None
    seen: dict[int, bytes] = {}
    last = walk_end(ctx.log)
    report = verify(ctx, end=last, on_link=checkpoint.landmark_keeper(made, seen),
                    vouched=made.vouched())
    return checkpoint.judge(made, report, seen, last), report


def checkpoint_seal(ctx: Context, data: Any) -> Seal | None:
    """The read-model seal a checkpoint carries, when its signature holds by a key enrolled
    in the log (None otherwise, or for a checkpoint made before seals: the full check)."""
    made = checkpoint.claim(ctx.log, data)
    if isinstance(made, CheckpointReport) or "read_models" not in made.data:
        return None
    try:
        return Seal.from_json(made.position, made.data["read_models"])
    except ValueError:  # signed, so written so by its exporter: the full check runs
        return None


def sealer_roles() -> tuple[str, ...]:
    """The roles whose seal ``docket verify`` relies on: an admin, or any pack's auditor
    (those who answer for the log's checks). Anyone else's seal is left unused."""
    return (KEY_ADMIN, *dict.fromkeys(pack_roles(name).auditor for name in available_packs()))


def log_seal(ctx: Context) -> tuple[Seal | None, str]:
    """The newest seal recorded in the log, when an admin or an auditor recorded it, and a
    note when the newest one was left unused (empty otherwise). The chain walk of the same
    ``verify`` checks its event and its signer's right to the role it names."""
    found = recorded_seal(ctx.log)
    if found is None:
        return None, ""
    if found.role not in sealer_roles():
        return None, (f"the newest read-model seal, recorded by {found.actor} as {found.role} "
                      f"at position {found.at}, was not used: only {' or '.join(sealer_roles())} "
                      "may seal; the read models were checked by a full replay")  # fmt: skip
    return found.seal, ""


def sealing_role(ctx: Context) -> str:
    """The role the acting person seals in: the acting one when it may seal, else the
    first auditor or admin role their key holds (as ``docket keys`` acts as admin).

    Raises:
        NotAuthorised: their key holds neither, or no key backs the acting person.
    """
    allowed = sealer_roles()
    acting = ctx.identity
    if acting.role in allowed:
        ctx.authorise()
        return acting.role
    held = ctx.log.signer
    record = ctx.holder(held) if isinstance(held, SigningKey) else None
    for role in allowed[1:] + allowed[:1]:  # an auditor's seal before an admin's
        if record is not None and record.person == acting.name and role in record.roles:
            return role
    ctx.authorise()  # no key, another person's, or a revoked one: says which
    raise NotAuthorised(f"only {' or '.join(allowed)} may seal the read models; "
                        f"{acting.name}'s key holds neither")  # fmt: skip


def record_seal(ctx: Context, seal: Seal) -> int:
    """Record ``seal`` (a check's own, of the read models at its position) in the log,
    signed by the acting person as admin or auditor; return the position it took."""
    role = sealing_role(ctx)
    acting = ctx.identity
    ctx.act(Identity(acting.name, role))
    try:
        record = ReadModelSeal.record(position=seal.position, buckets=seal.buckets,
                                      digests=seal.to_json()["digests"], **ctx.who)  # fmt: skip
        recordings = ctx.log.save(record)
    finally:
        ctx.act(acting)
    return int(recordings[-1].notification.id)


def record_at(ctx: Context, position: int) -> str:
    """The record holding the event at ``position``, in words: ``case german-credit-0003
    (id ...)`` for a case, ``record <id>`` otherwise, "" when no event sits there (e.g.
    it was removed)."""
    originator = ctx.log.originator_at(position)
    if originator is None:
        return ""
    with ctx.lock:
        ctx.views.catch_up(ctx.log)
        ref = queries.case_ref_of(ctx.views, str(originator))
    return f"case {ref} (id {originator})" if ref else f"record {originator}"


def verify_read_models(
    ctx: Context, seal: Seal | None = None, *, to_seal: bool = False
) -> ReadModelReport:
    """Whether the read-model file, as found, is what the log says (position and digest);
    with a ``seal`` (a checkpoint's, or the log's), replaying only what changed since when
    it matches."""
    with ctx.lock:
        return verify_against_log(ctx.log, ctx.views, seal, to_seal=to_seal)


def start_read_model_check(
    ctx: Context, seal: Seal | None = None, *, to_seal: bool = False
) -> Callable[[], ReadModelReport]:
    """:func:`verify_read_models` started now, in a child process when it can be (so the
    chain walk runs beside it); call the function returned for the report. ``to_seal``:
    make the file's seal even when the whole log is replayed (for :func:`record_seal`)."""
    with ctx.lock:
        forked = in_background(ctx.log, ctx.views, seal, to_seal=to_seal)
    if forked is not None:
        return forked
    return lambda: verify_read_models(ctx, seal, to_seal=to_seal)


def replay(ctx: Context) -> int:
    """Rebuild every read model from the log; return the number of events replayed."""
    return ctx.rebuild_views()


def replay_check(ctx: Context) -> list[str]:
    """Where the read models differ from a fresh replay (empty: they agree)."""
    with ctx.lock:
        return check(ctx.log, ctx.views)
