"""``grader doctor``: which sandbox drivers work on this machine and what each enforces.

The table's claims are the drivers' own (:meth:`~.sandbox.Driver.enforcement`); :func:`probe`
runs a tiny unit in a driver and reports what it observes from inside (its uid, whether a
file of the host is visible, whether the host's network answers), so a test can hold the
table to what the sandbox really does.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.exceptions import SandboxUnavailableError
from grader.grading import drivers, sandbox
from grader.grading.config import SandboxLimits

#: The one command that enables a driver where it is missing, per driver.
ENABLE = {
    "bwrap": "apt-get install bubblewrap (and run as root, or allow unprivileged user "
    "namespaces: sysctl -w kernel.unprivileged_userns_clone=1)",
    "container": "apt-get install docker.io && grader image build "
    "(macOS/Windows: install Docker Desktop, then grader image build)",
}


@dataclass(frozen=True)
class Row:
    """One driver on this machine: does it work, what it enforces, how to enable it."""

    driver: str
    label: str
    works: bool
    problems: tuple[str, ...]
    enforcement: sandbox.Enforcement
    enable: str


def rows(*, engine: str | None = None) -> list[Row]:
    """A row per driver of :data:`~.drivers.DRIVERS`, in ``auto``'s order."""
    found = []
    for name in drivers.DRIVERS:
        driver = drivers.driver(name, engine=engine)
        problems = driver.problems()
        found.append(
            Row(name, driver.label, not problems, problems, driver.enforcement(), ENABLE[name])
        )
    return found


def auto_choice(table: list[Row]) -> str | None:
    """The driver ``--sandbox auto`` picks: the first that works (None: none works)."""
    return next((row.label for row in table if row.works), None)


#: What the probe prints, as JSON: who it runs as, what it sees, what it reaches.
PROBE = """
import json, os, socket, sys
host_file, port = sys.argv[1], int(sys.argv[2])
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    network = "reached the host"
except OSError:
    network = "isolated"
print(json.dumps({"uid": os.getuid(), "sees_host_file": os.path.exists(host_file),
                  "network": network}))
"""


def probe(driver: sandbox.Driver, scratch: Path | None = None) -> dict:
    """Run :data:`PROBE` in one unit of ``driver``; what it observed from inside.

    The host's file lies beside the unit's folder (where a neighbour's would), not in
    ``/tmp``, which every driver replaces anyway."""
    scratch = scratch or sandbox.units_root()  # a neighbour's place: the unit must not see it
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="doctor-", dir=scratch) as folder:
        root = Path(folder)
        os.chmod(root, 0o755)
        secret = root / "host-only.txt"
        secret.write_text("not for the unit")
        unit = sandbox.unit_folder()
        made = driver.create(
            f"{os.getpid()}.doctor.{root.name}",
            writable=[unit / "home", unit / "tmp"],
            home=unit / "home",
            tmp=unit / "tmp",
            private=unit / "private",
            limits=SandboxLimits(),
        )
        try:
            with socket.create_server(("127.0.0.1", 0)) as server:
                port = server.getsockname()[1]
                argv = [sys.executable, "-I", "-c", PROBE, str(secret), str(port)]
                done = subprocess.run(
                    made.command(argv, env=made.env({})),
                    capture_output=True, text=True, timeout=120, check=False,
                )  # fmt: skip
        finally:
            made.destroy()
            subprocess.run(["rm", "-rf", str(unit)], check=False)
    if done.returncode != 0:
        raise SandboxUnavailableError(f"the probe failed in {driver.label}: {done.stderr[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(*, engine: str | None = None) -> dict:
    """The doctor's findings as plain data (``grader doctor --json``)."""
    table = rows(engine=engine)
    return {
        "auto": auto_choice(table),
        "drivers": [asdict(row) for row in table],
    }
