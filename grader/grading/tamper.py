"""Find code in a submission that reaches for the grader's machinery instead of the exercise.

Some tests can only be made inside the learner's kernel (a DataFrame's schema, a cluster
spec the learner built), and the learner's earlier cells ran in that kernel first: they can
replace a check (``lab.check = ...``), patch the classes a check reads
(``type(w.dbfs).exists = ...``), or rebind ``lab``. Those tests cannot be made tamper-proof
where they run, so the learner's cells are read, as text, before their points are kept.

This is a static reading of the learner's own (unlocked) code cells, as IPython runs them:
each cell goes through IPython's own input transformations (magics, ``!`` shell lines, help
syntax) before it is parsed, and a cell that is Python neither way is itself a finding (only
a transformer the learner registered could run it). It flags what reaches into the grader
or into IPython's machinery: rebinding ``lab`` or the checks, patching watched modules and
classes, ``sys.modules`` and builtins, input and AST transformers, event, display and
exception hooks, magics that run hidden code, imports of modules that are not installed
packages (code the notebook wrote itself). It gives no false alarms on the course's
solutions or its typical mistakes; a determined attacker can still hide code from it (see
docs/threat-model.md), which is why every point is confirmed outside the kernel as well
(:mod:`.outcomes`).
"""

from __future__ import annotations

import ast
import importlib.machinery
import sys
from functools import cache
from pathlib import Path

import nbformat

from grader.grading.results import NOT_CONFIRMED, TAMPERING, NotebookResult

#: Names that hold the grader's objects in a notebook.
GRADER_NAMES = {"lab", "Lab", "grader"}
#: Modules whose objects a check reads or a check is made of.
WATCHED_MODULES = ("grader", "mlflow", "pyspark", "databricks", "builtins", "sys", "io", "hashlib")
#: Calls that run code the reader cannot see, or reach around attribute access.
HIDDEN_CALLS = {
    "exec", "eval", "compile", "__import__", "setattr", "delattr", "vars", "globals", "locals",
}  # fmt: skip
#: Imports with no place in the exercises and every use in tampering.
FORBIDDEN_IMPORTS = (
    "grader.checks", "grader.grading", "builtins", "ctypes", "gc", "importlib", "inspect",
    "IPython.core", "IPython.get_ipython", "ipykernel", "traitlets", "sys.modules",
)  # fmt: skip
#: Attributes of IPython's and Python's machinery: input and AST transformers, event,
#: display and exception hooks, frames and globals.
MACHINERY = {
    "__dict__", "__class__", "__code__", "input_transformers_post", "input_transformers_cleanup", "input_transformer_manager",
    "ast_transformers", "events", "set_custom_exc", "showtraceback", "_showtraceback",
    "display_pub", "display_formatter", "displayhook", "excepthook", "run_cell",
    "register_magic_function", "__builtins__", "__globals__", "__subclasses__", "f_globals",
    "f_locals", "f_back", "tb_frame", "gi_frame", "modules", "meta_path", "path_hooks",
    "get_ipython",
}  # fmt: skip
#: Magics a learner may use (IPython turns ``%name`` into ``run_line_magic('name', ...)``);
#: any other (``%run``, ``%load_ext``, ``%config``...) can run code the scan cannot read.
ALLOWED_MAGICS = {
    "time", "timeit", "matplotlib", "pip", "who", "whos", "pinfo", "pinfo2", "pwd", "ls",
    "env", "capture", "sh", "bash", "html", "markdown", "writefile", "precision", "history",
    "sx", "system", "psearch", "pdoc", "pdef", "psource", "pfile",
}  # fmt: skip
#: What ``get_ipython()`` may be asked, as IPython's own transformations ask it.
TRANSFORMED = {"system", "getoutput", "run_line_magic", "run_cell_magic"}


def scan_notebook(path: Path) -> list[str]:
    """What the learner's code cells of ``path`` do to the grader, one line each."""
    notebook = nbformat.read(path, as_version=4)
    modules: set[str] = set()
    found: list[str] = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("locked") or meta.get("grade"):
            continue  # locked and test cells are restored from the gradebook
        tree = parse_cell(cell.source)
        where = f"(cell {cell.get('id', '?')!r})"
        if tree is None:
            found.append(f"a cell that is not Python, even as IPython reads it {where}")
            continue
        for finding in _scan(tree, modules):
            found.append(f"{finding} {where}")
    return found


def parse_cell(source: str) -> ast.Module | None:
    """The cell as IPython would run it (magics and ``!`` lines turned into calls), else as
    plain Python; None when it is neither."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except Exception:  # SyntaxError, or a transformer refusing the text
        pass
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _scan(tree: ast.AST, modules: set[str]) -> list[str]:
    found = []
    allowed = _transformed_calls(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found += _imports(node, modules)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                found += _target(target, modules)
            if isinstance(node, ast.Assign) and _reaches_grader(node.value, modules):
                modules.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            if node.id in GRADER_NAMES:  # for, with, :=, comprehensions
                found.append(f"rebinds {node.id}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name in GRADER_NAMES:
                found.append(f"rebinds {node.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in HIDDEN_CALLS:
                found.append(f"calls {node.func.id}()")
        elif isinstance(node, ast.Attribute) and node.attr in MACHINERY:
            found.append(f"reaches into .{node.attr}")
        if isinstance(node, ast.Name) and node.id == "__builtins__":
            found.append("reaches into __builtins__")
        elif isinstance(node, ast.Name) and node.id == "get_ipython" and id(node) not in allowed:
            found.append("uses get_ipython()")
    found += _magics(tree)
    return found


def _transformed_calls(tree: ast.AST) -> set[int]:
    """The ``get_ipython()`` calls IPython's transformations make (``!ls``, ``%time``)."""
    calls = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in TRANSFORMED
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "get_ipython"
        ):
            calls.add(id(node.func.value.func))
    return calls


def _magics(tree: ast.AST) -> list[str]:
    """Magics outside :data:`ALLOWED_MAGICS`: ``%run``, ``%load_ext``, ``%config``..."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("run_line_magic", "run_cell_magic")
        ):
            name = node.args[0] if node.args else None
            magic = name.value if isinstance(name, ast.Constant) else None
            if magic not in ALLOWED_MAGICS:
                found.append(f"uses the magic %{magic}")
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
        if bound in GRADER_NAMES and full.split(".")[0] != "grader":
            found.append(f"rebinds {bound}")
    top = (
        [a.name.split(".")[0] for a in node.names]
        if isinstance(node, ast.Import)
        else [(node.module or "").split(".")[0]]
        if not node.level
        else ["."]
    )
    for name in top:
        if not installed(name):
            found.append(f"imports {name}, which is no installed package (code it wrote itself?)")
    return found


@cache
def installed(name: str) -> bool:
    """Whether top-level module ``name`` is the standard library's or an installed package's
    (found without importing it, and never in a working folder the learner could write)."""
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        return True
    paths = [p for p in sys.path if p and Path(p).is_absolute() and Path(p) != Path.cwd()]
    for finder in sys.meta_path:  # editable installs add finders of their own
        try:
            if finder is importlib.machinery.PathFinder:
                spec = finder.find_spec(name, paths)
            else:
                spec = finder.find_spec(name, None)
        except Exception:  # a finder that cannot answer has not found it
            spec = None
        if spec is not None:
            return True
    return False


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
        return []  # rebinding a grader name is found where the name is stored (_scan)
    if not isinstance(target, ast.Attribute | ast.Subscript):
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
    reason says so first (a test the records refuted also keeps that reason, after it).
    """
    if not findings:
        return result
    more = f" and {len(findings) - 1} more" if findings[1:] else ""
    reason = f"{TAMPERING}: {findings[0]}{more}"
    for test in result.tests:
        refuted = test.reason.startswith(NOT_CONFIRMED)
        test.points, test.passed = 0.0, False
        test.reason = f"{reason}; {test.reason}" if refuted else reason
    return result
