"""The Databricks Runtime ML LTS releases the course may run on, and their libraries.

On Databricks, steps 03-05 run on the cluster, with the runtime's own Python, pyspark,
mlflow, databricks-sdk, pandas and numpy (06 runs in the learner's kernel, on the model
the runtime's MLflow logged); the ``grader`` wheel adds only what the runtime lacks
(:mod:`grader.run.databricks.package`). This is the one place that says which
runtimes those are and which library versions they carry, each with its source:

- the workspace's runtime list (``spark_versions``) of the local backend and the fake
  workspace is built from :data:`ML_LTS` (:mod:`grader.lab.cluster_rules`);
- step 02 picks the newest LTS ML runtime with Scala 2.13 the workspace lists
  (``select_spark_version(latest=True, long_term_support=True, ml=True, scala="2.13")``),
  which is :data:`NEWEST` on a workspace that lists them all;
- ``nox -s dbr`` runs steps 03-06 in one environment per runtime, pinned with
  :meth:`MLRuntime.pins`.

The course may select only runtimes with a Scala 2.13 ML build: 16.4 LTS and later. (15.4
and 14.3 LTS are still supported but Scala 2.12 only.) Stdlib only: the noxfile loads this
file on its own, before anything is installed (``python -m grader.lab.runtimes``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from importlib import metadata

#: The runtime release notes' index: Spark version, release and end-of-support dates, and
#: the MLflow version of each ML runtime ("MLflow-Databricks Runtime compatibility matrix").
RELEASE_NOTES = "https://docs.databricks.com/aws/en/release-notes/runtime/"
#: The Container Services base image of Databricks Runtime 18 (Databricks Connect 18.0):
#: its pinned databricks-sdk, numpy and pandas.
DCS_18_REQUIREMENTS = "https://docs.databricks.com/aws/en/assets/files/requirements-8e972929dcac249709ddd4214f2e1b2a.txt"
#: Databricks' own per-runtime constraint files (``python/dbr/<spark_version>/``), made
#: mechanically from each release notes page's "Installed Python libraries" table: ``==``
#: written as ``~=``, databricks-sdk widened to its minor line (``~=0.49``), pyspark left out.
ENVIRONMENTS = "https://github.com/databricks/environments/blob/main/python/dbr"

#: The libraries the course's code meets on a cluster, by their PyPI names.
RUNTIME_LIBRARIES = ("pyspark", "mlflow", "databricks-sdk", "pandas", "numpy")
#: MLflow 2.21, 3.0 and 3.8 import ``FallbackAsyncAdaptedQueuePool``, which SQLAlchemy 2.1
#: removed (later MLflow releases guard the import); the runtimes that ship them were
#: built with a SQLAlchemy 2.0 release, while pip today would pick 2.1.
SQLALCHEMY_2_0 = "sqlalchemy<2.1"
#: Every runtime's MLflow (2.21, 3.0, 3.8): its scoring server (``mlflow models serve``,
#: the local endpoint of step 06) declares routes with ``app.route``, which Starlette 1.0
#: removed; the runtimes ship Starlette 0.46, 0.48 and 0.49, while pip today would pick
#: FastAPI with Starlette 1.x.
STARLETTE_0 = "starlette<1"


@dataclass(frozen=True)
class MLRuntime:
    """One Databricks Runtime ML LTS release (CPU, Scala 2.13), as a workspace lists it."""

    version: str
    spark: str
    python: str
    libraries: dict[str, str]
    sources: tuple[str, ...]
    #: where a runtime's own build is not on PyPI: the installable release we use instead
    nearest: dict[str, str] = field(default_factory=dict)
    #: bounds on other libraries, so that an environment made today resolves as the
    #: runtime did when it was built (pip requirement lines)
    also: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The ``spark_version`` key of ``GET /api/2.1/clusters/spark-versions``."""
        return f"{self.version}.x-cpu-ml-scala2.13"

    @property
    def name(self) -> str:
        return f"{self.version} LTS ML (includes Apache Spark {self.spark}, Scala 2.13)"

    def pins(self) -> dict[str, str]:
        """PyPI name -> the version to install: the runtime's, or the nearest installable."""
        return {**self.libraries, **self.nearest}

    def requirements(self) -> list[str]:
        """The pins as pip requirement lines (also a pip constraints file's lines)."""
        return [f"{name}=={version}" for name, version in self.pins().items()]


def _release_notes(version: str) -> str:
    return f"https://docs.databricks.com/aws/en/release-notes/runtime/{version}lts-ml"


def _constraints(version: str) -> str:
    """The CPU ML runtime's constraints file in :data:`ENVIRONMENTS`."""
    return f"{ENVIRONMENTS}/{version}.x-cpu-ml-scala2.13/constraints.txt"


#: Oldest first. pyspark is the Apache Spark release the runtime is built on (Databricks'
#: own build of it is not on PyPI). Python is the runtime's; environments here use the
#: interpreter nox runs on (see the noxfile's ``dbr`` session). Checked against
#: :data:`RELEASE_NOTES` (its LTS table and MLflow compatibility matrix): every runtime's
#: Spark and MLflow version. 18.0's databricks-sdk, numpy and pandas come from
#: :data:`DCS_18_REQUIREMENTS`. Those of 16.4 and 17.3 were first written from memory of
#: each runtime's release notes page (which could not be opened when this was checked);
#: their :data:`ENVIRONMENTS` files (:func:`_constraints`, which agree with 18.0's too)
#: confirm both runtimes' MLflow, numpy and databricks-sdk minor line, and 17.3's pandas.
#: Two gaps remain: 16.4's file lists no pandas (nor does its non-ML 16.4 file; 15.4's
#: lists 1.5.3), so 16.4's pandas 1.5.3 still has no source; and databricks-sdk's patch
#: release (0.30.0, 0.49.0) is in none. Re-check those two on the release notes pages.
ML_LTS: tuple[MLRuntime, ...] = (
    MLRuntime(
        version="16.4",
        spark="3.5.2",
        python="3.12.3",
        libraries={
            "pyspark": "3.5.2",
            "mlflow": "2.21.3",
            "databricks-sdk": "0.30.0",
            "pandas": "1.5.3",
            "numpy": "1.26.4",
        },
        sources=(RELEASE_NOTES, _release_notes("16.4"), _constraints("16.4")),
        also=(SQLALCHEMY_2_0, STARLETTE_0),
    ),
    MLRuntime(
        version="17.3",
        spark="4.0.0",
        python="3.12.3",
        libraries={
            "pyspark": "4.0.0",
            "mlflow": "3.0.1",
            "databricks-sdk": "0.49.0",
            "pandas": "2.2.3",
            "numpy": "2.1.3",
        },
        sources=(RELEASE_NOTES, _release_notes("17.3"), _constraints("17.3")),
        also=(SQLALCHEMY_2_0, STARLETTE_0),
    ),
    MLRuntime(
        version="18.0",
        spark="4.1.0",
        python="3.12.3",
        libraries={
            "pyspark": "4.1.0",
            "mlflow": "3.8.1",
            "databricks-sdk": "0.67.0",
            "pandas": "2.2.3",
            "numpy": "2.1.3",
        },
        sources=(RELEASE_NOTES, DCS_18_REQUIREMENTS, _constraints("18.0")),
        also=(SQLALCHEMY_2_0, STARLETTE_0),
    ),
)
NEWEST = ML_LTS[-1]


def by_version(version: str) -> MLRuntime:
    """The runtime of ``version`` ("17.3"); a clear error naming the known ones."""
    for runtime in ML_LTS:
        if runtime.version == version:
            return runtime
    known = ", ".join(r.version for r in ML_LTS)
    raise KeyError(f"No Databricks Runtime ML LTS {version!r} here; known: {known}.")


def drift(runtime: MLRuntime) -> list[str]:
    """How this environment's libraries differ from the runtime's pins (empty: none)."""
    found = []
    for name, pinned in runtime.pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != pinned:
            found.append(f"{name} {installed or 'missing'} (the runtime's: {pinned})")
    return found


def main(argv: list[str]) -> int:
    """``python -m grader.lab.runtimes pins|check VERSION``: print the pins as requirement
    lines, or check that this environment still has exactly those versions."""
    if len(argv) != 2 or argv[0] not in ("pins", "check"):
        print("usage: python -m grader.lab.runtimes pins|check VERSION", file=sys.stderr)
        return 2
    runtime = by_version(argv[1])
    if argv[0] == "pins":
        print("\n".join(runtime.requirements()))
        return 0
    if problems := drift(runtime):
        print(
            f"Databricks Runtime {runtime.version} LTS ML: installing the course changed the "
            "runtime's libraries:\n  " + "\n  ".join(problems),
            file=sys.stderr,
        )
        return 1
    print(f"Databricks Runtime {runtime.version} LTS ML libraries intact: {runtime.pins()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
