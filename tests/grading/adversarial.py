"""Hostile and broken submissions, each with the outcome grading must give it.

Built like the friendly fixtures (:mod:`tests.grading.make_submissions`): the course
notebook with its exercises solved, then one hostile edit. Most cases use step 01, whose
notebook runs in seconds, and hand in nothing else. Every case names what it attacks
(issue items: tampering, faults, input tricks) and what must come out: points per test and
a reason where points are lost.

``Targets`` are the places outside the sandbox a submission would like to reach: a canary
file holding a secret, the gradebook, the solutions, other units' folders, a TCP port of
the host, a process of the host. The sandbox must keep them all out of reach; the test
module checks that the secret appears in no output and that nothing changed.
"""

from __future__ import annotations

import functools
import socket
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.grading.outcomes import OUTCOMES
from tests.grading.make_submissions import STEPS, learner_notebook, write_student

STEP = "01_provision"
CONNECT = "w = lab.workspace_client()\nme = w.current_user.me()\n"
UPLOAD = (
    "import io\n\nfrom grader.lab.dataset import penguins_csv\n\n"
    'w.dbfs.mkdirs("/mlflow_lab")\n'
    'w.dbfs.upload("/mlflow_lab/penguins.csv", io.BytesIO(penguins_csv()), overwrite=True)\n'
)
#: A marker in the command line of every process a hostile case leaves behind.
LEFTOVER = "lab-leftover-7f3a"


@dataclass(frozen=True)
class Targets:
    """What lies outside every sandbox, and where."""

    canary: Path  # a file with the secret; must stay unread and unchanged
    secret: str
    out: Path  # the batch's output folder (gradebook, reports, other units)
    solutions: Path
    host_port: int  # a port the test listens on, on the host's loopback
    decoy_pid: int  # a host process a forged record points at
    decoy_started: float


@dataclass(frozen=True)
class Case:
    """A hostile or broken hand-in and what grading must make of it."""

    student: str
    attacks: str
    notebooks: dict[str, object] = field(default_factory=dict)
    #: notebook → {test id: points}; only the notebooks that get a kernel
    points: dict[str, dict[str, float]] = field(default_factory=dict)
    #: notebook → text (or one of several) in the reason of each of its failed tests
    reasons: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    zipped: bytes | None = None  # an LMS export instead of a folder
    links: dict[str, Path] = field(default_factory=dict)  # file in the folder → link target
    #: the hand-in's folder name, when the grader gives the student another id (a clash)
    folder: str = ""
    padding: int = 0  # bytes of a (sparse) file beside the notebooks
    #: another outcome that is as fair, when timing decides between the two (a learner's own
    #: fork bomb may leave their kernel no thread to start: the checks after it then fail
    #: with "kernel died"); reasons are not asserted for it
    or_points: dict[str, dict[str, float]] | None = None


def assert_earned(case: Case, tests: list[dict], grades: dict) -> None:
    """``case`` got exactly what it earned: its points per notebook (or its other fair
    outcome), the reason of each failed test; ``tests`` are its rows of ``tests.csv``,
    ``grades`` its row of ``grades.csv``."""
    for notebook, expected in case.points.items():
        got = {r["test"]: float(r["points"]) for r in tests if r["notebook"] == notebook}
        if case.or_points and got == case.or_points.get(notebook):
            expected = case.or_points[notebook]  # the other fair outcome (see Case.or_points)
            assert {r["reason"] for r in tests if r["notebook"] == notebook
                    and r["result"] == "fail"} == {"kernel died"}  # fmt: skip
        if expected:
            assert got == expected, (case.student, notebook, got)
        assert float(grades[notebook]) == sum(expected.values()), grades
    for notebook, why in case.reasons.items():
        failed = [r for r in tests if r["notebook"] == notebook and r["result"] == "fail"]
        assert failed, f"{case.student} {notebook}: nothing failed"
        for r in failed:
            assert any(w in r["reason"] for w in ([why] if isinstance(why, str) else why)), r
    for notebook, r in ((r["notebook"], r) for r in tests if r["result"] == "fail"):
        assert r["reason"], f"{notebook}/{r['test']} lost points without a reason"


def _notebook(connect: str = CONNECT, upload: str = UPLOAD, step: str = STEP):
    nb = learner_notebook(step)
    for cell in nb.cells:
        if cell.id == "connect":
            cell.source = connect
        elif cell.id == "upload":
            cell.source = upload
    return nb


def _edit_cells(nb, edit):
    for cell in list(nb.cells):
        edit(nb, cell)
    return nb


def _snoop(t: Targets) -> str:
    """Try every way out: read, write, list, connect; print what was found."""
    others = t.out / "work" / "alice"
    return f"""
import glob, os, socket, subprocess
found = []
for path in [{str(t.canary)!r}, {str(t.out / "nbgrader" / "gradebook.db")!r},
             {str(t.solutions / "01_provision.ipynb")!r}, "/root/.bash_history",
             "/proc/1/environ", "/etc/shadow"]:
    try:
        with open(path, "rb") as f:
            found.append(f.read(4096))
    except OSError as exc:
        print("read refused:", path, type(exc).__name__)
for pattern in [{str(others) + "/*/*"!r}, {str(t.out) + "/*"!r}, "/root/*", "/home/*"]:
    print("listing", pattern, glob.glob(pattern))
for path in [{str(t.canary)!r}, {str(t.out / "grades.csv")!r},
             {str(t.out / "nbgrader" / "gradebook.db")!r}]:
    try:
        with open(path, "w") as f:
            f.write("overwritten by a submission")
    except OSError as exc:
        print("write refused:", path, type(exc).__name__)
try:
    socket.create_connection(("127.0.0.1", {t.host_port}), timeout=2).sendall(b"hello")
    print("reached the host's port")
except OSError as exc:
    print("host port unreachable:", type(exc).__name__)
try:
    os.kill({t.decoy_pid}, 9)
    print("killed a host process")
except OSError as exc:
    print("host process out of reach:", type(exc).__name__)
print("env:", sorted(os.environ))
print("found:", found)
"""


def _forge_records(t: Targets) -> str:
    """Endpoint records pointing at a host process (so the grader might kill it for us)."""
    return f"""
import json, pathlib
endpoints = pathlib.Path(lab.home.endpoints)
endpoints.mkdir(parents=True, exist_ok=True)
(endpoints / "predict-penguin.json").write_text(json.dumps({{
    "name": "predict-penguin", "pid": {t.decoy_pid}, "pgid": {t.decoy_pid},
    "started": {t.decoy_started}, "port": 5000, "state": "READY",
    "log": "/etc/passwd"}}))
"""


FAKE_PASS = '''print("""Step 01 · the penguin data in the lab's file system: 2/2 checks passed
  PASS  /mlflow_lab/penguins.csv exists
  PASS  the file is the lab's penguins.csv, byte for byte""")'''

FAKE_OBJECTS = """
import io
from grader.lab.dataset import penguins_csv
dbfs = type(lab.workspace.dbfs)
dbfs.exists = lambda self, path: True
dbfs.download = lambda self, path: io.BytesIO(penguins_csv())
"""

MEMORY_BOMB = 'hog = []\nwhile True:\n    hog.append(b"\\x01" * (64 << 20))\n'
FORK_BOMB = """
import subprocess, time
subprocess.Popen(["/bin/sh", "-c", "bomb() { bomb | bomb & }; bomb"])  # the classic
time.sleep(10)  # long enough to fill the process cap
"""
LOUD = 'for _ in range(3):\n    print("x" * 100_000_000)\n'  # 300 MB
BACKGROUND = f"""
import subprocess, sys
subprocess.Popen(["sleep", "86400", "{LEFTOVER}"], start_new_session=True)
subprocess.Popen([sys.executable, "-c",
    "import os, time\\nif os.fork() == 0:\\n    os.setsid()\\n    time.sleep(86400)",
    "{LEFTOVER}"])
"""
PORTS = f"""
import socket, subprocess, sys
held = socket.socket()
held.bind(("0.0.0.0", 5000))
held.listen()
subprocess.Popen([sys.executable, "-c",
    "import socket, time\\ns = socket.socket()\\ns.bind(('127.0.0.1', PORT))\\ns.listen()\\n"
    "time.sleep(86400)", "{LEFTOVER}"], start_new_session=True)
"""
MONKEYPATCH_AND_FAKE_RUN = """
import mlflow
lab.check = lambda name: None  # every check now "passes" in this kernel
import grader.checks.registry as registry
registry.load = lambda name: (lambda lab, learner: None)
with mlflow.start_run():  # a run that looks right, but no model was ever trained
    mlflow.log_params({"maxIter": 5, "regParam": 0.5})
    mlflow.log_metrics({"accuracy": 0.97, "weightedRecall": 0.97, "weightedPrecision": 0.97})
"""


#: The zero-work attack: replace the outcome audit with one that confirms nothing and
#: refutes nothing (``~/grader/grading/outcomes.py``, first on ``sys.path`` of a ``python
#: -m`` started in HOME), then turn every later cell, the test cells too, into ``pass``.
PLANTED_AUDIT = """
import pathlib
home = pathlib.Path.home()
for folder in (home / "grader", home / "grader" / "grading"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text("")
(home / "grader" / "grading" / "outcomes.py").write_text("print('{}')\\n")
(home / "grader" / "grading" / "__main__.py").write_text("print('{}')\\n")
"""
EVERYTHING_PASSES = (
    PLANTED_AUDIT
    + """
get_ipython().input_transformers_post.append(lambda lines: ["pass\\n"])
"""
)
#: The same, written so that no static reading finds it (the audit must still give 0).
EVERYTHING_PASSES_UNSEEN = (
    PLANTED_AUDIT
    + """
import IPython
shell = getattr(IPython, "get_" + "ipython")()
getattr(shell, "input_" + "transformers_post").append(lambda lines: ["pass\\n"])
"""
)
#: A test cell rewritten into a "failed check" that quotes the cell: hidden tests included.
QUOTES_TESTS = """
import IPython
shell = getattr(IPython, "get_" + "ipython")()
def quote(lines):
    source = "".join(lines)
    if "lab.check" not in source:
        return lines
    return [f"raise type('SelfCheckFailed', (Exception,), {{}})({source!r})\\n"]
getattr(shell, "input_" + "transformers_post").append(quote)
"""
#: Replaces the check next to a shell line (which plain Python cannot parse).
BANG_AND_REPLACE = "!true\nlab.check = lambda name: None\n"
#: The instructor's environment and keyring, looked for from inside (in a child process of
#: the kernel, which shares its keyrings: the scan would rightly flag ctypes in a cell).
LOOKS_FOR_SECRETS = """
import ctypes, os, platform
print("environment:", dict(os.environ))
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
nr = {"x86_64": 250, "aarch64": 219}.get(platform.machine())
for ring in (-3, -4):  # session, user
    key = libc.syscall(nr, 10, ring, b"user", b"grader-session-key", 0)
    if key > 0:
        buf = ctypes.create_string_buffer(256)
        size = libc.syscall(nr, 11, key, buf, 256)
        print("found the grader's key:", buf.raw[:max(size, 0)].decode())
add = {"x86_64": 248, "aarch64": 217}.get(platform.machine())
libc.syscall(add, b"user", b"left-for-the-next-unit", b"from keyring-a", 14, -4)
print("mounts:", open("/proc/self/mountinfo").read())
print("opt:", os.path.exists("/opt") and os.listdir("/opt"))
"""
FINDS_LEFT_KEY = """
import ctypes, platform
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
nr = {"x86_64": 250, "aarch64": 219}.get(platform.machine())
for ring in (-3, -4):
    if libc.syscall(nr, 10, ring, b"user", b"left-for-the-next-unit", 0) > 0:
        print("found a key of another unit")
"""


def _with_first_cell(step: str, source: str, *, after: str | None = None):
    """The untouched learner notebook of ``step`` with one cell more: on top, or after the
    cell ``after``."""
    nb = learner_notebook(step, solved=False)
    at = 0 if after is None else next(i for i, c in enumerate(nb.cells) if c.id == after) + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    return nb


def _in_a_child(code: str) -> str:
    """A cell that runs ``code`` in a child process of the kernel and prints what it said."""
    return (
        "import subprocess, sys\n"
        f"print(subprocess.run([sys.executable, '-c', {code!r}], capture_output=True, "
        "text=True).stdout)\n"
    )


def _zeros(*steps: str) -> dict[str, dict[str, float]]:
    return {step: dict.fromkeys(OUTCOMES[step], 0.0) for step in steps}


def _zip(members: dict[str, bytes], *, compress=zipfile.ZIP_DEFLATED) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compress) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@functools.cache
def _bomb() -> bytes:
    """250 MB of zeros in a few hundred KB: more than an archive may unpack to."""
    import io

    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        zf.open("submission/01_provision.ipynb", "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (1 << 20)
        for _ in range(250):
            member.write(chunk)
    return buffer.getvalue()


def cases(t: Targets) -> list[Case]:
    full = {STEP: {"check_connect": 1.0, "check_data": 2.0}}
    connect_only = {STEP: {"check_connect": 1.0, "check_data": 0.0}}
    nothing = {STEP: {"check_connect": 0.0, "check_data": 0.0}}
    solved = nbformat.writes(_notebook()).encode()

    def edited_test(nb, cell):
        if cell.id == "check_data":
            cell.source = "pass  # the test, emptied"

    def deleted_test(nb, cell):
        if cell.id == "check_data":
            nb.cells.remove(cell)

    def changed_metadata(nb, cell):
        meta = cell.metadata.get("nbgrader", {})
        if cell.id == "check_connect":
            meta["points"] = 100
        elif cell.id == "check_data":
            meta.update(grade_id="check_bonus", points=50)
            cell.source = "pass"
        elif cell.id == "upload":
            meta.update(grade=True, points=10, locked=True)

    return [
        Case("snoop", "reads, writes, lists and connects outside its sandbox",
             {STEP: _notebook(CONNECT + _snoop(t))}, full),
        Case("tamper-test-cell", "empties a test cell",
             {STEP: _edit_cells(_notebook(upload="pass"), edited_test)}, connect_only,
             {STEP: "exists"}),
        Case("tamper-deleted-test", "deletes a test cell (it is put back and run)",
             {STEP: _edit_cells(_notebook(upload="pass"), deleted_test)}, connect_only,
             {STEP: "exists"}),
        Case("tamper-metadata", "raises points, renames a grade id, makes its cell a test",
             {STEP: _edit_cells(_notebook(upload="pass"), changed_metadata)}, connect_only,
             {STEP: "exists"}),
        Case("tamper-renamed", "hands in step 01 under other names",
             {"01_provision_final": _notebook(), "02_cluster": _notebook()},
             {"02_cluster": {}}, {STEP: "missing"}),
        Case("tamper-fake-objects", "makes the file system answer what the check wants",
             {STEP: _notebook(upload=FAKE_OBJECTS)}, nothing,
             {STEP: ("not confirmed by the lab's records", "tampering with the grader")}),
        Case("tamper-monkeypatch", "replaces the check instead of connecting",
             {STEP: _notebook(connect="lab.check = lambda name: None\nw = lab.workspace_client()")},
             nothing,  # the upload was real, but tampering costs the notebook
             {STEP: "tampering with the grader: replaces lab.check"}),
        Case("tamper-forged-records", "writes endpoint records that point at a host process",
             {STEP: _notebook(upload=UPLOAD + _forge_records(t))}, full),
        Case("tamper-prints-pass", "prints a passing check instead of doing the work",
             {STEP: _notebook(upload=FAKE_PASS)}, connect_only, {STEP: "exists"}),
        Case("fault-loop", "loops forever", {STEP: _notebook(upload="while True:\n    pass")},
             connect_only, {STEP: "timed out"}),
        Case("fault-memory-bomb", "allocates until something gives",
             {STEP: _notebook(upload=UPLOAD + MEMORY_BOMB)}, connect_only,
             {STEP: "kernel died"}),
        Case("fault-fork-bomb", "forks until something gives",
             {STEP: _notebook(upload=UPLOAD + FORK_BOMB)}, full, or_points=connect_only),
        Case("fault-sys-exit", "calls sys.exit", {STEP: _notebook(upload="import sys\nsys.exit(3)")},
             connect_only, {STEP: "SystemExit"}),
        Case("fault-signal", "has its kernel killed by a signal",
             {STEP: _notebook(CONNECT + "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")},
             nothing, {STEP: "kernel died"}),
        Case("fault-loud", "prints hundreds of MB", {STEP: _notebook(upload=UPLOAD + LOUD)}, full),
        Case("fault-background", "leaves processes running, one in a session of its own",
             {STEP: _notebook(upload=UPLOAD + BACKGROUND)}, full),
        Case("fault-ports", "holds ports open, one of them the host's",
             {STEP: _notebook(upload=UPLOAD + PORTS.replace("PORT", str(t.host_port)))}, full),
        Case("fault-broken-files", "hands in empty, damaged and non-notebook JSON files",
             {STEP: b"", "02_cluster": solved[: len(solved) // 2],
              "03_data_prep": b'{"cells": 5, "nbformat": "four"}'},
             reasons={STEP: "could not be read", "02_cluster": "could not be read",
                      "03_data_prep": "could not be read"}),
        Case("fault-zip-bomb", "an LMS export that unpacks to far more than it weighs",
             zipped=_bomb(), reasons={STEP: "too large"}),
        Case("fault-dotdot", "an LMS export whose names climb out of the folder",
             zipped=_zip({"submission/01_provision.ipynb": solved,
                          f"../../{t.canary.name}": b"overwritten"}),
             reasons={STEP: "missing"}),
        Case("fault-links-out", "links out of its folder instead of files",
             links={"mlflow_lab/01_provision.ipynb": t.canary, "mlflow_lab/more": t.solutions},
             reasons={STEP: "missing"}),
        Case("zero-work", "plants an audit that confirms nothing and makes every cell pass, "
             "unseen by the scan, in all seven untouched notebooks",
             {s: _with_first_cell(s, EVERYTHING_PASSES_UNSEEN) for s in STEPS}, _zeros(*STEPS),
             dict.fromkeys(STEPS, "not confirmed by the lab's records")),
        Case("zero-work-seen", "the same, with IPython's transformer list named plainly",
             {STEP: _with_first_cell(STEP, EVERYTHING_PASSES)}, _zeros(STEP),
             {STEP: ("not confirmed by the lab's records", "tampering with the grader")}),
        Case("ipython-bang", "replaces lab.check next to a shell line, and makes no cluster",
             {"02_cluster": _with_first_cell("02_cluster", BANG_AND_REPLACE, after="setup")},
             _zeros("02_cluster"), {"02_cluster": "tampering with the grader: replaces lab.check"}),
        Case("hidden-quoted", "turns test cells into failed checks that quote the cell's "
             "source, hidden tests included", {"05_function": _with_first_cell(
                 "05_function", QUOTES_TESTS)}, _zeros("05_function"),
             {"05_function": ("not confirmed", "tampering", "check failed")}),
        Case("keyring-a", "reads the instructor's environment, keyring and mount table, and "
             "leaves a key for the next unit", {STEP: _notebook(CONNECT + _in_a_child(LOOKS_FOR_SECRETS))},
             full),
        Case("keyring-b", "looks for the key another unit left",
             {STEP: _notebook(CONNECT + _in_a_child(FINDS_LEFT_KEY))}, full),
        *report_cases(),
        *endpoint_cases(),
    ]  # fmt: skip


def write_case(root: Path, case: Case) -> None:
    """Lay ``case`` out in the class folder ``root`` the way an LMS would hand it over."""
    if case.zipped is not None:
        (root / f"{case.student}.zip").write_bytes(case.zipped)
        return
    notebooks = {}
    for name, nb in case.notebooks.items():
        notebooks[name] = nb if isinstance(nb, (str, bytes)) else nbformat.writes(nb)
    folder = write_student(root, case.folder or case.student, notebooks)
    if case.padding:
        with open(folder / "padding.bin", "wb") as f:
            f.truncate(case.padding)
    for name, target in case.links.items():
        link = folder.parent / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target, target_is_directory=target.is_dir())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def case_names() -> list[str]:
    """The students of :func:`cases`, for parametrizing tests before any target exists."""
    nowhere = Path("/nonexistent")
    return [c.student for c in cases(Targets(nowhere, "", nowhere, nowhere, 1, 1, 0.0))]


# --- Reports and memory (issue 13, items 4 and 5) ----------------------------------------
# Hand-ins that once stopped the class's reports or filled the grader's memory. Each still
# gets exactly what it earned, and the whole class's reports are written.

#: An exception whose message is 150 MB: cut where it enters the grader, the unit scores 0.
HUGE_ERROR = 'raise ValueError("x" * 150_000_000)\n'
#: A user object whose name is HTML, a spreadsheet formula and terminal control codes: the
#: check's report quotes it, so it reaches tests.csv, the summary and the feedback page.
HOSTILE_USER = (
    "w = lab.workspace_client()\n"
    "class Me:\n"
    "    user_name = \"<script>alert('x')</script> =HYPERLINK(1) \\x1b[2J \\u202e\"\n"
    "me = Me()\n"
)
#: Files beside the students' hand-ins that are none: listed as ignored, never a student.
STRAYS = {"README.md": "Hand-ins of the class, exported from the LMS.", "notes.txt": "x"}


def write_strays(root: Path) -> None:
    for name, text in STRAYS.items():
        (root / name).write_text(text, encoding="utf-8")


def _padded_notebook(size: int) -> bytes:
    """The solved step 01 with a markdown cell making it ``size`` bytes or more."""
    nb = _notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("x" * size))
    return nbformat.writes(nb).encode()


def report_cases() -> list[Case]:
    from grader.grading.submissions import MAX_HAND_IN_BYTES, MAX_NOTEBOOK_BYTES

    full = {STEP: {"check_connect": 1.0, "check_data": 2.0}}
    nothing = {STEP: {"check_connect": 0.0, "check_data": 0.0}}
    return [
        Case("memory-huge-error", "raises an exception with a 150 MB message",
             {STEP: _notebook(upload=UPLOAD + HUGE_ERROR)}, nothing, {STEP: "too large"}),
        Case("memory-big-notebook", "hands in a notebook past the notebook cap",
             {STEP: _padded_notebook(MAX_NOTEBOOK_BYTES + 1)}, reasons={STEP: "too large"}),
        Case("memory-big-folder", "hands in a folder past the hand-in cap",
             {STEP: _notebook()}, reasons={STEP: "too large", "07_cleanup": "too large"},
             padding=MAX_HAND_IN_BYTES + 1),
        Case("report-hostile-text", "puts HTML, a formula and control codes in its report",
             {STEP: _notebook(connect=HOSTILE_USER)},
             {STEP: {"check_connect": 0.0, "check_data": 2.0}},
             {STEP: "you are known to the workspace"}),
        # beside the honest "alice": the same name but for case, both graded
        Case("ALICE-2", "hands in under a name that differs from another's only in case",
             {STEP: _notebook()}, full, folder="ALICE"),
    ]  # fmt: skip


# --- Evidence written by hand (issue 13, hand-forged evidence) ------------------------------
# The endpoint is gone when the audit runs, so its answers reach the audit as evidence the
# check cells write; a learner can write those files (and the endpoint's record) by hand.
# The audit computes the served model's answers itself, from the registered version's files.

STEP_06 = "06_register_deploy"
#: In place of the deployment: a READY record serving the version just registered (for
#: real), the endpoint's "answers" made up, and every later cell, the test cells too, made
#: to pass in the kernel, unseen by the scan: only the audit stands between this and 7/7.
#: (The hidden check's name is spelt in two parts: the feedback must never show it.)
FORGED_ENDPOINT = """
import json, os, pathlib, time
home = pathlib.Path(os.environ["MLFLOW_LAB_HOME"])
(home / "endpoints").mkdir(exist_ok=True)
(home / "endpoints" / "predict-penguin.json").write_text(json.dumps({
    "name": "predict-penguin", "state": "READY", "model_name": lab.model_name,
    "model_version": str(model_version.version),
    "model_uri": f"models:/{lab.model_name}/{model_version.version}",
    "served_name": "Penguin_Predictor-1", "workload_size": "Small",
    "scale_to_zero_enabled": True, "creator": "learner", "created": int(time.time() * 1000),
    "started": time.time(), "pid": 4194303, "pgid": 4194303, "port": 5000, "log": "none"}))
(home / "evidence").mkdir(exist_ok=True)
for name, facts in {"endpoint": {"predictions": [0.0]},
                    "endpoint" + ".others": {"answer": [0.0] * 5, "expected": [0.0] * 5}}.items():
    (home / "evidence" / f"{name}.json").write_text(json.dumps(facts))
import IPython
shell = getattr(IPython, "get_" + "ipython")()
getattr(shell, "input_" + "transformers_post").append(lambda lines: ["pass\\n"])
"""


def _forged_endpoint():
    nb = learner_notebook(STEP_06)
    next(c for c in nb.cells if c.id == "deploy").source = FORGED_ENDPOINT
    return nb


def endpoint_cases() -> list[Case]:
    return [
        Case("forged-endpoint", "registers its model, deploys nothing, writes the endpoint's "
             "record and answers by hand and makes the test cells pass, unseen by the scan",
             {STEP_06: _forged_endpoint()},
             {STEP_06: {"check_register": 3.0, "check_endpoint": 0.0}},
             {STEP_06: "not confirmed by the lab's records: it is the served model's answer"}),
    ]  # fmt: skip
