"""Find code in a submission that reaches for the grader's machinery instead of the exercise.

Some tests can only be made inside the learner's kernel (a DataFrame's schema, a cluster
spec the learner built), and the learner's earlier cells ran in that kernel first: they can
replace a check (``lab.check = ...``), patch the classes a check reads
(``type(w.dbfs).exists = ...``), or rebind ``lab``. Those tests cannot be made tamper-proof
where they run, so the learner's cells are read, as text, before their points are kept.

This is a static reading of the learner's own (unlocked) code cells, with no false alarms on
the course's solutions or its typical mistakes; a determined attacker can hide code from it
(see docs/threat-model.md), which is why every check that can be made outside the kernel is
made there as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from grader.grading.results import NOT_CONFIRMED, TAMPERING, NotebookResult

#: Names that hold the grader's objects in a notebook.
GRADER_NAMES = {"lab", "Lab", "grader"}
#: Modules whose objects a check reads or a check is made of.
WATCHED_MODULES = ("grader", "mlflow", "pyspark", "databricks", "builtins", "sys", "io", "hashlib")
#: Calls that run code the reader cannot see, or reach around attribute access.
HIDDEN_CALLS = {"exec", "eval", "compile", "__import__", "setattr", "delattr", "vars"}
#: Imports with no place in the exercises and every use in tampering.
FORBIDDEN_IMPORTS = ("grader.checks", "grader.grading", "builtins", "ctypes", "gc", "importlib")


def scan_notebook(path: Path) -> list[str]:
    """What the learner's code cells of ``path`` do to the grader, one line each."""
    notebook = nbformat.read(path, as_version=4)
    modules: set[str] = set()
    found: list[str] = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("locked") or meta.get("grade"):
            continue  # locked and test cells are restored from the gradebook
        try:
            tree = ast.parse(_without_magics(cell.source))
        except SyntaxError:
            continue  # it fails when it runs; nothing to hide
        for finding in _scan(tree, modules):
            found.append(f"{finding} (cell {cell.get('id', '?')!r})")
    return found


def _without_magics(source: str) -> str:
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def _scan(tree: ast.AST, modules: set[str]) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found += _imports(node, modules)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                found += _target(target, modules)
            if isinstance(node, ast.Assign) and _reaches_grader(node.value, modules):
                modules.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in HIDDEN_CALLS:
                found.append(f"calls {node.func.id}()")
        elif isinstance(node, ast.Attribute) and node.attr in ("__dict__", "__class__", "__code__"):
            found.append(f"reaches into .{node.attr}")
    return found


def _imports(node: ast.Import | ast.ImportFrom, modules: set[str]) -> list[str]:
    found = []
    names = (
        [(a.name, a.asname or a.name.split(".")[0]) for a in node.names]
        if isinstance(node, ast.Import)
        else [(f"{node.module or ''}.{a.name}", a.asname or a.name) for a in node.names]
    )
    for full, bound in names:
        if full.startswith(FORBIDDEN_IMPORTS):
            found.append(f"imports {full}")
        if full.split(".")[0] in WATCHED_MODULES:
            modules.add(bound)
    return found


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node


def _reaches_grader(value: ast.AST, watched: set[str]) -> bool:
    """A value that is (part of) the grader's objects: ``lab.workspace_client()``,
    ``w.dbfs`` of such a ``w``, ``type(anything)``. Then its name is watched too."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "type":
        return True
    node, called = value, False
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        called |= isinstance(node, ast.Call)
        node = node.func if isinstance(node, ast.Call) else node.value
    if not isinstance(node, ast.Name):
        return False
    return node.id in GRADER_NAMES or (node.id in watched and not called)


def _target(target: ast.AST, modules: set[str]) -> list[str]:
    """An assignment target that rebinds or patches what a check relies on."""
    if isinstance(target, ast.Tuple | ast.List):
        return [f for t in target.elts for f in _target(t, modules)]
    if isinstance(target, ast.Starred):
        return _target(target.value, modules)
    if isinstance(target, ast.Name):
        return [f"rebinds {target.id}"] if target.id in GRADER_NAMES else []
    if not isinstance(target, ast.Attribute):
        return []
    root = _root(target)
    text = ast.unparse(target)
    if isinstance(root, ast.Name) and (root.id in GRADER_NAMES or root.id in modules):
        return [f"replaces {text}"]
    if isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id == "type":
        return [f"patches a class: {text}"]
    return []


def withhold(result: NotebookResult, findings: list[str]) -> NotebookResult:
    """Zero every test of a notebook whose learner's code reached into the grader.

    A test made in the kernel cannot be trusted after that, and one confirmed by the
    records outside may rest on records made by hand instead of by the work (a run logged
    with the right parameters but no training): tampering costs the notebook, and the
    reason says so (a test the records refuted keeps that reason).
    """
    if not findings:
        return result
    more = f" and {len(findings) - 1} more" if findings[1:] else ""
    reason = f"{TAMPERING}: {findings[0]}{more}"
    for test in result.tests:
        if test.points > 0 or not test.reason.startswith(NOT_CONFIRMED):
            test.points, test.passed, test.reason = 0.0, False, reason
    return result
