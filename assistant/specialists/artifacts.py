"""Artifact layout: one directory per model version, addressed by content.

::

    <root>/<version>/              version = "<domain>-<kind>-<first 8 hex of model sha256>"
        model.onnx                 the whole pipeline (preprocessing included)
        card.json                  model card; "files" lists the sha256 of every file below
        explain.json               what attributions need (coefficients / reference values)
        ood.json                   the fitted out-of-distribution check
        oof.json                   out-of-fold p(bad) of every training row (for backtests)

The same training data, code and seed give the same ``model.onnx`` bytes and hence the same
version. Loading checks every file against the card, so a corrupted or swapped file is
refused with one clear sentence.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from events.errors import ModelError

MODEL_FILE = "model.onnx"
CARD_FILE = "card.json"
EXPLAIN_FILE = "explain.json"
OOD_FILE = "ood.json"
OOF_FILE = "oof.json"
CARD_SCHEMA = "docket.model-card/1"


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def version_id(domain: str, kind: str, model_sha256: str) -> str:
    return f"{domain}-{kind}-{model_sha256[:8]}"


@dataclass(frozen=True)
class ArtifactInfo:
    version: str
    path: Path
    card: dict[str, Any]


def write_artifact(
    root: str | Path,
    version: str,
    model: bytes,
    card: dict[str, Any],
    explain: dict[str, Any],
    ood: dict[str, Any],
    oof: dict[str, Any],
) -> Path:
    """Write one version's files atomically (a temp dir renamed into place); return its dir."""
    target = Path(root) / version
    payloads = {
        MODEL_FILE: model,
        EXPLAIN_FILE: _json_bytes(explain),
        OOD_FILE: _json_bytes(ood),
        OOF_FILE: _json_bytes(oof),
    }
    full_card = {**card, "files": {n: sha256_bytes(b) for n, b in payloads.items()}}
    payloads[CARD_FILE] = _json_bytes(full_card)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=target.parent))
    for name, content in payloads.items():
        (staging / name).write_bytes(content)
    if target.exists():  # same content address: replace (the card's training time changes)
        for name in payloads:
            os.replace(staging / name, target / name)
        staging.rmdir()
    else:
        os.replace(staging, target)
    return target


def read_card(artifact_dir: str | Path) -> dict[str, Any]:
    """The model card of one version. Raises ModelError if missing or unreadable."""
    path = Path(artifact_dir) / CARD_FILE
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"no model card at {path}: the model artifact is missing") from exc
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad UTF-8 or JSON too
        raise ModelError(f"the model card {path} is unreadable: {exc}") from exc
    if not isinstance(card, dict) or card.get("schema") != CARD_SCHEMA:
        raise ModelError(f"{path} is not a Docket model card ({CARD_SCHEMA})")
    return card


def read_verified(artifact_dir: str | Path, name: str, card: dict[str, Any]) -> bytes:
    """Read one artifact file and check it against the card's sha256. Raises ModelError."""
    path = Path(artifact_dir) / name
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror or exc}") from exc
    expected = card.get("files", {}).get(name)
    if expected != sha256_bytes(content):
        raise ModelError(f"{path} does not match its model card (sha256 differs): "
                         "the file is corrupt or was replaced")
    return content


def list_artifacts(root: str | Path) -> list[ArtifactInfo]:
    """Every readable version under ``root``, oldest training time first."""
    found = []
    base = Path(root)
    if not base.is_dir():
        return []
    for child in sorted(base.iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            try:
                card = read_card(child)
            except ModelError:
                continue
            found.append(ArtifactInfo(child.name, child, card))
    return sorted(found, key=lambda a: str(a.card.get("trained_at", "")))


def _json_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")
