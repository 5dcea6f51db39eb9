"""A Jupyter kernel manager whose kernel runs inside the unit's sandbox.

nbgrader (outside) executes the notebook through this manager; it starts the kernel with the
sandbox's command prefix and talks to it over ZMQ ``ipc`` sockets in a folder both sides
see (the kernel has no network of its own to share with us). Whatever kernel the submitted
notebook names, the kernel is this Python's ipykernel: a learner cannot pick another spec.
Interrupts go as messages, because a signal would reach ``bwrap``, not the kernel.

Every message the kernel sends is size-capped at the socket (:class:`CappedKernelClient`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Int, List, Type, Unicode

#: The largest message the grader takes from a kernel. A cell's outputs are capped far below
#: (20 MB in all), so a larger message never scores; refusing it is free.
MAX_MESSAGE_BYTES = 32_000_000


class CappedKernelClient(AsyncKernelClient):
    """The grader's end of a sandboxed kernel's sockets: no message past ``max_message_bytes``.

    A kernel may send anything. An exception with a 150 MB message travels as a 300 MB
    message (its value and its traceback) that jupyter_client would read, copy and decode
    whole in nbgrader's process (1.3 GB there) before the executor's output caps see it.
    libzmq's ``ZMQ_MAXMSGSIZE`` refuses it at the socket, before allocating it, and drops
    that connection, which loses the message: so once a connection drops while the
    kernel's process lives, the client says the kernel is gone (the cell ends at once, not
    at its timeout) and :attr:`message_too_large` says why.
    """

    max_message_bytes = Int(MAX_MESSAGE_BYTES).tag(config=True)
    message_too_large = Bool(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._monitors: list[zmq.Socket] = []

    def _create_connected_socket(self, channel: str, identity: bytes | None = None):
        # A context applies its default options to each socket it makes, before it connects.
        self.context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
        sock = super()._create_connected_socket(channel, identity=identity)
        monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self._monitors.append(zmq.Socket.shadow(monitor.underlying))  # read without a loop
        return sock

    def _dropped(self) -> bool:
        """Whether any of the kernel's connections dropped since the channels started."""
        for monitor in self._monitors:
            with contextlib.suppress(zmq.Again):
                monitor.recv_multipart(zmq.NOBLOCK)
                return True
        return False

    async def _async_is_alive(self) -> bool:
        alive = await super()._async_is_alive()  # the kernel's process
        if alive and (self.message_too_large or self._dropped()):
            self.message_too_large = True
            if isinstance(self.parent, CappedKernelManager):
                self.parent.message_too_large = True
            return False
        return alive

    is_alive = _async_is_alive

    def stop_channels(self) -> None:
        for monitor in self._monitors:
            monitor.close(linger=0)
        self._monitors.clear()
        super().stop_channels()


class CappedKernelManager(AsyncKernelManager):
    """A kernel manager whose clients cap every message (:class:`CappedKernelClient`)."""

    client_factory = Type(CappedKernelClient, klass=AsyncKernelClient)
    #: Set by the client when the kernel sent a message past the cap (the client is gone
    #: by the time the executor reports a dead kernel; its manager is not).
    message_too_large = Bool(False)


class SandboxedKernelManager(CappedKernelManager):
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
