"""One unit's cgroup on the unified hierarchy (cgroup v2): caps, membership, kill-all.

Most current Linux hosts (Ubuntu 22.04+, Debian 12, Fedora, RHEL 9, GitHub-hosted runners)
mount only cgroup v2. There a unit gets one folder under a parent the grader may write
(the mount's root as root, or the subtree systemd delegated to the grader's user) with
``memory.max`` and ``memory.swap.max`` (memory, no swap beyond it), ``pids.max`` and
``cpu.max``. The kernel counts an OOM kill in ``memory.events`` (``oom_kill``) and a refused
fork in ``pids.events`` (``max``): the same facts cgroup v1 gives, reported the same way.

A controller is usable in a folder only when its parent lists it in
``cgroup.subtree_control``; :func:`missing_controllers` says which are not offered at all.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from grader.grading.config import SandboxLimits
from grader.lab.processes import kill_until_gone

#: What a unit's cgroup caps: memory (and swap), processes, processors.
CONTROLLERS = ("memory", "pids", "cpu")


def mount_point(mounts: Path = Path("/proc/self/mounts")) -> Path | None:
    """Where the unified hierarchy is mounted (``/sys/fs/cgroup`` on a v2-only host)."""
    with contextlib.suppress(OSError):
        for line in mounts.read_text().splitlines():
            fields = line.split()
            if len(fields) > 2 and fields[2] == "cgroup2":
                return Path(fields[1])
    return None


def own_cgroup(mount: Path, self_cgroup: Path = Path("/proc/self/cgroup")) -> Path | None:
    """This process's own v2 cgroup folder (the ``0::`` line), where a delegation starts."""
    with contextlib.suppress(OSError):
        for line in self_cgroup.read_text().splitlines():
            if line.startswith("0::"):
                return mount / line[3:].lstrip("/")
    return None


def missing_controllers(folder: Path) -> list[str]:
    """The controllers of :data:`CONTROLLERS` that ``folder`` cannot hand to its children."""
    try:
        offered = (folder / "cgroup.controllers").read_text().split()
    except OSError:
        return list(CONTROLLERS)
    return [c for c in CONTROLLERS if c not in offered]


def enable_controllers(folder: Path) -> None:
    """Let ``folder``'s children use the controllers (``+memory +pids +cpu``)."""
    enabled = (folder / "cgroup.subtree_control").read_text().split()
    wanted = " ".join(f"+{c}" for c in CONTROLLERS if c not in enabled)
    if wanted:
        (folder / "cgroup.subtree_control").write_text(wanted)


@dataclass(frozen=True)
class CgroupV2:
    """One unit's cgroup: a folder under ``parent`` in the unified hierarchy.

    ``caps`` False: membership and kill-all only, on a hierarchy that offers no controller
    (a hybrid host's, whose v1 hierarchies hold them); the tests use it so on such a host."""

    name: str
    parent: Path
    caps: bool = True

    @property
    def path(self) -> Path:
        return self.parent / self.name

    def folders(self) -> list[Path]:
        return [self.path]

    def create(self, limits: SandboxLimits) -> CgroupV2:
        """Make the folder and write the caps."""
        self.path.mkdir(parents=True, exist_ok=True)
        if self.caps:
            (self.path / "memory.max").write_text(str(limits.memory_limit))
            (self.path / "memory.swap.max").write_text("0")
            (self.path / "pids.max").write_text(str(limits.process_limit))
            if limits.cpu_limit > 0:
                period = 100_000
                (self.path / "cpu.max").write_text(f"{int(limits.cpu_limit * period)} {period}")
        return self

    def procs_files(self) -> list[str]:
        return [str(self.path / "cgroup.procs")]

    def pids(self) -> set[int]:
        with contextlib.suppress(OSError):
            return {int(line) for line in (self.path / "cgroup.procs").read_text().split()}
        return set()

    def peak_memory(self) -> int:
        """Most memory the unit used at once, in bytes (``memory.peak``, Linux 5.19+)."""
        with contextlib.suppress(OSError, ValueError):
            return int((self.path / "memory.peak").read_text())
        return 0

    def oom_kills(self) -> int:
        """How many processes the memory cap made the kernel kill (``memory.events``)."""
        return _event(self.path / "memory.events", "oom_kill")

    def forks_refused(self) -> int:
        """How many forks the process cap refused (``pids.events``)."""
        return _event(self.path / "pids.events", "max")

    def kill(self, timeout: float = 15.0) -> set[int]:
        """Kill every process of the unit until none is left; return the pids killed.

        ``cgroup.kill`` (Linux 5.14+) kills them all at once, a fork bomb included."""
        return kill_until_gone(self.pids, timeout=timeout, kill_all=self._kill_all)

    def _kill_all(self) -> bool:
        try:
            (self.path / "cgroup.kill").write_text("1")
        except OSError:
            return False  # before Linux 5.14: each pid is signalled
        return True

    def remove(self) -> None:
        self.kill()
        with contextlib.suppress(OSError):
            self.path.rmdir()


def _event(path: Path, key: str) -> int:
    """A counter of a flat-keyed cgroup v2 file (``oom_kill 3``); 0 when absent."""
    with contextlib.suppress(OSError, ValueError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return 0
