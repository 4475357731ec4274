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
        """The read models against the log; with a seal (the checkpoint's when one is
        given, else the newest an admin or auditor recorded in the log), only what changed
        since it is replayed (the whole log when anything differs)."""
        return maintenance.verify_read_models(self._ctx, self._seal(checkpoint))

    def start_read_model_check(
        self, checkpoint: Any | None = None, *, to_seal: bool = False
    ) -> Callable[[], ReadModelReport]:
        """The read-model check started beside the caller's own work; call for its report
        (``to_seal``: with a seal of the file when it matches, for :meth:`record_seal`)."""
        return maintenance.start_read_model_check(self._ctx, self._seal(checkpoint),
                                                  to_seal=to_seal)  # fmt: skip

    def seal_note(self) -> str:
        """Why the log's newest seal will not be used ("" when it will, or there is none)."""
        return maintenance.log_seal(self._ctx)[1]

    def check_sealer(self) -> str:
        """The role the acting person would seal in; NotAuthorised when they may not."""
        return maintenance.sealing_role(self._ctx)

    def record_seal(self, seal: Seal) -> int:
        """Record a check's seal of the read models in the log; the position it took."""
        return maintenance.record_seal(self._ctx, seal)

    def _seal(self, checkpoint: Any | None) -> Seal | None:
        if checkpoint is not None:
            return maintenance.checkpoint_seal(self._ctx, checkpoint)
        return maintenance.log_seal(self._ctx)[0]

    def replay(self) -> int:
        return maintenance.replay(self._ctx)

    def replay_check(self) -> list[str]:
        return maintenance.replay_check(self._ctx)
