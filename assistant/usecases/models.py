"""Model versions: register trained artifacts, promote a champion, run challengers in
shadow, and list them with their cards and latest eval verdicts.

The log decides which version is champion; the read models only show it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.specialists.artifacts import read_card
from assistant.usecases.checks import require_plain
from assistant.usecases.context import Context
from assistant.usecases.reading import when
from assistant.views import ModelView
from events import queries
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
            held = card.get("validation", {}).get("hours", 0)
            lines.append(f"{version}: registered ({card['kind']}, cost {cost:.3f} per case on "
                         f"the last {held} held-out hours, ONNX parity ok)")
        else:
            lines.append(
                f"{version}: registered ({card['kind']}, {card['metrics']['cv_folds']}-fold "
                f"expected cost {cost:.3f}, ONNX parity ok)"
            )
    best = min(cards, key=lambda v: cards[v]["metrics"]["cv_expected_cost"])
    should_promote = promote if promote is not None else champion is None
    if should_promote and best != champion:
        _promote(ctx, best, "lowest cross-validated expected cost at training")
        lines.append(f"{best}: promoted to champion")
        champion = best
    for version in cards:
        if version != champion and _status(ctx, domain, version) == "registered":
            _shadow(ctx, version)
            lines.append(f"{version}: runs in shadow (scored and recorded, never acted on)")
    return lines


def _status(ctx: Context, domain: str, version: str) -> str:
    return ctx.models().status(domain, version)


def promote(ctx: Context, version: str, reason: str) -> ModelView:
    """Make ``version`` the champion; the previous champion is demoted (one transaction).

    Raises:
        NotAuthorised: unless the acting role manages the domain's models (the pack's
            engineer or policy owner).
    """
    ctx.require_model_manager("promote a model", model_domain(ctx, version))
    require_plain("reason", reason)
    return _promote(ctx, version, reason)


def _promote(ctx: Context, version: str, reason: str) -> ModelView:
    domain = model_domain(ctx, version)
    champion = ctx.deployed(domain).champion
    new = ctx.log.model_version(domain, version)
    new.promote(evidence={"reason": reason, "card_metrics": new.card.get("metrics", {})}, **ctx.who)
    changed = [new]
    if champion and champion != version:
        old = ctx.log.model_version(domain, champion)
        old.demote(reason=f"replaced by {version}", **ctx.who)
        changed.append(old)
    ctx.log.save(*changed)
    ctx.forget(domain)
    return _view(ctx, domain, version)


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


def _model_view(r: Mapping[str, Any], evals: Mapping[str, bool], status: str) -> ModelView:
    card = json.loads(r["card"] or "{}")
    return ModelView(
        version=r["model_version"],
        domain=r["domain"],
        kind=str(card.get("kind", "")),
        status=status,
        registered_at=when(r["registered_at"]),
        registered_by=r["registered_by"] or "",
        metrics=dict(card.get("metrics", {})),
        card=card,
        evals=dict(evals),
    )
