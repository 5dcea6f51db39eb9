"""The benchmark's table and its targets (issue: the course at most half the baseline's time,
grading at least 3x plain nbgrader's throughput, endpoint start-up under 20 s and p50 under
50 ms)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.measure import Figure


@dataclass
class Comparison:
    """One measure, ours against its baseline."""

    ours: Figure
    baseline: Figure

    @property
    def name(self) -> str:
        return self.ours.name

    @property
    def ratio(self) -> float:
        """Ours divided by the baseline: below 1 is better (less time, less memory)."""
        return self.ours.median / self.baseline.median if self.baseline.median else float("nan")

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "unit": self.ours.unit,
            "ours": self.ours.median,
            "baseline": self.baseline.median,
            "ratio": self.ratio,
            "ours_values": self.ours.values,
            "baseline_values": self.baseline.values,
        }


def _find(comparisons: list[Comparison], prefix: str) -> Comparison | None:
    return next((c for c in comparisons if c.name.startswith(prefix)), None)


def targets(comparisons: list[Comparison]) -> dict[str, dict]:
    """Each target the numbers can be held to: the figure, the bar, and whether it is met."""
    found = {}
    if course := _find(comparisons, "course run"):
        found["course run at most half the baseline's time"] = (course.ratio, course.ratio <= 0.5)
    if grading := _find(comparisons, "grading 10"):
        speedup = 1 / grading.ratio
        found["grading at least 3x plain nbgrader's throughput"] = (speedup, speedup >= 3)
    if startup := _find(comparisons, "endpoint start-up"):
        found["endpoint start-up under 20 s"] = (startup.ours.median, startup.ours.median < 20)
    if p50 := _find(comparisons, "endpoint p50"):
        found["endpoint p50 under 50 ms"] = (p50.ours.median, p50.ours.median < 50)
    if memory := _find(comparisons, "grader's peak memory"):
        # bounded: a 150 MB message costs the grader no more than half its usual peak again
        found["grader's memory with a 150 MB error at most 1.5x without"] = (
            memory.ratio,
            memory.ratio <= 1.5,
        )
    return {name: {"value": value, "met": met} for name, (value, met) in found.items()}


def _number(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"


def markdown(comparisons: list[Comparison], facts: dict, machine: dict, reps: int) -> str:
    lines = [
        f"Medians of {reps} repetitions on {machine['cores']} cores, "
        f"{machine['memory_gb']} GB, Python {machine['python']}.",
        "",
        "| measure | ours | baseline | ours / baseline |",
        "| --- | ---: | ---: | ---: |",
    ]
    for c in comparisons:
        unit = c.ours.unit
        lines.append(
            f"| {c.name} | {_number(c.ours.median, unit)} | {_number(c.baseline.median, unit)} "
            f"| {c.ratio:.2f} |"
        )
    lines.append("")
    if "scores_identical" in facts:
        if facts["scores_identical"]:
            lines.append(
                f"Scores: identical for both graders on all {facts['graded_pairs']} "
                "(student, notebook) pairs in every repetition."
            )
        else:
            lines.append("Scores DIFFER: " + "; ".join(facts["score_differences"]))
    if "endpoint_predictions_identical" in facts:
        same = "identical" if facts["endpoint_predictions_identical"] else "NOT identical"
        lines.append(
            f"Endpoint predictions on the {facts['endpoint_test_rows']} test rows: {same} "
            "to the Spark model's."
        )
    if "huge_error_reason" in facts:
        lines.append(f"The 150 MB error's unit: {facts['huge_error_reason']}.")
    lines += ["", "| target | value | met |", "| --- | ---: | :---: |"]
    for name, target in targets(comparisons).items():
        lines.append(f"| {name} | {target['value']:.3g} | {'yes' if target['met'] else 'no'} |")
    return "\n".join(lines) + "\n"
