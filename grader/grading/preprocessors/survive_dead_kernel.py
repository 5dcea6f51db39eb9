"""Execute a submission, and when its kernel dies, keep what ran and fail the rest.

nbgrader's ``Execute`` lets a dead kernel's exception escape, and nbgrader then throws the
whole notebook away: every test scores nothing, even those that passed before the crash.
Here the cells that ran keep their outputs; the cell running when the kernel died and every
code cell after it get an error output, so nbgrader scores exactly those tests 0.

What the kernel sends is also held to size caps here, the one place it enters the grader:
a cell's output, an error's message and traceback, a display update, a widget message, and
all the notebook's outputs together; for a sandboxed kernel, any one message, at the
socket (``sandboxed_kernel.MAX_MESSAGE_BYTES``: libzmq refuses it before the grader holds
it, and the kernel counts as gone). Past the cell cap the rest of a cell's output is cut;
past any other cap the notebook gets an ``OutputTooLarge`` error, and the whole unit then
scores nothing (``collect.py``), so an output too large to keep never earns a point.
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Int

from grader.grading.sandboxed_kernel import REFUSED

KERNEL_DIED = "KernelDied"
#: nbclient's name for a cell that ran out of time (collect.py reads it as "timed out").
TIMED_OUT = "CellTimeoutError"
#: The error put on the cell where an output passed a cap (collect.py: the unit scores 0).
OUTPUT_TOO_LARGE = "OutputTooLarge"
#: What is kept of an error past its cap: its name and the start of its message.
ERROR_KEPT = 1000


def _died(message: str, ename: str = KERNEL_DIED) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename=ename,
        evalue=message,
        traceback=[f"{ename}: {message}"],
    )


class SurviveDeadKernel(Execute):
    """``Execute`` that turns a dead kernel into failed cells instead of a lost notebook.

    With ``sandboxed`` the kernel runs in the unit's sandbox (:mod:`..sandboxed_kernel`);
    ``max_output_bytes`` keeps a cell that prints hundreds of MB from filling the grader's
    memory and the autograded notebook (errors, which decide a test, are always kept).
    """

    sandboxed = Bool(False, help="Run the kernel in the unit's sandbox.").tag(config=True)
    max_output_bytes = Int(
        1_000_000, help="Output a cell may keep before the rest is dropped (errors stay)."
    ).tag(config=True)
    max_error_bytes = Int(
        1_000_000,
        help="Largest error output (message and traceback); past it the unit scores nothing.",
    ).tag(config=True)
    max_notebook_output_bytes = Int(
        20_000_000,
        help="Output the whole notebook may keep; past it the unit scores nothing.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._output_bytes: dict[int, int] = {}
        self._kept_bytes = 0
        self._too_large = ""
        self._raise_on_iopub = self.raise_on_iopub_timeout  # as configured (nbgrader: on)
        if self.sandboxed:
            from grader.grading.sandboxed_kernel import SandboxedKernelManager

            self.kernel_manager_class = SandboxedKernelManager

    def on_cell_executed(self, **kwargs) -> None:
        """nbgrader's hook (it records an error the reply names and no output shows: a
        timeout), then: when the kernel's sockets refused an output of this cell (the
        capped client), the cell keeps a note that its output was cut, or, if it raised,
        the notebook is too large (the refused message may have been its error)."""
        super().on_cell_executed(**kwargs)
        cell, execute_reply = kwargs["cell"], kwargs["execute_reply"]
        take = getattr(self.kc, "take_lost_outputs", None)
        if take is None or not take():
            return
        if (execute_reply or {}).get("content", {}).get("status") == "ok":
            cell.outputs.append(_cut_at_socket(REFUSED))
        else:
            self._past_cap(cell.outputs, REFUSED)

    def output(self, outs, msg, display_id, cell_index):
        size = content_size(msg["content"])
        if msg["msg_type"] == "error":
            if size > self.max_error_bytes:
                self._past_cap(
                    outs, f"an error output of {size} bytes (limit {self.max_error_bytes})"
                )
                msg = {**msg, "content": _short_error(msg["content"])}
                size = content_size(msg["content"])
            self._kept_bytes += size  # an error decides a test: it is always kept
            return super().output(outs, msg, display_id, cell_index)
        if msg["msg_type"] in ("stream", "display_data", "execute_result", "update_display_data"):
            used = self._output_bytes.get(cell_index, 0)
            self._output_bytes[cell_index] = used + size
            if self._output_bytes[cell_index] > self.max_output_bytes:
                if used <= self.max_output_bytes:
                    outs.append(_cut(self.max_output_bytes))
                return None
        if self._kept_bytes + size > self.max_notebook_output_bytes:
            limit = self.max_notebook_output_bytes
            self._past_cap(outs, f"outputs of more than {limit} bytes in all (limit {limit})")
            return None
        self._kept_bytes += size
        return super().output(outs, msg, display_id, cell_index)

    def _update_display_id(self, display_id, msg):
        """A display update replaces an output in place: held to the cell's cap."""
        size = content_size(msg["content"])
        if size > self.max_output_bytes:
            cell = self._running_index
            outputs = self.nb.cells[cell].setdefault("outputs", []) if self.nb else []
            self._past_cap(
                outputs, f"a display update of {size} bytes (limit {self.max_output_bytes})"
            )
            return None
        return super()._update_display_id(display_id, msg)

    def handle_comm_msg(self, outs, msg, cell_index):
        """A widget's state is kept in the notebook: held to the cell's cap."""
        size = content_size(msg["content"])
        if size > self.max_output_bytes:
            self._past_cap(
                outs, f"a widget message of {size} bytes (limit {self.max_output_bytes})"
            )
            return None
        return super().handle_comm_msg(outs, msg, cell_index)

    def _past_cap(self, outs, what: str) -> None:
        """Mark the notebook, once, with the first cap it passed."""
        if not self._too_large:
            self._too_large = what
            outs.append(
                NotebookNode(
                    output_type="error",
                    ename=OUTPUT_TOO_LARGE,
                    evalue=f"this notebook's kernel sent {what}",
                    traceback=[],
                )
            )

    def create_kernel_manager(self):
        """The kernel's manager, kept: it says whether the kernel sent a message past the
        socket cap (:class:`~grader.grading.sandboxed_kernel.CappedKernelClient`), after
        nbclient has let go of it."""
        self._manager = super().create_kernel_manager()
        return self._manager

    def _outputs_lost(self) -> None:
        """The capped sockets refused one of this cell's outputs (and reconnected IOPub).
        Its "idle" status may have gone with it, so for this cell a silent IOPub is not a
        hung kernel: what was lost is judged from the cell's reply (:meth:`on_cell_executed`)."""
        self.raise_on_iopub_timeout = False

    def preprocess_cell(self, cell, resources, index):
        self._running_index = index  # the cell to blame if the kernel dies now
        self.raise_on_iopub_timeout = self._raise_on_iopub
        if hasattr(self.kc, "on_lost_outputs"):
            self.kc.on_lost_outputs = self._outputs_lost
        return super().preprocess_cell(cell, resources, index)

    def preprocess(self, nb, resources, km=None):
        self._running_index = 0
        try:
            return super().preprocess(nb, resources, km=km)
        except Exception as exc:  # DeadKernelError and the errors a dying kernel causes
            if getattr(getattr(self, "_manager", None), "message_too_large", False):
                self.log.warning("The kernel sent %s", REFUSED)
                self._too_large = REFUSED
                self._fail_rest(
                    nb, OUTPUT_TOO_LARGE, f"this notebook's kernel sent {REFUSED}",
                    "not run: the kernel's connection was closed",
                )  # fmt: skip
            elif _is_unresponsive(exc):  # timed out, then did not even answer the interrupt
                self.log.warning("The kernel stopped answering: %s", exc)
                message = "the cell timed out and the kernel stopped answering"
                self._fail_rest(nb, TIMED_OUT, message, "not run: the kernel stopped answering")
            elif _is_kernel_death(exc):
                self.log.warning("The kernel died: %s", exc)
                message = "the kernel stopped while this cell ran (it crashed, was killed or ran out of memory)"
                self._fail_rest(nb, KERNEL_DIED, message, "not run: the kernel had stopped")
            else:
                raise
            resources.setdefault("grader", {})["kernel_died"] = True
            return nb, resources

    def _fail_rest(self, nb, ename: str, first: str, rest: str) -> None:
        """An error output on the cell that was running and on every code cell after it."""
        message = first
        for cell in nb.cells[self._running_index :]:
            if cell.cell_type == "code":
                cell.outputs = [*cell.get("outputs", []), _died(message, ename)]
                message = rest


def _cut_at_socket(what: str) -> NotebookNode:
    return NotebookNode(
        output_type="stream", name="stdout", text=f"\n[output cut: this cell sent {what}]\n"
    )


def _cut(limit: int) -> NotebookNode:
    return NotebookNode(
        output_type="stream",
        name="stdout",
        text=f"\n[output cut: this cell printed more than {limit} bytes]\n",
    )


def _is_unresponsive(exc: Exception) -> bool:
    from nbclient.exceptions import CellTimeoutError

    return isinstance(exc, CellTimeoutError)


def _is_kernel_death(exc: Exception) -> bool:
    from nbclient.exceptions import DeadKernelError

    return isinstance(exc, (DeadKernelError, RuntimeError)) and not isinstance(
        exc, NotImplementedError
    )


def content_size(value: object) -> int:
    """About the bytes of a message's content: the lengths of its texts and buffers, summed
    without making a copy (``str(content)`` of a 150 MB message would double it)."""
    if isinstance(value, str | bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, dict):
        return sum(content_size(k) + content_size(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return sum(content_size(v) for v in value)
    return 8


def _short_error(content: dict) -> dict:
    """An error's name and the start of its message, without the traceback."""
    return {
        "ename": str(content.get("ename", ""))[:200],
        "evalue": str(content.get("evalue", ""))[:ERROR_KEPT] + " [cut]",
        "traceback": [],
    }
