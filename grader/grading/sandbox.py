"""The security boundary around a learner's kernel: its drivers, and the bubblewrap one.

A *driver* makes one sandbox per unit (:class:`Driver`, :class:`UnitSandbox`); the grader
picks one with ``--sandbox auto|bwrap|container|none``:

- ``bwrap`` (this module's :class:`BwrapSandbox`), as root with cgroup v1 or v2 caps, or
  without root in a user namespace with a delegated cgroup v2 subtree or, where there is
  none, a watchdog (:mod:`.watchdog`) that enforces the same caps by sampling;
- ``container`` (:mod:`.container`): a Docker or Podman container of the course's image;
- ``none`` is ``--unsafe``: no sandbox, trusted work only.

What follows describes ``bwrap`` as root, the strongest.

A submission is untrusted code that runs as long as the grader lets it. Its kernel (and
everything the kernel starts: Spark's JVM, ``mlflow models serve``, a fork bomb) runs:

- in new user, mount, pid, network, ipc and uts namespaces made by ``bwrap``: the file
  system it sees is the system's programs read-only plus its own unit folders (lab home,
  HOME, TMPDIR) read-write, which live in a neutral folder of their own, so the mount table
  names no path of the instructor's; ``solutions/``, the gradebook, the nbgrader folder,
  other units, ``/opt`` and the instructor's home are not there at all; the network is its
  own loopback only;
- as a dedicated unprivileged uid (``setpriv``: no capabilities, no new privileges), so
  even a file that is mounted in by mistake is only as readable as it is to "other";
- with a session keyring of its own and, in its own user namespace, a user keyring of its
  own: a key one unit adds is gone when the unit ends, and no unit sees the grader's keys;
- with an environment built from an allow-list (:func:`kernel_env_names`), never by prefix;
- in a memory, a pids and a cpu cgroup of its own (v1, or one v2 cgroup with the three
  controllers), with an ``ulimit`` on file size: a memory or fork bomb ends in that cgroup,
  never in another unit or in the grader, and no unit takes more than its share of CPU.

The grader talks to the kernel over ZMQ ``ipc`` sockets in a short folder mounted into the
sandbox (TCP would not cross the network namespace). When the unit ends, every process of
its cgroup is killed: killing the pid namespace's init takes all the rest with it.

Linux only. As root it creates cgroups and switches to the sandbox uid; without root the
sandbox uid is only mapped in the unit's user namespace (outside it is the grader's).
:func:`problems` says what is missing on this machine and how to fix it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from grader.grading import cgroup_v2, watchdog
from grader.grading.cgroup_v2 import CgroupV2
from grader.grading.config import SandboxLimits
from grader.lab.processes import kill_until_gone
from grader.lab.quiet import OFFLINE_ENV, QUIET_ENV

CGROUP_ROOT = Path("/sys/fs/cgroup")
#: Where the units' own folders live while they are graded: a neutral path, so that the
#: sandbox's mount table shows no path of the instructor's (its output folder, its home).
UNITS_ROOT = Path("/var/tmp/mlflow-lab-units")
#: The parent cgroup of every unit, in each controller's hierarchy (cgroup v1).
CGROUP_PARENT = "mlflow-lab-grading"
#: memory and pids cap the unit; cpu gives each unit an equal share of the processors
#: whatever its number of processes, so a fork bomb cannot slow a neighbour into a timeout.
CONTROLLERS = ("memory", "pids", "cpu")
#: The namespaces bwrap makes as root (it needs root to bind the programs wherever they
#: are, e.g. a Python under /root); then the kernel drops to the sandbox uid (``setpriv``).
UNSHARE = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup"]
#: The learner's name inside the sandbox (Spark and Hadoop need the uid to have one).
LEARNER = "learner"
#: Variables of the host a kernel may see (locale, time zone, where Java is).
PASSED_ENV = ("LANG", "LC_ALL", "TZ", "JAVA_HOME")
#: Every variable a kernel may get from the unit's environment, by name: the lab's
#: folders and user (set by the grader per unit), the lab's quiet and offline switches,
#: Spark's scratch folder. Anything else of the instructor's (``MLFLOW_TRACKING_TOKEN``,
#: ``JUPYTERHUB_API_TOKEN``, ``DATABRICKS_*``) stays outside.
UNIT_ENV = (
    "MLFLOW_LAB_HOME", "MLFLOW_LAB_BACKEND", "MLFLOW_LAB_USER", "SPARK_LOCAL_DIRS",
    "JUPYTER_PLATFORM_DIRS", "PYTHONDONTWRITEBYTECODE", *OFFLINE_ENV, *QUIET_ENV,
)  # fmt: skip
#: ``keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL)``: a new, empty session keyring, so the
#: kernel does not inherit (and possess) the grader's. The syscall's number per machine.
_KEYCTL = {"x86_64": 250, "aarch64": 219, "i686": 288, "ppc64le": 312, "s390x": 280}
_NEW_KEYRING = (
    "import ctypes, os, platform, sys\n"
    f"nr = {_KEYCTL!r}.get(platform.machine())\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "if nr is not None and libc.syscall(nr, 1, None) < 0 and ctypes.get_errno() != 38:\n"
    "    sys.exit('the sandbox could not make a session keyring of its own')\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)


def kernel_env_names() -> tuple[str, ...]:
    """The allow-list: the unit's variables, and the lab's settings that are not secret."""
    from grader.config import Settings

    settings = tuple(
        f.metadata["env"] for f in dataclasses.fields(Settings) if not f.metadata["secret"]
    )
    return tuple(dict.fromkeys((*UNIT_ENV, *settings)))


def _system_mounts() -> list[str]:
    """Read-only binds of the programs a kernel needs: the OS, Python, Java, the lab.

    Not ``/opt`` or any other host folder: a program there (Java, Python) is bound alone.
    """
    import grader

    paths = ["/usr", "/etc"]
    for link in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(link):
            continue  # merged /usr: recreated as a link below
        paths.append(link)
    paths += [sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix)]
    java = _java_home()
    if java is not None:
        paths.append(java)
    paths.append(str(Path(grader.__file__).resolve().parent))  # the package, not its repo
    args: list[str] = []
    for path in dict.fromkeys(paths):
        if os.path.exists(path):
            args += [*_parents(path), "--ro-bind", path, path]
    for link in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
    return args


def _java_home() -> str | None:
    """The folder Java is installed in (``JAVA_HOME``, else the ``java`` on PATH)."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.isdir(home):
        return os.path.realpath(home)
    java = shutil.which("java")
    return str(Path(os.path.realpath(java)).parent.parent) if java else None


def _parents(path: str | Path) -> list[str]:
    """Make ``path``'s missing ancestors traversable (bwrap would make them 0700, root's)."""
    args: list[str] = []
    for parent in reversed(Path(path).parents[:-1]):  # from the top, without "/"
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def package_parent() -> str:
    """The folder holding the ``grader`` package (on the kernel's PYTHONPATH)."""
    import grader

    return str(Path(grader.__file__).resolve().parent.parent)


@dataclass(frozen=True)
class Enforcement:
    """What a driver enforces on this machine, in words, for ``grader doctor``'s table."""

    files: str
    network: str
    memory: str
    processes: str
    cpu: str
    uid: str


class UnitSandbox(Protocol):
    """One unit's sandbox, as :mod:`.unit` uses it, whatever the driver."""

    ipc: Path  # the folder of the kernel's sockets and connection file
    limits: SandboxLimits

    @property
    def owner(self) -> int: ...  # the uid that must read the connection file

    def env(self, unit_env: dict[str, str]) -> dict[str, str]: ...

    def command(
        self, argv: list[str], *, env: dict[str, str], log: Path | None = None,
        cwd: str | None = None, stderr: Path | None = None,
    ) -> list[str]: ...  # fmt: skip

    def kill(self) -> set[int]: ...

    def usage(self) -> dict[str, int]: ...

    def destroy(self) -> set[int]: ...


class Driver(Protocol):
    """A way to make units' sandboxes on this machine (``--sandbox NAME``)."""

    name: str

    @property
    def label(self) -> str: ...  # the driver and its mode, as the class summary records it

    def problems(self) -> tuple[str, ...]: ...  # why it cannot work here, each with its fix

    def enforcement(self) -> Enforcement: ...

    def create(
        self, name: str, *, writable: list[Path], home: Path, tmp: Path, private: Path,
        limits: SandboxLimits,
    ) -> UnitSandbox: ...  # fmt: skip

    def remove_stale(self) -> None: ...  # what a killed earlier grader left behind


class BwrapDriver:
    """bubblewrap namespaces; as root with cgroups, else rootless (cgroup v2 or watchdog)."""

    name = "bwrap"

    def __init__(self, *, root: bool | None = None) -> None:
        self.root = os.geteuid() == 0 if root is None else root

    @functools.cached_property
    def caps(self) -> str:
        """How units are capped here: 'cgroup v1', 'cgroup v2', 'watchdog' or 'none'."""
        if self.root and not _v1_problems():
            return "cgroup v1"
        if _v2_parent(self.root) is not None:
            return "cgroup v2"
        return "none" if self.root else "watchdog"

    @property
    def label(self) -> str:
        return f"bwrap ({'root' if self.root else 'rootless'}, {self.caps})"

    def problems(self) -> tuple[str, ...]:
        found = []
        if not sys.platform.startswith("linux"):
            return (f"the sandbox needs Linux (namespaces, cgroups); this is {sys.platform}.",)
        tools = (("bwrap", "bubblewrap"), ("setpriv", "util-linux")) if self.root else (
            ("bwrap", "bubblewrap"),)  # fmt: skip
        for tool, package in tools:
            if shutil.which(tool) is None:
                found.append(f"`{tool}` is not installed: apt-get install {package}")
        if self.caps == "none":
            found += _v1_problems()
            found.append(_v2_problem())
        if not found:
            found += _trial(self.root)
        return tuple(found)

    def enforcement(self) -> Enforcement:
        uid = SandboxLimits().uid
        if self.caps == "watchdog":
            memory = processes = f"watchdog ({watchdog.INTERVAL:g} s)"
            cpu = "no cap"
        else:
            memory = processes = cpu = self.caps
        return Enforcement(
            files="own folders only",
            network="none",
            memory=memory,
            processes=processes,
            cpu=cpu,
            uid=f"{uid} (setpriv)" if self.root else f"{uid} (mapped)",
        )

    def create(
        self, name: str, *, writable: list[Path], home: Path, tmp: Path, private: Path,
        limits: SandboxLimits,
    ) -> BwrapSandbox:  # fmt: skip
        cgroup: Cgroup | CgroupV2 | None = None
        if self.caps == "cgroup v2":
            cgroup = CgroupV2(name, _v2_parent(self.root))
        return BwrapSandbox.create(
            name, writable=writable, home=home, tmp=tmp, private=private, limits=limits,
            cgroup=cgroup, rootless=not self.root,
        )  # fmt: skip

    def remove_stale(self) -> None:
        if self.root:
            remove_stale_cgroups()
        remove_stale_unit_folders()


@functools.cache
def problems() -> tuple[str, ...]:
    """Why a bwrap sandbox cannot be made here, each with its fix; empty when it can."""
    return BwrapDriver().problems()


def _v1_problems() -> list[str]:
    """Why the cgroup v1 controllers cannot be used here (empty: they can)."""
    found = []
    for controller in CONTROLLERS:
        folder = CGROUP_ROOT / controller
        if not (folder / "cgroup.procs").exists():
            found.append(
                f"no cgroup v1 `{controller}` controller at {folder}: mount it "
                f"(mount -t cgroup -o {controller} cgroup {folder}) or boot with "
                "systemd.unified_cgroup_hierarchy=0."
            )
        elif not os.access(folder, os.W_OK):
            found.append(f"{folder} is read-only here: the grader cannot create cgroups.")
    return found


def _v2_parent(root: bool) -> Path | None:
    """The v2 folder units' cgroups go in, with the controllers enabled; None if none.

    As root: ``<mount>/mlflow-lab-grading``. Without root: the subtree systemd delegated
    to this process (``systemd-run --user -p Delegate=yes --scope grader ...``), which this
    grader enters as a leaf of its own so that its units may be siblings."""
    mount = cgroup_v2.mount_point()
    if mount is None:
        return None
    top = mount if root else cgroup_v2.own_cgroup(mount)
    if top is None or cgroup_v2.missing_controllers(top) or not os.access(top, os.W_OK):
        return None
    try:
        if root:
            cgroup_v2.enable_controllers(top)
            parent = top / CGROUP_PARENT
            parent.mkdir(exist_ok=True)
        else:
            parent = top
            leaf = top / "grader"
            leaf.mkdir(exist_ok=True)
            (leaf / "cgroup.procs").write_text(str(os.getpid()))
        cgroup_v2.enable_controllers(parent)
    except OSError:
        return None
    return parent if not cgroup_v2.missing_controllers(parent) else None


def _v2_problem() -> str:
    """What the unified hierarchy lacks here, and how to get it."""
    mount = cgroup_v2.mount_point()
    if mount is None:
        return "no cgroup2 file system is mounted: mount -t cgroup2 none /sys/fs/cgroup"
    missing = cgroup_v2.missing_controllers(mount)
    return (
        f"the cgroup v2 hierarchy at {mount} offers no "
        f"{', '.join(missing) or 'writable'} controller: on a host whose v1 hierarchies "
        "hold them, boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2 only)."
    )


def _trial(root: bool) -> list[str]:
    """Start ``true`` in the sandbox's namespaces; the failure, with its fix, if any."""
    uid = str(SandboxLimits().uid)
    if root:
        bwrap = ["bwrap", *UNSHARE, "--die-with-parent", *_system_mounts()]
        inner = [*_drop_to(uid), *_own_user_namespace(uid, "/")]
    else:
        bwrap = ["bwrap", "--unshare-user", "--uid", uid, "--gid", uid, *UNSHARE]
        bwrap += ["--die-with-parent", *_system_mounts()]
        inner = []
    bwrap += ["--proc", "/proc", "--tmpfs", "/tmp", "--"]
    trial = subprocess.run([*bwrap, *inner, "true"], capture_output=True, text=True, check=False)
    if trial.returncode == 0:
        return []
    return [
        "bwrap cannot create namespaces here "
        f"({trial.stderr.strip() or trial.returncode}): on a container host allow "
        "them (e.g. docker --privileged or --security-opt seccomp=unconfined); the "
        "sandbox uid must be allowed a user namespace of its own (sysctl "
        "user.max_user_namespaces > 0, and kernel.unprivileged_userns_clone=1 or "
        "kernel.apparmor_restrict_unprivileged_userns=0 where those exist)."
    ]


def _weigh_parent() -> None:
    """Give the units' parent cpu cgroup the weight of one busy process per core.

    With the default weight (that of one process) all units together got one process's
    share of a loaded host: at a load of 60, a kernel's imports took four times as long as
    the same imports outside, and setup cells ran into their timeout.
    """
    shares = CGROUP_ROOT / "cpu" / CGROUP_PARENT / "cpu.shares"
    with contextlib.suppress(OSError):
        shares.write_text(str(1024 * (os.cpu_count() or 1)))


@dataclass(frozen=True)
class Cgroup:
    """One unit's memory, pids and cpu cgroups (v1): caps, membership, and kill-all."""

    name: str

    def folders(self) -> list[Path]:
        return [self.folder(c) for c in CONTROLLERS]

    def folder(self, controller: str) -> Path:
        return CGROUP_ROOT / controller / CGROUP_PARENT / self.name

    def create(self, limits: SandboxLimits) -> Cgroup:
        for folder in self.folders():
            folder.mkdir(parents=True, exist_ok=True)
        _weigh_parent()
        memory, pids, cpu = self.folders()
        (memory / "memory.limit_in_bytes").write_text(str(limits.memory_limit))
        swap = memory / "memory.memsw.limit_in_bytes"
        if swap.exists():  # memory plus swap, where swap is accounted
            swap.write_text(str(limits.memory_limit))
        (pids / "pids.max").write_text(str(limits.process_limit))
        if limits.cpu_limit > 0:
            period = int((cpu / "cpu.cfs_period_us").read_text())
            (cpu / "cpu.cfs_quota_us").write_text(str(int(limits.cpu_limit * period)))
        return self

    def procs_files(self) -> list[str]:
        return [str(folder / "cgroup.procs") for folder in self.folders()]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.procs_files():
            with contextlib.suppress(OSError):
                found.update(int(line) for line in Path(path).read_text().split())
        return found

    def peak_memory(self) -> int:
        """Most memory the unit used at once, in bytes (0 when unknown)."""
        with contextlib.suppress(OSError, ValueError):
            return int((self.folder("memory") / "memory.max_usage_in_bytes").read_text())
        return 0

    def oom_kills(self) -> int:
        """How many times the memory cap made the kernel kill a process of the unit."""
        with contextlib.suppress(OSError, ValueError):
            for line in (self.folder("memory") / "memory.oom_control").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        return 0

    def forks_refused(self) -> int:
        """How many times the process cap refused the unit a new process or thread."""
        with contextlib.suppress(OSError, ValueError):
            return int((self.folder("pids") / "pids.events").read_text().split()[-1])
        return 0

    def kill(self, timeout: float = 15.0) -> set[int]:
        """SIGKILL every process of the unit until none is left; return the pids killed."""
        return kill_until_gone(self.pids, timeout=timeout)

    def remove(self) -> None:
        self.kill()
        for folder in self.folders():
            with contextlib.suppress(OSError):
                folder.rmdir()


@dataclass(frozen=True)
class BwrapSandbox:
    """The bubblewrap sandbox of one unit: what its kernel sees, who it runs as, what caps it.

    ``writable`` are the unit's own folders (mounted read-write at their own paths, so
    the records they hold name the same files inside and out); ``ipc`` is the short folder
    of the kernel's sockets and connection file. ``rootless``: made by a grader that is not
    root (the sandbox uid exists only in the unit's user namespace); ``cgroup`` None: no
    cgroup could be had, the :mod:`.watchdog` enforces the caps and writes ``report``.
    """

    writable: tuple[Path, ...]
    home: Path
    tmp: Path
    ipc: Path
    etc: Path  # the sandbox's passwd and group files (outside the writable folders)
    cgroup: Cgroup | CgroupV2 | None
    limits: SandboxLimits
    rootless: bool = False

    @classmethod
    def create(
        cls, name: str, *, writable: list[Path], home: Path, tmp: Path, private: Path,
        limits: SandboxLimits, cgroup: Cgroup | CgroupV2 | None = None, rootless: bool = False,
    ) -> BwrapSandbox:  # fmt: skip
        """Make the unit's cgroups, hand its folders to the sandbox uid, write its users.

        ``cgroup`` defaults to a v1 one named ``name`` (the root driver on cgroup v1)."""
        uid = limits.uid
        for folder in writable:
            folder.mkdir(parents=True, exist_ok=True)
            if not rootless:
                _chown_tree(folder, uid)
        ipc = Path(tempfile.mkdtemp(prefix="lab-ipc-", dir="/tmp"))  # socket paths are short
        if not rootless:
            os.chown(ipc, uid, uid)
        etc = private / "etc"
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "passwd").write_text(
            f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
            f"{LEARNER}:x:{uid}:{uid}:learner:{home}:/bin/sh\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        )
        (etc / "group").write_text(f"root:x:0:\n{LEARNER}:x:{uid}:\nnogroup:x:65534:\n")
        if cgroup is None and not rootless:
            cgroup = Cgroup(name)
        if cgroup is not None:
            cgroup.create(limits)
        return cls(tuple(writable), home, tmp, ipc, etc, cgroup, limits, rootless)

    @property
    def owner(self) -> int:
        """The uid (outside) that must read the kernel's connection file."""
        return os.getuid() if self.rootless else self.limits.uid

    @property
    def report(self) -> Path:
        """The watchdog's counts (:mod:`.watchdog`), beside the sandbox's passwd file."""
        return self.etc.parent / "watchdog.json"

    def env(self, unit_env: dict[str, str]) -> dict[str, str]:
        """The kernel's whole environment: the unit's settings, nothing of the grader's.

        Built from names (:data:`PASSED_ENV`, :func:`kernel_env_names`), never by prefix.
        """
        keep = {k: v for k, v in os.environ.items() if k in PASSED_ENV}
        keep.update({k: unit_env[k] for k in kernel_env_names() if k in unit_env})
        bin_dir = str(Path(sys.executable).parent)
        keep.update(
            {
                "HOME": str(self.home),
                "TMPDIR": str(self.tmp),
                "USER": LEARNER,
                "LOGNAME": LEARNER,
                "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
                "PYTHONPATH": package_parent(),
                "MPLCONFIGDIR": str(self.tmp / "matplotlib"),
            }
        )
        return keep

    def command(
        self,
        argv: list[str],
        *,
        env: dict[str, str],
        log: Path | None = None,
        cwd: str | None = None,
        stderr: Path | None = None,
    ) -> list[str]:
        """``argv`` wrapped so it runs in the sandbox: join the cgroups, cap file sizes,
        take a new session keyring, drop to the sandbox uid, enter the namespaces.

        ``cwd`` defaults to the unit's HOME; ``log`` takes stdout and stderr, ``stderr``
        stderr alone (both are opened outside the sandbox, by the grader)."""
        uid = str(self.limits.uid)
        user = ["--unshare-user", "--disable-userns", "--uid", uid, "--gid", uid]
        bwrap = [
            "bwrap",
            *(user if self.rootless else []),  # the sandbox uid, mapped from ours
            *UNSHARE,  # and mount; the new network has only its own loopback
            "--die-with-parent",
            "--new-session",
            "--hostname", "localhost",
            # Empty first: binds made later inside them (Python, the unit) show through.
            "--perms", "1777", "--tmpfs", "/tmp",  # Java writes there whatever TMPDIR says
            "--tmpfs", "/run",
            "--tmpfs", "/root",
            "--tmpfs", "/home",
            *_system_mounts(),
            "--ro-bind", str(self.etc / "passwd"), "/etc/passwd",
            "--ro-bind", str(self.etc / "group"), "/etc/group",
            "--proc", "/proc",
            "--dev", "/dev",
            "--perms", "1777", "--tmpfs", "/dev/shm",
        ]  # fmt: skip
        for folder in (*self.writable, self.ipc):
            bwrap += [*_parents(folder), "--bind", str(folder), str(folder)]
        bwrap += ["--chdir", cwd or str(self.home), "--clearenv"]
        for key, value in sorted(env.items()):
            bwrap += ["--setenv", key, value]
        procs = self.cgroup.procs_files() if self.cgroup is not None else []
        joins = " ".join(f'echo $$ > "{path}" &&' for path in procs)
        blocks = max(1, self.limits.file_size_limit // 512)  # ulimit -f counts 512-byte blocks
        redirect = f' >>"{log}" 2>&1' if log else (f' 2>>"{stderr}"' if stderr else "")
        script = f'{joins} ulimit -c 0 && ulimit -f {blocks} && exec "$@"{redirect}'
        keyring = [sys.executable, "-I", "-S", "-c", _NEW_KEYRING]
        if self.rootless:  # bwrap's own user namespace maps the uid: no setpriv
            command = ["/bin/sh", "-c", script, "sandbox", *keyring, *bwrap, "--", *argv]
        else:
            inner = _own_user_namespace(uid, cwd or str(self.home))
            command = [
                "/bin/sh", "-c", script, "sandbox", *keyring, *bwrap, "--", *_drop_to(uid),
                *inner, *argv,
            ]  # fmt: skip
        if self.cgroup is None:
            watchdog = [sys.executable, "-I", "-m", "grader.grading.watchdog"]
            watchdog += ["--memory", str(self.limits.memory_limit)]
            watchdog += ["--processes", str(self.limits.process_limit)]
            command = [*watchdog, "--report", str(self.report), "--", *command]
        return command

    def pids(self) -> set[int]:
        """The unit's processes now (its cgroup's, or the trees its watchdogs watch)."""
        if self.cgroup is not None:
            return self.cgroup.pids()
        return {p.pid for p in watchdog.watched(self.report)}

    def kill(self) -> set[int]:
        """Kill every process of the unit; return their pids."""
        if self.cgroup is not None:
            return self.cgroup.kill()
        return watchdog.kill_watched(self.report)

    def usage(self) -> dict[str, int]:
        """What the unit used and where its caps bit: peak memory, OOM kills, forks refused."""
        if self.cgroup is None:
            return watchdog.load(self.report)
        return {
            "peak_memory": self.cgroup.peak_memory(),
            "oom_kills": self.cgroup.oom_kills(),
            "forks_refused": self.cgroup.forks_refused(),
        }

    def destroy(self) -> set[int]:
        """Kill all the unit's processes, remove its cgroups and socket folder."""
        killed = self.kill()
        if self.cgroup is not None:
            self.cgroup.remove()
        shutil.rmtree(self.ipc, ignore_errors=True)
        return killed


def unit_folder() -> Path:
    """A new, empty folder for one unit's lab home, HOME and TMPDIR, under :data:`UNITS_ROOT`.

    Its name is the grader's pid and a random part (not the student's); the root is root's
    and not listable by others. :func:`remove_stale_unit_folders` removes those of graders
    that were killed.
    """
    units = units_root()
    units.mkdir(parents=True, exist_ok=True)
    os.chmod(units, 0o711)
    folder = Path(tempfile.mkdtemp(prefix=f"unit-{os.getpid()}-", dir=units))
    os.chmod(folder, 0o755)
    return folder


def units_root() -> Path:
    """:data:`UNITS_ROOT`, or for a grader that is not root a sibling of its own uid's."""
    if os.geteuid() == 0:
        return UNITS_ROOT
    return UNITS_ROOT.with_name(f"{UNITS_ROOT.name}-{os.getuid()}")


def _drop_to(uid: str) -> list[str]:
    """``setpriv`` to the sandbox uid: no groups, no capabilities, no new privileges."""
    return [
        "setpriv", "--reuid", uid, "--regid", uid, "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
    ]  # fmt: skip


def _own_user_namespace(uid: str, cwd: str) -> list[str]:
    """A second, unprivileged ``bwrap`` that only adds a user namespace mapping the sandbox
    uid to itself: the unit gets a user keyring of its own (keyrings are per user namespace
    since Linux 5.3), gone when it ends, and ``--disable-userns`` forbids making more."""
    return [
        "bwrap", "--unshare-user", "--disable-userns", "--uid", uid, "--gid", uid,
        "--dev-bind", "/", "/", "--chdir", cwd, "--",
    ]  # fmt: skip


def _chown_tree(folder: Path, uid: int) -> None:
    os.chown(folder, uid, uid)
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def remove_stale_cgroups() -> list[str]:
    """Kill and remove units' cgroups left by a grader that was killed; return their names."""
    names: set[str] = set()
    for controller in CONTROLLERS:
        parent = CGROUP_ROOT / controller / CGROUP_PARENT
        if parent.is_dir():
            names.update(p.name for p in parent.iterdir() if p.is_dir())
    stale = []
    for name in sorted(names):
        owner = name.split(".", 1)[0]
        if owner.isdigit() and _alive(int(owner)):
            continue  # another grader's unit, still running
        Cgroup(name).remove()
        stale.append(name)
    return stale


def remove_stale_unit_folders() -> list[str]:
    """Remove the unit folders left by graders that were killed; return their names."""
    stale = []
    units = units_root()
    for folder in units.glob("unit-*") if units.is_dir() else []:
        owner = folder.name.split("-")[1]
        if owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)
            stale.append(folder.name)
    return stale


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
