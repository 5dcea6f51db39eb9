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
from collections.abc import Callable
from pathlib import Path

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Int, List, Type, Unicode

#: The largest message the grader takes from a kernel. A cell's outputs are capped far below
#: (20 MB in all), so a larger message never scores; refusing it is free.
MAX_MESSAGE_BYTES = 32_000_000
#: What the executor says of a message the socket refused.
REFUSED = f"a message past {MAX_MESSAGE_BYTES} bytes (refused at the socket)"


class CappedKernelClient(AsyncKernelClient):
    """The grader's end of a sandboxed kernel's sockets: no message past ``max_message_bytes``.

    A kernel may send anything. An exception with a 150 MB message travels as a 300 MB
    message (its value and its traceback) that jupyter_client would read, copy and decode
    whole in nbgrader's process (1.3 GB there) before the executor's output caps see it.
    libzmq's ``ZMQ_MAXMSGSIZE`` refuses it at the socket, before allocating it, and drops
    that connection (which reconnects), losing the message. Which channel dropped decides:

    - a reply channel (shell, control, stdin): the reply is lost, so the client says the
      kernel is gone (the cell ends at once, not at its timeout) and
      :attr:`message_too_large` says why;
    - IOPub: outputs were lost (a cell printed 100 MB at once, say). The executor reads
      :meth:`take_lost_outputs` when the cell's reply has come: a cell that raised counts
      as too large (its error may be what was lost), one that did not keeps its points
      with its output cut.
    """

    max_message_bytes = Int(MAX_MESSAGE_BYTES).tag(config=True)
    message_too_large = Bool(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._monitors: dict[str, zmq.Socket] = {}
        self._lost_outputs = False
        #: Called when IOPub lost a message (the executor stops waiting for that cell's
        #: "idle" status, which may have been lost with it).
        self.on_lost_outputs: Callable[[], None] | None = None

    def _create_connected_socket(self, channel: str, identity: bytes | None = None):
        # A context applies its default options to each socket it makes, before it connects.
        self.context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
        sock = super()._create_connected_socket(channel, identity=identity)
        monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self._monitors[channel] = zmq.Socket.shadow(monitor.underlying)  # read without a loop
        return sock

    def _dropped(self, channel: str) -> bool:
        """Whether ``channel``'s connection dropped since this was last asked."""
        monitor, dropped = self._monitors.get(channel), False
        while monitor is not None:
            try:
                monitor.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            dropped = True
        return dropped

    def take_lost_outputs(self) -> bool:
        """Whether IOPub lost a message since this was last asked."""
        if self._dropped("iopub"):
            self._lost_iopub()
        lost, self._lost_outputs = self._lost_outputs, False
        return lost

    def _lost_iopub(self) -> None:
        """IOPub dropped a message. libzmq does not reconnect after refusing one, and the
        kernel's end forgets the subscription: connect the same socket again (what the
        kernel publishes before the new subscription reaches it is lost too)."""
        self._lost_outputs = True
        sock, url = self.iopub_channel.socket, self._make_url("iopub")
        with contextlib.suppress(zmq.ZMQError):
            sock.disconnect(url)
        sock.connect(url)
        if self.on_lost_outputs is not None:
            self.on_lost_outputs()

    async def _async_is_alive(self) -> bool:
        alive = await super()._async_is_alive()  # the kernel's process
        if self._dropped("iopub"):
            self._lost_iopub()
        replies = [self._dropped(channel) for channel in ("shell", "control", "stdin")]
        if alive and (self.message_too_large or any(replies)):
            self.message_too_large = True
            if isinstance(self.parent, CappedKernelManager):
                self.parent.message_too_large = True
            return False
        return alive

    is_alive = _async_is_alive

    def stop_channels(self) -> None:
        for monitor in self._monitors.values():
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
