"""A Jupyter kernel manager whose kernel runs inside the unit's sandbox.

nbgrader (outside) executes the notebook through this manager; it starts the kernel with the
sandbox's command prefix and talks to it over ZMQ ``ipc`` sockets in a folder both sides
see (the kernel has no network of its own to share with us). Whatever kernel the submitted
notebook names, the kernel is this Python's ipykernel: a learner cannot pick another spec.
Interrupts go as messages, because a signal would reach ``bwrap``, not the kernel.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Int, List, Unicode


class SandboxedKernelManager(AsyncKernelManager):
    """Start ipykernel in the sandbox described by its (traitlets) configuration."""

    prefix = List(Unicode(), help="Command that runs its arguments inside the sandbox.").tag(
        config=True
    )
    ipc_dir = Unicode(help="Folder of the kernel's sockets and connection file.").tag(config=True)
    owner = Int(help="The sandbox uid, which must read the connection file.").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = str(Path(self.ipc_dir) / "kernel")
        self.connection_file = str(Path(self.ipc_dir) / "kernel.json")

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (sandboxed)",
            language="python",
            interrupt_mode="message",
        )

    @property
    def ipykernel(self) -> bool:
        return True

    def write_connection_file(self, **kwargs) -> None:
        super().write_connection_file(**kwargs)
        os.chown(self.connection_file, self.owner, self.owner)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [*self.prefix, *super().format_kernel_cmd(extra_arguments)]
