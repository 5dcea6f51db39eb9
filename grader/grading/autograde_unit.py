"""Child process: nbgrader autograde of one student's one notebook, in its sandbox.

The parent (``grading/unit.py``) starts this with the sandbox's environment, in its own
process group, and kills the group when the notebook's time is up. With ``--sandbox`` this
process stays outside (it needs the gradebook and the source notebooks) and only the kernel
runs inside the sandbox that the file describes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grader.grading.config import ASSIGNMENT, nbgrader_config
from grader.run.startup import skip_unused_format_checks


def main(argv: list[str] | None = None) -> int:
    skip_unused_format_checks()  # before nbgrader imports nbformat
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--student", required=True)
    parser.add_argument("--notebook", required=True)
    parser.add_argument("--cell-timeout", type=int, required=True)
    parser.add_argument(
        "--sandbox", type=Path, help="JSON: the kernel's sandbox (prefix, ipc_dir, owner)"
    )
    args = parser.parse_args(argv)

    from nbgrader.apps import NbGraderAPI

    config = nbgrader_config(args.root, cell_timeout=args.cell_timeout)
    config.CourseDirectory.notebook_id = args.notebook
    if args.sandbox:
        spec = json.loads(args.sandbox.read_text(encoding="utf-8"))
        config.SurviveDeadKernel.sandboxed = True
        config.SandboxedKernelManager.prefix = spec["prefix"]
        config.SandboxedKernelManager.ipc_dir = spec["ipc_dir"]
        config.SandboxedKernelManager.owner = spec["owner"]
    result = NbGraderAPI(config=config).autograde(ASSIGNMENT, args.student, force=True, create=True)
    print(result.get("log", ""))
    if not result["success"]:
        print(result.get("error", ""), file=sys.stderr)
        return 1
    if not args.sandbox:  # sandboxed, the parent audits in a fresh sandbox instead
        from grader.grading.outcomes import write_audit

        write_audit(args.root, args.notebook)  # the kernel is gone: check the records now
    return 0


if __name__ == "__main__":
    sys.exit(main())
