"""The ``grader`` command: a thin layer that parses options and calls one function each."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.config import LANGUAGES
from grader.exceptions import GraderError

console = Console()


@click.group()
def main() -> None:
    """The MLflow-on-Databricks course: run it headlessly, release it, grade it."""


@main.command()
@click.option(
    "--notebooks",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the notebooks to run (default: the solutions).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the executed notebooks (and the local run's fresh lab home) go "
    "[build/course; databricks: build/course-databricks].",
)
@click.option("--kernel", default="python3", show_default=True, help="Jupyter kernel name.")
@click.option(
    "--cell-timeout",
    type=int,
    default=None,
    help="Seconds one cell may take [600; databricks 3600].",
)
@click.option("--only", multiple=True, help="Run only these notebooks (e.g. 01_provision).")
@click.option(
    "--backend",
    type=click.Choice(["local", "databricks"]),
    default="local",
    show_default=True,
    help="Where the course runs: the embedded lab, or the workspace of DATABRICKS_HOST.",
)
def course(
    notebooks: Path | None, out: Path | None, kernel: str, cell_timeout: int | None, only, backend
) -> None:
    """Run the seven notebooks of the course in order on the local backend (or Databricks)."""
    from grader.lab.java import require_java
    from grader.run.course import run_course
    from grader.run.summary import summarize

    out = out or Path("build/course" if backend == "local" else "build/course-databricks")
    if backend == "databricks":
        import logging

        logging.basicConfig(format="  %(message)s")  # the engine's progress: states, waits
        logging.getLogger("papermill").setLevel(logging.INFO)
    try:
        if backend == "local":
            require_java()
        with console.status("starting") as status:
            run = run_course(
                backend=backend,
                notebooks=notebooks,
                out=out.resolve(),
                kernel=kernel,
                cell_timeout=cell_timeout,
                only=list(only) or None,
                on_start=lambda i, name: status.update(f"[{i}/{len(only) or 7}] {name} running…"),
                on_done=lambda r: console.print(f"[green]✓[/] {r.name}  {r.seconds:5.1f} s"),
            )
    except GraderError as exc:
        console.print(f"[red]✗ The course run failed.[/]\n{exc}")
        sys.exit(1)
    if run.home is not None:
        print_summary(summarize(run.home, run.out), run)


@main.command()
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Grade the solutions first and refuse to release if any loses a point.",
)
def release(check: bool) -> None:
    """Regenerate the learner notebooks in course/ from solutions/ with nbgrader."""
    from grader.grading.release import release as do_release

    try:
        with console.status("grading the solutions" if check else "generating"):
            written = do_release(check=check)
    except GraderError as exc:
        console.print(f"[red]✗ Release failed.[/]\n{exc}")
        sys.exit(1)
    for path in written:
        console.print(
            f"[green]✓[/] {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}"
        )


def _workers(value: str) -> int | None:
    """``--workers``: 'auto' (None: one per core) or a whole number of at least 1."""
    if value == "auto":
        return None
    if not value.isdigit() or int(value) < 1:
        raise click.BadParameter(f"{value!r}: give a whole number of at least 1, or 'auto'.")
    return int(value)


@main.command()
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Where the nbgrader course folder, results, reports and feedback go.",
)
@click.option(
    "--workers",
    default="auto",
    show_default=True,
    callback=lambda ctx, param, value: _workers(value),
    help="Units graded side by side: a number, or 'auto' for one per core.",
)
@click.option(
    "--cluster",
    default=None,
    metavar="ADDRESS",
    help="Grade on a Dask cluster instead (its scheduler, e.g. tcp://host:8786); "
    "needs the 'cluster' extra.",
)
@click.option("--force", is_flag=True, help="Regrade units that already have a result.")
@click.option("--cell-timeout", type=int, default=None, help="Seconds one cell may take [300].")
@click.option(
    "--notebook-timeout", type=int, default=None, help="Seconds one notebook may take [900]."
)
@click.option("--memory-limit", type=int, default=None, help="Bytes of memory per unit [6 GiB].")
@click.option("--process-limit", type=int, default=None, help="Processes per unit [2048].")
@click.option(
    "--unsafe",
    is_flag=True,
    help="Grade without a sandbox (trusted work only) where one cannot be made.",
)
@click.option(
    "--sandbox",
    "sandbox_choice",
    type=click.Choice(["auto", "bwrap", "container", "none"]),
    default="auto",
    show_default=True,
    help="The sandbox driver (`grader doctor` lists them); none needs --unsafe.",
)
@click.option("--engine", default=None, help="Container engine (docker, podman) for container.")
@click.option(
    "--course",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The course's checkout (the folder with solutions/ and course/) "
    "[the current folder or above it].",
)
def autograde(
    submissions, out, workers, cluster, force, cell_timeout, notebook_timeout, memory_limit,
    process_limit, unsafe, sandbox_choice, engine, course,
) -> None:  # fmt: skip
    """Grade a class: SUBMISSIONS holds <student>/mlflow_lab/*.ipynb folders or <student>.zip.

    Each learner's kernel runs in a sandbox (docs/threat-model.md); where this machine
    cannot make one, grading is refused with what is missing, unless --unsafe.
    """
    from rich.progress import Progress

    from grader.grading import autograde as batch_grading
    from grader.grading.config import CELL_TIMEOUT, NOTEBOOK_TIMEOUT, SandboxLimits
    from grader.grading.safe_text import printable

    limits = SandboxLimits()
    if memory_limit:
        limits.memory_limit = memory_limit
    if process_limit:
        limits.process_limit = process_limit
    try:
        solutions = _course_solutions(course)
    except GraderError as exc:
        console.print(f"[red]✗ Nothing was graded.[/]\n{escape(str(exc))}")
        sys.exit(1)
    try:
        driver = None if cluster else batch_grading.choose_driver(
            sandbox_choice, unsafe=unsafe, engine=engine
        )  # fmt: skip
    except GraderError as exc:
        console.print(f"[red]✗ Grading failed.[/]\n{escape(str(exc))}")
        sys.exit(1)
    if cluster:
        console.print("sandbox: each worker's own (its driver is in the class summary)")
    elif driver is None:
        console.print(
            "[yellow]sandbox: none (--unsafe): learners' code runs unsandboxed, as you.[/]"
        )
    else:
        console.print(f"sandbox: {driver.label}")
    if cluster:
        console.print(f"grading on the Dask cluster at {cluster}")

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("grading", total=None)

        def on_unit(unit, result, skipped) -> None:
            progress.advance(task)
            if result.reason == "missing" or skipped:
                return  # listed once: per student in the table, the skipped in one line
            state = f"{result.score:g}/{result.max_score:g}"
            why = f" — {escape(printable(result.reason, one_line=True))}" if result.reason else ""
            console.print(f"  {unit.student} / {unit.notebook}: {state}{why}")

        try:
            batch = batch_grading.autograde(
                submissions_dir=submissions,
                out=out.resolve(),
                workers=workers,
                force=force,
                cell_timeout=cell_timeout or CELL_TIMEOUT,
                notebook_timeout=notebook_timeout or NOTEBOOK_TIMEOUT,
                unsafe=unsafe if cluster else driver is None,
                limits=limits,
                driver=driver,
                on_unit=on_unit,
                cluster=cluster,
                say=lambda message: console.print(f"  {message}"),
                solutions=solutions,
            )
        except (GraderError, FileNotFoundError) as exc:
            console.print(f"[red]✗ Grading failed.[/]\n{exc}")
            sys.exit(1)
    table = Table(
        title=f"Grades ({batch.graded} graded, {batch.skipped} skipped, {batch.seconds:.0f} s)"
    )
    for column in ("student", "total", "max", "reason"):
        table.add_column(column)
    for student in batch.students:
        reasons = "; ".join(f"{n.notebook}: {n.reason}" for n in student.notebooks if n.reason)
        reasons = escape(printable(reasons, one_line=True))
        table.add_row(student.student, f"{student.total:g}", f"{student.max_score:g}", reasons)
    console.print(table)
    if batch.skipped:
        units = "1 unit already graded was" if batch.skipped == 1 else (
            f"{batch.skipped} units already graded were"
        )  # fmt: skip
        console.print(f"{units} skipped (their results are kept; --force grades them again).")
    for student, problems in batch.problems.items():
        console.print(f"[yellow]{student}[/]: {escape(printable('; '.join(problems)))}")
    _print_batch_notes(batch)
    console.print(f"grades.csv, tests.csv, summary/ and feedback/ are in {batch.out}")


def _course_solutions(course: Path | None) -> Path:
    """The solutions of the course at ``course``, or of the checkout found from here."""
    from grader.grading.config import ASSIGNMENT
    from grader.paths import course_repo

    if course is None:
        try:
            return course_repo() / "solutions" / ASSIGNMENT
        except GraderError as exc:
            raise GraderError(
                f"{exc} Or name it: grader autograde --course DIR SUBMISSIONS --out OUT."
            ) from None
    solutions = course.resolve() / "solutions" / ASSIGNMENT
    if not solutions.is_dir():
        raise GraderError(
            f"--course {course}: no solutions/{ASSIGNMENT} folder there. --course names the "
            "course's checkout, the folder that holds solutions/ and course/."
        )
    return solutions


@main.command()
@click.option("--out", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True)
def report(out: Path) -> None:
    """Rewrite grades.csv, tests.csv, the summary and feedback from a graded batch."""
    from grader.grading.autograde import report as rewrite_reports

    try:
        batch = rewrite_reports(out=out.resolve())
    except FileNotFoundError as exc:
        console.print(f"[red]✗ No reports written.[/]\n{escape(str(exc))}")
        sys.exit(1)
    for student in batch.students:
        for notebook in student.notebooks:
            if notebook.reason.startswith("grading error"):
                console.print(
                    f"  {student.student} / {notebook.notebook}: {escape(notebook.reason)}"
                )
    _print_batch_notes(batch)
    console.print(f"grades.csv, tests.csv, summary/ and feedback/ are in {batch.out}")


def _print_batch_notes(batch) -> None:
    """What was not graded and what could not be written: the instructor must see both."""
    from grader.grading.safe_text import printable

    if batch.ignored:
        names = ", ".join(printable(n, one_line=True) for n in batch.ignored)
        console.print(f"[yellow]Not graded (not a student's folder or .zip):[/] {escape(names)}")
    for error in batch.errors:
        console.print(f"[red]✗[/] {escape(printable(error, one_line=True))}")


@main.command()
@click.option("--engine", default=None, help="Container engine to check (docker, podman).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def doctor(engine: str | None, as_json: bool) -> None:
    """Which sandbox drivers work here, what each enforces, which one auto picks."""
    import json

    from grader.grading import doctor as checkup

    if as_json:
        click.echo(json.dumps(checkup.report(engine=engine), indent=2))
        return
    table = Table(title="Sandbox drivers on this machine")
    for column in ("driver", "works?", "files", "network", "memory", "processes", "CPU", "uid"):
        table.add_column(column)
    rows = checkup.rows(engine=engine)
    for row in rows:
        e = row.enforcement
        works = "[green]yes[/]" if row.works else "[red]no[/]"
        table.add_row(
            escape(row.label), works, e.files, e.network, e.memory, e.processes, e.cpu, e.uid
        )
    console.print(table)
    chosen = checkup.auto_choice(rows)
    console.print(f"--sandbox auto picks: {escape(chosen) if chosen else 'nothing (none works)'}")
    for row in rows:
        if not row.works:
            console.print(f"[yellow]{row.driver}[/] does not work here:")
            for problem in row.problems:
                console.print(f"  - {escape(problem)}")
            console.print(f"  to enable it: {escape(row.enable)}")


@main.group()
def image() -> None:
    """The course's grading image, for --sandbox container."""


@image.command("build")
@click.option("--engine", default=None, help="docker or podman (default: whichever is on PATH).")
@click.option(
    "--base", default=None, help="Base image (a Debian/Ubuntu one) [debian:bookworm-slim]."
)
@click.option(
    "--wheels",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Install from this folder of wheels, with no network.",
)
def image_build(engine: str | None, base: str | None, wheels: Path | None) -> None:
    """Build the grading image from the repository's Dockerfile."""
    import subprocess

    from grader.grading.container import IMAGE, build_image
    from grader.paths import course_repo

    try:
        build_image(context=course_repo(), engine=engine, base=base, wheels=wheels)
    except (GraderError, FileNotFoundError, subprocess.CalledProcessError) as exc:
        console.print(f"[red]✗ The image was not built.[/]\n{escape(str(exc))}")
        sys.exit(1)
    console.print(f"[green]✓[/] {IMAGE}")


@main.command()
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="The edition to open; self-check messages follow it.",
)
@click.option("--port", type=int, default=8888, show_default=True)
@click.option("--no-browser", is_flag=True, help="Do not open a browser tab.")
def lab(lang: str, port: int, no_browser: bool) -> None:
    """Open the course in JupyterLab, with nbgrader's Assignments and Validate."""
    from grader.jupyter import lab_command, run
    from grader.paths import course_repo

    launch = lab_command(course_repo(), lang=lang, port=port, open_browser=not no_browser)
    console.print(launch.note)
    run(launch)


@main.command("mlflow-ui")
@click.option("--port", type=int, default=None, help="Port [the one of MLFLOW_LAB_UI_URL].")
def mlflow_ui(port: int | None) -> None:
    """Start the MLflow UI on your lab home: your runs and registered models."""
    from grader.jupyter import mlflow_ui_command, run

    launch = mlflow_ui_command(port=port)
    console.print(launch.note)
    run(launch)


@main.group()
def provision() -> None:
    """Create what the lab needs in a cloud (a Databricks workspace)."""


@provision.command("azure")
@click.option(
    "--subscription",
    envvar="AZURE_SUBSCRIPTION_ID",
    required=True,
    help="Azure subscription id (or AZURE_SUBSCRIPTION_ID).",
)
@click.option("--region", default=None, help="Region to try first (one of the lab's regions).")
def provision_azure(subscription: str, region: str | None) -> None:
    """A Premium Azure Databricks workspace where the lab's VM size and quota fit (setup.ps1).

    Signs in as the Azure SDK does (az login, environment, managed identity); needs the
    optional extra: python3 -m pip install '.[azure]'."""
    from grader.admin.azure import AzureProvisioner, provision_azure

    try:
        from azure.core.exceptions import AzureError
        from azure.identity import DefaultAzureCredential
    except ImportError:
        console.print("[red]✗[/] The Azure SDK is missing: python3 -m pip install '.[azure]'")
        sys.exit(1)
    try:
        provisioner = AzureProvisioner(DefaultAzureCredential(), subscription)
        made = provision_azure(provisioner, region=region, say=console.print)
    except (GraderError, AzureError) as exc:
        console.print(f"[red]✗ Provisioning failed.[/]\n{exc}")
        sys.exit(1)
    console.print(
        f"[green]✓[/] workspace {made.workspace} in {made.resource_group} ({made.region})\n"
        f"  export DATABRICKS_HOST=https://{made.workspace_url}\n"
        f"  remove it all later with: az group delete --name {made.resource_group}"
    )


@main.command()
@click.option(
    "--everything",
    is_flag=True,
    help="Also your experiment, model versions, data in the volume or DBFS, imported notebooks.",
)
def cleanup(everything: bool) -> None:
    """Remove what the course made in your Databricks workspace (default: what step 07 does,
    your endpoint deleted and your cluster terminated). Touches nothing of anyone else's."""
    from grader.admin.cleanup import clean_up

    try:
        clean_up(everything=everything, say=console.print)
    except GraderError as exc:
        console.print(f"[red]✗ The clean-up failed.[/]\n{exc}")
        sys.exit(1)


def print_summary(summary, run) -> None:
    table = Table(title="MLflow runs", show_lines=False)
    for column in ("run", "maxIter", "regParam", "accuracy", "weightedRecall", "weightedPrecision"):
        table.add_column(column)
    for r in summary.runs:
        table.add_row(
            r.run_id[:8],
            r.params.get("maxIter", ""),
            r.params.get("regParam", ""),
            *(f"{r.metrics[m]:.3f}" if m in r.metrics else "" for m in
              ("accuracy", "weightedRecall", "weightedPrecision")),
        )  # fmt: skip
    console.print(table)
    console.print(f"Registered: {', '.join(summary.model_versions) or 'nothing'}")
    console.print(f"Endpoint predict-penguin answered the lab's penguin with: {summary.prediction}")
    if run.leftovers:
        console.print(f"[yellow]Stopped endpoints the course left running: {run.leftovers}[/]")
    cleanup = "done" if summary.cleaned_up and not run.leftovers else "INCOMPLETE"
    console.print(f"Cleanup: {cleanup} (no endpoint, cluster terminated)")
    total = sum(r.seconds for r in run.notebooks)
    console.print(
        f"{len(run.notebooks)} notebooks in {total:.0f} s; executed notebooks in {run.out}"
    )


if __name__ == "__main__":
    main()
