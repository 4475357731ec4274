"""Model versions: register trained artifacts, promote a champion, run challengers in
shadow, and list them with their cards and latest eval verdicts.

The log decides which version is champion; the read models only show it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.domains import get_quantity_pack, pack_roles
from assistant.specialists.artifacts import read_card
from assistant.usecases.checks import require_plain
from assistant.usecases.context import Context
from assistant.views import ModelView, PromotionProposalView
from events import queries
from events.deployment import PendingPromotion
from events.domain import ModelVersion
from events.errors import NotFound


def register_models(
    ctx: Context,
    domain: str,
    artifact_dirs: Sequence[Path],
    *,
    promote: bool | None = None,
    evidence: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str]:
    """Register trained model artifacts (e.g. built in CI) as model-version events.

    Each directory holds ``model.onnx`` and ``card.json``; it is copied into this store's
    model folder if it lives elsewhere. The model with the lowest cross-validated
    expected cost becomes champion when there is none (or when ``promote`` is true); the
    others run in shadow.
    """
    managers = ctx.require_model_manager("register models", domain)
    cards: dict[str, dict[str, Any]] = {}
    for source in artifact_dirs:
        card = read_card(source)
        target = ctx.artifact_dir(card["version"])
        if Path(source).resolve() != target.resolve():
            shutil.copytree(source, target, dirs_exist_ok=True)
        cards[card["version"]] = card
    lines: list[str] = []
    champion = ctx.deployed(domain).champion
    for version, card in cards.items():
        if ctx.log.exists(ModelVersion.id_for(domain, version)):
            lines.append(f"{version}: already registered (same content)")
            continue
        found = {"evidence": dict(evidence[version])} if evidence and version in evidence else {}
        record = ModelVersion.register(
            domain=domain,
            version=version,
            card={**card, "data_fingerprint": card["data"]["sha256"], **found},
            managers=managers,
            **ctx.who,
        )
        ctx.log.save(record)
        cost = card["metrics"]["cv_expected_cost"]
        if card.get("prediction") == "quantiles":  # one time-ordered hold-out, not folds
            held = card.get("validation", {}).get("hours", 0)  # the pack's periods
            words = get_quantity_pack(domain).words
            lines.append(f"{version}: registered ({card['kind']}, cost {cost:.3f} per "
                         f"{words.case} on the last {held} held-out {words.cases}, ONNX parity "
                         "ok)")
        else:
            lines.append(
                f"{version}: registered ({card['kind']}, {card['metrics']['cv_folds']}-fold "
                f"expected cost {cost:.3f}, ONNX parity ok)"
            )
    best = min(cards, key=lambda v: cards[v]["metrics"]["cv_expected_cost"])
    should_promote = promote if promote is not None else champion is None
    if should_promote and best != champion:
        reason = "lowest cross-validated expected cost at training"
        if ctx.models().had_champion(domain):
            number = _propose(ctx, domain, best, reason)
            lines.append(_proposed_line(ctx, domain, best, number))
        else:
            _install_first(ctx, domain, best, reason)
            lines.append(f"{best}: promoted to champion (the first for {domain}; any later "
                         "promotion needs a second person's approval)")
            champion = best
    for version in cards:
        if version != champion and _status(ctx, domain, version) == "registered":
            _shadow(ctx, version)
            if card_is_quantiles(cards[version]):
                cases = get_quantity_pack(domain).words.cases
                lines.append(f"{version}: in shadow (never acted on; a quantity pack's shadow "
                             f"is not scored on new {cases}: its evidence is its held-out "
                             f"{cases})")
            else:
                lines.append(f"{version}: runs in shadow (scored and recorded, never acted on)")
    return lines


def card_is_quantiles(card: Mapping[str, Any]) -> bool:
    return card.get("prediction") == "quantiles"


def _status(ctx: Context, domain: str, version: str) -> str:
    return ctx.models().status(domain, version)


def promote(ctx: Context, version: str, reason: str) -> ModelView:
    """Propose ``version`` as champion (four eyes): it takes effect when a second person
    holding a manager role approves it (:func:`approve_promotion`). A domain's very first
    champion, when none was ever promoted, is installed at once.

    Raises:
        NotAuthorised: unless the acting role manages the domain's models (the pack's
            engineer or policy owner).
        ConflictError: already champion, retired, or a proposal of it is pending.
    """
    domain = model_domain(ctx, version)
    ctx.require_model_manager("promote a model", domain)
    require_plain("reason", reason)
    if not ctx.models().had_champion(domain):
        return _install_first(ctx, domain, version, reason)
    _propose(ctx, domain, version, reason)
    return _view(ctx, domain, version)


def _proposed_line(ctx: Context, domain: str, version: str, number: int) -> str:
    managers = " or ".join(pack_roles(domain).model_managers)
    return (f"{version}: promotion #{number} proposed; it takes effect when another {managers} "
            f"runs `docket models approve {version}`")


def _propose(ctx: Context, domain: str, version: str, reason: str) -> int:
    champion = ctx.deployed(domain).champion
    who = ctx.who
    numbers: list[int] = []
    ctx.log.update(
        ModelVersion.id_for(domain, version),
        lambda m: numbers.append(m.propose_promotion(reason=reason, base_champion=champion,
                                                     **who)),  # fmt: skip
    )
    return numbers[-1]


def _install_first(ctx: Context, domain: str, version: str, reason: str) -> ModelView:
    new = ctx.log.model_version(domain, version)
    new.promote(evidence={"reason": reason, "card_metrics": new.card.get("metrics", {})}, **ctx.who)
    ctx.log.save(new)
    ctx.forget(domain)
    return _view(ctx, domain, version)


def approve_promotion(ctx: Context, version: str) -> ModelView:
    """Approve another person's pending promotion of ``version``: it becomes champion now
    and the previous champion is demoted, in one transaction.

    Raises:
        NotAuthorised: the proposer, or not a manager of the domain's models.
        NotFound: nothing pending for ``version`` (approved, rejected or withdrawn).
        ConflictError: the champion changed since the proposal; reject it and propose again.
    """
    domain = model_domain(ctx, version)
    found = _pending_of(ctx, domain, version)
    champion = ctx.deployed(domain).champion
    who = ctx.who
    new = ctx.log.model_version(domain, version)
    new.approve_promotion(proposal=found.proposal, champion=champion, **who)
    changed = [new]
    if champion and champion != version:
        old = ctx.log.model_version(domain, champion)
        old.demote(reason=f"replaced by {version}", **who)
        changed.append(old)
    ctx.log.save(*changed)
    ctx.forget(domain)
    return _view(ctx, domain, version)


def retire(ctx: Context, version: str, reason: str) -> ModelView:
    """Retire ``version`` for good, alone: for the champion this is the emergency stop
    (the pack's baseline rules decide from now until a promotion is approved), the one
    model change that needs no second person. The event names who and why; ``docket
    verify`` lists every stop, and each case decided meanwhile says so in its fallback.

    Raises:
        NotAuthorised: unless a manager of the domain's models. ConflictError: retired
            already. InputRejected: no reason, or one that is not plain text.
    """
    require_plain("reason", reason)
    domain = model_domain(ctx, version)
    ctx.require_model_manager("retire a model", domain)
    who = ctx.who
    ctx.log.update(ModelVersion.id_for(domain, version), lambda m: m.retire(reason=reason, **who))
    ctx.forget(domain)
    return _view(ctx, domain, version)


def reject_promotion(ctx: Context, version: str, reason: str) -> ModelView:
    """Reject the pending promotion of ``version`` (a manager), or withdraw one's own."""
    require_plain("reason", reason)
    domain = model_domain(ctx, version)
    found = _pending_of(ctx, domain, version)
    who = ctx.who
    ctx.log.update(
        ModelVersion.id_for(domain, version),
        lambda m: m.reject_promotion(proposal=found.proposal, note=reason, **who),
    )
    return _view(ctx, domain, version)


def _pending_of(ctx: Context, domain: str, version: str) -> PendingPromotion:
    found = [p for p in ctx.models().pending(domain) if p.version == version]
    if not found:
        raise NotFound(f"no promotion of {version} is pending (`docket models` lists them)")
    return found[-1]


def pending_promotions(ctx: Context, domain: str | None = None) -> list[PromotionProposalView]:
    """Promotions proposed and waiting for a second person, oldest first."""
    return [
        PromotionProposalView(
            domain=p.domain, version=p.version, number=p.proposal,
            at=datetime.fromisoformat(p.at), by=p.by, reason=p.reason,
            replaces=p.base_champion or None,
        )  # fmt: skip
        for p in ctx.models().pending(domain)
    ]


def shadow(ctx: Context, version: str) -> ModelView:
    """Run ``version`` in shadow. Raises NotAuthorised unless a model manager of its pack."""
    ctx.require_model_manager("put a model in shadow", model_domain(ctx, version))
    return _shadow(ctx, version)


def _shadow(ctx: Context, version: str) -> ModelView:
    domain = model_domain(ctx, version)
    who = ctx.who
    ctx.log.update(ModelVersion.id_for(domain, version), lambda m: m.start_shadow(**who))
    ctx.forget(domain)
    return _view(ctx, domain, version)


def model_domain(ctx: Context, version: str) -> str:
    """The domain a registered version belongs to. Raises NotFound for an unknown one."""
    domain = ctx.models().domain_of(version)
    if domain is None:
        raise NotFound(f"no model version {version!r}; see `docket models`")
    return domain


def model_artifacts(ctx: Context, version: str) -> Path:
    """The folder holding ``version``'s ONNX model and card (to register it elsewhere)."""
    model_domain(ctx, version)  # raises NotFound for an unknown version
    return ctx.artifact_dir(version)


def models(ctx: Context, domain: str | None = None) -> list[ModelView]:
    """Registered model versions, oldest first, with their latest eval verdicts.

    Cards and verdicts come from the read models; each version's status from the log.
    """
    fold = ctx.models()  # also rebuilds read models that disagree with the log
    verdicts = queries.eval_verdicts(ctx.views)
    return [
        _model_view(r, verdicts.get(r["model_version"], {}),
                    fold.status(r["domain"], r["model_version"]))  # fmt: skip
        for r in queries.model_rows(ctx.views, domain)
    ]


def _view(ctx: Context, domain: str, version: str) -> ModelView:
    return next(m for m in models(ctx, domain) if m.version == version)


def _model_view(r: Mapping[str, Any], evals: Mapping[str, bool | None], status: str
                ) -> ModelView:
    card = json.loads(r["card"] or "{}")
    return ModelView(
        version=r["model_version"],
        domain=r["domain"],
        kind=str(card.get("kind", "")),
        status=status,
        registered_at=datetime.fromisoformat(r["registered_at"]),
        registered_by=r["registered_by"] or "",
        metrics=dict(card.get("metrics", {})),
        card=card,
        evals=dict(evals),
    )
