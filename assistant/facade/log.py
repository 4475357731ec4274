"""The log itself: verify, checkpoints, read-model checks and replay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.facade.base import Door
from assistant.usecases import (
    maintenance,
)
from events.chain import VerifyReport
from events.checkpoint import CheckpointReport
from events.readmodel_check import ReadModelReport
from events.readmodel_seal import Seal


class LogDoor(Door):
    # --- the log itself --------------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        return maintenance.verify(self._ctx)

    def export_checkpoint(self) -> dict[str, Any]:
        """A signed checkpoint (position, head link, landmarks, time, signer) to keep
        outside the store. Refused when the log does not verify."""
        return maintenance.export_checkpoint(self._ctx)

    def verify_checkpoint(self, checkpoint: Any) -> CheckpointReport:
        """Prove the log still holds a checkpoint's prefix unchanged, or name what changed."""
        return maintenance.verify_checkpoint(self._ctx, checkpoint)

    def verify_against(self, checkpoint: Any) -> tuple[CheckpointReport, VerifyReport | None]:
        """The checkpoint's verdict and the whole log's, in one walk (the log's report is
        None when the checkpoint's own signature or signer failed)."""
        return maintenance.verify_against(self._ctx, checkpoint)

    def record_at(self, position: int) -> str:
        """Which case (reference and id) or record holds the event at a log position."""
        return maintenance.record_at(self._ctx, position)

    def verify_read_models(self, checkpoint: Any | None = None) -> ReadModelReport:
        """The read models against the log; with a checkpoint carrying a seal, only what
        changed since it is replayed (the whole log when anything differs)."""
        return maintenance.verify_read_models(self._ctx, self._seal(checkpoint))

    def start_read_model_check(
        self, checkpoint: Any | None = None
    ) -> Callable[[], ReadModelReport]:
        """The read-model check started beside the caller's own work; call for its report."""
        return maintenance.start_read_model_check(self._ctx, self._seal(checkpoint))

    def _seal(self, checkpoint: Any | None) -> Seal | None:
        return None if checkpoint is None else maintenance.checkpoint_seal(self._ctx, checkpoint)

    def replay(self) -> int:
        return maintenance.replay(self._ctx)

    def replay_check(self) -> list[str]:
        return maintenance.replay_check(self._ctx)
