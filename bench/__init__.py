"""Benchmarks: how fast the course runs and a class is graded, against the plain tools.

``python3 -m nox -s bench`` (or ``python -m bench`` from the checkout) measures, on this
machine and in one run, each figure against a baseline measured the same way, and writes a
Markdown table and a JSON file. Nothing here is a test: numbers are printed, not asserted.
"""
