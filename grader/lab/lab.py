"""``Lab``: what a notebook's setup cell gives the learner.

    from grader.lab import Lab
    lab = Lab.setup("03_data_prep")
    w, spark, display = lab.workspace, lab.spark, lab.display

``setup`` quiets library noise, points MLflow at the learner's store and experiment, and
rebuilds what the earlier steps would have left, so each notebook runs on its own in a
fresh lab home as well as in sequence. Nothing heavy happens on import.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from grader.config import Settings
from grader.lab import reference, steps
from grader.lab.backends import Backend, get_backend
from grader.lab.display import display as _display
from grader.lab.quiet import quiet

#: Said by a setup cell that needs a run with a model where this kernel cannot train one
#: (on Databricks, off the cluster: Spark runs there).
NO_MODEL_RUN = (
    "Your experiment has no finished run with a logged model yet, and this notebook cannot "
    "train one here (on Databricks, Spark runs on your cluster). Run step 05 (05_function) "
    "first, or run this notebook with papermill's databricks engine (papermill --engine "
    "databricks ...), which trains the lab's model on your cluster first."
)


class Lab:
    """The learner's lab: workspace client, Spark, MLflow experiment, file paths, checks."""

    def __init__(self, settings: Settings | None = None, *, step: str | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.step = step
        self.backend: Backend = get_backend(self.settings)
        self._cluster_id: str | None = None

    # -- setting up ------------------------------------------------------------------------
    @classmethod
    def setup(cls, step: str, **overrides: Any) -> Lab:
        """Prepare the lab for ``step`` (one of :data:`grader.lab.steps.STEPS`).

        ``overrides`` are papermill parameters (``backend=``, ``home=``, ``seed=``...) that
        take precedence over the environment.
        """
        steps.enter(step)  # raises for a step that is not the course's
        quiet()
        settings = Settings.from_env()
        given = {k: str(v) for k, v in overrides.items() if v is not None}
        if given:
            settings = Settings(**{**settings.__dict__, **given})
        lab = cls(settings, step=step)
        lab.experiment_id = lab.backend.configure_mlflow(lab.experiment_name)
        lab.restore(lab.backend.needs(step))
        return lab

    def restore(self, needs: tuple[str, ...]) -> None:
        """Rebuild what is missing, in order; what is already there is left as it is."""
        w = self.workspace
        if "data" in needs and not reference.data_is_intact(w):
            reference.provision_data(w)
        if "cluster" in needs:
            self._cluster_id = reference.ensure_cluster(w).cluster_id
        if "model_run" in needs and reference.latest_model_run(self.experiment_id) is None:
            train, test = self.train_test()
            reference.train_penguin_model(train, test, 10, 0.2, lab=self)
        if "prior_model_run" in needs and reference.latest_model_run(self.experiment_id) is None:
            from grader.exceptions import ResourceNotFound

            raise ResourceNotFound(NO_MODEL_RUN)
        if "signed_model" in needs:  # a registry that needs a signature (Unity Catalog)
            reference.sign_latest_model(self.experiment_id)
        if "endpoint" in needs:
            self._ensure_endpoint()

    def _ensure_endpoint(self) -> None:
        from grader.exceptions import ResourceNotFound

        w = self.workspace
        try:
            w.serving_endpoints.get(reference.ENDPOINT_NAME)
            return
        except ResourceNotFound:
            pass
        name = self.model_name
        version = reference.latest_version(name) or reference.register_latest(
            self.experiment_id, name
        )
        w.serving_endpoints.create_and_wait(
            reference.ENDPOINT_NAME, config=reference.endpoint_config(version.version, name)
        )

    # -- what notebooks use ----------------------------------------------------------------
    @property
    def workspace(self):
        """A ``WorkspaceClient``-shaped client of this lab's backend."""
        return self.backend.workspace_client()

    def workspace_client(self):
        """Step 01's exercise: connect to the workspace (``WorkspaceClient()`` on Databricks)."""
        return self.workspace

    @cached_property
    def user(self):
        return self.workspace.current_user.me()

    @property
    def experiment_name(self) -> str:
        return self.backend.experiment_name

    @property
    def model_name(self) -> str:
        """The name your model is registered under: "Penguin Predictor" on the local backend;
        on Databricks your own (``<catalog>.<schema>.penguin_predictor`` in Unity Catalog)."""
        return self.backend.model_name

    @property
    def cluster_id(self) -> str:
        """The learner's running cluster (created by step 02 or restored)."""
        if self._cluster_id is None:
            found = reference.running_cluster(self.workspace, reference.cluster_name(self.user))
            if found is None:
                from grader.exceptions import ResourceNotFound

                raise ResourceNotFound(
                    "You have no running cluster yet: create it in step 02 (02_cluster)."
                )
            self._cluster_id = found.cluster_id
        return self._cluster_id

    def connect(self, cluster_id: str | None = None):
        """Attach this notebook to a running cluster and return its SparkSession."""
        if cluster_id is not None:
            self._cluster_id = cluster_id
        return self.workspace.clusters.attach(self.cluster_id)

    @property
    def spark(self):
        """The SparkSession of the learner's cluster (started on first use)."""
        return self.connect()

    @staticmethod
    def display(obj: Any, **kwargs: Any) -> None:
        _display(obj, **kwargs)

    def path(self, lab_path: str) -> str:
        """``/mlflow_lab/penguins.csv`` as Spark and MLflow on this backend see it."""
        return self.backend.path(lab_path)

    def data(self):
        """Step 03's result, rebuilt: the prepared penguin DataFrame."""
        from grader.lab.dataset import LAB_PATH

        return reference.prepare(self.spark, self.path(LAB_PATH))

    def train_test(self):
        """Step 03's split, rebuilt with the lab's fixed seed (same rows every time)."""
        return reference.split(self.data(), self.settings.seed_value)

    def predictions(self, model_uri: str, records: list[dict]) -> list[float]:
        """What the Spark model at ``model_uri`` predicts for ``records``, where this lab's
        Spark is: in this kernel, or, from a kernel off the Databricks cluster (step 06),
        on the cluster, for the few seconds the answer takes."""
        spark = self.spark
        from grader.lab.databricks.remote import RemoteSpark

        if isinstance(spark, RemoteSpark):
            return spark.predictions(
                model_uri,
                records,
                registry_uri=self.backend.registry_uri,
                dfs_tmpdir=self.backend.dfs_tmpdir(),
            )
        return reference.predictions(spark, model_uri, records)

    def latest_model_run(self):
        """Your newest finished run that logged a model, and the model's URI; None if none."""
        return reference.latest_model_run(self.experiment_id)

    def see_run(self, test) -> None:
        """Show your latest run of this step: its confusion matrix on ``test`` and its page
        in the MLflow UI (see :func:`grader.checks.show.see_run`)."""
        _checks().see_run(self, test)

    def ui_url(self, run=None) -> str:
        """Where the MLflow UI (``MLFLOW_LAB_UI_URL``, started by :attr:`ui_command`) shows
        your experiment, or one of its runs (a run or its id)."""
        url = f"{self.settings.ui_url.rstrip('/')}/#/experiments/{self.experiment_id}/runs"
        if run is not None:
            url += f"/{getattr(getattr(run, 'info', None), 'run_id', run)}"
        return url + "?workflowType=machine_learning"  # the UI's model-training view

    @staticmethod
    def say_latest_version(model_version) -> None:
        """Step 06, after registering: which version is now the latest, and what the deploy
        cell does with it (see :func:`grader.checks.show.say_latest_version`)."""
        _checks().say_latest_version(model_version)

    @property
    def ui_command(self) -> str:
        """The command that starts the MLflow UI where this lab was opened: ``grader
        mlflow-ui``, or ``python3 -m nox -s mlflow-ui`` under ``nox -s lab``."""
        return self.settings.ui_command

    def check(self, name: str) -> None:
        """Run the named self-check on this notebook's variables, show its table, and
        raise :class:`~grader.exceptions.CheckFailed` if anything failed."""
        _checks().run_check(self, name)

    def __repr__(self) -> str:
        return f"Lab(step={self.step!r}, backend={self.backend.name!r})"


def _checks():
    """The checks (:mod:`grader.checks`), the one door from the lab up to them.

    The checks import the lab, never the reverse, except here: a notebook's ``lab.check``
    runs a check, and what the lab says about the learner's run (:mod:`grader.checks.show`)
    speaks the checks' language. Imported on first use, so importing the lab loads none of
    the checks (tests/test_imports.py holds this the only such import)."""
    import grader.checks

    return grader.checks
