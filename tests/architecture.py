"""The layering rules of the house, as a checker over any source tree.

``tests/test_architecture.py`` runs it on the project, and on small synthetic trees that
break each rule, so every rule is shown to fail when it should.

An import is any ``import``/``from`` statement (relative ones resolved against the
module's package, function-level ones included) and any ``importlib.import_module`` /
``__import__`` call with a literal name; imports inside ``if TYPE_CHECKING:`` are not
executed and so not counted.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The project's top-level packages, bottom layer first.
PACKAGES = ("events", "guardrails", "assistant", "tui", "evals", "cli")

#: What each package may import of the others (the rest of the house is off limits).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "events": frozenset(),
    "guardrails": frozenset(),
    "assistant": frozenset({"events", "guardrails"}),
    "tui": frozenset({"assistant.service", "assistant.views", "events.errors"}),
    # assistant.stats: the one statistics module (pure numbers, no acting), so the scorers'
    # intervals and the service's quality figures are computed by the same code.
    "evals": frozenset(
        {"assistant.service", "assistant.views", "assistant.stats", "events.errors"}
    ),
    "cli": frozenset({"assistant", "events.errors", "tui", "evals"}),
}

#: Libraries a pure package may not use: I/O, network, UI, storage, threads.
IO_AND_UI = frozenset({
    "os", "io", "pathlib", "shutil", "socket", "sqlite3", "subprocess", "http", "urllib",
    "requests", "httpx", "aiohttp", "litellm", "openai", "textual", "rich", "click",
    "sqlite_utils", "eventsourcing", "onnxruntime", "asyncio", "threading", "logging",
    "tempfile", "glob",
})  # fmt: skip

#: Storage and model libraries the front ends reach only through the service.
FRONT_END_FORBIDDEN = frozenset({
    "sqlite3", "sqlite_utils", "eventsourcing", "psycopg", "onnxruntime", "sklearn",
    "skl2onnx", "litellm",
})  # fmt: skip

#: Attributes only ``events`` may touch: the log's storage internals and raw SQL.
EVENTS_INTERNALS = frozenset({"recorder", "mapper", "execute", "executemany"})
_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE)\s", re.IGNORECASE)


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. "assistant.usecases.intake"
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name.split(".")[0]

    @property
    def is_package_init(self) -> bool:
        return self.path.name == "__init__.py"


def modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Module]:
    """Every module of the project's packages under ``root``, by dotted name."""
    found: dict[str, Module] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            found[".".join(parts)] = Module(".".join(parts), path, tree)
    return found


def _skipped_nodes(tree: ast.Module, *, functions: bool) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks (never executed), and with
    ``functions`` those inside function bodies (executed only when called)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        guarded = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        deferred = functions and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        if guarded or deferred:
            for child in node.body:  # type: ignore[attr-defined]
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def imports(
    module: Module,
    known: frozenset[str] | dict[str, Module] = frozenset(),
    *,
    at_import_time: bool = False,
) -> Iterator[str]:
    """The dotted names ``module`` imports (see the module docstring for what counts).

    ``from a import b`` imports the module ``a.b`` when ``known`` holds it, else ``a``.
    With ``at_import_time``, only what runs when the module is imported counts.
    """
    skipped = _skipped_nodes(module.tree, functions=at_import_time)
    base = module.name.split(".")
    if not module.is_package_init:
        base = base[:-1]
    for node in ast.walk(module.tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)]
                parent = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                parent = node.module or ""
            for alias in node.names:
                child = f"{parent}.{alias.name}"
                yield child if child in known else parent
        elif isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if func.split(".")[-1] in {"import_module", "__import__"} and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield first.value


def _within(name: str, allowed: str) -> bool:
    return name == allowed or name.startswith(allowed + ".")


def layering_violations(root: Path) -> list[str]:
    """Imports of another project package that the importing package may not make."""
    found = modules(root)
    bad: list[str] = []
    for module in found.values():
        allowed = MAY_IMPORT.get(module.package, frozenset())
        for name in sorted(set(imports(module, found))):
            top = name.split(".")[0]
            if top not in PACKAGES or top == module.package:
                continue
            if not any(_within(name, a) for a in allowed):
                bad.append(f"{module.name} imports {name}")
    return bad


def library_violations(root: Path, package: str, forbidden: frozenset[str]) -> list[str]:
    """Imports of ``forbidden`` libraries by ``package``."""
    return [
        f"{module.name} imports {name}"
        for module in modules(root, (package,)).values()
        for name in sorted(set(imports(module)))
        if name.split(".")[0] in forbidden
    ]


def internals_violations(root: Path) -> list[str]:
    """Uses of the log's recorder/mapper, or SQL text, outside ``events``."""
    bad: list[str] = []
    for module in modules(root).values():
        if module.package == "events":
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Attribute) and node.attr in EVENTS_INTERNALS:
                bad.append(f"{module.name}:{node.lineno} uses .{node.attr}")
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _SQL.match(node.value)
            ):
                bad.append(f"{module.name}:{node.lineno} holds SQL")
    return bad


def import_cycles(root: Path) -> list[list[str]]:
    """Cycles in the graph of what modules import when they are imported (each listed
    once, from its smallest name). An import inside a function is a deliberate late
    binding (a screen reaching its app, a registry loading its plugins) and not counted."""
    found = modules(root)
    graph: dict[str, set[str]] = {
        name: {i for i in imports(module, found, at_import_time=True) if i in found and i != name}
        for name, module in found.items()
    }
    cycles: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                start = cycle.index(min(cycle))
                cycles.add(tuple(cycle[start:] + cycle[:start]))
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return [list(c) for c in sorted(cycles)]
