"""The ``container`` sandbox driver: each unit's kernel in a Docker or Podman container.

Where bubblewrap is not there (macOS, Windows, a host that forbids namespaces), a container
engine is: each unit runs in a container of the course's grading image (``grader image
build``, from the repository's ``Dockerfile``) with no network (``--network none``), a
read-only root, the memory (swap included), process and CPU caps of the unit, a non-root
user, and only the unit's own folders mounted (at their own paths, so the records they hold
name the same files inside and out). The image holds the grader, at the version the image
was built from, so the kernel and the audit import it from the image, never from the host.

The kernel talks to nbgrader over ZMQ ``ipc`` sockets in a mounted folder, as in bwrap: this
needs the engine to share a kernel with the grader (Linux; on macOS and Windows, run the
grader itself in a container of the same image, see the README).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from grader.grading.config import SandboxLimits
from grader.grading.sandbox import PASSED_ENV, Enforcement, kernel_env_names

#: The engines this driver knows, in the order it looks for them on PATH.
ENGINES = ("docker", "podman")
#: The course's grading image (``grader image build`` tags it so).
IMAGE = "mlflow-lab-grader:latest"
#: The image's Python (the grader and the lab are installed into it).
PYTHON = "python3"


def find_engine(engine: str | None = None) -> str | None:
    """``engine`` if given (a name or path), else the first of :data:`ENGINES` on PATH."""
    if engine:
        return shutil.which(engine)
    return next((found for name in ENGINES if (found := shutil.which(name))), None)


@dataclass
class ContainerSandbox:
    """One unit's container: started by each :meth:`command`, removed by :meth:`destroy`."""

    engine: str
    image: str
    writable: tuple[Path, ...]
    home: Path
    tmp: Path
    ipc: Path
    limits: SandboxLimits
    name: str
    names: list[str] = field(default_factory=list)  # the containers started so far

    @property
    def owner(self) -> int:
        return self.limits.uid if os.geteuid() == 0 else os.getuid()

    def env(self, unit_env: dict[str, str]) -> dict[str, str]:
        """The allow-list of the bwrap driver; the image's own PATH and Python."""
        keep = {k: v for k, v in os.environ.items() if k in PASSED_ENV and k != "JAVA_HOME"}
        keep.update({k: unit_env[k] for k in kernel_env_names() if k in unit_env})
        keep.update(
            {
                "HOME": str(self.home),
                "TMPDIR": str(self.tmp),
                "USER": "learner",
                "MPLCONFIGDIR": str(self.tmp / "matplotlib"),
            }
        )
        return keep

    def command(
        self, argv: list[str], *, env: dict[str, str], log: Path | None = None,
        cwd: str | None = None, stderr: Path | None = None,
    ) -> list[str]:  # fmt: skip
        """``argv`` as a fresh container of the unit (the host's Python becomes the image's)."""
        name = f"{self.name}-{len(self.names)}"
        self.names.append(name)
        limits = self.limits
        run = [
            self.engine, "run", "--rm", "-i", "--name", name, "--init",
            "--network", "none", "--read-only", "--tmpfs", "/tmp:rw,exec,mode=1777",
            "--memory", str(limits.memory_limit), "--memory-swap", str(limits.memory_limit),
            "--pids-limit", str(limits.process_limit),
            "--user", f"{self.owner}:{self.owner}", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges",
            "--ulimit", f"fsize={limits.file_size_limit}", "--ulimit", "core=0",
            "--workdir", cwd or str(self.home),
        ]  # fmt: skip
        if limits.cpu_limit > 0:
            run += ["--cpus", str(limits.cpu_limit)]
        for folder in (*self.writable, self.ipc):
            run += ["--volume", f"{folder}:{folder}:rw"]
        for key, value in sorted(env.items()):
            run += ["--env", f"{key}={value}"]
        # The host's Python becomes the image's, also for the arguments the kernel manager
        # appends to this command as a prefix (its kernel's argv starts with sys.executable).
        shim = f'p="$1"; shift; [ "$p" = "{sys.executable}" ] && p={PYTHON}; exec "$p" "$@"'
        run += [self.image, "/bin/sh", "-c", shim, "host-python", *argv]
        if log is None and stderr is None:
            return run
        redirect = '>>"$0" 2>&1' if log else '2>>"$0"'
        return ["/bin/sh", "-c", f'exec "$@" {redirect}', str(log or stderr), *run]

    def kill(self) -> set[int]:
        """Kill the unit's containers (the engine's client dying does not stop them)."""
        for name in self.names:
            subprocess.run([self.engine, "kill", name], capture_output=True, check=False)
        return set()

    def usage(self) -> dict[str, int]:
        """What the engine says of the unit's last container (OOM kills only)."""
        return {"peak_memory": 0, "oom_kills": int(self._oom_killed()), "forks_refused": 0}

    def _oom_killed(self) -> bool:
        for name in self.names:
            done = subprocess.run(
                [self.engine, "inspect", "--format", "{{json .State.OOMKilled}}", name],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            with contextlib.suppress(ValueError):
                if done.returncode == 0 and json.loads(done.stdout):
                    return True
        return False

    def destroy(self) -> set[int]:
        for name in self.names:
            subprocess.run([self.engine, "rm", "-f", name], capture_output=True, check=False)
        shutil.rmtree(self.ipc, ignore_errors=True)
        return set()


class ContainerDriver:
    """Units as containers of the grading image, through Docker or Podman."""

    name = "container"

    def __init__(self, *, engine: str | None = None, image: str = IMAGE) -> None:
        self.engine = find_engine(engine)
        self.asked = engine
        self.image = image

    @property
    def label(self) -> str:
        return f"container ({Path(self.engine).name if self.engine else 'no engine'})"

    def problems(self) -> tuple[str, ...]:
        if self.engine is None:
            wanted = self.asked or " or ".join(ENGINES)
            return (
                f"no container engine ({wanted}) on PATH: install Docker (apt-get install "
                "docker.io; macOS and Windows: Docker Desktop) or Podman, or name one with "
                "--engine.",
            )
        info = subprocess.run([self.engine, "info"], capture_output=True, text=True)
        if info.returncode != 0:
            return (
                f"{self.engine} cannot reach its daemon ({info.stderr.strip()[-200:]}): "
                "start it (systemctl start docker, or open Docker Desktop).",
            )
        found = subprocess.run(
            [self.engine, "image", "inspect", self.image], capture_output=True, text=True
        )
        if found.returncode != 0:
            return (f"no grading image {self.image}: build it with `grader image build`.",)
        return ()

    def enforcement(self) -> Enforcement:
        return Enforcement(
            files="own folders, read-only root",
            network="none",
            memory="engine cgroup",
            processes="engine cgroup",
            cpu="engine cgroup",
            uid=f"{SandboxLimits().uid} (--user)",
        )

    def create(
        self, name: str, *, writable: list[Path], home: Path, tmp: Path, private: Path,
        limits: SandboxLimits,
    ) -> ContainerSandbox:  # fmt: skip
        from grader.grading.sandbox import _chown_tree

        for folder in writable:
            folder.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                _chown_tree(folder, limits.uid)
        ipc = Path(tempfile.mkdtemp(prefix="lab-ipc-", dir="/tmp"))
        if os.geteuid() == 0:
            os.chown(ipc, limits.uid, limits.uid)
        safe = "".join(c if c.isalnum() else "-" for c in name)[:40]
        return ContainerSandbox(
            self.engine or "docker", self.image, tuple(writable), home, tmp, ipc, limits,
            name=f"mlflow-lab-{safe}-{uuid.uuid4().hex[:8]}",
        )  # fmt: skip

    def remove_stale(self) -> None:
        from grader.grading.sandbox import remove_stale_unit_folders

        remove_stale_unit_folders()


def build_image(
    *, context: Path, engine: str | None = None, base: str | None = None, tag: str = IMAGE,
    wheels: Path | None = None,
) -> list[str]:  # fmt: skip
    """Build the grading image from ``context``'s Dockerfile; return the command run.

    ``base`` is the Dockerfile's ``BASE`` argument (an image with Python 3.11+ and Java 17);
    ``wheels``, a folder of wheels to install from instead of the package index (a build
    with no network)."""
    found = find_engine(engine)
    if found is None:
        raise FileNotFoundError(f"no container engine ({engine or ' or '.join(ENGINES)}) on PATH")
    command = [found, "build", "--tag", tag]
    if base:
        command += ["--build-arg", f"BASE={base}"]
    if wheels is not None:
        target = context / "build" / "wheels"
        if wheels.resolve() != target.resolve():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(wheels, target)
        command += ["--build-arg", "WHEELS=build/wheels", "--network", "none"]
    command.append(str(context))
    subprocess.run(command, check=True)
    return command
