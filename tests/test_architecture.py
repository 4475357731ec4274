"""The dependency direction of the packages, enforced.

``events`` knows nothing of models, LLMs or screens; ``guardrails`` is pure;
``tui`` and ``evals`` talk to the application service only; the decision path
does not load training libraries or the LLM client.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKET_PACKAGES = {"assistant", "events", "guardrails", "tui", "evals"}


def imported_modules(package: str) -> dict[str, set[str]]:
    """Map each module file of ``package`` to the top-level names it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def offenders(package: str, forbidden: set[str]) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, names in imported_modules(package).items()
        for name in sorted(names)
        if name.split(".")[0] in forbidden or name in forbidden
    ]


def test_events_imports_no_other_docket_package() -> None:
    assert offenders("events", DOCKET_PACKAGES - {"events"}) == []


IO_AND_UI = {
    "os",
    "io",
    "pathlib",
    "shutil",
    "socket",
    "sqlite3",
    "subprocess",
    "http",
    "urllib",
    "requests",
    "httpx",
    "aiohttp",
    "litellm",
    "openai",
    "textual",
    "rich",
    "click",
    "sqlite_utils",
    "eventsourcing",
    "onnxruntime",
    "asyncio",
    "threading",
    "logging",
    "tempfile",
    "glob",
}


def test_guardrails_are_pure() -> None:
    assert offenders("guardrails", IO_AND_UI | (DOCKET_PACKAGES - {"guardrails"})) == []


FRONT_END_FORBIDDEN = {
    "sqlite3",
    "sqlite_utils",
    "eventsourcing",
    "psycopg",
    "onnxruntime",
    "sklearn",
    "skl2onnx",
    "litellm",
    "guardrails",
}


@pytest.mark.parametrize("package", ["tui", "evals"])
def test_front_ends_go_through_the_service(package: str) -> None:
    """tui and evals may import assistant's service and views, and events' errors only."""
    allowed_docket = {"assistant.service", "assistant.views", "events.errors"}
    bad = offenders(package, FRONT_END_FORBIDDEN)
    for module, names in imported_modules(package).items():
        for name in names:
            top = name.split(".")[0]
            if top in DOCKET_PACKAGES - {package} and name not in allowed_docket:
                bad.append(f"{module} imports {name}")
    assert bad == []


def test_decision_path_loads_no_training_or_llm_library() -> None:
    """Scoring a case must not pay for scikit-learn, pandas or litellm imports."""
    code = (
        "import sys, assistant.orchestrator, assistant.specialists.serving, assistant.service\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sklearn', 'skl2onnx', 'pandas', 'litellm', 'openai', 'textual'})\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
