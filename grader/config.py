"""The lab runtime's settings, each declared once with its environment variable and default.

Notebooks, the course runner and the tests read settings only through :class:`Settings`, so
there is exactly one place that says what can be configured and how (databricks-sdk does the
same in ``databricks/sdk/config.py``). Grading has its own traitlets config in ``grading/``.
"""

from __future__ import annotations

import dataclasses
import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

#: The languages the course speaks: its markdown editions and its self-check messages.
LANGUAGES = ("en", "ko")


def _setting(env: str, default: str, doc: str, *, secret: bool = False) -> dataclasses.Field:
    """Declare one setting: where it comes from, its default and what it is for."""
    return field(default=default, metadata={"env": env, "doc": doc, "secret": secret})


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "learner"


@dataclass(frozen=True)
class Settings:
    """What the lab runtime can be told, from the environment.

    ``Settings.from_env()`` reads every field's environment variable; an unset or empty
    variable keeps the default. ``describe()`` lists them for the README and ``--help``.
    """

    home: str = _setting(
        "MLFLOW_LAB_HOME",
        "~/.mlflow-lab",
        "The learner's lab home: MLflow store, artifacts, the lab's file system, endpoints, logs.",
    )
    backend: str = _setting(
        "MLFLOW_LAB_BACKEND", "local", "Where the lab runs: 'local' (embedded) or 'databricks'."
    )
    user: str = _setting(
        "MLFLOW_LAB_USER", "", "The learner's user name on the local backend (default: login)."
    )
    language: str = _setting(
        "MLFLOW_LAB_LANG",
        "en",
        "Language of the self-check messages, 'en' or 'ko', for a notebook that does not "
        "name its edition (the Korean ones do, in their metadata); unset: the edition's folder.",
    )
    ui_url: str = _setting(
        "MLFLOW_LAB_UI_URL",
        "http://127.0.0.1:5000",
        "Address of the MLflow UI the notebooks link your runs to (`nox -s mlflow-ui`).",
    )
    ui_command: str = _setting(
        "MLFLOW_LAB_UI_COMMAND",
        "grader mlflow-ui",
        "The command that starts the MLflow UI, as the notebooks name it "
        "(`nox -s lab` sets `python3 -m nox -s mlflow-ui`).",
    )
    seed: str = _setting("MLFLOW_LAB_SEED", "42", "Seed of the restored train/test split.")
    spark_cores: str = _setting(
        "MLFLOW_LAB_SPARK_CORES", "2", "Cores of the local 'cluster' (Spark local[N])."
    )
    spark_memory: str = _setting(
        "MLFLOW_LAB_SPARK_MEMORY", "1g", "Driver memory of the local 'cluster' and endpoints."
    )
    endpoint_timeout: str = _setting(
        "MLFLOW_LAB_ENDPOINT_TIMEOUT",
        "180",
        "Seconds a local serving endpoint may take to answer /ping.",
    )
    catalog: str = _setting(
        "MLFLOW_LAB_CATALOG",
        "",
        "Databricks backend: the Unity Catalog catalog of your schema, model and data volume "
        "(default: the metastore's default catalog).",
    )
    trace: str = _setting(
        "MLFLOW_LAB_TRACE",
        "",
        "Databricks backend: a JSON-lines file recording every request to the workspace and "
        "its answer, token and user names redacted (`nox -s databricks` writes "
        "build/databricks/trace.jsonl).",
    )
    tuning: str = _setting(
        "MLFLOW_LAB_TUNING",
        "on",
        "'on': Spark and endpoints start fast (UI off, C1 JIT, few partitions, the JVM class "
        "archive; the endpoint interprets its UDFs); 'off': their defaults, the benchmark's "
        "baseline.",
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f.metadata["env"], "")
            if raw.strip():
                values[f.name] = raw.strip()
        return cls(**values)

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(environment variable, default, meaning) for every setting."""
        return [(f.metadata["env"], f.default, f.metadata["doc"]) for f in dataclasses.fields(cls)]

    # Typed views of the raw strings, so a bad value fails with the variable's name.
    @property
    def home_path(self) -> Path:
        return Path(self.home).expanduser().resolve()

    @property
    def user_name(self) -> str:
        return self.user or _default_user()

    @property
    def seed_value(self) -> int:
        return self._int("seed")

    @property
    def cores(self) -> int:
        return self._int("spark_cores")

    @property
    def endpoint_timeout_seconds(self) -> float:
        return float(self._int("endpoint_timeout"))

    @property
    def lang(self) -> str:
        """The self-check language, checked: a typo fails here with the variable's name."""
        if self.language not in LANGUAGES:
            from grader.exceptions import ConfigError

            raise ConfigError(
                f"MLFLOW_LAB_LANG={self.language!r}: set it to one of {', '.join(LANGUAGES)}."
            )
        return self.language

    @property
    def tuned(self) -> bool:
        if self.tuning not in ("on", "off"):
            from grader.exceptions import ConfigError

            raise ConfigError(f"MLFLOW_LAB_TUNING={self.tuning!r}: set it to 'on' or 'off'.")
        return self.tuning == "on"

    def _int(self, name: str) -> int:
        raw = getattr(self, name)
        try:
            return int(raw)
        except ValueError:
            env = next(f.metadata["env"] for f in dataclasses.fields(self) if f.name == name)
            from grader.exceptions import ConfigError

            raise ConfigError(f"{env}={raw!r} is not a whole number; set it to e.g. 42.") from None
