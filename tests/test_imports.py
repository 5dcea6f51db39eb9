"""The rooms of the package and the imports between them, as docs/architecture.md draws them.

Imports run down: ``grader.lab`` (what a notebook imports) and ``grader.checks`` (the facts
a check asserts) never import the instructor's side (``grader.grading``), the headless
runners (``grader.run``), the admin tools (``grader.admin``) or the command line; the lab
never imports the checks except through ``Lab.check``'s door (``grader.lab.lab._checks``), the
one deliberate, lazy import from a notebook's lab up to its checks. And no two modules import each other, directly or round a
longer loop. The graph is read from the source (every ``import``, at the top of a module or
inside a function), so a lazy import counts as much as an eager one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "grader"

#: The rooms a notebook's kernel loads; what they may import besides themselves.
RUNTIME = ("grader.lab", "grader.checks")
RUNTIME_MAY_IMPORT = ("grader.config", "grader.exceptions", *RUNTIME)

#: The one import from the lab up to the checks, (module, function, imported module):
#: ``Lab.check`` (and ``Lab.see_run``, which speaks the checks' words) go through it.
LAB_TO_CHECKS = {("grader.lab.lab", "_checks", "grader.checks")}


#: Each room and what it may import besides itself: docs/architecture.md's table. ``grader``
#: alone is the package itself (a module that reads its own files, as the wheel does).
BASE = ("grader.config", "grader.exceptions")
ROOMS: dict[str, tuple[str, ...]] = {
    "grader.exceptions": (),
    "grader.config": ("grader.exceptions",),
    "grader.lab": BASE,
    "grader.checks": ("grader.lab", *BASE),
    "grader.paths": ("grader.lab", "grader.exceptions"),
    "grader.admin": ("grader.lab", *BASE),
    "grader.run": ("grader", "grader.lab", "grader.checks", "grader.paths", *BASE),
    "grader.grading": (
        "grader",
        "grader.lab",
        "grader.checks",
        "grader.run.startup",
        "grader.paths",
        *BASE,
    ),
    "grader.jupyter": ("grader.grading", "grader.lab", "grader.paths", *BASE),
    "grader.cli": ("grader",),  # the command line may import anything
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    where: str  # the function (``Class.method``) holding the import, "" at module level
    target: str  # the imported module (``from grader.lab import reference``: its module)
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # a relative import, resolved against the importing module's package
        package = module.split(".")
        is_package = MODULES[module].name == "__init__.py"
        base = package[: len(package) - node.level + (1 if is_package else 0)]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    # ``from grader.lab import reference`` imports the module grader.lab.reference
    return [
        f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
        for alias in node.names
    ]


def _is_main_guard(node: ast.AST) -> bool:
    """``if __name__ == "__main__":``, a script's entry (which may call the command line)."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        and any(
            isinstance(c, ast.Constant) and c.value == "__main__" for c in node.test.comparators
        )
    )


def imports_of(module: str) -> list[Import]:
    """Every import of a ``grader`` module in ``module``, with the function it sits in."""
    found: list[Import] = []

    def visit(node: ast.AST, scope: tuple[str, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if _is_main_guard(child):
                continue  # runs as ``python -m`` only, never when the module is imported
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in _targets(child, module):
                    if target == "grader" or target.startswith("grader."):
                        found.append(Import(module, ".".join(scope), target, child.lineno))
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = (*scope, child.name)
            visit(child, inner)

    visit(ast.parse(MODULES[module].read_text(encoding="utf-8")), ())
    return found


ALL_IMPORTS = [imp for module in MODULES for imp in imports_of(module)]


def within(module: str, rooms: tuple[str, ...]) -> bool:
    return any(module == room or module.startswith(room + ".") for room in rooms)


def test_the_graph_is_read():
    """The walk finds imports, lazy ones included (else the rules below would pass empty)."""
    assert ("grader.lab.lab", "_checks", "grader.checks") in {
        (i.module, i.where, i.target) for i in ALL_IMPORTS
    }
    assert any(i.target == "grader.lab.steps" for i in ALL_IMPORTS)


@pytest.mark.parametrize("room", RUNTIME)
def test_the_runtime_imports_only_itself(room):
    """Nothing a notebook's kernel loads imports grading, the runners or the admin tools."""
    wrong = [
        f"{i.module}:{i.line} ({i.where or 'module level'}) imports {i.target}"
        for i in ALL_IMPORTS
        if within(i.module, (room,)) and not within(i.target, RUNTIME_MAY_IMPORT)
    ]
    assert not wrong, "imports out of the runtime:\n" + "\n".join(wrong)


def test_every_module_has_a_room():
    rooms = tuple(ROOMS)
    assert [m for m in MODULES if m != "grader" and not within(m, rooms)] == []


def _room(module: str) -> str:
    return max((r for r in ROOMS if within(module, (r,))), key=len)


def test_each_room_imports_only_what_the_plan_allows():
    wrong = [
        f"{i.module}:{i.line} imports {i.target} ({_room(i.module)} may import: "
        f"{', '.join(ROOMS[_room(i.module)]) or 'nothing'})"
        for i in ALL_IMPORTS
        if i.module != "grader" and (i.module, i.where, i.target) not in LAB_TO_CHECKS
        if not within(i.target, (_room(i.module),))
        if not (i.target == "grader" and "grader" in ROOMS[_room(i.module)])
        if not within(i.target, tuple(r for r in ROOMS[_room(i.module)] if r != "grader"))
        if _room(i.module) != "grader.cli"
    ]
    assert not wrong, "imports the plan does not allow:\n" + "\n".join(wrong)


def test_the_lab_reaches_the_checks_only_through_lab_check():
    found = {
        (i.module, i.where, i.target)
        for i in ALL_IMPORTS
        if within(i.module, ("grader.lab",)) and within(i.target, ("grader.checks",))
    }
    assert found == LAB_TO_CHECKS, f"the lab imports the checks from {sorted(found)}"


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One loop of the graph, or None (depth-first search, colouring the nodes)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (loop := visit(nxt)):
                return loop
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (loop := visit(node)):
            return loop
    return None


def _graph() -> dict[str, set[str]]:
    """Module → the modules it imports; a package's ``__init__`` re-exports are not loops
    (``grader.lab`` → ``grader.lab.steps``), and neither is ``Lab.check``'s door."""
    edges: dict[str, set[str]] = {}
    for i in ALL_IMPORTS:
        if (i.module, i.where, i.target) in LAB_TO_CHECKS or i.target == i.module:
            continue
        if i.module.startswith(i.target + "."):  # a module importing its own package
            continue
        edges.setdefault(i.module, set()).add(i.target)
    return edges


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


def test_no_module_imports_itself_round_a_loop():
    loop = _cycle(_graph())
    assert loop is None, "import cycle: " + " -> ".join(loop or [])


def test_the_databricks_engine_and_its_runner_do_not_import_each_other():
    """papermill imports the engine in every run; the engine calls its runner, lazily, and
    the runner needs nothing of the engine's."""
    engine = next(m for m in MODULES if m.endswith("databricks.engine"))
    runner = next(m for m in MODULES if m.endswith("databricks.notebook_runner"))
    assert not [i for i in ALL_IMPORTS if i.module == runner and i.target == engine]


def _documented_rooms() -> dict[str, set[str]]:
    """docs/architecture.md's table: room → what it may import (``lab`` → ``grader.lab``)."""
    import re

    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rooms = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`grader/"):
            continue
        names = re.findall(r"`grader/([\w/]+?)(?:\.py)?/?`", cells[0])
        allowed = {f"grader.{n}" for n in re.findall(r"`([\w.]+)`", cells[3])}
        for name in names:
            rooms[f"grader.{name.replace('/', '.')}"] = allowed
    return rooms


def test_the_documented_plan_is_the_tested_one():
    documented = _documented_rooms()
    tested = {
        room: {r for r in allowed if r != "grader"}
        for room, allowed in ROOMS.items()
        if room not in ("grader.cli", "grader.config", "grader.exceptions")
    }
    assert {r: documented.get(r) for r in tested} == tested
