"""The other files Docket reads (model cards, policy files) fail in one sentence on garbage."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from assistant.policies import PolicySpec
from assistant.specialists.artifacts import CARD_FILE, read_card
from events.errors import InputRejected, ModelError

GARBAGE = [
    pytest.param(b"[" * 100_000, id="deep nesting"),
    pytest.param(random.Random(4).randbytes(4096), id="binary"),
    pytest.param('{"schema": "caf\u00e9"}'.encode("latin-1"), id="latin-1"),
    pytest.param(b'{"n": ' + b"9" * 5000 + b"}", id="huge integer"),
    pytest.param(b"", id="empty"),
]


@pytest.mark.parametrize("content", GARBAGE)
def test_a_hostile_model_card_is_a_model_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / CARD_FILE).write_bytes(content)
    with pytest.raises(ModelError, match="model card"):
        read_card(tmp_path)


@pytest.mark.parametrize("content", GARBAGE)
def test_a_hostile_policy_file_is_input_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "policy.json"
    path.write_bytes(content)
    with pytest.raises(InputRejected):
        PolicySpec.from_file(path)
