"""What a kernel sends is held to size caps where it enters the grader (the executor), and
an output past a cap costs the whole unit its points, with the reason."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.grading.collect import past_a_cap
from grader.grading.preprocessors.survive_dead_kernel import (
    OUTPUT_TOO_LARGE,
    SurviveDeadKernel,
    content_size,
)


def message(msg_type: str, **content) -> dict:
    return {
        "msg_type": msg_type,
        "header": {"msg_type": msg_type},
        "content": content,
        "parent_header": {"msg_id": "m"},
    }


@pytest.fixture
def executor() -> SurviveDeadKernel:
    ex = SurviveDeadKernel(
        max_output_bytes=1000, max_error_bytes=2000, max_notebook_output_bytes=5000
    )
    ex.reset_execution_trackers()
    ex.clear_before_next_output = False  # as nbclient sets it when a cell starts
    ex.nb = new_notebook(cells=[new_code_cell("x")])
    ex._running_index = 0
    return ex


def test_a_small_error_is_kept_whole(executor):
    outs = []
    executor.output(
        outs, message("error", ename="ValueError", evalue="no", traceback=["t"]), None, 0
    )
    assert [o.ename for o in outs] == ["ValueError"] and outs[0].traceback == ["t"]
    assert past_a_cap([nbformat.from_dict({"cell_type": "code", "outputs": outs})]) == ""


def test_an_error_past_its_cap_is_cut_and_marks_the_notebook(executor):
    outs = []
    huge = message("error", ename="ValueError", evalue="v" * 50_000, traceback=["t" * 50_000])
    executor.output(outs, huge, None, 0)
    marker, kept = outs
    assert marker.ename == OUTPUT_TOO_LARGE and "an error output of 100" in marker.evalue
    assert kept.ename == "ValueError" and kept.traceback == []  # the test still fails
    assert len(kept.evalue) < 1100
    cell = nbformat.from_dict({"cell_type": "code", "outputs": outs})
    assert past_a_cap([cell]).startswith("this notebook's kernel sent an error output")


def test_output_past_the_notebooks_cap_is_dropped_and_marks_it_once(executor):
    cells = [[] for _ in range(8)]
    for index, outs in enumerate(cells):  # 8 cells of 900 bytes: each under the cell's cap
        executor.output(outs, message("stream", name="stdout", text="x" * 900), None, index)
    kept = [o for outs in cells for o in outs if o.output_type == "stream"]
    markers = [o for outs in cells for o in outs if o.get("ename") == OUTPUT_TOO_LARGE]
    assert sum(len(o.text) for o in kept) <= 5000
    assert len(markers) == 1 and "more than 5000 bytes in all" in markers[0].evalue


def test_a_cell_past_its_own_cap_is_cut_without_failing_the_notebook(executor):
    outs = []
    for _ in range(3):
        executor.output(outs, message("stream", name="stdout", text="x" * 600), None, 0)
    assert "[output cut" in outs[-1].text
    assert not any(o.get("ename") == OUTPUT_TOO_LARGE for o in outs)


def test_a_huge_display_update_or_widget_message_marks_the_notebook(executor):
    update = message("update_display_data", data={"text/plain": "x" * 5000}, metadata={})
    executor._update_display_id("d", update)
    assert executor.nb.cells[0].outputs[0].ename == OUTPUT_TOO_LARGE

    other = SurviveDeadKernel(max_output_bytes=1000)
    outs = []
    other.handle_comm_msg(
        outs, message("comm_msg", comm_id="c", data={"state": {"v": "x" * 5000}}), 0
    )
    assert outs[0].ename == OUTPUT_TOO_LARGE and other.widget_state == {}


def test_content_size_counts_texts_without_copying():
    assert content_size({"text": "abc", "list": ["de", b"f"], "n": 1}) == 4 + 3 + 4 + 2 + 1 + 1 + 8


@pytest.mark.slow
def test_a_real_kernels_huge_exception_is_cut_before_the_notebook_keeps_it():
    """An ipykernel raising a 20 MB message: the executed notebook keeps a few KB of it."""
    nb = new_notebook(
        cells=[new_code_cell('raise ValueError("x" * 20_000_000)'), new_code_cell("print(1)")]
    )
    ex = SurviveDeadKernel(timeout=60, allow_errors=True, kernel_name="python3")
    ex.preprocess(nb, {})
    assert len(nbformat.writes(nb)) < 10_000
    assert past_a_cap(nb.cells).startswith("this notebook's kernel sent an error output of")
    assert nb.cells[1].outputs[0].text == "1\n"  # the notebook ran on


def test_a_message_past_the_socket_cap_is_refused_and_ends_the_notebook_at_once():
    """A 40 MB exception travels as an 80 MB message (value and traceback): libzmq refuses
    it before the grader holds it, and the executor reports it as too large at once (a
    wait for the lost reply would end in a timeout instead)."""
    from grader.grading.sandboxed_kernel import MAX_MESSAGE_BYTES, CappedKernelManager

    assert MAX_MESSAGE_BYTES < 80_000_000
    nb = new_notebook(
        cells=[
            new_code_cell("print('before')"),
            new_code_cell('raise ValueError("x" * 40_000_000)'),
            new_code_cell("print(1)"),
        ]
    )
    ex = SurviveDeadKernel(timeout=120, allow_errors=True, kernel_name="python3")
    ex.kernel_manager_class = CappedKernelManager
    ex.preprocess(nb, {})
    assert nb.cells[0].outputs[0].text == "before\n"
    assert [o.ename for o in nb.cells[1].outputs] == [OUTPUT_TOO_LARGE]
    assert past_a_cap(nb.cells) == (
        f"this notebook's kernel sent a message past {MAX_MESSAGE_BYTES} bytes "
        "(refused at the socket)"
    )
    assert "not run" in nb.cells[2].outputs[0].evalue
    assert len(nbformat.writes(nb)) < 10_000


def test_a_print_past_the_socket_cap_is_cut_and_the_notebook_keeps_its_points():
    """40 MB printed at once is one IOPub message past the cap: refused and lost, but the
    cell raised nothing (its reply says so), so it keeps a note that its output was cut and
    the notebook runs on, unmarked."""
    from grader.grading.sandboxed_kernel import REFUSED, CappedKernelManager

    nb = new_notebook(
        cells=[new_code_cell('print("x" * 40_000_000)'), new_code_cell("print('after')")]
    )
    ex = SurviveDeadKernel(timeout=120, allow_errors=True, kernel_name="python3")
    ex.kernel_manager_class = CappedKernelManager
    ex.preprocess(nb, {})
    assert nb.cells[0].outputs[-1].text == f"\n[output cut: this cell sent {REFUSED}]\n"
    assert nb.cells[1].outputs[0].text == "after\n"
    assert past_a_cap(nb.cells) == ""
