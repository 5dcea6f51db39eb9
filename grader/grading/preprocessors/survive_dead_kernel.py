"""Execute a submission, and when its kernel dies, keep what ran and fail the rest.

nbgrader's ``Execute`` lets a dead kernel's exception escape, and nbgrader then throws the
whole notebook away: every test scores nothing, even those that passed before the crash.
Here the cells that ran keep their outputs; the cell running when the kernel died and every
code cell after it get an error output, so nbgrader scores exactly those tests 0.
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute

KERNEL_DIED = "KernelDied"


def _died(message: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename=KERNEL_DIED,
        evalue=message,
        traceback=[f"{KERNEL_DIED}: {message}"],
    )


class SurviveDeadKernel(Execute):
    """``Execute`` that turns a dead kernel into failed cells instead of a lost notebook."""

    def preprocess_cell(self, cell, resources, index):
        self._running_index = index  # the cell to blame if the kernel dies now
        return super().preprocess_cell(cell, resources, index)

    def preprocess(self, nb, resources, km=None):
        self._running_index = 0
        try:
            return super().preprocess(nb, resources, km=km)
        except Exception as exc:  # DeadKernelError and the errors a dying kernel causes
            if not _is_kernel_death(exc):
                raise
            self.log.warning("The kernel died: %s", exc)
            message = "the kernel stopped while this cell ran (it crashed, was killed or ran out of memory)"
            for cell in nb.cells[self._running_index :]:
                if cell.cell_type == "code":
                    cell.outputs = [*cell.get("outputs", []), _died(message)]
                    message = "not run: the kernel had stopped"
            resources.setdefault("grader", {})["kernel_died"] = True
            return nb, resources


def _is_kernel_death(exc: Exception) -> bool:
    from nbclient.exceptions import DeadKernelError

    return isinstance(exc, (DeadKernelError, RuntimeError)) and not isinstance(
        exc, NotImplementedError
    )
