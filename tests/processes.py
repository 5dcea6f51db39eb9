"""Find processes that belong to a lab home: the tests' way to prove nothing is left."""

from __future__ import annotations

from pathlib import Path

import psutil


def lab_processes(home: Path) -> list[psutil.Process]:
    """Live processes whose command line or environment names ``home``."""
    needle = str(home)
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            text = " ".join(proc.info["cmdline"] or [])
            if needle in text or any(needle in v for v in proc.environ().values()):
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found
