"""Execute a submission, and when its kernel dies, keep what ran and fail the rest.

nbgrader's ``Execute`` lets a dead kernel's exception escape, and nbgrader then throws the
whole notebook away: every test scores nothing, even those that passed before the crash.
Here the cells that ran keep their outputs; the cell running when the kernel died and every
code cell after it get an error output, so nbgrader scores exactly those tests 0.
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Int

KERNEL_DIED = "KernelDied"
#: nbclient's name for a cell that ran out of time (collect.py reads it as "timed out").
TIMED_OUT = "CellTimeoutError"


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._output_bytes: dict[int, int] = {}
        if self.sandboxed:
            from grader.grading.sandboxed_kernel import SandboxedKernelManager

            self.kernel_manager_class = SandboxedKernelManager

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] in ("stream", "display_data", "execute_result", "update_display_data"):
            used = self._output_bytes.get(cell_index, 0)
            self._output_bytes[cell_index] = used + len(str(msg["content"]))
            if self._output_bytes[cell_index] > self.max_output_bytes:
                if used <= self.max_output_bytes:
                    outs.append(_cut(self.max_output_bytes))
                return None
        return super().output(outs, msg, display_id, cell_index)

    def preprocess_cell(self, cell, resources, index):
        self._running_index = index  # the cell to blame if the kernel dies now
        return super().preprocess_cell(cell, resources, index)

    def preprocess(self, nb, resources, km=None):
        self._running_index = 0
        try:
            return super().preprocess(nb, resources, km=km)
        except Exception as exc:  # DeadKernelError and the errors a dying kernel causes
            if _is_unresponsive(exc):  # timed out, then did not even answer the interrupt
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
