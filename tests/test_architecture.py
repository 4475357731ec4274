"""The layering rules, enforced on the project, and each shown to fail when broken.

``events`` knows nothing of models, LLMs or screens; ``guardrails`` is pure;
``assistant`` uses both and never reaches up into ``tui``, ``evals`` or ``cli``; ``tui``
and ``evals`` talk to the application service only; ``cli`` sits on top. Nothing outside
``events`` touches the log's recorder or mapper or writes SQL; modules import no cycle;
the decision path does not load training libraries or the LLM client. The checker is
:mod:`tests.architecture`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import architecture as arch

ROOT = Path(__file__).resolve().parents[1]


# --- the project keeps every rule --------------------------------------------------------


def test_every_package_imports_only_the_layers_below_it() -> None:
    assert arch.layering_violations(ROOT) == []


def test_guardrails_are_pure() -> None:
    assert arch.library_violations(ROOT, "guardrails", arch.IO_AND_UI) == []


@pytest.mark.parametrize("package", ["tui", "evals"])
def test_front_ends_use_no_storage_or_model_library(package: str) -> None:
    assert arch.library_violations(ROOT, package, arch.FRONT_END_FORBIDDEN) == []


def test_only_events_touches_the_log_internals_or_writes_sql() -> None:
    assert arch.internals_violations(ROOT) == []


def test_no_module_import_cycles() -> None:
    assert arch.import_cycles(ROOT) == []


def heavy_on_decision_path(also_import: str = "") -> str:
    """The heavy libraries loaded by importing the decision path (and ``also_import``)."""
    code = (
        f"import sys, assistant.orchestrator, assistant.specialists.serving, assistant.service\n"
        f"{also_import}\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sklearn', 'skl2onnx', 'pandas', 'litellm', 'openai', 'textual'})\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_decision_path_loads_no_training_or_llm_library() -> None:
    """Scoring a case must not pay for scikit-learn, pandas or litellm imports."""
    assert heavy_on_decision_path() == ""


def test_a_heavy_library_on_the_decision_path_is_found() -> None:
    assert heavy_on_decision_path("import textual.app") == "textual"


# --- each rule fails when broken (synthetic trees) ---------------------------------------


def make_tree(root: Path, files: dict[str, str]) -> Path:
    """A project tree with every package present and ``files`` (path → source) in it."""
    for package in arch.PACKAGES:
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").touch()
    for path, source in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / "__init__.py").touch()
        target.write_text(source, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("events/log.py", "import assistant.service\n", "events.log imports assistant.service"),
        ("assistant/x.py", "from tui import app\n", "assistant.x imports tui"),
        ("assistant/x.py", "import evals.runner\n", "assistant.x imports evals.runner"),
        ("assistant/x.py", "from cli.app import cli\n", "assistant.x imports cli.app"),
        (
            "assistant/x.py",
            "def late():\n    import importlib\n    importlib.import_module('tui.app')\n",
            "assistant.x imports tui.app",
        ),
        ("assistant/sub/x.py", "from ...tui import app\n", "assistant.sub.x imports tui"),
        ("tui/x.py", "from events.readmodels import ReadModels\n", "tui.x imports events"),
        ("evals/x.py", "from assistant.orchestrator import O\n", "evals.x imports assistant"),
        ("evals/x.py", "import cli\n", "evals.x imports cli"),
        ("guardrails/x.py", "from events import errors\n", "guardrails.x imports events"),
    ],
)
def test_a_layering_break_is_found(tmp_path: Path, path: str, source: str, expected: str) -> None:
    found = arch.layering_violations(make_tree(tmp_path, {path: source}))
    assert any(line.startswith(expected) for line in found), found


def test_a_type_checking_import_is_not_a_layering_break(tmp_path: Path) -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import tui.app\n"
    assert arch.layering_violations(make_tree(tmp_path, {"assistant/x.py": source})) == []


def test_impure_guardrails_are_found(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"guardrails/x.py": "from pathlib import Path\n"})
    assert arch.library_violations(tree, "guardrails", arch.IO_AND_UI) == [
        "guardrails.x imports pathlib"
    ]


def test_a_front_end_reaching_storage_is_found(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"tui/x.py": "import sqlite_utils\n"})
    assert arch.library_violations(tree, "tui", arch.FRONT_END_FORBIDDEN) == [
        "tui.x imports sqlite_utils"
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(log):\n    return log.recorder\n", "assistant.x:2 uses .recorder"),
        (
            "def f(log, s):\n    return log.mapper.to_domain_event(s)\n",
            "assistant.x:2 uses .mapper",
        ),
        ("def f(db):\n    db.execute('x')\n", "assistant.x:2 uses .execute"),
        ("Q = 'SELECT * FROM cases'\n", "assistant.x:1 holds SQL"),
    ],
)
def test_log_internals_outside_events_are_found(tmp_path: Path, source: str, expected: str) -> None:
    found = arch.internals_violations(make_tree(tmp_path, {"assistant/x.py": source}))
    assert expected in found
    assert arch.internals_violations(make_tree(tmp_path / "ok", {"events/x.py": source})) == []


def test_an_import_cycle_is_found(tmp_path: Path) -> None:
    tree = make_tree(
        tmp_path,
        {
            "assistant/a.py": "from assistant import b\n",
            "assistant/b.py": "from . import c\n",
            "assistant/c.py": "import assistant.a\n",
        },
    )
    assert arch.import_cycles(tree) == [["assistant.a", "assistant.b", "assistant.c"]]


def test_a_late_import_is_not_a_cycle(tmp_path: Path) -> None:
    tree = make_tree(
        tmp_path,
        {
            "tui/app.py": "from tui import screen\n",
            "tui/screen.py": "def app():\n    from tui.app import App\n    return App\n",
        },
    )
    assert arch.import_cycles(tree) == []
