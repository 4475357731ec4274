"""Ratchet: the core below the packs names no domain's actions, outcomes, roles or words.

Every string literal in code (docstrings aside) of ``events/``, ``assistant/`` outside
``assistant/domains/``, ``tui/``, ``cli/``, ``evals/`` and ``guardrails/`` is read; a literal
naming credit's actions, outcomes, owner role or words is a finding. :data:`ALLOWED` lists
the findings that remain, by file, with their count; :data:`EXEMPT` those that are not the
core speaking credit (old events' meaning, the note screening's attack lexicons, the demo),
each with its reason. A new finding fails, and so does a count that went down without the
lists being lowered with it. Both may only shrink.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORE = ("events", "assistant", "tui", "cli", "evals", "guardrails")
EXCLUDED = ("assistant/domains/", "evals/datasets/")  # packs, and data sets with their builders

#: A literal equal to one of these is credit's vocabulary.
EXACT = frozenset({"good", "bad", "escalate", "approve", "decline", "risk_owner", "credit"})
#: A literal containing one of these is credit's wording.
INSIDE = re.compile(r"p\(bad\)|\bapplicants?\b|approve:bad|turns out bad|\brisk_owner\b")

#: (file, finding) -> how many times it may still occur. May only shrink.
ALLOWED: dict[tuple[str, str], int] = {}

#: Findings that are not the core speaking credit's vocabulary, each with why. May only
#: shrink too; a new entry needs a reason a reviewer accepts.
EXEMPT: dict[tuple[str, str], int] = {
    # What a version-1 event meant: logs written before packs declared their decision held
    # credit cases only, so the upcasters must say so (a fact about old stores).
    ('events/domain/case_rules.py', 'approve'): 1,
    ('events/domain/case_rules.py', 'bad'): 1,
    ('events/domain/case_rules.py', 'decline'): 1,
    ('events/domain/case_rules.py', 'escalate'): 2,
    ('events/domain/case_rules.py', 'good'): 1,
    ('events/domain/modelversion.py', 'risk_owner'): 2,
    # The note screening's lexicons: phrases people write into a note (attacks seen in credit
    # notes), matched in what arrives, never words the core speaks.
    ('guardrails/injection.py', 'applicant'): 5,
    ('guardrails/names.py', 'applicant'): 1,
    ('guardrails/payload.py', 'applicant'): 5,
    ('guardrails/payload.py', 'applicants'): 1,
    ('guardrails/text.py', 'applicant'): 1,
    # The demo seeds credit on purpose: credit's demo, with credit's people.
    ('cli/demo.py', 'credit'): 1,
    ('cli/demo.py', 'escalate'): 1,
    ('cli/demo.py', 'risk_owner'): 8,
    ('cli/policy.py', 'approve'): 1,  # the `docket policy approve` command's name
    ('cli/models.py', 'approve'): 1,  # the `docket models approve` command's name
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def findings() -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for package in CORE:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel.startswith(EXCLUDED):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip = _docstrings(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                    continue
                if id(node) in skip:
                    continue
                if node.value in EXACT:
                    found[(rel, node.value)] += 1
                for match in INSIDE.finditer(node.value):
                    found[(rel, match.group(0))] += 1
    return found


def test_no_new_domain_words_in_the_core() -> None:
    found = findings()
    new = {k: n for k, n in found.items() if n > ALLOWED.get(k, 0) + EXEMPT.get(k, 0)}
    assert not new, (
        "credit's vocabulary in the core (read it from the pack's declaration instead): "
        + "; ".join(f"{f}: {w!r} x{n}" for (f, w), n in sorted(new.items()))
    )


def test_the_allow_list_only_shrinks() -> None:
    found = findings()
    limits = Counter(ALLOWED) + Counter(EXEMPT)
    stale = {k: n for k, n in limits.items() if found.get(k, 0) < n}
    assert not stale, (
        "fewer findings than allowed: lower ALLOWED (or EXEMPT) to "
        + "; ".join(f"{k!r}: {found.get(k, 0)}" for k in sorted(stale))
    )


def test_the_ratchet_sees_a_literal(tmp_path: Path) -> None:
    tree = ast.parse('"""docstring: approve"""\nx = "escalate"\ny = f"per applicant {x}"\n')
    skip = _docstrings(tree)
    values = [n.value for n in ast.walk(tree)
              if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip]
    assert "escalate" in values and any(INSIDE.search(v) for v in values)
    assert "docstring: approve" not in values
