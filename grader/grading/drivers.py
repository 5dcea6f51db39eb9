"""Which sandbox driver grades: ``--sandbox auto|bwrap|container`` made into a driver.

Apart from :mod:`.sandbox` (the bwrap driver and what every driver shares) and
:mod:`.container` (the container driver), because choosing needs both and each of them
imports nothing of the other's choosing.
"""

from __future__ import annotations

import functools

from grader.exceptions import SandboxUnavailableError
from grader.grading.container import ContainerDriver
from grader.grading.sandbox import BwrapDriver, Driver

#: The drivers, in the order ``--sandbox auto`` tries them.
DRIVERS = ("bwrap", "container")


def driver(name: str, *, engine: str | None = None) -> Driver:
    """The driver called ``name`` (one of :data:`DRIVERS`), for this machine."""
    if name == "bwrap":
        return BwrapDriver()
    if name == "container":
        return ContainerDriver(engine=engine)
    raise ValueError(f"no sandbox driver {name!r}: choose one of {', '.join(DRIVERS)}")


def pick(choice: str = "auto", *, engine: str | None = None) -> Driver:
    """The driver to grade with: ``choice``, or for 'auto' the first of :data:`DRIVERS`
    that works here; :class:`SandboxUnavailableError` says why when none does."""
    found, why = _first_working(choice, engine)
    if found is None:
        raise SandboxUnavailableError(
            "Learners' kernels cannot be sandboxed on this machine:\n"
            + "\n".join(f"  - {p}" for p in why)
            + "\nFix that (`grader doctor` tells how), or grade only trusted work with "
            "--sandbox none --unsafe (no sandbox)."
        )
    return found


def problems(choice: str = "auto", *, engine: str | None = None) -> list[str]:
    """Why no driver of ``choice`` can sandbox a unit here (each ``"<driver>: <why>"``, with
    its fix); empty when one can."""
    found, why = _first_working(choice, engine)
    return [] if found is not None else why


def _first_working(choice: str, engine: str | None) -> tuple[Driver | None, list[str]]:
    """The first driver of ``choice`` that works here (or None), and why those before it
    did not."""
    why = []
    for name in DRIVERS if choice == "auto" else (choice,):
        found = driver(name, engine=engine)
        missing = found.problems()
        if not missing:
            return found, why
        why += [f"{name}: {p}" for p in missing]
    return None, why


@functools.cache
def default_driver() -> Driver:
    """The driver ``--sandbox auto`` picks here (made once per process)."""
    return pick("auto")
