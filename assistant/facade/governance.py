"""The policy and the models: change, review, sign off, backtest; train, register, promote,
shadow."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from assistant.domains import pack_roles
from assistant.facade.base import Door
from assistant.usecases import (
    evaluation,
    models,
    policy,
    training,
)
from assistant.views import (
    BacktestView,
    ModelView,
    PolicyPreview,
    PolicyView,
    PromotionProposalView,
)
from events.errors import NotFound


class GovernanceDoor(Door):
    def _in_owner_role(self, domain: str) -> AbstractContextManager[None]:
        """Act in the pack's owner role when no role was named (see ``in_pack_role``)."""
        return self._ctx.in_pack_role((pack_roles(domain).owner,))

    def _in_version_role(self, version: str) -> AbstractContextManager[None]:
        """Act in the role managing the models of ``version``'s pack (its engineer, else its
        owner) when no role was named; as it is for a version not registered (the use case
        says so)."""
        domain = self._ctx.models().domain_of(version)
        if domain is None:
            return nullcontext()
        try:
            managers = pack_roles(domain).model_managers
        except NotFound:  # its pack is no longer installed: the use case says so
            return nullcontext()
        return self._ctx.in_pack_role(managers)

    # --- policy --------------------------------------------------------------------------------

    def policy(self, domain: str) -> PolicyView:
        return policy.policy(self._ctx, domain)

    def review_policy(self, domain: str, note: str) -> PolicyView:
        with self._ctx.in_pack_role((pack_roles(domain).auditor,)):
            return policy.review_policy(self._ctx, domain, note)

    def sign_off_policy(self, domain: str, note: str = "") -> PolicyView:
        with self._in_owner_role(domain):
            return policy.sign_off_policy(self._ctx, domain, note)

    def change_policy(
        self, domain: str, changes: Mapping[str, Any], justification: str
    ) -> PolicyView:
        """Propose a change (owner role); it takes effect when a second person holding the
        owner role approves it (:meth:`approve_policy_change`). The view lists it as pending."""
        with self._in_owner_role(domain):
            return policy.change_policy(self._ctx, domain, changes, justification)

    def approve_policy_change(self, domain: str, proposal: int) -> PolicyView:
        """Four eyes: approve another person's proposed change; it takes effect now."""
        with self._in_owner_role(domain):
            return policy.approve_change(self._ctx, domain, proposal)

    def reject_policy_change(self, domain: str, proposal: int, reason: str) -> PolicyView:
        """Reject a proposed change (the owner role), or withdraw one's own."""
        with self._in_owner_role(domain):
            return policy.reject_change(self._ctx, domain, proposal, reason)

    def backtest(self, domain: str, changes: Mapping[str, Any] | None = None) -> list[BacktestView]:
        return policy.backtest(self._ctx, domain, changes)

    def preview_policy(self, domain: str, changes: Mapping[str, Any]) -> PolicyPreview:
        return policy.preview_policy(self._ctx, domain, changes)

    # --- models --------------------------------------------------------------------------------

    def train(
        self,
        domain: str,
        *,
        promote: bool | None = None,
        holdout: Sequence[int] = (),
        on_step: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Train and register DOMAIN's models; ``on_step`` hears of each step as it starts."""
        with self._ctx.in_pack_role(pack_roles(domain).model_managers):
            return training.train(self._ctx, domain, promote=promote, holdout=holdout,
                                  on_step=on_step)

    def retrain(self, domain: str, *, reason: str = "",
                on_step: Callable[[str], None] | None = None) -> tuple[list[str], list[str]]:
        with self._ctx.in_pack_role(pack_roles(domain).model_managers):
            return training.retrain(self._ctx, domain, reason=reason, on_step=on_step)

    def register_models(
        self,
        domain: str,
        artifact_dirs: Sequence[Path],
        *,
        promote: bool | None = None,
        evidence: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[str]:
        with self._ctx.in_pack_role(pack_roles(domain).model_managers):
            return models.register_models(
                self._ctx, domain, artifact_dirs, promote=promote, evidence=evidence
            )

    def promote(self, version: str, reason: str) -> ModelView:
        """Propose ``version`` as champion (a domain's first champion is installed at once)."""
        with self._in_version_role(version):
            return models.promote(self._ctx, version, reason)

    def approve_promotion(self, version: str) -> ModelView:
        """Approve another person's pending promotion of ``version``: it decides from now."""
        with self._in_version_role(version):
            return models.approve_promotion(self._ctx, version)

    def reject_promotion(self, version: str, reason: str) -> ModelView:
        """Reject a pending promotion (a manager), or withdraw your own."""
        with self._in_version_role(version):
            return models.reject_promotion(self._ctx, version, reason)

    def pending_promotions(self, domain: str | None = None) -> list[PromotionProposalView]:
        return models.pending_promotions(self._ctx, domain)

    def shadow(self, version: str) -> ModelView:
        with self._in_version_role(version):
            return models.shadow(self._ctx, version)

    def retire_model(self, version: str, reason: str) -> ModelView:
        """Retire ``version`` alone; for the champion, the emergency stop (baseline rules
        decide until a promotion is approved). Named with its reason in ``verify``."""
        with self._in_version_role(version):
            return models.retire(self._ctx, version, reason)

    def models(self, domain: str | None = None) -> list[ModelView]:
        return models.models(self._ctx, domain)

    def model_artifacts(self, version: str) -> Path:
        return models.model_artifacts(self._ctx, version)

    def cross_validated_costs(
        self,
        domain: str,
        *,
        seed: int = 0,
        repeats: int = 1,
        on_step: Callable[[str], None] | None = None,
    ) -> list[str]:
        """The cross-validated cost table; ``on_step`` hears of each fold as it starts."""
        return evaluation.cross_validated_costs(domain, seed=seed, repeats=repeats,
                                                on_step=on_step)
