"""A Docker daemon the test session starts itself, and the grading image built without a
registry: a Debian root file system from the machine's own package mirror (``debootstrap``)
imported as the base image, the project and its dependencies as wheels built on the host,
then ``grader image build --base ... --wheels ...`` with no network.

It costs minutes (the root file system about two, the wheels one or two, the image one),
so it runs only when asked: ``MLFLOW_LAB_CONTAINER_TESTS=1``, as root, with ``dockerd``
and ``debootstrap`` installed (``apt-get install docker.io debootstrap``). The root file
system and the wheels are kept in ``build/container/`` for the next session.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "build" / "container"
BASE = "mlflow-lab-test-base:bookworm"
#: What the base needs: the image's Python and Java; bubblewrap for the grader in it.
PACKAGES = "python3,python3-venv,openjdk-17-jre-headless,bubblewrap"


def wanted() -> bool:
    return os.environ.get("MLFLOW_LAB_CONTAINER_TESTS") == "1"


def _mirror() -> str:
    """The Debian mirror this machine's apt already uses."""
    for path in [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]:
        with contextlib.suppress(OSError):
            for line in path.read_text().splitlines():
                if line.lstrip().startswith("#"):  # a comment may name a mirror not in use
                    continue
                for word in line.split():  # "deb URL suite" and deb822's "URIs: URL"
                    if word.startswith("http") and word.rstrip("/").endswith("/debian"):
                        return word.removesuffix("/")
    return "http://deb.debian.org/debian"


@pytest.fixture(scope="session")
def docker_host(tmp_path_factory):
    """A dockerd of this session (its own data, socket, no bridge); its DOCKER_HOST."""
    if not wanted():
        pytest.skip("container tests run with MLFLOW_LAB_CONTAINER_TESTS=1")
    if os.geteuid() != 0 or not shutil.which("dockerd") or not shutil.which("debootstrap"):
        pytest.fail("MLFLOW_LAB_CONTAINER_TESTS=1 needs root, dockerd and debootstrap")
    root = tmp_path_factory.mktemp("docker")
    socket_path = root / "docker.sock"
    log = open(root / "dockerd.log", "wb")  # noqa: SIM115 - open while the daemon runs
    daemon = subprocess.Popen(
        ["dockerd", "--data-root", str(CACHE / "docker-data"), "--exec-root", str(root / "exec"),
         "--pidfile", str(root / "dockerd.pid"), "-H", f"unix://{socket_path}",
         "--bridge", "none", "--iptables=false", "--ip-masq=false"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    host = f"unix://{socket_path}"
    env = {**os.environ, "DOCKER_HOST": host}
    deadline = time.monotonic() + 60
    while subprocess.run(["docker", "info"], env=env, capture_output=True).returncode != 0:
        if time.monotonic() > deadline or daemon.poll() is not None:
            daemon.kill()
            pytest.fail(f"dockerd did not start: {(root / 'dockerd.log').read_text()[-2000:]}")
        time.sleep(0.5)
    old = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = host
    try:
        yield host
    finally:
        ids = subprocess.run(["docker", "ps", "-aq"], env=env, capture_output=True, text=True)
        if ids.stdout.split():
            subprocess.run(["docker", "rm", "-f", *ids.stdout.split()], env=env, check=False)
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
        log.close()
        if old is None:
            os.environ.pop("DOCKER_HOST", None)
        else:
            os.environ["DOCKER_HOST"] = old


@pytest.fixture(scope="session")
def grading_image(docker_host):
    """The course's grading image, built here without a registry; its tag."""
    from grader.grading.container import IMAGE, build_image

    CACHE.mkdir(parents=True, exist_ok=True)
    rootfs = CACHE / "rootfs"
    if not (rootfs / "usr" / "bin" / "java").exists():
        shutil.rmtree(rootfs, ignore_errors=True)
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={PACKAGES}", "bookworm",
             str(rootfs), _mirror()],
            check=True, capture_output=True,
        )  # fmt: skip
    if subprocess.run(["docker", "image", "inspect", BASE], capture_output=True).returncode:
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "-", BASE], stdin=tar.stdout, check=True)
        tar.wait()
    wheels = CACHE / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", str(REPO), "-w", str(wheels)],
        check=True,
    )  # already built ones are reused; the project's own is rebuilt
    # Debian 12's Python is 3.11.2; soupsieve's newest needs 3.11.5: with an older one beside
    # it, pip (offline, in the build) takes the newest that fits.
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "soupsieve<2.8",
         "-d", str(wheels)],
        check=True,
    )  # fmt: skip
    build_image(context=REPO, base=BASE, wheels=wheels)
    return IMAGE
