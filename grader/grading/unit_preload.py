"""What the fork server of the units' nbgrader processes does once, before it forks any.

Imported by multiprocessing's fork server (:func:`grader.grading.autograde_unit.start`),
never by a unit: it imports nbgrader and readies what every unit would otherwise make
again, then freezes the garbage collector's view of all of it, so a forked unit neither
copies those pages nor scans those objects. Nothing here reads a unit's files.
"""

from __future__ import annotations

import gc
import warnings

import nbformat
from jupyter_client.kernelspec import KernelSpecManager

import grader.grading.autograde_unit  # noqa: F401  (nbgrader, nbconvert, nbclient)
from grader.grading.sandboxed_kernel import SandboxedKernelManager  # noqa: F401

# nbformat compiles a JSON-schema validator on first use (0.07 s of CPU each): the ones
# reading and writing a notebook of format 4.4 or 4.5 take, once, here.
for minor in (4, 5):
    for relaxed in (False, True):
        nbformat.validator.get_validator(version=4, version_minor=minor, relax_add_props=relaxed)
# Finding the python3 kernel spec imports ipykernel and IPython (0.12 s): once, here.
KernelSpecManager().get_kernel_spec("python3")
# multiprocessing runs the parent's main module again in each child, as __mp_main__; the
# server imported it already (that is the saving), which runpy would warn about, on the
# instructor's terminal, once per unit.
warnings.filterwarnings(
    "ignore", message=r".* found in sys\.modules after import of package", category=RuntimeWarning
)
gc.freeze()
