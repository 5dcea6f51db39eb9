"""``python -m bench``: measure the course run, grading and the endpoint against baselines.

Repetitions alternate baseline and ours, so a slow spell of the machine hits both. Each
figure is the median of ``--reps`` runs; the table gives ours, the baseline and their ratio.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import click
import psutil

from bench import audit_cost, course_run, endpoint_run, grading_run, memory_run, phases
from bench.measure import Figure
from bench.report import Comparison, markdown, targets

PARTS = ("course", "grading", "endpoint", "memory", "audit")


@click.command()
@click.option("--reps", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=Path("build/bench"),
              show_default=True, help="Where the logs, bench.md and bench.json go.")  # fmt: skip
@click.option("--only", type=click.Choice(PARTS), multiple=True, help="Measure only these.")
@click.option("--queries", type=int, default=200, show_default=True,
              help="Single-record queries per endpoint run.")  # fmt: skip
@click.option("--students", type=click.IntRange(1, 10), default=10, show_default=True,
              help="Students in the graded class (fewer: a quicker, rougher grading figure).")  # fmt: skip
@click.option("--graded", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="audit: a `grader autograde --out` folder holding a correct student's seven "
              "graded units (default: grade one first).")  # fmt: skip
def main(
    reps: int, out: Path, only: tuple[str, ...], queries: int, students: int, graded: Path | None
) -> None:
    """Measure, print a Markdown table, write it and a JSON file under --out."""
    from grader.paths import solutions_dir

    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    parts = only or PARTS
    solutions = solutions_dir()
    comparisons: list[Comparison] = []
    facts: dict[str, object] = {}
    started = time.monotonic()

    if "course" in parts:
        ours_t, base_t = Figure("course run", "s"), Figure("course run", "s")
        ours_m, base_m = Figure("course run, peak memory", "MB"), Figure("", "MB")
        for rep in range(reps):
            click.echo(f"course run {rep + 1}/{reps}: baseline, then ours")
            b = course_run.baseline(solutions, out / "course-baseline")
            o = course_run.ours(solutions, out / "course-ours")
            base_t.values.append(b.seconds), ours_t.values.append(o.seconds)
            base_m.values.append(b.peak_rss_mb), ours_m.values.append(o.peak_rss_mb)
        comparisons += [Comparison(ours_t, base_t), Comparison(ours_m, base_m)]

    if "grading" in parts:
        names = grading_run.build_class(out / "class", students)
        units = grading_run.units_in(out / "class")
        grading = f"grading {students} students"
        ours_t, base_t = Figure(grading, "s"), Figure("", "s")
        dask_t = Figure(f"{grading} on Dask, 2 local workers", "s")
        ours_m, base_m = Figure("grading, peak memory", "MB"), Figure("", "MB")
        diffs: list[str] = []
        cpu: dict[str, list] = {"ours": [], "dask": [], "plain": []}
        for rep in range(reps):
            click.echo(f"grading {rep + 1}/{reps}: plain nbgrader, ours, ours on Dask")
            b = grading_run.baseline(solutions, out / "class", out / "grading-baseline")
            o = grading_run.ours(out / "class", out / "grading-ours")
            plain = grading_run.baseline_scores(out / "grading-baseline", names)
            ours_scores = grading_run.ours_scores(out / "grading-ours")
            diffs += [f"rep {rep + 1}: {d}" for d in grading_run.differences(ours_scores, plain)]
            # The cluster runs only for its own figure: its idle processes load no other.
            with grading_run.local_dask(out / "dask") as (address, workers):
                d = grading_run.ours_on_dask(out / "class", out / "grading-dask", address, workers)
            dask_scores = grading_run.ours_scores(out / "grading-dask")
            diffs += [
                f"rep {rep + 1}, Dask: {x}" for x in grading_run.differences(dask_scores, plain)
            ]
            base_t.values.append(b.seconds), ours_t.values.append(o.seconds)
            dask_t.values.append(d.seconds)
            base_m.values.append(b.peak_rss_mb), ours_m.values.append(o.peak_rss_mb)
            for key, sample in (("ours", o), ("dask", d), ("plain", b)):
                cpu[key].append(sample)
        comparisons += [Comparison(ours_t, base_t), Comparison(dask_t, base_t)]
        comparisons += [Comparison(ours_m, base_m)]
        facts["scores_identical"] = not diffs
        facts["score_differences"] = diffs
        facts["graded_pairs"] = len(ours_scores)
        facts["dask_vs_pool"] = dask_t.median / ours_t.median
        click.echo("measuring a bare kernel start and a bare JVM start")
        costs = phases.start_costs()
        facts["start_costs"] = costs
        facts["cpu_per_unit"] = {
            key: _per_unit(samples, costs, units) for key, samples in cpu.items()
        }

    if "endpoint" in parts:
        runs = {True: [], False: []}
        for rep in range(reps):
            click.echo(f"endpoint {rep + 1}/{reps}: untuned, then tuned")
            for tuned in (False, True):
                work = out / f"endpoint-{'ours' if tuned else 'baseline'}"
                runs[tuned].append(endpoint_run.probe(work, tuned=tuned, queries=queries))
        for key, name, unit in (
            ("startup_seconds", "endpoint start-up to first answer", "s"),
            ("p50_ms", f"endpoint p50 of {queries} queries", "ms"),
            ("p99_ms", f"endpoint p99 of {queries} queries", "ms"),
        ):
            comparisons.append(
                Comparison(
                    Figure(name, unit, [r[key] for r in runs[True]]),
                    Figure(name, unit, [r[key] for r in runs[False]]),
                )
            )
        facts["endpoint_predictions_identical"] = all(
            r["identical_predictions"] for r in runs[True] + runs[False]
        )
        facts["endpoint_test_rows"] = runs[True][0]["test_rows"]

    if "memory" in parts:
        baseline_class, hostile_class = memory_run.build_classes(out / "memory-class")
        ours_m, base_m = (
            Figure("grader's peak memory, a 150 MB error and a 400 MB audit echo in the class",
                   "MB"),
            Figure("", "MB"),
        )  # fmt: skip
        facts["load_average_before_memory"] = os.getloadavg()
        for rep in range(reps):
            click.echo(f"memory {rep + 1}/{reps}: a plain class, then the hostile one")
            b = memory_run.grade(baseline_class, out / "memory-baseline")
            o = memory_run.grade(hostile_class, out / "memory-ours")
            base_m.values.append(b.peak_rss_mb), ours_m.values.append(o.peak_rss_mb)
        facts["load_average_after_memory"] = os.getloadavg()
        comparisons.append(Comparison(ours_m, base_m))
        facts["huge_error_outcome"] = memory_run.outcome_of(out / "memory-ours", "huge")
        facts["audit_echo_outcome"] = memory_run.outcome_of(
            out / "memory-ours", "echo", memory_run.ECHO_STEP
        )
        facts["audit_echo_kept_bytes"] = memory_run.audit_output_bytes(out / "memory-ours")
        click.echo("counting what the echoing unit's audit prints with its cap lifted")
        facts["audit_echo_uncapped_bytes"] = memory_run.uncapped_audit_output(out / "memory-ours")

    if "audit" in parts:
        if graded is None:
            click.echo("grading one correct student's seven notebooks for the audit figures")
            graded = out / "audit-class" / "out"
            grading_run.build_class(out / "audit-class" / "submissions", 1)  # alice
            memory_run.grade(out / "audit-class" / "submissions", graded)
        facts["load_average_before_audit"] = os.getloadavg()
        student = sorted(p.name for p in (graded / "work").iterdir())[0]
        facts["audit_cpu_by_step"] = audit_cost.measure(graded / "work", student, reps)
        facts["load_average_after_audit"] = os.getloadavg()

    machine = {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(terse=True),
    }
    result = {
        "machine": machine,
        "reps": reps,
        "seconds": round(time.monotonic() - started),
        "figures": [c.as_dict() for c in comparisons],
        "targets": targets(comparisons),
        **facts,
    }
    table = markdown(comparisons, facts, machine, reps)
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "bench.md").write_text(table)
    click.echo("\n" + table)
    click.echo(f"Written: {out / 'bench.md'} and {out / 'bench.json'}")


def _per_unit(samples: list, costs: dict[str, float], units: int) -> dict[str, float]:
    """Mean CPU-seconds per unit by phase over the repetitions, and the sampling's coverage."""
    split = [phases.by_phase(s.cpu, s.started, costs) for s in samples]
    found = {name: sum(p[name] for p in split) / len(split) / units for name in phases.PHASES}
    found["total"] = sum(found[name] for name in phases.PHASES)
    accounted = sum(s.accounted_cpu for s in samples) / len(samples) / units
    found["coverage"] = found["total"] / accounted if accounted else float("nan")
    found["machine"] = sum(s.machine_cpu for s in samples) / len(samples) / units
    found["cores"] = sum(s.machine_cpu for s in samples) / sum(s.seconds for s in samples)
    return found


if __name__ == "__main__":
    main()
